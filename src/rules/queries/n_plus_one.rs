//! Shared by the n-plus-one rules (`query-in-loop` PP501,
//! `lazy-relation-in-loop` PP502): which loop a node runs in, over what
//! collection, with which loop variables, and whether an expression depends on
//! them. Not a rule itself.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::analysis::collections::{self, Exit};
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
    /// The function ends after the loop's first pass: no loop runs `node`
    /// more than once.
    Once,
}

/// The language's query catalog section.
pub fn lang_queries<'c>(cx: &Checker<'c, '_>) -> &'c LangQueries {
    let catalog = cx.catalog;
    if cx.grammar() == Grammar::Python { &catalog.queries.python } else { &catalog.queries.javascript }
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
        match step {
            Step::Found(l) => return Some(l),
            Step::Once => return None,
            Step::Outer => {}
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
            if let Some(step) = exits(node, body) {
                return step;
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
            if let Some(step) = exits(node, body) {
                return step;
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

/// A loop that ends after the pass reaching `node` runs it once: `break`
/// leaves this loop (an outer one may still repeat it), `return` the function.
fn exits<'t>(node: Node<'t>, body: Node<'t>) -> Option<Step<'t>> {
    match collections::exits_after_first(node, body) {
        Exit::No => None,
        Exit::Loop => Some(Step::Outer),
        Exit::Function => Some(Step::Once),
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

/// A collection with evidence of being small (the collection-size layer).
fn is_small<'t>(expr: Node<'t>, cx: &Checker<'_, 't>, _q: &LangQueries) -> bool {
    collections::size_of(expr, cx).is_some()
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
