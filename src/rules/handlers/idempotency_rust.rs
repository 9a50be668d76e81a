//! The Rust halves of the non-idempotent-handler rules (PP701
//! `payment-without-idempotency-key`, PP702 `side-effect-without-dedup`),
//! from the `[rust]` section of `rules/catalog/side_effects.toml`: async-stripe
//! calls and their request strategy, webhook receivers (route name or path,
//! or a signature check in the body), queue consumers that ack after the side
//! effect, SQL inserts, email and counters, and the guards before them.

use std::collections::{HashMap, HashSet};

use syn::Expr;

use crate::catalog::side_effects::{Effect, Guards, RustEffects, any_matches, pattern_matches};
use crate::diagnostic::Label;
use crate::engine::rust::{RustChecker, RustFnInfo, RustKind, RustNode};
use crate::lang::rust as rs;
use crate::rules::idempotency::words;
use crate::source::Span;

// ------------------------------------------------------------------ shared

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn manages(name: &str, cat: &RustEffects) -> bool {
    words(name).iter().any(|w| cat.webhook_management_words.iter().any(|m| m.eq_ignore_ascii_case(w)))
}

fn name_marked(name: &str, cat: &RustEffects) -> bool {
    let l = lower(name);
    cat.webhook_markers.iter().any(|m| l.contains(&lower(m))) && !manages(name, cat)
}

/// A route path names a webhook and no path parameter comes before the
/// marker (`/teams/{id}/webhooks` manages a team's webhooks).
fn path_marked(path: &str, cat: &RustEffects) -> bool {
    let l = lower(path);
    let Some(at) = cat.webhook_markers.iter().filter_map(|m| l.find(&lower(m))).min() else { return false };
    !l[..at].split('/').any(|seg| seg.starts_with([':', '{', '<', '*']))
}

/// A parameter's type names a webhook (`PaddleWebhookPayload`, `WebhookEvent`).
fn params_marked(params: &str, cat: &RustEffects) -> bool {
    params.split(',').filter_map(|p| p.split_once(':').map(|(_, ty)| ty)).any(|ty| {
        let ty = ty.trim().trim_start_matches('&').trim_start_matches("mut ").trim();
        let name = ty.rsplit("::").next().unwrap_or(ty);
        name_marked(name, cat)
    })
}

/// The string literals in `text` (no escapes needed: route paths).
fn string_literals(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

/// Whether `f` is routed on a webhook path: the path in its route attribute
/// (`#[post("/webhooks/stripe")]`), or one of its registrations in the file
/// (`.route("/webhooks/stripe", post(name))`,
/// `web::resource("/hook").route(web::post().to(name))`). The registrations
/// are read once per file (see [`webhook_registrations`]), not searched for
/// each function.
fn routed_as_webhook(f: &RustFnInfo, cx: &RustChecker<'_, '_>, cat: &RustEffects) -> bool {
    let text = f.span.text(cx.src);
    let head = &text[..(f.sig.start.saturating_sub(f.span.start) as usize).min(text.len())];
    string_literals(head).iter().any(|p| path_marked(p, cat))
        || cx.memo.rust_webhook_routes.get_or_init(|| webhook_registrations(cx.src, cat)).contains(f.name.as_str())
}

/// The names registered as handlers on a webhook path in `src`, in one pass:
/// every `(name)` or `::name)` is a registration of `name`, whose path is a
/// string literal written after the nearest `route(`, `resource(`,
/// `service(` or `scope(` in the 300 bytes before it.
fn webhook_registrations(src: &str, cat: &RustEffects) -> foldhash::HashSet<Box<str>> {
    let b = src.as_bytes();
    let mut out = foldhash::HashSet::default();
    for close in memchr::memchr_iter(b')', b) {
        // Back over the identifier before `)` (raw identifiers keep `r#`).
        let start = src[..close]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_alphanumeric() || c == '_' || c == '#')
            .last()
            .map_or(close, |(i, _)| i);
        if start == close || !matches!(start.checked_sub(1).map(|i| b[i]), Some(b'(' | b':')) {
            continue;
        }
        let name = &src[start..close];
        if out.contains(name) {
            continue;
        }
        // Back to the start of this registration.
        let window_start = src.floor_char_boundary(start.saturating_sub(300));
        let window = &src[window_start..start];
        let from = ["route(", "resource(", "service(", "scope("]
            .iter()
            .filter_map(|k| window.rfind(k).map(|i| i + k.len()))
            .max()
            .unwrap_or(window.len());
        if string_literals(&window[from..]).iter().any(|p| path_marked(p, cat)) {
            out.insert(name.into());
        }
    }
    out
}

/// The function's text with its comments blanked (syn drops comments, the
/// span text keeps them).
fn code_text(f: &RustFnInfo, cx: &RustChecker<'_, '_>) -> String {
    let text = f.span.text(cx.src);
    let first = cx.file.lines.line_of(f.span.start) as u32 + 1;
    let last = cx.file.lines.line_of(f.span.end) as u32 + 1;
    let mut out = text.to_string();
    for c in cx.comments_on_lines(first, last) {
        out = out.replace(c, "");
    }
    out
}

/// Whether `f` is a webhook receiver or a message consumer (the latter
/// decided per side effect, by an ack after it).
fn is_webhook(f: &RustFnInfo, cx: &RustChecker<'_, '_>, cat: &RustEffects) -> bool {
    if manages(&f.name, cat) {
        return false;
    }
    if name_marked(&f.name, cat) && (f.handler.is_some() || f.is_async) {
        return true;
    }
    if f.handler.is_some() && routed_as_webhook(f, cx, cat) {
        return true;
    }
    // A function handed the webhook's payload (`payload: &PaddleWebhookPayload`).
    let sig = f.sig.text(cx.src);
    let params = sig.split_once('(').map_or("", |(_, rest)| rest.rsplit_once(")").map_or(rest, |(p, _)| p));
    if f.is_async && params_marked(params, cat) {
        return true;
    }
    // Comments are blanked only when the raw text has a marker at all.
    let has = |t: &str| {
        let t = lower(t);
        cat.webhook_signature_markers.iter().any(|m| t.contains(&lower(m)))
    };
    has(f.span.text(cx.src)) && has(&code_text(f, cx))
}

/// The first ack call after `at` in the function's code, if any.
fn ack_after(f: &RustFnInfo, cx: &RustChecker<'_, '_>, at: usize, cat: &RustEffects) -> Option<Span> {
    let rel = at.saturating_sub(f.span.start as usize);
    let text = f.span.text(cx.src);
    let tail = text.get(rel..)?;
    let b = tail.as_bytes();
    let mut best: Option<usize> = None;
    for a in &cat.ack_calls {
        let pat = format!("{a}(");
        let mut from = 0;
        while let Some(i) = tail[from..].find(&pat) {
            let p = from + i;
            from = p + pat.len();
            let prev = p.checked_sub(1).map(|j| b[j]);
            if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
                continue;
            }
            // Skip the word inside a line comment.
            let line_start = tail[..p].rfind('\n').map_or(0, |n| n + 1);
            if tail[line_start..p].contains("//") {
                continue;
            }
            best = Some(best.map_or(p, |x: usize| x.min(p)));
            break;
        }
    }
    best.map(|p| {
        let start = f.span.start as usize + rel + p;
        let len = tail[p..].find('(').unwrap_or(0);
        Span::new(start, start + len)
    })
}

/// The crate of a resolved path is the payment SDK.
fn payment_crate(path: &str, cat: &RustEffects) -> bool {
    let first = path.split("::").next().unwrap_or("");
    cat.payment_crates.iter().any(|c| match c.strip_suffix('*') {
        Some(prefix) => first.starts_with(prefix),
        None => first == c,
    })
}

fn segs(path: &str) -> Vec<&str> {
    path.split("::").collect()
}

/// A stripe create call: `(display name, span, catalog entry)`.
fn payment_call<'a>(
    node: RustNode<'a>,
    cx: &RustChecker<'_, '_>,
    cat: &'a RustEffects,
) -> Option<(String, Span, &'a str)> {
    match node {
        RustNode::Call(call) => {
            // Most calls are not payments: test the last segment first.
            let last = last_segment(&call.func)?;
            if !cat.payment_calls.iter().any(|c| c.rsplit("::").next() == Some(last.as_str())) {
                return None;
            }
            let cands = cx.callee_candidates(call);
            let entry = cands.iter().find_map(|p| {
                if !payment_crate(p, cat) {
                    return None;
                }
                cat.payment_calls.iter().find(|c| pattern_matches(&c.replace("::", "."), &segs(p)))
            })?;
            let shown = short(cx.text(&*call.func));
            Some((shown, cx.span(&*call.func), entry.as_str()))
        }
        RustNode::MethodCall(m) if matches!(m.method.to_string().as_str(), "send" | "send_blocking") => {
            let (root, _) = rs::chain(&m.receiver);
            let path = cx.root_origin(root)?.path;
            let parts = segs(&path);
            let builder = cat.payment_builders.iter().find(|b| parts.contains(&b.as_str()))?;
            if !payment_crate(&path, cat) {
                return None;
            }
            Some((format!("{builder}::send"), cx.span(&m.method), builder.as_str()))
        }
        _ => None,
    }
}

/// `confirm: Some(true)`, `intent.confirm = Some(true)`, `.confirm(true)`.
fn confirms(text: &str) -> bool {
    text.match_indices("confirm").any(|(i, w)| {
        let rest = &text[i + w.len()..];
        let rest = &rest[..rest.floor_char_boundary(24)];
        let next = rest.chars().next();
        // `confirm`, not `confirmation_method`.
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_') && rest.contains("true")
    })
}

fn short(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.len() > 60 { "this call".to_string() } else { t }
}

// ------------------------------------------------------------------ PP701

/// Node kinds PP701 registers.
pub const PAYMENT_KINDS: &[RustKind] = &[RustKind::Call, RustKind::MethodCall];

/// PP701 on one Rust node.
pub fn check_payment(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    let catalog = cx.catalog;
    let cat = &catalog.side_effects.rust;
    let Some((shown, span, entry)) = payment_call(node, cx, cat) else { return };
    // The key: a strategy in the call itself (client argument, builder
    // chain), or anything in the function naming idempotency.
    let call_text = match node {
        RustNode::Call(c) => cx.text(c),
        RustNode::MethodCall(m) => cx.text(m),
        _ => "",
    };
    let keyed = |t: &str| {
        let l = lower(t);
        l.contains("idempot") || cat.key_strategies.iter().any(|k| t.contains(k.as_str()))
    };
    if keyed(call_text) {
        return;
    }
    if let RustNode::MethodCall(m) = node {
        let (root, _) = rs::chain(&m.receiver);
        if let Some(o) = rs::ident_of(root).and_then(|n| cx.origin(&n))
            && keyed(o.span.text(cx.src))
        {
            return;
        }
    }
    let func = cx.ctx.function().cloned();
    if let Some(f) = &func
        && keyed(&code_text(f, cx))
    {
        return;
    }
    if cat.confirm_only.iter().any(|c| c == entry) && !confirms(call_text) {
        let code = func.as_ref().map(|f| code_text(f, cx)).unwrap_or_default();
        // Params handed to another function (`set_options(&mut intent)`) may be confirmed there.
        let params = match node {
            RustNode::Call(c) => c.args.iter().nth(1).and_then(rs::ident_of),
            _ => None,
        };
        let lent = params.is_some_and(|p| code.contains(&format!("&mut {p}")));
        if !confirms(&code) && !lent {
            return;
        }
    }
    let webhook = func.as_ref().is_some_and(|f| is_webhook(f, cx, cat));
    let handler = cx.ctx.handler().cloned();
    // Examples, scripts, benchmarks and integration tests (their roles): a
    // payment call there outside a handler is run by hand or by CI.
    let by_hand = cx.file.role.is_tooling() || cx.file.role.role == crate::analysis::roles::Role::Test;
    if handler.is_none() && !webhook && by_hand {
        return;
    }
    let retry = if webhook {
        "a redelivered webhook"
    } else if handler.is_some() {
        "a retried request"
    } else {
        "a retried request or job"
    };
    let msg = format!(
        "`{shown}` has no idempotency key, so {retry} that reaches it again repeats the payment operation and can move money twice"
    );
    let label = if webhook {
        func.map(|f| (f.sig, "in this webhook handler the provider redelivers on any non-2xx answer or timeout"))
    } else {
        handler.map(|h| (h.sig, "in this request handler"))
    };
    let d = cx.report(span, msg);
    if let Some((sig, what)) = label {
        d.labels.push(Label { span: sig, message: what.to_string() });
    }
}

// ------------------------------------------------------------------ PP702

/// Node kinds PP702 registers.
pub const DEDUP_KINDS: &[RustKind] =
    &[RustKind::Call, RustKind::MethodCall, RustKind::Macro, RustKind::If, RustKind::Local];

#[derive(Default)]
struct DedupState {
    /// Function start → webhook receiver or not.
    webhook: HashMap<usize, bool>,
    /// Function start → start byte of its first guard.
    guards: HashMap<usize, usize>,
    /// Functions already reported.
    reported: HashSet<usize>,
    /// Named functions → their first unguarded side effect.
    helpers: HashMap<String, Helper>,
    /// Webhook receivers and the same-file functions they call, in order.
    delegations: Vec<Delegation>,
}

struct Helper {
    span: Span,
    callee: String,
    again: String,
}

struct Delegation {
    handler: usize,
    name: String,
    sig: Span,
    calls: Vec<(String, usize)>,
}

const WEBHOOK_WHY: &str = "a redelivery (the provider retries on any non-2xx answer or timeout)";
const WEBHOOK_LABEL: &str = "this webhook handler can receive the same event more than once";

/// PP702 on one Rust node.
pub fn check_dedup(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    let Some(f) = cx.ctx.function().cloned() else { return };
    let catalog = cx.catalog;
    let cat = &catalog.side_effects.rust;
    let fid = f.span.start as usize;
    // Guards.
    let guard_at = match node {
        RustNode::If(i) if state_check(&i.cond, &i.then_branch, cx, &cat.guards) => Some(cx.span(i).start as usize),
        RustNode::Local(l) => l.init.as_ref().and_then(|init| {
            let diverges = init.diverge.as_ref().is_some_and(|(_, e)| leaves_expr(e));
            let t = lower(cx.text(&*init.expr));
            (diverges && cat.guards.state_words.iter().any(|w| t.contains(w.as_str())))
                .then(|| cx.span(l).start as usize)
        }),
        RustNode::Call(c) => match rs::peel(&c.func) {
            Expr::Path(p) => {
                let last = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                cat.guards.calls.contains(&last).then(|| cx.span(c).start as usize)
            }
            _ => None,
        },
        RustNode::MethodCall(m) => cat.guards.calls.contains(&m.method.to_string()).then(|| cx.span(m).start as usize),
        _ => None,
    };
    if let Some(at) = guard_at {
        let g = cx.state::<DedupState>().guards.entry(fid).or_insert(at);
        *g = (*g).min(at);
        return;
    }
    let webhook = match cx.state::<DedupState>().webhook.get(&fid).copied() {
        Some(w) => w,
        None => {
            let w = is_webhook(&f, cx, cat);
            cx.state::<DedupState>().webhook.insert(fid, w);
            w
        }
    };
    // Calls from a webhook receiver to same-file functions by name.
    if webhook && let Some(target) = local_call_name(node) {
        let at = match node {
            RustNode::Call(c) => cx.span(c).start as usize,
            RustNode::MethodCall(m) => cx.span(m).start as usize,
            _ => 0,
        };
        let st = cx.state::<DedupState>();
        match st.delegations.iter_mut().find(|d| d.handler == fid) {
            Some(d) => d.calls.push((target, at)),
            None => st.delegations.push(Delegation {
                handler: fid,
                name: f.name.clone(),
                sig: f.sig,
                calls: vec![(target, at)],
            }),
        }
    }
    let Some((callee, span, again)) = find_effect(node, cx, cat) else { return };
    let node_end = match node {
        RustNode::Call(c) => cx.span(c).end as usize,
        RustNode::MethodCall(m) => cx.span(m).end as usize,
        RustNode::Macro(m) => cx.span(m).end as usize,
        _ => span.end as usize,
    };
    if guarded(&f, span, node_end, cx, &cat.guards) {
        return;
    }
    if !cx.state::<DedupState>().helpers.contains_key(&f.name) {
        let h = Helper { span, callee: callee.clone(), again: again.clone() };
        cx.state::<DedupState>().helpers.insert(f.name.clone(), h);
    }
    let ack = if webhook { None } else { ack_after(&f, cx, span.end as usize, cat) };
    if !webhook && ack.is_none() {
        return;
    }
    if !cx.state::<DedupState>().reported.insert(fid) {
        return;
    }
    let name = &f.name;
    if webhook {
        let msg = format!(
            "Webhook handler `{name}` calls `{callee}` with no dedup, upsert or state check before it, so {WEBHOOK_WHY} {again}"
        );
        let d = cx.report(span, msg);
        d.labels.push(Label { span: f.sig, message: WEBHOOK_LABEL.to_string() });
    } else if let Some(ack) = ack {
        let msg = format!(
            "Consumer `{name}` calls `{callee}` before it acknowledges the message, with no dedup, upsert or state check, so a redelivery after a crash {again}"
        );
        let d = cx.report(span, msg);
        d.labels.push(Label {
            span: f.sig,
            message: "this consumer gets a message again when it dies before acking".to_string(),
        });
        d.labels.push(Label {
            span: ack,
            message: "acknowledged only here: a crash before this line redelivers the message".to_string(),
        });
    }
}

/// PP702 at the end of the file: webhook receivers that call a same-file
/// function whose first side effect is unguarded.
pub fn finish_dedup(cx: &mut RustChecker<'_, '_>) {
    let st = cx.state::<DedupState>();
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
            if target == &d.name {
                continue;
            }
            if let Some(e) = st.helpers.get(target) {
                let msg = format!(
                    "Webhook handler `{}` calls `{target}`, which calls `{}` with no dedup, upsert or state check before it, so {WEBHOOK_WHY} {}",
                    d.name, e.callee, e.again
                );
                findings.push((e.span, msg, d.sig));
                break;
            }
        }
    }
    for (span, msg, sig) in findings {
        let d = cx.report(span, msg);
        d.labels.push(Label { span: sig, message: WEBHOOK_LABEL.to_string() });
    }
}

/// `name(..)`, `Self::name(..)`, `self.name(..)`.
fn local_call_name(node: RustNode<'_>) -> Option<String> {
    match node {
        RustNode::Call(c) => match rs::peel(&c.func) {
            Expr::Path(p) if p.qself.is_none() => {
                let s = &p.path.segments;
                match s.len() {
                    1 => Some(s[0].ident.to_string()),
                    2 if s[0].ident == "Self" => Some(s[1].ident.to_string()),
                    _ => None,
                }
            }
            _ => None,
        },
        RustNode::MethodCall(m) => {
            matches!(rs::peel(&m.receiver), Expr::Path(p) if p.path.is_ident("self")).then(|| m.method.to_string())
        }
        _ => None,
    }
}

/// `if <state words> { return ..; }`.
fn state_check(cond: &Expr, then: &syn::Block, cx: &RustChecker<'_, '_>, guards: &Guards) -> bool {
    let t = lower(cx.text(cond));
    guards.state_words.iter().any(|w| t.contains(w.as_str())) && block_leaves(then)
}

fn block_leaves(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(e, _) => leaves_expr(e),
        syn::Stmt::Macro(m) => is_bail(&m.mac),
        _ => false,
    })
}

fn leaves_expr(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Continue(_) | Expr::Break(_) => true,
        Expr::Macro(m) => is_bail(&m.mac),
        Expr::Block(b) => block_leaves(&b.block),
        _ => false,
    }
}

fn is_bail(m: &syn::Macro) -> bool {
    matches!(rs::macro_name(m).as_str(), "bail" | "panic" | "unreachable")
}

/// A guard before the side effect: one recorded in the function, a guard
/// word in the text up to the call, a unique-violation handler anywhere in
/// the function, or an enclosing `if`/`match` on state.
fn guarded(f: &RustFnInfo, effect: Span, node_end: usize, cx: &mut RustChecker<'_, '_>, guards: &Guards) -> bool {
    let fstart = f.span.start as usize;
    if cx.state::<DedupState>().guards.get(&fstart).is_some_and(|g| *g < effect.start as usize) {
        return true;
    }
    // The call's own arguments (the SQL) count as before it.
    let upto = lower(cx.src.get(fstart..node_end.max(fstart)).unwrap_or(""));
    if guards.words.iter().any(|w| upto.contains(w.as_str())) {
        return true;
    }
    let all = lower(f.span.text(cx.src));
    if guards.conflict_errors.iter().any(|e| all.contains(&lower(e))) {
        return true;
    }
    cx.ctx.parents().iter().any(|p| {
        let cond = match p {
            Expr::If(i) => &i.cond,
            Expr::Match(m) => &m.expr,
            _ => return false,
        };
        let cs = cx.span(&**cond);
        // The effect inside the condition itself does not count.
        if cs.start <= effect.start && effect.end <= cs.end {
            return false;
        }
        let t = lower(cx.text(&**cond));
        guards.state_words.iter().any(|w| t.contains(w.as_str()))
    })
}

/// The side effect a node performs: `(callee shown, span, what a repeat does)`.
fn find_effect(node: RustNode<'_>, cx: &RustChecker<'_, '_>, cat: &RustEffects) -> Option<(String, Span, String)> {
    const INSERT: &str = "inserts the row again";
    match node {
        RustNode::Call(c) => {
            // Most calls are no side effect: test the last segment first.
            let last = last_segment(&c.func)?;
            let lasts =
                || cat.sql_functions.iter().chain(&cat.insert_builders).map(|p| p.rsplit("::").next().unwrap_or(p));
            if !lasts().any(|l| l == last)
                && !cat.effect_lasts.matches(|| cat.effects.iter().flat_map(|e| &e.calls), &last)
            {
                return None;
            }
            let cands = cx.callee_candidates(c);
            let span = cx.span(&*c.func);
            let shown = short(cx.text(&*c.func));
            if cands.iter().any(|p| cat.sql_functions.iter().any(|s| s == p)) {
                return first_str(c.args.iter()).filter(|s| is_insert(s)).map(|_| (shown, span, INSERT.to_string()));
            }
            if cands.iter().any(|p| cat.insert_builders.iter().any(|s| s == p)) {
                let chained = cx.ctx.parents().iter().any(|p| match p {
                    Expr::MethodCall(m) => cat.guards.calls.contains(&m.method.to_string()),
                    _ => false,
                });
                return (!chained).then(|| (shown, span, INSERT.to_string()));
            }
            let written = match rs::peel(&c.func) {
                Expr::Path(p) => rs::path_segments(&p.path),
                _ => return None,
            };
            let w: Vec<&str> = written.iter().map(String::as_str).collect();
            let e = effect_for(&w, &cands, &cat.effects)?;
            Some((shown, span, e.again.clone()))
        }
        RustNode::MethodCall(m) => {
            let method = m.method.to_string();
            if !cat.sql_methods.contains(&method)
                && !cat.effect_lasts.matches(|| cat.effects.iter().flat_map(|e| &e.calls), &method)
            {
                return None;
            }
            let span = cx.span(&m.method);
            if cat.sql_methods.contains(&method)
                && let Some(s) = first_str(m.args.iter())
                && is_insert(&s)
            {
                return Some((format!("{}.{method}", receiver_name(&m.receiver)), span, INSERT.to_string()));
            }
            let mut written = method_segments(&m.receiver);
            written.push(method.clone());
            let w: Vec<&str> = written.iter().map(String::as_str).collect();
            let (root, _) = rs::chain(&m.receiver);
            let resolved: Vec<String> = rs::ident_of(root)
                .and_then(|n| cx.origin(&n))
                .map(|o| format!("{}::{method}", o.path))
                .into_iter()
                .collect();
            let e = effect_for(&w, &resolved, &cat.effects)?;
            Some((format!("{}.{method}", receiver_name(&m.receiver)), span, e.again.clone()))
        }
        RustNode::Macro(mac) => {
            let name = rs::macro_name(mac);
            if !cat.sql_macros.contains(&name) {
                return None;
            }
            let path = cx.macro_path(mac);
            let sqlx = path.starts_with("sqlx::") || (mac.path.segments.len() == 1 && cx.uses.imports_from("sqlx"));
            if !sqlx {
                return None;
            }
            let args = cx.macro_args(mac)?;
            let sql = args.format.map(|f| f.value()).or_else(|| first_str(args.args.iter().map(|a| &a.value)))?;
            is_insert(&sql).then(|| (format!("{name}!"), cx.span(mac), INSERT.to_string()))
        }
        _ => None,
    }
}

/// The last path segment of a call's callee (`query` in `sqlx::query`).
fn last_segment(func: &Expr) -> Option<String> {
    match rs::peel(func) {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn effect_for<'c>(written: &[&str], resolved: &[String], effects: &'c [Effect]) -> Option<&'c Effect> {
    effects.iter().find(|e| {
        any_matches(&e.calls, written)
            || resolved.iter().any(|r| {
                let s: Vec<&str> = r.split("::").collect();
                any_matches(&e.calls, &s)
            })
    })
}

/// `self.mailer.send` → `self`, `mailer`; calls keep their method name.
fn method_segments(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::Field(f) => {
                out.push(match &f.member {
                    syn::Member::Named(i) => i.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                });
                cur = &f.base;
            }
            Expr::MethodCall(m) => {
                out.push(m.method.to_string());
                cur = &m.receiver;
            }
            Expr::Await(a) => cur = &a.base,
            Expr::Try(t) => cur = &t.expr,
            Expr::Paren(p) => cur = &p.expr,
            Expr::Reference(r) => cur = &r.expr,
            Expr::Path(p) => {
                out.extend(rs::path_segments(&p.path).into_iter().rev());
                break;
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = rs::peel(&c.func) {
                    out.extend(rs::path_segments(&p.path).into_iter().rev());
                } else {
                    out.push("?".into());
                }
                break;
            }
            _ => {
                out.push("?".into());
                break;
            }
        }
    }
    out.reverse();
    out
}

fn receiver_name(e: &Expr) -> String {
    let s = method_segments(e);
    let s: Vec<&String> = s.iter().filter(|x| *x != "?").collect();
    s.last().map(|x| x.to_string()).unwrap_or_else(|| "?".into())
}

/// The first string literal among call arguments.
fn first_str<'a>(args: impl Iterator<Item = &'a Expr>) -> Option<String> {
    args.into_iter().find_map(|a| match rs::peel(a) {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    })
}

/// SQL that inserts (`INSERT INTO`, also inside a `WITH`).
fn is_insert(sql: &str) -> bool {
    let l = lower(sql);
    let l: String = l.split_whitespace().collect::<Vec<_>>().join(" ");
    l.starts_with("insert ") || l.contains(" insert into ") || l.starts_with("insert into")
}

#[cfg(test)]
mod tests {
    use super::{is_insert, path_marked, string_literals};
    use crate::catalog::Catalog;

    #[test]
    fn sql_inserts() {
        assert!(is_insert("INSERT INTO t (a) VALUES ($1)"));
        assert!(is_insert("  insert\n into t values (1)"));
        assert!(is_insert("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"));
        assert!(!is_insert("SELECT * FROM inserts"));
        assert!(!is_insert("UPDATE t SET inserted = true"));
    }

    #[test]
    fn webhook_paths() {
        let cat = &Catalog::builtin().side_effects.rust;
        assert!(path_marked("/webhooks/stripe", cat));
        assert!(path_marked("/api/stripe-webhook", cat));
        assert!(!path_marked("/teams/{id}/webhooks", cat));
        assert!(!path_marked("/teams/:id/webhooks", cat));
        assert_eq!(string_literals(r#".route("/a", post(x))"#), vec!["/a"]);
    }
}
