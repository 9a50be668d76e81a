//! A database query or remote call made once per element of a collection
//! (the N+1 pattern): Django, SQLAlchemy, raw cursors, Prisma, TypeORM,
//! MikroORM, Sequelize, Mongoose, knex, node-postgres and HTTP clients; in
//! Rust sqlx, Diesel, SeaORM, tokio-postgres and reqwest
//! (`query_in_loop_rust.rs`).

use std::collections::HashSet;

use tree_sitter::Node;

use crate::catalog::network::{CallKind, NetRule};
use crate::catalog::queries::{LangQueries, QueryClient, receiver_matches};
use crate::diagnostic::Label;
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::{NodeExt, node_text, typescript as ts};
use crate::rule::{Rule, RuleMeta};
use crate::rules::n_plus_one::{LoopInfo, depends_on, enclosing_loop, lang_queries};
use crate::rules::query_in_loop_rust;
use crate::source::Grammar;

crate::declare_rule! {
    pub static META = {
        code: "PP501",
        name: "query-in-loop",
        category: NPlusOne,
        severity: Warning,
        status: Preview,
        since: "0.2.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A database query or remote call runs once per element of a collection",
        fix: "Fetch the rows for all elements in one query before the loop (`filter(id__in=ids)`, `findMany({ where: { id: { in: ids } } })`, `WHERE id = ANY($1)`, `executemany`) and look them up in memory",
    }
}

/// The rule.
pub struct QueryInLoop;

/// What kind of round trip a matched call makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Database,
    Http,
}

struct Matched<'t, 'c> {
    /// The call that names the client (`Order.objects.filter(...)`).
    root: Node<'t>,
    /// The outermost call of the chain it starts (`...filter(...).first()`).
    outer: Node<'t>,
    kind: Kind,
    client: Option<&'c QueryClient>,
    method: String,
}

impl Rule for QueryInLoop {
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
        query_in_loop_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        query_in_loop_rust::check(node, cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        if !cx.ctx.in_loop() && !in_callback(cx) {
            return;
        }
        let q = lang_queries(cx);
        let Some(m) = match_call(node, cx, q) else {
            through_project_function(node, cx);
            return;
        };
        if cx.state::<HashSet<usize>>().contains(&m.outer.id()) {
            return;
        }
        let Some(lp) = enclosing_loop(m.root, cx) else { return };
        if m.client.is_some_and(|c| lp.concurrent && c.self_batching.contains(&m.method)) {
            return;
        }
        if !evaluated(&m, &lp, cx) || is_batched(m.outer, cx, q) || inside_subquery(m.root, &lp, cx) {
            return;
        }
        let dep_expr = if m.kind == Kind::Http { first_arg(m.root).unwrap_or(m.root) } else { m.outer };
        // A statement per element (`for sql in statements: cursor.execute(sql)`,
        // `DROP DATABASE ${name}`): the SQL itself differs, so no batch form exists.
        let statement = first_arg(m.root).filter(|a| {
            m.client.is_some_and(|c| c.statement_first)
                && matches!(
                    a.kind(),
                    "identifier"
                        | "attribute"
                        | "subscript"
                        | "member_expression"
                        | "subscript_expression"
                        | "string"
                        | "template_string"
                        | "concatenated_string"
                        | "binary_operator"
                        | "binary_expression"
                )
        });
        let Some(var) = depends_on(dep_expr, &lp, cx.src, statement) else { return };
        if cx.grammar() == Grammar::Python && only_unbatchable_lookups(m.outer, &lp, cx, q) {
            return;
        }
        if let Some(c) = m.client
            && c.per_row_methods.contains(&m.method)
            && writes_per_row_values(m.root, c, &lp, cx)
        {
            return;
        }
        if m.kind == Kind::Http && !is_api_url(dep_expr, cx) {
            return;
        }
        cx.state::<HashSet<usize>>().insert(m.outer.id());
        let shown = shown_callee(m.root, cx);
        let msg = match (m.kind, lp.concurrent) {
            (Kind::Database, false) => format!(
                "`{shown}` runs one query per `{var}` in this loop: 1,000 of them make 1,000 extra round trips to the database"
            ),
            (Kind::Database, true) => format!(
                "`{shown}` runs one query per `{var}`, all started at once: 1,000 of them take 1,000 round trips and can drain the connection pool"
            ),
            (Kind::Http, false) => format!(
                "`{shown}` makes one HTTP request per `{var}` in this loop: 1,000 of them wait for 1,000 round trips one after another"
            ),
            (Kind::Http, true) => format!(
                "`{shown}` makes one HTTP request per `{var}`, all started at once: 1,000 of them fire 1,000 requests at the remote service"
            ),
        };
        let header = lp.header;
        let client = m.client.map(|c| c.name.clone());
        let d = cx.report_node(m.outer, msg);
        let what = match client {
            Some(name) => format!("runs once per element of this collection ({name})"),
            None => "runs once per element of this collection".to_string(),
        };
        d.labels.push(Label { span: header, message: what });
    }
}

/// True when the current function is a JS callback (maybe an array method's).
fn in_callback(cx: &Checker<'_, '_>) -> bool {
    cx.grammar() != Grammar::Python && cx.ctx.function().is_some_and(|(f, _)| f.is_callback)
}

/// The receiver chain of an expression as segments (`Order`, `objects`), calls
/// written `name()`. `None` for anything else (subscripts, literals).
pub fn segments(node: Node<'_>, src: &str) -> Option<Vec<String>> {
    segments_within(node, src, 0)
}

/// A receiver chain longer than this is no query client's (and recursing
/// once per link of `a.b().b()...` overflowed the stack on a hostile file).
const MAX_SEGMENTS: u32 = 64;

fn segments_within(node: Node<'_>, src: &str, depth: u32) -> Option<Vec<String>> {
    if depth > MAX_SEGMENTS {
        return None;
    }
    let segments = |n: Node<'_>, src: &str| segments_within(n, src, depth + 1);
    match node.kind() {
        "identifier" | "this" | "property_identifier" => Some(vec![node_text(node, src).to_string()]),
        "attribute" | "member_expression" => {
            let obj = node.field("object")?;
            let prop = node.field("attribute").or_else(|| node.field("property"))?;
            let mut s = segments(obj, src)?;
            s.push(node_text(prop, src).to_string());
            Some(s)
        }
        "call" | "call_expression" => {
            let callee = node.field("function")?;
            let mut s = segments(callee, src)?;
            let last = s.pop()?;
            s.push(format!("{last}()"));
            Some(s)
        }
        "parenthesized_expression" | "await_expression" | "non_null_expression" | "as_expression" => {
            segments(ts::unwrap_expr(node), src).filter(|_| ts::unwrap_expr(node) != node)
        }
        _ => None,
    }
}

fn callee_parts<'t>(call: Node<'t>, src: &str) -> Option<(Node<'t>, String)> {
    let callee = call.field("function")?;
    let obj = callee.field("object")?;
    let prop = callee.field("attribute").or_else(|| callee.field("property"))?;
    Some((obj, node_text(prop, src).to_string()))
}

fn match_call<'t, 'c>(call: Node<'t>, cx: &Checker<'c, 't>, q: &'c LangQueries) -> Option<Matched<'t, 'c>> {
    let src = cx.src;
    let marker_ok = |c: &QueryClient| match &c.file_marker {
        None => true,
        Some(m) => cx.memo.contains_ignore_ascii_case(src, m),
    };
    if let Some((obj, method)) = callee_parts(call, src)
        && let Some(segs) = segments(obj, src)
    {
        for c in &q.clients {
            if c.methods.contains(&method)
                && c.receivers.iter().any(|p| receiver_matches(p, &segs))
                && !c.exclude_receivers.iter().any(|p| receiver_matches(p, &segs))
                && marker_ok(c)
            {
                return Some(Matched {
                    root: call,
                    outer: chain_top(call),
                    kind: Kind::Database,
                    client: Some(c),
                    method,
                });
            }
        }
    }
    // `knex("users").where(...)`: a builder started by calling the client.
    if cx.grammar() != Grammar::Python
        && let Some(callee) = call.field("function")
        && let Some(segs) = segments(callee, src)
        && !ts::call_args(call).is_empty()
    {
        for c in q.clients.iter().filter(|c| !c.call_roots.is_empty()) {
            if segs.last().is_some_and(|l| c.call_roots.iter().any(|r| r == l)) && marker_ok(c) {
                return Some(Matched {
                    root: call,
                    outer: chain_top(call),
                    kind: Kind::Database,
                    client: Some(c),
                    method: String::new(),
                });
            }
        }
    }
    http_call(call, cx)
}

fn http_call<'t, 'c>(call: Node<'t>, cx: &Checker<'c, 't>) -> Option<Matched<'t, 'c>> {
    let callee = call.field("function")?;
    let r = cx.resolve(callee)?;
    let python = cx.grammar() == Grammar::Python;
    let global_fetch = !python && matches!(r.path.as_str(), "fetch" | "globalThis.fetch");
    if !r.bound && !global_fetch {
        return None;
    }
    let net = &cx.catalog.network;
    let is_http = global_fetch
        || net.call(python, NetRule::Request, &r.path).is_some_and(|e| e.kind == CallKind::Call)
        || r.instance_parts().is_some_and(|(ctor, m)| net.session_method(python, NetRule::Request, ctor, m).is_some());
    is_http.then(|| Matched { root: call, outer: call, kind: Kind::Http, client: None, method: r.last().to_string() })
}

/// The outermost call of a method chain that starts at `call`.
pub fn chain_top(call: Node<'_>) -> Node<'_> {
    let mut cur = call;
    while let Some(member) = cur.parent()
        && matches!(member.kind(), "attribute" | "member_expression")
        && member.field("object") == Some(cur)
        && let Some(next) = member.parent()
        && matches!(next.kind(), "call" | "call_expression")
        && next.field("function") == Some(member)
    {
        cur = next;
    }
    cur
}

fn method_of(call: Node<'_>, src: &str) -> String {
    callee_parts(call, src).map(|(_, m)| m).unwrap_or_default()
}

/// Whether the query actually runs where it is written: a lazy Django
/// QuerySet runs when evaluated; a JS query builder or promise when awaited.
fn evaluated(m: &Matched<'_, '_>, lp: &LoopInfo<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    let Some(parent) = m.outer.parent() else { return false };
    if cx.grammar() == Grammar::Python {
        let lazy = m.client.is_some_and(|c| {
            let terminal = method_of(m.outer, src);
            c.lazy.contains(&terminal)
        });
        if !lazy {
            return true;
        }
        return match parent.kind() {
            "for_statement" | "for_in_clause" => parent.field("right") == Some(m.outer),
            "subscript" => parent.field("value") == Some(m.outer),
            "not_operator" | "boolean_operator" | "if_statement" | "elif_clause" | "while_statement" => true,
            // `lines = OrderLine.objects.filter(order=order)`, then `lines` used later in the loop.
            "assignment" if parent.field("right") == Some(m.outer) => {
                parent.field("left").filter(|l| l.kind() == "identifier").is_some_and(|l| {
                    let lazy = m.client.map(|c| c.lazy.as_slice()).unwrap_or(&[]);
                    used_after(lp.body, node_text(l, src), parent.end_byte(), src, lazy)
                })
            }
            "argument_list" => parent.parent().and_then(|c| c.field("function")).is_some_and(|f| {
                matches!(
                    node_text(f, src),
                    "list"
                        | "len"
                        | "tuple"
                        | "set"
                        | "sorted"
                        | "sum"
                        | "any"
                        | "all"
                        | "bool"
                        | "next"
                        | "dict"
                        | "frozenset"
                        | "max"
                        | "min"
                )
            }),
            _ => false,
        };
    }
    // JS: awaited, returned from the per-element callback, or chained with `.then`.
    let mut cur = m.outer;
    let mut parent = parent;
    while matches!(parent.kind(), "parenthesized_expression" | "as_expression" | "non_null_expression") {
        cur = parent;
        let Some(p) = parent.parent() else { return false };
        parent = p;
    }
    match parent.kind() {
        "await_expression" | "yield_expression" => true,
        "return_statement" => lp.concurrent && results_awaited(lp, src),
        "arrow_function" => lp.concurrent && parent.field("body") == Some(cur) && results_awaited(lp, src),
        "member_expression" => {
            parent.field("property").is_some_and(|p| matches!(node_text(p, src), "then" | "catch" | "finally"))
        }
        "arguments" => {
            parent.parent().and_then(|c| c.field("function")).is_some_and(|f| node_text(f, src).ends_with(".push"))
        }
        _ => false,
    }
}

/// The promises an `items.map(...)` callback returns are awaited together
/// (`Promise.all(items.map(...))`, `await Promise.allSettled(...)`); a
/// `forEach` drops them but the calls still run. Promises collected for
/// `$transaction([...])` run as one batch.
fn results_awaited(lp: &LoopInfo<'_>, src: &str) -> bool {
    let Some(parent) = lp.node.parent() else { return false };
    let method = method_of(lp.node, src);
    if method == "forEach" {
        return true;
    }
    if parent.kind() == "await_expression" {
        return true;
    }
    parent.kind() == "arguments"
        && parent.parent().and_then(|c| c.field("function")).is_some_and(|f| {
            matches!(node_text(f, src), "Promise.all" | "Promise.allSettled" | "Promise.race" | "Promise.any")
        })
}

/// True when `name` is read in `body` after `after` by anything but another
/// lazy step or a subquery (`Subquery(qs)`, `q | qs`).
fn used_after(body: Node<'_>, name: &str, after: usize, src: &str, lazy: &[String]) -> bool {
    let mut used = false;
    crate::lang::walk(body, &mut |n| {
        if used || n.end_byte() <= after {
            return !used;
        }
        if n.kind() == "identifier" && n.start_byte() >= after && node_text(n, src) == name {
            let parent = n.parent();
            let attr_name = parent.is_some_and(|p| p.kind() == "attribute" && p.field("attribute") == Some(n));
            let assigned = parent.is_some_and(|p| p.kind() == "assignment" && p.field("left") == Some(n));
            let combined = parent.is_some_and(|p| p.kind() == "binary_operator");
            let lazy_step = parent
                .filter(|p| p.kind() == "attribute")
                .and_then(|p| p.field("attribute"))
                .is_some_and(|a| lazy.iter().any(|l| l == node_text(a, src)));
            let subquery = parent
                .filter(|p| p.kind() == "argument_list")
                .and_then(|p| p.parent())
                .and_then(|c| c.field("function"))
                .is_some_and(|f| {
                    let t = node_text(f, src);
                    let last = t.rsplit('.').next().unwrap_or(t);
                    matches!(last, "Subquery" | "Exists" | "Prefetch" | "union" | "intersection" | "difference")
                });
            // `qs.filter(...)` alone is another lazy step; `qs.exists()` runs.
            used = !(attr_name || assigned || combined || subquery || lazy_step);
        }
        !used
    });
    used
}

/// `prisma.x.update({ where, data: { value: item.value } })`: the values
/// written depend on the element.
fn writes_per_row_values<'t>(call: Node<'t>, c: &QueryClient, lp: &LoopInfo<'t>, cx: &Checker<'_, 't>) -> bool {
    ts::call_args(call).into_iter().any(|a| {
        let (props, _) = ts::object_props(ts::unwrap_expr(a), cx.src);
        props.iter().any(|(k, v)| c.per_row_keys.iter().any(|p| p == k) && depends_on(*v, lp, cx.src, None).is_some())
    })
}

/// True when every keyword argument that depends on the element is a range
/// or containment lookup (`added__lte=threshold`): no single query serves
/// all elements, so this is not an N+1.
fn only_unbatchable_lookups<'t>(outer: Node<'t>, lp: &LoopInfo<'t>, cx: &Checker<'_, 't>, q: &LangQueries) -> bool {
    let src = cx.src;
    let mut dependent = 0;
    let mut unbatchable = 0;
    let mut other_dependent = false;
    crate::lang::walk(outer, &mut |n| {
        if n.kind() == "keyword_argument"
            && let (Some(k), Some(v)) = (n.field("name"), n.field("value"))
        {
            if depends_on(v, lp, src, None).is_some() {
                dependent += 1;
                let k = node_text(k, src);
                if q.unbatchable_lookups.iter().any(|l| k.ends_with(l.as_str())) {
                    unbatchable += 1;
                }
            }
            return false;
        }
        if n.kind() == "argument_list" {
            // Positional arguments (`Q(...)`, `F(...)`) that depend on the element.
            let mut cursor = n.walk();
            for a in n.named_children(&mut cursor) {
                if a.kind() != "keyword_argument" && depends_on(a, lp, src, None).is_some() {
                    other_dependent = true;
                }
            }
        }
        true
    });
    dependent > 0 && dependent == unbatchable && !other_dependent
}

/// `filter(id__in=ids)`, `{ id: { in: ids } }`, `In(ids)`: one query for many.
fn is_batched(outer: Node<'_>, cx: &Checker<'_, '_>, q: &LangQueries) -> bool {
    let src = cx.src;
    let text = node_text(outer, src);
    if q.batched_text.iter().any(|t| text.contains(t.as_str())) {
        return true;
    }
    let mut batched = false;
    crate::lang::walk(outer, &mut |n| {
        match n.kind() {
            "keyword_argument" => {
                if let Some(name) = n.field("name") {
                    let name = node_text(name, src);
                    batched |= q.batched_keyword_suffixes.iter().any(|s| name.ends_with(s.as_str()));
                }
            }
            "pair" => {
                if let Some(k) = n.field("key") {
                    let k = crate::lang::strip_quotes(node_text(k, src));
                    batched |= q.batched_keys.iter().any(|b| b == k);
                }
            }
            _ => {}
        }
        !batched
    });
    batched
}

/// Django `Subquery(...)`, `Exists(...)`, `Prefetch(...)`: a query built, not run.
fn inside_subquery(node: Node<'_>, lp: &LoopInfo<'_>, cx: &Checker<'_, '_>) -> bool {
    if cx.grammar() != Grammar::Python {
        return false;
    }
    let mut cur = node.parent();
    while let Some(p) = cur {
        if p.id() == lp.node.id() {
            break;
        }
        if p.kind() == "call"
            && let Some(f) = p.field("function")
        {
            let name = node_text(f, cx.src);
            let last = name.rsplit('.').next().unwrap_or(name);
            if matches!(last, "Subquery" | "Exists" | "Prefetch" | "union" | "ArraySubquery") {
                return true;
            }
        }
        cur = p.parent();
    }
    false
}

fn first_arg(call: Node<'_>) -> Option<Node<'_>> {
    let args = call.field("arguments")?;
    let mut cursor = args.walk();
    args.named_children(&mut cursor).find(|a| a.kind() != "comment" && a.kind() != "keyword_argument")
}

/// An HTTP call is an N+1 when the element goes into an API URL
/// (`f"{API}/users/{uid}"`), not when each element is its own destination
/// (`webhook.target_url`): those cannot be batched.
fn is_api_url(url: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let text = node_text(url, cx.src);
    let interpolated = matches!(url.kind(), "string" | "template_string" | "binary_expression" | "binary_operator")
        && (text.contains('{') || text.contains('+'));
    if !interpolated {
        return false;
    }
    // The literal part names a path on a shared service.
    let literal: String = {
        let mut s = String::new();
        crate::lang::walk(url, &mut |n| {
            if matches!(n.kind(), "string_content" | "string_fragment") {
                s.push_str(node_text(n, cx.src));
            }
            !matches!(n.kind(), "interpolation" | "template_substitution")
        });
        s
    };
    literal.contains('/') || literal.contains('?')
}

/// The callee as written, compacted (`Order.objects.filter`, `this.db(...)`).
fn shown_callee(call: Node<'_>, cx: &Checker<'_, '_>) -> String {
    let Some(callee) = call.field("function") else { return String::new() };
    let text: String = cx.text(callee).split_whitespace().collect();
    let text = if text.len() > 60 {
        let method = text.rsplit('.').next().unwrap_or(&text).to_string();
        format!("...{method}")
    } else {
        text
    };
    if callee.kind() == "identifier" || method_of(call, cx.src).is_empty() && !text.ends_with(')') {
        // A builder started by calling the client: `db("users")`.
        if let Some(a) = first_arg(call).filter(|a| a.kind() == "string") {
            return format!("{text}({})", cx.text(a));
        }
    }
    text
}

/// A call in the loop to a project function that runs a query itself or
/// through its own calls ([`crate::analysis::summaries`]): reported at the
/// call, with the query's place named (and labelled when in this file).
fn through_project_function<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    let Some(site) = f.reach.query.clone() else { return };
    let Some(lp) = enclosing_loop(call, cx) else { return };
    if cx.grammar() != Grammar::Python {
        // A promise runs its query when awaited (or returned to `Promise.all`).
        let mut parent = call.parent();
        while let Some(p) = parent.filter(|p| matches!(p.kind(), "parenthesized_expression" | "as_expression")) {
            parent = p.parent();
        }
        let awaited = parent.is_some_and(|p| match p.kind() {
            "await_expression" => true,
            "return_statement" | "arrow_function" => lp.concurrent && results_awaited(&lp, cx.src),
            _ => false,
        });
        if !awaited {
            return;
        }
    }
    let Some(var) = depends_on(call, &lp, cx.src, None) else { return };
    if !cx.state::<HashSet<usize>>().insert(call.id()) {
        return;
    }
    let shown = shown_callee(call, cx);
    let same_file = site.path == cx.file.path;
    let place = if same_file { String::new() } else { format!(" in {}", site.path) };
    let via = if site.function == f.name || site.function.ends_with(&format!(".{}", f.name)) {
        format!("`{}` runs a query (`{}`{place})", shown, site.callee)
    } else {
        format!("`{}` runs a query through `{}` (`{}`{place})", shown, site.function, site.callee)
    };
    let msg = if lp.concurrent {
        format!(
            "{via} once per `{var}`, all started at once: 1,000 of them take 1,000 round trips and can drain the connection pool"
        )
    } else {
        format!("{via} once per `{var}` in this loop: 1,000 of them make 1,000 extra round trips to the database")
    };
    let header = lp.header;
    let d = cx.report_node(call, msg);
    d.labels.push(Label { span: header, message: "runs once per element of this collection".to_string() });
    if same_file {
        let short = site.function.rsplit('.').next().unwrap_or(&site.function).to_string();
        d.labels.push(Label {
            span: crate::source::Span::new(site.start, site.end),
            message: format!("`{short}` runs a query here"),
        });
    }
}
