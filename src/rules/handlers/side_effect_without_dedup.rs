//! Side effects (inserts, email, SMS, enqueues, counters) in a handler that
//! runs again with the same input (a provider's webhook, a task declared with
//! retries) when no guard comes before them: no idempotency key or dedup
//! step, no upsert or get-or-create, no state check that returns early, no
//! unique-conflict handling around the write. Knowledge in
//! `rules/catalog/side_effects.toml`.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::catalog::side_effects::{Guards, LangEffects};
use crate::diagnostic::Label;
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::{NodeExt, node_text, python, typescript};
use crate::rule::{Rule, RuleMeta};
use crate::rules::idempotency::{self, CalleeName, Redelivery};
use crate::rules::idempotency_rust;
use crate::source::{Grammar, Span};

crate::declare_rule! {
    pub static META = {
        code: "PP702",
        name: "side-effect-without-dedup",
        category: NonIdempotentHandler,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A webhook handler or retrying task inserts, sends or enqueues with no dedup before it, so a redelivery repeats the side effect",
        fix: "Record the event or message id in a table with a unique constraint (or upsert, or check the object's state) before the side effect, and return early on a repeat",
    }
}

/// The rule.
pub struct SideEffectWithoutDedup;

#[derive(Default)]
struct State {
    /// Handler node id → what kind of redelivery, computed once.
    kinds: HashMap<usize, Option<Redelivery>>,
    /// Function node id → start byte of its first guard.
    guards: HashMap<usize, usize>,
    /// Handlers already reported (one finding per handler).
    reported: HashSet<usize>,
    /// Named functions of the file → their first unguarded side effect.
    helpers: HashMap<String, HelperEffect>,
    /// Webhook handlers and the same-file functions they call, in order.
    delegations: Vec<Delegation>,
}

/// The first unguarded side effect of a named function.
struct HelperEffect {
    span: Span,
    callee: String,
    again: String,
}

/// A webhook handler's calls to functions by bare name (`handle(event)`,
/// `self.handle(event)`, `this.handle(event)`).
struct Delegation {
    handler: usize,
    name: Option<String>,
    head: Span,
    calls: Vec<(String, usize)>,
}

impl Rule for SideEffectWithoutDedup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call", "if_statement", "try_statement"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &["call_expression", "if_statement", "try_statement"]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        idempotency_rust::DEDUP_KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        idempotency_rust::check_dedup(node, cx);
    }

    fn finish_rust(&self, cx: &mut RustChecker<'_, '_>) {
        idempotency_rust::finish_dedup(cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        let Some((info, own)) = cx.ctx.function() else { return };
        let own_name = info.name.clone();
        let python = cx.grammar() == Grammar::Python;
        let catalog = cx.catalog;
        let cat = catalog.side_effects.lang(python);
        let handler = match cx.ctx.handler() {
            Some((_, h)) => {
                let id = h.id();
                let cached = cx.state::<State>().kinds.get(&id).copied();
                let kind = match cached {
                    Some(k) => k,
                    None => {
                        let k = idempotency::redelivery(cx).map(|r| r.0);
                        cx.state::<State>().kinds.insert(id, k);
                        k
                    }
                };
                kind.filter(|k| matches!(k, Redelivery::Webhook | Redelivery::RetryingJob)).map(|k| (k, h))
            }
            // A route's per-event handler in a module of its own.
            None => idempotency::event_module_handler(cx).map(|h| (Redelivery::Webhook, h)),
        };
        let guard = match node.kind() {
            "if_statement" => state_check(node, cx.src, &cat.guards),
            "try_statement" => catches_conflict(node, cx.src, &cat.guards),
            _ => false,
        };
        if guard {
            record_guard(cx, own.id(), node.start_byte());
            if let Some((_, h)) = handler {
                record_guard(cx, h.id(), node.start_byte());
            }
            return;
        }
        if !matches!(node.kind(), "call" | "call_expression") {
            return;
        }
        if let Some((Redelivery::Webhook, h)) = handler
            && let Some(target) = local_call_name(node, cx.src)
        {
            let head = idempotency::head_span(h, cx.src);
            let hname = handler_name(h, cx.src);
            let st = cx.state::<State>();
            match st.delegations.iter_mut().find(|d| d.handler == h.id()) {
                Some(d) => d.calls.push((target, node.start_byte())),
                None => st.delegations.push(Delegation {
                    handler: h.id(),
                    name: hname,
                    head,
                    calls: vec![(target, node.start_byte())],
                }),
            }
        }
        // Most calls are neither a guard nor a side effect: test the last
        // name before reading the whole callee.
        let Some(last) = idempotency::last_name(node, cx.src) else { return };
        let patterns = || cat.guards.calls.iter().chain(cat.effects.iter().flat_map(|e| &e.calls));
        if !cat.effect_lasts.matches(patterns, last) {
            if let Some((kind, func)) = handler {
                through_project_function(node, kind, func, cx);
            }
            return;
        }
        let Some(name) = CalleeName::of(node, cx) else { return };
        if name.matches(&cat.guards.calls) {
            record_guard(cx, own.id(), node.start_byte());
            if let Some((_, h)) = handler {
                record_guard(cx, h.id(), node.start_byte());
            }
            return;
        }
        let Some(effect) = find_effect(node, &name, cat, cx) else { return };
        // Remember the first unguarded side effect of every named function,
        // for webhook handlers that call it.
        if let Some(fname) = own_name
            && !cx.state::<State>().helpers.contains_key(&fname)
            && !guarded(cx, own, node, &cat.guards)
        {
            let callee = idempotency::callee(node).unwrap_or(node);
            let h =
                HelperEffect { span: Span::of(callee), callee: name.display().to_string(), again: effect.to_string() };
            cx.state::<State>().helpers.insert(fname, h);
        }
        let Some((kind, func)) = handler else { return };
        let id = func.id();
        // A task retries only after a failure: when the side effect is its
        // last step, a retry means the side effect itself failed.
        if kind == Redelivery::RetryingJob && !work_after(node, func, cx.src) {
            return;
        }
        if guarded(cx, func, node, &cat.guards) {
            return;
        }
        if !cx.state::<State>().reported.insert(id) {
            return;
        }
        let (who, why) = who_and_why(kind, handler_name(func, cx.src));
        let msg = format!(
            "{who} calls `{}` with no dedup, upsert or state check before it, so {why} {}",
            name.display(),
            effect
        );
        let callee = idempotency::callee(node).unwrap_or(node);
        let label = match kind {
            Redelivery::Webhook => WEBHOOK_LABEL,
            _ => "this task runs again after a failure",
        };
        let head = idempotency::head_span(func, cx.src);
        let d = cx.report(Span::of(callee), msg);
        d.labels.push(Label { span: head, message: label.to_string() });
    }

    fn finish<'t>(&self, cx: &mut Checker<'_, 't>) {
        let st = cx.state::<State>();
        let delegations = std::mem::take(&mut st.delegations);
        let mut findings = Vec::new();
        for d in &delegations {
            if st.reported.contains(&d.handler) {
                continue;
            }
            let guard = st.guards.get(&d.handler).copied();
            for (target, at) in &d.calls {
                if guard.is_some_and(|g| g < *at) {
                    break;
                }
                if let Some(e) = st.helpers.get(target) {
                    let who = match &d.name {
                        Some(n) => format!("Webhook handler `{n}`"),
                        None => "This webhook handler".to_string(),
                    };
                    let msg = format!(
                        "{who} calls `{target}`, which calls `{}` with no dedup, upsert or state check before it, so {WEBHOOK_WHY} {}",
                        e.callee, e.again
                    );
                    findings.push((e.span, msg, d.head));
                    break;
                }
            }
        }
        for (span, msg, head) in findings {
            let d = cx.report(span, msg);
            d.labels.push(Label { span: head, message: WEBHOOK_LABEL.to_string() });
        }
    }
}

const WEBHOOK_WHY: &str = "a redelivery (the provider retries on any non-2xx answer or timeout)";
const WEBHOOK_LABEL: &str = "this webhook handler can receive the same event more than once";

/// A guard comes before `call` in `func`: a recorded guard, or a guard word
/// in the text.
fn guarded(cx: &mut Checker<'_, '_>, func: Node<'_>, call: Node<'_>, guards: &Guards) -> bool {
    let src = cx.src;
    cx.state::<State>().guards.get(&func.id()).is_some_and(|g| *g < call.start_byte())
        || words_before(func, call, src, guards)
}

/// `name(...)`, `self.name(...)`, `this.name(...)`: a call that may reach a
/// function of the same file.
fn local_call_name(call: Node<'_>, src: &str) -> Option<String> {
    let f = call.field("function")?;
    match f.kind() {
        "identifier" => Some(node_text(f, src).to_string()),
        "attribute" | "member_expression" => {
            let obj = f.field("object")?;
            let prop = f.field("attribute").or_else(|| f.field("property"))?;
            matches!(node_text(obj, src), "self" | "this" | "cls").then(|| node_text(prop, src).to_string())
        }
        _ => None,
    }
}

/// Some call that can fail runs after `call` in `func`: a later statement
/// (at any level up to the function body) that calls something other than a
/// logger.
fn work_after(call: Node<'_>, func: Node<'_>, src: &str) -> bool {
    let mut cur = call;
    while let Some(parent) = cur.parent() {
        if parent.id() == func.id() {
            break;
        }
        let mut next = cur.next_named_sibling();
        while let Some(n) = next {
            if calls_something(n, src) {
                return true;
            }
            next = n.next_named_sibling();
        }
        cur = parent;
    }
    false
}

fn calls_something(node: Node<'_>, src: &str) -> bool {
    let mut found = false;
    crate::lang::walk(node, &mut |n| {
        if found || matches!(n.kind(), "except_clause" | "catch_clause" | "comment") {
            return false;
        }
        if matches!(n.kind(), "call" | "call_expression") {
            let callee = n.field("function").map(|f| node_text(f, src)).unwrap_or("");
            let head = callee.split('.').next().unwrap_or("");
            const QUIET: &[&str] =
                &["logger", "log", "logging", "print", "console", "len", "str", "int", "dict", "list"];
            if !QUIET.contains(&head) {
                found = true;
                return false;
            }
        }
        true
    });
    found
}

/// `name`, or `Class.name` for a method.
fn handler_name(func: Node<'_>, src: &str) -> Option<String> {
    let name = func
        .field("name")
        .or_else(|| func.parent().filter(|p| p.kind() == "variable_declarator").and_then(|p| p.field("name")))?;
    let mut cur = func.parent();
    while let Some(n) = cur {
        match n.kind() {
            "class_definition" | "class_declaration" | "class" | "abstract_class_declaration" => {
                if let Some(c) = n.field("name") {
                    return Some(format!("{}.{}", node_text(c, src), node_text(name, src)));
                }
                break;
            }
            "block" | "class_body" | "decorated_definition" => cur = n.parent(),
            _ => break,
        }
    }
    Some(node_text(name, src).to_string())
}

fn record_guard(cx: &mut Checker<'_, '_>, id: usize, at: usize) {
    let g = cx.state::<State>().guards.entry(id).or_insert(at);
    *g = (*g).min(at);
}

/// The catalog effect a call performs, unless its arguments make it safe.
fn find_effect<'c, 't>(
    call: Node<'t>,
    name: &CalleeName,
    cat: &'c LangEffects,
    cx: &Checker<'_, 't>,
) -> Option<&'c str> {
    let src = cx.src;
    let effect =
        cat.effects.iter().find(|e| name.matches(&e.calls) && (e.receiver.is_empty() || name.mentions(&e.receiver)))?;
    if !effect.unless.is_empty() {
        let keys: Vec<&str> = if cx.grammar() == Grammar::Python {
            python::keyword_args(call, src).0.into_iter().map(|(k, _)| k).collect()
        } else {
            typescript::call_args(call)
                .into_iter()
                .flat_map(|a| typescript::object_props(typescript::unwrap_expr(a), src).0)
                .map(|(k, _)| k)
                .collect()
        };
        if keys.iter().any(|k| effect.unless.iter().any(|u| u == k)) {
            return None;
        }
    }
    Some(effect.again.as_str())
}

/// `if order.status == PAID: return`, `if (existing) return;`: a condition
/// naming state and a body that leaves early.
fn state_check(node: Node<'_>, src: &str, guards: &Guards) -> bool {
    let Some(cond) = node.field("condition") else { return false };
    let text = node_text(cond, src).to_ascii_lowercase();
    if !guards.state_words.iter().any(|w| text.contains(w.as_str())) {
        return false;
    }
    let Some(body) = node.field("consequence") else { return false };
    leaves(body)
}

fn leaves(body: Node<'_>) -> bool {
    const EXITS: &[&str] = &["return_statement", "raise_statement", "continue_statement", "throw_statement"];
    if EXITS.contains(&body.kind()) {
        return true;
    }
    let mut cursor = body.walk();
    body.named_children(&mut cursor).any(|s| EXITS.contains(&s.kind()))
}

/// Guard words (`idempotency`, `dedup`, `ON CONFLICT`) in the handler before
/// the call or in the call itself.
fn words_before(func: Node<'_>, call: Node<'_>, src: &str, guards: &Guards) -> bool {
    let text = src.get(func.start_byte()..call.end_byte()).unwrap_or("").to_ascii_lowercase();
    guards.words.iter().any(|w| text.contains(w.as_str()))
}

/// A `try` whose handlers catch a unique-constraint conflict
/// (`except IntegrityError`, `catch (e) { if (e.code === "P2002") ... }`):
/// the write inside it, and what follows, runs once per key.
fn catches_conflict(node: Node<'_>, src: &str, guards: &Guards) -> bool {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| matches!(c.kind(), "except_clause" | "catch_clause")).any(|c| {
        let t = node_text(c, src).to_ascii_lowercase();
        guards.conflict_errors.iter().any(|e| t.contains(&e.to_ascii_lowercase()))
    })
}

/// A call in a webhook handler or retrying task to a project function that
/// performs a side effect itself or through its calls, with no guard before
/// it there ([`crate::analysis::summaries`]): the handler performs it.
fn through_project_function<'t>(call: Node<'t>, kind: Redelivery, func: Node<'t>, cx: &mut Checker<'_, 't>) {
    use crate::analysis::summaries::SideEffect;
    let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, call.start_byte()) else { return };
    let Some((SideEffect::Effect(again), site)) = f.reach.effect.clone() else { return };
    // A webhook's same-file helper with its own side effect: the delegation
    // `finish` follows already reports it, at the side effect.
    if kind == Redelivery::Webhook
        && f.path == cx.file.path
        && f.effect.is_some()
        && local_call_name(call, cx.src).is_some()
    {
        return;
    }
    // A route handing the event to its own module for that event type: the
    // module's function is a webhook handler itself and reports the side
    // effect where it is written.
    if kind == Redelivery::Webhook
        && site.path == f.path
        && f.path != cx.file.path
        && idempotency::event_module_path(&f.path, cx.catalog.side_effects.lang(false))
        && typescript::call_args(call).first().is_some_and(|a| {
            let t = cx.text(*a);
            t == "event" || t == "evt" || t.starts_with("event as ") || t.starts_with("evt as ")
        })
    {
        return;
    }
    let guards = &cx.catalog.side_effects.lang(cx.grammar() == Grammar::Python).guards;
    if kind == Redelivery::RetryingJob && !work_after(call, func, cx.src) {
        return;
    }
    if guarded(cx, func, call, guards) || cx.state::<State>().reported.contains(&func.id()) {
        return;
    }
    cx.state::<State>().reported.insert(func.id());
    let shown: String = idempotency::callee(call).map(|c| cx.text(c)).unwrap_or("").split_whitespace().collect();
    let (who, why) = who_and_why(kind, handler_name(func, cx.src));
    let same_file = site.path == cx.file.path;
    let place = if same_file { String::new() } else { format!(" in {}", site.path) };
    let msg = format!(
        "{who} calls `{shown}`, which calls `{}` (in `{}`{place}) with no dedup, upsert or state check before it, so {why} {again}",
        site.callee, site.function
    );
    let label = match kind {
        Redelivery::Webhook => WEBHOOK_LABEL,
        _ => "this task runs again after a failure",
    };
    let head = idempotency::head_span(func, cx.src);
    let d = cx.report_node(call, msg);
    d.labels.push(Label { span: head, message: label.to_string() });
    if same_file {
        d.labels.push(Label { span: Span::new(site.start, site.end), message: "the side effect".to_string() });
    }
}

/// The message's subject (the webhook handler or retrying task, by name when
/// it has one) and what runs the side effect again.
fn who_and_why(kind: Redelivery, name: Option<String>) -> (String, &'static str) {
    let who = match (kind, name) {
        (Redelivery::Webhook, Some(n)) => format!("Webhook handler `{n}`"),
        (Redelivery::Webhook, None) => "This webhook handler".to_string(),
        (_, Some(n)) => format!("Task `{n}` retries after a failure and"),
        (_, None) => "This task retries after a failure and".to_string(),
    };
    let why = match kind {
        Redelivery::Webhook => WEBHOOK_WHY,
        _ => "a retry after a later failure",
    };
    (who, why)
}
