//! A broad handler that logs a fixed message and drops the exception itself:
//! the log says something failed, never what or where.

use tree_sitter::Node;

use crate::analysis::handlers::{self as handler, HandlerKind};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::engine::Checker;
use crate::lang::NodeExt;
use crate::rule::{Rule, RuleMeta};

crate::declare_rule! {
    pub static META = {
        code: "PP104",
        name: "exception-cause-dropped",
        category: SwallowedException,
        severity: Note,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript],
        summary: "A broad exception handler logs a fixed message but drops the exception and its traceback",
        fix: "Log the exception itself: `logger.exception(...)`, `exc_info=True`, or pass the error object to the logger",
    }
}

/// The rule.
pub struct ExceptionCauseDropped;

impl Rule for ExceptionCauseDropped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["except_clause", "raise_statement"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["catch_clause", "call_expression"]
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        if node.kind() == "raise_statement" {
            check_raise(node, cx);
            return;
        }
        let h = match node.kind() {
            "except_clause" => handler::analyze(node, HandlerKind::Except, cx),
            "catch_clause" => handler::analyze(node, HandlerKind::Catch, cx),
            "call_expression" => {
                handler::promise_handler(node, cx.src).and_then(|arg| handler::analyze(arg, HandlerKind::Promise, cx))
            }
            _ => None,
        };
        let Some(h) = h else { return };
        if !(h.broad && h.logs > 0 && !h.logs_exception && !h.handles && h.intent.is_none()) {
            return;
        }
        let message = match h.kind {
            HandlerKind::Except => {
                let header = h.span.text(cx.src).trim_end_matches(':').trim().to_string();
                let header = if h.types.is_empty() { "A bare `except:`".to_string() } else { format!("`{header}`") };
                format!("{header} logs a fixed message without the exception, so the log says something failed but not what or where")
            }
            HandlerKind::Catch => "`catch` block logs a fixed message without the error, so the log says something failed but not what or where".to_string(),
            HandlerKind::Promise => "Rejection handler logs a fixed message without the error, so the log says something failed but not what or where".to_string(),
        };
        cx.report(h.span, message);
    }
}

/// `raise Other(...)` inside `except ... as e` without `from`: the new error
/// does not name `e` as its cause. Fixed (safely) by `raise Other(...) from e`.
fn check_raise<'t>(node: Node<'t>, cx: &mut Checker<'_, 't>) {
    if node.field("cause").is_some() {
        return;
    }
    let mut cursor = node.walk();
    let Some(exc) = node.named_children(&mut cursor).find(|c| c.kind() != "comment") else { return };
    if !matches!(exc.kind(), "call" | "identifier" | "attribute") {
        return;
    }
    let Some(name) = enclosing_handler_name(node, cx.src) else { return };
    // `raise e` re-raises the caught error itself.
    if cx.text(exc) == name {
        return;
    }
    let shown = match exc.kind() {
        "call" => format!("{}(...)", exc.field("function").map(|f| cx.text(f)).unwrap_or("")),
        _ => cx.text(exc).to_string(),
    };
    if shown.len() > 60 || shown.contains('\n') {
        return;
    }
    let message = format!(
        "`raise {shown}` inside `except ... as {name}` does not chain `{name}`, so the traceback shows a second failure during handling instead of the error that caused this one"
    );
    let fix = Fix::new(
        Applicability::Safe,
        format!("Add `from {name}`"),
        vec![Edit::insert(exc.end_byte(), format!(" from {name}"))],
    );
    cx.report_node(node, message).fix = Some(fix);
}

/// The name the nearest enclosing `except ... as name` clause binds, when
/// the raise runs while that exception is handled (not in a nested
/// function or class).
fn enclosing_handler_name<'s>(node: Node<'_>, src: &'s str) -> Option<&'s str> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        match n.kind() {
            "except_clause" => {
                let mut cursor = n.walk();
                let pattern = n.children(&mut cursor).find(|c| c.kind() == "as_pattern")?;
                let alias = pattern.field("alias")?;
                let ident = if alias.kind() == "identifier" { alias } else { alias.named_child(0)? };
                return (ident.kind() == "identifier").then(|| crate::lang::node_text(ident, src));
            }
            "function_definition" | "lambda" | "class_definition" | "finally_clause" => return None,
            _ => cur = n.parent(),
        }
    }
    None
}
