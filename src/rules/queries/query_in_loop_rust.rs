//! The Rust side of `query-in-loop` (PP501): a sqlx, Diesel, SeaORM or
//! tokio-postgres query, or a reqwest call, run once per item of a `for` /
//! `while let` loop or of a per-item closure (`.map(..)` fed to `join_all`,
//! `buffer_unordered`). The clients are the `[rust]` section of
//! `rules/catalog/queries.toml`. Not a rule itself.

use std::collections::HashSet;

use crate::analysis::collections::{self, Exit};
use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use crate::catalog::queries::{RustQueries, RustQueryClient};
use crate::diagnostic::Label;
use crate::engine::rust::{LoopKind, RustChecker, RustFrame, RustKind, RustNode};
use crate::lang::rust::{self as rs, Step};
use crate::source::Span;

/// The node kinds the rule registers.
pub const KINDS: &[RustKind] = &[RustKind::MethodCall, RustKind::Call];

/// The loop a call runs in: the names bound per item and where it is.
struct Loop<'a> {
    vars: Vec<String>,
    header: Span,
    body: Option<&'a syn::Block>,
    closure_body: Option<&'a Expr>,
    concurrent: bool,
}

/// The query (not an HTTP call) `node` runs where it is written, when it is
/// a catalog client's query: its span and the call as shown. The function
/// summaries ([`crate::analysis::summaries`]) record it as the function's
/// query; data-access helpers named like queries are left to the summaries.
pub fn query_call(node: RustNode<'_>, cx: &RustChecker<'_, '_>) -> Option<(Span, String)> {
    let q = &cx.catalog.queries.rust;
    let (whole, client, _, _, shown) = match node {
        RustNode::MethodCall(m) => match_chain(m, cx, q)?,
        RustNode::Call(c) => {
            let paths = cx.callee_candidates(c);
            let client = q.clients.iter().find(|cl| cl.calls.iter().any(|p| paths.contains(p)) && marker_ok(cl, cx))?;
            (cx.span(c), client, Vec::new(), None, paths.first().cloned().unwrap_or_default())
        }
        _ => return None,
    };
    (!client.http && evaluated(client, cx)).then_some((whole, shown))
}

/// Checks one Rust node.
pub fn check(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    if !cx.ctx.in_loop() {
        return;
    }
    let q = &cx.catalog.queries.rust;
    let (whole, client, dep_exprs, statement, shown): (Span, &RustQueryClient, Vec<&Expr>, Option<&Expr>, String) =
        match node {
            RustNode::MethodCall(m) => match match_chain(m, cx, q) {
                Some(found) => found,
                None => {
                    let Some(h) = helper(&m.method.to_string(), &m.args, q, cx) else {
                        return through_project_function(node, cx);
                    };
                    let shown = format!("{}.{}", short(cx.text(&*m.receiver)), m.method);
                    (cx.span(m), h, h_deps(&m.args, q), None, shown)
                }
            },
            RustNode::Call(c) => {
                let paths = cx.callee_candidates(c);
                match q.clients.iter().find(|cl| cl.calls.iter().any(|p| paths.contains(p)) && marker_ok(cl, cx)) {
                    Some(client) => {
                        let shown = paths.first().cloned().unwrap_or_default();
                        (cx.span(c), client, c.args.iter().collect(), None, shown)
                    }
                    None => {
                        let Expr::Path(p) = rs::peel(&c.func) else { return };
                        let Some(last) = p.path.segments.last() else { return };
                        let Some(h) = helper(&last.ident.to_string(), &c.args, q, cx) else {
                            return through_project_function(node, cx);
                        };
                        (cx.span(c), h, h_deps(&c.args, q), None, short(cx.text(&*c.func)))
                    }
                }
            }
            _ => return,
        };
    if !evaluated(client, cx) {
        return;
    }
    // A statement per item on an embedded SQLite file is no round trip.
    if !client.http && collections::rust_local_store(cx) {
        return;
    }
    if cx.state::<HashSet<u32>>().contains(&whole.start) {
        return;
    }
    let Some(lp) = enclosing(cx, whole.start) else { return };
    let text = whole.text(cx.src);
    if q.batched_text.iter().any(|b| text.contains(b.as_str())) {
        return;
    }
    let names = derived_names(&lp, whole.start, cx);
    if names.is_empty() {
        return;
    }
    // A different statement per item (`for sql in statements`, `format!("DROP {name}")`).
    if client.statement_first && statement.is_some_and(|s| reads_any(s, &names)) {
        return;
    }
    let Some(var) = dep_exprs.iter().find_map(|e| first_read(e, &names)) else { return };
    let var = if lp.vars.contains(&var) { var } else { lp.vars.first().cloned().unwrap_or(var) };
    cx.state::<HashSet<u32>>().insert(whole.start);
    let msg = match (client.http, lp.concurrent) {
        (false, false) => format!(
            "`{shown}` runs one query per `{var}` in this loop: 1,000 of them make 1,000 extra round trips to the database"
        ),
        (false, true) => format!(
            "`{shown}` runs one query per `{var}`, all started at once: 1,000 of them take 1,000 round trips and can drain the connection pool"
        ),
        (true, false) => format!(
            "`{shown}` makes one HTTP request per `{var}` in this loop: 1,000 of them wait for 1,000 round trips one after another"
        ),
        (true, true) => format!(
            "`{shown}` makes one HTTP request per `{var}`, all started at once: 1,000 of them fire 1,000 requests at the remote service"
        ),
    };
    let label = format!("runs once per element of this collection ({})", client.name);
    let d = cx.report(whole, msg);
    d.labels.push(Label { span: lp.header, message: label });
}

/// A call in the loop to a project function that runs a query itself or
/// through its own calls ([`crate::analysis::summaries`]): reported at the
/// call, with the query's place named (and labelled when in this file), as
/// the Python and TS side does.
fn through_project_function(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    let q = &cx.catalog.queries.rust;
    let (whole, deps, shown): (Span, Vec<&Expr>, String) = match node {
        RustNode::MethodCall(m) => {
            let mut deps = h_deps(&m.args, q);
            deps.push(&m.receiver);
            (cx.span(m), deps, format!("{}.{}", short(cx.text(&*m.receiver)), m.method))
        }
        RustNode::Call(c) => (cx.span(c), h_deps(&c.args, q), short(cx.text(&*c.func))),
        _ => return,
    };
    let Some(f) = crate::analysis::rust_summaries::target_at(node, cx) else { return };
    let Some(site) = f.reach.query.clone() else { return };
    if collections::rust_local_store(cx) {
        return;
    }
    let fname = f.name.clone();
    if cx.state::<HashSet<u32>>().contains(&whole.start) {
        return;
    }
    let Some(lp) = enclosing(cx, whole.start) else { return };
    let names = derived_names(&lp, whole.start, cx);
    let Some(var) = deps.iter().find_map(|e| first_read(e, &names)) else { return };
    let var = if lp.vars.contains(&var) { var } else { lp.vars.first().cloned().unwrap_or(var) };
    cx.state::<HashSet<u32>>().insert(whole.start);
    let same_file = site.path == cx.file.path;
    let place = if same_file { String::new() } else { format!(" in {}", site.path) };
    let via = if site.function == fname || site.function.ends_with(&format!(".{fname}")) {
        format!("`{shown}` runs a query (`{}`{place})", site.callee)
    } else {
        format!("`{shown}` runs a query through `{}` (`{}`{place})", site.function, site.callee)
    };
    let msg = if lp.concurrent {
        format!(
            "{via} once per `{var}`, all started at once: 1,000 of them take 1,000 round trips and can drain the connection pool"
        )
    } else {
        format!("{via} once per `{var}` in this loop: 1,000 of them make 1,000 extra round trips to the database")
    };
    let d = cx.report(whole, msg);
    d.labels.push(Label { span: lp.header, message: "runs once per element of this collection".to_string() });
    if same_file {
        let short = site.function.rsplit('.').next().unwrap_or(&site.function).to_string();
        d.labels.push(Label { span: Span::new(site.start, site.end), message: format!("`{short}` runs a query here") });
    }
}

/// The client a project data-access helper stands for.
static HELPER: std::sync::OnceLock<RustQueryClient> = std::sync::OnceLock::new();

/// `Cipher::find_by_uuid(&id, conn).await`: a helper named like a query that
/// takes a connection and is awaited.
fn helper(
    name: &str,
    args: &syn::punctuated::Punctuated<Expr, syn::token::Comma>,
    q: &RustQueries,
    cx: &RustChecker<'_, '_>,
) -> Option<&'static RustQueryClient> {
    if !q.helper_prefixes.iter().any(|p| name.starts_with(p.as_str())) {
        return None;
    }
    if !args.iter().any(|a| is_conn(a, q)) {
        return None;
    }
    if !matches!(cx.ctx.parents().last(), Some(Expr::Await(_))) {
        return None;
    }
    Some(HELPER.get_or_init(|| RustQueryClient {
        name: "data-access helper".to_string(),
        awaited: true,
        ..Default::default()
    }))
}

/// `conn`, `&mut conn`, `&self.pool`, `&mut context.pool()`.
fn is_conn(a: &Expr, q: &RustQueries) -> bool {
    let (root, steps) = rs::chain(rs::peel(a));
    let last = match steps.last() {
        Some(Step::Method(m)) if m.args.is_empty() => m.method.to_string(),
        Some(Step::Field(f)) => match &f.member {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(_) => String::new(),
        },
        Some(_) => return false,
        None => rs::ident_of(root).unwrap_or_default(),
    };
    let last = last.trim_start_matches('_');
    q.helper_conn_args.iter().any(|c| c == last)
}

/// The helper's arguments other than the connection.
fn h_deps<'e>(args: &'e syn::punctuated::Punctuated<Expr, syn::token::Comma>, q: &RustQueries) -> Vec<&'e Expr> {
    args.iter().filter(|a| !is_conn(a, q)).collect()
}

fn marker_ok(c: &RustQueryClient, cx: &RustChecker<'_, '_>) -> bool {
    c.file_marker.as_deref().is_none_or(|m| cx.memo.contains(cx.src, m))
}

type Found<'e, 'c> = (Span, &'c RustQueryClient, Vec<&'e Expr>, Option<&'e Expr>, String);

/// A terminal method (`fetch_one`, `first`, `one`, `send`) whose chain has a
/// client's start.
fn match_chain<'e, 'c>(
    m: &'e syn::ExprMethodCall,
    cx: &RustChecker<'_, '_>,
    q: &'c RustQueries,
) -> Option<Found<'e, 'c>> {
    let method = m.method.to_string();
    let (root, steps) = rs::chain(&m.receiver);
    for c in &q.clients {
        if !c.terminals.contains(&method) || !marker_ok(c, cx) {
            continue;
        }
        if c.terminal_args.is_some_and(|n| n != m.args.len()) {
            continue;
        }
        let mut deps: Vec<&Expr> = Vec::new();
        let mut statement = None;
        let mut shown = String::new();
        let mut started = false;
        // The root: `sqlx::query(..)`, `Entity::find_by_id(x)`, `query!(..)`, `posts`.
        match rs::peel(root) {
            Expr::Call(call) => {
                let last = match rs::peel(&call.func) {
                    Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
                    _ => String::new(),
                };
                if c.starts.contains(&last) {
                    started = true;
                    statement = call.args.first();
                    shown = short(cx.text(&*call.func));
                }
                deps.extend(call.args.iter());
            }
            Expr::Macro(mac) => {
                let name = format!("{}!", rs::macro_name(&mac.mac));
                if c.starts.contains(&name) {
                    started = true;
                    shown = format!("{}!", cx.text(&mac.mac.path));
                }
                deps.push(root);
            }
            _ => {}
        }
        if c.http && !started {
            // `client.get(url)`: the receiver must be an HTTP client.
            let Some(first) = steps.iter().find_map(|s| match s {
                Step::Method(x) => Some(*x),
                _ => None,
            }) else {
                continue;
            };
            let name = first.method.to_string();
            if !c.starts.contains(&name) || !is_http_client(root, cx) {
                continue;
            }
            started = true;
            shown = format!("{}.{name}", short(cx.text(root)));
        }
        for s in &steps {
            if let Step::Method(x) = s {
                let name = x.method.to_string();
                if !started && c.starts.contains(&name) {
                    started = true;
                    shown = format!("{}.{name}", short(cx.text(root)));
                }
                deps.extend(x.args.iter());
            }
        }
        if c.starts.is_empty() {
            // `client.query_one("SELECT ..", &[&id])`: the terminal names the query.
            if !is_db_client(root, cx) {
                continue;
            }
            started = true;
            statement = m.args.first();
            deps.extend(m.args.iter());
            shown = format!("{}.{method}", short(cx.text(root)));
        }
        if !started {
            continue;
        }
        if shown.is_empty() {
            shown = format!(".{method}");
        }
        return Some((cx.span(m), c, deps, statement, shown));
    }
    None
}

/// A receiver named like an HTTP client or built by `reqwest::Client`.
fn is_http_client(root: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    if let Some(o) = cx.root_origin(root)
        && o.path.starts_with("reqwest::")
    {
        return true;
    }
    let t = cx.text(root).to_ascii_lowercase();
    let last = t.rsplit(['.', ':']).next().unwrap_or(&t).trim_end_matches("()");
    last.contains("client") || last == "http" || last.ends_with("_http")
}

/// A receiver named like a database client or connection.
fn is_db_client(root: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    if let Some(o) = cx.root_origin(root)
        && o.path.starts_with("tokio_postgres::")
    {
        return true;
    }
    let t = cx.text(root).to_ascii_lowercase();
    let last = t.rsplit(['.', ':']).next().unwrap_or(&t).trim_end_matches("()");
    matches!(last, "client" | "conn" | "connection" | "db" | "pg" | "tx" | "transaction" | "txn")
        || last.ends_with("_client")
        || last.ends_with("_conn")
}

/// The chain runs where it is written: awaited, chained further, or its
/// future is returned to a concurrency combinator.
fn evaluated(c: &RustQueryClient, cx: &RustChecker<'_, '_>) -> bool {
    if !c.awaited {
        return true;
    }
    match cx.ctx.parents().last() {
        Some(Expr::Await(_)) | Some(Expr::MethodCall(_)) => true,
        _ => cx.ctx.concurrency().is_some(),
    }
}

/// The innermost per-item construct, with the names it binds per item.
fn enclosing<'a>(cx: &RustChecker<'_, 'a>, at: u32) -> Option<Loop<'a>> {
    let frame = cx.ctx.enclosing_loop()?;
    let (span, concurrent_closure) = match frame {
        RustFrame::Loop { kind: LoopKind::Loop | LoopKind::While, .. } => return None,
        RustFrame::Loop { span, .. } => (*span, false),
        RustFrame::Closure { span, concurrency, .. } => (*span, concurrency.is_some()),
        _ => return None,
    };
    let node = cx.ctx.parents().iter().rev().find(|e| cx.span(**e) == span)?;
    match node {
        Expr::ForLoop(f) => {
            if small(&f.expr, cx) {
                return None;
            }
            // A loop that returns or breaks after the query runs it once.
            if collections::rust_exits_after_first(&f.body, at, cx) != Exit::No {
                return None;
            }
            let header = Span::new(span.start as usize, cx.span(&f.expr).end as usize);
            Some(Loop { vars: pat_names(&f.pat), header, body: Some(&f.body), closure_body: None, concurrent: false })
        }
        Expr::While(w) => {
            let Expr::Let(l) = w.cond.as_ref() else { return None };
            let header = Span::new(span.start as usize, cx.span(&*w.cond).end as usize);
            Some(Loop { vars: pat_names(&l.pat), header, body: Some(&w.body), closure_body: None, concurrent: false })
        }
        Expr::Closure(c) => {
            // The collection the adapter runs over: `[a, b].iter().map(..)`.
            let parents = cx.ctx.parents();
            let adapter = parents.iter().rev().find_map(|e| match e {
                Expr::MethodCall(m) if m.args.iter().any(|a| std::ptr::eq(a, *node)) => Some(m),
                _ => None,
            });
            if let Some(a) = adapter {
                let (root, _) = rs::chain(&a.receiver);
                if small(root, cx) {
                    return None;
                }
            }
            let vars = c.inputs.iter().flat_map(pat_names).collect();
            let header = Span::new(span.start as usize, cx.span(&*c.body).start as usize);
            let header = adapter.map(|a| cx.span(&a.method)).unwrap_or(header);
            Some(Loop { vars, header, body: None, closure_body: Some(&c.body), concurrent: concurrent_closure })
        }
        _ => None,
    }
}

/// A collection with evidence of being small (the collection-size layer).
fn small(expr: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    collections::rust_size_of(expr, cx).is_some()
}

/// Names a pattern binds (`Some((id, name))` → `id`, `name`).
fn pat_names(p: &Pat) -> Vec<String> {
    struct V(Vec<String>);
    impl<'a> Visit<'a> for V {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            self.0.push(i.ident.to_string());
            visit::visit_pat_ident(self, i);
        }
    }
    let mut v = V(Vec::new());
    v.visit_pat(p);
    v.0
}

/// The loop's names plus locals bound from them in its body before `before`.
fn derived_names(lp: &Loop<'_>, before: u32, cx: &RustChecker<'_, '_>) -> HashSet<String> {
    let mut names: HashSet<String> = lp.vars.iter().filter(|v| v.as_str() != "_").cloned().collect();
    struct V<'n, 'c, 'x, 'y> {
        names: &'n mut HashSet<String>,
        before: u32,
        cx: &'c RustChecker<'x, 'y>,
    }
    impl<'a> Visit<'a> for V<'_, '_, '_, '_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            if self.cx.span(l).end > self.before {
                return;
            }
            if let Some(init) = &l.init
                && reads_any(&init.expr, self.names)
            {
                for n in pat_names(&l.pat) {
                    self.names.insert(n);
                }
            }
            visit::visit_local(self, l);
        }
        fn visit_expr_let(&mut self, l: &'a syn::ExprLet) {
            if self.cx.span(&*l.expr).end <= self.before && reads_any(&l.expr, self.names) {
                for n in pat_names(&l.pat) {
                    self.names.insert(n);
                }
            }
            visit::visit_expr_let(self, l);
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            if self.cx.span(&*f.expr).end <= self.before && reads_any(&f.expr, self.names) {
                for n in pat_names(&f.pat) {
                    self.names.insert(n);
                }
            }
            visit::visit_expr_for_loop(self, f);
        }
    }
    let mut v = V { names: &mut names, before, cx };
    if let Some(b) = lp.body {
        v.visit_block(b);
    }
    if let Some(e) = lp.closure_body {
        v.visit_expr(e);
    }
    names
}

/// Identifiers an expression reads (single-segment paths, and identifiers in
/// macro arguments).
fn reads(e: &Expr) -> Vec<String> {
    struct V(Vec<String>);
    impl<'a> Visit<'a> for V {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if p.qself.is_none() && p.path.segments.len() == 1 {
                self.0.push(p.path.segments[0].ident.to_string());
            }
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            idents(&m.tokens, &mut self.0);
        }
    }
    let mut v = V(Vec::new());
    v.visit_expr(e);
    v.0
}

fn idents(tokens: &TokenStream, out: &mut Vec<String>) {
    for t in tokens.clone() {
        match t {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => idents(&g.stream(), out),
            // Inline format arguments: `format!("/items/{id}")`.
            TokenTree::Literal(l) => {
                let text = l.to_string();
                for part in text.split('{').skip(1) {
                    let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
                        out.push(name);
                    }
                }
            }
            _ => {}
        }
    }
}

fn reads_any(e: &Expr, names: &HashSet<String>) -> bool {
    reads(e).iter().any(|n| names.contains(n))
}

fn first_read(e: &Expr, names: &HashSet<String>) -> Option<String> {
    reads(e).into_iter().find(|n| names.contains(n))
}

fn short(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.len() > 48 { "this query".to_string() } else { t }
}
