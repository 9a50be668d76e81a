//! Retries that hammer: a hand-written retry loop with no pause between
//! attempts, or with a fixed pause and no attempt limit, and library retry
//! policies that retry immediately (tenacity `@retry` without `wait=`).

use tree_sitter::Node;

use crate::analysis::retry::{Hammer, LoopPace, hammers};
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::rule::{Rule, RuleMeta};
use crate::rules::retry_loop;
use crate::rules::{retry_policy, retry_rust};
use crate::source::Span;

crate::declare_rule! {
    pub static META = {
        code: "PP301",
        name: "retry-without-backoff",
        category: MissingRetry,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A retry loop or policy retries with no delay, or forever at a fixed delay, so every client hammers a failing dependency in lockstep",
        fix: "Wait with exponential backoff and jitter between attempts and cap the number of attempts, or use a retry library configured that way",
    }
}

/// The rule.
pub struct RetryWithoutBackoff;

impl Rule for RetryWithoutBackoff {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["for_statement", "while_statement", "decorator", "call"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["for_statement", "for_in_statement", "while_statement", "do_statement"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        &[RustKind::Loop]
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        let RustNode::Loop(lp) = node else { return };
        let Some(l) = retry_rust::analyze(lp, cx) else { return };
        // Outside a request handler a Rust loop runs once per process.
        let per_request = cx.ctx.handler().is_some_and(|h| h.handler == Some(crate::engine::HandlerKind::Request));
        let pace = LoopPace {
            pause: l.pause,
            fixed_ms: l.fixed_ms,
            bounded: l.bounded,
            single_instance: !per_request,
            per_request,
        };
        if let Some(msg) = message(&l.call, pace) {
            cx.report(l.header, msg);
        }
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        if node.kind() == "call"
            && let Some(msg) = crate::rules::retry::task_retry::check(node, cx)
        {
            cx.report_node(node, msg);
            return;
        }
        if matches!(node.kind(), "decorator" | "call") {
            let Some(p) = retry_policy::read(node, cx) else { return };
            // A policy that also retries forever is reported by PP302.
            if p.immediate && !p.unlimited {
                cx.report_node(
                    p.node,
                    format!(
                        "`{}` without `{}=` retries immediately, so when the dependency fails every worker hammers it in lockstep and a blip becomes an outage",
                        p.shown, p.wait_key
                    ),
                );
            }
            return;
        }
        let Some(l) = retry_loop::analyze(node, cx) else { return };
        let call = retry_loop::shown_callee(l.call, cx);
        // Python and TS/JS code usually runs in a pool of identical workers.
        let per_request = matches!(cx.ctx.handler(), Some((crate::engine::HandlerKind::Request, _)));
        let pace =
            LoopPace { pause: l.pause, fixed_ms: l.fixed_ms, bounded: l.bounded, single_instance: false, per_request };
        let Some(msg) = message(&call, pace) else { return };
        cx.report(Span::new(node.start_byte(), l.header_end), msg);
    }
}

/// The finding for a loop the shared decision says hammers
/// ([`crate::analysis::retry::hammers`]).
fn message(call: &str, pace: LoopPace) -> Option<String> {
    match hammers(pace)? {
        Hammer::NoDelay => Some(format!(
            "This loop retries `{call}` with no delay between attempts, so when the dependency fails every worker hammers it in lockstep and a blip becomes an outage"
        )),
        Hammer::TinyPause(ms) => Some(format!(
            "This loop retries `{call}` after only {ms} ms, once per request, so when the dependency fails every request in flight retries within the same blip and piles onto it"
        )),
        Hammer::FixedForever => Some(format!(
            "This loop retries `{call}` forever at a fixed interval, so when the dependency goes down every worker keeps hitting it in lockstep and never gives up"
        )),
    }
}
