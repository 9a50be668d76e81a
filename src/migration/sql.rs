//! SQL to operations: neutralise template placeholders (see
//! [`super::template`]), split a script (see [`super::split`]), parse each
//! statement with sqlparser's PostgreSQL dialect (reading `DO` bodies with
//! [`super::plpgsql`], rewriting what the parser rejects with
//! [`super::dialect`]), and turn the DDL that matters for locks into
//! [`Operation`]s. A statement that cannot be read becomes an [`Unparsed`]
//! entry (a notice: unsupported statement or syntax error), never a silent
//! skip, unless it is known to take no lock worth reporting.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, Expr, ObjectName, ObjectType, Set, Statement,
    TableConstraint,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::model::{ColumnInfo, ConstraintKind, DefaultKind, OpKind, Operation, Unparsed};
use super::template::{self, Templated};
use super::{dialect, plpgsql, split};
use crate::catalog::migrations::MigrationCatalog;
use crate::source::Span;

/// Transaction state while reading one migration.
#[derive(Debug, Default)]
pub struct Tx {
    /// The tool runs the whole migration in one transaction.
    pub wrapped: bool,
    /// Inside an explicit `BEGIN ... COMMIT`.
    pub explicit: bool,
    /// Number of the current transaction block.
    pub id: u32,
}

impl Tx {
    pub fn new(wrapped: bool) -> Tx {
        Tx { wrapped, explicit: false, id: 0 }
    }

    fn active(&self) -> bool {
        self.wrapped || self.explicit
    }
}

/// Where the operations of a SQL text point.
#[derive(Debug, Clone, Copy)]
pub enum Anchor {
    /// The text is the file itself (or a literal whose text maps one to one),
    /// starting at this byte offset.
    Offset(usize),
    /// Embedded SQL: every operation points at the call holding it.
    Call(Span),
}

/// What one SQL text yields.
#[derive(Debug, Default)]
pub struct Read {
    pub ops: Vec<Operation>,
    pub unparsed: Vec<Unparsed>,
    pub statements: usize,
}

/// Reads every statement of `sql`: template placeholders are neutralised
/// first ([`template`]), `DO` blocks are read through their PL/pgSQL body
/// ([`plpgsql`]), and what sqlparser rejects is rewritten or classified
/// ([`dialect`]).
pub fn read(sql: &str, anchor: Anchor, tx: &mut Tx, catalog: &MigrationCatalog, out: &mut Read) {
    let templated = template::neutralise(sql);
    let text: &str = &templated.text;
    let (pieces, _) = split::split(text);
    let mut reader = Reader { text, templated: &templated, anchor, tx, catalog, out };
    for p in pieces {
        reader.out.statements += 1;
        reader.statement(p.start, p.end, true);
    }
}

/// The state of reading one SQL text.
struct Reader<'a, 't> {
    /// The text with its placeholders neutralised (same offsets as the input).
    text: &'a str,
    templated: &'a Templated<'t>,
    anchor: Anchor,
    tx: &'a mut Tx,
    catalog: &'a MigrationCatalog,
    out: &'a mut Read,
}

impl Reader<'_, '_> {
    fn span(&self, start: usize, end: usize) -> Span {
        match self.anchor {
            Anchor::Offset(base) => Span::new(base + start, base + end),
            Anchor::Call(s) => s,
        }
    }

    /// Reads the statement at `text[start..end]`; `top`: not inside a `DO` body.
    fn statement(&mut self, start: usize, end: usize, top: bool) {
        let text = &self.text[start..end];
        let span = self.span(start, end);
        let first = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
        // psql meta-commands are not SQL.
        if text.starts_with('\\') {
            return;
        }
        if top && first.eq_ignore_ascii_case("DO") {
            self.do_block(start, end);
            return;
        }
        let stmts = match parse(text) {
            Ok(stmts) => stmts,
            Err(e) => match dialect::rewrite(text).and_then(|r| Parser::parse_sql(&PostgreSqlDialect {}, &r).ok()) {
                Some(stmts) => stmts,
                None => {
                    let msg = e.to_string();
                    self.unreadable(text, span, &msg);
                    return;
                }
            },
        };
        let before = self.out.ops.len();
        for s in stmts {
            statement(&s, span, self.tx, self.catalog, &mut self.out.ops);
        }
        if self.templated.has_names() {
            for op in &mut self.out.ops[before..] {
                restore(op, self.templated);
            }
        }
    }

    /// A statement sqlparser rejected even rewritten: skipped, or a notice
    /// saying whether it is valid PostgreSQL the parser does not support or
    /// a syntax error.
    fn unreadable(&mut self, text: &str, span: Span, error: &str) {
        let msg = error.strip_prefix("sql parser error: ").unwrap_or(error);
        let msg = msg.split(" at Line: ").next().unwrap_or(msg);
        let msg = self.templated.restore(msg);
        let notice = match dialect::classify(text, &msg) {
            dialect::Verdict::Harmless => return,
            dialect::Verdict::Unsupported(construct) => Unparsed::unsupported(span, construct.to_string()),
            // What a template expands to is not known here: a placeholder
            // may hold a keyword or a clause.
            dialect::Verdict::Syntax(_) if self.templated.first_in(text).is_some() => {
                let placeholder = self.templated.first_in(text).unwrap_or_default();
                Unparsed::unsupported(
                    span,
                    format!("a template placeholder (`{placeholder}`) where the SQL parser expects more than a name"),
                )
            }
            dialect::Verdict::Syntax(reason) => Unparsed {
                span,
                unsupported: false,
                message: format!(
                    "Syntax error: the SQL parser could not read this statement ({}); it was not checked for unsafe migrations",
                    reason.unwrap_or(&msg)
                ),
            },
        };
        self.out.unparsed.push(notice);
    }

    /// `DO $$ ... $$`: reads the SQL statements of the body, each with its
    /// own span inside the body; a body with nothing readable and something
    /// that may change the schema unseen is a notice.
    fn do_block(&mut self, start: usize, end: usize) {
        let span = self.span(start, end);
        let (body_start, body_end) = match plpgsql::do_body(&self.text[start..end]) {
            Ok((s, e)) => (start + s, start + e),
            Err(why) => {
                self.out.unparsed.push(Unparsed::unsupported(span, format!("`DO` block with {why}")));
                return;
            }
        };
        let body = plpgsql::statements(&self.text[body_start..body_end]);
        if body.statements.is_empty() {
            if let Some(why) = body.unreadable {
                self.out.unparsed.push(Unparsed::unsupported(span, format!("`DO` block with {why}")));
            }
            return;
        }
        // A DO block runs as one transaction: PostgreSQL refuses a concurrent
        // index build in it, and its statements hold their locks until it ends.
        let own = !self.tx.active();
        if own {
            self.tx.explicit = true;
            self.tx.id += 1;
        }
        for p in body.statements {
            self.statement(body_start + p.start, body_start + p.end, false);
        }
        if own {
            self.tx.explicit = false;
            self.tx.id += 1;
        }
    }
}

/// Turns the placeholder identifiers in an operation's names back into the
/// template text the user wrote, for messages and for matching names across
/// the migrations of one history.
fn restore(op: &mut Operation, t: &Templated<'_>) {
    let r = |s: &mut String| {
        if let std::borrow::Cow::Owned(o) = t.restore(s) {
            *s = o;
        }
    };
    r(&mut op.table);
    match &mut op.kind {
        OpKind::CreateTable { columns } => {
            for (c, info) in columns {
                r(c);
                r(&mut info.ty);
            }
        }
        OpKind::CreateIndex { name, .. } => name.iter_mut().for_each(r),
        OpKind::AddColumn { column, default, info, .. } => {
            r(column);
            r(&mut info.ty);
            if let DefaultKind::Volatile(v) = default {
                r(v);
            }
        }
        OpKind::AlterField { column, info } => {
            r(column);
            r(&mut info.ty);
        }
        OpKind::AlterType { column, to, from } => {
            r(column);
            r(to);
            from.iter_mut().for_each(r);
        }
        OpKind::AddConstraint { name, not_null_column, .. } => {
            name.iter_mut().for_each(r);
            not_null_column.iter_mut().for_each(r);
        }
        OpKind::ValidateConstraint { name } => r(name),
        OpKind::SetNotNull { column } | OpKind::DropColumn { column, .. } => r(column),
        OpKind::RenameColumn { old, new, .. } => {
            r(old);
            r(new);
        }
        OpKind::RenameTable { new, .. } => r(new),
        OpKind::DropTable { .. } | OpKind::SetLockTimeout | OpKind::EmptyTable | OpKind::OtherAlter => {}
    }
}

/// Splits and parses `sql` and nothing else: the SQL share of the
/// `--parse-only` floor. Returns the number of statements parsed.
pub fn parse_only(sql: &str) -> usize {
    let templated = template::neutralise(sql);
    let sql: &str = &templated.text;
    let (pieces, _) = split::split(sql);
    let dialect = PostgreSqlDialect {};
    pieces.iter().filter_map(|p| Parser::parse_sql(&dialect, &sql[p.start..p.end]).ok()).map(|s| s.len()).sum()
}

/// The placeholder that code readers put where a template interpolates a value.
pub const PLACEHOLDER: &str = "pagerproof_placeholder";

/// Parses one statement; when that fails, retries the forms embedded SQL
/// takes: an interpolation that held a clause (`${ifNotExists}`) rather than
/// a name, and `?` bindings (Knex, db-migrate).
fn parse(text: &str) -> Result<Vec<Statement>, sqlparser::parser::ParserError> {
    // sqlparser bounds nested parentheses and prefixes itself, but reads an
    // operator chain (`1 + 1 + ...`) in a loop into a tree as deep as the
    // chain, which its `Drop` and `Display` then recurse through.
    if operator_run(text) > MAX_OPERATOR_RUN {
        return Err(sqlparser::parser::ParserError::RecursionLimitExceeded);
    }
    let dialect = PostgreSqlDialect {};
    let first = Parser::parse_sql(&dialect, text);
    if first.is_ok() {
        return first;
    }
    let mut candidates = Vec::new();
    if text.contains(PLACEHOLDER) {
        candidates.push(text.replace(PLACEHOLDER, ""));
    }
    if text.contains('?') {
        candidates.push(text.replace("??", PLACEHOLDER).replace('?', "$1"));
    }
    for c in candidates {
        if let Ok(s) = Parser::parse_sql(&dialect, &c) {
            return Ok(s);
        }
    }
    first
}

/// The longest chain of operators a statement may hold; real DDL and DML
/// stay far below (a list resets the count at each comma).
pub const MAX_OPERATOR_RUN: usize = 500;

/// The longest run of operators (symbols, `AND`/`OR`/`NOT`/`IS`/`COLLATE`
/// and the `::` of casts) between commas at one parenthesis level, outside
/// strings, quoted names, dollar quotes and comments: a bound on how deep the
/// parsed expression tree gets.
pub fn operator_run(text: &str) -> usize {
    let b = text.as_bytes();
    let n = b.len();
    let mut runs: Vec<usize> = vec![0];
    let mut best = 0;
    let mut i = 0;
    while i < n {
        let c = b[i];
        let mut bump = false;
        match c {
            b'\'' | b'"' => {
                i += 1;
                while i < n && b[i] != c {
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = crate::source::nested_comment_end(b, i);
                continue;
            }
            b'$' => {
                // `$tag$ ... $tag$`: a body sqlparser keeps as a string.
                let tag_end = b[i + 1..].iter().position(|&x| !(x.is_ascii_alphanumeric() || x == b'_'));
                match tag_end.map(|e| i + 1 + e) {
                    Some(e) if b[e] == b'$' => {
                        let tag = &text[i..=e];
                        i = text[e + 1..].find(tag).map_or(n, |k| e + 1 + k + tag.len());
                        continue;
                    }
                    _ => {}
                }
            }
            b'(' | b'[' => runs.push(0),
            b')' | b']' if runs.len() > 1 => {
                runs.pop();
            }
            b',' | b';' => *runs.last_mut().expect("never empty") = 0,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^' | b'<' | b'>' | b'=' | b'!' | b'~' | b'#' | b'@'
            | b':' => bump = true,
            _ if c.is_ascii_alphabetic() && (i == 0 || !is_word_byte(b[i - 1])) => {
                let end = b[i..].iter().position(|&x| !is_word_byte(x)).map_or(n, |e| i + e);
                let word = &text[i..end];
                bump = ["AND", "OR", "NOT", "IS", "COLLATE", "AT"].iter().any(|k| word.eq_ignore_ascii_case(k));
                i = end;
                if bump {
                    let r = runs.last_mut().expect("never empty");
                    *r += 1;
                    best = best.max(*r + runs.len());
                }
                continue;
            }
            _ => {}
        }
        if bump {
            let r = runs.last_mut().expect("never empty");
            *r += 1;
            best = best.max(*r + runs.len());
        }
        i += 1;
    }
    best
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn push(ops: &mut Vec<Operation>, kind: OpKind, table: String, span: Span, tx: &Tx) {
    // A table name the code interpolates is not known.
    if table.contains(PLACEHOLDER) {
        return;
    }
    ops.push(Operation { kind, table, span, in_transaction: tx.active(), transaction: tx.id });
}

/// The unqualified, lowercased name of a table.
pub fn table_name(name: &ObjectName) -> String {
    let s = name.to_string();
    let last = s.rsplit('.').next().unwrap_or(&s);
    unquote(last)
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].to_string()
    } else {
        t.to_ascii_lowercase()
    }
}

fn statement(s: &Statement, span: Span, tx: &mut Tx, catalog: &MigrationCatalog, ops: &mut Vec<Operation>) {
    match s {
        Statement::StartTransaction { .. } => {
            tx.explicit = true;
            tx.id += 1;
        }
        Statement::Commit { .. } | Statement::Rollback { .. } => {
            tx.explicit = false;
            tx.id += 1;
        }
        Statement::Set(Set::SingleAssignment { variable, .. })
            if variable.to_string().eq_ignore_ascii_case("lock_timeout") =>
        {
            push(ops, OpKind::SetLockTimeout, String::new(), span, tx);
        }
        Statement::CreateTable(ct) => {
            let table = table_name(&ct.name);
            let columns = ct
                .columns
                .iter()
                .map(|c| {
                    let null = !c.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull));
                    (
                        unquote(&c.name.to_string()),
                        ColumnInfo { ty: c.data_type.to_string().to_ascii_lowercase(), null, ..ColumnInfo::default() },
                    )
                })
                .collect();
            push(ops, OpKind::CreateTable { columns }, table, span, tx);
        }
        Statement::CreateIndex(ci) => {
            let kind = OpKind::CreateIndex {
                concurrently: ci.concurrently,
                unique: ci.unique,
                name: ci.name.as_ref().map(table_name),
                what: format!(
                    "CREATE {}INDEX{}",
                    if ci.unique { "UNIQUE " } else { "" },
                    if ci.concurrently { " CONCURRENTLY" } else { "" }
                ),
            };
            push(ops, kind, table_name(&ci.table_name), span, tx);
        }
        Statement::Drop { object_type: ObjectType::Table, names, .. } => {
            for n in names {
                push(ops, OpKind::DropTable { django: false }, table_name(n), span, tx);
            }
        }
        Statement::Truncate(t) => {
            for target in &t.table_names {
                push(ops, OpKind::EmptyTable, table_name(&target.name), span, tx);
            }
        }
        Statement::Delete(d) if d.selection.is_none() && d.using.is_none() => {
            let (sqlparser::ast::FromTable::WithFromKeyword(from) | sqlparser::ast::FromTable::WithoutKeyword(from)) =
                &d.from;
            if let [only] = from.as_slice()
                && only.joins.is_empty()
                && let sqlparser::ast::TableFactor::Table { name, .. } = &only.relation
            {
                push(ops, OpKind::EmptyTable, table_name(name), span, tx);
            }
        }
        Statement::AlterTable(at) => {
            let table = table_name(&at.name);
            for op in &at.operations {
                for kind in alter_op(op, catalog) {
                    push(ops, kind, table.clone(), span, tx);
                }
            }
        }
        _ => {}
    }
}

fn alter_op(op: &AlterTableOperation, catalog: &MigrationCatalog) -> Vec<OpKind> {
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => add_column(column_def, catalog),
        AlterTableOperation::AddConstraint { constraint, not_valid } => vec![constraint_op(constraint, *not_valid)],
        AlterTableOperation::ValidateConstraint { name } => {
            vec![OpKind::ValidateConstraint { name: unquote(&name.to_string()) }]
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = unquote(&column_name.to_string());
            match op {
                AlterColumnOperation::SetNotNull => vec![OpKind::SetNotNull { column }],
                AlterColumnOperation::SetDataType { data_type, using, .. } => {
                    let mut to = data_type.to_string().to_ascii_lowercase();
                    if using.is_some() {
                        // A USING clause computes every value anew: always a rewrite.
                        to.push_str(" USING ...");
                    }
                    vec![OpKind::AlterType { column, to, from: None }]
                }
                _ => vec![OpKind::OtherAlter],
            }
        }
        AlterTableOperation::RenameColumn { old_column_name, new_column_name } => vec![OpKind::RenameColumn {
            old: unquote(&old_column_name.to_string()),
            new: unquote(&new_column_name.to_string()),
            django: false,
        }],
        AlterTableOperation::RenameTable { table_name: t } => {
            let new = match t {
                sqlparser::ast::RenameTableNameKind::As(n) | sqlparser::ast::RenameTableNameKind::To(n) => {
                    table_name(n)
                }
            };
            vec![OpKind::RenameTable { new, django: false }]
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            column_names.iter().map(|c| OpKind::DropColumn { column: unquote(&c.to_string()), django: false }).collect()
        }
        _ => vec![OpKind::OtherAlter],
    }
}

fn add_column(def: &ColumnDef, catalog: &MigrationCatalog) -> Vec<OpKind> {
    let column = unquote(&def.name.to_string());
    let ty = def.data_type.to_string().to_ascii_lowercase();
    let mut not_null = false;
    let mut default =
        if catalog.serial_types.contains(&ty) { DefaultKind::Volatile(ty.clone()) } else { DefaultKind::None };
    let mut extra = Vec::new();
    for o in &def.options {
        match &o.option {
            ColumnOption::NotNull => not_null = true,
            ColumnOption::Default(e) => {
                let text = e.to_string();
                default = match catalog.volatile_call(&text) {
                    Some(_) => DefaultKind::Volatile(text),
                    None if matches!(e, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("NULL")) => {
                        DefaultKind::None
                    }
                    None => DefaultKind::Constant,
                };
            }
            ColumnOption::Generated { .. } => default = DefaultKind::Volatile("GENERATED".to_string()),
            ColumnOption::PrimaryKey(_) => {
                not_null = true;
                extra.push(OpKind::AddConstraint {
                    kind: ConstraintKind::PrimaryKey,
                    name: None,
                    not_valid: false,
                    using_index: false,
                    not_null_column: None,
                    what: "ADD COLUMN ... PRIMARY KEY".to_string(),
                });
            }
            // An inline `REFERENCES` cannot be `NOT VALID`: the new column's
            // foreign key is validated under the lock.
            ColumnOption::ForeignKey(_) => extra.push(OpKind::AddConstraint {
                kind: ConstraintKind::ForeignKey,
                name: None,
                not_valid: false,
                using_index: false,
                not_null_column: None,
                what: "ADD COLUMN ... REFERENCES".to_string(),
            }),
            ColumnOption::Unique(_) => extra.push(OpKind::AddConstraint {
                kind: ConstraintKind::Unique,
                name: None,
                not_valid: false,
                using_index: false,
                not_null_column: None,
                what: "ADD COLUMN ... UNIQUE".to_string(),
            }),
            _ => {}
        }
    }
    let info = ColumnInfo { ty: ty.clone(), null: !not_null, ..ColumnInfo::default() };
    let mut out = vec![OpKind::AddColumn { column, not_null, default, django: false, info }];
    out.extend(extra);
    out
}

fn constraint_op(c: &TableConstraint, not_valid: bool) -> OpKind {
    let ident = |i: &Option<sqlparser::ast::Ident>| i.as_ref().map(|n| unquote(&n.to_string()));
    let (kind, name, using_index, not_null_column) = match c {
        TableConstraint::ForeignKey(fk) => (ConstraintKind::ForeignKey, ident(&fk.name), false, None),
        TableConstraint::Check(ck) => (ConstraintKind::Check, ident(&ck.name), false, not_null_check(&ck.expr)),
        TableConstraint::Unique(u) => (ConstraintKind::Unique, ident(&u.name), false, None),
        TableConstraint::PrimaryKey(p) => (ConstraintKind::PrimaryKey, ident(&p.name), false, None),
        TableConstraint::UniqueUsingIndex(u) => (ConstraintKind::Unique, ident(&u.name), true, None),
        TableConstraint::PrimaryKeyUsingIndex(u) => (ConstraintKind::PrimaryKey, ident(&u.name), true, None),
        _ => return OpKind::OtherAlter,
    };
    let what = match kind {
        ConstraintKind::ForeignKey => "ADD CONSTRAINT ... FOREIGN KEY",
        ConstraintKind::Check => "ADD CONSTRAINT ... CHECK",
        ConstraintKind::Unique => "ADD CONSTRAINT ... UNIQUE",
        ConstraintKind::PrimaryKey => "ADD CONSTRAINT ... PRIMARY KEY",
    }
    .to_string();
    OpKind::AddConstraint { kind, name, not_valid, using_index, not_null_column, what }
}

/// `col IS NOT NULL` (possibly parenthesised): the column.
fn not_null_check(e: &Expr) -> Option<String> {
    match e {
        Expr::Nested(inner) => not_null_check(inner),
        Expr::IsNotNull(inner) => match inner.as_ref() {
            Expr::Identifier(i) => Some(unquote(&i.to_string())),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| unquote(&i.to_string())),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(sql: &str) -> Read {
        let mut out = Read::default();
        let mut tx = Tx::new(false);
        read(sql, Anchor::Offset(0), &mut tx, &crate::catalog::Catalog::builtin().migrations, &mut out);
        out
    }

    #[test]
    fn operator_chains_are_measured_outside_strings_and_lists() {
        assert!(operator_run("SELECT a + b * c FROM t WHERE x = 1 AND y IS NOT NULL") < 10);
        assert!(operator_run("INSERT INTO t VALUES (1+1), (2+2), (3+3)") < 5);
        let quoted = format!("SELECT '{}', $f$ {} $f$ -- {}", "+".repeat(9_000), "+".repeat(9_000), "+".repeat(9_000));
        assert!(operator_run(&quoted) < 5);
        let chain = format!("SELECT 1{}", " + 1".repeat(50_000));
        assert!(operator_run(&chain) > MAX_OPERATOR_RUN);
        let ands = format!("SELECT 1 WHERE a{}", " AND a".repeat(5_000));
        assert!(operator_run(&ands) > MAX_OPERATOR_RUN);
        // The chain is a notice (too deep), not a stack overflow.
        let r = ops(&format!("{chain};\nCREATE INDEX i ON t (a);"));
        assert_eq!(r.unparsed.len(), 1, "{:?}", r.unparsed);
        assert_eq!(r.ops.len(), 1, "the next statement is still read");
    }

    #[test]
    fn reads_the_ddl_that_matters() {
        let r = ops(
            "BEGIN;\nCREATE INDEX i ON public.orders (a);\nALTER TABLE \"Orders\" ADD COLUMN b uuid NOT NULL DEFAULT gen_random_uuid(), ALTER COLUMN c SET NOT NULL;\nCOMMIT;\nDO $$ BEGIN END $$;\nDROP INDEX CONCURRENTLY i;\nSELEC nonsense;",
        );
        assert_eq!(r.statements, 7);
        assert_eq!(r.unparsed.len(), 1, "{:?}", r.unparsed);
        assert_eq!(r.ops.len(), 3, "{:?}", r.ops);
        assert_eq!(r.ops[0].table, "orders");
        assert!(r.ops[0].in_transaction);
        assert_eq!(r.ops[1].table, "Orders");
        assert!(matches!(&r.ops[1].kind, OpKind::AddColumn { default: DefaultKind::Volatile(_), not_null: true, .. }));
        assert!(matches!(&r.ops[2].kind, OpKind::SetNotNull { column } if column == "c"));
    }

    #[test]
    fn templated_names_are_read_and_shown_as_written() {
        let sql = "CREATE INDEX i ON {{ .Schema }}.users (email);\nALTER TABLE ${prefix}orders ALTER COLUMN {{ col }} TYPE bigint;\n{% if x %}DROP TABLE ${flyway:defaultSchema}.legacy;{% endif %}";
        let r = ops(sql);
        assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
        assert_eq!(r.ops.len(), 3, "{:?}", r.ops);
        assert_eq!(r.ops[0].table, "users");
        assert_eq!(r.ops[0].span.text(sql), "CREATE INDEX i ON {{ .Schema }}.users (email)");
        assert_eq!(r.ops[1].table, "${prefix}orders");
        assert!(matches!(&r.ops[1].kind, OpKind::AlterType { column, .. } if column == "{{ col }}"));
        assert_eq!(r.ops[2].table, "legacy");
        assert_eq!(r.ops[2].span.text(sql), "DROP TABLE ${flyway:defaultSchema}.legacy");
    }

    #[test]
    fn quotes_inside_a_placeholder_do_not_unbalance_the_statement() {
        // gobuffalo/pop templates put a quoted argument inside a quoted name.
        let sql = "ALTER TABLE \"{{ index .Options \"Namespace\" }}\".\"refresh_tokens\" ADD CONSTRAINT u UNIQUE (\"token\");\nCREATE INDEX i ON {{ index .Options \"Namespace\" }}.sessions (a)";
        let r = ops(sql);
        assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
        assert_eq!(r.ops.len(), 2, "{:?}", r.ops);
        assert_eq!(r.ops[0].table, "refresh_tokens");
        assert!(matches!(&r.ops[0].kind, OpKind::AddConstraint { kind: ConstraintKind::Unique, .. }));
        assert_eq!(r.ops[1].table, "sessions");
    }

    #[test]
    fn a_placeholder_standing_for_a_clause_is_unsupported_not_a_syntax_error() {
        // A known harmless form stays harmless with placeholders in it.
        let r = ops("ALTER DEFAULT PRIVILEGES IN SCHEMA ${flyway:defaultSchema} GRANT SELECT ON TABLES TO ${app_role}");
        assert!(r.ops.is_empty() && r.unparsed.is_empty(), "{:?}", r.unparsed);
        let r = ops("CREATE INDEX {{ .Concurrently }} i ON t (a)");
        assert!(r.ops.is_empty());
        assert_eq!(r.unparsed.len(), 1);
        assert!(r.unparsed[0].unsupported);
        assert!(r.unparsed[0].message.contains("`{{ .Concurrently }}`"), "{}", r.unparsed[0].message);
    }

    #[test]
    fn ddl_in_do_blocks_is_read_with_spans_inside_the_body() {
        let sql = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'i') THEN\n    CREATE INDEX i ON orders (a);\n  END IF;\nEND\n$$;\nDO LANGUAGE plpgsql $body$ BEGIN ALTER TABLE orders ALTER COLUMN b SET NOT NULL; END $body$;";
        let r = ops(sql);
        assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
        assert_eq!(r.ops.len(), 2, "{:?}", r.ops);
        assert_eq!(r.ops[0].span.text(sql), "CREATE INDEX i ON orders (a)");
        assert!(matches!(&r.ops[0].kind, OpKind::CreateIndex { concurrently: false, .. }));
        assert_eq!(r.ops[1].span.text(sql), "ALTER TABLE orders ALTER COLUMN b SET NOT NULL");
    }

    #[test]
    fn a_do_block_is_one_transaction() {
        let r = ops(
            "CREATE INDEX a ON t (a);\nDO $$ BEGIN CREATE INDEX CONCURRENTLY b ON t (b); SET lock_timeout = '1s'; END $$;\nCREATE INDEX c ON t (c)",
        );
        let tx: Vec<(bool, u32)> = r.ops.iter().map(|o| (o.in_transaction, o.transaction)).collect();
        assert_eq!(tx, [(false, 0), (true, 1), (true, 1), (false, 2)]);
        // Inside an explicit transaction, the block joins it.
        let r = ops("BEGIN;\nDO $$ BEGIN CREATE INDEX b ON t (b); END $$;\nCREATE INDEX c ON t (c);\nCOMMIT");
        let tx: Vec<(bool, u32)> = r.ops.iter().map(|o| (o.in_transaction, o.transaction)).collect();
        assert_eq!(tx, [(true, 1), (true, 1)]);
    }

    #[test]
    fn unnamed_indexes_are_read() {
        let r = ops("CREATE INDEX CONCURRENTLY ON t (a);\nCREATE UNIQUE INDEX ON {{ .Schema }}.t USING btree (b)");
        assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
        assert!(matches!(&r.ops[0].kind, OpKind::CreateIndex { concurrently: true, name: None, .. }));
        assert!(matches!(&r.ops[1].kind, OpKind::CreateIndex { concurrently: false, unique: true, name: None, .. }));
    }

    #[test]
    fn do_blocks_with_nothing_readable() {
        // Only procedural statements: nothing to report.
        let quiet = ops("DO $$ BEGIN RAISE NOTICE 'x'; PERFORM 1; END $$");
        assert!(quiet.ops.is_empty() && quiet.unparsed.is_empty());
        // Dynamic SQL or another language: an unsupported-statement notice naming the DO block.
        for sql in ["DO $$ BEGIN EXECUTE 'CREATE INDEX i ON t (a)'; END $$", "DO LANGUAGE plv8 $$ plv8.execute('x') $$"]
        {
            let r = ops(sql);
            assert_eq!(r.unparsed.len(), 1, "{sql}");
            assert!(r.unparsed[0].unsupported);
            assert!(
                r.unparsed[0].message.starts_with("Unsupported statement: `DO` block with "),
                "{}",
                r.unparsed[0].message
            );
        }
    }

    #[test]
    fn rewritten_statements_reach_the_rules() {
        let r = ops(
            "ALTER TABLE t ALTER COLUMN c TYPE varchar(20) COLLATE \"C\";\nCREATE INDEX i ON t (a) TABLESPACE fast",
        );
        assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
        assert!(matches!(&r.ops[0].kind, OpKind::AlterType { column, to, .. } if column == "c" && to == "varchar(20)"));
        assert!(matches!(&r.ops[1].kind, OpKind::CreateIndex { concurrently: false, .. }));
        // An identity added with sequence options is DDL that locks `users`.
        let r = ops("ALTER TABLE users ALTER user_id ADD GENERATED ALWAYS AS IDENTITY (RESTART 1580559962386438)");
        assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
        assert!(matches!(&r.ops[..], [op] if op.kind == OpKind::OtherAlter && op.table == "users"));
    }

    #[test]
    fn unsupported_statements_are_not_syntax_errors() {
        let r = ops(
            "ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1);\nALTER TABLE t ADD COLUMN;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ON t (a)",
        );
        assert_eq!(r.unparsed.len(), 3);
        assert!(r.unparsed[0].unsupported);
        assert_eq!(
            r.unparsed[0].message,
            "Unsupported statement: `ALTER TABLE ... ATTACH PARTITION`; it was not checked for unsafe migrations"
        );
        assert!(!r.unparsed[1].unsupported);
        assert!(r.unparsed[1].message.starts_with("Syntax error: "), "{}", r.unparsed[1].message);
        assert!(!r.unparsed[2].unsupported);
        assert!(r.unparsed[2].message.contains("requires an index name"), "{}", r.unparsed[2].message);
    }

    /// Every prefix of a script mixing the new forms (an unterminated
    /// template, dollar quote, `DO` body, quoted collation) reads without a
    /// panic, as the fuzz targets demand of any input.
    #[test]
    fn every_prefix_reads_without_panic() {
        let sql = "{% if x %}DO LANGUAGE plpgsql $body$ DECLARE n int := 0; BEGIN <<l>> IF a THEN CREATE INDEX i ON {{ .S }}.t (a); END IF; EXCEPTION WHEN others THEN NULL; END $body$;\nALTER TABLE \"${p}t\" ALTER c TYPE text COLLATE \"dé\", ALTER d TYPE int;\nCREATE INDEX j ON t (a) TABLESPACE \"x\";\nDO 'x';";
        for (i, _) in sql.char_indices() {
            let _ = ops(&sql[..i]);
        }
        let r = ops(sql);
        assert_eq!(r.ops.len(), 4, "{:?}", r.ops);
        assert_eq!(r.unparsed.len(), 1, "{:?}", r.unparsed);
    }

    #[test]
    fn check_not_null_column_is_read() {
        let r = ops("ALTER TABLE t ADD CONSTRAINT c CHECK (\"a\" IS NOT NULL) NOT VALID");
        assert!(
            matches!(&r.ops[0].kind, OpKind::AddConstraint { not_null_column: Some(c), not_valid: true, .. } if c == "a")
        );
    }
}
