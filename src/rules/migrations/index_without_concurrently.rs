//! PP801 `index-without-concurrently`: see `rules/index-without-concurrently.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static INDEX_WITHOUT_CONCURRENTLY = {
        code: "PP801",
        name: "index-without-concurrently",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "An index built without `CONCURRENTLY` on an existing table blocks every write to it while it builds",
        fix: "Build the index with `CREATE INDEX CONCURRENTLY` (`AddIndexConcurrently`, `postgresql_concurrently=True`) in a migration outside a transaction",
    }
}
