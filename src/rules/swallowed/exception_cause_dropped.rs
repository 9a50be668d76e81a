//! A broad handler that logs a fixed message and drops the exception itself:
//! the log says something failed, never what or where.

use tree_sitter::Node;

use crate::analysis::handlers::{self as handler, HandlerKind};
use crate::engine::Checker;
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
        &["except_clause"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["catch_clause", "call_expression"]
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
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
        // In browser code a `console.warn` goes to the user's console, not
        // to a log anyone on call reads: only a handler that writes to a
        // logger of its own (an SDK's debug logger, an error reporter) loses
        // a cause someone could read.
        if cx.file.role.role == crate::analysis::roles::Role::Browser
            && node.utf8_text(cx.src.as_bytes()).map_or(0, |t| t.matches("console.").count()) >= h.logs
        {
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
