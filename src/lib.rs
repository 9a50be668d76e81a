//! pagerproof: a linter that stops production failures before they merge.
//!
//! The pipeline, as a library so tests and benches call it directly:
//!
//! ```text
//! paths ─► discover ─► read ─► facts (phase 1) ─► check (phase 2) ─► suppress ─► sort ─► emit
//! ```
//!
//! [`check`] runs everything up to the sorted report; [`report`] renders it.
//! See `docs/architecture.md` for the whole picture.

pub mod analysis;
pub mod baseline;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod confidence;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod fix;
pub mod lang;
pub mod migration;
pub mod registry;
pub mod report;
pub mod rule;
pub mod rules;
pub mod select;
pub mod server;
pub mod source;
pub mod walk;

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::analysis::roles::{self, FileRole, Role, RoleOverrides};
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Notice, NoticeKind};
use crate::engine::{ProjectFacts, RuleSet};
use crate::rule::RuleMeta;
use crate::select::Selection;
use crate::source::{Grammar, SourceFile};

/// The project's home, used for rule documentation links.
pub const REPOSITORY: &str = "https://github.com/pagerproof/pagerproof";

/// Files larger than this are skipped with a notice.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Called with (files done, files total) as files finish.
pub type ProgressFn = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// What to check and how.
#[derive(Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Display paths are relative to this directory.
    pub cwd: PathBuf,
    pub selection: Selection,
    /// Worker threads; `None` means one per core.
    pub jobs: Option<usize>,
    pub max_file_size: u64,
    pub progress: Option<ProgressFn>,
    /// Parse every file and walk each tree once, but run no facts phase and no
    /// rule: the floor that a full check is measured against.
    pub parse_only: bool,
    /// Also check test code found while walking directories.
    pub include_tests: bool,
    /// Also check vendored third-party code found while walking.
    pub include_vendored: bool,
    /// Also check tooling and build scripts found while walking.
    pub include_tooling: bool,
    /// Also check generated code found while walking.
    pub include_generated: bool,
    /// The config's `[roles]` globs.
    pub roles: Option<Arc<RoleOverrides>>,
    /// Check only this shard of the files (see [`Shard`]).
    pub shard: Option<Shard>,
    /// Where the result cache lives (see [`cache`]); `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// The config's `exclude` and `[[overrides]]`.
    pub path_rules: Option<Arc<config::PathRules>>,
    /// The catalog for this run (built-in plus the config's extensions);
    /// `None` means the built-in one.
    pub catalog: Option<Arc<Catalog>>,
    /// A suppression without `-- reason` is a finding.
    pub require_suppression_reason: bool,
    /// Which migrations are reported (`--migration-scope`, `[migrations]`).
    pub migration_scope: analysis::migration_scope::Settings,
    /// `--diff-base`: with scope `pending`, the migrations added or changed
    /// since its merge base are the pending ones.
    pub diff_base: Option<Arc<diff::Base>>,
    /// Text that stands in for files on disk (an editor's unsaved buffers,
    /// `check -`): read from here instead of the file, and checked even when
    /// no file of that name exists yet.
    pub overlay: Option<Arc<Overlay>>,
    /// Report findings and notices only for these files (named as on the
    /// command line); project facts still come from everything under
    /// `paths`. How the pre-commit hook, `check -` and the language server
    /// check a few files with the whole project's facts.
    pub report_only: Option<Arc<Vec<PathBuf>>>,
    /// Each file's project facts kept in memory between runs of one process
    /// (the language server checks the same workspace on every keystroke):
    /// a file whose path and content hash are in it is not scanned again.
    pub facts_memo: Option<Arc<FactsMemo>>,
}

/// Per-file project facts by display path, with the content hash they were
/// computed for (see [`Options::facts_memo`]). Facts depend only on a file's
/// path and text, so an entry holds whatever the run's settings.
#[derive(Debug, Default)]
pub struct FactsMemo {
    files: std::sync::Mutex<HashMap<String, (String, Option<ProjectFacts>)>>,
}

impl FactsMemo {
    fn get(&self, path: &str, hash: &str) -> Option<Option<ProjectFacts>> {
        let files = self.files.lock().ok()?;
        files.get(path).filter(|(h, _)| h == hash).map(|(_, f)| f.clone())
    }

    fn put(&self, entries: impl IntoIterator<Item = (String, String, Option<ProjectFacts>)>) {
        if let Ok(mut files) = self.files.lock() {
            for (path, hash, facts) in entries {
                files.insert(path, (hash, facts));
            }
        }
    }

    /// Files remembered.
    pub fn len(&self) -> usize {
        self.files.lock().map_or(0, |f| f.len())
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// In-memory file contents keyed by path (see [`Options::overlay`]).
#[derive(Debug, Default, Clone)]
pub struct Overlay {
    files: HashMap<PathBuf, Arc<str>>,
}

impl Overlay {
    /// Text for `path` (relative paths are taken from `cwd`).
    pub fn insert(&mut self, path: &std::path::Path, cwd: &std::path::Path, text: impl Into<Arc<str>>) {
        self.files.insert(absolute(path, cwd), text.into());
    }

    fn get(&self, path: &std::path::Path, cwd: &std::path::Path) -> Option<&Arc<str>> {
        if self.files.is_empty() {
            return None;
        }
        self.files.get(&absolute(path, cwd))
    }

    fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.keys()
    }
}

/// The files `report_only` asks about, as [`absolute`] paths.
fn asked(options: &Options) -> Option<std::collections::HashSet<PathBuf>> {
    let only = options.report_only.as_ref()?;
    Some(only.iter().map(|p| absolute(p, &options.cwd)).collect())
}

/// `path` made absolute against `cwd`, lexically normalised: the one key
/// overlays and `report_only` compare paths by.
fn absolute(path: &std::path::Path, cwd: &std::path::Path) -> PathBuf {
    walk::normalize(&if path.is_absolute() { path.to_path_buf() } else { cwd.join(path) })
}

/// One of `count` deterministic slices of the files, for CI matrices: a file
/// belongs to shard `hash(path) % count + 1`. Every shard still collects the
/// project facts from all files, so the union of the shards' findings equals
/// a single run's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// True when the file shown as `path` belongs to this shard.
    pub fn contains(self, path: &str) -> bool {
        (diagnostic::fnv1a64(path.as_bytes()) % u64::from(self.count)) as u32 + 1 == self.index
    }
}

impl Options {
    /// Defaults for checking `paths` from `cwd`.
    pub fn new(paths: Vec<PathBuf>, cwd: PathBuf) -> Options {
        Options {
            paths,
            cwd,
            selection: Selection::default(),
            jobs: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            progress: None,
            parse_only: false,
            include_tests: false,
            include_vendored: false,
            include_tooling: false,
            include_generated: false,
            roles: None,
            shard: None,
            cache_dir: None,
            path_rules: None,
            catalog: None,
            require_suppression_reason: false,
            migration_scope: analysis::migration_scope::Settings::default(),
            diff_base: None,
            overlay: None,
            report_only: None,
            facts_memo: None,
        }
    }
}

/// The outcome of a run: sorted findings and notices.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub notices: Vec<Notice>,
    /// Files checked (parsed and walked).
    pub files_checked: usize,
    /// Lines in the checked files.
    pub lines_checked: usize,
    /// Every rule that ran, sorted by code.
    pub rules: Vec<&'static RuleMeta>,
    /// The text of every file with a finding (shared, not copied), for
    /// emitters that show source snippets.
    pub sources: Sources,
    /// Files whose results came from the cache (never rendered: output is
    /// the same whatever the cache held).
    pub cache_hits: usize,
    /// The role of every file with a finding, by display path.
    pub roles: std::collections::BTreeMap<String, FileRole>,
    /// Files found by walking and not checked because of their role.
    pub skipped_by_role: std::collections::BTreeMap<Role, usize>,
    /// The config file in effect, as shown (named in the summary line, so
    /// a config that changes the scan's scope is never silent).
    pub config: Option<String>,
    /// The languages of the checked files (what says which preview rules
    /// would have looked at them).
    pub languages: std::collections::BTreeSet<source::Language>,
    /// Some checked file is a migration (the migration rules look only at
    /// those).
    pub migrations_checked: bool,
    /// The database engine of every migration file with a finding whose
    /// engine is known, with the evidence (`mysql (src/settings.py:
    /// django.db.backends.mysql)`; see [`analysis::database`]).
    pub databases: std::collections::BTreeMap<String, String>,
    /// Scope `pending` without `--diff-base`, in a git work tree: what git
    /// said production has applied, or why it decided nothing
    /// ([`analysis::migration_scope::GitScope::note`]).
    pub migration_scope: Option<String>,
}

/// Display path → file text, kept only for files with findings, with the
/// file's line index and its text made safe for snippets, each built once
/// per file and shared by every finding and every renderer (built per
/// finding, they cost time growing with findings × file size).
#[derive(Default, Clone)]
pub struct Sources(std::collections::BTreeMap<String, SourceText>);

/// One file's text and what renderers derive from it, on first use.
#[derive(Clone)]
struct SourceText {
    text: Arc<str>,
    /// Where the file is on disk (what `--fix` writes to).
    fs_path: Option<PathBuf>,
    lines: std::sync::OnceLock<source::LineIndex>,
    clean: std::sync::OnceLock<Arc<str>>,
}

impl Sources {
    /// The text of the file shown as `path`, if it has findings.
    pub fn get(&self, path: &str) -> Option<&Arc<str>> {
        self.0.get(path).map(|s| &s.text)
    }

    /// The line index of the file shown as `path`, built once.
    pub fn line_index(&self, path: &str) -> Option<&source::LineIndex> {
        self.0.get(path).map(|s| s.lines.get_or_init(|| source::LineIndex::new(&s.text)))
    }

    /// The text of `path` with hazardous characters replaced for snippets
    /// ([`report::clean_source`]), built once.
    pub fn clean_text(&self, path: &str) -> Option<&Arc<str>> {
        self.0.get(path).map(|s| s.clean.get_or_init(|| report::clean_source(&s.text)))
    }

    /// Keeps `text` as the source of `path`.
    pub fn insert(&mut self, path: String, text: Arc<str>) {
        self.0.insert(path, SourceText { text, fs_path: None, lines: Default::default(), clean: Default::default() });
    }

    /// Keeps `text` as the source of `path`, read from `fs_path`.
    pub fn insert_file(&mut self, path: String, fs_path: PathBuf, text: Arc<str>) {
        let fs_path = Some(fs_path);
        self.0.insert(path, SourceText { text, fs_path, lines: Default::default(), clean: Default::default() });
    }

    /// Where the file shown as `path` was read from, if known.
    pub fn fs_path(&self, path: &str) -> Option<&std::path::Path> {
        self.0.get(path).and_then(|s| s.fs_path.as_deref())
    }
}

impl std::fmt::Debug for Sources {
    // File texts would drown any debug print of a report: list paths only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Errors that stop a whole run (per-file trouble becomes a [`Notice`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Selector(#[from] select::UnknownSelector),
    #[error("could not start worker threads: {0}")]
    Threads(String),
    #[error(transparent)]
    Scope(#[from] analysis::migration_scope::UnknownMarker),
    #[error(transparent)]
    Diff(#[from] diff::DiffError),
}

/// Runs the pipeline up to a sorted [`Report`].
pub fn check(options: &Options) -> Result<Report, Error> {
    options.selection.validate()?;
    let threads = options.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| Error::Threads(e.to_string()))?;
    pool.install(|| run(options, threads))
}

fn run(options: &Options, threads: usize) -> Result<Report, Error> {
    let selection = &options.selection;
    // Rules that run somewhere: the base selection, or any override's. A
    // file's own selection (its path's overrides) filters what they report.
    let override_selections: Vec<Selection> = match &options.path_rules {
        Some(p) => (0..p.overrides.len()).map(|i| p.apply(selection, &[i])).collect(),
        None => Vec::new(),
    };
    let runs_somewhere = |m: &RuleMeta| selection.enabled(m) || override_selections.iter().any(|s| s.enabled(m));
    let enabled_rules: Vec<&'static dyn rule::Rule> =
        registry::RULES.iter().copied().filter(|r| runs_somewhere(r.meta())).collect();
    let ruleset = RuleSet::new(enabled_rules);
    let catalog: &Catalog = options.catalog.as_deref().unwrap_or_else(|| Catalog::builtin());

    // The cache's run key hashes the executable (tens of megabytes): start
    // that now, beside the walk and the reads, instead of after them.
    let build_id = options.cache_dir.as_ref().map(|_| std::thread::spawn(cache::build_id));

    let Gathered { files, mut notices, skipped } = gather(options, threads);
    let mut skipped_by_role: std::collections::BTreeMap<Role, usize> = std::collections::BTreeMap::new();
    for (_, role) in &skipped {
        *skipped_by_role.entry(role.role).or_default() += 1;
    }

    if options.parse_only {
        let lines = files.iter().map(|f| f.lines.line_count()).sum();
        let nodes: usize = files
            .par_iter()
            .map(|f| match f.grammar {
                Grammar::Rust => engine::rust::parse_only(&f.text),
                // SQL is parsed only in migrations, as in a full check.
                Grammar::Sql => match migration::detect::detect(&f.path, &f.fs_path, f.grammar, &f.text) {
                    Some(_) => migration::sql::parse_only(&f.text) + 1,
                    None => 1,
                },
                g => lang::parse(g, &f.text).map_or(0, |t| engine::count_nodes(&t)),
            })
            .sum();
        debug_assert!(nodes > 0 || files.is_empty());
        return Ok(Report { notices, files_checked: files.len(), lines_checked: lines, ..Report::default() });
    }

    // ---- the result cache: content hashes, and what the last run kept ----
    // `build_id` is computed once: joining only waits for the thread above.
    drop(build_id.map(std::thread::JoinHandle::join));
    let cache = options.cache_dir.as_ref().map(|dir| {
        let key = run_key(options, catalog);
        cache::Cache::open(dir, &key)
    });
    let memo = options.facts_memo.as_deref();
    let hashes: Vec<String> = match (&cache, memo) {
        (None, None) => Vec::new(),
        _ => files.par_iter().map(|f| cache::hash(f.text.as_bytes())).collect(),
    };
    let cached = |i: usize, file: &SourceFile| cache.as_ref().and_then(|c| c.get(&file.path, &hashes[i]));
    let remembered = |i: usize, file: &SourceFile| memo.and_then(|m| m.get(&file.path, &hashes[i]));

    // ---- phase 1: project facts (trees kept for phase 2) ----
    let collectors = registry::FACT_COLLECTORS;
    // With no migration rule on, migrations are read only if another rule
    // reports in one (after phase 2): reading every history costs a default
    // run 14 % of its time and a quarter more memory for nothing.
    let migrations_on = registry::MIGRATION_RULES.iter().any(|m| runs_somewhere(m));
    // Function summaries cost a parse of every file in this phase: only
    // when a rule that reads them runs.
    let summaries_on = registry::SUMMARY_RULES.iter().any(|m| runs_somewhere(m));
    // One parse per file: in a cold run (no result cache, or one with no
    // entry for any file: a first run, a CI job on a fresh runner) with no
    // facts memo and every file checked here (no shard, no `report_only`),
    // a Python or JS/TS file's summaries come from the tree its check walks in phase 2, not
    // from a parse of their own here. Phase 2 then judges each file as if no
    // call reached a project function, the summaries are closed once every
    // file is summarised, and only the files with a call that resolves to a
    // function whose summary a rule reads (it reaches an effect, or does
    // nothing) are checked again (`Summaries::read_from`). Parsing every file
    // here for its summaries, and again in phase 2, was the largest cost
    // the summaries added (`docs/performance.md`). Rust summaries come from
    // a syn walk of their own here, as before: Rust calls resolve only to
    // Rust functions, so they are closed before phase 2. With a cache, the
    // summaries gathered in phase 2 are stored with each file's facts and
    // the facts key is taken once they are closed, so the next run reuses
    // them as if summarised up front.
    let deferred = summaries_on
        && memo.is_none()
        && options.shard.is_none()
        && options.report_only.is_none()
        && (cache.is_none() || (0..files.len()).all(|i| cached(i, &files[i]).is_none()));
    // A tree parsed only for the summaries is kept for phase 2 while the
    // source behind the kept ones stays under this budget, and parsed again
    // there after that. Parsing again is the largest cost the summaries add
    // (`perf`: 18 % of a `--preview` run's CPU on the corpus, the Rust
    // summaries 2 %), but keeping every tree saved a tenth of the CPU for
    // twice the peak (1.25 GiB against 600 MiB, `docs/performance.md`).
    const SUMMARY_TREE_BUDGET: usize = 8 << 20;
    let summary_tree_bytes = AtomicUsize::new(0);
    let phase1: Vec<(usize, Option<tree_sitter::Tree>, Option<ProjectFacts>)> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            if let Some(entry) = cached(i, f) {
                return (i, None, entry.facts.clone());
            }
            if let Some(facts) = remembered(i, f) {
                return (i, None, facts);
            }
            // Rust facts come from a lexical scan; the function summaries
            // from a syn walk (syn trees cannot be kept for phase 2: they
            // are tied to the parsing thread).
            if f.grammar == Grammar::Rust {
                let mut facts = ProjectFacts::default();
                if analysis::values::wants_rust(&f.text) {
                    facts.rust_redacting_types = analysis::values::redacting_types(&f.text);
                }
                facts.rust_values = analysis::values::scan_rust_values(&f.text, |n| {
                    analysis::values::secret_name(n, &catalog.secrets).is_some()
                });
                facts.rust_timeouts = analysis::timeouts::RustTimeoutFacts::scan_rust(&f.text);
                if summaries_on
                    && let Ok(functions) =
                        catch_unwind(AssertUnwindSafe(|| analysis::rust_summaries::collect(f, catalog)))
                {
                    facts.summaries.functions = functions;
                }
                let empty = facts == ProjectFacts::default();
                return (i, None, (!empty).then_some(facts));
            }
            let wants_facts = engine::facts::wants(collectors, &f.text);
            // A migration written in Python or JS is parsed here once, for
            // the migration reader and the check phase both.
            let code_migration = migrations_on
                && f.grammar.is_tree_sitter()
                && migration::detect::detect(&f.path, &f.fs_path, f.grammar, &f.text).is_some();
            let scanned = if f.grammar.is_tree_sitter() { engine::facts::scan(collectors, f) } else { None };
            let summarise = summaries_on && !deferred && f.grammar.is_tree_sitter();
            if !wants_facts && !code_migration && !summarise {
                return (i, None, scanned);
            }
            let tree = lang::parse(f.grammar, &f.text);
            if !wants_facts && !summarise {
                return (i, tree, scanned);
            }
            let mut facts = scanned.unwrap_or_default();
            if let Some(tree) = &tree {
                if wants_facts {
                    let _ = catch_unwind(AssertUnwindSafe(|| engine::facts::collect(collectors, f, tree, &mut facts)));
                }
                if summarise && let Some(functions) = summarise_tree(f, tree, catalog) {
                    facts.summaries.functions = functions;
                }
            }
            let empty = facts == ProjectFacts::default();
            let keep = wants_facts
                || code_migration
                || summary_tree_bytes.fetch_add(f.text.len(), Ordering::Relaxed) < SUMMARY_TREE_BUDGET;
            (i, tree.filter(|_| keep), (!empty || wants_facts).then_some(facts))
        })
        .collect();
    let mut facts = ProjectFacts::default();
    let mut kept_trees: HashMap<usize, tree_sitter::Tree> = HashMap::new();
    let mut file_facts: Vec<Option<ProjectFacts>> = vec![None; files.len()];
    for (i, tree, f) in phase1 {
        if let Some(f) = f {
            // Each file's own contribution is kept only for the cache and the memo.
            if cache.is_some() || memo.is_some() {
                file_facts[i] = Some(f.clone());
            }
            facts.merge(f);
        }
        if let Some(t) = tree {
            kept_trees.insert(i, t);
        }
    }
    if let Some(memo) = memo {
        memo.put((0..files.len()).map(|i| (files[i].path.clone(), hashes[i].clone(), file_facts[i].clone())));
    }
    facts.close();
    let facts_key =
        cache.as_ref().filter(|_| !deferred).map(|_| cache::hash(facts.key_text().as_bytes())).unwrap_or_default();
    let kept_trees = std::sync::Mutex::new(kept_trees);

    // ---- migrations: their own reader (SQL parser, ORM operations) and rules ----
    let reuse = |i: usize| cached(i, &files[i]).and_then(|e| e.migration.clone()).map(|r| r.migration);
    let tree_of = |i: usize| kept_trees.lock().expect("tree map").get(&i).cloned();
    let words_reuse = |i: usize, key: &str| {
        cached(i, &files[i]).and_then(|e| e.words.as_ref()).filter(|w| w.key == key).map(|w| w.hits.clone())
    };
    let scope_run = scope_facts(options, &files)?;
    let scope = migration::ScopeInput {
        settings: &options.migration_scope,
        run: &scope_run,
        database: &facts.database,
        paths: &options.paths,
    };
    let mut migrations = if migrations_on {
        migration::analyze_in_scope(&files, catalog, scope, &runs_somewhere, &reuse, &tree_of, &words_reuse)
    } else {
        migration::Outcome::default()
    };
    if let Some(e) = migrations.scope_error.take() {
        return Err(e.into());
    }
    notices.extend(migrations.notices);

    // ---- phase 2: check (only this shard's files; facts came from all) ----
    let mut mine: Vec<usize> = match options.shard {
        Some(shard) => {
            notices.retain(|n| shard.contains(&n.path));
            (0..files.len()).filter(|&i| shard.contains(&files[i].path)).collect()
        }
        None => (0..files.len()).collect(),
    };
    // ... and of those, only the files asked about (`report_only`).
    if let Some(wanted) = asked(options) {
        mine.retain(|&i| wanted.contains(&absolute(&files[i].fs_path, &options.cwd)));
        notices.retain(|n| wanted.contains(&absolute(std::path::Path::new(&n.path), &options.cwd)));
    }
    let done = AtomicUsize::new(0);
    let total = mine.len();
    let hits = AtomicUsize::new(0);
    // The cache compares each file's selection; most files have the base one.
    let base_key = cache.as_ref().map(|_| selection_key(selection)).unwrap_or_default();
    // A file's own selection: resolved once from its path.
    let overridden_of = |file: &SourceFile| -> Option<Selection> {
        options.path_rules.as_ref().and_then(|p| {
            let hits = p.matching(&file.fs_path, &options.cwd);
            (!hits.is_empty()).then(|| p.apply(selection, &hits))
        })
    };
    // Checks file `i` against `facts` (filling `summaries` from its tree when given).
    let judge = |i: usize,
                 tree: Option<tree_sitter::Tree>,
                 sel: &Selection,
                 facts: &ProjectFacts,
                 summaries: Option<&mut Vec<analysis::summaries::FunctionSummary>>| {
        let file = &files[i];
        let extra = migrations.findings.get(&i).cloned().unwrap_or_default();
        let role = file.role.role;
        let is_enabled = |m: &RuleMeta| sel.enabled(m) && role.runs(m);
        let shared = Shared { ruleset: &ruleset, facts, catalog, options };
        let mut out = check_one_summarising(file, tree, extra, &shared, &is_enabled, summaries);
        let language = file.grammar.language();
        out.0.retain(|d| sel.enabled_for(d.rule, language) && role.runs(d.rule));
        for d in &mut out.0 {
            // A finding raised above its rule's default (a hot table) stays raised.
            let raised = d.severity > d.rule.severity;
            d.severity = if raised { sel.severity(d.rule).max(d.severity) } else { sel.severity(d.rule) };
        }
        out
    };
    type Checked = (Vec<Diagnostic>, Vec<Notice>, String, Vec<analysis::summaries::FunctionSummary>);
    let checked: Vec<Checked> = mine
        .par_iter()
        .map(|&i| {
            let file = &files[i];
            let tree = kept_trees.lock().expect("tree map").remove(&i);
            let overridden = overridden_of(file);
            let sel = overridden.as_ref().unwrap_or(selection);
            // Migration findings come from the whole history: part of the key.
            let extra = migrations.findings.get(&i);
            // So does being out of scope: a migration production applied
            // long ago gets no findings from any rule (see
            // `analysis::migration_scope`), so no suppression in it is unused.
            let out_of_scope = migrations.out_of_scope.contains(&i);
            let sel_key = match &cache {
                None => String::new(),
                Some(_) => {
                    let own_key = if overridden.is_some() { selection_key(sel) } else { base_key.clone() };
                    let own_key = if out_of_scope { format!("{own_key} out-of-scope") } else { own_key };
                    // The role turns rules off (browser code), so it is part of the key.
                    let own_key = format!("{own_key} role={}", file.role.role);
                    match extra {
                        Some(extra) if !extra.is_empty() => {
                            format!("{own_key} {}", cache::hash(format!("{extra:?}").as_bytes()))
                        }
                        _ => own_key,
                    }
                }
            };
            let reuse = cached(i, file)
                .and_then(|e| e.results.as_ref())
                .filter(|r| r.facts_key == facts_key && r.selection_key == sel_key);
            let summarise = deferred && file.grammar.is_tree_sitter();
            let mut summaries = Vec::new();
            let out = match reuse {
                Some(r) => {
                    hits.fetch_add(1, Ordering::Relaxed);
                    (r.diagnostics.clone(), r.notices.clone(), sel_key, summaries)
                }
                None if out_of_scope => {
                    // Not checked, but its functions may be called from elsewhere.
                    if summarise
                        && let Some(tree) = tree.or_else(|| lang::parse(file.grammar, &file.text))
                        && let Some(functions) = summarise_tree(file, &tree, catalog)
                    {
                        summaries = functions;
                    }
                    (Vec::new(), Vec::new(), sel_key, summaries)
                }
                None => {
                    let (d, n) = judge(i, tree, sel, &facts, summarise.then_some(&mut summaries));
                    (d, n, sel_key, summaries)
                }
            };
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(progress) = &options.progress {
                progress(n, total);
            }
            out
        })
        .collect();
    let mut results: Vec<(Vec<Diagnostic>, Vec<Notice>, String)> = Vec::with_capacity(checked.len());
    for (&i, (d, n, k, functions)) in mine.iter().zip(checked) {
        if cache.is_some() && !functions.is_empty() {
            file_facts[i]
                .get_or_insert_with(ProjectFacts::default)
                .summaries
                .functions
                .extend(functions.iter().cloned());
        }
        facts.summaries.functions.extend(functions);
        results.push((d, n, k));
    }
    if deferred {
        // Every file is summarised now: close, and check again the files
        // whose calls reach what a rule reads in a summary. The rest were
        // judged as they would be now (a call that resolves to nothing a
        // rule reads is judged as one that resolves to nothing).
        facts.close();
        let again: Vec<usize> = (0..mine.len())
            .filter(|&k| {
                let i = mine[k];
                files[i].grammar.is_tree_sitter()
                    && !migrations.out_of_scope.contains(&i)
                    && facts.summaries.read_from(&files[i].path)
            })
            .collect();
        let rechecked: Vec<(Vec<Diagnostic>, Vec<Notice>)> = again
            .par_iter()
            .map(|&k| {
                let file = &files[mine[k]];
                let overridden = overridden_of(file);
                judge(mine[k], None, overridden.as_ref().unwrap_or(selection), &facts, None)
            })
            .collect();
        for (k, (d, n)) in again.into_iter().zip(rechecked) {
            results[k].0 = d;
            results[k].1 = n;
        }
    }
    // The key the results are stored under: the facts as the next run
    // rebuilds them from the cache, every summary included.
    let facts_key = match &cache {
        Some(_) if deferred => cache::hash(facts.key_text().as_bytes()),
        _ => facts_key,
    };
    // No migration rule ran: a finding of another rule in a migration asks
    // the scope whether production applied that migration long ago.
    let mut late_out_of_scope = HashSet::new();
    let in_migration = |i: usize| {
        let f = &files[i];
        migration::detect::detect(&f.path, &f.fs_path, f.grammar, &f.text).is_some()
    };
    if !migrations_on && mine.iter().zip(&results).any(|(&i, (d, _, _))| !d.is_empty() && in_migration(i)) {
        let no_tree = |_: usize| None;
        // The scope again: the summaries closed above changed `facts`.
        let scope = migration::ScopeInput {
            settings: &options.migration_scope,
            run: &scope_run,
            database: &facts.database,
            paths: &options.paths,
        };
        let late = migration::analyze_in_scope(&files, catalog, scope, &runs_somewhere, &reuse, &no_tree, &words_reuse);
        if let Some(e) = late.scope_error {
            return Err(e.into());
        }
        late_out_of_scope = late.out_of_scope;
        migrations.databases = late.databases;
    }
    // A run that reused every file's entry as it was has nothing to write.
    let unchanged = hits.load(Ordering::Relaxed) == mine.len()
        && mine.iter().all(|&i| {
            let words = migrations.words.get(&i).map(|(key, _)| key);
            cached(i, &files[i]).is_some_and(|e| e.words.as_ref().map(|w| &w.key) == words)
        });
    if let Some(cache) = cache.filter(|c| !unchanged || !c.touch()) {
        let fresh = mine.iter().zip(&results).map(|(&i, (d, n, k))| {
            let entry = cache::Entry {
                content: hashes[i].clone(),
                facts: file_facts[i].take(),
                migration: migrations.reads.remove(&i).map(|migration| cache::MigrationRead { migration }),
                words: migrations.words.remove(&i).map(|(key, hits)| cache::Words { key, hits }),
                results: Some(cache::Results {
                    facts_key: facts_key.clone(),
                    selection_key: k.clone(),
                    diagnostics: d.clone(),
                    notices: n.clone(),
                }),
            };
            (files[i].path.clone(), entry)
        });
        // A cache that cannot be written costs the next run time, nothing else.
        let _ = cache.save(fresh.collect::<Vec<_>>());
    }

    let mut diagnostics = Vec::new();
    for (&i, (d, n, _)) in mine.iter().zip(results) {
        if late_out_of_scope.contains(&i) {
            continue;
        }
        diagnostics.extend(d);
        notices.extend(n);
    }
    diagnostics.sort_by(diagnostic::compare);
    diagnostics
        .dedup_by(|a, b| a.rule.code == b.rule.code && a.span == b.span && a.path == b.path && a.message == b.message);
    notices.sort();
    let rules = registry::all().filter(|r| runs_somewhere(r)).collect();
    let mut sources = Sources::default();
    let mut file_roles = std::collections::BTreeMap::new();
    for file in mine.iter().map(|&i| &files[i]) {
        if diagnostics.binary_search_by(|d| d.path.as_str().cmp(file.path.as_str())).is_ok() {
            sources.insert_file(file.path.clone(), file.fs_path.clone(), Arc::clone(&file.text));
            file_roles.insert(file.path.clone(), file.role.clone());
        }
    }
    let databases = mine
        .iter()
        .filter(|i| file_roles.contains_key(&files[**i].path))
        .filter_map(|i| migrations.databases.get(i).map(|d| (files[*i].path.clone(), d.clone())))
        .collect();
    Ok(Report {
        diagnostics,
        notices,
        files_checked: mine.len(),
        lines_checked: mine.iter().map(|&i| files[i].lines.line_count()).sum(),
        rules,
        sources,
        cache_hits: hits.load(Ordering::Relaxed),
        roles: file_roles,
        skipped_by_role,
        config: None,
        languages: mine.iter().map(|&i| files[i].grammar.language()).collect(),
        migrations_checked: mine.iter().any(|&i| files[i].role.role == Role::Migration),
        databases,
        migration_scope: scope_run.git.map(|g| g.note),
    })
}

/// What discovery, reading and the role model hand the rest of a run.
struct Gathered {
    /// The files to check, read, with their roles.
    files: Vec<SourceFile>,
    notices: Vec<Notice>,
    /// Files found by walking and not checked, with the role that says why.
    skipped: Vec<(String, FileRole)>,
}

/// Discovers, classifies and reads the files of a run (see
/// [`analysis::roles`]): what `check` and `roles` share.
fn gather(options: &Options, threads: usize) -> Gathered {
    // ---- discover ----
    let excluded: Option<walk::Exclude> = options.path_rules.as_ref().filter(|p| p.exclude.is_some()).map(|p| {
        let p = Arc::clone(p);
        let cwd = options.cwd.clone();
        Arc::new(move |path: &std::path::Path| p.is_excluded(path, &cwd)) as walk::Exclude
    });
    let (mut candidates, mut notices) = walk::discover(&options.paths, &options.cwd, threads, excluded);
    if let Some(overlay) = &options.overlay {
        add_overlay_candidates(overlay, options, &mut candidates, &mut notices);
    }
    if let Some(wanted) = asked(options) {
        // A file asked about is checked whatever its role, as if named.
        for c in &mut candidates {
            if !c.explicit && wanted.contains(&absolute(&c.fs_path, &options.cwd)) {
                c.explicit = true;
                c.rel = c.path.clone();
                c.root = options.cwd.clone();
            }
        }
    }

    // ---- roles, stage 1: by path, before reading (vendored trees are never read) ----
    let include = roles::Include {
        tests: options.include_tests,
        vendored: options.include_vendored,
        tooling: options.include_tooling,
        generated: options.include_generated,
    };
    let mut skipped: Vec<(String, FileRole)> = Vec::new();
    let mut classifier = roles::Classifier::new(options.roles.as_deref(), &options.cwd);
    let mut staged = Vec::with_capacity(candidates.len());
    // Python tools skipped unread (management commands, `manage.py`): what
    // they import is read below, to find modules only tools use.
    let mut tools: Vec<(String, PathBuf, String)> = Vec::new();
    // Walked roots with Python files: where console scripts are declared.
    let python_roots: std::collections::BTreeSet<PathBuf> =
        candidates.iter().filter(|c| c.grammar == Grammar::Python && !c.explicit).map(|c| c.root.clone()).collect();
    for c in candidates {
        let place = roles::Place { rel: &c.rel, fs_path: &c.fs_path, root: &c.root, grammar: c.grammar };
        let found = classifier.by_path(place);
        if let Some(early) = &found.early
            && !c.explicit
            && !include.checks(early.role)
        {
            if c.grammar == Grammar::Python && early.operator_tool {
                tools.push((c.path.clone(), c.fs_path.clone(), c.rel.clone()));
            }
            skipped.push((c.path.clone(), early.clone()));
            continue;
        }
        staged.push((c, found));
    }

    // ---- read, and roles, stage 2: by content ----
    let read: Vec<(Result<SourceFile, Notice>, bool, String)> = staged
        .into_par_iter()
        .map(|(c, found)| {
            let own = options.overlay.as_ref().and_then(|o| o.get(&c.fs_path, &options.cwd));
            let file = match own {
                Some(text) => overlay_file(&c, text, options.max_file_size),
                None => read_file(&c, options.max_file_size),
            };
            let file = file.map(|mut f| {
                f.role = match found.early {
                    Some(early) => early,
                    None => {
                        let migration = migration::detect::detect(&f.path, &f.fs_path, f.grammar, &f.text)
                            .map(|m| format!("{:?}", m.style));
                        roles::by_content(
                            &c.rel,
                            f.grammar,
                            &f.text,
                            found.late,
                            found.package.as_ref(),
                            migration.as_deref(),
                        )
                    }
                };
                f
            });
            (file, c.explicit, c.rel)
        })
        .collect();
    let mut files: Vec<SourceFile> = Vec::with_capacity(read.len());
    let mut explicit: Vec<bool> = Vec::with_capacity(read.len());
    let mut rels: Vec<String> = Vec::with_capacity(read.len());
    for (r, named, rel) in read {
        match r {
            Ok(f) => {
                files.push(f);
                explicit.push(named);
                rels.push(rel);
            }
            Err(n) => notices.push(n),
        }
    }
    for root in &python_roots {
        cli_command_modules(&mut files, &rels, &explicit, root);
    }
    script_imports(&mut files, &rels);
    uncompiled_rust_files(&mut files, &options.cwd);
    if !include.tooling {
        tooling_only_modules(&mut files, &rels, &tools, options.max_file_size);
    }
    analysis::reach::js_only_reached_by_tools_or_tests(&mut files, &skipped, &options.cwd, options.max_file_size);
    let mut kept = explicit.iter();
    files.retain(|f| {
        let named = *kept.next().expect("one flag per file");
        let checked = named || include.checks(f.role.role);
        if !checked {
            skipped.push((f.path.clone(), f.role.clone()));
        }
        checked
    });

    skipped.sort_by(|a, b| a.0.cmp(&b.0));
    Gathered { files, notices, skipped }
}

/// One file's role, as `pagerproof roles` lists it.
#[derive(Debug, Clone)]
pub struct RoleEntry {
    /// Display path.
    pub path: String,
    /// The role and its evidence.
    pub role: FileRole,
    /// Checked by a run with the same options.
    pub checked: bool,
}

/// Every file a run with `options` would find, sorted by path, with its
/// role, the evidence, and whether the run checks it; and the notices of
/// files that could not be read.
pub fn file_roles(options: &Options) -> Result<(Vec<RoleEntry>, Vec<Notice>), Error> {
    let threads = options.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| Error::Threads(e.to_string()))?;
    let Gathered { files, mut notices, skipped } = pool.install(|| gather(options, threads));
    let mut entries: Vec<RoleEntry> = files
        .into_iter()
        .map(|f| RoleEntry { path: f.path, role: f.role, checked: true })
        .chain(skipped.into_iter().map(|(path, role)| RoleEntry { path, role, checked: false }))
        .collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    notices.sort();
    Ok((entries, notices))
}

/// The modules of a console-script command line (`fides = "fides.cli:cli"`
/// in `pyproject.toml`: the `fides/cli/` package, or the one `cli.py`) are
/// a tool an operator runs, like a management command: they are tooling,
/// production again when production code imports them (`script_imports`),
/// and what only they import becomes tooling (`tooling_only_modules`). A
/// command module that starts the service stays production: one that runs
/// a process itself (`uvicorn.run`, a scheduler loop) or imports the
/// service's start at its top level (`from app.server import run_server`).
/// One that imports the start only inside the command (`def webserver():
/// from app.main import start_webserver`) is tooling, and that import
/// alone counts as production's (see `tooling_only_modules`).
fn cli_command_modules(files: &mut [SourceFile], rels: &[String], explicit: &[bool], root: &std::path::Path) {
    let scripts = roles::console_scripts(root);
    if scripts.is_empty() {
        return;
    }
    let inside: Vec<bool> = files.iter().map(|f| f.fs_path.starts_with(root) || !f.fs_path.is_absolute()).collect();
    let under_root = |i: usize| inside[i];
    for (script, module, function) in scripts {
        // A script that is the server's own start (`webserver =
        // "app.main:start_webserver"`) is not a command line.
        if roles::starts_a_service(&function) {
            continue;
        }
        let Some(entry) = (0..files.len()).find(|&i| {
            files[i].grammar == Grammar::Python
                && !explicit[i]
                && under_root(i)
                && roles::module_names(&rels[i]).contains(&module)
        }) else {
            continue;
        };
        if !roles::uses_cli_framework(&files[entry].text, &rels[entry]) {
            continue;
        }
        // The whole package when the entry is its `__init__.py`.
        let package = rels[entry].strip_suffix("__init__.py").map(str::to_string);
        let members: Vec<usize> = match &package {
            Some(dir) => (0..files.len())
                .filter(|&i| files[i].grammar == Grammar::Python && !explicit[i] && under_root(i))
                .filter(|&i| rels[i].starts_with(dir.as_str()))
                .collect(),
            None => vec![entry],
        };
        for i in members {
            let f = &files[i];
            if f.role.role != Role::Production
                || roles::runs_a_process(&rels[i], &f.text)
                || roles::wires_service(&f.text)
            {
                continue;
            }
            let local = roles::local_imports(&f.text, &rels[i]);
            // Another command of the same command line (`from .commands
            // import worker`) is no start of the service.
            let own = |m: &str| {
                let dotted = package.as_deref().map(|d| d.trim_end_matches('/').replace('/', "."));
                [Some(module.clone()), dotted].into_iter().flatten().any(|p| m.starts_with(&format!("{p}.")))
            };
            let starts_at_top = roles::python_imports(&f.text, &rels[i])
                .iter()
                .any(|m| roles::starts_a_service(m) && !local.contains(m) && !own(m));
            // What imports the service's start at its top level is part of
            // its start, whoever imports it (see `tooling_only_modules`).
            if starts_at_top {
                continue;
            }
            let reason = format!("a module of the `{script}` command line (console script `{module}:{function}`)");
            files[i].role = FileRole::new(Role::Tooling, reason).importable().operator_tool();
        }
    }
}

/// A Rust file under a crate's `src/` that no `mod` declaration reaches from
/// the crate's roots is compiled by no build (see
/// [`analysis::rust_modules`]): it cannot run in production. One that only
/// test-gated declarations reach (`#[cfg(test)] mod mock_peers;`) is test
/// code.
fn uncompiled_rust_files(files: &mut [SourceFile], cwd: &std::path::Path) {
    let candidates: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].grammar == Grammar::Rust && files[i].role.role == Role::Production)
        .collect();
    if candidates.is_empty() {
        return;
    }
    let paths: Vec<PathBuf> = candidates.iter().map(|&i| absolute(&files[i].fs_path, cwd)).collect();
    let texts: HashMap<PathBuf, usize> = (0..files.len())
        .filter(|&i| files[i].grammar == Grammar::Rust)
        .map(|i| (absolute(&files[i].fs_path, cwd), i))
        .collect();
    let text_of = |p: &std::path::Path| texts.get(p).map(|&i| Arc::clone(&files[i].text));
    let found = analysis::rust_modules::uncompiled(&paths, &text_of);
    for (&i, path) in candidates.iter().zip(&paths) {
        files[i].role = match found.get(path) {
            Some(analysis::rust_modules::Compiled::Never(reason)) => FileRole::new(Role::Uncompiled, reason.clone()),
            Some(analysis::rust_modules::Compiled::InTestsOnly(reason)) => FileRole::new(Role::Test, reason.clone()),
            None => continue,
        };
    }
}

/// A module that looked like tooling (a `__main__` script, a module in a
/// `scripts/` folder) but that production code imports is production: it
/// runs inside the service too.
fn script_imports(files: &mut [SourceFile], rels: &[String]) {
    let pending: Vec<usize> = (0..files.len()).filter(|&i| files[i].role.importable).collect();
    if pending.is_empty() {
        return;
    }
    // Imports of every Python file that could end up production.
    let imports: HashMap<usize, Vec<String>> = files
        .par_iter()
        .enumerate()
        .filter(|(_, f)| f.grammar == Grammar::Python && (f.role.role == Role::Production || f.role.importable))
        .map(|(i, f)| (i, roles::python_imports(&f.text, &rels[i])))
        .collect();
    // Each pending module under every name an import can reach it by.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for &s in &pending {
        for name in roles::module_names(&rels[s]) {
            by_name.entry(name).or_default().push(s);
        }
    }
    let mut importers: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].grammar == Grammar::Python && files[i].role.role == Role::Production)
        .collect();
    // To a fixed point: a helper imported by a module that production imports
    // runs in production too.
    while !importers.is_empty() {
        let mut flipped: Vec<usize> = Vec::new();
        for &by in &importers {
            for m in &imports[&by] {
                for &s in by_name.get(m).into_iter().flatten() {
                    if s != by && files[s].role.importable {
                        let reason = format!("imported by `{}`, so it runs in the service too", files[by].path);
                        files[s].role = FileRole::new(Role::Production, reason);
                        flipped.push(s);
                    }
                }
            }
        }
        importers = flipped;
    }
}

/// A module that no production code imports, but that a tool does (a Django
/// management command, a script, `manage.py`), runs only when an operator
/// runs that tool: it is tooling too, and so is what only it imports. Tests
/// do not count as importers either way. A module stays production when
/// frameworks load it by name (`tasks.py`, `models.py`, a settings module),
/// when it wires a service itself (an application object, route
/// decorators), or when production code names it in a string (settings,
/// URL includes, task routes).
fn tooling_only_modules(files: &mut [SourceFile], rels: &[String], tools: &[(String, PathBuf, String)], max: u64) {
    let read_tools: Vec<(&str, Vec<String>)> = tools
        .par_iter()
        .filter_map(|(path, fs_path, rel)| {
            let meta = std::fs::metadata(fs_path).ok()?;
            let text = (meta.len() <= max).then(|| std::fs::read_to_string(fs_path).ok()).flatten()?;
            (!roles::runs_a_process(rel, &text)).then(|| (path.as_str(), roles::python_imports(&text, rel)))
        })
        .collect();
    // Tools read with the rest: scripts in tooling folders (a `__main__`
    // module elsewhere may be the service's own command line).
    let operator = |i: usize| {
        let f = &files[i];
        f.grammar == Grammar::Python
            && f.role.is_tooling()
            && f.role.operator_tool
            && !roles::runs_a_process(&rels[i], &f.text)
    };
    if read_tools.is_empty() && !(0..files.len()).any(operator) {
        return;
    }
    let candidate = |i: usize| {
        let f = &files[i];
        f.grammar == Grammar::Python
            && f.role.role == Role::Production
            && !roles::discovered_by_convention(&rels[i])
            && !roles::wires_service(&f.text)
            && !roles::starts_the_service(&f.text, &rels[i])
    };
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for i in (0..files.len()).filter(|&i| candidate(i)) {
        for name in roles::module_names(&rels[i]) {
            by_name.entry(name).or_default().push(i);
        }
    }
    if by_name.is_empty() {
        return;
    }
    // Who imports each candidate: production importers (any read file that
    // is neither a test nor a tool), and tools by display path.
    let imports: HashMap<usize, Vec<String>> = files
        .par_iter()
        .enumerate()
        .filter(|(_, f)| f.grammar == Grammar::Python && f.role.role != Role::Test)
        .map(|(i, f)| (i, roles::python_imports(&f.text, &rels[i])))
        .collect();
    let mut production_importers: HashMap<usize, Vec<usize>> = HashMap::new();
    // The tool named in a module's reason: the first by path, so the
    // reason is the same on every run.
    let mut tool_importer: HashMap<usize, String> = HashMap::new();
    let note = |map: &mut HashMap<usize, String>, s: usize, by: &str| {
        let e = map.entry(s).or_insert_with(|| by.to_string());
        if by < e.as_str() {
            *e = by.to_string();
        }
    };
    for (by, names) in &imports {
        // What a tool imports inside a command to start the service
        // (`from app.main import start_webserver`) is the service's.
        let starts: Vec<String> = if operator(*by) {
            let local = roles::local_imports(&files[*by].text, &rels[*by]);
            local
                .into_iter()
                .filter(|m| roles::starts_a_service(m))
                .flat_map(|m| {
                    let module = m.rsplit_once('.').map(|(p, _)| p.to_string());
                    std::iter::once(m).chain(module)
                })
                .collect()
        } else {
            Vec::new()
        };
        for m in names {
            for s in by_name.get(m).into_iter().flatten() {
                if *s != *by && starts.contains(m) {
                    production_importers.entry(*s).or_default().push(*by);
                }
            }
        }
        for s in names.iter().flat_map(|m| by_name.get(m).into_iter().flatten()) {
            if *s == *by {
                continue;
            }
            if operator(*by) {
                note(&mut tool_importer, *s, &files[*by].path);
            } else if !files[*by].role.is_tooling() {
                production_importers.entry(*s).or_default().push(*by);
            }
        }
    }
    for (path, names) in &read_tools {
        for s in names.iter().flat_map(|m| by_name.get(m).into_iter().flatten()) {
            note(&mut tool_importer, *s, path);
        }
    }
    if tool_importer.is_empty() {
        return;
    }
    // Module names production code writes in strings, read once.
    let mut named = std::collections::HashSet::new();
    for f in files.iter().filter(|f| f.grammar == Grammar::Python && f.role.role != Role::Test && !f.role.is_tooling())
    {
        roles::dotted_strings(&f.text, &mut named);
    }
    // To a fixed point: a module whose only importers are tools, or modules
    // already found tooling-only, is tooling-only.
    let mut tooling: HashMap<usize, String> = HashMap::new();
    loop {
        let mut changed = false;
        let mut keys: Vec<usize> = tool_importer.keys().copied().collect();
        keys.sort_unstable();
        for s in keys {
            if tooling.contains_key(&s) {
                continue;
            }
            let only_tools = production_importers.get(&s).is_none_or(|by| by.iter().all(|b| tooling.contains_key(b)));
            let in_string = roles::module_names(&rels[s]).iter().any(|n| n.contains('.') && named.contains(n));
            if only_tools && !in_string {
                tooling.insert(s, tool_importer[&s].clone());
                changed = true;
                // What this module imports is now imported by a tool too.
                if let Some(names) = imports.get(&s) {
                    for t in names.iter().flat_map(|m| by_name.get(m).into_iter().flatten()) {
                        if *t != s && !tool_importer.contains_key(t) {
                            tool_importer.insert(*t, files[s].path.clone());
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (s, by) in tooling {
        let reason = format!("imported only by tooling (`{by}`), never by the service");
        files[s].role = FileRole::new(Role::Tooling, reason);
    }
}

/// Checks one in-memory file with every rule and no project facts, the way
/// the check phase would: for fuzzing, benches and embedding. The path picks
/// the language (`None` when pagerproof does not read that kind of file).
/// A panic inside a rule comes back as an internal-error notice, as in a run.
pub fn check_text(path: &str, text: &str) -> Option<(Vec<Diagnostic>, Vec<Notice>)> {
    let grammar = Grammar::from_path(std::path::Path::new(path))?;
    let file = SourceFile::new(path.to_string(), PathBuf::from(path), grammar, Arc::from(text));
    let ruleset = RuleSet::new(registry::RULES.to_vec());
    let options = Options::new(Vec::new(), PathBuf::new());
    let facts = ProjectFacts::default();
    let shared = Shared { ruleset: &ruleset, facts: &facts, catalog: Catalog::builtin(), options: &options };
    Some(check_one(&file, None, Vec::new(), &shared, &|_| true))
}

/// What the migration scope needs to know about this run: the files named on
/// the command line and, with `--diff-base` and scope `pending`, the
/// migrations added or changed since the merge base.
fn scope_facts(options: &Options, files: &[SourceFile]) -> Result<analysis::migration_scope::RunFacts, Error> {
    use analysis::migration_scope::{Mode, RunFacts};
    let canonical = |p: &std::path::Path| {
        let abs = options.cwd.join(p);
        abs.canonicalize().unwrap_or(abs)
    };
    let asked = options.report_only.iter().flat_map(|only| only.iter());
    let named: std::collections::HashSet<PathBuf> =
        options.paths.iter().chain(asked).filter(|p| options.cwd.join(p).is_file()).map(|p| canonical(p)).collect();
    let explicit = if named.is_empty() {
        Default::default()
    } else {
        (0..files.len()).filter(|&i| named.contains(&canonical(&files[i].fs_path))).collect()
    };
    if options.migration_scope.mode != Mode::Pending {
        return Ok(RunFacts { explicit, changed: None, cwd: options.cwd.clone(), git: None });
    }
    // Only migrations matter; asking git about every file would be waste.
    let candidates: Vec<usize> = (0..files.len())
        .filter(|&i| {
            let f = &files[i];
            migration::detect::detect(&f.path, &f.fs_path, f.grammar, &f.text).is_some()
        })
        .collect();
    let (changed, git) = match &options.diff_base {
        Some(base) => {
            let texts: Vec<(&str, &str)> =
                candidates.iter().map(|&i| (files[i].path.as_str(), &*files[i].text)).collect();
            let changed = base.changed_files(&texts, &options.cwd)?;
            (Some(candidates.into_iter().filter(|&i| changed.contains(files[i].path.as_str())).collect()), None)
        }
        // What production has applied, from git, when the tree is a clone.
        None if !candidates.is_empty() && !options.migration_scope.ignore_git => {
            (None, analysis::migration_scope::from_git(&options.cwd, files, &candidates))
        }
        None => (None, None),
    };
    Ok(RunFacts { explicit, changed, cwd: options.cwd.clone(), git })
}

/// What a file's cached results depend on besides its content and the
/// project facts: pagerproof's version, the enabled rules and their severities,
/// the migration scope settings, and the catalog.
fn run_key(options: &Options, catalog: &Catalog) -> String {
    let selection = &options.selection;
    let require_reason = options.require_suppression_reason;
    let mut key = format!("{} {} {require_reason}\n", env!("CARGO_PKG_VERSION"), cache::build_id());
    // Which migrations are reported (the `--diff-base` share is in each
    // file's findings key).
    key.push_str(&options.migration_scope.key());
    key.push('\n');
    for meta in registry::all() {
        let on = selection.enabled(meta);
        key.push_str(&format!("{} {} {:?}\n", meta.code, on, selection.severity(meta)));
    }
    key.push_str(&format!("{catalog:?}"));
    cache::hash(key.as_bytes())
}

/// A file's own selection (its path's overrides applied), as the cache
/// compares it: each rule's code, whether it is on, and its severity.
fn selection_key(selection: &Selection) -> String {
    let mut key = format!("preview={} ", selection.preview);
    for meta in registry::all() {
        if selection.enabled(meta) {
            key.push_str(&format!("{}:{:?} ", meta.code, selection.severity(meta)));
        }
    }
    key
}

/// What every file's check shares: the rules, the facts, the catalog and
/// the run's options.
struct Shared<'a> {
    ruleset: &'a RuleSet,
    facts: &'a ProjectFacts,
    catalog: &'a Catalog,
    options: &'a Options,
}

/// Parses (unless phase 1 already did) and checks one file, isolating panics.
fn check_one(
    file: &SourceFile,
    tree: Option<tree_sitter::Tree>,
    extra: Vec<Diagnostic>,
    shared: &Shared<'_>,
    enabled: &dyn Fn(&RuleMeta) -> bool,
) -> (Vec<Diagnostic>, Vec<Notice>) {
    check_one_summarising(file, tree, extra, shared, enabled, None)
}

/// The function summaries of a Python or JS/TS file's tree, or `None` when
/// summarising it panicked (the file then contributes none).
fn summarise_tree(
    file: &SourceFile,
    tree: &tree_sitter::Tree,
    catalog: &Catalog,
) -> Option<Vec<analysis::summaries::FunctionSummary>> {
    catch_unwind(AssertUnwindSafe(|| analysis::summaries::collect(file, tree, catalog))).ok()
}

/// [`check_one`], and for a Python or JS/TS file the function summaries of
/// the tree the rules walked, into `summaries` when given (the summaries of
/// a run without a cache come from the check's own parse: see `run`).
fn check_one_summarising(
    file: &SourceFile,
    tree: Option<tree_sitter::Tree>,
    extra: Vec<Diagnostic>,
    shared: &Shared<'_>,
    enabled: &dyn Fn(&RuleMeta) -> bool,
    summaries: Option<&mut Vec<analysis::summaries::FunctionSummary>>,
) -> (Vec<Diagnostic>, Vec<Notice>) {
    let mut notices = Vec::new();
    let policy = engine::suppress::Policy { require_reason: shared.options.require_suppression_reason };
    if file.grammar == Grammar::Sql {
        let suppressions = migration::sql_suppressions(file);
        return (engine::suppress::apply(extra, &suppressions, file, enabled, policy), notices);
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if file.grammar == Grammar::Rust {
            return engine::rust::check_file(file, shared.ruleset, shared.facts, shared.catalog)
                .map_err(|e| (e.offset, e.message))
                .into();
        }
        let tree = tree.or_else(|| lang::parse(file.grammar, &file.text))?;
        if let Some(out) = summaries
            && let Some(functions) = summarise_tree(file, &tree, shared.catalog)
        {
            *out = functions;
        }
        let mut result = engine::check_tree(file, &tree, shared.ruleset, shared.facts, shared.catalog);
        result.diagnostics.extend(extra);
        Some(Ok(result))
    }));
    match outcome {
        Ok(Some(Err((offset, message)))) => {
            let pos = file.lines.position(&file.text, offset as u32);
            notices.push(Notice {
                path: file.path.clone(),
                kind: NoticeKind::SyntaxError,
                line: Some(pos.line),
                column: Some(pos.column),
                message,
            });
            (Vec::new(), notices)
        }
        Ok(Some(Ok(result))) => {
            if let Some(offset) = result.first_error {
                let pos = file.lines.position(&file.text, offset);
                notices.push(Notice {
                    path: file.path.clone(),
                    kind: NoticeKind::SyntaxError,
                    line: Some(pos.line),
                    column: Some(pos.column),
                    message: "Could not parse this part of the file (a syntax error, or syntax the parser does not support); the rest of the file was checked".to_string(),
                });
            }
            let diagnostics = engine::suppress::apply(result.diagnostics, &result.suppressions, file, enabled, policy);
            (diagnostics, notices)
        }
        Ok(None) => {
            notices.push(Notice {
                path: file.path.clone(),
                kind: NoticeKind::SyntaxError,
                line: None,
                column: None,
                message: "The parser gave up on this file; it was not checked".to_string(),
            });
            (Vec::new(), notices)
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            notices.push(Notice {
                path: file.path.clone(),
                kind: NoticeKind::InternalError,
                line: None,
                column: None,
                message: format!("Internal error while checking this file (a bug in pagerproof): {what}"),
            });
            (Vec::new(), notices)
        }
    }
}

/// Reads one candidate, or says why it is skipped.
fn read_file(c: &walk::Candidate, max_size: u64) -> Result<SourceFile, Notice> {
    let notice = |kind, message: String| Notice { path: c.path.clone(), kind, line: None, column: None, message };
    let meta = std::fs::metadata(&c.fs_path).map_err(|e| notice(NoticeKind::Unreadable, e.to_string()))?;
    if meta.len() > max_size {
        return Err(notice(
            NoticeKind::TooLarge,
            format!("{} bytes is over the {} byte limit; skipped", meta.len(), max_size),
        ));
    }
    let bytes = std::fs::read(&c.fs_path).map_err(|e| notice(NoticeKind::Unreadable, e.to_string()))?;
    let text: Arc<str> = source::decode(bytes, c.grammar).map_err(|(kind, message)| notice(kind, message))?.into();
    // Bundles are a JavaScript thing; a long line in Python, Rust or SQL
    // (a comment, a data literal) is still code someone wrote.
    if c.grammar.language().is_js_family() && looks_minified(&c.path, &text) {
        return Err(notice(NoticeKind::Minified, "Looks minified or bundled; skipped".to_string()));
    }
    Ok(SourceFile::new(c.path.clone(), c.fs_path.clone(), c.grammar, text))
}

/// An overlay file that the walk did not find (an unsaved buffer, `check -`
/// for a file that does not exist yet) becomes a candidate named on the
/// command line, and the walk's "no such file" notice for it goes.
fn add_overlay_candidates(
    overlay: &Overlay,
    options: &Options,
    candidates: &mut Vec<walk::Candidate>,
    notices: &mut Vec<Notice>,
) {
    let known: std::collections::HashSet<PathBuf> =
        candidates.iter().map(|c| absolute(&c.fs_path, &options.cwd)).collect();
    let mut added = false;
    for path in overlay.paths() {
        if known.contains(path) {
            continue;
        }
        let shown = walk::display_path(path, &options.cwd);
        notices.retain(|n| !(n.kind == NoticeKind::MissingPath && n.path == shown));
        let Some(grammar) = Grammar::from_path(path) else {
            // `check - --stdin-filename notes.md`: say so, as for a named file.
            notices.push(walk::unsupported_notice(path, &options.cwd));
            continue;
        };
        candidates.push(walk::Candidate {
            path: shown.clone(),
            fs_path: path.clone(),
            grammar,
            rel: shown,
            root: options.cwd.clone(),
            explicit: true,
        });
        added = true;
    }
    if added {
        candidates.sort();
        candidates.dedup_by(|a, b| a.path == b.path);
    }
}

/// A candidate read from the overlay instead of the disk: the same size,
/// encoding and minified checks as [`read_file`].
fn overlay_file(c: &walk::Candidate, text: &str, max_size: u64) -> Result<SourceFile, Notice> {
    let notice = |kind, message: String| Notice { path: c.path.clone(), kind, line: None, column: None, message };
    if text.len() as u64 > max_size {
        return Err(notice(
            NoticeKind::TooLarge,
            format!("{} bytes is over the {} byte limit; skipped", text.len(), max_size),
        ));
    }
    let text: Arc<str> =
        source::decode(text.as_bytes().to_vec(), c.grammar).map_err(|(kind, message)| notice(kind, message))?.into();
    if c.grammar.language().is_js_family() && looks_minified(&c.path, &text) {
        return Err(notice(NoticeKind::Minified, "Looks minified or bundled; skipped".to_string()));
    }
    Ok(SourceFile::new(c.path.clone(), c.fs_path.clone(), c.grammar, text))
}

/// Minified bundles: `.min.js`, or long files made of very long lines.
fn looks_minified(path: &str, text: &str) -> bool {
    if path.contains(".min.") || path.ends_with(".bundle.js") {
        return true;
    }
    if text.len() < 32 * 1024 {
        return false;
    }
    let lines = text.lines().count().max(1);
    text.len() / lines > 500
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule that panics on every module, standing in for a bug.
    struct Panics;

    crate::declare_rule! {
        static PANICS_META = {
            code: "PP103",
            name: "jump-in-finally",
            category: SwallowedException,
            severity: Warning,
            status: Stable,
            since: "0.1.0",
            languages: [Python],
            summary: "test stand-in",
            fix: "test stand-in",
        }
    }

    impl rule::Rule for Panics {
        fn meta(&self) -> &'static RuleMeta {
            &PANICS_META
        }
        fn python_kinds(&self) -> &'static [&'static str] {
            &["module"]
        }
        fn check<'t>(&self, _node: tree_sitter::Node<'t>, _cx: &mut engine::Checker<'_, 't>) {
            panic!("deliberate test panic");
        }
    }

    /// A panic inside a rule becomes an internal-error notice for that file.
    #[test]
    fn a_panicking_rule_is_isolated_to_its_file() {
        let file = SourceFile::new("a.py".into(), "a.py".into(), Grammar::Python, Arc::from("x = 1\n"));
        let rules = RuleSet::new(vec![&Panics]);
        let facts = ProjectFacts::default();
        let options = Options::new(Vec::new(), PathBuf::new());
        let shared = Shared { ruleset: &rules, facts: &facts, catalog: Catalog::builtin(), options: &options };
        let (diagnostics, notices) = check_one(&file, None, Vec::new(), &shared, &|_| true);
        assert!(diagnostics.is_empty());
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].kind, NoticeKind::InternalError);
        assert!(notices[0].message.contains("deliberate test panic"), "{}", notices[0].message);
    }

    /// A file found by the walk and deleted before it is read gets a notice.
    #[test]
    fn a_file_deleted_during_the_scan_is_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let fs_path = dir.path().join("gone.py");
        std::fs::write(&fs_path, "x = 1\n").unwrap();
        let candidate = walk::Candidate {
            path: "gone.py".into(),
            fs_path: fs_path.clone(),
            grammar: Grammar::Python,
            rel: "gone.py".into(),
            root: dir.path().to_path_buf(),
            explicit: true,
        };
        std::fs::remove_file(&fs_path).unwrap();
        let notice = read_file(&candidate, DEFAULT_MAX_FILE_SIZE).expect_err("the file is gone");
        assert_eq!(notice.kind, NoticeKind::Unreadable);
        assert_eq!(notice.path, "gone.py");
    }
}
