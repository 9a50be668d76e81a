//! PP806 `constraint-without-not-valid`: see `rules/constraint-without-not-valid.md`. The check lives in
//! [`crate::migration::check`]; migrations are read by [`crate::migration`].

crate::declare_rule! {
    pub static CONSTRAINT_WITHOUT_NOT_VALID = {
        code: "PP806",
        name: "constraint-without-not-valid",
        category: UnsafeMigration,
        severity: Warning,
        status: Preview,
        since: "0.1.0",
        languages: [Sql, Python, TypeScript, JavaScript],
        summary: "A foreign key or check constraint added to an existing table without `NOT VALID` locks it while every row is checked",
        fix: "Add the constraint with `NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration",
    }
}
