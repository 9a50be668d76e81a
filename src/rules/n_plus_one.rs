//! Shared by the n-plus-one rules (`query-in-loop` PP501,
//! `lazy-relation-in-loop` PP502): which loop a node runs in, over what
//! collection, with which loop variables, and whether an expression depends on
//! them. Not a rule itself.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::analysis::roles::Role;
use crate::catalog::queries::LangQueries;
use crate::engine::{Checker, FrameKind};
use crate::lang::{NodeExt, node_text};
use crate::source::{Grammar, Span};

/// The loop a node runs in, once per element of a collection.
#[derive(Debug, Clone)]
pub struct LoopInfo<'t> {
    /// The loop statement, comprehension or `items.map(...)` call.
    pub node: Node<'t>,
    /// The loop header (a label on findings).
    pub header: Span,
    /// Names bound per element.
    pub vars: Vec<String>,
    /// Where names derived from the loop variables are assigned.
    pub body: Node<'t>,
    /// The collection iterated, when there is one.
    pub iterable: Option<Node<'t>>,
    /// The loop target (`order` in `for order in orders`), when there is one.
    pub target: Option<Node<'t>>,
    /// A `.map`/`.forEach` callback: every call starts at once.
    pub concurrent: bool,
}

enum Step<'t> {
    Found(LoopInfo<'t>),
    /// Not a per-element loop for this node (small collection, `while`, the
    /// node sits in the header): look further out.
    Outer,
}

/// The language's query catalog section.
pub fn lang_queries<'c>(cx: &Checker<'c, '_>) -> &'c LangQueries {
    let catalog = cx.catalog;
    if cx.grammar() == Grammar::Python { &catalog.queries.python } else { &catalog.queries.javascript }
}

/// True when the file is one the n-plus-one rules skip: migrations, where
/// per-row work is a one-off (tooling and seeds are not checked by default;
/// see `analysis::roles`).
pub fn skipped_file(cx: &Checker<'_, '_>) -> bool {
    cx.file.role.role == Role::Migration
}

/// The innermost loop over a collection that runs `node` once per element,
/// inside the current function (JS array callbacks count as loops).
pub fn enclosing_loop<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<LoopInfo<'t>> {
    let q = lang_queries(cx);
    for f in cx.ctx.frames().iter().rev() {
        let step = match &f.kind {
            FrameKind::Loop | FrameKind::Comprehension => loop_step(f.node, node, cx, q),
            FrameKind::Function(info) => {
                if cx.grammar() != Grammar::Python && info.is_callback {
                    match callback_loop(f.node, cx, q) {
                        Some(l) => Step::Found(l),
                        None => return None,
                    }
                } else {
                    return None;
                }
            }
            _ => continue,
        };
        if let Step::Found(l) = step {
            return Some(l);
        }
    }
    None
}

fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

fn loop_step<'t>(lp: Node<'t>, node: Node<'t>, cx: &Checker<'_, 't>, q: &LangQueries) -> Step<'t> {
    let src = cx.src;
    match lp.kind() {
        // Python `for x in xs:` and JS `for (const x of xs)` / `for (k in obj)`.
        "for_statement" | "for_in_statement" if lp.field("right").is_some() => {
            let (Some(left), Some(right), Some(body)) = (lp.field("left"), lp.field("right"), lp.field("body")) else {
                return Step::Outer;
            };
            if !contains(body, node) || is_small(right, cx, q) {
                return Step::Outer;
            }
            Step::Found(LoopInfo {
                node: lp,
                header: Span::new(lp.start_byte(), right.end_byte()),
                vars: names_in(left, src),
                body,
                iterable: Some(right),
                target: Some(left),
                concurrent: false,
            })
        }
        // JS `for (let i = 0; i < items.length; i++)`.
        "for_statement" => {
            let (Some(body), Some(cond)) = (lp.field("body"), lp.field("condition")) else {
                return Step::Outer;
            };
            let ct = node_text(cond, src);
            // `i += batchSize` walks chunks, not elements.
            let step = lp.field("increment").map(|i| node_text(i, src)).unwrap_or("");
            let per_element = step.contains("++") || step.ends_with("+= 1") || step.ends_with("+ 1");
            if !contains(body, node) || !(ct.contains(".length") || ct.contains(".size")) || !per_element {
                return Step::Outer;
            }
            let vars = lp.field("initializer").map(|i| declared_names(i, src)).unwrap_or_default();
            Step::Found(LoopInfo {
                node: lp,
                header: Span::new(lp.start_byte(), cond.end_byte()),
                vars,
                body,
                iterable: None,
                target: None,
                concurrent: false,
            })
        }
        "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression" => {
            let mut cursor = lp.walk();
            let clauses: Vec<Node<'t>> =
                lp.named_children(&mut cursor).filter(|c| c.kind() == "for_in_clause").collect();
            let Some(first) = clauses.first() else { return Step::Outer };
            let mut vars = Vec::new();
            for c in &clauses {
                if let Some(right) = c.field("right")
                    && contains(right, node)
                {
                    break;
                }
                if let Some(left) = c.field("left") {
                    vars.extend(names_in(left, src));
                }
            }
            let first_right = first.field("right");
            if vars.is_empty() || first_right.is_none_or(|r| is_small(r, cx, q)) {
                return Step::Outer;
            }
            // `asyncio.gather(*[fetch(x) for x in xs])` starts every call at once.
            let concurrent = lp
                .parent()
                .filter(|p| p.kind() == "list_splat")
                .and_then(|p| p.parent())
                .and_then(|a| a.parent())
                .and_then(|c| c.field("function"))
                .is_some_and(|f| node_text(f, src).ends_with("gather"));
            Step::Found(LoopInfo {
                node: lp,
                header: Span::of(*first),
                vars,
                body: lp,
                iterable: first_right,
                target: first.field("left"),
                concurrent,
            })
        }
        // `while` and `do` loops: retries and pagination, not per element.
        _ => Step::Outer,
    }
}

/// `items.map((item) => ...)`: the callback of an array method that runs it
/// once per element.
fn callback_loop<'t>(func: Node<'t>, cx: &Checker<'_, 't>, q: &LangQueries) -> Option<LoopInfo<'t>> {
    let src = cx.src;
    let args = func.parent().filter(|p| p.kind() == "arguments")?;
    let call = args.parent().filter(|p| p.kind() == "call_expression")?;
    let callee = call.field("function").filter(|c| c.kind() == "member_expression")?;
    let method = node_text(callee.field("property")?, src);
    if !q.callback_loops.iter().any(|m| m == method) {
        return None;
    }
    // The callback must be the first argument.
    let mut cursor = args.walk();
    if args.named_children(&mut cursor).next().map(|n| n.id()) != Some(func.id()) {
        return None;
    }
    let receiver = callee.field("object")?;
    if is_small(receiver, cx, q) {
        return None;
    }
    let params = func.field("parameters").or_else(|| func.field("parameter"))?;
    let body = func.field("body")?;
    Some(LoopInfo {
        node: call,
        header: Span::of(callee),
        vars: names_in(params, src),
        body,
        iterable: Some(receiver),
        target: None,
        concurrent: true,
    })
}

/// A small, bounded collection: a literal, a constant, `range(3)`, settings.
fn is_small(expr: Node<'_>, cx: &Checker<'_, '_>, q: &LangQueries) -> bool {
    if let Some(&known) = cx.memo.small.borrow().get(&expr.id()) {
        return known;
    }
    let small = small_uncached(expr, cx, q);
    cx.memo.small.borrow_mut().insert(expr.id(), small);
    small
}

fn small_uncached(expr: Node<'_>, cx: &Checker<'_, '_>, q: &LangQueries) -> bool {
    let src = cx.src;
    let text = node_text(expr, src);
    if q.small_collections.iter().any(|m| text.contains(m.as_str())) {
        return true;
    }
    match expr.kind() {
        "list" | "tuple" | "set" | "dictionary" | "array" | "object" | "string" | "template_string" | "integer"
        | "number" => true,
        "parenthesized_expression" | "await_expression" => {
            let mut cursor = expr.walk();
            let inner = expr.named_children(&mut cursor).next();
            inner.is_some_and(|i| is_small(i, cx, q))
        }
        "identifier" => is_constant_name(text) || assigned_literal(expr, cx),
        "attribute" | "member_expression" => {
            let last = text.rsplit('.').next().unwrap_or(text);
            is_constant_name(last)
        }
        "call" | "call_expression" => {
            let Some(callee) = expr.field("function") else { return false };
            let name = node_text(callee, src);
            let args = expr.field("arguments");
            let first_arg = args.and_then(|a| {
                let mut cursor = a.walk();
                a.named_children(&mut cursor).find(|c| c.kind() != "comment")
            });
            if name == "range" {
                return !args.is_some_and(|a| node_text(a, src).contains("len("));
            }
            if matches!(
                name,
                "enumerate"
                    | "sorted"
                    | "reversed"
                    | "list"
                    | "tuple"
                    | "set"
                    | "Object.keys"
                    | "Object.values"
                    | "Object.entries"
                    | "Array.from"
            ) {
                return first_arg.is_some_and(|a| is_small(a, cx, q));
            }
            // `CONSTANT.items()`, `{...}.items()`, `[...].entries()`.
            if callee.kind() == "attribute" || callee.kind() == "member_expression" {
                let obj = callee.field("object");
                let method = callee
                    .field("attribute")
                    .or_else(|| callee.field("property"))
                    .map(|m| node_text(m, src))
                    .unwrap_or("");
                if matches!(method, "items" | "keys" | "values" | "entries") {
                    return obj.is_some_and(|o| is_small(o, cx, q));
                }
            }
            false
        }
        _ => false,
    }
}

/// A name assigned a list, tuple or array literal in the enclosing function
/// (`queries = [...]` then `for name, sql in queries:`).
fn assigned_literal(ident: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    let name = node_text(ident, src);
    let scope = cx.ctx.function().map(|(_, n)| n).unwrap_or_else(|| {
        let mut root = ident;
        while let Some(p) = root.parent() {
            root = p;
        }
        root
    });
    let mut literal = false;
    let mut other = false;
    crate::lang::walk(scope, &mut |n| {
        let (left, right) = match n.kind() {
            "assignment" => (n.field("left"), n.field("right")),
            "variable_declarator" => (n.field("name"), n.field("value")),
            _ => (None, None),
        };
        if let (Some(l), Some(r)) = (left, right)
            && node_text(l, src) == name
        {
            if matches!(r.kind(), "list" | "tuple" | "array") {
                literal = true;
            } else {
                other = true;
            }
        }
        true
    });
    literal && !other
}

/// `MAX_RETRIES`, `STATUSES`: an all-caps name is a constant.
fn is_constant_name(s: &str) -> bool {
    s.len() > 1
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Identifiers bound by a loop target or parameter list.
fn names_in(node: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    crate::lang::walk(node, &mut |n| {
        match n.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                // Skip type annotations and default values' references.
                let in_type = n.parent().is_some_and(|p| p.kind().contains("type"));
                if !in_type {
                    out.push(node_text(n, src).to_string());
                }
            }
            "type_annotation" | "default_parameter" => return false,
            _ => {}
        }
        true
    });
    out
}

/// Names declared by `let i = 0` in a JS `for` initializer.
fn declared_names(init: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    crate::lang::walk(init, &mut |n| {
        if n.kind() == "variable_declarator"
            && let Some(name) = n.field("name")
        {
            out.extend(names_in(name, src));
        }
        true
    });
    out
}

/// Identifiers an expression reads (not attribute names, keyword names or
/// object keys).
pub fn reads<'t>(expr: Node<'t>, src: &str) -> Vec<(String, Node<'t>)> {
    let mut out = Vec::new();
    crate::lang::walk(expr, &mut |n| {
        match n.kind() {
            "identifier" | "shorthand_property_identifier" => {
                let parent = n.parent();
                let is_attr_name = parent.is_some_and(|p| {
                    (p.kind() == "attribute" && p.field("attribute") == Some(n))
                        || (p.kind() == "keyword_argument" && p.field("name") == Some(n))
                });
                if !is_attr_name {
                    out.push((node_text(n, src).to_string(), n));
                }
            }
            "string" | "string_fragment" => return n.kind() == "string",
            _ => {}
        }
        true
    });
    out
}

/// The loop variable (or a name derived from one inside the loop body before
/// `expr`) that `expr` reads, if any.
pub fn depends_on<'t>(expr: Node<'t>, lp: &LoopInfo<'t>, src: &str, skip: Option<Node<'t>>) -> Option<String> {
    let mut names: HashSet<String> = lp.vars.iter().cloned().collect();
    if names.is_empty() {
        return None;
    }
    let before = expr.start_byte();
    // Names assigned from loop-dependent values before `expr`, in order.
    crate::lang::walk(lp.body, &mut |n| {
        if n.start_byte() >= before {
            return false;
        }
        let (left, right) = match n.kind() {
            "assignment" | "assignment_expression" | "augmented_assignment" | "named_expression" => {
                (n.field("left").or_else(|| n.field("name")), n.field("right").or_else(|| n.field("value")))
            }
            "variable_declarator" => (n.field("name"), n.field("value")),
            "for_statement" | "for_in_statement" | "for_in_clause" => (n.field("left"), n.field("right")),
            _ => (None, None),
        };
        if let (Some(l), Some(r)) = (left, right)
            && r.end_byte() <= before
            && reads(r, src).iter().any(|(name, _)| names.contains(name))
        {
            for name in names_in(l, src) {
                names.insert(name);
            }
        }
        true
    });
    let outside = |n: &Node<'t>| skip.is_none_or(|s| !contains(s, *n));
    reads(expr, src)
        .into_iter()
        .filter(|(_, n)| outside(n))
        .map(|(name, _)| name)
        .find(|name| names.contains(name))
        .map(|name| {
            // Show the loop variable itself when the read is a derived name.
            if lp.vars.contains(&name) { name } else { lp.vars.first().cloned().unwrap_or(name) }
        })
}
