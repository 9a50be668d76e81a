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
use crate::fix::FixPolicy;
use crate::report::{self, Format, RenderOptions, clean};
use crate::rule::Severity;
use crate::select::{Layer, Selection};
use crate::{Options, check};

/// The lowest severity that makes `check` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize, schemars::JsonSchema)]
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
    /// Files or directories to check; `-` reads one file's text from stdin
    /// (name it with --stdin-filename).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format (`--output-format` is an alias, as in ruff).
    #[arg(long, visible_alias = "output-format", value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of stdout. A bare format
    /// name (`-o json`) is refused: it almost always meant `--format json`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Check the text read from stdin as this file (with `check -`): its
    /// language, config, roles and the project's facts come from this path.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Print how many findings each rule reported instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Check nothing: list the files that would be checked, one per line.
    #[arg(long)]
    pub show_files: bool,
    /// Exit with 0 even when there are findings (errors still exit with 2).
    #[arg(long)]
    pub exit_zero: bool,
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
    /// before the scan (and, after it, what git said about which migrations
    /// production has applied).
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
    /// Apply the safe fixes to the files (atomically, each file only if it
    /// is unchanged since it was checked), then report what remains.
    #[arg(long, conflicts_with_all = ["write_baseline", "show_roles"])]
    pub fix: bool,
    /// Also apply unsafe fixes (with --fix or --diff); they change behaviour
    /// (a timeout that can now fire, a bound that can now block), so read
    /// them.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff and write nothing; exit with 1 when
    /// there is something to fix.
    #[arg(long, conflicts_with_all = ["write_baseline", "show_roles", "fix"])]
    pub diff: bool,
}

/// How many times `--fix` re-checks and applies again: fixes skipped because
/// they overlapped an earlier one get their turn in the next pass.
const MAX_FIX_PASSES: usize = 4;

/// Runs `pagerproof check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if let Some(path) = &args.output {
        refuse_format_as_file(path, args.format)?;
    }
    let stdin = stdin_file(&args)?;
    // --project-root: facts from the root, findings for the named files.
    let asked = match &args.project_root {
        Some(root) => Some(files_under_root(root, &args.paths, &cwd)?),
        None => None,
    };
    let paths = match (&stdin, &args.project_root) {
        (Some(_), _) => vec![PathBuf::from(".")],
        (None, Some(root)) => vec![root.clone()],
        (None, None) => args.paths.clone(),
    };
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
        let first = stdin.as_ref().map(|(name, _)| name).or(args.project_root.as_ref()).or(args.paths.first());
        let start = first.map_or_else(|| cwd.clone(), |p| cwd.join(p));
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
    let selection = selection(&args, config.as_ref());
    let fail_on = args.fail_on.or(config.as_ref().and_then(|c| c.fail_on)).unwrap_or(FailOn::Warning);
    let mut options = options_from_config(paths, cwd.clone(), config);
    if let Some(files) = asked {
        options.report_only = Some(Arc::new(files));
    }
    if let Some((name, text)) = &stdin {
        // The whole project is walked for its facts; only the stdin text is
        // reported, under the name it was given.
        let mut overlay = crate::Overlay::default();
        overlay.insert(name, &cwd, text.as_str());
        options.overlay = Some(Arc::new(overlay));
        options.report_only = Some(Arc::new(vec![name.clone()]));
    }
    options.selection = selection;
    options.jobs = args.jobs.map(usize::from);
    options.parse_only = args.parse_only;
    options.include_tests |= args.include_tests;
    options.include_vendored |= args.include_vendored;
    options.include_tooling |= args.include_tooling;
    options.include_generated |= args.include_generated;
    options.shard = args.shard;
    // The default lives outside the scanned tree, where no pull request
    // can plant one; a directory the user names is used as named.
    if args.no_cache {
        options.cache_dir = None;
    } else if let Some(dir) = &args.cache_dir {
        options.cache_dir = Some(cwd.join(dir));
    }
    if let Some(mode) = args.migration_scope {
        options.migration_scope.mode = mode;
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
    if args.show_files {
        return show_files(&options);
    }
    // A progress line redraws itself with escape codes: only on a terminal
    // that can take them, and never when colour (and escapes) are unwanted.
    let show_progress = !args.no_progress
        && !args.quiet
        && std::io::stderr().is_terminal()
        && !super::no_color()
        && !super::dumb_term();
    let progress = show_progress.then(progress_bar);
    if let Some(bar) = &progress {
        options.progress = Some(progress_printer(bar.clone()));
    }
    if args.show_settings {
        show_settings(config_shown.as_deref(), &options, fail_on);
    }
    let policy = FixPolicy { unsafe_fixes: args.unsafe_fixes };
    let scan = |options: &Options| -> anyhow::Result<(crate::Report, Vec<String>)> {
        scan(&args, options, &cwd, config_shown.clone(), baseline.as_ref(), diff_base.as_deref(), progress.as_ref())
    };
    let (mut report, mut notes) = scan(&options)?;
    if args.show_settings
        && let Some(note) = &report.migration_scope
    {
        say(&format!("migration scope: {}", clean(note)));
    }
    let mut refused_any = false;
    if args.diff {
        return print_diff(&report, policy, args.quiet);
    }
    if args.fix {
        // Files refused once (read-only, changed on disk) are not tried again.
        let mut refused: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let (mut fixed, mut files) = (0usize, std::collections::BTreeSet::new());
        for _ in 0..MAX_FIX_PASSES {
            let pass = apply_fixes(&report, policy, &mut refused);
            fixed += pass.applied;
            files.extend(pass.files);
            if pass.applied == 0 {
                break;
            }
            (report, notes) = scan(&options)?;
            if pass.overlapping == 0 {
                break;
            }
        }
        if !args.quiet && fixed > 0 {
            let plural = |n: usize, w: &str| if n == 1 { format!("{n} {w}") } else { format!("{n} {w}s") };
            say(&format!("Fixed {} in {}", plural(fixed, "finding"), plural(files.len(), "file")));
        }
        refused_any = !refused.is_empty();
    }
    for note in &notes {
        say(note);
    }
    if args.write_baseline.is_some() {
        return Ok(ExitStatus::Clean);
    }

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => args.output.is_none() && super::color_wanted(&std::io::stdout()),
    };
    // Only where the run found nothing: that "No findings" is what would
    // mislead; on every other run the note is noise.
    if !args.quiet
        && report.diagnostics.is_empty()
        && let Some(note) = preview_note(&options.selection, &report)
    {
        say(&note);
    }
    let mut buf = Vec::new();
    if args.statistics {
        statistics(&report, args.format, &mut buf)?;
    } else {
        report::render(&report, args.format, RenderOptions { color, quiet: args.quiet, fixes: policy }, &mut buf)
            .context("cannot render the report")?;
    }
    match &args.output {
        Some(path) => {
            write_atomic(path, &buf).with_context(|| format!("cannot write {}", path.display()))?;
            if !args.quiet && args.format.is_machine() {
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
    // A file whose fixes could not be written was asked to change and did not.
    if refused_any {
        return Ok(ExitStatus::Error);
    }
    let failing =
        !args.exit_zero && fail_on.threshold().is_some_and(|t| report.diagnostics.iter().any(|d| d.severity >= t));
    Ok(if failing { ExitStatus::Findings } else { ExitStatus::Clean })
}

/// One scan: check, then the baseline and `--diff-base` filters. Returns the
/// report and the notes about the baseline to print (only the last scan's
/// are printed when `--fix` scans again). With `--write-baseline`, writes it.
fn scan(
    args: &CheckArgs,
    options: &Options,
    cwd: &std::path::Path,
    config_shown: Option<String>,
    baseline: Option<&Baseline>,
    diff_base: Option<&crate::diff::Base>,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<(crate::Report, Vec<String>)> {
    let mut notes = Vec::new();
    let mut report = check(options)?;
    report.config = config_shown;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !args.quiet
        && let Some(note) = skipped_note(&report.skipped_by_role)
    {
        notes.push(note);
    }

    if let Some(path) = &args.write_baseline {
        let dir = baseline_dir(cwd, path);
        let b = Baseline::from_diagnostics(&report.diagnostics, &report.sources, &|p| rebase(cwd, &dir, p));
        write_atomic(path, b.to_json().as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
        if !args.quiet {
            notes.push(format!(
                "Wrote a baseline of {} findings to {}",
                report.diagnostics.len(),
                clean(&path.display().to_string())
            ));
        }
        return Ok((report, notes));
    }
    let changes = match diff_base {
        Some(base) => Some(base.changes(&report.diagnostics, &report.sources, cwd)?),
        None => None,
    };
    if let (Some(b), Some(path)) = (baseline, &args.baseline) {
        let dir = baseline_dir(cwd, path);
        let path_of = |p: &str| rebase(cwd, &dir, p);
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
                notes.push(format!("{} findings are in the baseline and not shown", filtered.baselined));
            }
            for (old, new) in &filtered.renamed {
                notes.push(format!("baseline: {} matched as renamed from {}", clean(new), clean(old)));
            }
            if !filtered.fixed.is_empty() {
                let n: usize = filtered.fixed.iter().map(|(_, e)| e.count).sum();
                notes.push(format!(
                    "{n} baselined findings no longer occur (pruneable: rewrite the baseline with --write-baseline):"
                ));
                // The baseline comes from the checkout: each field is repository text.
                for (path, e) in &filtered.fixed {
                    notes.push(format!(
                        "  {}: {} [{}] {}",
                        clean(path),
                        clean(&e.rule),
                        clean(&e.name),
                        clean(&e.text)
                    ));
                }
            }
        }
    } else if let Some(changes) = &changes {
        report.diagnostics.retain(|d| changes.touches(d));
    }

    Ok((report, notes))
}

/// What one `--fix` pass did.
struct FixPass {
    applied: usize,
    overlapping: usize,
    /// Files written.
    files: Vec<String>,
}

/// Applies the fixes of `report` that `policy` allows, file by file. Files
/// that cannot be written are reported on stderr and added to `refused`.
fn apply_fixes(report: &crate::Report, policy: FixPolicy, refused: &mut std::collections::BTreeSet<String>) -> FixPass {
    let mut pass = FixPass { applied: 0, overlapping: 0, files: Vec::new() };
    for (path, fixes) in fixes_by_file(report, policy) {
        if refused.contains(path) {
            continue;
        }
        let (Some(text), Some(fs_path)) = (report.sources.get(path), report.sources.fs_path(path)) else {
            continue;
        };
        match crate::fix::write_fixes(fs_path, text, &fixes) {
            Ok(applied) => {
                pass.applied += applied.applied;
                pass.overlapping += applied.overlapping;
                if applied.applied > 0 {
                    pass.files.push(path.to_string());
                }
            }
            Err(why) => {
                // Said even with --quiet: a file the user asked to fix was not.
                say(&format!("error: {}: {why}", clean(path)));
                refused.insert(path.to_string());
            }
        }
    }
    pass
}

/// The applicable fixes of `report`, grouped by file, in report order.
fn fixes_by_file(report: &crate::Report, policy: FixPolicy) -> Vec<(&str, Vec<&crate::diagnostic::Fix>)> {
    let mut out: Vec<(&str, Vec<&crate::diagnostic::Fix>)> = Vec::new();
    for d in &report.diagnostics {
        let Some(fix) = policy.applicable(d) else { continue };
        match out.last_mut() {
            Some((p, fixes)) if *p == d.path => fixes.push(fix),
            _ => out.push((&d.path, vec![fix])),
        }
    }
    out
}

/// `--diff`: the fixes as one unified diff on stdout, no file written; exit
/// 1 when there is something to fix (as ruff does), 0 otherwise.
fn print_diff(report: &crate::Report, policy: FixPolicy, quiet: bool) -> anyhow::Result<ExitStatus> {
    let mut out = String::new();
    let mut count = 0;
    for (path, fixes) in fixes_by_file(report, policy) {
        let Some(text) = report.sources.get(path) else { continue };
        let crlf = crate::fix::with_line_endings(&fixes, text);
        let fixes: Vec<&crate::diagnostic::Fix> = match &crlf {
            Some(owned) => owned.iter().collect(),
            None => fixes,
        };
        let applied = crate::fix::apply(text, &fixes);
        count += applied.applied;
        // Paths and file text are repository content: escape what a terminal
        // would act on, as every other output does.
        out.push_str(&crate::report::clean_block(&crate::fix::unified_diff(path, text, &applied.text)));
    }
    write_stdout(out.as_bytes()).context("cannot write to stdout")?;
    if !quiet {
        let hidden = report.diagnostics.iter().filter(|d| policy.hidden(d)).count();
        let mut line = match count {
            0 => "No fixes to apply".to_string(),
            1 => "Would fix 1 finding".to_string(),
            n => format!("Would fix {n} findings"),
        };
        if hidden > 0 {
            line.push_str(&format!(" ({hidden} more with --unsafe-fixes)"));
        }
        say(&line);
    }
    Ok(if count > 0 { ExitStatus::Findings } else { ExitStatus::Clean })
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
    let mut flags: Vec<&str> = Vec::new();
    for (r, _) in &shown {
        let flag = match r {
            Role::Vendored => "--include-vendored",
            Role::Generated => "--include-generated",
            _ => "--include-tooling",
        };
        // Tooling, build and uncompiled files share one flag, and need not
        // sit next to each other in the role order.
        if !flags.contains(&flag) {
            flags.push(flag);
        }
    }
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
    let fix = options.catalog.as_deref().map(|c| c.fix.clone()).unwrap_or_default();
    say(&format!(
        "fix: default_timeout_seconds = {}, default_queue_maxsize = {}",
        fix.default_timeout_seconds, fix.default_queue_maxsize
    ));
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
    let mut s = config_selection(config, (!args.select.is_empty()).then_some(&args.select));
    s.preview |= args.preview;
    s.layers.push(Layer { select: args.extend_select.clone(), ignore: args.ignore.clone() });
    s
}

/// The selection a config gives, with `select` (the command line's) in place
/// of the config's select, extend_select and ignore when given.
fn config_selection(config: Option<&config::Config>, select: Option<&Vec<String>>) -> Selection {
    let mut s = Selection {
        preview: config.is_some_and(|c| c.preview),
        severities: config.map(|c| c.severities.clone()).unwrap_or_default(),
        ..Selection::default()
    };
    if let Some(select) = select {
        s.select = select.clone();
    } else if let Some(c) = config {
        s.select = c.select.clone().unwrap_or_default();
        s.layers.push(Layer { select: c.extend_select.clone(), ignore: c.ignore.clone() });
    }
    s
}

/// The options a loaded config gives, before any command-line flag: what
/// `check` and `server` share. Rules, roles, path rules, catalog and
/// migration scope come from the config; the result cache is on, in its
/// default place for `cwd`.
pub fn options_from_config(paths: Vec<PathBuf>, cwd: PathBuf, config: Option<config::Config>) -> Options {
    let mut options = Options::new(paths, cwd);
    options.selection = config_selection(config.as_ref(), None);
    options.cache_dir = crate::cache::default_dir(&options.cwd);
    if let Some(c) = config {
        options.include_tests = c.include_tests;
        options.include_vendored = c.include_vendored;
        options.include_tooling = c.include_tooling;
        options.include_generated = c.include_generated;
        options.migration_scope = c.migrations.clone();
        options.require_suppression_reason = c.require_suppression_reason;
        options.roles = c.roles.map(Arc::new);
        options.path_rules = Some(Arc::new(c.paths));
        options.catalog = c.catalog.map(Arc::new);
        // `[fix]` values ride in the catalog (see `Catalog::fix`).
        if c.fix != crate::fix::FixSettings::default() {
            let mut catalog =
                options.catalog.as_deref().cloned().unwrap_or_else(|| crate::catalog::Catalog::builtin().clone());
            catalog.fix = c.fix;
            options.catalog = Some(Arc::new(catalog));
        }
    }
    options
}

/// The `checked N/M files` line on stderr (indicatif draws it and clears it).
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(indicatif::ProgressStyle::with_template("checked {pos}/{len} files").expect("a valid template"));
    bar
}

/// Feeds the scan's progress to `bar`, after a short delay so that quick
/// runs draw nothing.
fn progress_printer(bar: indicatif::ProgressBar) -> Arc<dyn Fn(usize, usize) + Send + Sync> {
    let start = Instant::now();
    Arc::new(move |done, total| {
        if start.elapsed() < Duration::from_millis(300) {
            return;
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
}

/// `-o json` (a file literally named after a format) writes a text report
/// to a file called `json`: what a ruff user typing `--output json` never
/// means. Refused with the two ways to say what was meant.
fn refuse_format_as_file(path: &std::path::Path, format: Format) -> anyhow::Result<()> {
    let name = path.to_string_lossy();
    let is_format = <Format as ValueEnum>::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .any(|v| v.matches(&name, true));
    if is_format {
        anyhow::bail!(
            "`--output {n}` would write the {f} report to a file named `{n}`; for {n} output use `--format {n}` \
             (alias `--output-format {n}`), or write `--output ./{n}` if a file of that name is really meant",
            n = clean(&name),
            f = format.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default(),
        );
    }
    Ok(())
}

/// `check -`: the stdin text and the path it is checked as.
fn stdin_file(args: &CheckArgs) -> anyhow::Result<Option<(PathBuf, String)>> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    if !dash {
        if args.stdin_filename.is_some() {
            anyhow::bail!("--stdin-filename names the text read with `check -`; add `-` to read stdin");
        }
        return Ok(None);
    }
    if args.paths.len() > 1 {
        anyhow::bail!("`check -` reads one file from stdin; name no other paths with it");
    }
    let Some(name) = &args.stdin_filename else {
        anyhow::bail!("`check -` needs --stdin-filename PATH: the language and the project's facts come from the path");
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("cannot read stdin as UTF-8 text")?;
    Ok(Some((name.clone(), text)))
}

/// `--show-files`: the files a check would report on, sorted, one per line.
fn show_files(options: &Options) -> anyhow::Result<ExitStatus> {
    let (entries, notices) = crate::file_roles(options)?;
    let mut out = String::new();
    for e in entries.iter().filter(|e| e.checked) {
        out.push_str(&clean(&e.path));
        out.push('\n');
    }
    write_stdout(out.as_bytes()).context("cannot write to stdout")?;
    let missing: Vec<_> = notices.iter().filter(|n| n.kind == NoticeKind::MissingPath).collect();
    for n in &missing {
        say(&format!("error: {}: {}", clean(&n.path), clean(&n.message)));
    }
    Ok(if missing.is_empty() { ExitStatus::Clean } else { ExitStatus::Error })
}

/// `--statistics`: findings per rule, most first (JSON for `--format json`).
fn statistics(report: &crate::Report, format: Format, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut counts: std::collections::BTreeMap<&str, (usize, &crate::rule::RuleMeta)> = Default::default();
    for d in &report.diagnostics {
        counts.entry(d.rule.code).or_insert((0, d.rule)).0 += 1;
    }
    let mut rows: Vec<(usize, &crate::rule::RuleMeta)> = counts.into_values().collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.code.cmp(b.1.code)));
    if format == Format::Json {
        let json: Vec<serde_json::Value> = rows
            .iter()
            .map(|(n, r)| serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity, "count": n}))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &json)?;
        out.push(b'\n');
        return Ok(());
    }
    let width = rows.first().map_or(1, |(n, _)| n.to_string().len());
    for (n, r) in &rows {
        writeln!(out, "{n:>width$}  {}  {}", r.code, r.name)?;
    }
    writeln!(out, "{}", report::summary(report))?;
    Ok(())
}

/// On a run with no findings, says which preview rules would have looked at
/// the checked files but did not run (a migration adding a `NOT NULL`
/// column is "No findings" without `--preview`, and both `error` rules are
/// preview): `None` when there are none.
fn preview_note(selection: &Selection, report: &crate::Report) -> Option<String> {
    if selection.preview {
        return None;
    }
    let mut with_preview = selection.clone();
    with_preview.preview = true;
    let mut skipped: Vec<&crate::rule::RuleMeta> = crate::registry::all()
        // The migration rules look at migrations only, not at every file of
        // their languages.
        .filter(|r| r.category != crate::rule::Category::UnsafeMigration || report.migrations_checked)
        .filter(|r| {
            report
                .languages
                .iter()
                .any(|&l| r.supports(l) && with_preview.enabled_for(r, l) && !selection.enabled_for(r, l))
        })
        .collect();
    if skipped.is_empty() {
        return None;
    }
    // The most severe first: those are the ones a reader must not miss.
    skipped.sort_by_key(|r| (std::cmp::Reverse(r.severity), r.code));
    let named: Vec<String> =
        skipped.iter().take(3).map(|r| format!("{} {} ({})", r.code, r.name, r.severity)).collect();
    let more = if skipped.len() > 3 { format!(" and {} more", skipped.len() - 3) } else { String::new() };
    Some(format!(
        "note: {} preview rule(s) for the checked files did not run: {}{more}; --preview runs them \
         (`pagerproof rules --status preview` lists them)",
        skipped.len(),
        named.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_include_flag_is_named_once() {
        let skipped: std::collections::BTreeMap<Role, usize> =
            [(Role::Tooling, 118), (Role::Build, 11), (Role::Vendored, 1), (Role::Uncompiled, 4), (Role::Test, 9)]
                .into_iter()
                .collect();
        let note = skipped_note(&skipped).unwrap();
        assert_eq!(note.matches("--include-tooling").count(), 1, "{note}");
        assert_eq!(note.matches("--include-vendored").count(), 1, "{note}");
        assert!(note.contains("134 file(s)"), "{note}");
    }
}
