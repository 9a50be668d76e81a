//! Inline suppressions: `# pagerproof: ignore[CODE-or-name] -- reason` (`//` in
//! TS/JS) on the finding's line or on comment lines directly above it, and
//! `pagerproof: ignore-file[...]` before the first line of code. Suppressions
//! that match nothing, or name no rule, are findings of their own.

use tree_sitter::Node;

use crate::diagnostic::Diagnostic;
use crate::registry;
use crate::rule::{Category, RuleMeta};
use crate::source::{SourceFile, Span};

crate::declare_rule! {
    pub static UNUSED_SUPPRESSION = {
        code: "PP001",
        name: "unused-suppression",
        category: Suppression,
        severity: Warning,
        status: Stable,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A suppression comment that matches no finding",
        fix: "Delete the suppression, or move it to the line the finding is on",
    }
}

crate::declare_rule! {
    pub static INVALID_SUPPRESSION = {
        code: "PP002",
        name: "invalid-suppression",
        category: Suppression,
        severity: Warning,
        status: Stable,
        since: "0.1.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A suppression comment that names no rule or is malformed",
        fix: "Name a rule code, rule name or category, as in `pagerproof: ignore[PP201] -- reason`",
    }
}

/// One parsed suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The comment's span.
    pub span: Span,
    /// 1-based line of the comment.
    pub line: u32,
    /// True when nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
    /// `ignore-file[...]`.
    pub file_level: bool,
    /// Codes, names or categories; never empty for a valid directive.
    pub targets: Vec<String>,
    /// The text after `--`, if any.
    pub reason: Option<String>,
    /// Set when the comment holds a directive that does not parse.
    pub error: Option<String>,
    /// Another linter's directive naming an equivalent rule (see
    /// [`super::equivalents`]): it suppresses like ours, but its hygiene
    /// (unused, no reason) is that tool's business, not ours.
    pub foreign: bool,
}

const MARKER: &str = "pagerproof:";

/// Parses a comment node; `None` when it is not a pagerproof directive.
pub fn parse(node: Node<'_>, file: &SourceFile) -> Option<Suppression> {
    parse_span(Span::of(node), file)
}

/// Parses the comment at `span` (used where comments are not tree nodes, as
/// in SQL and Rust); `None` when it is not a pagerproof directive.
///
/// Only `pagerproof: ignore[...]` and `pagerproof: ignore-file[...]` are
/// directives. A word glued to `[` after the marker (`pagerproof: ignroe[..]`)
/// is a misspelt one and malformed; anything else after the marker is prose
/// that mentions the tool (`//! pagerproof: a linter that ...`), not a
/// directive at all.
pub fn parse_span(span: Span, file: &SourceFile) -> Option<Suppression> {
    let text = span.text(&file.text);
    let Some(at) = find_marker(text) else { return foreign(span, file, text) };
    let rest = text[at + MARKER.len()..].trim_start();
    let rest = rest.trim_end_matches("*/").trim_end();
    let word_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_len);
    let file_level = match word {
        "ignore-file" => true,
        "ignore" => false,
        _ if !word.is_empty() && after.starts_with('[') => false,
        _ => return None,
    };
    let (line, own_line) = placement(span, file);
    let mut s = Suppression {
        span,
        line,
        own_line,
        file_level,
        targets: Vec::new(),
        reason: None,
        error: None,
        foreign: false,
    };
    if word != "ignore" && word != "ignore-file" {
        s.error = Some(format!("unknown directive `{word}` (only `ignore[...]` and `ignore-file[...]` exist)"));
        return Some(s);
    }
    let Some(inner) = after.trim_start().strip_prefix('[') else {
        s.error = Some(format!("`{word}` needs the rules it suppresses, as in `pagerproof: {word}[PP201] -- reason`"));
        return Some(s);
    };
    let Some(close) = inner.find(']') else {
        s.error = Some(format!("`{word}[` is not closed with `]`"));
        return Some(s);
    };
    s.targets = inner[..close].split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    if s.targets.is_empty() {
        s.error = Some(format!("`{word}[]` names no rule"));
        return Some(s);
    }
    let after = inner[close + 1..].trim_start();
    if let Some(reason) = after.strip_prefix("--") {
        let reason = reason.trim();
        if !reason.is_empty() {
            s.reason = Some(reason.to_string());
        }
    } else if !after.is_empty() && !after.starts_with('#') && !after.starts_with("//") && !after.starts_with("--") {
        s.error = Some("expected `-- reason` after the rule list".to_string());
    }
    Some(s)
}

/// The comment's 1-based line, and whether only whitespace precedes it there.
fn placement(span: Span, file: &SourceFile) -> (u32, bool) {
    let start = file.lines.position(&file.text, span.start);
    let line_start = file.lines.line_start(start.line as usize - 1) as usize;
    (start.line, file.text[line_start..span.start as usize].trim().is_empty())
}

/// Another linter's directive that names an equivalent of our rules, as a
/// suppression of those rules; `None` for any other comment.
fn foreign(span: Span, file: &SourceFile, text: &str) -> Option<Suppression> {
    let codes = super::equivalents::codes_named(text);
    if codes.is_empty() {
        return None;
    }
    let (line, own_line) = placement(span, file);
    Some(Suppression {
        span,
        line,
        own_line,
        file_level: false,
        targets: codes.into_iter().map(str::to_string).collect(),
        reason: None,
        error: None,
        foreign: true,
    })
}

/// Byte offset of the first `pagerproof:` that opens a comment: the word
/// before it on its line is a comment leader (`#`, `//`, `///`, `//!`, `/*`,
/// `*`, `--`), or nothing. That takes `x = 1  # note  # pagerproof: ...` and
/// leaves a mention in prose or backticks (a doc that quotes the syntax, as in
/// `` `-- pagerproof: ignore[...]` ``) alone.
fn find_marker(text: &str) -> Option<usize> {
    text.match_indices(MARKER).map(|(at, _)| at).find(|&at| {
        let line = text[..at].rsplit('\n').next().unwrap_or("");
        line.split_whitespace()
            .next_back()
            .is_none_or(|word| word.chars().all(|c| matches!(c, '#' | '/' | '*' | '-' | '!')))
    })
}

/// True when `target` (a code, name or category) names `rule`.
pub fn matches(target: &str, rule: &RuleMeta) -> bool {
    target.eq_ignore_ascii_case(rule.code) || target == rule.name || target == rule.category.as_str()
}

/// True when `target` names any known rule or category.
pub fn is_known(target: &str) -> bool {
    registry::all().any(|r| matches(target, r)) || Category::from_name(target).is_some() || target == "suppression"
}

/// The project's suppression policy (from the config).
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// A suppression without `-- reason` is an `invalid-suppression` finding
    /// (it still suppresses, so the one finding left is about the comment).
    pub require_reason: bool,
}

/// Filters `diagnostics` through `suppressions`, then appends findings for
/// suppressions that are unused or invalid. `enabled` says whether a rule ran
/// (a suppression of a rule that did not run is not called unused).
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    suppressions: &[Suppression],
    file: &SourceFile,
    enabled: &dyn Fn(&RuleMeta) -> bool,
    policy: Policy,
) -> Vec<Diagnostic> {
    if suppressions.is_empty() {
        return diagnostics;
    }
    let first_code_line = first_code_line(file, suppressions);
    let index = Index::new(suppressions, file, first_code_line);
    let mut used = vec![false; suppressions.len()];
    let mut kept = Vec::with_capacity(diagnostics.len());
    // Findings of one rule on one line have one answer.
    let mut answered: foldhash::HashMap<(u32, &'static str), Option<usize>> = foldhash::HashMap::default();
    for d in diagnostics {
        let hit =
            *answered.entry((d.start.line, d.rule.code)).or_insert_with(|| index.first_match(d.start.line, d.rule));
        match hit {
            Some(i) => used[i] = true,
            None => kept.push(d),
        }
    }
    for (i, s) in suppressions.iter().enumerate() {
        if s.foreign {
            continue;
        }
        if let Some(err) = &s.error {
            if enabled(&INVALID_SUPPRESSION) {
                kept.push(Diagnostic::new(
                    &INVALID_SUPPRESSION,
                    file,
                    s.span,
                    format!("Malformed suppression: {err}, so it suppresses nothing"),
                ));
            }
            continue;
        }
        if let Some(bad) = s.targets.iter().find(|t| !is_known(t)) {
            if enabled(&INVALID_SUPPRESSION) {
                kept.push(Diagnostic::new(
                    &INVALID_SUPPRESSION,
                    file,
                    s.span,
                    format!(
                        "`{bad}` is not a pagerproof rule code, name or category, so the suppression has no effect"
                    ),
                ));
            }
            continue;
        }
        if s.file_level && s.line > first_code_line {
            if enabled(&INVALID_SUPPRESSION) {
                kept.push(Diagnostic::new(
                    &INVALID_SUPPRESSION,
                    file,
                    s.span,
                    "`ignore-file` below the first line of code has no effect; it must come before any code"
                        .to_string(),
                ));
            }
            continue;
        }
        if policy.require_reason && s.reason.is_none() && enabled(&INVALID_SUPPRESSION) {
            kept.push(Diagnostic::new(
                &INVALID_SUPPRESSION,
                file,
                s.span,
                "Suppression without `-- reason`, which this project's config requires, so nobody can tell later \
                 whether the hidden finding is still safe to ignore"
                    .to_string(),
            ));
        }
        let ran = registry::all().any(|r| s.targets.iter().any(|t| matches(t, r)) && enabled(r));
        if !used[i] && ran && enabled(&UNUSED_SUPPRESSION) {
            kept.push(Diagnostic::new(
                &UNUSED_SUPPRESSION,
                file,
                s.span,
                format!(
                    "Suppression of `{}` matches no finding here, so it would silently hide a new one",
                    s.targets.join("`, `")
                ),
            ));
        }
    }
    kept
}

/// 1-based line of the first line that is neither blank nor only a comment;
/// `ignore-file` directives must come before it.
fn first_code_line(file: &SourceFile, _suppressions: &[Suppression]) -> u32 {
    for line in 0..file.lines.line_count() {
        let t = file.lines.line_text(&file.text, line).trim();
        let is_comment = t.is_empty()
            || t.starts_with('#')
            || t.starts_with("//")
            || t.starts_with("--")
            || t.starts_with("/*")
            || t.starts_with('*')
            || t.starts_with("\"use ")
            || t.starts_with("'use ");
        if !is_comment {
            return line as u32 + 1;
        }
    }
    u32::MAX
}

fn is_comment_line(file: &SourceFile, line: u32) -> bool {
    if line == 0 {
        return false;
    }
    let t = file.lines.line_text(&file.text, line as usize - 1).trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with("--") || t.starts_with("/*") || t.starts_with('*')
}

/// The valid suppressions of a file by where they apply, so a finding is
/// matched against the few that can apply to its line rather than against
/// every suppression of the file (200,000 suppressions and as many findings
/// would otherwise take minutes).
struct Index<'s> {
    suppressions: &'s [Suppression],
    /// `ignore-file` directives above the first line of code.
    file_level: Vec<usize>,
    /// Line-level directives by their own line, in file order.
    by_line: foldhash::HashMap<u32, Vec<usize>>,
    /// Own-line directives as (line, index), sorted by line.
    own_line: Vec<(u32, usize)>,
    /// `run_start[l]`: the first line of the run of comment lines that ends
    /// right above line `l` (`l` itself when line `l - 1` is code), 1-based.
    run_start: Vec<u32>,
}

impl<'s> Index<'s> {
    fn new(suppressions: &'s [Suppression], file: &SourceFile, first_code_line: u32) -> Index<'s> {
        let mut index = Index {
            suppressions,
            file_level: Vec::new(),
            by_line: foldhash::HashMap::default(),
            own_line: Vec::new(),
            run_start: Vec::new(),
        };
        for (i, s) in suppressions.iter().enumerate() {
            if s.error.is_some() {
                continue;
            }
            if s.file_level {
                if s.line < first_code_line {
                    index.file_level.push(i);
                }
                continue;
            }
            index.by_line.entry(s.line).or_default().push(i);
            if s.own_line {
                index.own_line.push((s.line, i));
            }
        }
        index.own_line.sort_unstable();
        if !index.own_line.is_empty() {
            let lines = file.lines.line_count() as u32;
            index.run_start = Vec::with_capacity(lines as usize + 2);
            index.run_start.extend([0, 1]);
            for l in 2..=lines + 1 {
                let start = if is_comment_line(file, l - 1) { index.run_start[l as usize - 1] } else { l };
                index.run_start.push(start);
            }
        }
        index
    }

    /// The first suppression (in file order) that hides a finding of `rule`
    /// on `line`: an `ignore-file` above the code, one on the line, or an
    /// own-line one above it with only comment lines between (a reason often
    /// sits on the line above).
    fn first_match(&self, line: u32, rule: &RuleMeta) -> Option<usize> {
        let hits = |i: &usize| self.suppressions[*i].targets.iter().any(|t| matches(t, rule));
        let mut best = self.file_level.iter().copied().find(|i| hits(i));
        let mut consider = |i: usize| {
            if best.is_none_or(|b| i < b) {
                best = Some(i);
            }
        };
        if let Some(i) = self.by_line.get(&line).and_then(|v| v.iter().copied().find(|i| hits(i))) {
            consider(i);
        }
        if let Some(&start) = self.run_start.get(line as usize) {
            let lo = start.saturating_sub(1);
            let from = self.own_line.partition_point(|&(l, _)| l < lo);
            let to = self.own_line.partition_point(|&(l, _)| l < line);
            if let Some(i) = self.own_line[from..to].iter().map(|&(_, i)| i).filter(|i| hits(i)).min() {
                consider(i);
            }
        }
        best
    }
}
