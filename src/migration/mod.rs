//! The migration pipeline, beside the tree-sitter rules: find migrations by
//! path and content ([`detect`]), read each into one model of operations
//! ([`model`]) from plain SQL ([`sql`], parsed with sqlparser's PostgreSQL
//! dialect), Django and Alembic ([`python`]) or Knex and TypeORM ([`js`]),
//! order each history (Django dependencies, Alembic `down_revision`, file
//! names), and run the unsafe-migration rules over it in order ([`check`]),
//! reporting only the migrations in scope
//! ([`crate::analysis::migration_scope`]).
//!
//! Findings go back to the engine per file, so inline suppressions (in SQL
//! `-- pagerproof: ignore[...]`, in code `#` and `//` comments) work as for any
//! rule. Statements the SQL parser cannot read become notices with a line.

pub mod check;
pub mod detect;
pub mod dialect;
pub mod fix;
pub mod js;
pub mod model;
pub mod plpgsql;
pub mod python;
pub mod split;
pub mod sql;
pub mod template;

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::analysis::database::{self, DatabaseFacts, Verdict};
use crate::analysis::migration_scope::{self, Mode, RunFacts, Settings, UnknownMarker};
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Notice, NoticeKind};
use crate::engine::suppress::{self, Suppression};
use crate::rule::RuleMeta;
use crate::source::{Grammar, SourceFile, Span};
use model::{Migration, OpKind, Style};

/// What the pipeline found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings by index into the file list (not yet filtered by suppressions).
    pub findings: HashMap<usize, Vec<Diagnostic>>,
    /// Statements that could not be read.
    pub notices: Vec<Notice>,
    /// Migration files read.
    pub migrations: usize,
    /// SQL statements read (files and embedded strings).
    pub statements: usize,
    /// What each file read as (`None`: not a migration), reused or fresh,
    /// for the result cache.
    pub reads: HashMap<usize, Option<Migration>>,
    /// Each scanned file's code-index hits, with the key of the wanted names
    /// they answer, for the result cache.
    pub words: HashMap<usize, (String, Hits)>,
    /// Migrations out of scope: their findings are not reported, so their
    /// suppressions of migration rules are not unused either.
    pub out_of_scope: HashSet<usize>,
    /// An `applied_through` marker that names no migration of its history.
    pub scope_error: Option<UnknownMarker>,
    /// Each migration file's engine, when known (`mysql (settings.py: ...)`).
    pub databases: HashMap<usize, String>,
}

/// Where one file names the wanted tables and columns (normalised name →
/// byte offsets): its share of the code index, kept by the result cache.
pub type Hits = BTreeMap<String, Vec<usize>>;

/// A file's earlier code-index hits from the result cache, for the wanted
/// names whose key is given (`None`: scan the file).
pub type WordsReuse<'a> = &'a (dyn Fn(usize, &str) -> Option<Hits> + Sync);

/// A file's earlier reading from the result cache: `Some(None)` when it was
/// not a migration, `None` when there is nothing to reuse.
pub type Reuse<'a> = &'a (dyn Fn(usize) -> Option<Option<Migration>> + Sync);

/// What decides which migrations are reported.
#[derive(Clone, Copy)]
pub struct ScopeInput<'a> {
    /// The mode and the `applied_through` markers.
    pub settings: &'a Settings,
    /// The files named on the command line and those changed since `--diff-base`.
    pub run: &'a RunFacts,
    /// The database evidence of the facts phase and the run's paths, which
    /// decide each history's engine ([`crate::analysis::database`]).
    pub database: &'a DatabaseFacts,
    pub paths: &'a [std::path::PathBuf],
}

/// Finds the migrations among `files`, reads and checks them, reporting
/// every migration (as `--migration-scope all`): for fuzzing and figures.
pub fn analyze(
    files: &[SourceFile],
    catalog: &Catalog,
    enabled: &(dyn Fn(&RuleMeta) -> bool + Sync),
    reuse: Reuse<'_>,
    tree_of: &(dyn Fn(usize) -> Option<tree_sitter::Tree> + Sync),
    words_reuse: WordsReuse<'_>,
) -> Outcome {
    let settings = Settings { mode: Mode::All, ..Settings::default() };
    let facts = DatabaseFacts::default();
    let scope = ScopeInput { settings: &settings, run: &RunFacts::default(), database: &facts, paths: &[] };
    analyze_in_scope(files, catalog, scope, enabled, reuse, tree_of, words_reuse)
}

/// Finds the migrations among `files`, reads and checks them, reporting the
/// findings of the migrations in scope.
#[allow(clippy::too_many_arguments)]
pub fn analyze_in_scope(
    files: &[SourceFile],
    catalog: &Catalog,
    scope: ScopeInput<'_>,
    enabled: &(dyn Fn(&RuleMeta) -> bool + Sync),
    reuse: Reuse<'_>,
    tree_of: &(dyn Fn(usize) -> Option<tree_sitter::Tree> + Sync),
    words_reuse: WordsReuse<'_>,
) -> Outcome {
    let mut outcome = Outcome::default();
    // With no migration rule on (the caller asks only when another rule
    // reported in a migration), the migrations are still read and ordered:
    // their scope takes applied ones out of every rule.
    let any_enabled = crate::registry::MIGRATION_RULES.iter().any(|r| enabled(r));
    let cat = &catalog.migrations;
    let read: Vec<Option<Migration>> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            if let Some(earlier) = reuse(i) {
                // The index is this run's; the rest depends only on the text.
                return earlier.map(|m| Migration { file: i, ..m });
            }
            let role = detect::detect(&f.path, &f.fs_path, f.grammar, &f.text)?;
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_migration(i, f, role, cat, tree_of))).ok()
        })
        .collect();
    outcome.reads = read.iter().cloned().enumerate().collect();
    let migrations: Vec<Migration> = read.into_iter().flatten().collect();
    outcome.migrations = migrations.len();
    let is_migration: HashSet<usize> = migrations.iter().map(|m| m.file).collect();

    for m in &migrations {
        outcome.statements += m.statements;
        let file = &files[m.file];
        for u in &m.unparsed {
            let pos = file.lines.position(&file.text, u.span.start);
            outcome.notices.push(Notice {
                path: file.path.clone(),
                kind: if u.unsupported { NoticeKind::Unsupported } else { NoticeKind::SyntaxError },
                line: Some(pos.line),
                column: Some(pos.column),
                message: u.message.clone(),
            });
        }
    }

    let mut sets: BTreeMap<(Style, String), Vec<&Migration>> = BTreeMap::new();
    for m in &migrations {
        sets.entry((m.style, m.set.clone())).or_default().push(m);
    }
    let histories: Vec<Vec<&Migration>> = sets.into_values().map(check::order).collect();

    // Project facts: which dropped or renamed names the other code still uses.
    // Today's code is compared with the newest migration of each history only
    // (see `check::check_set`), so only its names are looked for.
    let newest: Vec<&Migration> = histories.iter().filter_map(|h| h.last().copied()).filter(|_| any_enabled).collect();
    let (code, words) = CodeIndex::build(files, &is_migration, &newest, cat, words_reuse);
    outcome.words = words;

    // In scope `pending` with no diff base, a history whose newest migration
    // was written long before the project's newest one has nothing pending.
    let applied_before = (scope.settings.mode == Mode::Pending && scope.run.changed.is_none())
        .then(|| migrations.iter().filter_map(|m| migration_scope::written_on(&files[m.file])).max())
        .flatten()
        .map(|newest| newest.saturating_sub(migration_scope::RECENT_DAYS));
    let mut findings = Vec::new();
    let mut resolver = database::Resolver::new(scope.database, scope.settings.database, scope.paths, &scope.run.cwd);
    let mut engine_of: HashMap<usize, Verdict> = HashMap::new();
    for history in &histories {
        if let Some(first) = history.first() {
            let verdict = resolver.resolve(&migration_scope::history_folder(&files[first.file]));
            for m in history {
                if !verdict.engines.is_empty() {
                    outcome.databases.insert(m.file, verdict.describe());
                }
                engine_of.insert(m.file, verdict.clone());
            }
        }
        let flags = match migration_scope::in_scope(history, files, scope.settings, scope.run, applied_before) {
            Ok(flags) => flags,
            Err(e) => {
                outcome.scope_error.get_or_insert(e);
                vec![true; history.len()]
            }
        };
        outcome.out_of_scope.extend(history.iter().zip(&flags).filter(|(_, f)| !**f).map(|(m, _)| m.file));
        if !any_enabled {
            continue;
        }
        let one_release = scope.settings.mode == Mode::Pending;
        check::check_set(history, check::Scope { report: &flags, one_release }, cat, &code, &mut findings);
    }
    // Each finding's operation by (file, span), and each file's facts for
    // the fixes read once: per finding, both were a scan of the file.
    let mut ops: HashMap<(usize, crate::source::Span), (&Migration, &crate::migration::model::Operation)> =
        HashMap::new();
    for m in &migrations {
        for o in &m.ops {
            ops.entry((m.file, o.span)).or_insert((m, o));
        }
    }
    let mut fix_facts: HashMap<usize, fix::FileFacts> = HashMap::new();
    for f in findings {
        if !enabled(f.rule) {
            continue;
        }
        let op = ops.get(&(f.file, f.span));
        let verdict = engine_of.get(&f.file);
        let message = match verdict {
            Some(v) => match database::on_engine(f.rule, op.map(|(_, o)| &o.kind), v, f.message) {
                Some(message) => message,
                None => continue,
            },
            None => f.message,
        };
        let mut d = Diagnostic::new(f.rule, &files[f.file], f.span, message);
        // The fixes write PostgreSQL.
        if let Some((m, op)) = op.filter(|_| verdict.is_none_or(Verdict::postgres_possible)) {
            let text = &files[f.file].text;
            let facts = fix_facts.entry(f.file).or_insert_with(|| fix::FileFacts::new(m, text));
            d.fix = fix::fix_for(f.rule.name, m, op, text, facts);
        }
        if let Some(s) = f.severity {
            d.severity = s;
        }
        outcome.findings.entry(f.file).or_default().push(d);
    }
    outcome
}

/// Reads one migration file into operations.
fn read_migration(
    i: usize,
    f: &SourceFile,
    role: detect::Role,
    cat: &crate::catalog::migrations::MigrationCatalog,
    tree_of: &(dyn Fn(usize) -> Option<tree_sitter::Tree> + Sync),
) -> Migration {
    let path = std::path::Path::new(&f.path);
    let stem = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let mut m = Migration {
        file: i,
        style: role.style,
        set: parent.clone(),
        name: stem.clone(),
        after: Vec::new(),
        ops: Vec::new(),
        unparsed: Vec::new(),
        statements: 0,
        squashed: false,
    };
    match role.style {
        Style::Sql => {
            // One folder per migration (diesel, Prisma): the history is the folder above.
            if matches!(stem.as_str(), "up.sql" | "migration.sql") {
                let dir = path.parent();
                m.name = dir.and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                m.set = dir.and_then(|d| d.parent()).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            }
            let mut tx = sql::Tx::new(role.wrapped);
            let mut out = sql::Read::default();
            sql::read(&f.text, sql::Anchor::Offset(0), &mut tx, cat, &mut out);
            m.ops = out.ops;
            m.unparsed = out.unparsed;
            m.statements = out.statements;
        }
        Style::Django | Style::Alembic => python::read(f, tree_of(i), role, cat, &mut m),
        Style::Knex | Style::TypeOrm | Style::Sequelize => js::read(f, tree_of(i), role, cat, &mut m),
        // Code that changes data: nothing for the schema rules to read.
        Style::Script => {
            // One folder per script (`20241209110456_x/migration.ts`).
            if detect::names_its_folder(&stem) {
                let dir = path.parent();
                m.name = dir.and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                m.set = dir.and_then(|d| d.parent()).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            }
        }
    }
    m
}

/// Suppression comments of a SQL file (`-- pagerproof: ignore[...]`),
/// including those inside `DO` bodies, whose statements are read too.
pub fn sql_suppressions(file: &SourceFile) -> Vec<Suppression> {
    // Split as the reader does, so a quote inside a placeholder cannot hide a comment.
    let templated = template::neutralise(&file.text);
    let text: &str = &templated.text;
    let (pieces, mut comments) = split::split(text);
    for p in &pieces {
        // The split sees a `DO` body as one dollar-quoted string.
        if let Ok((s, e)) = plpgsql::do_body_of(&text[p.start..p.end]) {
            let base = p.start + s;
            let (_, inner) = split::split(&text[base..p.start + e]);
            comments.extend(inner.into_iter().map(|c| split::Comment { start: base + c.start, end: base + c.end }));
        }
    }
    comments.iter().filter_map(|c| suppress::parse_span(Span::new(c.start, c.end), file)).collect()
}

/// Where the project's non-migration code names the tables and columns that
/// migrations drop or rename.
struct CodeIndex {
    /// Per file, each wanted name (normalised: lowercase, no `_`) with the
    /// byte offsets where it occurs.
    files: Vec<Hits>,
    generic: HashSet<String>,
}

/// How close (in bytes) a column name must be to its table's name in the
/// same file to count as the code reading that column: a model class, a
/// query string.
const NEAR: usize = 600;

fn norm(s: &str) -> String {
    s.chars().filter(|c| *c != '_').flat_map(|c| c.to_lowercase()).collect()
}

/// `orders` → {`orders`, `order`}; `user_accounts` → {`useraccounts`, `useraccount`}.
fn table_forms(t: &str) -> Vec<String> {
    let n = norm(t);
    let mut v = vec![n.clone()];
    if let Some(s) = n.strip_suffix("ies") {
        v.push(format!("{s}y"));
    } else if let Some(s) = n.strip_suffix('s') {
        v.push(s.to_string());
    }
    v
}

impl CodeIndex {
    fn build(
        files: &[SourceFile],
        skip: &HashSet<usize>,
        migrations: &[&Migration],
        cat: &crate::catalog::migrations::MigrationCatalog,
        reuse: WordsReuse<'_>,
    ) -> (CodeIndex, HashMap<usize, (String, Hits)>) {
        let generic = cat.generic_column_names.iter().map(|s| norm(s)).collect();
        let mut wanted: HashSet<String> = HashSet::new();
        for m in migrations {
            for op in &m.ops {
                let (table, cols): (&str, Vec<&str>) = match &op.kind {
                    OpKind::DropColumn { column, django: false } => (&op.table, vec![column]),
                    OpKind::RenameColumn { old, new, django: false } => (&op.table, vec![old, new]),
                    OpKind::DropTable { django: false } => (&op.table, vec![]),
                    OpKind::RenameTable { new, django: false } => {
                        wanted.extend(table_forms(new));
                        (&op.table, vec![])
                    }
                    _ => continue,
                };
                wanted.extend(table_forms(table));
                wanted.extend(cols.iter().map(|c| norm(c)));
            }
        }
        if wanted.is_empty() {
            return (CodeIndex { files: Vec::new(), generic }, HashMap::new());
        }
        // A file's hits depend on its text and on the wanted names only.
        let key = {
            let mut names: Vec<&str> = wanted.iter().map(String::as_str).collect();
            names.sort_unstable();
            crate::cache::hash(names.join(" ").as_bytes())
        };
        let longest = wanted.iter().map(String::len).max().unwrap_or(0);
        let wanted: foldhash::HashSet<String> = wanted.into_iter().collect();
        // Which (first byte, length) shapes a wanted name has: most words of
        // a file fail this before they are normalised or hashed.
        let mut shapes = [0u64; 128];
        for w in &wanted {
            if let Some(&b) = w.as_bytes().first()
                && b < 128
                && w.len() < 64
            {
                shapes[usize::from(b)] |= 1 << w.len();
            }
        }
        let unusual = wanted.iter().any(|w| !w.is_ascii() || w.len() >= 64);
        let maybe = |first: u8, len: usize| {
            unusual || (usize::from(first) < 128 && len < 64 && shapes[usize::from(first)] & (1 << len) != 0)
        };
        let found: Vec<(usize, Hits)> = files
            .par_iter()
            .enumerate()
            .filter(|(i, f)| !skip.contains(i) && f.grammar != Grammar::Sql)
            .map(|(i, f)| {
                if let Some(hits) = reuse(i, &key) {
                    return (i, hits);
                }
                let mut hits = Hits::new();
                let mut word = String::with_capacity(longest + 4);
                for_each_word(&f.text, longest, &mut word, maybe, |start, w| {
                    if wanted.contains(w) {
                        hits.entry(w.to_string()).or_default().push(start);
                    }
                });
                (i, hits)
            })
            .collect();
        let index =
            CodeIndex { files: found.iter().filter(|(_, h)| !h.is_empty()).map(|(_, h)| h.clone()).collect(), generic };
        let words = found.into_iter().map(|(i, h)| (i, (key.clone(), h))).collect();
        (index, words)
    }
}

/// Calls `f` with the start and the normalised form ([`norm`]) of each word
/// (a run of alphanumerics and `_`) of `text` whose normal form is at most
/// `longest` bytes and, for an ASCII word, passes `maybe(first, len)` (its
/// first normalised byte and normalised length). One pass over the bytes, no
/// allocation per word: this runs over every non-migration file.
fn for_each_word(
    text: &str,
    longest: usize,
    word: &mut String,
    maybe: impl Fn(u8, usize) -> bool,
    mut f: impl FnMut(usize, &str),
) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let is_word_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b < 0x80 && !is_word_byte(b) {
            i += 1;
            continue;
        }
        // A word starts here (or a non-ASCII character that may start one).
        let start = i;
        let mut ascii = true;
        let mut underscores = 0;
        while i < n {
            let b = bytes[i];
            if b < 0x80 {
                if !is_word_byte(b) {
                    break;
                }
                underscores += usize::from(b == b'_');
                i += 1;
            } else {
                let c = text[i..].chars().next().expect("index on a char boundary");
                if !c.is_alphanumeric() {
                    break;
                }
                ascii = false;
                i += c.len_utf8();
            }
        }
        if i == start {
            // A non-ASCII character that is not alphanumeric.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let raw = &text[start..i];
        if ascii {
            let len = raw.len() - underscores;
            let Some(first) = raw.bytes().find(|&b| b != b'_') else { continue };
            if len > longest || !maybe(first.to_ascii_lowercase(), len) {
                continue;
            }
            word.clear();
            word.extend(raw.bytes().filter(|&b| b != b'_').map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            word.clear();
            for c in raw.chars().filter(|&c| c != '_') {
                word.extend(c.to_lowercase());
            }
            if word.len() > longest {
                continue;
            }
        }
        f(start, word);
    }
}

impl check::CodeUse for CodeIndex {
    fn uses_table(&self, table: &str) -> bool {
        let forms = table_forms(table);
        self.files.iter().any(|f| forms.iter().any(|t| f.contains_key(t)))
    }

    fn uses_column(&self, table: &str, column: &str) -> bool {
        let c = norm(column);
        if self.generic.contains(&c) {
            return false;
        }
        let forms = table_forms(table);
        self.files.iter().any(|f| {
            let Some(cols) = f.get(&c) else { return false };
            forms.iter().filter_map(|t| f.get(t)).flatten().any(|tp| cols.iter().any(|cp| cp.abs_diff(*tp) <= NEAR))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{for_each_word, norm};

    /// The one-pass scanner finds the same words, at the same offsets, as
    /// splitting on non-word characters and normalising each piece.
    #[test]
    fn words_match_the_plain_split() {
        let text = "class UserAccount(models.Model):\n  order_items = 'Ünïcode_Straße' + x1—y2 __init__ ß";
        let mut plain = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            match (c.is_alphanumeric() || c == '_', start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    plain.push((s, norm(&text[s..i])));
                    start = None;
                }
                _ => {}
            }
        }
        let mut fast = Vec::new();
        let mut buf = String::new();
        for_each_word(text, 100, &mut buf, |_, _| true, |s, w| fast.push((s, w.to_string())));
        assert_eq!(fast, plain);
        assert!(fast.contains(&(6, "useraccount".to_string())));
        // Words longer than `longest` once normalised are skipped.
        let mut short = Vec::new();
        for_each_word(text, 5, &mut buf, |_, _| true, |_, w| short.push(w.to_string()));
        // The shape filter sees the normalised first byte and length.
        let mut seen = Vec::new();
        for_each_word("User_Account x", 100, &mut buf, |b, n| b == b'u' && n == 11, |_, w| seen.push(w.to_string()));
        assert_eq!(seen, ["useraccount"]);
        assert!(short.iter().all(|w| w.len() <= 5) && short.contains(&"x1".to_string()));
        assert!(!short.contains(&"useraccount".to_string()));
    }
}
