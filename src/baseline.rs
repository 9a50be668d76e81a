//! Baselines: `pagerproof check --write-baseline FILE` records the current
//! findings; `--baseline FILE` reports only findings not in it.
//!
//! An entry is keyed on the rule, the enclosing symbol and the
//! whitespace-normalised text of the primary line, never on line numbers, so
//! it survives lines added above and a function moved within the file.
//! Identical findings are counted. A finding whose file moved matches an entry
//! whose file no longer exists (a rename). Entries that match nothing are
//! fixed and reported as pruneable. The file is sorted, pretty JSON that
//! diffs well in review. Paths in it are relative to the baseline file's
//! directory, so it matches from any working directory.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// The version of the baseline file format.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// Identical findings (same file, rule, symbol and line text) and how many.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    /// The rule's name, for reviewers (not used to match).
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub symbol: String,
    pub snippet: String,
    pub count: usize,
}

/// Whitespace-normalised line text.
pub fn normalize_snippet(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn key(d: &Diagnostic) -> (String, String, String) {
    (d.rule.code.to_string(), d.symbol.clone().unwrap_or_default(), normalize_snippet(&d.line_text))
}

impl Baseline {
    /// The baseline of `diagnostics`; `path_of` turns a display path into
    /// the path recorded (relative to the baseline's directory).
    pub fn from_diagnostics(diagnostics: &[Diagnostic], path_of: &dyn Fn(&str) -> String) -> Baseline {
        let mut counts: BTreeMap<(String, String, String, String), (usize, &'static str)> = BTreeMap::new();
        for d in diagnostics {
            let (rule, symbol, snippet) = key(d);
            counts.entry((path_of(&d.path), rule, symbol, snippet)).or_insert((0, d.rule.name)).0 += 1;
        }
        let findings = counts
            .into_iter()
            .map(|((path, rule, symbol, snippet), (count, name))| Entry {
                path,
                rule,
                name: name.to_string(),
                symbol,
                snippet,
                count,
            })
            .collect();
        Baseline { version: VERSION, findings }
    }

    /// Pretty, sorted JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("baseline serializes");
        s.push('\n');
        s
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if b.version != VERSION {
            return Err(format!("unsupported baseline version {} (this pagerproof writes {VERSION})", b.version));
        }
        Ok(b)
    }

    /// Splits `diagnostics` into new findings and baselined ones; returns the
    /// new ones and the entries (with the count left) that matched nothing.
    /// `path_of` maps a display path as in [`Baseline::from_diagnostics`];
    /// `dir` (the baseline's directory) resolves entry paths to tell a
    /// renamed file from a present one.
    pub fn filter(&self, diagnostics: Vec<Diagnostic>, path_of: &dyn Fn(&str) -> String, dir: &Path) -> Filtered {
        type Key = (String, (String, String, String));
        let mut left: HashMap<Key, usize> = HashMap::new();
        for e in &self.findings {
            *left.entry((e.path.clone(), (e.rule.clone(), e.symbol.clone(), e.snippet.clone()))).or_insert(0) +=
                e.count;
        }
        let mut unmatched = Vec::new();
        let mut baselined = 0;
        for d in diagnostics {
            match left.get_mut(&(path_of(&d.path), key(&d))) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    baselined += 1;
                }
                _ => unmatched.push(d),
            }
        }
        // Renamed files: an entry whose file is gone matches the same finding
        // in another file.
        let mut new = Vec::new();
        for d in unmatched {
            let k = key(&d);
            let moved = left
                .iter_mut()
                .filter(|((path, ek), n)| **n > 0 && *ek == k && !dir.join(path).exists())
                .min_by(|a, b| a.0.0.cmp(&b.0.0));
            match moved {
                Some((_, n)) => {
                    *n -= 1;
                    baselined += 1;
                }
                None => new.push(d),
            }
        }
        let mut fixed: Vec<Entry> = self
            .findings
            .iter()
            .filter_map(|e| {
                let k = (e.path.clone(), (e.rule.clone(), e.symbol.clone(), e.snippet.clone()));
                let n = left.get_mut(&k)?;
                let take = (*n).min(e.count);
                *n -= take;
                (take > 0).then(|| Entry { count: take, ..e.clone() })
            })
            .collect();
        fixed.sort();
        Filtered { new, baselined, fixed }
    }
}

/// The outcome of [`Baseline::filter`].
#[derive(Debug, Default)]
pub struct Filtered {
    /// Findings not in the baseline.
    pub new: Vec<Diagnostic>,
    /// How many findings the baseline accounted for.
    pub baselined: usize,
    /// Baseline entries that no longer occur (pruneable).
    pub fixed: Vec<Entry>,
}
