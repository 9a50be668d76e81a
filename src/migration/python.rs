//! Django and Alembic migrations, read from the tree-sitter Python tree into
//! [`Operation`]s. SQL passed to `RunSQL` / `op.execute` goes through the SQL
//! reader, its operations pointing at the call.

use tree_sitter::Node;

use super::detect::Role;
use super::model::{ColumnInfo, ConstraintKind, DefaultKind, Migration, OpKind, Operation, Style};
use super::sql;
use crate::catalog::migrations::MigrationCatalog;
use crate::lang::python::{keyword_args, positional_args, string_value};
use crate::lang::{NodeExt, named_children, node_text};
use crate::source::{SourceFile, Span};

struct Reader<'a> {
    src: &'a str,
    cat: &'a MigrationCatalog,
    /// The migration runs in a transaction (Django `atomic`, Alembic's default).
    atomic: bool,
    tx: sql::Tx,
    m: &'a mut Migration,
    /// Django app label: model `Order` of app `shop` is table `shop_order`.
    app: Option<String>,
}

impl Reader<'_> {
    fn push(&mut self, kind: OpKind, table: &str, span: Span, in_transaction: bool) {
        if table.is_empty() {
            return;
        }
        let table = match &self.app {
            Some(app) => format!("{app}_{table}").to_ascii_lowercase(),
            None => table.to_ascii_lowercase(),
        };
        self.m.ops.push(Operation { kind, table, span, in_transaction, transaction: 0 });
    }

    fn embedded_sql(&mut self, node: Node<'_>, call: Node<'_>) {
        let mut texts = Vec::new();
        strings_in(node, self.src, &mut texts);
        for text in texts {
            let mut out = sql::Read::default();
            self.tx.wrapped = self.atomic;
            sql::read(&text, sql::Anchor::Call(Span::of(call)), &mut self.tx, self.cat, &mut out);
            self.m.ops.extend(out.ops);
            self.m.unparsed.extend(out.unparsed);
            self.m.statements += out.statements;
        }
    }
}

/// String literals in `node`: a string, a list or tuple of them (Django's
/// `[(sql, params)]` too), or `sa.text("...")`.
fn strings_in(node: Node<'_>, src: &str, out: &mut Vec<String>) {
    strings_within(node, src, out, 0);
}

/// [`strings_in`] to a bounded depth: lists nested thousands deep are not
/// read past the bound (rather than recursing once per level).
fn strings_within(node: Node<'_>, src: &str, out: &mut Vec<String>, depth: u32) {
    if depth > crate::lang::MAX_HELPER_DEPTH {
        return;
    }
    match node.kind() {
        "string" => {
            if let Some(s) = string_value(node, src) {
                out.push(unescape(s));
            }
        }
        "concatenated_string" => {
            let joined: String =
                named_children(node).iter().filter_map(|c| string_value(*c, src)).map(unescape).collect();
            out.push(joined);
        }
        "list" | "tuple" | "parenthesized_expression" => {
            for c in named_children(node) {
                // `(sql, params)` pairs: only the first element is SQL.
                if c.kind() == "tuple" {
                    if let Some(first) = named_children(c).first() {
                        strings_within(*first, src, out, depth + 1);
                    }
                } else {
                    strings_within(c, src, out, depth + 1);
                }
            }
        }
        "call" => {
            if let Some(first) = positional_args(node).first() {
                strings_within(*first, src, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t").replace("\\'", "'").replace("\\\"", "\"")
}

/// The last dotted segment of a call's function (`migrations.AddField` → `AddField`).
fn callee<'s>(call: Node<'_>, src: &'s str) -> &'s str {
    let f = call.field("function").map_or("", |f| node_text(f, src));
    f.rsplit('.').next().unwrap_or(f)
}

fn callee_full<'s>(call: Node<'_>, src: &'s str) -> &'s str {
    call.field("function").map_or("", |f| node_text(f, src))
}

/// A call's argument by position or keyword.
fn arg<'t>(call: Node<'t>, src: &str, pos: usize, kw: &str) -> Option<Node<'t>> {
    let (kws, _) = keyword_args(call, src);
    kws.iter().find(|(k, _)| *k == kw).map(|(_, v)| *v).or_else(|| positional_args(call).get(pos).copied())
}

fn kwarg<'t>(call: Node<'t>, src: &str, kw: &str) -> Option<Node<'t>> {
    keyword_args(call, src).0.into_iter().find(|(k, _)| *k == kw).map(|(_, v)| v)
}

fn str_arg(call: Node<'_>, src: &str, pos: usize, kw: &str) -> Option<String> {
    arg(call, src, pos, kw).and_then(|n| string_value(n, src)).map(str::to_string)
}

fn is_true(node: Option<Node<'_>>, src: &str) -> bool {
    node.is_some_and(|n| node_text(n, src) == "True")
}

fn is_false(node: Option<Node<'_>>, src: &str) -> bool {
    node.is_some_and(|n| node_text(n, src) == "False")
}

fn int_arg(call: Node<'_>, src: &str, pos: usize, kw: &str) -> Option<u32> {
    arg(call, src, pos, kw).and_then(|n| node_text(n, src).parse().ok())
}

/// Reads a Django or Alembic migration.
/// `tree` is the file's tree when the caller already parsed it.
pub fn read(f: &SourceFile, tree: Option<tree_sitter::Tree>, role: Role, cat: &MigrationCatalog, m: &mut Migration) {
    let Some(tree) = tree.or_else(|| crate::lang::parse(f.grammar, &f.text)) else { return };
    let root = tree.root_node();
    let mut r = Reader { src: &f.text, cat, atomic: role.wrapped, tx: sql::Tx::new(role.wrapped), m, app: None };
    match role.style {
        Style::Django => django(root, &mut r),
        Style::Alembic => alembic(root, &mut r),
        _ => {}
    }
}

// ---------------------------------------------------------------- Django ----

fn django(root: Node<'_>, r: &mut Reader<'_>) {
    let src = r.src;
    for class in named_children(root)
        .into_iter()
        .flat_map(|n| if n.kind() == "decorated_definition" { n.field("definition") } else { Some(n) })
    {
        if class.kind() != "class_definition" || class.field("name").map(|n| node_text(n, src)) != Some("Migration") {
            continue;
        }
        let Some(body) = class.field("body") else { continue };
        let mut operations = None;
        for stmt in named_children(body) {
            let Some(a) = named_children(stmt).into_iter().find(|n| n.kind() == "assignment") else { continue };
            let (Some(left), Some(right)) = (a.field("left"), a.field("right")) else {
                continue;
            };
            match node_text(left, src) {
                "atomic" => r.atomic = node_text(right, src) != "False",
                "replaces" => r.m.squashed = true,
                "operations" => operations = Some(right),
                "dependencies" => {
                    for dep in named_children(right) {
                        if let Some(second) = named_children(dep).get(1)
                            && let Some(s) = string_value(*second, src)
                        {
                            r.m.after.push(s.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        // The history is the app: the folder that holds `migrations/`.
        let p = std::path::Path::new(&r.m.set);
        r.app = p.parent().and_then(|a| a.file_name()).map(|a| a.to_string_lossy().into_owned());
        r.m.set = p.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(ops) = operations {
            let ops = named_children(ops);
            // django-migration-linter's `IgnoreMigration()`: the team has judged this migration.
            if ops.iter().any(|o| o.kind() == "call" && callee(*o, src) == "IgnoreMigration") {
                return;
            }
            for op in ops {
                django_op(op, r);
            }
        }
    }
}

fn django_op(op: Node<'_>, r: &mut Reader<'_>) {
    if op.kind() != "call" {
        return;
    }
    let src = r.src;
    let span = Span::of(op);
    let atomic = r.atomic;
    let name = callee(op, src);
    let model = str_arg(op, src, 0, "model_name").unwrap_or_default();
    match name {
        "CreateModel" => {
            let table = str_arg(op, src, 0, "name").unwrap_or_default();
            let mut columns = Vec::new();
            if let Some(fields) = arg(op, src, 1, "fields") {
                for pair in named_children(fields) {
                    let items = named_children(pair);
                    if let (Some(n), Some(field)) = (items.first(), items.get(1))
                        && let Some(n) = string_value(*n, src)
                    {
                        columns.push((n.to_ascii_lowercase(), django_field(*field, src)));
                    }
                }
            }
            r.push(OpKind::CreateTable { columns }, &table, span, atomic);
        }
        "AddField" => {
            let Some(column) = str_arg(op, src, 1, "name") else { return };
            let Some(field) = arg(op, src, 2, "field").filter(|n| n.kind() == "call") else { return };
            let fname = callee(field, src);
            if is_m2m(fname) {
                return;
            }
            let info = django_field(field, src);
            let has_db_default = kwarg(field, src, "db_default").is_some_and(|d| node_text(d, src) != "None");
            let not_null = !info.null && !is_true(kwarg(field, src, "primary_key"), src);
            let default = if has_db_default { DefaultKind::Constant } else { DefaultKind::None };
            let column = column.to_ascii_lowercase();
            r.push(
                OpKind::AddColumn { column: column.clone(), not_null, default, django: true, info: info.clone() },
                &model,
                span,
                atomic,
            );
            if info.unique {
                r.push(
                    OpKind::AddConstraint {
                        kind: ConstraintKind::Unique,
                        name: None,
                        not_valid: false,
                        using_index: false,
                        not_null_column: None,
                        what: "AddField(unique=True)".to_string(),
                    },
                    &model,
                    span,
                    atomic,
                );
            } else if info.index {
                let what =
                    if is_fk(fname) { format!("AddField({fname})") } else { "AddField(db_index=True)".to_string() };
                r.push(
                    OpKind::CreateIndex { concurrently: false, unique: false, name: None, what },
                    &model,
                    span,
                    atomic,
                );
            }
        }
        "AlterField" => {
            let Some(column) = str_arg(op, src, 1, "name") else { return };
            let Some(field) = arg(op, src, 2, "field").filter(|n| n.kind() == "call") else { return };
            // A many-to-many field has no column: `null` and the like change
            // nothing in the database.
            if is_m2m(callee(field, src)) {
                return;
            }
            let info = django_field(field, src);
            r.push(OpKind::AlterField { column: column.to_ascii_lowercase(), info }, &model, span, atomic);
        }
        "AddIndex" | "AddIndexConcurrently" => {
            let concurrently = name == "AddIndexConcurrently";
            r.push(
                OpKind::CreateIndex { concurrently, unique: false, name: None, what: name.to_string() },
                &model,
                span,
                atomic,
            );
        }
        "AddConstraint" | "AddConstraintNotValid" => {
            let Some(c) = arg(op, src, 1, "constraint").filter(|n| n.kind() == "call") else { return };
            let cname = callee(c, src);
            let kind = match cname {
                "UniqueConstraint" => ConstraintKind::Unique,
                "CheckConstraint" => ConstraintKind::Check,
                _ => return,
            };
            let not_null_column = kwarg(c, src, "check")
                .or_else(|| kwarg(c, src, "condition"))
                .and_then(|q| django_not_null(q, src))
                .filter(|_| kind == ConstraintKind::Check);
            let cname_value = str_arg(c, src, usize::MAX, "name");
            r.push(
                OpKind::AddConstraint {
                    kind,
                    name: cname_value,
                    not_valid: name == "AddConstraintNotValid",
                    using_index: false,
                    not_null_column,
                    what: format!("AddConstraint({cname})"),
                },
                &model,
                span,
                atomic,
            );
        }
        "DeleteModel" => {
            if let Some(t) = str_arg(op, src, 0, "name") {
                r.push(OpKind::DropTable { django: true }, &t, span, atomic);
            }
        }
        // django-add-default-value: the column gets a database default after all.
        "AddDefaultValue" => {
            let (Some(column), Some(_)) = (str_arg(op, src, 1, "name"), arg(op, src, 2, "value")) else { return };
            let table = match &r.app {
                Some(app) => format!("{app}_{model}").to_ascii_lowercase(),
                None => model.to_ascii_lowercase(),
            };
            let column = column.to_ascii_lowercase();
            if let Some(OpKind::AddColumn { default, .. }) = r
                .m
                .ops
                .iter_mut()
                .rev()
                .find(|o| o.table == table && matches!(&o.kind, OpKind::AddColumn { column: c, .. } if *c == column))
                .map(|o| &mut o.kind)
            {
                *default = DefaultKind::Constant;
            }
        }
        "RemoveField" => {
            let Some(column) = str_arg(op, src, 1, "name") else { return };
            r.push(OpKind::DropColumn { column: column.to_ascii_lowercase(), django: true }, &model, span, atomic);
        }
        "RenameField" => {
            let (Some(old), Some(new)) = (str_arg(op, src, 1, "old_name"), str_arg(op, src, 2, "new_name")) else {
                return;
            };
            r.push(
                OpKind::RenameColumn { old: old.to_ascii_lowercase(), new: new.to_ascii_lowercase(), django: true },
                &model,
                span,
                atomic,
            );
        }
        "RenameModel" => {
            let (Some(old), Some(new)) = (str_arg(op, src, 0, "old_name"), str_arg(op, src, 1, "new_name")) else {
                return;
            };
            let new = match &r.app {
                Some(app) => format!("{app}_{new}").to_ascii_lowercase(),
                None => new.to_ascii_lowercase(),
            };
            r.push(OpKind::RenameTable { new, django: true }, &old, span, atomic);
        }
        "RunSQL" => {
            if let Some(sql) = arg(op, src, 0, "sql") {
                r.embedded_sql(sql, op);
            }
        }
        "SeparateDatabaseAndState" => {
            if let Some(ops) = arg(op, src, 0, "database_operations") {
                for o in named_children(ops) {
                    django_op(o, r);
                }
            }
        }
        _ => {}
    }
}

/// Fields without a column of their own (a join table or a generic relation).
fn is_m2m(class: &str) -> bool {
    class.contains("ManyToMany") || class == "GenericRelation"
}

/// Django's own column fields, whose `null` defaults to `False`. A custom
/// class may force `null=True` in its constructor, which the migration text
/// does not show, so it is not assumed NOT NULL.
fn is_builtin_field(class: &str) -> bool {
    is_fk(class)
        || matches!(
            class,
            "AutoField"
                | "BigAutoField"
                | "SmallAutoField"
                | "BigIntegerField"
                | "BinaryField"
                | "BooleanField"
                | "CharField"
                | "DateField"
                | "DateTimeField"
                | "DecimalField"
                | "DurationField"
                | "EmailField"
                | "FileField"
                | "FilePathField"
                | "FloatField"
                | "GenericIPAddressField"
                | "IPAddressField"
                | "ImageField"
                | "IntegerField"
                | "JSONField"
                | "PositiveBigIntegerField"
                | "PositiveIntegerField"
                | "PositiveSmallIntegerField"
                | "SlugField"
                | "SmallIntegerField"
                | "TextField"
                | "TimeField"
                | "URLField"
                | "UUIDField"
                | "ArrayField"
                | "HStoreField"
                | "CICharField"
                | "CIEmailField"
                | "CITextField"
        )
}

fn is_fk(class: &str) -> bool {
    matches!(class, "ForeignKey" | "OneToOneField" | "ParentalKey" | "TreeForeignKey")
}

/// What a Django field says about its column.
fn django_field(field: Node<'_>, src: &str) -> ColumnInfo {
    if field.kind() != "call" {
        return ColumnInfo::default();
    }
    let class = callee(field, src);
    // `NullBooleanField` and unknown classes: NULL unless told `null=False`.
    let null = if is_builtin_field(class) {
        is_true(kwarg(field, src, "null"), src)
    } else {
        !is_false(kwarg(field, src, "null"), src)
    };
    let unique = is_true(kwarg(field, src, "unique"), src) || class == "OneToOneField";
    let db_index = kwarg(field, src, "db_index");
    let index = if is_fk(class) { !is_false(db_index, src) } else { is_true(db_index, src) };
    let len = |default: u32| int_arg(field, src, usize::MAX, "max_length").unwrap_or(default);
    let ty = match class {
        "CharField" => format!("varchar({})", len(0)),
        "SlugField" => format!("varchar({})", len(50)),
        "EmailField" => format!("varchar({})", len(254)),
        "URLField" => format!("varchar({})", len(200)),
        "TextField" => "text".to_string(),
        "IntegerField" | "PositiveIntegerField" | "AutoField" => "integer".to_string(),
        "BigIntegerField" | "PositiveBigIntegerField" | "BigAutoField" => "bigint".to_string(),
        "SmallIntegerField" | "PositiveSmallIntegerField" | "SmallAutoField" => "smallint".to_string(),
        "DecimalField" => format!(
            "numeric({},{})",
            int_arg(field, src, usize::MAX, "max_digits").unwrap_or(0),
            int_arg(field, src, usize::MAX, "decimal_places").unwrap_or(0)
        ),
        "BooleanField" | "NullBooleanField" => "boolean".to_string(),
        "DateTimeField" => "timestamptz".to_string(),
        "DateField" => "date".to_string(),
        "UUIDField" => "uuid".to_string(),
        "FloatField" => "double precision".to_string(),
        "JSONField" => "jsonb".to_string(),
        // Unknown or relation fields: the type cannot be compared.
        _ => String::new(),
    };
    // A CharField without max_length is a bad read: do not compare it.
    let ty = if ty == "varchar(0)" { String::new() } else { ty };
    ColumnInfo { ty, null, index, unique }
}

/// `Q(col__isnull=False)`: the column.
fn django_not_null(q: Node<'_>, src: &str) -> Option<String> {
    if q.kind() != "call" || callee(q, src) != "Q" {
        return None;
    }
    let (kws, _) = keyword_args(q, src);
    match kws.as_slice() {
        [(k, v)] if node_text(*v, src) == "False" => k.strip_suffix("__isnull").map(str::to_string),
        _ => None,
    }
}

// --------------------------------------------------------------- Alembic ----

fn alembic(root: Node<'_>, r: &mut Reader<'_>) {
    let src = r.src;
    for stmt in named_children(root) {
        if stmt.kind() == "expression_statement"
            && let Some(a) = named_children(stmt).into_iter().find(|n| n.kind() == "assignment")
            && let (Some(left), Some(right)) = (a.field("left"), a.field("right"))
        {
            let left = node_text(left, src).split(':').next().unwrap_or("").trim();
            match left {
                "revision" => {
                    if let Some(s) = string_value(right, src) {
                        r.m.name = s.to_string();
                    }
                }
                "down_revision" => {
                    let mut v = Vec::new();
                    strings_in(right, src, &mut v);
                    r.m.after = v;
                }
                _ => {}
            }
        }
    }
    for stmt in named_children(root) {
        let def = if stmt.kind() == "decorated_definition" { stmt.field("definition") } else { Some(stmt) };
        let Some(def) = def.filter(|d| d.kind() == "function_definition") else { continue };
        if def.field("name").map(|n| node_text(n, src)) != Some("upgrade") {
            continue;
        }
        let Some(body) = def.field("body") else { continue };
        let mut calls = Vec::new();
        crate::lang::walk(body, &mut |n| {
            if n.kind() == "with_statement" && node_text(n, src).contains("batch_alter_table") {
                // Batch mode recreates tables (SQLite); not PostgreSQL DDL.
                return false;
            }
            if n.kind() == "call" && callee_full(n, src).starts_with("op.") {
                let autocommit = ancestors_text(n, body, src).contains("autocommit_block");
                calls.push((n, autocommit));
            }
            true
        });
        for (call, autocommit) in calls {
            alembic_op(call, autocommit, r);
        }
    }
}

/// Text of the `with` headers between `node` and `stop`.
fn ancestors_text(node: Node<'_>, stop: Node<'_>, src: &str) -> String {
    let mut out = String::new();
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.id() == stop.id() {
            break;
        }
        if n.kind() == "with_statement"
            && let Some(clause) = named_children(n).into_iter().find(|c| c.kind() == "with_clause")
        {
            out.push_str(node_text(clause, src));
        }
        cur = n.parent();
    }
    out
}

fn alembic_op(call: Node<'_>, autocommit: bool, r: &mut Reader<'_>) {
    let src = r.src;
    let span = Span::of(call);
    let in_tx = r.atomic && !autocommit;
    let name = callee(call, src);
    let s = |pos: usize, kw: &str| str_arg(call, src, pos, kw);
    match name {
        "create_table" => {
            let Some(table) = s(0, "table_name") else { return };
            let columns = positional_args(call)
                .iter()
                .filter(|c| c.kind() == "call" && callee(**c, src) == "Column")
                .filter_map(|c| {
                    let n = positional_args(*c).first().and_then(|n| string_value(*n, src))?.to_ascii_lowercase();
                    Some((n, sa_column(*c, src).1))
                })
                .collect();
            r.push(OpKind::CreateTable { columns }, &table, span, in_tx);
        }
        "create_index" => {
            let Some(table) = s(1, "table_name") else { return };
            let concurrently = is_true(kwarg(call, src, "postgresql_concurrently"), src);
            let unique = is_true(kwarg(call, src, "unique"), src);
            let what = if concurrently {
                "op.create_index(postgresql_concurrently=True)".to_string()
            } else {
                "op.create_index".to_string()
            };
            r.push(OpKind::CreateIndex { concurrently, unique, name: s(0, "index_name"), what }, &table, span, in_tx);
        }
        "add_column" => {
            let Some(table) = s(0, "table_name") else { return };
            let Some(col) = arg(call, src, 1, "column").filter(|c| c.kind() == "call") else { return };
            let Some(column) = positional_args(col).first().and_then(|n| string_value(*n, src)) else { return };
            let column = column.to_ascii_lowercase();
            let (not_null, info, default) = sa_column(col, src);
            let default = match default {
                Some(text) => match r.cat.volatile_call(&text) {
                    Some(_) => DefaultKind::Volatile(text),
                    None => DefaultKind::Constant,
                },
                None => DefaultKind::None,
            };
            let index = is_true(kwarg(col, src, "index"), src);
            let unique = is_true(kwarg(col, src, "unique"), src);
            r.push(OpKind::AddColumn { column, not_null, default, django: false, info }, &table, span, in_tx);
            if unique {
                r.push(
                    OpKind::AddConstraint {
                        kind: ConstraintKind::Unique,
                        name: None,
                        not_valid: false,
                        using_index: false,
                        not_null_column: None,
                        what: "sa.Column(unique=True)".to_string(),
                    },
                    &table,
                    span,
                    in_tx,
                );
            } else if index {
                let what = "sa.Column(index=True)".to_string();
                r.push(
                    OpKind::CreateIndex { concurrently: false, unique: false, name: None, what },
                    &table,
                    span,
                    in_tx,
                );
            }
        }
        "alter_column" => {
            let Some(table) = s(0, "table_name") else { return };
            let Some(column) = s(1, "column_name") else { return };
            let column = column.to_ascii_lowercase();
            if let Some(t) = kwarg(call, src, "type_") {
                let to = sa_type(t, src);
                let from = kwarg(call, src, "existing_type").map(|e| sa_type(e, src)).filter(|f| !f.is_empty());
                if !to.is_empty() {
                    r.push(OpKind::AlterType { column: column.clone(), to, from }, &table, span, in_tx);
                }
            }
            if is_false(kwarg(call, src, "nullable"), src) && !is_false(kwarg(call, src, "existing_nullable"), src) {
                r.push(OpKind::SetNotNull { column: column.clone() }, &table, span, in_tx);
            }
            if let Some(new) = s(usize::MAX, "new_column_name") {
                r.push(
                    OpKind::RenameColumn { old: column, new: new.to_ascii_lowercase(), django: false },
                    &table,
                    span,
                    in_tx,
                );
            }
        }
        "create_foreign_key" | "create_check_constraint" | "create_unique_constraint" | "create_primary_key" => {
            let Some(table) = s(1, if name == "create_foreign_key" { "source_table" } else { "table_name" }) else {
                return;
            };
            let kind = match name {
                "create_foreign_key" => ConstraintKind::ForeignKey,
                "create_check_constraint" => ConstraintKind::Check,
                "create_unique_constraint" => ConstraintKind::Unique,
                _ => ConstraintKind::PrimaryKey,
            };
            let not_null_column = if kind == ConstraintKind::Check {
                arg(call, src, 2, "condition").and_then(|c| {
                    let mut v = Vec::new();
                    strings_in(c, src, &mut v);
                    v.first().and_then(|t| check_not_null(t))
                })
            } else {
                None
            };
            r.push(
                OpKind::AddConstraint {
                    kind,
                    name: s(0, "constraint_name"),
                    not_valid: is_true(kwarg(call, src, "postgresql_not_valid"), src),
                    using_index: false,
                    not_null_column,
                    what: format!("op.{name}"),
                },
                &table,
                span,
                in_tx,
            );
        }
        "drop_column" => {
            let (Some(table), Some(column)) = (s(0, "table_name"), s(1, "column_name")) else { return };
            r.push(OpKind::DropColumn { column: column.to_ascii_lowercase(), django: false }, &table, span, in_tx);
        }
        "drop_table" => {
            if let Some(table) = s(0, "table_name") {
                r.push(OpKind::DropTable { django: false }, &table, span, in_tx);
            }
        }
        "rename_table" => {
            let (Some(old), Some(new)) = (s(0, "old_table_name"), s(1, "new_table_name")) else { return };
            r.push(OpKind::RenameTable { new: new.to_ascii_lowercase(), django: false }, &old, span, in_tx);
        }
        "execute" => {
            if let Some(sql) = arg(call, src, 0, "sqltext") {
                let saved = r.atomic;
                r.atomic = in_tx;
                r.embedded_sql(sql, call);
                r.atomic = saved;
            }
        }
        _ => {}
    }
}

/// `CHECK` text `col IS NOT NULL`: the column.
fn check_not_null(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches('(').trim_end_matches(')').trim();
    let lower = t.to_ascii_lowercase();
    let col = lower.strip_suffix("is not null")?.trim().trim_matches('"');
    (!col.is_empty() && col.chars().all(|c| c.is_alphanumeric() || c == '_')).then(|| col.to_string())
}

/// `sa.Column(name, type, nullable=..., server_default=...)`: NOT NULL, the
/// column, and the server default's text.
fn sa_column(col: Node<'_>, src: &str) -> (bool, ColumnInfo, Option<String>) {
    let nullable = kwarg(col, src, "nullable");
    let pk = is_true(kwarg(col, src, "primary_key"), src);
    let not_null = is_false(nullable, src) || (pk && nullable.is_none());
    let ty = positional_args(col).get(1).map(|t| sa_type(*t, src)).unwrap_or_default();
    let default = kwarg(col, src, "server_default").map(|d| {
        let mut v = Vec::new();
        strings_in(d, src, &mut v);
        v.into_iter().next().unwrap_or_else(|| node_text(d, src).to_string())
    });
    let info = ColumnInfo { ty, null: !not_null, index: false, unique: false };
    (not_null, info, default)
}

/// A SQLAlchemy type as SQL (`sa.String(20)` → `varchar(20)`); empty when unknown.
fn sa_type(t: Node<'_>, src: &str) -> String {
    let (class, call) = if t.kind() == "call" {
        (callee(t, src), Some(t))
    } else {
        (node_text(t, src).rsplit('.').next().unwrap_or(""), None)
    };
    let n = |pos: usize, kw: &str| call.and_then(|c| int_arg(c, src, pos, kw));
    match class {
        "String" | "VARCHAR" | "Unicode" => match n(0, "length") {
            Some(l) => format!("varchar({l})"),
            None => "varchar".to_string(),
        },
        "Text" | "TEXT" | "UnicodeText" => "text".to_string(),
        "Integer" | "INTEGER" => "integer".to_string(),
        "BigInteger" | "BIGINT" => "bigint".to_string(),
        "SmallInteger" | "SMALLINT" => "smallint".to_string(),
        "Numeric" | "NUMERIC" | "DECIMAL" => match (n(0, "precision"), n(1, "scale")) {
            (Some(p), Some(s)) => format!("numeric({p},{s})"),
            _ => "numeric".to_string(),
        },
        "Boolean" | "BOOLEAN" => "boolean".to_string(),
        "Float" | "FLOAT" => "double precision".to_string(),
        "Date" | "DATE" => "date".to_string(),
        "JSON" | "JSONB" => class.to_ascii_lowercase(),
        "UUID" | "Uuid" => "uuid".to_string(),
        "DateTime" | "TIMESTAMP" => {
            if call.is_some_and(|c| is_true(kwarg(c, src, "timezone"), src)) {
                "timestamptz".to_string()
            } else {
                "timestamp".to_string()
            }
        }
        _ => String::new(),
    }
}
