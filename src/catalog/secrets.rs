//! `rules/catalog/secrets.toml`: names of secrets and personal data, the
//! request attributes and environment reads that hold them, the calls that
//! mask them or pass them through, and the log sinks per language. Read by
//! `secret-logged` (PP401).

use serde::Deserialize;

/// Secret knowledge shared by all languages, plus per-language sinks.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsCatalog {
    /// Phrases (space-separated lowercase words) a credential's name ends with.
    pub credential_names: Vec<String>,
    /// Phrases a personal or payment-card field's name ends with.
    pub personal_names: Vec<String>,
    /// Words that rule a name out wherever they appear (`max`, `page`, `hashed`).
    pub exclude_words: Vec<String>,
    /// Names of request objects (`request`, `req`).
    pub request_objects: Vec<String>,
    /// Request attributes holding credentials or whole user input (`headers`, `body`).
    pub request_attrs: Vec<String>,
    /// Phrases that are secrets only as attributes of the request (`req.sessionID`).
    pub request_names: Vec<String>,
    /// Folders of command-line tools, where printing is the interface.
    pub cli_folders: Vec<String>,
    /// Substrings of an `if` condition that marks development-only code.
    pub dev_guards: Vec<String>,
    /// Attribute names that count only on a [`Self::secret_holders`] object.
    pub weak_attrs: Vec<String>,
    /// Objects whose attributes hold configuration or credentials (`self`, `settings`).
    pub secret_holders: Vec<String>,
    /// Resolved paths of the whole process environment (`os.environ`).
    pub environ: Vec<String>,
    /// Getter methods whose first string argument names the value (`get`, `getenv`).
    pub getters: Vec<String>,
    /// Calls (last segment) whose result is safe to log (`mask`, `len`, `hash`).
    pub sanitizers: Vec<String>,
    /// Calls (resolved path or last segment) that return their argument in another form.
    pub passthrough_calls: Vec<String>,
    /// Methods that return their receiver or arguments in another form.
    pub passthrough_methods: Vec<String>,
    pub python: LogSinks,
    pub js: LogSinks,
    pub rust: LogSinks,
    /// The words, calls and verbs that value-kind evidence reads
    /// (`crate::analysis::values`).
    pub values: ValueWords,
}

/// What tells a value's kind apart from a secret's (`[values]`): read by
/// [`crate::analysis::values`].
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ValueWords {
    /// Words of a name that make its value a file-system path (`path`, `file`).
    pub path_words: Vec<String>,
    /// Words that make it a reference to a value (`pointer`, `cursor`).
    pub pointer_words: Vec<String>,
    /// Words that make it a token meant to be public (`share`, `publishable`).
    pub public_words: Vec<String>,
    /// Words that make it a credential's name or identifier (`name`, `type`, `csrf`).
    pub identifier_words: Vec<String>,
    /// Words that make it facts about a credential (`expiry`, `scopes`, `claims`).
    pub metadata_words: Vec<String>,
    /// Calls (resolved path, or last segment) that build a path.
    pub path_calls: Vec<String>,
    /// Calls that decode a token into its claims.
    pub claims_calls: Vec<String>,
    /// Verbs of a function that makes a credential for its caller (`generate`).
    pub generate_verbs: Vec<String>,
    /// What such a function makes (`key`, `token`, `secret`, `password`).
    pub generated_nouns: Vec<String>,
}

/// The log sinks of one language family.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LogSinks {
    /// Resolved path prefixes of logging modules and logger factories.
    pub logger_paths: Vec<String>,
    /// Receiver names that are loggers (last segment: `self.logger`).
    pub logger_names: Vec<String>,
    /// Receiver name endings that are loggers (`audit_logger`).
    pub logger_name_suffixes: Vec<String>,
    /// Methods that write a log record.
    pub logger_methods: Vec<String>,
    /// Keyword arguments of log calls that carry no data (`exc_info`).
    pub ignored_keywords: Vec<String>,
    /// Builtins that print (reported only inside handlers and jobs).
    pub print_calls: Vec<String>,
    /// Logger options that redact fields (`redact`).
    pub redact_options: Vec<String>,
    /// Rust: types whose `Debug` and `Display` redact the value
    /// (`secrecy::SecretString`); a value of one is safe to log.
    pub secret_types: Vec<String>,
    /// Rust: methods that return their receiver in another form
    /// (`to_string`, `expose_secret`): a secret stays secret.
    pub passthrough_methods: Vec<String>,
    /// Rust: words in a field attribute that leave the field out of a derived
    /// `Debug` (`#[debug(skip)]`, `#[derivative(Debug = "ignore")]`).
    pub debug_skip_words: Vec<String>,
    /// Rust: field types that never hold a secret (`bool`, numbers), so a
    /// secret-named field of one (`force_update_private_key: bool`) is not.
    pub plain_types: Vec<String>,
    /// Rust: paths of types named `Token` that are an index, not a
    /// credential (`mio::Token`, the event loop's socket slot). In a file
    /// that imports one, a value named `token` is that index.
    #[serde(default)]
    pub index_token_types: Vec<String>,
}

/// What kind of sensitive value a name denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    Credential,
    Personal,
}

impl SecretsCatalog {
    /// The log sinks of Python, or of TypeScript/JavaScript.
    pub fn sinks(&self, python: bool) -> &LogSinks {
        if python { &self.python } else { &self.js }
    }

    /// Classifies an identifier, attribute, key or header name.
    pub fn classify(&self, name: &str) -> Option<Sensitive> {
        let words = split_words(name);
        if !self.judged(&words) {
            None
        } else if ends_with_phrase(&words, &self.credential_names) {
            Some(Sensitive::Credential)
        } else if ends_with_phrase(&words, &self.personal_names) {
            Some(Sensitive::Personal)
        } else {
            None
        }
    }

    /// True when `name`'s words end with one of `phrases` and none is excluded.
    pub fn ends_with(&self, name: &str, phrases: &[String]) -> bool {
        let words = split_words(name);
        self.judged(&words) && ends_with_phrase(&words, phrases)
    }

    /// A name with words, none of them excluded.
    fn judged(&self, words: &[String]) -> bool {
        !words.is_empty() && !words.iter().any(|w| self.exclude_words.iter().any(|x| x == w))
    }

    /// True when `name` (last segment of a callee) is a sanitizer.
    pub fn is_sanitizer(&self, name: &str) -> bool {
        self.sanitizers.iter().any(|s| s == name)
    }
}

/// True when `words` end with the space-separated words of one of `phrases`.
fn ends_with_phrase(words: &[String], phrases: &[String]) -> bool {
    phrases.iter().any(|p| {
        let n = p.split(' ').count();
        n <= words.len() && p.split(' ').zip(&words[words.len() - n..]).all(|(a, b)| a == b)
    })
}

/// Splits `accessToken`, `ACCESS_TOKEN`, `X-Api-Key`, `APIKey` into lowercase words.
pub fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::{Sensitive, split_words};
    use crate::catalog::Catalog;

    #[test]
    fn splits_identifiers_into_words() {
        assert_eq!(split_words("accessToken"), ["access", "token"]);
        assert_eq!(split_words("ACCESS_TOKEN"), ["access", "token"]);
        assert_eq!(split_words("X-Api-Key"), ["x", "api", "key"]);
        assert_eq!(split_words("APIKey"), ["api", "key"]);
        assert_eq!(split_words("self.password"), ["self", "password"]);
    }

    #[test]
    fn classifies_by_head_noun() {
        let c = &Catalog::builtin().secrets;
        for yes in [
            "password",
            "api_key",
            "apiKey",
            "SECRET_KEY",
            "accessToken",
            "Authorization",
            "client_secret",
            "X-Api-Key",
            "refresh_token",
            "db_password",
            "cookie",
        ] {
            assert_eq!(c.classify(yes), Some(Sensitive::Credential), "{yes}");
        }
        assert!(c.ends_with("sessionID", &c.request_names));
        assert_eq!(c.classify("session_id"), None);
        for yes in ["card_number", "cvv", "ssn", "creditCard"] {
            assert_eq!(c.classify(yes), Some(Sensitive::Personal), "{yes}");
        }
        for no in [
            "token_count",
            "max_tokens",
            "tokenizer",
            "password_reset_url",
            "csrf_token_name",
            "secret_santa",
            "csrf_token",
            "hashed_password",
            "is_secret",
            "page_token",
            "tokens",
            "public_key",
            "key",
            "cache_key",
            "password_hash",
            "token_type",
            "secret_name",
            "CancelToken",
        ] {
            // Rules ask value-kind evidence, which holds the words of other
            // kinds (`csrf`, `page`, `public`, `type`) moved out of `exclude_words`.
            assert_eq!(crate::analysis::values::secret_name(no, c), None, "{no}");
        }
    }
}
