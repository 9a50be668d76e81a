//! A hostile pull request against the gate, with the real binary: repository
//! content (file names, SQL identifiers, comments, config values, a baseline)
//! must not write workflow commands or terminal escapes in any format; `-o`
//! must write through links and into devices without replacing them; line
//! endings, byte order marks, NUL bytes, declared encodings and file names
//! must not make a file or its findings vanish; and the scan's scope (the
//! config in effect, what a named path is) must be visible.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bin, stderr, stdout, write};

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

    let o = run(&root, &["check", "--format", "concise", "--select", "ALL", "."]);
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
