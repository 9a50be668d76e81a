//! PP805 `column-type-rewrite`: see `rules/column-type-rewrite.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static COLUMN_TYPE_REWRITE = {
        code: "PP805",
        name: "column-type-rewrite",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "A column type change that rewrites the table holds an ACCESS EXCLUSIVE lock until every row is rewritten",
        fix: "Add a new column of the new type, backfill it in batches, switch the code over, then drop the old column",
    }
}
