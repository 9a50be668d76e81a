//! The Rust side of `queue-without-bound` (PP601): channel constructors
//! that take no capacity (`tokio::sync::mpsc::unbounded_channel`,
//! `std::sync::mpsc::channel`, `crossbeam_channel::unbounded`, ...), from the
//! `[[rust.buffers]]` entries of `rules/catalog/queues.toml`. Reported where
//! the channel is created, with the bounded constructor to use instead.
//!
//! Not reported: signal channels (a sender or receiver named like
//! `shutdown_tx`, `stop_rx`, words from `rust.signal_names`, or a channel of
//! `()`), channels whose sender or receiver is discarded (`let (tx, _) =`),
//! request channels whose messages carry a `oneshot` reply
//! ([`collections::rust_request_channel`]),
//! and channels with a comment on or above them that says why they are
//! unbounded. Not a rule itself.

use std::collections::HashSet;

use syn::{Expr, Pat};

use crate::analysis::collections;
use crate::catalog::secrets::split_words;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::rust as rs;
use crate::source::Span;

/// The node kinds the rule registers.
pub const KINDS: &[RustKind] = &[RustKind::Local, RustKind::Call];

/// Constructor calls already judged through their `let`.
#[derive(Default)]
struct Seen {
    calls: HashSet<(u32, u32)>,
}

/// Checks one Rust node.
pub fn check(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    match node {
        RustNode::Local(l) => check_let(l, cx),
        RustNode::Call(c) => {
            let span = cx.span(c);
            if cx.state::<Seen>().calls.contains(&(span.start, span.end)) {
                return;
            }
            if let Some(instead) = unbounded(c, cx) {
                report(c, &instead, cx);
            }
        }
        _ => {}
    }
}

/// The bounded alternative when `call` builds an unbounded channel.
fn unbounded(call: &syn::ExprCall, cx: &RustChecker<'_, '_>) -> Option<String> {
    let lang = &cx.catalog.queues.rust;
    let entry = cx.callee_candidates(call).into_iter().find_map(|p| lang.buffer(&p))?;
    if entry.positional.is_some_and(|i| call.args.len() > i) {
        return None;
    }
    if cx.text(&*call.func).replace(' ', "").ends_with("::<()>") {
        return None;
    }
    Some(entry.instead.clone().unwrap_or_default())
}

/// `let (tx, rx) = unbounded_channel();`: the names say what it carries.
fn check_let(l: &syn::Local, cx: &mut RustChecker<'_, '_>) {
    let Some(init) = &l.init else { return };
    let Expr::Call(call) = strip(&init.expr) else { return };
    let Some(instead) = unbounded(call, cx) else { return };
    let span = cx.span(call);
    cx.state::<Seen>().calls.insert((span.start, span.end));
    let (pat, ty) = match &l.pat {
        Pat::Type(t) => (t.pat.as_ref(), Some(cx.text(&*t.ty))),
        p => (p, None),
    };
    if ty.is_some_and(|t| t.replace(' ', "").contains("<()>")) {
        return;
    }
    let names: Vec<String> = match pat {
        Pat::Tuple(t) => t.elems.iter().map(pat_name).collect(),
        p => vec![pat_name(p)],
    };
    // `let (tx, _) = channel();`: one end is dropped, nothing queues for long.
    if names.iter().any(|n| n.is_empty() || n.starts_with('_')) {
        return;
    }
    let signals = &cx.catalog.queues.rust.signal_names;
    if names.iter().any(|n| split_words(n).iter().any(|w| signals.contains(w))) {
        return;
    }
    // `let (tx, mut rx) = unbounded_channel(); ...; rx.recv().await`: a reply
    // channel drained once where it is made holds one message.
    if let [_, rx] = names.as_slice()
        && let Some(f) = cx.ctx.function()
    {
        let made = (cx.span(l).start - f.span.start) as usize;
        if collections::reply_channel(rx, cx.function_text(), made, cx) {
            return;
        }
    }
    // Each message carries a oneshot reply its sender waits for.
    if collections::rust_request_channel(cx.text(&*call.func), ty, &names, cx) {
        return;
    }
    report(call, &instead, cx);
}

fn pat_name(p: &Pat) -> String {
    match p {
        Pat::Ident(i) => i.ident.to_string(),
        Pat::Type(t) => pat_name(&t.pat),
        _ => String::new(),
    }
}

/// `x?`, `x.await`, `(x)`, `x.unwrap()` around the constructor.
fn strip(e: &Expr) -> &Expr {
    match rs::peel(e) {
        Expr::Try(t) => strip(&t.expr),
        Expr::Await(a) => strip(&a.base),
        other => other,
    }
}

fn report(call: &syn::ExprCall, instead: &str, cx: &mut RustChecker<'_, '_>) {
    let span: Span = cx.span(call);
    if says_why(span, cx) {
        return;
    }
    let shown = cx.text(&*call.func).split("::<").next().unwrap_or_default().to_string();
    let shown = shown.rsplit("::").take(2).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("::");
    let alt = if instead.is_empty() { String::new() } else { format!("; use `{instead}`") };
    let fix = channel_suggestion(call, span, cx);
    cx.report(
        span,
        format!(
            "`{shown}()` creates a channel with no capacity, so when the receiver falls behind messages pile up until the process is OOM-killed{alt}"
        ),
    )
    .fix = fix;
}

/// `unbounded_channel()` → `channel(N)`, as a suggestion only: a bounded
/// sender's `send` is async and can wait, so every send site changes too.
fn channel_suggestion(call: &syn::ExprCall, span: Span, cx: &RustChecker<'_, '_>) -> Option<Fix> {
    let func = cx.text(&*call.func);
    let at = func.rfind("unbounded_channel")?;
    if !call.args.is_empty() || !func.contains("mpsc") && !cx.file.text.contains("mpsc") {
        return None;
    }
    let n = cx.catalog.fix.default_queue_maxsize;
    let content = format!("{}channel{}({n})", &func[..at], &func[at + "unbounded_channel".len()..]);
    let description = format!(
        "Use `channel({n})`; its `send` is async and waits when the channel is full, so the senders change too"
    );
    Some(Fix::new(Applicability::Suggestion, description, vec![Edit::replace(span, content)]))
}

/// A comment on or just above the channel that talks about its bound.
fn says_why(span: Span, cx: &RustChecker<'_, '_>) -> bool {
    let first = cx.file.lines.line_of(span.start) as u32 + 1;
    let last = cx.file.lines.line_of(span.end) as u32 + 1;
    cx.comments_on_lines(first.saturating_sub(3).max(1), last)
        .filter(|c| crate::analysis::handlers::meaningful_comment(c))
        .any(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("bound") || c.contains("backpressure") || c.contains("back-pressure") || c.contains("capacity")
        })
}
