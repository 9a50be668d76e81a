//! The bad-input matrix: every kind of input a real repository can throw at
//! pagerproof, all in one project. For each case: no panic, no hang, a notice
//! for what was skipped, every other file still reported, and the SARIF still
//! well-formed (`.ci/sarif-validate.sh` validates the same project shape with
//! the SARIF Multitool).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

const FINALLY_PY: &str = "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n";

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Runs the binary with a deadline and fails on any panic message.
fn run(dir: &Path, args: &[&str]) -> Output {
    let out = common::run_with_deadline(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "panic: {err}");
    out
}

fn json(dir: &Path) -> Value {
    let o = run(dir, &["check", "--format", "json", "--no-progress", "."]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON output parses")
}

/// `path:line:column` of every finding, and `path: message` of every notice.
fn findings(v: &Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!("{}:{}:{}:{}", d["path"].as_str().unwrap(), d["start"]["line"], d["start"]["column"], d["code"])
        })
        .collect()
}

fn notices(v: &Value) -> Vec<String> {
    v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{}: {}", n["path"].as_str().unwrap(), n["message"].as_str().unwrap()))
        .collect()
}

#[test]
fn the_bad_input_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A control file that must always be reported.
    write(root, "ok/control.py", FINALLY_PY.as_bytes());
    // Binary content and invalid UTF-8.
    // (NUL bytes alone do not make a file binary: valid UTF-8 is text.)
    write(root, "bad/blob.py", b"\x00\x01\x02\x03\xffbinary\x00");
    write(root, "bad/latin1.py", b"name = 'caf\xe9'\n");
    // A UTF-8 BOM and CRLF line endings: positions stay right.
    write(
        root,
        "bad/bom_crlf.py",
        "\u{feff}def f(job):\r\n    try:\r\n        job()\r\n    finally:\r\n        return 1\r\n".as_bytes(),
    );
    // Tabs and wide characters before the finding on its line.
    write(root, "bad/wide.py", "def f(job):\n\ttry:\n\t\tjob()\n\tfinally:\n\t\ts = \"😀日本\"; return 1\n".as_bytes());
    // Syntax errors mid-file: findings before and after still come.
    let mut broken = String::from(FINALLY_PY);
    broken.push_str("\ndef broken(:\n    pass\n\n");
    broken.push_str(&FINALLY_PY.replace("def f", "def g"));
    write(root, "bad/broken.py", broken.as_bytes());
    // 100,000-deep nesting in Python and TypeScript (TS split over lines so it
    // is not mistaken for a minified bundle).
    let deep_py = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    write(root, "bad/deep.py", deep_py.as_bytes());
    let deep_ts = format!("const x = {}1{};\n", "(\n".repeat(100_000), ")".repeat(100_000));
    write(root, "bad/deep.ts", deep_ts.as_bytes());
    // A 50 MB file is skipped with a notice, not read into memory and parsed.
    let big = "x = 1\n".repeat(50 * 1024 * 1024 / 6);
    write(root, "bad/huge.py", big.as_bytes());
    // An empty file and a file of only comments.
    write(root, "bad/empty.py", b"");
    write(root, "bad/comments.ts", b"// nothing here\n/* at all */\n");

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::symlink;
        // Symlink loops and a dangling link: never followed, never a hang.
        symlink("loop_b", root.join("bad/loop_a")).unwrap();
        symlink("loop_a", root.join("bad/loop_b")).unwrap();
        symlink(root.join("bad"), root.join("bad/self")).unwrap();
        symlink("gone.py", root.join("bad/dangling.py")).unwrap();
        // A FIFO named like a source file: reading it would block forever.
        let fifo = std::ffi::CString::new(root.join("bad/pipe.py").as_os_str().as_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        unsafe extern "C" {
            fn mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
        }
        assert_eq!(unsafe { mkfifo(fifo.as_ptr(), 0o644) }, 0);
        // A file name that is not UTF-8.
        let name = std::ffi::OsStr::from_bytes(b"bad/caf\xe9.py");
        std::fs::write(root.join(name), FINALLY_PY).unwrap();
    }

    let v = json(root);
    let found = findings(&v);
    let notes = notices(&v);
    let has = |s: &str| found.iter().any(|f| f == s);
    let noted = |path: &str, what: &str| notes.iter().any(|n| n.starts_with(path) && n.contains(what));

    assert!(has("ok/control.py:5:9:\"PP103\""), "{found:?}");
    assert!(noted("bad/blob.py", "Binary"), "{notes:?}");
    assert!(noted("bad/latin1.py", "UTF-8"), "{notes:?}");
    assert!(has("bad/bom_crlf.py:5:9:\"PP103\""), "BOM and CRLF keep positions: {found:?}");
    assert!(has("bad/wide.py:5:14:\"PP103\""), "columns count characters: {found:?}");
    assert!(has("bad/broken.py:5:9:\"PP103\"") && has("bad/broken.py:14:9:\"PP103\""), "{found:?}");
    assert!(noted("bad/broken.py", "a syntax error"), "{notes:?}");
    assert!(noted("bad/huge.py", "limit"), "{notes:?}");
    assert!(!notes.iter().any(|n| n.starts_with("bad/empty.py") || n.starts_with("bad/comments.ts")), "{notes:?}");
    #[cfg(unix)]
    assert!(found.iter().any(|f| f.starts_with("bad/caf") && f.ends_with(":5:9:\"PP103\"")), "{found:?}");

    // SARIF: UTF-16 columns (the emoji is two code units) and well-formed JSON.
    let o = run(root, &["check", "--format", "sarif", "--no-progress", "."]);
    let sarif: Value = serde_json::from_slice(&o.stdout).expect("SARIF parses");
    let wide = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad/wide.py")
        .expect("wide.py result");
    assert_eq!(wide["locations"][0]["physicalLocation"]["region"]["startColumn"], 15, "{wide}");

    // Notices are not failures unless asked for.
    let o = run(root, &["check", "--no-progress", "--format", "concise", "--notices-as-errors", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad/blob.py"));

    // The other formats survive the same input.
    for format in ["text", "concise", "github"] {
        let o = run(root, &["check", "--format", format, "--no-progress", "."]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn an_empty_repository_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let git = Command::new("git").arg("init").arg("-q").current_dir(dir.path()).status();
    if !git.is_ok_and(|s| s.success()) {
        return; // no git on this machine: the empty directory below still counts
    }
    let v = json(dir.path());
    assert_eq!(v["summary"]["files_checked"], 0);
    assert!(findings(&v).is_empty() && notices(&v).is_empty(), "{v}");
    let o = run(dir.path(), &["check", "--no-progress", "."]);
    assert_eq!(o.status.code(), Some(0));
}

/// File content and file names never reach the terminal or a CI log as
/// control sequences or bidirectional overrides, in any human format.
#[test]
fn file_content_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hostile = "def f(job):\n    try:\n        job()\n    finally:\n        s = \"\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}\"; return 1\n";
    write(root, "a.py", hostile.as_bytes());
    #[cfg(unix)]
    write(root, "b\u{1b}[31m\u{202e}.py", FINALLY_PY.as_bytes());
    for format in ["text", "concise", "github"] {
        let o = run(root, &["check", "--no-cache", "--color", "never", "--format", format, "."]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.contains("a.py"), "{format}: {out}");
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!out.contains(bad), "{format} printed {:?}:\n{out}", bad);
        }
    }
}
