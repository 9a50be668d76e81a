//! The Rust side of `secret-logged` (PP401): secrets reaching `tracing` and
//! `log` macros (fields `password = %pw`, `?token`, format arguments and
//! inline `{token}` names) and `println!`/`eprintln!`/`dbg!`; and `{:?}` of a
//! value whose type derives `Debug` over a secret-named field. Sinks, secret
//! words and exclusions come from `rules/catalog/secrets.toml` (`[rust]` and
//! the shared name lists). Not a rule itself.
//!
//! Structs are learned from the file being checked: a struct with
//! `#[derive(Debug)]` and a field whose name is a secret (not wrapped in a
//! redacting type such as `secrecy::SecretString`, not marked
//! `#[debug(skip)]`), or a field whose type is such a struct.
//!
//! What a value is comes from value-kind evidence (`crate::analysis::values`):
//! names of paths, pointers, public tokens, identifiers and metadata are not
//! secrets, types with a redacting hand-written `Debug`/`Display` anywhere in
//! the project are trusted (project facts), and `println!` of a key in a
//! function that generates one is that command's output.

use std::collections::HashMap;

use syn::Expr;

use crate::analysis::values;
use crate::catalog::secrets::{LogSinks, Sensitive};
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::rust::{self as rs, MacroArgs, Sigil};

/// The node kinds the rule registers.
pub const KINDS: &[RustKind] = &[RustKind::Macro, RustKind::Fn];

const MAX_DEPTH: u32 = 8;

/// Structs of this file whose derived `Debug` shows a secret: name → (field, kind).
#[derive(Default)]
struct Learned {
    structs: Option<HashMap<String, (String, Sensitive)>>,
}

enum Leak {
    /// A secret value, shown as written.
    Value(String, Sensitive),
    /// `{:?}` of a value whose type's derived `Debug` prints a secret field.
    Debug { shown: String, ty: String, field: String, kind: Sensitive },
}

/// Checks one Rust node.
pub fn check(node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
    if let RustNode::Fn(info) = node {
        let found = crate::rules::secrets::instrument::check(info, cx, |t| redacting_type(t, cx));
        if let Some((span, msg)) = found {
            cx.report(span, msg);
        }
        return;
    }
    let RustNode::Macro(mac) = node else { return };
    let sinks = &cx.catalog.secrets.rust;
    let name = rs::macro_name(mac);
    let print = sinks.print_calls.contains(&name);
    if print {
        if in_cli(cx) || mac.path.segments.len() > 1 && !cx.macro_path(mac).starts_with("std::") {
            return;
        }
        // `fn generate_key() { .. println!("{key}") }`: the printed key is
        // the command's output (stdout only; a route handler's stdout is its log).
        if matches!(name.as_str(), "println" | "print")
            && cx.ctx.handler().is_none()
            && cx.ctx.function().is_some_and(|f| values::generates_for_output(&f.name, &cx.catalog.secrets))
        {
            return;
        }
    } else if !is_log_macro(mac, &name, cx, sinks) {
        return;
    }
    if dev_only(mac, cx) {
        return;
    }
    let Some(args) = cx.macro_args(mac) else { return };
    let Some(leak) = find_leak(&args, name == "dbg", cx) else { return };
    let sink = format!("{name}!");
    let consequence = |kind| match kind {
        Sensitive::Credential => {
            "anyone who can read the logs, or the services they are shipped to, can use this credential"
        }
        Sensitive::Personal => {
            "personal or card data then sits in every log store and backup, beyond access control and deletion requests"
        }
    };
    let msg = match leak {
        Leak::Value(shown, kind) => format!("`{shown}` reaches the log through `{sink}`: {}", consequence(kind)),
        Leak::Debug { shown, ty, field, kind } => format!(
            "`{sink}` prints `{shown}` with `Debug`, and the derived `Debug` of `{ty}` shows its `{field}` field: {}",
            consequence(kind)
        ),
    };
    let span = cx.span(mac);
    cx.report(span, msg);
}

fn is_log_macro(mac: &syn::Macro, name: &str, cx: &RustChecker<'_, '_>, sinks: &LogSinks) -> bool {
    if !sinks.logger_methods.iter().any(|m| m == name) {
        return false;
    }
    let path = cx.macro_path(mac);
    let first = path.split("::").next().unwrap_or_default();
    // Unqualified and not imported: `#[macro_use] extern crate log`.
    path == name || sinks.logger_paths.iter().any(|p| p == first)
}

/// Inside `if cfg!(debug_assertions) { .. }` or another development-only
/// branch (`dev_guards`): the log call never runs in production.
fn dev_only(mac: &syn::Macro, cx: &RustChecker<'_, '_>) -> bool {
    let guards = &cx.catalog.secrets.dev_guards;
    let at = cx.span(mac).start;
    cx.ctx.parents().iter().any(|e| {
        let Expr::If(i) = e else { return false };
        let then = cx.span(&i.then_branch);
        let cond = cx.text(&*i.cond);
        then.start <= at
            && at < then.end
            && !cond.trim_start().starts_with('!')
            && !cond.contains("not(")
            && guards.iter().any(|g| cond.contains(g.as_str()))
    })
}

/// True in a command-line tool's folder, where printing is the interface.
fn in_cli(cx: &RustChecker<'_, '_>) -> bool {
    let folders = &cx.catalog.secrets.cli_folders;
    let path = cx.file.path.replace('\\', "/");
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop();
    segments.iter().any(|s| folders.iter().any(|f| f == s))
}

/// The first secret among a macro's arguments.
fn find_leak(args: &MacroArgs, all_debug: bool, cx: &mut RustChecker<'_, '_>) -> Option<Leak> {
    let debug_positions = debug_placeholders(args);
    let ignored = &cx.catalog.secrets.rust.ignored_keywords;
    let mut positional = 0;
    let mut named = Vec::new();
    for arg in &args.args {
        if arg.meta && arg.name.as_ref().is_some_and(|n| ignored.contains(n)) {
            continue;
        }
        let debug = match (&arg.name, arg.sigil) {
            (_, Sigil::Debug) => true,
            (_, Sigil::Display) => false,
            (Some(n), _) => {
                named.push(n.clone());
                args.inline_names().iter().any(|(i, d)| i == n && *d)
            }
            (None, _) => {
                positional += 1;
                debug_positions.get(positional - 1).copied().unwrap_or(false)
            }
        } || all_debug;
        if let Some(l) = value_leak(&arg.value, cx, 0) {
            return Some(l);
        }
        // `password = %form.value`: the field name says what it is.
        if let Some(n) = &arg.name
            && !arg.meta
            && let Some(kind) = classify(n.rsplit('.').next().unwrap_or(n), cx)
            && plain_value(&arg.value, cx)
            && !other_kind(&arg.value, cx)
            && !numeric_value(&arg.value, cx, 0)
        {
            return Some(Leak::Value(n.clone(), kind));
        }
        if debug && let Some(l) = debug_leak(&arg.value, cx) {
            return Some(l);
        }
    }
    for (name, debug) in args.inline_names() {
        if named.contains(&name) {
            continue;
        }
        if let Some(kind) = classify(&name, cx)
            && !secret_typed(&name, cx)
        {
            return Some(Leak::Value(name, kind));
        }
        if debug && let Some(l) = debug_leak_of_name(&name, &name, cx) {
            return Some(l);
        }
    }
    None
}

/// For each positional placeholder of the format string, whether it is `{:?}`.
fn debug_placeholders(args: &MacroArgs) -> Vec<bool> {
    let Some(f) = &args.format else { return Vec::new() };
    let s = f.value();
    let mut out = Vec::new();
    let mut rest = s.as_str();
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            continue;
        }
        let close = rest.find('}').unwrap_or(rest.len());
        let inner = &rest[..close];
        let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
        let name = name.trim();
        if name.is_empty() {
            out.push(spec.contains('?'));
        } else if let Ok(i) = name.parse::<usize>() {
            if out.len() <= i {
                out.resize(i + 1, false);
            }
            out[i] = out[i] || spec.contains('?');
        }
        rest = &rest[close.min(rest.len())..];
    }
    out
}

/// The secret a name denotes, by value-kind evidence: `key_path` and
/// `token_expiry` are not secrets whatever their other words say.
fn classify(name: &str, cx: &RustChecker<'_, '_>) -> Option<Sensitive> {
    if name.to_ascii_lowercase().contains("token") && imports_index_token(cx) {
        return None;
    }
    values::secret_name(name, &cx.catalog.secrets)
}

/// The file imports a `Token` that is an index (`use mio::Token`,
/// `use mio::{Events, Token}`) or names it in full, so its `token`s are
/// socket slots.
fn imports_index_token(cx: &RustChecker<'_, '_>) -> bool {
    cx.catalog.secrets.rust.index_token_types.iter().any(|path| {
        let ty = path.rsplit("::").next().unwrap_or(path);
        cx.uses.resolve(&[ty.to_string()]) == *path || cx.memo.contains(cx.src, path)
    })
}

/// True when the expression itself says its value is no secret: a path
/// (`key_path.display()`, `Path::new(..)`), or a field or local whose name is
/// of another kind (`claims.exp`), so `token = %claims.exp` logs no token.
fn other_kind(e: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    let cat = &cx.catalog.secrets;
    match rs::peel(e) {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| values::not_secret_name(&s.ident.to_string(), cat)),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(m) => values::not_secret_name(&m.to_string(), cat),
            syn::Member::Unnamed(_) => false,
        },
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            values::call_kind(&method, cat).is_some()
                || (cat.rust.passthrough_methods.contains(&method) && other_kind(&m.receiver, cx))
        }
        Expr::Call(c) => values::call_kind(&cx.text(&*c.func).replace(' ', ""), cat).is_some(),
        Expr::Try(t) => other_kind(&t.expr, cx),
        Expr::Reference(r) => other_kind(&r.expr, cx),
        _ => false,
    }
}

/// A type whose `Debug`/`Display` redacts: the catalog's wrappers
/// (`SecretString`) and the project's own types with a hand-written
/// redacting impl (project facts).
fn redacting_type(t: &str, cx: &RustChecker<'_, '_>) -> bool {
    cx.catalog.secrets.rust.secret_types.iter().any(|s| s == t) || cx.facts.rust_redacting_types.contains(t)
}

/// A variable, field or passthrough of one: not a call, literal or computation.
fn plain_value(e: &Expr, cx: &RustChecker<'_, '_>) -> bool {
    match rs::peel(e) {
        Expr::Path(p) => {
            let name = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            p.path.segments.len() == 1
                && !secret_typed(&name, cx)
                && !name.chars().next().is_some_and(char::is_uppercase)
        }
        Expr::Field(_) => true,
        Expr::MethodCall(m) => {
            cx.catalog.secrets.rust.passthrough_methods.contains(&m.method.to_string()) && plain_value(&m.receiver, cx)
        }
        Expr::Try(t) => plain_value(&t.expr, cx),
        _ => false,
    }
}

/// The secret an expression carries, if any.
fn value_leak(e: &Expr, cx: &RustChecker<'_, '_>, depth: u32) -> Option<Leak> {
    if depth > MAX_DEPTH {
        return None;
    }
    let secrets = &cx.catalog.secrets;
    if numeric_value(e, cx, depth) {
        return None;
    }
    match rs::peel(e) {
        Expr::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?.ident.to_string();
            if p.path.segments.len() == 1 && secret_typed(&last, cx) {
                return None;
            }
            let kind = classify(&last, cx)?;
            Some(Leak::Value(short(cx.text(p)), kind))
        }
        Expr::Field(f) => {
            let syn::Member::Named(member) = &f.member else { return None };
            let member = member.to_string();
            let kind = classify(&member, cx)?;
            if secrets.weak_attrs.contains(&member) {
                let holder = match rs::peel(&f.base) {
                    Expr::Field(b) => match &b.member {
                        syn::Member::Named(n) => n.to_string(),
                        _ => String::new(),
                    },
                    other => rs::ident_of(other).unwrap_or_default(),
                };
                if !secrets.secret_holders.contains(&holder) && classify(&holder, cx).is_none() {
                    return None;
                }
            }
            Some(Leak::Value(short(cx.text(f)), kind))
        }
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            // `key_path.display()`: a path, not the key.
            if values::call_kind(&method, secrets).is_some() {
                return None;
            }
            if secrets.rust.passthrough_methods.contains(&method) {
                return value_leak(&m.receiver, cx, depth + 1);
            }
            if m.args.is_empty() && !secrets.is_sanitizer(&method) {
                // A getter named like a secret: `config.api_key()`.
                let kind = classify(&method, cx)?;
                return Some(Leak::Value(short(cx.text(m)), kind));
            }
            None
        }
        Expr::Try(t) => value_leak(&t.expr, cx, depth + 1),
        Expr::Await(a) => value_leak(&a.base, cx, depth + 1),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => value_leak(&u.expr, cx, depth + 1),
        Expr::Macro(m) if rs::macro_name(&m.mac) == "format" => {
            let args = cx.macro_args(&m.mac)?;
            for a in &args.args {
                if let Some(l) = value_leak(&a.value, cx, depth + 1) {
                    return Some(l);
                }
            }
            let named: Vec<String> = args.args.iter().filter_map(|a| a.name.clone()).collect();
            args.inline_names().into_iter().find_map(|(n, _)| {
                (!named.contains(&n) && !secret_typed(&n, cx)).then_some(())?;
                classify(&n, cx).map(|k| Leak::Value(n, k))
            })
        }
        _ => None,
    }
}

/// `{:?}` of `self`, or of a local whose declared type derives `Debug` over a secret.
fn debug_leak(e: &Expr, cx: &mut RustChecker<'_, '_>) -> Option<Leak> {
    match rs::peel(e) {
        Expr::Path(p) if p.path.segments.len() == 1 => {
            let name = p.path.segments[0].ident.to_string();
            debug_leak_of_name(&name, &name, cx)
        }
        Expr::MethodCall(m) if cx.catalog.secrets.rust.passthrough_methods.contains(&m.method.to_string()) => {
            debug_leak(&m.receiver, cx)
        }
        _ => None,
    }
}

fn debug_leak_of_name(name: &str, shown: &str, cx: &mut RustChecker<'_, '_>) -> Option<Leak> {
    let types: Vec<String> = if name == "self" {
        cx.ctx.function().and_then(|f| f.self_ty.clone()).into_iter().collect()
    } else {
        declared_type_idents(name, cx.function_text())
    };
    if types.is_empty() {
        return None;
    }
    if types.iter().any(|t| redacting_type(t, cx)) {
        return None;
    }
    let structs = learned(cx);
    types.iter().find_map(|t| {
        structs.get(t).map(|(field, kind)| Leak::Debug {
            shown: shown.to_string(),
            ty: t.clone(),
            field: field.clone(),
            kind: *kind,
        })
    })
}

/// A local declared with a redacting type (`password: SecretString`), or
/// with a type that cannot hold a secret (`token_expired: bool`, `otp: u32` is
/// still a number someone could use, so numbers count only in `plain_types`).
fn secret_typed(name: &str, cx: &RustChecker<'_, '_>) -> bool {
    let rust = &cx.catalog.secrets.rust;
    let types = declared_type_words(name, cx.function_text());
    types.iter().any(|t| redacting_type(t, cx))
        || (!types.is_empty() && types.iter().all(|t| rust.plain_types.contains(t) || t == "Option"))
        || declared_type(name, cx.function_text()).is_some_and(|t| cx.facts.rust_values.numeric_type(&t))
        || let_value(name, cx.function_text())
            .and_then(|v| syn::parse_str::<Expr>(&v).ok())
            .is_some_and(|v| numeric_value(&v, cx, 0))
}

/// Value-kind evidence from types: the expression is a number or a
/// field-less enum by what the project declares (`R::API_KEY` of a
/// `const API_KEY: u16`, `header.api_key()` of a `fn api_key(&self) -> u16`,
/// `req.api_key` of a field `api_key: u16`, `ApiKey::Fetch` of a field-less
/// enum). A wire-protocol request id named `api_key` is no credential.
fn numeric_value(e: &Expr, cx: &RustChecker<'_, '_>, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let facts = &cx.facts.rust_values;
    match rs::peel(e) {
        Expr::Path(p) if p.path.segments.len() >= 2 => {
            let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            facts.is_numeric(&segs[segs.len() - 1]) || facts.unit_enums.contains(&segs[segs.len() - 2])
        }
        Expr::Field(f) => match &f.member {
            syn::Member::Named(m) => facts.is_numeric(&m.to_string()),
            syn::Member::Unnamed(_) => false,
        },
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if matches!(method.as_str(), "try_into" | "into" | "try_from" | "from")
                || cx.catalog.secrets.rust.passthrough_methods.contains(&method)
            {
                numeric_value(&m.receiver, cx, depth + 1)
            } else {
                m.args.is_empty() && facts.is_numeric(&method)
            }
        }
        Expr::Cast(c) => {
            let ty = cx.text(&*c.ty);
            facts.numeric_type(ty)
        }
        Expr::Try(t) => numeric_value(&t.expr, cx, depth + 1),
        Expr::Await(a) => numeric_value(&a.base, cx, depth + 1),
        _ => false,
    }
}

/// The text of the value `let name = ..;` binds in `text` (the first such
/// binding), for inferring the type of an untyped local.
fn let_value(name: &str, text: &str) -> Option<String> {
    for head in [format!("let {name} ="), format!("let mut {name} =")] {
        if let Some(at) = text.find(&head) {
            let rest = &text[at + head.len()..];
            if rest.starts_with('=') {
                continue;
            }
            let end = rest.find(';')?;
            return Some(rest[..end].trim().to_string());
        }
    }
    None
}

/// All words of the type written for `name` (`Option<bool>` → `Option`, `bool`).
fn declared_type_words(name: &str, text: &str) -> Vec<String> {
    declared_type(name, text)
        .map(|ty| {
            ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty() && *w != "mut" && *w != "const")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Identifiers of the type written for `name` in the function's text:
/// `name: &Type`, `Json(name): Json<Type>`, `let name: Type`, `let name = Type {`/`Type::`.
fn declared_type_idents(name: &str, text: &str) -> Vec<String> {
    declared_type(name, text)
        .map(|ty| {
            ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The type text of the first declaration of `name` in `text`.
fn declared_type(name: &str, text: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || !is_ident_byte(bytes[at - 1]);
        let after = &text[at + name.len()..];
        if !before_ok || after.as_bytes().first().is_some_and(|b| is_ident_byte(*b)) {
            continue;
        }
        let rest = after.trim_start_matches(')').trim_start();
        if let Some(r) = rest.strip_prefix(':').filter(|r| !r.starts_with(':')) {
            let ty = type_text(r).trim();
            if !ty.is_empty() {
                return Some(ty.to_string());
            }
        } else if let Some(r) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) {
            let r = r.trim_start();
            let head: String = r.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            let next = r[head.len()..].trim_start();
            if head.chars().next().is_some_and(char::is_uppercase) && (next.starts_with('{') || head.contains("::")) {
                return Some(head.split("::").next().unwrap_or_default().to_string());
            }
        }
    }
    None
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The text of a type up to the `,`, `)`, `=`, `;` or `{` that ends it.
fn type_text(s: &str) -> &str {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ']' => depth -= 1,
            ')' if depth == 0 => return &s[..i],
            ')' => depth -= 1,
            ',' | '=' | ';' | '{' | '\n' if depth <= 0 => return &s[..i],
            _ => {}
        }
    }
    s
}

/// The file's structs whose derived `Debug` prints a secret (learned once per file).
fn learned<'s>(cx: &'s mut RustChecker<'_, '_>) -> &'s HashMap<String, (String, Sensitive)> {
    if cx.state::<Learned>().structs.is_none() {
        let map = learn(cx);
        cx.state::<Learned>().structs = Some(map);
    }
    cx.state::<Learned>().structs.as_ref().expect("set above")
}

fn learn(cx: &RustChecker<'_, '_>) -> HashMap<String, (String, Sensitive)> {
    let Ok(file) = syn::parse_file(cx.src) else { return HashMap::new() };
    let mut structs: Vec<&syn::ItemStruct> = Vec::new();
    collect_structs(&file.items, &mut structs);
    let rust = &cx.catalog.secrets.rust;
    let derived: Vec<&syn::ItemStruct> = structs.into_iter().filter(|s| derives_debug(&s.attrs, cx)).collect();
    let mut out: HashMap<String, (String, Sensitive)> = HashMap::new();
    let fields = |s: &syn::ItemStruct| -> Vec<(String, String)> {
        s.fields
            .iter()
            .filter(|f| {
                !f.attrs.iter().any(|a| {
                    let t = cx.text(&a.meta).to_ascii_lowercase();
                    rust.debug_skip_words.iter().any(|w| t.contains(w.as_str()))
                        && (t.contains("debug") || t.starts_with("educe") || t.starts_with("derivative"))
                })
            })
            .filter_map(|f| {
                let name = f.ident.as_ref()?.to_string();
                let ty = cx.text(&f.ty).to_string();
                Some((name, ty))
            })
            .collect()
    };
    for s in &derived {
        for (name, ty) in fields(s) {
            let words: Vec<&str> =
                ty.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
            let wrapped = words.iter().any(|w| redacting_type(w, cx));
            // `Option<bool>`, `u64`: a flag or a number, whatever its name.
            let plain = words
                .iter()
                .filter(|w| !matches!(**w, "Option" | "Vec" | "std" | "time" | "path" | "chrono"))
                .all(|w| rust.plain_types.iter().any(|t| t == w));
            if wrapped || plain {
                continue;
            }
            if let Some(kind) = classify(&name, cx) {
                out.insert(s.ident.to_string(), (name, kind));
                break;
            }
        }
    }
    // A field whose type is such a struct shows it too (`config.database.password`).
    for _ in 0..4 {
        let mut added = false;
        for s in &derived {
            let sname = s.ident.to_string();
            if out.contains_key(&sname) {
                continue;
            }
            for (name, ty) in fields(s) {
                let inner = ty
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .find_map(|w| out.get(w).map(|(f, k)| (f.clone(), *k)));
                if let Some((f, k)) = inner {
                    out.insert(sname.clone(), (format!("{name}.{f}"), k));
                    added = true;
                    break;
                }
            }
        }
        if !added {
            break;
        }
    }
    out
}

fn collect_structs<'a>(items: &'a [syn::Item], out: &mut Vec<&'a syn::ItemStruct>) {
    for item in items {
        match item {
            syn::Item::Struct(s) => out.push(s),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_structs(items, out);
                }
            }
            _ => {}
        }
    }
}

fn derives_debug(attrs: &[syn::Attribute], cx: &RustChecker<'_, '_>) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && cx.text(&a.meta).split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == "Debug")
    })
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.len() > 60 { format!("{}...", one.chars().take(57).collect::<String>()) } else { one }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_declared_types() {
        let text = "async fn login(Json(body): Json<LoginRequest>, cfg: &DbConfig, ok: bool) {\n let s = Settings { a: 1 };\n let t = Token::new();\n}";
        assert_eq!(declared_type_idents("body", text), ["Json", "LoginRequest"]);
        assert_eq!(declared_type_idents("cfg", text), ["DbConfig"]);
        assert_eq!(declared_type_idents("s", text), ["Settings"]);
        assert_eq!(declared_type_idents("t", text), ["Token"]);
        assert_eq!(declared_type_words("ok", text), ["bool"]);
        assert!(declared_type_idents("missing", text).is_empty());
    }

    #[test]
    fn finds_debug_placeholders() {
        let args: MacroArgs = syn::parse_str(r#""{} {:?} {x} {:#?} {{}}", a, b, c"#).unwrap();
        assert_eq!(debug_placeholders(&args), [false, true, true]);
        let args: MacroArgs = syn::parse_str(r#""{1:?} {0}", a, b"#).unwrap();
        assert_eq!(debug_placeholders(&args), [false, true]);
    }
}
