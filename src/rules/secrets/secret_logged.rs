//! Secrets, credentials and personal data written to a log: Python `logging`,
//! structlog, loguru and `print` in handlers; `console`, pino, winston,
//! bunyan and named loggers in TypeScript/JavaScript. Sources and sinks come
//! from `rules/catalog/secrets.toml`.
//!
//! Sources are names whose head noun is a secret (`api_key`, `accessToken`,
//! `card_number`), request headers, cookies and raw bodies, the whole
//! environment, and getter reads of secret-named keys
//! (`os.environ.get("API_KEY")`, `req.get("Authorization")`). Values flow
//! through local assignments (per function), f-strings, template literals,
//! `%`/`+`, `.format`, `JSON.stringify` and object or dict literals; masking,
//! hashing, slicing, lengths and comparisons stop them. Value-kind evidence
//! (`crate::analysis::values`) decides which secret-looking names and calls
//! hold something else (a path, a cursor, a token's claims).

use std::collections::HashMap;

use tree_sitter::Node;

use crate::analysis::roles::Role;
use crate::analysis::values;
use crate::catalog::secrets::{LogSinks, SecretsCatalog, Sensitive};
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::engine::{BindingKind, Checker};
use crate::lang::{NodeExt, node_text, strip_quotes};
use crate::rule::{Rule, RuleMeta};
use crate::rules::secret_logged_rust;
use crate::source::Grammar;

crate::declare_rule! {
    pub static META = {
        code: "PP401",
        name: "secret-logged",
        category: SecretInLog,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A secret, credential or personal data value is written to a log, where everyone with log access can read it",
        fix: "Log a masked form, a hash or the length instead, or leave the value out of the log call",
    }
}

/// The rule.
pub struct SecretLogged;

/// Local names per function scope: `Some(kind)` holds a secret, `None` was
/// explicitly cleaned (`token = mask(token)`).
#[derive(Default)]
struct Taint {
    names: HashMap<(usize, String), Option<(Sensitive, String)>>,
}

struct Leak {
    shown: String,
    kind: Sensitive,
    /// For a local that holds a secret: the source it was assigned from.
    origin: Option<String>,
}

const MAX_DEPTH: u32 = 12;

impl Rule for SecretLogged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call", "assignment"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression", "variable_declarator", "assignment_expression"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        secret_logged_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        secret_logged_rust::check(node, cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        let taint = std::mem::take(cx.state::<Taint>());
        let mut taint = taint;
        match node.kind() {
            "call" | "call_expression" => sink(node, cx, &taint),
            _ => track(node, cx, &mut taint),
        }
        *cx.state::<Taint>() = taint;
    }
}

fn scope_of(cx: &Checker<'_, '_>) -> usize {
    cx.ctx.function().map(|(_, n)| n.id()).unwrap_or(0)
}

fn py(cx: &Checker<'_, '_>) -> bool {
    cx.grammar() == Grammar::Python
}

fn sinks<'a>(cx: &Checker<'a, '_>) -> &'a LogSinks {
    if py(cx) { &cx.catalog.secrets.python } else { &cx.catalog.secrets.js }
}

/// Records what an assignment to a plain local name holds.
fn track<'t>(node: Node<'t>, cx: &Checker<'_, 't>, taint: &mut Taint) {
    let (left, right) = match node.kind() {
        "variable_declarator" => (node.field("name"), node.field("value")),
        _ => (node.field("left"), node.field("right")),
    };
    let (Some(left), Some(right)) = (left, right) else { return };
    if left.kind() != "identifier" {
        return;
    }
    let key = (scope_of(cx), cx.text(left).to_string());
    if py(cx) && record_without_secret(values::python_record_of(right, cx.src).map(values::PyRecord::Of), cx) {
        // `token = ApiToken(user=user)`: a record, logged as its class's
        // text form, which shows no secret.
        taint.names.insert(key, None);
    } else if let Some(l) = leak(right, cx, taint, 0) {
        let origin = l.origin.unwrap_or(l.shown);
        taint.names.insert(key, Some((l.kind, origin)));
    } else if clean(right, cx, 0) {
        taint.names.insert(key, None);
    } else {
        taint.names.remove(&key);
    }
}

/// Checks a call: when it writes a log record, reports the first argument
/// that carries a secret.
fn sink<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>, taint: &Taint) {
    let Some(callee) = call.field("function") else { return };
    if !is_log_call(callee, cx) {
        helper_sink(call, cx, taint);
        return;
    }
    if dev_only(call, cx) || generated_output(callee, cx) {
        return;
    }
    let Some(args) = call.field("arguments") else { return };
    let ignored = &sinks(cx).ignored_keywords;
    let mut cursor = args.walk();
    let args: Vec<Node<'t>> = args.named_children(&mut cursor).collect();
    for arg in args {
        let value = if arg.kind() == "keyword_argument" {
            let name = arg.field("name").map(|n| cx.text(n)).unwrap_or("");
            if ignored.iter().any(|k| k == name) {
                continue;
            }
            match arg.field("value") {
                Some(v) => v,
                None => continue,
            }
        } else {
            arg
        };
        if let Some(l) = leak(value, cx, taint, 0) {
            let shown_sink = short(cx.text(callee));
            let what = match &l.origin {
                Some(o) if *o != l.shown => format!("`{}` (from `{o}`)", l.shown),
                _ => format!("`{}`", l.shown),
            };
            let msg = match l.kind {
                Sensitive::Credential => format!(
                    "{what} reaches the log through `{shown_sink}`: anyone who can read the logs, or the services they are shipped to, can use this credential"
                ),
                Sensitive::Personal => format!(
                    "{what} reaches the log through `{shown_sink}`: personal or card data then sits in every log store and backup, beyond access control and deletion requests"
                ),
            };
            cx.report_node(call, msg);
            return;
        }
    }
}

/// A call to a project function that writes one of its parameters to a log
/// (the function summaries, [`crate::analysis::summaries`]), passing a
/// secret into that parameter. A parameter named like a secret is the
/// helper's own finding, at its log call; this covers generic ones
/// (`log_value(label, value)`, `debug(msg)`).
fn helper_sink<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>, taint: &Taint) {
    use crate::analysis::summaries::ArgSlot;
    // The lookup first: it is cheap, `dev_only` walks every ancestor.
    let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    if f.reach.logs.is_empty() || cx.file.role.role == Role::Browser || dev_only(call, cx) {
        return;
    }
    let Some(args) = call.field("arguments") else { return };
    let mut cursor = args.walk();
    let args: Vec<Node<'t>> = args.named_children(&mut cursor).filter(|a| a.kind() != "comment").collect();
    let mut position = 0;
    for arg in args {
        let (slot, value) = if arg.kind() == "keyword_argument" {
            let (Some(k), Some(v)) = (arg.field("name"), arg.field("value")) else { continue };
            (ArgSlot::Keyword(cx.text(k).to_string()), v)
        } else if matches!(arg.kind(), "list_splat" | "dictionary_splat" | "spread_element") {
            return;
        } else {
            position += 1;
            (ArgSlot::Position(position - 1), arg)
        };
        let Some(param) = f.reach.logs.iter().find(|l| l.receives(&slot)) else { continue };
        if values::secret_name(&param.name, &cx.catalog.secrets).is_some() {
            continue;
        }
        let Some(l) = leak(value, cx, taint, 0) else { continue };
        let what = match &l.origin {
            Some(o) if *o != l.shown => format!("`{}` (from `{o}`)", l.shown),
            _ => format!("`{}`", l.shown),
        };
        let helper = short(cx.text(call.field("function").unwrap_or(call)));
        let through = if param.via == f.name || f.class.as_ref().is_some_and(|c| param.via == format!("{c}.{}", f.name))
        {
            String::new()
        } else {
            format!(" (through `{}`)", param.via)
        };
        let harm = match l.kind {
            Sensitive::Credential => {
                "anyone who can read the logs, or the services they are shipped to, can use this credential"
            }
            Sensitive::Personal => {
                "personal or card data then sits in every log store and backup, beyond access control and deletion requests"
            }
        };
        let msg = format!(
            "{what} is passed to `{helper}` ({}), which writes its parameter `{}` to the log{through}: {harm}",
            f.path, param.name
        );
        cx.report_node(call, msg);
        return;
    }
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 40 { format!("{}...", one.chars().take(37).collect::<String>()) } else { one }
}

/// The last segment of a name or dotted path, without call parentheses.
fn last_segment(path: &str) -> &str {
    let p = path.trim_end_matches("()");
    p.rsplit('.').next().unwrap_or(p)
}

fn under_logger_path(path: &str, sinks: &LogSinks) -> bool {
    sinks
        .logger_paths
        .iter()
        .any(|lp| path == lp || path.starts_with(&format!("{lp}.")) || path.starts_with(&format!("{lp}()")))
}

fn logger_name(name: &str, sinks: &LogSinks) -> bool {
    sinks.logger_names.iter().any(|n| n == name)
        || sinks.logger_name_suffixes.iter().any(|s| name.ends_with(s.as_str()))
}

/// `logger.info`, `logging.warning`, `structlog.get_logger().info`,
/// `console.log`, `pino().info`, `this.logger.error`, or `print` inside a
/// handler.
fn is_log_call<'t>(callee: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let sinks = sinks(cx);
    if cx.file.role.role == Role::Browser {
        return false;
    }
    let is_method = |m: &str| sinks.logger_methods.iter().any(|x| x == m);
    match callee.kind() {
        "identifier" => {
            let name = cx.text(callee);
            let Some(r) = cx.resolve(callee) else { return false };
            if !r.bound {
                return sinks.print_calls.iter().any(|p| p == name) && cx.ctx.handler().is_some() && !in_cli(cx);
            }
            // `from logging import info`, `from loguru import logger` then `logger(...)` is not a call.
            r.path.contains('.') && is_method(last_segment(&r.path)) && under_logger_path(&r.path, sinks)
        }
        "attribute" | "member_expression" => {
            let method =
                callee.field("attribute").or_else(|| callee.field("property")).map(|m| cx.text(m)).unwrap_or("");
            if !is_method(method) {
                return false;
            }
            let Some(receiver) = callee.field("object") else { return false };
            receiver_is_logger(receiver, cx, sinks)
        }
        _ => false,
    }
}

/// `print(key)` / `console.log(key)` in a function that generates a key for
/// its caller (`generate_key`, `createToken`), outside any handler: stdout is
/// the command's output (value-kind evidence, `GeneratedForOutput`).
fn generated_output<'t>(callee: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    if cx.ctx.handler().is_some() {
        return false;
    }
    let Some(name) = cx.ctx.function().and_then(|(f, _)| f.name.clone()) else { return false };
    if !values::generates_for_output(&name, &cx.catalog.secrets) {
        return false;
    }
    match callee.kind() {
        "identifier" => cx.catalog.secrets.python.print_calls.iter().any(|p| p == cx.text(callee)),
        _ => {
            callee.field("object").is_some_and(|o| cx.text(o) == "console")
                && callee.field("property").is_some_and(|p| matches!(cx.text(p), "log" | "info"))
        }
    }
}

/// True inside the body of `if isDev:` / `if (process.env.NODE_ENV === "development")`.
fn dev_only(node: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let guards = &cx.catalog.secrets.dev_guards;
    let mut child = node;
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind() == "if_statement"
            && let Some(cond) = n.field("condition")
            && n.field("consequence").is_some_and(|c| c.id() == child.id())
        {
            let text = cx.text(cond);
            if guards.iter().any(|g| text.contains(g.as_str())) && !text.contains('!') && !text.contains("not ") {
                return true;
            }
        }
        child = n;
        cur = n.parent();
    }
    false
}

/// True in a command-line tool's folder, where printing is the interface.
fn in_cli(cx: &Checker<'_, '_>) -> bool {
    let folders = &cx.catalog.secrets.cli_folders;
    let path = cx.file.path.replace('\\', "/");
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop();
    segments.iter().any(|s| folders.iter().any(|f| f == s))
}

fn receiver_is_logger<'t>(receiver: Node<'t>, cx: &Checker<'_, 't>, sinks: &LogSinks) -> bool {
    let resolved = cx.resolve(receiver);
    // `console` is the user interface of a command-line tool.
    if resolved.as_ref().is_some_and(|r| !r.bound && r.path == "console") && in_cli(cx) {
        return false;
    }
    if let Some(r) = &resolved {
        if under_logger_path(&r.path, sinks) {
            return !redacts(r.instance, cx, sinks);
        }
        // A name bound to something made by a non-logger factory
        // (`log = AuditLog.objects.create(...)`) is not a logger.
        if r.bound
            && let Some((ctor, _)) = r.path.rsplit_once("()")
        {
            let last = last_segment(ctor).to_ascii_lowercase();
            if !ctor.to_ascii_lowercase().contains("logger") && !last.contains("log") {
                return false;
            }
            if redacts(r.instance, cx, sinks) {
                return false;
            }
        }
        if r.bound
            && r.instance.is_none()
            && cx.semantic.lookup(cx.text(receiver)).is_some_and(|b| matches!(b.kind, BindingKind::Path(_)))
            && logger_name(last_segment(&r.path), sinks)
        {
            return true;
        }
    }
    // Step through `log.bind(...)`, `logger.child(...)`, `logger.opt(...)`.
    let mut r = receiver;
    for _ in 0..4 {
        if !matches!(r.kind(), "call" | "call_expression") {
            break;
        }
        let Some(f) = r.field("function") else { return false };
        match f.field("object") {
            Some(o) => r = o,
            None => return false,
        }
    }
    let name = match r.kind() {
        "attribute" => r.field("attribute").map(|a| cx.text(a)),
        "member_expression" => r.field("property").map(|a| cx.text(a)),
        "identifier" => Some(cx.text(r)),
        _ => None,
    };
    name.is_some_and(|n| logger_name(n, sinks))
}

/// True when the logger was created with a redaction option in view
/// (`pino({ redact: ["req.headers.authorization"] })`).
fn redacts(instance: Option<Node<'_>>, cx: &Checker<'_, '_>, sinks: &LogSinks) -> bool {
    let Some(inst) = instance else { return false };
    let text = cx.text(inst);
    sinks.redact_options.iter().any(|o| text.contains(&format!("{o}:")) || text.contains(&format!("{o}=")))
}

fn unwrap(mut node: Node<'_>) -> Node<'_> {
    while matches!(
        node.kind(),
        "parenthesized_expression"
            | "await"
            | "await_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
            | "type_assertion"
    ) {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn string_literal<'s>(node: Node<'_>, src: &'s str) -> Option<&'s str> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    if node.named_children(&mut cursor).any(|c| c.kind() == "interpolation") {
        return None;
    }
    Some(strip_quotes(node_text(node, src)))
}

fn leak_of(text: &str, kind: Sensitive) -> Option<Leak> {
    Some(Leak { shown: short(text), kind, origin: None })
}

/// The secret an expression carries, if any.
fn leak<'t>(e: Node<'t>, cx: &Checker<'_, 't>, taint: &Taint, depth: u32) -> Option<Leak> {
    if depth > MAX_DEPTH {
        return None;
    }
    let cat: &SecretsCatalog = &cx.catalog.secrets;
    let e = unwrap(e);
    let any_child = |n: Node<'t>| {
        let mut cursor = n.walk();
        n.named_children(&mut cursor).find_map(|c| leak(c, cx, taint, depth + 1))
    };
    match e.kind() {
        "identifier" | "shorthand_property_identifier" => {
            let name = cx.text(e);
            if let Some(state) = taint.names.get(&(scope_of(cx), name.to_string())) {
                return state.as_ref().map(|(kind, origin)| Leak {
                    shown: name.to_string(),
                    kind: *kind,
                    origin: Some(origin.clone()),
                });
            }
            // Imported modules, functions and classes are not values.
            if cx.semantic.lookup(name).is_some_and(|b| matches!(b.kind, BindingKind::Path(_))) {
                return None;
            }
            let kind = values::secret_name(name, cat)?;
            if py(cx) && record_without_secret(parameter_record(e, name, cx), cx) {
                return None;
            }
            leak_of(name, kind)
        }
        "attribute" | "member_expression" => {
            let attr = e.field("attribute").or_else(|| e.field("property")).map(|a| cx.text(a)).unwrap_or("");
            let obj = e.field("object");
            if let Some(obj) = obj {
                let obj_name = match obj.kind() {
                    "identifier" => cx.text(obj),
                    "attribute" | "member_expression" => {
                        obj.field("attribute").or_else(|| obj.field("property")).map(|a| cx.text(a)).unwrap_or("")
                    }
                    _ => "",
                };
                if cat.request_objects.iter().any(|o| o == obj_name) && cat.request_attrs.iter().any(|a| a == attr) {
                    return leak_of(cx.text(e), Sensitive::Credential);
                }
                // `req.sessionID`, `request.session.session_key`: on the
                // request or its session, not on an object the request
                // carries (`request.state.db.session_id` is a database session's).
                let written: Vec<&str> = cx.text(obj).split(['.', '?']).filter(|p| !p.is_empty()).collect();
                let on_request = match written.as_slice() {
                    [head] => cat.request_objects.iter().any(|o| o == head),
                    [head, "session"] => cat.request_objects.iter().any(|o| o == head),
                    _ => false,
                };
                if on_request && cat.ends_with(attr, &cat.request_names) {
                    return leak_of(cx.text(e), Sensitive::Credential);
                }
            }
            if let Some(r) = cx.resolve(e)
                && cat.environ.contains(&r.path)
            {
                return leak_of(cx.text(e), Sensitive::Credential);
            }
            let kind = values::secret_name(attr, cat)?;
            if py(cx)
                && obj.is_some_and(|o| o.kind() == "identifier" && cx.text(o) == "self")
                && record_without_secret(self_attribute_record(e, attr, cx), cx)
            {
                return None;
            }
            if cat.weak_attrs.iter().any(|w| w == attr) {
                let holder = obj.is_some_and(|o| {
                    let name = match o.kind() {
                        "identifier" | "this" => cx.text(o),
                        _ => o.field("attribute").or_else(|| o.field("property")).map(|a| cx.text(a)).unwrap_or(""),
                    };
                    cat.secret_holders.iter().any(|h| h == name) || cat.classify(name).is_some()
                });
                if !holder {
                    return None;
                }
            }
            leak_of(cx.text(e), kind)
        }
        "subscript" | "subscript_expression" => {
            let index = e.field("subscript").or_else(|| e.field("index"))?;
            let key = string_literal(index, cx.src)?;
            values::secret_name(key, cat).and_then(|k| leak_of(cx.text(e), k))
        }
        "call" | "call_expression" => {
            let callee = e.field("function")?;
            let args = e.field("arguments");
            let callee_text = cx.text(callee);
            let last = last_segment(callee_text);
            if cat.getters.iter().any(|g| g == last) {
                let first = args.and_then(|a| a.named_child(0))?;
                let key = string_literal(first, cx.src)?;
                return values::secret_name(key, cat).and_then(|k| leak_of(cx.text(e), k));
            }
            if cat.is_sanitizer(last) || returns_other_kind(callee, cx) {
                return None;
            }
            let is_method = matches!(callee.kind(), "attribute" | "member_expression");
            // A method keeps its name through resolution: when no passthrough
            // ends with it, the call passes nothing through (resolving it
            // would tell no more).
            if is_method
                && !cat.passthrough_methods.iter().any(|m| m == last)
                && !cat.passthrough_calls.iter().any(|p| last_segment(p) == last)
            {
                return None;
            }
            let path = cx.resolve(callee).map(|r| r.path).unwrap_or_else(|| callee_text.to_string());
            let through_call = cat.passthrough_calls.iter().any(|p| *p == path || (!is_method && p == last));
            let through_method = is_method && cat.passthrough_methods.iter().any(|m| m == last);
            if !through_call && !through_method {
                return None;
            }
            if through_method
                && !through_call
                && let Some(recv) = callee.field("object")
                && let Some(l) = leak(recv, cx, taint, depth + 1)
            {
                return Some(l);
            }
            let args = args?;
            let mut cursor = args.walk();
            let kids: Vec<Node<'t>> = args.named_children(&mut cursor).collect();
            kids.into_iter().find_map(|a| {
                let v = if a.kind() == "keyword_argument" { a.field("value")? } else { a };
                leak(v, cx, taint, depth + 1)
            })
        }
        // f-strings and template literals: the interpolated expressions.
        "string" => {
            let mut cursor = e.walk();
            let kids: Vec<Node<'t>> = e.named_children(&mut cursor).filter(|c| c.kind() == "interpolation").collect();
            kids.into_iter().find_map(|i| i.named_child(0).and_then(|x| leak(x, cx, taint, depth + 1)))
        }
        "template_string" => {
            let mut cursor = e.walk();
            let kids: Vec<Node<'t>> =
                e.named_children(&mut cursor).filter(|c| c.kind() == "template_substitution").collect();
            kids.into_iter().find_map(|i| i.named_child(0).and_then(|x| leak(x, cx, taint, depth + 1)))
        }
        "binary_operator" | "boolean_operator" => {
            let op = e.field("operator").map(|o| cx.text(o)).unwrap_or("");
            if !matches!(op, "+" | "%" | "or" | "and") {
                return None;
            }
            [e.field("left"), e.field("right")].into_iter().flatten().find_map(|c| leak(c, cx, taint, depth + 1))
        }
        "binary_expression" => {
            let op = e.field("operator").map(|o| cx.text(o)).unwrap_or("");
            if !matches!(op, "+" | "||" | "??" | "&&") {
                return None;
            }
            [e.field("left"), e.field("right")].into_iter().flatten().find_map(|c| leak(c, cx, taint, depth + 1))
        }
        "conditional_expression" => {
            // `a if cond else b`
            [e.named_child(0), e.named_child(2)].into_iter().flatten().find_map(|c| leak(c, cx, taint, depth + 1))
        }
        "ternary_expression" => [e.field("consequence"), e.field("alternative")]
            .into_iter()
            .flatten()
            .find_map(|c| leak(c, cx, taint, depth + 1)),
        "concatenated_string"
        | "list"
        | "tuple"
        | "set"
        | "array"
        | "expression_list"
        | "list_splat"
        | "dictionary_splat"
        | "spread_element"
        | "object"
        | "dictionary" => any_child(e),
        "pair" => e.field("value").and_then(|v| leak(v, cx, taint, depth + 1)),
        _ => None,
    }
}

/// True when `record` is a record whose text form, as the project defines
/// or generates it, shows no secret ([`values::record_shows_secret`]).
fn record_without_secret(record: Option<values::PyRecord>, cx: &Checker<'_, '_>) -> bool {
    record.is_some_and(|r| values::record_shows_secret(&r, &cx.facts.endpoints, &cx.catalog.secrets) == Some(false))
}

/// What the enclosing function's parameter `name` holds when it is a record:
/// annotated with a class (`token: ApiToken`), or handed to the ORM session
/// in the function (`db.session.delete(token)`).
fn parameter_record<'t>(at: Node<'t>, name: &str, cx: &Checker<'_, 't>) -> Option<values::PyRecord> {
    let (_, function) = cx.ctx.function()?;
    let params = function.field("parameters")?;
    let mut cursor = params.walk();
    let param = params.named_children(&mut cursor).find(|p| {
        let id = if p.kind() == "identifier" { Some(*p) } else { p.named_child(0) };
        id.is_some_and(|id| id.kind() == "identifier" && cx.text(id) == name)
    })?;
    if matches!(param.kind(), "typed_parameter" | "typed_default_parameter")
        && let Some(class) = param.field("type").map(|t| cx.text(t)).filter(|t| values::class_like(t))
    {
        return Some(values::PyRecord::Of(class.to_string()));
    }
    let body = function.field("body")?;
    let mut mapped = false;
    crate::lang::walk(body, &mut |n| {
        if mapped || n.start_byte() >= at.start_byte() {
            return false;
        }
        if n.kind() == "call" && values::python_session_takes(n, cx.src, name) {
            mapped = true;
        }
        !matches!(n.kind(), "function_definition" | "class_definition" | "lambda")
    });
    mapped.then_some(values::PyRecord::Mapped)
}

/// What `self.<attr>` holds when the file makes it a record: an assignment
/// `self.<attr> = Model.query.get(..)` or an annotation
/// `self.<attr>: Model = ..` anywhere in the file (a base class's
/// `_process_args` sets what its subclasses log).
fn self_attribute_record<'t>(at: Node<'t>, attr: &str, cx: &Checker<'_, 't>) -> Option<values::PyRecord> {
    let records = cx.memo.py_self_records.get_or_init(|| {
        let mut records: foldhash::HashMap<Box<str>, Option<String>> = foldhash::HashMap::default();
        crate::lang::walk(cx.root_of(at), &mut |n| {
            if n.kind() == "assignment"
                && let Some(left) = n.field("left")
                && let Some(name) = cx.text(left).strip_prefix("self.")
            {
                let annotated = n.field("type").map(|t| cx.text(t)).filter(|t| values::class_like(t));
                let made = n.field("right").and_then(|r| values::python_record_of(r, cx.src));
                let class = annotated.map(str::to_string).or(made);
                records
                    .entry(name.into())
                    .and_modify(|seen| {
                        if *seen != class {
                            *seen = None;
                        }
                    })
                    .or_insert(class);
            }
            true
        });
        records
    });
    records.get(attr).cloned().flatten().map(values::PyRecord::Of)
}

/// True when value-kind evidence says the call returns no secret: a path
/// builder (`os.path.join`, `path.join`) or a token decoder's claims
/// (`jwt.decode`).
fn returns_other_kind<'t>(callee: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let cat = &cx.catalog.secrets;
    let resolved = cx.resolve(callee).map(|r| r.path);
    let text = cx.text(callee);
    [resolved.as_deref(), Some(text)].into_iter().flatten().any(|p| values::call_kind(p, cat).is_some())
}

/// True when an expression is safe to log whatever it was computed from:
/// literals, masks, hashes, lengths, slices, comparisons, and strings built
/// only from those.
fn clean<'t>(e: Node<'t>, cx: &Checker<'_, 't>, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let e = unwrap(e);
    let all = |nodes: Vec<Node<'t>>| nodes.into_iter().all(|n| clean(n, cx, depth + 1));
    match e.kind() {
        "none" | "null" | "undefined" | "true" | "false" | "integer" | "float" | "number" => true,
        "string" => {
            let mut cursor = e.walk();
            let parts: Vec<Node<'t>> = e
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "interpolation")
                .filter_map(|i| i.named_child(0))
                .collect();
            all(parts)
        }
        "template_string" => {
            let mut cursor = e.walk();
            let parts: Vec<Node<'t>> = e
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "template_substitution")
                .filter_map(|i| i.named_child(0))
                .collect();
            all(parts)
        }
        "concatenated_string" => {
            let mut cursor = e.walk();
            all(e.named_children(&mut cursor).collect())
        }
        "comparison_operator" | "not_operator" => true,
        "unary_expression" => {
            let op = e.field("operator").map(|o| cx.text(o)).unwrap_or("");
            matches!(op, "!" | "typeof")
        }
        "binary_expression" | "binary_operator" => {
            let op = e.field("operator").map(|o| cx.text(o)).unwrap_or("");
            if matches!(op, "===" | "!==" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "instanceof" | "in") {
                return true;
            }
            all([e.field("left"), e.field("right")].into_iter().flatten().collect())
        }
        "subscript" => e.field("subscript").is_some_and(|s| s.kind() == "slice"),
        "call" | "call_expression" => e
            .field("function")
            .is_some_and(|f| cx.catalog.secrets.is_sanitizer(last_segment(cx.text(f))) || returns_other_kind(f, cx)),
        _ => false,
    }
}
