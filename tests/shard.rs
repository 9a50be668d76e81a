//! `check --shard I/N` and `merge-sarif`: the shards of a CI matrix, joined,
//! give the same SARIF as one run, byte for byte.

use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pagerproof")).current_dir(dir).args(args).output().expect("binary runs")
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn merged_shards_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Findings in many files, including repeats on identical lines.
    for i in 0..40 {
        write(
            root,
            &format!("svc{i:02}/jobs.py"),
            b"def f(job):\n    try:\n        job()\n    finally:\n        return 1\n\ndef g(job):\n    try:\n        job()\n    finally:\n        return 1\n",
        );
        write(root, &format!("web{i:02}/api.ts"), b"function f() { try { g(); } finally { return 1; } }\n");
    }
    // A project fact defined in one file and used in another: every shard
    // must see it, or the shards would report what a single run does not.
    write(
        root,
        "lib/http.py",
        b"import requests\n\nclass TimeoutSession(requests.Session):\n    def request(self, *a, **kw):\n        kw.setdefault('timeout', 5)\n        return super().request(*a, **kw)\n\nclass PlainSession(requests.Session):\n    pass\n",
    );
    for i in 0..10 {
        write(
            root,
            &format!("clients/c{i}.py"),
            b"from lib.http import PlainSession, TimeoutSession\n\ndef safe():\n    return TimeoutSession().get('https://x')\n\ndef unsafe():\n    return PlainSession().get('https://x')\n",
        );
    }
    // Notices, which also belong to exactly one shard.
    write(root, "bad/blob.py", b"\x00\x01binary");
    write(root, "bad/broken.py", b"def f(:\n    pass\n");
    write(root, "bad/name with space.py", b"def f(job):\n    try:\n        job()\n    finally:\n        return 1\n");

    let single = run_in(root, &["check", "--format", "sarif", "--no-progress", "--preview", "."]);
    assert_eq!(single.status.code(), Some(1));
    let text = String::from_utf8_lossy(&single.stdout);
    assert_eq!(text.matches("PlainSession.get").count(), 10, "the fact-dependent finding, once per client");
    let mut shard_files = Vec::new();
    for i in 1..=3 {
        let out = format!("shard{i}.sarif");
        let o = run_in(
            root,
            &[
                "check",
                "--format",
                "sarif",
                "--no-progress",
                "--preview",
                "--shard",
                &format!("{i}/3"),
                "-o",
                &out,
                ".",
            ],
        );
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(root.join(&out)).unwrap()).unwrap();
        assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty(), "shard {i} is empty");
        shard_files.push(out);
    }
    let mut args = vec!["merge-sarif"];
    args.extend(shard_files.iter().map(String::as_str));
    let merged = run_in(root, &args);
    assert_eq!(merged.status.code(), Some(0), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(String::from_utf8_lossy(&merged.stdout), String::from_utf8_lossy(&single.stdout));
}

#[test]
fn shard_arguments_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0/2", "3/2", "1/0", "x/2", "2"] {
        let o = run_in(dir.path(), &["check", "--shard", bad, "."]);
        assert_eq!(o.status.code(), Some(2), "--shard {bad}");
    }
    // Logs from different rule selections do not merge.
    write(dir.path(), "a.py", b"x = 1\n");
    let a = run_in(dir.path(), &["check", "--format", "sarif", "-o", "a.sarif", "--preview", "--shard", "1/2", "."]);
    let b = run_in(
        dir.path(),
        &["check", "--format", "sarif", "-o", "b.sarif", "--preview", "--shard", "2/2", "--select", "PP103", "."],
    );
    assert!(a.status.success() && b.status.success());
    let o = run_in(dir.path(), &["merge-sarif", "a.sarif", "b.sarif"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different rules"), "{}", String::from_utf8_lossy(&o.stderr));
}
