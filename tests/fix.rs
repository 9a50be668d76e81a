//! `check --fix`, `--unsafe-fixes` and `--diff` with the real binary.
//!
//! Every `fixtures/fix/<rule>/<case>/` holds a project as it was (`before/`)
//! and as the fixes must leave it (`after/`). The test copies `before/` to a
//! temporary directory, runs `check --fix --unsafe-fixes` there, compares
//! every file with `after/`, and checks again: none of the fixed findings may
//! be reported, and nothing else may change.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The flags every run here uses: no cache or config from outside, every
/// rule, every migration judged.
const BASE: &[&str] = &[
    "check",
    "--no-cache",
    "--no-config",
    "--no-progress",
    "--migration-scope",
    "all",
    "--preview",
    "--select",
    "ALL",
];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    BASE.iter().copied().chain(extra.iter().copied()).collect()
}

/// Files below `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for rel in files(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), dest).unwrap();
    }
}

/// The `before/` tree of a case in a fresh temporary directory.
fn project(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/fix").join(case).join("before"), dir.path());
    dir
}

fn json(dir: &Path, extra: &[&str]) -> Value {
    let o = run_in(dir, &args(&[&["--format", "json"], extra].concat()));
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn diagnostics(doc: &Value) -> Vec<Value> {
    doc["diagnostics"].as_array().unwrap().clone()
}

fn applicability(d: &Value) -> Option<&str> {
    d["fix"]["applicability"].as_str()
}

/// Every case dir under `fixtures/fix`, as `rule/case`.
fn cases() -> Vec<String> {
    let mut out = Vec::new();
    for rule in std::fs::read_dir(root().join("fixtures/fix")).unwrap().flatten() {
        for case in std::fs::read_dir(rule.path()).unwrap().flatten() {
            out.push(format!("{}/{}", rule.file_name().to_string_lossy(), case.file_name().to_string_lossy()));
        }
    }
    out.sort();
    out
}

#[test]
fn fixes_turn_every_before_into_its_after_and_the_findings_go() {
    let cases = cases();
    assert!(cases.len() >= 8, "{cases:?}");
    for case in &cases {
        let dir = project(case);
        let before = diagnostics(&json(dir.path(), &[]));
        let fixable = before.iter().filter(|d| matches!(applicability(d), Some("safe" | "unsafe"))).count();
        let rule = case.split('/').next().unwrap();
        assert!(
            before.iter().any(|d| d["name"] == rule && d["fix"].is_object()),
            "{case}: no `{rule}` finding with a fix: {before:#?}"
        );

        let o = run_in(dir.path(), &args(&["--fix", "--unsafe-fixes", "--format", "concise"]));
        assert!(o.status.code().is_some_and(|c| c < 2), "{case}: {}", stderr(&o));

        let expected = root().join("fixtures/fix").join(case).join("after");
        assert_eq!(files(dir.path()), files(&expected), "{case}: the fix added or removed files");
        for rel in files(&expected) {
            let got = std::fs::read_to_string(dir.path().join(&rel)).unwrap();
            let want = std::fs::read_to_string(expected.join(&rel)).unwrap();
            assert_eq!(got, want, "{case}: {} differs from after/", rel.display());
        }

        // Checked again: the fixed findings are gone and none is new (a fix
        // may settle another finding on the same code, as `atomic = False`
        // does for the lock-timeout rule).
        let after = diagnostics(&json(dir.path(), &[]));
        let left: Vec<&Value> = after.iter().filter(|d| matches!(applicability(d), Some("safe" | "unsafe"))).collect();
        assert!(left.is_empty(), "{case}: fixable findings remain: {left:#?}");
        assert!(after.len() <= before.len() - fixable, "{case}: {after:#?}");
        let key = |d: &Value| (d["code"].to_string(), d["message"].to_string());
        let earlier: Vec<_> =
            before.iter().filter(|d| applicability(d).is_none_or(|a| a == "suggestion")).map(key).collect();
        for d in &after {
            assert!(earlier.contains(&key(d)), "{case}: a new finding after fixing: {d:#}");
        }
    }
}

#[test]
fn a_suggestion_is_shown_but_never_applied() {
    let dir = project("queue-without-bound/rust");
    let doc = json(dir.path(), &["--unsafe-fixes"]);
    let d = diagnostics(&doc).into_iter().find(|d| d["name"] == "queue-without-bound").expect("a finding");
    assert_eq!(d["fix"]["applicability"], "suggestion");
    assert!(d["fix"]["edits"][0]["content"].as_str().unwrap().contains("channel::<Event>(1000)"), "{d:#}");
    let o = run_in(dir.path(), &args(&["--fix", "--unsafe-fixes"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("suggestion, never applied"), "{}", stdout(&o));
    let main = std::fs::read_to_string(dir.path().join("src/main.rs")).unwrap();
    assert!(main.contains("unbounded_channel::<Event>()"), "{main}");
}

#[test]
fn without_unsafe_fixes_only_safe_fixes_apply() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/fix/index-without-concurrently/sql/before"), dir.path());
    copy_tree(&root().join("fixtures/fix/queue-without-bound/python/before"), dir.path());
    let o = run_in(dir.path(), &args(&["--format", "concise"]));
    let out = stdout(&o);
    // `CONCURRENTLY` is safe where the statement is alone in its file.
    assert!(out.contains("migrations/V2__amount_idx.sql:1:1: PP801 [*] [warning]"), "{out}");
    assert!(out.contains("[*] 1 fixable with --fix (6 hidden fixes can be enabled with --unsafe-fixes)"), "{out}");

    let o = run_in(dir.path(), &args(&["--fix", "--format", "concise"]));
    assert!(stderr(&o).contains("Fixed 1 finding in 1 file"), "{}", stderr(&o));
    let v2 = std::fs::read_to_string(dir.path().join("migrations/V2__amount_idx.sql")).unwrap();
    assert!(v2.contains("CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount);"), "{v2}");
    let workers = std::fs::read_to_string(dir.path().join("app/workers.py")).unwrap();
    let untouched =
        std::fs::read_to_string(root().join("fixtures/fix/queue-without-bound/python/before/app/workers.py"));
    assert_eq!(workers, untouched.unwrap(), "unsafe fixes applied without --unsafe-fixes");
    assert!(stdout(&o).contains("No fixes available (6 hidden fixes can be enabled with --unsafe-fixes)"));
}

#[test]
fn diff_prints_the_patch_and_writes_nothing() {
    let dir = project("request-without-timeout/python");
    let original = std::fs::read_to_string(dir.path().join("app/client.py")).unwrap();
    let o = run_in(dir.path(), &args(&["--diff", "--unsafe-fixes"]));
    assert_eq!(o.status.code(), Some(1), "fixes to apply exit with 1: {}", stderr(&o));
    let patch = stdout(&o);
    assert!(patch.starts_with("--- a/app/client.py\n+++ b/app/client.py\n@@ "), "{patch}");
    assert!(patch.contains("+    return requests.get(f\"{API}/users/{user_id}\", timeout=10)\n"), "{patch}");
    assert!(stderr(&o).contains("Would fix 5 findings"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("app/client.py")).unwrap(), original);

    // The timeout fixes are unsafe: without the flag there is nothing to do.
    let o = run_in(dir.path(), &args(&["--diff"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("No fixes to apply (5 more with --unsafe-fixes)"), "{}", stderr(&o));
}

#[test]
fn a_read_only_file_is_reported_and_left_alone() {
    let dir = project("index-without-concurrently/sql");
    let path = dir.path().join("migrations/V2__amount_idx.sql");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();
    let o = run_in(dir.path(), &args(&["--fix"]));
    assert_eq!(o.status.code(), Some(2), "a file that could not be fixed is an error: {}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error: migrations/V2__amount_idx.sql: the file is read-only; its fixes were not applied"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    // Its findings are still reported.
    let out = stdout(&o);
    assert!(out.contains("warning[PP801]") && out.contains("migrations/V2__amount_idx.sql:1:1"), "{out}");
}

#[test]
fn a_file_changed_since_it_was_checked_is_left_alone() {
    use pagerproof::diagnostic::{Applicability, Edit, Fix};
    use pagerproof::fix::{Refusal, write_fixes};
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.py", "x = 1\ny = 2\n");
    let fix = Fix::new(Applicability::Safe, "t", vec![Edit::insert(5, "0")]);
    // What was checked is not what is on disk now.
    assert_eq!(write_fixes(&path, "x = 1\n", &[&fix]), Err(Refusal::Changed));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "x = 1\ny = 2\n");
    // Unchanged, it is written; through a symlink the target changes and the link stays.
    let link = dir.path().join("link.py");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let applied = write_fixes(&link, "x = 1\ny = 2\n", &[&fix]).unwrap();
    assert_eq!(applied.applied, 1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "x = 10\ny = 2\n");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
}

#[test]
fn config_sets_the_values_fixes_write() {
    let dir = project("request-without-timeout/typescript");
    write(dir.path(), "pagerproof.toml", "[fix]\ndefault_timeout_seconds = 3\n");
    let o = run_in(
        dir.path(),
        &["check", "--no-cache", "--no-progress", "--show-settings", "--diff", "--unsafe-fixes", "--preview"],
    );
    assert!(stderr(&o).contains("fix: default_timeout_seconds = 3, default_queue_maxsize = 1000"), "{}", stderr(&o));
    let patch = stdout(&o);
    assert!(patch.contains("{ timeout: 3000 }"), "{patch}");
    assert!(patch.contains("AbortSignal.timeout(3000)"), "{patch}");
    assert!(!patch.contains("10000"), "{patch}");
}

#[test]
fn json_and_sarif_carry_the_edits() {
    let dir = project("index-without-concurrently/sql");
    let doc = json(dir.path(), &[]);
    assert_eq!(doc["version"], 2);
    let d = diagnostics(&doc).into_iter().find(|d| d["name"] == "index-without-concurrently").unwrap();
    assert!(d["help"].as_str().unwrap().contains("CONCURRENTLY"), "the rule's hint is `help`: {d:#}");
    assert_eq!(d["path"], "migrations/V2__amount_idx.sql");
    assert_eq!(d["fix"]["applicability"], "safe", "alone in its file");
    assert_eq!(d["fix"]["edits"][0]["content"], " CONCURRENTLY");
    let beside = diagnostics(&doc)
        .into_iter()
        .filter(|d| d["path"] == "migrations/V3__indexes.sql" && d["name"] == "index-without-concurrently")
        .collect::<Vec<_>>();
    assert_eq!(beside.len(), 2);
    assert!(beside.iter().all(|d| d["fix"]["applicability"] == "unsafe"), "beside other statements: {beside:#?}");
    assert_eq!(d["fix"]["edits"][0]["start"]["line"], 1);
    assert_eq!(d["fix"]["edits"][0]["start"]["column"], 13);

    let o = run_in(dir.path(), &args(&["--format", "sarif"]));
    let log: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let result =
        log["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == d["code"]).unwrap().clone();
    let fix = &result["fixes"][0];
    assert_eq!(fix["properties"]["applicability"], "safe");
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], " CONCURRENTLY");
    assert_eq!(replacement["deletedRegion"]["startLine"], 1);
}
