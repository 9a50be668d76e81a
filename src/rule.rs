//! What a rule is: its metadata (declared once with [`declare_rule!`]) and the
//! trait the engine calls while it walks a tree.
//!
//! Every reporter, `pagerproof rules`, `pagerproof explain`, SARIF and the
//! generated `rules/README.md` read [`RuleMeta`]; no other place types rule
//! text.

use std::fmt;

use serde::Serialize;
use tree_sitter::Node;

use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::source::Language;

/// The failure family a rule belongs to; the first SARIF tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    NonIdempotentHandler,
    SwallowedException,
    MissingTimeout,
    MissingRetry,
    SecretInLog,
    NPlusOne,
    UnboundedQueue,
    UnsafeMigration,
    /// Suppression hygiene: unused or malformed `pagerproof: ignore` comments.
    Suppression,
}

impl Category {
    /// Every category, in documentation order.
    pub const ALL: [Category; 9] = [
        Category::NonIdempotentHandler,
        Category::SwallowedException,
        Category::MissingTimeout,
        Category::MissingRetry,
        Category::SecretInLog,
        Category::NPlusOne,
        Category::UnboundedQueue,
        Category::UnsafeMigration,
        Category::Suppression,
    ];

    /// The kebab-case name used on the command line, in config and in SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::NonIdempotentHandler => "non-idempotent-handler",
            Category::SwallowedException => "swallowed-exception",
            Category::MissingTimeout => "missing-timeout",
            Category::MissingRetry => "missing-retry",
            Category::SecretInLog => "secret-in-log",
            Category::NPlusOne => "n-plus-one",
            Category::UnboundedQueue => "unbounded-queue",
            Category::UnsafeMigration => "unsafe-migration",
            Category::Suppression => "suppression",
        }
    }

    /// Parses a category name.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// Lowercase name, as in SARIF `level`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `note`.
    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule is on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Runs only with `--preview` or when selected by code or name.
    Preview,
    /// On by default.
    Stable,
}

impl Status {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Preview => "preview",
            Status::Stable => "stable",
        }
    }
}

/// How often a finding of this rule is right, derived from its measured
/// [`crate::confidence`]: what SARIF's `properties.precision` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    High,
    Medium,
    Low,
}

impl Precision {
    /// Lowercase name, as in SARIF `properties.precision`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// Everything known about a rule, declared once in its source file.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Permanent code, never reused (`PP101`).
    pub code: &'static str,
    /// Kebab-case name of the bad pattern (`exception-swallowed`).
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub status: Status,
    /// The version the rule reached its status in.
    pub since: &'static str,
    pub languages: &'static [Language],
    /// Languages in which a stable rule is still preview: its findings in
    /// files of these languages appear only with `--preview` or when the rule
    /// is selected by code or name (a new language side earns its way in).
    pub preview_languages: &'static [Language],
    /// One line: what is wrong.
    pub summary: &'static str,
    /// One imperative line: how to fix it (the `help:` line).
    pub fix: &'static str,
    /// The Markdown doc from `rules/<name>.md`.
    #[serde(skip)]
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation URL used in SARIF `helpUri` and the terminal.
    pub fn help_uri(&self) -> String {
        format!("{}/blob/main/rules/{}.md", crate::REPOSITORY, self.name)
    }

    /// `stable`, `preview`, or a stable rule whose side for some languages
    /// is still preview: `stable (preview: typescript, rust)`. What
    /// `rules`, `explain` and the generated tables show.
    pub fn status_label(&self) -> String {
        if self.preview_languages.is_empty() {
            self.status.as_str().to_string()
        } else {
            let langs: Vec<&str> = self.preview_languages.iter().map(|l| l.as_str()).collect();
            format!("{} (preview: {})", self.status.as_str(), langs.join(", "))
        }
    }

    /// How often its findings were right on unseen code.
    pub fn confidence(&self) -> crate::confidence::Confidence {
        crate::confidence::of(self.code)
    }

    /// SARIF's precision, from the measured confidence: `high` from 90 %,
    /// `medium` from 60 % or when not measured (no findings to judge),
    /// `low` below.
    pub fn precision(&self) -> Precision {
        match self.confidence().percent() {
            Some(p) if p >= 90 => Precision::High,
            Some(p) if p < 60 => Precision::Low,
            _ => Precision::Medium,
        }
    }

    /// True when the rule supports `lang`.
    pub fn supports(&self, lang: Language) -> bool {
        self.languages.contains(&lang)
    }
}

/// Declares a rule's metadata as a `static`, pulling its doc from
/// `rules/<name>.md` so that a missing doc is a compile error.
#[macro_export]
macro_rules! declare_rule {
    (
        $vis:vis static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            category: $cat:ident,
            severity: $sev:ident,
            status: $status:ident,
            since: $since:literal,
            languages: [$($lang:ident),* $(,)?],
            summary: $summary:literal,
            fix: $fix:literal
            $(, preview_languages: [$($plang:ident),* $(,)?])? $(,)?
        }
    ) => {
        $vis static $ident: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            code: $code,
            name: $name,
            category: $crate::rule::Category::$cat,
            severity: $crate::rule::Severity::$sev,
            status: $crate::rule::Status::$status,
            since: $since,
            languages: &[$($crate::source::Language::$lang),*],
            preview_languages: &[$($($crate::source::Language::$plang),*)?],
            summary: $summary,
            fix: $fix,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
        };
    };
}

/// A rule that checks tree-sitter trees (Python, TypeScript, JavaScript).
///
/// The engine walks each tree once and calls [`Rule::check`] only for the node
/// kinds the rule lists in [`Rule::python_kinds`] / [`Rule::js_kinds`]. Rules
/// never walk the whole tree themselves; they may look at a node's children,
/// parents and the context stack in the [`Checker`].
pub trait Rule: Send + Sync + 'static {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;

    /// Python node kinds this rule wants to see.
    fn python_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// TypeScript/JavaScript node kinds this rule wants to see.
    fn js_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// Called for each node of a registered kind, in document order.
    fn check<'t>(&self, _node: Node<'t>, _cx: &mut Checker<'_, 't>) {}

    /// Rust (syn) node kinds this rule wants to see.
    fn rust_kinds(&self) -> &'static [RustKind] {
        &[]
    }

    /// Called for each Rust node of a registered kind, in document order.
    fn check_rust(&self, _node: RustNode<'_>, _cx: &mut RustChecker<'_, '_>) {}

    /// Called once after the Rust walk (per-file state in [`RustChecker::state`]).
    fn finish_rust(&self, _cx: &mut RustChecker<'_, '_>) {}

    /// Called once after the walk, for rules that defer findings until the
    /// whole file is known (per-file state lives in [`Checker::state`]).
    fn finish<'t>(&self, _cx: &mut Checker<'_, 't>) {}
}
