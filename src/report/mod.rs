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

/// Output formats of `pagerproof check`.
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

/// True for characters that must never reach a terminal or a CI log raw:
/// C0 controls except tab and newline, DEL, C1 controls (which include CSI
/// and OSC, the starts of escape sequences), and the bidirectional overrides
/// and isolates that make code read differently than it runs.
fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from the scanned repository (a path, a message quoting code) made
/// safe to print: each hazardous character becomes a visible `\u{..}` escape.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    clean_if(s, is_hazard)
}

/// [`clean`], but carriage returns stay: for GitHub command properties, whose
/// own escaping encodes them, so a file name keeps matching its file.
pub fn clean_keep_cr(s: &str) -> std::borrow::Cow<'_, str> {
    clean_if(s, |c| c != '\r' && is_hazard(c))
}

fn clean_if(s: &str, hazard: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(&hazard) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hazard(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A file's text made safe for a snippet without moving any byte offset:
/// each hazardous character becomes as many `?` as it has bytes (carriage
/// returns stay, so CRLF files still show their lines).
pub fn clean_source(text: &std::sync::Arc<str>) -> std::sync::Arc<str> {
    if !text.chars().any(|c| is_hazard(c) && c != '\r') {
        return std::sync::Arc::clone(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hazard(c) && c != '\r' {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_and_bidi_overrides_are_neutralised() {
        assert_eq!(clean("a.py"), "a.py");
        assert_eq!(clean("a\u{1b}[31m.py"), "a\\u{1b}[31m.py");
        assert_eq!(clean("x\u{9b}y\u{202e}z\u{7}"), "x\\u{9b}y\\u{202e}z\\u{7}");
        let text: std::sync::Arc<str> = "s = \"\u{1b}]0;t\u{7}\u{202e}\"\r\n".into();
        let clean = clean_source(&text);
        assert_eq!(clean.len(), text.len(), "offsets must not move");
        assert_eq!(&*clean, "s = \"?]0;t?\u{0}\"\r\n".replace('\u{0}', "???"));
    }
}
