//! The Rust part of the function summaries ([`crate::analysis::summaries`]):
//! per function and method, its return kind, the query it runs itself (the
//! catalog clients `query-in-loop` knows, through
//! [`crate::rules::query_in_loop_rust::query_call`]) and the calls that may
//! reach other project functions.
//!
//! The collector is written as a Rust rule and walked by the Rust engine
//! ([`crate::engine::rust::walk_file`]), so it sees the same `use` map,
//! context frames and catalog matching as the rules. Modules are named
//! `crate_name::a::b` (the package name from the nearest `Cargo.toml`, `-`
//! as `_`; `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`), so `use
//! crate::a::b::f`, `super::f`, `self::f` and `use other_crate::a::b::f` of
//! a workspace member all name the same module. `Type::f()`, `Self::f()` and
//! `self.f()` name a method by its `impl` type ([`Target::Assoc`]), wherever
//! that `impl` is written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use syn::Expr;

use crate::analysis::summaries::{CallRef, FunctionSummary, Returns, Site, Target};
use crate::catalog::Catalog;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::engine::{ProjectFacts, RuleSet};
use crate::lang::rust as rs;
use crate::rule::{Rule, RuleMeta};
use crate::rules::query_in_loop_rust;
use crate::source::SourceFile;

/// The summaries of one Rust file's functions. Only a file that names a
/// database client of the catalog (its `file_marker`: no other file can run
/// a catalog query) is parsed, for queries and calls; every other file gets
/// its functions' names, `impl` types and return kinds from a lexical scan
/// ([`signatures`]): a second syn parse of every file would double the
/// Rust check's cost, and the call sites are resolved when the check runs
/// ([`target_at`]).
pub fn collect(file: &SourceFile, catalog: &Catalog) -> Vec<FunctionSummary> {
    let clients = &catalog.queries.rust.clients;
    let queries =
        clients.iter().filter(|c| !c.http).any(|c| c.file_marker.as_deref().is_none_or(|m| file.text.contains(m)));
    if !queries {
        let module = module_of(file);
        return signatures(&file.text)
            .into_iter()
            .map(|(class, name, ret)| signature(module.clone(), file.path.clone(), class, name, ret.as_deref()))
            .collect();
    }
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    let rules = RULES.get_or_init(|| RuleSet::new(vec![&COLLECTOR]));
    let facts = ProjectFacts::default();
    let taken = crate::engine::rust::walk_file(file, rules, &facts, catalog, |states| {
        states
            .first_mut()
            .and_then(Option::take)
            .and_then(|b| b.downcast::<State>().ok())
            .map(|s| s.functions)
            .unwrap_or_default()
    });
    taken.map(|(_, f)| f).unwrap_or_default()
}

/// Per-file collector state: the summaries, and function span → index.
#[derive(Default)]
struct State {
    module: Option<String>,
    functions: Vec<FunctionSummary>,
    by_span: HashMap<u32, usize>,
}

struct Collector;
static COLLECTOR: Collector = Collector;

impl Rule for Collector {
    fn meta(&self) -> &'static RuleMeta {
        // Never reports: the meta only gives the walker a slot.
        &crate::rules::query_in_loop::META
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        &[RustKind::Fn, RustKind::Call, RustKind::MethodCall]
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        if let RustNode::Fn(info) = node {
            if cx.state::<State>().module.is_none() {
                let m = module_of(cx.file);
                cx.state::<State>().module = Some(m);
            }
            let path = cx.file.path.clone();
            let st = cx.state::<State>();
            let class = info.self_ty.clone().filter(|t| !t.is_empty());
            let module = st.module.clone().unwrap_or_default();
            let summary = signature(module, path, class, info.name.clone(), info.returns.as_deref());
            st.by_span.insert(info.span.start, st.functions.len());
            st.functions.push(summary);
            return;
        }
        let Some(f) = cx.ctx.function() else { return };
        let (fn_start, self_ty) = (f.span.start, f.self_ty.clone());
        let query = query_in_loop_rust::query_call(node, cx).map(|(span, shown)| Site {
            path: cx.file.path.clone(),
            start: span.start as usize,
            end: span.end as usize,
            line: cx.file.lines.line_of(span.start) as u32 + 1,
            callee: shown,
            function: cx.ctx.symbol().unwrap_or_default(),
        });
        let call = call_ref(node, self_ty.as_deref(), cx);
        let st = cx.state::<State>();
        let module = st.module.clone().unwrap_or_default();
        let Some(&i) = st.by_span.get(&fn_start) else { return };
        let f = &mut st.functions[i];
        if f.query.is_none() {
            f.query = query;
        }
        if let Some((target, start)) = call {
            let target = anchored(target, &module);
            f.calls.push(CallRef {
                target,
                start,
                forwards: false,
                passes_timeout: false,
                keywords: Vec::new(),
                params: Vec::new(),
            });
        }
    }
}

/// The project function the call `node` names (resolved against the
/// closed summaries), for a rule checking a Rust call.
pub fn target_at<'f>(node: RustNode<'_>, cx: &'f RustChecker<'_, '_>) -> Option<&'f FunctionSummary> {
    let self_ty = cx.ctx.function().and_then(|f| f.self_ty.clone());
    let (target, _) = call_ref(node, self_ty.as_deref(), cx)?;
    let target = match target {
        Target::Function { .. } => anchored(target, &module_of(cx.file)),
        t => t,
    };
    cx.facts.summaries.resolve(&cx.file.path, &target)
}

fn anchored(target: Target, module: &str) -> Target {
    match target {
        Target::Function { module: m, name } => Target::Function { module: anchor(&m, module), name },
        t => t,
    }
}

/// What a declared return type is: `Result`, `io::Result`, an alias named
/// `...Result` (`AppResult<T>`), `Option`; anything else.
fn returns(last: Option<&str>) -> Returns {
    match last {
        Some("Option") => Returns::Option,
        Some(r) if r.ends_with("Result") => Returns::Result,
        _ => Returns::Other,
    }
}

/// Where a call may go, and the byte offset rules look it up by: the call's
/// start for `f(x)`, the method name's for `x.f()` (a chain's calls all
/// start at its receiver).
fn call_ref(node: RustNode<'_>, self_ty: Option<&str>, cx: &RustChecker<'_, '_>) -> Option<(Target, usize)> {
    match node {
        RustNode::Call(c) => {
            let Expr::Path(p) = rs::peel(&c.func) else { return None };
            if p.qself.is_some() {
                return None;
            }
            let segs = rs::path_segments(&p.path);
            let start = cx.span(c).start as usize;
            let name = segs.last()?.clone();
            if segs.len() == 2 && segs[0] == "Self" {
                let class = self_ty.filter(|t| !t.is_empty())?.to_string();
                return Some((Target::Assoc { class, name }, start));
            }
            let full = cx.uses.resolve(&segs);
            let parts: Vec<&str> = full.split("::").collect();
            if parts.len() >= 2 && parts[parts.len() - 2].starts_with(|c: char| c.is_ascii_uppercase()) {
                let class = parts[parts.len() - 2].to_string();
                return Some((Target::Assoc { class, name }, start));
            }
            let module = parts[..parts.len() - 1].join("::");
            Some((Target::Function { module, name }, start))
        }
        RustNode::MethodCall(m) => {
            let name = m.method.to_string();
            let start = cx.span(&m.method).start as usize;
            let on_self = matches!(rs::peel(&m.receiver), Expr::Path(p) if p.path.is_ident("self"));
            match self_ty.filter(|t| on_self && !t.is_empty()) {
                Some(class) => Some((Target::Assoc { class: class.to_string(), name }, start)),
                None => Some((Target::Attribute { name }, start)),
            }
        }
        _ => None,
    }
}

/// A reference's module made absolute where it is anchored: `crate::a` →
/// `this_crate::a`, `self::a` → `this_module::a`, `super::a` → the parent's
/// `a`, nothing → this module. Others (`repo`, `other_crate::x`) stay as
/// written and match a definition's module by suffix.
fn anchor(reference: &str, here: &str) -> String {
    if reference.is_empty() {
        return here.to_string();
    }
    let krate = here.split("::").next().unwrap_or(here);
    let mut parts = reference.split("::").peekable();
    let mut base: Vec<&str> = match parts.peek() {
        Some(&"crate") => {
            parts.next();
            vec![krate]
        }
        Some(&"self") | Some(&"super") => here.split("::").collect(),
        _ => return reference.to_string(),
    };
    for p in parts {
        match p {
            "self" => {}
            "super" => {
                if base.len() > 1 {
                    base.pop();
                }
            }
            other => base.push(other),
        }
    }
    base.join("::")
}

/// The module path of a Rust file: its crate's name (nearest `Cargo.toml`
/// with a package name, `-` as `_`; `crate` without one), then the path
/// under `src/` without `lib.rs`, `main.rs`, `mod.rs` or the extension.
pub fn module_of(file: &SourceFile) -> String {
    let (krate, dir) = crate_of(&file.fs_path).unwrap_or_else(|| ("crate".to_string(), PathBuf::new()));
    let rel = file.fs_path.strip_prefix(&dir).unwrap_or(Path::new(&file.path));
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.first().is_some_and(|p| p == "src") {
        parts.remove(0);
    }
    if let Some(last) = parts.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
        let root = parts.is_empty() && (stem == "lib" || stem == "main");
        if stem != "mod" && !root {
            parts.push(stem);
        }
    }
    let mut out = krate;
    for p in parts {
        out.push_str("::");
        out.push_str(&p.replace('-', "_"));
    }
    out
}

/// The package name and directory of the crate a file belongs to.
fn crate_of(path: &Path) -> Option<(String, PathBuf)> {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, Option<String>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    for dir in path.ancestors().skip(1) {
        let known = seen.lock().ok().and_then(|m| m.get(dir).cloned());
        let name = match known {
            Some(n) => n,
            None => {
                let n = package_name(&dir.join("Cargo.toml"));
                if let Ok(mut m) = seen.lock() {
                    m.insert(dir.to_path_buf(), n.clone());
                }
                n
            }
        };
        if let Some(n) = name {
            return Some((n, dir.to_path_buf()));
        }
    }
    None
}

/// `name = "..."` of a manifest's `[package]` section.
fn package_name(manifest: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let mut in_package = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[package]";
            continue;
        }
        if in_package
            && let Some(v) = t.strip_prefix("name")
            && let Some(v) = v.trim_start().strip_prefix('=')
        {
            return Some(v.trim().trim_matches('"').replace('-', "_"));
        }
    }
    None
}

/// The functions a Rust file declares, from its text: `(impl type, name,
/// last segment of the return type)`. Strings and comments are blanked
/// first; an `impl` block's type is the one after `for`, or after `impl`.
pub fn signatures(text: &str) -> Vec<(Option<String>, String, Option<String>)> {
    let b = blank(text);
    let b = b.as_bytes();
    let word = |i: usize, w: &[u8]| {
        b.get(i..i + w.len()) == Some(w)
            && (i == 0 || !is_ident(b[i - 1]))
            && b.get(i + w.len()).is_none_or(|&c| !is_ident(c))
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    // (impl type, the depth inside its braces)
    let mut impls: Vec<(String, usize)> = Vec::new();
    let mut pending_impl: Option<String> = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                if let Some(t) = pending_impl.take() {
                    impls.push((t, depth));
                }
            }
            b'}' => {
                if impls.last().is_some_and(|(_, d)| *d == depth) {
                    impls.pop();
                }
                depth = depth.saturating_sub(1);
            }
            b';' => pending_impl = None,
            _ if word(i, b"impl") && pending_impl.is_none() => {
                // An item (after `}`, `;`, `{`, an attribute or `unsafe`),
                // not `impl Trait` in a type; its header runs to the `{`.
                let prev = b[..i].iter().rposition(|c| !c.is_ascii_whitespace());
                let item =
                    prev.is_none_or(|p| matches!(b[p], b'}' | b';' | b'{' | b']') || b[..=p].ends_with(b"unsafe"));
                let end = b[i..].iter().position(|&c| matches!(c, b'{' | b';')).map(|p| i + p);
                if let Some(end) = end.filter(|&e| item && b[e] == b'{') {
                    let header = String::from_utf8_lossy(&b[i + 4..end]).to_string();
                    pending_impl = impl_type(&header);
                }
                i += 4;
                continue;
            }
            _ if word(i, b"fn") => {
                let mut j = i + 2;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let start = j;
                while j < b.len() && is_ident(b[j]) {
                    j += 1;
                }
                if j == start {
                    i += 2;
                    continue;
                }
                let name = String::from_utf8_lossy(&b[start..j]).trim_start_matches("r#").to_string();
                // Skip generics and the parameter list, up to the `(`'s match.
                let Some(open) = b[j..].iter().position(|&c| c == b'(' || c == b'{' || c == b';').map(|p| j + p) else {
                    break;
                };
                if b[open] != b'(' {
                    i = open;
                    continue;
                }
                let mut k = open;
                let mut parens = 0i32;
                while k < b.len() {
                    match b[k] {
                        b'(' => parens += 1,
                        b')' => {
                            parens -= 1;
                            if parens == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    k += 1;
                }
                k += 1;
                while k < b.len() && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                let mut ret = None;
                if b.get(k..k + 2) == Some(b"->") {
                    k += 2;
                    while k < b.len() && (b[k].is_ascii_whitespace() || b[k] == b'&') {
                        k += 1;
                    }
                    let s = k;
                    while k < b.len() && (is_ident(b[k]) || b[k] == b':') {
                        k += 1;
                    }
                    let path = String::from_utf8_lossy(&b[s..k]).to_string();
                    let last = path.rsplit("::").next().unwrap_or("").to_string();
                    if !last.is_empty() && last != "impl" && last != "dyn" {
                        ret = Some(last);
                    }
                }
                let class = impls.last().map(|(t, _)| t.clone());
                out.push((class, name, ret));
                i = k.max(i + 2);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The type an `impl` header (the text after `impl`) implements for.
fn impl_type(header: &str) -> Option<String> {
    let h = header.trim_start();
    // Skip the impl's own generics: `<T: Clone>`.
    let h = if h.starts_with('<') {
        let mut depth = 0i32;
        let mut end = h.len();
        for (i, c) in h.char_indices() {
            match c {
                '<' => depth += 1,
                '>' if i > 0 && h.as_bytes()[i - 1] != b'-' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        &h[end.min(h.len())..]
    } else {
        h
    };
    let h = h.split(" where ").next().unwrap_or(h);
    let ty = match h.split_once(" for ") {
        Some((_, t)) => t,
        None => h,
    };
    let ty = ty.trim().trim_start_matches('&');
    let path = ty.split(['<', ' ', '\n']).next().unwrap_or("");
    let last = path.rsplit("::").next().unwrap_or("").trim();
    (!last.is_empty() && last.bytes().all(is_ident)).then(|| last.to_string())
}

/// `text` with comments and the inside of string and char literals replaced
/// by spaces (byte offsets kept; where each ends:
/// [`rs::literal_or_comment_end`]).
pub(crate) fn blank(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let clear = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        let Some(end) = rs::literal_or_comment_end(b, i) else {
            i += 1;
            continue;
        };
        match rs::literal_body(b, i, end) {
            Some((body, _)) => clear(&mut out, body.start, body.end),
            None => clear(&mut out, i, end),
        }
        i = end;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The functions of a Rust file that return a reqwest client builder
/// (`-> ClientBuilder`, `-> reqwest::ClientBuilder`) whose body sets no
/// `.timeout(..)`: a caller that finishes one with `.build()` gets a client
/// with no request timeout ("returns a client built without timeout",
/// `request-without-timeout`). Lexical, like [`signatures`]: the file's
/// other functions are not parsed for this. Names only; a file that does not
/// name `reqwest` has none.
pub fn untimed_client_builders(text: &str) -> Vec<String> {
    if !text.contains("reqwest") {
        return Vec::new();
    }
    let b = blank(text);
    let bytes = b.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = b[from..].find("fn ").map(|i| i + from) {
        from = at + 3;
        if at > 0 && is_ident(bytes[at - 1]) {
            continue;
        }
        let name: String = b[at + 3..].trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            continue;
        }
        let Some(open) = b[from..].find(['{', ';']).map(|i| i + from) else { break };
        if bytes[open] != b'{' {
            continue;
        }
        let head = &b[from..open];
        let Some((_, ret)) = head.split_once("->") else { continue };
        let ret = ret.split(" where").next().unwrap_or(ret).trim();
        if ret.rsplit("::").next() != Some("ClientBuilder") {
            continue;
        }
        let mut depth = 0usize;
        let mut close = bytes.len();
        for (i, &c) in bytes.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        if !b[open..close].contains(".timeout(") {
            out.push(name);
        }
        from = open;
    }
    out
}

/// A Rust function's summary before its effects are read: where it is, and
/// what it returns.
fn signature(module: String, path: String, class: Option<String>, name: String, ret: Option<&str>) -> FunctionSummary {
    FunctionSummary {
        module,
        path,
        class,
        name,
        returns: Some(returns(ret)),
        query: None,
        http: None,
        effect: None,
        calls: Vec::new(),
        logs: Vec::new(),
        reports: false,
        noop: false,
        spawns: None,
        http_call: None,
        retries: None,
        pause: None,
        fans_out: None,
        reach: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_crate_self_and_super() {
        assert_eq!(anchor("crate::repo", "shop::api::orders"), "shop::repo");
        assert_eq!(anchor("self::repo", "shop::api"), "shop::api::repo");
        assert_eq!(anchor("super::repo", "shop::api::orders"), "shop::api::repo");
        assert_eq!(anchor("", "shop::api"), "shop::api");
        assert_eq!(anchor("repo", "shop::api"), "repo");
    }

    #[test]
    fn lexical_signatures() {
        let src = r#"
// fn commented() -> Option<u8>
impl<T: Fn() -> u8> Config<T> {
    pub fn property_or_default<V>(&self, key: &str) -> Option<V> where V: Clone { let s = "fn fake() {"; None }
    async fn load(&self, c: char) -> io::Result<Vec<u8>> { let _ = '{'; Ok(vec![]) }
}
impl fmt::Write for &Console { fn write_str(&mut self, s: &str) -> fmt::Result { Ok(()) } }
fn free(x: (u8, u8)) { fn inner() -> Option<&'static str> { None } }
"#;
        let got = signatures(src);
        let want: Vec<(Option<String>, String, Option<String>)> = vec![
            (Some("Config".into()), "property_or_default".into(), Some("Option".into())),
            (Some("Config".into()), "load".into(), Some("Result".into())),
            (Some("Console".into()), "write_str".into(), Some("Result".into())),
            (None, "free".into(), None),
            (None, "inner".into(), Some("Option".into())),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn builders_returned_without_timeout() {
        let src = r#"
use reqwest::ClientBuilder;
pub fn base() -> ClientBuilder { reqwest::Client::builder().user_agent("x") }
fn bounded() -> reqwest::ClientBuilder { base().timeout(Duration::from_secs(5)) }
fn client() -> reqwest::Client { base().build().unwrap() }
trait T { fn make() -> ClientBuilder; }
// fn commented() -> ClientBuilder { }
"#;
        assert_eq!(untimed_client_builders(src), vec!["base".to_string()]);
        assert!(untimed_client_builders("fn base() -> ClientBuilder { x }").is_empty());
    }

    #[test]
    fn return_kinds() {
        assert_eq!(returns(Some("Result")), Returns::Result);
        assert_eq!(returns(Some("AppResult")), Returns::Result);
        assert_eq!(returns(Some("Option")), Returns::Option);
        assert_eq!(returns(Some("Vec")), Returns::Other);
        assert_eq!(returns(None), Returns::Other);
    }
}
