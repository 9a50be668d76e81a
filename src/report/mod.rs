//! Emitters: one per output format, all reading the same sorted [`Report`]
//! and the rule registry. No emitter types rule text itself.

pub mod concise;
pub mod github;
pub mod json;
pub mod markdown;
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
    /// A Markdown summary (counts per rule, then findings) for
    /// `$GITHUB_STEP_SUMMARY`.
    Markdown,
}

/// Settings that affect rendering only.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Use ANSI colours (text formats only).
    pub color: bool,
    /// Omit the summary line (text, concise and GitHub formats) and, in text
    /// formats, the notices.
    pub quiet: bool,
}

/// Renders `report` in `format` to `out`.
pub fn render(report: &Report, format: Format, options: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => terminal::render(report, options, out),
        Format::Concise => concise::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, options, out),
        Format::Markdown => markdown::render(report, out),
    }
}

/// `Found 1 error and 2 warnings in 3 files (120 files checked)`: zero
/// counts are left out.
pub fn summary(report: &Report) -> String {
    use crate::rule::Severity;
    let count = |s: Severity| report.diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let checked = plural(report.files_checked, "file");
    if report.diagnostics.is_empty() {
        return format!("No findings ({checked} checked)");
    }
    let mut files: Vec<&str> = report.diagnostics.iter().map(|d| d.path.as_str()).collect();
    files.dedup();
    let counts: Vec<String> = [(Severity::Error, "error"), (Severity::Warning, "warning"), (Severity::Note, "note")]
        .into_iter()
        .map(|(s, word)| (count(s), word))
        .filter(|&(n, _)| n > 0)
        .map(|(n, word)| plural(n, word))
        .collect();
    let counts = match counts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => unreachable!("diagnostics is not empty"),
    };
    format!("Found {counts} in {} ({checked} checked)", plural(files.len(), "file"))
}
