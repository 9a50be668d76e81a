//! Which files are migrations, and of which style: by path first (cheap),
//! then by content. A `.sql` file outside a migration folder (schema dumps,
//! seeds, queries) is never read as a migration, and neither are down
//! migrations or folders named for another database.

use std::path::Path;

use super::model::Style;
use crate::source::Grammar;

/// Folder names that hold migrations.
const MIGRATION_DIRS: &[&str] = &["migrations", "migration", "migrate", "schema_migrations", "db_migrations"];

/// Path components that mark migrations for a database other than PostgreSQL.
const OTHER_DIALECTS: &[&str] = &[
    "mysql",
    "mariadb",
    "sqlite",
    "sqlite3",
    "mssql",
    "sqlserver",
    "oracle",
    "clickhouse",
    "cockroach",
    "cockroachdb",
    "spanner",
    "tidb",
    "h2",
    "hsqldb",
    "derby",
    "db2",
    "snowflake",
    "bigquery",
    "redshift",
    "duckdb",
];

fn components(path: &Path) -> Vec<String> {
    path.components().map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase()).collect()
}

/// True for a `.sql` file that is an up migration for PostgreSQL by its path.
pub fn is_sql_migration_path(path: &Path) -> bool {
    let parts = components(path);
    let Some(name) = parts.last() else { return false };
    if !name.ends_with(".sql") {
        return false;
    }
    let dirs = &parts[..parts.len() - 1];
    if dirs.iter().chain(std::iter::once(name)).any(|p| {
        OTHER_DIALECTS.contains(&p.as_str())
            || p.split(['.', '_', '-']).any(|w| OTHER_DIALECTS.contains(&w) && w != "h2" && w != "db2")
    }) {
        return false;
    }
    let is_down = name.ends_with(".down.sql")
        || name == "down.sql"
        || name.ends_with("_down.sql")
        || name.contains(".undo.")
        || name.contains("rollback")
        || (name.starts_with('u') && flyway_version(&name[1..]));
    if is_down {
        return false;
    }
    let flyway = name.starts_with('v') && flyway_version(&name[1..]);
    let named_up = name.ends_with(".up.sql") || name == "up.sql" || name == "migration.sql";
    let in_dir = dirs.iter().rev().take(4).any(|d| MIGRATION_DIRS.contains(&d.as_str()));
    flyway || named_up || in_dir
}

/// `1_2__name.sql` after the Flyway prefix letter.
fn flyway_version(rest: &str) -> bool {
    let Some((version, _)) = rest.split_once("__") else { return false };
    !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '_' || c == '.')
}

/// How a migration file is read, with the facts that decide its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub style: Style,
    /// The tool runs the whole file in one transaction.
    pub wrapped: bool,
}

/// The role of a file, or `None` when it is not a migration.
pub fn detect(path: &str, fs_path: &Path, grammar: Grammar, text: &str) -> Option<Role> {
    let p = Path::new(path);
    let parts = components(p);
    let name = parts.last()?.clone();
    let dirs = &parts[..parts.len().saturating_sub(1)];
    match grammar {
        // Rust services keep their migrations as .sql files (sqlx, diesel).
        Grammar::Rust => None,
        Grammar::Sql => {
            if !is_sql_migration_path(p) || looks_other_dialect(text) {
                return None;
            }
            Some(Role { style: Style::Sql, wrapped: sql_wrapped(&name, fs_path, text) })
        }
        Grammar::Python => {
            let parent = dirs.last().map(String::as_str);
            // `MIGRATION_MODULES` may rename the folder (`db_migrations`).
            if parent.is_some_and(|p| p == "migrations" || p.ends_with("_migrations"))
                && name != "__init__.py"
                && text.contains("class Migration")
                && text.contains("operations")
            {
                return Some(Role { style: Style::Django, wrapped: true });
            }
            if parent == Some("versions") && text.contains("def upgrade(") {
                return Some(Role { style: Style::Alembic, wrapped: true });
            }
            upgrade_script(dirs, &name, text).then_some(Role { style: Style::Script, wrapped: false })
        }
        Grammar::TypeScript | Grammar::Tsx | Grammar::JavaScript => {
            if text.contains("MigrationInterface") && text.contains("queryRunner") {
                return Some(Role { style: Style::TypeOrm, wrapped: true });
            }
            let in_dir = dirs.iter().rev().take(4).any(|d| MIGRATION_DIRS.contains(&d.as_str()));
            let up = text.contains("exports.up")
                || text.contains("function up(")
                || text.contains("const up ")
                || text.contains("up: async")
                || text.contains("async up(")
                || text.contains("async up (");
            // sequelize-cli runs each migration outside a transaction unless
            // the migration opens one itself.
            if in_dir && up && text.contains("queryInterface.") {
                return Some(Role { style: Style::Sequelize, wrapped: text.contains(".transaction(") });
            }
            // Knex wraps each migration in a transaction; db-migrate (`db.runSql`) does not.
            if in_dir && up && text.contains("knex") {
                return Some(Role { style: Style::Knex, wrapped: true });
            }
            if in_dir && up && text.contains("runSql(") {
                return Some(Role { style: Style::Knex, wrapped: false });
            }
            upgrade_script(dirs, &name, text).then_some(Role { style: Style::Script, wrapped: false })
        }
    }
}

/// Folder names (besides [`MIGRATION_DIRS`]) of one-time upgrade scripts.
const SCRIPT_DIRS: &[&str] = &["alterations", "alteration", "upgrades", "upgrade", "datamigrations"];

/// What an upgrade script defines for its runner to call.
const SCRIPT_STEPS: &[&str] =
    &["up:", "up(", "up =", "exports.up", "run:", "run(", "run =", "migrate(", "forwards(", "def upgrade("];

/// File names (without extension) that stand for their folder: one folder
/// per migration, named for it (`20241209110456_backfill/migration.ts`).
pub fn names_its_folder(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    matches!(stem, "migration" | "up" | "index" | "run" | "script")
}

/// A one-time upgrade script ([`Style::Script`]): a TS/JS/Python file in a
/// folder of migrations, alterations or upgrades, named with a version, a
/// sequence number or a timestamp (`1.3.0-1683292832-update-hooks.ts`,
/// `next-1786333495-add-x.ts`, `0024_backfill.py`,
/// `20241209110456_x/migration.ts`), that defines a step for a runner
/// (`up`, `run`, `migrate`). Tests, type declarations and package entry
/// points are not scripts.
fn upgrade_script(dirs: &[String], name: &str, text: &str) -> bool {
    if name.contains(".test.") || name.contains(".spec.") || name.ends_with(".d.ts") || name.starts_with("test_") {
        return false;
    }
    let (stamped, folders) = if names_its_folder(name) {
        let Some((own, above)) = dirs.split_last() else { return false };
        (stamped(own), above)
    } else {
        (stamped(name), dirs)
    };
    let scripts_folder = folders.iter().rev().take(3).any(|d| {
        MIGRATION_DIRS.contains(&d.as_str())
            || SCRIPT_DIRS.contains(&d.as_str())
            || d.contains("migrations")
            || d.contains("alterations")
            || d.contains("upgrades")
    });
    stamped && scripts_folder && SCRIPT_STEPS.iter().any(|s| text.contains(s))
}

/// A name that starts with a sequence number, a version or a timestamp
/// (`0024_x`, `1.0.0-x`, `20241209110456_x`), or whose first words hold a
/// Unix timestamp or a date (`next-1786333495-x`).
fn stamped(name: &str) -> bool {
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    name.split(['-', '_', '.']).take(3).any(|w| w.len() >= 8 && w.bytes().all(|b| b.is_ascii_digit()))
}

/// Content that only MySQL or SQLite accept.
fn looks_other_dialect(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.contains("ENGINE=INNODB")
        || upper.contains("ENGINE = INNODB")
        || upper.contains("AUTO_INCREMENT")
        || upper.contains("AUTOINCREMENT")
        || upper.contains("PRAGMA ")
}

/// Whether the migration tool runs this SQL file in one transaction: diesel
/// (`up.sql`) unless its `metadata.toml` turns it off, sqlx unless the file
/// starts with `-- no-transaction`. Other tools: only explicit `BEGIN`s count.
fn sql_wrapped(name: &str, fs_path: &Path, text: &str) -> bool {
    if name == "up.sql" {
        let meta = fs_path.parent().map(|d| d.join("metadata.toml"));
        let off = meta
            .and_then(|m| std::fs::read_to_string(m).ok())
            .is_some_and(|t| t.replace(' ', "").contains("run_in_transaction=false"));
        return !off;
    }
    let _ = text;
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_migrations_by_path() {
        for p in [
            "db/migration/V1__init.sql",
            "src/main/resources/db/migration/V2_1__add.sql",
            "migrations/20200101_add.up.sql",
            "migrations/2020-01-01-000000_x/up.sql",
            "prisma/migrations/20230101_init/migration.sql",
            "db/migrate/001_x.sql",
            "persistence/sql/migrations/sql/20200101_x.postgres.up.sql",
        ] {
            assert!(is_sql_migration_path(Path::new(p)), "{p}");
        }
        for p in [
            "schema.sql",
            "db/seeds.sql",
            "queries/get_user.sql",
            "migrations/001_x.down.sql",
            "migrations/2020-01-01-000000_x/down.sql",
            "store/database/migrate/sqlite/0001_init.up.sql",
            "migrations/20200101_x.mysql.up.sql",
            "db/migration/U1__init.sql",
        ] {
            assert!(!is_sql_migration_path(Path::new(p)), "{p}");
        }
    }

    fn script(path: &str, text: &str) -> Option<Style> {
        let grammar = if path.ends_with(".py") { Grammar::Python } else { Grammar::TypeScript };
        detect(path, Path::new(path), grammar, text).map(|r| r.style)
    }

    #[test]
    fn upgrade_scripts_by_folder_name_and_step() {
        let up = "const alteration = { up: async (pool) => { await pool.query(sql`...`); } };";
        for p in [
            "packages/schemas/alterations/1.3.0-1683292832-update-hooks.ts",
            "packages/schemas/alterations/next-1786333495-add-devices.ts",
            "packages/db/migration/20241209110456_backfill/migration.ts",
            "src/upgrades/0007_copy_settings.ts",
        ] {
            assert_eq!(script(p, up), Some(Style::Script), "{p}");
        }
        assert_eq!(
            script("apps/long_running_migrations/jobs/0024_fix.py", "def run(dry_run=False):\n    pass\n"),
            Some(Style::Script)
        );
        // Not named like a step in a series, not in such a folder, no step,
        // a test or a helper module: not a script.
        for p in [
            "packages/schemas/alterations/utils/1704934999-tables.test.ts",
            "packages/schemas/alterations/utils/helpers.ts",
            "src/services/1-click-import.ts",
            "src/upgrades/index.ts",
        ] {
            assert_eq!(script(p, up), None, "{p}");
        }
        assert_eq!(script("src/alterations/1.0.0-123-x.ts", "export const x = 1;"), None);
    }
}
