//! PP804 `volatile-column-default`: see `rules/volatile-column-default.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static VOLATILE_COLUMN_DEFAULT = {
        code: "PP804",
        name: "volatile-column-default",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "A column added with a volatile default rewrites the whole table under an ACCESS EXCLUSIVE lock",
        fix: "Add the column without a default (or with a constant one), set the default with `SET DEFAULT`, then backfill in batches",
    }
}
