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
            None
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
            None
        }
    }
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
}
