//! PP810 `lock-timeout-unset`: see `rules/lock-timeout-unset.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static LOCK_TIMEOUT_UNSET = {
        code: "PP810",
        name: "lock-timeout-unset",
        category: UnsafeMigration,
        severity: Note,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "DDL on an existing table runs without a `lock_timeout`, so a blocked lock queues every query behind it",
        fix: "Set a short `lock_timeout` (`SET lock_timeout = '5s'`) at the start of the migration and retry on timeout",
    }
}
