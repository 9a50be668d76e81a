//! Collection-size evidence: how large can this collection be? Answered once
//! here for the n-plus-one rules (PP501, PP502), the queue rule (PP601) and
//! the fan-out rule (PP602), in Python, TypeScript/JavaScript and Rust, so
//! the four rules agree on what is small.
//!
//! A collection that has evidence of its size gets a [`SizeClass`]:
//!
//! | class | evidence |
//! |---|---|
//! | `Literal` | a literal list, tuple, set, dict, array, object, `range(3)`, or a local assigned one (Rust: a `let` bound once to an array or `vec![..]` literal, or a fixed-size array parameter `[T; N]`) |
//! | `Constant` | an all-caps name, or a module-level literal collection of this or another module (the project fact [`ProjectFacts::constant_collections`], gathered by [`ConstantCollectionFacts`]) |
//! | `Sliced` | `xs[:10]`, `islice(xs, n)`, `.slice(0, n)`, `.take(n)`, `&xs[..n]`; JS/TS: one page of a query (`.limit(n)`, `findMany({ take: 20 })`, `findAll(limit, offset)`) |
//! | `Chunked` | `batched(xs, 100)`, `.chunks(100)`, Python `range(0, len(xs), batch_size)` (a named step, or one of 10 or more): the loop runs once per chunk (a loop over one chunk's items is not small: over all chunks it runs once per item) |
//! | `Registry` | an enum class, `Model.choices`, settings, `Object.values(Enum)`, the catalog's `small_collections`; Rust: a field of the service's configuration (`self.config.shards`), not one rooted in a request |
//! | `SmallRelation` | one parent row's relation that is small by nature (`order.items`), from `[catalog.collections] small_relations` |
//!
//! Besides the collection, facts about the loop and the work:
//! [`exits_after_first`] (the loop returns or breaks unconditionally after
//! the node, so it runs once), [`on_one_connection`] (JS work inside an
//! interactive transaction runs one query at a time), [`rust_local_store`]
//! (the crate's database is an embedded SQLite file: a statement per item is
//! no network round trip) and, for Rust channels, [`reply_channel`] (a
//! receiver drained once in the function that made it).

use tree_sitter::Node;

use crate::catalog::collections::LangCollections;
use crate::engine::facts::{FactCollector, ProjectFacts};
use crate::engine::rust::RustChecker;
use crate::engine::{Checker, FrameKind};
use crate::lang::rust as rs;
use crate::lang::{NodeExt, node_text};
use crate::source::{Grammar, SourceFile};

/// Why a collection is known to be small or bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeClass {
    /// A literal collection or a literal range.
    Literal,
    /// A constant: all-caps, or a module-level literal collection.
    Constant,
    /// The first N items of something.
    Sliced,
    /// Chunks of something: the loop runs once per chunk.
    Chunked,
    /// An enumeration, choices, settings or another fixed registry.
    Registry,
    /// A relation of one parent row that is small by nature.
    SmallRelation,
}

impl SizeClass {
    /// A short name for the evidence, as docs and tests say it.
    pub fn describe(self) -> &'static str {
        match self {
            SizeClass::Literal => "literal",
            SizeClass::Constant => "constant",
            SizeClass::Sliced => "slice or limit",
            SizeClass::Chunked => "chunk",
            SizeClass::Registry => "registry",
            SizeClass::SmallRelation => "small relation",
        }
    }
}

/// How deep names are followed through local assignments.
const MAX_DEPTH: u32 = 6;

/// The size class of a Python or JS/TS collection expression, if it has
/// evidence of being small. Memoised per node for the file.
pub fn size_of<'t>(expr: Node<'t>, cx: &Checker<'_, 't>) -> Option<SizeClass> {
    size_at(expr, cx, 0)
}

fn size_at<'t>(expr: Node<'t>, cx: &Checker<'_, 't>, depth: u32) -> Option<SizeClass> {
    if let Some(&known) = cx.memo.small.borrow().get(&expr.id()) {
        return known;
    }
    let class = if depth > MAX_DEPTH { None } else { size_uncached(expr, cx, depth) };
    cx.memo.small.borrow_mut().insert(expr.id(), class);
    class
}

fn lang<'c>(cx: &Checker<'c, '_>) -> &'c LangCollections {
    if cx.grammar() == Grammar::Python { &cx.catalog.collections.python } else { &cx.catalog.collections.javascript }
}

fn registries<'c>(cx: &Checker<'c, '_>) -> &'c [String] {
    if cx.grammar() == Grammar::Python {
        &cx.catalog.queries.python.small_collections
    } else {
        &cx.catalog.queries.javascript.small_collections
    }
}

fn size_uncached<'t>(expr: Node<'t>, cx: &Checker<'_, 't>, depth: u32) -> Option<SizeClass> {
    let src = cx.src;
    let text = node_text(expr, src);
    if registries(cx).iter().any(|m| text.contains(m.as_str())) {
        return Some(SizeClass::Registry);
    }
    match expr.kind() {
        "list" | "tuple" | "set" | "dictionary" | "array" | "object" | "string" | "template_string" | "integer"
        | "number" => Some(SizeClass::Literal),
        "parenthesized_expression"
        | "await_expression"
        | "await"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression" => expr.named_child(0).and_then(|i| size_at(i, cx, depth + 1)),
        "identifier" => name_size(expr, cx, depth),
        "attribute" | "member_expression" => {
            let last = text.rsplit('.').next().unwrap_or(text);
            if is_constant_name(last) {
                return Some(SizeClass::Constant);
            }
            small_relation(text, cx).then_some(SizeClass::SmallRelation)
        }
        // `xs[:10]`: a slice with an upper bound. Not a window that moves
        // with a loop (`ids[i:i + batch_size]` under `for i in ...`): over
        // that loop it covers every item.
        "subscript" => {
            let bounded = crate::lang::named_children(expr).into_iter().any(|c| {
                c.kind() == "slice"
                    && node_text(c, src).split(':').nth(1).is_some_and(|end| !end.trim().is_empty())
                    && !starts_at_loop_variable(c, cx)
            });
            bounded.then_some(SizeClass::Sliced)
        }
        "call" | "call_expression" => call_size(expr, cx, depth),
        _ => None,
    }
}

fn call_size<'t>(expr: Node<'t>, cx: &Checker<'_, 't>, depth: u32) -> Option<SizeClass> {
    let src = cx.src;
    let callee = expr.field("function")?;
    let name: String = node_text(callee, src).split_whitespace().collect();
    let last = name.rsplit('.').next().unwrap_or(&name);
    let args = expr.field("arguments");
    let first_arg = args.and_then(|a| {
        let mut cursor = a.walk();
        a.named_children(&mut cursor).find(|c| c.kind() != "comment")
    });
    let lang = lang(cx);
    if name == "range" && cx.grammar() == Grammar::Python && range_steps_by_chunk(args, src) {
        return Some(SizeClass::Chunked);
    }
    if name == "range" {
        // `range(len(xs))` is as long as `xs`.
        return (!args.is_some_and(|a| node_text(a, src).contains("len("))).then_some(SizeClass::Literal);
    }
    if lang.chunkers.iter().any(|c| c == last) {
        return Some(SizeClass::Chunked);
    }
    if lang.limiters.iter().any(|l| l == last) {
        return Some(SizeClass::Sliced);
    }
    if matches!(
        name.as_str(),
        "enumerate"
            | "sorted"
            | "reversed"
            | "list"
            | "tuple"
            | "set"
            | "frozenset"
            | "Object.keys"
            | "Object.values"
            | "Object.entries"
            | "Array.from"
    ) {
        return first_arg.and_then(|a| size_at(a, cx, depth + 1));
    }
    if !matches!(callee.kind(), "attribute" | "member_expression") {
        return None;
    }
    let obj = callee.field("object")?;
    let method = callee.field("attribute").or_else(|| callee.field("property")).map(|m| node_text(m, src))?;
    // `CONSTANT.items()`, `[...].entries()`, `order.items.all()`.
    if matches!(method, "items" | "keys" | "values" | "entries" | "all" | "iterator") {
        return size_at(obj, cx, depth + 1);
    }
    // `xs.slice(0, 10)`: the first N items.
    if method == "slice" {
        let n = args.map(crate::lang::named_children).unwrap_or_default();
        if n.len() == 2 && node_text(n[0], src) == "0" {
            return Some(SizeClass::Sliced);
        }
    }
    if lang.chunkers.iter().any(|c| c == method) {
        return Some(SizeClass::Chunked);
    }
    if cx.grammar() != Grammar::Python && js_page_query(method, args, src) {
        return Some(SizeClass::Sliced);
    }
    None
}

/// Names that hold a page size: an option or argument so named bounds the
/// rows a query returns.
const JS_PAGE_SIZE_NAMES: &[&str] = &["take", "limit", "first", "pageSize", "page_size", "perPage", "per_page"];

/// JS/TS: a query that returns one page: `.limit(n)` (knex, Drizzle, Mongo,
/// Kysely), a page-size option (`findMany({ take: 20 })`, `find({ limit })`,
/// `list({ pageSize })`), or a page size passed by name (`findAll(limit,
/// offset)`). A negative or `Infinity` page is no bound.
fn js_page_query(method: &str, args: Option<Node<'_>>, src: &str) -> bool {
    let Some(args) = args else { return false };
    let items: Vec<Node<'_>> =
        crate::lang::named_children(args).into_iter().filter(|c| c.kind() != "comment").collect();
    let bounded = |value: Node<'_>| {
        let t = node_text(value, src).trim();
        !(t.starts_with('-') || t.contains("Infinity") || t == "undefined" || t == "null")
    };
    if method == "limit" {
        return items.first().is_some_and(|a| bounded(*a));
    }
    items.iter().any(|a| match a.kind() {
        "identifier" => JS_PAGE_SIZE_NAMES.contains(&node_text(*a, src)),
        "object" => crate::lang::named_children(*a).into_iter().any(|pair| match pair.kind() {
            "pair" => {
                pair.field("key").is_some_and(|k| JS_PAGE_SIZE_NAMES.contains(&node_text(k, src)))
                    && pair.field("value").is_some_and(bounded)
            }
            "shorthand_property_identifier" => JS_PAGE_SIZE_NAMES.contains(&node_text(pair, src)),
            _ => false,
        }),
        _ => false,
    })
}

/// True when a Python slice starts at a name an enclosing function binds as
/// a `for` target (`ids[start:start + n]` under `for start in range(..)`):
/// a window that walks the whole collection as the loop runs.
fn starts_at_loop_variable(slice: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    if cx.grammar() != Grammar::Python {
        return false;
    }
    let Some(start) = slice.named_child(0).filter(|s| s.kind() == "identifier" && s.start_byte() == slice.start_byte())
    else {
        return false;
    };
    let name = node_text(start, cx.src);
    let Some((_, scope)) = cx.ctx.function() else { return false };
    let mut found = false;
    crate::lang::walk(scope, &mut |n| {
        if found {
            return false;
        }
        if n.kind() == "for_statement"
            && let Some(left) = n.field("left")
        {
            found = binds(left, name, cx.src);
        }
        true
    });
    found
}

/// Python `range(0, len(ids), batch_size)`: a step that is a name or an
/// expression (`batch_size`, `self.chunk_size`, `settings.BATCH`) or an
/// integer of 10 or more walks the collection a chunk at a time, so the loop
/// runs once per chunk (its body slices `ids[i:i + batch_size]`). A step of a
/// few (`range(0, len(xs), 2)`, pairs) still runs once per item or two.
fn range_steps_by_chunk(args: Option<Node<'_>>, src: &str) -> bool {
    let Some(args) = args else { return false };
    let kids: Vec<Node<'_>> = crate::lang::named_children(args).into_iter().filter(|c| c.kind() != "comment").collect();
    let [_, _, step] = kids.as_slice() else { return false };
    match step.kind() {
        "integer" => node_text(*step, src).replace('_', "").parse::<u64>().is_ok_and(|n| n >= 10),
        "identifier" | "attribute" | "binary_operator" => true,
        _ => false,
    }
}

/// A name: constant, enum class, a local assigned a sized value, or an
/// imported constant collection.
fn name_size<'t>(ident: Node<'t>, cx: &Checker<'_, 't>, depth: u32) -> Option<SizeClass> {
    let src = cx.src;
    let name = node_text(ident, src);
    if is_constant_name(name) {
        return Some(SizeClass::Constant);
    }
    if let Some((value, pattern)) = single_local_value(ident, cx) {
        if !pattern {
            return size_at(value, cx, depth + 1);
        }
        // `const [total, rows] = await repo.findAll(limit, offset)`: what a
        // page query returns, taken apart, holds one page.
        if js_destructured_page(value, cx) {
            return Some(SizeClass::Sliced);
        }
    }
    let binding = cx.semantic.lookup(name);
    let imported_or_module = binding.is_none_or(|b| b.site.kind().contains("import") || at_module_level(b.site));
    if imported_or_module && cx.facts.constant_collections.contains(name) {
        return Some(SizeClass::Constant);
    }
    // `for status in OrderStatus:`: a class iterated is an enumeration.
    let class_like =
        name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && name.chars().any(|c| c.is_lowercase());
    // Classes and enums are not bound by the model: no binding, or an import.
    if class_like && binding.is_none_or(|b| b.site.kind().contains("import") || at_module_level(b.site)) {
        return Some(SizeClass::Registry);
    }
    None
}

fn at_module_level(node: Node<'_>) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind())
            || matches!(n.kind(), "function_definition" | "lambda" | "class_definition" | "class_body")
        {
            return false;
        }
        cur = n.parent();
    }
    true
}

fn binds(pattern: Node<'_>, name: &str, src: &str) -> bool {
    let mut found = false;
    crate::lang::walk(pattern, &mut |n| {
        found |= n.kind() == "identifier" && node_text(n, src) == name;
        !found
    });
    found
}

/// JS/TS: `value` (awaited or not) is a call of a page query
/// ([`js_page_query`]).
fn js_destructured_page(value: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    if cx.grammar() == Grammar::Python {
        return false;
    }
    let call = if value.kind() == "await_expression" { value.named_child(0) } else { Some(value) };
    let Some(call) = call.filter(|c| c.kind() == "call_expression") else { return false };
    let method = call.field("function").filter(|f| f.kind() == "member_expression").and_then(|f| f.field("property"));
    method.is_some_and(|m| js_page_query(node_text(m, cx.src), call.field("arguments"), cx.src))
}

/// The value of a name assigned exactly once in the enclosing function (and
/// bound nowhere else there), before `ident`, and whether the name is bound
/// by destructuring it (`const [a, b] = value`).
fn single_local_value<'t>(ident: Node<'t>, cx: &Checker<'_, 't>) -> Option<(Node<'t>, bool)> {
    let src = cx.src;
    let name = node_text(ident, src);
    let (_, scope) = cx.ctx.function()?;
    let mut value = None;
    let mut count = 0;
    crate::lang::walk(scope, &mut |n| {
        if n.start_byte() >= ident.start_byte() {
            return false;
        }
        let (left, right) = match n.kind() {
            "assignment" | "augmented_assignment" | "assignment_expression" => (n.field("left"), n.field("right")),
            "variable_declarator" => (n.field("name"), n.field("value")),
            "for_statement" | "for_in_statement" | "for_in_clause" => (n.field("left"), None),
            _ => (None, None),
        };
        if let Some(l) = left
            && binds(l, name, src)
        {
            count += 1;
            value = right.filter(|_| n.kind() != "augmented_assignment").map(|r| (r, l.kind() != "identifier"));
        }
        true
    });
    if count == 1 { value } else { None }
}

/// `order.items`, `self.draft_order.lines`: a relation the catalog lists as
/// small by nature for its parent.
fn small_relation(text: &str, cx: &Checker<'_, '_>) -> bool {
    let compact: String = text.split_whitespace().collect();
    relation_listed(&compact, &cx.catalog.collections.small_relations)
}

fn relation_listed(chain: &str, listed: &[String]) -> bool {
    let mut parts = chain.rsplit('.');
    let (Some(rel), Some(parent)) = (parts.next(), parts.next()) else { return false };
    let parent = parent.trim_end_matches('?').trim_end_matches('!');
    listed.iter().any(|entry| {
        let Some((p, r)) = entry.split_once('.') else { return false };
        if r != rel {
            return false;
        }
        let capital: String = p.chars().take(1).flat_map(char::to_uppercase).chain(p.chars().skip(1)).collect();
        parent.eq_ignore_ascii_case(p) || parent.ends_with(&format!("_{p}")) || parent.ends_with(&capital)
    })
}

/// `MAX_RETRIES`, `STATUSES`: an all-caps name is a constant.
pub fn is_constant_name(s: &str) -> bool {
    s.len() > 1
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// What leaving the loop after `node` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The loop runs on.
    No,
    /// `break`: this loop ends after its first pass.
    Loop,
    /// `return`, `raise`, `throw`: the function ends after the first pass.
    Function,
}

/// Whether the loop whose body is `body` ends unconditionally after the pass
/// that reaches `node`: a `return`, `raise`, `throw` or `break` follows it at
/// the body's top level (or the statement holding it is one), with no
/// `continue` in the body to skip it.
pub fn exits_after_first(node: Node<'_>, body: Node<'_>) -> Exit {
    if !matches!(body.kind(), "block" | "statement_block") {
        return Exit::No;
    }
    let mut skips = false;
    crate::lang::walk(body, &mut |n| {
        skips |= n.kind() == "continue_statement";
        !skips
    });
    if skips {
        return Exit::No;
    }
    let stmts = crate::lang::named_children(body);
    let Some(at) = stmts.iter().position(|s| s.start_byte() <= node.start_byte() && node.end_byte() <= s.end_byte())
    else {
        return Exit::No;
    };
    for s in &stmts[at..] {
        match s.kind() {
            "return_statement" | "raise_statement" | "throw_statement" => return Exit::Function,
            "break_statement" => return Exit::Loop,
            _ => {}
        }
    }
    Exit::No
}

/// JS/TS: `node` runs inside the callback of an interactive transaction
/// (`prisma.$transaction(async (tx) => ...)`, `knex.transaction(...)`), whose
/// queries share one connection and run one after another, so `Promise.all`
/// there starts no more connections.
pub fn on_one_connection(cx: &Checker<'_, '_>) -> bool {
    let scopes = &cx.catalog.collections.javascript.one_connection;
    cx.ctx.frames().iter().any(|f| {
        let FrameKind::Function(info) = &f.kind else { return false };
        if !info.is_callback {
            return false;
        }
        let call = f.node.parent().filter(|p| p.kind() == "arguments").and_then(|a| a.parent());
        let callee = call.and_then(|c| c.field("function"));
        callee.is_some_and(|c| {
            let t = node_text(c, cx.src);
            let last = t.rsplit('.').next().unwrap_or(t);
            scopes.iter().any(|s| s == last)
        })
    })
}

/// JS/TS: every call the per-item `work` waits for (awaits, returns, or is,
/// for an expression-bodied arrow) goes through one transaction or query
/// runner handle, so the items' queries queue on that handle's single
/// connection: `roles.map(async (r) => queryRunner.manager.findBy(...))`,
/// `ids.map((id) => trx("t").where({ id }).del())`. A handle is a name the
/// catalog lists (`[catalog.collections.javascript] one_connection_handles`:
/// `queryRunner`, `trx`, `tx`), a parameter typed as one
/// (`one_connection_types`: `QueryRunner`, `Knex.Transaction`,
/// `Prisma.TransactionClient`), a local made by a call that hands one out
/// (`one_connection_makers`: `dataSource.createQueryRunner()`, or a
/// `one_connection` call without a callback, `await knex.transaction()`),
/// `this.<handle>`, or a handle passed on as an argument
/// (`this.load(id, queryRunner)`). Work that also waits on anything else
/// (`this.repo.findOne`, `prisma.user.findUnique`, `fetch`) is not.
/// Shared by PP602 and the function summaries' `fans_out` fact.
pub fn js_work_on_one_connection(work: Node<'_>, lang: &LangCollections, src: &str) -> bool {
    let work = crate::lang::typescript::unwrap_expr(work);
    let is_func = crate::lang::typescript::FUNCTION_KINDS.contains(&work.kind());
    let body = if is_func { work.field("body") } else { Some(work) };
    let Some(body) = body else { return false };
    let mut waited: Vec<Node<'_>> = Vec::new();
    let top = crate::lang::typescript::unwrap_expr(body);
    if top.kind() == "call_expression" {
        waited.push(top);
    }
    crate::lang::walk(body, &mut |n| {
        if n.id() != body.id() && crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind()) {
            return false;
        }
        if matches!(n.kind(), "await_expression" | "return_statement")
            && let Some(inner) = n.named_child(0).map(crate::lang::typescript::unwrap_expr)
            && inner.kind() == "call_expression"
            && !waited.iter().any(|w| w.id() == inner.id())
        {
            waited.push(inner);
        }
        true
    });
    !waited.is_empty() && waited.iter().all(|&call| js_call_through_handle(call, work, lang, src))
}

/// The call's receiver chain starts at a one-connection handle, or one of
/// its arguments is a handle.
fn js_call_through_handle(call: Node<'_>, work: Node<'_>, lang: &LangCollections, src: &str) -> bool {
    let mut n = call;
    let root = loop {
        match n.kind() {
            "call_expression" => match n.field("function") {
                Some(f) => n = f,
                None => return false,
            },
            "member_expression" => match n.field("object") {
                Some(o) if o.kind() == "this" => break n.field("property"),
                Some(o) => n = o,
                None => return false,
            },
            "parenthesized_expression" | "non_null_expression" | "await_expression" | "as_expression" => {
                match n.named_child(0) {
                    Some(c) => n = c,
                    None => return false,
                }
            }
            "identifier" => break Some(n),
            _ => break None,
        }
    };
    let is_handle = |name: Node<'_>| js_is_handle(node_text(name, src), work, lang, src);
    root.is_some_and(is_handle)
        || crate::lang::typescript::call_args(call).into_iter().any(|a| a.kind() == "identifier" && is_handle(a))
}

fn js_is_handle(name: &str, at: Node<'_>, lang: &LangCollections, src: &str) -> bool {
    if lang.one_connection_handles.iter().any(|h| h == name) {
        return true;
    }
    // The nearest binding of `name` in the functions around `at`.
    let mut cur = at.parent();
    while let Some(f) = cur {
        cur = f.parent();
        if !crate::lang::typescript::FUNCTION_KINDS.contains(&f.kind()) {
            continue;
        }
        if let Some(params) = f.field("parameters") {
            for p in crate::lang::named_children(params) {
                let pname = p.field("pattern").unwrap_or(p);
                if pname.kind() == "identifier" && node_text(pname, src) == name {
                    return p.field("type").is_some_and(|t| js_handle_type(node_text(t, src), lang));
                }
            }
        }
        let Some(body) = f.field("body") else { continue };
        let mut value: Option<Node<'_>> = None;
        let mut bound = false;
        crate::lang::walk(body, &mut |n| {
            if n.id() != body.id() && crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind()) {
                return false;
            }
            if n.kind() == "variable_declarator"
                && n.start_byte() < at.start_byte()
                && n.field("name").is_some_and(|l| l.kind() == "identifier" && node_text(l, src) == name)
            {
                bound = true;
                value = n.field("value");
                if let Some(t) = n.field("type")
                    && js_handle_type(node_text(t, src), lang)
                {
                    value = Some(t);
                }
            }
            true
        });
        if bound {
            let Some(v) = value else { return false };
            if v.kind() == "type_annotation" {
                return true;
            }
            let v = crate::lang::typescript::unwrap_expr(v);
            if v.kind() != "call_expression" {
                return false;
            }
            let callee = v.field("function").map(|c| node_text(c, src)).unwrap_or("");
            let last = callee.rsplit('.').next().unwrap_or(callee);
            let no_callback = !crate::lang::typescript::call_args(v)
                .iter()
                .any(|a| crate::lang::typescript::FUNCTION_KINDS.contains(&a.kind()));
            return lang.one_connection_makers.iter().any(|m| m == last)
                || (no_callback && lang.one_connection.iter().any(|m| m == last));
        }
    }
    false
}

/// A type annotation names a one-connection handle type: its last segment,
/// generics stripped (`: Knex.Transaction<any, any[]>` is `Transaction`).
fn js_handle_type(text: &str, lang: &LangCollections) -> bool {
    let t = text.trim_start_matches(':').trim();
    let t = t.split('<').next().unwrap_or(t).trim();
    lang.one_connection_types.iter().any(|h| h == t || t.rsplit('.').next() == Some(h.as_str()) && !h.contains('.'))
}

// ------------------------------------------------------------------ Rust

/// The size class of a Rust iterable, if it has evidence of being small.
pub fn rust_size_of(expr: &syn::Expr, cx: &RustChecker<'_, '_>) -> Option<SizeClass> {
    rust_size(expr, cx, 0)
}

fn rust_size(expr: &syn::Expr, cx: &RustChecker<'_, '_>, depth: u32) -> Option<SizeClass> {
    use syn::Expr;
    if depth > MAX_DEPTH {
        return None;
    }
    let text = cx.text(expr);
    if cx.catalog.queries.rust.small_collections.iter().any(|m| text.contains(m.as_str())) {
        return Some(SizeClass::Registry);
    }
    let lang = &cx.catalog.collections.rust;
    match expr {
        Expr::Array(_) | Expr::Lit(_) | Expr::Tuple(_) => Some(SizeClass::Literal),
        Expr::Reference(r) => rust_size(&r.expr, cx, depth + 1),
        Expr::Paren(p) => rust_size(&p.expr, cx, depth + 1),
        Expr::Group(g) => rust_size(&g.expr, cx, depth + 1),
        Expr::Range(r) => {
            let lit = |e: &Option<Box<Expr>>| {
                e.as_deref().is_none_or(|e| matches!(e, Expr::Lit(_)) || is_constant_name(cx.text(e)))
            };
            (r.start.is_some() && r.end.is_some() && lit(&r.start) && lit(&r.end)).then_some(SizeClass::Literal)
        }
        // `&xs[..10]`: a slice with an end.
        Expr::Index(i) => match rs::peel(&i.index) {
            Expr::Range(r) if r.end.is_some() => Some(SizeClass::Sliced),
            _ => None,
        },
        Expr::Path(p) => {
            let last = p.path.segments.last()?.ident.to_string();
            if is_constant_name(&last) {
                return Some(SizeClass::Constant);
            }
            (p.path.segments.len() == 1 && rust_fixed_local(&last, cx)).then_some(SizeClass::Literal)
        }
        Expr::Field(f) => {
            let member = match &f.member {
                syn::Member::Named(n) => n.to_string(),
                syn::Member::Unnamed(_) => return None,
            };
            if is_constant_name(&member) {
                return Some(SizeClass::Constant);
            }
            let chain: String = cx.text(expr).split_whitespace().collect();
            if rust_config_field(&chain) {
                return Some(SizeClass::Registry);
            }
            relation_listed(&chain, &cx.catalog.collections.small_relations).then_some(SizeClass::SmallRelation)
        }
        Expr::Macro(m) => {
            (rs::macro_name(&m.mac) == "vec" && !m.mac.tokens.to_string().contains(';')).then_some(SizeClass::Literal)
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if lang.chunkers.contains(&name) {
                return Some(SizeClass::Chunked);
            }
            if lang.limiters.contains(&name) {
                return Some(SizeClass::Sliced);
            }
            if matches!(
                name.as_str(),
                "iter" | "into_iter" | "iter_mut" | "enumerate" | "copied" | "cloned" | "chain" | "keys" | "values"
            ) {
                return rust_size(&m.receiver, cx, depth + 1);
            }
            None
        }
        _ => None,
    }
}

/// Owners of a field chain that hold the service's own configuration.
const CONFIG_OWNERS: &[&str] = &["config", "cfg", "conf", "settings"];

/// Chain roots that hold what a caller sent.
const REQUEST_ROOTS: &[&str] = &["request", "req", "body", "payload", "input", "params", "args", "query", "form"];

/// Rust: `self.config.shards`, `cfg.peers`: a field of the service's own
/// configuration, whose length the operator chose (a handful of shards,
/// peers or regions). A chain rooted in a request (`req.config.shards`) is
/// what a caller sent, of any length.
fn rust_config_field(chain: &str) -> bool {
    let parts: Vec<&str> = chain.split('.').map(|p| p.trim_start_matches('&').trim_end_matches("()")).collect();
    let Some((_, owners)) = parts.split_last() else { return false };
    let root = owners.first().copied().unwrap_or("");
    !REQUEST_ROOTS.contains(&root) && owners.iter().any(|p| CONFIG_OWNERS.contains(p))
}

/// Rust: the local `name` of the enclosing function holds a fixed number of
/// items: it is bound once with `let` to an array or `vec![..]` literal
/// that nothing pushes to, or it is a parameter of a fixed-size array type (`[Shard; 4]`,
/// `&[NodeId; 3]`). A name bound twice, or bound to anything else, is not.
fn rust_fixed_local(name: &str, cx: &RustChecker<'_, '_>) -> bool {
    let func = cx.function_text();
    let word = |at: usize, len: usize| {
        let before = func[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = func[at + len..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        before && after
    };
    let mut inits: Vec<&str> = Vec::new();
    let mut from = 0;
    while let Some(i) = func[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        if !word(at, name.len()) {
            continue;
        }
        let head = func[..at].trim_end();
        let rest = func[from..].trim_start();
        if head.ends_with("let") || head.ends_with("let mut") {
            let Some(init) = rest.strip_prefix('=') else { return false };
            inits.push(init.trim_start());
        } else if let Some(ty) = rest.strip_prefix(':')
            && !rest.starts_with("::")
            && (head.ends_with('(') || head.ends_with(','))
        {
            // A parameter: `shards: [ShardId; 4]` or `&[ShardId; 4]`.
            let ty = ty.trim_start().trim_start_matches('&').trim_start_matches("mut ").trim_start();
            let fixed = ty.starts_with('[') && ty[..ty.find(']').unwrap_or(0)].contains(';');
            if !fixed {
                return false;
            }
            inits.push("[");
        }
    }
    let [init] = inits.as_slice() else { return false };
    // A literal that grows later is as long as what it was given.
    if ["push(", "extend(", "append(", "insert("].iter().any(|m| func.contains(&format!("{name}.{m}"))) {
        return false;
    }
    let literal = init.starts_with('[');
    let vec = init.strip_prefix("vec!").is_some_and(|v| {
        let v = v.trim_start();
        let close = v.find([']', ')']).unwrap_or(v.len());
        !v[..close].contains(';')
    });
    literal || vec
}

/// Rust: the `for` loop body `body` ends unconditionally after the statement
/// at byte `at` (a `return` or `break` statement follows at its top level).
pub fn rust_exits_after_first(body: &syn::Block, at: u32, cx: &RustChecker<'_, '_>) -> Exit {
    let has_continue = cx.text(body).contains("continue");
    if has_continue {
        return Exit::No;
    }
    let mut reached = false;
    for stmt in &body.stmts {
        let span = cx.span(stmt);
        // The statement holding `at`, or any after it.
        reached |= at < span.end.max(span.start + 1);
        if !reached {
            continue;
        }
        let expr = match stmt {
            syn::Stmt::Expr(e, _) => e,
            _ => continue,
        };
        match expr {
            syn::Expr::Return(_) => return Exit::Function,
            syn::Expr::Break(_) => return Exit::Loop,
            _ => {}
        }
    }
    Exit::No
}

/// Rust: the crate this file belongs to keeps its data in a local embedded
/// database: its own `Cargo.toml` (the nearest one above the file) depends
/// on SQLite (sqlx's `sqlite` feature, `rusqlite`, diesel's `sqlite`) and on
/// no database server. A statement per item there is a call into the
/// process, not a network round trip. Answered once per crate folder.
pub fn rust_local_store(cx: &RustChecker<'_, '_>) -> bool {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, bool>>> = OnceLock::new();
    let Some(mut dir) = cx.file.fs_path.parent().map(std::path::Path::to_path_buf) else { return false };
    let seen = SEEN.get_or_init(Default::default);
    let start = dir.clone();
    if let Some(&known) = seen.lock().expect("local store cache").get(&start) {
        return known;
    }
    let answer = loop {
        if let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml"))
            && text.contains("[package]")
        {
            use crate::analysis::database::Engine;
            let engines = crate::analysis::database::cargo_engines(&text);
            break engines.len() == 1 && engines.contains(&Engine::Sqlite);
        }
        if !dir.pop() || dir.as_os_str().is_empty() {
            break false;
        }
    };
    seen.lock().expect("local store cache").insert(start, answer);
    answer
}

/// Rust: the channel is a request channel: each message it carries holds the
/// sender of a `oneshot` reply (`struct Request { .., reply:
/// oneshot::Sender<..> }`, or an enum each of whose variants holds one), so
/// every sender waits for its answer and the messages in flight are bounded
/// by the callers waiting, not by how fast they produce.
///
/// The message type comes from the constructor's turbofish
/// (`unbounded_channel::<Request>()`), the `let`'s type annotation, or the
/// field of this file that stores one of the channel's ends (`sender:
/// UnboundedSender<Request>`, for `let (sender, receiver) = ..`); the type
/// must be defined in this file.
pub fn rust_request_channel(
    constructor: &str,
    annotation: Option<&str>,
    ends: &[String],
    cx: &RustChecker<'_, '_>,
) -> bool {
    let text = cx.src;
    let mut candidates: Vec<String> = Vec::new();
    if let Some((_, t)) = constructor.split_once("::<") {
        candidates.extend(type_name(t));
    }
    if let Some(a) = annotation {
        for piece in a.split("Sender<").skip(1).chain(a.split("Receiver<").skip(1)) {
            candidates.extend(type_name(piece));
        }
    }
    for end in ends.iter().filter(|e| e.len() > 1) {
        // Distinct names only: a field name a file repeats (`events:` in
        // every copy of a struct) names the same type each time, and keeping
        // each made every channel of such a file read them all (quadratic).
        let found = crate::engine::memoised(&cx.memo.rust_end_types, end, || {
            let mut found: Vec<String> = Vec::new();
            let pattern = format!("{end}:");
            let mut from = 0;
            while let Some(i) = text[from..].find(&pattern) {
                let at = from + i;
                from = at + pattern.len();
                let word_start = text[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                if !word_start {
                    continue;
                }
                let field = &text[from..];
                let field = &field[..field.find([',', '\n', ';', '=']).unwrap_or(field.len())];
                for marker in ["Sender<", "Receiver<"] {
                    if let Some(j) = field.find(marker) {
                        found.extend(type_name(&field[j + marker.len()..]));
                    }
                }
            }
            found.sort_unstable();
            found.dedup();
            found
        });
        candidates.extend(found);
    }
    candidates.iter().any(|name| crate::engine::memoised(&cx.memo.rust_reply_types, name, || carries_reply(name, text)))
}

/// The last path segment of the type that starts `t` (`crate::Req<A>, ..` →
/// `Req`).
fn type_name(t: &str) -> Option<String> {
    let path: String = t.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
    let last = path.rsplit("::").next().unwrap_or(&path);
    (!last.is_empty() && last.starts_with(|c: char| c.is_ascii_uppercase())).then(|| last.to_string())
}

/// The struct `name` defined in `text` has a `oneshot::Sender` field, or the
/// enum `name` has one in every variant.
fn carries_reply(name: &str, text: &str) -> bool {
    for kw in ["struct", "enum"] {
        let head = format!("{kw} {name}");
        let mut from = 0;
        while let Some(i) = text[from..].find(&head) {
            let at = from + i;
            from = at + head.len();
            let next = text[from..].chars().next();
            if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(open) = text[at..].find('{').map(|o| at + o) else { continue };
            // `struct Req;` or a tuple struct: no braces of its own.
            if text[at..open].contains(';') {
                continue;
            }
            let mut depth = 0usize;
            let mut close = None;
            for (j, b) in text.bytes().enumerate().skip(open) {
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(close) = close else { continue };
            // The body without comments or whitespace.
            let body: String = text[open + 1..close]
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<String>()
                .split_whitespace()
                .collect();
            let replies = |t: &str| t.contains("oneshot::Sender<");
            if kw == "struct" {
                return replies(&body);
            }
            let variants = top_level_items(&body);
            return !variants.is_empty() && variants.iter().all(|v| replies(v));
        }
    }
    false
}

/// The comma-separated items of `body` at nesting depth 0 (enum variants),
/// without attributes, empty items left out.
fn top_level_items(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = body.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' | b'(' | b'[' | b'<' => depth += 1,
            b'}' | b')' | b']' => depth -= 1,
            b'>' if i > 0 && bytes[i - 1] != b'-' && bytes[i - 1] != b'=' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out.into_iter()
        .map(|v| {
            // `#[serde(..)]Variant{..}` → `Variant{..}`.
            let mut v = v;
            while let Some(rest) = v.strip_prefix("#[") {
                let end = rest.find(']').map_or(rest.len(), |e| e + 1);
                v = &rest[end..];
            }
            v
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// Rust: the channel receiver `rx` is a reply channel: in the function that
/// made it (its text `func`, the channel made at byte `made` of it), it is
/// used only to take one message with a receive method, outside any loop
/// that starts after the channel is made. One message is all it ever holds.
pub fn reply_channel(rx: &str, func: &str, made: usize, cx: &RustChecker<'_, '_>) -> bool {
    let methods = &cx.catalog.collections.rust.receive_methods;
    let after = &func[made.min(func.len())..];
    let mut receives = 0;
    let mut start = 0;
    while let Some(i) = after[start..].find(rx) {
        let at = start + i;
        start = at + rx.len();
        let before_ok = after[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let rest = &after[at + rx.len()..];
        let after_ok = rest.chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if !(before_ok && after_ok) {
            continue;
        }
        // The binding itself: `let (tx, mut rx) = ...`.
        if receives == 0 && at < after.find('=').unwrap_or(0) {
            continue;
        }
        let receive = rest
            .strip_prefix('.')
            .is_some_and(|r| methods.iter().any(|m| r.starts_with(m.as_str()) && r[m.len()..].starts_with('(')));
        if !receive || inside_loop(after, at) {
            return false;
        }
        receives += 1;
    }
    receives == 1
}

/// Whether byte `at` of `text` sits inside the braces of a `loop`, `while`
/// or `for` that starts in `text` (strings and comments are not told apart:
/// a keyword in them only makes the answer "inside", the cautious one).
fn inside_loop(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    for kw in ["loop", "while", "for"] {
        let mut from = 0;
        while let Some(i) = text[from..at].find(kw) {
            let k = from + i;
            from = k + kw.len();
            let word_start = k == 0 || !(bytes[k - 1].is_ascii_alphanumeric() || bytes[k - 1] == b'_');
            let word_end = bytes.get(k + kw.len()).is_some_and(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
            if !(word_start && word_end) {
                continue;
            }
            // The loop's block: the first `{` after the keyword, to its match.
            let Some(open) = text[k..].find('{').map(|o| k + o) else { continue };
            if open > at {
                // `while let Some(m) = rx.recv()`: the receive is the loop's condition.
                return true;
            }
            let mut depth = 0usize;
            let mut close = text.len();
            for (j, b) in bytes.iter().enumerate().skip(open) {
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if at < close {
                return true;
            }
        }
    }
    false
}

// ------------------------------------------------------------------ facts

/// Gathers [`ProjectFacts::constant_collections`] with a text scan (no
/// parse): module-level `NAME = [...]` (Python) and `const name = [...]`
/// (JS/TS, exported or not) with a non-empty literal, never mutated in
/// the file (`name.append(`, `name.push(`, `name[k] =`).
pub struct ConstantCollectionFacts;

impl FactCollector for ConstantCollectionFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &[]
    }

    fn scan(&self, file: &SourceFile, facts: &mut ProjectFacts) {
        let python = file.grammar == Grammar::Python;
        let text: &str = &file.text;
        let mut at = 0;
        // Built on the first constant: one pass over the file, where a
        // search for each constant's name made a constants module cost the
        // square of its size.
        let mut changed: Option<std::collections::HashSet<&str>> = None;
        while at < text.len() {
            if let Some(name) = constant_at(&text[at..], python)
                && !changed.get_or_insert_with(|| mutated_names(text)).contains(name)
            {
                facts.constant_collections.insert(name.to_string());
            }
            at += text[at..].find('\n').map_or(text.len() - at, |n| n + 1);
        }
    }
}

/// The name a column-0 line (at the start of `text`) binds to a non-empty
/// literal collection; the literal may span lines.
fn constant_at(text: &str, python: bool) -> Option<&str> {
    let rest = if python {
        text
    } else {
        let l = text.strip_prefix("export ").unwrap_or(text);
        l.strip_prefix("const ")?
    };
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))?;
    let name = &rest[..end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) || (python && name == "__all__") {
        return None;
    }
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let mut after = rest[end..line_end].trim_start();
    // `name: Type = ...`
    if let Some(t) = after.strip_prefix(':') {
        after = &t[t.find('=')?..];
    }
    let value = after.strip_prefix('=')?.trim_start();
    let value = value.strip_prefix("frozenset(").or_else(|| value.strip_prefix("Object.freeze(")).unwrap_or(value);
    let open = value.chars().next()?;
    let close = match open {
        '[' => ']',
        '(' => ')',
        '{' => '}',
        _ => return None,
    };
    // The literal continues past this line: read on in the whole text.
    let offset = value.as_ptr() as usize - rest.as_ptr() as usize;
    let inner = rest[offset + 1..].trim_start();
    // `[]`, `{}`: an empty module-level collection is a registry filled at
    // run time. A Python `(...)` is a tuple only with a comma.
    let empty = inner.is_empty() || inner.starts_with(close);
    let not_tuple = python && open == '(' && inner.find(',').is_none_or(|c| inner.find(')').is_some_and(|p| p < c));
    (!empty && !not_tuple).then_some(name)
}

const MUTATORS: &[&str] =
    &["append(", "extend(", "push(", "add(", "update(", "insert(", "unshift(", "set(", "setdefault("];

/// Whether `rest` (the text from a `.` or `[` after a name) changes the
/// collection: a mutating method call, or `[key] = value` (not `==`).
fn mutation_at(rest: &str) -> bool {
    if let Some(call) = rest.strip_prefix('.') {
        return MUTATORS.iter().any(|m| call.starts_with(m));
    }
    rest.starts_with('[')
        && rest.lines().next().is_some_and(|line| {
            line.find(']').is_some_and(|c| {
                let after = line[c + 1..].trim_start();
                after.starts_with('=') && !after.starts_with("==")
            })
        })
}

/// Every name the file adds to or changes (`name.append(`, `name.push(`,
/// `name[k] = v`), in one pass over the `.` and `[` of the text: each name
/// written right before a mutation and not after a word character or a dot
/// (`my_queue.append`, `self.queue.append` change neither `queue`).
fn mutated_names(text: &str) -> std::collections::HashSet<&str> {
    let name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = std::collections::HashSet::new();
    for site in memchr::memchr2_iter(b'.', b'[', text.as_bytes()) {
        if !mutation_at(&text[site..]) {
            continue;
        }
        // Back over the name characters (at most 1 KB: no constant's name
        // is longer), keeping each start not preceded by a word character
        // or a dot (`$` may start a name inside a run: `$queue`).
        let mut chars = text[..site].char_indices().rev().peekable();
        while let Some((i, c)) = chars.next() {
            if !name_char(c) || site - i > 1024 {
                break;
            }
            let before = chars.peek().map(|&(_, b)| b);
            if before.is_none_or(|b| !(b.is_alphanumeric() || b == '_' || b == '.')) {
                out.insert(&text[i..site]);
            }
        }
    }
    out
}

/// The file adds to or changes the collection somewhere.
#[cfg(test)]
fn mutated(text: &str, name: &str) -> bool {
    mutated_names(text).contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_lines_are_non_empty_literals_at_column_zero() {
        assert_eq!(constant_at("currencies = [\"EUR\", \"USD\"]", true), Some("currencies"));
        assert_eq!(constant_at("kinds: list[str] = [\n    'a',\n]\n", true), Some("kinds"));
        assert_eq!(constant_at("handlers = []", true), None);
        assert_eq!(constant_at("handlers = [\n]\n", true), None);
        assert_eq!(constant_at("    local = [1]", true), None);
        assert_eq!(constant_at("x = (yield)", true), None);
        assert_eq!(constant_at("PAIR = (1, 2)", true), Some("PAIR"));
        assert_eq!(constant_at("export const locales = ['en', 'fr'] as const;", false), Some("locales"));
        assert_eq!(constant_at("const registry = {};", false), None);
        assert_eq!(constant_at("let mutable = [1];", false), None);
    }

    #[test]
    fn a_mutated_collection_is_not_constant() {
        assert!(mutated("queue = [1]\nqueue.append(2)\n", "queue"));
        assert!(mutated("m = {'a': 1}\nm['b'] = 2\n", "m"));
        assert!(!mutated("m = {'a': 1}\nif m['a'] == 1: pass\n", "m"));
        assert!(!mutated("queue = [1]\nmy_queue.append(2)\nself.queue.append(3)\n", "queue"));
    }

    #[test]
    fn relations_match_the_parent_name_or_its_suffix() {
        let listed = vec!["order.lines".to_string()];
        assert!(relation_listed("order.lines", &listed));
        assert!(relation_listed("self.draft_order.lines", &listed));
        assert!(relation_listed("currentOrder.lines", &listed));
        assert!(!relation_listed("border.lines", &listed));
        assert!(!relation_listed("order.payments", &listed));
    }
}
