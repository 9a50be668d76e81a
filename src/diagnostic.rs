//! Findings (`Diagnostic`) and the notices the tool reports about its own run
//! (files it skipped or could not parse).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::rule::{RuleMeta, Severity};
use crate::source::{Position, SourceFile, Span};

/// A secondary span with a short explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A mechanical edit that fixes the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does, imperative.
    pub description: String,
    pub edits: Vec<Edit>,
    /// Whether `--fix` may apply it, `--unsafe-fixes` only, or never.
    pub applicability: Applicability,
}

impl Fix {
    /// A fix of one edit.
    pub fn new(applicability: Applicability, description: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix { description: description.into(), edits, applicability }
    }
}

/// How far a fix may be trusted (ruff's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Shown only: the change is not mechanical (callers must change too);
    /// never applied.
    Suggestion,
    /// Changes behaviour beyond the finding (a new timeout that can now
    /// fire, a bound that can now block): applied with `--unsafe-fixes`.
    Unsafe,
    /// Cannot change behaviour beyond the intended: applied with `--fix`.
    Safe,
}

impl Applicability {
    /// The lowercase name used in JSON, SARIF and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::Suggestion => "suggestion",
        }
    }

    /// True when a run with (`unsafe_fixes`) applies fixes of this kind.
    pub fn applies(self, unsafe_fixes: bool) -> bool {
        match self {
            Applicability::Safe => true,
            Applicability::Unsafe => unsafe_fixes,
            Applicability::Suggestion => false,
        }
    }
}

/// Replace `span` with `content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

impl Edit {
    /// Insert `content` at byte `at`.
    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit { span: Span::new(at, at), content: content.into() }
    }

    /// Replace `span` with `content`.
    pub fn replace(span: Span, content: impl Into<String>) -> Edit {
        Edit { span, content: content.into() }
    }
}

/// One finding of one rule in one file. (Serialized only by the result
/// cache; the rule is stored as its code.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Diagnostic {
    #[serde(with = "rule_by_code")]
    pub rule: &'static RuleMeta,
    /// Effective severity (the rule default, or what the config set).
    pub severity: Severity,
    /// Display path of the file, `/`-separated.
    pub path: String,
    /// The primary span: the code a person changes.
    pub span: Span,
    /// What is wrong and what it does in production, in one sentence.
    pub message: String,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
    /// Resolved positions of `span` (start and end).
    pub start: Position,
    pub end: Position,
    /// Name of the enclosing function or class (`Class.method`), if any;
    /// part of the fingerprint so that it survives lines moving.
    pub symbol: Option<String>,
    /// The primary line's text, trimmed; used for fingerprints and snippets.
    pub line_text: String,
}

impl Diagnostic {
    /// Builds a diagnostic, resolving its positions against `file`.
    pub fn new(rule: &'static RuleMeta, file: &SourceFile, span: Span, message: String) -> Diagnostic {
        let start = file.lines.position(&file.text, span.start);
        let end = file.lines.position(&file.text, span.end);
        let line_text = file.lines.line_text(&file.text, start.line as usize - 1).trim().to_string();
        Diagnostic {
            rule,
            severity: rule.severity,
            path: file.path.clone(),
            span,
            message,
            labels: Vec::new(),
            fix: None,
            start,
            end,
            symbol: None,
            line_text,
        }
    }

    /// A fingerprint that survives unrelated edits: rule, file, enclosing
    /// symbol and the whitespace-normalised primary line (no line numbers).
    /// Identical findings in one file are told apart by the caller's
    /// occurrence counter.
    pub fn fingerprint(&self, occurrence: usize) -> String {
        let normalized: String = self.line_text.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            self.rule.code,
            self.path,
            self.symbol.as_deref().unwrap_or(""),
            normalized,
            occurrence
        );
        format!("{:016x}", fnv1a64(key.as_bytes()))
    }

    /// The order of the final report: path, position, rule code, message.
    pub fn sort_key(&self) -> (&str, u32, &str, &str) {
        (&self.path, self.span.start, self.rule.code, &self.message)
    }
}

/// Total order used for deterministic output.
pub fn compare(a: &Diagnostic, b: &Diagnostic) -> Ordering {
    a.sort_key().cmp(&b.sort_key()).then(a.span.end.cmp(&b.span.end))
}

/// Assigns each diagnostic its stable fingerprint, counting repeats of the same
/// (rule, path, symbol, line) key in document order. Input must be sorted.
pub fn fingerprints(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let base = d.fingerprint(0);
            let n = seen.entry(base.clone()).or_insert(0);
            let fp = if *n == 0 { base } else { d.fingerprint(*n) };
            *n += 1;
            fp
        })
        .collect()
}

/// 64-bit FNV-1a: small, dependency-free and stable across releases and
/// platforms, which a fingerprint must be.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// What kind of trouble the tool had with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// The file could not be read.
    Unreadable,
    /// The file is not UTF-8 text or looks binary.
    Binary,
    /// The file is larger than the size cap.
    TooLarge,
    /// The file looks minified or generated.
    Minified,
    /// The parser recovered from syntax errors; findings inside them are dropped.
    SyntaxError,
    /// Valid code the reader does not support (a SQL statement sqlparser
    /// cannot read); it was not checked.
    Unsupported,
    /// A rule panicked on this file; other rules and files are unaffected.
    InternalError,
    /// A path given on the command line does not exist.
    MissingPath,
    /// The file is text in an encoding pagerproof does not read (UTF-16, or
    /// not UTF-8 without a coding declaration it can decode).
    Encoding,
}

impl NoticeKind {
    /// True for notices that mean part of the input was not checked at all.
    pub fn is_error(self) -> bool {
        matches!(self, NoticeKind::Unreadable | NoticeKind::InternalError | NoticeKind::MissingPath)
    }

    /// Every kind, in order (the order notices sort in).
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::Unreadable,
        NoticeKind::Binary,
        NoticeKind::TooLarge,
        NoticeKind::Minified,
        NoticeKind::SyntaxError,
        NoticeKind::Unsupported,
        NoticeKind::InternalError,
        NoticeKind::MissingPath,
        NoticeKind::Encoding,
    ];

    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Unreadable => "unreadable",
            NoticeKind::Binary => "binary",
            NoticeKind::TooLarge => "too-large",
            NoticeKind::Minified => "minified",
            NoticeKind::SyntaxError => "syntax-error",
            NoticeKind::Unsupported => "unsupported-statement",
            NoticeKind::InternalError => "internal-error",
            NoticeKind::MissingPath => "missing-path",
            NoticeKind::Encoding => "encoding",
        }
    }
}

/// A message about the run itself (SARIF `toolExecutionNotifications`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notice {
    pub path: String,
    pub kind: NoticeKind,
    /// 1-based line, when the notice has a location.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// Serializes a rule reference as its code, and finds it again by code.
mod rule_by_code {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::rule::RuleMeta;

    pub fn serialize<S: Serializer>(rule: &&'static RuleMeta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(rule.code)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static RuleMeta, D::Error> {
        let code = String::deserialize(d)?;
        crate::registry::find(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown rule `{code}`")))
    }
}
