//! The Rust halves of the missing-retry rules. A retry loop is a `loop`,
//! `while` or `for` whose body (not nested loops or closures) matches on a
//! call that leaves the process, leaves the loop on `Ok(..)` (`break`,
//! `return`) and falls through or `continue`s on the error:
//!
//! ```ignore
//! loop { match client.send().await { Ok(r) => break r, Err(_) => continue } }
//! ```
//!
//! `for url in urls` loops that try alternatives (the call reads the loop
//! variable, or a value built from it, or the item a `let Some(x) =
//! it.next() else { .. }` pulls each pass) are failover, not retries; a
//! counted `for attempt in 0..5` against the same target is a retry. A loop
//! that falls through only on one named, non-transient error (`Err(e @
//! Error::NotFound { .. })`, a `QueueFull` back-pressure code) while every
//! other error leaves the loop is not a failure retry either. How the loop
//! pauses is read here and judged by [`crate::analysis::retry`]. Library strategies (tokio-retry, backoff) are
//! read from the `[rust]` section of `rules/catalog/retry.toml`. Not a rule
//! itself.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{Expr, Pat, Stmt};

use crate::catalog::retry::{RustRetry, RustRetryPolicy};
use crate::engine::rust::RustChecker;
use crate::lang::rust as rs;
use crate::rules::retry_loop::Pause;
use crate::source::Span;

/// A Rust retry loop.
pub struct RustRetryLoop {
    /// The retried expression, shown in the message.
    pub call: String,
    pub pause: Pause,
    /// A fixed pause's length in milliseconds, when it is a literal or a
    /// constant of the file.
    pub fixed_ms: Option<u64>,
    pub bounded: bool,
    /// The loop header (from the keyword to the body's `{`).
    pub header: Span,
}

/// Analyzes a loop expression; `None` when it is not a retry loop.
pub fn analyze(lp: &Expr, cx: &RustChecker<'_, '_>) -> Option<RustRetryLoop> {
    let cat = &cx.catalog.retry.rust;
    let (body, vars, bounded_header) = match lp {
        Expr::Loop(l) => (&l.body, Vec::new(), false),
        Expr::While(w) => {
            let infinite = matches!(w.cond.as_ref(), Expr::Lit(l) if cx.text(l) == "true");
            // `while let Err(e) = client.send().await { .. }` retries until success;
            // `while let Some(x) = rx.recv().await` consumes a stream: not a retry.
            if let Expr::Let(l) = w.cond.as_ref() {
                if variant(&l.pat) != Some("Err") {
                    return None;
                }
                let call = retried(&l.expr, &[], cx, cat)?;
                let body_text = cx.text(&w.body);
                if cat.interactive_markers.iter().any(|m| body_text.contains(m.as_str())) {
                    return None;
                }
                if cat.conflict_markers.iter().any(|c| cx.text(&l.pat).contains(c.as_str())) || block_exits(&w.body) {
                    return None;
                }
                let (pause, fixed_ms) = pause_of(&w.body, &[], cx, cat);
                let bounded = bounded_body(body_text, cat);
                return Some(RustRetryLoop { call, pause, fixed_ms, bounded, header: header_of(lp, &w.body, cx) });
            }
            (&w.body, Vec::new(), !infinite)
        }
        Expr::ForLoop(f) => (&f.body, pat_names(&f.pat), true),
        _ => return None,
    };
    // What each pass targets: the loop variable of a `for` over items (not a
    // counted range, whose variable only numbers the attempt), and names the
    // body binds from a target or from `iter.next()`.
    let counted = matches!(lp, Expr::ForLoop(f) if matches!(rs::peel(&f.expr), Expr::Range(_)));
    let targets = pass_targets(body, if counted { &[] } else { &vars }, &vars, cx);
    let mut found = None;
    for stmt in &body.stmts {
        let e = match stmt {
            Stmt::Expr(e, _) => e,
            Stmt::Local(l) => match &l.init {
                Some(i) => i.expr.as_ref(),
                None => continue,
            },
            _ => continue,
        };
        if let Some(call) = retry_match(e, &targets, &vars, cx, cat) {
            found = Some(call);
            break;
        }
    }
    let call = found?;
    let body_text = cx.text(body);
    if cat.interactive_markers.iter().any(|m| body_text.contains(m.as_str())) {
        return None;
    }
    let (pause, fixed_ms) = pause_of(body, &vars, cx, cat);
    let bounded = bounded_header || bounded_body(body_text, cat);
    Some(RustRetryLoop { call, pause, fixed_ms, bounded, header: header_of(lp, body, cx) })
}

/// Names that differ on every pass of the loop: the item variables of a
/// `for` over alternatives (`items`), and what the body binds from them
/// (`let client = Client::new(&format!("http://{addr}"))`) or pulls from an
/// iterator each pass (`let Some(gw) = gateways.next() else { return }`).
/// In a counted loop an index into a list (`addrs[i]`) is a target too.
fn pass_targets(body: &syn::Block, items: &[String], counters: &[String], cx: &RustChecker<'_, '_>) -> Vec<String> {
    let mut targets: Vec<String> = items.to_vec();
    let words = |t: &str| t.split(|c: char| !c.is_alphanumeric() && c != '_').map(str::to_string).collect::<Vec<_>>();
    for stmt in &body.stmts {
        let Stmt::Local(l) = stmt else { continue };
        let Some(init) = &l.init else { continue };
        let text = cx.text(&*init.expr).replace(' ', "");
        let pulled = [".next()", ".pop()", ".pop_front()", ".pop_back()"].iter().any(|m| text.contains(m));
        let indexed = counters.iter().any(|c| text.contains(&format!("[{c}]")));
        if pulled || indexed || words(&text).iter().any(|w| targets.contains(w)) {
            targets.extend(pat_names(&l.pat));
        }
    }
    targets
}

fn header_of(lp: &Expr, body: &syn::Block, cx: &RustChecker<'_, '_>) -> Span {
    let start = cx.span(lp).start as usize;
    let end = cx.span(body).start as usize;
    Span::new(start, start + cx.src[start..end].trim_end().len())
}

/// `match <remote>.await { Ok(..) => break/return, Err(..) => .. }` or
/// `if let Ok(..) = <remote> { break/return }`: the retried call's text.
fn retry_match(
    e: &Expr,
    targets: &[String],
    vars: &[String],
    cx: &RustChecker<'_, '_>,
    cat: &RustRetry,
) -> Option<String> {
    let (scrutinee, ok_exits, err_falls) = match e {
        Expr::Match(m) => {
            let mut ok = false;
            let mut err = false;
            // Does every error arm that loops again name one specific
            // outcome, while some other error arm leaves the loop?
            let mut narrow_only = true;
            let mut other_exits = false;
            for arm in &m.arms {
                match variant(&arm.pat) {
                    Some("Ok") | Some("Some") => ok |= exits(&arm.body),
                    Some("Err") | Some("None") | Some("_") => {
                        let t = cx.text(&*arm.body);
                        let pat = cx.text(&arm.pat);
                        if cat.conflict_markers.iter().any(|c| t.contains(c.as_str()) || pat.contains(c.as_str())) {
                            return None;
                        }
                        if exits(&arm.body) {
                            other_exits = true;
                        } else {
                            err = true;
                            narrow_only &= names_one_outcome(&arm.pat, pat, cat);
                        }
                    }
                    _ => {}
                }
            }
            if err && narrow_only && other_exits {
                return None;
            }
            (m.expr.as_ref(), ok, err)
        }
        Expr::If(i) => {
            let Expr::Let(l) = i.cond.as_ref() else { return None };
            if variant(&l.pat) != Some("Ok") || i.else_branch.is_some() {
                return None;
            }
            (l.expr.as_ref(), block_exits(&i.then_branch), true)
        }
        _ => return None,
    };
    if !ok_exits || !err_falls {
        return None;
    }
    let _ = vars;
    retried(scrutinee, targets, cx, cat)
}

/// An error pattern that names one specific outcome (`Err(Error::NotFound {
/// .. })`, `Err((KafkaError::MessageProduction(QueueFull), rec))`) rather
/// than any error (`Err(_)`, `Err(e)`), and not one of the transient kinds a
/// failure retry is for (timeouts, refused or reset connections, an
/// unavailable service, I/O).
fn names_one_outcome(pat: &Pat, text: &str, cat: &RustRetry) -> bool {
    let Pat::TupleStruct(t) = pat else { return false };
    struct V(bool);
    impl<'a> Visit<'a> for V {
        fn visit_pat_struct(&mut self, _: &'a syn::PatStruct) {
            self.0 = true;
        }
        fn visit_pat_tuple_struct(&mut self, p: &'a syn::PatTupleStruct) {
            self.0 = true;
            visit::visit_pat_tuple_struct(self, p);
        }
        fn visit_expr_path(&mut self, _: &'a syn::ExprPath) {
            self.0 = true;
        }
    }
    let mut v = V(false);
    for e in &t.elems {
        v.visit_pat(e);
    }
    v.0 && (cat.backpressure_variants.iter().any(|w| text.contains(w.as_str()))
        || !cat.transient_variants.iter().any(|w| text.contains(w.as_str())))
}

/// The retried expression's text, when it leaves the process.
fn retried(scrutinee: &Expr, vars: &[String], cx: &RustChecker<'_, '_>, cat: &RustRetry) -> Option<String> {
    // The call must be awaited or named like a remote call; a loop over
    // alternatives reads its loop variable in the call.
    let text = cx.text(scrutinee);
    let lower = text.to_ascii_lowercase();
    if !cat.remote_hints.iter().any(|h| lower.contains(h.as_str())) {
        return None;
    }
    let last = callee_last(scrutinee, &cat.result_adapters);
    if cat.self_paced.iter().any(|s| last.contains(s.as_str())) || cat.local_calls.contains(&last) {
        return None;
    }
    if !vars.is_empty() && reads(scrutinee).iter().any(|n| vars.contains(n)) {
        return None;
    }
    let shown = short(text);
    Some(if shown.len() > 48 { format!("{last}()") } else { shown })
}

/// The name of the last call in a chain (`client.get(u).send().await` → `send`).
fn callee_last(e: &Expr, adapters: &[String]) -> String {
    let (root, steps) = rs::chain(e);
    if let Some(m) = steps.iter().rev().filter_map(|s| s.method()).find(|m| !adapters.contains(m)) {
        return m;
    }
    match rs::peel(root) {
        Expr::Call(c) => match rs::peel(&c.func) {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn variant(p: &Pat) -> Option<&'static str> {
    let path = match p {
        Pat::TupleStruct(t) => &t.path,
        Pat::Path(x) => &x.path,
        Pat::Ident(i) if i.ident == "None" => return Some("None"),
        Pat::Wild(_) => return Some("_"),
        Pat::Ident(_) => return Some("_"),
        _ => return None,
    };
    let last = path.segments.last()?.ident.to_string();
    match last.as_str() {
        "Ok" => Some("Ok"),
        "Err" => Some("Err"),
        "Some" => Some("Some"),
        "None" => Some("None"),
        _ => None,
    }
}

/// The arm leaves the loop: `break`, `return`, `?` on an error, or a block ending in one.
fn exits(e: &Expr) -> bool {
    match e {
        Expr::Break(_) | Expr::Return(_) => true,
        Expr::Block(b) => block_exits(&b.block),
        Expr::Macro(m) => panics(&m.mac),
        // `continue 'outer`: leaves this loop for the next item of an outer one.
        Expr::Continue(c) => c.label.is_some(),
        _ => false,
    }
}

/// `panic!`, `unreachable!`, `todo!`, `unimplemented!`: the process stops.
fn panics(m: &syn::Macro) -> bool {
    m.path
        .segments
        .last()
        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "panic" | "unreachable" | "todo" | "unimplemented"))
}

fn block_exits(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Expr(e, _) => exits(e),
        Stmt::Macro(m) => panics(&m.mac),
        _ => false,
    })
}

/// How the loop body pauses, and a fixed pause's length in milliseconds
/// when every fixed delay in it can be read.
fn pause_of(body: &syn::Block, vars: &[String], cx: &RustChecker<'_, '_>, cat: &RustRetry) -> (Pause, Option<u64>) {
    struct V<'c, 'x, 'y> {
        cx: &'c RustChecker<'x, 'y>,
        cat: &'c RustRetry,
        delays: Vec<String>,
        /// Waits whose length is set elsewhere: an interval's tick, a rate
        /// limiter, a `sleep_until` deadline.
        paced: bool,
        mutated: HashSet<String>,
        lets: Vec<(String, String)>,
    }
    impl<'a> Visit<'a> for V<'_, '_, '_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(p) = rs::peel(&c.func) {
                let segs = rs::path_segments(&p.path);
                let last = segs.last().cloned().unwrap_or_default();
                let two = if segs.len() >= 2 { format!("{}::{}", segs[segs.len() - 2], last) } else { last.clone() };
                if self.cat.paced_calls.iter().any(|s| *s == two || *s == last) {
                    self.paced = true;
                } else if self.cat.sleep_calls.iter().any(|s| *s == two || *s == last) {
                    self.delays.push(c.args.first().map(|a| self.cx.text(a).to_string()).unwrap_or_default());
                } else if self.cat.backoff_markers.iter().any(|m| last.to_ascii_lowercase().contains(m.as_str())) {
                    self.delays.push(last);
                }
            }
            visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let name = m.method.to_string();
            if self.cat.backoff_markers.iter().any(|b| name.contains(b.as_str())) {
                self.delays.push(name);
            } else if self.cat.paced_methods.contains(&name) {
                self.paced = true;
            }
            visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let Some(n) = rs::ident_of(&a.left) {
                self.mutated.insert(n);
            }
            visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if matches!(
                b.op,
                syn::BinOp::AddAssign(_)
                    | syn::BinOp::MulAssign(_)
                    | syn::BinOp::ShlAssign(_)
                    | syn::BinOp::SubAssign(_)
            ) && let Some(n) = rs::ident_of(&b.left)
            {
                self.mutated.insert(n);
            }
            visit::visit_expr_binary(self, b);
        }
        fn visit_local(&mut self, l: &'a syn::Local) {
            if let (Some(init), Some(name)) = (&l.init, pat_names(&l.pat).first()) {
                self.lets.push((name.clone(), self.cx.text(&*init.expr).to_string()));
            }
            visit::visit_local(self, l);
        }
        // `tokio::select! { _ = sleep(d) => .. }`: a pause inside a macro.
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            let t = m.tokens.to_string().replace(' ', "");
            if self.cat.paced_methods.iter().any(|p| t.contains(&format!(".{p}()")))
                || self.cat.paced_calls.iter().any(|p| t.contains(&format!("{p}(")))
            {
                self.paced = true;
                return;
            }
            if let Some(i) = self.cat.sleep_calls.iter().filter_map(|s| t.find(&format!("{s}("))).min() {
                let rest = &t[i..];
                let end = rest.find(')').map(|e| e + 1).unwrap_or(rest.len());
                self.delays.push(rest[..end].to_string());
            }
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut v = V { cx, cat, delays: Vec::new(), paced: false, mutated: HashSet::new(), lets: Vec::new() };
    v.visit_block(body);
    if v.delays.is_empty() {
        return (if v.paced { Pause::Paced } else { Pause::None }, None);
    }
    let words = |d: &str| d.split(|c: char| !c.is_alphanumeric() && c != '_').map(str::to_string).collect::<Vec<_>>();
    // `let delay = backoff_for(fail_count);` where `fail_count += 1` in the loop.
    for _ in 0..3 {
        for (name, init) in &v.lets {
            if words(init).iter().any(|w| v.mutated.contains(w) || vars.contains(w))
                || cat.growth_markers.iter().any(|g| init.contains(g.as_str()))
            {
                v.mutated.insert(name.clone());
            }
        }
    }
    let grows = v.delays.iter().any(|d| {
        let lower = d.to_ascii_lowercase();
        cat.growth_markers.iter().any(|g| d.contains(g.as_str()))
            || cat.backoff_markers.iter().any(|b| lower.contains(b.as_str()))
            || d.split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| v.mutated.contains(w) || vars.iter().any(|x| x == w))
    });
    if grows {
        return (Pause::Growing, None);
    }
    if v.paced {
        return (Pause::Paced, None);
    }
    let ms: Option<Vec<u64>> = v.delays.iter().map(|d| delay_ms(d, &v.lets, cx)).collect();
    (Pause::Fixed, ms.and_then(|m| m.into_iter().min()))
}

/// A fixed delay's length: a `Duration` literal, a name bound to one in the
/// loop or the function (`let wait = Duration::from_secs(1)`), or a `const`
/// of the file (`const RETRY_INTERVAL: Duration = Duration::from_secs(1);`).
fn delay_ms(delay: &str, lets: &[(String, String)], cx: &RustChecker<'_, '_>) -> Option<u64> {
    use crate::analysis::retry::{rust_const_duration_ms, rust_duration_ms};
    let d = delay.trim();
    if let Some(ms) = rust_duration_ms(d) {
        return Some(ms);
    }
    let name = d.trim_start_matches('&').trim_start_matches("Self::").trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    if let Some((_, init)) = lets.iter().find(|(n, _)| n == name) {
        return rust_duration_ms(init);
    }
    let f = cx.function_text();
    let needle = format!("let {name} = ");
    if let Some(i) = f.find(&needle) {
        let rest = &f[i + needle.len()..];
        return rust_duration_ms(&rest[..rest.find(';').unwrap_or(rest.len())]);
    }
    rust_const_duration_ms(cx.src, name)
}

/// A counter compared against a limit, or a deadline, inside the loop.
fn bounded_body(text: &str, cat: &RustRetry) -> bool {
    let counts = text.contains("+= 1") || text.contains("-= 1") || text.contains("checked_sub");
    let compares = text.contains(">=") || text.contains("> ") || text.contains("==") || text.contains("< ");
    (counts && compares) || cat.deadline_markers.iter().any(|d| text.contains(d.as_str()))
}

/// A retry strategy built without a limit: `(shown, crate)`.
pub fn unlimited_policy<'c>(call: &syn::ExprCall, cx: &RustChecker<'c, '_>) -> Option<(String, &'c RustRetryPolicy)> {
    let Expr::Path(p) = rs::peel(&call.func) else { return None };
    let segs = rs::path_segments(&p.path);
    if segs.len() < 2 {
        return None;
    }
    let two = format!("{}::{}", segs[segs.len() - 2], segs[segs.len() - 1]);
    let catalog: &'c crate::catalog::Catalog = cx.catalog;
    let policy = catalog.retry.rust.policies.iter().find(|pl| pl.paths.contains(&two))?;
    if !policy.crate_marker.is_empty() && !cx.memo.contains(cx.src, &policy.crate_marker) {
        return None;
    }
    let chained = chain_after(call, cx);
    if policy.bounded_by_default {
        let unlimited = chained.iter().any(|m| {
            let t = format!("{}({})", m.method, cx.text(&m.args).replace(' ', ""));
            policy.unlimited_calls.contains(&t)
        });
        if unlimited && deliberate_block(&chained, policy, cx) {
            return None;
        }
        return unlimited.then_some((two, policy));
    }
    if chained.iter().any(|m| policy.limit_methods.contains(&m.method.to_string())) {
        return None;
    }
    // Bound to a local and limited later (`strategy.take(3)`): look in the function.
    let body = cx.function_text();
    if policy.limit_methods.iter().any(|m| body.contains(&format!(".{m}("))) {
        return None;
    }
    // Read by hand with `.next()` and never handed to a retry executor: a
    // schedule of pauses (polling a follow-up until it is ready), not a
    // retry of failures; the loop that reads it is judged as a loop.
    const EXECUTORS: &[&str] =
        &["Retry::spawn", "RetryIf::spawn", "Retry::new", "RetryIf::new", "retry(", "retry_notify("];
    if body.contains(".next()") && !EXECUTORS.iter().any(|e| body.contains(e)) {
        return None;
    }
    Some((two, policy))
}

/// An endless strategy built on purpose for a task that must block until it
/// succeeds: the wait between attempts is capped (`with_max_interval`), and
/// every failure is reported, through a notifying executor in the file
/// (`retry_notify(policy, op, |err, wait| warn!(..))`) or by a function that
/// reads the waits by hand (`next_backoff()`) and logs.
fn deliberate_block(chained: &[&syn::ExprMethodCall], policy: &RustRetryPolicy, cx: &RustChecker<'_, '_>) -> bool {
    let capped = chained.iter().any(|m| policy.cap_methods.contains(&m.method.to_string()));
    if !capped {
        return false;
    }
    if policy.notify_calls.iter().any(|n| cx.memo.contains(cx.src, n)) {
        return true;
    }
    let body = cx.function_text();
    let logs = ["warn!(", "error!(", "info!(", "tracing::warn!", "slog::warn!"].iter().any(|l| body.contains(l));
    logs && policy.manual_methods.iter().any(|m| body.contains(&format!(".{m}()")))
}

/// Method calls chained on `call` in the same expression, in order.
fn chain_after<'a>(call: &syn::ExprCall, cx: &RustChecker<'_, 'a>) -> Vec<&'a syn::ExprMethodCall> {
    let parents = cx.ctx.parents();
    let mut out = Vec::new();
    let mut child: Option<&Expr> = None;
    for p in parents.iter().rev() {
        let is_child = |e: &Expr| match child {
            Some(c) => std::ptr::eq(rs::peel(e), c),
            None => matches!(rs::peel(e), Expr::Call(x) if std::ptr::eq(x, call)),
        };
        match p {
            Expr::MethodCall(m) if is_child(&m.receiver) => out.push(m),
            Expr::Paren(x) if is_child(&x.expr) => {}
            _ => break,
        }
        child = Some(*p);
    }
    out
}

fn pat_names(p: &Pat) -> Vec<String> {
    struct V(Vec<String>);
    impl<'a> Visit<'a> for V {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            let s = i.ident.to_string();
            if !s.starts_with('_') {
                self.0.push(s);
            }
        }
    }
    let mut v = V(Vec::new());
    v.visit_pat(p);
    v.0
}

fn reads(e: &Expr) -> Vec<String> {
    struct V(Vec<String>);
    impl<'a> Visit<'a> for V {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if p.path.segments.len() == 1 {
                self.0.push(p.path.segments[0].ident.to_string());
            }
        }
    }
    let mut v = V(Vec::new());
    v.visit_expr(e);
    v.0
}

fn short(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    t.trim_end_matches(".await").to_string()
}
