//! Value-kind evidence: what a value is, answered once for every rule that
//! asks (`secret-logged` PP401 in Python, TypeScript/JavaScript and Rust).
//!
//! A name that ends like a secret (`tls_private_key_path`, `json_pointer_token`,
//! `share_token`, `csrf_token_name`, `token_expiry`) is often not one: the
//! kind of a value comes from its name's other words, from the expression
//! that made it (`os.path.join(..)`, `Path::new(..)`, `jwt.decode(..)`), from
//! its type (a Rust type whose `Debug`/`Display` redacts, collected from the
//! whole project in the facts phase) and from its context (a command that
//! generates a key and prints it to stdout). The word lists live in
//! `rules/catalog/secrets.toml` (`[values]`), so a team extends them by
//! configuration.

use std::collections::BTreeSet;

use crate::catalog::secrets::{SecretsCatalog, Sensitive, split_words};

/// What a value is, as far as logging it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A credential or personal data: logging it leaks it.
    Secret(Sensitive),
    /// A file-system path to a secret, not the secret (`tls_private_key_path`,
    /// `key_file`, `os.path.join(..)`, `Path::new(..)`).
    Path,
    /// A reference to where a value is, not the value: a JSON pointer, a
    /// pagination cursor or continuation token (`next_page_token`).
    Pointer,
    /// A token meant to be public: a share link's token, a publishable key.
    PublicToken,
    /// The name or identifier of a credential, not its value (`csrf_token_name`,
    /// `token_type`, `key_id`).
    Identifier,
    /// Facts about a credential that grant nothing: its expiry, scopes, or
    /// the decoded claims of an ID token (`token_expires_at`, `jwt.decode(..)`).
    Metadata,
    /// A value of a type whose `Debug`/`Display` prints a mask (`SecretString`,
    /// a type with a manual `Debug` that writes `***`).
    Redacted,
    /// A key or token a command generates in order to print it: its output is
    /// the product, not a log.
    GeneratedForOutput,
}

impl ValueKind {
    /// The sensitivity when the value is a secret.
    pub fn secret(self) -> Option<Sensitive> {
        match self {
            ValueKind::Secret(s) => Some(s),
            _ => None,
        }
    }
}

/// The kind a name gives its value: a word of a non-secret kind anywhere in
/// the name decides first (`tls_private_key_path` is a path), then the
/// secret names of the catalog (`api_key`). `None`: the name says nothing.
pub fn name_kind(name: &str, cat: &SecretsCatalog) -> Option<ValueKind> {
    let words = split_words(name);
    let v = &cat.values;
    let has = |list: &[String]| words.iter().any(|w| list.iter().any(|x| x == w));
    if has(&v.path_words) {
        Some(ValueKind::Path)
    } else if has(&v.pointer_words) {
        Some(ValueKind::Pointer)
    } else if has(&v.public_words) {
        Some(ValueKind::PublicToken)
    } else if has(&v.identifier_words) {
        Some(ValueKind::Identifier)
    } else if has(&v.metadata_words) {
        Some(ValueKind::Metadata)
    } else {
        cat.classify(name).map(ValueKind::Secret)
    }
}

/// The secret a name denotes: [`name_kind`] when it is [`ValueKind::Secret`].
pub fn secret_name(name: &str, cat: &SecretsCatalog) -> Option<Sensitive> {
    name_kind(name, cat).and_then(ValueKind::secret)
}

/// True when a name says its value is something other than a secret
/// (`key_path`, `token_expiry`), whatever else it says.
pub fn not_secret_name(name: &str, cat: &SecretsCatalog) -> bool {
    name_kind(name, cat).is_some_and(|k| k.secret().is_none())
}

/// The kind of value a call returns, from its callee (resolved path or text):
/// path builders give a [`ValueKind::Path`], token decoders the claims
/// ([`ValueKind::Metadata`]).
pub fn call_kind(callee: &str, cat: &SecretsCatalog) -> Option<ValueKind> {
    let v = &cat.values;
    let callee = callee.trim_end_matches("()");
    let last = callee.rsplit(['.', ':']).next().unwrap_or(callee);
    let matches = |list: &[String]| list.iter().any(|p| p == callee || (!p.contains(['.', ':']) && p == last));
    if matches(&v.path_calls) {
        Some(ValueKind::Path)
    } else if matches(&v.claims_calls) {
        Some(ValueKind::Metadata)
    } else {
        None
    }
}

/// True when a function's name says it generates a credential to hand to its
/// caller (`generate_key`, `createApiToken`, `cmd_new_secret`): what it prints
/// to stdout is the command's output. Route handlers are not asked: their
/// stdout is the server's log.
pub fn generates_for_output(function: &str, cat: &SecretsCatalog) -> bool {
    let words = split_words(function);
    let v = &cat.values;
    words.iter().any(|w| v.generate_verbs.iter().any(|g| g == w))
        && words.iter().any(|w| v.generated_nouns.iter().any(|n| n == w))
}

/// Markers a hand-written `Debug`/`Display` writes in place of the value.
const REDACTION_MARKERS: &[&str] = &["***", "redact", "<hidden>", "[hidden]", "<secret>", "[secret]", "xxxx"];

/// A Rust file is scanned for redacting types when it implements `Debug` or
/// `Display` by hand.
pub fn wants_rust(text: &str) -> bool {
    text.contains("Debug for ") || text.contains("Display for ")
}

/// Rust types of one file whose hand-written `Debug` or `Display` prints a
/// mask (`impl fmt::Debug for ApiKey { .. f.write_str("***") .. }`): a value
/// of one is safe to log wherever the project uses it. A lexical scan, so the
/// facts phase parses nothing.
pub fn redacting_types(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for marker in ["Debug for ", "Display for "] {
        let mut from = 0;
        while let Some(i) = text[from..].find(marker) {
            let at = from + i;
            from = at + marker.len();
            // `impl fmt::Debug for X`, `impl<T> std::fmt::Display for X<T>`.
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if !text[line_start..at].trim_start().starts_with("impl") {
                continue;
            }
            let rest = &text[from..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() {
                continue;
            }
            let Some(open) = rest.find('{') else { continue };
            let body = block(&rest[open..]);
            let lower = body.to_ascii_lowercase();
            if REDACTION_MARKERS.iter().any(|m| lower.contains(m)) {
                out.insert(name);
            }
        }
    }
    out
}

/// The text of the brace block `s` starts with, braces inside string and
/// char literals not counted (`write!(f, "{{")`).
fn block(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..=i];
                }
            }
            _ => {}
        }
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn names_say_what_a_value_is() {
        let cat = &Catalog::builtin().secrets;
        assert_eq!(name_kind("tls_private_key_path", cat), Some(ValueKind::Path));
        assert_eq!(name_kind("key_file", cat), Some(ValueKind::Path));
        assert_eq!(name_kind("jsonPointerToken", cat), Some(ValueKind::Pointer));
        assert_eq!(name_kind("next_page_token", cat), Some(ValueKind::Pointer));
        assert_eq!(name_kind("share_token", cat), Some(ValueKind::PublicToken));
        assert_eq!(name_kind("csrf_token_name", cat), Some(ValueKind::Identifier));
        assert_eq!(name_kind("token_expires_at", cat), Some(ValueKind::Metadata));
        assert_eq!(name_kind("api_key", cat), Some(ValueKind::Secret(Sensitive::Credential)));
        assert_eq!(name_kind("private_key", cat), Some(ValueKind::Secret(Sensitive::Credential)));
        assert_eq!(name_kind("user_id", cat), None);
    }

    #[test]
    fn calls_say_what_they_return() {
        let cat = &Catalog::builtin().secrets;
        assert_eq!(call_kind("os.path.join", cat), Some(ValueKind::Path));
        assert_eq!(call_kind("Path::new", cat), Some(ValueKind::Path));
        assert_eq!(call_kind("jwt.decode", cat), Some(ValueKind::Metadata));
        assert_eq!(call_kind("str", cat), None);
    }

    #[test]
    fn generating_functions() {
        let cat = &Catalog::builtin().secrets;
        assert!(generates_for_output("generate_key", cat));
        assert!(generates_for_output("createApiToken", cat));
        assert!(!generates_for_output("login", cat));
        assert!(!generates_for_output("generate_report", cat));
    }

    #[test]
    fn finds_hand_written_redacting_impls() {
        let text = "impl fmt::Debug for ApiKey {\n fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n  write!(f, \"ApiKey({{}})\", \"***\")\n }\n}\n\
                    impl std::fmt::Display for Plain {\n fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { write!(f, \"{}\", self.0) }\n}\n\
                    impl<T> fmt::Debug for Masked<T> { fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { f.write_str(\"[REDACTED]\") } }\n";
        let got: Vec<String> = redacting_types(text).into_iter().collect();
        assert_eq!(got, ["ApiKey", "Masked"]);
    }
}
