//! `--format sarif`: SARIF 2.1.0, one run, built with `serde-sarif` types.
//!
//! - `tool.driver.rules[]` lists every rule that ran, all text taken from its
//!   [`RuleMeta`]; results point at it by `ruleId` and `ruleIndex`.
//! - Locations are repo-relative URIs under `%SRCROOT%` (absolute `file://`
//!   URIs for files outside the working directory); columns are UTF-16 code
//!   units, the SARIF default `columnKind`.
//! - `partialFingerprints["pagerproof/v1"]` is [`crate::diagnostic::fingerprints`]:
//!   no line numbers, so it survives edits above the finding.
//! - Notices become `invocations[0].toolExecutionNotifications`.
//! - No timestamps or absolute machine paths: the same input gives the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif;

use crate::Report;
use crate::analysis::roles::FileRole;
use crate::diagnostic::{self, Diagnostic, Fix, Notice};
use crate::rule::{RuleMeta, Severity};
use crate::source::Position;

/// The `$schema` of the log.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key; bump the version if the hash ever changes.
pub const FINGERPRINT_KEY: &str = "pagerproof/v1";

/// The URI base id that relative artifact locations are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

/// Region snippets longer than this (bytes) are left out.
const MAX_SNIPPET: usize = 2048;

/// Context regions are left out when they would span more lines than this.
const MAX_CONTEXT_LINES: u32 = 12;

/// GitHub truncates longer `fullDescription`s.
const MAX_FULL_DESCRIPTION: usize = 1024;

/// Renders the report as one SARIF log, ending with a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let log = build(report);
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

/// Builds the SARIF log for `report`.
pub fn build(report: &Report) -> sarif::Sarif {
    let index: BTreeMap<&str, usize> = report.rules.iter().enumerate().map(|(i, r)| (r.code, i)).collect();
    // A finding of a rule missing from `report.rules` (a hand-built report)
    // still gets a descriptor, so every ruleIndex is valid.
    let mut rules: Vec<&'static RuleMeta> = report.rules.clone();
    let mut extra: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &report.diagnostics {
        if !index.contains_key(d.rule.code) && !extra.contains_key(d.rule.code) {
            extra.insert(d.rule.code, rules.len());
            rules.push(d.rule);
        }
    }
    let rule_index = |code: &str| index.get(code).or_else(|| extra.get(code)).copied().unwrap_or(0);

    let fingerprints = diagnostic::fingerprints(&report.diagnostics);
    let results: Vec<sarif::Result> = report
        .diagnostics
        .iter()
        .zip(&fingerprints)
        .map(|(d, fp)| {
            let text = report.sources.get(&d.path).map(|t| &**t);
            // One line index per file, shared by all its results.
            result(
                d,
                fp,
                rule_index(d.rule.code),
                text.zip(report.sources.line_index(&d.path)),
                report.roles.get(&d.path),
                report.databases.get(&d.path).map(String::as_str),
            )
        })
        .collect();

    let driver = sarif::ToolComponent::builder()
        .name("pagerproof")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(crate::REPOSITORY)
        .rules(rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>())
        .build();

    let notifications: Vec<sarif::Notification> = report.notices.iter().map(notification).collect();
    let successful = !report.notices.iter().any(|n| n.kind.is_error());
    let invocation = if notifications.is_empty() {
        sarif::Invocation::builder().execution_successful(successful).build()
    } else {
        sarif::Invocation::builder()
            .execution_successful(successful)
            .tool_execution_notifications(notifications)
            .build()
    };

    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_string(),
        sarif::ArtifactLocation::builder()
            .description(message("The directory pagerproof ran in; result paths are relative to it."))
            .build(),
    );

    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .original_uri_base_ids(base_ids)
        .column_kind(json!("utf16CodeUnits"))
        .results(results)
        .build();

    sarif::Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build()
}

/// `tool.driver.rules[i]`: everything from the rule's declaration.
fn descriptor(rule: &RuleMeta) -> sarif::ReportingDescriptor {
    let mut tags = vec![rule.category.as_str().to_string()];
    tags.extend(rule.languages.iter().map(|l| l.as_str().to_string()));
    let mut extra = BTreeMap::new();
    extra.insert("precision".to_string(), json!(rule.precision().as_str()));
    let confidence = rule.confidence();
    if let Some(percent) = confidence.percent() {
        extra.insert("confidence".to_string(), json!(percent));
        extra.insert("confidenceSample".to_string(), json!(confidence.judged));
    }
    let properties = sarif::PropertyBag::builder().tags(tags).additional_properties(extra).build();
    let full = truncate(&format!("{} {}", sentence(rule.summary), sentence(rule.fix)), MAX_FULL_DESCRIPTION);
    sarif::ReportingDescriptor::builder()
        .id(rule.code)
        .name(pascal_case(rule.name))
        .short_description(multiformat(&sentence(rule.summary)))
        .full_description(multiformat(&full))
        .help(sarif::MultiformatMessageString::builder().text(rule.doc).markdown(rule.doc).build())
        .help_uri(rule.help_uri())
        .default_configuration(sarif::ReportingConfiguration::builder().level(json!(level(rule.severity))).build())
        .properties(properties)
        .build()
}

/// One result: rule, level, message, location, fingerprint, fix, and the
/// file's role in `properties` (`role`, `roleReason`), and in a migration
/// whose engine is known, `database`.
fn result(
    d: &Diagnostic,
    fingerprint: &str,
    rule_index: usize,
    text: Option<(&str, &crate::source::LineIndex)>,
    role: Option<&FileRole>,
    database: Option<&str>,
) -> sarif::Result {
    let spans = Spans::new(d, text);
    let mut partial = BTreeMap::new();
    partial.insert(FINGERPRINT_KEY.to_string(), fingerprint.to_string());
    let mut physical =
        sarif::PhysicalLocation::builder().artifact_location(artifact(&d.path)).region(region(d.start, d.end)).build();
    spans.add_snippets(&mut physical);
    let location = sarif::Location::builder().physical_location(physical).build();
    let related: Vec<sarif::Location> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            sarif::Location::builder()
                .id(i as i64)
                .message(message(&sentence(&l.message)))
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(artifact(&d.path))
                        .region(spans.region(l.span))
                        .build(),
                )
                .build()
        })
        .collect();
    let builder = sarif::Result::builder()
        .rule_id(d.rule.code)
        .rule_index(rule_index as i64)
        .level(match d.severity {
            Severity::Error => sarif::ResultLevel::Error,
            Severity::Warning => sarif::ResultLevel::Warning,
            Severity::Note => sarif::ResultLevel::Note,
        })
        .message(message(&sentence(&d.message)))
        .locations(vec![location])
        .partial_fingerprints(partial);
    let mut result = builder.build();
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    if let Some(fix) = &d.fix {
        result.fixes = Some(vec![sarif_fix(d, fix, &spans)]);
    }
    let production = FileRole::production();
    let role = role.unwrap_or(&production);
    let mut extra = BTreeMap::new();
    extra.insert("role".to_string(), json!(role.role.as_str()));
    extra.insert("roleReason".to_string(), json!(role.reason));
    if let Some(db) = database {
        extra.insert("database".to_string(), json!(db));
    }
    result.properties = Some(sarif::PropertyBag::builder().additional_properties(extra).build());
    result
}

/// A region from resolved positions (1-based lines, UTF-16 columns).
fn region(start: Position, end: Position) -> sarif::Region {
    sarif::Region::builder()
        .start_line(start.line as i64)
        .start_column(start.column_utf16 as i64)
        .end_line(end.line as i64)
        .end_column(end.column_utf16 as i64)
        .build()
}

/// Resolves secondary spans (labels, fix edits) of one diagnostic's file. Only
/// the primary span comes resolved in a [`Diagnostic`]; others are resolved
/// against the file text kept in the report, or fall back to byte offsets.
struct Spans<'a> {
    d: &'a Diagnostic,
    text: Option<&'a str>,
    /// The file's line index, shared by every result of the file.
    index: Option<&'a crate::source::LineIndex>,
}

impl<'a> Spans<'a> {
    fn new(d: &'a Diagnostic, text: Option<(&'a str, &'a crate::source::LineIndex)>) -> Spans<'a> {
        Spans { d, text: text.map(|t| t.0), index: text.map(|t| t.1) }
    }

    /// Adds the primary span's text as the region's snippet and the lines
    /// around it as the context region (viewers show them without the file).
    fn add_snippets(&self, physical: &mut sarif::PhysicalLocation) {
        let (Some(text), Some(index)) = (self.text, self.index) else { return };
        let d = self.d;
        if let (Some(region), Some(snippet)) =
            (physical.region.as_mut(), text.get(d.span.start as usize..d.span.end as usize))
            && snippet.len() <= MAX_SNIPPET
        {
            region.snippet = Some(sarif::ArtifactContent::builder().text(snippet).build());
        }
        let first = d.start.line.saturating_sub(1).max(1);
        // A final newline ends the last line; it does not start another.
        let lines = index.line_count() - usize::from(text.ends_with('\n') && index.line_count() > 1);
        let last = (d.end.line + 1).min(lines.max(1) as u32);
        if last < first || last - first > MAX_CONTEXT_LINES {
            return;
        }
        let mut context = String::new();
        for line in first..=last {
            context.push_str(index.line_text(text, line as usize - 1));
            context.push('\n');
        }
        physical.context_region = Some(
            sarif::Region::builder()
                .start_line(first as i64)
                .end_line(last as i64)
                .snippet(sarif::ArtifactContent::builder().text(context).build())
                .build(),
        );
    }

    fn region(&self, span: crate::source::Span) -> sarif::Region {
        if span == self.d.span {
            return region(self.d.start, self.d.end);
        }
        match (self.text, self.index) {
            (Some(text), Some(index)) if span.end as usize <= text.len() => {
                region(index.position(text, span.start), index.position(text, span.end))
            }
            _ => sarif::Region::builder().byte_offset(span.start as i64).byte_length(span.len() as i64).build(),
        }
    }
}

fn sarif_fix(d: &Diagnostic, fix: &Fix, spans: &Spans<'_>) -> sarif::Fix {
    let replacements: Vec<sarif::Replacement> = fix
        .edits
        .iter()
        .map(|e| {
            sarif::Replacement::builder()
                .deleted_region(spans.region(e.span))
                .inserted_content(sarif::ArtifactContent::builder().text(e.content.clone()).build())
                .build()
        })
        .collect();
    // SARIF has no word for how far a fix can be trusted: say it in the
    // property bag, in the same words as JSON and `--fix`.
    let mut extra = BTreeMap::new();
    extra.insert("applicability".to_string(), json!(fix.applicability.as_str()));
    sarif::Fix::builder()
        .description(message(&sentence(&fix.description)))
        .artifact_changes(vec![
            sarif::ArtifactChange::builder().artifact_location(artifact(&d.path)).replacements(replacements).build(),
        ])
        .properties(sarif::PropertyBag::builder().additional_properties(extra).build())
        .build()
}

/// A notice as a tool execution notification.
fn notification(n: &Notice) -> sarif::Notification {
    // Line only: `Notice::column` counts characters, not UTF-16 code units.
    let mut physical = sarif::PhysicalLocation::builder().artifact_location(artifact(&n.path)).build();
    if let Some(line) = n.line {
        physical.region = Some(sarif::Region::builder().start_line(line as i64).build());
    }
    let mut extra = BTreeMap::new();
    extra.insert("kind".to_string(), json!(n.kind.as_str()));
    sarif::Notification::builder()
        .level(json!(if n.kind.is_error() { "error" } else { "warning" }))
        .message(message(&sentence(&n.message)))
        .locations(vec![sarif::Location::builder().physical_location(physical).build()])
        .properties(sarif::PropertyBag::builder().additional_properties(extra).build())
        .build()
}

/// A relative path under `%SRCROOT%`, or an absolute `file://` URI.
fn artifact(path: &str) -> sarif::ArtifactLocation {
    let is_windows_drive = path.len() > 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic();
    if path.starts_with('/') {
        sarif::ArtifactLocation::builder().uri(format!("file://{}", encode_uri_path(path))).build()
    } else if is_windows_drive {
        let (drive, rest) = path.split_at(2);
        sarif::ArtifactLocation::builder().uri(format!("file:///{drive}{}", encode_uri_path(rest))).build()
    } else {
        sarif::ArtifactLocation::builder().uri(encode_uri_path(path)).uri_base_id(SRCROOT).build()
    }
}

/// Percent-encodes a `/`-separated path for use as a URI reference: keeps
/// RFC 3986 unreserved characters, `/` and a few safe sub-delimiters (never
/// `:`, which could make a relative path read as a scheme).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn message(text: &str) -> sarif::Message {
    sarif::Message::builder().text(text).build()
}

fn multiformat(text: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(text).build()
}

fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

/// SARIF messages are full sentences ending with a period (SARIF2001); our
/// messages and hints are written without one.
fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) { t.to_string() } else { format!("{t}.") }
}

/// `jump-in-finally` → `JumpInFinally` (SARIF rule names are Pascal case).
pub fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
            first.chain(chars).collect::<String>()
        })
        .collect()
}

/// Cuts `s` to at most `max` bytes on a char boundary, ending with `…`.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal_case("jump-in-finally"), "JumpInFinally");
        assert_eq!(encode_uri_path("src/a b/ü#1.py"), "src/a%20b/%C3%BC%231.py");
        assert_eq!(artifact("C:/x/y.py").uri.as_deref(), Some("file:///C:/x/y.py"));
        assert_eq!(artifact("/x/a b.py").uri.as_deref(), Some("file:///x/a%20b.py"));
        assert_eq!(encode_uri_path("a:b.py"), "a%3Ab.py");
        assert_eq!(sentence("Broken"), "Broken.");
        assert_eq!(sentence("Done."), "Done.");
        let long = "é".repeat(600);
        let cut = truncate(&long, 1024);
        assert!(cut.len() <= 1024 && cut.ends_with('…'));
    }
}
