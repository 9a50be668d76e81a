//! The Rust side of `fan-out-without-limit` (PP602), kept conservative: a
//! `tokio::spawn` (or another `rust.fan_out.spawn` call) made once per item
//! of a `for` loop, or of a `for_each`/`map` closure, whose iterable is
//! request or message input (`body.ids`, a handler parameter) or a query
//! result, in a function with no concurrency limit (`Semaphore`,
//! `buffer_unordered`, ...). Accept loops (`while let Some(conn) =
//! listener.accept()`) and ranges are not reported. Not a rule itself.

use syn::Expr;

use crate::analysis::collections;

use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::rust::{self as rs, Step};

/// The node kinds the rule registers.
pub const KINDS: &[RustKind] = &[RustKind::Call];

/// Checks one Rust node.
pub fn check(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    let RustNode::Call(call) = node else { return };
    let fan = &cx.catalog.queues.rust.fan_out;
    let Some(path) = cx.callee_candidates(call).into_iter().find(|p| fan.spawn.contains(p)) else { return };
    let Some(iterable) = per_item_input(call, cx) else { return };
    let body = cx.function_text();
    if fan.limiters.iter().any(|l| body.contains(l.as_str())) {
        return;
    }
    let shown = cx.text(&*call.func).to_string();
    let _ = path;
    let span = cx.span(call);
    cx.report(
        span,
        format!(
            "`{shown}` starts a task for every item of `{iterable}` with no limit, so a large input starts that many tasks at once and exhausts memory, connections or the database pool"
        ),
    );
}

/// The iterable of the innermost `for` loop (or per-item closure) around the
/// call, when it is unbounded input.
fn per_item_input(call: &syn::ExprCall, cx: &RustChecker<'_, '_>) -> Option<String> {
    let at = cx.span(call).start;
    for e in cx.ctx.parents().iter().rev() {
        match e {
            Expr::ForLoop(f) => {
                let body = cx.span(&f.body);
                if body.start <= at && at < body.end {
                    return unbounded(&f.expr, cx).then(|| short(cx.text(&*f.expr)));
                }
            }
            Expr::MethodCall(m) if ["for_each", "map", "then"].contains(&m.method.to_string().as_str()) => {
                let inside = m.args.iter().any(|a| {
                    let s = cx.span(a);
                    s.start <= at && at < s.end
                });
                if inside {
                    return unbounded(&m.receiver, cx).then(|| short(cx.text(&*m.receiver)));
                }
            }
            Expr::Closure(_) | Expr::Async(_) => {}
            _ => {}
        }
    }
    None
}

/// Request or message input, or a query result, with no bound in the chain.
fn unbounded(iterable: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    if collections::rust_size_of(iterable, cx).is_some() {
        return false;
    }
    let fan = &cx.catalog.queues.rust.fan_out;
    let (root, steps) = rs::chain(iterable);
    let methods: Vec<String> = steps.iter().filter_map(Step::method).collect();
    if methods.iter().any(|m| fan.bounded_methods.contains(m)) {
        return false;
    }
    // `&ids[1..]` is as long as `ids` (`&ids[..10]` is sized, above).
    if let Expr::Index(i) = rs::peel(root) {
        return unbounded(&i.expr, cx);
    }
    if matches!(rs::peel(root), Expr::Range(_) | Expr::Array(_) | Expr::Lit(_)) {
        return false;
    }
    if methods.iter().any(|m| fan.query_methods.contains(m)) {
        return true;
    }
    let root_name = match rs::peel(root) {
        Expr::Path(p) if p.path.segments.len() == 1 => p.path.segments[0].ident.to_string(),
        _ => return false,
    };
    fan.input_names.contains(&root_name)
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.len() > 48 { format!("{}...", one.chars().take(45).collect::<String>()) } else { one }
}
