//! Which rules run: `--select` / `--ignore` by code, name or category (or
//! `ALL`), `--preview`, and severity overrides.

use crate::registry;
use crate::rule::{Category, RuleMeta, Severity, Status};

/// The rules a run enables, and at which severity.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub preview: bool,
    /// Per-rule severity overrides (code, name or category → severity); the
    /// last match wins.
    pub severities: Vec<(String, Severity)>,
    /// Later layers (`extend-select`, config `[[overrides]]`): applied in
    /// order after `select`/`ignore`, each one can turn rules on or off again.
    pub layers: Vec<Layer>,
}

/// One later step of a selection: rules it turns on, then rules it turns off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

/// A selector that names no rule, with a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule or category `{selector}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
pub struct UnknownSelector {
    pub selector: String,
    pub suggestion: Option<String>,
}

fn matches(selector: &str, rule: &RuleMeta) -> bool {
    selector.eq_ignore_ascii_case("ALL")
        || selector.eq_ignore_ascii_case(rule.code)
        || selector == rule.name
        || selector == rule.category.as_str()
}

/// True for a code or name (not a category or `ALL`): naming a preview rule
/// this way enables it.
fn names_rule(selector: &str, rule: &RuleMeta) -> bool {
    selector.eq_ignore_ascii_case(rule.code) || selector == rule.name
}

impl Selection {
    /// Checks that every selector names a rule, a category or `ALL`.
    pub fn validate(&self) -> Result<(), UnknownSelector> {
        let selectors = self
            .select
            .iter()
            .chain(&self.ignore)
            .chain(self.severities.iter().map(|(s, _)| s))
            .chain(self.layers.iter().flat_map(|l| l.select.iter().chain(&l.ignore)));
        for s in selectors {
            check_selector(s)?;
        }
        Ok(())
    }

    /// [`Selection::enabled`] for a file of `language`: a rule whose side for
    /// that language is still preview needs `--preview` or to be named.
    pub fn enabled_for(&self, rule: &RuleMeta, language: crate::source::Language) -> bool {
        self.enabled(rule)
            && (!rule.preview_languages.contains(&language)
                || self.preview
                || self.select.iter().chain(self.layers.iter().flat_map(|l| &l.select)).any(|s| names_rule(s, rule)))
    }

    /// True when `rule` runs.
    pub fn enabled(&self, rule: &RuleMeta) -> bool {
        let selected = if self.select.is_empty() {
            rule.status == Status::Stable || self.preview
        } else {
            self.select
                .iter()
                .any(|s| names_rule(s, rule) || (matches(s, rule) && (rule.status == Status::Stable || self.preview)))
        };
        let mut on = selected && !self.ignore.iter().any(|s| matches(s, rule));
        for layer in &self.layers {
            if layer.select.iter().any(|s| self.picks(s, rule)) {
                on = true;
            }
            if layer.ignore.iter().any(|s| matches(s, rule)) {
                on = false;
            }
        }
        on
    }

    /// True when `selector` in a select list turns `rule` on: a code or name
    /// always, a category or `ALL` only for stable rules unless preview.
    fn picks(&self, selector: &str, rule: &RuleMeta) -> bool {
        names_rule(selector, rule) || (matches(selector, rule) && (rule.status == Status::Stable || self.preview))
    }

    /// The severity `rule` reports at.
    pub fn severity(&self, rule: &RuleMeta) -> Severity {
        self.severities.iter().rev().find(|(s, _)| matches(s, rule)).map(|(_, sev)| *sev).unwrap_or(rule.severity)
    }
}

/// Checks one selector: a rule code or name, a category, or `ALL`.
pub fn check_selector(s: &str) -> Result<(), UnknownSelector> {
    let known =
        s.eq_ignore_ascii_case("ALL") || Category::from_name(s).is_some() || registry::all().any(|r| names_rule(s, r));
    if known { Ok(()) } else { Err(UnknownSelector { selector: s.to_string(), suggestion: suggest(s) }) }
}

/// The closest rule code, name or category to a mistyped selector.
pub fn suggest(input: &str) -> Option<String> {
    let candidates = registry::all()
        .flat_map(|r| [r.code.to_string(), r.name.to_string()])
        .chain(Category::ALL.iter().map(|c| c.as_str().to_string()));
    candidates
        .map(|c| (strsim::levenshtein(&input.to_ascii_lowercase(), &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}
