//! `--format markdown`: a short report for a GitHub job summary
//! (`$GITHUB_STEP_SUMMARY`) or a pull request comment: the summary line, a
//! table of counts per rule, then the findings (at most [`MAX_LISTED`]).
//! Text from the scanned repository is escaped so it cannot break the table,
//! inject HTML, render images, links or @mentions, or break out of a code
//! span: paths go in a code span whose fence is longer than any backtick run
//! in them, and messages are split at their backticks into code spans and
//! text, each escaped for where it lands.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::Report;

/// Findings listed one by one; the rest are only counted.
pub const MAX_LISTED: usize = 50;

/// Renders the Markdown summary.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## pagerproof\n")?;
    writeln!(out, "{}\n", text(&super::summary(report)))?;
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    let mut per_rule: BTreeMap<&str, (&str, &str, usize)> = BTreeMap::new();
    for d in &report.diagnostics {
        per_rule.entry(d.rule.code).or_insert((d.rule.name, d.severity.as_str(), 0)).2 += 1;
    }
    writeln!(out, "| Rule | Name | Severity | Findings |\n|---|---|---|---:|")?;
    for (code, (name, severity, n)) in &per_rule {
        writeln!(out, "| {code} | {name} | {severity} | {n} |")?;
    }
    writeln!(out, "\n<details><summary>Findings</summary>\n")?;
    for d in report.diagnostics.iter().take(MAX_LISTED) {
        writeln!(
            out,
            "- {} **{}** {}",
            code(&format!("{}:{}:{}", d.path, d.start.line, d.start.column)),
            d.rule.code,
            message(&d.message)
        )?;
    }
    if report.diagnostics.len() > MAX_LISTED {
        writeln!(out, "- and {} more", report.diagnostics.len() - MAX_LISTED)?;
    }
    writeln!(out, "\n</details>")
}

/// A message as Markdown: the parts between backticks become code spans,
/// the rest text. A backtick inside quoted code (a SQL identifier) can shift
/// which part is which, but every part is escaped for where it lands, so
/// nothing from the repository renders.
fn message(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    // An odd number of backticks leaves the last one unmatched: it is text.
    let unmatched = parts.len().is_multiple_of(2);
    let mut out = String::with_capacity(s.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        if unmatched && i == parts.len() - 1 {
            out.push_str(&text(&format!("`{part}")));
        } else if i % 2 == 0 {
            out.push_str(&text(part));
        } else if part.is_empty() {
            out.push_str(&text("``"));
        } else {
            out.push_str(&code(part));
        }
    }
    out
}

/// Text outside code spans: hazardous characters made visible (see
/// [`super::clean`]), every ASCII punctuation character backslash-escaped
/// (CommonMark renders `\x` as `x` for all of them, so no emphasis, link,
/// image, HTML or table cell can open), and a word joiner after `@` so no
/// @mention notifies anyone.
fn text(s: &str) -> String {
    let s = super::clean(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
        if c == '@' {
            out.push('\u{2060}');
        }
    }
    out
}

/// A code span that cannot be closed early: the fence is one backtick longer
/// than the longest run inside, and padded with spaces when the content
/// starts or ends with a backtick. Code spans render nothing but text.
fn code(s: &str) -> String {
    let s = super::clean(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_cannot_be_broken_out_of() {
        assert_eq!(code("a.py:1:2"), "`a.py:1:2`");
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a\n\u{1b}"), "`a\\n\\u{1b}`");
    }

    #[test]
    fn text_renders_nothing_from_the_repository() {
        assert_eq!(text("a|b<script>![i](u) @team"), "a\\|b\\<script\\>\\!\\[i\\]\\(u\\) \\@\u{2060}team");
        assert_eq!(message("`t` on `a`b`"), "`t` on `a`b\\`");
        assert_eq!(message("x `a`![i](u)`"), "x `a`\\!\\[i\\]\\(u\\)\\`");
    }
}
