//! Knex and TypeORM migrations, read from the tree-sitter TS/JS tree.

use super::detect::Role;
use super::model::Migration;
use crate::catalog::migrations::MigrationCatalog;
use crate::source::SourceFile;

/// Reads a Knex or TypeORM migration.
pub fn read(_f: &SourceFile, _role: Role, _cat: &MigrationCatalog, _m: &mut Migration) {}
