//! PP803 `not-null-column-without-default`: see `rules/not-null-column-without-default.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static NOT_NULL_COLUMN_WITHOUT_DEFAULT = {
        code: "PP803",
        name: "not-null-column-without-default",
        category: UnsafeMigration,
        severity: Error,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "A NOT NULL column added to an existing table without a default fails on existing rows or on inserts from the running code",
        fix: "Add the column nullable (or with a database default), backfill it in batches, then set NOT NULL in a later migration",
    }
}
