//! The fixture harness. For every `fixtures/<rule-name>/` folder:
//!
//! - each `fail*.<ext>` file (or `fail*/` folder, checked as one project) must
//!   yield exactly the findings its `expect: <rule-name>` comments announce, on
//!   those lines: a missing one is **Missing**, an extra one is **Noisy**;
//! - each `pass*.<ext>` file (or `pass*/` folder) must yield nothing;
//! - the rendered text output of every fail fixture is an insta snapshot stored
//!   beside it (`fixtures/<rule-name>/snapshots/`).
//!
//! Only the folder's rule runs, selected by name, so preview rules are tested too.
//!
//! Migration fixtures are small histories whose hard negatives and true
//! problems may sit in any migration, so they run with `--migration-scope
//! all`: each migration is judged as the release it was, and no pass file
//! is judged vacuously. Cases named `*history*` are whole histories that test
//! the default scope (`pending`): only their newest migration is reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pagerproof::analysis::migration_scope::Mode;
use pagerproof::report::{Format, RenderOptions, render};
use pagerproof::rule::{Category, RuleMeta};
use pagerproof::select::Selection;
use pagerproof::{Options, check, registry};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(line, rule name)` → count, from `expect: a, b` comments.
fn expectations(path: &Path, rule: &str) -> BTreeMap<(String, u32), usize> {
    let mut out = BTreeMap::new();
    let files: Vec<PathBuf> = if path.is_dir() { walk(path) } else { vec![path.to_path_buf()] };
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let display = rel(&file);
        for (i, line) in text.lines().enumerate() {
            let Some(at) = line.find("expect:") else { continue };
            for name in line[at + "expect:".len()..].split(',') {
                let name = name.trim().trim_end_matches("*/").trim();
                let name = name.split_whitespace().next().unwrap_or("");
                if name == rule {
                    *out.entry((display.clone(), i as u32 + 1)).or_insert(0) += 1;
                }
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

fn run(path: &Path, rule: &RuleMeta) -> pagerproof::Report {
    let mut options = Options::new(vec![path.to_path_buf()], root());
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if !name.contains("history") {
        options.migration_scope.mode = Mode::All;
    }
    // The fixtures live in pagerproof's own clone: its tags and branches say
    // nothing about them.
    options.migration_scope.ignore_git = true;
    // Suppression rules judge other rules' findings, so every rule runs for them.
    let select = if rule.category == Category::Suppression { "ALL" } else { rule.name };
    options.selection = Selection { select: vec![select.to_string()], preview: true, ..Selection::default() };
    options.jobs = Some(1);
    check(&options).expect("check runs")
}

#[test]
fn fixtures() {
    let mut problems: Vec<String> = Vec::new();
    let mut snapshots: Vec<(PathBuf, String, String)> = Vec::new();
    let mut checked = 0;
    for rule in registry::all() {
        let dir = root().join("fixtures").join(rule.name);
        if !dir.is_dir() {
            // tests/meta.rs reports missing fixture folders.
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for case in entries {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let is_fail = name.starts_with("fail");
            let is_pass = name.starts_with("pass");
            if !is_fail && !is_pass {
                continue;
            }
            checked += 1;
            let report = run(&case, rule);
            let mut actual: BTreeMap<(String, u32), usize> = BTreeMap::new();
            for d in report.diagnostics.iter().filter(|d| d.rule.name == rule.name) {
                *actual.entry((d.path.clone(), d.start.line)).or_insert(0) += 1;
            }
            let others: Vec<_> = report.diagnostics.iter().filter(|d| d.rule.name != rule.name).collect();
            for d in others.iter().filter(|_| rule.category != Category::Suppression) {
                problems
                    .push(format!("{}:{}: unexpected {} finding: {}", d.path, d.start.line, d.rule.name, d.message));
            }
            for n in report.notices.iter() {
                problems.push(format!("{}: notice in a fixture: {}", n.path, n.message));
            }
            let expected = if is_fail { expectations(&case, rule.name) } else { BTreeMap::new() };
            if is_pass {
                for d in report.diagnostics.iter().filter(|d| d.rule.name == rule.name) {
                    problems.push(format!(
                        "Noisy {}:{}: {} in a pass fixture: {}",
                        d.path, d.start.line, d.rule.name, d.message
                    ));
                }
                continue;
            }
            if expected.is_empty() {
                problems.push(format!("{}: fail fixture without any `expect: {}` line", rel(&case), rule.name));
            }
            for (key, n) in &expected {
                let got = actual.get(key).copied().unwrap_or(0);
                if got < *n {
                    problems.push(format!("Missing {}:{}: expected {} `{}`, got {}", key.0, key.1, n, rule.name, got));
                }
            }
            for (key, n) in &actual {
                let want = expected.get(key).copied().unwrap_or(0);
                if *n > want {
                    let msg = report
                        .diagnostics
                        .iter()
                        .find(|d| d.path == key.0 && d.start.line == key.1)
                        .map(|d| d.message.as_str())
                        .unwrap_or("");
                    problems.push(format!("Noisy {}:{}: unexpected `{}`: {}", key.0, key.1, rule.name, msg));
                }
            }
            let mut report = report;
            report.diagnostics.retain(|d| d.rule.name == rule.name);
            let mut out = Vec::new();
            render(
                &report,
                Format::Text,
                RenderOptions { color: false, quiet: false, fixes: Default::default() },
                &mut out,
            )
            .unwrap();
            snapshots.push((dir.join("snapshots"), name.replace('.', "_"), String::from_utf8(out).unwrap()));
        }
    }
    assert!(checked > 0, "no fixtures were checked");
    // Expectations first: a Missing/Noisy list says more than a snapshot diff.
    assert!(problems.is_empty(), "{} fixture problem(s):\n{}", problems.len(), problems.join("\n"));
    for (path, name, snapshot) in snapshots {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(path);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, snapshot));
    }
}
