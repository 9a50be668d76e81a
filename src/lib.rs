//! prodlint: a linter that stops production failures before they merge.
//!
//! The pipeline, as a library so tests and benches call it directly:
//!
//! ```text
//! paths ─► discover ─► read ─► facts (phase 1) ─► check (phase 2) ─► suppress ─► sort ─► emit
//! ```
//!
//! [`check`] runs everything up to the sorted report; [`report`] renders it.
//! See `docs/architecture.md` for the whole picture.

pub mod catalog;
pub mod cli;
pub mod diagnostic;
pub mod engine;
pub mod lang;
pub mod registry;
pub mod report;
pub mod rule;
pub mod rules;
pub mod select;
pub mod source;
pub mod walk;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Notice, NoticeKind};
use crate::engine::{ProjectFacts, RuleSet};
use crate::rule::RuleMeta;
use crate::select::Selection;
use crate::source::{Grammar, SourceFile};

/// The project's home, used for rule documentation links.
pub const REPOSITORY: &str = "https://github.com/prodlint/prodlint";

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
}

/// Display path → file text, kept only for files with findings.
#[derive(Default, Clone)]
pub struct Sources(std::collections::BTreeMap<String, Arc<str>>);

impl Sources {
    /// The text of the file shown as `path`, if it has findings.
    pub fn get(&self, path: &str) -> Option<&Arc<str>> {
        self.0.get(path)
    }

    /// Keeps `text` as the source of `path`.
    pub fn insert(&mut self, path: String, text: Arc<str>) {
        self.0.insert(path, text);
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
    let enabled_rules: Vec<&'static dyn rule::Rule> =
        registry::RULES.iter().copied().filter(|r| selection.enabled(r.meta())).collect();
    let ruleset = RuleSet::new(enabled_rules);
    let catalog = Catalog::builtin();

    // ---- discover ----
    let (candidates, mut notices) = walk::discover(&options.paths, &options.cwd, threads, options.include_tests);

    // ---- read ----
    let read: Vec<Result<SourceFile, Notice>> =
        candidates.par_iter().map(|c| read_file(c, options.max_file_size)).collect();
    let mut files = Vec::with_capacity(read.len());
    for r in read {
        match r {
            Ok(f) => files.push(f),
            Err(n) => notices.push(n),
        }
    }

    if options.parse_only {
        let lines = files.iter().map(|f| f.lines.line_count()).sum();
        let nodes: usize = files
            .par_iter()
            .map(|f| match f.grammar {
                Grammar::Rust => engine::rust::parse_only(&f.text),
                g => lang::parse(g, &f.text).map_or(0, |t| engine::count_nodes(&t)),
            })
            .sum();
        debug_assert!(nodes > 0 || files.is_empty());
        return Ok(Report { notices, files_checked: files.len(), lines_checked: lines, ..Report::default() });
    }

    // ---- phase 1: project facts (trees kept for phase 2) ----
    let collectors = registry::FACT_COLLECTORS;
    let phase1: Vec<(usize, Option<tree_sitter::Tree>, ProjectFacts)> = files
        .par_iter()
        .enumerate()
        .filter(|(_, f)| engine::facts::wants(collectors, &f.text))
        .map(|(i, f)| {
            let mut facts = ProjectFacts::default();
            let tree = lang::parse(f.grammar, &f.text);
            if let Some(tree) = &tree {
                let _ = catch_unwind(AssertUnwindSafe(|| engine::facts::collect(collectors, f, tree, &mut facts)));
            }
            (i, tree, facts)
        })
        .collect();
    let mut facts = ProjectFacts::default();
    let mut kept_trees: HashMap<usize, tree_sitter::Tree> = HashMap::new();
    for (i, tree, f) in phase1 {
        facts.merge(f);
        if let Some(t) = tree {
            kept_trees.insert(i, t);
        }
    }
    let kept_trees = std::sync::Mutex::new(kept_trees);

    // ---- phase 2: check ----
    let done = AtomicUsize::new(0);
    let total = files.len();
    let is_enabled = |m: &RuleMeta| selection.enabled(m);
    let results: Vec<(Vec<Diagnostic>, Vec<Notice>)> = files
        .par_iter()
        .enumerate()
        .map(|(i, file)| {
            let tree = kept_trees.lock().expect("tree map").remove(&i);
            let out = check_one(file, tree, &ruleset, &facts, catalog, &is_enabled);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(progress) = &options.progress {
                progress(n, total);
            }
            out
        })
        .collect();

    let mut diagnostics = Vec::new();
    for (d, n) in results {
        diagnostics.extend(d);
        notices.extend(n);
    }
    for d in &mut diagnostics {
        d.severity = selection.severity(d.rule);
    }
    diagnostics.sort_by(diagnostic::compare);
    diagnostics
        .dedup_by(|a, b| a.rule.code == b.rule.code && a.span == b.span && a.path == b.path && a.message == b.message);
    notices.sort();
    let rules = registry::all().filter(|r| selection.enabled(r)).collect();
    let mut sources = Sources::default();
    for file in &files {
        if diagnostics.binary_search_by(|d| d.path.as_str().cmp(file.path.as_str())).is_ok() {
            sources.insert(file.path.clone(), Arc::clone(&file.text));
        }
    }
    Ok(Report {
        diagnostics,
        notices,
        files_checked: files.len(),
        lines_checked: files.iter().map(|f| f.lines.line_count()).sum(),
        rules,
        sources,
    })
}

/// Parses (unless phase 1 already did) and checks one file, isolating panics.
fn check_one(
    file: &SourceFile,
    tree: Option<tree_sitter::Tree>,
    ruleset: &RuleSet,
    facts: &ProjectFacts,
    catalog: &Catalog,
    enabled: &dyn Fn(&RuleMeta) -> bool,
) -> (Vec<Diagnostic>, Vec<Notice>) {
    let mut notices = Vec::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if file.grammar == Grammar::Rust {
            return engine::rust::check_file(file, ruleset, facts, catalog).map_err(|e| (e.offset, e.message)).into();
        }
        let tree = tree.or_else(|| lang::parse(file.grammar, &file.text))?;
        Some(Ok(engine::check_tree(file, &tree, ruleset, facts, catalog)))
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
                    message: "Syntax error; the rest of the file was checked where the tree is sound".to_string(),
                });
            }
            let diagnostics = engine::suppress::apply(result.diagnostics, &result.suppressions, file, enabled);
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
                message: format!("Internal error while checking this file (a bug in prodlint): {what}"),
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
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(notice(NoticeKind::Binary, "Binary content (NUL bytes); skipped".to_string()));
    }
    let text: Arc<str> = match String::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => return Err(notice(NoticeKind::Binary, "Not valid UTF-8; skipped".to_string())),
    };
    if c.grammar != Grammar::Python && looks_minified(&c.path, &text) {
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
