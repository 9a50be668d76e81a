//! The Rust front end: a small lexer (comments for suppressions, nesting depth
//! for the stack guard), parsing with syn, `use` resolution, route-handler
//! registration, method chains and macro arguments parsed as expressions.
//!
//! syn drops comments, so the lexer reads them from the text; it knows
//! strings, raw strings, byte strings, char literals and lifetimes, and nested
//! block comments.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Token};

use crate::source::Span;

/// Deeper nesting than this (brackets plus operator and keyword chains) is not parsed:
/// syn, its visitor and `Drop` recurse per level.
pub const MAX_NESTING: usize = 1_000;

/// Files whose estimated nesting exceeds this run on a thread with a large stack.
pub const BIG_STACK_NESTING: usize = 100;

/// One comment of the file.
#[derive(Debug, Clone, Copy)]
pub struct Comment {
    pub span: Span,
}

/// What the lexer learnt about a file.
#[derive(Debug, Default)]
pub struct Lexed {
    pub comments: Vec<Comment>,
    /// Estimated syntactic nesting: bracket depth plus the longest run of
    /// operators and words inside one bracket level (a run ends at `,`, `;`
    /// and a block that ends an item or statement). An upper bound on how
    /// deep syn and the visitor recurse.
    pub nesting: usize,
    /// Byte offset where the estimate was highest.
    pub deepest_at: usize,
}

/// Scans `text` once for comments and nesting depth.
pub fn lex(text: &str) -> Lexed {
    let b = text.as_bytes();
    let mut out = Lexed::default();
    let mut depth = 0usize;
    // Operator run per open bracket level.
    let mut runs: Vec<usize> = vec![0];
    let mut i = 0;
    let n = b.len();
    let note = |d: usize, at: usize, out: &mut Lexed| {
        if d > out.nesting {
            out.nesting = d;
            out.deepest_at = at;
        }
    };
    while i < n {
        let c = b[i];
        if matches!(c, b'/' | b'"' | b'\'' | b'r' | b'b' | b'c')
            && let Some(end) = literal_or_comment_end(b, i)
        {
            if c == b'/' {
                out.comments.push(Comment { span: Span::new(i, end) });
            }
            i = end;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                runs.push(0);
                note(depth, i, &mut out);
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if runs.len() > 1 {
                    runs.pop();
                }
                // A block followed by a word other than `else`/`as` (or an
                // attribute) ends an item, statement or match arm: the next
                // one does not nest inside it. `} else if` chains keep counting.
                if c == b'}'
                    && block_ends_here(b, i + 1)
                    && let Some(r) = runs.last_mut()
                {
                    *r = 0;
                }
            }
            // Every word counts as a level: syn recurses once per keyword
            // of `return return ...`, `x as u8 as u8 ...`, `break break`,
            // `yield`, `else if`, `match match`, `if if`, and counting plain
            // identifiers too keeps any chain made of words inside the bound.
            _ if is_ident_byte(c) && (i == 0 || !is_ident_byte(b[i - 1])) => {
                let end = b[i..].iter().position(|&x| !is_ident_byte(x)).map_or(n, |e| i + e);
                if let Some(r) = runs.last_mut() {
                    *r += 1;
                    let d = depth + *r;
                    note(d, i, &mut out);
                }
                i = end;
                continue;
            }
            b',' | b';' => {
                if let Some(r) = runs.last_mut() {
                    *r = 0;
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'!' | b'.' | b'=' | b'<' | b'>' | b'?' | b'@' => {
                if let Some(r) = runs.last_mut() {
                    *r += 1;
                    let d = depth + *r;
                    note(d, i, &mut out);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether the token after a `}` at `i` starts a new item or statement: a
/// word other than `else` and `as`, or an attribute.
fn block_ends_here(b: &[u8], mut i: usize) -> bool {
    let n = b.len();
    loop {
        while i < n && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i + 1 < n && b[i] == b'/' && b[i + 1] == b'/' {
            i = memchr::memchr(b'\n', &b[i..]).map_or(n, |e| i + e);
        } else if i + 1 < n && b[i] == b'/' && b[i + 1] == b'*' {
            i = crate::source::nested_comment_end(b, i);
        } else {
            break;
        }
    }
    if i >= n {
        return false;
    }
    if b[i] == b'#' {
        return true;
    }
    if !is_ident_byte(b[i]) {
        return false;
    }
    let end = b[i..].iter().position(|&x| !is_ident_byte(x)).map_or(n, |e| i + e);
    !matches!(&b[i..end], b"else" | b"as")
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Where the comment, string or char literal that starts at `i` ends (the
/// byte after it, or the end of the text when it is not closed); `None` when
/// none starts there: a lifetime or label (`'a`), an identifier (`br`, the
/// `r` of `for"`), an operator. The one Rust lexer of literals: `//` and
/// nested `/* */` comments; `"…"` with escapes and its `b`/`c` forms; raw
/// strings `r"…"`, `r#"…"#`, `br#"…"#`, `cr"…"`; char literals `'x'`,
/// `'\n'`, `'\u{1F600}'`, `'\''` and byte literals `b'x'`. A prefix counts
/// only where a token starts (the byte before is not part of an identifier).
pub fn literal_or_comment_end(b: &[u8], i: usize) -> Option<usize> {
    let n = b.len();
    let c = *b.get(i)?;
    match c {
        b'/' => match b.get(i + 1) {
            Some(b'/') => Some(memchr::memchr(b'\n', &b[i..]).map_or(n, |e| i + e)),
            Some(b'*') => Some(crate::source::nested_comment_end(b, i)),
            _ => None,
        },
        b'"' => Some(string_end(b, i + 1)),
        b'\'' => char_end(b, i),
        b'b' | b'c' | b'r' => {
            if i > 0 && is_ident_byte(b[i - 1]) {
                return None;
            }
            let j = if c == b'r' { i } else { i + 1 };
            match b.get(j) {
                Some(b'r') => {
                    let hashes = b[j + 1..].iter().take_while(|&&h| h == b'#').count();
                    let open = j + 1 + hashes;
                    (b.get(open) == Some(&b'"')).then(|| raw_end(b, open + 1, hashes))
                }
                Some(b'"') if j > i => Some(string_end(b, j + 1)),
                Some(b'\'') if c == b'b' => char_end(b, j),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The inside of the string or char literal at `i` that ends at `end` (as
/// [`literal_or_comment_end`] gives it): between its quotes, a raw string's
/// `#`s excluded, with the quote that opens it (`"` or `'`). `None` for a
/// comment.
pub fn literal_body(b: &[u8], i: usize, end: usize) -> Option<(std::ops::Range<usize>, u8)> {
    let open = i + b.get(i..end)?.iter().position(|&q| q == b'"' || q == b'\'' || q == b'/')?;
    let quote = b[open];
    if quote == b'/' {
        return None;
    }
    let hashes = b[i..open].iter().filter(|&&h| h == b'#').count();
    let closed =
        end >= open + 2 + hashes && b[end - 1 - hashes] == quote && b[end - hashes..end].iter().all(|&h| h == b'#');
    let close = if closed { end - 1 - hashes } else { end };
    Some((open + 1..close, quote))
}

/// The end of a `"` string whose contents start at `i`: after its closing
/// quote, escapes skipped.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while let Some(p) = memchr::memchr2(b'\\', b'"', b.get(i..).unwrap_or_default()) {
        if b[i + p] == b'"' {
            return i + p + 1;
        }
        i += p + 2;
    }
    b.len()
}

/// The end of a raw string whose contents start at `i`: after the `"` and
/// `hashes` `#`s that close it.
fn raw_end(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while let Some(p) = memchr::memchr(b'"', b.get(i..).unwrap_or_default()) {
        let q = i + p;
        if b.len() > q + hashes && b[q + 1..=q + hashes].iter().all(|&h| h == b'#') {
            return q + 1 + hashes;
        }
        i = q + 1;
    }
    b.len()
}

/// A char literal at `i` (`'a'`, `'\n'`, `'\''`, `'\u{1F600}'`): its end;
/// `None` for a lifetime or label (`'a`).
fn char_end(b: &[u8], i: usize) -> Option<usize> {
    let n = b.len();
    if b.get(i + 1) == Some(&b'\\') {
        // The escaped byte itself may be a quote (`'\''`).
        let mut j = i + 3;
        while j < n && b[j] != b'\'' && b[j] != b'\n' {
            j += 1;
        }
        return Some((j + 1).min(n));
    }
    // One (possibly multi-byte) character then a quote: a char literal.
    // Only the next character is decoded (at most 4 bytes): validating the
    // rest of the file at every quote made lexing grow with the square of
    // the file's size.
    let head = b.get(i + 1..(i + 5).min(n))?;
    let rest = match std::str::from_utf8(head) {
        Ok(r) => r,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    let after = i + 1 + rest.chars().next()?.len_utf8();
    (b.get(after) == Some(&b'\'')).then_some(after + 1)
}

/// Replaces a leading `#!` line that is not an inner attribute with spaces,
/// so byte offsets stay the same, and strips a BOM (returned as the offset).
pub fn prepare(text: &str) -> (usize, std::borrow::Cow<'_, str>) {
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (3, rest),
        None => (0, text),
    };
    if body.starts_with("#!") && !body[2..].trim_start().starts_with('[') {
        let end = body.find('\n').unwrap_or(body.len());
        let mut s = String::with_capacity(body.len());
        s.push_str(&" ".repeat(end));
        s.push_str(&body[end..]);
        return (bom, std::borrow::Cow::Owned(s));
    }
    (bom, std::borrow::Cow::Borrowed(body))
}

/// Byte span of a syn node or token in the parsed text, shifted by `base`.
pub fn span_of(node: &impl Spanned, base: usize) -> Span {
    let r = node.span().byte_range();
    Span::new(r.start + base, r.end + base)
}

/// Path segments of a `syn::Path`, generic arguments dropped.
pub fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The `use` declarations of a file: local name → full path, and glob imports.
#[derive(Debug, Default, Clone)]
pub struct UseMap {
    names: HashMap<String, String>,
    /// Each glob prefix once, in file order: a prefix imported again (the
    /// same `use x::*;` in many functions) would add a candidate per copy to
    /// every path lookup.
    globs: Vec<String>,
    glob_seen: std::collections::HashSet<String>,
}

impl UseMap {
    /// Records one `use` tree.
    pub fn add(&mut self, tree: &syn::UseTree) {
        let mut stack: Vec<(Vec<String>, &syn::UseTree)> = vec![(Vec::new(), tree)];
        while let Some((prefix, t)) = stack.pop() {
            match t {
                syn::UseTree::Path(p) => {
                    let mut next = prefix.clone();
                    next.push(p.ident.to_string());
                    stack.push((next, &p.tree));
                }
                syn::UseTree::Name(n) => {
                    let name = n.ident.to_string();
                    if name == "self" {
                        if let Some(last) = prefix.last() {
                            self.names.insert(last.clone(), prefix.join("::"));
                        }
                    } else {
                        let mut full = prefix.clone();
                        full.push(name.clone());
                        self.names.insert(name, full.join("::"));
                    }
                }
                syn::UseTree::Rename(r) => {
                    let mut full = prefix.clone();
                    let ident = r.ident.to_string();
                    if ident != "self" {
                        full.push(ident);
                    }
                    let alias = r.rename.to_string();
                    if alias != "_" {
                        self.names.insert(alias, full.join("::"));
                    }
                }
                syn::UseTree::Glob(_) => {
                    let g = prefix.join("::");
                    if self.glob_seen.insert(g.clone()) {
                        self.globs.push(g);
                    }
                }
                syn::UseTree::Group(g) => {
                    for item in &g.items {
                        stack.push((prefix.clone(), item));
                    }
                }
            }
        }
    }

    /// The full path of `segments`: the first segment replaced by what it was
    /// imported as; a leading `::` and `$crate` dropped.
    pub fn resolve(&self, segments: &[String]) -> String {
        let Some(first) = segments.first() else { return String::new() };
        match self.names.get(first) {
            Some(full) => {
                let mut out = full.clone();
                for s in &segments[1..] {
                    out.push_str("::");
                    out.push_str(s);
                }
                out
            }
            None => segments.join("::"),
        }
    }

    /// Candidate full paths for `segments` through glob imports (`use
    /// std::net::*; TcpStream::connect`), for names no `use` binds.
    pub fn glob_candidates(&self, segments: &[String]) -> Vec<String> {
        if segments.first().is_some_and(|f| self.names.contains_key(f)) {
            return Vec::new();
        }
        self.globs.iter().map(|g| format!("{g}::{}", segments.join("::"))).collect()
    }

    /// True when some `use` imports from `krate` (`use reqwest::Client`).
    pub fn imports_from(&self, krate: &str) -> bool {
        self.names.values().chain(&self.globs).any(|p| p == krate || p.starts_with(&format!("{krate}::")))
    }
}

/// HTTP methods of route registrations, by handler function name, found in
/// the text: axum `post(handler)`, `.route("/", get(a).post(b))`, actix
/// `web::post().to(handler)`. Attribute routes (`#[post("/")]`, actix and
/// Rocket) are read from the function itself.
pub fn route_handlers(text: &str) -> HashMap<String, Vec<&'static str>> {
    const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options", "any"];
    let mut out: HashMap<String, Vec<&'static str>> = HashMap::new();
    if !(text.contains("route") || text.contains("Router") || text.contains("web::")) {
        return out;
    }
    let b = text.as_bytes();
    for &m in METHODS {
        let pat = format!("{m}(");
        let mut from = 0;
        while let Some(found) = text[from..].find(&pat) {
            let at = from + found;
            from = at + pat.len();
            if at > 0 && is_ident_byte(b[at - 1]) {
                continue;
            }
            let mut rest = &text[at + pat.len()..];
            // `web::post().to(handler)`
            if let Some(r) = rest.strip_prefix(").to(") {
                rest = r;
            }
            let name_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let path = &rest[..name_len];
            let after = rest[name_len..].trim_start();
            let closes = after.starts_with(')') || after.starts_with("::<");
            if path.is_empty() || !closes || path.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let name = path.rsplit("::").next().unwrap_or(path).to_string();
            let entry = out.entry(name).or_default();
            if !entry.contains(&m) {
                entry.push(m);
            }
        }
    }
    out
}

/// The HTTP method of a route attribute (`#[post("/x")]`,
/// `#[actix_web::put("/x")]`, `#[route("/x", method = "POST")]`).
pub fn route_attr_methods(attrs: &[syn::Attribute]) -> Vec<&'static str> {
    const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
    let mut out = Vec::new();
    for a in attrs {
        let Some(last) = a.path().segments.last() else { continue };
        let name = last.ident.to_string();
        if let Some(&m) = METHODS.iter().find(|&&m| m == name) {
            // A bare `#[get]` is not a route; routes take a path argument.
            if matches!(a.meta, syn::Meta::List(_)) {
                out.push(m);
            }
        } else if name == "route"
            && let syn::Meta::List(l) = &a.meta
        {
            let t = l.tokens.to_string().to_ascii_lowercase();
            for &m in METHODS {
                if t.contains(&format!("\"{m}\"")) {
                    out.push(m);
                }
            }
        }
    }
    out
}

/// True for `#[test]`, `#[tokio::test]`, `#[bench]`, and a `#[cfg(..)]` that
/// only test builds satisfy ([`cfg_test_only`]).
pub fn is_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        let last = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if last == "test" || last == "bench" {
            return true;
        }
        if path.is_ident("cfg")
            && let syn::Meta::List(l) = &a.meta
        {
            return cfg_test_only(&l.tokens.to_string());
        }
        false
    })
}

/// The outer attributes of an item.
pub fn item_attrs(i: &syn::Item) -> &[syn::Attribute] {
    use syn::Item;
    match i {
        Item::Const(x) => &x.attrs,
        Item::Enum(x) => &x.attrs,
        Item::ExternCrate(x) => &x.attrs,
        Item::Fn(x) => &x.attrs,
        Item::ForeignMod(x) => &x.attrs,
        Item::Impl(x) => &x.attrs,
        Item::Macro(x) => &x.attrs,
        Item::Mod(x) => &x.attrs,
        Item::Static(x) => &x.attrs,
        Item::Struct(x) => &x.attrs,
        Item::Trait(x) => &x.attrs,
        Item::TraitAlias(x) => &x.attrs,
        Item::Type(x) => &x.attrs,
        Item::Union(x) => &x.attrs,
        Item::Use(x) => &x.attrs,
        _ => &[],
    }
}

/// The outer attributes of an expression that can carry them in statement
/// position (`#[cfg(test)] f();`, `#[cfg(test)] { .. }`).
pub fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    match e {
        Expr::Call(x) => &x.attrs,
        Expr::MethodCall(x) => &x.attrs,
        Expr::Macro(x) => &x.attrs,
        Expr::Block(x) => &x.attrs,
        Expr::Unsafe(x) => &x.attrs,
        Expr::Async(x) => &x.attrs,
        Expr::If(x) => &x.attrs,
        Expr::Match(x) => &x.attrs,
        Expr::ForLoop(x) => &x.attrs,
        Expr::While(x) => &x.attrs,
        Expr::Loop(x) => &x.attrs,
        Expr::Assign(x) => &x.attrs,
        Expr::Await(x) => &x.attrs,
        Expr::Try(x) => &x.attrs,
        Expr::Path(x) => &x.attrs,
        Expr::Tuple(x) => &x.attrs,
        Expr::Struct(x) => &x.attrs,
        _ => &[],
    }
}

/// Words of a Cargo feature's name that say it exists for tests
/// (`testing`, `test-utils`, `mock-backend`).
const TEST_FEATURE_WORDS: &[&str] = &["test", "tests", "testing", "mock", "mocks", "fake", "fakes", "fixtures"];

/// True for a Cargo feature named for tests (`testing`, `test-utils`).
pub fn test_feature(name: &str) -> bool {
    name.to_ascii_lowercase().split(['-', '_']).any(|w| TEST_FEATURE_WORDS.contains(&w))
}

/// True when the `cfg` predicate `pred` (the text inside `#[cfg(..)]`) holds
/// only in test builds: `test`; `all(..)` with such a part
/// (`all(test, target_os = "illumos")`); `any(..)` whose every alternative
/// is one (`any(test, feature = "testing")`); a feature named for tests
/// (`feature = "testing"`). `not(..)` never is: `#[cfg(not(test))]` is the
/// production build, and so is any other feature (`feature = "metrics"`).
/// One answer for the Rust engine's items, match arms and statements and
/// for the module tree ([`crate::analysis::rust_modules`]).
pub fn cfg_test_only(pred: &str) -> bool {
    #[derive(Debug)]
    enum Cfg {
        Name(String),
        KeyValue(String, String),
        Call(String, Vec<Cfg>),
    }
    fn parse(b: &[u8], i: &mut usize, depth: usize) -> Option<Cfg> {
        let skip = |i: &mut usize| {
            while *i < b.len() && b[*i].is_ascii_whitespace() {
                *i += 1;
            }
        };
        skip(i);
        let start = *i;
        while *i < b.len() && (b[*i].is_ascii_alphanumeric() || b[*i] == b'_') {
            *i += 1;
        }
        let name = std::str::from_utf8(&b[start..*i]).ok()?.to_string();
        if name.is_empty() || depth > 32 {
            return None;
        }
        skip(i);
        match b.get(*i) {
            Some(b'=') => {
                *i += 1;
                skip(i);
                if b.get(*i) != Some(&b'"') {
                    return None;
                }
                let s = *i + 1;
                let e = s + b[s..].iter().position(|&c| c == b'"')?;
                *i = e + 1;
                Some(Cfg::KeyValue(name, String::from_utf8_lossy(&b[s..e]).into_owned()))
            }
            Some(b'(') => {
                *i += 1;
                let mut parts = Vec::new();
                loop {
                    skip(i);
                    match b.get(*i) {
                        Some(b')') => {
                            *i += 1;
                            break;
                        }
                        Some(b',') => *i += 1,
                        Some(_) => parts.push(parse(b, i, depth + 1)?),
                        None => return None,
                    }
                }
                Some(Cfg::Call(name, parts))
            }
            _ => Some(Cfg::Name(name)),
        }
    }
    fn test_only(c: &Cfg) -> bool {
        match c {
            Cfg::Name(n) => n == "test",
            Cfg::KeyValue(k, v) => k == "feature" && test_feature(v),
            Cfg::Call(f, parts) if f == "all" => parts.iter().any(test_only),
            Cfg::Call(f, parts) if f == "any" => !parts.is_empty() && parts.iter().all(test_only),
            Cfg::Call(..) => false,
        }
    }
    let b = pred.as_bytes();
    let mut i = 0;
    parse(b, &mut i, 0).is_some_and(|c| test_only(&c))
}

/// One step of a method chain, read from the outside in and returned in
/// call order: `a.b(x).await?.c` is root `a`, then `b(x)`, `await`, `?`, `.c`.
#[derive(Clone, Copy)]
pub enum Step<'a> {
    Method(&'a syn::ExprMethodCall),
    Await(&'a syn::ExprAwait),
    Try(&'a syn::ExprTry),
    Field(&'a syn::ExprField),
}

impl<'a> Step<'a> {
    /// The method name of a method step.
    pub fn method(&self) -> Option<String> {
        match self {
            Step::Method(m) => Some(m.method.to_string()),
            _ => None,
        }
    }
}

/// Splits `expr` into the chain's root and its steps, in call order.
/// Parentheses and `Group`s are looked through. Iterative.
pub fn chain(expr: &Expr) -> (&Expr, Vec<Step<'_>>) {
    let mut steps = Vec::new();
    let mut cur = expr;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                steps.push(Step::Method(m));
                cur = &m.receiver;
            }
            Expr::Await(a) => {
                steps.push(Step::Await(a));
                cur = &a.base;
            }
            Expr::Try(t) => {
                steps.push(Step::Try(t));
                cur = &t.expr;
            }
            Expr::Field(f) => {
                steps.push(Step::Field(f));
                cur = &f.base;
            }
            Expr::Paren(p) => cur = &p.expr,
            Expr::Group(g) => cur = &g.expr,
            _ => break,
        }
    }
    steps.reverse();
    (cur, steps)
}

/// Looks through parentheses, groups, references and `.await`.
pub fn peel(expr: &Expr) -> &Expr {
    let mut cur = expr;
    loop {
        match cur {
            Expr::Paren(p) => cur = &p.expr,
            Expr::Group(g) => cur = &g.expr,
            Expr::Reference(r) => cur = &r.expr,
            _ => return cur,
        }
    }
}

/// A single identifier expression (`client`), if that is what `expr` is.
pub fn ident_of(expr: &Expr) -> Option<String> {
    match peel(expr) {
        Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => Some(p.path.segments[0].ident.to_string()),
        _ => None,
    }
}

/// The macro's name: its last path segment (`tracing::warn!` → `warn`).
pub fn macro_name(mac: &syn::Macro) -> String {
    mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

/// How a tracing field value is captured: `?x` (Debug), `%x` (Display).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sigil {
    None,
    Debug,
    Display,
}

/// One argument of a logging or formatting macro.
#[derive(Clone)]
pub struct MacroArg {
    /// `name = value` or tracing `a.b = value`: the name as written.
    pub name: Option<String>,
    /// `target: "x"`, `parent: span`, `level: Level::INFO` (tracing metadata).
    pub meta: bool,
    pub sigil: Sigil,
    pub value: Expr,
}

/// The parsed arguments of `info!(...)`, `format!(...)`, `println!(...)`:
/// the format string (if any) and the other arguments as expressions.
#[derive(Clone, Default)]
pub struct MacroArgs {
    pub format: Option<syn::LitStr>,
    pub args: Vec<MacroArg>,
}

impl MacroArgs {
    /// Names used inline in the format string (`{user}`, `{token:?}`), with
    /// whether they are formatted with `Debug`.
    pub fn inline_names(&self) -> Vec<(String, bool)> {
        let Some(f) = &self.format else { return Vec::new() };
        let s = f.value();
        let mut out = Vec::new();
        let mut rest = s.as_str();
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if rest.starts_with('{') {
                rest = &rest[1..];
                continue;
            }
            let close = rest.find('}').unwrap_or(rest.len());
            let inner = &rest[..close];
            let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
            let name = name.trim();
            if !name.is_empty()
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !name.starts_with(char::is_numeric)
            {
                out.push((name.to_string(), spec.contains('?')));
            }
            rest = &rest[close.min(rest.len())..];
        }
        out
    }
}

impl Parse for MacroArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut out = MacroArgs::default();
        let mut first = true;
        while !input.is_empty() {
            // `target: "x"`, `parent: &span`, `level: Level::WARN`, `name: "x"`.
            if input.peek(syn::Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
                let ident: syn::Ident = input.parse()?;
                let _: Token![:] = input.parse()?;
                let value: Expr = input.parse()?;
                out.args.push(MacroArg { name: Some(ident.to_string()), meta: true, sigil: Sigil::None, value });
            } else if first && input.peek(syn::LitStr) {
                out.format = Some(input.parse()?);
            } else {
                let sigil = parse_sigil(input)?;
                // `a.b.c = value` (tracing field) or `name = value` (format named arg).
                let fork = input.fork();
                let mut name = None;
                if sigil == Sigil::None && (fork.peek(syn::Ident) || fork.peek(syn::LitStr)) {
                    let mut parts = Vec::new();
                    let ok = loop {
                        if fork.peek(syn::Ident) {
                            let i: syn::Ident = fork.parse()?;
                            parts.push(i.to_string());
                        } else if fork.peek(syn::LitStr) {
                            let l: syn::LitStr = fork.parse()?;
                            parts.push(l.value());
                        } else {
                            break false;
                        }
                        if fork.peek(Token![.]) {
                            let _: Token![.] = fork.parse()?;
                            continue;
                        }
                        break fork.peek(Token![=]) && !fork.peek(Token![==]) && !fork.peek(Token![=>]);
                    };
                    if ok {
                        let _: Token![=] = fork.parse()?;
                        syn::parse::discouraged::Speculative::advance_to(input, &fork);
                        name = Some(parts.join("."));
                    }
                }
                let sigil = if name.is_some() { parse_sigil(input)? } else { sigil };
                let value: Expr = input.parse()?;
                out.args.push(MacroArg { name, meta: false, sigil, value });
            }
            first = false;
            if input.is_empty() {
                break;
            }
            // tracing separates the fields from the message with `;` in some forms.
            if input.peek(Token![;]) {
                let _: Token![;] = input.parse()?;
            } else {
                let _: Token![,] = input.parse()?;
            }
            if !out.args.is_empty() || out.format.is_some() {
                // A format string may follow tracing fields: `info!(user.id = 1, "msg {}", x)`.
                if out.format.is_none() && input.peek(syn::LitStr) && !input.peek2(Token![=]) && !input.peek2(Token![.])
                {
                    out.format = Some(input.parse()?);
                    if input.is_empty() {
                        break;
                    }
                    let _: Token![,] = input.parse()?;
                }
            }
        }
        Ok(out)
    }
}

fn parse_sigil(input: ParseStream<'_>) -> syn::Result<Sigil> {
    if input.peek(Token![?]) {
        let _: Token![?] = input.parse()?;
        Ok(Sigil::Debug)
    } else if input.peek(Token![%]) {
        let _: Token![%] = input.parse()?;
        Ok(Sigil::Display)
    } else {
        Ok(Sigil::None)
    }
}

/// Parses a logging/format macro's tokens; `None` when they are not
/// expressions (a DSL macro).
pub fn parse_macro_args(tokens: &TokenStream) -> Option<MacroArgs> {
    syn::parse2::<MacroArgs>(tokens.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_predicates_that_only_tests_satisfy() {
        for yes in [
            "test",
            "all(test, target_os = \"illumos\")",
            "any(test, feature = \"testing\")",
            "any (test , feature = \"test-utils\")",
            "feature = \"testing\"",
            "all(unix, any(test, feature = \"mock_backend\"))",
        ] {
            assert!(cfg_test_only(yes), "{yes}");
        }
        for no in [
            "not(test)",
            "feature = \"metrics\"",
            "any(test, feature = \"metrics\")",
            "any()",
            "all(not(test), unix)",
            "unix",
            "target_os = \"test\"",
            "feature = \"attestation\"",
        ] {
            assert!(!cfg_test_only(no), "{no}");
        }
    }

    #[test]
    fn lexer_finds_comments_not_in_strings() {
        let src =
            "let a = \"// no\"; // yes\nlet b = r#\"/* no */\"#; /* a /* nested */ b */ let c = 'x'; fn f<'a>() {}";
        let l = lex(src);
        let texts: Vec<&str> = l.comments.iter().map(|c| c.span.text(src)).collect();
        assert_eq!(texts, vec!["// yes", "/* a /* nested */ b */"]);
    }

    /// The literal or comment at the start of `src`, as text.
    fn first_literal(src: &str) -> Option<&str> {
        literal_or_comment_end(src.as_bytes(), 0).map(|e| &src[..e])
    }

    #[test]
    fn raw_strings_end_at_their_own_hashes() {
        assert_eq!(first_literal(r####"r#"a "quoted" b"# rest"####), Some(r####"r#"a "quoted" b"#"####));
        assert_eq!(first_literal(r####"r##"inner "# still"## x"####), Some(r####"r##"inner "# still"##"####));
        assert_eq!(first_literal(r#"r"no \" escape" x"#), Some(r#"r"no \""#));
        assert_eq!(first_literal(r####"br#"bytes"# x"####), Some(r####"br#"bytes"#"####));
        assert_eq!(first_literal(r####"cr#"c"# x"####), Some(r####"cr#"c"#"####));
        // A raw identifier and a plain identifier are not strings.
        assert_eq!(first_literal("r#mod"), None);
        assert_eq!(first_literal("rust"), None);
        // Unclosed: to the end of the text.
        assert_eq!(first_literal(r##"r#"open"##), Some(r##"r#"open"##));
        let raw = br####"r#"a"b"# x"####;
        let end = literal_or_comment_end(raw, 0).unwrap();
        assert_eq!(literal_body(raw, 0, end), Some((3..6, b'"')));
    }

    #[test]
    fn byte_and_c_strings_and_escapes() {
        assert_eq!(first_literal(r#""a \" b" x"#), Some(r#""a \" b""#));
        assert_eq!(first_literal(r#""ends in \\" x"#), Some(r#""ends in \\""#));
        assert_eq!(first_literal(r#"b"bytes\n" x"#), Some(r#"b"bytes\n""#));
        assert_eq!(first_literal(r#"c"c str" x"#), Some(r#"c"c str""#));
        assert_eq!(first_literal("b'x' y"), Some("b'x'"));
        assert_eq!(first_literal(r"b'\'' y"), Some(r"b'\''"));
        // A prefix only where a token starts: the `b` of `ab"` is not one.
        assert_eq!(literal_or_comment_end(br#"ab"x""#, 1), None);
        assert_eq!(literal_or_comment_end(br#"for"x""#, 2), None);
        assert_eq!(literal_body(br#"b"xy" z"#, 0, 5), Some((2..4, b'"')));
    }

    #[test]
    fn nested_block_comments_and_line_comments() {
        assert_eq!(first_literal("/* a /* b */ c */ d"), Some("/* a /* b */ c */"));
        assert_eq!(first_literal("/* open /* */ still"), Some("/* open /* */ still"));
        assert_eq!(first_literal("// to the line end\nnext"), Some("// to the line end"));
        assert_eq!(first_literal("/ 2"), None);
        assert_eq!(literal_body(b"// c", 0, 4), None);
    }

    #[test]
    fn char_literals_are_not_lifetimes() {
        assert_eq!(first_literal("'a' x"), Some("'a'"));
        assert_eq!(first_literal("'a x"), None);
        assert_eq!(first_literal("'a>(x: &'a str)"), None);
        assert_eq!(first_literal("'static str"), None);
        assert_eq!(first_literal("'{' x"), Some("'{'"));
        assert_eq!(first_literal("'é' x"), Some("'é'"));
        assert_eq!(first_literal(r"'\n' x"), Some(r"'\n'"));
        assert_eq!(first_literal(r"'\'' x"), Some(r"'\''"));
        assert_eq!(first_literal(r"'\\' x"), Some(r"'\\'"));
        assert_eq!(first_literal(r"'\u{1F600}' x"), Some(r"'\u{1F600}'"));
        assert_eq!(literal_body(b"'{' x", 0, 3), Some((1..2, b'\'')));
        // After `'\''` the lexer is back in code: the comment is found.
        assert_eq!(lex(r"let q = '\''; // c").comments.len(), 1);
    }

    #[test]
    fn nesting_counts_brackets_and_operator_runs() {
        assert!(lex("fn f() { ((((1)))) }").nesting >= 5);
        let chain = format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(3000));
        assert!(lex(&chain).nesting > MAX_NESTING);
        assert!(lex("fn f() { let v = [1, 2, 3, 4]; }").nesting < 10);
    }

    #[test]
    fn use_map_resolves_aliases_groups_and_self() {
        let file: syn::File =
            syn::parse_str("use reqwest::{self, Client as Http}; use std::net::*; use tokio::time::timeout;").unwrap();
        let mut m = UseMap::default();
        for item in &file.items {
            if let syn::Item::Use(u) = item {
                m.add(&u.tree);
            }
        }
        let p = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
        assert_eq!(m.resolve(&p("Http::new")), "reqwest::Client::new");
        assert_eq!(m.resolve(&p("reqwest::get")), "reqwest::get");
        assert_eq!(m.resolve(&p("timeout")), "tokio::time::timeout");
        assert_eq!(m.glob_candidates(&p("TcpStream::connect")), vec!["std::net::TcpStream::connect".to_string()]);
        assert!(m.imports_from("reqwest"));
    }

    #[test]
    fn routes_are_found_in_text() {
        let r = route_handlers(
            "Router::new().route(\"/a\", get(list).post(create)).route(\"/b\", axum::routing::put(handlers::update)); web::resource(\"/c\").route(web::patch().to(edit))",
        );
        assert_eq!(r["create"], vec!["post"]);
        assert_eq!(r["list"], vec!["get"]);
        assert_eq!(r["update"], vec!["put"]);
        assert_eq!(r["edit"], vec!["patch"]);
    }

    #[test]
    fn macro_args_parse_tracing_fields_and_format_args() {
        let m: syn::Macro =
            syn::parse_str("info!(target: \"x\", user.id = %id, ?token, \"login {} {name:?}\", a, name = b)").unwrap();
        let args = parse_macro_args(&m.tokens).unwrap();
        assert_eq!(args.format.as_ref().unwrap().value(), "login {} {name:?}");
        let names: Vec<_> = args.args.iter().map(|a| (a.name.clone(), a.sigil)).collect();
        assert_eq!(
            names,
            vec![
                (Some("target".to_string()), Sigil::None),
                (Some("user.id".to_string()), Sigil::Display),
                (None, Sigil::Debug),
                (None, Sigil::None),
                (Some("name".to_string()), Sigil::None),
            ]
        );
        assert_eq!(args.inline_names(), vec![("name".to_string(), true)]);
        let p: syn::Macro = syn::parse_str("println!(\"{}\", secret.expose())").unwrap();
        assert_eq!(parse_macro_args(&p.tokens).unwrap().args.len(), 1);
    }

    #[test]
    fn chains_split_in_call_order() {
        let e: Expr = syn::parse_str("client.get(url).send().await?.text()").unwrap();
        let (root, steps) = chain(&e);
        assert_eq!(ident_of(root).as_deref(), Some("client"));
        let names: Vec<_> = steps.iter().map(|s| s.method().unwrap_or_else(|| "_".into())).collect();
        assert_eq!(names, vec!["get", "send", "_", "_", "text"]);
    }
}
