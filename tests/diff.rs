//! `--diff-base REF` with the real binary in temporary git repositories.

mod common;

use common::*;

fn check(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--format", "concise", "--no-progress", "--preview"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn only_findings_on_added_or_changed_lines_are_reported() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    write(dir.path(), "app/b.py", FETCH);
    commit(dir.path(), "base");
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    // a.py changes, but not on the finding's line: not reported.
    write(dir.path(), "app/a.py", &format!("\"\"\"Docs.\"\"\"\n{FETCH}\n\ndef more():\n    return 1\n"));
    // b.py gets a new finding and keeps its old one.
    write(dir.path(), "app/b.py", &format!("{FETCH}\n\ndef post(url):\n    return requests.post(url)\n"));
    // A new file: every line is new.
    write(dir.path(), "app/c.py", FETCH);
    commit(dir.path(), "feature");
    // Uncommitted edits count too.
    write(dir.path(), "app/d.py", FETCH);
    let o = check(dir.path(), &["--diff-base", "main"]);
    assert_eq!(findings(&o), vec!["app/b.py:9: PP201", "app/c.py:5: PP201", "app/d.py:5: PP201"], "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));
    // The merge base, not main's tip: later commits on main do not count.
    git(dir.path(), &["checkout", "-q", "main"]);
    write(dir.path(), "app/e.py", FETCH);
    commit(dir.path(), "main moves on");
    git(dir.path(), &["checkout", "-q", "feature"]);
    let o = check(dir.path(), &["--diff-base", "main", "app/a.py", "app/b.py"]);
    assert_eq!(findings(&o), vec!["app/b.py:9: PP201"], "{}", stdout(&o));
}

#[test]
fn a_renamed_file_reports_only_its_changed_lines() {
    let dir = repo();
    write(dir.path(), "app/a.py", FETCH);
    commit(dir.path(), "base");
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    git(dir.path(), &["mv", "app/a.py", "app/client.py"]);
    commit(dir.path(), "rename");
    let o = check(dir.path(), &["--diff-base", "main"]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}", stdout(&o));
}

#[test]
fn clear_errors_outside_git_and_for_unknown_refs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.py", FETCH);
    let o = check(dir.path(), &["--diff-base", "main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not inside one"), "{}", stderr(&o));
    let dir = repo();
    write(dir.path(), "a.py", FETCH);
    let o = check(dir.path(), &["--diff-base", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown git ref `no-such-branch`"), "{}", stderr(&o));
    let o = check(dir.path(), &["--diff-base", "--upload-pack=evil"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn repository_config_cannot_make_git_run_code() {
    let dir = repo();
    write(dir.path(), "a.py", FETCH);
    commit(dir.path(), "base");
    let marker = dir.path().join("pwned");
    let script = format!("touch {}", marker.display());
    git(dir.path(), &["config", "core.fsmonitor", &script]);
    git(dir.path(), &["config", "diff.external", &script]);
    git(dir.path(), &["config", "core.pager", &script]);
    write(dir.path(), ".gitattributes", "*.py diff=evil filter=evil\n");
    git(dir.path(), &["config", "diff.evil.textconv", &script]);
    git(dir.path(), &["config", "filter.evil.clean", &script]);
    write(dir.path(), "a.py", &format!("{FETCH}\n\ndef g(u):\n    return requests.get(u)\n"));
    let o = check(dir.path(), &["--diff-base", "HEAD"]);
    assert_eq!(findings(&o), vec!["a.py:9: PP201"], "{}{}", stdout(&o), stderr(&o));
    assert!(!marker.exists(), "git ran repository-configured code");
}

#[test]
fn a_finding_whose_span_touches_a_changed_line_is_reported() {
    // The call spans lines 5-8; only line 7, inside it, changes.
    let push = "import requests\n\n\ndef push(url, payload):\n    return requests.post(\n        url,\n        json=payload,\n    )\n";
    let dir = repo();
    write(dir.path(), "app/a.py", push);
    write(dir.path(), "app/b.py", push);
    commit(dir.path(), "base");
    write(dir.path(), "app/a.py", &push.replace("json=payload", "json=payload.refund()"));
    // A change on the line after the call does not touch it.
    write(dir.path(), "app/b.py", &format!("{push}\n\nVERSION = 2\n"));
    let o = check(dir.path(), &["--diff-base", "HEAD"]);
    assert_eq!(findings(&o), vec!["app/a.py:5: PP201"], "{}{}", stdout(&o), stderr(&o));
}
