//! PP809 `drop-or-rename-in-use`: see `rules/drop-or-rename-in-use.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static DROP_OR_RENAME_IN_USE = {
        code: "PP809",
        name: "drop-or-rename-in-use",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "A column or table is dropped or renamed while the deployed code still uses it",
        fix: "Expand and contract: stop using the old name in one deploy, then drop or rename it in a later migration",
    }
}
