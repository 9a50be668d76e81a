//! Unbounded fan-out: one concurrent task, coroutine or promise per item of
//! an input whose size the code does not control, with nothing limiting how
//! many run at once. Python `asyncio.gather(*[f(x) for x in items])`,
//! `asyncio.create_task`/`executor.submit` in a loop; JS/TS
//! `Promise.all(items.map(...))`. Calls, limiters and what counts as
//! unbounded input come from `rules/catalog/queues.toml`.
//!
//! "Unbounded input" means the collection is, or is derived from (`list(x)`,
//! `x.items()`, `Object.keys(x)`, `x.filter(...)`, a local variable assigned
//! from one of these):
//!
//! - a parameter of the enclosing function (or, for parameters named like
//!   request or message input, `request.data["ids"]`, `req.body.items`);
//! - a query or fetch result without a limit (`.all()`, `.filter(...)`,
//!   `await repo.findMany()`, `await resp.json()`).
//!
//! Literals, `range(...)`, slices, `self`/`this` attributes, module-level
//! names and loop variables of an enclosing loop (chunking) are bounded or
//! unknown, and never reported.

use tree_sitter::Node;

use crate::analysis::collections;
use crate::analysis::roles::Role;
use crate::catalog::queues::FanOut;
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::{NodeExt, node_text, python as py, typescript as ts};
use crate::rule::{Rule, RuleMeta};
use crate::rules::fan_out_without_limit_rust;
use crate::source::Grammar;

crate::declare_rule! {
    pub static META = {
        code: "PP602",
        name: "fan-out-without-limit",
        category: UnboundedQueue,
        severity: Warning,
        status: Preview,
        since: "0.2.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "Work is started concurrently for every item of an unbounded input with no concurrency limit, so a large input opens thousands of connections at once",
        fix: "Limit concurrency with a semaphore, a pool with a fixed size (p-limit, p-map `concurrency`) or process the input in chunks",
    }
}

/// The rule.
pub struct FanOutWithoutLimit;

impl Rule for FanOutWithoutLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        fan_out_without_limit_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        fan_out_without_limit_rust::check(node, cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        match cx.grammar() {
            Grammar::Python => check_python(node, cx),
            _ => check_js(node, cx),
        }
    }
}

/// Per-file state: whether the file uses a concurrency limiter.
#[derive(Default)]
struct Limited(Option<bool>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Unbounded,
    Bounded,
    Unknown,
}

const MAX_DEPTH: u32 = 8;
const CONSEQUENCE: &str = "so a large input opens thousands of connections or queries at the same moment";

fn file_is_limited(cx: &mut Checker<'_, '_>, python: bool) -> bool {
    if let Some(v) = cx.state::<Limited>().0 {
        return v;
    }
    let limited = text_is_limited(cx.src, &cx.catalog.queues.lang(python).fan_out, python);
    cx.state::<Limited>().0 = Some(limited);
    limited
}

/// A file whose text imports or creates one of the catalog's limiters
/// (a semaphore, `p-limit`): its fan-out is taken to be limited.
pub fn text_is_limited(src: &str, fan: &FanOut, python: bool) -> bool {
    fan.limiters.iter().any(|l| {
        if l.ends_with('.') || l.ends_with('/') || !python {
            let m = l.trim_end_matches('.');
            if python {
                src.contains(&format!("import {m}")) || src.contains(&format!("from {m}"))
            } else if l.ends_with('/') {
                src.contains(&format!("\"{l}")) || src.contains(&format!("'{l}"))
            } else {
                ["\"", "'"].iter().any(|q| src.contains(&format!("{q}{m}{q}")))
            }
        } else {
            let last = l.rsplit('.').next().unwrap_or(l);
            src.contains(&format!("{last}("))
        }
    })
}

/// A query builder chain that limits its result: `db(t).where(..).limit(n)`,
/// `select(User).limit(10)`.
fn chain_limited(receiver: Node<'_>, fan: &FanOut, src: &str) -> bool {
    let text = node_text(receiver, src);
    fan.limit_args.iter().any(|l| text.contains(&format!(".{l}(")))
}

/// Per-item work that runs inside one database transaction shares its
/// single connection: the calls queue on it instead of opening more.
fn in_one_transaction(work: Node<'_>, src: &str) -> bool {
    node_text(work, src).contains("transaction")
}

fn shorten(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 40 { format!("{}...", t.chars().take(37).collect::<String>()) } else { t }
}

fn has_ancestor_within(node: Node<'_>, ancestor: Node<'_>) -> bool {
    node.start_byte() >= ancestor.start_byte() && node.end_byte() <= ancestor.end_byte()
}

// ------------------------------------------------------------------ Python

const PY_FUNCS: &[&str] = &["function_definition", "lambda"];

fn py_unwrap(mut n: Node<'_>) -> Node<'_> {
    while matches!(n.kind(), "await" | "parenthesized_expression") {
        match n.named_child(0) {
            Some(i) => n = i,
            None => break,
        }
    }
    n
}

/// Migrations run once, by a deploy: their fan-out is not a server's load.
/// (Tooling and build scripts are not checked by default at all; see
/// `analysis::roles`.)
fn is_one_off(cx: &Checker<'_, '_>) -> bool {
    cx.file.role.role == Role::Migration
}

fn check_python<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    if is_one_off(cx) {
        return;
    }
    let Some(callee) = call.field("function") else { return };
    // Receivers that are parameters resolve to nothing; methods still count.
    let r = cx.resolve(callee).unwrap_or(crate::engine::Resolved {
        path: String::new(),
        instance: None,
        site: None,
        bound: false,
    });
    let fan = &cx.catalog.queues.python.fan_out;
    let src = cx.src;
    if r.bound && fan.gather.contains(&r.path) {
        let candidates: Vec<Node<'t>> = if r.last() == "gather" {
            let Some(args) = call.field("arguments") else { return };
            crate::lang::named_children(args)
                .into_iter()
                .filter(|a| a.kind() == "list_splat")
                .filter_map(|a| a.named_child(0))
                .collect()
        } else {
            py::positional_args(call).into_iter().take(1).collect()
        };
        for c in candidates {
            let Some((iter, work)) = py_source(c, call, src, 0) else { continue };
            if !is_work(work, src) || starts_tasks(work, fan, src) || in_one_transaction(work, src) {
                continue;
            }
            // A literal, constant, slice, chunk, registry or small relation.
            if collections::size_of(iter, cx).is_some() {
                continue;
            }
            let in_handler = cx.ctx.handler().is_some();
            if py_origin(iter, iter, fan, src, in_handler, 0) != Origin::Unbounded || file_is_limited(cx, true) {
                continue;
            }
            let msg = format!(
                "`{}` runs one coroutine per item of `{}` at once with no concurrency limit, {CONSEQUENCE}",
                shorten(cx.text(callee)),
                shorten(node_text(iter, src))
            );
            cx.report_node(call, msg);
            return;
        }
        return;
    }
    // Spawning one task or work item per loop iteration.
    let Some(attr) = (callee.kind() == "attribute").then(|| callee.field("attribute")).flatten() else {
        if r.bound && fan.spawn.contains(&r.path) {
            spawn_in_loop(call, callee, cx, None);
        } else {
            spawn_through_helper(call, callee, cx);
        }
        return;
    };
    let method = node_text(attr, src);
    let is_spawn = (r.bound && fan.spawn.contains(&r.path)) || fan.spawn_methods.iter().any(|m| m == method);
    let is_submit = fan.executor_methods.iter().any(|m| m == method) && {
        let ctor_known = r.instance_parts().is_some_and(|(ctor, _)| fan.executors.iter().any(|e| e == ctor));
        let recv = callee.field("object").map(|o| node_text(o, src).to_ascii_lowercase()).unwrap_or_default();
        ctor_known || recv.contains("executor") || recv.ends_with("pool")
    };
    if is_spawn || is_submit {
        spawn_in_loop(call, callee, cx, is_submit.then_some(None));
    } else {
        spawn_through_helper(call, callee, cx);
    }
}

/// A call to a project function (any module, up to three calls deep) that
/// starts a task per call with no limiter in its file
/// ([`crate::analysis::summaries`]): a loop of such calls fans out like a
/// loop of `create_task`.
fn spawn_through_helper<'t>(call: Node<'t>, callee: Node<'t>, cx: &mut Checker<'_, 't>) {
    let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    let Some(site) = &f.reach.spawns else { return };
    let helper = format!(
        "`{}` ({}) starts a task with `{}` in `{}`",
        shorten(cx.text(callee)),
        site.path,
        site.callee,
        site.function
    );
    spawn_in_loop(call, callee, cx, Some(Some(helper)));
}

/// Reports a spawn call made once per item of an unbounded loop.
/// `how`: `None` for a spawn call, `Some(None)` for an executor submit,
/// `Some(Some(helper))` for a project function that spawns.
fn spawn_in_loop<'t>(call: Node<'t>, callee: Node<'t>, cx: &mut Checker<'_, 't>, how: Option<Option<String>>) {
    let src = cx.src;
    // Awaited at once, or waited for in the loop: one at a time.
    let parent = call.parent();
    if parent.is_some_and(|p| p.kind() == "await") {
        return;
    }
    if parent.is_some_and(|p| p.kind() == "attribute")
        && parent.and_then(|p| p.field("attribute")).is_some_and(|a| node_text(a, src) == "result")
    {
        return;
    }
    let Some((loop_node, iter)) = py_enclosing_loop(call) else { return };
    if node_text(loop_node, src).contains("FIRST_COMPLETED") {
        return;
    }
    if collections::size_of(iter, cx).is_some() {
        return;
    }
    let fan = &cx.catalog.queues.python.fan_out;
    let in_handler = cx.ctx.handler().is_some();
    if py_origin(iter, iter, fan, src, in_handler, 0) != Origin::Unbounded || file_is_limited(cx, true) {
        return;
    }
    let shown = shorten(cx.text(callee));
    let iter = shorten(node_text(iter, src));
    let msg = if let Some(Some(helper)) = how {
        format!(
            "{helper}, called in a loop over `{iter}`: one task per item starts at once with no concurrency limit, {CONSEQUENCE}"
        )
    } else if how.is_some() {
        format!(
            "`{shown}` in a loop over `{iter}` queues one work item per item at once in the executor's unbounded queue, so a large input holds all of them in memory"
        )
    } else {
        format!(
            "`{shown}` in a loop over `{iter}` starts one task per item at once with no concurrency limit, {CONSEQUENCE}"
        )
    };
    cx.report_node(call, msg);
}

/// The nearest `for` loop or comprehension around `node` in its function,
/// and its iterable. A `while` loop stops the search.
fn py_enclosing_loop(node: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let mut child = node;
    let mut cur = node.parent();
    while let Some(n) = cur {
        match n.kind() {
            k if PY_FUNCS.contains(&k) || k == "class_definition" || k == "while_statement" => return None,
            "for_statement" if n.field("body") == Some(child) => {
                return Some((n, n.field("right")?));
            }
            "list_comprehension" | "generator_expression" | "set_comprehension" | "dictionary_comprehension"
                if n.field("body") == Some(child) =>
            {
                let clause = crate::lang::named_children(n).into_iter().find(|c| c.kind() == "for_in_clause")?;
                return Some((n, clause.field("right")?));
            }
            _ => {}
        }
        child = n;
        cur = n.parent();
    }
    None
}

/// The iterable and the per-item work of a collection of awaitables: a
/// comprehension, `map(f, xs)`, or a local list filled in a loop.
fn py_source<'t>(expr: Node<'t>, at: Node<'t>, src: &str, depth: u32) -> Option<(Node<'t>, Node<'t>)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let expr = py_unwrap(expr);
    match expr.kind() {
        "list_comprehension" | "generator_expression" | "set_comprehension" => {
            let clause = crate::lang::named_children(expr).into_iter().find(|c| c.kind() == "for_in_clause")?;
            Some((clause.field("right")?, expr.field("body")?))
        }
        "call" => {
            let f = node_text(expr.field("function")?, src);
            let args = py::positional_args(expr);
            match f {
                "map" if args.len() >= 2 => Some((args[1], args[0])),
                "list" | "tuple" | "set" => py_source(*args.first()?, at, src, depth + 1),
                _ => None,
            }
        }
        "identifier" => {
            let name = node_text(expr, src);
            let func = py_function_of(at)?;
            let body = func.field("body")?;
            let mut assigned: Option<Node<'t>> = None;
            let mut appended: Option<(Node<'t>, Node<'t>)> = None;
            py_walk_own(body, &mut |n| {
                if n.start_byte() >= at.start_byte() {
                    return;
                }
                match n.kind() {
                    "assignment" => {
                        if n.field("left").is_some_and(|l| node_text(l, src) == name)
                            && let Some(r) = n.field("right")
                        {
                            assigned = Some(r);
                        }
                    }
                    "call" if appended.is_none() => {
                        let Some(f) = n.field("function").filter(|f| f.kind() == "attribute") else {
                            return;
                        };
                        let obj = f.field("object").map(|o| node_text(o, src));
                        let m = f.field("attribute").map(|a| node_text(a, src));
                        if obj == Some(name)
                            && m == Some("append")
                            && let Some(arg) = py::positional_args(n).first().copied()
                            && let Some((_, iter)) = py_enclosing_loop(n)
                        {
                            appended = Some((iter, arg));
                        }
                    }
                    _ => {}
                }
            });
            if let Some(a) = appended {
                return Some(a);
            }
            py_source(assigned?, at, src, depth + 1)
        }
        _ => None,
    }
}

/// True when the per-item expression does work (a call, an await).
fn is_work(work: Node<'_>, src: &str) -> bool {
    matches!(work.kind(), "call" | "await" | "call_expression" | "await_expression")
        || node_text(work, src).contains('(')
}

/// True when the per-item work itself starts a task (reported at the spawn).
fn starts_tasks(work: Node<'_>, fan: &FanOut, src: &str) -> bool {
    let t = node_text(work, src);
    fan.spawn_methods.iter().chain(&fan.executor_methods).any(|m| t.contains(&format!("{m}(")))
}

fn py_function_of(node: Node<'_>) -> Option<Node<'_>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind() == "function_definition" {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// Visits `node`'s subtree without entering nested functions and classes.
fn py_walk_own<'t>(node: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    crate::lang::walk(node, &mut |n| {
        if n.id() != node.id() && matches!(n.kind(), "function_definition" | "lambda" | "class_definition") {
            return false;
        }
        f(n);
        true
    });
}

fn py_param_names<'s>(func: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let Some(params) = func.field("parameters") else { return Vec::new() };
    crate::lang::named_children(params)
        .into_iter()
        .filter_map(|p| match p.kind() {
            "identifier" => Some(p),
            "default_parameter" | "typed_default_parameter" => p.field("name"),
            "typed_parameter" => p.named_child(0).filter(|n| n.kind() == "identifier"),
            _ => None,
        })
        .map(|n| node_text(n, src))
        .filter(|n| !matches!(*n, "self" | "cls"))
        .collect()
}

fn py_origin(expr: Node<'_>, at: Node<'_>, fan: &FanOut, src: &str, handler: bool, depth: u32) -> Origin {
    if depth > MAX_DEPTH {
        return Origin::Unknown;
    }
    let expr = py_unwrap(expr);
    match expr.kind() {
        "identifier" => py_origin_name(node_text(expr, src), at, fan, src, handler, depth, false),
        "attribute" | "subscript" => {
            // `xs[:10]` is bounded (the collection-size evidence, asked
            // first); `xs[1:]` is as long as `xs`.
            if expr.kind() == "subscript" && crate::lang::named_children(expr).iter().any(|c| c.kind() == "slice") {
                return match expr.field("value") {
                    Some(v) => py_origin(v, at, fan, src, handler, depth + 1),
                    None => Origin::Unknown,
                };
            }
            let obj = expr.field("object").or_else(|| expr.field("value"));
            let Some(obj) = obj.map(py_unwrap) else { return Origin::Unknown };
            if obj.kind() == "identifier" {
                let name = node_text(obj, src);
                if matches!(name, "self" | "cls") {
                    return Origin::Unknown;
                }
                return py_origin_name(name, at, fan, src, handler, depth, true);
            }
            py_origin(obj, at, fan, src, handler, depth + 1)
        }
        "call" => {
            let Some(f) = expr.field("function") else { return Origin::Unknown };
            let ftext = node_text(f, src);
            let args = py::positional_args(expr);
            if fan.bounded.iter().any(|b| b == ftext || b.rsplit('.').next() == Some(ftext)) {
                return Origin::Bounded;
            }
            if fan.external_calls.iter().any(|e| e == ftext) {
                return Origin::Unbounded;
            }
            if fan.passthrough.iter().any(|p| p == ftext) {
                let idx = usize::from(matches!(ftext, "map" | "filter"));
                return args.get(idx).map_or(Origin::Unknown, |a| py_origin(*a, at, fan, src, handler, depth + 1));
            }
            if f.kind() == "attribute"
                && let (Some(m), Some(obj)) = (f.field("attribute"), f.field("object"))
            {
                let m = node_text(m, src);
                if fan.query_methods.iter().any(|q| q == m) {
                    let (kwargs, _) = py::keyword_args(expr, src);
                    if kwargs.iter().any(|(k, _)| fan.limit_args.iter().any(|l| l == k)) || chain_limited(obj, fan, src)
                    {
                        return Origin::Bounded;
                    }
                    // `self.items.all()` on a collection the object owns is
                    // as big as the data model; a query result either way.
                    return Origin::Unbounded;
                }
                if fan.passthrough_methods.iter().any(|p| p == m) {
                    return py_origin(obj, at, fan, src, handler, depth + 1);
                }
            }
            Origin::Unknown
        }
        "list" | "tuple" | "set" | "dictionary" | "string" | "integer" | "concatenated_string" => Origin::Bounded,
        "list_comprehension" | "generator_expression" | "set_comprehension" | "dictionary_comprehension" => {
            match crate::lang::named_children(expr).into_iter().find(|c| c.kind() == "for_in_clause") {
                Some(clause) => {
                    clause.field("right").map_or(Origin::Unknown, |r| py_origin(r, r, fan, src, handler, depth + 1))
                }
                None => Origin::Unknown,
            }
        }
        _ => Origin::Unknown,
    }
}

/// Where a name used at `at` comes from. `member`: the name is the object
/// of an attribute or subscript (`request.data`).
fn py_origin_name(
    name: &str,
    at: Node<'_>,
    fan: &FanOut,
    src: &str,
    handler: bool,
    depth: u32,
    member: bool,
) -> Origin {
    // A loop variable of an enclosing loop: one element, or one chunk.
    let mut child = at;
    let mut cur = at.parent();
    while let Some(n) = cur {
        if PY_FUNCS.contains(&n.kind()) {
            break;
        }
        let binds = |left: Option<Node<'_>>| {
            left.is_some_and(|l| {
                let mut found = false;
                crate::lang::walk(l, &mut |x| {
                    found |= x.kind() == "identifier" && node_text(x, src) == name;
                    true
                });
                found
            })
        };
        match n.kind() {
            "for_statement" if n.field("body") == Some(child) && binds(n.field("left")) => {
                return Origin::Bounded;
            }
            "list_comprehension" | "generator_expression" | "set_comprehension" | "dictionary_comprehension"
                if n.field("body") == Some(child) =>
            {
                for clause in crate::lang::named_children(n).into_iter().filter(|c| c.kind() == "for_in_clause") {
                    if binds(clause.field("left")) {
                        return Origin::Bounded;
                    }
                }
            }
            _ => {}
        }
        child = n;
        cur = n.parent();
    }
    // Assigned in this function (or an enclosing one) before the use.
    let mut func = py_function_of(at);
    while let Some(f) = func {
        let Some(body) = f.field("body") else { break };
        let mut assigned: Option<Node<'_>> = None;
        let mut other_binding = false;
        py_walk_own(body, &mut |n| {
            if n.start_byte() >= at.start_byte() {
                return;
            }
            match n.kind() {
                "assignment" | "augmented_assignment" => {
                    if let Some(l) = n.field("left") {
                        if l.kind() == "identifier" && node_text(l, src) == name {
                            if n.kind() == "assignment" {
                                assigned = n.field("right");
                            }
                        } else if l.kind() != "identifier" && has_identifier(l, name, src) {
                            other_binding = true;
                        }
                    }
                }
                "for_statement" | "with_item" | "for_in_clause" => {
                    if let Some(l) = n.field("left").or_else(|| n.field("value"))
                        && has_identifier(l, name, src)
                        && n.kind() != "with_item"
                    {
                        other_binding = true;
                    }
                }
                _ => {}
            }
        });
        if let Some(value) = assigned {
            return py_origin(value, value, fan, src, handler, depth + 1);
        }
        if other_binding {
            return Origin::Unknown;
        }
        if f.kind() == "function_definition" && py_param_names(f, src).contains(&name) {
            // A bare parameter is unbounded input in a handler; elsewhere its
            // callers usually pass a small, known collection.
            let input = fan.input_names.iter().any(|i| i == name) || (!member && handler);
            return if input { Origin::Unbounded } else { Origin::Unknown };
        }
        func = py_function_of(f);
    }
    Origin::Unknown
}

fn has_identifier(node: Node<'_>, name: &str, src: &str) -> bool {
    let mut found = false;
    crate::lang::walk(node, &mut |x| {
        found |= x.kind() == "identifier" && node_text(x, src) == name;
        !found
    });
    found
}

// ------------------------------------------------------------------ JS/TS

fn check_js<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    let Some(callee) = call.field("function") else { return };
    let fan = &cx.catalog.queues.javascript.fan_out;
    let gather = cx.resolve(callee).is_some_and(|r| fan.gather.contains(&r.path));
    if is_one_off(cx) {
        return;
    }
    if !gather {
        js_through_helper(call, callee, cx);
        return;
    }
    let src = cx.src;
    let Some(arg) = ts::call_args(call).first().copied() else { return };
    let Some((iter, work)) = js_source(arg, call, src, 0) else { return };
    if !js_is_work(work, src) || in_one_transaction(work, src) {
        return;
    }
    // A small collection, or queries that queue on one transaction's or
    // query runner's connection.
    if collections::size_of(iter, cx).is_some()
        || collections::on_one_connection(cx)
        || collections::js_work_on_one_connection(work, &cx.catalog.collections.javascript, src)
    {
        return;
    }
    let in_handler = cx.ctx.handler().is_some();
    if js_origin(iter, iter, fan, src, in_handler, 0) != Origin::Unbounded || file_is_limited(cx, false) {
        return;
    }
    let msg = format!(
        "`{}` starts one call per item of `{}` at once with no concurrency limit, {CONSEQUENCE}",
        shorten(cx.text(callee)),
        shorten(node_text(iter, src))
    );
    cx.report_node(call, msg);
}

/// A call to a project function (any module, up to three calls deep) that
/// fans out itself ([`crate::analysis::summaries`]): one that runs
/// `Promise.all` over the parameter this call fills with unbounded input, or
/// one that leaves a promise floating (`void work(x)`, `.then` without
/// `await`) when called in a loop over unbounded input.
fn js_through_helper<'t>(call: Node<'t>, callee: Node<'t>, cx: &mut Checker<'_, 't>) {
    let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    let (fans_out, spawns) = (f.reach.fans_out.clone(), f.reach.spawns.clone());
    let src = cx.src;
    let fan = &cx.catalog.queues.javascript.fan_out;
    let in_handler = cx.ctx.handler().is_some();
    let unbounded = |e: Node<'t>, cx: &Checker<'_, 't>| {
        collections::size_of(e, cx).is_none() && js_origin(e, e, fan, src, in_handler, 0) == Origin::Unbounded
    };
    let place = |site: &crate::analysis::summaries::Site, cx: &Checker<'_, '_>| {
        let file = if site.path == cx.file.path { String::new() } else { format!(" in {}", site.path) };
        format!("`{}` in `{}`{file}", site.callee, site.function)
    };
    if let Some((i, site)) = fans_out
        && let Some(arg) = ts::call_args(call).get(i as usize).copied()
        && unbounded(arg, cx)
        && !file_is_limited(cx, false)
    {
        let msg = format!(
            "`{}` starts one call per item of `{}` at once ({}) with no concurrency limit, {CONSEQUENCE}",
            shorten(cx.text(callee)),
            shorten(node_text(arg, src)),
            place(&site, cx)
        );
        cx.report_node(call, msg);
        return;
    }
    let Some(site) = spawns else { return };
    let Some(body) = js_function_of(call).and_then(|f| f.field("body")) else { return };
    let Some(iter) = js_enclosing_iteration(call, body, src) else { return };
    if !unbounded(iter, cx) || file_is_limited(cx, false) {
        return;
    }
    let msg = format!(
        "`{}` starts work it does not wait for ({}), called in a loop over `{}`: one call per item runs at once with no concurrency limit, {CONSEQUENCE}",
        shorten(cx.text(callee)),
        place(&site, cx),
        shorten(node_text(iter, src))
    );
    cx.report_node(call, msg);
}

fn js_function_of(node: Node<'_>) -> Option<Node<'_>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if ts::FUNCTION_KINDS.contains(&n.kind()) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// Visits `node`'s subtree without entering nested functions and classes.
fn js_walk_own<'t>(node: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    crate::lang::walk(node, &mut |n| {
        if n.id() != node.id() && (ts::FUNCTION_KINDS.contains(&n.kind()) || n.kind() == "class_body") {
            return false;
        }
        f(n);
        true
    });
}

fn member_parts<'t, 's>(callee: Node<'t>, src: &'s str) -> Option<(Node<'t>, &'s str)> {
    if callee.kind() != "member_expression" {
        return None;
    }
    Some((callee.field("object")?, node_text(callee.field("property")?, src)))
}

/// The iterable and per-item work of the array handed to `Promise.all`.
pub(crate) fn js_source<'t>(expr: Node<'t>, at: Node<'t>, src: &str, depth: u32) -> Option<(Node<'t>, Node<'t>)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let expr = ts::unwrap_expr(expr);
    match expr.kind() {
        "call_expression" => {
            let (obj, m) = member_parts(expr.field("function")?, src)?;
            match m {
                "map" | "flatMap" => Some((obj, *ts::call_args(expr).first()?)),
                // `xs.map(f).filter(Boolean)`
                "filter" => js_source(obj, at, src, depth + 1),
                _ => None,
            }
        }
        "array" => {
            let kids = crate::lang::named_children(expr);
            match kids.as_slice() {
                [only] if only.kind() == "spread_element" => js_source(only.named_child(0)?, at, src, depth + 1),
                _ => None,
            }
        }
        "identifier" => {
            let name = node_text(expr, src);
            let func = js_function_of(at)?;
            let body = func.field("body")?;
            let mut assigned: Option<Node<'t>> = None;
            let mut pushed: Option<(Node<'t>, Node<'t>)> = None;
            crate::lang::walk(body, &mut |n| {
                if n.start_byte() >= at.start_byte() {
                    return false;
                }
                match n.kind() {
                    "variable_declarator" => {
                        if n.field("name").is_some_and(|l| node_text(l, src) == name)
                            && let Some(v) = n.field("value")
                        {
                            assigned = Some(v);
                        }
                    }
                    "call_expression" if pushed.is_none() => {
                        if let Some((obj, m)) = n.field("function").and_then(|f| member_parts(f, src))
                            && node_text(obj, src) == name
                            && m == "push"
                            && let Some(arg) = ts::call_args(n).first().copied()
                            && let Some(iter) = js_enclosing_iteration(n, body, src)
                        {
                            pushed = Some((iter, arg));
                        }
                    }
                    _ => {}
                }
                true
            });
            if let Some(p) = pushed {
                return Some(p);
            }
            js_source(assigned?, at, src, depth + 1)
        }
        _ => None,
    }
}

/// The collection a node is iterated over in: an enclosing `for ... of`
/// loop or `xs.forEach(cb)` callback, inside `limit` (a function body).
fn js_enclosing_iteration<'t>(node: Node<'t>, limit: Node<'t>, src: &str) -> Option<Node<'t>> {
    let mut child = node;
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.id() == limit.id() {
            return None;
        }
        match n.kind() {
            "for_in_statement" if n.field("body") == Some(child) => {
                let of = crate::lang::named_children(n);
                let _ = of;
                return n.field("right");
            }
            "for_statement" | "while_statement" | "do_statement" => return None,
            k if ts::FUNCTION_KINDS.contains(&k) => {
                // `xs.forEach((x) => promises.push(f(x)))`
                let call = n.parent().filter(|p| p.kind() == "arguments").and_then(|a| a.parent())?;
                let (obj, m) = member_parts(call.field("function")?, src)?;
                return (m == "forEach").then_some(obj);
            }
            _ => {}
        }
        child = n;
        cur = n.parent();
    }
    None
}

/// True when the per-item callback or value does asynchronous work.
pub(crate) fn js_is_work(work: Node<'_>, src: &str) -> bool {
    let work = ts::unwrap_expr(work);
    if ts::FUNCTION_KINDS.contains(&work.kind()) {
        let is_async = node_text(work, src).trim_start().starts_with("async");
        let body = work.field("body");
        return is_async || body.is_some_and(|b| node_text(b, src).contains('('));
    }
    !matches!(work.kind(), "string" | "number" | "object" | "array" | "template_string")
}

fn js_param_names<'s>(func: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut out = Vec::new();
    if let Some(p) = func.field("parameter") {
        out.push(node_text(p, src));
    }
    if let Some(params) = func.field("parameters") {
        crate::lang::walk(params, &mut |n| {
            if matches!(n.kind(), "identifier" | "shorthand_property_identifier_pattern") {
                // Skip type annotations.
                let in_type = {
                    let mut c = n.parent();
                    let mut t = false;
                    while let Some(x) = c {
                        if x.id() == params.id() {
                            break;
                        }
                        t |= x.kind() == "type_annotation";
                        c = x.parent();
                    }
                    t
                };
                if !in_type {
                    out.push(node_text(n, src));
                }
            }
            n.kind() != "type_annotation"
        });
    }
    out
}

fn js_origin(expr: Node<'_>, at: Node<'_>, fan: &FanOut, src: &str, handler: bool, depth: u32) -> Origin {
    if depth > MAX_DEPTH {
        return Origin::Unknown;
    }
    let awaited = expr.kind() == "await_expression";
    let expr = ts::unwrap_expr(expr);
    match expr.kind() {
        "identifier" => js_origin_name(node_text(expr, src), at, fan, src, handler, depth, false),
        "member_expression" | "subscript_expression" => {
            let Some(obj) = expr.field("object").map(ts::unwrap_expr) else { return Origin::Unknown };
            match obj.kind() {
                "this" => Origin::Unknown,
                "identifier" => js_origin_name(node_text(obj, src), at, fan, src, handler, depth, true),
                _ => js_origin(obj, at, fan, src, handler, depth + 1),
            }
        }
        "call_expression" => {
            let Some(f) = expr.field("function") else { return Origin::Unknown };
            let ftext: String = node_text(f, src).split_whitespace().collect();
            let args = ts::call_args(expr);
            if fan.passthrough.contains(&ftext) {
                return args.first().map_or(Origin::Unknown, |a| js_origin(*a, at, fan, src, handler, depth + 1));
            }
            let Some((obj, m)) = member_parts(f, src) else { return Origin::Unknown };
            if fan.bounded_methods.iter().any(|b| b == m) {
                return Origin::Bounded;
            }
            if fan.passthrough_methods.iter().any(|p| p == m) {
                return js_origin(obj, at, fan, src, handler, depth + 1);
            }
            let awaited = awaited || expr.parent().is_some_and(|p| p.kind() == "await_expression");
            if awaited && fan.query_methods.iter().any(|q| q == m) {
                let limited = args.iter().any(|a| {
                    let (props, spread) = ts::object_props(ts::unwrap_expr(*a), src);
                    spread || props.iter().any(|(k, _)| fan.limit_args.iter().any(|l| l == k))
                }) || chain_limited(obj, fan, src);
                return if limited { Origin::Bounded } else { Origin::Unbounded };
            }
            Origin::Unknown
        }
        "array" => {
            let kids = crate::lang::named_children(expr);
            match kids.as_slice() {
                [only] if only.kind() == "spread_element" => {
                    only.named_child(0).map_or(Origin::Unknown, |c| js_origin(c, at, fan, src, handler, depth + 1))
                }
                _ => Origin::Bounded,
            }
        }
        "new_expression" => match ts::call_args(expr).first() {
            Some(a) if node_text(expr, src).starts_with("new Set") || node_text(expr, src).starts_with("new Map") => {
                js_origin(*a, at, fan, src, handler, depth + 1)
            }
            _ => Origin::Unknown,
        },
        "string" | "number" | "object" | "template_string" => Origin::Bounded,
        _ => Origin::Unknown,
    }
}

fn js_origin_name(
    name: &str,
    at: Node<'_>,
    fan: &FanOut,
    src: &str,
    handler: bool,
    depth: u32,
    member: bool,
) -> Origin {
    // A loop variable of an enclosing `for ... of`: one element or one chunk.
    let mut child = at;
    let mut cur = at.parent();
    while let Some(n) = cur {
        if n.kind() == "for_in_statement"
            && n.field("body") == Some(child)
            && n.field("left").is_some_and(|l| js_has_identifier(l, name, src))
        {
            return Origin::Bounded;
        }
        child = n;
        cur = n.parent();
    }
    let mut func = js_function_of(at);
    while let Some(f) = func {
        if let Some(body) = f.field("body") {
            let mut assigned: Option<Node<'_>> = None;
            let mut other_binding = false;
            js_walk_own(body, &mut |n| {
                if n.start_byte() >= at.start_byte() {
                    return;
                }
                match n.kind() {
                    "variable_declarator" => {
                        if let Some(l) = n.field("name")
                            && js_has_identifier(l, name, src)
                        {
                            assigned = n.field("value");
                            if assigned.is_none() {
                                other_binding = true;
                            }
                        }
                    }
                    "for_in_statement"
                        if n.field("left").is_some_and(|l| js_has_identifier(l, name, src))
                            && !has_ancestor_within(at, n) =>
                    {
                        other_binding = true;
                    }
                    _ => {}
                }
            });
            if let Some(value) = assigned {
                return js_origin(value, value, fan, src, handler, depth + 1);
            }
            if other_binding {
                return Origin::Unknown;
            }
        }
        if js_param_names(f, src).contains(&name) {
            let is_input_name = fan.input_names.iter().any(|i| i == name);
            let is_callback = f.parent().is_some_and(|p| p.kind() == "arguments");
            let input = is_input_name || (!member && !is_callback && handler);
            return if input { Origin::Unbounded } else { Origin::Unknown };
        }
        func = js_function_of(f);
    }
    Origin::Unknown
}

fn js_has_identifier(node: Node<'_>, name: &str, src: &str) -> bool {
    let mut found = false;
    crate::lang::walk(node, &mut |x| {
        found |=
            matches!(x.kind(), "identifier" | "shorthand_property_identifier_pattern") && node_text(x, src) == name;
        !found
    });
    found
}
