//! An outbound HTTP call inside a background job (Celery, RQ, Dramatiq,
//! Huey task) whose task declares no retry policy: a blip in the dependency
//! fails the job for good.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::catalog::network::{CallKind, NetRule};
use crate::engine::{Checker, FrameKind, HandlerKind};
use crate::lang::{NodeExt, node_text, python as py};
use crate::rule::{Rule, RuleMeta};

crate::declare_rule! {
    pub static META = {
        code: "PP303",
        name: "job-call-without-retry",
        category: MissingRetry,
        severity: Note,
        status: Preview,
        since: "0.1.0",
        languages: [Python],
        summary: "A background job calls an HTTP dependency with no retry policy, so a brief outage fails the job for good",
        fix: "Give the task a bounded retry policy with backoff (`autoretry_for=...`, `retry_backoff=True`, `max_retries=5`) or retry the call with a library",
    }
}

/// The rule.
pub struct JobCallWithoutRetry;

/// Per file: job functions already reported (one finding per job).
#[derive(Default)]
struct Reported(HashSet<usize>);

impl Rule for JobCallWithoutRetry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        let Some((HandlerKind::Job, job)) = cx.ctx.handler() else { return };
        // A failure handled where it happens (a `try`) is the author's choice.
        if cx.ctx.within_function().any(|f| matches!(f.kind, FrameKind::Try | FrameKind::Handler)) {
            return;
        }
        if cx.state::<Reported>().0.contains(&job.id()) {
            return;
        }
        let Some(callee) = node.field("function") else { return };
        let net = &cx.catalog.network;
        let direct = cx.resolve(callee).is_some_and(|r| {
            r.bound
                && (net.call(true, NetRule::Request, &r.path).is_some_and(|e| e.kind == CallKind::Call)
                    || r.instance_parts()
                        .is_some_and(|(ctor, m)| net.session_method(true, NetRule::Request, ctor, m).is_some()))
        });
        // A project helper (any module, up to three calls deep) that makes
        // an HTTP call no function of its chain retries
        // ([`crate::analysis::summaries`]): the job makes that call. A helper
        // that retries (a tenacity decorator, a retry loop with a pause) is
        // the job's retry policy.
        let helper = if direct {
            None
        } else {
            let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, node.start_byte()) else { return };
            let Some(site) = f.reach.unretried_http.clone() else { return };
            Some(site)
        };
        if has_retry_policy(job, cx) {
            return;
        }
        let name = job.field("name").map(|n| node_text(n, cx.src)).unwrap_or("job");
        let shown: String = node_text(callee, cx.src).split_whitespace().collect();
        cx.state::<Reported>().0.insert(job.id());
        let here = helper.as_ref().filter(|s| s.path == cx.file.path).map(|s| (s.start, s.end));
        let consequence = "so a brief outage of the dependency fails the job for good and its work is lost";
        let msg = match &helper {
            None => format!("`{shown}` in background job `{name}` has no retry policy, {consequence}"),
            Some(site) => {
                let place = if site.path == cx.file.path { String::new() } else { format!(" in {}", site.path) };
                format!(
                    "`{shown}` makes an HTTP call (`{}` in `{}`{place}) and background job `{name}` has no retry policy, {consequence}",
                    site.callee, site.function
                )
            }
        };
        let d = cx.report_node(node, msg);
        if let Some((start, end)) = here {
            d.labels.push(crate::diagnostic::Label {
                span: crate::source::Span::new(start, end),
                message: "the HTTP call is made here, with no retry around it".to_string(),
            });
        }
    }
}

/// The job's decorators or body set up retries: Celery `autoretry_for`,
/// `self.retry(...)`, a retry decorator from the catalog, a mounted urllib3
/// `Retry` adapter in the file.
fn has_retry_policy(job: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    let catalog: &crate::catalog::Catalog = cx.catalog;
    let cat = &catalog.retry.python;
    for d in py::decorators(job, src) {
        if d.contains("autoretry_for") || d.contains("retries=") || d.contains("retry=") {
            return true;
        }
        let head = d.split('(').next().unwrap_or(d);
        let last = head.rsplit('.').next().unwrap_or(head);
        if cat.policies.iter().any(|p| p.paths.iter().any(|x| x.rsplit('.').next() == Some(last)) && p.names.is_empty())
        {
            return true;
        }
    }
    let body = node_text(job, src);
    let file_mounts_retry =
        cx.memo.contains(src, ".mount(") && (cx.memo.contains(src, "max_retries=") || cx.memo.contains(src, "Retry("));
    body.contains(".retry(") || body.contains("Retry(") || body.contains("raise Retry") || file_mounts_retry
}
