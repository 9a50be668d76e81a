//! The Rust side of `request-without-timeout` (PP201) and
//! `connection-without-timeout` (PP202): matches calls against the `[[rust]]`
//! entries of `rules/catalog/network.toml`, follows the builder chain around
//! the call, and honours timeout wrappers. Not a rule itself.

use syn::Expr;

use crate::analysis::timeouts;
use crate::catalog::network::{CallKind, NetCall, NetRule};
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::rust as rs;

/// The node kinds both rules register.
pub const KINDS: &[RustKind] = &[RustKind::Call, RustKind::MethodCall];

/// Checks one Rust node for `rule`.
pub fn check(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>, rule: NetRule) {
    match node {
        RustNode::Call(call) => check_call(call, cx, rule),
        RustNode::MethodCall(m) => {
            check_session_method(m, cx, rule);
            if rule == NetRule::Request {
                check_helper_build(m, cx);
            }
        }
        _ => {}
    }
}

fn check_call(call: &syn::ExprCall, cx: &mut RustChecker<'_, '_>, rule: NetRule) {
    let catalog = cx.catalog;
    let Some((path, entry)) =
        cx.callee_candidates(call).into_iter().find_map(|p| catalog.network.rust_call(rule, &p).map(|e| (p, e)))
    else {
        check_constructor_argument(call, cx, rule);
        return;
    };
    if escaped(entry, cx) || wrapped(cx) || bounded_where_used(entry, cx.span(call).start as usize, cx) {
        return;
    }
    let methods = chain_after(call, cx);
    if methods.iter().any(|m| entry.chain.contains(m)) {
        return;
    }
    if !entry.chain_end.is_empty() && !methods.iter().any(|m| entry.chain_end.contains(m)) {
        // The builder is stored or returned unfinished: it may get its timeout later.
        return;
    }
    let shown = short(cx.text(&*call.func));
    let message = match (rule, entry.kind) {
        (NetRule::Request, CallKind::Client) if !entry.chain.is_empty() => format!(
            "`{shown}()` builds a client without `.{}(..)`, so a server that stops answering holds every request made through it forever",
            entry.chain[0]
        ),
        (NetRule::Request, CallKind::Client) => format!(
            "`{shown}()` creates a client with no request timeout, so a server that stops answering holds every request made through it forever"
        ),
        (NetRule::Request, _) => {
            format!("`{shown}` has no timeout, so a server that stops answering hangs this request forever")
        }
        (NetRule::Connection, _) => format!(
            "`{shown}` has no timeout, so an unreachable peer stalls this task for as long as the OS keeps retrying the connect"
        ),
    };
    let _ = path;
    let span = cx.span(call);
    if cx.explained_by(span, timeouts::says_why_no_timeout) {
        return;
    }
    cx.report(span, message);
}

/// `Lazy::new(reqwest::Client::new)`, `OnceLock::get_or_init(Client::default)`:
/// a client constructor passed by name, not called, so the call itself is
/// not the catalog's. Only a finished client (`kind = "client"` without
/// `chain_end`) is a finding this way.
fn check_constructor_argument(call: &syn::ExprCall, cx: &mut RustChecker<'_, '_>, rule: NetRule) {
    let catalog = cx.catalog;
    for arg in &call.args {
        let Expr::Path(p) = rs::peel(arg) else { continue };
        let Some(entry) = cx.path_candidates(&p.path).into_iter().find_map(|c| {
            catalog.network.rust_call(rule, &c).filter(|e| e.kind == CallKind::Client && e.chain_end.is_empty())
        }) else {
            continue;
        };
        let span = cx.span(arg);
        if escaped(entry, cx) || bounded_where_used(entry, span.start as usize, cx) {
            continue;
        }
        if cx.explained_by(span, timeouts::says_why_no_timeout) {
            continue;
        }
        let shown = short(cx.text(arg));
        cx.report(
            span,
            format!("`{shown}` creates a client with no request timeout, so a server that stops answering holds every request made through it forever"),
        );
    }
}

/// `helper().build()` where the project function `helper` returns a reqwest
/// `ClientBuilder` with no `.timeout(..)` (the function summaries' "returns a
/// client built without timeout"), and nothing in this chain adds one:
/// reported here, where the client is finished and the timeout belongs.
fn check_helper_build(m: &syn::ExprMethodCall, cx: &mut RustChecker<'_, '_>) {
    if m.method != "build" || cx.facts.rust_timeouts.untimed_builders.is_empty() {
        return;
    }
    let mut receiver = rs::peel(&m.receiver);
    loop {
        match receiver {
            Expr::MethodCall(inner) if inner.method == "timeout" => return,
            Expr::MethodCall(inner) => receiver = rs::peel(&inner.receiver),
            _ => break,
        }
    }
    let Expr::Call(root) = receiver else { return };
    let Expr::Path(p) = rs::peel(&root.func) else { return };
    let Some(helper) = p.path.segments.last().map(|s| s.ident.to_string()) else { return };
    if !cx.facts.rust_timeouts.untimed_builders.contains(&helper) {
        return;
    }
    let catalog = cx.catalog;
    let Some(entry) = catalog.network.rust_call(NetRule::Request, "reqwest::Client::builder") else { return };
    let span = cx.span(m);
    if escaped(entry, cx) || wrapped(cx) || bounded_where_used(entry, span.start as usize, cx) {
        return;
    }
    if cx.explained_by(span, timeouts::says_why_no_timeout) {
        return;
    }
    cx.report(
        span,
        format!("`{helper}()` returns a client builder without `.timeout(..)` and `.build()` here finishes it, so a server that stops answering holds every request made through this client forever"),
    );
}

/// A timeout applied where the client built at byte `at` flows rather than
/// where it is built: a tower timeout layer in the project around a client
/// that is a tower `Service`, or a per-request `.timeout(..)` on every send
/// through the `static` (or `OnceLock`) it initialises.
fn bounded_where_used(entry: &NetCall, at: usize, cx: &RustChecker<'_, '_>) -> bool {
    let facts = &cx.facts.rust_timeouts;
    if entry.service && facts.tower_timeout {
        return true;
    }
    if entry.rule != NetRule::Request || entry.kind != CallKind::Client {
        return false;
    }
    if handed_to_batched_exporter(cx) {
        return true;
    }
    shared_name(at, cx).is_some_and(|name| facts.sends_bounded(&name))
}

/// Methods of telemetry exporter builders that take the HTTP client the
/// exporter sends with (OpenTelemetry's `with_http_client`).
const EXPORTER_CLIENT: &[&str] = &["with_http_client"];

/// Batch processors that bound each export (OpenTelemetry's
/// `max_export_timeout`, 30 s unless configured).
const BATCHED_EXPORT: &[&str] = &["BatchSpanProcessor", "with_batch_exporter", "BatchLogProcessor", "PeriodicReader"];

/// The client is an argument of an exporter builder's `with_http_client(..)`
/// in a file that runs its exports through a batch processor: each send is
/// bounded by the processor's export timeout, off the request path. A
/// simple (synchronous) exporter has no such bound.
fn handed_to_batched_exporter(cx: &RustChecker<'_, '_>) -> bool {
    let handed = cx
        .ctx
        .parents()
        .iter()
        .any(|e| matches!(e, Expr::MethodCall(m) if EXPORTER_CLIENT.iter().any(|n| m.method == n)));
    handed && BATCHED_EXPORT.iter().any(|b| cx.memo.contains(cx.src, b))
}

/// How far before a client's construction its `static` item may start.
const SHARED_ITEM_WINDOW: usize = 4096;

/// The name of the `static` whose initialiser holds byte `at`
/// (`static CLIENT: Lazy<Client> = Lazy::new(|| Client::new());`), or of the
/// cell a `get_or_init(..)` around it fills (`CLIENT.get_or_init(..)`).
fn shared_name(at: usize, cx: &RustChecker<'_, '_>) -> Option<String> {
    let cell = cx.ctx.parents().iter().rev().find_map(|e| match e {
        Expr::MethodCall(m) if m.method.to_string().starts_with("get_or_") => rs::ident_of(&m.receiver),
        _ => None,
    });
    if cell.is_some() {
        return cell;
    }
    // The item that holds `at` starts in the last few KiB: looking further
    // back for every client would make a file's time grow with the square
    // of its size.
    let mut from = at.saturating_sub(SHARED_ITEM_WINDOW);
    while !cx.src.is_char_boundary(from) {
        from += 1;
    }
    let before = cx.src.get(from..at)?;
    let item = before.rfind("static ")?;
    if before[item..].contains(';')
        || (item > 0 && before[..item].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '\''))
    {
        return None;
    }
    let rest = before[item + "static ".len()..].trim_start();
    let rest = rest.strip_prefix("mut ").unwrap_or(rest).trim_start();
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// `client.get_connection()` on a local made by a `session` constructor.
fn check_session_method(m: &syn::ExprMethodCall, cx: &mut RustChecker<'_, '_>, rule: NetRule) {
    let Some(name) = rs::ident_of(&m.receiver) else { return };
    let Some(origin) = cx.origin(&name) else { return };
    let method = m.method.to_string();
    let catalog = cx.catalog;
    let Some(entry) = catalog.network.rust_session_method(rule, &origin.path, &method) else { return };
    if escaped(entry, cx) || wrapped(cx) {
        return;
    }
    let span = cx.span(m);
    if cx.explained_by(span, timeouts::says_why_no_timeout) {
        return;
    }
    cx.report(
        span,
        format!("`{name}.{method}()` opens a connection with no connect or read timeout, so a server that stops answering blocks this caller forever"),
    );
}

/// A timeout applied another way somewhere in the file or the function.
fn escaped(entry: &NetCall, cx: &RustChecker<'_, '_>) -> bool {
    if entry.file_escape.iter().any(|s| cx.memo.contains(cx.src, s)) {
        return true;
    }
    // `let fut = TcpStream::connect(a); timeout(d, fut).await` in the same function.
    let body = cx.function_text();
    cx.catalog.network.rust_wrappers.iter().any(|w| {
        w.paths.iter().any(|p| {
            let last = p.rsplit("::").next().unwrap_or(p);
            calls(body, last) && (cx.uses.imports_from(p.split("::").next().unwrap_or("")) || body.contains(p.as_str()))
        })
    })
}

/// Whether `text` calls `name(` as a name of its own: `connect_timeout(`
/// is not a call of `timeout(`.
fn calls(text: &str, name: &str) -> bool {
    let needle = format!("{name}(");
    text.match_indices(&needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// An enclosing `tokio::time::timeout(..)` call or `.timeout(..)` method.
fn wrapped(cx: &RustChecker<'_, '_>) -> bool {
    let wrappers = &cx.catalog.network.rust_wrappers;
    cx.ctx.parents().iter().any(|e| match e {
        Expr::Call(c) => {
            cx.callee_candidates(c).iter().any(|p| wrappers.iter().any(|w| w.paths.iter().any(|wp| wp == p)))
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            wrappers.iter().any(|w| w.methods.contains(&name))
        }
        _ => false,
    })
}

/// Methods chained on the call's result in the same expression, in order
/// (`.timeout(d).build()` → `["timeout", "build"]`), through `.await` and `?`.
fn chain_after(call: &syn::ExprCall, cx: &RustChecker<'_, '_>) -> Vec<String> {
    let parents = cx.ctx.parents();
    let mut out = Vec::new();
    let mut idx = parents.len();
    // The first parent's child is the call itself.
    let mut child: Option<&Expr> = None;
    while idx > 0 {
        let p = parents[idx - 1];
        let is_child = |e: &Expr| match child {
            Some(c) => std::ptr::eq(rs::peel(e), c),
            None => matches!(rs::peel(e), Expr::Call(x) if std::ptr::eq(x, call)),
        };
        match p {
            Expr::MethodCall(m) if is_child(&m.receiver) => out.push(m.method.to_string()),
            Expr::Await(a) if is_child(&a.base) => {}
            Expr::Try(t) if is_child(&t.expr) => {}
            Expr::Paren(x) if is_child(&x.expr) => {}
            _ => break,
        }
        child = Some(p);
        idx -= 1;
    }
    out
}

fn short(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.len() > 48 { "this call".to_string() } else { t }
}

#[cfg(test)]
mod tests {
    use super::calls;

    #[test]
    fn a_call_is_a_name_of_its_own() {
        assert!(calls("let r = timeout(d, fut).await;", "timeout"));
        assert!(calls("tokio::time::timeout(d, fut)", "timeout"));
        assert!(!calls(".connect_timeout(d).read_timeout(d)", "timeout"));
        assert!(!calls("my_timeout(d)", "timeout"));
    }
}
