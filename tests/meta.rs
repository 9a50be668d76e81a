//! Conventions, checked: every rule's metadata, doc, source file, fixtures,
//! CHANGELOG line and index entry agree, and its texts follow the style.
//! A failure names the missing piece.
//!
//! `rules/README.md` is generated; run `UPDATE_GENERATED=1 cargo test --test meta`
//! to rewrite it after adding or changing a rule.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use pagerproof::registry;
use pagerproof::rule::{Category, RuleMeta};
use pagerproof::source::{Grammar, Language};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## How to fix",
    "## Known limitations",
    "## Confidence",
    "## Options",
    "## References",
];

/// Prefixes that describe a remedy instead of the bad pattern.
const DISALLOWED_PREFIXES: &[&str] = &["avoid-", "prefer-", "use-", "no-", "ban-", "require-", "missing-"];

/// The folder under `src/rules/` that holds a category's rules.
fn category_folder(category: Category) -> Option<&'static str> {
    Some(match category {
        Category::SwallowedException => "swallowed",
        Category::MissingTimeout => "timeout",
        Category::MissingRetry => "retry",
        Category::SecretInLog => "secrets",
        Category::NPlusOne => "queries",
        Category::UnboundedQueue => "queues",
        Category::NonIdempotentHandler => "handlers",
        Category::UnsafeMigration => "migrations",
        Category::Suppression => return None,
    })
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

fn extensions(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Python => &["py"],
        Language::TypeScript => &["ts", "tsx"],
        Language::JavaScript => &["js", "jsx", "mjs", "cjs"],
        Language::Rust => &["rs"],
        Language::Sql => &["sql"],
    }
}

/// True when `dir` holds a `prefix*` file with one of `exts`, or a `prefix*/`
/// folder containing one.
fn has_fixture(dir: &Path, prefix: &str, exts: &[&str]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(prefix) {
            return false;
        }
        let p = e.path();
        if p.is_dir() {
            has_fixture(&p, "", exts)
        } else {
            p.extension().and_then(|x| x.to_str()).is_some_and(|x| exts.contains(&x))
        }
    })
}

fn text_style(what: &str, rule: &RuleMeta, text: &str, problems: &mut Vec<String>) {
    let first = text.chars().next().unwrap_or(' ');
    if !(first.is_uppercase() || first == '`') {
        problems.push(format!("{}: {what} must start with a capital letter or a code span: {text:?}", rule.code));
    }
    if text.ends_with('.') || text.ends_with('!') {
        problems.push(format!("{}: {what} must not end with a period: {text:?}", rule.code));
    }
    if text.contains('\n') {
        problems.push(format!("{}: {what} must be one line", rule.code));
    }
}

#[test]
fn every_rule_is_complete_and_consistent() {
    let mut problems = Vec::new();
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).unwrap_or_default();
    for rule in registry::all() {
        if !codes.insert(rule.code) {
            problems.push(format!("{}: duplicate code", rule.code));
        }
        if !names.insert(rule.name) {
            problems.push(format!("{}: duplicate name {}", rule.code, rule.name));
        }
        let code_ok =
            rule.code.len() == 5 && rule.code.starts_with("PP") && rule.code[2..].chars().all(|c| c.is_ascii_digit());
        if !code_ok {
            problems.push(format!("{}: codes are `PP` and three digits", rule.code));
        }
        let kebab = rule.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !rule.name.starts_with('-')
            && !rule.name.ends_with('-');
        if !kebab {
            problems.push(format!("{}: name `{}` is not kebab-case", rule.code, rule.name));
        }
        if let Some(p) = DISALLOWED_PREFIXES.iter().find(|p| rule.name.starts_with(*p)) {
            problems.push(format!("{}: name `{}` starts with `{p}`; name the bad pattern", rule.code, rule.name));
        }
        // Source file, in its category's folder: engine rules live in the engine.
        if let Some(folder) = category_folder(rule.category) {
            let src = root().join("src/rules").join(folder).join(format!("{}.rs", snake(rule.name)));
            if !src.is_file() {
                problems.push(format!("{}: missing src/rules/{folder}/{}.rs", rule.code, snake(rule.name)));
            }
        }
        // Doc headings, in order.
        let mut at = 0;
        for h in HEADINGS {
            match rule.doc[at..].find(&format!("{h}\n")) {
                Some(i) => at += i + h.len(),
                None => {
                    problems.push(format!("{}: rules/{}.md lacks `{h}` (or it is out of order)", rule.code, rule.name))
                }
            }
        }
        if !rule.doc.contains("Use instead:") {
            problems.push(format!("{}: rules/{}.md has no \"Use instead:\" example", rule.code, rule.name));
        }
        if rule.doc.lines().any(|l| l.trim() == "TODO") {
            problems.push(format!("{}: rules/{}.md still says TODO", rule.code, rule.name));
        }
        text_style("summary", rule, rule.summary, &mut problems);
        text_style("fix", rule, rule.fix, &mut problems);
        // Fixtures for every language.
        let fixtures = root().join("fixtures").join(rule.name);
        for &lang in rule.languages {
            let exts = extensions(lang);
            for prefix in ["fail", "pass"] {
                if !has_fixture(&fixtures, prefix, exts) {
                    problems.push(format!("{}: no fixtures/{}/{prefix}.{} for {lang}", rule.code, rule.name, exts[0]));
                }
            }
        }
        if !changelog.contains(rule.code) {
            problems.push(format!("{}: CHANGELOG.md does not mention it", rule.code));
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn registered_node_kinds_exist_in_the_grammars() {
    let mut problems = Vec::new();
    let kinds_of = |g: Grammar| -> HashSet<String> {
        let lang = g.ts_language();
        (0..lang.node_kind_count() as u16)
            .filter(|&id| lang.node_kind_is_named(id))
            .filter_map(|id| lang.node_kind_for_id(id).map(str::to_string))
            .collect()
    };
    let py = kinds_of(Grammar::Python);
    let js: HashSet<String> =
        [Grammar::TypeScript, Grammar::Tsx, Grammar::JavaScript].into_iter().flat_map(kinds_of).collect();
    for rule in registry::RULES {
        for k in rule.python_kinds() {
            if !py.contains(*k) {
                problems.push(format!("{}: Python has no node kind `{k}`", rule.meta().code));
            }
        }
        for k in rule.js_kinds() {
            if !js.contains(*k) {
                problems.push(format!("{}: TypeScript/JavaScript have no node kind `{k}`", rule.meta().code));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn finding_messages_follow_the_style() {
    // Every message a fail fixture produces: sentence case, no trailing period.
    let mut options = pagerproof::Options::new(vec![root().join("fixtures")], root());
    options.selection.select = vec!["ALL".to_string()];
    options.selection.preview = true;
    // Every migration of every fixture history, not only the newest.
    options.migration_scope.mode = pagerproof::analysis::migration_scope::Mode::All;
    let report = pagerproof::check(&options).expect("check runs");
    let mut problems = Vec::new();
    for d in &report.diagnostics {
        text_style("message", d.rule, &d.message, &mut problems);
    }
    assert!(!report.diagnostics.is_empty(), "the fixtures produced no findings");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The generated index of all rules.
fn rules_readme() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated by tests/meta.rs from the rule registry; do not edit. \
         Run `UPDATE_GENERATED=1 cargo test --test meta` to refresh. -->\n\n",
    );
    for cat in Category::ALL {
        let rules: Vec<&RuleMeta> = registry::all().filter(|r| r.category == cat).collect();
        if rules.is_empty() {
            continue;
        }
        out.push_str(&format!("## {}\n\n", cat.as_str()));
        out.push_str(
            "| Code | Name | Severity | Languages | Status | Confidence | Summary |\n|---|---|---|---|---|---|---|\n",
        );
        for r in rules {
            let langs: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
            out.push_str(&format!(
                "| {} | [{}]({}.md) | {} | {} | {} | {} | {} |\n",
                r.code,
                r.name,
                r.name,
                r.severity,
                langs.join(", "),
                r.status_label(),
                r.confidence().short(),
                r.summary.replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out
}

/// The rule table in the top-level README, between its markers.
fn readme_table() -> String {
    let mut out = String::from(
        "| Code | Name | Category | Severity | Languages | Status | Confidence | Summary |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in registry::all() {
        let langs: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
        // A preview rule runs only with --preview: say so where people look.
        let status = match r.status {
            pagerproof::rule::Status::Stable => r.status_label(),
            pagerproof::rule::Status::Preview => "preview (`--preview`)".to_string(),
        };
        out.push_str(&format!(
            "| {} | [{}](rules/{}.md) | {} | {} | {} | {status} | {} | {} |\n",
            r.code,
            r.name,
            r.name,
            r.category,
            r.severity,
            langs.join(", "),
            r.confidence().short(),
            r.summary.replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn readme_rule_table_is_up_to_date() {
    const START: &str = "<!-- rules:start -->\n";
    const END: &str = "<!-- rules:end -->";
    let path = root().join("README.md");
    let have = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (have.find(START), have.find(END)) else {
        panic!("README.md lacks the rules:start/rules:end markers");
    };
    let want = format!("{}{START}{}{}", &have[..a], readme_table(), &have[b..]);
    if have != want {
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &want).unwrap();
        } else {
            panic!("the rule table in README.md is stale; run `UPDATE_GENERATED=1 cargo test --test meta`");
        }
    }
}

#[test]
fn rules_readme_is_up_to_date() {
    let path = root().join("rules/README.md");
    let want = rules_readme();
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &want).unwrap();
        } else {
            panic!("rules/README.md is stale; run `UPDATE_GENERATED=1 cargo test --test meta`");
        }
    }
}

/// The generated "Confidence" section of a rule's doc: what it scored on
/// unseen code, per language (`src/confidence.rs`).
fn confidence_section(r: &RuleMeta) -> String {
    let c = r.confidence();
    let mut out =
        String::from("## Confidence\n\n<!-- Generated by tests/meta.rs from src/confidence.rs; do not edit. -->\n\n");
    if c.judged == 0 {
        out.push_str(&format!(
            "Not measured: no findings on {} ({}), so there was nothing to judge.\n",
            c.sets, c.measured_on
        ));
    } else {
        out.push_str(&format!(
            "Findings judged right by a reviewer who had not seen the rule's code, on {}, which nobody \
             tuning the rules had read ({}); see `docs/evaluation.md`.\n\n| Language | Right / judged |\n|---|---|\n",
            c.sets, c.measured_on
        ));
        for p in c.parts {
            out.push_str(&format!("| {} | {} / {} ({} %) |\n", p.part, p.right, p.judged, p.percent()));
        }
        out.push_str(&format!("| all | {} |\n", c.short().replace("/", " / ")));
    }
    let status = r.status_label();
    out.push_str(&format!("\nStatus: {status}.\n\n"));
    out
}

#[test]
fn rule_docs_carry_their_measured_confidence() {
    let mut stale = Vec::new();
    for r in registry::all() {
        let path = root().join(format!("rules/{}.md", r.name));
        let have = std::fs::read_to_string(&path).unwrap();
        let section = confidence_section(r);
        let want = match (have.find("## Confidence\n"), have.find("## Options\n")) {
            (Some(a), Some(b)) if a < b => format!("{}{section}{}", &have[..a], &have[b..]),
            (None, Some(b)) => format!("{}{section}{}", &have[..b], &have[b..]),
            _ => panic!("rules/{}.md lacks `## Options`", r.name),
        };
        if have != want {
            if std::env::var_os("UPDATE_GENERATED").is_some() {
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(r.name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale Confidence sections in {stale:?}; run `UPDATE_GENERATED=1 cargo test --test meta`"
    );
}

/// The pre-commit hooks pass exactly the files pagerproof reads: a hook
/// that skipped SQL let unsafe migrations through.
#[test]
fn pre_commit_hooks_pass_every_file_kind_pagerproof_reads() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let mut want: Vec<&str> = Grammar::EXTENSIONS.iter().map(|(e, _)| *e).collect();
    want.sort_unstable();
    let mut ids = 0;
    for line in hooks.lines().map(str::trim) {
        if line.starts_with("- id:") {
            ids += 1;
        }
        let Some(pattern) = line.strip_prefix("files:") else { continue };
        let inner = pattern.trim().strip_prefix(r"\.(").and_then(|p| p.strip_suffix(")$"));
        let inner = inner.unwrap_or_else(|| panic!("unexpected files pattern: {pattern}"));
        let mut got: Vec<&str> = inner.split('|').collect();
        got.sort_unstable();
        assert_eq!(got, want, "files pattern of a hook in .pre-commit-hooks.yaml");
        ids -= 1;
    }
    assert_eq!(ids, 0, "every hook has a files pattern");
    let entries: Vec<&str> = hooks.lines().filter_map(|l| l.trim().strip_prefix("entry:")).collect();
    assert_eq!(entries.len(), hooks.matches("- id:").count());
    for entry in entries {
        let words: Vec<&str> = entry.split_whitespace().collect();
        assert!(
            words.windows(2).any(|w| w == ["--project-root", "."]),
            "a hook takes facts from the staged files only: {entry}"
        );
    }
}

/// This repository's `pyproject.toml` builds the wheel; pagerproof must not
/// read it as the config of a scan under this directory.
#[test]
fn the_wheel_build_config_is_not_a_pagerproof_config() {
    let pyproject = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
    assert!(pyproject.contains("bindings = \"bin\""), "pyproject.toml builds the binary wheel");
    let found = pagerproof::config::find(&root().join("fixtures"));
    assert!(!found.as_ref().is_some_and(|f| f.pyproject), "{found:?}");
}
