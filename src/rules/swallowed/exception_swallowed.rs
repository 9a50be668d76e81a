//! A broad handler (`except:`, `except Exception`, any JS `catch`, a promise
//! `.catch(() => {})`) whose body throws the error away: no log, no
//! re-raise, no use of the exception.

use tree_sitter::Node;

use crate::analysis::handlers::{self as handler, HandlerKind};
use crate::engine::Checker;
use crate::lang::{NodeExt, node_text};
use crate::rule::{Rule, RuleMeta};
use crate::source::Span;

crate::declare_rule! {
    pub static META = {
        code: "PP101",
        name: "exception-swallowed",
        category: SwallowedException,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript],
        summary: "A broad exception handler discards the error without logging, re-raising or using it",
        fix: "Log the exception, re-raise it, or catch only the error you expect and say in a comment why ignoring it is safe",
    }
}

/// The rule.
pub struct ExceptionSwallowed;

impl Rule for ExceptionSwallowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["except_clause", "call"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["catch_clause", "call_expression"]
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        if handler::in_finally(cx) {
            return;
        }
        match node.kind() {
            "except_clause" => {
                let Some(h) = handler::analyze(node, HandlerKind::Except, cx) else { return };
                if h.broad && h.discards && h.intent.is_none() {
                    let header = h.span.text(cx.src).trim_end_matches(':').trim().to_string();
                    let what = if h.types.is_empty() { "A bare `except:`".to_string() } else { format!("`{header}`") };
                    cx.report(
                        h.span,
                        format!("{what} discards every error without a log or re-raise, so failures here vanish without a trace"),
                    );
                }
            }
            "catch_clause" => {
                let Some(h) = handler::analyze(node, HandlerKind::Catch, cx) else { return };
                if h.discards && h.intent.is_none() {
                    let empty = node.field("body").is_some_and(|b| {
                        let mut c = b.walk();
                        b.named_children(&mut c).all(|s| s.kind() == "comment")
                    });
                    let what = if empty { "Empty `catch` block" } else { "`catch` block" };
                    cx.report(
                        h.span,
                        format!("{what} discards every error without a log or rethrow, so failures here vanish without a trace"),
                    );
                }
            }
            "call" => check_suppress(node, cx),
            "call_expression" => {
                let Some(arg) = handler::promise_handler(node, cx.src) else { return };
                let Some(h) = handler::analyze(arg, HandlerKind::Promise, cx) else { return };
                if h.discards && h.intent.is_none() {
                    let text = node_text(arg, cx.src);
                    let shown = if text.len() <= 24 && !text.contains('\n') { text } else { "..." };
                    cx.report(
                        h.span,
                        format!("`.catch({shown})` drops the rejection without a log, so the failed operation leaves no trace"),
                    );
                }
            }
            _ => {}
        }
    }
}

/// `with contextlib.suppress(Exception):` is a broad `except: pass`.
fn check_suppress<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    // Only as a context manager (the cheap test first).
    if !cx.parent.is_some_and(|p| matches!(p.kind(), "with_item" | "as_pattern")) {
        return;
    }
    let Some(callee) = call.field("function") else { return };
    let Some(r) = cx.resolve(callee) else { return };
    if r.path != "contextlib.suppress" {
        return;
    }
    let broad = crate::lang::python::positional_args(call).into_iter().any(|a| {
        handler::type_path(a, cx)
            .is_some_and(|p| crate::catalog::errors::LangErrors::any(&cx.catalog.errors.python.broad_exceptions, &p))
    });
    if !broad {
        return;
    }
    // A comment on the `with` line explains the choice.
    let line_end = cx.src[call.end_byte()..].find('\n').map_or(cx.src.len(), |i| call.end_byte() + i);
    let rest = &cx.src[call.end_byte()..line_end];
    if let Some(i) = rest.find('#')
        && handler::meaningful_comment(&rest[i..])
    {
        return;
    }
    let text = node_text(call, cx.src).to_string();
    cx.report(
        Span::of(call),
        format!("`{text}` discards every error without a log, so failures in this block vanish without a trace"),
    );
}
