//! What an exception handler does with the error it caught, shared by the
//! swallowed-exception rules (PP101 `exception-swallowed`, PP102
//! `io-error-swallowed`, PP104 `exception-cause-dropped`).
//!
//! A handler is a Python `except` clause, a JS `catch` clause, or a promise
//! rejection handler (`.catch(fn)`, `.then(ok, fn)`). [`analyze`] scans the
//! handler's own subtree once (never the whole file) and answers: is it broad,
//! does its body only discard the error, does it log, report, re-raise or use
//! the error, and does it carry a comment explaining why ignoring is safe.
//! Knowledge (loggers, reporters, idioms, I/O calls) comes from
//! `rules/catalog/errors.toml`.

use tree_sitter::Node;

use crate::catalog::errors::LangErrors;
use crate::engine::Checker;
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
    /// A comment in the handler says why ignoring the error is fine.
    pub commented: bool,
    /// The body names the exception, reads it (`sys.exc_info`, `traceback`),
    /// reports it (Sentry), hands it on (`next(err)`) or raises.
    pub handles: bool,
    /// Logging calls in the body.
    pub logs: usize,
    /// One of the logging calls attaches the exception implicitly
    /// (`logger.exception`, `exc_info=True`).
    pub logs_exception: bool,
    /// The `try` only probes input (`JSON.parse`, `new URL`) or the handler
    /// answers a yes/no question (`try { ...; return true } catch { return false }`).
    pub probe: bool,
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
    let discards = !stmts.is_empty() && stmts.iter().all(|s| discards_py(*s, src));
    let scan = scan(clause, body, &names, cx, cat, Grammar::Python);
    let probe = is_bool_probe(clause.parent(), &stmts, src, Grammar::Python);
    Some(Handler {
        kind: HandlerKind::Except,
        node: clause,
        span: Span::new(clause.start_byte(), header_end),
        types,
        broad,
        discards,
        commented: scan.commented,
        handles: scan.handles,
        logs: scan.logs,
        logs_exception: scan.logs_exception,
        probe,
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

fn statements(body: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = body.walk();
    body.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect()
}

fn discards_py(stmt: Node<'_>, src: &str) -> bool {
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
    let discards = stmts.iter().all(|s| discards_js(*s, src, true)) && risky;
    let scan = scan(clause, body, &names, cx, cat, cx.grammar());
    let probe = is_bool_probe(try_stmt, &stmts, src, cx.grammar())
        || try_stmt.and_then(|t| t.field("body")).is_some_and(|b| is_parse_probe(b, cx, cat));
    let header_end = body.start_byte();
    Some(Handler {
        kind: HandlerKind::Catch,
        node: clause,
        span: Span::new(clause.start_byte(), trim_end(src, clause.start_byte(), header_end)),
        types: Vec::new(),
        broad: true,
        discards,
        commented: scan.commented || trailing_comment(clause, src) || acknowledged_before(clause, src),
        handles: scan.handles,
        logs: scan.logs,
        logs_exception: scan.logs_exception,
        probe,
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
    let probe = promise_probe(arg, cx);
    Some(Handler {
        kind: HandlerKind::Promise,
        node: arg,
        span: Span::of(arg),
        types: Vec::new(),
        broad: true,
        discards,
        commented: scan.commented,
        handles: scan.handles,
        logs: scan.logs,
        logs_exception: scan.logs_exception,
        probe,
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
        .is_some_and(|then_call| crate::lang::typescript::call_args(then_call).first().is_some_and(|a| constant_fn(*a)))
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
fn discards_js(stmt: Node<'_>, src: &str, allow_loop_jumps: bool) -> bool {
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
    candidates
        .iter()
        .any(|b| statements(*b).last().is_some_and(|s| s.kind() == "return_statement" && s.named_child(0).is_some()))
}

#[derive(Default)]
struct Scan {
    commented: bool,
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
/// `# noqa: BLE001`, `# nosec B110`, `# pylint: disable=broad-except`): the
/// team has already looked at this handler and decided.
pub fn acknowledges_swallow(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    const RULES: &[&str] = &[
        "no-empty",
        "s110",
        "s112",
        "ble001",
        "e722",
        "b110",
        "b112",
        "broad-except",
        "broad-exception-caught",
        "bare-except",
        "w0702",
        "w0703",
        "w0718",
        "sim105",
    ];
    let directive = lower.contains("eslint-disable")
        || lower.contains("noqa")
        || lower.contains("nosec")
        || lower.contains("pylint:")
        || lower.contains("biome-ignore");
    directive && (RULES.iter().any(|r| lower.contains(r)) || lower.trim_start_matches(['#', ' ']).trim() == "nosec")
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
                    const CLEANUP: &[&str] = &[
                        "remove",
                        "unlink",
                        "rmtree",
                        "rmdir",
                        "removedirs",
                        "close",
                        "kill",
                        "terminate",
                        "shutdown",
                        "delete_object",
                        "killpg",
                    ];
                    if !CLEANUP.contains(&last) {
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
    use super::meaningful_comment;

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
