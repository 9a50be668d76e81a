//! Library retry policies that never give up: tenacity `@retry` without
//! `stop=`, `backoff.on_exception` without `max_tries`/`max_time`, Celery
//! `max_retries=None`, axios-retry / p-retry / got with `Infinity` retries.

use tree_sitter::Node;

use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::rule::{Rule, RuleMeta};
use crate::rules::{retry_policy, retry_rust};

crate::declare_rule! {
    pub static META = {
        code: "PP302",
        name: "retry-without-limit",
        category: MissingRetry,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A retry policy has no attempt or time limit, so a dependency that stays down keeps workers retrying forever",
        fix: "Bound the retries with a maximum number of attempts or a deadline, then let the failure surface",
    }
}

/// The rule.
pub struct RetryWithoutLimit;

impl Rule for RetryWithoutLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["decorator", "call"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression", "new_expression"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        &[RustKind::Call]
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        let RustNode::Call(call) = node else { return };
        let Some((shown, policy)) = retry_rust::unlimited_policy(call, cx) else { return };
        let msg = if policy.bounded_by_default {
            format!(
                "`{shown}` with no maximum elapsed time retries forever, so while the dependency stays down this task keeps hammering it and never reports the failure"
            )
        } else {
            format!(
                "`{shown}` without `.{}(n)` is an endless {} strategy, so while the dependency stays down this task keeps retrying and never reports the failure",
                policy.limit_methods.first().map(String::as_str).unwrap_or("take"),
                policy.display
            )
        };
        let span = cx.span(call);
        cx.report(span, msg);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        let Some(p) = retry_policy::read(node, cx) else { return };
        if !p.unlimited {
            return;
        }
        let pace = if p.immediate { " with no delay" } else { "" };
        let msg = if p.explicit {
            format!(
                "`{}` with `{}` set to retry forever keeps workers retrying{pace} while the dependency stays down, hammering it and starving other work",
                p.shown, p.limit_key
            )
        } else {
            format!(
                "`{}` without `{}=` retries forever{pace}, so while the dependency stays down workers keep hammering it and other work starves",
                p.shown, p.limit_key
            )
        };
        cx.report_node(p.node, msg);
    }
}
