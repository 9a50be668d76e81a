//! Template placeholders in migration SQL: Go templates and Jinja
//! (`{{ .Schema }}.users`, `{{ schema }}`), Jinja statements and comments
//! (`{% if x %}`, `{# ... #}`) and `${...}` placeholders (Flyway's
//! `${flyway:defaultSchema}`, Liquibase's `${schema}`). The tool that runs the
//! migration fills them in; sqlparser cannot read them, so they are replaced
//! before splitting and parsing:
//!
//! - a value (`{{ .Schema }}`, `${schema}`) by an identifier of the same byte
//!   length, so every byte offset (statement spans, notices, suppressions)
//!   stays where it was and no offset map is needed;
//! - a control action (`{% ... %}`, `{# ... #}`, Go's `{{ if }}`, `{{ end }}`,
//!   `{{/* comment */}}`) by blanks, keeping its line breaks.
//!
//! Names read from the neutralised text are turned back into the original
//! text with [`Templated::restore`], so messages show what the user wrote.

use std::borrow::Cow;

/// A SQL text with its template placeholders neutralised.
#[derive(Debug)]
pub struct Templated<'a> {
    /// The text to split and parse: the input itself when it holds no placeholder.
    pub text: Cow<'a, str>,
    /// The original text of each distinct placeholder, by number; the number
    /// is encoded in the identifier that stands for it (see [`ident`]).
    originals: Vec<String>,
}

/// Go template actions that produce no value: blanked, not named.
const GO_CONTROL: &[&str] = &["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"];

impl<'a> Templated<'a> {
    /// True when the text held a value placeholder (now an identifier).
    pub fn has_names(&self) -> bool {
        !self.originals.is_empty()
    }

    /// The original text of the first placeholder whose identifier `s` holds.
    pub fn first_in(&self, s: &str) -> Option<&str> {
        if !self.has_names() {
            return None;
        }
        self.find(s, 0).map(|(_, k, _)| self.originals[k].as_str())
    }

    /// `s` with every placeholder identifier turned back into its original
    /// text (`_a__________.users` → `{{ .Schema }}.users`). Borrowed when
    /// there is nothing to restore.
    pub fn restore<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !self.has_names() {
            return Cow::Borrowed(s);
        }
        let mut out = String::new();
        let mut done = 0;
        let mut from = 0;
        while let Some((at, k, len)) = self.find(s, from) {
            out.push_str(&s[done..at]);
            out.push_str(&self.originals[k]);
            done = at + len;
            from = done;
        }
        if done == 0 {
            return Cow::Borrowed(s);
        }
        out.push_str(&s[done..]);
        Cow::Owned(out)
    }

    /// The next placeholder identifier in `s` at or after `from`: its offset,
    /// number and length.
    fn find(&self, s: &str, from: usize) -> Option<(usize, usize, usize)> {
        let b = s.as_bytes();
        let mut i = from;
        while let Some(p) = memchr::memchr(b'_', &b[i..]) {
            let at = i + p;
            i = at + 1;
            // `_` then the number in letters then `_`: decode, then compare
            // the whole identifier, padding included.
            let digits = b[at + 1..].iter().take_while(|c| c.is_ascii_lowercase()).count();
            if digits == 0 || b.get(at + 1 + digits) != Some(&b'_') {
                continue;
            }
            let Some(k) = decode(&b[at + 1..at + 1 + digits]) else { continue };
            let Some(orig) = self.originals.get(k) else { continue };
            let len = orig.len();
            if b.len() >= at + len && ident(k, len).is_some_and(|id| id.as_bytes() == &b[at..at + len]) {
                return Some((at, k, len));
            }
        }
        None
    }
}

/// The identifier standing for placeholder number `k` in `len` bytes: `_`,
/// `k` in base 26 (`a` = 0), then `_` up to the length. `None` when `k` does
/// not fit (more than 676 distinct three- or four-byte placeholders).
fn ident(k: usize, len: usize) -> Option<String> {
    let mut digits = Vec::new();
    let mut n = k;
    loop {
        digits.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    if digits.len() + 2 > len {
        return None;
    }
    let mut s = String::with_capacity(len);
    s.push('_');
    s.extend(digits.iter().rev().map(|&d| char::from(d)));
    while s.len() < len {
        s.push('_');
    }
    Some(s)
}

fn decode(letters: &[u8]) -> Option<usize> {
    letters.iter().try_fold(0usize, |n, &c| n.checked_mul(26)?.checked_add(usize::from(c - b'a')))
}

/// Replaces the template placeholders of `sql` (see the module docs). One
/// pass over the bytes; when the text has no `{{`, `{%`, `{#` or `${`
/// nothing is copied or allocated.
pub fn neutralise(sql: &str) -> Templated<'_> {
    let b = sql.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut originals: Vec<String> = Vec::new();
    // Placeholder text → its number, so repeats cost one lookup each.
    let mut numbers: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    // Kinds (`${`, `{{`, `{%`, `{#`) found to have no closing delimiter after some point.
    let mut unclosed = [false; 4];
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'{', &b[i..]) {
        let at = i + p;
        i = at + 1;
        let dollar = at > 0 && b[at - 1] == b'$';
        let (kind, start, close): (usize, usize, &[u8]) = match b.get(at + 1) {
            _ if dollar => (0, at - 1, b"}"),
            Some(b'{') => (1, at, b"}}"),
            Some(b'%') => (2, at, b"%}"),
            Some(b'#') => (3, at, b"#}"),
            _ => continue,
        };
        if unclosed[kind] {
            continue;
        }
        let body_from = if kind == 0 { at + 1 } else { at + 2 };
        let Some(e) = memchr::memmem::find(&b[body_from..], close) else {
            // Nothing later closes this kind either (a `'{#'` in a string):
            // stop looking for it, so the pass stays linear.
            unclosed[kind] = true;
            continue;
        };
        let end = body_from + e + close.len();
        i = end;
        let inner = sql[body_from..body_from + e].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        let blank = match close {
            b"%}" | b"#}" => true,
            b"}}" => {
                let word = inner.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
                inner.starts_with("/*") || GO_CONTROL.contains(&word)
            }
            _ => false,
        };
        let buf = out.get_or_insert_with(|| b.to_vec());
        if blank {
            for c in &mut buf[start..end] {
                if *c != b'\n' {
                    *c = b' ';
                }
            }
            continue;
        }
        let original = &sql[start..end];
        let k = *numbers.entry(original).or_insert_with(|| {
            originals.push(original.to_string());
            originals.len() - 1
        });
        match ident(k, end - start) {
            Some(id) => buf[start..end].copy_from_slice(id.as_bytes()),
            // Too many short placeholders to number: leave this one as written.
            None => continue,
        }
    }
    let text = match out {
        // Each placeholder starts and ends on an ASCII byte and was replaced
        // whole by ASCII, so no character was cut in two.
        Some(v) => Cow::Owned(String::from_utf8(v).expect("ASCII replaced whole UTF-8 runs")),
        None => Cow::Borrowed(sql),
    };
    Templated { text, originals }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_identifiers_of_the_same_length() {
        let sql = "CREATE INDEX i ON {{ .Schema }}.users (a);\nALTER TABLE ${flyway:defaultSchema}.t ADD c int;\nDROP TABLE {{ schema }}.x, {{ .Schema }}.y";
        let t = neutralise(sql);
        assert_eq!(t.text.len(), sql.len());
        assert!(!t.text.contains('{') && !t.text.contains('$'), "{}", t.text);
        // The same placeholder gets the same identifier each time.
        let first = &t.text[18..31];
        assert_eq!(first, "_a___________");
        assert_eq!(&t.text[sql.rfind("{{ .Schema }}").unwrap()..][..13], first);
        assert_eq!(t.restore("_a___________.users"), "{{ .Schema }}.users");
        let flyway = sql.find("${flyway").unwrap();
        assert_eq!(&t.text[flyway..flyway + 23], "_b_____________________");
        assert_eq!(t.restore("_b_____________________.t"), "${flyway:defaultSchema}.t");
        assert_eq!(t.restore("plain_name"), "plain_name");
        // Names that carry a placeholder inside them are restored in place.
        let prefixed = neutralise("CREATE TABLE ${prefix}users (id int)");
        assert_eq!(&prefixed.text[13..27], "_a_______users");
        assert_eq!(prefixed.restore("_a_______users"), "${prefix}users");
    }

    #[test]
    fn an_unclosed_opener_does_not_hide_later_placeholders() {
        let sql = "COMMENT ON TABLE t IS '{# not a comment';\nCREATE INDEX i ON {{ .Schema }}.t (a)";
        let t = neutralise(sql);
        assert!(t.text.contains("'{# not a comment'"));
        assert!(t.text.contains("_a___________.t"), "{}", t.text);
    }

    #[test]
    fn control_actions_are_blanked_keeping_lines() {
        let sql = "{% if cond %}\nCREATE TABLE t (a int);\n{% endif %}{# note #}\n{{- if .X }}x{{ end -}}{{/* c */}}";
        let t = neutralise(sql);
        assert_eq!(t.text.len(), sql.len());
        assert_eq!(t.text.lines().count(), sql.lines().count());
        assert_eq!(t.text.trim(), format!("CREATE TABLE t (a int);\n{}\n{}x", " ".repeat(21), " ".repeat(12)));
        assert!(!t.has_names());
    }

    #[test]
    fn plain_sql_is_borrowed_and_untouched() {
        for sql in ["SELECT '{}'::jsonb, $1, $$ { $$", "SELECT 1 {", "x ${ unterminated", "{{ open", "'{#' {% x"] {
            let t = neutralise(sql);
            assert!(matches!(t.text, Cow::Borrowed(_)), "{sql}");
            assert!(!t.has_names());
        }
    }

    #[test]
    fn identifiers_number_many_placeholders() {
        // 30 distinct four-byte placeholders: numbers past `z` take two letters.
        let sql: String = (0..30).map(|i| format!("${{{}}} ", char::from(b'!' + i as u8))).collect();
        let t = neutralise(&sql);
        assert_eq!(t.text.len(), sql.len());
        for (k, orig) in sql.split_whitespace().enumerate() {
            let id = ident(k, 4).unwrap();
            assert!(t.text.contains(&id), "{id}");
            assert_eq!(t.restore(&id), orig);
        }
        assert_eq!(ident(26, 4).as_deref(), Some("_ba_"));
        assert_eq!(ident(676, 4), None);
    }
}
