//! Files a hostile pull request can send to crash the gate through deep
//! recursion: keyword chains in Rust (`return return ...`, `as` casts, `break`
//! chains, `else if` chains), call chains for the tree-sitter front ends and
//! operator chains in SQL migrations. The real binary runs on each: it must
//! finish with 0 or 1 (never 134, an aborted stack overflow), name the
//! too-deep file in a notice, and still report the other files of the run.

use serde_json::Value;

mod common;
use common::{run_with_deadline as run, write};

const FINALLY_PY: &str = "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n";

/// Lines of `n` repetitions of `tok`, ten to a line, so that the file does not
/// look minified (which would skip it before the parser sees it).
fn lines(tok: &str, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(tok);
        if i % 10 == 9 {
            out.push('\n');
        }
    }
    out
}

/// Runs `check` on a project of the control file and `rel` holding `text`,
/// and returns the JSON report after checking the exit status.
fn check_with(rel: &str, text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "ok/control.py", FINALLY_PY);
    write(root, rel, text);
    let o = run(root, &["check", "--format", "json", "--no-progress", "--no-cache", "--preview", "."]);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{rel}: exit {:?} (134 is an abort)\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON output parses");
    let found: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{}:{}:{}", d["path"].as_str().unwrap(), d["start"]["line"], d["code"].as_str().unwrap()))
        .collect();
    assert!(found.contains(&"ok/control.py:5:PP103".to_string()), "{rel}: the other file is still reported: {found:?}");
    v
}

/// The notice about `rel`, which must exist.
fn notice_for<'v>(v: &'v Value, rel: &str) -> &'v Value {
    v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"] == rel)
        .unwrap_or_else(|| panic!("no notice names {rel}: {}", v["notices"]))
}

/// A Rust keyword chain: a notice with the line of the deepest point.
fn rust_chain(rel: &str, text: &str) {
    let v = check_with(rel, text);
    let n = notice_for(&v, rel);
    assert!(n["message"].as_str().unwrap().contains("Nesting deeper"), "{rel}: {n}");
    assert!(n["line"].as_u64().is_some_and(|l| l > 2), "{rel}: the notice points into the chain: {n}");
}

#[test]
fn a_return_chain_is_a_notice_not_an_abort() {
    rust_chain("src/ret.rs", &format!("fn f() {{\n{}1;\n}}\n", lines("return ", 1_000)));
}

#[test]
fn an_as_cast_chain_is_a_notice_not_an_abort() {
    rust_chain("src/cast.rs", &format!("fn f() {{\n    let y = x\n{};\n}}\n", lines(" as u8", 5_000)));
}

#[test]
fn a_break_chain_is_a_notice_not_an_abort() {
    rust_chain("src/brk.rs", &format!("fn f() {{\n    loop {{\n{};\n    }}\n}}\n", lines("break ", 2_000)));
}

#[test]
fn an_else_if_chain_is_a_notice_not_an_abort() {
    rust_chain("src/elif.rs", &format!("fn f() {{\n    if a {{}}\n{}}}\n", "    else if a {}\n".repeat(10_000)));
}

#[test]
fn yield_and_match_chains_are_notices_not_aborts() {
    rust_chain("src/yld.rs", &format!("fn f() {{\n    let g = || {{\n{}1 }};\n}}\n", lines("yield ", 2_000)));
    rust_chain("src/mtch.rs", &format!("fn f() {{\n{}a\n{}\n}}\n", lines("match ", 3_000), lines(" {}", 3_000)));
}

#[test]
fn call_chains_do_not_crash_the_tree_sitter_front_ends() {
    // `a()()()...`, `a.b().b()...` and `new new ... A` made the callee
    // resolution recurse once per call. They are checked, not skipped.
    for (rel, text) in [
        ("deep/call.py", format!("x = (a\n{})\n", lines("()", 20_000))),
        ("deep/call.ts", format!("let x = a\n{};\n", lines(".b()", 20_000))),
        ("deep/new.js", format!("let x = (\n{}A);\n", lines("new ", 20_000))),
    ] {
        let v = check_with(rel, &text);
        let crashed =
            v["notices"].as_array().unwrap().iter().any(|n| n["path"] == rel && n["kind"] == "internal-error");
        assert!(!crashed, "{rel}: {}", v["notices"]);
    }
}

#[test]
fn an_operator_chain_in_a_migration_is_a_notice_not_an_abort() {
    let rel = "db/migrations/V1__chain.sql";
    let text = format!("SELECT 1\n{};\nCREATE INDEX i ON t (a);\n", "+ 1\n".repeat(50_000));
    let v = check_with(rel, &text);
    let n = notice_for(&v, rel);
    assert!(n["message"].as_str().unwrap().contains("recursion limit"), "{n}");
    // The statement after the chain is still read and checked.
    let index = v["diagnostics"].as_array().unwrap().iter().any(|d| d["path"] == rel && d["code"] == "PP801");
    assert!(index, "{}", v["diagnostics"]);
}
