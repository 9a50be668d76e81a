//! The unsafe-migration rules (PP801–PP810), run over each migration history
//! in order so that what earlier migrations did (tables created, checks
//! validated, column types) is known.

use std::collections::{HashMap, HashSet};

use super::model::{ColumnInfo, ConstraintKind, DefaultKind, Migration, OpKind, Style};
use crate::catalog::migrations::MigrationCatalog;
use crate::rule::{RuleMeta, Severity};
use crate::rules::{
    column_type_rewrite::COLUMN_TYPE_REWRITE, concurrent_index_in_transaction::CONCURRENT_INDEX_IN_TRANSACTION,
    constraint_without_not_valid::CONSTRAINT_WITHOUT_NOT_VALID, drop_or_rename_in_use::DROP_OR_RENAME_IN_USE,
    index_without_concurrently::INDEX_WITHOUT_CONCURRENTLY, lock_timeout_unset::LOCK_TIMEOUT_UNSET,
    not_null_column_without_default::NOT_NULL_COLUMN_WITHOUT_DEFAULT,
    set_not_null_without_check::SET_NOT_NULL_WITHOUT_CHECK,
    unique_constraint_without_index::UNIQUE_CONSTRAINT_WITHOUT_INDEX, volatile_column_default::VOLATILE_COLUMN_DEFAULT,
};
use crate::source::Span;

/// A finding before it is tied to a file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub file: usize,
    pub rule: &'static RuleMeta,
    pub span: Span,
    pub message: String,
    /// Raised above the rule's default (a hot table).
    pub severity: Option<Severity>,
}

/// What the history has done so far, per migration set.
#[derive(Default)]
struct History {
    columns: HashMap<String, HashMap<String, ColumnInfo>>,
    /// `(table, column)` with a validated `CHECK (column IS NOT NULL)`.
    validated_not_null: HashSet<(String, String)>,
    /// NOT VALID checks by constraint name: (table, column).
    pending_checks: HashMap<String, (String, Option<String>)>,
    /// Tables where a constraint the history does not show was validated: it
    /// may well be the `IS NOT NULL` check, so `SET NOT NULL` is given the benefit.
    validated_unknown: HashSet<String>,
}

/// Does the project's non-migration code use a table, or a column of it?
pub trait CodeUse {
    fn uses_table(&self, table: &str) -> bool;
    fn uses_column(&self, table: &str, column: &str) -> bool;
}

/// How the migrations of one history are checked (see
/// [`crate::analysis::migration_scope`]).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// One flag per migration, in history order: report its findings.
    pub report: &'a [bool],
    /// The reported migrations go out together (scope `pending`), so a table
    /// one creates is new for the ones after it. Under `all` each migration
    /// is judged as the release it was.
    pub one_release: bool,
}

/// Checks one ordered migration set.
pub fn check_set(
    set: &[&Migration],
    scope: Scope<'_>,
    catalog: &MigrationCatalog,
    code: &dyn CodeUse,
    out: &mut Vec<Finding>,
) {
    let mut h = History::default();
    let mut created: HashSet<String> = HashSet::new();
    let mut unit: Option<String> = None;
    let mut previous_in_release = false;
    for (i, m) in set.iter().enumerate() {
        // Today's code matches the state after the newest migration only: a
        // name it uses tells whether that migration breaks it, not whether an
        // old one did (the name may have come back on another table since).
        let newest = i + 1 == set.len();
        let reported = scope.report.get(i).copied().unwrap_or(true);
        // Tables created earlier in the same deploy unit, or earlier in the
        // release still ahead of production, are still empty.
        let in_release = scope.one_release && reported;
        let u = deploy_unit(&m.name);
        let same_unit = u.is_some() && u == unit;
        let keep = same_unit || (in_release && previous_in_release);
        if !keep {
            created.clear();
        }
        unit = u;
        previous_in_release = in_release;
        check_one(m, newest, reported, &mut h, &mut created, catalog, code, out);
    }
}

/// Tools that split one migration into many files (ory/popx: a 14-digit
/// timestamp and a 6-digit sequence number, `20200519101057000002_x`) run
/// them as one unit: the timestamp names it.
fn deploy_unit(name: &str) -> Option<String> {
    let digits: String = name.chars().take_while(|c| c.is_ascii_digit()).collect();
    (digits.len() == 20).then(|| digits[..14].to_string())
}

/// A finding's message: fixed, or built from the list of what it is about
/// (columns), so that the changes one statement makes to several columns
/// give one finding that names them all.
enum Text {
    Fixed(String),
    /// Called with every item the statement's drafts named, in order.
    Items(Vec<String>, Render),
}

/// Builds a message from the items of one statement.
type Render = Box<dyn Fn(&[String]) -> String>;

/// A finding of one migration before statements are merged.
struct Draft {
    rule: &'static RuleMeta,
    span: Span,
    table: String,
    severity: Option<Severity>,
    text: Text,
}

/// `a`, `a and b`, `a, b and c`.
fn join_items(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// [`join_items`] with each item in backticks.
fn ticked(items: &[String]) -> String {
    join_items(&items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>())
}

/// One finding per statement and rule: drafts about items of the same
/// statement (same span, rule and table) become one naming every item.
fn merge(drafts: Vec<Draft>, file: usize, out: &mut Vec<Finding>) {
    let mut merged: Vec<Draft> = Vec::with_capacity(drafts.len());
    // The item drafts kept so far by (rule, span, table), with the items
    // each names: looked up, not searched, so a migration of many statements
    // merges in linear time.
    let mut by_key: HashMap<(&'static str, Span, String), (usize, HashSet<String>)> = HashMap::new();
    for d in drafts {
        if let Text::Items(items, _) = &d.text {
            let key = (d.rule.code, d.span, d.table.clone());
            if let Some((at, seen)) = by_key.get_mut(&key) {
                if let Text::Items(into, _) = &mut merged[*at].text {
                    for item in items {
                        if seen.insert(item.clone()) {
                            into.push(item.clone());
                        }
                    }
                }
                continue;
            }
            by_key.insert(key, (merged.len(), items.iter().cloned().collect()));
        }
        merged.push(d);
    }
    for d in merged {
        let message = match d.text {
            Text::Fixed(m) => m,
            Text::Items(items, render) => render(&items),
        };
        out.push(Finding { file, rule: d.rule, span: d.span, message, severity: d.severity });
    }
}

/// A Django `AlterField` that leaves the column as the history shows it
/// (only `choices`, `validators`, `help_text`, `verbose_name`, a Python
/// `default`... changed): Django emits no SQL for it.
fn alter_field_is_state_only(kind: &OpKind, table: &str, h: &History) -> bool {
    let OpKind::AlterField { column, info } = kind else { return false };
    let Some(prev) = h.columns.get(table).and_then(|c| c.get(column)) else { return false };
    // An unknown type cannot be compared: a change may hide in it.
    !prev.ty.is_empty() && prev == info
}

#[allow(clippy::too_many_arguments)]
fn check_one(
    m: &Migration,
    newest: bool,
    reported: bool,
    h: &mut History,
    created: &mut HashSet<String>,
    catalog: &MigrationCatalog,
    code: &dyn CodeUse,
    out: &mut Vec<Finding>,
) {
    let mut not_valid_here: HashMap<String, u32> = HashMap::new();
    // Tables whose rows this migration removed before the operation: empty,
    // but still the running code's.
    let mut emptied: HashSet<String> = HashSet::new();
    // Tables this migration creates or renames into place: dropping the old
    // one first is a swap or a re-creation, not a table taken from the code.
    let replaced: HashSet<&str> = m
        .ops
        .iter()
        .filter_map(|o| match &o.kind {
            OpKind::CreateTable { .. } => Some(o.table.as_str()),
            OpKind::RenameTable { new, .. } => Some(new.as_str()),
            _ => None,
        })
        .collect();
    let replaced_columns: HashSet<(&str, &str)> = m
        .ops
        .iter()
        .filter_map(|o| match &o.kind {
            OpKind::AddColumn { column, .. } => Some((o.table.as_str(), column.as_str())),
            OpKind::RenameColumn { new, .. } => Some((o.table.as_str(), new.as_str())),
            _ => None,
        })
        .collect();
    let mut lock_timeout = false;
    let mut lock_timeout_reported = false;
    let mut drafts: Vec<Draft> = Vec::new();
    for op in &m.ops {
        let t = op.table.as_str();
        // `existing`: the running code knows the table (lock queues, names
        // it reads). `live`: it also has rows (scans, rewrites, index builds).
        let existing = !created.contains(t);
        let live = existing && !emptied.contains(t);
        let mut draft = |rule: &'static RuleMeta, text: Text| {
            // Squashed migrations run only on fresh databases; out-of-scope
            // ones ran in production long ago.
            if m.squashed || !reported {
                return;
            }
            let severity = (catalog.is_hot(t) && rule.severity < Severity::Error).then_some(Severity::Error);
            drafts.push(Draft { rule, span: op.span, table: t.to_string(), severity, text });
        };
        let mut report = |rule: &'static RuleMeta, message: String| draft(rule, Text::Fixed(message));
        let ddl = takes_lock(&op.kind) && !alter_field_is_state_only(&op.kind, t, h);
        if existing && !lock_timeout && !lock_timeout_reported && catalog.lock_timeout_rule && ddl {
            lock_timeout_reported = true;
            report(
                &LOCK_TIMEOUT_UNSET,
                format!(
                    "DDL on `{t}` runs with no `lock_timeout`: if it waits behind a long query for its lock, every read and write of `{t}` queues behind it"
                ),
            );
        }
        match &op.kind {
            OpKind::SetLockTimeout => lock_timeout = true,
            OpKind::EmptyTable => {
                emptied.insert(t.to_string());
            }
            OpKind::CreateTable { columns } => {
                created.insert(t.to_string());
                emptied.remove(t);
                h.columns.insert(t.to_string(), columns.iter().cloned().collect());
            }
            OpKind::CreateIndex { concurrently, what, .. } => {
                if *concurrently && op.in_transaction {
                    report(
                        &CONCURRENT_INDEX_IN_TRANSACTION,
                        format!(
                            "`{what}` on `{t}` runs inside a transaction block, which PostgreSQL refuses for a concurrent index build: the migration fails on deploy"
                        ),
                    );
                } else if !concurrently && live {
                    report(
                        &INDEX_WITHOUT_CONCURRENTLY,
                        format!(
                            "`{what}` without `CONCURRENTLY` takes a SHARE lock on `{t}`: inserts, updates and deletes wait until the whole index is built"
                        ),
                    );
                }
            }
            OpKind::AddColumn { column, not_null, default, django, info } => {
                h.columns.entry(t.to_string()).or_default().insert(column.clone(), info.clone());
                // Django's old code omits the column from its inserts even on
                // an emptied table; SQL's NOT NULL fails only on existing rows.
                let hazard = if *django { existing } else { live };
                if hazard && *not_null && *default == DefaultKind::None {
                    let text = if *django {
                        Text::Fixed(format!(
                            "`AddField` adds NOT NULL column `{column}` to `{t}` with no `db_default`: inserts from the code still running leave it out and fail until every instance runs the new code"
                        ))
                    } else {
                        let t = t.to_string();
                        Text::Items(
                            vec![column.clone()],
                            Box::new(move |cols| {
                                let noun = if cols.len() > 1 { "columns" } else { "column" };
                                let cols = ticked(cols);
                                format!(
                                    "Adding NOT NULL {noun} {cols} to `{t}` without a default fails as soon as `{t}` has a row: the migration errors out on deploy"
                                )
                            }),
                        )
                    };
                    draft(&NOT_NULL_COLUMN_WITHOUT_DEFAULT, text);
                }
                if let DefaultKind::Volatile(expr) = default
                    && live
                {
                    let t = t.to_string();
                    draft(
                        &VOLATILE_COLUMN_DEFAULT,
                        Text::Items(
                            vec![format!("`{column}` with the volatile default `{expr}`")],
                            Box::new(move |cols| {
                                let cols = join_items(cols);
                                format!(
                                    "Adding {cols} rewrites `{t}` under an ACCESS EXCLUSIVE lock: reads and writes wait until the table is rewritten"
                                )
                            }),
                        ),
                    );
                }
            }
            OpKind::AlterType { column, to, from } => {
                let known = from.clone().or_else(|| h.columns.get(t).and_then(|c| c.get(column)).map(|c| c.ty.clone()));
                let known = known.filter(|k| !k.is_empty());
                if let Some(c) = h.columns.entry(t.to_string()).or_default().get_mut(column) {
                    c.ty = to.clone();
                }
                if !live {
                    continue;
                }
                let safe = match &known {
                    Some(f) => !to.contains("USING") && catalog.safe_type_change(f, to),
                    // Unknown old type: a change to text or varchar is most often a widening.
                    None => {
                        let (base, _) = crate::catalog::migrations::split_type(to);
                        !to.contains("USING") && (base == "text" || base == "varchar")
                    }
                };
                if !safe {
                    let from = known.map(|f| format!(" from `{f}`")).unwrap_or_default();
                    let t = t.to_string();
                    draft(
                        &COLUMN_TYPE_REWRITE,
                        Text::Items(
                            vec![format!("`{t}.{column}`{from} to `{to}`")],
                            Box::new(move |cols| {
                                let cols = join_items(cols);
                                format!(
                                    "Changing {cols} rewrites `{t}` and its indexes under an ACCESS EXCLUSIVE lock: reads and writes wait until the rewrite ends"
                                )
                            }),
                        ),
                    );
                }
            }
            OpKind::AlterField { column, info } => {
                let prev = h.columns.get(t).and_then(|c| c.get(column)).cloned();
                h.columns.entry(t.to_string()).or_default().insert(column.clone(), info.clone());
                let Some(prev) = prev else { continue };
                if !live {
                    continue;
                }
                if !prev.ty.is_empty()
                    && !info.ty.is_empty()
                    && prev.ty != info.ty
                    && !catalog.safe_type_change(&prev.ty, &info.ty)
                {
                    report(
                        &COLUMN_TYPE_REWRITE,
                        format!(
                            "`AlterField` changes `{t}.{column}` from `{}` to `{}`, which rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait until the rewrite ends",
                            prev.ty, info.ty
                        ),
                    );
                }
                if info.unique && !prev.unique {
                    report(
                        &UNIQUE_CONSTRAINT_WITHOUT_INDEX,
                        format!(
                            "`AlterField` makes `{t}.{column}` unique, which builds the unique index under an ACCESS EXCLUSIVE lock: reads and writes wait until it is built"
                        ),
                    );
                } else if info.index && !prev.index && !prev.unique {
                    report(
                        &INDEX_WITHOUT_CONCURRENTLY,
                        format!(
                            "`AlterField` adds an index on `{t}.{column}` without `CONCURRENTLY`, taking a SHARE lock: inserts, updates and deletes wait until the whole index is built"
                        ),
                    );
                }
                if prev.null && !info.null {
                    report(
                        &SET_NOT_NULL_WITHOUT_CHECK,
                        format!(
                            "`AlterField` sets `{t}.{column}` NOT NULL, which scans every row under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan ends"
                        ),
                    );
                }
            }
            OpKind::AddConstraint { kind, name, not_valid, using_index, not_null_column, what } => {
                // A NOT VALID check on an emptied table stays unvalidated: the
                // rows that come back later are not known to satisfy it.
                let checked = !*not_valid || !existing;
                let nn_col = if *kind == ConstraintKind::Check { not_null_column.clone() } else { None };
                if checked {
                    if let Some(col) = &nn_col {
                        h.validated_not_null.insert((t.to_string(), col.clone()));
                    }
                } else if let Some(n) = name {
                    h.pending_checks.insert(n.clone(), (t.to_string(), nn_col));
                }
                if *not_valid && let Some(n) = name {
                    not_valid_here.insert(n.clone(), op.transaction);
                }
                if !live {
                    continue;
                }
                match kind {
                    ConstraintKind::ForeignKey if !not_valid => report(
                        &CONSTRAINT_WITHOUT_NOT_VALID,
                        format!(
                            "`{what}` on `{t}` without `NOT VALID` checks every row while holding a SHARE ROW EXCLUSIVE lock on `{t}` and the table it references: writes to both wait until the scan ends"
                        ),
                    ),
                    ConstraintKind::Check if !not_valid => report(
                        &CONSTRAINT_WITHOUT_NOT_VALID,
                        format!(
                            "`{what}` on `{t}` without `NOT VALID` checks every row under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan ends"
                        ),
                    ),
                    ConstraintKind::Unique | ConstraintKind::PrimaryKey if !using_index => report(
                        &UNIQUE_CONSTRAINT_WITHOUT_INDEX,
                        format!(
                            "`{what}` on `{t}` builds its unique index under an ACCESS EXCLUSIVE lock: reads and writes wait until the index is built"
                        ),
                    ),
                    _ => {}
                }
            }
            OpKind::ValidateConstraint { name } => {
                match h.pending_checks.remove(name) {
                    Some((table, Some(col))) => {
                        h.validated_not_null.insert((table, col));
                    }
                    Some(_) => {}
                    None => {
                        h.validated_unknown.insert(t.to_string());
                    }
                }
                if op.in_transaction && not_valid_here.get(name) == Some(&op.transaction) {
                    report(
                        &CONSTRAINT_WITHOUT_NOT_VALID,
                        format!(
                            "`VALIDATE CONSTRAINT {name}` runs in the same transaction as its `NOT VALID` add, so the add's lock on `{t}` is held while every row is checked: reads and writes wait until the scan ends"
                        ),
                    );
                }
            }
            OpKind::SetNotNull { column } => {
                // Already NOT NULL (an ORM restating the column): PostgreSQL skips the scan.
                let known = h.columns.get(t).and_then(|c| c.get(column));
                let already = known.is_some_and(|c| !c.null);
                if let Some(c) = h.columns.get_mut(t).and_then(|c| c.get_mut(column)) {
                    c.null = false;
                }
                if live
                    && !already
                    && !h.validated_not_null.contains(&(t.to_string(), column.clone()))
                    && !h.validated_unknown.contains(t)
                {
                    let t = t.to_string();
                    draft(
                        &SET_NOT_NULL_WITHOUT_CHECK,
                        Text::Items(
                            vec![format!("{t}.{column}")],
                            Box::new(move |cols| {
                                let cols = ticked(cols);
                                format!(
                                    "`SET NOT NULL` on {cols} scans every row under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan ends"
                                )
                            }),
                        ),
                    );
                }
                if let Some(c) = h.columns.get_mut(t).and_then(|c| c.get_mut(column)) {
                    c.null = false;
                }
            }
            OpKind::RenameColumn { old, new, django } => {
                if existing && (*django || (newest && (code.uses_column(t, old) || code.uses_column(t, new)))) {
                    report(
                        &DROP_OR_RENAME_IN_USE,
                        format!(
                            "Renaming `{t}.{old}` to `{new}` breaks the code still running: its queries name `{old}` and fail until every instance runs the new code"
                        ),
                    );
                }
            }
            OpKind::RenameTable { new, django } => {
                // The columns the history knows move with the table.
                if let Some(cols) = h.columns.remove(t) {
                    h.columns.insert(new.clone(), cols);
                }
                if existing && (*django || (newest && (code.uses_table(t) || code.uses_table(new)))) {
                    report(
                        &DROP_OR_RENAME_IN_USE,
                        format!(
                            "Renaming table `{t}` to `{new}` breaks the code still running: its queries name `{t}` and fail until every instance runs the new code"
                        ),
                    );
                }
            }
            OpKind::DropColumn { column, django } => {
                let recreated = replaced_columns.contains(&(t, column.as_str()));
                if existing && (*django || (newest && !recreated && code.uses_column(t, column))) {
                    let text = if *django {
                        Text::Fixed(format!(
                            "`RemoveField` drops `{t}.{column}` while the code still running selects it: queries on the model fail until every instance runs the new code"
                        ))
                    } else {
                        let t = t.to_string();
                        Text::Items(
                            vec![column.clone()],
                            Box::new(move |cols| match cols {
                                [one] => format!(
                                    "Dropping `{t}.{one}` while the application code still reads `{one}` breaks it: queries that name the column fail"
                                ),
                                _ => {
                                    let named: Vec<String> = cols.iter().map(|c| format!("{t}.{c}")).collect();
                                    format!(
                                        "Dropping {} while the application code still reads them breaks it: queries that name these columns fail",
                                        ticked(&named)
                                    )
                                }
                            }),
                        )
                    };
                    draft(&DROP_OR_RENAME_IN_USE, text);
                }
            }
            OpKind::DropTable { django } => {
                if existing && *django {
                    report(
                        &DROP_OR_RENAME_IN_USE,
                        format!(
                            "`DeleteModel` drops `{t}` while the code still running maps the model: its queries on `{t}` fail until every instance runs the new code"
                        ),
                    );
                } else if existing && newest && !replaced.contains(t) && code.uses_table(t) {
                    report(
                        &DROP_OR_RENAME_IN_USE,
                        format!(
                            "Dropping table `{t}` while the application code still names it breaks it: queries on `{t}` fail"
                        ),
                    );
                }
            }
            OpKind::OtherAlter => {}
        }
    }
    merge(drafts, m.file, out);
}

/// Operations that lock an existing table long enough to matter for lock queues.
fn takes_lock(kind: &OpKind) -> bool {
    // `DELETE` takes only row locks. `TRUNCATE` takes an ACCESS EXCLUSIVE
    // lock, but counting it here is a change of its own, left for later.
    !matches!(
        kind,
        OpKind::SetLockTimeout
            | OpKind::CreateTable { .. }
            | OpKind::CreateIndex { concurrently: true, .. }
            | OpKind::EmptyTable
    )
}

/// Orders one set: by dependencies when given, else by natural name order.
pub fn order(mut set: Vec<&Migration>) -> Vec<&Migration> {
    set.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    if set.iter().all(|m| m.after.is_empty()) || set.iter().any(|m| m.style != Style::Alembic) {
        return set;
    }
    // Alembic: follow down_revision links (a stable topological order).
    let names: HashSet<&str> = set.iter().map(|m| m.name.as_str()).collect();
    let mut done: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(set.len());
    while out.len() < set.len() {
        let before = out.len();
        for m in &set {
            if done.contains(&m.name) {
                continue;
            }
            if m.after.iter().all(|a| done.contains(a) || !names.contains(a.as_str())) {
                done.insert(m.name.clone());
                out.push(*m);
            }
        }
        if out.len() == before {
            // A cycle: keep the rest in name order.
            out.extend(set.iter().filter(|m| !done.contains(&m.name)).copied());
            break;
        }
    }
    out
}

/// Compares names with digit runs as numbers (`V2__` before `V10__`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let xn = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let yn = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let xs = std::str::from_utf8(&x[..xn]).unwrap_or("0").trim_start_matches('0');
                let ys = std::str::from_utf8(&y[..yn]).unwrap_or("0").trim_start_matches('0');
                let o = xs.len().cmp(&ys.len()).then(xs.cmp(ys));
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
                x = &x[xn..];
                y = &y[yn..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::sql;

    struct NoCode;
    impl CodeUse for NoCode {
        fn uses_table(&self, _: &str) -> bool {
            false
        }
        fn uses_column(&self, _: &str, _: &str) -> bool {
            false
        }
    }

    fn migration(name: &str, text: &str, cat: &MigrationCatalog) -> Migration {
        let mut out = sql::Read::default();
        sql::read(text, sql::Anchor::Offset(0), &mut sql::Tx::new(false), cat, &mut out);
        Migration {
            file: 0,
            style: Style::Sql,
            set: String::new(),
            name: name.to_string(),
            after: Vec::new(),
            ops: out.ops,
            unparsed: out.unparsed,
            statements: out.statements,
            squashed: false,
        }
    }

    const ALL: Scope<'static> = Scope { report: &[true], one_release: false };

    #[test]
    fn hot_tables_raise_findings_to_errors() {
        let mut cat = crate::catalog::Catalog::builtin().migrations.clone();
        cat.hot_tables = vec!["orders".to_string()];
        cat.lock_timeout_rule = false;
        let m = migration("V2__x.sql", "CREATE INDEX a ON orders (x); CREATE INDEX b ON refunds (x);", &cat);
        let mut out = Vec::new();
        check_set(&[&m], ALL, &cat, &NoCode, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].severity, Some(Severity::Error));
        assert_eq!(out[1].severity, None);
    }

    #[test]
    fn files_split_by_popx_share_their_new_tables() {
        let cat = &crate::catalog::Catalog::builtin().migrations;
        let a = migration("20200519101057000001_x.up.sql", "CREATE TABLE t (a int);", cat);
        let b = migration("20200519101057000002_x.up.sql", "CREATE INDEX i ON t (a);", cat);
        let c = migration("20200601000000000000_y.up.sql", "CREATE INDEX j ON t (a);", cat);
        let mut out = Vec::new();
        check_set(&[&a, &b, &c], Scope { report: &[true; 3], one_release: false }, cat, &NoCode, &mut out);
        let rules: Vec<&str> = out.iter().map(|f| f.rule.code).collect();
        assert_eq!(rules, vec!["PP810", "PP801"], "only the later migration's index on t is reported");
    }

    fn codes(out: &[Finding]) -> Vec<(&'static str, String)> {
        out.iter().map(|f| (f.rule.code, f.message.clone())).collect()
    }

    #[test]
    fn one_statement_gives_one_finding_naming_every_column() {
        let mut cat = crate::catalog::Catalog::builtin().migrations.clone();
        cat.lock_timeout_rule = false;
        let m = migration(
            "V2__x.sql",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL, ALTER COLUMN c SET NOT NULL;\n\
             ALTER TABLE t ADD COLUMN d int NOT NULL, ADD COLUMN e int NOT NULL;\n\
             ALTER TABLE t ADD COLUMN f int NOT NULL;\n\
             ALTER TABLE t ALTER COLUMN g TYPE int, ALTER COLUMN h TYPE bigint;",
            &cat,
        );
        let mut out = Vec::new();
        check_set(&[&m], ALL, &cat, &NoCode, &mut out);
        let got = codes(&out);
        assert_eq!(got.len(), 4, "{got:#?}");
        assert!(got[0].1.starts_with("`SET NOT NULL` on `t.a`, `t.b` and `t.c` scans"), "{}", got[0].1);
        assert!(got[1].1.starts_with("Adding NOT NULL columns `d` and `e` to `t`"), "{}", got[1].1);
        assert!(got[2].1.starts_with("Adding NOT NULL column `f` to `t`"), "{}", got[2].1);
        assert!(got[3].1.starts_with("Changing `t.g` to `int` and `t.h` to `bigint` rewrites"), "{}", got[3].1);
    }

    #[test]
    fn rows_removed_earlier_in_the_migration_leave_an_empty_table() {
        let mut cat = crate::catalog::Catalog::builtin().migrations.clone();
        cat.lock_timeout_rule = false;
        let m = migration(
            "V2__x.sql",
            "DELETE FROM carts;\nCREATE INDEX a ON carts (x);\n\
             TRUNCATE sessions, tokens;\nALTER TABLE tokens ALTER COLUMN x SET NOT NULL;\n\
             DELETE FROM orders WHERE id < 10;\nCREATE INDEX b ON orders (x);\n\
             DELETE FROM a USING b;\nCREATE INDEX c ON a (x);",
            &cat,
        );
        let mut out = Vec::new();
        check_set(&[&m], ALL, &cat, &NoCode, &mut out);
        let tables: Vec<String> = out.iter().map(|f| f.message.clone()).collect();
        assert_eq!(out.len(), 2, "{tables:#?}");
        assert!(tables[0].contains("`orders`") && tables[1].contains("on `a`"), "{tables:#?}");
        // An emptied table is still the running code's: taking its lock
        // without a lock_timeout is still reported.
        let cat = &crate::catalog::Catalog::builtin().migrations;
        let m = migration("V2__x.sql", "TRUNCATE carts;\nCREATE INDEX a ON carts (x);", cat);
        let mut out = Vec::new();
        check_set(&[&m], ALL, cat, &NoCode, &mut out);
        assert_eq!(out.iter().map(|f| f.rule.code).collect::<Vec<_>>(), ["PP810"]);
        // A NOT VALID check added to an emptied table is still not validated
        // when a later migration sets NOT NULL on the table refilled since.
        let mut cat = cat.clone();
        cat.lock_timeout_rule = false;
        let a = migration(
            "V2__x.sql",
            "TRUNCATE t;\nALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;",
            &cat,
        );
        let b = migration("V3__x.sql", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;", &cat);
        let mut out = Vec::new();
        check_set(&[&a, &b], Scope { report: &[true; 2], one_release: false }, &cat, &NoCode, &mut out);
        assert_eq!(out.iter().map(|f| f.rule.code).collect::<Vec<_>>(), ["PP807"]);
    }

    #[test]
    fn tables_created_in_the_pending_release_are_new_and_old_migrations_report_nothing() {
        let cat = &crate::catalog::Catalog::builtin().migrations;
        let old = migration("V1__x.sql", "CREATE TABLE t (a int);\nCREATE INDEX o ON big (a);", cat);
        let a = migration("V2__x.sql", "CREATE TABLE n (a int);", cat);
        let b = migration("V3__x.sql", "CREATE INDEX i ON n (a);\nCREATE INDEX j ON t (a);", cat);
        let set = [&old, &a, &b];
        let mut out = Vec::new();
        check_set(&set, Scope { report: &[false, true, true], one_release: true }, cat, &NoCode, &mut out);
        let got: Vec<String> = out.iter().map(|f| f.message.clone()).collect();
        assert_eq!(out.len(), 2, "{got:#?}");
        assert!(out.iter().all(|f| f.message.contains("`t`")), "{got:#?}");
        // Judged one migration at a time (scope `all`), `n` is an existing table by V3.
        let mut out = Vec::new();
        check_set(&set, Scope { report: &[true; 3], one_release: false }, cat, &NoCode, &mut out);
        assert!(out.iter().any(|f| f.message.contains("`n`")));
        assert!(out.iter().any(|f| f.message.contains("`big`")));
    }

    #[test]
    fn an_alter_field_that_changes_no_column_is_not_ddl() {
        let cat = &crate::catalog::Catalog::builtin().migrations;
        let info = ColumnInfo { ty: "varchar(20)".into(), ..ColumnInfo::default() };
        let op = |kind: OpKind| super::super::model::Operation {
            kind,
            table: "shop_order".into(),
            span: Span::new(0, 1),
            in_transaction: true,
            transaction: 0,
        };
        let mk = |name: &str, ops| Migration {
            file: 0,
            style: Style::Django,
            set: String::new(),
            name: name.into(),
            after: Vec::new(),
            ops,
            unparsed: Vec::new(),
            statements: 0,
            squashed: false,
        };
        let first =
            mk("0001_initial.py", vec![op(OpKind::CreateTable { columns: vec![("status".into(), info.clone())] })]);
        let same = mk("0002_choices.py", vec![op(OpKind::AlterField { column: "status".into(), info: info.clone() })]);
        let mut out = Vec::new();
        check_set(&[&first, &same], Scope { report: &[true; 2], one_release: false }, cat, &NoCode, &mut out);
        assert!(out.is_empty(), "{:?}", codes(&out));
        let wider = ColumnInfo { ty: "varchar(40)".into(), ..ColumnInfo::default() };
        let changed = mk("0002_longer.py", vec![op(OpKind::AlterField { column: "status".into(), info: wider })]);
        let mut out = Vec::new();
        check_set(&[&first, &changed], Scope { report: &[true; 2], one_release: false }, cat, &NoCode, &mut out);
        assert_eq!(out.iter().map(|f| f.rule.code).collect::<Vec<_>>(), ["PP810"]);
    }

    #[test]
    fn names_sort_naturally() {
        assert_eq!(natural_cmp("V2__a", "V10__a"), std::cmp::Ordering::Less);
        assert_eq!(natural_cmp("0002_x", "0010_x"), std::cmp::Ordering::Less);
    }
}
