//! A narrow handler for a real failure type (`OSError`, `requests.Timeout`,
//! `DatabaseError`) that discards the error of an I/O, network or database
//! call made in the `try` body.

use tree_sitter::Node;

use crate::analysis::handlers::{self as handler, HandlerKind};
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::NodeExt;
use crate::rule::{Rule, RuleMeta};
use crate::rules::io_error_swallowed_rust;

crate::declare_rule! {
    pub static META = {
        code: "PP102",
        name: "io-error-swallowed",
        category: SwallowedException,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, Rust],
        summary: "A handler discards the failure of an I/O, network or database call without logging or re-raising it",
        fix: "Log the error or re-raise it; if the failure is expected, say why in a comment in the handler",
    }
}

/// Exceptions that are "expected" around cleanup calls only.
const CLEANUP_ERRORS: &[&str] = &["OSError", "IOError", "EnvironmentError", "os.error"];

/// The rule.
pub struct IoErrorSwallowed;

impl Rule for IoErrorSwallowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["except_clause"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        io_error_swallowed_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        io_error_swallowed_rust::check(node, cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        if handler::in_finally(cx) {
            return;
        }
        let Some(h) = handler::analyze(node, HandlerKind::Except, cx) else { return };
        if h.broad || !h.discards || h.intent.is_some() || h.types.is_empty() {
            return;
        }
        let Some(try_body) = node.parent().and_then(|t| t.field("body")) else { return };
        let Some((io, all_cleanup)) = handler::first_io_call(try_body, cx) else { return };
        let real: Vec<String> = h
            .types
            .iter()
            .filter(|t| !handler::is_idiom_type(**t, cx))
            .filter_map(|t| handler::type_path(*t, cx).or_else(|| Some(crate::lang::node_text(*t, cx.src).to_string())))
            .filter(|p| !(all_cleanup && CLEANUP_ERRORS.contains(&p.as_str())))
            .collect();
        let Some(caught) = real.first() else { return };
        let call = handler::callee_text(io, cx.src);
        let call = if call.len() > 40 { "this call" } else { call };
        let message = format!(
            "`except {caught}` discards the failure of `{call}` without a log or re-raise, so the lost write, request or query leaves no trace"
        );
        cx.report(h.span, message);
    }
}
