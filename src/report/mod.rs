//! Emitters: one per output format, all reading the same sorted [`Report`]
//! and the rule registry. No emitter types rule text itself.

pub mod concise;
pub mod github;
pub mod json;
pub mod sarif;
pub mod terminal;

use std::io::{self, Write};

use crate::Report;

/// Output formats of `prodlint check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets, underlines and `help:` lines.
    Text,
    /// One line per finding: `path:line:col: CODE [severity] message`.
    Concise,
    /// Versioned JSON for scripts (see `docs/json-schema.md`).
    Json,
    /// SARIF 2.1.0 for code scanning and editors.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
}

/// Settings that affect rendering only.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Use ANSI colours (text formats only).
    pub color: bool,
    /// Omit the summary line (text formats only).
    pub quiet: bool,
}

/// Renders `report` in `format` to `out`.
pub fn render(report: &Report, format: Format, options: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => terminal::render(report, options, out),
        Format::Concise => concise::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
    }
}

/// `1 error, 2 warnings and 1 note in 3 files (120 files checked)`.
pub fn summary(report: &Report) -> String {
    use crate::rule::Severity;
    let count = |s: Severity| report.diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let (e, w, n) = (count(Severity::Error), count(Severity::Warning), count(Severity::Note));
    let mut files: Vec<&str> = report.diagnostics.iter().map(|d| d.path.as_str()).collect();
    files.dedup();
    if report.diagnostics.is_empty() {
        return format!("No findings ({} checked)", plural(report.files_checked, "file"));
    }
    format!(
        "Found {}, {} and {} in {} ({} checked)",
        plural(e, "error"),
        plural(w, "warning"),
        plural(n, "note"),
        plural(files.len(), "file"),
        plural(report.files_checked, "file"),
    )
}
