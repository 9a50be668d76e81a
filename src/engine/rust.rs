//! The check phase for Rust: syn parses the file, one `syn::visit::Visit`
//! pass keeps a Rust context stack (functions and whether they are route
//! handlers, impls, loops, closures and the adapter they are passed to, async
//! blocks), the `use` map and local bindings, and hands each node to the
//! rules that registered its [`RustKind`].
//!
//! syn and its visitor recurse per nesting level. A lexer pre-scan estimates
//! the nesting; files deeper than [`rust::MAX_NESTING`] become a notice, and
//! files deeper than [`rust::BIG_STACK_NESTING`] run on a thread with a large
//! stack. proc-macro2 keeps span data per thread, so parsing, checking and
//! span conversion all happen on the same thread; the thread's span table is
//! cleared after each file.
//!
//! A Rust-specific context ([`RustContext`]) is used rather than
//! [`crate::engine::Context`]: that one is keyed on tree-sitter nodes, and
//! Rust needs other frames (closures with their adapter, impls) and syn
//! references as frame identity.

use std::any::Any;
use std::collections::HashMap;

use syn::visit::{self, Visit};
use syn::{Expr, spanned::Spanned};

use crate::catalog::Catalog;
use crate::diagnostic::Diagnostic;
use crate::engine::suppress;
use crate::engine::{FileResult, HandlerKind, ProjectFacts, RuleSet};
use crate::lang::rust::{self as rs, Comment, MacroArgs, UseMap};
use crate::rule::RuleMeta;
use crate::source::{SourceFile, Span};

/// The syn node kinds a rule can register for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RustKind {
    /// A function or method (`fn`), on entry, before its body.
    Fn,
    /// `f(x)`, `Type::new(x)`.
    Call,
    /// `x.f(y)`.
    MethodCall,
    /// Any macro invocation (expression, statement or item position).
    Macro,
    /// `let pat = init;`
    Local,
    /// An expression statement ending in `;`.
    StmtExpr,
    /// `if` / `if let`.
    If,
    /// `match`.
    Match,
    /// `x.await`.
    Await,
    /// `for`, `while`, `while let`, `loop`.
    Loop,
    /// A closure.
    Closure,
}

impl RustKind {
    /// Number of kinds (dispatch table size).
    pub const COUNT: usize = 11;
}

/// A node handed to a rule.
#[derive(Clone, Copy)]
pub enum RustNode<'a> {
    Fn(&'a RustFnInfo),
    Call(&'a syn::ExprCall),
    MethodCall(&'a syn::ExprMethodCall),
    Macro(&'a syn::Macro),
    Local(&'a syn::Local),
    StmtExpr(&'a Expr),
    If(&'a syn::ExprIf),
    Match(&'a syn::ExprMatch),
    Await(&'a syn::ExprAwait),
    Loop(&'a Expr),
    Closure(&'a syn::ExprClosure),
}

/// Facts about a function frame.
#[derive(Debug, Clone, Default)]
pub struct RustFnInfo {
    pub name: String,
    pub is_async: bool,
    /// Set for route handlers (attribute routes, or registered with
    /// `post(name)` / `.to(name)` in the same file).
    pub handler: Option<HandlerKind>,
    /// Lowercase HTTP methods the function is routed for (`post`, `put`).
    pub http_methods: Vec<&'static str>,
    /// The `impl` type, for methods.
    pub self_ty: Option<String>,
    /// Span of the whole function, body included.
    pub span: Span,
    /// Span of the signature (`async fn name(args) -> T`): where a label
    /// pointing at the function goes.
    pub sig: Span,
    /// The last path segment of the declared return type (`Result` for
    /// `io::Result<T>`, `Option`, `AppResult`); `None` for `()` and types
    /// that are not paths.
    pub returns: Option<String>,
}

/// The kind of loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    For,
    While,
    WhileLet,
    Loop,
}

/// One frame of the Rust context stack.
#[derive(Debug, Clone)]
pub enum RustFrame {
    Fn(RustFnInfo),
    Impl {
        self_ty: String,
    },
    Loop {
        kind: LoopKind,
        span: Span,
    },
    /// A closure; `adapter` is the method or function it is passed to
    /// (`map`, `for_each`, `spawn`), `concurrency` the combinator that runs
    /// the results concurrently (`join_all`, `buffer_unordered`), if any
    /// encloses the adapter call.
    Closure {
        is_async: bool,
        adapter: Option<String>,
        concurrency: Option<String>,
        span: Span,
    },
    /// `async { ... }` / `async move { ... }`.
    AsyncBlock,
}

/// Iterator and stream adapters whose closure runs once per item.
pub const PER_ITEM_ADAPTERS: &[&str] = &[
    "map",
    "for_each",
    "try_for_each",
    "filter_map",
    "flat_map",
    "and_then",
    "then",
    "filter",
    "fold",
    "try_fold",
    "inspect",
    "for_each_concurrent",
    "try_for_each_concurrent",
    "map_ok",
    "scan",
    "take_while",
    "skip_while",
    "any",
    "all",
    "find",
    "find_map",
    "position",
];

/// Combinators that run futures concurrently.
pub const CONCURRENCY: &[&str] = &[
    "join_all",
    "try_join_all",
    "select_all",
    "select_ok",
    "buffer_unordered",
    "buffered",
    "try_buffer_unordered",
    "try_buffered",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

/// The Rust context stack and what encloses the current node.
#[derive(Default)]
pub struct RustContext<'ast> {
    frames: Vec<RustFrame>,
    /// Expression ancestors of the current node, outermost first (the node
    /// itself is not included).
    parents: Vec<&'ast Expr>,
}

impl<'ast> RustContext<'ast> {
    /// All frames, outermost first.
    pub fn frames(&self) -> &[RustFrame] {
        &self.frames
    }

    /// Expression ancestors, outermost first (the current node excluded).
    pub fn parents(&self) -> &[&'ast Expr] {
        &self.parents
    }

    /// Frames from the innermost outwards up to and including the nearest function.
    pub fn within_function(&self) -> impl Iterator<Item = &RustFrame> {
        let mut done = false;
        self.frames.iter().rev().take_while(move |f| {
            if done {
                return false;
            }
            if matches!(f, RustFrame::Fn(_)) {
                done = true;
            }
            true
        })
    }

    /// The innermost enclosing function.
    pub fn function(&self) -> Option<&RustFnInfo> {
        self.frames.iter().rev().find_map(|f| match f {
            RustFrame::Fn(info) => Some(info),
            _ => None,
        })
    }

    /// The nearest enclosing route handler (closures inside count as inside it).
    pub fn handler(&self) -> Option<&RustFnInfo> {
        self.frames.iter().rev().find_map(|f| match f {
            RustFrame::Fn(info) if info.handler.is_some() => Some(info),
            _ => None,
        })
    }

    /// True inside an `async fn`, async block or async closure.
    pub fn in_async(&self) -> bool {
        self.within_function().any(|f| match f {
            RustFrame::Fn(i) => i.is_async,
            RustFrame::AsyncBlock => true,
            RustFrame::Closure { is_async, .. } => *is_async,
            _ => false,
        })
    }

    /// The innermost per-item construct of the current function: a loop, or a
    /// closure passed to a per-item adapter (`map`, `for_each`, ...).
    pub fn enclosing_loop(&self) -> Option<&RustFrame> {
        self.within_function().find(|f| match f {
            RustFrame::Loop { .. } => true,
            RustFrame::Closure { adapter: Some(a), .. } => PER_ITEM_ADAPTERS.contains(&a.as_str()),
            _ => false,
        })
    }

    /// True inside a loop or a per-item closure of the current function.
    pub fn in_loop(&self) -> bool {
        self.enclosing_loop().is_some()
    }

    /// The concurrency combinator (`join_all`, `buffer_unordered`) that runs
    /// the innermost per-item closure, if any.
    pub fn concurrency(&self) -> Option<&str> {
        self.within_function().find_map(|f| match f {
            RustFrame::Closure { concurrency: Some(c), .. } => Some(c.as_str()),
            _ => None,
        })
    }

    /// `Type::method` style name of the innermost function, for fingerprints.
    pub fn symbol(&self) -> Option<String> {
        let f = self.function()?;
        Some(match &f.self_ty {
            Some(t) => format!("{t}.{}", f.name),
            None => f.name.clone(),
        })
    }
}

/// Where a local variable's value came from: the root call's resolved path
/// and the methods chained on it (`let c = Client::builder().timeout(t).build()?`
/// is `reqwest::Client::builder` with `[timeout, build]`).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub path: String,
    pub methods: Vec<String>,
    pub span: Span,
}

/// What a Rust rule sees while it checks a node.
pub struct RustChecker<'a, 'ast> {
    pub file: &'a SourceFile,
    /// The file's text.
    pub src: &'a str,
    pub ctx: &'a RustContext<'ast>,
    pub uses: &'a UseMap,
    pub facts: &'a ProjectFacts,
    pub catalog: &'a Catalog,
    /// Once-per-file answers shared by every rule and node of the file
    /// (whole-file substring checks with catalog needles).
    pub memo: &'a crate::engine::FileMemo,
    comments: &'a [Comment],
    locals: &'a [HashMap<String, Origin>],
    base: usize,
    rule: &'static RuleMeta,
    slot: usize,
    states: &'a mut [Option<Box<dyn Any>>],
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a, 'ast> RustChecker<'a, 'ast> {
    /// Byte span of a syn node in the file.
    pub fn span(&self, node: &impl Spanned) -> Span {
        rs::span_of(node, self.base)
    }

    /// The source text of a syn node.
    pub fn text(&self, node: &impl Spanned) -> &'a str {
        self.span(node).text(self.src)
    }

    /// The full path of a `syn::Path` through the file's `use` declarations.
    pub fn resolve_path(&self, path: &syn::Path) -> String {
        let segs = rs::path_segments(path);
        let segs = self.expand_self(segs);
        self.uses.resolve(&segs)
    }

    /// Every path `path` may stand for: the resolved path, then candidates
    /// through glob imports.
    pub fn path_candidates(&self, path: &syn::Path) -> Vec<String> {
        let segs = self.expand_self(rs::path_segments(path));
        let mut out = vec![self.uses.resolve(&segs)];
        out.extend(self.uses.glob_candidates(&segs));
        out
    }

    fn expand_self(&self, mut segs: Vec<String>) -> Vec<String> {
        if segs.first().is_some_and(|s| s == "Self")
            && let Some(t) = self.ctx.function().and_then(|f| f.self_ty.clone())
        {
            segs[0] = t;
        }
        segs
    }

    /// The resolved path of a call's callee when it is a path (`Client::new`).
    pub fn callee_path(&self, call: &syn::ExprCall) -> Option<String> {
        match rs::peel(&call.func) {
            Expr::Path(p) => Some(self.resolve_path(&p.path)),
            _ => None,
        }
    }

    /// Candidates for a call's callee (see [`RustChecker::path_candidates`]).
    pub fn callee_candidates(&self, call: &syn::ExprCall) -> Vec<String> {
        match rs::peel(&call.func) {
            Expr::Path(p) => self.path_candidates(&p.path),
            _ => Vec::new(),
        }
    }

    /// Where a local variable of the current function got its value.
    pub fn origin(&self, name: &str) -> Option<&'a Origin> {
        self.locals.iter().rev().find_map(|m| m.get(name))
    }

    /// The origin of a chain root: a call path, or a local bound to one.
    pub fn root_origin(&self, root: &Expr) -> Option<Origin> {
        match rs::peel(root) {
            Expr::Call(c) => {
                Some(Origin { path: self.callee_path(c).unwrap_or_default(), methods: Vec::new(), span: self.span(c) })
            }
            other => rs::ident_of(other).and_then(|n| self.origin(&n).cloned()),
        }
    }

    /// Comments overlapping the lines `first..=last` (1-based).
    pub fn comments_on_lines(&self, first: u32, last: u32) -> impl Iterator<Item = &'a str> + '_ {
        let src = self.src;
        let lines = &self.file.lines;
        // The comments are in file order: find the first one on the lines by
        // binary search, not by reading every comment of the file per call.
        let from = lines.line_start(first.saturating_sub(1) as usize);
        let to = if (last as usize) < lines.line_count() { lines.line_start(last as usize) } else { u32::MAX };
        let start = self.comments.partition_point(|c| c.span.start < from);
        self.comments[start..].iter().take_while(move |c| c.span.start < to).map(move |c| c.span.text(src))
    }

    /// True when a meaningful comment (not a directive) sits on the lines of
    /// `span` or on the comment lines directly above it: the author said why.
    pub fn explained(&self, span: Span) -> bool {
        self.explained_by(span, crate::analysis::handlers::meaningful_comment)
    }

    /// True when a comment on the lines of `span` or directly above it (as
    /// [`Self::explained`] reads them) satisfies `says`: a rule that wants a
    /// particular reason (`timeouts::says_why_no_timeout`) asks this.
    pub fn explained_by(&self, span: Span, says: fn(&str) -> bool) -> bool {
        let first = self.file.lines.line_of(span.start) as u32 + 1;
        let last = self.file.lines.line_of(span.end) as u32 + 1;
        // The comment block above, and one above the statement just before
        // in the same paragraph (`// drop before and after, just in case`).
        let mut top = first;
        let mut code_lines = 0;
        while top > 1 {
            let t = self.file.lines.line_text(self.src, top as usize - 2).trim_start();
            if t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') {
                top -= 1;
            } else if !t.is_empty() && code_lines < 1 && !t.ends_with('}') {
                code_lines += 1;
                top -= 1;
            } else {
                break;
            }
        }
        self.comments_on_lines(top, last).any(says)
    }

    /// The text of the innermost enclosing function (the file when none).
    pub fn function_text(&self) -> &'a str {
        match self.ctx.function() {
            Some(f) => f.span.text(self.src),
            None => self.src,
        }
    }

    /// Parses a logging/format macro's arguments as expressions.
    pub fn macro_args(&self, mac: &syn::Macro) -> Option<MacroArgs> {
        rs::parse_macro_args(&mac.tokens)
    }

    /// The resolved path of a macro (`warn!` with `use tracing::warn` is `tracing::warn`).
    pub fn macro_path(&self, mac: &syn::Macro) -> String {
        self.resolve_path(&mac.path)
    }

    /// Reports a finding of the current rule at `span`.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let mut d = Diagnostic::new(self.rule, self.file, span, message.into());
        d.symbol = self.ctx.symbol();
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Per-file state of the current rule, created on first use.
    pub fn state<T: Default + 'static>(&mut self) -> &mut T {
        let slot = &mut self.states[self.slot];
        if slot.as_ref().is_none_or(|b| !b.is::<T>()) {
            *slot = Some(Box::new(T::default()));
        }
        slot.as_mut().and_then(|b| b.downcast_mut::<T>()).expect("state type checked above")
    }
}

/// Stack left below which a recursive visitor step continues on a new
/// segment ([`stacker::maybe_grow`]).
const RED_ZONE: usize = 128 * 1024;

/// Size of each stack segment `stacker` adds.
const STACK_SEGMENT: usize = 4 << 20;

/// Why a Rust file was not checked.
#[derive(Debug, Clone)]
pub struct RustParseError {
    pub offset: usize,
    pub message: String,
}

/// Parses and checks one Rust file. `Err` when syn cannot parse it or it
/// nests too deeply; the file then gets a notice and no findings.
pub fn check_file(
    file: &SourceFile,
    rules: &RuleSet,
    facts: &ProjectFacts,
    catalog: &Catalog,
) -> Result<FileResult, RustParseError> {
    walk_file(file, rules, facts, catalog, |_| ()).map(|(r, ())| r)
}

/// Parses one Rust file and walks it with `rules`, then hands the rules'
/// per-file states to `take` on the parsing thread (syn and proc-macro2
/// values cannot leave it; what `take` returns can). The facts phase uses
/// this to collect Rust function summaries with a collector written as a rule.
pub fn walk_file<T: Send>(
    file: &SourceFile,
    rules: &RuleSet,
    facts: &ProjectFacts,
    catalog: &Catalog,
    take: impl FnOnce(&mut [Option<Box<dyn Any>>]) -> T + Send,
) -> Result<(FileResult, T), RustParseError> {
    let lexed = rs::lex(&file.text);
    if lexed.nesting > rs::MAX_NESTING {
        return Err(RustParseError {
            offset: lexed.deepest_at,
            message: format!(
                "Nesting deeper than {} levels; this file was not checked (syn recurses per level)",
                rs::MAX_NESTING
            ),
        });
    }
    let run = || check_lexed(file, &lexed, rules, facts, catalog, take);
    if lexed.nesting > rs::BIG_STACK_NESTING {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, run)
                .map_err(|e| RustParseError { offset: 0, message: format!("Could not start a parser thread: {e}") })?
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    } else {
        run()
    }
}

/// Parses a Rust file and visits it once without rules: the `--parse-only` floor.
pub fn parse_only(text: &str) -> usize {
    let lexed = rs::lex(text);
    if lexed.nesting > rs::MAX_NESTING {
        return 0;
    }
    let work = || {
        let (_, body) = rs::prepare(text);
        let n = match syn::parse_file(&body) {
            Ok(f) => {
                struct Count(usize);
                impl<'ast> Visit<'ast> for Count {
                    fn visit_expr(&mut self, e: &'ast Expr) {
                        self.0 += 1;
                        visit::visit_expr(self, e);
                    }
                }
                let mut c = Count(0);
                c.visit_file(&f);
                c.0 + 1
            }
            Err(_) => 0,
        };
        proc_macro2::extra::invalidate_current_thread_spans();
        n
    };
    if lexed.nesting > rs::BIG_STACK_NESTING {
        std::thread::scope(|s| {
            std::thread::Builder::new().stack_size(256 << 20).spawn_scoped(s, work).map_or(0, |h| h.join().unwrap_or(0))
        })
    } else {
        work()
    }
}

fn check_lexed<T>(
    file: &SourceFile,
    lexed: &rs::Lexed,
    rules: &RuleSet,
    facts: &ProjectFacts,
    catalog: &Catalog,
    take: impl FnOnce(&mut [Option<Box<dyn Any>>]) -> T,
) -> Result<(FileResult, T), RustParseError> {
    struct ClearSpans;
    impl Drop for ClearSpans {
        fn drop(&mut self) {
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }
    let _clear = ClearSpans;
    let (base, body) = rs::prepare(&file.text);
    let mut result = FileResult::default();
    for c in &lexed.comments {
        if let Some(s) = suppress::parse_span(c.span, file) {
            result.suppressions.push(s);
        }
    }
    let parsed = match syn::parse_file(&body) {
        Ok(f) => f,
        Err(e) => {
            let r = e.span().byte_range();
            let what = e.to_string();
            // proc-macro2 could not tokenize: its error carries no position.
            let what = if what.contains("cannot parse string into token stream") {
                "unbalanced brackets or an unterminated string, char or comment".to_string()
            } else {
                what
            };
            let message = format!("Rust syntax error: {what}; this file was not checked");
            return Err(RustParseError { offset: r.start + base, message });
        }
    };
    if rules.rust_is_empty() {
        return Ok((result, take(&mut [])));
    }
    let mut walker = Walker {
        file,
        rules,
        facts,
        catalog,
        base,
        comments: &lexed.comments,
        ctx: RustContext::default(),
        uses: UseMap::default(),
        locals: Vec::new(),
        routes: rs::route_handlers(&file.text),
        states: (0..rules.len()).map(|_| None).collect(),
        diagnostics: Vec::new(),
        impl_ty: Vec::new(),
        memo: crate::engine::FileMemo::default(),
    };
    walker.visit_file(&parsed);
    for slot in 0..rules.len() {
        let rule = rules.rule(slot);
        if rule.rust_kinds().is_empty() {
            continue;
        }
        let mut cx = RustChecker {
            file,
            src: &file.text,
            ctx: &walker.ctx,
            uses: &walker.uses,
            facts,
            catalog,
            memo: &walker.memo,
            comments: walker.comments,
            locals: &walker.locals,
            base,
            rule: rule.meta(),
            slot,
            states: &mut walker.states,
            diagnostics: &mut walker.diagnostics,
        };
        rule.finish_rust(&mut cx);
    }
    result.diagnostics = std::mem::take(&mut walker.diagnostics);
    let taken = take(&mut walker.states);
    Ok((result, taken))
}

struct Walker<'a, 'ast> {
    file: &'a SourceFile,
    rules: &'a RuleSet,
    facts: &'a ProjectFacts,
    catalog: &'a Catalog,
    base: usize,
    comments: &'a [Comment],
    ctx: RustContext<'ast>,
    uses: UseMap,
    /// Local bindings, one map per function frame.
    locals: Vec<HashMap<String, Origin>>,
    routes: HashMap<String, Vec<&'static str>>,
    states: Vec<Option<Box<dyn Any>>>,
    diagnostics: Vec<Diagnostic>,
    impl_ty: Vec<String>,
    memo: crate::engine::FileMemo,
}

impl<'a, 'ast> Walker<'a, 'ast> {
    fn dispatch(&mut self, kind: RustKind, node: RustNode<'_>) {
        for &slot in self.rules.rust_rules_for(kind) {
            let rule = self.rules.rule(slot);
            let mut cx = RustChecker {
                file: self.file,
                src: &self.file.text,
                ctx: &self.ctx,
                uses: &self.uses,
                facts: self.facts,
                catalog: self.catalog,
                memo: &self.memo,
                comments: self.comments,
                locals: &self.locals,
                base: self.base,
                rule: rule.meta(),
                slot,
                states: &mut self.states,
                diagnostics: &mut self.diagnostics,
            };
            rule.check_rust(node, &mut cx);
        }
    }

    fn span(&self, node: &impl Spanned) -> Span {
        rs::span_of(node, self.base)
    }

    fn enter_fn(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature, span: Span) {
        let name = sig.ident.to_string();
        let sig_span = self.span(sig);
        let mut http_methods = rs::route_attr_methods(attrs);
        if let Some(ms) = self.routes.get(&name) {
            for m in ms {
                if !http_methods.contains(m) {
                    http_methods.push(m);
                }
            }
        }
        let info = RustFnInfo {
            name,
            is_async: sig.asyncness.is_some(),
            handler: (!http_methods.is_empty()).then_some(HandlerKind::Request),
            http_methods,
            self_ty: self.impl_ty.last().cloned(),
            span,
            sig: sig_span,
            returns: match &sig.output {
                syn::ReturnType::Type(_, t) => match t.as_ref() {
                    syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                    _ => None,
                },
                syn::ReturnType::Default => None,
            },
        };
        self.ctx.frames.push(RustFrame::Fn(info));
        self.locals.push(HashMap::new());
        if let Some(RustFrame::Fn(info)) = self.ctx.frames.last().cloned() {
            self.dispatch(RustKind::Fn, RustNode::Fn(&info));
        }
    }

    fn leave_fn(&mut self) {
        self.ctx.frames.pop();
        self.locals.pop();
    }

    /// The method or function a closure argument is passed to, and the
    /// concurrency combinator around that call.
    fn closure_adapter(&self, closure: &Expr) -> (Option<String>, Option<String>) {
        let Some(parent) = self.ctx.parents.last() else { return (None, None) };
        let adapter = match parent {
            Expr::MethodCall(m) if m.args.iter().any(|a| std::ptr::eq(a, closure)) => Some(m.method.to_string()),
            Expr::Call(c) if c.args.iter().any(|a| std::ptr::eq(a, closure)) => match rs::peel(&c.func) {
                Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        let concurrency = self.ctx.parents.iter().rev().find_map(|e| {
            let name = match e {
                Expr::MethodCall(m) => m.method.to_string(),
                Expr::Call(c) => match rs::peel(&c.func) {
                    Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
                    _ => String::new(),
                },
                _ => String::new(),
            };
            CONCURRENCY.contains(&name.as_str()).then_some(name)
        });
        (adapter, concurrency)
    }

    fn bind_local(&mut self, local: &syn::Local) {
        let Some(init) = &local.init else { return };
        let mut pat = &local.pat;
        if let syn::Pat::Type(t) = pat {
            pat = &t.pat;
        }
        let syn::Pat::Ident(id) = pat else { return };
        let (root, steps) = rs::chain(&init.expr);
        let path = match rs::peel(root) {
            Expr::Call(c) => match rs::peel(&c.func) {
                Expr::Path(p) => {
                    let segs = rs::path_segments(&p.path);
                    self.uses.resolve(&segs)
                }
                _ => return,
            },
            other => {
                match rs::ident_of(other).and_then(|n| self.locals.iter().rev().find_map(|m| m.get(&n)).cloned()) {
                    Some(o) => {
                        let mut o = o;
                        o.methods.extend(steps.iter().filter_map(|s| s.method()));
                        if let Some(m) = self.locals.last_mut() {
                            m.insert(id.ident.to_string(), o);
                        }
                        return;
                    }
                    None => return,
                }
            }
        };
        let origin = Origin {
            path,
            methods: steps.iter().filter_map(|s| s.method()).collect(),
            span: self.span(init.expr.as_ref()),
        };
        if let Some(m) = self.locals.last_mut() {
            m.insert(id.ident.to_string(), origin);
        }
    }
}

impl<'a, 'ast> Visit<'ast> for Walker<'a, 'ast> {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.uses.add(&u.tree);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if rs::is_test_attr(&m.attrs) {
            return;
        }
        visit::visit_item_mod(self, m);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if rs::is_test_attr(&i.attrs) {
            return;
        }
        let ty = match i.self_ty.as_ref() {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        self.impl_ty.push(ty.clone());
        self.ctx.frames.push(RustFrame::Impl { self_ty: ty });
        visit::visit_item_impl(self, i);
        self.ctx.frames.pop();
        self.impl_ty.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if rs::is_test_attr(&f.attrs) {
            return;
        }
        let span = self.span(f);
        self.enter_fn(&f.attrs, &f.sig, span);
        visit::visit_item_fn(self, f);
        self.leave_fn();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if rs::is_test_attr(&f.attrs) {
            return;
        }
        let span = self.span(f);
        self.enter_fn(&f.attrs, &f.sig, span);
        visit::visit_impl_item_fn(self, f);
        self.leave_fn();
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match i {
            syn::ImplItem::Const(c) => &c.attrs,
            syn::ImplItem::Fn(f) => &f.attrs,
            syn::ImplItem::Type(t) => &t.attrs,
            syn::ImplItem::Macro(m) => &m.attrs,
            _ => &[],
        };
        if rs::is_test_attr(attrs) {
            return;
        }
        visit::visit_impl_item(self, i);
    }

    /// A match arm only test builds compile (`#[cfg(test)] Mode::Test => ..`).
    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        if rs::is_test_attr(&a.attrs) {
            return;
        }
        visit::visit_arm(self, a);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        let span = self.span(f);
        self.enter_fn(&f.attrs, &f.sig, span);
        visit::visit_trait_item_fn(self, f);
        self.leave_fn();
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        // `#[cfg(test)] let x = ..;`, `#[cfg(any(test, ..))] f();`: only
        // test builds run the statement.
        let attrs: &[syn::Attribute] = match s {
            syn::Stmt::Local(l) => &l.attrs,
            syn::Stmt::Macro(m) => &m.attrs,
            syn::Stmt::Expr(e, _) => rs::expr_attrs(e),
            syn::Stmt::Item(_) => &[],
        };
        if rs::is_test_attr(attrs) {
            return;
        }
        match s {
            syn::Stmt::Local(l) => {
                self.dispatch(RustKind::Local, RustNode::Local(l));
                visit::visit_stmt(self, s);
                self.bind_local(l);
                return;
            }
            syn::Stmt::Expr(e, Some(_)) => self.dispatch(RustKind::StmtExpr, RustNode::StmtExpr(e)),
            syn::Stmt::Macro(m) => self.dispatch(RustKind::Macro, RustNode::Macro(&m.mac)),
            _ => {}
        }
        visit::visit_stmt(self, s);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        self.dispatch(RustKind::Macro, RustNode::Macro(&m.mac));
        visit::visit_item_macro(self, m);
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        // The guard bounds the depth, and a stack that runs low anyway (a shape
        // the estimate undercounts) grows on the heap instead of overflowing.
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.walk_expr(e));
    }

    fn visit_type(&mut self, t: &'ast syn::Type) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || visit::visit_type(self, t));
    }

    fn visit_pat(&mut self, p: &'ast syn::Pat) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || visit::visit_pat(self, p));
    }

    fn visit_item(&mut self, i: &'ast syn::Item) {
        // Any item only test builds compile (a `const`, a `static`, a
        // `struct`; functions, impls and modules are checked in their own
        // visits, which the facts phase's walks reach directly too).
        if rs::is_test_attr(rs::item_attrs(i)) {
            return;
        }
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || visit::visit_item(self, i));
    }
}

impl<'a, 'ast> Walker<'a, 'ast> {
    /// [`Visit::visit_expr`] proper: dispatch, context frames, children.
    fn walk_expr(&mut self, e: &'ast Expr) {
        let mut frame = None;
        match e {
            Expr::Call(c) => self.dispatch(RustKind::Call, RustNode::Call(c)),
            Expr::MethodCall(m) => self.dispatch(RustKind::MethodCall, RustNode::MethodCall(m)),
            Expr::Macro(m) => self.dispatch(RustKind::Macro, RustNode::Macro(&m.mac)),
            Expr::If(i) => self.dispatch(RustKind::If, RustNode::If(i)),
            Expr::Match(m) => self.dispatch(RustKind::Match, RustNode::Match(m)),
            Expr::Await(a) => self.dispatch(RustKind::Await, RustNode::Await(a)),
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                self.dispatch(RustKind::Loop, RustNode::Loop(e));
                let kind = match e {
                    Expr::ForLoop(_) => LoopKind::For,
                    Expr::While(w) if matches!(*w.cond, Expr::Let(_)) => LoopKind::WhileLet,
                    Expr::While(_) => LoopKind::While,
                    _ => LoopKind::Loop,
                };
                frame = Some(RustFrame::Loop { kind, span: self.span(e) });
            }
            Expr::Closure(c) => {
                self.dispatch(RustKind::Closure, RustNode::Closure(c));
                let (adapter, concurrency) = self.closure_adapter(e);
                let is_async = c.asyncness.is_some() || matches!(*c.body, Expr::Async(_));
                frame = Some(RustFrame::Closure { is_async, adapter, concurrency, span: self.span(e) });
            }
            Expr::Async(_) => frame = Some(RustFrame::AsyncBlock),
            _ => {}
        }
        let pushed = frame.is_some();
        if let Some(f) = frame {
            self.ctx.frames.push(f);
        }
        self.ctx.parents.push(e);
        match e {
            // The loop's iterable is evaluated once, outside the loop.
            Expr::ForLoop(f) => {
                let looped = self.ctx.frames.pop();
                self.visit_pat(&f.pat);
                self.visit_expr(&f.expr);
                self.ctx.frames.extend(looped);
                self.visit_block(&f.body);
            }
            _ => visit::visit_expr(self, e),
        }
        self.ctx.parents.pop();
        if pushed {
            self.ctx.frames.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::rule::Rule;
    use crate::source::Grammar;

    /// A probe rule that reports what the context says at each call.
    struct Probe;

    impl Rule for Probe {
        fn meta(&self) -> &'static RuleMeta {
            &crate::rules::jump_in_finally::META
        }
        fn rust_kinds(&self) -> &'static [RustKind] {
            &[RustKind::Call, RustKind::MethodCall, RustKind::Macro]
        }
        fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
            let (what, span) = match node {
                RustNode::Call(c) => (cx.callee_path(c).unwrap_or_default(), cx.span(c)),
                RustNode::MethodCall(m) => (format!(".{}", m.method), cx.span(&m.method)),
                RustNode::Macro(m) => {
                    let args = cx.macro_args(m).map(|a| a.args.len()).unwrap_or(99);
                    (format!("{}!/{args}", cx.macro_path(m)), cx.span(m))
                }
                _ => return,
            };
            let f = cx.ctx.function();
            let msg = format!(
                "{what} fn={} async={} handler={:?} loop={} conc={:?} sym={:?} sig={}",
                f.map(|f| f.name.as_str()).unwrap_or("-"),
                cx.ctx.in_async(),
                cx.ctx.handler().map(|h| h.http_methods.clone()),
                cx.ctx.in_loop(),
                cx.ctx.concurrency(),
                cx.ctx.symbol(),
                f.map(|f| f.sig.text(cx.src)).unwrap_or("-"),
            );
            cx.report(span, msg);
        }
    }

    static PROBE: Probe = Probe;

    fn run(src: &str) -> Result<Vec<String>, RustParseError> {
        let file = SourceFile::new("t.rs".into(), PathBuf::from("t.rs"), Grammar::Rust, Arc::from(src));
        let rules = RuleSet::new(vec![&PROBE]);
        let r = check_file(&file, &rules, &ProjectFacts::default(), Catalog::builtin())?;
        Ok(r.diagnostics.iter().map(|d| format!("{}:{}", d.start.line, d.message)).collect())
    }

    fn find<'a>(out: &'a [String], prefix: &str) -> &'a str {
        out.iter().find(|m| m.contains(prefix)).map(String::as_str).unwrap_or_else(|| panic!("{prefix} in {out:#?}"))
    }

    #[test]
    fn context_tracks_functions_handlers_loops_and_closures() {
        let src = r#"
use reqwest::Client as Http;
use axum::routing::post;

fn router() -> Router { Router::new().route("/o", post(create_order)) }

async fn create_order(db: Db) {
    Http::new();
    for id in ids() {
        db.load(id);
    }
    let v: Vec<_> = items.iter().map(|x| fetch(x)).collect();
    join_all(items.iter().map(|x| async move { fetch2(x).await })).await;
    tracing::info!(user.id = %id, ?token, "made {}", n);
}

#[actix_web::put("/x")]
async fn update() {}

impl Repo {
    fn save(&self) { Self::build(); }
}
"#;
        let out = run(src).unwrap();
        assert!(find(&out, "reqwest::Client::new").contains("handler=Some([\"post\"])"), "{out:#?}");
        assert!(find(&out, "reqwest::Client::new").contains("loop=false"));
        assert!(find(&out, "ids fn").contains("loop=false"), "the iterable is outside the loop");
        assert!(find(&out, ".load").contains("loop=true"));
        assert!(find(&out, ":fetch fn").contains("loop=true"));
        assert!(find(&out, "fetch2").contains("conc=Some(\"join_all\")"));
        assert!(find(&out, "fetch2").contains("async=true"));
        assert!(find(&out, "tracing::info!/3").contains("fn=create_order"));
        assert!(find(&out, "Repo::build").contains("sym=Some(\"Repo.save\")"));
        assert!(!find(&out, "Repo::build").contains("handler=Some"));
    }

    #[test]
    fn attribute_routes_mark_handlers() {
        let out = run("#[post(\"/pay\")]\nasync fn pay() { charge(); }\n#[get]\nfn not_a_route() { x(); }").unwrap();
        assert!(find(&out, "charge").contains("handler=Some([\"post\"])"));
        assert!(find(&out, "charge").contains("sig=async fn pay()"), "{out:#?}");
        assert!(find(&out, "4:x fn").contains("handler=None"));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = run("fn ok() {}\nfn broken( {\n}\n").expect_err("syntax error");
        assert!(err.message.contains("syntax error"), "{}", err.message);
        let line = err.offset;
        assert!(line >= "fn ok() {}\n".len(), "offset {line} points into the broken function");
    }

    #[test]
    fn deep_nesting_is_a_notice_not_a_crash() {
        let deep = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(run(&deep).expect_err("too deep").message.contains("Nesting deeper"));
        let chain = format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(100_000));
        assert!(run(&chain).is_err());
        let calls = format!("fn f() {{ x{}; }}", ".a()".repeat(100_000));
        assert!(run(&calls).is_err());
        // Deep but allowed nesting runs on a large stack.
        let ok = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(900), ")".repeat(900));
        assert!(run(&ok).is_ok());
        assert!(parse_only(&deep) == 0 && parse_only(&ok) > 0);
    }

    /// Keyword chains syn recurses through without brackets or operators.
    fn keyword_chain(shape: &str, n: usize) -> String {
        match shape {
            "return" => format!("fn f() {{ {}1; }}", "return ".repeat(n)),
            "as" => format!("fn f() {{ let y = x{}; }}", " as u8".repeat(n)),
            "break" => format!("fn f() {{ loop {{ {}; }} }}", "break ".repeat(n)),
            "yield" => format!("fn f() {{ let g = #[coroutine] || {{ {}1; }}; }}", "yield ".repeat(n)),
            "else if" => format!("fn f() {{\n    if a {{}}\n{}}}\n", "    else if a {}\n".repeat(n)),
            "if if" => format!("fn f() {{ {}a{} }}", "if ".repeat(n), " {} else {}".repeat(n)),
            "match match" => format!("fn f() {{ {}a{} }}", "match ".repeat(n), " {}".repeat(n)),
            "at patterns" => format!("fn f() {{ let {}b = 1; }}", "a @ ".repeat(n)),
            _ => unreachable!("unknown shape {shape}"),
        }
    }

    const SHAPES: &[&str] = &["return", "as", "break", "yield", "else if", "if if", "match match", "at patterns"];

    #[test]
    fn keyword_chains_count_toward_the_nesting_bound() {
        for shape in SHAPES {
            // Ten thousand levels: a notice naming the deepest point, not an abort.
            let deep = keyword_chain(shape, 10_000);
            let err = run(&deep).expect_err(shape);
            assert!(err.message.contains("Nesting deeper"), "{shape}: {}", err.message);
            assert!(err.offset > deep.len() / 2, "{shape}: the deepest point is late in the chain");
        }
    }

    #[test]
    fn the_deepest_chain_under_the_bound_runs_to_the_end() {
        // The largest chain the guard lets through must not overflow the
        // stack it gets, in this unoptimised build too (bigger frames).
        for shape in SHAPES {
            let mut n = 1;
            while rs::lex(&keyword_chain(shape, n * 2)).nesting <= rs::MAX_NESTING {
                n *= 2;
            }
            let (mut lo, mut hi) = (n, n * 2);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if rs::lex(&keyword_chain(shape, mid)).nesting <= rs::MAX_NESTING { lo = mid } else { hi = mid }
            }
            let text = keyword_chain(shape, lo);
            match run(&text) {
                Ok(_) => {}
                Err(e) => assert!(!e.message.contains("Nesting deeper"), "{shape} x{lo}: {}", e.message),
            }
            assert!(parse_only(&text) < usize::MAX);
        }
    }

    #[test]
    fn ordinary_items_and_statements_do_not_add_up() {
        // Many items and block statements in a row are siblings, not levels.
        let items = "#[derive(Debug)]\npub struct A { a: u8 }\nimpl A { pub fn f(&self) -> u8 { if self.a > 1 { 2 } else { 3 } } }\n".repeat(2_000);
        assert!(rs::lex(&items).nesting < 40, "{}", rs::lex(&items).nesting);
        let stmts = format!(
            "fn f() {{ {} }}",
            "if a { b(); } for x in y { z(x); } match q { A => {} B => {} }\n".repeat(2_000)
        );
        assert!(rs::lex(&stmts).nesting < 40, "{}", rs::lex(&stmts).nesting);
    }

    #[test]
    fn byte_offsets_survive_multibyte_text_and_bom() {
        let out = run("\u{feff}// é𝄞\nfn f() { let s = \"ü\"; reqwest::get(s); }").unwrap();
        assert!(find(&out, "reqwest::get").starts_with("2:"));
        let file = SourceFile::new(
            "t.rs".into(),
            PathBuf::from("t.rs"),
            Grammar::Rust,
            Arc::from("fn f() { let s = \"ü\"; g(); }"),
        );
        let rules = RuleSet::new(vec![&PROBE]);
        let r = check_file(&file, &rules, &ProjectFacts::default(), Catalog::builtin()).unwrap();
        let d = &r.diagnostics[0];
        assert_eq!(d.span.text(&file.text), "g()");
    }
}
