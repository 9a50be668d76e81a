//! `pagerproof rules`: every rule, as a table or JSON.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{ExitStatus, write_stdout};
use crate::registry;
use crate::rule::RuleMeta;

/// Output formats of `pagerproof rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

/// Arguments of `pagerproof rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

#[derive(Serialize)]
struct RuleRow<'a> {
    code: &'a str,
    name: &'a str,
    category: &'a str,
    severity: &'a str,
    status: &'a str,
    since: &'a str,
    languages: Vec<&'a str>,
    /// Languages whose side of a stable rule still needs `--preview`.
    preview_languages: Vec<&'a str>,
    confidence: String,
    summary: &'a str,
    fix: &'a str,
    help_uri: String,
}

fn row(r: &'static RuleMeta) -> RuleRow<'static> {
    RuleRow {
        code: r.code,
        name: r.name,
        category: r.category.as_str(),
        severity: r.severity.as_str(),
        status: r.status.as_str(),
        since: r.since,
        languages: r.languages.iter().map(|l| l.as_str()).collect(),
        preview_languages: r.preview_languages.iter().map(|l| l.as_str()).collect(),
        confidence: r.confidence().short(),
        summary: r.summary,
        fix: r.fix,
        help_uri: r.help_uri(),
    }
}

/// `stable`, `preview`, or a stable rule whose side for some languages is
/// still preview: `stable (preview: typescript,rust)`.
fn status_cell(r: &RuleRow) -> String {
    if r.preview_languages.is_empty() {
        r.status.to_string()
    } else {
        format!("{} (preview: {})", r.status, r.preview_languages.join(","))
    }
}

/// The table `pagerproof rules` prints.
pub fn table() -> String {
    let rows: Vec<RuleRow> = registry::all().map(row).collect();
    let mut out = String::new();
    let header = ["CODE", "NAME", "CATEGORY", "SEVERITY", "LANGUAGES", "STATUS", "CONFIDENCE"];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.code.to_string(),
                r.name.to_string(),
                r.category.to_string(),
                r.severity.to_string(),
                r.languages.join(","),
                status_cell(r),
                r.confidence.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for c in &cells {
        for (w, s) in widths.iter_mut().zip(c) {
            *w = (*w).max(s.len());
        }
    }
    let mut line = |cols: [&str; 7]| {
        let parts: Vec<String> = cols.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(header);
    for c in &cells {
        line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6]]);
    }
    out
}

/// Runs `pagerproof rules`.
pub fn run(args: RulesArgs) -> anyhow::Result<ExitStatus> {
    let text = match args.format {
        RulesFormat::Table => table(),
        RulesFormat::Json => {
            let rows: Vec<RuleRow> = registry::all().map(row).collect();
            serde_json::to_string_pretty(&rows)? + "\n"
        }
    };
    write_stdout(text.as_bytes())?;
    Ok(ExitStatus::Clean)
}
