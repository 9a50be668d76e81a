//! PP808 `unique-constraint-without-index`: see `rules/unique-constraint-without-index.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static UNIQUE_CONSTRAINT_WITHOUT_INDEX = {
        code: "PP808",
        name: "unique-constraint-without-index",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "A UNIQUE constraint or primary key added to an existing table builds its index under an ACCESS EXCLUSIVE lock",
        fix: "Build the index with `CREATE UNIQUE INDEX CONCURRENTLY`, then `ADD CONSTRAINT ... UNIQUE USING INDEX`",
    }
}
