//! Tracks linear time in what a pull request can make large (see
//! `tests/growth.rs`, which asserts it): one TypeScript file of `fetch(u);`
//! calls at 256 KB, 1 MB and 4 MB (a finding per line, the per-call lookups
//! of `request-without-timeout`), checked and rendered as text and SARIF.
//! Time per byte should stay flat across the three sizes.

use std::io::Write;

use pagerproof::report::{self, Format, RenderOptions};
use pagerproof::{Options, check};

fn main() {
    divan::main();
}

/// A project holding one `calls.ts` of about `bytes` bytes.
fn project(bytes: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let line = "fetch(u);\n";
    std::fs::write(dir.path().join("calls.ts"), line.repeat(bytes / line.len())).unwrap();
    dir
}

fn options(dir: &std::path::Path) -> Options {
    let mut o = Options::new(vec![dir.to_path_buf()], dir.to_path_buf());
    o.jobs = Some(1);
    o
}

#[divan::bench(args = [256 << 10, 1 << 20, 4 << 20], sample_count = 3)]
fn check_fetch_calls(bencher: divan::Bencher, bytes: usize) {
    let dir = project(bytes);
    let options = options(dir.path());
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| check(&options).unwrap());
}

#[divan::bench(args = [Format::Text, Format::Sarif], sample_count = 3)]
fn render_20k_findings(bencher: divan::Bencher, format: Format) {
    let dir = project(200_000);
    let report = check(&options(dir.path())).unwrap();
    bencher.bench(|| {
        let mut out = Vec::new();
        report::render(&report, format, RenderOptions::default(), &mut out).unwrap();
        std::io::sink().write_all(&out).unwrap();
    });
}
