//! Baselines: `pagerproof check --write-baseline FILE` records the current
//! findings; `--baseline FILE` reports only findings not in it.
//!
//! A finding's key is its rule, its enclosing symbol and the
//! whitespace-normalised text of its own span (not the line it starts on, so
//! two calls that begin on the same kind of line stay apart), never a line
//! number: it survives lines added above and a function moved within the
//! file. Identical findings are counted per file.
//!
//! Matching is per file. A file that is not in the baseline may be a recorded
//! file under a new name: first as git reports it (`--diff-base`), else by
//! content, when a recorded file has vanished and a file with findings has
//! lines similar enough ([`sketch`]). A finding never matches an entry of
//! another file, so a rename elsewhere cannot absorb a new finding.
//!
//! When a file holds more identical findings than recorded, the surplus is
//! new. Which of the identical ones are reported: those that touch a line
//! added or changed since `--diff-base` first, then the last ones; the
//! surplus is always reported, even when all of them are on unchanged lines.
//!
//! Entries that match nothing are fixed and reported as pruneable. The file
//! is sorted, pretty JSON that diffs well in review, with paths relative to
//! the baseline file's directory, so it matches from any working directory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::Sources;
use crate::diagnostic::Diagnostic;

/// The version of the baseline file format. Version 1 keyed findings on the
/// first line of their statement and matched across files; it is refused.
pub const VERSION: u32 = 2;

/// Normalised span texts longer than this are stored as a prefix and a hash.
const MAX_TEXT: usize = 200;

/// Values kept in a file's content sketch.
const SKETCH_SIZE: usize = 16;

/// The least estimated share of common lines for a vanished recorded file
/// and a new file to be taken as one file renamed (git's default, 50 %).
const SIMILAR: f64 = 0.5;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The format version, [`VERSION`].
    pub version: u32,
    /// One entry per file with findings, sorted by path.
    pub files: Vec<FileEntry>,
}

/// A file's recorded findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the baseline file's directory, `/`-separated.
    pub path: String,
    /// The file's content sketch ([`sketch`]), to recognise it after a
    /// rename that git does not report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sketch: String,
    /// Sorted by rule, symbol and text.
    pub findings: Vec<Entry>,
}

/// Identical findings in one file (same rule, symbol and span text) and how
/// many.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The rule's code.
    pub rule: String,
    /// The rule's name, for reviewers (not used to match).
    #[serde(default)]
    pub name: String,
    /// The enclosing function or class, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub symbol: String,
    /// The finding's span, whitespace-normalised ([`span_text`]).
    pub text: String,
    /// How many identical findings the file holds.
    pub count: usize,
}

/// Whitespace-normalised text.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The whitespace-normalised text of `d`'s span in `source`; a long one is
/// cut to a prefix and the hash of the whole, so the file stays readable
/// while the key still tells long spans apart. Without the source (never in
/// a run) or for an empty span, the primary line stands in.
pub fn span_text(d: &Diagnostic, source: Option<&str>) -> String {
    let raw = source.and_then(|s| s.get(d.span.start as usize..d.span.end as usize)).unwrap_or("");
    let mut text = normalize(raw);
    if text.is_empty() {
        text = normalize(&d.line_text);
    }
    if text.chars().count() <= MAX_TEXT {
        return text;
    }
    let prefix: String = text.chars().take(MAX_TEXT - 24).collect();
    format!("{prefix}… #{:016x}", xxh3_64(text.as_bytes()))
}

/// A content sketch of a file: the [`SKETCH_SIZE`] smallest hashes of its
/// distinct non-blank, whitespace-normalised lines (bottom-k MinHash), as
/// hex. Two sketches estimate the share of lines two files have in common
/// ([`similarity`]), at a few dozen bytes per file.
pub fn sketch(text: &str) -> String {
    sketch_hashes(text).iter().map(|h| format!("{h:08x}")).collect::<Vec<_>>().join(" ")
}

/// The hashes of [`sketch`], sorted.
fn sketch_hashes(text: &str) -> Vec<u32> {
    let mut hashes: Vec<u32> = text
        .lines()
        .map(normalize)
        .filter(|l| !l.is_empty())
        // The high half: the low bits of xxh3 are as good, this is only a
        // fixed choice so that sketches compare across runs.
        .map(|l| (xxh3_64(l.as_bytes()) >> 32) as u32)
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes.truncate(SKETCH_SIZE);
    hashes
}

/// A recorded sketch's hashes, sorted (unreadable ones are left out).
fn parse_sketch(s: &str) -> Vec<u32> {
    let mut hashes: Vec<u32> = s.split(' ').filter_map(|h| u32::from_str_radix(h, 16).ok()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The estimated Jaccard similarity of the line sets behind two sorted
/// sketches (0 when either is empty).
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    // The k smallest of the union are a uniform sample of it; the share of
    // them found in both sets estimates the Jaccard similarity.
    let (mut i, mut j, mut sampled, mut both) = (0, 0, 0, 0);
    while sampled < SKETCH_SIZE && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        sampled += 1;
    }
    if a.is_empty() || b.is_empty() { 0.0 } else { both as f64 / sampled as f64 }
}

/// What identifies identical findings within one file.
type Key = (String, String, String);

fn key(d: &Diagnostic, sources: &Sources) -> Key {
    (d.rule.code.to_string(), d.symbol.clone().unwrap_or_default(), span_text(d, sources.get(&d.path).map(|s| &**s)))
}

/// What [`Baseline::filter`] needs to know about the run.
pub struct Context<'a> {
    /// The baseline's directory: recorded paths are relative to it.
    pub dir: &'a Path,
    /// A display path as recorded (relative to `dir`).
    pub path_of: &'a dyn Fn(&str) -> String,
    /// The text of every file with a finding, by display path.
    pub sources: &'a Sources,
    /// Renames git reports since the merge base, as recorded paths: new →
    /// old.
    pub renames: &'a HashMap<String, String>,
    /// With `--diff-base`: whether a finding touches a line added or changed
    /// since the merge base.
    pub changed: Option<&'a dyn Fn(&Diagnostic) -> bool>,
}

impl Baseline {
    /// The baseline of `diagnostics`; `path_of` turns a display path into
    /// the path recorded (relative to the baseline's directory), `sources`
    /// holds the text of each file with a finding.
    pub fn from_diagnostics(
        diagnostics: &[Diagnostic],
        sources: &Sources,
        path_of: &dyn Fn(&str) -> String,
    ) -> Baseline {
        // Recorded path → (sketch, key → (count, rule name)).
        type Counts = BTreeMap<Key, (usize, &'static str)>;
        let mut files: BTreeMap<String, (String, Counts)> = BTreeMap::new();
        for d in diagnostics {
            let file = files
                .entry(path_of(&d.path))
                .or_insert_with(|| (sources.get(&d.path).map(|s| sketch(s)).unwrap_or_default(), BTreeMap::new()));
            file.1.entry(key(d, sources)).or_insert((0, d.rule.name)).0 += 1;
        }
        let files = files
            .into_iter()
            .map(|(path, (sketch, counts))| FileEntry {
                path,
                sketch,
                findings: counts
                    .into_iter()
                    .map(|((rule, symbol, text), (count, name))| Entry {
                        rule,
                        name: name.to_string(),
                        symbol,
                        text,
                        count,
                    })
                    .collect(),
            })
            .collect();
        Baseline { version: VERSION, files }
    }

    /// Pretty, sorted JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("baseline serializes");
        s.push('\n');
        s
    }

    /// Parses a baseline file's text; another format version is an error
    /// that says how to get a current file.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        // The version first, so an old file gets advice rather than a
        // complaint about fields it was allowed to have.
        #[derive(Deserialize)]
        struct Versioned {
            version: Option<u32>,
        }
        let v: Versioned = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match v.version {
            Some(VERSION) => {}
            Some(old) if old < VERSION => {
                return Err(format!(
                    "it is baseline format version {old}, which matched findings by the first line of their \
                     statement and could hide new ones; this pagerproof reads version {VERSION}: rewrite it with \
                     `pagerproof check --write-baseline FILE` (on the base branch, to record only what is there)"
                ));
            }
            Some(newer) => {
                return Err(format!(
                    "baseline format version {newer} is newer than this pagerproof reads ({VERSION}): update pagerproof"
                ));
            }
            None => return Err("missing field `version`".to_string()),
        }
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// Splits `diagnostics` (sorted, as a run returns them) into new
    /// findings and baselined ones.
    pub fn filter(&self, diagnostics: Vec<Diagnostic>, cx: &Context<'_>) -> Filtered {
        let recorded: BTreeMap<&str, &FileEntry> = self.files.iter().map(|f| (f.path.as_str(), f)).collect();
        // Recorded path of each file with findings, in order.
        let mut by_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, d) in diagnostics.iter().enumerate() {
            by_file.entry((cx.path_of)(&d.path)).or_default().push(i);
        }
        let (matched, renamed) = self.match_files(&recorded, &by_file, &diagnostics, cx);

        let mut is_new = vec![false; diagnostics.len()];
        let mut left: BTreeMap<(&str, Key), usize> = BTreeMap::new();
        for f in &self.files {
            for e in &f.findings {
                *left.entry((f.path.as_str(), (e.rule.clone(), e.symbol.clone(), e.text.clone()))).or_default() +=
                    e.count;
            }
        }
        let mut baselined = 0;
        for (path, indices) in &by_file {
            let mut groups: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
            for &i in indices {
                groups.entry(key(&diagnostics[i], cx.sources)).or_default().push(i);
            }
            for (k, group) in groups {
                let slot = matched.get(path.as_str()).and_then(|file| left.get_mut(&(*file, k)));
                let kept = slot.map_or(0, |n| {
                    let kept = (*n).min(group.len());
                    *n -= kept;
                    kept
                });
                baselined += kept;
                for i in surplus(&group, group.len() - kept, &diagnostics, cx.changed) {
                    is_new[i] = true;
                }
            }
        }
        let mut fixed = Vec::new();
        for f in &self.files {
            for e in &f.findings {
                let n = left.get(&(f.path.as_str(), (e.rule.clone(), e.symbol.clone(), e.text.clone())));
                if let Some(&n) = n.filter(|n| **n > 0) {
                    fixed.push((f.path.clone(), Entry { count: n, ..e.clone() }));
                }
            }
        }
        let new = diagnostics.into_iter().zip(is_new).filter_map(|(d, new)| new.then_some(d)).collect();
        Filtered { new, baselined, fixed, renamed }
    }

    /// The recorded file each current file (by recorded path) is matched to:
    /// its own path, else the old path git reports for it, else a vanished
    /// recorded file with similar content. Returns the matches and the
    /// renames found (old, new).
    fn match_files<'b>(
        &self,
        recorded: &BTreeMap<&'b str, &'b FileEntry>,
        by_file: &BTreeMap<String, Vec<usize>>,
        diagnostics: &[Diagnostic],
        cx: &Context<'_>,
    ) -> (HashMap<String, &'b str>, Vec<(String, String)>) {
        let mut matched: HashMap<String, &'b str> = HashMap::new();
        let mut claimed: HashSet<&str> = HashSet::new();
        for path in by_file.keys() {
            if let Some((&p, _)) = recorded.get_key_value(path.as_str()) {
                matched.insert(path.clone(), p);
                claimed.insert(p);
            }
        }
        let mut renamed = Vec::new();
        for path in by_file.keys() {
            if matched.contains_key(path.as_str()) {
                continue;
            }
            let Some(old) = cx.renames.get(path) else { continue };
            if let Some((&p, _)) = recorded.get_key_value(old.as_str()).filter(|(p, _)| !claimed.contains(**p)) {
                matched.insert(path.clone(), p);
                claimed.insert(p);
                renamed.push((p.to_string(), path.clone()));
            }
        }
        // By content: recorded files that vanished against files with
        // findings that match no recorded file, most similar pairs first.
        let vanished: Vec<(&str, Vec<u32>)> = recorded
            .values()
            .filter(|f| !claimed.contains(f.path.as_str()) && !f.sketch.is_empty() && !cx.dir.join(&f.path).exists())
            .map(|f| (f.path.as_str(), parse_sketch(&f.sketch)))
            .collect();
        let mut pairs = Vec::new();
        // Usually nothing vanished: then no file needs a sketch.
        let unmatched = by_file.iter().filter(|(p, _)| !vanished.is_empty() && !matched.contains_key(p.as_str()));
        for (path, indices) in unmatched {
            let Some(text) = cx.sources.get(&diagnostics[indices[0]].path) else { continue };
            let current = sketch_hashes(text);
            for (old, recorded_sketch) in &vanished {
                let s = similarity(recorded_sketch, &current);
                if s >= SIMILAR {
                    pairs.push((s, *old, path.as_str()));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)).then(a.2.cmp(b.2)));
        for (_, old, new) in pairs {
            if claimed.contains(old) || matched.contains_key(new) {
                continue;
            }
            let (&p, _) = recorded.get_key_value(old).expect("a recorded path");
            matched.insert(new.to_string(), p);
            claimed.insert(p);
            renamed.push((p.to_string(), new.to_string()));
        }
        renamed.sort();
        (matched, renamed)
    }
}

/// Which `count` of the identical findings `group` (in document order) are
/// the new ones: those on added or changed lines first, then the last ones.
fn surplus(
    group: &[usize],
    count: usize,
    diagnostics: &[Diagnostic],
    changed: Option<&dyn Fn(&Diagnostic) -> bool>,
) -> Vec<usize> {
    let mut ranked: Vec<(bool, usize)> =
        group.iter().map(|&i| (changed.is_some_and(|c| c(&diagnostics[i])), i)).collect();
    // Changed before unchanged, later before earlier.
    ranked.sort_by(|a, b| b.cmp(a));
    ranked.into_iter().take(count).map(|(_, i)| i).collect()
}

/// The outcome of [`Baseline::filter`].
#[derive(Debug, Default)]
pub struct Filtered {
    /// Findings not in the baseline, in their original order.
    pub new: Vec<Diagnostic>,
    /// How many findings the baseline accounted for.
    pub baselined: usize,
    /// Baseline entries (with their recorded path) that no longer occur, with
    /// the count left: pruneable.
    pub fixed: Vec<(String, Entry)>,
    /// Recorded files matched under a new path: (old, new).
    pub renamed: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::{parse_sketch, sketch, span_text};
    use crate::diagnostic::Diagnostic;
    use crate::source::{Grammar, SourceFile, Span};

    fn finding(text: &str, start: usize, end: usize) -> Diagnostic {
        let file = SourceFile::new("a.py".into(), PathBuf::from("a.py"), Grammar::Python, Arc::from(text));
        let rule = crate::registry::all().next().expect("a rule");
        Diagnostic::new(rule, &file, Span::new(start, end), "m".into())
    }

    #[test]
    fn span_texts_are_normalised_and_long_ones_hashed() {
        let text = "x = get(\n    url,\n)\n";
        let d = finding(text, 4, 20);
        assert_eq!(span_text(&d, Some(text)), "get( url, )");
        // An empty span keys on its line.
        assert_eq!(span_text(&finding(text, 4, 4), Some(text)), "x = get(");
        let long = format!("f({})\n", "a, ".repeat(100));
        let other = format!("f({}b)\n", "a, ".repeat(99));
        let (l, o) = (finding(&long, 0, long.len() - 1), finding(&other, 0, other.len() - 1));
        let (l, o) = (span_text(&l, Some(&long)), span_text(&o, Some(&other)));
        assert!(l.chars().count() <= super::MAX_TEXT && l.contains("… #"), "{l}");
        assert_ne!(l, o, "same prefix, different spans");
    }

    fn similarity(a: &str, b: &str) -> f64 {
        super::similarity(&parse_sketch(&sketch(a)), &parse_sketch(&sketch(b)))
    }

    #[test]
    fn sketches_estimate_shared_lines() {
        let a: String = (0..40).map(|i| format!("line {i}\n")).collect();
        assert_eq!(similarity(&a, &a), 1.0);
        // Whitespace and blank lines do not count.
        let spaced = a.replace("line ", "line   ").replace('\n', "\n\n");
        assert_eq!(similarity(&a, &spaced), 1.0);
        // 35 of 45 distinct lines shared: about 0.78.
        let edited: String = (5..45).map(|i| format!("line {i}\n")).collect();
        let s = similarity(&a, &edited);
        assert!(s > 0.5 && s < 1.0, "{s}");
        let other: String = (100..140).map(|i| format!("line {i}\n")).collect();
        assert!(similarity(&a, &other) < 0.2);
        assert_eq!(similarity("", &a), 0.0);
        // Small files are compared exactly: 2 of 4 distinct lines shared.
        assert_eq!(similarity("x\ny\nz\n", "y\nz\nw\n"), 0.5);
    }
}
