//! Project facts about library configuration that one call site cannot see:
//! which timeout settings the project names (Django's `EMAIL_TIMEOUT`), and
//! which mail backends its settings choose. Gathered by a text scan of every
//! Python file, so no tree is kept alive for them.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::engine::facts::FactCollector;
use crate::source::{Grammar, SourceFile};

/// Library configuration seen anywhere in the project. Plain data.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LibraryFacts {
    /// Timeout settings (the network catalog's `settings` names) that some
    /// Python file of the project names: a setting named in a settings
    /// module, or read from the environment there, applies to every call
    /// that falls back to it.
    #[serde(default)]
    pub timeout_settings: BTreeSet<String>,
    /// Values the project assigns to Django's `EMAIL_BACKEND`; `?` for a
    /// value that is not a string literal (read from the environment).
    #[serde(default)]
    pub email_backends: BTreeSet<String>,
    /// Job-queue retention options (the queues catalog's `retention`, such as
    /// BullMQ's `removeOnComplete`) that some TypeScript or JavaScript file
    /// names: a queue's jobs may get them where they are added.
    #[serde(default)]
    pub job_retention: BTreeSet<String>,
    /// The largest literal `attempts: N` in a TypeScript or JavaScript file
    /// that uses a Redis job queue (Bull, BullMQ): above one, the project's
    /// queue jobs run again when they fail. Zero when none is written.
    #[serde(default)]
    pub job_attempts_max: u32,
}

impl LibraryFacts {
    /// Merges another worker's facts (order-independent).
    pub fn merge(&mut self, other: LibraryFacts) {
        self.timeout_settings.extend(other.timeout_settings);
        self.email_backends.extend(other.email_backends);
        self.job_retention.extend(other.job_retention);
        self.job_attempts_max = self.job_attempts_max.max(other.job_attempts_max);
    }

    /// True when `get_connection()` without a backend argument gets Django's
    /// SMTP backend: no setting chooses another one for production (the
    /// console, in-memory, file and dummy backends of development settings
    /// do not count; a value read from the environment might be anything).
    pub fn default_email_backend_is_smtp(&self) -> bool {
        self.email_backends.iter().all(|b| is_smtp_or_dev_backend(b))
    }
}

/// Django's SMTP backend, or one only development settings choose.
pub fn is_smtp_or_dev_backend(path: &str) -> bool {
    path.contains(".smtp.")
        || ["console", "locmem", "dummy", "filebased"].iter().any(|d| path.contains(&format!(".{d}.")))
}

/// Every `settings` name of the built-in network catalog.
fn timeout_setting_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<String> =
            crate::catalog::Catalog::builtin().network.python.iter().flat_map(|e| e.settings.iter().cloned()).collect();
        v.sort();
        v.dedup();
        v
    })
}

/// The value of a module-level `NAME = ...` line: the string literal's text,
/// or `?` when it is not a plain string.
fn assigned_value(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix(name)?.trim_start();
    let rest = rest.strip_prefix('=').filter(|r| !r.starts_with('='))?.trim();
    let rest = rest.split('#').next().unwrap_or("").trim();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
    Some(match quote {
        Some(q) if rest.len() >= 2 && rest.ends_with(q) => rest[1..rest.len() - 1].to_string(),
        _ => "?".to_string(),
    })
}

/// The largest literal `attempts: N` (or `attempts = N`) in `text`.
fn max_attempts(text: &str) -> u32 {
    let mut max = 0;
    for (at, _) in text.match_indices("attempts") {
        if text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = text[at + "attempts".len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) else { continue };
        let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u32>() {
            max = max.max(n);
        }
    }
    max
}

/// The text scan that fills [`LibraryFacts`].
pub struct LibraryConfigFacts;

impl FactCollector for LibraryConfigFacts {
    fn triggers(&self) -> &'static [&'static str] {
        // Nothing to parse: everything comes from `scan`.
        &[]
    }

    fn scan(&self, file: &SourceFile, facts: &mut crate::engine::ProjectFacts) {
        let text: &str = &file.text;
        if matches!(file.grammar, Grammar::TypeScript | Grammar::Tsx | Grammar::JavaScript) {
            for key in &crate::catalog::Catalog::builtin().queues.javascript.redis_job_queues.retention {
                if memchr::memmem::find(text.as_bytes(), key.as_bytes()).is_some() {
                    facts.libraries.job_retention.insert(key.clone());
                }
            }
            if memchr::memmem::find(text.as_bytes(), b"bull").is_some() {
                facts.libraries.job_attempts_max = facts.libraries.job_attempts_max.max(max_attempts(text));
            }
            return;
        }
        if file.grammar != Grammar::Python {
            return;
        }
        for name in timeout_setting_names() {
            if memchr::memmem::find(text.as_bytes(), name.as_bytes()).is_some() {
                facts.libraries.timeout_settings.insert(name.clone());
            }
        }
        if memchr::memmem::find(text.as_bytes(), b"EMAIL_BACKEND").is_some() {
            for line in text.lines() {
                if let Some(v) = assigned_value(line.trim_start(), "EMAIL_BACKEND") {
                    facts.libraries.email_backends.insert(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_assigned_backends() {
        assert_eq!(
            assigned_value("EMAIL_BACKEND = \"django.core.mail.backends.smtp.EmailBackend\"", "EMAIL_BACKEND"),
            Some("django.core.mail.backends.smtp.EmailBackend".to_string())
        );
        assert_eq!(assigned_value("EMAIL_BACKEND = env('EMAIL_BACKEND')", "EMAIL_BACKEND"), Some("?".to_string()));
        assert_eq!(assigned_value("EMAIL_BACKEND == x", "EMAIL_BACKEND"), None);
        assert_eq!(assigned_value("EMAIL_BACKEND_X = 'a'", "EMAIL_BACKEND"), None);
    }

    #[test]
    fn dev_backends_keep_smtp_the_default() {
        let mut f = LibraryFacts::default();
        assert!(f.default_email_backend_is_smtp());
        f.email_backends.insert("django.core.mail.backends.console.EmailBackend".into());
        assert!(f.default_email_backend_is_smtp());
        f.email_backends.insert("anymail.backends.mailgun.EmailBackend".into());
        assert!(!f.default_email_backend_is_smtp());
    }

    #[test]
    fn reads_job_attempts() {
        assert_eq!(max_attempts("defaultJobOptions: { attempts: 5, backoff: 1000 }"), 5);
        assert_eq!(max_attempts("{ attempts: 1 }"), 1);
        assert_eq!(max_attempts("loginAttempts: 9, maxattempts: 4"), 0);
        assert_eq!(max_attempts("nothing here"), 0);
    }

    #[test]
    fn catalog_names_email_timeout() {
        assert!(timeout_setting_names().iter().any(|n| n == "EMAIL_TIMEOUT"));
    }
}
