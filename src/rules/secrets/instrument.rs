//! `#[tracing::instrument]` on a function: the attribute records every
//! parameter with its `Debug` form on the span unless `skip(..)`/`skip_all`
//! leaves it out, and `fields(name = value)` records what it names. Read by
//! `secret-logged` (PP401) from the attribute's text. Not a rule itself.

use crate::analysis::values;
use crate::catalog::secrets::Sensitive;
use crate::engine::rust::{RustChecker, RustFnInfo};
use crate::source::Span;

/// The top-level pieces of a comma-separated list (commas inside brackets
/// and strings do not split).
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut in_str) = (0i32, 0usize, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '(' | '[' | '{' | '<' if !in_str => depth += 1,
            ')' | ']' | '}' | '>' if !in_str => depth -= 1,
            ',' if depth == 0 && !in_str => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// The text inside the outer parentheses that follow `at` in `s`.
fn parenthesised(s: &str, at: usize) -> Option<&str> {
    let open = at + s[at..].find('(')?;
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[open + 1..open + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The function's parameters as (name, type text); `self` is left out.
fn params(sig: &str) -> Vec<(String, String)> {
    let Some(inner) = sig.find('(').and_then(|at| parenthesised(sig, at)) else { return Vec::new() };
    split_top(inner)
        .into_iter()
        .filter_map(|p| {
            let (pat, ty) = p.split_once(':')?;
            let name = pat.trim().trim_start_matches("mut ").trim();
            let ok = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
            ok.then(|| (name.to_string(), ty.trim().to_string()))
        })
        .collect()
}

/// The `#[instrument(..)]` attribute before the function's signature: its
/// span and the text inside its parentheses (empty for a bare attribute).
fn instrument_attr(info: &RustFnInfo, src: &str) -> Option<(Span, String)> {
    let head = src.get(info.span.start as usize..info.sig.start as usize)?;
    for (at, _) in head.match_indices("#[") {
        let rest = &head[at + 2..];
        let name_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        let name = &rest[..name_len];
        if name != "instrument" && name != "tracing::instrument" {
            continue;
        }
        let after = rest[name_len..].trim_start();
        let inner = if after.starts_with('(') { parenthesised(rest, name_len)?.to_string() } else { String::new() };
        let end = at + 2 + rest.find(']').unwrap_or(name_len);
        let start = info.span.start + at as u32;
        return Some((Span::new(start as usize, info.span.start as usize + end + 1), inner));
    }
    None
}

/// A finding for a function whose `#[instrument]` records a secret: its
/// span and message.
pub fn check(info: &RustFnInfo, cx: &RustChecker<'_, '_>, redacting: impl Fn(&str) -> bool) -> Option<(Span, String)> {
    if !cx.memo.contains(cx.src, "instrument") {
        return None;
    }
    let (span, inner) = instrument_attr(info, cx.src)?;
    let cat = &cx.catalog.secrets;
    let mut skipped: Vec<String> = Vec::new();
    let mut skip_all = false;
    for part in split_top(&inner) {
        if part == "skip_all" {
            skip_all = true;
        } else if part.starts_with("skip") && part[4..].trim_start().starts_with('(') {
            if let Some(list) = parenthesised(part, 0) {
                skipped.extend(split_top(list).into_iter().map(str::to_string));
            }
        } else if part.starts_with("fields") && part[6..].trim_start().starts_with('(') {
            for field in parenthesised(part, 0).map(split_top).unwrap_or_default() {
                let (name, value) = match field.split_once('=') {
                    Some((n, v)) => (n.trim(), v.trim()),
                    None => (field.trim_start_matches(['%', '?']).trim(), ""),
                };
                let name = name.trim_matches('"');
                if value == "tracing::field::Empty" || value == "field::Empty" || value == "Empty" {
                    continue;
                }
                let value_name = value.trim_start_matches(['%', '?', '&']).rsplit('.').next().unwrap_or("");
                let kind = values::secret_name(name, cat).or_else(|| {
                    let plain = !value_name.is_empty() && value_name.chars().all(|c| c.is_alphanumeric() || c == '_');
                    if plain { values::secret_name(value_name, cat) } else { None }
                });
                if let Some(kind) = kind {
                    let what = format!("the field `{name}`");
                    return Some((span, message(&what, &info.name, kind, "drop the field or record a masked form")));
                }
            }
        }
    }
    if skip_all {
        return None;
    }
    let sig = cx.src.get(info.sig.start as usize..info.sig.end as usize)?;
    for (name, ty) in params(sig) {
        if skipped.contains(&name) {
            continue;
        }
        let Some(kind) = values::secret_name(&name, cat) else { continue };
        let bare = ty.trim_start_matches('&').trim_start_matches("mut ").trim();
        let base = bare.split('<').next().unwrap_or(bare).rsplit("::").next().unwrap_or(bare);
        if redacting(base) {
            continue;
        }
        let what = format!("the parameter `{name}`");
        return Some((span, message(&what, &info.name, kind, "leave it out with `skip(..)`")));
    }
    None
}

fn message(what: &str, func: &str, kind: Sensitive, fix: &str) -> String {
    let why = match kind {
        Sensitive::Credential => "anyone who can read the traces or logs can use this credential",
        Sensitive::Personal => "personal or card data then sits in every trace store and log backup",
    };
    format!("`#[instrument]` on `{func}` records {what} on its span and every event inside it: {why}; {fix}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_parameters_and_lists() {
        let p = super::params("async fn login(&self, user: &str, password: String, opts: Opts<A, B>) -> Result<()>");
        let names: Vec<&str> = p.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["user", "password", "opts"]);
        assert_eq!(super::split_top("skip(a, b), fields(x = %y)"), ["skip(a, b)", "fields(x = %y)"]);
    }
}
