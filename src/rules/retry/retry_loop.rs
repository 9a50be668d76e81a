//! Shared by the missing-retry rules: recognises a hand-written retry loop by
//! its shape and says how it paces and bounds its attempts. Not a rule itself.
//!
//! A retry loop is a `for`/`while`/`do` loop whose body holds a `try` that
//! protects a call to something outside the process, exits the loop when the
//! call succeeds (`break`/`return` in the `try` body, its `else`, or after
//! the `try`; or a `while not done` flag set there), and has a handler that
//! falls through to the next iteration. Loops over alternatives (`for url in
//! urls: try: return get(url)`) use the loop variable in the `try` and are
//! not retries. Only the loop's own subtree is scanned, never the file.

use tree_sitter::Node;

use crate::catalog::retry::LangRetry;
use crate::engine::Checker;
use crate::lang::{NodeExt, node_text, python as py, typescript as ts, walk};
use crate::source::Grammar;

pub use crate::analysis::retry::Pause;

/// What a retry loop looks like.
#[derive(Debug, Clone)]
pub struct RetryLoop<'t> {
    /// The call the loop retries (the first one that leaves the process).
    pub call: Node<'t>,
    pub pause: Pause,
    /// A fixed pause's length in milliseconds, when written as a number.
    pub fixed_ms: Option<u64>,
    /// The loop stops after a number of attempts or a deadline.
    pub bounded: bool,
    /// End byte of the loop header (up to `:` or the closing `)`).
    pub header_end: usize,
}

fn cat<'a>(cx: &Checker<'a, '_>) -> &'a LangRetry {
    let catalog: &'a crate::catalog::Catalog = cx.catalog;
    if cx.grammar() == Grammar::Python { &catalog.retry.python } else { &catalog.retry.javascript }
}

fn is_py(cx: &Checker<'_, '_>) -> bool {
    cx.grammar() == Grammar::Python
}

fn is_function(kind: &str) -> bool {
    matches!(kind, "function_definition" | "lambda" | "class_definition" | "class_declaration" | "class")
        || ts::FUNCTION_KINDS.contains(&kind)
}

fn is_loop(kind: &str) -> bool {
    matches!(kind, "for_statement" | "while_statement" | "for_in_statement" | "do_statement")
}

/// Analyzes a loop node; `None` when it is not a retry loop.
pub fn analyze<'t>(lp: Node<'t>, cx: &Checker<'_, 't>) -> Option<RetryLoop<'t>> {
    let body = lp.field("body")?;
    let src = cx.src;
    let loop_vars = loop_variables(lp, src);
    // `while not done:` / `while (!ok)`: a flag set on success ends the loop.
    let flag = while_flag(lp, src);

    // Candidate `try` statements that belong to this loop.
    let mut tries = Vec::new();
    walk(body, &mut |n| {
        let k = n.kind();
        if is_function(k) || is_loop(k) {
            return false;
        }
        if k == "try_statement" {
            tries.push(n);
        }
        true
    });
    if iterates_alternatives(lp, body, &loop_vars, src) || at_most_two_passes(lp, src) || interactive(body, cx) {
        return None;
    }
    let mut found = None;
    for t in tries {
        if let Some(call) = retry_try(t, body, cx, &loop_vars, flag.as_deref()) {
            found = Some(call);
            break;
        }
    }
    let call = found?;
    let (pause, fixed_ms) = pause_of(body, cx, &loop_vars);
    let bounded = bounded(lp, body, cx);
    let header_end = body.start_byte();
    let header_end = src[..header_end].trim_end().len();
    Some(RetryLoop { call, pause, fixed_ms, bounded, header_end })
}

/// Names the loop header binds (`attempt` in `for attempt in range(3)`,
/// `i` in `for (let i = 0; ...)`).
fn loop_variables(lp: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let target = match lp.kind() {
        "for_statement" => lp.field("left").or_else(|| lp.field("initializer")),
        "for_in_statement" => lp.field("left"),
        _ => None,
    };
    if let Some(t) = target {
        walk(t, &mut |n| {
            if n.kind() == "identifier" {
                let s = node_text(n, src);
                // A declaration's value (`let i = start`) is not a loop variable,
                // but it is harmless to include: it rarely appears in the call.
                if s != "_" && !s.starts_with("_") {
                    out.push(s.to_string());
                }
            }
            true
        });
    }
    out
}

/// `for url in urls:` (or `for (const x of xs)`) whose body uses the item:
/// each iteration tries something different, so it is a fallback, not a retry.
fn iterates_alternatives(lp: Node<'_>, body: Node<'_>, loop_vars: &[String], src: &str) -> bool {
    let iter = match lp.kind() {
        "for_statement" => lp.field("right"),
        "for_in_statement" => lp.field("right"),
        _ => None,
    };
    let Some(iter) = iter else { return false };
    let it = node_text(iter, src);
    if it.starts_with("range(len(") {
        // `for i in range(len(urls))`: indexes alternatives.
        return !loop_vars.is_empty() && mentions(body, loop_vars, src);
    }
    if ["range(", "xrange(", "itertools.count(", "count(", "itertools.repeat(", "repeat("]
        .iter()
        .any(|p| it.starts_with(p))
    {
        return false;
    }
    !loop_vars.is_empty() && mentions(body, loop_vars, src)
}

/// `for attempt in range(2)`, or a countdown from 2 (`tries_left = 2` before
/// the loop, `tries_left -= 1` in it): one retry at most is not a stampede.
fn at_most_two_passes(lp: Node<'_>, src: &str) -> bool {
    if lp.kind() == "while_statement"
        && let Some(body) = lp.field("body")
    {
        let mut countdown: Vec<String> = Vec::new();
        walk(body, &mut |n| {
            if n.kind() == "augmented_assignment"
                && n.child(1).is_some_and(|op| op.kind() == "-=")
                && let Some(l) = n.field("left")
            {
                countdown.push(node_text(l, src).to_string());
            }
            !is_function(n.kind())
        });
        if countdown.is_empty() {
            return false;
        }
        // The countdown is set in the function before the loop: look back to
        // its `def`, at most 4 KB (searching back to the file's start for
        // every loop made time grow with the square of the file's size).
        let window = src.floor_char_boundary(lp.start_byte().saturating_sub(4096));
        let before = &src[window..lp.start_byte()];
        let start = before.rfind("def ").unwrap_or(0);
        let before = &before[start..];
        return countdown.iter().any(|c| ["1", "2"].iter().any(|v| before.contains(&format!("{c} = {v}\n"))));
    }
    if lp.kind() != "for_statement" {
        return false;
    }
    let Some(iter) = lp.field("right") else { return false };
    let it = node_text(iter, src).replace(' ', "");
    matches!(it.as_str(), "range(1)" | "range(2)" | "range(0,2)" | "range(1,3)" | "range(1,2)" | "range(0,1)")
}

/// The loop asks a person again (`input()`, `prompt()`): no dependency is retried.
fn interactive(body: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let names = &cat(cx).interactive_calls;
    let mut found = false;
    walk(body, &mut |n| {
        if matches!(n.kind(), "call" | "call_expression")
            && let Some(c) = callee(n)
        {
            let text = node_text(c, cx.src);
            let last = text.rsplit('.').next().unwrap_or(text);
            if names.iter().any(|x| x == last) {
                found = true;
            }
        }
        !found
    });
    found
}

/// The flag in `while not done:` / `while (!done)`.
fn while_flag(lp: Node<'_>, src: &str) -> Option<String> {
    if !matches!(lp.kind(), "while_statement" | "do_statement") {
        return None;
    }
    let cond = lp.field("condition")?;
    let text: String = node_text(cond, src).split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim_start_matches('(').trim_end_matches(')').trim();
    let name = text.strip_prefix("not ").or_else(|| text.strip_prefix('!'))?.trim();
    let simple = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    simple.then(|| name.to_string())
}

/// Statements that make up the handler clauses of a `try`.
fn handlers(t: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = t.walk();
    let mut out: Vec<Node<'_>> =
        t.children(&mut cursor).filter(|c| matches!(c.kind(), "except_clause" | "except_group_clause")).collect();
    if let Some(h) = t.field("handler") {
        out.push(h);
    }
    out
}

/// The block of an `except` clause or the body of a `catch` clause.
fn handler_block(h: Node<'_>) -> Option<Node<'_>> {
    if let Some(b) = h.field("body") {
        return Some(b);
    }
    let mut cursor = h.walk();
    h.children(&mut cursor).filter(|c| c.kind() == "block").last()
}

/// When `t` is the `try` of a retry: the call it retries.
fn retry_try<'t>(
    t: Node<'t>,
    loop_body: Node<'t>,
    cx: &Checker<'_, 't>,
    loop_vars: &[String],
    flag: Option<&str>,
) -> Option<Node<'t>> {
    let src = cx.src;
    let try_body = t.field("body")?;
    let hs = handlers(t);
    if hs.is_empty() {
        return None;
    }
    // At least one handler falls through to the next attempt.
    let mut falls_through = false;
    for h in &hs {
        if is_py(cx) && (catches_only_local(*h, cx) || catches_only_timeouts(*h, cx)) {
            continue;
        }
        let Some(block) = handler_block(*h) else { continue };
        let text = node_text(*h, src);
        if cat(cx).conflict_markers.iter().any(|m| text.contains(m.as_str())) {
            // A conflict retry (optimistic concurrency): retrying at once is right.
            return None;
        }
        let stmts = crate::lang::named_children(block);
        let last = stmts.iter().rev().find(|s| s.kind() != "comment");
        let exits = last.is_some_and(|s| {
            matches!(s.kind(), "raise_statement" | "throw_statement" | "return_statement" | "break_statement")
        });
        if !exits {
            falls_through = true;
        }
    }
    if !falls_through {
        return None;
    }
    // The loop stops once the call succeeds.
    let mut exit_scopes = vec![try_body];
    let mut cursor = t.walk();
    exit_scopes.extend(t.children(&mut cursor).filter(|c| c.kind() == "else_clause"));
    // Statements after the `try` at the same level of the loop body.
    if t.parent() == Some(loop_body) {
        let mut next = t.next_named_sibling();
        while let Some(n) = next {
            exit_scopes.push(n);
            next = n.next_named_sibling();
        }
    }
    // After the `try`, only an unconditional `break`/`return` at the loop's
    // own level counts (`except: continue` then `break`): a conditional one
    // is pagination or a state check, not "stop once it worked".
    let exits = exit_scopes.iter().any(|s| {
        if s.parent() == Some(loop_body) && s.id() != t.id() && s.kind() != "else_clause" {
            matches!(s.kind(), "break_statement" | "return_statement")
        } else {
            has_exit(*s, flag, src)
        }
    });
    if !exits {
        return None;
    }
    // The protected body calls something outside the process, and does not
    // work through the loop variable (`for url in urls`: alternatives).
    let mut uses_var = false;
    let mut call = None;
    walk(try_body, &mut |n| {
        let k = n.kind();
        if is_function(k) && k != "arrow_function" {
            return false;
        }
        if matches!(k, "call" | "call_expression" | "new_expression") && is_outbound(n, cx) {
            // `attempt` logged or counted is fine; a loop variable inside the
            // call picks an alternative (`get(urls[i])`), which is no retry.
            if !loop_vars.is_empty() && mentions(n, loop_vars, src) {
                uses_var = true;
            }
            if call.is_none() {
                call = Some(n);
            }
        }
        true
    });
    if uses_var {
        return None;
    }
    let call = call?;
    let shown = callee(call).map(|c| node_text(c, src)).unwrap_or("");
    let last = shown.rsplit('.').next().unwrap_or(shown);
    if cat(cx).self_paced.iter().any(|w| last.contains(w.as_str())) {
        return None;
    }
    // The handler changes what the next attempt sends (`history = ...`,
    // `port += 1`): a new request, not a retry of the same one.
    // A handler that loops is repairing (running migrations, trying other
    // sources) before the next attempt.
    let blocks: Vec<Node<'t>> = hs.iter().filter_map(|h| handler_block(*h)).collect();
    let changed: Vec<String> = blocks.iter().flat_map(|b| rebound_names(*b, src)).collect();
    if (!changed.is_empty() && mentions_any(try_body, &changed, src)) || blocks.iter().any(|b| contains_loop(*b)) {
        return None;
    }
    // `port += 1` in the handler, `listen(port)` in the call.
    let updated: Vec<String> = blocks.iter().flat_map(|b| assigned_names(*b, src)).collect();
    if !updated.is_empty() && call.field("arguments").is_some_and(|a| mentions(a, &updated, src)) {
        return None;
    }
    // A project retry helper (`def call_with_retry(fn, ...)`) retries whatever
    // its callers hand it: treat its call as remote.
    let helper = cx.ctx.function().and_then(|(f, _)| f.name.as_deref()).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n.contains("retry") || n.contains("retries")
    });
    let remote = helper
        || network_call(call, cx)
        || remote_hint(call, cx)
        || (is_py(cx) && hs.iter().any(|h| catches_remote(*h, cx)));
    remote.then_some(call)
}

/// The call is in the network catalog (local file I/O does not count).
fn network_call<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let Some(c) = callee(call) else { return false };
    let Some(r) = cx.resolve(c) else { return false };
    if !r.bound && !matches!(r.path.as_str(), "fetch") {
        return false;
    }
    let py = is_py(cx);
    let net = &cx.catalog.network;
    let ctor = r.instance_parts().map(|(c, _)| c).unwrap_or("");
    net.entries(py).iter().any(|e| e.paths.iter().any(|p| *p == r.path || (!ctor.is_empty() && *p == ctor)))
}

/// The callee's text names something remote (`client`, `session`, `api`, ...).
fn remote_hint<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let Some(c) = callee(call) else { return false };
    let text = node_text(c, cx.src).to_ascii_lowercase();
    cat(cx).remote_hints.iter().any(|h| text.contains(h.as_str()))
}

/// The `except` clause names a network or database failure.
fn catches_remote(clause: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    let mut found = false;
    let mut cursor = clause.walk();
    for c in clause.named_children(&mut cursor) {
        if matches!(c.kind(), "block" | "comment") {
            continue;
        }
        let text = node_text(c, src);
        if cat(cx).remote_exceptions.iter().any(|e| text.contains(e.as_str())) {
            found = true;
        }
    }
    found
}

/// Names a block rebinds with a plain assignment (`x = ...`, `a, b = ...`,
/// `self.x = ...`), not counters (`n += 1`).
fn rebound_names(block: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(block, &mut |n| {
        if is_function(n.kind()) {
            return false;
        }
        if matches!(n.kind(), "assignment" | "assignment_expression")
            && let Some(left) = n.field("left")
        {
            walk(left, &mut |t| {
                match t.kind() {
                    "identifier"
                        if t.parent().is_none_or(|p| !matches!(p.kind(), "attribute" | "member_expression")) =>
                    {
                        out.push(node_text(t, src).to_string())
                    }
                    "attribute" | "member_expression" => {
                        out.push(node_text(t, src).to_string());
                        return false;
                    }
                    _ => {}
                }
                true
            });
        }
        true
    });
    out
}

/// An identifier, attribute or member expression in `node` whose text is one of `names`.
fn mentions_any(node: Node<'_>, names: &[String], src: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        if matches!(n.kind(), "identifier" | "attribute" | "member_expression")
            && names.iter().any(|v| v == node_text(n, src))
        {
            found = true;
        }
        !found
    });
    found
}

/// A `for`/`while` loop inside `block` (not in nested functions).
fn contains_loop(block: Node<'_>) -> bool {
    let mut found = false;
    walk(block, &mut |n| {
        if is_function(n.kind()) {
            return false;
        }
        if is_loop(n.kind()) {
            found = true;
        }
        !found
    });
    found
}

/// True when an identifier in `node` is one of `names`.
fn mentions(node: Node<'_>, names: &[String], src: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        if n.kind() == "identifier" && names.iter().any(|v| v == node_text(n, src)) {
            found = true;
        }
        !found
    });
    found
}

/// A `break`/`return` (or the `while not done` flag set) in `scope`, outside
/// nested loops and functions.
fn has_exit(scope: Node<'_>, flag: Option<&str>, src: &str) -> bool {
    let mut found = false;
    walk(scope, &mut |n| {
        let k = n.kind();
        if found || is_function(k) || (is_loop(k) && n.id() != scope.id()) {
            return false;
        }
        if matches!(k, "break_statement" | "return_statement") {
            found = true;
        }
        if let Some(f) = flag
            && matches!(k, "assignment" | "assignment_expression")
            && n.field("left").is_some_and(|l| node_text(l, src) == f)
        {
            found = true;
        }
        !found
    });
    found
}

/// The `except` clause catches only timeouts: each failed attempt already
/// waited that long, so the loop paces itself.
fn catches_only_timeouts(clause: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    let types = except_types(clause);
    !types.is_empty()
        && types.iter().all(|t| {
            let text = node_text(*t, src);
            let last = text.rsplit('.').next().unwrap_or(text);
            cat(cx).timeout_exceptions.iter().any(|e| last.ends_with(e.as_str()))
        })
}

fn except_types(clause: Node<'_>) -> Vec<Node<'_>> {
    let mut types: Vec<Node<'_>> = Vec::new();
    let mut cursor = clause.walk();
    for c in clause.named_children(&mut cursor) {
        match c.kind() {
            "block" | "comment" => {}
            "as_pattern" => {
                if let Some(e) = c.named_child(0) {
                    flatten(e, &mut types);
                }
            }
            _ => flatten(c, &mut types),
        }
    }
    types
}

/// The `except` clause catches only exceptions that mean bad input or local state.
fn catches_only_local(clause: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let cat = cat(cx);
    let src = cx.src;
    let mut types: Vec<Node<'_>> = Vec::new();
    let mut cursor = clause.walk();
    for c in clause.named_children(&mut cursor) {
        match c.kind() {
            "block" | "comment" => {}
            "as_pattern" => {
                if let Some(e) = c.named_child(0) {
                    flatten(e, &mut types);
                }
            }
            _ => flatten(c, &mut types),
        }
    }
    !types.is_empty()
        && types.iter().all(|t| {
            let text = node_text(*t, src);
            let last = text.rsplit('.').next().unwrap_or(text);
            cat.local_exceptions.iter().any(|e| e == text || e == last)
        })
}

fn flatten<'t>(n: Node<'t>, out: &mut Vec<Node<'t>>) {
    match n.kind() {
        "tuple" | "parenthesized_expression" | "expression_list" => {
            let mut cursor = n.walk();
            for c in n.named_children(&mut cursor) {
                flatten(c, out);
            }
        }
        _ => out.push(n),
    }
}

/// The callee of a call or `new` expression.
fn callee(call: Node<'_>) -> Option<Node<'_>> {
    call.field("function").or_else(|| call.field("constructor"))
}

/// The resolved path of a callee, or its text when the model cannot follow it.
fn callee_path<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> String {
    let Some(c) = callee(call) else { return String::new() };
    cx.resolve(c).map(|r| r.path).unwrap_or_else(|| node_text(c, cx.src).to_string())
}

/// A call that may reach another process: not a listed local call, not a
/// pause, not a logger.
fn is_outbound<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let cat = cat(cx);
    let path = callee_path(call, cx);
    if path.is_empty() || LangRetry::listed(&cat.local_calls, &path) || sleep_kind(call, cx).is_some() {
        return false;
    }
    let last = path.rsplit('.').next().unwrap_or(&path);
    let recv = path.rsplit_once('.').map(|(r, _)| r.rsplit('.').next().unwrap_or(r)).unwrap_or("");
    let errors = &cx.catalog.errors;
    let logs = if is_py(cx) { &errors.python } else { &errors.js };
    let is_log = logs.logger_methods.iter().any(|m| m == last)
        && (logs.logger_names.iter().any(|n| n == recv)
            || logs.logger_name_suffixes.iter().any(|s| recv.ends_with(s.as_str()))
            || recv == "console");
    !is_log
}

/// When `call` pauses: whether its delay grows.
fn sleep_kind<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> Option<Option<Node<'t>>> {
    let c = callee(call)?;
    let path = cx.resolve(c).map(|r| r.path).unwrap_or_else(|| node_text(c, cx.src).to_string());
    pause_call(cat(cx), call, &path, is_py(cx))
}

/// When `call`, whose callee resolves to `path`, pauses (a catalog sleep
/// call, a sleep helper by name, a helper whose name says it backs off):
/// its delay argument, or `None` when the pace cannot be read from it.
/// Shared with the function summaries, which record a pause a project
/// helper makes for the retry loops that call it.
pub(crate) fn pause_call<'t>(cat: &LangRetry, call: Node<'t>, path: &str, python: bool) -> Option<Option<Node<'t>>> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let args: Vec<Node<'t>> = if python { py::positional_args(call) } else { ts::call_args(call) };
    let by_path = LangRetry::listed(&cat.sleep_calls, path);
    let by_name = cat.sleep_names.iter().any(|n| n == last);
    let lower = last.to_ascii_lowercase();
    let by_marker = cat.backoff_markers.iter().any(|m| last.contains(m.as_str()))
        || (!by_path
            && !cat.sleep_names.iter().any(|n| n == last)
            && (lower.contains("sleep") || lower.contains("backoff")));
    if !(by_path || by_name || by_marker) {
        return None;
    }
    // `setTimeout(resolve, ms)`: the delay is the second argument.
    let delay_idx = if last == "setTimeout" && !path.contains("timers/promises") { 1 } else { 0 };
    let delay = args.get(delay_idx).copied();
    if by_name && !by_path && delay.is_none() {
        // `event.wait()`, `sleep()`: blocks until something changes, or a
        // project helper that picks its own delay: paced in a way we cannot read.
        return Some(None);
    }
    if by_marker {
        return Some(None);
    }
    Some(delay)
}

/// How the loop pauses: the strongest pause found anywhere in its body
/// (callbacks included: `await new Promise(r => setTimeout(r, ms))`), and
/// the shortest fixed pause written as a number (Python's `time.sleep(5)` in
/// seconds, `setTimeout(r, 500)` in milliseconds).
fn pause_of<'t>(body: Node<'t>, cx: &Checker<'_, 't>, loop_vars: &[String]) -> (Pause, Option<u64>) {
    let src = cx.src;
    let mut pause = Pause::None;
    let mut fixed_ms: Option<u64> = None;
    let mut unread_fixed = false;
    let assigned = assigned_names(body, src);
    walk(body, &mut |n| {
        if !matches!(n.kind(), "call" | "call_expression") {
            return true;
        }
        let Some(kind) = sleep_kind(n, cx) else {
            // A project helper that pauses itself (`backoff_sleep(attempt)`
            // in another module, `await waitBeforeRetry(n)`): the function
            // summaries saw its `time.sleep`/`setTimeout`.
            if let Some((_, f)) = cx.facts.summary_of_call(&cx.file.path, n.start_byte())
                && let Some((grows, _)) = &f.reach.pause
            {
                if !*grows {
                    unread_fixed = true;
                }
                pause = if *grows { Pause::Growing } else { pause.max(Pause::Fixed) };
            }
            return true;
        };
        let grows = match kind {
            // A helper whose name says it backs off, or that takes no delay.
            None => true,
            Some(delay) => delay_grows(delay, cx, loop_vars, &assigned),
        };
        if !grows && let Some(delay) = kind {
            match fixed_delay_ms(n, delay, cx) {
                Some(ms) => fixed_ms = Some(fixed_ms.map_or(ms, |m| m.min(ms))),
                None => unread_fixed = true,
            }
        }
        pause = if grows { Pause::Growing } else { pause.max(Pause::Fixed) };
        true
    });
    (pause, if unread_fixed { None } else { fixed_ms })
}

/// A fixed delay written as a number: seconds for Python's sleeps, milliseconds
/// for `setTimeout` and `timers/promises`; other JS helpers' units are unknown.
fn fixed_delay_ms<'t>(call: Node<'t>, delay: Node<'t>, cx: &Checker<'_, 't>) -> Option<u64> {
    let text = node_text(delay, cx.src);
    if is_py(cx) {
        return crate::analysis::retry::number_ms(text, 1000.0);
    }
    let path = callee_path(call, cx);
    let last = path.rsplit('.').next().unwrap_or(&path);
    (last == "setTimeout" || path.contains("timers/promises"))
        .then(|| crate::analysis::retry::number_ms(text, 1.0))
        .flatten()
}

/// Names (and `self.x`/`this.x`) assigned or updated inside the loop body.
fn assigned_names(body: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(body, &mut |n| {
        let target = match n.kind() {
            "assignment" | "augmented_assignment" | "assignment_expression" | "augmented_assignment_expression" => {
                n.field("left")
            }
            "update_expression" => n.field("argument").or_else(|| n.named_child(0)),
            "variable_declarator" => n.field("name"),
            _ => None,
        };
        if let Some(t) = target {
            out.push(node_text(t, src).to_string());
        }
        true
    });
    out
}

/// The delay expression grows with the attempt, varies (jitter), or is
/// computed in the loop.
fn delay_grows(delay: Node<'_>, cx: &Checker<'_, '_>, loop_vars: &[String], assigned: &[String]) -> bool {
    let src = cx.src;
    let text = node_text(delay, src);
    let cat = cat(cx);
    if cat.growth_markers.iter().any(|m| text.contains(m.as_str())) {
        return true;
    }
    let mut grows = false;
    walk(delay, &mut |n| {
        match n.kind() {
            // A computed delay (`min(2 ** i, 30)`, `self.delay_for(attempt)`).
            "call" | "call_expression" => grows = true,
            "identifier" | "attribute" | "member_expression" => {
                let t = node_text(n, src);
                if loop_vars.iter().any(|v| v == t) || assigned.iter().any(|a| a == t) {
                    grows = true;
                }
            }
            _ => {}
        }
        !grows
    });
    grows
}

/// The loop stops on its own: a counted `for`, a `while` with a comparison or
/// a counter, or a guard in the body that leaves after too many attempts or
/// past a deadline.
fn bounded(lp: Node<'_>, body: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    match lp.kind() {
        "for_statement" if is_py(cx) => {
            let iter = lp.field("right").map(|r| node_text(r, src)).unwrap_or("");
            if !(iter.starts_with("itertools.count") || iter.starts_with("count(")) {
                return true;
            }
        }
        "for_in_statement" => return true,
        "for_statement" => {
            if lp.field("condition").is_some_and(|c| !node_text(c, src).trim().trim_end_matches(';').is_empty()) {
                return true;
            }
        }
        _ => {
            if let Some(cond) = lp.field("condition") {
                let text = node_text(cond, src);
                let t = text.trim().trim_start_matches('(').trim_end_matches(')').trim();
                if !matches!(t, "True" | "true" | "1") && bounded_condition(cond, body, src) {
                    return true;
                }
            }
        }
    }
    // A guard in the body: `if attempt >= 5: raise`, `if (Date.now() > deadline) break`.
    let mut guard = false;
    walk(body, &mut |n| {
        let k = n.kind();
        if guard || is_function(k) || (is_loop(k) && n.id() != body.id()) {
            return false;
        }
        if k == "if_statement"
            && let Some(cond) = n.field("condition")
            && has_comparison(cond, src)
            && let Some(cons) = n.field("consequence")
            && leaves(cons, &cat(cx).exit_calls, src)
        {
            guard = true;
        }
        !guard
    });
    guard
}

/// `while attempts < 5`, `while time.monotonic() < deadline`, `while retries:`
/// with `retries -= 1` in the body.
fn bounded_condition(cond: Node<'_>, body: Node<'_>, src: &str) -> bool {
    if has_comparison(cond, src) {
        return true;
    }
    let t = node_text(cond, src).trim().trim_start_matches('(').trim_end_matches(')').trim();
    let assigned = assigned_names(body, src);
    if assigned.iter().any(|a| a == t) {
        return true;
    }
    // `while not retried:` with `retried = True` set on every pass, outside
    // any `try`: at most a fixed number of passes.
    let flag = t.strip_prefix("not ").or_else(|| t.strip_prefix('!')).map(str::trim);
    flag.is_some_and(|f| {
        crate::lang::named_children(body)
            .into_iter()
            .any(|stmt| stmt.kind() == "expression_statement" && assigned_names(stmt, src).iter().any(|a| a == f))
    })
}

fn has_comparison(cond: Node<'_>, src: &str) -> bool {
    let mut found = false;
    walk(cond, &mut |n| {
        if matches!(n.kind(), "comparison_operator" | "binary_expression") {
            let text = node_text(n, src);
            if text.contains('<') || text.contains('>') || text.contains("==") {
                found = true;
            }
        }
        !found
    });
    found
}

/// The block leaves the loop or the function (raise, throw, return, break,
/// `sys.exit`).
fn leaves(block: Node<'_>, exits: &[String], src: &str) -> bool {
    let mut found = false;
    walk(block, &mut |n| {
        let k = n.kind();
        if found || is_function(k) || (is_loop(k) && n.id() != block.id()) {
            return false;
        }
        if matches!(k, "raise_statement" | "throw_statement" | "return_statement" | "break_statement") {
            found = true;
        }
        if matches!(k, "call" | "call_expression")
            && let Some(c) = callee(n)
            && exits.iter().any(|e| e == node_text(c, src))
        {
            found = true;
        }
        !found
    });
    found
}

/// Short text of a callee for messages: the resolved path when the text is
/// long or chained, else the text as written.
pub fn shown_callee<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> String {
    let Some(c) = callee(call) else { return String::new() };
    let text: String = node_text(c, cx.src).split_whitespace().collect();
    let text = if text.len() > 40 || text.contains('(') {
        cx.resolve(c).map(|r| r.path.replace("().", ".")).unwrap_or(text)
    } else {
        text
    };
    let text = if text.len() > 60 { format!("{}...", &text[..text.floor_char_boundary(57)]) } else { text };
    if call.kind() == "new_expression" { format!("new {text}") } else { text }
}
