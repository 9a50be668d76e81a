//! Handler-intent evidence: what an exception handler does with the error it
//! caught, and whether dropping it is a shape a reviewer reads as intended.
//! Shared by the swallowed-exception rules (PP101 `exception-swallowed`,
//! PP102 `io-error-swallowed`, PP104 `exception-cause-dropped`), for Python,
//! TypeScript/JavaScript and (through [`rust_intent`] and friends) Rust.
//!
//! A handler is a Python `except` clause, a JS `catch` clause, or a promise
//! rejection handler (`.catch(fn)`, `.then(ok, fn)`). [`analyze`] scans the
//! handler's own subtree and its `try` body once (never the whole file) and
//! answers: is it broad, does its body only discard the error, does it log,
//! report, re-raise or use the error, and which [`Intent`] (probe,
//! parse-or-default, not-found mapping, optional import, cleanup,
//! non-blocking branch, idempotent schema change, documented reason,
//! telemetry, a callee that reports, a validation default) explains the drop.
//! The one per-project fact it needs, which project functions report the
//! exception in flight, is gathered in the facts phase by
//! [`ReportingFunctionFacts`]. Knowledge (loggers, reporters, idioms, I/O,
//! cleanup and telemetry calls) comes from `rules/catalog/errors.toml`.

use tree_sitter::Node;

use crate::catalog::errors::LangErrors;
use crate::catalog::secrets::split_words;
use crate::engine::Checker;
use crate::engine::facts::ProjectFacts;
use crate::engine::rust::RustChecker;
use crate::lang::{NodeExt, node_text, walk};
use crate::source::{Grammar, Span};

/// Where a handler comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// Python `except` (or `except*`) clause.
    Except,
    /// JS `catch` clause.
    Catch,
    /// JS promise rejection handler passed to `.catch` or `.then`.
    Promise,
}

/// The facts the rules need about one handler.
#[derive(Debug, Clone)]
pub struct Handler<'t> {
    pub kind: HandlerKind,
    /// The `except`/`catch` clause, or the handler argument of a promise call.
    pub node: Node<'t>,
    /// What to underline: the clause header, or the handler argument.
    pub span: Span,
    /// Python: the caught exception types (tuples flattened); empty for a
    /// bare `except:`.
    pub types: Vec<Node<'t>>,
    /// The handler catches `Exception`/`BaseException` or everything.
    pub broad: bool,
    /// The body only discards the error (`pass`, `continue`, a constant
    /// return, an empty block, a no-op callback).
    pub discards: bool,
    /// The body names the exception, reads it (`sys.exc_info`, `traceback`),
    /// reports it (Sentry), hands it on (`next(err)`) or raises.
    pub handles: bool,
    /// Logging calls in the body.
    pub logs: usize,
    /// One of the logging calls attaches the exception implicitly
    /// (`logger.exception`, `exc_info=True`).
    pub logs_exception: bool,
    /// Why dropping the error is intended, when the handler shows it.
    pub intent: Option<Accepted>,
}

/// Analyzes a Python `except_clause`, a JS `catch_clause`, or a promise
/// handler argument (`kind == Promise`, `node` = the argument).
pub fn analyze<'t>(node: Node<'t>, kind: HandlerKind, cx: &Checker<'_, 't>) -> Option<Handler<'t>> {
    match kind {
        HandlerKind::Except => analyze_except(node, cx),
        HandlerKind::Catch => analyze_catch(node, cx),
        HandlerKind::Promise => analyze_promise(node, cx),
    }
}

fn py<'a>(cx: &Checker<'a, '_>) -> &'a LangErrors {
    let catalog: &'a crate::catalog::Catalog = cx.catalog;
    &catalog.errors.python
}

fn js<'a>(cx: &Checker<'a, '_>) -> &'a LangErrors {
    let catalog: &'a crate::catalog::Catalog = cx.catalog;
    &catalog.errors.js
}

// ---------------------------------------------------------------- Python

fn analyze_except<'t>(clause: Node<'t>, cx: &Checker<'_, 't>) -> Option<Handler<'t>> {
    let cat = py(cx);
    let src = cx.src;
    let mut type_expr = None;
    let mut names: Vec<&str> = Vec::new();
    let mut body = None;
    let mut header_end = clause.end_byte();
    let mut cursor = clause.walk();
    for child in clause.children(&mut cursor) {
        match child.kind() {
            "block" => body = Some(child),
            ":" if body.is_none() => header_end = child.end_byte(),
            "as_pattern" => {
                type_expr = child.named_child(0);
                if let Some(alias) = child.field("alias").or_else(|| last_named(child)) {
                    collect_identifiers(alias, src, &mut names);
                }
            }
            "except" | "*" | "comment" | "," | "as" => {}
            _ if child.is_named() && type_expr.is_none() && body.is_none() => type_expr = Some(child),
            // Python 2 style `except E, e:` parses with a second expression.
            _ if child.is_named() && body.is_none() && child.kind() == "identifier" => {
                names.push(node_text(child, src))
            }
            _ => {}
        }
    }
    let body = body?;
    let mut types = Vec::new();
    if let Some(t) = type_expr {
        flatten_types(t, &mut types, 0);
    }
    let broad = types.is_empty() || types.iter().any(|t| is_broad_py(*t, cx, cat));
    let stmts = statements(body);
    let discards = !stmts.is_empty() && stmts.iter().all(|s| discards_py(*s, src) || calls_noop(*s, cx));
    let scan = scan(clause, body, &names, cx, cat, Grammar::Python);
    let intent = if scan.commented {
        Some(Accepted::new(Intent::Documented, "a comment in the handler"))
    } else if is_bool_probe(clause.parent(), &stmts, src, Grammar::Python) {
        Some(Accepted::new(Intent::Probe, "the `try` and the handler both return a boolean answer"))
    } else {
        intent_around(clause.parent(), &types, &scan, cx, cat)
            .or_else(|| checked_sentinel(clause.parent(), &stmts, cx, cat))
    };
    Some(Handler {
        kind: HandlerKind::Except,
        node: clause,
        span: Span::new(clause.start_byte(), header_end),
        types,
        broad,
        discards,
        handles: scan.handles,
        logs: scan.logs,
        logs_exception: scan.logs_exception,
        intent,
    })
}

fn last_named(node: Node<'_>) -> Option<Node<'_>> {
    let n = node.named_child_count();
    if n < 2 { None } else { node.named_child((n - 1) as u32) }
}

fn flatten_types<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>, depth: u32) {
    match node.kind() {
        // Past the bound the nested tuple stays one (unknown) type: no
        // recursion per level of `except ((((E))))`.
        "tuple" | "parenthesized_expression" | "expression_list" if depth < crate::lang::MAX_HELPER_DEPTH => {
            let mut cursor = node.walk();
            for c in node.named_children(&mut cursor) {
                if c.kind() != "comment" {
                    flatten_types(c, out, depth + 1);
                }
            }
        }
        _ => out.push(node),
    }
}

/// The resolved path of an exception type expression (`Exception`,
/// `requests.Timeout`, `Order.DoesNotExist`).
pub fn type_path<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<String> {
    match node.kind() {
        // Names the model cannot follow (parameters, locals) keep their text.
        "identifier" | "attribute" => {
            Some(cx.resolve(node).map(|r| r.path).unwrap_or_else(|| node_text(node, cx.src).to_string()))
        }
        _ => None,
    }
}

fn is_broad_py<'t>(node: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) -> bool {
    let Some(path) = type_path(node, cx) else { return false };
    LangErrors::any(&cat.broad_exceptions, &path)
}

/// True when the narrow exception type is an intentional idiom (catalog
/// `narrow_idioms`).
pub fn is_idiom_type<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> bool {
    let cat = py(cx);
    match type_path(node, cx) {
        Some(path) => LangErrors::any(&cat.narrow_idioms, &path),
        None => false,
    }
}

pub(crate) fn statements(body: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = body.walk();
    body.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect()
}

/// A statement that only calls a project function (in any module) whose
/// body does nothing: `ignore_error(e)` where `def ignore_error(e): pass`
/// ([`crate::analysis::summaries`]; module-level functions only, since an
/// empty method is usually a hook a subclass overrides).
fn calls_noop(stmt: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    if stmt.kind() != "expression_statement" || stmt.named_child_count() != 1 {
        return false;
    }
    let Some(mut call) = stmt.named_child(0) else { return false };
    if matches!(call.kind(), "await" | "await_expression")
        && let Some(inner) = call.named_child(0)
    {
        call = inner;
    }
    if !matches!(call.kind(), "call" | "call_expression") {
        return false;
    }
    cx.facts.summary_of_call(&cx.file.path, call.start_byte()).is_some_and(|(_, f)| f.noop && f.class.is_none())
}

pub(crate) fn discards_py(stmt: Node<'_>, src: &str) -> bool {
    match stmt.kind() {
        "pass_statement" | "continue_statement" | "break_statement" => true,
        "return_statement" => stmt.named_child(0).is_none_or(|v| is_constant_py(v, src, 0)),
        "expression_statement" => {
            stmt.named_child_count() == 1
                && stmt
                    .named_child(0)
                    .is_some_and(|e| matches!(e.kind(), "ellipsis" | "string" | "concatenated_string"))
        }
        _ => false,
    }
}

fn is_constant_py(node: Node<'_>, src: &str, depth: u32) -> bool {
    if depth > crate::lang::MAX_HELPER_DEPTH {
        return false;
    }
    match node.kind() {
        "none" | "true" | "false" | "integer" | "float" | "ellipsis" => true,
        "string" => {
            let mut cursor = node.walk();
            !node.named_children(&mut cursor).any(|c| c.kind() == "interpolation")
        }
        "unary_operator" => node.named_child(0).is_some_and(|n| matches!(n.kind(), "integer" | "float")),
        "list" | "dictionary" | "tuple" | "set" => {
            let mut cursor = node.walk();
            node.named_children(&mut cursor).all(|c| c.kind() == "comment")
        }
        "parenthesized_expression" => node.named_child(0).is_some_and(|n| is_constant_py(n, src, depth + 1)),
        "call" => {
            // `dict()`, `list()`, `set()`, `tuple()` with no arguments.
            let f = node.field("function").map(|f| node_text(f, src));
            let no_args = node.field("arguments").is_some_and(|a| a.named_child_count() == 0);
            no_args && matches!(f, Some("dict" | "list" | "set" | "tuple" | "str" | "frozenset"))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------- JS

fn analyze_catch<'t>(clause: Node<'t>, cx: &Checker<'_, 't>) -> Option<Handler<'t>> {
    let cat = js(cx);
    let src = cx.src;
    let body = clause.field("body")?;
    let mut names = Vec::new();
    if let Some(p) = clause.field("parameter") {
        collect_identifiers(p, src, &mut names);
    }
    let stmts = statements(body);
    let try_stmt = clause.parent();
    // A block that is empty or returns a fallback value discards a failure
    // only when the `try` awaits something or does synchronous I/O: around
    // pure synchronous code (parsing, feature detection, formatting) an empty
    // or defaulting catch is the ordinary parse-or-default idiom.
    let try_body = try_stmt.and_then(|t| t.field("body"));
    let risky = try_body.is_some_and(|b| awaits_in(b) || sync_io_in(b, src));
    let discards = stmts.iter().all(|s| discards_js(*s, src, true) || calls_noop(*s, cx)) && risky;
    let scan = scan(clause, body, &names, cx, cat, cx.grammar());
    let commented = scan.commented || trailing_comment(clause, src) || acknowledged_before(clause, src);
    let intent = if commented {
        Some(Accepted::new(Intent::Documented, "a comment in the handler"))
    } else if is_bool_probe(try_stmt, &stmts, src, cx.grammar()) {
        Some(Accepted::new(Intent::Probe, "the `try` and the handler both return a boolean answer"))
    } else if try_stmt.and_then(|t| t.field("body")).is_some_and(|b| is_parse_probe(b, cx, cat)) {
        Some(Accepted::new(Intent::ParseOrDefault, "the `try` only parses input"))
    } else {
        intent_around(try_stmt, &[], &scan, cx, cat)
    };
    let header_end = body.start_byte();
    Some(Handler {
        kind: HandlerKind::Catch,
        node: clause,
        span: Span::new(clause.start_byte(), trim_end(src, clause.start_byte(), header_end)),
        types: Vec::new(),
        broad: true,
        discards,
        handles: scan.handles,
        logs: scan.logs,
        logs_exception: scan.logs_exception,
        intent,
    })
}

fn trim_end(src: &str, start: usize, end: usize) -> usize {
    let s = src.get(start..end).unwrap_or("");
    start + s.trim_end().len()
}

fn analyze_promise<'t>(arg: Node<'t>, cx: &Checker<'_, 't>) -> Option<Handler<'t>> {
    let cat = js(cx);
    let src = cx.src;
    let mut names = Vec::new();
    let (discards, scan_root, body) = match arg.kind() {
        "arrow_function" | "function_expression" | "function" => {
            if let Some(p) = arg.field("parameter") {
                collect_identifiers(p, src, &mut names);
            }
            if let Some(ps) = arg.field("parameters") {
                collect_identifiers(ps, src, &mut names);
            }
            let body = arg.field("body")?;
            let discards = if body.kind() == "statement_block" {
                statements(body).iter().all(|s| discards_js(*s, src, false))
            } else {
                is_constant_js(body, src, 0)
            };
            (discards, arg, body)
        }
        "identifier" | "member_expression" => {
            let text = node_text(arg, src);
            let path = cx.resolve(arg).map(|r| r.path);
            let noop = cat.noop_handlers.iter().any(|n| n == text)
                || path.as_deref().is_some_and(|p| LangErrors::any(&cat.noop_handlers, p));
            if !noop {
                return None;
            }
            (true, arg, arg)
        }
        _ => return None,
    };
    let args = arg.parent().unwrap_or(arg);
    let mut scan = scan(scan_root, body, &names, cx, cat, cx.grammar());
    scan.commented |= comment_in(args, src) || trailing_comment(args, src) || leading_comment(args, src);
    let intent = if scan.commented {
        Some(Accepted::new(Intent::Documented, "a comment on the handler or the line above"))
    } else if let Some(c) = reason_above(arg, src) {
        Some(Accepted::new(Intent::Documented, c))
    } else if promise_probe(arg, cx) {
        Some(Accepted::new(Intent::Probe, "the promise settles to a constant either way"))
    } else if let Some(e) = discards.then(|| default_checked(arg, src)).flatten() {
        Some(Accepted::new(Intent::NotFound, e))
    } else {
        promise_intent(arg, &scan, cx, cat)
    };
    Some(Handler {
        kind: HandlerKind::Promise,
        node: arg,
        span: Span::of(arg),
        types: Vec::new(),
        broad: true,
        discards,
        handles: scan.handles,
        logs: scan.logs,
        logs_exception: scan.logs_exception,
        intent,
    })
}

/// `.then(() => undefined, () => undefined)` (wait for settlement) and
/// `.then(() => true).catch(() => false)` (a yes/no probe) are not drops.
fn promise_probe(arg: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let src = cx.src;
    let Some(call) = arg.parent().and_then(|a| a.parent()) else { return false };
    let constant_fn = |n: Node<'_>| {
        matches!(n.kind(), "arrow_function" | "function_expression")
            && n.field("body").is_some_and(|b| is_constant_js(b, src, 0))
    };
    let args = crate::lang::typescript::call_args(call);
    if args.len() == 2 && constant_fn(args[0]) {
        return true;
    }
    // `.then(() => true).catch(() => false)`
    call.field("function")
        .and_then(|f| f.field("object"))
        .filter(|o| o.kind() == "call_expression")
        .and_then(|o| {
            let callee = o.field("function")?;
            let prop = callee.field("property")?;
            (node_text(prop, src) == "then").then_some(o)
        })
        .is_some_and(|then_call| {
            crate::lang::typescript::call_args(then_call)
                .first()
                .is_some_and(|a| constant_fn(*a) || boolean_fn(*a, src))
        })
}

/// `(user) => !!user`, `(r) => Boolean(r)`, `(r) => r.ok === true`: a
/// `.then` that turns the value into a yes/no answer.
fn boolean_fn(n: Node<'_>, src: &str) -> bool {
    if !matches!(n.kind(), "arrow_function" | "function_expression") {
        return false;
    }
    let Some(body) = n.field("body") else { return false };
    let body = crate::lang::typescript::unwrap_expr(body);
    match body.kind() {
        "unary_expression" => body.field("operator").is_some_and(|o| node_text(o, src) == "!"),
        "binary_expression" => body
            .field("operator")
            .is_some_and(|o| matches!(node_text(o, src), "===" | "!==" | "==" | "!=" | ">" | "<" | ">=" | "<=")),
        "call_expression" => body.field("function").is_some_and(|f| node_text(f, src) == "Boolean"),
        _ => false,
    }
}

/// `const x = await load().catch(() => null); if (!x) throw notFound()`: the
/// fallback value is tested in the next few statements, so the handler maps
/// a failed lookup to the "not found" branch the code already has.
fn default_checked(arg: Node<'_>, src: &str) -> Option<String> {
    // The statement that binds the awaited result.
    let mut stmt = arg;
    for _ in 0..12 {
        stmt = stmt.parent()?;
        if matches!(stmt.kind(), "lexical_declaration" | "variable_declaration" | "expression_statement") {
            break;
        }
    }
    let mut names = Vec::new();
    match stmt.kind() {
        "lexical_declaration" | "variable_declaration" => {
            let mut cursor = stmt.walk();
            for d in stmt.named_children(&mut cursor).filter(|d| d.kind() == "variable_declarator") {
                if let Some(n) = d.field("name") {
                    collect_identifiers(n, src, &mut names);
                }
            }
        }
        "expression_statement" => {
            let a = stmt.named_child(0).filter(|a| a.kind() == "assignment_expression");
            if let Some(left) = a.and_then(|a| a.field("left")) {
                collect_identifiers(left, src, &mut names);
            }
        }
        _ => return None,
    }
    let mut next = stmt.next_named_sibling();
    for _ in 0..3 {
        let Some(n) = next else { break };
        if n.kind() == "if_statement"
            && let Some(cond) = n.field("condition")
        {
            let cond = node_text(cond, src);
            for name in &names {
                let tested = [
                    format!("!{name}"),
                    format!("{name} === null"),
                    format!("{name} == null"),
                    format!("{name} === undefined"),
                ]
                .iter()
                .any(|t| {
                    cond.match_indices(t.as_str()).any(|(i, _)| {
                        !cond[i + t.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$')
                    })
                });
                if tested {
                    return Some(format!("`{name}` is checked for the default right after"));
                }
            }
        }
        next = n.next_named_sibling();
    }
    None
}

/// A comment on the line right above the statement holding `node`.
fn leading_comment(node: Node<'_>, src: &str) -> bool {
    let mut stmt = node;
    while let Some(p) = stmt.parent() {
        if stmt.kind().ends_with("_statement") || stmt.kind() == "lexical_declaration" {
            break;
        }
        stmt = p;
    }
    let start = stmt.start_position().row;
    let mut prev = stmt.prev_sibling();
    while let Some(p) = prev.filter(|p| p.kind() == "comment") {
        if p.end_position().row + 1 >= start && meaningful_comment(node_text(p, src)) {
            return true;
        }
        prev = p.prev_sibling();
    }
    false
}

/// `allow_loop_jumps`: `continue`/`break` discard in a catch clause but are
/// not valid in a callback.
pub(crate) fn discards_js(stmt: Node<'_>, src: &str, allow_loop_jumps: bool) -> bool {
    match stmt.kind() {
        "empty_statement" => true,
        "continue_statement" | "break_statement" => allow_loop_jumps,
        "return_statement" => stmt.named_child(0).is_none_or(|v| is_constant_js(v, src, 0)),
        "expression_statement" => stmt.named_child(0).is_some_and(|e| e.kind() == "string"),
        _ => false,
    }
}

fn is_constant_js(node: Node<'_>, src: &str, depth: u32) -> bool {
    if depth > crate::lang::MAX_HELPER_DEPTH {
        return false;
    }
    match node.kind() {
        "null" | "undefined" | "true" | "false" | "number" | "string" => true,
        "identifier" => node_text(node, src) == "undefined",
        "template_string" => {
            let mut cursor = node.walk();
            !node.named_children(&mut cursor).any(|c| c.kind() == "template_substitution")
        }
        "array" | "object" => {
            let mut cursor = node.walk();
            node.named_children(&mut cursor).all(|c| c.kind() == "comment")
        }
        "unary_expression" => {
            let op = node.field("operator").map(|o| node_text(o, src));
            let arg = node.field("argument");
            match op {
                Some("void") => arg.is_some_and(|a| is_constant_js(a, src, depth + 1)),
                Some("-") | Some("!") => arg.is_some_and(|a| matches!(a.kind(), "number" | "true" | "false")),
                _ => false,
            }
        }
        "parenthesized_expression" | "as_expression" | "satisfies_expression" => {
            node.named_child(0).is_some_and(|n| is_constant_js(n, src, depth + 1))
        }
        _ => false,
    }
}

/// True when `node` awaits (outside nested functions).
fn awaits_in(node: Node<'_>) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        if n.kind() == "await_expression" {
            found = true;
        }
        !found && !crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind())
    });
    found
}

/// True when `node` calls a synchronous Node I/O API (`fs.writeFileSync`,
/// `execSync`), outside nested functions. Deleting with `unlinkSync`/`rmSync`
/// is cleanup where "already gone" is expected, so it does not count.
fn sync_io_in(node: Node<'_>, src: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        if n.kind() == "call_expression"
            && let Some(callee) = n.field("function")
        {
            let name = match callee.kind() {
                "member_expression" => callee.field("property").map(|p| node_text(p, src)),
                "identifier" => Some(node_text(callee, src)),
                _ => None,
            };
            if let Some(name) = name
                && name.ends_with("Sync")
                && !matches!(name, "unlinkSync" | "rmSync" | "rmdirSync" | "closeSync" | "existsSync")
            {
                found = true;
            }
        }
        !found && !crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind())
    });
    found
}

/// A `try` block that only calls input parsers (`JSON.parse`, `new URL`,
/// `require`): its failure means "not valid input", which the handler answers.
fn is_parse_probe<'t>(try_body: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) -> bool {
    let src = cx.src;
    let mut calls = 0;
    let mut all_probe = true;
    walk(try_body, &mut |n| {
        match n.kind() {
            "await_expression" => all_probe = false,
            "call_expression" | "new_expression" => {
                calls += 1;
                let callee = n.field("function").or_else(|| n.field("constructor"));
                let Some(callee) = callee else {
                    all_probe = false;
                    return true;
                };
                let text = node_text(callee, src);
                let path = cx.resolve(callee).map(|r| r.path).unwrap_or_default();
                let new_text = format!("new {text}");
                let ok = cat
                    .probe_calls
                    .iter()
                    .any(|p| p == text || *p == path || (n.kind() == "new_expression" && *p == new_text));
                // Nested calls inside a probe's arguments are its own business
                // only when they are probes too; keep scanning.
                if !ok {
                    all_probe = false;
                }
            }
            _ => {}
        }
        true
    });
    calls > 0 && all_probe
}

// ---------------------------------------------------------------- intent

/// Why a handler that drops its error is intended: each shape a reviewer
/// reads as deliberate. The swallowed-exception rules report a handler only
/// when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A yes/no question: the `try` returns a boolean and so does the
    /// handler, or a promise settles to a constant either way.
    Probe,
    /// The `try` only parses input (`int(s)`, `JSON.parse`, `new URL`), so
    /// the failure means "not valid" and the handler supplies the default.
    ParseOrDefault,
    /// The `try` only looks one record up with a call that throws on a miss
    /// (`Model.objects.get`, `findUniqueOrThrow`): the handler maps "not
    /// found" to its documented outcome.
    NotFound,
    /// The `try` only imports a module: an optional dependency.
    OptionalImport,
    /// The `try` only releases resources (close, unlink, rollback, kill),
    /// where "already gone" is the expected failure.
    Cleanup,
    /// The error is the non-blocking I/O "try again" (`BlockingIOError`,
    /// `EAGAIN`, `ErrorKind::WouldBlock`).
    NonBlocking,
    /// An idempotent schema change (`CREATE TABLE`, `ADD COLUMN`, a
    /// `Duplicate*` error): "already exists" is the expected failure.
    AlreadyExists,
    /// A comment gives the reason: in the handler, just above the `try`, or
    /// in the function's docstring or doc comment.
    Documented,
    /// The handler calls a project function that logs or reports the
    /// exception in flight.
    CalleeReports,
    /// Telemetry, metrics or analytics whose failure must never break the
    /// caller: the `try` only reports, or the function exists to report.
    Telemetry,
    /// A validation library's `.catch(default)` (zod), which declares a
    /// fallback value, not a promise rejection handler.
    SchemaDefault,
    /// The handler prints or logs the failure, or ends the process
    /// (`unwrap_or_else(|_| { eprintln!(..); process::exit(1) })`).
    ReportsAndExits,
    /// The function is a log sink writing to stdout/stderr: a failed log
    /// write has nowhere to be logged.
    LogSink,
    /// The `try` only reads local files (opened for reading) and computes
    /// from their text: a missing or unreadable file is the expected case,
    /// and the handler's default is the answer for it (a version file, an
    /// optional certificate override, a cgroup file outside a container).
    OptionalFile,
    /// The handler only returns an empty answer (`None`, `False`, `""`,
    /// `[]`) from a function that reads or looks something up (no call in
    /// the `try` changes state), and that answer is part of the function's
    /// contract: its name asks a question (`is_..`, `has_..`, `.._or_none`),
    /// its docstring names the answer, or every call of it in the file tests
    /// the result (`if x is None`, `if not x`, `f() or default`).
    CheckedSentinel,
}

impl Intent {
    /// A short description, for messages and docs.
    pub fn describe(self) -> &'static str {
        match self {
            Intent::Probe => "a yes/no probe",
            Intent::ParseOrDefault => "parse-or-default",
            Intent::NotFound => "a not-found mapping",
            Intent::OptionalImport => "an optional import",
            Intent::Cleanup => "best-effort cleanup",
            Intent::NonBlocking => "a non-blocking retry branch",
            Intent::AlreadyExists => "an idempotent schema change",
            Intent::Documented => "a documented reason",
            Intent::CalleeReports => "a callee that reports the error",
            Intent::Telemetry => "telemetry that must not break the caller",
            Intent::SchemaDefault => "a validation default",
            Intent::ReportsAndExits => "a handler that reports the failure or exits",
            Intent::LogSink => "a log sink's own write",
            Intent::OptionalFile => "an optional file read with a default",
            Intent::CheckedSentinel => "an empty answer its callers check",
        }
    }
}

/// An [`Intent`] with the evidence that shows it (the call, comment or
/// type that gave it away).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub intent: Intent,
    pub evidence: String,
}

impl Accepted {
    /// An accepted handler with its evidence.
    pub fn new(intent: Intent, evidence: impl Into<String>) -> Self {
        Accepted { intent, evidence: evidence.into() }
    }
}

/// Words in a comment or docstring that give the reason an error is dropped.
const REASONS: &[&str] = &[
    "best effort",
    "best-effort",
    "ignore",
    "optional",
    "may fail",
    "might fail",
    "can fail",
    "allowed to fail",
    "not critical",
    "non-critical",
    "noncritical",
    "never fail",
    "must not fail",
    "must never",
    "never raise",
    "never throw",
    "should not break",
    "must not break",
    "don't care",
    "do not care",
    "silently",
    "swallow",
    "fire and forget",
    "fire-and-forget",
    "harmless",
    "already exists",
    "already closed",
    "already gone",
    "already deleted",
];

/// True when `text` (a comment or docstring) says why an error may be dropped.
pub fn states_reason(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    REASONS.iter().any(|r| lower.contains(r))
}

/// True when a string holds SQL that creates or adds schema objects, whose
/// only expected failure is "already exists" (an idempotent upgrade):
/// `CREATE TABLE`, `CREATE INDEX`, `CREATE EXTENSION`, `ALTER TABLE .. ADD`.
pub fn is_idempotent_ddl(text: &str) -> bool {
    let lower = text.trim_start_matches(['"', '\'', '`', 'r', 'f', 'b']).trim_start().to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().take(8).collect();
    match words.first() {
        Some(&"create") => !words.contains(&"or") || !words.contains(&"replace"),
        Some(&"alter") => words.get(1) == Some(&"table") && words.iter().skip(2).any(|w| *w == "add"),
        _ => false,
    }
}

/// True when a string starts like an SQL statement.
fn is_sql(text: &str) -> bool {
    let lower = text.trim_start_matches(['"', '\'', '`', 'r', 'f', 'b']).trim_start().to_ascii_lowercase();
    const VERBS: &[&str] =
        &["select ", "insert ", "update ", "delete ", "create ", "alter ", "drop ", "truncate ", "merge ", "upsert "];
    VERBS.iter().any(|v| lower.starts_with(v))
}

/// True when the function's name says it exists to report telemetry
/// (`send_metrics`, `trackAnalytics`, `report_telemetry`).
pub fn is_telemetry_name(name: &str, words: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    words.iter().any(|w| lower.contains(w.as_str()))
}

/// True when a function's first name word (`safeReadFile`, `try_parse`,
/// `maybe_notify`) says it returns instead of raising.
fn says_no_throw(name: &str, words: &[String]) -> bool {
    let name = name.trim_start_matches('_');
    let end = name.find(|c: char| c == '_' || c.is_ascii_uppercase()).unwrap_or(name.len());
    let first = name[..end].to_ascii_lowercase();
    end < name.len() && words.contains(&first)
}

/// What the calls of a `try` body (or a promise's origin call) all are.
#[derive(Default)]
struct BodyCalls {
    imports: usize,
    calls: usize,
    cleanup: usize,
    telemetry: usize,
    parse: usize,
    lookup: usize,
    sql: usize,
    ddl: usize,
    first: Option<String>,
}

impl BodyCalls {
    /// The intent every top-level call of the body agrees on.
    fn intent(&self) -> Option<Accepted> {
        let first = self.first.clone().unwrap_or_default();
        if self.sql > 0 && self.ddl == self.sql {
            return Some(Accepted::new(Intent::AlreadyExists, format!("`{first}` runs schema DDL")));
        }
        if self.imports > 0 && self.calls == 0 {
            return Some(Accepted::new(Intent::OptionalImport, "the `try` only imports"));
        }
        if self.calls == 0 {
            return None;
        }
        let all = |n: usize| n == self.calls;
        if all(self.cleanup) {
            return Some(Accepted::new(Intent::Cleanup, format!("`{first}` only releases a resource")));
        }
        if all(self.telemetry) {
            return Some(Accepted::new(Intent::Telemetry, format!("`{first}` only reports telemetry")));
        }
        if self.lookup > 0 && all(self.lookup + self.parse) {
            return Some(Accepted::new(Intent::NotFound, format!("`{first}` throws when the record is missing")));
        }
        if all(self.parse) {
            return Some(Accepted::new(Intent::ParseOrDefault, format!("`{first}` only parses input")));
        }
        None
    }

    /// Classifies one call: its callee text, last name and receiver root.
    fn add<'t>(&mut self, call: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) {
        let src = cx.src;
        let Some(callee) = call.field("function").or_else(|| call.field("constructor")) else {
            self.calls += 1;
            return;
        };
        self.calls += 1;
        let text = node_text(callee, src);
        let name = match callee.kind() {
            "attribute" => callee.field("attribute").map(|a| node_text(a, src)).unwrap_or(""),
            "member_expression" => callee.field("property").map(|a| node_text(a, src)).unwrap_or(""),
            _ => text,
        };
        let root = receiver_root(callee, src);
        if self.first.is_none() {
            self.first = Some(if text.len() > 40 { name.to_string() } else { text.to_string() });
        }
        // Python `importlib.import_module("x")` is an import too.
        if name == "import_module" || text == "__import__" {
            self.calls -= 1;
            self.imports += 1;
            return;
        }
        let path = cx.resolve(callee).map(|r| r.path).unwrap_or_default();
        if cat.cleanup_methods.iter().any(|c| c == name) {
            self.cleanup += 1;
        } else if root.is_some_and(|r| cat.telemetry_names.iter().any(|t| r.eq_ignore_ascii_case(t)))
            || LangErrors::any(&cat.telemetry_paths, &path)
        {
            self.telemetry += 1;
        } else if cat.not_found_calls.iter().any(|c| {
            c == name
                || callee.field("object").is_some_and(|o| {
                    let o = node_text(o, src);
                    c.strip_suffix(name)
                        .and_then(|r| r.strip_suffix('.'))
                        .is_some_and(|r| o.rsplit('.').next() == Some(r))
                })
        }) {
            self.lookup += 1;
        } else if cat.probe_calls.iter().any(|p| p == text || *p == path)
            || cat.parse_name_prefixes.iter().any(|p| name.starts_with(p.as_str()))
        {
            self.parse += 1;
        }
    }
}

/// The leftmost identifier of a callee chain (`statsd` in
/// `statsd.client.incr`, `self` skipped: `metrics` in `self.metrics.inc`).
fn receiver_root<'s>(callee: Node<'_>, src: &'s str) -> Option<&'s str> {
    let mut cur = callee;
    let mut last_attr = None;
    for _ in 0..8 {
        match cur.kind() {
            "attribute" | "member_expression" => {
                let obj = cur.field("object")?;
                let prop = cur.field("attribute").or_else(|| cur.field("property"));
                if matches!(obj.kind(), "identifier" | "this") && matches!(node_text(obj, src), "self" | "this" | "cls")
                {
                    return prop.map(|p| node_text(p, src));
                }
                last_attr = prop;
                cur = obj;
            }
            "call" | "call_expression" => cur = cur.field("function")?,
            "identifier" => return Some(node_text(cur, src)),
            _ => return last_attr.map(|p| node_text(p, src)),
        }
    }
    None
}

/// Classifies the top-level calls, imports and SQL strings of `body`
/// (nested functions excluded; a call's own arguments are its business).
fn body_calls<'t>(body: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) -> BodyCalls {
    let mut out = BodyCalls::default();
    walk(body, &mut |n| match n.kind() {
        "import_statement" | "import_from_statement" | "future_import_statement" => {
            out.imports += 1;
            false
        }
        "call" | "call_expression" | "new_expression" => {
            out.add(n, cx, cat);
            // SQL in the arguments still counts.
            sql_strings(n, cx.src, &mut out);
            false
        }
        "string" | "template_string" => {
            sql_strings(n, cx.src, &mut out);
            false
        }
        k => {
            !crate::lang::typescript::FUNCTION_KINDS.contains(&k)
                && !matches!(k, "function_definition" | "class_definition" | "lambda")
        }
    });
    out
}

/// [`Intent::OptionalFile`]: every call in the `try` body (receivers and
/// arguments included, nested functions not) opens or inspects a local file
/// for reading, or has no effect (a parser, a string method, `os.path`), and
/// at least one reads a file whose result the code uses (a bare
/// `open(path)` statement is an access check whose failure the code wants). An `open` whose mode writes, appends or
/// creates, or any other call (a request, a save, a payment), keeps the
/// failure worth reporting.
fn optional_file_read<'t>(body: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) -> Option<Accepted> {
    if cat.file_read_calls.is_empty() && cat.file_read_methods.is_empty() {
        return None;
    }
    let src = cx.src;
    let mut reads: Option<String> = None;
    let mut other = false;
    walk(body, &mut |n| {
        if other {
            return false;
        }
        match n.kind() {
            "call" => {
                let Some(callee) = n.field("function") else {
                    other = true;
                    return false;
                };
                let text = node_text(callee, src);
                let name = match callee.kind() {
                    "attribute" => callee.field("attribute").map(|a| node_text(a, src)).unwrap_or(""),
                    _ => text,
                };
                let path = cx.resolve(callee).map(|r| r.path).unwrap_or_default();
                let is =
                    |list: &[String]| list.iter().any(|c| *c == path || (callee.kind() == "identifier" && c == text));
                // A read whose result is dropped (`open(path)` as a statement)
                // asks whether the file can be opened: the code wants that
                // failure, so it is no optional read.
                let dropped = n.parent().is_some_and(|p| p.kind() == "expression_statement");
                if dropped && (is(&cat.file_read_calls) || cat.file_read_methods.iter().any(|m| m == name)) {
                    other = true;
                    return false;
                }
                if is(&cat.file_read_calls) {
                    if (name == "open" || path.ends_with(".open") || path == "open") && !opens_for_reading(n, src) {
                        other = true;
                        return false;
                    }
                    reads.get_or_insert_with(|| text.to_string());
                } else if callee.kind() == "attribute" && cat.file_read_methods.iter().any(|m| m == name) {
                    reads.get_or_insert_with(|| text.to_string());
                } else if !(is(&cat.pure_calls)
                    || is(&cat.probe_calls)
                    || (callee.kind() == "attribute" && cat.pure_methods.iter().any(|m| m == name))
                    || cat.parse_name_prefixes.iter().any(|p| name.starts_with(p.as_str())))
                {
                    other = true;
                    return false;
                }
                true
            }
            "function_definition" | "class_definition" | "lambda" | "await" | "yield" => {
                // Work done elsewhere, or later.
                other |= matches!(n.kind(), "await" | "yield");
                false
            }
            _ => true,
        }
    });
    let first = reads.filter(|_| !other)?;
    Some(Accepted::new(Intent::OptionalFile, format!("`{first}` only reads a local file")))
}

/// True when the Python `open(..)` call `call` opens its file for reading:
/// no mode, or a literal mode without `w`, `a`, `x` or `+`.
fn opens_for_reading(call: Node<'_>, src: &str) -> bool {
    let (kwargs, splat) = crate::lang::python::keyword_args(call, src);
    if splat {
        return false;
    }
    let mode = kwargs
        .iter()
        .find(|(k, _)| *k == "mode")
        .map(|(_, v)| *v)
        .or_else(|| crate::lang::python::positional_args(call).get(1).copied());
    match mode {
        None => true,
        Some(m) => crate::lang::python::string_value(m, src).is_some_and(|m| !m.contains(['w', 'a', 'x', '+'])),
    }
}

/// The empty answer a Python handler gives when its whole body is one
/// `return` of nothing, `None`, `False`, `0`, an empty string or an empty
/// collection; `None` when the body does anything else.
fn sentinel_return(stmts: &[Node<'_>], src: &str) -> Option<&'static str> {
    let [stmt] = stmts else { return None };
    if stmt.kind() != "return_statement" {
        return None;
    }
    let Some(v) = stmt.named_child(0) else { return Some("None") };
    let text = node_text(v, src);
    match v.kind() {
        "none" => Some("None"),
        "false" => Some("False"),
        "integer" if text == "0" => Some("0"),
        "string" if matches!(text, "\"\"" | "''" | "b\"\"" | "b''") => Some("\"\""),
        "list" | "dictionary" | "tuple" | "set" if v.named_child_count() == 0 => Some("empty"),
        "call" if matches!(text, "dict()" | "list()" | "set()" | "tuple()") => Some("empty"),
        _ => None,
    }
}

/// [`Intent::CheckedSentinel`]: a Python handler whose whole body returns an
/// empty answer, in a function that changes nothing (no call in its body is
/// a write, a send, a save, a payment: catalog `effect_call_words`), where
/// the empty answer is the function's contract: its name asks a question
/// (`is_ready`, `has_access`, `lookup_or_none`), its return annotation or
/// docstring names the answer (`-> Optional[str]`, "returns None when ..."),
/// or every call of it in the file tests the result (`if x is None`,
/// `if not f()`, `f() or default`, `[x] if x else []`).
fn checked_sentinel<'t>(
    try_stmt: Option<Node<'t>>,
    stmts: &[Node<'t>],
    cx: &Checker<'_, 't>,
    cat: &LangErrors,
) -> Option<Accepted> {
    let src = cx.src;
    try_stmt.filter(|t| t.kind() == "try_statement")?;
    let sentinel = sentinel_return(stmts, src)?;
    let (info, fnode) = cx.ctx.function()?;
    if fnode.kind() != "function_definition" {
        return None;
    }
    let name = info.name.as_deref()?;
    let body = fnode.field("body")?;
    if effect_call(body, cx, cat).is_some() {
        return None;
    }
    let words = split_words(name);
    if words.first().is_some_and(|w| cat.predicate_name_words.contains(w)) {
        return Some(Accepted::new(
            Intent::CheckedSentinel,
            format!("`{name}` asks a question and `{sentinel}` is its answer"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if let Some(suffix) = cat.sentinel_name_suffixes.iter().find(|s| lower.ends_with(s.as_str())) {
        return Some(Accepted::new(Intent::CheckedSentinel, format!("`{name}` says `{suffix}` in its name")));
    }
    if sentinel == "None"
        && let Some(ret) = fnode.field("return_type")
    {
        let t: String = node_text(ret, src).chars().filter(|c| !c.is_whitespace()).collect();
        if t.starts_with("Optional[") || t.starts_with("typing.Optional[") || t.contains("|None") || t.contains("None|")
        {
            return Some(Accepted::new(Intent::CheckedSentinel, format!("`{name}` is declared to return `{t}`")));
        }
    }
    let doc = body
        .named_child(0)
        .filter(|s| s.kind() == "expression_statement")
        .and_then(|s| s.named_child(0))
        .filter(|s| s.kind() == "string")
        .map(|s| node_text(s, src))
        .unwrap_or("");
    let token = match sentinel {
        "\"\"" | "empty" => "empty",
        other => other,
    };
    // The answer as a word of its own ("returns 0", not "returns 10 rows").
    let documented = doc.lines().any(|l| {
        let low = l.to_ascii_lowercase();
        let token = token.to_ascii_lowercase();
        low.contains("return") && low.match_indices(&token).any(|(at, _)| whole_word(&low, at, token.len()))
    });
    if documented {
        return Some(Accepted::new(
            Intent::CheckedSentinel,
            format!("the docstring of `{name}` says it returns {token}"),
        ));
    }
    let checked =
        crate::engine::memoised(&cx.memo.py_callers_checked, name, || callers_check(cx.root_of(fnode), name, src));
    checked.map(|n| {
        Accepted::new(
            Intent::CheckedSentinel,
            format!("every call of `{name}` in this file ({n}) tests the result for `{sentinel}`"),
        )
    })
}

/// The first call under `body` (nested functions and classes excluded)
/// that changes state: a word of its name is one of `effect_call_words`
/// (`save`, `send_mail`, `requests.post`, `charge`), or an `open` whose
/// mode writes.
fn effect_call<'t>(body: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) -> Option<String> {
    let src = cx.src;
    let mut found: Option<String> = None;
    walk(body, &mut |n| {
        if found.is_some() {
            return false;
        }
        match n.kind() {
            "function_definition" | "class_definition" | "lambda" => false,
            "call" => {
                if let Some(callee) = n.field("function") {
                    let name = match callee.kind() {
                        "attribute" => callee.field("attribute").map(|a| node_text(a, src)).unwrap_or(""),
                        _ => node_text(callee, src),
                    };
                    let writes_file = name == "open" && !opens_for_reading(n, src);
                    if writes_file || split_words(name).iter().any(|w| cat.effect_call_words.contains(w)) {
                        found = Some(node_text(callee, src).to_string());
                        return false;
                    }
                }
                true
            }
            _ => true,
        }
    });
    found
}

/// The number of calls of the function named `name` in the tree at `root`,
/// when there is at least one and every one tests the result it gets
/// (directly, or through the variable it is assigned to in the next few
/// statements). `None` when a call uses the result any other way (returns
/// it, passes it on, drops it) or the name is used other than by a call.
fn callers_check(root: Node<'_>, name: &str, src: &str) -> Option<usize> {
    let mut calls = 0;
    for (i, _) in src.match_indices(name) {
        let end = i + name.len();
        if !whole_word(src, i, name.len()) {
            continue;
        }
        let Some(ident) = root.descendant_for_byte_range(i, end) else { continue };
        if ident.kind() != "identifier" || ident.start_byte() != i || ident.end_byte() != end {
            continue;
        }
        let parent = ident.parent()?;
        if parent.kind() == "function_definition" && parent.field("name") == Some(ident) {
            continue;
        }
        let callee =
            if parent.kind() == "attribute" && parent.field("attribute") == Some(ident) { parent } else { ident };
        let call = callee.parent().filter(|c| c.kind() == "call" && c.field("function") == Some(callee))?;
        if !result_tested(call, src) {
            return None;
        }
        calls += 1;
        if calls > 20 {
            return None;
        }
    }
    (calls > 0).then_some(calls)
}

/// True when the `len` bytes at `at` in `text` are a whole word: no letter,
/// digit or `_` right before or after them.
fn whole_word(text: &str, at: usize, len: usize) -> bool {
    let word_byte = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    let b = text.as_bytes();
    !b[..at].last().is_some_and(word_byte) && !b.get(at + len).is_some_and(word_byte)
}

/// True when the value of `call` is tested for emptiness where it is made
/// (`if f()`, `not f()`, `f() is None`, `f() or default`) or in the next few
/// statements after it is assigned to a name (`x = f()` then `if x is None`).
fn result_tested(call: Node<'_>, src: &str) -> bool {
    let mut n = call;
    for _ in 0..8 {
        let Some(p) = n.parent() else { return false };
        match p.kind() {
            "parenthesized_expression" | "await" | "named_expression" => n = p,
            "not_operator" | "boolean_operator" | "comparison_operator" | "assert_statement" => return true,
            "if_statement" | "elif_clause" | "while_statement" => return p.field("condition") == Some(n),
            "conditional_expression" => return p.named_child(1) == Some(n),
            "assignment" => {
                let Some(left) = p.field("left").filter(|l| matches!(l.kind(), "identifier" | "attribute")) else {
                    return false;
                };
                if p.field("right") != Some(n) {
                    return false;
                }
                let Some(stmt) = p.parent().filter(|s| s.kind() == "expression_statement") else { return false };
                return tested_after(stmt, node_text(left, src), src);
            }
            _ => return false,
        }
    }
    false
}

/// True when one of the (up to eight) statements after `stmt` tests `var`:
/// a condition, a `not`, an `and`/`or`, a comparison or an `assert` that
/// holds the name.
fn tested_after(stmt: Node<'_>, var: &str, src: &str) -> bool {
    let mut next = stmt.next_named_sibling();
    for _ in 0..8 {
        let Some(s) = next else { return false };
        let mut hit = false;
        walk(s, &mut |n| {
            if hit {
                return false;
            }
            let test = match n.kind() {
                "if_statement" | "elif_clause" | "while_statement" => n.field("condition"),
                "conditional_expression" => n.named_child(1),
                "not_operator" | "boolean_operator" | "comparison_operator" | "assert_statement" => Some(n),
                "function_definition" | "class_definition" | "lambda" => return false,
                _ => None,
            };
            if let Some(t) = test {
                walk(t, &mut |m| {
                    if matches!(m.kind(), "identifier" | "attribute") && node_text(m, src) == var {
                        hit = true;
                    }
                    !hit
                });
            }
            !hit
        });
        if hit {
            return true;
        }
        next = s.next_named_sibling();
    }
    false
}

fn sql_strings(node: Node<'_>, src: &str, out: &mut BodyCalls) {
    walk(node, &mut |n| {
        if matches!(n.kind(), "string" | "template_string") {
            let t = node_text(n, src);
            if is_sql(t) {
                out.sql += 1;
                if is_idempotent_ddl(t) {
                    out.ddl += 1;
                }
            }
            return false;
        }
        true
    });
}

/// The intent of a `try`/`except` or `try`/`catch` handler shown by its
/// exception types, the `try` body, a reason comment above the `try` or in
/// the function's docstring, the function's name, or a reporting callee.
fn intent_around<'t>(
    try_stmt: Option<Node<'t>>,
    types: &[Node<'t>],
    scan: &Scan,
    cx: &Checker<'_, 't>,
    cat: &LangErrors,
) -> Option<Accepted> {
    if let Some(name) = &scan.callee_reports {
        return Some(Accepted::new(Intent::CalleeReports, format!("`{name}` reports the exception")));
    }
    for t in types {
        let path = type_path(*t, cx).unwrap_or_default();
        if LangErrors::any(&cat.nonblocking_errors, &path) {
            return Some(Accepted::new(Intent::NonBlocking, format!("`{path}` means try again")));
        }
        if LangErrors::any(&cat.already_exists_errors, &path) {
            return Some(Accepted::new(Intent::AlreadyExists, format!("`{path}` means it is already there")));
        }
    }
    let try_stmt = try_stmt?;
    if let Some(body) = try_stmt.field("body")
        && let Some(a) = body_calls(body, cx, cat).intent().or_else(|| optional_file_read(body, cx, cat))
    {
        return Some(a);
    }
    if let Some(c) = reason_above(try_stmt, cx.src) {
        return Some(Accepted::new(Intent::Documented, c));
    }
    function_intent(cx, cat)
}

/// A promise rejection handler's intent, from the call whose rejection it
/// handles (`conn.close().catch(..)`, `findUniqueOrThrow(..).catch(..)`),
/// a zod schema's `.catch(default)`, or the enclosing function.
fn promise_intent<'t>(arg: Node<'t>, scan: &Scan, cx: &Checker<'_, 't>, cat: &LangErrors) -> Option<Accepted> {
    let _ = scan;
    let src = cx.src;
    let call = arg.parent().and_then(|a| a.parent())?;
    let mut origin = call.field("function").and_then(|f| f.field("object"));
    // Step back through `.then(..)`/`.finally(..)` to the call that started it.
    while let Some(o) = origin.filter(|o| o.kind() == "call_expression") {
        let prop = o.field("function").and_then(|f| f.field("property")).map(|p| node_text(p, src));
        if matches!(prop, Some("then" | "finally")) {
            origin = o.field("function").and_then(|f| f.field("object"));
        } else {
            break;
        }
    }
    let origin = origin.map(crate::lang::typescript::unwrap_expr);
    if let Some(o) = origin {
        if let Some(a) = schema_default(o, cx, cat) {
            return Some(a);
        }
        if let Some(a) = failed_response_body(o, src) {
            return Some(a);
        }
        if matches!(o.kind(), "call_expression" | "new_expression" | "await_expression") {
            let mut calls = BodyCalls::default();
            let o = if o.kind() == "await_expression" { o.named_child(0).unwrap_or(o) } else { o };
            if matches!(o.kind(), "call_expression" | "new_expression") {
                calls.add(o, cx, cat);
                sql_strings(o, src, &mut calls);
            }
            if let Some(a) = calls.intent() {
                return Some(a);
            }
        }
    }
    function_intent(cx, cat)
}

/// `res.json().catch(() => ({}))` in the branch of `if (!res.ok)` (or the
/// `else` of `if (res.ok)`): the body of a response that already failed is
/// read for an error message, and a body that is not JSON gets a default.
/// The failure is the response's status, which the branch handles; the
/// dropped rejection only says the error body was not JSON.
fn failed_response_body(origin: Node<'_>, src: &str) -> Option<Accepted> {
    let callee = origin.field("function").filter(|_| origin.kind() == "call_expression")?;
    let method = node_text(callee.field("property")?, src);
    if !matches!(method, "json" | "text") || !crate::lang::typescript::call_args(origin).is_empty() {
        return None;
    }
    let receiver = node_text(callee.field("object")?, src);
    let ok: String = format!("{receiver}.ok");
    let mut child = origin;
    let mut cur = origin.parent();
    while let Some(n) = cur {
        if crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind()) {
            return None;
        }
        if n.kind() == "if_statement"
            && let Some(cond) = n.field("condition")
        {
            let c: String = node_text(cond, src).chars().filter(|c| !c.is_whitespace()).collect();
            let c = c.trim_start_matches('(').trim_end_matches(')');
            let in_then = n.field("consequence") == Some(child);
            let in_else = n.field("alternative") == Some(child);
            if (in_then && c == format!("!{ok}")) || (in_else && c == ok) {
                return Some(Accepted::new(
                    Intent::ParseOrDefault,
                    format!("`{receiver}.{method}()` reads the body of a failed response (`{receiver}.ok` is false)"),
                ));
            }
        }
        child = n;
        cur = n.parent();
    }
    None
}

/// `z.string().catch("x")`, `schema.catch(() => [])`: a validation
/// library's fallback. The chain's root resolves to a validation package, or
/// the chain calls a schema constructor of one (`z.object`, `.optional()`).
fn schema_default<'t>(origin: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors) -> Option<Accepted> {
    let src = cx.src;
    let mut cur = origin;
    for _ in 0..16 {
        match cur.kind() {
            "call_expression" => cur = cur.field("function")?,
            "member_expression" => cur = cur.field("object")?,
            "identifier" => break,
            _ => return None,
        }
    }
    if cur.kind() != "identifier" {
        return None;
    }
    let path = cx.resolve(cur).map(|r| r.path).unwrap_or_default();
    LangErrors::any(&cat.schema_packages, &path)
        .then(|| Accepted::new(Intent::SchemaDefault, format!("`{}` is a validation schema", node_text(cur, src))))
}

/// A comment block directly above the line of `stmt` (a `try` statement, a
/// promise handler) that gives a reason.
/// Read from the lines, since tree-sitter may attach a comment at the top
/// of a block to the enclosing definition rather than beside the `try`.
fn reason_above(stmt: Node<'_>, src: &str) -> Option<String> {
    let before = src.get(..stmt.start_byte())?;
    // Skip the indentation of the `try` line itself.
    let before = &before[..before.rfind('\n').unwrap_or(0)];
    for line in before.lines().rev() {
        let t = line.trim();
        let is_comment = t.starts_with('#') || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*');
        if !is_comment {
            break;
        }
        if meaningful_comment(t) && states_reason(t) {
            return Some(format!("the comment `{t}` above"));
        }
    }
    None
}

/// The intent shown by the enclosing function: a docstring or doc comment
/// giving a reason, or a name that says it reports telemetry.
fn function_intent(cx: &Checker<'_, '_>, cat: &LangErrors) -> Option<Accepted> {
    let (info, node) = cx.ctx.function()?;
    if let Some(name) = &info.name
        && is_telemetry_name(name, &cat.telemetry_function_words)
    {
        return Some(Accepted::new(Intent::Telemetry, format!("`{name}` reports telemetry")));
    }
    if let Some(name) = &info.name
        && says_no_throw(name, &cat.no_throw_name_words)
    {
        return Some(Accepted::new(Intent::Documented, format!("the name `{name}` says failure is expected")));
    }
    let src = cx.src;
    // Python: the docstring is the body's first statement.
    let doc = if node.kind() == "function_definition" {
        node.field("body")
            .and_then(|b| b.named_child(0))
            .filter(|s| s.kind() == "expression_statement")
            .and_then(|s| s.named_child(0))
            .filter(|s| s.kind() == "string")
            .map(|s| node_text(s, src))
    } else {
        // JS: the comment right before the declaration (or its export).
        let mut decl = node;
        while let Some(p) = decl.parent().filter(|p| {
            matches!(
                p.kind(),
                "export_statement" | "variable_declarator" | "lexical_declaration" | "variable_declaration"
            )
        }) {
            decl = p;
        }
        decl.prev_sibling()
            .filter(|p| p.kind() == "comment" && p.end_position().row + 1 >= decl.start_position().row)
            .map(|p| node_text(p, src))
    };
    doc.filter(|d| states_reason(d)).map(|_| Accepted::new(Intent::Documented, "the function's documentation"))
}

// ---------------------------------------------------------------- Rust

/// The intent of a Rust statement that drops a `Result`: idempotent DDL in
/// the call (`conn.execute("ALTER TABLE t ADD COLUMN c", [])`), telemetry
/// (a `metrics`/`telemetry` receiver or a function named for it), or a
/// reason in the function's doc comment. `text` is the statement's source.
pub fn rust_intent(text: &str, root: Option<&str>, cx: &RustChecker<'_, '_>) -> Option<Accepted> {
    let cat = &cx.catalog.errors.rust;
    let ddl = text.split(['"', '#']).skip(1).step_by(2).any(is_idempotent_ddl);
    if ddl {
        return Some(Accepted::new(Intent::AlreadyExists, "the call runs schema DDL"));
    }
    if let Some(r) = root
        && cat.telemetry_names.iter().any(|t| r.eq_ignore_ascii_case(t))
    {
        return Some(Accepted::new(Intent::Telemetry, format!("`{r}` reports telemetry")));
    }
    // A log sink: the dropped call writes or flushes, and the function
    // writes to the process's stdout/stderr (a console tracer, an `impl
    // Write` for a console logger).
    let writes = [".write", ".flush", "write!", "writeln!"].iter().any(|w| text.contains(w));
    if writes {
        let body = cx.function_text().to_ascii_lowercase();
        let ty = cx.ctx.function().and_then(|f| f.self_ty.clone()).unwrap_or_default().to_ascii_lowercase();
        if body.contains("stderr") || body.contains("stdout") || ty.contains("stderr") || ty.contains("stdout") {
            return Some(Accepted::new(Intent::LogSink, "the function writes log output to stdout/stderr"));
        }
    }
    let f = cx.ctx.function()?;
    if is_telemetry_name(&f.name, &cat.telemetry_function_words) {
        return Some(Accepted::new(Intent::Telemetry, format!("`{}` reports telemetry", f.name)));
    }
    // The `///` lines (and attributes) directly above the signature.
    let line = cx.file.lines.line_of(f.sig.start);
    let mut doc = String::new();
    for l in (0..line).rev() {
        let t = cx.file.lines.line_text(cx.src, l).trim_start();
        if let Some(d) = t.strip_prefix("///") {
            doc.push_str(d);
            doc.push('\n');
        } else if !t.starts_with("#[") {
            break;
        }
    }
    states_reason(&doc).then(|| Accepted::new(Intent::Documented, "the function's doc comment"))
}

/// A Rust error handler (an `unwrap_or_else` closure, a `match` arm body)
/// that reports the failure itself: it prints or logs, or it ends the
/// process (`eprintln!(..); std::process::exit(1)`), so nothing is silent.
pub fn rust_handler_reports(body: &syn::Expr, cx: &RustChecker<'_, '_>) -> Option<Accepted> {
    const REPORTS: &[&str] = &[
        "eprintln!",
        "eprint!",
        "println!",
        "error!",
        "warn!",
        "info!",
        "process::exit",
        "exit(",
        "panic!",
        "unreachable!",
        "abort(",
    ];
    let text = cx.text(body);
    let hit = REPORTS.iter().find(|r| {
        text.match_indices(**r)
            .any(|(i, _)| i == 0 || !matches!(text.as_bytes()[i - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_'))
    })?;
    Some(Accepted::new(Intent::ReportsAndExits, format!("the handler calls `{}`", hit.trim_end_matches('('))))
}

// ---------------------------------------------------------------- facts

/// Phase-1 collector of [`ProjectFacts::reporting_functions`]: Python
/// functions whose own body (outside nested functions and outside their own
/// `except` clauses) logs or reports the exception in flight, so a handler
/// calling one is not swallowing: `logger.exception(...)`, a logging call
/// with `exc_info=True`, `sentry_sdk.capture_exception()`,
/// `traceback.print_exc()`, `sys.exc_info()`.
pub struct ReportingFunctionFacts;

/// Calls (last name) that log or report the exception in flight.
const REPORTS_IN_FLIGHT: &[&str] =
    &["exception", "capture_exception", "print_exc", "print_exception", "exc_info", "format_exc", "notice_error"];

impl crate::engine::facts::FactCollector for ReportingFunctionFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &[".exception(", "exc_info", "capture_exception(", "print_exc(", "format_exc(", "notice_error("]
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn collect(
        &self,
        node: Node<'_>,
        file: &crate::source::SourceFile,
        _memo: &crate::engine::FileMemo,
        facts: &mut ProjectFacts,
    ) {
        let src: &str = &file.text;
        let (Some(name), Some(body)) = (node.field("name"), node.field("body")) else { return };
        if reports_in_flight(body, src) {
            facts.reporting_functions.insert(node_text(name, src).to_string());
        }
    }
}

/// True when `body` reports the exception in flight itself.
pub(crate) fn reports_in_flight(body: Node<'_>, src: &str) -> bool {
    let mut found = false;
    walk(body, &mut |n| {
        match n.kind() {
            // Its own handlers report their own exceptions, not the caller's.
            "function_definition" | "lambda" | "class_definition" | "except_clause" => return false,
            "call" => {
                let callee = n.field("function");
                let last = callee.map(|c| node_text(c, src).rsplit('.').next().unwrap_or("")).unwrap_or("");
                if REPORTS_IN_FLIGHT.contains(&last) {
                    found = true;
                }
                let (kwargs, _) = crate::lang::python::keyword_args(n, src);
                if kwargs.iter().any(|(k, v)| *k == "exc_info" && v.kind() == "true") {
                    found = true;
                }
            }
            _ => {}
        }
        !found
    });
    found
}

// ---------------------------------------------------------------- shared

/// A yes/no probe: the handler only returns a constant and the `try` body
/// returns a constant too (`try: ...; return True` / `except: return False`).
/// The return value is the report.
fn is_bool_probe(try_stmt: Option<Node<'_>>, handler_stmts: &[Node<'_>], src: &str, grammar: Grammar) -> bool {
    let Some(try_stmt) = try_stmt else { return false };
    let [only] = handler_stmts else { return false };
    if only.kind() != "return_statement" {
        return false;
    }
    let is_bool = |n: Node<'_>| match grammar {
        Grammar::Python => matches!(n.kind(), "true" | "false"),
        _ => matches!(n.kind(), "true" | "false"),
    };
    if !only.named_child(0).is_some_and(is_bool) {
        return false;
    }
    let Some(body) = try_stmt.field("body") else { return false };
    // The `try` body (or a Python `else:` clause) ends with a boolean return.
    let mut candidates = vec![body];
    let mut cursor = try_stmt.walk();
    for c in try_stmt.children(&mut cursor) {
        if c.kind() == "else_clause"
            && let Some(b) = c.field("body").or_else(|| c.named_child(0))
        {
            candidates.push(b);
        }
    }
    let _ = src;
    // `try: check(x) / except E: return False / return True`: the answer
    // follows the `try`.
    let after = try_stmt
        .next_named_sibling()
        .filter(|n| n.kind() == "return_statement")
        .and_then(|r| r.named_child(0))
        .is_some_and(is_bool);
    after
        || candidates.iter().any(|b| {
            statements(*b).last().is_some_and(|s| s.kind() == "return_statement" && s.named_child(0).is_some())
        })
}

#[derive(Default)]
struct Scan {
    commented: bool,
    /// A project function called in the handler that reports the exception
    /// in flight (the phase-1 fact [`ProjectFacts::reporting_functions`]).
    callee_reports: Option<String>,
    handles: bool,
    logs: usize,
    logs_exception: bool,
}

/// Names bound by an `as` target or a catch parameter (identifiers and
/// destructured properties).
fn collect_identifiers<'t>(node: Node<'t>, src: &'t str, out: &mut Vec<&'t str>) {
    walk(node, &mut |n| {
        if matches!(n.kind(), "identifier" | "shorthand_property_identifier_pattern") {
            // `{ message: msg }` binds `msg`, not `message`: pair_pattern keys
            // are property_identifier, so identifiers here are bindings.
            out.push(node_text(n, src));
        }
        // Do not descend into type annotations.
        !matches!(n.kind(), "type_annotation")
    });
}

fn scan<'t>(
    clause: Node<'t>,
    body: Node<'t>,
    names: &[&str],
    cx: &Checker<'_, 't>,
    cat: &LangErrors,
    grammar: Grammar,
) -> Scan {
    let src = cx.src;
    // Comments anywhere in the clause (Python puts a comment on the `except`
    // line in the clause itself).
    let mut out = Scan { commented: comment_in(clause, src), ..Scan::default() };
    walk(body, &mut |n| {
        match n.kind() {
            "identifier" | "shorthand_property_identifier"
                if names.contains(&node_text(n, src)) && !is_attribute_name(n) =>
            {
                out.handles = true;
            }
            "raise_statement" | "throw_statement" => out.handles = true,
            "call" | "call_expression" => classify_call(n, cx, cat, grammar, &mut out),
            _ => {}
        }
        true
    });
    out
}

fn is_attribute_name(n: Node<'_>) -> bool {
    let Some(p) = n.parent() else { return false };
    match p.kind() {
        "attribute" => p.field("attribute") == Some(n),
        "keyword_argument" => p.field("name") == Some(n),
        _ => false,
    }
}

fn classify_call<'t>(call: Node<'t>, cx: &Checker<'_, 't>, cat: &LangErrors, grammar: Grammar, out: &mut Scan) {
    let src = cx.src;
    let Some(callee) = call.field("function") else { return };
    let py = grammar == Grammar::Python;
    let (receiver, method) = match callee.kind() {
        "attribute" => (callee.field("object"), callee.field("attribute")),
        "member_expression" => (callee.field("object"), callee.field("property")),
        _ => (None, None),
    };
    let method = method.map(|m| node_text(m, src));
    // A project function (or `self.`/`cls.` method) that reports the
    // exception in flight: Python only, where the exception is implicit
    // state (`logger.exception`, `sys.exc_info`) a helper can read.
    if py {
        let own = match (callee.kind(), receiver) {
            ("identifier", _) => Some(node_text(callee, src)),
            (_, Some(r)) if matches!(node_text(r, src), "self" | "cls") => method,
            _ => None,
        };
        if let Some(name) = own
            && cx.facts.reporting_functions.contains(name)
        {
            out.callee_reports = Some(name.to_string());
            return;
        }
        // Through an import, a module (`errors.report()`) or calls in
        // between: the function summaries.
        if cx.facts.summary_of_call(&cx.file.path, call.start_byte()).is_some_and(|(_, f)| f.reach.reports) {
            out.callee_reports = Some(crate::lang::node_text(callee, src).to_string());
            return;
        }
    }
    let path = cx.resolve(callee).map(|r| r.path).unwrap_or_else(|| node_text(callee, src).to_string());

    // Reporters, exception readers and hand-offs all count as handling.
    if LangErrors::any(&cat.reporter_calls, &path)
        || method.is_some_and(|m| cat.reporter_methods.iter().any(|r| r == m))
        || LangErrors::any(&cat.exception_readers, &path)
        || (callee.kind() == "identifier" && cat.propagate_calls.iter().any(|p| p == node_text(callee, src)))
    {
        out.handles = true;
        return;
    }
    if LangErrors::any(&cat.print_calls, &path) {
        out.logs += 1;
        return;
    }
    let is_log_method = |m: &str| cat.logger_methods.iter().any(|x| x == m);
    let logger_path = |p: &str| {
        cat.logger_paths.iter().any(|lp| {
            let lp = lp.trim_end_matches(['.', '/']);
            p == lp
                || p.starts_with(&format!("{lp}."))
                || p.starts_with(&format!("{lp}()"))
                || p.starts_with(&format!("{lp}/"))
        })
    };
    let is_log = match (receiver, method) {
        (Some(r), Some(m)) if is_log_method(m) => {
            let rpath = cx.resolve(r).map(|x| x.path).unwrap_or_default();
            logger_path(&rpath) || receiver_is_logger(r, src, cat)
        }
        // `from logging import error; error(...)`
        (None, None) if callee.kind() == "identifier" => {
            let last = path.rsplit('.').next().unwrap_or("");
            path.contains('.') && is_log_method(last) && logger_path(&path)
        }
        _ => false,
    };
    if !is_log {
        return;
    }
    out.logs += 1;
    if method.is_some_and(|m| cat.exception_methods.iter().any(|x| x == m))
        || (callee.kind() == "identifier" && cat.exception_methods.iter().any(|x| path.ends_with(&format!(".{x}"))))
    {
        out.logs_exception = true;
    }
    if py {
        let (kwargs, splat) = crate::lang::python::keyword_args(call, src);
        if splat {
            out.logs_exception = true;
        }
        for (k, v) in kwargs {
            if cat.exception_keywords.iter().any(|x| x == k) && !matches!(v.kind(), "false" | "none" | "integer") {
                out.logs_exception = true;
            }
        }
        // loguru: `logger.opt(exception=True).error(...)`.
        if receiver.is_some_and(|r| node_text(r, src).contains("opt(exception")) {
            out.logs_exception = true;
        }
    }
}

/// `logger`, `self.logger`, `app.logger`, `task_logger`, `log.bind(x=1)`.
fn receiver_is_logger(mut r: Node<'_>, src: &str, cat: &LangErrors) -> bool {
    // Step through `.bind(...)`/`.child(...)` style calls to their receiver.
    for _ in 0..4 {
        if matches!(r.kind(), "call" | "call_expression") {
            let Some(f) = r.field("function") else { return false };
            let obj = f.field("object");
            match obj {
                Some(o) => r = o,
                None => {
                    r = f;
                    break;
                }
            }
        } else {
            break;
        }
    }
    let name = match r.kind() {
        "attribute" => r.field("attribute").map(|a| node_text(a, src)),
        "member_expression" => r.field("property").map(|a| node_text(a, src)),
        "identifier" => Some(node_text(r, src)),
        _ => None,
    };
    let Some(name) = name else { return false };
    cat.logger_names.iter().any(|n| n == name) || cat.logger_name_suffixes.iter().any(|s| name.ends_with(s.as_str()))
}

/// True when a comment is a directive that silences another linter's rule
/// for this very pattern (`eslint-disable-next-line no-empty`,
/// `# noqa: BLE001`, `# nosec B110`, `# pylint: disable=broad-except`; the
/// ids come from [`crate::engine::equivalents`]), or a bare `# nosec`: the
/// team has already looked at this handler and decided.
pub fn acknowledges_swallow(text: &str) -> bool {
    let codes = crate::engine::equivalents::codes_named(text);
    codes.contains(&"PP101")
        || codes.contains(&"PP102")
        || text.to_ascii_lowercase().trim_start_matches(['#', ' ']).trim() == "nosec"
}

/// A comment that explains the handler or acknowledges another linter's
/// equivalent finding.
fn counts_as_comment(text: &str) -> bool {
    meaningful_comment(text) || acknowledges_swallow(text)
}

/// True when the block before a `catch` clause (the `try` body) ends with a
/// directive acknowledging the empty catch, as in
/// `// eslint-disable-next-line no-empty` right above `} catch (e) {}`.
fn acknowledged_before(clause: Node<'_>, src: &str) -> bool {
    let Some(block) = clause.prev_named_sibling() else { return false };
    let mut cursor = block.walk();
    let last = block.named_children(&mut cursor).last();
    last.is_some_and(|c| c.kind() == "comment" && acknowledges_swallow(node_text(c, src)))
}

/// True when `node` contains a comment that explains something.
pub fn comment_in(node: Node<'_>, src: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        if n.kind() == "comment" && counts_as_comment(node_text(n, src)) {
            found = true;
        }
        !found
    });
    found
}

/// A comment right after the statement holding `node`, on the same line.
fn trailing_comment(node: Node<'_>, src: &str) -> bool {
    let row = node.end_position().row;
    let mut cur = node;
    for _ in 0..6 {
        if let Some(next) = cur.next_sibling()
            && next.kind() == "comment"
            && next.start_position().row == row
        {
            return counts_as_comment(node_text(next, src));
        }
        match cur.parent() {
            Some(p) if p.end_position().row == row => cur = p,
            _ => break,
        }
    }
    false
}

/// Tool directives and bare TODOs explain nothing: `# noqa`, `# nosec`,
/// `// eslint-disable-line`, `# type: ignore`, `# pagerproof: ignore[...]`,
/// `# TODO`.
pub fn meaningful_comment(text: &str) -> bool {
    let t = text
        .trim()
        .trim_start_matches('#')
        .trim_start_matches("//")
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim_matches(|c: char| c == '*' || c == '!' || c.is_whitespace());
    if t.len() < 3 {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    const DIRECTIVES: &[&str] = &[
        "noqa",
        "nosec",
        "type:",
        "pragma",
        "pylint:",
        "pyright:",
        "mypy:",
        "pagerproof:",
        "fmt:",
        "isort:",
        "eslint-",
        "eslint ",
        "@ts-",
        "istanbul ",
        "c8 ",
        "v8 ",
        "prettier-ignore",
        "biome-ignore",
        "deno-lint-ignore",
        "noinspection",
        "nolint",
        "jshint",
        "jscs:",
        "tslint:",
        "coverage:",
        "lgtm",
        "codeql",
        "sonar",
        "nosonar",
        "expect:",
    ];
    if DIRECTIVES.iter().any(|d| lower.starts_with(d)) {
        return false;
    }
    // A bare rule code (`# BLE001`, `// S110`) names a check, it explains nothing.
    let first = t.split_whitespace().next().unwrap_or("");
    let is_code = first.len() == t.len()
        && first.chars().any(|c| c.is_ascii_digit())
        && first.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == ',');
    if is_code {
        return false;
    }
    const TODO: &[&str] = &["todo", "fixme", "xxx", "hack"];
    if TODO.iter().any(|d| lower.starts_with(d)) {
        return false;
    }
    true
}

/// True when the handler sits in a `finally` block of the current function:
/// best-effort cleanup there must not replace the error already in flight.
pub fn in_finally(cx: &Checker<'_, '_>) -> bool {
    cx.ctx.inside(&crate::engine::FrameKind::Finally)
}

/// The first I/O, network or database call in a Python `try` body (nested
/// functions and classes excluded), and whether every I/O call there is
/// cleanup (remove, unlink, close, kill), where "already gone" is expected.
pub fn first_io_call<'t>(try_body: Node<'t>, cx: &Checker<'_, 't>) -> Option<(Node<'t>, bool)> {
    let cat = py(cx);
    let src = cx.src;
    let mut first = None;
    let mut all_cleanup = true;
    walk(try_body, &mut |n| {
        match n.kind() {
            "function_definition" | "lambda" | "class_definition" => return false,
            "call" => {
                let Some(callee) = n.field("function") else { return true };
                let path = cx.resolve(callee).map(|r| r.path).unwrap_or_default();
                let method = (callee.kind() == "attribute")
                    .then(|| callee.field("attribute").map(|a| node_text(a, src)))
                    .flatten();
                let receiver = callee.field("object").map(|o| node_text(o, src)).unwrap_or("");
                let io = LangErrors::any(&cat.io_paths, &path)
                    || method.is_some_and(|m| cat.io_methods.iter().any(|x| x == m))
                    || (receiver.ends_with(".objects") || receiver == "objects")
                        && method.is_some_and(|m| cat.io_manager_methods.iter().any(|x| x == m));
                if io {
                    let last = path.rsplit('.').next().unwrap_or("");
                    if !cat.cleanup_methods.iter().any(|c| c == last) {
                        all_cleanup = false;
                    }
                    if first.is_none() {
                        first = Some(n);
                    }
                }
            }
            _ => {}
        }
        true
    });
    first.map(|f| (f, all_cleanup))
}

/// The text of a call's callee (`requests.post`), for messages.
pub fn callee_text<'s>(call: Node<'_>, src: &'s str) -> &'s str {
    call.field("function").map(|f| node_text(f, src)).unwrap_or("")
}

/// The promise rejection handler of a `.catch(fn)` or `.then(ok, fn)` call.
pub fn promise_handler<'t>(call: Node<'t>, src: &str) -> Option<Node<'t>> {
    let callee = call.field("function")?;
    if callee.kind() != "member_expression" {
        return None;
    }
    let prop = node_text(callee.field("property")?, src);
    if prop != "catch" && prop != "then" {
        return None;
    }
    let args = crate::lang::typescript::call_args(call);
    match (prop, args.as_slice()) {
        ("catch", [h]) => Some(*h),
        ("then", [_, h]) => Some(*h),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Intent, is_idempotent_ddl, meaningful_comment, says_no_throw, split_words, states_reason};

    #[test]
    fn reasons_in_comments() {
        assert!(states_reason("# Best effort: the cache is rebuilt on the next request"));
        assert!(states_reason("/** Refreshes the avatar; this may fail while the provider is down. */"));
        assert!(states_reason("// Ignore errors"));
        assert!(!states_reason("# Push every pending order to the warehouse."));
        assert!(!states_reason("\"\"\"Sync the orders with the warehouse.\"\"\""));
    }

    #[test]
    fn idempotent_ddl() {
        assert!(is_idempotent_ddl("\"CREATE TABLE audit (id serial)\""));
        assert!(is_idempotent_ddl("'create index ix on t (c)'"));
        assert!(is_idempotent_ddl("\"ALTER TABLE jobs ADD COLUMN note text\""));
        assert!(!is_idempotent_ddl("\"ALTER TABLE jobs DROP COLUMN note\""));
        assert!(!is_idempotent_ddl("\"CREATE OR REPLACE VIEW v AS SELECT 1\""));
        assert!(!is_idempotent_ddl("\"UPDATE jobs SET note = ''\""));
        assert!(!is_idempotent_ddl("\"created at\""));
    }

    #[test]
    fn names_that_promise_no_throw() {
        let words: Vec<String> = ["safe", "try", "maybe"].iter().map(|s| s.to_string()).collect();
        assert!(says_no_throw("safeReadFile", &words));
        assert!(says_no_throw("try_parse", &words));
        assert!(says_no_throw("_maybe_notify", &words));
        assert!(!says_no_throw("safety_check", &words));
        assert!(!says_no_throw("safe", &words));
        assert!(!says_no_throw("retry_send", &words));
    }

    #[test]
    fn name_words_split_snake_and_camel_case() {
        assert_eq!(split_words("_get_build_date"), ["get", "build", "date"]);
        assert_eq!(split_words("isReady"), ["is", "ready"]);
        assert_eq!(split_words("sendall"), ["sendall"]);
        assert!(split_words("").is_empty());
    }

    #[test]
    fn every_intent_is_described() {
        let all = [
            Intent::Probe,
            Intent::ParseOrDefault,
            Intent::NotFound,
            Intent::OptionalImport,
            Intent::Cleanup,
            Intent::NonBlocking,
            Intent::AlreadyExists,
            Intent::Documented,
            Intent::CalleeReports,
            Intent::Telemetry,
            Intent::SchemaDefault,
            Intent::ReportsAndExits,
            Intent::LogSink,
            Intent::OptionalFile,
            Intent::CheckedSentinel,
        ];
        let mut seen = std::collections::BTreeSet::new();
        for i in all {
            assert!(seen.insert(i.describe()), "two intents share a description");
        }
    }

    #[test]
    fn comments_that_explain() {
        assert!(meaningful_comment("# the socket may already be closed"));
        assert!(meaningful_comment("// best effort: analytics only"));
        assert!(meaningful_comment("/* ignore: optional */"));
        assert!(!meaningful_comment("# noqa: BLE001"));
        assert!(!meaningful_comment("# nosec"));
        assert!(!meaningful_comment("# type: ignore"));
        assert!(!meaningful_comment("// eslint-disable-line no-empty"));
        assert!(!meaningful_comment("# TODO"));
        assert!(!meaningful_comment("# FIXME: handle this"));
        assert!(!meaningful_comment("# BLE001"));
        assert!(!meaningful_comment("# pagerproof: ignore[PP101] reason"));
        assert!(!meaningful_comment("#"));
    }
}
