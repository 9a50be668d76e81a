//! Helpers for tests that run the real binary in temporary git repositories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pagerproof"))
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).env("NO_COLOR", "1").output().expect("binary runs")
}

/// Runs the binary with a deadline, so a hang fails the test instead of CI.
pub fn run_with_deadline(dir: &Path, args: &[&str]) -> Output {
    let child = bin()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let start = Instant::now();
    let out = std::thread::spawn(move || child.wait_with_output().expect("binary runs"));
    while !out.is_finished() {
        assert!(start.elapsed() < Duration::from_secs(120), "pagerproof hung on {args:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    out.join().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs git in `dir` with a fixed identity and no user or system config.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

/// [`git`] with extra environment variables (`GIT_AUTHOR_DATE`, ...).
pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let o = Command::new("git")
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A new git repository with one commit on `main`.
pub fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    write(dir.path(), "README", "x\n");
    commit(dir.path(), "init");
    dir
}

pub fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// A PP201 finding (`requests.get` without a timeout) in a function.
pub const FETCH: &str = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n";

/// `path:line: CODE` of each finding in concise output.
pub fn findings(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter(|l| l.contains(": PP"))
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let path = parts.next().unwrap_or("");
            let line = parts.next().unwrap_or("");
            let _col = parts.next();
            let code = parts.next().unwrap_or("").split_whitespace().next().unwrap_or("");
            format!("{path}:{line}: {code}")
        })
        .collect()
}
