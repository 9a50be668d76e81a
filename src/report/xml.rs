//! `--format junit` and `--format checkstyle`: the two XML reports CI
//! systems read (Jenkins, GitLab's test reports, Azure Pipelines, Bitbucket
//! and most code-review bots).
//!
//! - JUnit: one `<testsuite>` per rule that ran, one `<testcase>` per file
//!   with findings of that rule, one `<failure>` per finding; a clean run is
//!   one passing test case, so a dashboard shows the check ran.
//! - Checkstyle: one `<file>` per file with findings, one `<error>` per
//!   finding (`severity` is `error`, `warning` or `info`, `source` is
//!   `pagerproof.CODE`).
//!
//! Every value from the scanned repository is escaped by [`escape`]: the five
//! XML specials become entities and characters XML 1.0 forbids (most C0
//! controls) become `\u{..}` text, so a file name or message cannot end an
//! attribute or break the document.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::Report;
use crate::diagnostic::Diagnostic;
use crate::rule::Severity;

/// `s` made safe for XML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Attribute values normalise raw line breaks and tabs to spaces:
            // keep them as character references.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            // Not allowed anywhere in an XML 1.0 document, even as a
            // reference; nor are the two non-characters U+FFFE and U+FFFF.
            c if (c < ' ') || c == '\u{fffe}' || c == '\u{ffff}' => out.extend(c.escape_unicode()),
            // Visible but hazardous on a terminal (bidi overrides, C1).
            c if super::is_hazard(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

fn location(d: &Diagnostic) -> String {
    format!("{}:{}:{}", d.path, d.start.line, d.start.column)
}

/// Writes a JUnit XML report.
pub fn render_junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // rule code → file → findings, in report order.
    let mut by_rule: BTreeMap<&str, BTreeMap<&str, Vec<&Diagnostic>>> = BTreeMap::new();
    for d in &report.diagnostics {
        by_rule.entry(d.rule.code).or_default().entry(d.path.as_str()).or_default().push(d);
    }
    let failures = report.diagnostics.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let tests = by_rule.values().map(BTreeMap::len).sum::<usize>().max(1);
    writeln!(out, r#"<testsuites name="pagerproof" tests="{tests}" failures="{failures}">"#)?;
    if by_rule.is_empty() {
        writeln!(out, r#"  <testsuite name="pagerproof" tests="1" failures="0">"#)?;
        writeln!(
            out,
            r#"    <testcase name="no findings" classname="pagerproof" file="{}"/>"#,
            escape(&format!("{} files checked", report.files_checked))
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for (code, files) in &by_rule {
        let rule = files.values().next().and_then(|v| v.first()).map(|d| d.rule);
        let name = rule.map_or("", |r| r.name);
        let n: usize = files.values().map(Vec::len).sum();
        writeln!(
            out,
            r#"  <testsuite name="{} {}" tests="{}" failures="{n}">"#,
            escape(code),
            escape(name),
            files.len()
        )?;
        for (path, findings) in files {
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{}" file="{}" line="{}">"#,
                escape(path),
                escape(code),
                escape(path),
                findings[0].start.line
            )?;
            for d in findings {
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}: {} ({})&#10;{}</failure>"#,
                    d.severity,
                    escape(&d.message),
                    escape(&location(d)),
                    escape(&d.message),
                    escape(d.rule.name),
                    escape(&d.rule.help_uri())
                )?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Writes a Checkstyle XML report.
pub fn render_checkstyle(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    let mut current: Option<&str> = None;
    for d in &report.diagnostics {
        if current != Some(d.path.as_str()) {
            if current.is_some() {
                writeln!(out, "  </file>")?;
            }
            writeln!(out, r#"  <file name="{}">"#, escape(&d.path))?;
            current = Some(d.path.as_str());
        }
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "info",
        };
        writeln!(
            out,
            r#"    <error line="{}" column="{}" severity="{severity}" message="{}" source="pagerproof.{}"/>"#,
            d.start.line,
            d.start.column,
            escape(&format!("{} ({})", d.message, d.rule.name)),
            escape(d.rule.code)
        )?;
    }
    if current.is_some() {
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn specials_and_forbidden_characters_are_escaped() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\ny\u{1b}[31m\u{0}"), "x&#10;y\\u{1b}[31m\\u{0}");
        assert_eq!(escape("\u{202e}é"), "\\u{202e}é");
    }
}
