//! How often each rule's findings are right on code nobody on the team had
//! read: the measured confidence that `pagerproof rules`, `explain`, the rule
//! docs, JSON and SARIF publish (SARIF's `precision` is derived from it).
//!
//! The figures come from `docs/evaluation.md`: findings on evaluation sets
//! chosen by a rule written down before looking, judged blind (the judge saw
//! the finding and the repository, not the rule's code) with the question
//! "would a senior engineer on this team change this, or accept a
//! suppression with a written reason?". Only numbers from that split go
//! here; a rule tuned on a repository is never measured on it. Update this
//! table, and only from a new evaluation, when a rule changes.

use serde::Serialize;

/// The date of the evaluation the table holds.
pub const MEASURED_ON: &str = "2026-12-05";

/// The evaluation sets the table sums (see `docs/evaluation.md`).
pub const SETS: &str = "the fifty-one services of evaluation sets 1 to 8";

/// What a rule's side for one language scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measured {
    /// `python`, `typescript`, `javascript`, `rust`, or `migration` (SQL and
    /// ORM migrations, whatever their language).
    pub part: &'static str,
    /// Findings a judge called right.
    pub right: u32,
    /// Findings judged.
    pub judged: u32,
}

impl Measured {
    /// Right / judged, in percent, rounded down.
    pub fn percent(&self) -> u32 {
        (self.right * 100).checked_div(self.judged).unwrap_or(0)
    }
}

const fn m(part: &'static str, right: u32, judged: u32) -> Measured {
    Measured { part, right, judged }
}

/// Per rule code, per language, summed over the sets: set 1 judged on the
/// build with file roles, migration scope and the SQL front end; sets 2 and
/// 3 on the build with every evidence layer; set 4 on the build with
/// function summaries and the grown catalog; set 5 on `c004cc5` (database
/// engine, reachability roles, Rust summaries, summaries for secrets,
/// swallowed errors and fan-out); set 6 on `7516c2d` (local endpoints,
/// pytest suites, optional-file intent, upgrade scripts, collection size in
/// Rust, retry and fan-out summaries); set 7 on `1fb06b3` (browser modules
/// by their imports, command-line packages, pages of a query, error-body
/// fallbacks, record text forms, stepped ranges, where a Rust client
/// flows); set 8 on `28bfab7`, scanned in git clones (migration scope from
/// release tags, browser packages, Rust test-support crates and test-only
/// items, shared retry-loop facts, local options objects). Rules absent
/// here had no findings on any set.
const TABLE: &[(&str, &[Measured])] = &[
    ("PP101", &[m("python", 14, 62), m("typescript", 18, 84), m("javascript", 0, 8)]),
    ("PP102", &[m("python", 1, 26), m("rust", 0, 24)]),
    ("PP103", &[m("typescript", 1, 2), m("python", 1, 1)]),
    ("PP104", &[m("python", 11, 34), m("typescript", 28, 60)]),
    ("PP201", &[m("python", 64, 93), m("typescript", 42, 96), m("javascript", 0, 10), m("rust", 18, 48)]),
    ("PP202", &[m("python", 9, 27), m("typescript", 1, 2), m("rust", 5, 17)]),
    ("PP301", &[m("python", 1, 4), m("rust", 2, 22), m("typescript", 0, 1)]),
    ("PP302", &[m("python", 1, 2), m("rust", 0, 3)]),
    ("PP303", &[m("python", 1, 3)]),
    ("PP401", &[m("python", 13, 26), m("typescript", 19, 23), m("rust", 9, 36)]),
    ("PP501", &[m("python", 8, 96), m("typescript", 5, 66), m("rust", 0, 24), m("javascript", 0, 3)]),
    ("PP502", &[m("python", 14, 51)]),
    ("PP601", &[m("typescript", 0, 2), m("javascript", 0, 1), m("rust", 7, 63), m("python", 0, 1)]),
    ("PP602", &[m("typescript", 11, 71), m("rust", 0, 1), m("python", 0, 1)]),
    ("PP701", &[m("python", 0, 1), m("typescript", 1, 4)]),
    ("PP702", &[m("python", 1, 2), m("typescript", 0, 1)]),
    ("PP801", &[m("migration", 0, 13)]),
    ("PP803", &[m("migration", 2, 14)]),
    ("PP805", &[m("migration", 1, 14)]),
    ("PP807", &[m("migration", 0, 2)]),
    ("PP808", &[m("migration", 0, 2)]),
    ("PP809", &[m("migration", 5, 16)]),
    ("PP810", &[m("migration", 7, 60)]),
];

/// A rule's measured confidence: per language, and in all.
#[derive(Debug, Clone, Serialize)]
pub struct Confidence {
    pub measured_on: &'static str,
    pub sets: &'static str,
    pub parts: &'static [Measured],
    pub right: u32,
    pub judged: u32,
}

impl Confidence {
    /// Right / judged over every language, in percent; `None` when nothing
    /// was judged.
    pub fn percent(&self) -> Option<u32> {
        (self.judged > 0).then(|| self.right * 100 / self.judged)
    }

    /// One short cell: `22/24 (91 %)`, or `not measured`.
    pub fn short(&self) -> String {
        match self.percent() {
            Some(p) => format!("{}/{} ({p} %)", self.right, self.judged),
            None => "not measured".to_string(),
        }
    }
}

/// The measured confidence of the rule with `code`.
pub fn of(code: &str) -> Confidence {
    let parts: &'static [Measured] = TABLE.iter().find(|(c, _)| *c == code).map_or(&[], |(_, p)| p);
    Confidence {
        measured_on: MEASURED_ON,
        sets: SETS,
        parts,
        right: parts.iter().map(|p| p.right).sum(),
        judged: parts.iter().map(|p| p.judged).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_percentages() {
        let c = of("PP201");
        assert_eq!((c.right, c.judged), (124, 247));
        assert_eq!(c.percent(), Some(50));
        assert_eq!(c.parts[0].percent(), 68);
        assert_eq!(of("PP806").percent(), None);
        assert_eq!(of("PP806").short(), "not measured");
    }

    #[test]
    fn every_code_in_the_table_is_a_rule() {
        for (code, _) in TABLE {
            assert!(crate::registry::all().any(|r| r.code == *code), "{code} is not a rule");
        }
    }
}
