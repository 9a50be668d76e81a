//! Knex, TypeORM and Sequelize migrations, read from the tree-sitter TS/JS
//! tree into [`Operation`]s. SQL passed to `knex.raw` / `queryRunner.query` /
//! `queryInterface.sequelize.query` goes through the SQL reader, its
//! operations pointing at the call.

use tree_sitter::Node;

use super::detect::Role;
use super::model::{ColumnInfo, ConstraintKind, DefaultKind, Migration, OpKind, Operation, Style};
use super::sql;
use crate::catalog::migrations::MigrationCatalog;
use crate::lang::{NodeExt, named_children, node_text};
use crate::source::{SourceFile, Span};

/// Reads a Knex or TypeORM migration.
/// `tree` is the file's tree when the caller already parsed it.
pub fn read(f: &SourceFile, tree: Option<tree_sitter::Tree>, role: Role, cat: &MigrationCatalog, m: &mut Migration) {
    let Some(tree) = tree.or_else(|| crate::lang::parse(f.grammar, &f.text)) else { return };
    let src: &str = &f.text;
    let root = tree.root_node();
    let wrapped = role.wrapped && !transaction_off(src, role.style);
    let mut r = Reader { src, cat, tx: sql::Tx::new(wrapped), m };
    let mut bodies = Vec::new();
    crate::lang::walk(root, &mut |n| {
        if let Some(body) = up_body(n, src) {
            bodies.push(body);
            return false;
        }
        true
    });
    for body in bodies {
        let mut calls = Vec::new();
        crate::lang::walk(body, &mut |n| {
            if n.kind() == "call_expression" {
                calls.push(n);
            }
            true
        });
        for call in calls {
            match role.style {
                Style::Knex => knex_call(call, &mut r),
                Style::TypeOrm => typeorm_call(call, &mut r),
                Style::Sequelize => sequelize_call(call, &mut r),
                _ => {}
            }
        }
    }
}

/// `exports.config = { transaction: false }` (Knex), `transaction = false` (TypeORM).
fn transaction_off(src: &str, style: Style) -> bool {
    let compact: String = src.chars().filter(|c| !c.is_whitespace()).collect();
    match style {
        Style::Knex => compact.contains("transaction:false"),
        _ => compact.contains("transaction=false") || compact.contains("transaction:false"),
    }
}

/// The body of the `up` function, if `n` defines it.
fn up_body<'t>(n: Node<'t>, src: &str) -> Option<Node<'t>> {
    let func = match n.kind() {
        "function_declaration" | "method_definition" | "generator_function_declaration" => {
            (n.field("name").map(|x| node_text(x, src)) == Some("up")).then_some(n)?
        }
        "assignment_expression" => {
            let left = n.field("left").map_or("", |x| node_text(x, src));
            if left != "exports.up" && left != "module.exports.up" {
                return None;
            }
            n.field("right")?
        }
        "variable_declarator" | "pair" => {
            let key = n.field("name").or_else(|| n.field("key"))?;
            if node_text(key, src) != "up" {
                return None;
            }
            n.field("value")?
        }
        _ => return None,
    };
    func.field("body")
}

struct Reader<'a> {
    src: &'a str,
    cat: &'a MigrationCatalog,
    tx: sql::Tx,
    m: &'a mut Migration,
}

impl Reader<'_> {
    fn push(&mut self, kind: OpKind, table: &str, span: Span) {
        if table.is_empty() {
            return;
        }
        let in_transaction = self.tx.wrapped;
        self.m.ops.push(Operation { kind, table: table.to_ascii_lowercase(), span, in_transaction, transaction: 0 });
    }

    fn embedded_sql(&mut self, arg: Node<'_>, call: Node<'_>) {
        let Some(text) = string_of(arg, self.src) else { return };
        let mut out = sql::Read::default();
        sql::read(&text, sql::Anchor::Call(anchor(call)), &mut self.tx, self.cat, &mut out);
        self.m.ops.extend(out.ops);
        self.m.unparsed.extend(out.unparsed);
        self.m.statements += out.statements;
    }
}

/// The span a finding points at: the `await` expression holding the call, if any.
fn anchor(call: Node<'_>) -> Span {
    match call.parent() {
        Some(p) if p.kind() == "await_expression" => Span::of(p),
        _ => Span::of(call),
    }
}

/// The text of a string or template literal (`${...}` becomes a placeholder).
fn string_of(n: Node<'_>, src: &str) -> Option<String> {
    string_within(n, src, 0)
}

/// [`string_of`] to a bounded depth: a generated `"a" + "b" + ...` of
/// thousands of parts is not read (rather than recursing once per part).
fn string_within(n: Node<'_>, src: &str, depth: u32) -> Option<String> {
    if depth > crate::lang::MAX_HELPER_DEPTH {
        return None;
    }
    match n.kind() {
        "string" => {
            let t = node_text(n, src);
            Some(unescape(&t[1.min(t.len())..t.len().saturating_sub(1)]))
        }
        "template_string" => {
            let mut out = String::new();
            let start = n.start_byte() + 1;
            let end = n.end_byte().saturating_sub(1);
            let mut at = start;
            for c in named_children(n) {
                if c.kind() == "template_substitution" {
                    out.push_str(src.get(at..c.start_byte()).unwrap_or(""));
                    out.push_str(sql::PLACEHOLDER);
                    at = c.end_byte();
                }
            }
            out.push_str(src.get(at..end).unwrap_or(""));
            Some(unescape(&out))
        }
        "binary_expression" => {
            let l = n.field("left").and_then(|x| string_within(x, src, depth + 1))?;
            let r = n.field("right").and_then(|x| string_within(x, src, depth + 1))?;
            Some(l + &r)
        }
        "parenthesized_expression" => named_children(n).first().and_then(|x| string_within(*x, src, depth + 1)),
        _ => None,
    }
}

/// The SQL a default stands for: a string literal's text, `knex.raw('...')`'s
/// or `() => '...'`'s string, else the code as written.
fn sql_text(n: Node<'_>, src: &str) -> String {
    if let Some(s) = string_of(n, src) {
        return s;
    }
    match n.kind() {
        "call_expression" => args(n).first().and_then(|a| string_of(*a, src)),
        "arrow_function" => n.field("body").and_then(|b| string_of(b, src)),
        _ => None,
    }
    .unwrap_or_else(|| node_text(n, src).to_string())
}

fn unescape(s: &str) -> String {
    // A backslash before a line break continues the line: the cooked string holds neither.
    s.replace("\\\r\n", "")
        .replace("\\\n", "")
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\'", "'")
        .replace("\\\"", "\"")
        .replace("\\`", "`")
}

fn args(call: Node<'_>) -> Vec<Node<'_>> {
    let all = call.field("arguments").map(named_children).unwrap_or_default();
    all.into_iter().filter(|a| a.kind() != "comment").collect()
}

fn str_arg(call: Node<'_>, src: &str, i: usize) -> Option<String> {
    args(call).get(i).and_then(|a| string_of(*a, src))
}

/// `a.b.c(...)`: the method name `c` and the receiver node `a.b`.
fn method<'t>(call: Node<'t>, src: &str) -> Option<(String, Node<'t>)> {
    let f = call.field("function")?;
    if f.kind() != "member_expression" {
        return None;
    }
    let prop = f.field("property")?;
    Some((node_text(prop, src).to_string(), f.field("object")?))
}

/// A property of an object literal (`{ name: 'x' }`).
fn prop<'t>(obj: Node<'t>, src: &str, key: &str) -> Option<Node<'t>> {
    named_children(obj).into_iter().find_map(|p| {
        if p.kind() != "pair" {
            return None;
        }
        let k = p.field("key")?;
        (crate::lang::strip_quotes(node_text(k, src)) == key).then(|| p.field("value"))?
    })
}

/// The object literal passed to `new X({...})`, or the literal itself.
fn object_arg<'t>(n: Node<'t>) -> Option<Node<'t>> {
    match n.kind() {
        "object" => Some(n),
        "new_expression" => {
            n.field("arguments").and_then(|a| named_children(a).into_iter().find(|x| x.kind() == "object"))
        }
        _ => None,
    }
}

// ------------------------------------------------------------------ Knex ----

const KNEX_COLUMN_TYPES: &[&str] = &[
    "string",
    "text",
    "integer",
    "bigInteger",
    "bigint",
    "smallint",
    "tinyint",
    "mediumint",
    "boolean",
    "uuid",
    "timestamp",
    "timestamps",
    "datetime",
    "date",
    "time",
    "decimal",
    "float",
    "double",
    "json",
    "jsonb",
    "enum",
    "enu",
    "specificType",
    "binary",
    "increments",
    "bigIncrements",
    "bigincrements",
];

fn knex_call(call: Node<'_>, r: &mut Reader<'_>) {
    let src = r.src;
    let Some((name, _recv)) = method(call, src) else { return };
    match name.as_str() {
        // `knex.raw(...)` as a statement; inside `defaultTo(knex.raw('now()'))` it is an expression.
        // db-migrate's `db.runSql(sql, callback)` too.
        "raw" | "runSql" if call.parent().is_none_or(|p| p.kind() != "arguments") => {
            if let Some(a) = args(call).first() {
                r.embedded_sql(*a, call);
            }
        }
        "createTable" | "createTableIfNotExists" | "createTableLike" => {
            if let Some(t) = str_arg(call, src, 0) {
                r.push(OpKind::CreateTable { columns: Vec::new() }, &t, Span::of(call));
            }
        }
        "alterTable" | "table" => {
            let Some(t) = str_arg(call, src, 0) else { return };
            let Some(cb) = args(call).get(1).copied() else { return };
            let Some(param) = callback_param(cb, src) else { return };
            let Some(body) = cb.field("body") else { return };
            let mut stmts = Vec::new();
            crate::lang::walk(body, &mut |n| {
                if n.kind() == "expression_statement" {
                    stmts.push(n);
                    return false;
                }
                true
            });
            for s in stmts {
                if let Some(e) = named_children(s).first().filter(|e| e.kind() == "call_expression") {
                    knex_builder(*e, &param, &t, r);
                }
            }
        }
        "renameTable" => {
            if let (Some(a), Some(b)) = (str_arg(call, src, 0), str_arg(call, src, 1)) {
                r.push(OpKind::RenameTable { new: b.to_ascii_lowercase(), django: false }, &a, Span::of(call));
            }
        }
        "dropTable" | "dropTableIfExists" => {
            if let Some(t) = str_arg(call, src, 0) {
                r.push(OpKind::DropTable { django: false }, &t, Span::of(call));
            }
        }
        _ => {}
    }
}

fn callback_param(cb: Node<'_>, src: &str) -> Option<String> {
    if let Some(p) = cb.field("parameter") {
        return Some(node_text(p, src).to_string());
    }
    let params = cb.field("parameters")?;
    let first = named_children(params).into_iter().next()?;
    let id = if first.kind() == "identifier" { first } else { first.field("pattern").unwrap_or(first) };
    Some(node_text(id, src).to_string())
}

/// One statement of an `alterTable` callback: `t.string('x').notNullable()`, `t.index(['a'])`.
fn knex_builder(stmt: Node<'_>, param: &str, table: &str, r: &mut Reader<'_>) {
    let src = r.src;
    // Unwind the chain: outermost call first.
    let mut chain: Vec<(String, Node<'_>)> = Vec::new();
    let mut cur = stmt;
    loop {
        let Some((name, recv)) = method(cur, src) else { return };
        chain.push((name, cur));
        if recv.kind() == "call_expression" {
            cur = recv;
        } else if node_text(recv, src) == param {
            break;
        } else {
            return;
        }
    }
    chain.reverse();
    let (root, root_call) = (&chain[0].0, chain[0].1);
    let span = Span::of(stmt);
    let has = |m: &str| chain.iter().any(|(n, _)| n == m);
    let first = str_arg(root_call, src, 0).map(|s| s.to_ascii_lowercase());
    match root.as_str() {
        "index" => r.push(
            OpKind::CreateIndex { concurrently: false, unique: false, name: None, what: "table.index()".to_string() },
            table,
            span,
        ),
        "unique" => r.push(unique("table.unique()"), table, span),
        "primary" => r.push(
            OpKind::AddConstraint {
                kind: ConstraintKind::PrimaryKey,
                name: None,
                not_valid: false,
                using_index: false,
                not_null_column: None,
                what: "table.primary()".to_string(),
            },
            table,
            span,
        ),
        "foreign" => r.push(fk("table.foreign()"), table, span),
        "dropColumn" | "dropColumns" => {
            for a in args(root_call) {
                if let Some(c) = string_of(a, src) {
                    r.push(OpKind::DropColumn { column: c.to_ascii_lowercase(), django: false }, table, span);
                }
            }
        }
        "renameColumn" => {
            if let (Some(a), Some(b)) = (first.clone(), str_arg(root_call, src, 1)) {
                r.push(OpKind::RenameColumn { old: a, new: b.to_ascii_lowercase(), django: false }, table, span);
            }
        }
        "dropNullable" => {
            if let Some(c) = first {
                r.push(OpKind::SetNotNull { column: c }, table, span);
            }
        }
        t if KNEX_COLUMN_TYPES.contains(&t) => {
            if has("alter") || t == "timestamps" {
                return;
            }
            let Some(column) = first else { return };
            let not_null = has("notNullable") || has("primary");
            let default = match chain.iter().find(|(n, _)| n == "defaultTo") {
                Some((_, c)) => {
                    let text = args(*c).first().map(|a| sql_text(*a, src)).unwrap_or_default();
                    match r.cat.volatile_call(&text) {
                        Some(_) => DefaultKind::Volatile(text),
                        None if text == "null" => DefaultKind::None,
                        None => DefaultKind::Constant,
                    }
                }
                None if t.to_ascii_lowercase().contains("increments") => DefaultKind::Volatile(format!("{t}()")),
                None => DefaultKind::None,
            };
            let info = ColumnInfo { ty: String::new(), null: !not_null, index: false, unique: false };
            r.push(OpKind::AddColumn { column, not_null, default, django: false, info }, table, span);
            if has("unique") {
                r.push(unique(".unique()"), table, span);
            } else if has("index") {
                r.push(
                    OpKind::CreateIndex {
                        concurrently: false,
                        unique: false,
                        name: None,
                        what: ".index()".to_string(),
                    },
                    table,
                    span,
                );
            }
            if has("references") || has("inTable") {
                r.push(fk(".references()"), table, span);
            }
        }
        _ => {}
    }
}

fn unique(what: &str) -> OpKind {
    OpKind::AddConstraint {
        kind: ConstraintKind::Unique,
        name: None,
        not_valid: false,
        using_index: false,
        not_null_column: None,
        what: what.to_string(),
    }
}

fn fk(what: &str) -> OpKind {
    OpKind::AddConstraint {
        kind: ConstraintKind::ForeignKey,
        name: None,
        not_valid: false,
        using_index: false,
        not_null_column: None,
        what: what.to_string(),
    }
}

// --------------------------------------------------------------- TypeORM ----

fn typeorm_call(call: Node<'_>, r: &mut Reader<'_>) {
    let src = r.src;
    let Some((name, recv)) = method(call, src) else { return };
    if !node_text(recv, src).contains("queryRunner") {
        return;
    }
    let span = anchor(call);
    let a = args(call);
    let table = str_arg(call, src, 0).unwrap_or_default();
    match name.as_str() {
        "query" => {
            if let Some(first) = a.first() {
                r.embedded_sql(*first, call);
            }
        }
        "createTable" => {
            let t = a
                .first()
                .and_then(|x| object_arg(*x))
                .and_then(|o| prop(o, src, "name"))
                .and_then(|n| string_of(n, src));
            if let Some(t) = t {
                r.push(OpKind::CreateTable { columns: Vec::new() }, &t, span);
            }
        }
        "createIndex" | "createIndices" => {
            let concurrently = a.iter().any(|x| node_text(*x, src).contains("isConcurrent: true"));
            r.push(
                OpKind::CreateIndex { concurrently, unique: false, name: None, what: format!("queryRunner.{name}") },
                &table,
                span,
            );
        }
        "addColumn" | "addColumns" => {
            let cols: Vec<Node<'_>> = match a.get(1) {
                Some(x) if x.kind() == "array" => named_children(*x),
                Some(x) => vec![*x],
                None => Vec::new(),
            };
            for c in cols {
                let Some(o) = object_arg(c) else { continue };
                let Some(column) = prop(o, src, "name").and_then(|n| string_of(n, src)) else { continue };
                let nullable = prop(o, src, "isNullable").map(|n| node_text(n, src) == "true").unwrap_or(false);
                let generated = prop(o, src, "isGenerated").is_some_and(|n| node_text(n, src) == "true");
                let default = match prop(o, src, "default") {
                    Some(d) => {
                        let text = sql_text(d, src);
                        match r.cat.volatile_call(&text) {
                            Some(_) => DefaultKind::Volatile(text),
                            None => DefaultKind::Constant,
                        }
                    }
                    None if generated => DefaultKind::Volatile("isGenerated".to_string()),
                    None => DefaultKind::None,
                };
                let info = ColumnInfo { ty: String::new(), null: nullable, index: false, unique: false };
                let kind = OpKind::AddColumn {
                    column: column.to_ascii_lowercase(),
                    not_null: !nullable,
                    default,
                    django: false,
                    info,
                };
                r.push(kind, &table, span);
                if prop(o, src, "isUnique").is_some_and(|n| node_text(n, src) == "true") {
                    r.push(unique("isUnique: true"), &table, span);
                }
            }
        }
        "createForeignKey" | "createForeignKeys" => r.push(fk(&format!("queryRunner.{name}")), &table, span),
        "createUniqueConstraint" | "createUniqueConstraints" => {
            r.push(unique(&format!("queryRunner.{name}")), &table, span)
        }
        "createCheckConstraint" => r.push(
            OpKind::AddConstraint {
                kind: ConstraintKind::Check,
                name: None,
                not_valid: false,
                using_index: false,
                not_null_column: None,
                what: "queryRunner.createCheckConstraint".to_string(),
            },
            &table,
            span,
        ),
        "dropColumn" => {
            if let Some(c) = str_arg(call, src, 1) {
                r.push(OpKind::DropColumn { column: c.to_ascii_lowercase(), django: false }, &table, span);
            }
        }
        "renameColumn" => {
            if let (Some(old), Some(new)) = (str_arg(call, src, 1), str_arg(call, src, 2)) {
                r.push(
                    OpKind::RenameColumn {
                        old: old.to_ascii_lowercase(),
                        new: new.to_ascii_lowercase(),
                        django: false,
                    },
                    &table,
                    span,
                );
            }
        }
        "dropTable" => r.push(OpKind::DropTable { django: false }, &table, span),
        "renameTable" => {
            if let Some(new) = str_arg(call, src, 1) {
                r.push(OpKind::RenameTable { new: new.to_ascii_lowercase(), django: false }, &table, span);
            }
        }
        _ => {}
    }
}

// -------------------------------------------------------------- Sequelize ----

/// One `queryInterface.*` call of a Sequelize migration.
fn sequelize_call(call: Node<'_>, r: &mut Reader<'_>) {
    let src = r.src;
    let Some((name, recv)) = method(call, src) else { return };
    let recv_text = node_text(recv, src);
    // `queryInterface.sequelize.query(sql)`: raw SQL.
    if name == "query" && recv_text.ends_with("sequelize") {
        if let Some(first) = args(call).first() {
            r.embedded_sql(*first, call);
        }
        return;
    }
    if !recv_text.ends_with("queryInterface") {
        return;
    }
    let span = anchor(call);
    let a = args(call);
    let Some(table) = str_arg(call, src, 0) else { return };
    let what = format!("queryInterface.{name}");
    match name.as_str() {
        "createTable" => {
            let columns = a
                .get(1)
                .and_then(|x| object_arg(*x))
                .map(|o| {
                    named_children(o)
                        .into_iter()
                        .filter(|p| p.kind() == "pair")
                        .filter_map(|p| {
                            let key = crate::lang::strip_quotes(node_text(p.field("key")?, src)).to_ascii_lowercase();
                            let attrs = p.field("value")?;
                            Some((key, sequelize_column(attrs, src).1))
                        })
                        .collect()
                })
                .unwrap_or_default();
            r.push(OpKind::CreateTable { columns }, &table, span);
        }
        "addColumn" => {
            let Some(column) = str_arg(call, src, 1) else { return };
            let Some(attrs) = a.get(2).copied() else { return };
            let (default, info) = sequelize_column(attrs, src);
            let default = match default {
                Some(text) => match r.cat.volatile_call(&text) {
                    Some(_) => DefaultKind::Volatile(text),
                    None if text == "null" => DefaultKind::None,
                    None => DefaultKind::Constant,
                },
                None => DefaultKind::None,
            };
            let not_null = !info.null;
            let (unique_col, index) = (info.unique, info.index);
            let kind =
                OpKind::AddColumn { column: column.to_ascii_lowercase(), not_null, default, django: false, info };
            r.push(kind, &table, span);
            if unique_col {
                r.push(unique("unique: true"), &table, span);
            } else if index {
                r.push(
                    OpKind::CreateIndex { concurrently: false, unique: false, name: None, what: "index: true".into() },
                    &table,
                    span,
                );
            }
            if a.get(2).and_then(|x| object_arg(*x)).and_then(|o| prop(o, src, "references")).is_some() {
                r.push(fk("references"), &table, span);
            }
        }
        "changeColumn" => {
            let Some(column) = str_arg(call, src, 1).map(|c| c.to_ascii_lowercase()) else { return };
            let Some(attrs) = a.get(2).copied() else { return };
            let (_, info) = sequelize_column(attrs, src);
            // Sequelize restates the type on every change (`ALTER COLUMN .. TYPE ..`).
            if !info.ty.is_empty() {
                r.push(OpKind::AlterType { column: column.clone(), to: info.ty.clone(), from: None }, &table, span);
            }
            if !info.null {
                r.push(OpKind::SetNotNull { column }, &table, span);
            }
        }
        "removeColumn" => {
            if let Some(c) = str_arg(call, src, 1) {
                r.push(OpKind::DropColumn { column: c.to_ascii_lowercase(), django: false }, &table, span);
            }
        }
        "renameColumn" => {
            if let (Some(old), Some(new)) = (str_arg(call, src, 1), str_arg(call, src, 2)) {
                let kind = OpKind::RenameColumn {
                    old: old.to_ascii_lowercase(),
                    new: new.to_ascii_lowercase(),
                    django: false,
                };
                r.push(kind, &table, span);
            }
        }
        "renameTable" => {
            if let Some(new) = str_arg(call, src, 1) {
                r.push(OpKind::RenameTable { new: new.to_ascii_lowercase(), django: false }, &table, span);
            }
        }
        "dropTable" => r.push(OpKind::DropTable { django: false }, &table, span),
        // `bulkDelete(table, {})` with no condition empties the table.
        "bulkDelete" => {
            let all = match a.get(1) {
                None => true,
                Some(w) => {
                    let w = node_text(*w, src).trim();
                    w == "{}" || w == "null" || w == "undefined"
                }
            };
            if all {
                r.push(OpKind::EmptyTable, &table, span);
            }
        }
        "addIndex" => {
            // `addIndex(table, [cols], { concurrently, unique })` or `addIndex(table, { fields, ... })`.
            let opts = a.iter().skip(1).find_map(|x| object_arg(*x));
            let flag = |key: &str| opts.and_then(|o| prop(o, src, key)).is_some_and(|v| node_text(v, src) == "true");
            let name = opts.and_then(|o| prop(o, src, "name")).and_then(|n| string_of(n, src));
            let kind = OpKind::CreateIndex { concurrently: flag("concurrently"), unique: flag("unique"), name, what };
            r.push(kind, &table, span);
        }
        "addConstraint" => {
            let opts = a.iter().skip(1).find_map(|x| object_arg(*x));
            let ty = opts
                .and_then(|o| prop(o, src, "type"))
                .and_then(|t| string_of(t, src))
                .map(|t| t.to_ascii_lowercase())
                .unwrap_or_default();
            let kind = match ty.as_str() {
                "foreign key" => ConstraintKind::ForeignKey,
                "unique" => ConstraintKind::Unique,
                "check" => ConstraintKind::Check,
                "primary key" => ConstraintKind::PrimaryKey,
                _ => return,
            };
            let name = opts.and_then(|o| prop(o, src, "name")).and_then(|n| string_of(n, src));
            let kind =
                OpKind::AddConstraint { kind, name, not_valid: false, using_index: false, not_null_column: None, what };
            r.push(kind, &table, span);
        }
        _ => {}
    }
}

/// A Sequelize column: `{ type: DataTypes.STRING(40), allowNull: false,
/// defaultValue: .. }` or a bare type (`Sequelize.TEXT`). Returns the
/// default's SQL text, if one is given, and what is known of the column.
fn sequelize_column(attrs: Node<'_>, src: &str) -> (Option<String>, ColumnInfo) {
    let Some(o) = object_arg(attrs) else {
        let info = ColumnInfo { ty: sequelize_type(node_text(attrs, src)), null: true, index: false, unique: false };
        return (None, info);
    };
    let is_true = |key: &str| prop(o, src, key).is_some_and(|v| node_text(v, src) == "true");
    let ty = prop(o, src, "type").map(|t| sequelize_type(node_text(t, src))).unwrap_or_default();
    let null = prop(o, src, "allowNull").is_none_or(|v| node_text(v, src) != "false") && !is_true("primaryKey");
    let default = prop(o, src, "defaultValue").map(|d| {
        // `Sequelize.literal('now()')` / `Sequelize.fn('gen_random_uuid')`: SQL; other values are constants.
        let text = node_text(d, src);
        if text.contains(".fn(") {
            let inner = d.field("arguments").and_then(|x| named_children(x).into_iter().next());
            inner.and_then(|n| string_of(n, src)).map(|f| format!("{f}()")).unwrap_or_else(|| text.to_string())
        } else if text.contains(".literal(") {
            let inner = d.field("arguments").and_then(|x| named_children(x).into_iter().next());
            inner.and_then(|n| string_of(n, src)).unwrap_or_else(|| text.to_string())
        } else {
            sql_text(d, src)
        }
    });
    // `DataTypes.NOW` / `UUIDV4` are filled in by Sequelize on insert: the
    // column gets no database default.
    let default = default.filter(|d| !["NOW", "UUIDV1", "UUIDV4"].iter().any(|v| d.ends_with(&format!(".{v}"))));
    let auto = is_true("autoIncrement");
    let default = default.or_else(|| auto.then(|| "nextval()".to_string()));
    (default, ColumnInfo { ty, null, index: false, unique: is_true("unique") })
}

/// The SQL type a Sequelize data type stands for on PostgreSQL:
/// `DataTypes.STRING(40)` → `varchar(40)`, `Sequelize.TEXT` → `text`.
fn sequelize_type(text: &str) -> String {
    let text = text.trim();
    // A type given as SQL text (`type: "CHARACTER VARYING"`).
    if let Some(q) = text.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) {
        return text.trim_matches(q).trim().to_ascii_lowercase();
    }
    let (head, args) = match text.find('(') {
        Some(i) => (&text[..i], text[i + 1..].trim_end_matches(')').trim()),
        None => (text, ""),
    };
    let base = head.rsplit('.').next().unwrap_or(head).trim().to_ascii_uppercase();
    let with = |t: &str, default: &str| {
        let n = if args.is_empty() { default } else { args };
        if n.is_empty() { t.to_string() } else { format!("{t}({n})") }
    };
    match base.as_str() {
        "STRING" => with("varchar", "255"),
        "CHAR" => with("char", "255"),
        "TEXT" => "text".into(),
        "CITEXT" => "citext".into(),
        "INTEGER" => "integer".into(),
        "BIGINT" => "bigint".into(),
        "SMALLINT" => "smallint".into(),
        "FLOAT" | "DOUBLE" => "double precision".into(),
        "REAL" => "real".into(),
        "DECIMAL" => with("numeric", ""),
        "BOOLEAN" => "boolean".into(),
        "DATE" => "timestamptz".into(),
        "DATEONLY" => "date".into(),
        "TIME" => "time".into(),
        "UUID" => "uuid".into(),
        "JSON" => "json".into(),
        "JSONB" => "jsonb".into(),
        "BLOB" => "bytea".into(),
        _ => String::new(),
    }
}
