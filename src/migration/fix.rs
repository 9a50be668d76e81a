//! Fixes for migration findings, built from the operation and the file's
//! text once a finding is known:
//!
//! - `CREATE INDEX` → `CREATE INDEX CONCURRENTLY` in plain SQL that runs
//!   outside a transaction (safe when it is the file's only statement,
//!   unsafe beside others);
//! - Django `AddIndex` → `AddIndexConcurrently` with `atomic = False` (safe
//!   when the migration holds nothing but index builds, unsafe otherwise:
//!   the other operations lose their transaction too);
//! - `ADD CONSTRAINT ... FOREIGN KEY/CHECK` → `... NOT VALID`, with the
//!   `VALIDATE CONSTRAINT` for a later migration written as a comment
//!   (unsafe: the constraint is not checked for existing rows until then).

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::migration::model::{ConstraintKind, Migration, OpKind, Operation, Style};
use crate::source::Span;

const IMPORT: &str = "from django.contrib.postgres.operations import AddIndexConcurrently";

/// What the fixes need to know about a whole migration file, read once per
/// file (not once per finding, which made a file of many findings take
/// quadratic time).
#[derive(Debug, Default)]
pub struct FileFacts {
    /// Django: the `AddIndexConcurrently` import is already there.
    has_import: bool,
    /// Django: where the import goes (after `from django.db import ...`).
    import_at: Option<usize>,
    /// Django: `atomic = False` is already set.
    has_atomic_false: bool,
    /// Django: where `atomic = False` goes, and its indentation.
    atomic_at: Option<(usize, String)>,
    /// Every operation of the migration builds an index.
    only_indexes: bool,
}

impl FileFacts {
    /// Reads `m`'s file `text` once.
    pub fn new(m: &Migration, text: &str) -> FileFacts {
        let only_indexes = m.ops.iter().all(|o| matches!(o.kind, OpKind::CreateIndex { .. }));
        if m.style != Style::Django {
            return FileFacts { only_indexes, ..FileFacts::default() };
        }
        let import_at =
            line_start_of(text, "from django.db import").and_then(|at| text[at..].find('\n').map(|i| at + i + 1));
        let atomic_at = line_start_of(text, "class Migration(").and_then(|class| {
            let header_end = text[class..].find(":\n").map(|i| class + i + 2)?;
            let indent: String = text[header_end..]
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
                .unwrap_or_else(|| "    ".to_string());
            (!indent.is_empty()).then_some((header_end, indent))
        });
        FileFacts {
            has_import: text.contains(IMPORT),
            import_at,
            has_atomic_false: text.lines().any(|l| l.split_whitespace().collect::<String>() == "atomic=False"),
            atomic_at,
            only_indexes,
        }
    }
}

/// The fix for a finding of `rule` (its name) on `op` of `m`, whose file
/// text is `text` and whose file-wide facts are `facts`; `None` where the
/// change is not mechanical.
pub fn fix_for(rule: &str, m: &Migration, op: &Operation, text: &str, facts: &FileFacts) -> Option<Fix> {
    match (rule, &op.kind) {
        ("index-without-concurrently", OpKind::CreateIndex { concurrently: false, what, .. }) => match m.style {
            Style::Sql if !op.in_transaction => sql_concurrently(m, op.span, text),
            Style::Django if what == "AddIndex" => django_concurrently(op.span, text, facts),
            _ => None,
        },
        (
            "constraint-without-not-valid",
            OpKind::AddConstraint {
                kind: ConstraintKind::ForeignKey | ConstraintKind::Check,
                name: Some(name),
                not_valid: false,
                ..
            },
        ) if m.style == Style::Sql => sql_not_valid(op, name, text),
        _ => None,
    }
}

/// The statement's words, uppercased, with their byte offsets in `stmt`
/// (a word is a run of letters, digits and `_`).
fn words(stmt: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in stmt.char_indices().chain(std::iter::once((stmt.len(), ' '))) {
        let word = c.is_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, stmt[s..i].to_ascii_uppercase()));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// `CREATE [UNIQUE] INDEX` → `CREATE [UNIQUE] INDEX CONCURRENTLY`.
///
/// Safe when the statement is alone in its file; otherwise unsafe.
fn sql_concurrently(m: &Migration, span: Span, text: &str) -> Option<Fix> {
    let stmt = text.get(span.start as usize..span.end as usize)?;
    let w = words(stmt);
    let index_at = match w.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().as_slice() {
        ["CREATE", "INDEX", ..] => 1,
        ["CREATE", "UNIQUE", "INDEX", ..] => 2,
        _ => return None,
    };
    let (at, word) = &w[index_at];
    // Only where nothing but blanks separates the keywords (no comment in
    // between to confuse the reading).
    let head = &stmt[..at + word.len()];
    if head.contains("--") || head.contains("/*") {
        return None;
    }
    let end = span.start as usize + at + word.len();
    // Alone in its file, the statement is its own transaction. Beside others,
    // a runner that sends the file as one query (an implicit transaction) or
    // wraps it makes the build fail, and Flyway refuses the mix.
    let alone = m.statements == 1 && m.ops.len() == 1;
    let (applicability, description) = if alone {
        (Applicability::Safe, "Add `CONCURRENTLY`")
    } else {
        (
            Applicability::Unsafe,
            "Add `CONCURRENTLY`; the file's other statements must not share a transaction with it (split the file if the runner sends it as one query)",
        )
    };
    Some(Fix::new(applicability, description, vec![Edit::insert(end, " CONCURRENTLY")]))
}

/// `migrations.AddIndex(` → `AddIndexConcurrently(`, imported from
/// `django.contrib.postgres.operations`, and `atomic = False` on the
/// migration (a concurrent build cannot run in a transaction).
fn django_concurrently(span: Span, text: &str, facts: &FileFacts) -> Option<Fix> {
    let call = text.get(span.start as usize..span.end as usize)?;
    let callee_len = call.find('(')?;
    let callee = &call[..callee_len];
    if !matches!(callee.trim(), "migrations.AddIndex" | "AddIndex") {
        return None;
    }
    let mut edits =
        vec![Edit::replace(Span::new(span.start as usize, span.start as usize + callee_len), "AddIndexConcurrently")];
    if !facts.has_import {
        // After the `from django.db import ...` line every migration has.
        edits.push(Edit::insert(facts.import_at?, format!("{IMPORT}\n")));
    }
    if !facts.has_atomic_false {
        let (at, indent) = facts.atomic_at.as_ref()?;
        edits.push(Edit::insert(*at, format!("{indent}atomic = False\n\n")));
    }
    // Index builds alone lose nothing without a transaction; anything else
    // in the migration would no longer be rolled back on failure.
    let (applicability, description) = if facts.only_indexes {
        (Applicability::Safe, "Use `AddIndexConcurrently` in a non-atomic migration")
    } else {
        (
            Applicability::Unsafe,
            "Use `AddIndexConcurrently` in a non-atomic migration; the migration's other operations lose their transaction too",
        )
    };
    Some(Fix::new(applicability, description, edits))
}

/// The byte offset of the first line that starts (after indentation) with
/// `prefix`.
fn line_start_of(text: &str, prefix: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(prefix) {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// `ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY ...` → `... NOT VALID;`,
/// followed by a comment with the `VALIDATE CONSTRAINT` to run in a later
/// migration.
fn sql_not_valid(op: &Operation, name: &str, text: &str) -> Option<Fix> {
    let stmt = text.get(op.span.start as usize..op.span.end as usize)?;
    let w = words(stmt);
    let keys: Vec<&str> = w.iter().map(|(_, s)| s.as_str()).collect();
    // One `ADD CONSTRAINT` per statement, so `NOT VALID` lands on it.
    if keys.first() != Some(&"ALTER") || keys.iter().filter(|k| **k == "ADD").count() != 1 {
        return None;
    }
    let rest = &text[op.span.end as usize..];
    let semi = rest.find(|c: char| !c.is_whitespace()).filter(|&i| rest[i..].starts_with(';'))?;
    let after = op.span.end as usize + semi + 1;
    let line_end = text[after..].find('\n').map_or(text.len(), |i| after + i);
    // Before the `\r` of a `\r\n`, so the comment's own line ending matches.
    let line_end = if text[..line_end].ends_with('\r') { line_end - 1 } else { line_end };
    // Another statement on the rest of the line: leave the layout alone.
    let tail = text[after..line_end].trim();
    if !tail.is_empty() && !tail.starts_with("--") {
        return None;
    }
    let table = &stmt[w[2].0..];
    let table = table.split_whitespace().next().filter(|_| keys.get(1) == Some(&"TABLE"))?;
    if table.eq_ignore_ascii_case("ONLY") || table.eq_ignore_ascii_case("IF") {
        return None;
    }
    // The name as written (the model keeps it normalised).
    let at = keys.iter().position(|k| *k == "CONSTRAINT")?;
    let written = stmt[w.get(at + 1)?.0..].split_whitespace().next()?;
    if !written.trim_matches('"').eq_ignore_ascii_case(name) {
        return None;
    }
    let name = written;
    let comment = format!("\n-- Then, in a later migration: ALTER TABLE {table} VALIDATE CONSTRAINT {name};");
    Some(Fix::new(
        Applicability::Unsafe,
        format!("Add `NOT VALID`, then run `VALIDATE CONSTRAINT {name}` in a later migration"),
        vec![Edit::insert(op.span.end as usize, " NOT VALID"), Edit::insert(line_end, comment)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_uppercased_with_offsets() {
        let w = words("create unique  index i_1");
        assert_eq!(w[2], (15, "INDEX".to_string()));
        assert_eq!(w[3], (21, "I_1".to_string()));
    }

    #[test]
    fn not_valid_keeps_crlf_lines_whole() {
        let text = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\r\nSELECT 1;\r\n";
        let op = Operation {
            kind: OpKind::AddConstraint {
                kind: ConstraintKind::Check,
                name: Some("c".into()),
                not_valid: false,
                using_index: false,
                not_null_column: None,
                what: String::new(),
            },
            table: "t".into(),
            span: Span::new(0, text.find(';').unwrap()),
            in_transaction: false,
            transaction: 0,
        };
        let fix = sql_not_valid(&op, "c", text).unwrap();
        let owned = crate::fix::with_line_endings(&[&fix], text).unwrap();
        let out = crate::fix::apply(text, &[&owned[0]]).text;
        assert_eq!(
            out,
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\r\n-- Then, in a later migration: ALTER TABLE t VALIDATE CONSTRAINT c;\r\nSELECT 1;\r\n"
        );
    }

    #[test]
    fn concurrently_goes_after_index() {
        let text = "create unique index i on t (a);";
        let m = Migration {
            file: 0,
            style: Style::Sql,
            set: String::new(),
            name: String::new(),
            after: Vec::new(),
            ops: Vec::new(),
            unparsed: Vec::new(),
            statements: 1,
            squashed: false,
        };
        let fix = sql_concurrently(&m, Span::new(0, text.len() - 1), text).unwrap();
        let out = crate::fix::apply(text, &[&fix]).text;
        assert_eq!(out, "create unique index CONCURRENTLY i on t (a);");
    }
}
