//! `pagerproof explain <code|name|category>`: a rule's metadata and
//! documentation, or a category's rules.

use clap::{Args, ValueEnum};

use super::{ExitStatus, write_stdout};
use crate::registry;
use crate::rule::{Category, RuleMeta};
use crate::select::suggest;

/// Output formats of `pagerproof explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

/// Arguments of `pagerproof explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`PP201`), a rule name (`request-without-timeout`) or a
    /// category (`missing-timeout`, which lists its rules).
    pub rule: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

/// The text `explain` prints for `rule`.
pub fn explain(rule: &RuleMeta) -> String {
    let langs: Vec<&str> = rule.languages.iter().map(|l| l.as_str()).collect();
    format!(
        "{code} {name}\n\ncategory: {cat}    severity: {sev}    status: {status} since {since}    confidence: {conf}\nlanguages: {langs}\n\n{summary}\nFix: {fix}\n\n{doc}",
        code = rule.code,
        name = rule.name,
        cat = rule.category,
        sev = rule.severity,
        status = rule.status_label(),
        since = rule.since,
        conf = confidence_line(rule),
        langs = langs.join(", "),
        summary = rule.summary,
        fix = rule.fix,
        doc = rule.doc.trim_end(),
    ) + "\n"
}

/// The measured confidence in one line: overall, then per language, with
/// the date and what it was measured on.
fn confidence_line(rule: &RuleMeta) -> String {
    let c = rule.confidence();
    if c.judged == 0 {
        return format!("not measured (no findings on {}, {})", c.sets, c.measured_on);
    }
    let parts: Vec<String> =
        c.parts.iter().map(|p| format!("{} {}/{} ({} %)", p.part, p.right, p.judged, p.percent())).collect();
    format!("{} right on unseen code: {}; {}, {}", c.short(), parts.join(", "), c.sets, c.measured_on)
}

/// The text `explain <category>` prints: one line per rule of it.
pub fn explain_category(category: Category) -> String {
    let rules: Vec<&RuleMeta> = registry::all().filter(|r| r.category == category).collect();
    let mut out = format!("{category}: {} rules (`pagerproof explain CODE` shows one)\n\n", rules.len());
    for r in rules {
        let langs: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
        out.push_str(&format!(
            "{}  {}  [{}, {}; {}]\n      {}\n",
            r.code,
            r.name,
            r.severity,
            r.status.as_str(),
            langs.join(", "),
            r.summary
        ));
    }
    out
}

/// One rule as JSON: the fields of `pagerproof rules --format json` plus
/// the Markdown documentation.
fn rule_json(r: &RuleMeta) -> serde_json::Value {
    let mut v = serde_json::to_value(super::rules::row(r)).expect("rule metadata serializes");
    v["doc"] = serde_json::Value::String(r.doc.to_string());
    v
}

/// Runs `pagerproof explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let json = args.format == ExplainFormat::Json;
    let text = if let Some(rule) = registry::find(&args.rule) {
        if json { serde_json::to_string_pretty(&rule_json(rule))? + "\n" } else { explain(rule) }
    } else if let Some(category) = Category::from_name(&args.rule) {
        if json {
            let rules: Vec<serde_json::Value> =
                registry::all().filter(|r| r.category == category).map(rule_json).collect();
            serde_json::to_string_pretty(&serde_json::json!({"category": category.as_str(), "rules": rules}))? + "\n"
        } else {
            explain_category(category)
        }
    } else {
        let hint = suggest(&args.rule).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
        super::say(&format!(
            "error: no rule or category is called `{}`{hint}; `pagerproof rules` lists them",
            crate::report::clean(&args.rule)
        ));
        return Ok(ExitStatus::Error);
    };
    write_stdout(text.as_bytes())?;
    Ok(ExitStatus::Clean)
}
