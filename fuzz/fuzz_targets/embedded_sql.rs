//! SQL embedded in code migrations: arbitrary text inside Django `RunSQL`,
//! Alembic `op.execute`, `knex.raw` and TypeORM `queryRunner.query`.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use pagerproof::catalog::Catalog;
use pagerproof::source::{Grammar, SourceFile};

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    let lit = format!("{sql:?}");
    let django = format!(
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = []\n    operations = [migrations.RunSQL({lit})]\n"
    );
    let alembic = format!(
        "from alembic import op\n\nrevision = 'b'\ndown_revision = 'a'\n\ndef upgrade():\n    op.execute({lit})\n"
    );
    let knex = format!("exports.up = async function (knex) {{\n  await knex.raw({lit});\n}};\n");
    let typeorm = format!(
        "import {{ MigrationInterface, QueryRunner }} from 'typeorm';\nexport class X1 implements MigrationInterface {{\n  async up(queryRunner: QueryRunner) {{\n    await queryRunner.query({lit});\n  }}\n}}\n"
    );
    let files = vec![
        SourceFile::new(
            "app/migrations/0002_x.py".into(),
            "app/migrations/0002_x.py".into(),
            Grammar::Python,
            Arc::from(django),
        ),
        SourceFile::new(
            "alembic/versions/b.py".into(),
            "alembic/versions/b.py".into(),
            Grammar::Python,
            Arc::from(alembic),
        ),
        SourceFile::new("migrations/2_x.js".into(), "migrations/2_x.js".into(), Grammar::JavaScript, Arc::from(knex)),
        SourceFile::new(
            "src/migrations/2-x.ts".into(),
            "src/migrations/2-x.ts".into(),
            Grammar::TypeScript,
            Arc::from(typeorm),
        ),
    ];
    let _ = pagerproof::migration::analyze(&files, Catalog::builtin(), &|_| true, &|_| None, &|_| None, &|_, _| None);
});
