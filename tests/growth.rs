//! Time grows linearly with what a pull request can make large: file size
//! (every rule's fail fixture grown to 128 KB, 512 KB and 2 MB), findings per
//! file (every output format), suppressions per file, and config patterns.
//!
//! The growth checks assert a ratio, not a wall-clock limit: CPU time per
//! byte (or per finding) of the largest input may be at most 1.5× that of the
//! smallest, taking the minimum of a few runs to cut noise. A quadratic step
//! makes the ratio 16× at these sizes. They need an optimised binary (the
//! crate itself is not optimised in the dev profile), so they are ignored in
//! a plain `cargo test` and `.ci/run` runs them with
//! `cargo test --release --test growth -- --ignored`. The config check is
//! cheap and runs everywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The largest input may cost this much more per unit than the smallest.
const MAX_RATIO: f64 = 1.5;

/// `struct rusage` on 64-bit Linux: two `timeval`s, then 14 longs.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    rest: [i64; 14],
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut Rusage) -> i32;
}

/// Waits for `child` and returns its own CPU time (user + system, in
/// microseconds from `wait4`), so other load on a shared machine and other
/// runs in parallel do not count, and its exit code.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn wait_cpu(child: std::process::Child) -> (Duration, Option<i32>) {
    let mut r = Rusage { utime: [0; 2], stime: [0; 2], rest: [0; 14] };
    let mut status = 0i32;
    // SAFETY: wait4 on our own child's pid writes one status and one
    // `struct rusage`, which `Rusage` lays out; std never waits for it again.
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut r) };
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    let micros = (r.utime[0] + r.stime[0]) * 1_000_000 + r.utime[1] + r.stime[1];
    // WIFEXITED / WEXITSTATUS.
    let code = (status & 0x7f == 0).then_some((status >> 8) & 0xff);
    (Duration::from_micros(micros as u64), code)
}

/// Elsewhere: wall time.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn wait_cpu(mut child: std::process::Child) -> (Duration, Option<i32>) {
    let start = Instant::now();
    let status = child.wait().expect("binary runs");
    (start.elapsed(), status.code())
}

/// Runs the binary once in `dir` and returns its CPU time and exit code.
fn timed(dir: &Path, args: &[&str]) -> (Duration, Option<i32>) {
    let child = Command::new(env!("CARGO_BIN_EXE_pagerproof"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    wait_cpu(child)
}

/// The least time of `runs` runs.
fn best(dir: &Path, args: &[&str], runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let (t, code) = timed(dir, args);
            assert!(matches!(code, Some(0 | 1)), "{args:?} in {}: exit {code:?}", dir.display());
            t
        })
        .min()
        .unwrap()
}

/// Asserts that time per unit does not grow from the first to the last point.
fn assert_flat(what: &str, points: &[(usize, Duration)]) -> String {
    let per = |(n, t): &(usize, Duration)| t.as_secs_f64() / *n as f64;
    let (first, last) = (per(&points[0]), per(points.last().unwrap()));
    let ratio = last / first;
    let shown: Vec<String> = points.iter().map(|(n, t)| format!("{n}: {:.3}s", t.as_secs_f64())).collect();
    let line = format!("{what}: {} (ratio {ratio:.2})", shown.join(", "));
    assert!(ratio <= MAX_RATIO, "time per unit grows with size: {line}");
    line
}

const CHECK: &[&str] = &["check", "--no-cache", "--no-progress", "--preview", "-j", "1", "--format", "concise", "."];

/// The fail fixtures: single files and migration folders.
fn fail_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).unwrap() {
        let rule = rule.unwrap().path();
        if !rule.is_dir() || rule.file_name().unwrap().to_string_lossy().starts_with('_') {
            continue;
        }
        for f in std::fs::read_dir(&rule).unwrap() {
            let f = f.unwrap().path();
            if f.file_name().unwrap().to_string_lossy().starts_with("fail") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Copies fixture `fx` into `dir`, with the file that carries its findings
/// (a single file, or a folder's newest migration) grown to about `size`
/// bytes by repeating its body. Repeating keeps each copy parseable: the
/// parsers take repeated definitions and statements as they come.
fn grown(fx: &Path, dir: &Path, size: usize) -> usize {
    let (target, body) = if fx.is_dir() {
        let mut files = Vec::new();
        files_under(fx, &mut files);
        files.retain(|f| !f.to_string_lossy().contains("__init__") && !f.to_string_lossy().contains("snapshots"));
        files.sort();
        for f in &files {
            let to = dir.join(f.strip_prefix(fx).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(f, &to).unwrap();
        }
        // Django wants its package marker.
        let mut inits = Vec::new();
        files_under(fx, &mut inits);
        for f in inits.iter().filter(|f| f.ends_with("__init__.py")) {
            let to = dir.join(f.strip_prefix(fx).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(f, &to).unwrap();
        }
        let newest = files.last().expect("a migration").clone();
        (dir.join(newest.strip_prefix(fx).unwrap()), std::fs::read_to_string(&newest).unwrap())
    } else {
        (dir.join(fx.file_name().unwrap()), std::fs::read_to_string(fx).unwrap())
    };
    let copies = (size / body.len().max(1)).max(1);
    let text = body.repeat(copies);
    std::fs::write(&target, &text).unwrap();
    text.len()
}

#[test]
#[ignore = "needs an optimised binary: .ci/run runs it with --release"]
fn every_rule_is_linear_in_file_size() {
    // A 16× span: a quadratic step shows as a 16× ratio. Halved from 4 MB
    // when the fixture count grew (the largest size is most of the test's
    // time, and .ci/run has a 30-minute budget).
    let sizes = [128 << 10, 512 << 10, 2 << 20];
    let fixtures = fail_fixtures();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let lines = std::sync::Mutex::new(Vec::new());
    // Two fixtures at a time (each run's own CPU time is measured, so they
    // do not disturb each other's figures): the test stays near a minute.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(fx) = fixtures.get(i) else { break };
                    let mut points = Vec::new();
                    for (k, size) in sizes.iter().enumerate() {
                        let dir = tempfile::tempdir().unwrap();
                        let bytes = grown(fx, dir.path(), *size);
                        // Two runs of the short one, where noise weighs most.
                        points.push((bytes, best(dir.path(), CHECK, if k == 0 { 2 } else { 1 })));
                    }
                    let name = fx.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")).unwrap();
                    let name = name.display().to_string();
                    let line = std::panic::catch_unwind(|| assert_flat(&name, &points)).unwrap_or_else(|e| {
                        format!("FAIL {}", e.downcast_ref::<String>().cloned().unwrap_or_default())
                    });
                    lines.lock().unwrap().push(line);
                }
            });
        }
    });
    let mut lines = lines.into_inner().unwrap();
    lines.sort();
    println!("{}", lines.join("\n"));
    let failed: Vec<&String> = lines.iter().filter(|l| l.starts_with("FAIL")).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A TypeScript file of `n` unguarded `fetch(u)` calls: `n` findings of
/// `request-without-timeout`, each with a suppression when `suppressed`
/// (short lines: 200,000 of them stay under the 8 MiB file limit).
fn fetches(n: usize, suppressed: bool) -> String {
    let line = if suppressed { "fetch(u);// pagerproof: ignore[PP201]\n" } else { "fetch(u);\n" };
    line.repeat(n)
}

/// Runs a check once and asserts it read the file (no notice, such as the
/// file being over the size limit) with the expected exit code.
fn sanity(dir: &Path, args: &[&str], code: i32) {
    let o = Command::new(env!("CARGO_BIN_EXE_pagerproof")).current_dir(dir).args(args).output().unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(code), "{}", &all[all.len().saturating_sub(2_000)..]);
    assert!(!all.contains("notice:"), "{}", &all[all.len().saturating_sub(2_000)..]);
}

#[test]
#[ignore = "needs an optimised binary: .ci/run runs it with --release"]
fn every_output_format_is_linear_in_findings() {
    let counts = [5_000, 20_000, 80_000];
    let dirs: Vec<tempfile::TempDir> = counts
        .iter()
        .map(|&n| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("calls.ts"), fetches(n, false)).unwrap();
            // request-without-timeout's TypeScript side is preview.
            sanity(dir.path(), &["check", "--no-cache", "--no-progress", "--preview", "--format", "concise", "."], 1);
            dir
        })
        .collect();
    let mut report = Vec::new();
    for format in ["text", "concise", "json", "sarif", "github", "markdown", "gitlab", "junit", "checkstyle"] {
        let args = [
            "check",
            "--no-cache",
            "--no-progress",
            "--preview",
            "-j",
            "1",
            "--color",
            "never",
            "--format",
            format,
            ".",
        ];
        let points: Vec<(usize, Duration)> =
            counts.iter().zip(&dirs).map(|(&n, d)| (n, best(d.path(), &args, 2))).collect();
        report.push(assert_flat(format, &points));
    }
    println!("{}", report.join("\n"));
}

#[test]
#[ignore = "needs an optimised binary: .ci/run runs it with --release"]
fn suppressions_are_matched_in_linear_time() {
    let counts = [12_500, 50_000, 200_000];
    let mut points = Vec::new();
    for n in counts {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("calls.ts"), fetches(n, true)).unwrap();
        let args = ["check", "--no-cache", "--no-progress", "-j", "1", "--format", "concise", "."];
        // Every finding is suppressed: a clean run.
        sanity(dir.path(), &args, 0);
        points.push((n, best(dir.path(), &args, 2)));
    }
    println!("{}", assert_flat("suppressions", &points));
}

/// 2,000 overrides, 100,000 selects and 5,000 excludes: compiling them took
/// minutes (every override cloned the 100,000 selects and asked each of them
/// for every rule). It must now take about as long as a small config.
#[test]
fn a_large_config_compiles_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut toml = String::new();
    toml.push_str("select = [");
    toml.push_str(&vec!["\"PP103\""; 100_000].join(", "));
    toml.push_str("]\nexclude = [");
    toml.push_str(&(0..5_000).map(|i| format!("\"gen{i}/**/*.py\"")).collect::<Vec<_>>().join(", "));
    toml.push_str("]\n");
    for i in 0..2_000 {
        toml.push_str(&format!("[[overrides]]\npaths = [\"svc{i}/**\"]\nselect = [\"PP103\"]\nignore = [\"PP201\"]\n"));
    }
    std::fs::write(root.join("pagerproof.toml"), toml).unwrap();
    std::fs::write(root.join("a.py"), "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n")
        .unwrap();
    std::fs::create_dir_all(root.join("gen7/x")).unwrap();
    std::fs::write(root.join("gen7/x/b.py"), "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n")
        .unwrap();
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_pagerproof"))
        .current_dir(root)
        .args(["check", "--no-cache", "--no-progress", "--format", "concise", "."])
        .output()
        .unwrap();
    let took = start.elapsed();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("a.py:5:9: PP103"), "{out}");
    assert!(!out.contains("gen7"), "excluded: {out}");
    // Before: 281 s (release build). A generous bound for an unoptimised
    // build on a loaded machine, far below the quadratic cost.
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

/// A glob set too large to compile names the glob from which it fails.
#[test]
fn a_glob_set_too_large_to_compile_names_a_glob() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // One glob with a huge alternation: it parses, but its regex is over the
    // size limit.
    let alternatives: Vec<String> = (0..200_000).map(|i| format!("n{i}")).collect();
    let toml = format!("exclude = [\"ok/**\", \"x/{{{}}}/*.py\"]\n", alternatives.join(","));
    std::fs::write(root.join("pagerproof.toml"), toml).unwrap();
    std::fs::write(root.join("a.py"), "x = 1\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pagerproof"))
        .current_dir(root)
        .args(["check", "--no-cache", "--no-progress", "."])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // The snippet under the message shows the whole (long) line: look at the head.
    let head: String = err.chars().take(2_000).collect();
    assert!(head.contains("too large to compile"), "{head}");
    assert!(head.contains("from glob `x/{n0,n1,n2,"), "the glob is named: {head}");
}
