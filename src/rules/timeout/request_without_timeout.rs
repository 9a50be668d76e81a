//! Outbound HTTP requests that can wait forever: no timeout given, or the
//! timeout disabled, per `rules/catalog/network.toml`.

use tree_sitter::Node;

use crate::catalog::network::NetRule;
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::NodeExt;
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
        if matches!(node.kind(), "call" | "call_expression") {
            through_project_function(node, cx);
        }
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

/// A call to a project wrapper that hands its caller's keyword arguments or
/// options to the HTTP client and never sets a timeout itself
/// ([`crate::analysis::summaries`]): the call decides, and passes none.
fn through_project_function<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    let Some((r, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    let Some(site) = f.reach.forwarded_http.clone() else { return };
    if f.reach.http_set || r.passes_timeout || r.forwards {
        // The wrapper also sets one, this call passes one, or it hands its
        // own caller's options on (judged at that caller).
        return;
    }
    let python = cx.grammar() == Grammar::Python;
    if python && crate::lang::python::keyword_args(call, cx.src).1 {
        // `wrapper(url, **options)`: the dict may hold a timeout.
        return;
    }
    if !python
        && crate::lang::typescript::call_args(call).iter().any(|a| {
            let a = crate::lang::typescript::unwrap_expr(*a);
            a.kind() == "spread_element" || a.kind() == "object" && crate::lang::typescript::object_props(a, cx.src).1
        })
    {
        return;
    }
    let Some(callee) = call.field("function") else { return };
    let shown: String = cx.text(callee).split_whitespace().collect();
    let same_file = site.path == cx.file.path;
    let place = if same_file { String::new() } else { format!(" in {}", site.path) };
    let msg = format!(
        "`{shown}` sends an HTTP request (`{}` in `{}`{place}) that takes its timeout only from this call's arguments, and none is passed: a server that stops answering blocks the caller forever",
        site.callee, site.function
    );
    let d = cx.report_node(call, msg);
    if same_file {
        d.labels.push(crate::diagnostic::Label {
            span: crate::source::Span::new(site.start, site.end),
            message: "the request is made here with the caller's options".to_string(),
        });
    }
}
