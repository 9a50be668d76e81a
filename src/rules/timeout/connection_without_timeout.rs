//! Database, cache, mail and raw socket connections that can wait forever:
//! no timeout given, or the timeout disabled, per `rules/catalog/network.toml`.

use tree_sitter::Node;

use crate::catalog::network::NetRule;
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::rule::{Rule, RuleMeta};
use crate::rules::timeout::library_timeouts;
use crate::rules::{net_timeout, net_timeout_rust};
use crate::source::Grammar;

crate::declare_rule! {
    pub static META = {
        code: "PP202",
        name: "connection-without-timeout",
        category: MissingTimeout,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A database, cache, mail or socket connection has no timeout, so a peer that stops answering blocks the caller forever",
        fix: "Pass a connect or socket timeout when creating the connection or client",
    }
}

/// The rule.
pub struct ConnectionWithoutTimeout;

impl Rule for ConnectionWithoutTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call", "dictionary"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression", "new_expression"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        net_timeout_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        net_timeout_rust::check(node, cx, NetRule::Connection);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        match cx.grammar() {
            Grammar::Python if node.kind() == "dictionary" => {
                if let Some((at, msg)) = library_timeouts::django_cache_without_timeout(node, cx) {
                    cx.report_node(at, msg);
                }
            }
            Grammar::Python => net_timeout::check_python(node, cx, NetRule::Connection),
            _ => {
                if node.kind() == "new_expression"
                    && let Some(msg) = crate::rules::queues::job_queues::producer_waits_forever(node, cx)
                {
                    cx.report_node(node, msg);
                }
                net_timeout::check_js(node, cx, NetRule::Connection)
            }
        }
    }
}
