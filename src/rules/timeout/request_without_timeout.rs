//! Outbound HTTP requests that can wait forever: no timeout given, or the
//! timeout disabled, per `rules/catalog/network.toml`.

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
        code: "PP201",
        name: "request-without-timeout",
        category: MissingTimeout,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "An outbound HTTP request has no timeout, so a server that stops answering blocks the caller forever",
        fix: "Pass a timeout to the call, or create the client or session with a default timeout",
    }
}

/// The rule.
pub struct RequestWithoutTimeout;

impl Rule for RequestWithoutTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call", "assignment"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression", "new_expression", "pair"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        net_timeout_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        net_timeout_rust::check(node, cx, NetRule::Request);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        match cx.grammar() {
            Grammar::Python => net_timeout::check_python(node, cx, NetRule::Request),
            _ if node.kind() == "pair" => {
                for m in library_timeouts::bare_nest_http_modules(node, cx) {
                    if !crate::analysis::timeouts::explained_no_timeout(m, |n| cx.parent_of(n), cx.src, &cx.file.lines)
                    {
                        cx.report_node(
                            m,
                            "`HttpModule` imported without `HttpModule.register({ timeout })` gives every `HttpService` call in this module axios's default of no timeout, so one server that stops answering blocks the request forever",
                        );
                    }
                }
            }
            _ => net_timeout::check_js(node, cx, NetRule::Request),
        }
    }

    fn finish<'t>(&self, cx: &mut Checker<'_, 't>) {
        if cx.grammar() == Grammar::Python {
            net_timeout::finish_python(cx);
        }
    }
}
