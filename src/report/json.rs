//! `--format json`: a versioned document for scripts, described field by
//! field in `docs/json-schema.md`.
//!
//! [`SCHEMA_VERSION`] changes only when a field is removed, renamed or changes
//! meaning; new fields may appear in any release and scripts should ignore
//! fields they do not know. Key order is fixed and there are no timestamps,
//! so the same input gives the same bytes.

use std::io::{self, Write};

use serde::Serialize;

use crate::Report;
use crate::analysis::roles::Role;
use crate::diagnostic::{self, Applicability, Diagnostic, Notice};
use crate::rule::{Category, Precision, RuleMeta, Severity, Status};
use crate::source::{Language, Position, Span};

/// Version of the document layout (the top-level `version` field).
pub const SCHEMA_VERSION: u32 = 2;

/// Renders the report as one JSON document, ending with a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = document(report);
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    pub version: u32,
    pub pagerproof_version: &'static str,
    pub summary: Summary,
    pub rules: Vec<RuleEntry>,
    pub diagnostics: Vec<DiagnosticEntry<'a>>,
    pub notices: Vec<NoticeEntry<'a>>,
}

/// Counts for the run.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub files_with_findings: usize,
    pub files_checked: usize,
    pub lines_checked: usize,
    pub notices: usize,
    /// Files found by walking and not checked because of their role, by role.
    pub skipped_by_role: std::collections::BTreeMap<&'static str, usize>,
}

/// A rule that ran.
#[derive(Debug, Serialize)]
pub struct RuleEntry {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    /// Default severity (the effective one is on each diagnostic).
    pub severity: Severity,
    pub status: Status,
    pub precision: Precision,
    /// Measured on unseen code (see `docs/evaluation.md`).
    pub confidence: crate::confidence::Confidence,
    pub languages: &'static [Language],
    /// Languages whose side of a stable rule still needs `--preview`.
    pub preview_languages: &'static [Language],
    pub summary: &'static str,
    /// The rule's one-line fix hint (the `help:` line).
    pub help: &'static str,
    pub help_uri: String,
}

/// A 1-based position.
#[derive(Debug, Serialize)]
pub struct Pos {
    pub line: u32,
    /// Unicode scalar values (what editors show).
    pub column: u32,
    /// UTF-16 code units (LSP, SARIF, JavaScript).
    pub column_utf16: u32,
}

impl From<Position> for Pos {
    fn from(p: Position) -> Pos {
        Pos { line: p.line, column: p.column, column_utf16: p.column_utf16 }
    }
}

/// A half-open byte range into the file.
#[derive(Debug, Serialize)]
pub struct ByteSpan {
    pub start: u32,
    pub end: u32,
}

impl From<Span> for ByteSpan {
    fn from(s: Span) -> ByteSpan {
        ByteSpan { start: s.start, end: s.end }
    }
}

/// One finding.
#[derive(Debug, Serialize)]
pub struct DiagnosticEntry<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    /// Effective severity.
    pub severity: Severity,
    pub path: &'a str,
    pub start: Pos,
    pub end: Pos,
    pub span: ByteSpan,
    pub message: &'a str,
    /// The rule's fix hint (the `help:` line).
    pub help: &'static str,
    pub help_uri: String,
    /// Stable across unrelated edits; the baseline and SARIF use the same value.
    pub fingerprint: String,
    /// The file's role (`production`, `browser`, `migration`, `test`,
    /// `tooling`, `build`, `vendored`, `generated`).
    pub role: Role,
    /// The evidence for the role, in words.
    pub role_reason: &'a str,
    /// In a migration, the database engine production runs for its history
    /// and the evidence (`mysql (src/settings.py: django.db.backends.mysql)`),
    /// when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LabelEntry<'a>>,
    /// The finding's mechanical fix, when the rule has one here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixEntry<'a>>,
}

/// A secondary span with its explanation.
#[derive(Debug, Serialize)]
pub struct LabelEntry<'a> {
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Pos>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Pos>,
    pub span: ByteSpan,
}

/// A mechanical fix: replace each edit's span with its content.
#[derive(Debug, Serialize)]
pub struct FixEntry<'a> {
    pub description: &'a str,
    /// `safe` (applied by `--fix`), `unsafe` (with `--unsafe-fixes`) or
    /// `suggestion` (never applied).
    pub applicability: Applicability,
    pub edits: Vec<EditEntry<'a>>,
}

/// One edit of a fix: replace the byte `span` (from `start` to `end`) with
/// `content`.
#[derive(Debug, Serialize)]
pub struct EditEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Pos>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Pos>,
    pub span: ByteSpan,
    pub content: &'a str,
}

/// A message about the run itself.
#[derive(Debug, Serialize)]
pub struct NoticeEntry<'a> {
    pub path: &'a str,
    pub kind: &'static str,
    /// `error` when part of the input was not checked at all, else `warning`.
    pub level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: &'a str,
}

/// Builds the document for `report`.
pub fn document(report: &Report) -> Document<'_> {
    let count = |s: Severity| report.diagnostics.iter().filter(|d| d.severity == s).count();
    let mut files: Vec<&str> = report.diagnostics.iter().map(|d| d.path.as_str()).collect();
    files.dedup();
    let summary = Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        files_with_findings: files.len(),
        files_checked: report.files_checked,
        lines_checked: report.lines_checked,
        notices: report.notices.len(),
        skipped_by_role: report.skipped_by_role.iter().map(|(r, n)| (r.as_str(), *n)).collect(),
    };
    let fingerprints = diagnostic::fingerprints(&report.diagnostics);
    Document {
        version: SCHEMA_VERSION,
        pagerproof_version: env!("CARGO_PKG_VERSION"),
        summary,
        rules: report.rules.iter().map(|r| rule_entry(r)).collect(),
        diagnostics: report
            .diagnostics
            .iter()
            .zip(fingerprints)
            .map(|(d, fp)| diagnostic_entry(report, d, fp))
            .collect(),
        notices: report.notices.iter().map(notice_entry).collect(),
    }
}

fn rule_entry(r: &'static RuleMeta) -> RuleEntry {
    RuleEntry {
        code: r.code,
        name: r.name,
        category: r.category,
        severity: r.severity,
        status: r.status,
        precision: r.precision(),
        confidence: r.confidence(),
        languages: r.languages,
        preview_languages: r.preview_languages,
        summary: r.summary,
        help: r.fix,
        help_uri: r.help_uri(),
    }
}

fn diagnostic_entry<'a>(report: &'a Report, d: &'a Diagnostic, fingerprint: String) -> DiagnosticEntry<'a> {
    let text = report.sources.get(&d.path).map(|t| &**t);
    let resolve = |offset: u32| -> Option<Pos> {
        let text = text.filter(|t| offset as usize <= t.len())?;
        Some(report.sources.line_index(&d.path)?.position(text, offset).into())
    };
    let role = report.roles.get(&d.path);
    DiagnosticEntry {
        role: role.map_or(Role::Production, |r| r.role),
        role_reason: role.map_or("no evidence of another role", |r| r.reason.as_str()),
        database: report.databases.get(&d.path).map(String::as_str),
        code: d.rule.code,
        name: d.rule.name,
        category: d.rule.category,
        severity: d.severity,
        path: &d.path,
        start: d.start.into(),
        end: d.end.into(),
        span: d.span.into(),
        message: &d.message,
        help: d.rule.fix,
        help_uri: d.rule.help_uri(),
        fingerprint,
        symbol: d.symbol.as_deref(),
        labels: d
            .labels
            .iter()
            .map(|l| LabelEntry {
                message: &l.message,
                start: resolve(l.span.start),
                end: resolve(l.span.end),
                span: l.span.into(),
            })
            .collect(),
        fix: d.fix.as_ref().map(|f| FixEntry {
            description: &f.description,
            applicability: f.applicability,
            edits: f
                .edits
                .iter()
                .map(|e| EditEntry {
                    start: resolve(e.span.start),
                    end: resolve(e.span.end),
                    span: e.span.into(),
                    content: &e.content,
                })
                .collect(),
        }),
    }
}

fn notice_entry(n: &Notice) -> NoticeEntry<'_> {
    NoticeEntry {
        path: &n.path,
        kind: n.kind.as_str(),
        level: if n.kind.is_error() { "error" } else { "warning" },
        line: n.line,
        column: n.column,
        message: &n.message,
    }
}
