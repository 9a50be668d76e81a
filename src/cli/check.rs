//! `pagerproof check`: run the pipeline and render the report.

use std::collections::HashMap;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::{ExitStatus, say, write_atomic, write_stdout};
use crate::analysis::roles::Role;
use crate::baseline::{self, Baseline};
use crate::config;
use crate::diagnostic::{Diagnostic, NoticeKind};
use crate::diff::Changes;
use crate::report::{self, Format, RenderOptions, clean};
use crate::rule::Severity;
use crate::select::{Layer, Selection};
use crate::{Options, check};

/// The lowest severity that makes `check` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    /// The lowest failing severity; `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Arguments of `pagerproof check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these rules: codes, names, categories or ALL (comma-separated).
    /// Replaces the config's select, extend_select and ignore.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Also run these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Skip these rules: codes, names or categories (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Also run preview rules.
    #[arg(long)]
    pub preview: bool,
    /// Exit with 1 when a finding is at or above this severity [default: the
    /// config's fail_on, else warning].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Use this config file (pagerproof.toml, or a pyproject.toml with
    /// [tool.pagerproof]) instead of the nearest one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore config files.
    #[arg(long)]
    pub no_config: bool,
    /// Report only findings not recorded in this baseline file (per file;
    /// identical findings beyond the recorded count are new).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (sorted JSON) and exit with 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings that touch lines added or changed since the
    /// merge base of REF and HEAD (asks git; never runs repository hooks or
    /// filters). With --baseline, it picks which identical findings are new.
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
    /// Which migrations are reported: `pending` (those added or changed since
    /// --diff-base, else each history's newest and any after its
    /// `applied_through` marker) or `all` [default: the config's
    /// migrations.scope, else pending].
    #[arg(long, value_enum, value_name = "SCOPE")]
    pub migration_scope: Option<crate::analysis::migration_scope::Mode>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Never show a progress indicator.
    #[arg(long)]
    pub no_progress: bool,
    /// Print findings only: no notices, no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also check test code (test directories, `test_*.py`, `*.test.ts`, ...)
    /// found while walking; it is skipped by default because it never runs in
    /// production. Test files named explicitly are always checked.
    #[arg(long)]
    pub include_tests: bool,
    /// Also check vendored third-party code (`vendor/`, `third_party/`,
    /// `lib/requests/`, packages pip installed into the tree, ...) found
    /// while walking. Named files are always checked.
    #[arg(long)]
    pub include_vendored: bool,
    /// Also check scripts, developer tools and build scripts (`scripts/`,
    /// `xtask/`, `build.rs`, `__main__` scripts, Storybook stories, ...)
    /// found while walking. Named files are always checked.
    #[arg(long)]
    pub include_tooling: bool,
    /// Also check generated code (`@generated`, `DO NOT EDIT`, `*_pb2.py`,
    /// ...) found while walking. Named files are always checked.
    #[arg(long)]
    pub include_generated: bool,
    /// Exit with 2 when any file was skipped, only partly parsed or hit an
    /// internal error (by default these are notices and only findings count).
    #[arg(long)]
    pub notices_as_errors: bool,
    /// Check nothing: list every file found with its role, whether it would
    /// be checked, and the evidence (`path: role, checked: reason`).
    #[arg(long)]
    pub show_roles: bool,
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Keep the result cache in DIR (default: `pagerproof/<project hash>` in
    /// the user cache directory, `$XDG_CACHE_HOME` or `~/.cache`; never
    /// inside the scanned tree unless named here).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Print the config file in effect and the resolved settings to stderr
    /// before the scan.
    #[arg(long)]
    pub show_settings: bool,
    /// Check only shard I of N (e.g. `2/4`): files are split by a hash of
    /// their path, so a CI matrix can scan a large repository in parallel;
    /// join the shards' SARIF with `pagerproof merge-sarif`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<crate::Shard>,
    /// Collect project facts (a default timeout set in one file, a session
    /// built in another, the migration history) from every file under DIR,
    /// and report findings only for the files named as PATHS. How the
    /// pre-commit hook checks the staged files as CI checks the repository.
    #[arg(long, value_name = "DIR")]
    pub project_root: Option<PathBuf>,
    /// Parse and walk every file but run no rule (the floor for benchmarks).
    #[arg(long, hide = true)]
    pub parse_only: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Runs `pagerproof check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut options = Options::new(args.paths.clone(), cwd.clone());
    if let Some(root) = &args.project_root {
        let files = files_under_root(root, &args.paths, &cwd)?;
        options.paths = vec![root.clone()];
        options.report_only = Some(Arc::new(files));
    }
    let found = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        if !path.is_file() {
            anyhow::bail!("config file {} does not exist", path.display());
        }
        let pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        Some(config::Found { path: path.clone(), pyproject })
    } else {
        // With --project-root the run is the root's, as in CI: so is its config.
        let start = args.project_root.as_ref().or(args.paths.first()).map_or_else(|| cwd.clone(), |p| cwd.join(p));
        let search = config::search(&start);
        if let Some(above) = &search.above_root
            && !args.quiet
        {
            say(&format!(
                "notice: ignoring {}: it is above the repository root; pass --config to use it",
                clean(&crate::walk::display_path(&above.path, &cwd))
            ));
        }
        search.found
    };
    let config_shown = found.as_ref().map(|f| crate::walk::display_path(&f.path, &cwd));
    let config = match found.map(|f| config::load(&f, &cwd)).transpose() {
        Ok(c) => c,
        Err(e) => {
            say(&e.render());
            return Ok(ExitStatus::Error);
        }
    };
    options.selection = selection(&args, config.as_ref());
    let fail_on = args.fail_on.or(config.as_ref().and_then(|c| c.fail_on)).unwrap_or(FailOn::Warning);
    options.jobs = args.jobs.map(usize::from);
    options.parse_only = args.parse_only;
    options.include_tests = args.include_tests || config.as_ref().is_some_and(|c| c.include_tests);
    options.include_vendored = args.include_vendored || config.as_ref().is_some_and(|c| c.include_vendored);
    options.include_tooling = args.include_tooling || config.as_ref().is_some_and(|c| c.include_tooling);
    options.include_generated = args.include_generated || config.as_ref().is_some_and(|c| c.include_generated);
    options.shard = args.shard;
    if !args.no_cache {
        // The default lives outside the scanned tree, where no pull request
        // can plant one; a directory the user names is used as named.
        options.cache_dir = match &args.cache_dir {
            Some(dir) => Some(cwd.join(dir)),
            None => crate::cache::default_dir(&cwd),
        };
    }
    if let Some(c) = &config {
        options.migration_scope = c.migrations.clone();
    }
    if let Some(mode) = args.migration_scope {
        options.migration_scope.mode = mode;
    }
    if let Some(c) = config {
        options.require_suppression_reason = c.require_suppression_reason;
        options.roles = c.roles.map(Arc::new);
        options.path_rules = Some(Arc::new(c.paths));
        options.catalog = c.catalog.map(Arc::new);
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read baseline {}", path.display()))?;
            Some(Baseline::parse(&text).map_err(|e| anyhow::anyhow!("invalid baseline {}: {e}", path.display()))?)
        }
        None => None,
    };
    // Fail before the scan on a bad ref or outside a repository.
    let diff_base = args.diff_base.as_deref().map(|r| crate::diff::Base::new(&cwd, r)).transpose()?.map(Arc::new);
    options.diff_base = diff_base.clone();
    if args.show_roles {
        return show_roles(&options);
    }
    let show_progress = !args.no_progress && !args.quiet && std::io::stderr().is_terminal();
    if show_progress {
        options.progress = Some(progress_printer());
    }
    if args.show_settings {
        show_settings(config_shown.as_deref(), &options, fail_on);
    }
    let mut report = check(&options)?;
    report.config = config_shown;
    if show_progress {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    if !args.quiet
        && let Some(note) = skipped_note(&report.skipped_by_role)
    {
        eprintln!("{note}");
    }

    if let Some(path) = &args.write_baseline {
        let dir = baseline_dir(&cwd, path);
        let b = Baseline::from_diagnostics(&report.diagnostics, &report.sources, &|p| rebase(&cwd, &dir, p));
        write_atomic(path, b.to_json().as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
        if !args.quiet {
            say(&format!(
                "Wrote a baseline of {} findings to {}",
                report.diagnostics.len(),
                clean(&path.display().to_string())
            ));
        }
        return Ok(ExitStatus::Clean);
    }
    let changes = match &diff_base {
        Some(base) => Some(base.changes(&report.diagnostics, &report.sources, &cwd)?),
        None => None,
    };
    if let (Some(b), Some(path)) = (&baseline, &args.baseline) {
        let dir = baseline_dir(&cwd, path);
        let path_of = |p: &str| rebase(&cwd, &dir, p);
        let renames: HashMap<String, String> =
            changes.iter().flat_map(Changes::renames).map(|(new, old)| (path_of(new), path_of(old))).collect();
        let touches = |d: &Diagnostic| changes.as_ref().is_some_and(|c| c.touches(d));
        let cx = baseline::Context {
            dir: &dir,
            path_of: &path_of,
            sources: &report.sources,
            renames: &renames,
            changed: changes.is_some().then_some(&touches as &dyn Fn(&Diagnostic) -> bool),
        };
        // With a baseline, the diff only chooses which of identical findings
        // are new: a surplus over the baseline is reported even on unchanged
        // lines, so that no new finding can hide behind an old one.
        let filtered = b.filter(std::mem::take(&mut report.diagnostics), &cx);
        report.diagnostics = filtered.new;
        if !args.quiet {
            if filtered.baselined > 0 {
                say(&format!("{} findings are in the baseline and not shown", filtered.baselined));
            }
            for (old, new) in &filtered.renamed {
                eprintln!("baseline: {} matched as renamed from {}", clean(new), clean(old));
            }
            if !filtered.fixed.is_empty() {
                let n: usize = filtered.fixed.iter().map(|(_, e)| e.count).sum();
                say(&format!(
                    "{n} baselined findings no longer occur (pruneable: rewrite the baseline with --write-baseline):"
                ));
                // The baseline comes from the checkout: each field is repository text.
                for (path, e) in &filtered.fixed {
                    say(&format!("  {}: {} [{}] {}", clean(path), clean(&e.rule), clean(&e.name), clean(&e.text)));
                }
            }
        }
    } else if let Some(changes) = &changes {
        report.diagnostics.retain(|d| changes.touches(d));
    }

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let mut buf = Vec::new();
    report::render(&report, args.format, RenderOptions { color, quiet: args.quiet }, &mut buf)
        .context("cannot render the report")?;
    match &args.output {
        Some(path) => {
            write_atomic(path, &buf).with_context(|| format!("cannot write {}", path.display()))?;
            if !args.quiet && matches!(args.format, Format::Json | Format::Sarif) {
                say(&report::summary(&report));
            }
        }
        None => write_stdout(&buf).context("cannot write to stdout")?,
    }

    // A path that does not exist is a usage error; trouble with a file found
    // by the walk is a notice, an error only when asked for.
    let fatal = |kind: NoticeKind| kind == NoticeKind::MissingPath || args.notices_as_errors;
    if report.notices.iter().any(|n| fatal(n.kind)) {
        for n in report.notices.iter().filter(|n| fatal(n.kind)) {
            say(&format!("error: {}: {}", clean(&n.path), clean(&n.message)));
        }
        return Ok(ExitStatus::Error);
    }
    let failing = fail_on.threshold().is_some_and(|t| report.diagnostics.iter().any(|d| d.severity >= t));
    Ok(if failing { ExitStatus::Findings } else { ExitStatus::Clean })
}

/// `--project-root`: the named files, each an existing file under `root`.
/// A file outside the walk, or a directory, would silently report nothing.
fn files_under_root(root: &std::path::Path, paths: &[PathBuf], cwd: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    if !root.is_dir() {
        anyhow::bail!("--project-root {}: not a directory", root.display());
    }
    let abs_root = crate::walk::normalize(&cwd.join(root));
    for p in paths {
        if p.is_dir() {
            anyhow::bail!(
                "--project-root reports on the files named, and {} is a directory: name its files, or check it without --project-root",
                p.display()
            );
        }
        if !p.exists() {
            anyhow::bail!("{}: does not exist", p.display());
        }
        if !crate::walk::normalize(&cwd.join(p)).starts_with(&abs_root) {
            anyhow::bail!("{} is not under the project root {}", p.display(), root.display());
        }
    }
    Ok(paths.to_vec())
}

/// `--show-roles`: one line per file found, sorted by path.
fn show_roles(options: &Options) -> anyhow::Result<ExitStatus> {
    let (entries, notices) = crate::file_roles(options)?;
    let mut out = String::new();
    for e in &entries {
        let checked = if e.checked { "checked" } else { "not checked" };
        out.push_str(&format!(
            "{}: {}, {checked}: {}\n",
            crate::report::clean(&e.path),
            e.role.role,
            crate::report::clean(&e.role.reason)
        ));
    }
    write_stdout(out.as_bytes()).context("cannot write to stdout")?;
    for n in notices.iter().filter(|n| n.kind == NoticeKind::MissingPath) {
        eprintln!("error: {}: {}", crate::report::clean(&n.path), crate::report::clean(&n.message));
    }
    let missing = notices.iter().any(|n| n.kind == NoticeKind::MissingPath);
    Ok(if missing { ExitStatus::Error } else { ExitStatus::Clean })
}

/// Says which files found by walking were not checked because of their role
/// (vendored, tooling, build, generated), and how to check them; test code
/// has always been skipped and is not mentioned.
fn skipped_note(skipped: &std::collections::BTreeMap<Role, usize>) -> Option<String> {
    let shown: Vec<(Role, usize)> = skipped.iter().filter(|(r, _)| **r != Role::Test).map(|(r, n)| (*r, *n)).collect();
    if shown.is_empty() {
        return None;
    }
    let counts: Vec<String> = shown.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let mut flags: Vec<&str> = shown
        .iter()
        .map(|(r, _)| match r {
            Role::Vendored => "--include-vendored",
            Role::Generated => "--include-generated",
            _ => "--include-tooling",
        })
        .collect();
    flags.dedup();
    Some(format!(
        "note: not production code, not checked: {} file(s) ({}); {} check them",
        shown.iter().map(|(_, n)| n).sum::<usize>(),
        counts.join(", "),
        flags.join(", ")
    ))
}

/// `--show-settings`: where the settings came from and what they resolved to.
fn show_settings(config: Option<&str>, options: &Options, fail_on: FailOn) {
    say(&format!("config: {}", config.map_or_else(|| "none (built-in defaults)".into(), |c| clean(c).into_owned())));
    say(&format!("fail_on: {fail_on:?}").to_lowercase());
    say(&format!("preview: {}", options.selection.preview));
    say(&format!("include_tests: {}", options.include_tests));
    say(&format!("require_suppression_reason: {}", options.require_suppression_reason));
    let cache = options.cache_dir.as_ref().map_or_else(|| "off".into(), |d| d.display().to_string());
    say(&format!("cache: {}", clean(&cache)));
    let rules: Vec<String> = crate::registry::all()
        .filter(|m| options.selection.enabled(m))
        .map(|m| format!("{} {} ({})", m.code, m.name, options.selection.severity(m)))
        .collect();
    say(&format!("rules: {}", rules.join(", ")));
}

/// Parses `I/N` with `1 <= I <= N`.
fn parse_shard(s: &str) -> Result<crate::Shard, String> {
    let (i, n) = s.split_once('/').ok_or_else(|| format!("expected I/N (e.g. 1/4), got `{s}`"))?;
    let index: u32 = i.trim().parse().map_err(|_| format!("`{i}` is not a shard number"))?;
    let count: u32 = n.trim().parse().map_err(|_| format!("`{n}` is not a shard count"))?;
    if count == 0 || index == 0 || index > count {
        return Err(format!(
            "shard {index}/{count} does not exist: use 1/{count} to {count}/{count}",
            count = count.max(1)
        ));
    }
    Ok(crate::Shard { index, count })
}

/// The absolute directory of a baseline file.
fn baseline_dir(cwd: &std::path::Path, file: &std::path::Path) -> PathBuf {
    let abs = cwd.join(file);
    abs.parent().map(std::path::Path::to_path_buf).unwrap_or_else(|| cwd.to_path_buf())
}

/// A display path (relative to `cwd`) relative to the baseline's directory.
fn rebase(cwd: &std::path::Path, dir: &std::path::Path, display: &str) -> String {
    crate::walk::display_path(&cwd.join(display), dir)
}

/// The run's selection from the command line and the config (see
/// `docs/config.md`, "Precedence").
fn selection(args: &CheckArgs, config: Option<&config::Config>) -> Selection {
    let mut s = Selection {
        preview: args.preview || config.is_some_and(|c| c.preview),
        severities: config.map(|c| c.severities.clone()).unwrap_or_default(),
        ..Selection::default()
    };
    if !args.select.is_empty() {
        s.select = args.select.clone();
    } else if let Some(c) = config {
        s.select = c.select.clone().unwrap_or_default();
        s.layers.push(Layer { select: c.extend_select.clone(), ignore: c.ignore.clone() });
    }
    s.layers.push(Layer { select: args.extend_select.clone(), ignore: args.ignore.clone() });
    s
}

/// A `checked N/M files` line on stderr, redrawn at most ten times a second.
fn progress_printer() -> Arc<dyn Fn(usize, usize) + Send + Sync> {
    let start = Instant::now();
    let last = std::sync::Mutex::new(Duration::ZERO);
    Arc::new(move |done, total| {
        let elapsed = start.elapsed();
        if elapsed < Duration::from_millis(300) {
            return;
        }
        let Ok(mut last) = last.try_lock() else { return };
        if elapsed - *last >= Duration::from_millis(100) || done == total {
            *last = elapsed;
            let _ = write!(std::io::stderr(), "\r\x1b[2Kchecked {done}/{total} files");
        }
    })
}
