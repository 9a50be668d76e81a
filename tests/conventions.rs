//! The conventions users of ruff, oxlint and squawk expect from a linter's
//! command line, each run with the real binary: the traps a new user fell
//! into (a report silently written to a file named `json`, an unsupported
//! file checked as "No findings", preview rules nobody is told about, colour
//! that ignores the environment) and the flags and formats they reach for.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{bin, stderr, stdout, write};

/// Runs the binary in `dir` with a clean colour environment plus `env`.
fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = bin();
    cmd.current_dir(dir).args(args);
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "TERM", "CI", "GITHUB_ACTIONS"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[("NO_COLOR", "1")])
}

/// A project with one PP201 finding, and a config that turns that preview
/// rule on.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/fetch.py", common::FETCH);
    write(dir.path(), "pagerproof.toml", "select = [\"PP201\"]\n");
    dir
}

#[test]
fn output_format_is_an_alias_of_format() {
    let dir = project();
    let a = run(dir.path(), &["check", "--output-format", "json", "."]);
    let b = run(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(a.status.code(), Some(1), "{}", stderr(&a));
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).expect("--output-format json is JSON");
    assert!(v["diagnostics"].is_array(), "{v}");
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn a_format_name_given_as_the_output_file_is_refused() {
    let dir = project();
    let o = run(dir.path(), &["check", "--output", "json", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("json").exists(), "no file named `json` may be written");
    let err = stderr(&o);
    assert!(err.contains("--format json") && err.contains("./json"), "{err}");
    // A path that says it means a file is written as asked.
    let o = run(dir.path(), &["check", "--format", "json", "--output", "./json", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let written = std::fs::read(dir.path().join("json")).unwrap();
    serde_json::from_slice::<serde_json::Value>(&written).expect("the file holds the JSON report");
    let o = run(dir.path(), &["check", "-o", "sarif", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("sarif").exists());
}

#[test]
fn statistics_show_files_and_exit_zero() {
    let dir = project();
    write(dir.path(), "app/more.py", "import requests\n\ndef a(u):\n    requests.post(u)\n    requests.put(u)\n");
    write(dir.path(), "app/clean.py", "x = 1\n");
    let o = run(dir.path(), &["check", "--statistics", "."]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.starts_with("3  PP201  request-without-timeout\n"), "{out}");
    assert!(!out.contains("fetch.py"), "statistics replace the findings: {out}");
    let o = run(dir.path(), &["check", "--statistics", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "PP201");
    assert_eq!(v[0]["count"], 3);

    let o = run(dir.path(), &["check", "--show-files", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "app/clean.py\napp/fetch.py\napp/more.py\n");

    let o = run(dir.path(), &["check", "--exit-zero", "."]);
    assert_eq!(o.status.code(), Some(0), "findings are shown but do not fail");
    assert!(stdout(&o).contains("PP201"));
    let o = run(dir.path(), &["check", "--exit-zero", "missing.py"]);
    assert_eq!(o.status.code(), Some(2), "an error still fails");
}

#[test]
fn check_dash_reads_stdin_as_the_named_file_with_the_project_facts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/setup.ts", "import axios from 'axios';\naxios.defaults.timeout = 5000;\n");
    write(dir.path(), "src/other.py", common::FETCH);
    write(dir.path(), "pagerproof.toml", "select = [\"PP201\"]\n");
    let buffer = "import axios from 'axios';\nexport const f = (u: string) => axios.get(u);\n";
    let check_stdin = |name: &str, text: &str| {
        let mut child = bin()
            .current_dir(dir.path())
            .args(["check", "-", "--stdin-filename", name, "--format", "concise"])
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    // setup.ts gives axios a default timeout: the buffer is fine, and the
    // Python file's finding is not reported (it was not asked about).
    let o = check_stdin("src/client.ts", buffer);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("1 file checked"), "{}", stdout(&o));
    // The same text as Python is a finding, reported under the given name.
    let o = check_stdin("src/new.py", common::FETCH);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(common::findings(&o), vec!["src/new.py:5: PP201"]);

    // A name pagerproof does not read is a notice, not a silent "No findings".
    let o = check_stdin("notes.md", "# notes\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("notice: notes.md: Not checked"), "{}", stdout(&o));

    let o = run(dir.path(), &["check", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--stdin-filename"), "{}", stderr(&o));
}

#[test]
fn an_unsupported_file_named_on_the_command_line_gets_a_notice() {
    let dir = project();
    write(dir.path(), "README.md", "# hello\n");
    write(dir.path(), "schema.sql", "ALTER TABLE users ADD COLUMN email text NOT NULL;\n");
    let o = run(dir.path(), &["check", "README.md", "schema.sql"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("notice: README.md: Not checked: pagerproof does not read this file type"), "{out}");
    assert!(out.contains("notice: schema.sql: Not checked: SQL is read only as a PostgreSQL up migration"), "{out}");
    // Walking a directory stays quiet about the files it does not read.
    let o = run(dir.path(), &["check", "."]);
    assert!(!stdout(&o).contains("README.md"), "{}", stdout(&o));
}

#[test]
fn a_run_says_when_preview_rules_would_have_looked_at_its_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "migrations/0002_email.sql", "ALTER TABLE users ADD COLUMN email text NOT NULL;\n");
    let o = run(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("No findings"), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("preview rule(s) for the checked files did not run"), "{err}");
    assert!(err.contains("PP803 not-null-column-without-default (error)"), "{err}");
    assert!(err.contains("--preview"), "{err}");
    let o = run(dir.path(), &["check", "--preview", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("did not run"), "{}", stderr(&o));
    let o = run(dir.path(), &["check", "--quiet", "."]);
    assert!(!stderr(&o).contains("did not run"));
    // Python code that is not a migration is not what the migration rules
    // look at: they are not named.
    let py = project();
    std::fs::remove_file(py.path().join("pagerproof.toml")).unwrap();
    let o = run(py.path(), &["check", "."]);
    let err = stderr(&o);
    assert!(err.contains("PP201 request-without-timeout"), "{err}");
    assert!(!err.contains("PP803"), "{err}");
}

#[test]
fn explain_takes_a_category_and_json() {
    let dir = project();
    let o = run(dir.path(), &["explain", "missing-timeout"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("missing-timeout: 2 rules"), "{out}");
    assert!(out.contains("PP201  request-without-timeout") && out.contains("PP202  connection-without-timeout"));
    let o = run(dir.path(), &["explain", "missing-timeout", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["category"], "missing-timeout");
    assert_eq!(v["rules"][0]["code"], "PP201");
    let o = run(dir.path(), &["explain", "PP803", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["name"], "not-null-column-without-default");
    assert_eq!(v["status"], "preview");
    assert!(v["doc"].as_str().unwrap().contains("NOT NULL"));
    let o = run(dir.path(), &["explain", "missing-timeouts"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `missing-timeout`?"), "{}", stderr(&o));
}

#[test]
fn rules_filter_by_category_language_and_status() {
    let dir = project();
    let codes = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["rules", "--format", "json"];
        all.extend_from_slice(args);
        let o = run(dir.path(), &all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        v.iter().map(|r| r["code"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(codes(&["--category", "missing-timeout"]), ["PP201", "PP202"]);
    let preview = codes(&["--status", "preview"]);
    assert!(preview.contains(&"PP803".to_string()) && !preview.contains(&"PP103".to_string()), "{preview:?}");
    let sql = codes(&["--language", "sql"]);
    assert!(sql.iter().all(|c| c.starts_with("PP8")), "{sql:?}");
    assert_eq!(codes(&["--language", "sql", "--status", "stable", "--category", "missing-timeout"]), [""; 0]);
    let o = run(dir.path(), &["rules", "--category", "timeouts"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing-timeout"), "{}", stderr(&o));
}

// ---- colour ----

fn has_escape(o: &Output) -> bool {
    o.stdout.contains(&0x1b) || o.stderr.contains(&0x1b)
}

#[test]
fn colour_follows_no_color_clicolor_force_and_force_color() {
    let dir = project();
    // stdout is a pipe: no colour unless forced.
    assert!(!has_escape(&run_env(dir.path(), &["check", "."], &[])));
    assert!(has_escape(&run_env(dir.path(), &["check", "."], &[("FORCE_COLOR", "1")])));
    assert!(has_escape(&run_env(dir.path(), &["check", "."], &[("CLICOLOR_FORCE", "1")])));
    assert!(!has_escape(&run_env(dir.path(), &["check", "."], &[("FORCE_COLOR", "0")])));
    // NO_COLOR wins over a request to force colour, and an empty NO_COLOR
    // is no request at all.
    assert!(!has_escape(&run_env(dir.path(), &["check", "."], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])));
    assert!(has_escape(&run_env(dir.path(), &["check", "."], &[("FORCE_COLOR", "1"), ("NO_COLOR", "")])));
    // --color always|never beats the environment.
    assert!(has_escape(&run_env(dir.path(), &["check", "--color", "always", "."], &[("NO_COLOR", "1")])));
    assert!(!has_escape(&run_env(dir.path(), &["check", "--color", "never", "."], &[("FORCE_COLOR", "1")])));
    // Writing to a file is never coloured.
    let o = run_env(dir.path(), &["check", "-o", "report.txt", "."], &[("TERM", "xterm")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!std::fs::read(dir.path().join("report.txt")).unwrap().contains(&0x1b));
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), which merges
/// stdout and stderr: what a person at a terminal sees.
fn on_terminal(dir: &Path, args: &str, env: &[(&str, &str)]) -> Vec<u8> {
    let mut cmd = Command::new("script");
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_pagerproof"));
    cmd.current_dir(dir).args(["-qec", &line, "/dev/null"]).stdin(Stdio::null());
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "TERM", "CI", "GITHUB_ACTIONS"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("util-linux `script` runs (it gives the binary a terminal)");
    o.stdout
}

#[test]
fn on_a_terminal_term_dumb_and_no_color_get_no_escape_codes_anywhere() {
    let dir = project();
    let coloured = on_terminal(dir.path(), "check .", &[("TERM", "xterm-256color")]);
    assert!(String::from_utf8_lossy(&coloured).contains("PP201"));
    assert!(coloured.contains(&0x1b), "a colour terminal gets colour");
    for env in [[("TERM", "dumb"), ("TERM", "dumb")], [("TERM", "xterm-256color"), ("NO_COLOR", "1")]] {
        let out = on_terminal(dir.path(), "check .", &env);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("PP201"), "{text}");
        assert!(!out.contains(&0x1b), "{env:?}: escape codes on the terminal (stdout or stderr): {text:?}");
    }
}

// ---- formats ----

/// A project whose file name and finding text need escaping in XML.
fn hostile() -> tempfile::TempDir {
    let dir = project();
    write(dir.path(), "app/a&<b>\"q'.py", "import requests\n\ndef f(u):\n    return requests.get(u)\n");
    dir
}

#[test]
fn gitlab_code_quality_has_the_fields_gitlab_reads() {
    let dir = hostile();
    let o = run(dir.path(), &["check", "--format", "gitlab", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("a JSON array");
    assert_eq!(v.len(), 2);
    let mut fingerprints = std::collections::HashSet::new();
    for issue in &v {
        assert!(issue["description"].as_str().unwrap().starts_with("PP201: "), "{issue}");
        assert_eq!(issue["check_name"], "PP201 request-without-timeout");
        assert_eq!(issue["severity"], "major");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 4, "{issue}");
        assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_string()));
    }
    assert_eq!(v[0]["location"]["path"], "app/a&<b>\"q'.py");
    assert_eq!(v[1]["location"]["path"], "app/fetch.py");
    let clean = tempfile::tempdir().unwrap();
    let o = run(clean.path(), &["check", "--format", "gitlab", "."]);
    assert_eq!(stdout(&o).trim(), "[]");
}

#[test]
fn junit_parses_and_has_one_failure_per_finding() {
    let dir = hostile();
    let o = run(dir.path(), &["check", "--format", "junit", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("failures"), Some("2"));
    let suite = root.children().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("name"), Some("PP201 request-without-timeout"));
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].attribute("name"), Some("app/a&<b>\"q'.py"));
    let failure = cases[0].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("warning"));
    assert!(failure.text().unwrap().starts_with("app/a&<b>\"q'.py:4:"), "{:?}", failure.text());
    // A clean run is one passing test case, not an empty report.
    let clean = tempfile::tempdir().unwrap();
    let text = stdout(&run(clean.path(), &["check", "--format", "junit", "."]));
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testcase")).count(), 1);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 0);
}

#[test]
fn checkstyle_parses_with_one_error_per_finding() {
    let dir = hostile();
    let o = run(dir.path(), &["check", "--format", "checkstyle", "."]);
    let text = stdout(&o);
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(doc.root_element().tag_name().name(), "checkstyle");
    let files: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("file")).collect();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].attribute("name"), Some("app/a&<b>\"q'.py"));
    let error = files[0].children().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(error.attribute("line"), Some("4"));
    assert_eq!(error.attribute("severity"), Some("warning"));
    assert_eq!(error.attribute("source"), Some("pagerproof.PP201"));
    assert!(error.attribute("message").unwrap().ends_with("(request-without-timeout)"));
}

#[test]
fn machine_formats_written_to_a_file_repeat_the_summary_on_stderr() {
    let dir = project();
    for format in ["gitlab", "junit", "checkstyle"] {
        let o = run(dir.path(), &["check", "--format", format, "-o", "out.report", "."]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("Found 1 warning"), "{format}: {}", stderr(&o));
    }
}

// ---- completions and the manual ----

#[test]
fn completions_and_man_page_come_from_the_argument_definitions() {
    let dir = project();
    let o = run(dir.path(), &["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    let bash = stdout(&o);
    assert!(bash.contains("_pagerproof()") && bash.contains("--output-format") && bash.contains("explain"), "{bash}");
    let syntax = Command::new("bash").args(["-n", "-c", &bash]).status().unwrap();
    assert!(syntax.success(), "the bash script parses");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = run(dir.path(), &["completions", shell]);
        assert!(o.status.success() && stdout(&o).contains("stdin-filename"), "{shell}");
    }
    let o = run(dir.path(), &["man"]);
    let page = stdout(&o);
    assert!(page.starts_with(".ie") || page.contains(".TH pagerproof 1"), "{page}");
    assert!(page.contains("check") && page.contains("explain"), "{page}");
    let o = run(dir.path(), &["man", "--dir", "man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let check = std::fs::read_to_string(dir.path().join("man/pagerproof-check.1")).unwrap();
    assert!(check.contains("stdin\\-filename"), "{check}");
}

// ---- other linters' suppressions ----

#[test]
fn other_linters_reviewed_suppressions_of_the_equivalent_rule_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let py = "import requests\n\n\ndef a(u):\n    return requests.get(u)  # noqa: S113\n\n\n\
              def b(u):\n    return requests.get(u)  # nosec B113\n\n\n\
              def c(u):\n    # nosemgrep: python.requests.best-practice.use-timeout.use-timeout\n    return requests.get(u)\n\n\n\
              def d(u):\n    return requests.get(u)  # pylint: disable=missing-timeout\n\n\n\
              def e(u):\n    return requests.get(u)  # noqa: E501\n\n\n\
              def f(u):\n    return requests.get(u)  # noqa\n";
    write(dir.path(), "app/fetch.py", py);
    write(
        dir.path(),
        "web/jobs.js",
        "export function f(work) {\n  try {\n    work();\n  } finally {\n    // eslint-disable-next-line no-unsafe-finally\n    return 1;\n  }\n}\n\
         export function g(work) {\n  try {\n    work();\n  } finally {\n    // eslint-disable-next-line no-console\n    return 1;\n  }\n}\n",
    );
    write(
        dir.path(),
        "migrations/0002_email.sql",
        "SET lock_timeout = '2s';\n-- squawk-ignore adding-required-field\nALTER TABLE users ADD COLUMN email text NOT NULL;\n\
         ALTER TABLE users ADD COLUMN phone text NOT NULL;\n",
    );
    let o = run(dir.path(), &["check", "--preview", "--format", "concise", "."]);
    // Only the findings whose directive names another rule, or no rule, stay;
    // a foreign directive is never an unused or invalid suppression of ours.
    assert_eq!(
        common::findings(&o),
        vec![
            "app/fetch.py:22: PP201",
            "app/fetch.py:26: PP201",
            "migrations/0002_email.sql:4: PP803",
            "web/jobs.js:14: PP103"
        ],
        "{}",
        stdout(&o)
    );
}
