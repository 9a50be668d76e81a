//! `return`, `break` or `continue` inside `finally`, which discards any
//! exception in flight.

use tree_sitter::Node;

use crate::engine::{Checker, FrameKind};
use crate::rule::{Rule, RuleMeta};

crate::declare_rule! {
    pub static META = {
        code: "PP103",
        name: "jump-in-finally",
        category: SwallowedException,
        severity: Warning,
        status: Stable,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript],
        summary: "`return`, `break` or `continue` in `finally` silently cancels the exception in flight",
        fix: "Move the statement out of the `finally` block so that errors still propagate",
    }
}

/// The rule.
pub struct JumpInFinally;

impl Rule for JumpInFinally {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["return_statement", "break_statement", "continue_statement"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["return_statement", "break_statement", "continue_statement"]
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        let is_return = node.kind() == "return_statement";
        // Walk out from the statement to the nearest function boundary. A
        // loop between the statement and `finally` owns break/continue.
        for frame in cx.ctx.within_function() {
            match frame.kind {
                FrameKind::Finally if nothing_in_flight(node, cx) => return,
                FrameKind::Finally => {
                    let keyword = match node.kind() {
                        "return_statement" => "return",
                        "break_statement" => "break",
                        _ => "continue",
                    };
                    cx.report_node(
                        node,
                        format!("`{keyword}` in `finally` discards any exception raised in the `try` block, so failures vanish without a trace"),
                    );
                    return;
                }
                FrameKind::Loop if !is_return => return,
                FrameKind::Function(_) => return,
                _ => {}
            }
        }
    }
}

/// True for function-like and class nodes: a jump or raise inside one
/// belongs to it.
fn nested_scope(kind: &str) -> bool {
    crate::lang::typescript::FUNCTION_KINDS.contains(&kind)
        || matches!(kind, "function_definition" | "lambda" | "class_definition" | "class_declaration" | "class")
}

/// True when the `finally` holding `node` can have nothing to cancel and
/// nothing to override: its `try` has a handler that catches every error
/// and neither re-raises nor jumps, and the `try` body jumps nowhere either
/// (no `return`, `break` or `continue` whose value or target the `finally`
/// would replace). Then a `return` in `finally` is simply the function's
/// return after a handled error, as in a fallback that logs in its `catch`.
fn nothing_in_flight<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let mut at = node;
    let finally = loop {
        match cx.parent_of(at) {
            Some(p) if p.kind() == "finally_clause" => break p,
            Some(p) => at = p,
            None => return false,
        }
    };
    let Some(try_stmt) = cx.parent_of(finally) else { return false };
    let src = cx.file.text.as_ref();
    let mut catches_all = false;
    let mut cursor = try_stmt.walk();
    for child in try_stmt.named_children(&mut cursor) {
        match child.kind() {
            // JavaScript's `catch` takes every error.
            "catch_clause" => catches_all = true,
            "except_clause" => {
                let caught = child
                    .named_children(&mut child.walk())
                    .find(|c| c.kind() != "block" && c.kind() != "comment")
                    .map(|c| crate::lang::node_text(c, src).split(" as ").next().unwrap_or("").trim().to_string());
                if caught.as_deref().is_none_or(|t| matches!(t, "Exception" | "BaseException")) {
                    catches_all = true;
                }
            }
            "finally_clause" => continue,
            _ => {}
        }
        if child.kind() != "finally_clause" && jumps_or_raises(child) {
            return false;
        }
    }
    catches_all
}

/// True when `node` holds a `return`, `break`, `continue`, `raise` or
/// `throw` of its own (not inside a nested function or class).
fn jumps_or_raises(node: Node<'_>) -> bool {
    let mut found = false;
    crate::lang::walk(node, &mut |n| {
        if found || nested_scope(n.kind()) {
            return false;
        }
        if matches!(
            n.kind(),
            "return_statement" | "break_statement" | "continue_statement" | "raise_statement" | "throw_statement"
        ) {
            found = true;
        }
        !found
    });
    found
}
