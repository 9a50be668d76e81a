//! Figures for a real-repository run of the migration pipeline:
//! `cargo run --release --example migration_stats -- /path/to/checkout`
//! prints how many migrations and SQL statements were read and how many
//! statements the SQL parser could not read.

use std::path::PathBuf;
use std::sync::Arc;

use pagerproof::catalog::Catalog;
use pagerproof::source::SourceFile;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: migration_stats DIR");
        std::process::exit(2);
    };
    let cwd = PathBuf::from("/");
    let (candidates, _) = pagerproof::walk::discover(&[PathBuf::from(&dir)], &cwd, 2, None);
    let files: Vec<SourceFile> = candidates
        .into_iter()
        // As a default run: test code is not read.
        .filter(|c| !pagerproof::analysis::roles::is_test_path(std::path::Path::new(&c.rel)))
        .filter_map(|c| {
            let text: Arc<str> = std::fs::read_to_string(&c.fs_path).ok()?.into();
            Some(SourceFile::new(c.path, c.fs_path, c.grammar, text))
        })
        .collect();
    let outcome =
        pagerproof::migration::analyze(&files, Catalog::builtin(), &|_| true, &|_| None, &|_| None, &|_, _| None);
    println!(
        "{dir}: {} migrations, {} SQL statements, {} not parsed",
        outcome.migrations,
        outcome.statements,
        outcome.notices.len()
    );
}
