//! PP802 `concurrent-index-in-transaction`: see `rules/concurrent-index-in-transaction.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static CONCURRENT_INDEX_IN_TRANSACTION = {
        code: "PP802",
        name: "concurrent-index-in-transaction",
        category: UnsafeMigration,
        severity: Error,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "`CREATE INDEX CONCURRENTLY` inside a transaction block fails when the migration runs",
        fix: "Run the concurrent index build in its own migration with the transaction turned off (`atomic = False`, `autocommit_block()`, `transaction: false`)",
    }
}
