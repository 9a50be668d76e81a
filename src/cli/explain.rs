//! `pagerproof explain <code|name>`: a rule's metadata and documentation.

use clap::Args;

use super::{ExitStatus, write_stdout};
use crate::registry;
use crate::rule::RuleMeta;
use crate::select::suggest;

/// Arguments of `pagerproof explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`PP201`) or name (`request-without-timeout`).
    pub rule: String,
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
        status = if rule.preview_languages.is_empty() {
            rule.status.as_str().to_string()
        } else {
            let langs: Vec<&str> = rule.preview_languages.iter().map(|l| l.as_str()).collect();
            format!("{} (preview in {})", rule.status.as_str(), langs.join(", "))
        },
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

/// Runs `pagerproof explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    match registry::find(&args.rule) {
        Some(rule) => {
            write_stdout(explain(rule).as_bytes())?;
            Ok(ExitStatus::Clean)
        }
        None => {
            let hint = suggest(&args.rule).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            super::say(&format!(
                "error: no rule is called `{}`{hint}; `pagerproof rules` lists them",
                crate::report::clean(&args.rule)
            ));
            Ok(ExitStatus::Error)
        }
    }
}
