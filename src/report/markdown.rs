//! `--format markdown`: a short report for a GitHub job summary
//! (`$GITHUB_STEP_SUMMARY`) or a pull request comment: the summary line, a
//! table of counts per rule, then the findings (at most [`MAX_LISTED`]).
//! Text from the scanned repository is escaped so it cannot break the table
//! or inject HTML.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::Report;

/// Findings listed one by one; the rest are only counted.
pub const MAX_LISTED: usize = 50;

/// Renders the Markdown summary.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## pagerproof\n")?;
    writeln!(out, "{}\n", super::summary(report))?;
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
            "- `{}:{}:{}` **{}** {}",
            escape(&d.path).replace('`', "'"),
            d.start.line,
            d.start.column,
            d.rule.code,
            escape(&d.message)
        )?;
    }
    if report.diagnostics.len() > MAX_LISTED {
        writeln!(out, "- and {} more", report.diagnostics.len() - MAX_LISTED)?;
    }
    writeln!(out, "\n</details>")
}

/// Escapes characters that would open HTML or break a table row.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_html_and_pipes() {
        assert_eq!(super::escape("a|b<script>\n"), "a\\|b&lt;script&gt; ");
    }
}
