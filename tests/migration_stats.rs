//! Figures for a real-repository run of the migration pipeline:
//! `PRODLINT_STATS_DIR=/path cargo test --test migration_stats -- --ignored --nocapture`
//! prints how many migrations and SQL statements were read and how many
//! statements the SQL parser could not read.

use std::path::PathBuf;
use std::sync::Arc;

use prodlint::catalog::Catalog;
use prodlint::source::SourceFile;

#[test]
#[ignore = "needs PRODLINT_STATS_DIR pointing at a checkout"]
fn migration_figures() {
    let Ok(dir) = std::env::var("PRODLINT_STATS_DIR") else { return };
    let cwd = PathBuf::from("/");
    let (candidates, _) = prodlint::walk::discover(&[PathBuf::from(&dir)], &cwd, 2, false, None);
    let files: Vec<SourceFile> = candidates
        .into_iter()
        .filter_map(|c| {
            let text: Arc<str> = std::fs::read_to_string(&c.fs_path).ok()?.into();
            Some(SourceFile::new(c.path, c.fs_path, c.grammar, text))
        })
        .collect();
    let outcome = prodlint::migration::analyze(&files, Catalog::builtin(), &|_| true);
    let unparsed = outcome.notices.len();
    println!(
        "{dir}: {} migrations, {} SQL statements, {} not parsed",
        outcome.migrations, outcome.statements, unparsed
    );
}
