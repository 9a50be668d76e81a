//! The Rust side of `io-error-swallowed` (PP102): a `Result` of I/O, network
//! or database work dropped without a look at the error: `let _ = ...;`,
//! `....ok();`, `if let Ok(..) = ...` with no `else`, a `match` arm
//! `Err(_) => {}` / `()` / `continue`, and `.unwrap_or_default()` /
//! `.unwrap_or(..)` on such a `Result`. What counts as I/O is in the `[rust]`
//! section of `rules/catalog/errors.toml`. Not a rule itself.

use syn::{Expr, Pat};

use crate::analysis::handlers;
use crate::analysis::rust_summaries;
use crate::analysis::summaries::Returns;
use crate::catalog::errors::RustErrors;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::rust::{self as rs, Step};

/// The node kinds the rule registers.
pub const KINDS: &[RustKind] =
    &[RustKind::Local, RustKind::StmtExpr, RustKind::If, RustKind::Match, RustKind::MethodCall];

const CONSEQUENCE: &str = "so a failed write, request or query leaves no trace";

/// Checks one Rust node.
pub fn check(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    match node {
        RustNode::Local(l) => check_let(l, cx),
        RustNode::StmtExpr(e) => check_ok_stmt(e, cx),
        RustNode::If(i) => check_if_let(i, cx),
        RustNode::Match(m) => check_match(m, cx),
        RustNode::MethodCall(m) => check_unwrap_or(m, cx),
        _ => {}
    }
}

/// `let _ = <io>;`
fn check_let(l: &syn::Local, cx: &mut RustChecker<'_, '_>) {
    if !matches!(l.pat, Pat::Wild(_)) {
        return;
    }
    let Some(init) = &l.init else { return };
    if init.diverge.is_some() {
        return;
    }
    if project_option(&init.expr, cx) {
        return;
    }
    let Some(call) = io_work(&init.expr, cx, true) else { return };
    let span = cx.span(l);
    if cx.explained(span) || fails_next(span, cx) || intended(&init.expr, cx) {
        return;
    }
    cx.report(span, format!("`let _ =` drops the error of `{call}` without a log, {CONSEQUENCE}"));
}

/// `<io>.ok();` as a statement.
fn check_ok_stmt(e: &Expr, cx: &mut RustChecker<'_, '_>) {
    let Expr::MethodCall(m) = e else { return };
    if m.method != "ok" || !m.args.is_empty() {
        return;
    }
    if project_option(&m.receiver, cx) {
        return;
    }
    let Some(call) = io_work(&m.receiver, cx, true) else { return };
    let span = cx.span(e);
    if cx.explained(span) || fails_next(span, cx) || intended(&m.receiver, cx) {
        return;
    }
    cx.report(span, format!("`.ok()` drops the error of `{call}` without a log, {CONSEQUENCE}"));
}

/// `if let Ok(..) = <io> { .. }` with no `else`, or an empty one.
fn check_if_let(i: &syn::ExprIf, cx: &mut RustChecker<'_, '_>) {
    let Expr::Let(l) = i.cond.as_ref() else { return };
    if !is_variant(&l.pat, "Ok") {
        return;
    }
    let else_empty = match &i.else_branch {
        None => true,
        Some((_, e)) => matches!(e.as_ref(), Expr::Block(b) if b.block.stmts.is_empty()),
    };
    if !else_empty {
        return;
    }
    let Some(call) = io_work(&l.expr, cx, false) else { return };
    let span = cx.span(l);
    if cx.explained(span) || intended(&l.expr, cx) {
        return;
    }
    cx.report(
        span,
        format!("`if let Ok(..)` without an `else` drops the error of `{call}` without a log, {CONSEQUENCE}"),
    );
}

/// `match <io> { .., Err(_) => {} }`
fn check_match(m: &syn::ExprMatch, cx: &mut RustChecker<'_, '_>) {
    let has_ok = m.arms.iter().any(|a| is_variant(&a.pat, "Ok"));
    for arm in &m.arms {
        let binding = match &arm.pat {
            Pat::TupleStruct(ts) if last_segment(&ts.path) == "Err" => match ts.elems.first() {
                Some(Pat::Wild(_)) | None => None,
                Some(Pat::Rest(_)) => None,
                Some(Pat::Ident(id)) => Some(id.ident.to_string()),
                _ => continue,
            },
            Pat::Wild(_) if has_ok => None,
            _ => continue,
        };
        if !drops(&arm.body) {
            continue;
        }
        if binding.as_ref().is_some_and(|b| !b.starts_with('_') && cx.text(&*arm.body).contains(b.as_str())) {
            continue;
        }
        let Some(call) = io_work(&m.expr, cx, false) else { return };
        let span = cx.span(arm);
        if cx.explained(span) || intended(&m.expr, cx) {
            continue;
        }
        let pat = cx.text(&arm.pat).to_string();
        let body = cx.text(&*arm.body).split_whitespace().collect::<Vec<_>>().join(" ");
        cx.report(span, format!("`{pat} => {body}` drops the error of `{call}` without a log, {CONSEQUENCE}"));
    }
}

/// `<io>.unwrap_or_default()`, `.unwrap_or(x)`, `.unwrap_or_else(|_| x)`.
fn check_unwrap_or(m: &syn::ExprMethodCall, cx: &mut RustChecker<'_, '_>) {
    let name = m.method.to_string();
    match name.as_str() {
        "unwrap_or_default" | "unwrap_or" => {}
        "unwrap_or_else" => {
            // A closure that names its argument sees the error.
            let sees = m.args.first().is_some_and(|a| match a {
                Expr::Closure(c) => c.inputs.iter().any(|p| !matches!(p, Pat::Wild(_)) && !cx.text(p).starts_with('_')),
                _ => true,
            });
            if sees {
                return;
            }
            if let Some(Expr::Closure(c)) = m.args.first()
                && handlers::rust_handler_reports(&c.body, cx).is_some()
            {
                return;
            }
        }
        _ => return,
    }
    if project_option(&m.receiver, cx) {
        return;
    }
    let Some(call) = io_work(&m.receiver, cx, false) else { return };
    if single_row_read(&call, &m.receiver, cx) {
        return;
    }
    let span = cx.span(&m.method);
    if cx.explained(cx.span(m)) || intended(&m.receiver, cx) {
        return;
    }
    cx.report(span, format!("`.{name}()` replaces the error of `{call}` with a default and no log, {CONSEQUENCE}"));
}

/// The handler-intent evidence accepts dropping the error of `expr`:
/// idempotent DDL, telemetry, or a reason in the function's doc comment.
fn intended(expr: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    let (root, _) = rs::chain(expr);
    let root_name = match rs::peel(root) {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            _ => None,
        },
        _ => None,
    };
    handlers::rust_intent(cx.text(expr), root_name.as_deref(), cx).is_some()
}

/// `expr` is the value of a call to a project function declared to return
/// an `Option` (the function summaries): a `None` carries no error to drop.
fn project_option(expr: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    let mut e = rs::peel(expr);
    while let Expr::Await(a) = e {
        e = rs::peel(&a.base);
    }
    let node = match e {
        Expr::MethodCall(m) => RustNode::MethodCall(m),
        Expr::Call(c) => RustNode::Call(c),
        _ => return false,
    };
    rust_summaries::target_at(node, cx).is_some_and(|f| f.returns == Some(Returns::Option))
}

/// The arm body drops the error: `{}`, `()`, `continue`, `{ continue; }`.
fn drops(body: &Expr) -> bool {
    match body {
        Expr::Tuple(t) => t.elems.is_empty(),
        Expr::Continue(_) => true,
        Expr::Block(b) => match b.block.stmts.as_slice() {
            [] => true,
            [syn::Stmt::Expr(Expr::Continue(_), _)] => true,
            [syn::Stmt::Expr(Expr::Tuple(t), _)] => t.elems.is_empty(),
            _ => false,
        },
        _ => false,
    }
}

fn is_variant(p: &Pat, name: &str) -> bool {
    matches!(p, Pat::TupleStruct(ts) if last_segment(&ts.path) == name)
}

fn last_segment(path: &syn::Path) -> String {
    path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

/// When `expr` is a `Result` of I/O work whose error is not looked at, the
/// call that does the work (as shown in messages). `?` anywhere in the chain
/// propagates the error; `map_err`/`inspect_err` look at it; cleanup calls
/// (`remove_file`, `shutdown`) are the idiom.
fn io_work(expr: &Expr, cx: &RustChecker<'_, '_>, whole: bool) -> Option<String> {
    let cat: &RustErrors = &cx.catalog.errors.rust;
    let (root, steps) = rs::chain(expr);
    // A trailing `.ok()` only turns the Result into an Option.
    let steps: Vec<Step<'_>> = match steps.split_last() {
        Some((Step::Method(m), rest)) if m.method == "ok" && !whole => rest.to_vec(),
        _ => steps,
    };
    let mut found: Option<String> = None;
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Try(_) => return None,
            Step::Method(m) => {
                let name = m.method.to_string();
                if RustErrors::any(&cat.handled_methods, &name) || RustErrors::any(&cat.cleanup_methods, &name) {
                    return None;
                }
                let awaited = matches!(steps.get(i + 1), Some(Step::Await(_)));
                let io = RustErrors::any(&cat.io_methods, &name)
                    || (m.args.is_empty() && RustErrors::any(&cat.io_nullary_methods, &name))
                    || (awaited && RustErrors::any(&cat.async_io_methods, &name))
                    || m.args.iter().any(|a| db_handle(a, cx));
                if io && found.is_none() {
                    found = Some(format!(".{name}()"));
                } else if found.is_some() && !matches!(name.as_str(), "ok" | "err") {
                    // The Result went through other methods (`.is_ok()`,
                    // `.map(..)`): what is dropped is no longer the bare error.
                    if matches!(name.as_str(), "is_ok" | "is_err" | "map" | "and_then" | "unwrap" | "expect") {
                        return None;
                    }
                }
            }
            _ => {}
        }
    }
    if found.is_some() {
        return found;
    }
    if let Expr::Call(c) = rs::peel(root) {
        let candidates = cx.callee_candidates(c);
        let last = candidates.first().and_then(|p| p.rsplit("::").next().map(str::to_string)).unwrap_or_default();
        if RustErrors::any(&cat.cleanup_methods, &last) {
            return None;
        }
        if candidates.iter().any(|p| RustErrors::any(&cat.io_paths, p)) || c.args.iter().any(|a| db_handle(a, cx)) {
            let shown = cx.text(&*c.func).split_whitespace().collect::<String>();
            return Some(if shown.len() > 40 { last } else { shown });
        }
    }
    None
}

/// An argument that is a database handle: `&mut context.pool()`, `&pool`,
/// `conn`, `&mut *conn` (identifiers from `db_handle_names`).
fn db_handle(arg: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    let text = cx.text(arg);
    if text.len() > 60 {
        return false;
    }
    let names = &cx.catalog.errors.rust.db_handle_names;
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| names.iter().any(|n| n == w))
}

/// A single-row read (`first`, `Model::read_by_id`, `find_by_org`) not
/// counting rows: a default in place of its error is the "not found" idiom.
fn single_row_read(call: &str, receiver: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    let name = call.trim_start_matches('.').trim_end_matches("()");
    let name = name.rsplit("::").next().unwrap_or(name);
    let reads = &cx.catalog.errors.rust.single_row_reads;
    let is_read = reads.iter().any(|r| if r.ends_with('_') { name.starts_with(r.as_str()) } else { r == name });
    let (_, steps) = rs::chain(receiver);
    is_read && !steps.iter().any(|s| s.method().is_some_and(|m| m == "count"))
}

/// The statement after `span` returns an error (`return Err(..)`, `bail!`,
/// `err!`): the dropped call is cleanup on a failure path that is reported.
fn fails_next(span: crate::source::Span, cx: &RustChecker<'_, '_>) -> bool {
    let rest = cx.src.get(span.end as usize..).unwrap_or("");
    let rest = rest.trim_start_matches(';').trim_start();
    ["return Err", "Err(", "bail!", "err!", "anyhow::bail!", "eyre::bail!", "return Err("]
        .iter()
        .any(|p| rest.starts_with(p))
}
