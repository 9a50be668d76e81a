//! A hostile pull request against the gate, with the real binary: repository
//! content (file names, SQL identifiers, comments, config values, a baseline)
//! must not write workflow commands or terminal escapes in any format; `-o`
//! must write through links and into devices without replacing them; line
//! endings, byte order marks, NUL bytes, declared encodings and file names
//! must not make a file or its findings vanish; and the scan's scope (the
//! config in effect, what a named path is) must be visible.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{bin, git, stderr, stdout, write};

/// `return` in `finally` (PP103) on line 5.
const FINALLY_PY: &str = "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n";

/// Runs the binary in `dir`, with the user cache directory in the system's
/// temporary directory (the cache keeps one folder per project).
fn run(dir: &Path, args: &[&str]) -> Output {
    let cache = std::env::temp_dir().join("pagerproof-tests-cache");
    bin().current_dir(dir).args(args).env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache).output().expect("runs")
}

fn write_bytes(root: &Path, rel: &[u8], bytes: &[u8]) {
    use std::os::unix::ffi::OsStrExt;
    let p = root.join(std::ffi::OsStr::from_bytes(rel));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Characters that must never reach a terminal or a CI log raw.
fn raw_hazard(c: char) -> bool {
    matches!(c, '\u{1b}' | '\u{7}' | '\r' | '\u{9b}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A GitHub workflow command that the runner parses as one command: a known
/// command, `key=value` properties without a raw `:` or `,` in a value, then
/// `::` and the data.
fn well_formed_command(line: &str) -> bool {
    let Some(rest) = ["::error ", "::warning ", "::notice "].iter().find_map(|c| line.strip_prefix(c)) else {
        return false;
    };
    let Some((props, _data)) = rest.split_once("::") else { return false };
    props.split(',').all(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            ["file", "line", "endLine", "col", "endColumn", "title"].contains(&k) && !v.contains(':')
        })
    })
}

/// Asserts that no line of `out` starts a workflow command (unless `github`
/// and well-formed) and that no hazardous character is in it.
fn assert_inert(what: &str, out: &[u8], github: bool) {
    let text = String::from_utf8_lossy(out);
    assert!(!text.chars().any(raw_hazard), "{what}: a raw control or bidi character: {text:?}");
    for line in text.split(['\n', '\r']) {
        if line.trim_start().starts_with("::") {
            assert!(github && well_formed_command(line), "{what}: a line starts a workflow command: {line:?}");
        }
    }
}

fn hostile_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    // File names with a newline and a terminal title escape.
    write(&root, "app/a\n::error file=x.py::name.py", FINALLY_PY);
    write(&root, "app/b\u{1b}]0;pwned\u{7}\u{202e}.py", FINALLY_PY);
    // A SQL quoted identifier with a newline, a backtick and Markdown, in a
    // finding's message and in a parser notice.
    write(
        &root,
        "db/migrations/V1__idx.sql",
        "CREATE INDEX i ON \"orders\n::error ::sql` ![x](https://e/p) @org/team `\" (c);\n\
         SELEC \"x\n::error ::notice\";\n",
    );
    // A suppression target in a block comment with a newline.
    write(&root, "web/s.js", "/* pagerproof: ignore[x\n::error ::suppression] */\nlet a = 1;\n");
    // A lone CR, an escape and a bidi override in source lines shown in a snippet.
    write(
        &root,
        "app/c.py",
        "def f(job):\n    try:\n        job()\n    finally:\n        return 1  # \r::error ::cr \u{1b}[2J \u{202e}x\n",
    );
    dir
}

#[test]
fn repository_content_writes_no_workflow_command_and_no_escape() {
    let dir = hostile_repo();
    let root = dir.path().join("repo");
    for format in ["text", "concise", "github", "markdown"] {
        let o = run(&root, &["check", "--preview", "--format", format, "--no-progress", "."]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        assert_inert(format, &o.stdout, format == "github");
        assert_inert(format, &o.stderr, false);
    }
    let text = stdout(&run(&root, &["check", "--preview", "--format", "concise", "."]));
    // The escaped names are still there, each file reported once, under its own name.
    assert!(text.contains("app/a\\n::error file=x.py::name.py:5:9: PP103"), "{text}");
    assert!(text.contains("app/b\\u{1b}]0;pwned\\u{7}\\u{202e}.py:5:9: PP103"), "{text}");
    assert!(text.contains("PP801") && text.contains("`orders\\n::error ::sql`"), "{text}");

    let md = stdout(&run(&root, &["check", "--preview", "--format", "markdown", "."]));
    assert!(md.contains("PP801"), "{md}");
    assert!(!md.contains("![") && !md.contains("](") && !md.contains("@org"), "Markdown renders: {md}");
}

#[test]
fn config_errors_and_baselines_print_no_escape() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(&root, "app/jobs.py", FINALLY_PY);
    write(&root, "pagerproof.toml", "select = [\"\\u001b]0;t\\u0007\\r::error ::cfg\\n::error ::cfg2\"]\n");
    let o = run(&root, &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cfg2"), "{}", stderr(&o));
    assert_inert("config error", &o.stderr, false);

    // A baseline from the checkout whose entries match nothing: listed as pruneable.
    std::fs::remove_file(root.join("pagerproof.toml")).unwrap();
    let entry = serde_json::json!({
        "version": 2,
        "files": [{
            "path": "gone\u{1b}[2J\r::error ::p.py",
            "findings": [{
                "rule": "PP103\n::error ::r", "name": "n\u{7}", "symbol": "f\u{1b}]0;t\u{7}",
                "text": "x\u{202e}\r\n::error ::s", "count": 1
            }]
        }]
    });
    std::fs::write(root.join("base.json"), entry.to_string()).unwrap();
    let o = run(&root, &["check", "--baseline", "base.json", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("pruneable"), "{}", stderr(&o));
    assert_inert("baseline", &o.stderr, false);
}

/// Sets the child's umask: the permissions of a new output file follow it.
fn with_umask(cmd: &mut Command, mask: u32) -> &mut Command {
    use std::os::unix::process::CommandExt;
    unsafe extern "C" {
        fn umask(mask: u32) -> u32;
    }
    // SAFETY: umask is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(move || {
            umask(mask);
            Ok(())
        })
    }
}

#[test]
fn output_files_are_written_through_links_with_normal_permissions() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/jobs.py", FINALLY_PY);
    let out = |target: &str| {
        let mut cmd = bin();
        cmd.current_dir(root).args(["check", "--no-cache", "--format", "json", "-o", target, "app"]);
        with_umask(&mut cmd, 0o022).output().unwrap()
    };
    let mode = |p: &str| std::fs::metadata(root.join(p)).unwrap().permissions().mode() & 0o777;

    // A new file: 0666 less the umask, as any program's.
    assert_eq!(out("new.json").status.code(), Some(1));
    assert_eq!(mode("new.json"), 0o644);
    // An existing file keeps its mode.
    std::fs::write(root.join("kept.json"), "").unwrap();
    std::fs::set_permissions(root.join("kept.json"), std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(out("kept.json").status.code(), Some(1));
    assert_eq!(mode("kept.json"), 0o640);
    assert!(std::fs::read_to_string(root.join("kept.json")).unwrap().contains("PP103"));

    // A link is written through, to an existing and to a missing target.
    std::fs::create_dir(root.join("real")).unwrap();
    std::fs::write(root.join("real/report.json"), "old").unwrap();
    symlink("real/report.json", root.join("link.json")).unwrap();
    symlink("real/new.json", root.join("dangling.json")).unwrap();
    for (link, target) in [("link.json", "real/report.json"), ("dangling.json", "real/new.json")] {
        let o = out(link);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(std::fs::symlink_metadata(root.join(link)).unwrap().file_type().is_symlink(), "{link} replaced");
        assert!(std::fs::read_to_string(root.join(target)).unwrap().contains("PP103"), "{target}");
    }

    // `-o /dev/stdout` with stdout appended to a file (`>> log`) appends.
    std::fs::write(root.join("log.txt"), "before\n").unwrap();
    let log = std::fs::File::options().append(true).open(root.join("log.txt")).unwrap();
    let mut cmd = bin();
    cmd.current_dir(root).args(["check", "--no-cache", "--format", "concise", "-o", "/dev/stdout", "app"]);
    assert_eq!(cmd.stdout(Stdio::from(log)).status().unwrap().code(), Some(1));
    let log = std::fs::read_to_string(root.join("log.txt")).unwrap();
    assert!(log.starts_with("before\n") && log.contains("PP103"), "{log}");

    // A directory is refused with a clear error.
    let o = out("real");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));

    // A character device is written into, never replaced (a node of our own,
    // not the system's /dev/null; creating it needs root).
    let made = Command::new("mknod").arg(root.join("null")).args(["c", "1", "3"]).status();
    if made.is_ok_and(|s| s.success()) {
        let o = out("null");
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(std::fs::symlink_metadata(root.join("null")).unwrap().file_type().is_char_device());
    }
}

/// `path:line: CODE` of each finding, from concise output.
fn findings(o: &Output) -> Vec<String> {
    common::findings(o)
}

#[test]
fn line_endings_and_encodings_do_not_drop_files_or_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let cr = |s: &str| s.replace('\n', "\r");
    // CR-only line endings: JS findings on their own lines, a suppression on
    // line 1 silences only line 1, Python after a comment is still read.
    let js = "// pagerproof: ignore[PP103] -- old\nfunction f() {\n  try { g(); } finally { return 1; }\n}\n";
    write(&root, "web/cr.js", &cr(js));
    write(&root, "app/cr.py", &cr(&format!("# a comment\n{FINALLY_PY}")));
    // One 40 KB comment line does not make Rust "minified".
    let long_rs = format!("// {}\nfn main() {{ let _ = std::fs::read(\"x\"); }}\n", "x".repeat(40 * 1024));
    write(&root, "src/long.rs", &long_rs);
    write(&root, "src/long.py", &format!("# {}\n{FINALLY_PY}", "x".repeat(40 * 1024)));
    // A NUL byte in valid JavaScript is text.
    write(&root, "web/nul.js", "const s = \"\0\";\nfunction f() {\n  try { g(); } finally { return 1; }\n}\n");
    // A BOM before the first SQL statement.
    write(&root, "db/migrations/V1__bom.sql", "\u{feff}CREATE INDEX i ON orders (c);\n");
    // A Python file declaring Latin-1.
    let mut latin1 = b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".to_vec();
    latin1.extend_from_slice(FINALLY_PY.as_bytes());
    write_bytes(&root, b"app/latin1.py", &latin1);
    // Two names that differ only in bytes that are not UTF-8.
    write_bytes(&root, b"app/n\xff.py", FINALLY_PY.as_bytes());
    write_bytes(&root, b"app/n\xfe.py", FINALLY_PY.as_bytes());
    // UTF-16 gets its own notice.
    let utf16: Vec<u8> = [0xff, 0xfe].into_iter().chain(FINALLY_PY.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    write_bytes(&root, b"app/utf16.py", &utf16);

    let o = run(&root, &["check", "--format", "concise", "--select", "ALL", "--preview", "."]);
    let found = findings(&o);
    let out = stdout(&o);
    for want in [
        "web/cr.js:3: PP103",
        "app/cr.py:6: PP103",
        "src/long.py:6: PP103",
        "web/nul.js:3: PP103",
        "db/migrations/V1__bom.sql:1: PP801",
        "app/latin1.py:7: PP103",
        "app/n\\xFF.py:5: PP103",
        "app/n\\xFE.py:5: PP103",
    ] {
        assert!(found.iter().any(|f| f == want), "missing {want}: {out}");
    }
    assert!(!out.contains("src/long.rs: Looks minified"), "{out}");
    assert!(out.contains("notice: app/utf16.py: UTF-16"), "{out}");
    assert!(!out.contains("Binary"), "{out}");
}

#[test]
fn a_config_above_the_repository_root_is_ignored_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(dir.path(), "pagerproof.toml", "ignore = [\"PP103\"]\n");
    write(&root, "app/jobs.py", FINALLY_PY);
    git(&root, &["init", "-q"]);
    let o = run(&root, &["check", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(1), "the parent's config must not hide findings: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("ignoring /") && err.contains("pagerproof.toml: it is above the repository root"), "{err}");
    // Named on purpose, it applies.
    let o = run(&root, &["check", "--config", "../pagerproof.toml", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(", config /") && stdout(&o).contains("pagerproof.toml)"), "{}", stdout(&o));

    // The config in effect is named in the summary and by --show-settings.
    write(&root, "pagerproof.toml", "fail_on = \"error\"\n");
    let o = run(&root, &["check", "--show-settings", "."]);
    assert!(stdout(&o).contains("1 file checked, config pagerproof.toml)"), "{}", stdout(&o));
    assert!(stderr(&o).contains("config: pagerproof.toml") && stderr(&o).contains("fail_on: error"), "{}", stderr(&o));
}

#[test]
fn a_named_path_that_is_not_a_file_or_directory_is_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert!(Command::new("mkfifo").arg(root.join("pipe.py")).status().unwrap().success());
    let o = run(root, &["check", "--format", "concise", "pipe.py"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("pipe.py: Not a regular file or directory"), "{}", stdout(&o));
    let o = run(root, &["check", "--notices-as-errors", "pipe.py"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_full_stderr_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/jobs.py", FINALLY_PY);
    let full = std::fs::File::options().write(true).open("/dev/full").unwrap();
    let o = bin()
        .current_dir(root)
        .args(["check", "--no-cache", "--format", "json", "-o", "out.json", "."])
        .stderr(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "the summary on stderr could not be written; that is all");
    assert!(std::fs::read_to_string(root.join("out.json")).unwrap().contains("PP103"));
}
