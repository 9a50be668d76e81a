//! Configuration: `pagerproof.toml` at a project's root, or `[tool.pagerproof]`
//! in `pyproject.toml`: the nearest one found walking up from the first
//! checked path to the repository root (`--config FILE` names one
//! explicitly).
//!
//! Every key is checked: an unknown key, a wrong type, a bad glob or an
//! unknown rule name is an error that shows the file, line and span, with a
//! "did you mean" where one fits. Config is data only: it never makes
//! pagerproof read a URL, include another file or run code.
//!
//! Precedence (as in ruff): `--select` on the command line replaces the
//! config's `select`, `extend_select` and `ignore`; `--extend-select` and
//! `--ignore` add to them; `[[overrides]]` blocks, matched by path, apply last
//! and in file order; `--fail-on` and `--preview` on the command line win
//! over the config's values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::analysis::migration_scope::{self, Mode, Settings as MigrationSettings};
use crate::analysis::roles::{Role, RoleOverrides};
use crate::catalog::Catalog;
use crate::cli::check::FailOn;
use crate::rule::Severity;
use crate::select::{self, Layer, Selection};

/// The config file's name.
pub const FILE_NAME: &str = "pagerproof.toml";

/// A loaded, validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    /// `select`: when set, replaces the default set (stable rules).
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub severities: Vec<(String, Severity)>,
    pub preview: bool,
    pub fail_on: Option<FailOn>,
    pub require_suppression_reason: bool,
    pub include_tests: bool,
    /// `include_vendored`: also check vendored code found while walking.
    pub include_vendored: bool,
    /// `include_tooling`: also check tooling and build scripts.
    pub include_tooling: bool,
    /// `include_generated`: also check generated code.
    pub include_generated: bool,
    /// The `[roles]` globs; `None` without a `[roles]` table.
    pub roles: Option<RoleOverrides>,
    /// `exclude` and `[[overrides]]`, matched against paths relative to the
    /// config file's directory.
    pub paths: PathRules,
    /// The built-in catalog extended by `[catalog]`; `None` without one.
    pub catalog: Option<Catalog>,
    /// `[migrations]`: which migrations are reported.
    pub migrations: MigrationSettings,
    /// `[fix]`: values the fixes write into code.
    pub fix: crate::fix::FixSettings,
}

/// Path-dependent settings: excluded files and per-path overrides.
#[derive(Debug, Clone, Default)]
pub struct PathRules {
    /// Globs are relative to this directory (absolute, normalised).
    pub root: PathBuf,
    /// `exclude`, matched as a `.gitignore` at `root` would be.
    pub exclude: Option<Exclude>,
    pub overrides: Vec<Override>,
    /// The globs of every override in one set, so matching a path costs one
    /// set lookup rather than one per override.
    pub override_globs: GlobSet,
    /// The override each glob of `override_globs` belongs to.
    pub override_of: Vec<usize>,
}

/// The `exclude` patterns, with gitignore's rules (ripgrep's matcher, the
/// one the walk already uses for `.gitignore`): a pattern without `/` matches
/// at any depth, one with a `/` is anchored at the config's directory, a
/// directory excludes everything below it, a trailing `/` matches
/// directories only, and `!pattern` takes a path back.
#[derive(Debug, Clone)]
pub struct Exclude {
    matcher: ignore::gitignore::Gitignore,
    /// Some pattern ends with `/`: whether a path is a directory matters
    /// (asked of the file system only then).
    dir_only: bool,
}

/// One `[[overrides]]` block (its globs are in [`PathRules::override_globs`]).
#[derive(Debug, Clone)]
pub struct Override {
    pub layer: Layer,
    pub severities: Vec<(String, Severity)>,
}

impl PathRules {
    /// `fs_path` relative to the root, or `None` when it is outside it.
    fn relative(&self, fs_path: &Path, cwd: &Path) -> Option<PathBuf> {
        let abs = crate::walk::normalize(&cwd.join(fs_path));
        abs.strip_prefix(&self.root).ok().map(Path::to_path_buf)
    }

    /// True when `fs_path` (relative to `cwd` or absolute) is excluded.
    pub fn is_excluded(&self, fs_path: &Path, cwd: &Path) -> bool {
        let Some(exclude) = &self.exclude else { return false };
        let Some(rel) = self.relative(fs_path, cwd) else { return false };
        if rel.as_os_str().is_empty() {
            return false;
        }
        let is_dir = exclude.dir_only && cwd.join(fs_path).is_dir();
        exclude.matcher.matched_path_or_any_parents(&rel, is_dir).is_ignore()
    }

    /// Indexes of the overrides whose globs match `fs_path`, in file order.
    pub fn matching(&self, fs_path: &Path, cwd: &Path) -> Vec<usize> {
        if self.overrides.is_empty() {
            return Vec::new();
        }
        let Some(rel) = self.relative(fs_path, cwd) else { return Vec::new() };
        let mut hits: Vec<usize> = self.override_globs.matches(&rel).into_iter().map(|g| self.override_of[g]).collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// `base` with the overrides at `indexes` applied in order.
    pub fn apply(&self, base: &Selection, indexes: &[usize]) -> Selection {
        let mut s = base.clone();
        for &i in indexes {
            let o = &self.overrides[i];
            s.layers.push(o.layer.clone());
            s.severities.extend(o.severities.iter().cloned());
        }
        s
    }
}

/// A config mistake, rendered by miette with the file, line and span.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl ConfigError {
    fn new(file: &Path, text: &str, span: Option<std::ops::Range<usize>>, message: String) -> ConfigError {
        ConfigError {
            // Messages quote the config's values: one line each, whatever they hold.
            message: crate::report::clean(&message).into_owned(),
            src: NamedSource::new(file.display().to_string(), text.to_string()),
            span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
            label: "here".to_string(),
            help: None,
        }
    }

    fn help(mut self, help: Option<String>) -> ConfigError {
        self.help = help;
        self
    }

    fn label(mut self, label: &str) -> ConfigError {
        self.label = label.to_string();
        self
    }

    /// The error as text with the snippet, without colours, and with every
    /// control character, lone carriage return and bidi control from the
    /// config made visible (see [`crate::report::clean_block`]).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        if handler.render_report(&mut out, self).is_err() {
            out = format!("error: {}", self.message);
        }
        crate::report::clean_block(&out).into_owned()
    }
}

// ---- the file format ----

/// Top-level keys (also `[tool.pagerproof]`).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[schemars(with = "Option<Vec<String>>")]
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, SeverityName>")]
    severity: BTreeMap<Spanned<String>, SeverityName>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    preview: bool,
    fail_on: Option<FailOn>,
    #[serde(default)]
    require_suppression_reason: bool,
    #[serde(default)]
    include_tests: bool,
    #[serde(default)]
    include_vendored: bool,
    #[serde(default)]
    include_tooling: bool,
    #[serde(default)]
    include_generated: bool,
    roles: Option<RawRoles>,
    /// Parsed here only to check keys and types with spans; the values are
    /// merged from the plain table (see [`Catalog::extended`]).
    #[serde(rename = "catalog")]
    _catalog: Option<Catalog>,
    migrations: Option<RawMigrations>,
    database: Option<RawDatabase>,
    fix: Option<RawFix>,
}

/// `[database]`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    /// The engine production runs, instead of the detected one.
    engine: Option<crate::analysis::database::Engine>,
}

/// `[fix]`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawFix {
    /// The timeout, in seconds, that the timeout fixes write (1 to 3600; default 10).
    #[schemars(with = "Option<i64>")]
    default_timeout_seconds: Option<Spanned<i64>>,
    /// The `maxsize` that the queue fixes write (default 1000).
    #[schemars(with = "Option<i64>")]
    default_queue_maxsize: Option<Spanned<i64>>,
}

/// `[migrations]`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawMigrations {
    scope: Option<Mode>,
    git: Option<bool>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    applied_through: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// One `[[overrides]]` block.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    #[schemars(with = "Vec<String>")]
    paths: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, SeverityName>")]
    severity: BTreeMap<Spanned<String>, SeverityName>,
}

/// The `[roles]` table: globs per role. `migration` is not a key: which
/// files are migrations is the migration reader's decision.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRoles {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    production: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    browser: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    test: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    tooling: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    build: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    vendored: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    generated: Vec<Spanned<String>>,
}

impl RawRoles {
    /// The lists in the order they are tried: `production` first, so it
    /// pulls a path back in from a broader glob of another role.
    fn lists(&self) -> [(Role, &[Spanned<String>]); 7] {
        [
            (Role::Production, &self.production),
            (Role::Browser, &self.browser),
            (Role::Test, &self.test),
            (Role::Tooling, &self.tooling),
            (Role::Build, &self.build),
            (Role::Vendored, &self.vendored),
            (Role::Generated, &self.generated),
        ]
    }
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum SeverityName {
    Error,
    Warning,
    Note,
}

impl From<SeverityName> for Severity {
    fn from(s: SeverityName) -> Severity {
        match s {
            SeverityName::Error => Severity::Error,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Note => Severity::Note,
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Pyproject {
    tool: Option<PyTool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct PyTool {
    pagerproof: Option<Raw>,
}

/// Documentation of one config key: the reference in `docs/config.md` and
/// the `pagerproof init` template are generated from these, and a test checks
/// that the parser accepts exactly these keys.
pub struct KeyDoc {
    pub key: &'static str,
    pub ty: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

/// Top-level keys.
pub const KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "select",
        ty: "list of rules",
        default: "every stable rule",
        doc: "Rules to run: codes (`PP201`), names (`request-without-timeout`), categories (`missing-timeout`) or `ALL`. Replaces the default set; naming a preview rule by code or name enables it.",
    },
    KeyDoc {
        key: "extend_select",
        ty: "list of rules",
        default: "`[]`",
        doc: "Rules to run in addition to `select` (or the default set).",
    },
    KeyDoc {
        key: "ignore",
        ty: "list of rules",
        default: "`[]`",
        doc: "Rules not to run: codes, names or categories.",
    },
    KeyDoc {
        key: "severity",
        ty: "table: rule → `error` | `warning` | `note`",
        default: "`{}`",
        doc: "Severity overrides. A code or name wins over a category, which wins over `ALL`.",
    },
    KeyDoc {
        key: "exclude",
        ty: "list of globs",
        default: "`[]`",
        doc: "Files and directories never checked, even when named on the command line (so pre-commit and editors agree with CI). Relative to the config file's directory; matched as a `.gitignore` there would be: a pattern without `/` matches at any depth, one with a `/` is anchored, a directory excludes everything below it, a trailing `/` matches directories only, and `!pattern` takes a path back (unless its directory is excluded).",
    },
    KeyDoc {
        key: "overrides",
        ty: "array of tables",
        default: "`[]`",
        doc: "`[[overrides]]` blocks: `paths` (globs, as in `exclude`), and their own `select` (rules turned on), `ignore` (rules turned off) and `severity`. They apply after the top-level selection, in file order, to files matching `paths`.",
    },
    KeyDoc {
        key: "preview",
        ty: "bool",
        default: "`false`",
        doc: "Also run preview rules selected by category, `ALL` or the default set.",
    },
    KeyDoc {
        key: "fail_on",
        ty: "`error` | `warning` | `note` | `never`",
        default: "`warning`",
        doc: "Lowest severity that makes `pagerproof check` exit with 1. `--fail-on` wins.",
    },
    KeyDoc {
        key: "require_suppression_reason",
        ty: "bool",
        default: "`false`",
        doc: "A suppression comment without `-- reason` is a finding (`invalid-suppression`). It still suppresses.",
    },
    KeyDoc {
        key: "include_tests",
        ty: "bool",
        default: "`false`",
        doc: "Also check test code found while walking directories (as `--include-tests`).",
    },
    KeyDoc {
        key: "migrations",
        ty: "table",
        default: "`{}`",
        doc: "Which migrations the unsafe-migration rules report; see `[migrations]` below.",
    },
    KeyDoc {
        key: "include_vendored",
        ty: "bool",
        default: "`false`",
        doc: "Also check vendored third-party code found while walking (as `--include-vendored`). See [roles](#roles).",
    },
    KeyDoc {
        key: "include_tooling",
        ty: "bool",
        default: "`false`",
        doc: "Also check scripts, developer tools and build scripts found while walking (as `--include-tooling`).",
    },
    KeyDoc {
        key: "include_generated",
        ty: "bool",
        default: "`false`",
        doc: "Also check generated code found while walking (as `--include-generated`).",
    },
    KeyDoc {
        key: "roles",
        ty: "table: role → list of globs",
        default: "`{}`",
        doc: "Decide file roles by path, before any other evidence: keys `production`, `browser`, `test`, `tooling`, `build`, `vendored`, `generated`; globs as in `exclude`. `production` wins over the others. See [roles](#roles).",
    },
    KeyDoc {
        key: "fix",
        ty: "table",
        default: "`{}`",
        doc: "Values that `check --fix` writes into code; see `[fix]` below.",
    },
    KeyDoc {
        key: "database",
        ty: "table",
        default: "`{}`",
        doc: "Which database engine production runs, when the detection is wrong; see `[database]` below.",
    },
    KeyDoc {
        key: "catalog",
        ty: "table",
        default: "`{}`",
        doc: "Extensions of the built-in knowledge: `[catalog.<section>]` with the same keys as `rules/catalog/<section>.toml`. Lists are appended, tables merged, single values (thresholds) replaced. See the sections below.",
    },
];

/// Keys of the `[database]` table.
pub const DATABASE_KEYS: &[KeyDoc] = &[KeyDoc {
    key: "engine",
    ty: "`postgres` | `mysql` | `sqlite`",
    default: "detected",
    doc: "The engine every migration history runs on in production. Without it, each history's engine is detected from the project's settings (Django `ENGINE`, database URLs, `alembic.ini`, Prisma `provider`, knex `client`, TypeORM `type`, Sequelize `dialect`) and, failing those, its drivers and docker-compose images. On `mysql` or `sqlite` the unsafe-migration rules whose hazard and remedy are PostgreSQL's report nothing; each rule's doc says what it does per engine.",
}];

/// Keys of the `[fix]` table.
pub const FIX_KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "default_timeout_seconds",
        ty: "integer, 1 to 3600",
        default: "`10`",
        doc: "The timeout the missing-timeout fixes add: `timeout=10` in Python, `timeout: 10000` (milliseconds) for axios, `timeout: {request: 10000}` for got, `signal: AbortSignal.timeout(10000)` for `fetch`.",
    },
    KeyDoc {
        key: "default_queue_maxsize",
        ty: "integer, 1 to 1000000000",
        default: "`1000`",
        doc: "The bound the unbounded-queue fixes add: `queue.Queue(maxsize=1000)`, `asyncio.Queue(maxsize=1000)`, and the suggested `tokio::sync::mpsc::channel(1000)`.",
    },
];

/// The roles, as keys of `[roles]` (with `migration`, which is no key), in
/// the order their evidence is tried. `default` says when they are checked.
pub const ROLE_KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "vendored",
        ty: "list of globs",
        default: "with `--include-vendored`",
        doc: "Third-party code copied into the tree: a `vendor/`, `vendored/`, `_vendor/`, `third_party/` (or `third-party/`, `3rdparty/`) folder; a well-known package under a `lib/`-like folder (`lib/requests/`, `lib/urllib3/`, `lib/six.py`); a package pip installed into the tree (a `<name>-<version>.dist-info` beside it); a nested Python package (its own `setup.py`, or `pyproject.toml` with `[project]`) that the root package does not mention; a crate the root `Cargo.toml` excludes from its workspace (`fuzz` is tooling).",
    },
    KeyDoc {
        key: "test",
        ty: "list of globs",
        default: "with `--include-tests`",
        doc: "Test folders (`tests/`, `__tests__/`, `e2e/`, ...), `test_*.py`, `*_test.py`, `conftest.py`, `*.test.*`, `*.spec.*`, `*.cy.*`, test-runner setup files (`setupTests.ts`, `jest.setup.js`), Rust `tests.rs` modules, Rust files that only test builds compile (reached only through `#[cfg(test)] mod x;`, `#[cfg(any(test, feature = \"testing\"))]` and the like, or opening with `#![cfg(test)]`), Cargo workspace crates only tests use (also simulator libraries such as `sp-sim` and test binaries such as `end-to-end-tests` that no production crate links), and other linters' rule tests (`.semgrep/`). Items, statements and match arms under such a `cfg` inside a production file are never checked.",
    },
    KeyDoc {
        key: "migration",
        ty: "(not a key)",
        default: "always",
        doc: "A file the migration reader takes (Django, Alembic, Knex, db-migrate, TypeORM, Sequelize, SQL). A migration in a `scripts/` folder is a migration.",
    },
    KeyDoc {
        key: "generated",
        ty: "list of globs",
        default: "with `--include-generated`",
        doc: "`@generated`, `DO NOT EDIT`, `automatically generated` or `autogenerated` in a comment among the first ten lines; protobuf and gRPC outputs (`*_pb2.py`, `*_pb.js`), `*.generated.*`, `*.gen.*`, `__generated__/`.",
    },
    KeyDoc {
        key: "build",
        ty: "list of globs",
        default: "with `--include-tooling`",
        doc: "Cargo build scripts (`build.rs`), `setup.py`, build-tool configuration (`webpack.config.js`, `vite.config.ts`, `gulpfile.js`, ...) and build-tool plugins (`vite-plugin-*/`).",
    },
    KeyDoc {
        key: "tooling",
        ty: "list of globs",
        default: "with `--include-tooling`",
        doc: "Folders of scripts and developer tools outside `src/` (`scripts/`, `tools/`, `xtask/`, `bin/`, `bench(es)/`, `examples/`, `seeds/`, `codemods/`, `docs/`, `fuzz/`, `.storybook/`); Django management commands; Storybook stories (`*.stories.tsx`); `manage.py`, `noxfile.py`, `fabfile.py`; Rust binaries named like tools (`src/bin/gen_token.rs`, a `[[bin]]` named `print-schema`); Python modules with a top-level `if __name__ == \"__main__\":` that wire no service (no route or task decorators, no app object); the modules of a console-script command line (`[project.scripts]`, `[tool.poetry.scripts]`, `console_scripts`; the entry's package when the entry is its `__init__.py`) unless a module starts the service (runs a process, or imports the service's start at its top level), and the modules only such tools import; a `qa/` folder; Cargo workspace crates named as benchmarks or load tests (`*-bench`, `system-benchmarks`, `ddl-stress`) or that build a tool binary (`*-cli`, `*-tools`, `*-dev`, `*-dbg`, a simulator such as `device-simulator`), crates in a `dev-tools/` folder, and `publish = false` crates only such crates link, unless a production crate depends on them. A Python module of either kind that production code imports (directly or through another such module) is production.",
    },
    KeyDoc {
        key: "uncompiled",
        ty: "(not a key)",
        default: "with `--include-tooling`",
        doc: "A Rust file under a crate's `src/` that no `mod` declaration reaches from the crate's roots (`lib.rs`, `main.rs`, `src/bin/`, the manifest's target paths, `build.rs`, `examples/`, `benches/`, `tests/`): no build compiles it. `#[path]` (also in `cfg_attr`), `include!`, inline and `#[cfg]`-gated modules count as reaching a file; a crate whose macros declare modules is not judged. Pull a file back in with a `production` glob.",
    },
    KeyDoc {
        key: "browser",
        ty: "list of globs",
        default: "always, without the server-only categories",
        doc: "Code that runs in a browser: TSX/JSX files, `\"use client\"` modules, React/Vue/Svelte/Angular imports, DOM globals (`window.`, `document.`), front-end folders (`static/`, `frontend/`, `public/`, ...). `n-plus-one`, `unbounded-queue`, `non-idempotent-handler` and `missing-retry` rules do not run there; timeout rules skip calls that only servers wait on.",
    },
    KeyDoc {
        key: "production",
        ty: "list of globs",
        default: "always",
        doc: "Everything else. Use it to pull a path back in that other evidence or a broader glob gave another role.",
    },
];

/// Keys of an `[[overrides]]` block.
pub const OVERRIDE_KEYS: &[KeyDoc] = &[
    KeyDoc { key: "paths", ty: "list of globs", default: "required", doc: "Files this block applies to." },
    KeyDoc { key: "select", ty: "list of rules", default: "`[]`", doc: "Rules turned on for these files." },
    KeyDoc { key: "ignore", ty: "list of rules", default: "`[]`", doc: "Rules turned off for these files." },
    KeyDoc {
        key: "severity",
        ty: "table: rule → severity",
        default: "`{}`",
        doc: "Severity overrides for these files.",
    },
];

/// Keys of the `[migrations]` table.
pub const MIGRATION_KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "scope",
        ty: "`pending` | `all`",
        default: "`pending`",
        doc: "`pending`: only the migrations still ahead of production: with `--diff-base`, those added or changed since the merge base; otherwise, in a git work tree, those in neither the newest release tag reachable from HEAD nor the newest release tag by date (or, without tags, on a branch off the remote default branch, those added since the merge base) plus the uncommitted ones; otherwise each history's newest migration. Every one after a history's `applied_through` marker is pending too. A migration file named on the command line is always checked. `all`: every migration. The whole history is read either way (tables created earlier, column types). `--migration-scope` wins.",
    },
    KeyDoc {
        key: "git",
        ty: "bool",
        default: "`true`",
        doc: "Under `pending` without `--diff-base`, ask git which migrations production has applied (release tags, the remote default branch, uncommitted files). `false`: each history's newest migration only, as in a tree that is not a clone.",
    },
    KeyDoc {
        key: "applied_through",
        ty: "table: history folder → migration",
        default: "`{}`",
        doc: "Per history, the last migration production has applied: the ones after it are pending too. The key is the folder holding the migrations, relative to the config file's directory (`\"shop/migrations\"`, `\"alembic/versions\"`, `\"db/migration\"`, `\"prisma/migrations\"`); the value names a migration of it by file name, with or without extension, or by Alembic revision (`\"0042_add_index\"`, `\"V17__x.sql\"`). A name that is not in that folder's history is an error when the folder is checked.",
    },
];

// ---- discovery and loading ----

/// Where a config was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// `[tool.pagerproof]` in a `pyproject.toml`.
    pub pyproject: bool,
}

/// The nearest `pagerproof.toml`, or `pyproject.toml` with `[tool.pagerproof]`,
/// in `start` (a file's directory or a directory) or above it, up to the
/// repository root (the nearest directory holding `.git`). In one directory
/// `pagerproof.toml` wins.
pub fn find(start: &Path) -> Option<Found> {
    search(start).found
}

/// What [`find`] found, and a config above the repository root that it did
/// not use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// The config in effect.
    pub found: Option<Found>,
    /// The nearest config above the repository root, when no config was
    /// found inside it: ignored, because whoever controls a parent directory
    /// (a CI workspace, a shared home) must not silently change a
    /// repository's scan. `--config` uses it on purpose.
    pub above_root: Option<Found>,
}

/// [`find`], also naming a config above the repository root that it
/// ignored.
pub fn search(start: &Path) -> Search {
    let start = crate::walk::normalize(start);
    let Some(dir) = (if start.is_file() { start.parent().map(Path::to_path_buf) } else { Some(start) }) else {
        return Search::default();
    };
    let mut outside = false;
    for d in dir.ancestors() {
        if let Some(found) = config_in(d) {
            return if outside {
                Search { found: None, above_root: Some(found) }
            } else {
                Search { found: Some(found), above_root: None }
            };
        }
        // Past the root, keep looking only to say what is ignored.
        outside = outside || d.join(".git").exists();
    }
    Search::default()
}

/// The config file directly in `d`, if any.
fn config_in(d: &Path) -> Option<Found> {
    let own = d.join(FILE_NAME);
    if own.is_file() {
        return Some(Found { path: own, pyproject: false });
    }
    let py = d.join("pyproject.toml");
    if py.is_file()
        && let Ok(text) = std::fs::read_to_string(&py)
        && has_tool_pagerproof(&text)
    {
        return Some(Found { path: py, pyproject: true });
    }
    None
}

fn has_tool_pagerproof(text: &str) -> bool {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("tool")?.as_table()?.get("pagerproof").cloned())
        .is_some_and(|v| v.is_table())
}

/// Reads and validates a config file. `cwd` resolves a relative `path`.
pub fn load(found: &Found, cwd: &Path) -> Result<Config, Box<ConfigError>> {
    let path = &found.path;
    let text = std::fs::read_to_string(path).map_err(|e| {
        Box::new(ConfigError::new(path, "", None, format!("cannot read config {}: {e}", path.display())))
    })?;
    let root = crate::walk::normalize(&cwd.join(path)).parent().map(Path::to_path_buf).unwrap_or_default();
    let shown = PathBuf::from(crate::walk::display_path(path, cwd));
    parse(&shown, &text, found.pyproject, root)
}

/// Parses config `text` (a `pagerproof.toml`, or a `pyproject.toml` when
/// `pyproject`), with globs relative to `root`.
pub fn parse(path: &Path, text: &str, pyproject: bool, root: PathBuf) -> Result<Config, Box<ConfigError>> {
    let err = |e: toml::de::Error| Box::new(toml_error(path, text, &e));
    let table: toml::Table = toml::from_str(text).map_err(err)?;
    let (raw, catalog_table) = if pyproject {
        let doc: Pyproject = toml::from_str(text).map_err(err)?;
        let raw = doc.tool.and_then(|t| t.pagerproof).unwrap_or_default();
        let cat = table
            .get("tool")
            .and_then(|t| t.get("pagerproof"))
            .and_then(|t| t.get("catalog"))
            .and_then(|c| c.as_table())
            .cloned();
        (raw, cat)
    } else {
        let raw: Raw = toml::from_str(text).map_err(err)?;
        (raw, table.get("catalog").and_then(|c| c.as_table()).cloned())
    };

    // A selector listed twice selects nothing more: keeping one copy bounds
    // every list by the number of distinct selectors (so a config repeating
    // one code 100,000 times does not make each of its overrides, and each
    // rule's "is it on" question, cost as much).
    let rules = |list: &[Spanned<String>]| -> Result<Vec<String>, Box<ConfigError>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for s in list {
            let sel = selector(path, text, s)?;
            if seen.insert(sel.clone()) {
                out.push(sel);
            }
        }
        Ok(out)
    };
    let severities = |map: &BTreeMap<Spanned<String>, SeverityName>| -> Result<_, Box<ConfigError>> {
        let mut out: Vec<(String, Severity)> = Vec::new();
        for (k, v) in map {
            out.push((selector(path, text, k)?, (*v).into()));
        }
        // Specific wins: ALL first, then categories, then codes and names.
        out.sort_by_key(|(k, _)| specificity(k));
        Ok(out)
    };

    let mut overrides = Vec::new();
    let mut override_patterns: Vec<(&Spanned<String>, usize)> = Vec::new();
    for (i, o) in raw.overrides.iter().enumerate() {
        if o.paths.get_ref().is_empty() {
            return Err(Box::new(
                ConfigError::new(path, text, Some(o.paths.span()), "`paths` of an override is empty".to_string())
                    .help(Some("list the globs this block applies to, e.g. `paths = [\"tests/**\"]`".to_string())),
            ));
        }
        override_patterns.extend(o.paths.get_ref().iter().map(|p| (p, i)));
        overrides.push(Override {
            layer: Layer { select: rules(&o.select)?, ignore: rules(&o.ignore)? },
            severities: severities(&o.severity)?,
        });
    }
    let (override_globs, override_of) = globs(path, text, &override_patterns, "`paths` of `[[overrides]]`")?;
    let exclude = if raw.exclude.is_empty() { None } else { Some(exclude_matcher(path, text, &root, &raw.exclude)?) };
    let roles = match &raw.roles {
        Some(r) => {
            let mut lists = Vec::new();
            for (role, patterns) in r.lists() {
                if !patterns.is_empty() {
                    let patterns: Vec<(&Spanned<String>, usize)> = patterns.iter().map(|p| (p, 0)).collect();
                    lists.push((role, globs(path, text, &patterns, "`[roles]`")?.0));
                }
            }
            Some(RoleOverrides { root: root.clone(), globs: lists })
        }
        None => None,
    };
    let catalog = match &catalog_table {
        Some(t) => Some(Catalog::extended(t).map_err(|e| {
            // The typed pass above already checked every key and type, so
            // this only fails on a conflict between the two (a bug).
            Box::new(ConfigError::new(path, text, None, format!("invalid [catalog]: {}", e.message())))
        })?),
        None => None,
    };
    let mut migrations = migration_settings(path, text, raw.migrations.as_ref(), &root)?;
    migrations.database = raw.database.as_ref().and_then(|d| d.engine);
    let fix = fix_settings(path, text, raw.fix.as_ref())?;
    Ok(Config {
        path: path.to_path_buf(),
        select: raw.select.as_deref().map(rules).transpose()?,
        extend_select: rules(&raw.extend_select)?,
        ignore: rules(&raw.ignore)?,
        severities: severities(&raw.severity)?,
        preview: raw.preview,
        fail_on: raw.fail_on,
        require_suppression_reason: raw.require_suppression_reason,
        include_tests: raw.include_tests,
        include_vendored: raw.include_vendored,
        include_tooling: raw.include_tooling,
        include_generated: raw.include_generated,
        roles,
        paths: PathRules { root, exclude, overrides, override_globs, override_of },
        catalog,
        migrations,
        fix,
    })
}

/// `[fix]`, validated: each value a whole number in its range.
fn fix_settings(path: &Path, text: &str, raw: Option<&RawFix>) -> Result<crate::fix::FixSettings, Box<ConfigError>> {
    let mut settings = crate::fix::FixSettings::default();
    let Some(raw) = raw else { return Ok(settings) };
    let check = |v: &Spanned<i64>, key: &str, max: i64, example: &str| -> Result<u32, Box<ConfigError>> {
        let n = *v.get_ref();
        if (1..=max).contains(&n) {
            return Ok(n as u32);
        }
        Err(Box::new(
            ConfigError::new(path, text, Some(v.span()), format!("`{key}` must be between 1 and {max}, not {n}"))
                .label("out of range")
                .help(Some(format!("e.g. `{key} = {example}`"))),
        ))
    };
    if let Some(v) = &raw.default_timeout_seconds {
        settings.default_timeout_seconds = check(v, "default_timeout_seconds", 3600, "10")?;
    }
    if let Some(v) = &raw.default_queue_maxsize {
        settings.default_queue_maxsize = check(v, "default_queue_maxsize", 1_000_000_000, "1000")?;
    }
    Ok(settings)
}

/// `[migrations]`, validated: `applied_through` keys are folders relative to
/// the config's directory and both sides must name something.
fn migration_settings(
    path: &Path,
    text: &str,
    raw: Option<&RawMigrations>,
    root: &Path,
) -> Result<MigrationSettings, Box<ConfigError>> {
    let mut settings = MigrationSettings { root: root.to_path_buf(), ..MigrationSettings::default() };
    let Some(raw) = raw else { return Ok(settings) };
    settings.mode = raw.scope.unwrap_or_default();
    settings.ignore_git = raw.git == Some(false);
    for (folder, name) in &raw.applied_through {
        let key = migration_scope::normalize_key(folder.get_ref());
        let bad_key = if key.is_empty() {
            Some("names no folder")
        } else if Path::new(folder.get_ref().trim()).is_absolute() {
            Some("is absolute; write it relative to the config file's directory")
        } else if key.split('/').any(|c| c == "..") {
            Some("leaves the config file's directory")
        } else {
            None
        };
        if let Some(why) = bad_key {
            return Err(Box::new(
                ConfigError::new(
                    path,
                    text,
                    Some(folder.span()),
                    format!("`applied_through` key `{}` {why}", folder.get_ref()),
                )
                .label("a folder holding migrations")
                .help(Some("e.g. `applied_through = { \"shop/migrations\" = \"0042_add_index\" }`".to_string())),
            ));
        }
        let value = name.get_ref().trim();
        if value.is_empty() {
            return Err(Box::new(
                ConfigError::new(
                    path,
                    text,
                    Some(name.span()),
                    format!("`applied_through` for `{key}` names no migration"),
                )
                .label("the last migration production has applied")
                .help(Some("write its file name, e.g. `\"0042_add_index\"` or `\"V17__x.sql\"`".to_string())),
            ));
        }
        settings.applied_through.insert(key, value.to_string());
    }
    Ok(settings)
}

fn specificity(selector: &str) -> u8 {
    if selector.eq_ignore_ascii_case("ALL") {
        0
    } else if crate::rule::Category::from_name(selector).is_some() {
        1
    } else {
        2
    }
}

fn selector(path: &Path, text: &str, s: &Spanned<String>) -> Result<String, Box<ConfigError>> {
    match select::check_selector(s.get_ref()) {
        Ok(()) => Ok(s.get_ref().clone()),
        Err(e) => Err(Box::new(
            ConfigError::new(path, text, Some(s.span()), format!("unknown rule or category `{}`", e.selector))
                .label("not a rule code, rule name, category or ALL")
                .help(
                    e.suggestion
                        .map(|s| format!("did you mean `{s}`?"))
                        .or_else(|| Some("`pagerproof rules` lists every code and name".to_string())),
                ),
        )),
    }
}

/// Compiles `exclude` into a gitignore matcher rooted at `root`; an invalid
/// pattern is an error pointing at it.
fn exclude_matcher(
    path: &Path,
    text: &str,
    root: &Path,
    patterns: &[Spanned<String>],
) -> Result<Exclude, Box<ConfigError>> {
    // `./x` is how people write "x at the top": gitignore says `/x`.
    let line = |raw: &str| match raw.strip_prefix("./") {
        Some(rest) => format!("/{rest}"),
        None => raw.to_string(),
    };
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
    let mut dir_only = false;
    for p in patterns {
        let raw = p.get_ref().trim();
        let line = line(raw);
        dir_only |= line.ends_with('/');
        builder.add_line(None, &line).map_err(|e| {
            let why = match &e {
                ignore::Error::Glob { err, .. } => err.clone(),
                other => other.to_string(),
            };
            Box::new(
                ConfigError::new(path, text, Some(p.span()), format!("invalid glob `{raw}`: {why}"))
                    .label("this pattern"),
            )
        })?;
    }
    let build = |n: usize| {
        let mut b = ignore::gitignore::GitignoreBuilder::new(root);
        for p in &patterns[..n] {
            let _ = b.add_line(None, &line(p.get_ref().trim()));
        }
        b.build()
    };
    match builder.build() {
        Ok(matcher) => Ok(Exclude { matcher, dir_only }),
        Err(_) => {
            // Each pattern parsed, so the set as a whole is too large to
            // compile (regex size limits). Name the first pattern whose
            // addition makes it fail (a binary search over prefixes: only
            // on this path); the error itself holds the whole regex.
            let bad = first_failing_prefix(patterns.len(), |n| build(n).is_ok());
            Err(globs_too_large(path, text, &patterns[bad - 1], "`exclude`"))
        }
    }
}

/// The variants one pattern stands for: `*` stays within one directory, a
/// pattern without `/` matches at any depth, and a directory matches
/// everything below it.
fn variants(raw: &str) -> Vec<String> {
    let pat = raw.trim_start_matches("./").trim_end_matches('/');
    let pat = pat.strip_prefix('/').unwrap_or(pat);
    let mut variants = vec![pat.to_string(), format!("{pat}/**")];
    if !raw.trim_start_matches("./").trim_end_matches('/').contains('/') {
        variants.push(format!("**/{pat}"));
        variants.push(format!("**/{pat}/**"));
    }
    variants
}

/// Compiles `(pattern, owner)` pairs into one set, in time linear in the
/// number of patterns, and returns the owner of each glob in the set. `what`
/// names the key in errors; an error names the glob that fails.
fn globs(
    path: &Path,
    text: &str,
    patterns: &[(&Spanned<String>, usize)],
    what: &str,
) -> Result<(GlobSet, Vec<usize>), Box<ConfigError>> {
    let mut compiled: Vec<(globset::Glob, usize)> = Vec::new();
    for (p, owner) in patterns {
        let raw = p.get_ref().trim();
        for v in variants(raw) {
            let glob = GlobBuilder::new(&v).literal_separator(true).build().map_err(|e| {
                Box::new(
                    ConfigError::new(path, text, Some(p.span()), format!("invalid glob `{raw}`: {}", e.kind()))
                        .label("this glob"),
                )
            })?;
            compiled.push((glob, *owner));
        }
    }
    let build = |n: usize| {
        let mut set = GlobSetBuilder::new();
        for (g, _) in &compiled[..n] {
            set.add(g.clone());
        }
        set.build()
    };
    match build(compiled.len()) {
        Ok(set) => Ok((set, compiled.iter().map(|(_, o)| *o).collect())),
        Err(_) => {
            // Each glob parsed, so the set as a whole is too large to compile
            // (regex size limits). Name the first glob whose addition makes
            // it fail (a binary search over prefixes: only on this path).
            let bad = first_failing_prefix(compiled.len(), |n| build(n).is_ok());
            Err(globs_too_large(path, text, patterns_of(patterns, bad - 1).0, what))
        }
    }
}

/// The length of the shortest prefix of `len` patterns that fails to
/// compile, when all `len` do (a binary search: only on this error path).
fn first_failing_prefix(len: usize, compiles: impl Fn(usize) -> bool) -> usize {
    let (mut ok, mut bad) = (0, len);
    while bad - ok > 1 {
        let mid = (ok + bad) / 2;
        if compiles(mid) { ok = mid } else { bad = mid }
    }
    bad
}

/// A set of globs too large to compile (regex size limits), pointing at the
/// first glob that makes it so; the matcher's own error holds the whole
/// generated regex and is not shown.
fn globs_too_large(path: &Path, text: &str, p: &Spanned<String>, what: &str) -> Box<ConfigError> {
    Box::new(
        ConfigError::new(
            path,
            text,
            Some(p.span()),
            format!(
                "the globs of {what} are too large to compile (over the regex size limit) from glob `{}` on",
                shorten(p.get_ref().trim())
            ),
        )
        .label("this glob")
        .help(Some("use fewer or simpler globs (a directory name matches everything below it)".to_string())),
    )
}

/// A glob cut to 60 characters for a message.
fn shorten(glob: &str) -> String {
    match glob.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &glob[..at]),
        None => glob.to_string(),
    }
}

/// The pattern that produced the `k`th compiled glob.
fn patterns_of<'p>(patterns: &[(&'p Spanned<String>, usize)], k: usize) -> (&'p Spanned<String>, usize) {
    let mut seen = 0;
    for &(p, owner) in patterns {
        let n = variants(p.get_ref().trim()).len();
        if k < seen + n {
            return (p, owner);
        }
        seen += n;
    }
    patterns[patterns.len() - 1]
}

/// A TOML or serde error with its span, and a "did you mean" for unknown
/// keys and values.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_string();
    let mut help = None;
    let mut label = "here";
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((bad, tail)) = rest.split_once('`')
        {
            let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
            let best = expected
                .iter()
                .map(|c| {
                    let d = strsim::levenshtein(&bad.to_ascii_lowercase(), c);
                    // A prefix (`warn` for `warning`) is a near miss too.
                    (if c.starts_with(&bad.to_ascii_lowercase()) && bad.len() >= 3 { d.min(1) } else { d }, *c)
                })
                .filter(|(d, c)| *d <= (c.len() / 3).max(2))
                .min();
            help = match best {
                Some((_, c)) => Some(format!("did you mean `{c}`?")),
                None if !expected.is_empty() => Some(format!("expected one of `{}`", expected.join("`, `"))),
                None => None,
            };
            label = if prefix.contains("field") { "unknown key" } else { "unknown value" };
        }
    }
    let message = message.replacen("unknown field", "unknown key", 1);
    let message = match message.split_once(", expected") {
        Some((head, _)) if help.is_some() => head.to_string(),
        _ => message,
    };
    ConfigError::new(path, text, e.span(), format!("invalid config: {message}")).label(label).help(help)
}

// ---- generated docs ----

/// The JSON schema of `pagerproof.toml` (and of `[tool.pagerproof]`),
/// generated from the very types the parser reads, with each key described
/// by its entry in [`KEYS`] / [`OVERRIDE_KEYS`]; checked in as
/// `docs/pagerproof.schema.json` for editors (taplo, Even Better TOML).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Raw);
    let mut v = serde_json::to_value(&schema).expect("a schema is JSON");
    v["title"] = "pagerproof.toml".into();
    v["description"] = "Configuration of pagerproof (see docs/config.md).".into();
    let describe = |props: Option<&mut serde_json::Value>, keys: &[KeyDoc]| {
        let Some(props) = props.and_then(serde_json::Value::as_object_mut) else { return };
        for k in keys {
            if let Some(p) = props.get_mut(k.key).and_then(serde_json::Value::as_object_mut) {
                p.insert("description".into(), k.doc.into());
            }
        }
    };
    describe(v.get_mut("properties"), KEYS);
    describe(v.pointer_mut("/$defs/RawOverride/properties"), OVERRIDE_KEYS);
    serde_json::to_string_pretty(&v).expect("a schema serializes") + "\n"
}

/// The keys serde accepts at `[table]` of a config, found by asking the
/// parser about an unknown key: the reference cannot drift from the code.
pub fn accepted_keys(table_path: &[&str], array: bool) -> Vec<String> {
    let mut doc = String::new();
    if table_path.is_empty() {
        doc.push_str("__probe = 1\n");
    } else if array {
        doc.push_str(&format!("[[{}]]\n__probe = 1\n", table_path.join(".")));
    } else {
        doc.push_str(&format!("[{}]\n__probe = 1\n", table_path.join(".")));
    }
    let Err(e) = toml::from_str::<Raw>(&doc) else { return Vec::new() };
    let msg = e.message().to_string();
    let Some((_, tail)) = msg.split_once("expected one of ").or_else(|| msg.split_once("expected ")) else {
        return Vec::new();
    };
    tail.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// `docs/config.md`, generated from [`KEYS`], [`OVERRIDE_KEYS`] and the
/// catalog's types.
pub fn reference_markdown() -> String {
    let mut md = String::from(
        "# Configuration reference\n\n\
         <!-- Generated from src/config.rs and src/catalog/ by `UPDATE_GENERATED=1 cargo test --test config`; do not edit. -->\n\n\
         pagerproof reads `pagerproof.toml`, or `[tool.pagerproof]` in `pyproject.toml`: the nearest one in or above the \
         first checked path, up to the repository root, the nearest directory holding `.git` (in one directory \
         `pagerproof.toml` wins). A config above the repository root is ignored with a notice: whoever controls a \
         parent directory must not silently change a repository's scan. `--config FILE` names one explicitly (and \
         may be anywhere), `--no-config` ignores them. The file in effect is named in the summary line, and \
         `--show-settings` prints it with the resolved settings. Every key is checked: an unknown key, a wrong type or an unknown rule is an \
         error (exit code 2) that points at the file, line and span. Config is data only: it never makes \
         pagerproof read a URL, include another file or run code. `pagerproof init` writes a commented starter file.\n\n\
         ## Precedence\n\n\
         - `--select` on the command line replaces the config's `select`, `extend_select` and `ignore` (as ruff's \
         `--select` does); `--extend-select` and `--ignore` add to them.\n\
         - `[[overrides]]` apply after that, in file order, to the files they match, also with `--select`.\n\
         - `--fail-on`, `--preview` and the `--include-*` flags on the command line win over the config (an \
         `--include-*` flag or key turns checking on; neither turns it off).\n\
         - Inline suppressions (`# pagerproof: ignore[PP201] -- reason`) apply last.\n\n\
         ## Top-level keys\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
    );
    for k in KEYS {
        md.push_str(&format!("| `{}` | {} | {} | {} |\n", k.key, k.ty.replace('|', "\\|"), k.default, k.doc));
    }
    md.push_str("\n## `[[overrides]]`\n\n| key | type | default | meaning |\n|---|---|---|---|\n");
    for k in OVERRIDE_KEYS {
        md.push_str(&format!("| `{}` | {} | {} | {} |\n", k.key, k.ty.replace('|', "\\|"), k.default, k.doc));
    }
    md.push_str("\n## `[migrations]`\n\n| key | type | default | meaning |\n|---|---|---|---|\n");
    for k in MIGRATION_KEYS {
        md.push_str(&format!("| `{}` | {} | {} | {} |\n", k.key, k.ty.replace('|', "\\|"), k.default, k.doc));
    }
    md.push_str("\n## `[database]`\n\n| key | type | default | meaning |\n|---|---|---|---|\n");
    for k in DATABASE_KEYS {
        md.push_str(&format!("| `{}` | {} | {} | {} |\n", k.key, k.ty.replace('|', "\\|"), k.default, k.doc));
    }
    md.push_str(
        "\n## `[fix]`\n\nValues that `check --fix` and `--unsafe-fixes` write into code (see the README's \
         \"Fixes\" section for which fix uses which).\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
    );
    for k in FIX_KEYS {
        md.push_str(&format!("| `{}` | {} | {} | {} |\n", k.key, k.ty.replace('|', "\\|"), k.default, k.doc));
    }
    md.push_str(
        "\n## `[roles]`\n\n\
         Every file gets one role, decided once from its path (below the directory named on the command line), \
         the package metadata around it and its first lines; the first evidence found wins, in the order of the \
         table below after the `[roles]` globs, which decide first. Files found by walking are checked only when \
         their role is; a file named on the command line is always checked. The JSON and SARIF output give each \
         finding's role. Each key of `[roles]` is a list of globs (as in `exclude`), and `production` wins over \
         the others, so `vendored = [\"lib/**\"]` with `production = [\"lib/billing/**\"]` keeps the team's own \
         part of `lib/`. There is no `migration` or `uncompiled` key: which files are migrations is the migration \
         reader's decision, and which Rust files are compiled is the crates' own.\n\n| role | checked | evidence |\n|---|---|---|\n",
    );
    for k in ROLE_KEYS {
        md.push_str(&format!("| `{}` | {} | {} |\n", k.key, k.default, k.doc));
    }
    md.push_str(
        "\n## `[catalog.<section>]`\n\n\
         Each section extends the built-in file `rules/catalog/<section>.toml` and takes the same keys \
         (documented in that file and in `src/catalog/<section>.rs`). Lists are appended to the built-in lists, \
         tables are merged key by key, single values replace the built-in value. Nothing can be removed from the \
         built-in catalog; turn a rule off or suppress a finding instead.\n\n",
    );
    for (section, text) in crate::catalog::BUILTIN_FILES {
        md.push_str(&format!("### `[catalog.{section}]`\n\n"));
        let builtin: toml::Table = toml::from_str(text).unwrap_or_default();
        for key in accepted_keys(&["catalog", section], false) {
            let shape = match builtin.get(&key) {
                Some(toml::Value::Array(a)) if a.first().is_some_and(|v| v.is_table()) => {
                    let fields = accepted_keys(&["catalog", section, &key], true);
                    format!("array of tables (`[[catalog.{section}.{key}]]`), keys: `{}`", fields.join("`, `"))
                }
                Some(toml::Value::Table(_)) => {
                    let fields = accepted_keys(&["catalog", section, &key], false);
                    format!("table, keys: `{}`", fields.join("`, `"))
                }
                Some(toml::Value::Array(_)) => "list".to_string(),
                Some(v) => format!("{} (built-in: `{v}`)", v.type_str()),
                None => "see the section's source".to_string(),
            };
            md.push_str(&format!("- `{key}`: {shape}\n"));
        }
        md.push('\n');
    }
    md.push_str("## Example\n\n```toml\n");
    md.push_str(STARTER);
    md.push_str("```\n");
    md
}

/// What `pagerproof init` writes.
pub const STARTER: &str = r#"# pagerproof configuration: https://github.com/pagerproof/pagerproof/blob/main/docs/config.md
# Every key is optional; unknown keys are errors.

# Rules to run (codes, names or categories); the default is every stable rule.
# select = ["ALL"]
# extend_select = ["PP202"]
# ignore = ["unbounded-queue"]

# Also run preview rules.
preview = false

# Lowest severity that fails `pagerproof check` (error, warning, note, never).
fail_on = "warning"

# A suppression comment must say why: `# pagerproof: ignore[PP201] -- reason`.
require_suppression_reason = true

# Never checked, even when named on the command line.
exclude = ["migrations/legacy/**", "vendor"]

# File roles by path (vendored, tooling, ... are not checked by default).
# [roles]
# vendored = ["lib/**"]
# production = ["lib/billing/**"]

# [severity]
# missing-timeout = "error"

# Which migrations are checked: "pending" (in a git clone, those not in the
# newest release tag; otherwise the newest of each history; those after its
# applied_through marker, or those changed since --diff-base) or "all".
# [migrations]
# scope = "pending"
# git = true
# applied_through = { "shop/migrations" = "0042_add_index" }

# The database production runs, when the detection from settings and drivers
# is wrong: "postgres", "mysql" or "sqlite".
# [database]
# engine = "mysql"

# Values that `check --fix --unsafe-fixes` writes into code.
# [fix]
# default_timeout_seconds = 10
# default_queue_maxsize = 1000

# Per-path settings, applied in order after the ones above.
# [[overrides]]
# paths = ["scripts/**"]
# ignore = ["missing-timeout"]

# Teach pagerproof your own code: the same keys as rules/catalog/*.toml.
# [[catalog.network.python]]
# rule = "request"
# paths = ["acme.http.get", "acme.http.post"]
# timeout = ["deadline"]
#
# [catalog.errors.python]
# logger_names = ["audit_log"]
"#;
