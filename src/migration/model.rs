//! The one model every migration style is read into: a migration is an
//! ordered list of schema operations with byte spans, whether they run in a
//! transaction, and the tables they touch.

use crate::source::Span;

/// How a migration is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Style {
    Sql,
    Django,
    Alembic,
    Knex,
    TypeOrm,
    /// sequelize-cli / umzug: `queryInterface.addColumn(...)`.
    Sequelize,
    /// A one-time upgrade script in code (a folder of version- or
    /// timestamp-named TS/JS/Python scripts that an upgrade command or
    /// alteration runner runs once, in name order). Its statements are not
    /// read; it has the migration role and its history's scope, so the
    /// scripts production applied are out of scope for every rule.
    Script,
}

/// A column default as far as rewrites go.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DefaultKind {
    None,
    /// A constant or stable expression: PostgreSQL 11+ stores it without a rewrite.
    Constant,
    /// A volatile expression (`gen_random_uuid()`): every row gets its own
    /// value, so the table is rewritten. Holds the expression.
    Volatile(String),
}

/// What is known about a column.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ColumnInfo {
    /// SQL type as written (`varchar(20)`), or empty when unknown.
    pub ty: String,
    pub null: bool,
    pub index: bool,
    pub unique: bool,
}

/// The kind of constraint an operation adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ConstraintKind {
    ForeignKey,
    Check,
    Unique,
    PrimaryKey,
}

/// One schema change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OpKind {
    CreateTable {
        /// Columns and what is known of them.
        columns: Vec<(String, ColumnInfo)>,
    },
    CreateIndex {
        concurrently: bool,
        unique: bool,
        name: Option<String>,
        /// How the operation is written, for messages (`CREATE INDEX`, `AddIndex`).
        what: String,
    },
    AddColumn {
        column: String,
        not_null: bool,
        default: DefaultKind,
        /// Django `AddField`: the old code's inserts leave the column out.
        django: bool,
        info: ColumnInfo,
    },
    /// Django `AlterField`: judged against the field as the history left it.
    AlterField {
        column: String,
        info: ColumnInfo,
    },
    AlterType {
        column: String,
        to: String,
        /// The type before, when the history shows it.
        from: Option<String>,
    },
    AddConstraint {
        kind: ConstraintKind,
        name: Option<String>,
        not_valid: bool,
        /// `UNIQUE/PRIMARY KEY USING INDEX`: the index was built beforehand.
        using_index: bool,
        /// For `CHECK (col IS NOT NULL)`: the column.
        not_null_column: Option<String>,
        what: String,
    },
    ValidateConstraint {
        name: String,
    },
    SetNotNull {
        column: String,
    },
    RenameColumn {
        old: String,
        new: String,
        /// Django `RenameField`: always breaks the running code.
        django: bool,
    },
    RenameTable {
        new: String,
        django: bool,
    },
    DropColumn {
        column: String,
        django: bool,
    },
    DropTable {
        /// Django `DeleteModel`: the running code still maps the model.
        django: bool,
    },
    /// `SET lock_timeout` (or the ORM equivalent).
    SetLockTimeout,
    /// Every row removed (`TRUNCATE t`, `DELETE FROM t` without `WHERE`):
    /// the table is empty for the rest of the migration, though the running
    /// code still uses it.
    EmptyTable,
    /// Other DDL that locks an existing table (for the lock_timeout rule).
    OtherAlter,
}

/// One operation of a migration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Operation {
    pub kind: OpKind,
    /// Table (or Django model) name, lowercased, schema stripped.
    pub table: String,
    /// Where the finding points.
    pub span: Span,
    /// Runs inside a transaction (explicit `BEGIN`, or the tool wraps the migration).
    pub in_transaction: bool,
    /// The transaction block it runs in (explicit `BEGIN`s get their own number).
    pub transaction: u32,
}

/// A statement that could not be read.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Unparsed {
    pub span: Span,
    /// Valid PostgreSQL (as far as can be told) that the reader does not
    /// support, rather than a syntax error in the user's code.
    pub unsupported: bool,
    pub message: String,
}

impl Unparsed {
    /// An unsupported statement: `construct` names what was not read.
    pub fn unsupported(span: Span, construct: String) -> Unparsed {
        Unparsed {
            span,
            unsupported: true,
            message: format!("Unsupported statement: {construct}; it was not checked for unsafe migrations"),
        }
    }
}

/// One migration file, read.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Migration {
    /// Index into the run's file list.
    pub file: usize,
    pub style: Style,
    /// Migrations with the same set key form one history (a folder, a Django app).
    pub set: String,
    /// This migration's own name (file stem, Alembic revision id).
    pub name: String,
    /// The names this migration comes after (Django dependencies in the same
    /// app, Alembic `down_revision`); empty means order by name.
    pub after: Vec<String>,
    pub ops: Vec<Operation>,
    pub unparsed: Vec<Unparsed>,
    /// Statements read, for the run's figures.
    pub statements: usize,
    /// A Django squashed migration (`replaces = [...]`): it runs only on a
    /// fresh database (existing ones have the replaced migrations), so it
    /// feeds the history but reports nothing.
    pub squashed: bool,
}
