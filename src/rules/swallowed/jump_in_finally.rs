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
