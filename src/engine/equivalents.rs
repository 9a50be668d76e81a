//! Other linters' rules that flag the same hazard as a pagerproof rule, and
//! the suppression comments that name them. A team that reviewed a finding
//! and wrote `# noqa: S113`, `# nosec B113`, `# nosemgrep: <id>`,
//! `# pylint: disable=missing-timeout`, `// eslint-disable-next-line
//! no-empty` or `-- squawk-ignore adding-required-field` has already decided
//! about this very line: the equivalent pagerproof finding is suppressed
//! there too (where the directive applies, as for `pagerproof: ignore`).
//!
//! This table is the only place that knows these names: the suppression
//! parser ([`super::suppress`]), the swallowed-exception rules' test for an
//! acknowledged handler, and each rule's doc (checked by a test) read it.
//! A bare directive (`# noqa`, `# nosec`) names no rule and is not honoured
//! here: only a suppression that names the equivalent rule is a review of it.

/// A linter's suppression comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// ruff and flake8: `# noqa: S113, BLE001`.
    Noqa,
    /// bandit: `# nosec B113`.
    Nosec,
    /// pylint: `# pylint: disable=missing-timeout`.
    Pylint,
    /// semgrep: `# nosemgrep: <rule id>`.
    Semgrep,
    /// ESLint and oxlint: `// eslint-disable-next-line no-empty`,
    /// `// eslint-disable-line ...`, `// oxlint-disable-next-line ...`.
    Eslint,
    /// squawk (SQL migrations): `-- squawk-ignore adding-required-field`.
    Squawk,
}

impl Tool {
    /// How the directive is written before its rule ids (lowercase).
    fn markers(self) -> &'static [&'static str] {
        match self {
            Tool::Noqa => &["noqa:"],
            Tool::Nosec => &["nosec"],
            Tool::Pylint => &["pylint: disable=", "pylint:disable=", "pylint: disable-next=", "pylint:disable-next="],
            Tool::Semgrep => &["nosemgrep"],
            Tool::Eslint => {
                &["eslint-disable-next-line", "eslint-disable-line", "oxlint-disable-next-line", "oxlint-disable-line"]
            }
            Tool::Squawk => &["squawk-ignore"],
        }
    }

    /// The directive as a rule's doc shows it, for `id`.
    pub fn directive(self, id: &str) -> String {
        match self {
            Tool::Noqa => format!("# noqa: {id}"),
            Tool::Nosec => format!("# nosec {id}"),
            Tool::Pylint => format!("# pylint: disable={id}"),
            Tool::Semgrep => format!("# nosemgrep: {id}"),
            Tool::Eslint => format!("// eslint-disable-next-line {id}"),
            Tool::Squawk => format!("-- squawk-ignore {id}"),
        }
    }

    const ALL: [Tool; 6] = [Tool::Noqa, Tool::Nosec, Tool::Pylint, Tool::Semgrep, Tool::Eslint, Tool::Squawk];
}

/// pagerproof rule code → another tool's ids for the same hazard.
pub static EQUIVALENTS: &[(&str, Tool, &[&str])] = &[
    ("PP101", Tool::Noqa, &["S110", "S112", "BLE001", "E722", "SIM105"]),
    ("PP101", Tool::Nosec, &["B110", "B112"]),
    ("PP101", Tool::Pylint, &["broad-except", "broad-exception-caught", "bare-except", "W0702", "W0703", "W0718"]),
    ("PP101", Tool::Eslint, &["no-empty"]),
    ("PP102", Tool::Noqa, &["S110", "S112", "BLE001", "E722", "SIM105"]),
    ("PP102", Tool::Nosec, &["B110", "B112"]),
    ("PP102", Tool::Pylint, &["broad-except", "broad-exception-caught", "bare-except", "W0702", "W0703", "W0718"]),
    ("PP103", Tool::Noqa, &["B012"]),
    ("PP103", Tool::Pylint, &["lost-exception", "W0150"]),
    ("PP103", Tool::Eslint, &["no-unsafe-finally"]),
    ("PP104", Tool::Noqa, &["B904"]),
    ("PP104", Tool::Pylint, &["raise-missing-from", "W0707"]),
    ("PP104", Tool::Eslint, &["preserve-caught-error"]),
    ("PP201", Tool::Noqa, &["S113"]),
    ("PP201", Tool::Nosec, &["B113"]),
    ("PP201", Tool::Pylint, &["missing-timeout", "W3101"]),
    (
        "PP201",
        Tool::Semgrep,
        &["python.requests.best-practice.use-timeout.use-timeout", "python.requests.best-practice.use-timeout"],
    ),
    ("PP801", Tool::Squawk, &["require-concurrent-index-creation"]),
    ("PP802", Tool::Squawk, &["ban-concurrent-index-creation-in-transaction"]),
    ("PP803", Tool::Squawk, &["adding-required-field"]),
    ("PP804", Tool::Squawk, &["adding-field-with-default"]),
    ("PP805", Tool::Squawk, &["changing-column-type"]),
    ("PP806", Tool::Squawk, &["constraint-missing-not-valid", "adding-foreign-key-constraint"]),
    ("PP807", Tool::Squawk, &["adding-not-nullable-field"]),
    ("PP808", Tool::Squawk, &["disallowed-unique-constraint"]),
    ("PP809", Tool::Squawk, &["renaming-column", "renaming-table", "ban-drop-column", "ban-drop-table"]),
    ("PP810", Tool::Squawk, &["require-timeout-settings"]),
];

/// The equivalents of `code`, as (tool, ids).
pub fn of(code: &str) -> impl Iterator<Item = (Tool, &'static [&'static str])> + '_ {
    EQUIVALENTS.iter().filter(move |(c, _, _)| *c == code).map(|&(_, t, ids)| (t, ids))
}

/// The pagerproof rule codes whose equivalent a comment's directives name,
/// in table order, without repeats; empty for any other comment.
pub fn codes_named(comment: &str) -> Vec<&'static str> {
    let lower = comment.to_ascii_lowercase();
    let mut codes: Vec<&'static str> = Vec::new();
    for tool in Tool::ALL {
        for id in ids_after_markers(&lower, tool) {
            for &(code, t, ids) in EQUIVALENTS {
                if t == tool && ids.iter().any(|x| x.eq_ignore_ascii_case(id)) && !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
    }
    codes
}

/// True when `comment` names an equivalent of `code`.
pub fn names(comment: &str, code: &str) -> bool {
    codes_named(comment).contains(&code)
}

/// The words after each of `tool`'s markers in `lower`, up to a
/// description (`-- why`, ESLint's and ours) or the end of the comment.
fn ids_after_markers(lower: &str, tool: Tool) -> Vec<&str> {
    let mut ids = Vec::new();
    for marker in tool.markers() {
        for (at, _) in lower.match_indices(marker) {
            let rest = &lower[at + marker.len()..];
            let rest = rest.split("--").next().unwrap_or("");
            let rest = rest.lines().next().unwrap_or("");
            ids.extend(
                rest.split(|c: char| c == ',' || c.is_whitespace())
                    .map(|w| {
                        w.trim_matches(|c: char| matches!(c, ':' | '=' | '*' | '/' | ';' | '(' | ')' | '"' | '\''))
                    })
                    .filter(|w| !w.is_empty()),
            );
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_name_their_equivalents() {
        assert_eq!(codes_named("# noqa: S113"), ["PP201"]);
        assert_eq!(codes_named("# nosec B113 -- timeout set by the session"), ["PP201"]);
        assert_eq!(codes_named("# nosemgrep: python.requests.best-practice.use-timeout.use-timeout"), ["PP201"]);
        assert_eq!(codes_named("# pylint: disable=missing-timeout,W0611"), ["PP201"]);
        assert_eq!(codes_named("// eslint-disable-next-line no-empty -- best effort"), ["PP101"]);
        assert_eq!(codes_named("/* eslint-disable-line no-unsafe-finally */"), ["PP103"]);
        assert_eq!(codes_named("-- squawk-ignore adding-required-field"), ["PP803"]);
        assert_eq!(codes_named("# noqa: E501, B904"), ["PP104"]);
        // Bare directives and other rules name nothing of ours.
        assert!(codes_named("# noqa").is_empty());
        assert!(codes_named("# nosec").is_empty());
        assert!(codes_named("# noqa: E501").is_empty());
        assert!(codes_named("// eslint-disable-next-line no-console").is_empty());
        // Prose after an ESLint description is not an id.
        assert!(codes_named("// eslint-disable-next-line no-console -- no-empty here").is_empty());
        assert!(codes_named("# S113 is ruff's rule").is_empty());
    }

    #[test]
    fn every_rule_doc_lists_its_equivalents() {
        let mut missing = Vec::new();
        for &(code, tool, ids) in EQUIVALENTS {
            let rule = crate::registry::find(code).expect("a rule code");
            for id in ids {
                let shown = tool.directive(id);
                if !rule.doc.contains(&format!("`{shown}`")) {
                    missing.push(format!("rules/{}.md: `{shown}`", rule.name));
                }
            }
        }
        assert!(missing.is_empty(), "rule docs must list the suppressions they honour:\n{}", missing.join("\n"));
    }
}
