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
        "{code} {name}\n\ncategory: {cat}    severity: {sev}    status: {status} since {since}    precision: {prec}\nlanguages: {langs}\n\n{summary}\nFix: {fix}\n\n{doc}",
        code = rule.code,
        name = rule.name,
        cat = rule.category,
        sev = rule.severity,
        status = rule.status.as_str(),
        since = rule.since,
        prec = rule.precision.as_str(),
        langs = langs.join(", "),
        summary = rule.summary,
        fix = rule.fix,
        doc = rule.doc.trim_end(),
    ) + "\n"
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
