//! Emitters: one per output format, all reading the same sorted [`Report`]
//! and the rule registry. No emitter types rule text itself.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod terminal;
pub mod xml;

use std::io::{self, Write};

use crate::Report;
use crate::diagnostic::Diagnostic;

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
    /// GitLab Code Quality JSON (`artifacts: reports: codequality:`).
    Gitlab,
    /// JUnit XML: one test suite per rule, one failure per finding.
    Junit,
    /// Checkstyle XML: one `<file>` per file, one `<error>` per finding.
    Checkstyle,
}

impl Format {
    /// True for the formats a program reads (not a person): they get no
    /// notices or summary mixed in, and `-o FILE` repeats the summary on stderr.
    pub fn is_machine(self) -> bool {
        matches!(self, Format::Json | Format::Sarif | Format::Gitlab | Format::Junit | Format::Checkstyle)
    }
}

/// Settings that affect rendering only.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Use ANSI colours (text formats only).
    pub color: bool,
    /// Omit the summary line (text, concise and GitHub formats) and, in text
    /// formats, the notices.
    pub quiet: bool,
    /// Which fixes count as applicable (`[*]` and the "fixable" line).
    pub fixes: crate::fix::FixPolicy,
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
        Format::Gitlab => gitlab::render(report, out),
        Format::Junit => xml::render_junit(report, out),
        Format::Checkstyle => xml::render_checkstyle(report, out),
    }
}

/// `Found 1 error and 2 warnings in 3 files (120 files checked, config
/// pagerproof.toml)`: zero counts are left out, and the config is named when
/// one is in effect.
pub fn summary(report: &Report) -> String {
    use crate::rule::Severity;
    let count = |s: Severity| report.diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let mut checked = format!("{} checked", plural(report.files_checked, "file"));
    if let Some(config) = &report.config {
        checked.push_str(&format!(", config {}", clean(config)));
    }
    if report.diagnostics.is_empty() {
        return format!("No findings ({checked})");
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
    format!("Found {counts} in {} ({checked})", plural(files.len(), "file"))
}

/// The line after the summary that counts fixes, as ruff's: `[*] N fixable
/// with --fix (M hidden fixes can be enabled with --unsafe-fixes)`; `None`
/// when no finding has a fix this run could apply or enable.
pub fn fixable_line(report: &Report, policy: crate::fix::FixPolicy) -> Option<String> {
    let fixable = report.diagnostics.iter().filter(|d| policy.applicable(d).is_some()).count();
    let hidden = report.diagnostics.iter().filter(|d| policy.hidden(d)).count();
    let hidden_text = match hidden {
        0 => String::new(),
        1 => "1 hidden fix can be enabled with --unsafe-fixes".to_string(),
        n => format!("{n} hidden fixes can be enabled with --unsafe-fixes"),
    };
    let flag = if policy.unsafe_fixes { "--fix --unsafe-fixes" } else { "--fix" };
    match (fixable, hidden) {
        (0, 0) => None,
        (0, _) => Some(format!("No fixes available ({hidden_text})")),
        (n, 0) => Some(format!("[*] {n} fixable with {flag}")),
        (n, _) => Some(format!("[*] {n} fixable with {flag} ({hidden_text})")),
    }
}

/// The mark before a finding's message: `[*] ` when this run can apply its fix.
pub fn fix_mark(d: &Diagnostic, policy: crate::fix::FixPolicy) -> &'static str {
    if policy.applicable(d).is_some() { "[*] " } else { "" }
}

/// True for characters that must never reach a terminal or a CI log raw:
/// C0 controls except tab (newline and carriage return included: either
/// ends a line for the Actions runner, so a file name or quoted identifier
/// could start a line with `::error`), DEL, C1 controls (which include CSI
/// and OSC, the starts of escape sequences), the line and paragraph
/// separators, and the bidirectional marks, overrides and isolates that make
/// code read differently than it runs.
fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The one escaping function behind every human-facing output: text from
/// the scanned repository (a path, a message quoting code, a config value)
/// made safe to print on one line. Each hazardous character (see
/// `is_hazard`) becomes a visible escape: `\n`, `\r`, or `\u{1b}`.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    clean_if(s, is_hazard)
}

/// [`clean`] for a block of several lines that pagerproof laid out itself (a
/// rendered config error): newlines stay, everything else is escaped, so
/// each line still starts where the block put it.
pub fn clean_block(s: &str) -> std::borrow::Cow<'_, str> {
    clean_if(s, |c| c != '\n' && is_hazard(c))
}

/// [`clean`], but line breaks stay: for GitHub command properties, whose
/// own escaping (`%0D`, `%0A`) encodes them, so a file name keeps matching
/// its file.
pub fn clean_property(s: &str) -> std::borrow::Cow<'_, str> {
    clean_if(s, |c| c != '\r' && c != '\n' && is_hazard(c))
}

fn clean_if(s: &str, hazard: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(&hazard) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            _ if !hazard(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.extend(c.escape_unicode()),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A file's text made safe for a snippet without moving any byte offset:
/// each hazardous character becomes as many `?` as it has bytes. Line
/// breaks stay (the snippet's gutter starts every line); a carriage return
/// that is not part of CRLF is a line break too, as the languages define it,
/// so it becomes `\n` and the snippet shows the line it starts.
pub fn clean_source(text: &std::sync::Arc<str>) -> std::sync::Arc<str> {
    let bytes = text.as_bytes();
    let keep = |i: usize, c: char| c == '\n' || (c == '\r' && bytes.get(i + 1) == Some(&b'\n'));
    if !text.char_indices().any(|(i, c)| is_hazard(c) && !keep(i, c)) {
        return std::sync::Arc::clone(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if !is_hazard(c) || keep(i, c) {
            out.push(c);
        } else if c == '\r' {
            out.push('\n');
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
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
        assert_eq!(clean("a\n::error b\rc\u{2066}"), "a\\n::error b\\rc\\u{2066}");
        assert_eq!(clean_block("a\n\u{1b}b\r"), "a\n\\u{1b}b\\r");
        assert_eq!(clean_property("a\r\nb\u{7}"), "a\r\nb\\u{7}");
        let lone: std::sync::Arc<str> = "a\rb\r\n".into();
        assert_eq!(&*clean_source(&lone), "a\nb\r\n", "a lone CR is a line break, CRLF stays");
        let text: std::sync::Arc<str> = "s = \"\u{1b}]0;t\u{7}\u{202e}\"\r\n".into();
        let clean = clean_source(&text);
        assert_eq!(clean.len(), text.len(), "offsets must not move");
        assert_eq!(&*clean, "s = \"?]0;t?\u{0}\"\r\n".replace('\u{0}', "???"));
    }
}
