//! The SQL migration reader: statement splitting (quotes, dollar quotes,
//! comments), sqlparser and the migration rules, on an arbitrary migration
//! that follows a fixed earlier one creating the table.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use pagerproof::catalog::Catalog;
use pagerproof::source::{Grammar, SourceFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let first = "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n";
    let files = vec![
        SourceFile::new(
            "db/migrations/V1__init.sql".into(),
            "db/migrations/V1__init.sql".into(),
            Grammar::Sql,
            Arc::from(first),
        ),
        SourceFile::new(
            "db/migrations/V2__next.sql".into(),
            "db/migrations/V2__next.sql".into(),
            Grammar::Sql,
            Arc::from(text),
        ),
    ];
    let _ = pagerproof::migration::analyze(&files, Catalog::builtin(), &|_| true, &|_| None, &|_| None, &|_, _| None);
});
