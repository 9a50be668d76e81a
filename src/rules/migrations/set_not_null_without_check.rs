//! PP807 `set-not-null-without-check`: see `rules/set-not-null-without-check.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static SET_NOT_NULL_WITHOUT_CHECK = {
        code: "PP807",
        name: "set-not-null-without-check",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "`SET NOT NULL` on an existing table scans every row under an ACCESS EXCLUSIVE lock",
        fix: "Add `CHECK (col IS NOT NULL) NOT VALID`, validate it in a later migration, then `SET NOT NULL` and drop the check",
    }
}
