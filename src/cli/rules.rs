//! `pagerproof rules`: every rule, as a table or JSON.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{ExitStatus, write_stdout};
use crate::registry;
use crate::rule::{Category, RuleMeta, Status};
use crate::source::Language;

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
    /// Only rules of this category (`missing-timeout`, ...).
    #[arg(long, value_name = "CATEGORY", value_parser = parse_category)]
    pub category: Option<Category>,
    /// Only rules for this language.
    #[arg(long, value_enum, value_name = "LANGUAGE")]
    pub language: Option<LanguageName>,
    /// Only stable (on by default) or preview (`--preview`) rules.
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusName>,
}

/// `rules --language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LanguageName {
    Python,
    Typescript,
    Javascript,
    Rust,
    Sql,
}

impl LanguageName {
    fn language(self) -> Language {
        match self {
            LanguageName::Python => Language::Python,
            LanguageName::Typescript => Language::TypeScript,
            LanguageName::Javascript => Language::JavaScript,
            LanguageName::Rust => Language::Rust,
            LanguageName::Sql => Language::Sql,
        }
    }
}

/// `rules --status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusName {
    Stable,
    Preview,
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        format!("no category is called `{s}`; categories: {}", names.join(", "))
    })
}

impl RulesArgs {
    /// True when `rule` passes every filter given.
    fn keeps(&self, rule: &RuleMeta) -> bool {
        self.category.is_none_or(|c| rule.category == c)
            && self.language.is_none_or(|l| rule.supports(l.language()))
            && self
                .status
                .is_none_or(|s| rule.status == if s == StatusName::Stable { Status::Stable } else { Status::Preview })
    }
}

/// One rule as `rules --format json` (and `explain --format json`) shows it.
#[derive(Serialize)]
pub struct RuleRow<'a> {
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

/// The row of `r`.
pub fn row(r: &RuleMeta) -> RuleRow<'_> {
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

/// The table `pagerproof rules` prints.
pub fn table() -> String {
    table_of(registry::all())
}

fn table_of(rules: impl Iterator<Item = &'static RuleMeta>) -> String {
    let metas: Vec<&'static RuleMeta> = rules.collect();
    let rows: Vec<RuleRow> = metas.iter().copied().map(row).collect();
    let mut out = String::new();
    let header = ["CODE", "NAME", "CATEGORY", "SEVERITY", "LANGUAGES", "STATUS", "CONFIDENCE"];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .zip(&metas)
        .map(|(r, meta)| {
            [
                r.code.to_string(),
                r.name.to_string(),
                r.category.to_string(),
                r.severity.to_string(),
                r.languages.join(","),
                meta.status_label(),
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
    let rules = registry::all().filter(|r| args.keeps(r));
    let text = match args.format {
        RulesFormat::Table => table_of(rules),
        RulesFormat::Json => {
            let rows: Vec<RuleRow> = rules.map(row).collect();
            serde_json::to_string_pretty(&rows)? + "\n"
        }
    };
    write_stdout(text.as_bytes())?;
    Ok(ExitStatus::Clean)
}
