//! `--format gitlab`: a GitLab Code Quality report, the JSON array a job
//! publishes with `artifacts: reports: codequality:` so merge requests show
//! the findings inline.
//!
//! ```json
//! [{"description": "...", "check_name": "PP201 request-without-timeout",
//!   "fingerprint": "…", "severity": "major", "location": {"path": "app.py", "lines": {"begin": 4, "end": 4}}}]
//! ```
//!
//! `fingerprint` is [`crate::diagnostic::fingerprints`] (the one SARIF and
//! JSON carry), so GitLab tells new findings from old ones across commits.
//! Severities map `error` → `critical`, `warning` → `major`, `note` → `info`.
//! Notices are not findings and are left out (the text formats show them).

use std::io::{self, Write};

use serde::Serialize;

use crate::Report;
use crate::diagnostic;
use crate::rule::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: String,
    categories: [&'static str; 1],
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// The Code Quality severity of a finding.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

/// Writes the report as a Code Quality JSON array.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = diagnostic::fingerprints(&report.diagnostics);
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| Issue {
            kind: "issue",
            description: format!("{}: {}", d.rule.code, d.message),
            check_name: format!("{} {}", d.rule.code, d.rule.name),
            categories: ["Bug Risk"],
            fingerprint,
            severity: severity(d.severity),
            location: Location { path: &d.path, lines: Lines { begin: d.start.line, end: d.end.line } },
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
