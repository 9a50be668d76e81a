//! Migration scope with the real binary: which migrations are reported by
//! default (`pending`), with `--migration-scope all`, with `--diff-base` and
//! with `applied_through` markers, for Django, Alembic and plain SQL
//! histories in temporary git repositories.

mod common;

use common::*;

/// Concise findings of the unsafe-migration rules only.
fn check(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--format", "concise", "--no-progress", "--no-cache", "--select", "PP801,PP803,PP807"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const DJANGO_0001: &str = r#"from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("id", models.BigAutoField(primary_key=True)), ("note", models.TextField(null=True))],
        ),
    ]
"#;

/// Unsafe on a live table: an index without CONCURRENTLY and a NOT NULL column.
const DJANGO_0002: &str = r#"from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(model_name="order", name="ref", field=models.CharField(max_length=20, db_index=True, null=True)),
        migrations.AddField(model_name="order", name="status", field=models.CharField(max_length=10, default="new")),
    ]
"#;

/// Safe: a nullable column, a custom field class (maybe `null=True` in its
/// constructor), and a new table with its own NOT NULL column and index.
const DJANGO_0003: &str = r#"from django.db import migrations, models
import shop.fields


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_status")]
    operations = [
        migrations.AddField(model_name="order", name="memo", field=models.TextField(null=True)),
        migrations.AddField(model_name="order", name="secret", field=shop.fields.EncryptedTextField()),
        migrations.CreateModel(name="Refund", fields=[("id", models.BigAutoField(primary_key=True))]),
        migrations.AddField(model_name="refund", name="reason", field=models.CharField(max_length=10, db_index=True)),
    ]
"#;

/// Unsafe again: the migration a pull request adds.
const DJANGO_0004: &str = r#"from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_memo")]
    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=10, default="web")),
    ]
"#;

fn django_app(root: &std::path::Path) {
    write(root, "shop/__init__.py", "");
    write(root, "shop/migrations/__init__.py", "");
    write(root, "shop/migrations/0001_initial.py", DJANGO_0001);
    write(root, "shop/migrations/0002_status.py", DJANGO_0002);
    write(root, "shop/migrations/0003_memo.py", DJANGO_0003);
}

#[test]
fn django_only_the_newest_migration_is_pending_by_default() {
    let dir = repo();
    django_app(dir.path());
    commit(dir.path(), "app");
    let o = check(dir.path(), &["--preview"]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0));
    // The whole history on request: the old migration's hazards come back.
    let o = check(dir.path(), &["--preview", "--migration-scope", "all"]);
    assert_eq!(
        findings(&o),
        ["shop/migrations/0002_status.py:7: PP801", "shop/migrations/0002_status.py:8: PP803"],
        "{}",
        stdout(&o)
    );
    // A config can say the same, and the command line wins over it.
    write(dir.path(), "pagerproof.toml", "[migrations]\nscope = \"all\"\n");
    assert_eq!(findings(&check(dir.path(), &["--preview"])).len(), 2);
    assert!(findings(&check(dir.path(), &["--preview", "--migration-scope", "pending"])).is_empty());
    std::fs::remove_file(dir.path().join("pagerproof.toml")).unwrap();
    // A migration file named on the command line is in scope.
    let o = check(dir.path(), &["--preview", "shop/migrations/0002_status.py"]);
    assert_eq!(findings(&o).len(), 2, "{}", stdout(&o));
}

#[test]
fn django_with_a_diff_base_the_added_migration_is_reported() {
    let dir = repo();
    django_app(dir.path());
    commit(dir.path(), "app");
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    write(dir.path(), "shop/migrations/0004_channel.py", DJANGO_0004);
    commit(dir.path(), "channel");
    let o = check(dir.path(), &["--preview", "--diff-base", "main"]);
    assert_eq!(findings(&o), ["shop/migrations/0004_channel.py:7: PP803"], "{}{}", stdout(&o), stderr(&o));
    // Uncommitted edits to an old migration make it pending too, but only
    // its changed lines are reported (`--diff-base` filters lines as ever).
    let edited = DJANGO_0002.replace("default=\"new\"", "default=\"open\"");
    write(dir.path(), "shop/migrations/0002_status.py", &edited);
    let o = check(dir.path(), &["--preview", "--diff-base", "main"]);
    assert_eq!(
        findings(&o),
        ["shop/migrations/0002_status.py:8: PP803", "shop/migrations/0004_channel.py:7: PP803"],
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_suppression_in_an_old_migration_is_not_unused() {
    let dir = repo();
    django_app(dir.path());
    let suppressed = DJANGO_0002.replace(
        "        migrations.AddField(model_name=\"order\", name=\"ref\"",
        "        # pagerproof: ignore[PP801] -- built by hand in 2021\n        migrations.AddField(model_name=\"order\", name=\"ref\"",
    );
    write(dir.path(), "shop/migrations/0002_status.py", &suppressed);
    let args = ["check", "--format", "concise", "--no-progress", "--no-cache", "--select", "PP801,PP001"];
    let o = run_in(dir.path(), &args);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}", stdout(&o));
    // In scope, it suppresses the finding and is used.
    let mut all = args.to_vec();
    all.extend(["--migration-scope", "all"]);
    assert_eq!(findings(&run_in(dir.path(), &all)), Vec::<String>::new());
}

const ALEMBIC_INIT: &str = r#"import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("orders", sa.Column("id", sa.BigInteger(), primary_key=True))
"#;

/// Named to sort last, but second in `down_revision` order.
const ALEMBIC_OLD: &str = r#"from alembic import op

revision = "ffff0000"
down_revision = "0001"


def upgrade():
    op.create_index("ix_orders_id", "orders", ["id"])
"#;

/// Newest by `down_revision`, though its file name sorts before the old one.
const ALEMBIC_NEWEST: &str = r#"import sqlalchemy as sa
from alembic import op

revision = "1234abcd"
down_revision = "ffff0000"


def upgrade():
    op.create_table("refunds", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.create_index("ix_refunds_id", "refunds", ["id"])
"#;

#[test]
fn alembic_the_newest_is_found_by_down_revision() {
    let dir = repo();
    write(dir.path(), "alembic/versions/0001_init.py", ALEMBIC_INIT);
    write(dir.path(), "alembic/versions/ffff0000_old.py", ALEMBIC_OLD);
    write(dir.path(), "alembic/versions/1234abcd_new.py", ALEMBIC_NEWEST);
    commit(dir.path(), "history");
    let o = check(dir.path(), &[]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}{}", stdout(&o), stderr(&o));
    let o = check(dir.path(), &["--migration-scope", "all"]);
    assert_eq!(findings(&o), ["alembic/versions/ffff0000_old.py:8: PP801"], "{}", stdout(&o));
    // A marker by revision id: everything after it is pending.
    write(dir.path(), "pagerproof.toml", "[migrations]\napplied_through = { \"alembic/versions\" = \"0001\" }\n");
    let o = check(dir.path(), &[]);
    assert_eq!(findings(&o), ["alembic/versions/ffff0000_old.py:8: PP801"], "{}", stdout(&o));
    // With --diff-base, a new revision that indexes the old table is reported.
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    std::fs::remove_file(dir.path().join("pagerproof.toml")).unwrap();
    write(
        dir.path(),
        "alembic/versions/5678_more.py",
        "from alembic import op\n\nrevision = \"5678\"\ndown_revision = \"1234abcd\"\n\n\ndef upgrade():\n    op.create_index(\"ix2\", \"orders\", [\"id\"])\n",
    );
    let o = check(dir.path(), &["--diff-base", "main"]);
    assert_eq!(findings(&o), ["alembic/versions/5678_more.py:8: PP801"], "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn sql_history_and_applied_through_markers() {
    let dir = repo();
    write(dir.path(), "db/migration/V1__init.sql", "CREATE TABLE orders (id bigint, a int, b int);\n");
    write(dir.path(), "db/migration/V2__index.sql", "CREATE INDEX ix_a ON orders (a);\n");
    write(
        dir.path(),
        "db/migration/V10__safe.sql",
        "CREATE INDEX CONCURRENTLY ix_b ON orders (b);\nCREATE TABLE carts (id bigint);\nCREATE INDEX ix_c ON carts (id);\n",
    );
    commit(dir.path(), "history");
    let o = check(dir.path(), &[]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}{}", stdout(&o), stderr(&o));
    let o = check(dir.path(), &["--migration-scope", "all"]);
    assert_eq!(findings(&o), ["db/migration/V2__index.sql:1: PP801"], "{}", stdout(&o));
    // The team says production has V1: V2 is still ahead of it.
    write(dir.path(), "pagerproof.toml", "[migrations]\napplied_through = { \"db/migration\" = \"V1__init.sql\" }\n");
    let o = check(dir.path(), &[]);
    assert_eq!(findings(&o), ["db/migration/V2__index.sql:1: PP801"], "{}{}", stdout(&o), stderr(&o));
    // A marker for another folder leaves this history alone.
    write(dir.path(), "pagerproof.toml", "[migrations]\napplied_through = { \"db/other\" = \"V1__init.sql\" }\n");
    assert_eq!(findings(&check(dir.path(), &[])), Vec::<String>::new());
    // The same in pyproject.toml.
    std::fs::remove_file(dir.path().join("pagerproof.toml")).unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.pagerproof.migrations]\napplied_through = { \"db/migration\" = \"V1__init\" }\n",
    );
    let o = check(dir.path(), &[]);
    assert_eq!(findings(&o), ["db/migration/V2__index.sql:1: PP801"], "{}{}", stdout(&o), stderr(&o));
    // A marker that names no migration of its folder is an error.
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.pagerproof.migrations]\napplied_through = { \"db/migration\" = \"V3__typo\" }\n",
    );
    let o = check(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("`db/migration` has no migration named `V3__typo`"), "{}", stderr(&o));
}

#[test]
fn migration_settings_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.sql", "SELECT 1;\n");
    write(dir.path(), "pagerproof.toml", "[migrations]\nscope = \"pendin\"\n");
    let o = check(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `pending`?"), "{}", stderr(&o));
    write(dir.path(), "pagerproof.toml", "[migrations]\napplied_through = { \"/abs/migrations\" = \"0001\" }\n");
    let o = check(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is absolute"), "{}", stderr(&o));
    write(dir.path(), "pagerproof.toml", "[migrations]\napplied_through = { \"db\" = \"\" }\n");
    let o = check(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("names no migration"), "{}", stderr(&o));
    write(dir.path(), "pagerproof.toml", "[migrations]\nscop = \"all\"\n");
    let o = check(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `scope`?"), "{}", stderr(&o));
    let o = check(dir.path(), &["--migration-scope", "some"]);
    assert_eq!(o.status.code(), Some(2));
}
