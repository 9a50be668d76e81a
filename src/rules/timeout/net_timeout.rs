//! Shared by `request-without-timeout` (PP201) and
//! `connection-without-timeout` (PP202): finds the catalog entry a call
//! matches (`rules/catalog/network.toml`) and decides whether the call sets
//! its timeout. Not a rule itself.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::analysis::roles::Role;
use crate::analysis::{timeouts, values};
use crate::catalog::network::{CallKind, NetCall, NetRule};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::engine::Checker;
use crate::lang::{NodeExt, node_text, python as py, strip_quotes, typescript as ts};
use crate::rules::timeout::library_timeouts;
use crate::source::Span;

/// What the arguments say about the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timeout {
    /// Set, or possibly set somewhere pagerproof cannot see (`**kwargs`, a config variable).
    Set,
    /// Not given at all.
    Missing,
    /// Given explicitly as `None`/`null`/`0`, which disables it.
    Disabled,
}

/// Per-file state: findings on calls through a requests session wait for the
/// end of the file, since an adapter that applies a timeout may be mounted
/// after the calls.
#[derive(Default)]
pub struct SessionState {
    pending: Vec<PendingSession>,
    configured: HashSet<usize>,
}

/// A finding on a session call: the session, the call's span, the message,
/// the enclosing symbol and the fix.
type PendingSession = (usize, Span, String, Option<String>, Option<Fix>);

/// Python `call` and `assignment` nodes.
pub fn check_python<'t>(node: Node<'t>, cx: &mut Checker<'_, 't>, rule: NetRule) {
    if node.kind() == "assignment" {
        // `s.request = functools.partial(s.request, timeout=5)` configures the session.
        if rule == NetRule::Request
            && let Some(left) = node.field("left").filter(|l| l.kind() == "attribute")
            && let Some(obj) = left.field("object")
            && let Some(attr) = left.field("attribute")
            && let Some(r) = cx.resolve(obj)
            && let Some(inst) = r.instance
            && matches!(cx.text(attr), "request" | "send" | "get" | "post")
        {
            cx.state::<SessionState>().configured.insert(inst.id());
        }
        return;
    }
    let Some(callee) = node.field("function") else { return };
    let Some(r) = cx.resolve(callee) else { return };
    if !r.bound {
        return;
    }
    let catalog = cx.catalog;
    if let Some(entry) = catalog.network.call(true, rule, &r.path) {
        if values::python_call_endpoint(node, cx.src, cx.facts).is_some() {
            // A local socket or file: no network peer (value-kind evidence).
            return;
        }
        let mut t = python_timeout(node, entry, cx.src, cx.memo);
        if t == Timeout::Missing && library_timeouts::python_escape(node, entry, &r.path, cx) {
            t = Timeout::Set;
        }
        // A client made without a default whose every request sets its own.
        if t == Timeout::Missing
            && entry.kind == CallKind::Client
            && crate::analysis::timeouts::python_session_timed_per_call(node, cx.src)
        {
            t = Timeout::Set;
        }
        let fix = python_fix(node, &r.path, t, cx);
        report(node, callee, cx, entry, t, fix);
        return;
    }
    let Some((ctor, method)) = r.instance_parts() else { return };
    let Some(inst) = r.instance else { return };
    // A project subclass of `requests.Session` that applies no timeout of its own.
    let ctor_name = ctor.rsplit('.').next().unwrap_or(ctor);
    let ctor = match cx.facts.py_session_classes.get(ctor_name) {
        Some(false) if !ctor.starts_with("requests.") && !ctor.starts_with("httpx.") => "requests.Session",
        Some(true) => return,
        _ => ctor,
    };
    if rule == NetRule::Request && method == "mount" && mounts_timeout_adapter(node, cx) {
        cx.state::<SessionState>().configured.insert(inst.id());
        return;
    }
    let Some(entry) = catalog.network.session_method(true, rule, ctor, method) else { return };
    if values::python_call_endpoint(node, cx.src, cx.facts).is_some() {
        return;
    }
    let t = python_timeout(node, entry, cx.src, cx.memo);
    if let Some(msg) = message(node, callee, cx, entry, t) {
        let symbol = cx.ctx.symbol();
        let fix = python_fix(node, ctor, t, cx);
        cx.state::<SessionState>().pending.push((inst.id(), Span::of(node), msg, symbol, fix));
    }
}

/// Reports deferred session findings whose session got no timeout adapter.
pub fn finish_python(cx: &mut Checker<'_, '_>) {
    let state = std::mem::take(cx.state::<SessionState>());
    for (inst, span, msg, symbol, fix) in state.pending {
        if !state.configured.contains(&inst) {
            let d = cx.report(span, msg);
            d.symbol = symbol;
            d.fix = fix;
        }
    }
}

/// `s.mount("https://", TimeoutHTTPAdapter(...))` or with a variable holding one.
fn mounts_timeout_adapter<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    py::positional_args(call).into_iter().any(|a| {
        let path = match a.kind() {
            "call" => a.field("function").and_then(|f| cx.resolve(f)).map(|r| r.path),
            "identifier" | "attribute" => cx.resolve(a).map(|r| r.path.trim_end_matches("()").to_string()),
            _ => None,
        };
        path.is_some_and(|p| {
            let name = p.rsplit('.').next().unwrap_or(&p);
            cx.facts.py_timeout_adapters.contains(name)
        })
    })
}

fn python_timeout(call: Node<'_>, entry: &NetCall, src: &str, memo: &crate::engine::FileMemo) -> Timeout {
    let (kwargs, splat) = py::keyword_args(call, src);
    let positional = py::positional_args(call);
    if splat || py::has_list_splat(call) {
        return Timeout::Set;
    }
    if kwargs.iter().any(|(k, _)| entry.delegate.iter().any(|d| d == k)) {
        return Timeout::Set;
    }
    for (k, v) in &kwargs {
        if entry.timeout.iter().any(|t| t == k) {
            let none = v.kind() == "none";
            return if none && entry.none_is_missing { Timeout::Disabled } else { Timeout::Set };
        }
    }
    if let Some(idx) = entry.positional
        && let Some(v) = positional.get(idx)
    {
        return if v.kind() == "none" && entry.none_is_missing { Timeout::Disabled } else { Timeout::Set };
    }
    if entry.only_explicit {
        return Timeout::Set;
    }
    if let Some(key) = &entry.dsn {
        // The DSN or URL: first positional, or a `dsn=`/`url=`/`conninfo=` keyword.
        let dsn = positional
            .first()
            .copied()
            .or_else(|| kwargs.iter().find(|(k, _)| matches!(*k, "dsn" | "url" | "conninfo")).map(|(_, v)| *v));
        if let Some(d) = dsn {
            match py::string_value(d, src) {
                Some(s) if !s.contains(key.as_str()) => {}
                Some(_) => return Timeout::Set,
                // A URL read from a setting: only when the file never names the key.
                None if entry.dsn_variable_is_missing
                    && matches!(d.kind(), "identifier" | "attribute" | "subscript" | "call")
                    && !memo.contains(src, key.as_str()) => {}
                // A DSN built elsewhere may carry the timeout.
                None => return Timeout::Set,
            }
        }
    }
    if entry.requires_args && positional.is_empty() && kwargs.is_empty() {
        return Timeout::Set;
    }
    Timeout::Missing
}

/// JS `call_expression` and `new_expression` nodes.
pub fn check_js<'t>(node: Node<'t>, cx: &mut Checker<'_, 't>, rule: NetRule) {
    let Some(callee) = node.field("function").or_else(|| node.field("constructor")) else {
        return;
    };
    let Some(r) = cx.resolve(callee) else { return };
    let global_fetch = matches!(r.path.as_str(), "fetch" | "globalThis.fetch" | "global.fetch");
    if !r.bound && !global_fetch {
        return;
    }
    if global_fetch && (cx.memo.contains(cx.src, "function fetch(") || cx.memo.contains(cx.src, "function fetch<")) {
        // A local function named `fetch` shadows the global.
        return;
    }
    // The module's own bundled file, or a local socket: no network peer that
    // can stop answering (value-kind evidence).
    if let Some(endpoint) = ts::call_args(node).first().and_then(|a| values::js_url_endpoint(*a, cx.src))
        && (global_fetch || endpoint == values::Endpoint::LocalSocket)
    {
        return;
    }
    let catalog = cx.catalog;
    let Some(entry) = catalog.network.call(false, rule, &r.path) else { return };
    if entry.server_only && cx.file.role.role == Role::Browser {
        return;
    }
    let mut t = js_timeout(node, entry, cx.src);
    // `@nestjs/axios` builds its instance from axios's defaults too.
    let axios = r.path.starts_with("axios") || r.path.starts_with("@nestjs/axios");
    if t == Timeout::Missing && axios && cx.facts.axios_default_timeout {
        t = Timeout::Set;
    }
    if t == Timeout::Missing && entry.kind == CallKind::Client && instance_timeout_set_later(node, cx) {
        t = Timeout::Set;
    }
    let fix = js_fix(node, &r.path, entry, t, cx);
    report(node, callee, cx, entry, t, fix);
}

/// `api.defaults.timeout = 5000` in this file, or a project fact for the name
/// the instance is stored under.
fn instance_timeout_set_later(call: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let Some(name) = js_bound_name(call, cx.src) else { return false };
    let short = name.rsplit('.').next().unwrap_or(&name);
    cx.memo.defaults_timeout_set(cx.src, &name) || cx.facts.axios_instances_with_timeout.contains(short)
}

/// The variable (or `this.x`) the value of `expr` is stored in, if any.
fn js_bound_name(expr: Node<'_>, src: &str) -> Option<String> {
    let mut cur = expr;
    while let Some(p) = cur.parent() {
        match p.kind() {
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression" => cur = p,
            "variable_declarator" => {
                let n = p.field("name")?;
                return (n.kind() == "identifier").then(|| node_text(n, src).to_string());
            }
            "assignment_expression" => {
                let l = p.field("left")?;
                return Some(node_text(l, src).to_string());
            }
            "public_field_definition" | "field_definition" => {
                let n = p.field("name").or_else(|| p.field("property"))?;
                return Some(format!("this.{}", node_text(n, src)));
            }
            _ => return None,
        }
    }
    None
}

fn js_timeout(call: Node<'_>, entry: &NetCall, src: &str) -> Timeout {
    let args = ts::call_args(call);
    if args.iter().any(|a| a.kind() == "spread_element") {
        return Timeout::Set;
    }
    if entry.requires_args && args.is_empty() {
        return Timeout::Set;
    }
    let mut options: Vec<Node<'_>> = Vec::new();
    if entry.options_any {
        for (i, a) in args.iter().enumerate() {
            let a = ts::unwrap_expr(*a);
            match a.kind() {
                "object" => options.push(a),
                // URLs, callbacks and literals hold no options.
                "string"
                | "template_string"
                | "arrow_function"
                | "function_expression"
                | "function"
                | "number"
                | "null"
                | "undefined" => {}
                // A variable may be the options object, except a first
                // argument that reads as a URL.
                "identifier" | "member_expression" if i == 0 && looks_like_url(node_text(a, src)) => {}
                "new_expression" if node_text(a, src).starts_with("new URL") => {}
                _ => return Timeout::Set,
            }
        }
    } else if entry.options.is_some() || entry.options_first_if_object {
        let first_is_obj = args.first().is_some_and(|a| {
            let a = ts::unwrap_expr(*a);
            a.kind() == "object" || local_options(a, call, src).is_some()
        });
        let idx = if entry.options_first_if_object && first_is_obj { 0 } else { entry.options.unwrap_or(1) };
        match args.get(idx).map(|a| ts::unwrap_expr(*a)) {
            Some(o) if o.kind() == "object" => options.push(o),
            Some(o) if matches!(o.kind(), "undefined" | "null") => {}
            Some(o) => match local_options(o, call, src) {
                Some(local) if local.keys.iter().any(|k| entry.timeout.iter().any(|t| t == k)) => {
                    return Timeout::Set;
                }
                Some(local) => options.push(local.literal),
                None => return Timeout::Set,
            },
            None => {}
        }
    }
    for o in &options {
        let (props, spread) = ts::object_props(*o, src);
        if spread {
            return Timeout::Set;
        }
        for (k, v) in &props {
            if entry.timeout.iter().any(|t| t == k) {
                let text = node_text(*v, src);
                let disabled = (entry.none_is_missing && matches!(text, "null" | "undefined"))
                    || (entry.zero_is_missing && text == "0");
                return if disabled { Timeout::Disabled } else { Timeout::Set };
            }
            if let Some(key) = &entry.dsn
                && matches!(*k, "connectionString" | "url" | "uri")
            {
                let s = node_text(*v, src);
                if !matches!(v.kind(), "string") || s.contains(key.as_str()) {
                    return Timeout::Set;
                }
            }
        }
    }
    if entry.only_explicit {
        return Timeout::Set;
    }
    if !entry.chain.is_empty() || !entry.result_methods.is_empty() {
        return chain_timeout(call, entry, src);
    }
    Timeout::Missing
}

/// An options object held in a local variable: the object literal it is
/// declared with and the keys assigned to it afterwards (`options.baseURL =
/// ...`).
struct LocalOptions<'t> {
    literal: Node<'t>,
    keys: Vec<String>,
}

/// Resolves an identifier passed as a call's options to the object literal a
/// `const`/`let` of the enclosing function declares it with, when nothing
/// else can have added a timeout to it: its only other uses in that
/// function are `name.key = value` assignments (their keys are returned).
/// Passed to another function, spread, reassigned, declared twice or not
/// declared in the function: `None` (the timeout may be set elsewhere).
fn local_options<'t>(arg: Node<'t>, call: Node<'t>, src: &str) -> Option<LocalOptions<'t>> {
    if arg.kind() != "identifier" {
        return None;
    }
    let name = node_text(arg, src);
    let mut body = call.parent()?;
    while !matches!(
        body.kind(),
        "function_declaration" | "function_expression" | "function" | "arrow_function" | "method_definition"
    ) {
        body = body.parent()?;
    }
    let mut literal = None;
    let mut keys = Vec::new();
    let mut declarations = 0;
    let mut stack = vec![body];
    let mut budget = 20_000usize;
    while let Some(n) = stack.pop() {
        budget = budget.checked_sub(1)?;
        // `{ options }`: handed on inside another object.
        if n.kind() == "shorthand_property_identifier" && node_text(n, src) == name {
            return None;
        }
        if n.kind() == "identifier" && node_text(n, src) == name && n.id() != arg.id() {
            let parent = n.parent()?;
            match parent.kind() {
                "variable_declarator" if parent.field("name").is_some_and(|x| x.id() == n.id()) => {
                    declarations += 1;
                    let value = ts::unwrap_expr(parent.field("value")?);
                    if value.kind() != "object" || value.start_byte() > call.start_byte() {
                        return None;
                    }
                    literal = Some(value);
                }
                // `name.key = value`: a key added after the declaration.
                "member_expression" if parent.field("object").is_some_and(|o| o.id() == n.id()) => {
                    let assigned = parent
                        .parent()
                        .filter(|g| g.kind() == "assignment_expression")
                        .is_some_and(|g| g.field("left").is_some_and(|l| l.id() == parent.id()));
                    if assigned {
                        keys.push(node_text(parent.field("property")?, src).to_string());
                    } else if parent.parent().is_some_and(|g| g.kind() == "call_expression") {
                        // `options.set(...)`: a method may change it.
                        return None;
                    }
                }
                // A property name that happens to match (`{ options: 1 }`'s key
                // is a property_identifier, not an identifier) or a shorthand
                // property: the object escapes.
                _ => return None,
            }
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    (declarations == 1).then_some(())?;
    let literal = literal?;
    let (_, spread) = ts::object_props(literal, src);
    (!spread).then_some(LocalOptions { literal, keys })
}

fn looks_like_url(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["url", "uri", "href", "endpoint", "port"].iter().any(|s| lower.ends_with(s))
}

/// Follows the builder chain on the result of `call` (`.set(..).timeout(..)`),
/// then the variable it lands in.
fn chain_timeout(call: Node<'_>, entry: &NetCall, src: &str) -> Timeout {
    let sets = |m: &str| entry.chain.iter().chain(&entry.result_methods).any(|c| c == m);
    let mut top = call;
    while let Some(parent) = top.parent() {
        match parent.kind() {
            "parenthesized_expression" | "as_expression" | "non_null_expression" => top = parent,
            "member_expression" if parent.field("object") == Some(top) => {
                let prop = parent.field("property").map(|p| node_text(p, src)).unwrap_or("");
                if sets(prop) {
                    return Timeout::Set;
                }
                // `req.on("timeout", ...)` handles the socket timeout event.
                match parent.parent().filter(|g| g.kind() == "call_expression") {
                    Some(g) => {
                        if prop == "on"
                            && ts::call_args(g).first().is_some_and(|a| strip_quotes(node_text(*a, src)) == "timeout")
                        {
                            return Timeout::Set;
                        }
                        top = g;
                    }
                    None => return Timeout::Set,
                }
            }
            _ => break,
        }
    }
    let parent = top.parent();
    match parent.map(|p| p.kind()) {
        Some("expression_statement") | Some("await_expression") => Timeout::Missing,
        Some("variable_declarator") | Some("assignment_expression") => {
            let Some(name) = js_bound_name(top, src) else { return Timeout::Set };
            let scope = enclosing_function(top).unwrap_or_else(|| {
                let mut n = top;
                while let Some(p) = n.parent() {
                    n = p;
                }
                n
            });
            let body = node_text(scope, src);
            let used = entry.chain.iter().chain(&entry.result_methods).any(|m| body.contains(&format!("{name}.{m}(")))
                || body.contains(&format!("{name}.on(\"timeout\""))
                || body.contains(&format!("{name}.on('timeout'"));
            if used { Timeout::Set } else { Timeout::Missing }
        }
        // Returned or passed on: the receiver may still set it.
        _ => Timeout::Set,
    }
}

fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if ts::FUNCTION_KINDS.contains(&n.kind()) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

fn message<'t>(call: Node<'t>, callee: Node<'t>, cx: &Checker<'_, 't>, entry: &NetCall, t: Timeout) -> Option<String> {
    // A streaming or long-poll call left without a timeout on purpose, and
    // the comment says so (timeout evidence).
    if t != Timeout::Set && timeouts::explained_no_timeout(call, |n| cx.parent_of(n), cx.src, &cx.file.lines) {
        return None;
    }
    let shown = callee_display(call, callee, cx);
    let key = entry.timeout.first().map(String::as_str).unwrap_or("timeout");
    let what = match entry.rule {
        NetRule::Request => "the server stops answering",
        NetRule::Connection => "the peer stops answering",
    };
    let setting = if entry.chain.is_empty() { format!("`{key}`") } else { format!("`.{key}(...)`") };
    Some(match (t, entry.default_secs) {
        (Timeout::Set, _) => return None,
        (Timeout::Disabled, _) => {
            format!("`{shown}` with its `{key}` disabled can block this worker forever when {what}")
        }
        (Timeout::Missing, Some(secs)) => format!(
            "`{shown}` without a {setting} falls back to a {}-minute default, so one slow server holds this worker for minutes",
            secs / 60
        ),
        (Timeout::Missing, None) if entry.kind == CallKind::Client => {
            format!("`{shown}` without a {setting} makes every call through it able to block forever when {what}")
        }
        (Timeout::Missing, None) if !entry.settings.is_empty() => format!(
            "`{shown}` without a {setting} can block this worker forever when {what}: no settings module sets `{}`, its fallback",
            entry.settings.join("`/`")
        ),
        (Timeout::Missing, None) => format!("`{shown}` without a {setting} can block this worker forever when {what}"),
    })
}

fn report<'t>(
    call: Node<'t>,
    callee: Node<'t>,
    cx: &mut Checker<'_, 't>,
    entry: &NetCall,
    t: Timeout,
    fix: Option<Fix>,
) {
    if let Some(msg) = message(call, callee, cx, entry, t) {
        cx.report_node(call, msg).fix = fix;
    }
}

/// `timeout=N` added to a `requests` or `httpx` call (or a call through one
/// of their sessions or clients) that passes none, or put in place of its
/// `timeout=None`. Unsafe: a call that used to wait now fails after N
/// seconds.
fn python_fix(call: Node<'_>, path: &str, t: Timeout, cx: &Checker<'_, '_>) -> Option<Fix> {
    if t == Timeout::Set || !(path.starts_with("requests.") || path.starts_with("httpx.")) {
        return None;
    }
    let secs = cx.catalog.fix.default_timeout_seconds;
    if t == Timeout::Disabled {
        // `timeout=None` given by keyword: replace the `None`.
        let (kwargs, _) = py::keyword_args(call, cx.src);
        let (_, none) = kwargs.iter().find(|(k, v)| *k == "timeout" && v.kind() == "none")?;
        let edit = Edit::replace(Span::of(*none), secs.to_string());
        return Some(Fix::new(
            Applicability::Unsafe,
            format!("Replace `timeout=None` with `timeout={secs}`"),
            vec![edit],
        ));
    }
    let edit = append_argument(
        call.field("arguments").filter(|a| a.kind() == "argument_list")?,
        &format!("timeout={secs}"),
        cx.src,
    )?;
    Some(Fix::new(Applicability::Unsafe, format!("Add `timeout={secs}`"), vec![edit]))
}

/// The option a JS client takes for a deadline of `ms` milliseconds, and how
/// to describe it; `None` for clients without a mechanical fix.
fn js_timeout_option(path: &str, ms: u64) -> Option<String> {
    let root = path.split('.').next().unwrap_or(path);
    match root {
        "axios" => Some(format!("timeout: {ms}")),
        "got" => Some(format!("timeout: {{ request: {ms} }}")),
        "fetch" | "globalThis" | "global" | "node-fetch" | "cross-fetch" | "isomorphic-fetch" => {
            Some(format!("signal: AbortSignal.timeout({ms})"))
        }
        "undici" if path == "undici.fetch" => Some(format!("signal: AbortSignal.timeout({ms})")),
        _ => None,
    }
}

/// The deadline added to an `axios`, `got` or `fetch` call with none: into
/// its options object when it has one, else as a new options argument.
/// Unsafe, as in Python.
fn js_fix(call: Node<'_>, path: &str, entry: &NetCall, t: Timeout, cx: &Checker<'_, '_>) -> Option<Fix> {
    if t != Timeout::Missing || call.kind() != "call_expression" || entry.options_any {
        return None;
    }
    let ms = u64::from(cx.catalog.fix.default_timeout_seconds) * 1000;
    let option = js_timeout_option(path, ms)?;
    let args_node = call.field("arguments").filter(|a| a.kind() == "arguments")?;
    let args = ts::call_args(call);
    let first_is_obj = args.first().is_some_and(|a| ts::unwrap_expr(*a).kind() == "object");
    let idx = if entry.options_first_if_object && first_is_obj { 0 } else { entry.options? };
    let edit = match args.get(idx).map(|a| ts::unwrap_expr(*a)) {
        Some(obj) if obj.kind() == "object" => {
            let mut cursor = obj.walk();
            let last = obj.named_children(&mut cursor).filter(|p| p.kind() != "comment").last();
            match last {
                Some(p) => crate::lang::append_item(cx.src, p, &option),
                None => Edit::replace(Span::of(obj), format!("{{ {option} }}")),
            }
        }
        Some(_) => return None,
        // Positions before the options stay `undefined` (axios's `data`).
        None if idx >= args.len() => {
            let pad = "undefined, ".repeat(idx - args.len());
            append_argument(args_node, &format!("{pad}{{ {option} }}"), cx.src)?
        }
        None => return None,
    };
    Some(Fix::new(Applicability::Unsafe, format!("Add `{option}`"), vec![edit]))
}

/// An edit adding `text` as the last argument of a call's argument list (the
/// node with the parentheses), in the list's layout.
pub(crate) fn append_argument(args: Node<'_>, text: &str, src: &str) -> Option<Edit> {
    let mut cursor = args.walk();
    let last = args.named_children(&mut cursor).filter(|a| a.kind() != "comment").last();
    match last {
        Some(a) => Some(crate::lang::append_item(src, a, text)),
        None => {
            let open = args.child(0).filter(|c| c.kind() == "(")?;
            Some(Edit::insert(open.end_byte(), text))
        }
    }
}

/// The callee as written, `new Pool` for constructors, shortened when long.
fn callee_display<'t>(call: Node<'t>, callee: Node<'t>, cx: &Checker<'_, 't>) -> String {
    let text: String = cx.text(callee).split_whitespace().collect();
    let text = if text.len() > 40 || text.contains('(') {
        cx.resolve(callee).map(|r| r.path.replace("().", ".")).unwrap_or(text)
    } else {
        text
    };
    if call.kind() == "new_expression" { format!("new {text}") } else { text }
}

/// Project facts: `class X(requests.Session)` (and whether it applies a
/// timeout), `class X(HTTPAdapter)` that applies one.
pub struct PySessionFacts;

impl crate::engine::facts::FactCollector for PySessionFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &["Session)", "HTTPAdapter)"]
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["class_definition"]
    }

    fn collect(
        &self,
        node: Node<'_>,
        file: &crate::source::SourceFile,
        memo: &crate::engine::FileMemo,
        facts: &mut crate::engine::ProjectFacts,
    ) {
        let src: &str = &file.text;
        let (Some(name), Some(bases), Some(body)) =
            (node.field("name"), node.field("superclasses"), node.field("body"))
        else {
            return;
        };
        let name = node_text(name, src).to_string();
        let has_timeout = node_text(body, src).contains("timeout");
        let imports_requests_session = memo.contains(src, "from requests import") && memo.contains(src, "Session")
            || memo.contains(src, "from requests.sessions import");
        let mut cursor = bases.walk();
        for base in bases.named_children(&mut cursor) {
            let b = node_text(base, src);
            let is_session = matches!(b, "requests.Session" | "requests.sessions.Session")
                || (b == "Session" && imports_requests_session);
            if is_session {
                let e = facts.py_session_classes.entry(name.clone()).or_insert(false);
                *e |= has_timeout;
            }
            let is_adapter = b == "HTTPAdapter" || b.ends_with(".HTTPAdapter");
            if is_adapter && has_timeout {
                facts.py_timeout_adapters.insert(name.clone());
            }
        }
    }
}

/// Project facts: `axios.defaults.timeout = ...` and `api.defaults.timeout = ...`.
pub struct AxiosTimeoutFacts;

impl crate::engine::facts::FactCollector for AxiosTimeoutFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &["defaults.timeout"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["assignment_expression"]
    }

    fn collect(
        &self,
        node: Node<'_>,
        file: &crate::source::SourceFile,
        _memo: &crate::engine::FileMemo,
        facts: &mut crate::engine::ProjectFacts,
    ) {
        let src: &str = &file.text;
        let Some(left) = node.field("left") else { return };
        let text: String = node_text(left, src).split_whitespace().collect();
        let Some(prefix) = text.strip_suffix(".defaults.timeout") else { return };
        if prefix == "axios" || prefix == "axios.default" {
            facts.axios_default_timeout = true;
        } else {
            let short = prefix.rsplit('.').next().unwrap_or(prefix);
            facts.axios_instances_with_timeout.insert(short.to_string());
        }
    }
}
