//! End-to-end tests of the real `pagerproof` binary: exit codes, formats,
//! atomic output, suppressions, discovery, bad input and determinism.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pagerproof"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temp project with one finding (`return` in `finally`) and one clean file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/jobs.py", "def run(job):\n    try:\n        job.go()\n    finally:\n        return None\n");
    write(dir.path(), "app/clean.py", "def ok():\n    return 1\n");
    dir
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = project();
    let o = run_in(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = run_in(dir.path(), &["check", "--fail-on", "error", "."]);
    assert_eq!(o.status.code(), Some(0), "warnings stay below --fail-on error");
    let o = run_in(dir.path(), &["check", "--fail-on", "never", "."]);
    assert_eq!(o.status.code(), Some(0));
    let o = run_in(dir.path(), &["check", "app/clean.py"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn usage_errors_exit_2() {
    let dir = project();
    let o = run_in(dir.path(), &["check", "--select", "jump-in-finaly", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `jump-in-finally`"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["check", "--format", "xml", "."]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(dir.path(), &["check", "does/not/exist.py"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(dir.path(), &["explain", "PP999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn select_and_ignore_by_code_name_and_category() {
    let dir = project();
    for args in [
        vec!["check", "--ignore", "PP103", "."],
        vec!["check", "--ignore", "jump-in-finally", "."],
        vec!["check", "--ignore", "swallowed-exception", "."],
        vec!["check", "--select", "missing-timeout", "."],
    ] {
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stdout(&o));
    }
    let o = run_in(dir.path(), &["check", "--select", "PP103", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("app/jobs.py:5:9: PP103"), "{}", stdout(&o));
}

#[test]
fn every_format_renders() {
    let dir = project();
    let o = run_in(dir.path(), &["check", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json output parses");
    assert!(v.is_object());
    let o = run_in(dir.path(), &["check", "--format", "sarif", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif output parses");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "PP103");
    let o = run_in(dir.path(), &["check", "--format", "github", "."]);
    assert!(stdout(&o).starts_with("::warning "), "{}", stdout(&o));
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert!(stdout(&o).contains("app/jobs.py:5:9:"), "{}", stdout(&o));
    let o = run_in(dir.path(), &["check", "--format", "text", "."]);
    let text = stdout(&o);
    assert!(text.contains("PP103") && text.contains("app/jobs.py"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when NO_COLOR is set");
}

#[test]
fn output_file_is_written_whole_and_atomically() {
    let dir = project();
    let out = dir.path().join("report.sarif");
    std::fs::write(&out, "old contents").unwrap();
    let o = run_in(dir.path(), &["check", "--format", "sarif", "-o", "report.sarif", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "the report goes to the file, not stdout");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pagerproof-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    // An output path in a missing directory is an error that leaves nothing behind.
    let o = run_in(dir.path(), &["check", "-o", "missing/dir/report.txt", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn suppressions_silence_and_unused_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.py",
        "def run(job):\n    try:\n        job.go()\n    finally:\n        return None  # pagerproof: ignore[PP103] -- job errors are reported by the queue\n",
    );
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    write(dir.path(), "b.ts", "const x = 1; // pagerproof: ignore[jump-in-finally] -- stale\n");
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("b.ts:1:14: PP001"), "{}", stdout(&o));
    // Not reported as unused when the rule it names did not run.
    let o = run_in(dir.path(), &["check", "--ignore", "PP103", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn prose_naming_the_tool_is_not_a_suppression_but_a_bare_ignore_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    // A module doc that starts with the tool's name and a colon is prose.
    write(
        dir.path(),
        "src/lib.rs",
        "//! pagerproof: a linter that stops production failures before they merge.\n\
         /// See pagerproof: its rules are in rules/.\npub fn f() {}\n",
    );
    write(dir.path(), "doc.py", "# pagerproof: finds what breaks in production\nx = 1\n");
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("PP002"), "{}", stdout(&o));
    // A bare `ignore` names no rule: reported, and it suppresses nothing.
    write(
        dir.path(),
        "job.py",
        "def run(job):\n    try:\n        job.go()\n    finally:\n        return None  # pagerproof: ignore\n",
    );
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("job.py:5:22: PP002"), "{out}");
    assert!(out.contains("job.py:5:9: PP103"), "the bare ignore must not suppress: {out}");
    // A misspelt directive glued to its rule list is malformed, not prose.
    write(dir.path(), "typo.ts", "const x = 1; // pagerproof: ignroe[PP201] -- typo\n");
    let o = run_in(dir.path(), &["check", "--format", "concise", "typo.ts"]);
    assert!(stdout(&o).contains("typo.ts:1:14: PP002"), "{}", stdout(&o));
}

#[test]
fn gitignore_and_vendored_directories_are_skipped() {
    let dir = project();
    write(dir.path(), ".gitignore", "generated/\n");
    let bad = "def f():\n    try:\n        pass\n    finally:\n        return 1\n";
    write(dir.path(), "generated/x.py", bad);
    write(dir.path(), "node_modules/pkg/y.js", "function f(){ try {} finally { return 1; } }\n");
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(!out.contains("generated/x.py") && !out.contains("node_modules"), "{out}");
    // An explicitly named file is checked even when ignored.
    let o = run_in(dir.path(), &["check", "--format", "concise", "generated/x.py"]);
    assert!(stdout(&o).contains("generated/x.py:5:9"), "{}", stdout(&o));
}

#[test]
fn bad_input_gets_a_notice_and_the_scan_completes() {
    let dir = project();
    std::fs::write(dir.path().join("app/blob.py"), b"\x00\x01\x02\xffbinary").unwrap();
    std::fs::write(dir.path().join("app/latin1.py"), b"x = '\xe9t\xe9'\n").unwrap();
    write(dir.path(), "app/broken.py", "def f(:\n    try:\n        x()\n    finally:\n        return 2\n");
    let deep = format!("x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    write(dir.path(), "app/deep.py", &deep);
    let deep_js = format!("const x = {}1{};\n", "(".repeat(5000), ")".repeat(5000));
    write(dir.path(), "app/deep.js", &deep_js);
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    assert!(out.contains("app/jobs.py:5:9: PP103"), "other files are still reported: {out}");
    assert!(out.contains("app/blob.py") && out.contains("Binary content"), "{out}");
    assert!(out.contains("app/latin1.py") && out.contains("UTF-8"), "{out}");
    assert!(out.contains("app/broken.py") && out.contains("a syntax error"), "{out}");
    // Rust: a syn parse failure and a file nested too deep are notices with a
    // location, and the Rust files beside them are still checked.
    write(dir.path(), "src/broken.rs", "fn ok() {}\nfn broken( {\n");
    let deep_rs = format!("fn f() {{\n    let x = {}1{};\n}}\n", "(\n".repeat(100_000), ")".repeat(100_000));
    write(dir.path(), "src/deep.rs", &deep_rs);
    write(dir.path(), "src/net.rs", "async fn f() {\n    let c = reqwest::Client::new();\n}\n");
    // The Rust side of request-without-timeout is preview.
    let o = run_in(dir.path(), &["check", "--format", "concise", "--preview", "."]);
    let out = stdout(&o);
    assert!(out.contains("src/net.rs:2:13: PP201"), "{out}");
    assert!(out.contains("src/broken.rs:2") && out.contains("Rust syntax error"), "{out}");
    assert!(out.contains("src/deep.rs:") && out.contains("Nesting deeper"), "{out}");
    let o = run_in(dir.path(), &["check", "--parse-only", "src"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // SARIF carries the notices as tool execution notifications.
    let o = run_in(dir.path(), &["check", "--format", "sarif", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().cloned().unwrap_or_default();
    assert!(notes.len() >= 3, "{notes:?}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let p = write(dir.path(), "app/secret.py", "x = 1\n");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        return; // running as root: permissions do not apply
    }
    let o = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("app/secret.py"));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..60 {
        write(
            dir.path(),
            &format!("m{i:02}/mod.py"),
            "def f(x):\n    try:\n        x()\n    finally:\n        return 1\n\ndef g(y):\n    for z in y:\n        try:\n            z()\n        finally:\n            continue\n",
        );
        write(dir.path(), &format!("m{i:02}/view.ts"), "function f() { try { g(); } finally { return 1; } }\n");
    }
    let a = run_in(dir.path(), &["check", "-j", "1", "--format", "sarif", "."]);
    let b = run_in(dir.path(), &["check", "-j", "4", "--format", "sarif", "."]);
    assert_eq!(a.status.code(), Some(1));
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout, "SARIF differs between -j 1 and -j 4");
}

#[test]
fn paths_are_relative_to_the_working_directory() {
    let dir = project();
    let o = run_in(&dir.path().join("app"), &["check", "--format", "concise", "."]);
    assert!(stdout(&o).starts_with("jobs.py:5:9:"), "{}", stdout(&o));
    let o = run_in(dir.path(), &["check", "--format", "concise", "./app/../app"]);
    assert!(stdout(&o).starts_with("app/jobs.py:5:9:"), "{}", stdout(&o));
}

#[test]
fn rules_and_explain() {
    let dir = project();
    let o = run_in(dir.path(), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("PP103  jump-in-finally"), "{}", stdout(&o));
    let o = run_in(dir.path(), &["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rule = v.as_array().unwrap().iter().find(|r| r["code"] == "PP103").unwrap();
    assert_eq!(rule["category"], "swallowed-exception");
    assert_eq!(rule["status"], "stable");
    for key in ["PP103", "jump-in-finally"] {
        let o = run_in(dir.path(), &["explain", key]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("## Why is this bad?"), "{}", stdout(&o));
    }
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..1000 {
        write(dir.path(), &format!("f{i}.py"), "def f():\n    try:\n        g()\n    finally:\n        return 1\n");
    }
    let mut child = bin()
        .current_dir(dir.path())
        .args(["check", "--format", "concise", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
}

#[test]
fn test_code_is_skipped_unless_asked_for() {
    let dir = project();
    let bad = "def f(x):\n    try:\n        x()\n    finally:\n        return 1\n";
    write(dir.path(), "app/tests/test_jobs.py", bad);
    write(dir.path(), "web/src/api.test.ts", "function f() { try { g(); } finally { return 1; } }\n");
    let o = run_in(dir.path(), &["check", "--format", "concise", "-q", "."]);
    let out = stdout(&o);
    assert!(out.contains("app/jobs.py") && !out.contains("test_jobs.py") && !out.contains("api.test.ts"), "{out}");
    let o = run_in(dir.path(), &["check", "--format", "concise", "-q", "--include-tests", "."]);
    let out = stdout(&o);
    assert!(out.contains("app/tests/test_jobs.py:5:9") && out.contains("web/src/api.test.ts"), "{out}");
    // Named explicitly, a test file is checked.
    let o = run_in(dir.path(), &["check", "--format", "concise", "-q", "app/tests/test_jobs.py"]);
    assert!(stdout(&o).contains("test_jobs.py:5:9"), "{}", stdout(&o));
    // A project that itself lives in a folder named `test` is still checked.
    let nested = dir.path().join("test");
    write(&nested, "svc/app.py", bad);
    let o = run_in(dir.path(), &["check", "--format", "concise", "-q", "test"]);
    assert!(stdout(&o).contains("test/svc/app.py:5:9"), "{}", stdout(&o));
}

/// A preview rule reports only with `--preview` or when named by code or
/// name; a category or `ALL` picks stable rules only.
#[test]
fn a_preview_rule_needs_preview_or_the_rule_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/client.py", "import requests\n\ndef f(u):\n    return requests.get(u)\n");
    let concise = |args: &[&str]| {
        let mut all = vec!["check", "--no-cache", "--format", "concise", "-q"];
        all.extend_from_slice(args);
        all.push(".");
        stdout(&run_in(dir.path(), &all))
    };
    assert!(!concise(&[]).contains("app/client.py"));
    assert!(concise(&["--preview"]).contains("app/client.py:4"));
    assert!(concise(&["--select", "PP201"]).contains("app/client.py:4"));
    assert!(concise(&["--select", "request-without-timeout"]).contains("app/client.py:4"));
    assert!(!concise(&["--select", "missing-timeout"]).contains("app/client.py"));
    assert!(!concise(&["--select", "ALL"]).contains("app/client.py"));
    assert!(concise(&["--select", "ALL", "--preview"]).contains("app/client.py:4"));
}

#[test]
fn the_readme_example_is_what_the_binary_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## Example").unwrap()..readme.find("## Usage").unwrap()];
    let block = |fence: &str| {
        let start = section.find(fence).unwrap() + fence.len();
        let body = &section[start..];
        body[..body.find("```").unwrap()].to_string()
    };
    let source = block("```python\n");
    let source = source.strip_prefix("# app/billing.py\n").expect("the example names its file");
    let shown = block("```text\n");
    let (command, shown) = shown.split_once('\n').expect("the example shows its command");
    let args: Vec<&str> =
        command.strip_prefix("$ pagerproof ").expect("the example runs pagerproof").split(' ').collect();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/billing.py", source);
    let mut with_no_cache = args.clone();
    with_no_cache.insert(1, "--no-cache");
    let o = run_in(dir.path(), &with_no_cache);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), shown, "README's example output is stale");
}

/// A templated migration history (golang-migrate `{{ .Schema }}`, Flyway
/// `${flyway:defaultSchema}`, Jinja `{% if %}`) reaches the rules: its real
/// findings are reported and no valid statement is called a syntax error.
#[test]
fn a_templated_history_is_read_without_syntax_error_notices() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/000001_init.up.sql",
        "{{/* applied with text/template */}}\nCREATE TABLE {{ .Schema }}.users (id bigint PRIMARY KEY, email text);\nCREATE TABLE ${flyway:defaultSchema}.orders (id bigint PRIMARY KEY);\n{% if audit %}\nCREATE TABLE {{ schema }}.audit (id bigint);\n{% endif %}\n",
    );
    write(
        dir.path(),
        "migrations/000002_idx.up.sql",
        "CREATE INDEX users_email_idx ON {{ .Schema }}.users (email);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_id_idx ON ${flyway:defaultSchema}.orders (id);\nALTER TABLE {{ .Schema }}.users ALTER COLUMN email TYPE varchar(20) COLLATE \"C\";\n",
    );
    let o = run_in(dir.path(), &["check", "--format", "json", "--fail-on", "never", "--preview", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notices = report["notices"].as_array().unwrap();
    assert!(notices.is_empty(), "{notices:?}");
    let codes: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{}:{}", d["code"].as_str().unwrap(), d["start"]["line"]))
        .collect();
    // The plain index on an existing table, and the type change; the
    // concurrent index is fine.
    assert!(codes.contains(&"PP801:1".to_string()), "{codes:?}");
    assert!(codes.contains(&"PP805:3".to_string()), "{codes:?}");
    assert!(!codes.iter().any(|c| c.ends_with(":2") && c.starts_with("PP801")), "{codes:?}");
}

/// Valid PostgreSQL that the SQL parser cannot read is an
/// `unsupported-statement` notice; a truncated statement stays a syntax error.
#[test]
fn unsupported_statements_are_not_reported_as_syntax_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/V1__init.sql",
        "CREATE TABLE t (id bigint);\nALTER TABLE t ATTACH PARTITION t_2024 FOR VALUES FROM (1) TO (2);\nALTER TABLE t ADD COLUMN;\nDO $$ BEGIN EXECUTE format('CREATE INDEX ON %I (id)', 't'); END $$;\n",
    );
    let o = run_in(dir.path(), &["check", "--format", "json", "--fail-on", "never", "--preview", "."]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notices: Vec<String> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{} {} {}", n["kind"].as_str().unwrap(), n["line"], n["message"].as_str().unwrap()))
        .collect();
    assert_eq!(notices.len(), 3, "{notices:?}");
    let has = |prefix: &str| notices.iter().any(|n| n.starts_with(prefix));
    assert!(has("unsupported-statement 2 Unsupported statement: `ALTER TABLE ... ATTACH PARTITION`"), "{notices:?}");
    assert!(has("syntax-error 3 Syntax error: "), "{notices:?}");
    assert!(has("unsupported-statement 4 Unsupported statement: `DO` block with EXECUTE"), "{notices:?}");
    // The text format says the same.
    let o = run_in(dir.path(), &["check", "--fail-on", "never", "--preview", "."]);
    assert!(stdout(&o).contains("V1__init.sql:2: Unsupported statement:"), "{}", stdout(&o));
}

#[test]
fn project_root_takes_facts_from_the_whole_root_and_reports_the_named_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/setup.ts", "import axios from 'axios';\naxios.defaults.timeout = 5000;\n");
    write(dir.path(), "src/client.ts", "import axios from 'axios';\nexport const f = (u: string) => axios.get(u);\n");
    write(dir.path(), "src/other.py", "import requests\n\ndef g(u):\n    return requests.get(u)\n");
    let concise = ["check", "--format", "concise", "--no-cache", "--select", "PP201"];

    // Alone, the client is a finding: nothing it sees sets a default timeout.
    let o = run_in(dir.path(), &[&concise[..], &["src/client.ts"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("src/client.ts:2:"), "{}", stdout(&o));

    // With the root's facts (setup.ts sets it) it is clean.
    let o = run_in(dir.path(), &[&concise[..], &["--project-root", ".", "src/client.ts"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("PP201"), "{}", stdout(&o));

    // Only the named files are reported: other.py's finding, not client.ts's.
    let o = run_in(dir.path(), &[&concise[..], &["--project-root", ".", "src/other.py"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("src/other.py:4:"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("client.ts"), "{}", stdout(&o));

    // From a subdirectory, the root and the files are relative to it.
    let o = run_in(&dir.path().join("src"), &[&concise[..], &["--project-root", "..", "client.ts"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    // What would silently report nothing is a usage error.
    let outside = tempfile::tempdir().unwrap();
    let stray = write(outside.path(), "x.py", "x = 1\n");
    for (args, says) in [
        (vec!["--project-root", ".", "src"], "is a directory"),
        (vec!["--project-root", ".", "src/missing.py"], "does not exist"),
        (vec!["--project-root", ".", stray.to_str().unwrap()], "is not under the project root"),
        (vec!["--project-root", "nowhere", "src/other.py"], "not a directory"),
    ] {
        let o = run_in(dir.path(), &[&concise[..], &args[..]].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}
