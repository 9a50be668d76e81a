//! The file role model: whose code a file is and whether it runs in
//! production, decided once per file from its path, the package metadata
//! around it, its first lines and the `[roles]` config table, with the
//! evidence kept as a readable reason.
//!
//! The decision has two stages, because most evidence needs no file content:
//!
//! 1. [`Classifier::by_path`] (after discovery, sequential, with a cache of
//!    directory listings): the `[roles]` globs, vendored code (vendor folders,
//!    `lib/<known package>/`, pip `--target` installs, nested packages the
//!    project does not declare, crates excluded from the Cargo workspace) and
//!    test code decide before the file is read, so a vendored tree is never
//!    read; build scripts and tooling folders are noted for stage 2.
//! 2. [`by_content`] (after reading, per file): migrations, generated code,
//!    then the build and tooling evidence of stage 1, then Python modules that
//!    only run as scripts, then browser code; everything else is production.
//!
//! The first evidence found wins, in that order: a migration in a `scripts/`
//! folder is a migration, a generated file in `vendor/` is vendored.
//! [`Include`] says which roles a run checks; rules read the role of the file
//! they check (`SourceFile::role`) and [`Role::runs`] turns the server-only
//! categories off in browser code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::rule::{Category, RuleMeta};
use crate::source::Grammar;

/// What a file is, as far as production is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The team's own code that runs in a service: always checked.
    Production,
    /// Production code that runs in a user's browser: checked, without the
    /// server-only rules (see [`Role::runs`]).
    Browser,
    /// A schema or data migration: checked.
    Migration,
    /// Test code: checked with `--include-tests`.
    Test,
    /// Scripts, developer tools, examples, benches, seeds, Storybook stories:
    /// checked with `--include-tooling`.
    Tooling,
    /// Build scripts and build-tool configuration (`build.rs`,
    /// `webpack.config.js`, `setup.py`): checked with `--include-tooling`.
    Build,
    /// Third-party code copied into the tree: checked with `--include-vendored`.
    Vendored,
    /// Code written by a generator: checked with `--include-generated`.
    Generated,
    /// A Rust file under a crate's `src/` that no `mod` declaration reaches
    /// from the crate's roots: no build compiles it. Checked with
    /// `--include-tooling`.
    Uncompiled,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 9] = [
        Role::Production,
        Role::Browser,
        Role::Migration,
        Role::Test,
        Role::Tooling,
        Role::Build,
        Role::Vendored,
        Role::Generated,
        Role::Uncompiled,
    ];

    /// The lowercase name used in JSON, SARIF and the `[roles]` table.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Production => "production",
            Role::Browser => "browser",
            Role::Migration => "migration",
            Role::Test => "test",
            Role::Tooling => "tooling",
            Role::Build => "build",
            Role::Vendored => "vendored",
            Role::Generated => "generated",
            Role::Uncompiled => "uncompiled",
        }
    }

    /// True when a rule runs on files of this role. Browser code is
    /// production code of another kind: a request, a loop or a burst of
    /// promises there costs one user's tab, not a server's worker pool, and
    /// there are no jobs, consumers or request handlers to make idempotent,
    /// so the server-only categories are off. Per rule, from the judges'
    /// reasons on spent evaluation sets:
    ///
    /// - missing timeouts (PP2xx) are off: a stalled request in a tab holds
    ///   no worker, the browser applies its own network timeouts, and the
    ///   user can reload (same-origin calls at app load, an interactive
    ///   importer calling a vendor's API from the tab);
    /// - `exception-cause-dropped` (PP104) stays on, but the rule itself
    ///   skips browser handlers that only write to `console.*`: that goes to
    ///   the user's console, not to a log anyone reads (a browser SDK's own
    ///   debug logger still counts);
    /// - swallowed exceptions (PP101 and the rest of the category) stay on:
    ///   an error the UI hides is still a failure the user never sees;
    /// - secrets in logs stay on: a token printed to the browser console or
    ///   sent to a front-end logger is still exposed (the rule knows which
    ///   browser sinks do not count).
    ///
    /// Per-call server-only knowledge, such as which clients have no browser
    /// default, stays in the catalog and its rules.
    pub fn runs(self, rule: &RuleMeta) -> bool {
        match self {
            Role::Browser => !matches!(
                rule.category,
                Category::NPlusOne
                    | Category::UnboundedQueue
                    | Category::NonIdempotentHandler
                    | Category::MissingRetry
                    | Category::MissingTimeout
            ),
            _ => true,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file's role and the evidence for it, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRole {
    /// What the file is.
    pub role: Role,
    /// Why, for people: "in `vendor/`", "`@generated` on line 1".
    pub reason: String,
    /// A Python module that becomes production when production code imports
    /// it (a `__main__` script, a module in a `scripts/` folder): then it
    /// runs inside the service too.
    pub importable: bool,
    /// A tool an operator runs by hand for a one-off job (a Django
    /// management command, `manage.py`, a script in a tooling folder), as
    /// opposed to a service's own command line: what only such a tool
    /// imports is tooling too (`lib.rs`, `tooling_only_modules`).
    pub operator_tool: bool,
}

impl FileRole {
    /// A role with its reason.
    pub fn new(role: Role, reason: impl Into<String>) -> FileRole {
        FileRole { role, reason: reason.into(), importable: false, operator_tool: false }
    }

    /// The same role, undone when production code imports the module.
    pub fn importable(mut self) -> FileRole {
        self.importable = true;
        self
    }

    /// The same role, for a tool an operator runs by hand.
    pub fn operator_tool(mut self) -> FileRole {
        self.operator_tool = true;
        self
    }

    /// The role of a file with no evidence of any other.
    pub fn production() -> FileRole {
        FileRole::new(Role::Production, "no evidence of another role")
    }

    /// True for tooling and build scripts: code a person runs by hand, not a
    /// service (checked only with `--include-tooling` or when named).
    pub fn is_tooling(&self) -> bool {
        matches!(self.role, Role::Tooling | Role::Build)
    }
}

impl Default for FileRole {
    fn default() -> FileRole {
        FileRole::production()
    }
}

/// Which roles a run checks among the files it finds by walking (a file named
/// on the command line is always checked). Production, browser and migration
/// code always are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Include {
    /// Test code (`--include-tests`).
    pub tests: bool,
    /// Vendored code (`--include-vendored`).
    pub vendored: bool,
    /// Tooling and build scripts (`--include-tooling`).
    pub tooling: bool,
    /// Generated code (`--include-generated`).
    pub generated: bool,
}

impl Include {
    /// True when files of `role` are checked.
    pub fn checks(self, role: Role) -> bool {
        match role {
            Role::Production | Role::Browser | Role::Migration => true,
            Role::Test => self.tests,
            Role::Tooling | Role::Build | Role::Uncompiled => self.tooling,
            Role::Vendored => self.vendored,
            Role::Generated => self.generated,
        }
    }
}

/// The `[roles]` config table: globs (relative to the config file's
/// directory) that decide a file's role before any other evidence.
/// `production` wins over the others, so it pulls a path back in.
#[derive(Debug, Clone, Default)]
pub struct RoleOverrides {
    /// Globs are relative to this directory (absolute, normalised).
    pub root: PathBuf,
    /// In the order they are tried: `production` first.
    pub globs: Vec<(Role, GlobSet)>,
}

impl RoleOverrides {
    /// The role the config gives `fs_path` (relative to `cwd` or absolute).
    pub fn role_of(&self, fs_path: &Path, cwd: &Path) -> Option<Role> {
        let abs = crate::walk::normalize(&cwd.join(fs_path));
        let rel = abs.strip_prefix(&self.root).ok()?;
        self.globs.iter().find(|(_, g)| g.is_match(rel)).map(|(r, _)| *r)
    }
}

// ------------------------------------------------------------------ stage 1

/// Folder names that hold third-party code.
const VENDOR_DIRS: &[&str] =
    &["vendor", "vendors", "vendored", "_vendor", "third_party", "third-party", "thirdparty", "3rdparty"];

/// Folders where teams drop copies of other people's packages.
const LIB_DIRS: &[&str] = &["lib", "libs", "_lib", "pylib", "external", "extern", "deps"];

/// Third-party packages often copied into a `lib/` folder (Python, mostly
/// from AWS Lambda and App Engine deployments, and a few browser libraries).
const KNOWN_PACKAGES: &[&str] = &[
    "requests",
    "urllib3",
    "six",
    "six.py",
    "chardet",
    "charset_normalizer",
    "idna",
    "certifi",
    "botocore",
    "boto3",
    "s3transfer",
    "jmespath",
    "dateutil",
    "yaml",
    "simplejson",
    "pytz",
    "jwt",
    "attr",
    "attrs",
    "click",
    "jinja2",
    "markupsafe",
    "werkzeug",
    "flask",
    "itsdangerous",
    "packaging",
    "pyparsing",
    "setuptools",
    "pkg_resources",
    "typing_extensions.py",
    "google",
    "googleapiclient",
    "grpc",
    "httplib2",
    "oauth2client",
    "rsa",
    "pyasn1",
    "cachetools",
    "uritemplate",
    "bs4",
    "cryptography",
    "cffi",
    "pycparser",
    "paramiko",
    "redis",
    "pymysql",
    "psycopg2",
    "sqlalchemy",
    "tenacity",
    "backoff",
    "stripe",
    "twilio",
    "slack_sdk",
    "sentry_sdk",
    "aiohttp",
    "httpx",
    "httpcore",
    "anyio",
    "sniffio",
    "h11",
    "pydantic",
    "jquery",
    "lodash",
    "moment",
];

/// Folders of developer tooling (not counted under `src/`, where a `tools`
/// module is the service's own code).
const TOOLING_DIRS: &[&str] = &[
    "scripts",
    "script",
    "tools",
    "tooling",
    "xtask",
    "bench",
    "benches",
    "benchmark",
    "benchmarks",
    "examples",
    "example",
    "codemods",
    "seeds",
    "seed",
    "seeders",
    ".storybook",
    "bin",
    "docs",
    "fuzz",
    "qa",
];

/// Words in a binary's name that make it a developer tool (`gen-token`,
/// `print_schema`, `make_admin`), split on `-` and `_`.
const TOOL_WORDS: &[&str] = &[
    "gen",
    "generate",
    "generator",
    "codegen",
    "dump",
    "print",
    "token",
    "keygen",
    "seed",
    "bench",
    "benchmark",
    "release",
    "bootstrap",
    "setup",
    "fixture",
    "fixtures",
    "xtask",
    "tool",
    "tools",
    "make",
    "create",
    "export",
    "schema",
    "openapi",
    "migrate",
];

/// File names of build tools and their configuration, before the first `.`
/// (`webpack.config.js`), and Python build and task files.
const BUILD_CONFIGS: &[&str] = &[
    "webpack",
    "vite",
    "vitest",
    "rollup",
    "babel",
    "esbuild",
    "tsup",
    "gulpfile",
    "gruntfile",
    "next",
    "nuxt",
    "svelte",
    "astro",
    "postcss",
    "tailwind",
    "eslint",
    ".eslintrc",
    "prettier",
    "commitlint",
    "metro",
    "craco",
    "karma",
    "jest",
    "playwright",
    "cypress",
    "stylelint",
    "turbo",
    "lint-staged",
];

/// Python files that are build or developer entry points by name.
const PY_TOOL_FILES: &[&str] =
    &["setup.py", "noxfile.py", "fabfile.py", "manage.py", "populate_db.py", "populatedb.py", "dodo.py"];

/// Test folders (as in `walk::is_test_path` before roles existed) and the
/// rule-test folders of other linters.
const TEST_DIRS: &[&str] = &[
    "tests",
    "test",
    "__tests__",
    "__mocks__",
    "e2e",
    "testing",
    "test_support",
    "test_utils",
    "cypress",
    "playwright",
    ".semgrep",
    "semgrep",
    "semgrep-rules",
];

/// Where a candidate is judged from: its path below the walked root (or, for
/// a file named on the command line, its display path), and the walked root.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// `/`-separated path below the walked root.
    pub rel: &'a str,
    /// The file as read.
    pub fs_path: &'a Path,
    /// The walked root (a directory); package metadata is looked for between
    /// it and the file.
    pub root: &'a Path,
    /// The file's grammar (some evidence is per language).
    pub grammar: Grammar,
}

/// What stage 1 found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathRoles {
    /// Decided before reading: config, vendored or test.
    pub early: Option<FileRole>,
    /// Build or tooling by path; migrations and generated code win over it.
    pub late: Option<FileRole>,
    /// For a JS/TS file: the front-end or full-stack package it belongs to,
    /// by its nearest `package.json` (see [`js_package_kind`]).
    pub package: Option<JsPackage>,
}

/// The JS package a file belongs to, when its `package.json` says where the
/// package's code runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsPackage {
    /// The package folder below the walked root (`packages/front-end`; empty
    /// for the root).
    pub dir: String,
    /// What its `package.json` says.
    pub kind: PackageKind,
}

impl JsPackage {
    /// `packages/front-end/` (or `the root package`), for reasons.
    fn shown(&self) -> String {
        if self.dir.is_empty() { "the root package".to_string() } else { format!("`{}/`", self.dir) }
    }
}

/// Where a JS package's code runs, by the dependencies in its `package.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageKind {
    /// A browser UI framework (or a browser build target) and no server
    /// framework or server runtime: its modules run in the user's browser.
    /// The evidence, in words (`` `react-dom` ``).
    FrontEnd(String),
    /// A full-stack framework (Next.js, Nuxt, SvelteKit, Remix, ...): client
    /// and server code mix, and the framework's conventions say which is
    /// which. `pages_router`: a Next.js-style `pages/` app without an `app/`
    /// folder, whose components and pages are client code (in an `app/`
    /// router app, modules are server components unless they say `"use
    /// client"`).
    FullStack { framework: String, pages_router: bool },
}

/// Stage 1, with a cache of the directories it has looked into.
pub struct Classifier<'a> {
    overrides: Option<&'a RoleOverrides>,
    cwd: &'a Path,
    /// Directory → its entries' names.
    listings: HashMap<PathBuf, Vec<String>>,
    /// Walked root → the dirs its Cargo workspace excludes, and the text of
    /// its Python package metadata (when it is a package).
    roots: HashMap<PathBuf, RootInfo>,
    /// Directory → whether it holds Python package metadata.
    packages: HashMap<PathBuf, bool>,
    /// Crate directory → its `[[bin]]` targets (name, path).
    bins: HashMap<PathBuf, Vec<(String, String)>>,
    /// JS package directory → how its `package.json` makes it a
    /// command-line tool package, when it is one (see
    /// [`Classifier::js_tool_package`]).
    js_tools: HashMap<PathBuf, Option<String>>,
    /// JS package directory → where its code runs, when its `package.json`
    /// says (see [`js_package_kind`]).
    js_packages: HashMap<PathBuf, Option<PackageKind>>,
}

#[derive(Default)]
struct RootInfo {
    cargo_exclude: Vec<String>,
    python_package: Option<String>,
    /// Folders the root's pytest configuration names as its `testpaths`
    /// that are not importable packages, with the file that names them.
    pytest_testpaths: Vec<(String, &'static str)>,
    /// Member crates of the root's Cargo workspace that other members use
    /// only as a dev-dependency (test harnesses, mocks): crate dir, relative
    /// to the root, mapped to the crate's name.
    test_support_crates: Vec<(String, String)>,
    /// Member crates that build a command-line tool no member depends on
    /// (`stalwart-cli`, `readyset-benchmarks`), and what only such crates
    /// link: crate dir → crate name, and what kind of tool it is.
    tool_crates: Vec<ToolCrate>,
}

impl<'a> Classifier<'a> {
    /// A classifier for one run.
    pub fn new(overrides: Option<&'a RoleOverrides>, cwd: &'a Path) -> Classifier<'a> {
        Classifier {
            overrides,
            cwd,
            listings: HashMap::new(),
            roots: HashMap::new(),
            packages: HashMap::new(),
            bins: HashMap::new(),
            js_tools: HashMap::new(),
            js_packages: HashMap::new(),
        }
    }

    /// Stage 1 for one file.
    pub fn by_path(&mut self, place: Place<'_>) -> PathRoles {
        if let Some(role) = self.overrides.and_then(|o| o.role_of(place.fs_path, self.cwd)) {
            let early = FileRole::new(role, format!("the `[roles]` config lists it as `{role}`"));
            return PathRoles { early: Some(early), late: None, package: None };
        }
        let rel = place.rel.trim_start_matches("./");
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        let Some((&name, dirs)) = parts.split_last() else { return PathRoles::default() };
        let early = vendored_by_name(dirs)
            .or_else(|| self.vendored_by_metadata(place, dirs, name))
            .or_else(|| test_evidence(dirs, name))
            .or_else(|| self.pytest_suite(place, dirs))
            .or_else(|| self.test_support_crate(place, dirs));
        if early.is_some() {
            return PathRoles { early, late: None, package: None };
        }
        let late = self.build_evidence(place, dirs, name).or_else(|| self.tooling_evidence(place, dirs, name));
        let package = if place.grammar.language().is_js_family() { self.js_package(place, dirs) } else { None };
        PathRoles { early: None, late, package }
    }

    /// The front-end or full-stack package of a JS/TS file: the nearest
    /// `package.json` above it, up to and including the walked root's. A
    /// workspace root's (`workspaces`, `pnpm-workspace.yaml`) lists the
    /// whole monorepo's tooling, not one package's runtime: it says nothing.
    fn js_package(&mut self, place: Place<'_>, dirs: &[&str]) -> Option<JsPackage> {
        let mut dir = place.fs_path.parent()?.to_path_buf();
        for depth in (0..=dirs.len()).rev() {
            if self.listing(&dir).iter().any(|n| n == "package.json") {
                let kind = self.js_packages.entry(dir.clone()).or_insert_with(|| js_package_kind(&dir)).clone()?;
                return Some(JsPackage { dir: dirs[..depth].join("/"), kind });
            }
            if depth == 0 || !dir.pop() {
                break;
            }
        }
        None
    }

    /// The names in `dir`, read once.
    fn listing(&mut self, dir: &Path) -> &[String] {
        // Asked for every ancestor of every file: look up before allocating a key.
        if self.listings.contains_key(dir) {
            return &self.listings[dir];
        }
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            names.sort();
            names
        })
    }

    fn root_info(&mut self, root: &Path) -> &RootInfo {
        self.roots.entry(root.to_path_buf()).or_insert_with(|| {
            let mut info = RootInfo::default();
            if let Ok(text) = std::fs::read_to_string(root.join("Cargo.toml"))
                && let Ok(t) = toml::from_str::<toml::Table>(&text)
                && let Some(ex) = t.get("workspace").and_then(|w| w.get("exclude")).and_then(|e| e.as_array())
            {
                info.cargo_exclude = ex
                    .iter()
                    .filter_map(|v| v.as_str())
                    .map(|s| s.trim_start_matches("./").trim_end_matches('/').to_string())
                    .collect();
            }
            info.python_package = python_package_metadata(root);
            info.pytest_testpaths = pytest_testpaths(root);
            (info.test_support_crates, info.tool_crates) = workspace_crate_roles(root);
            info
        })
    }

    /// A file of a pytest suite that is no package of the service: a folder
    /// the root's pytest configuration names in `testpaths` and that holds
    /// the suite's `conftest.py` (`test_runner/` with its `fixtures/`
    /// modules), or a folder below the root with its own
    /// `pytest.ini` and no package metadata (an end-to-end suite such as
    /// `playwright_tests/`). Only folders without an `__init__.py`: pytest
    /// runs them from their own root directory, and no service imports them
    /// (a listed package, `testpaths = ["myapp"]`, holds the service itself).
    fn pytest_suite(&mut self, place: Place<'_>, dirs: &[&str]) -> Option<FileRole> {
        if dirs.is_empty() {
            return None;
        }
        let rel_dirs = dirs.join("/");
        let info = self.root_info(place.root);
        if let Some((dir, config)) =
            info.pytest_testpaths.iter().find(|(d, _)| rel_dirs == *d || rel_dirs.starts_with(&format!("{d}/")))
        {
            return Some(FileRole::new(
                Role::Test,
                format!("`{dir}/` is a pytest test path (`testpaths` in `{config}`), not a package"),
            ));
        }
        let mut dir = place.root.to_path_buf();
        for (i, d) in dirs.iter().enumerate() {
            dir.push(d);
            let names = self.listing(&dir);
            let own_suite = names.iter().any(|n| n == "pytest.ini")
                && !names.iter().any(|n| {
                    n == "__init__.py"
                        || PROJECT_FILES.contains(&n.as_str())
                        || (n.starts_with("requirements") && n.ends_with(".txt"))
                });
            if own_suite {
                return Some(FileRole::new(
                    Role::Test,
                    format!(
                        "`{}/` is its own pytest suite (`pytest.ini`, no package or project metadata)",
                        dirs[..=i].join("/")
                    ),
                ));
            }
        }
        None
    }

    /// A file of a workspace crate that the other crates use only in their
    /// `[dev-dependencies]` (an integration-test harness, a mock): test code.
    fn test_support_crate(&mut self, place: Place<'_>, dirs: &[&str]) -> Option<FileRole> {
        if place.grammar != Grammar::Rust {
            return None;
        }
        let info = self.root_info(place.root);
        let rel_dirs = dirs.join("/");
        let (dir, name) =
            info.test_support_crates.iter().find(|(d, _)| rel_dirs == *d || rel_dirs.starts_with(&format!("{d}/")))?;
        Some(FileRole::new(
            Role::Test,
            format!("`{dir}/` is a test-support crate (`{name}`: no crate builds with it, only tests)"),
        ))
    }

    /// Package metadata: pip `--target` installs, nested Python packages the
    /// root package does not declare, crates outside the Cargo workspace.
    fn vendored_by_metadata(&mut self, place: Place<'_>, dirs: &[&str], name: &str) -> Option<FileRole> {
        // `<dir>/requests-2.31.0.dist-info` beside `<dir>/requests/`: pip
        // installed it there (`pip install --target`).
        let mut dir = place.root.to_path_buf();
        let mut shown = String::new();
        for (i, child) in dirs.iter().chain(std::iter::once(&name)).enumerate() {
            let package = child.trim_end_matches(".py").replace('-', "_").to_ascii_lowercase();
            let hit = self.listing(&dir).iter().find(|n| {
                n.ends_with(".dist-info")
                    && n.split('-').next().is_some_and(|p| p.replace('-', "_").eq_ignore_ascii_case(&package))
            });
            if let Some(hit) = hit {
                let hit = hit.clone();
                return Some(FileRole::new(
                    Role::Vendored,
                    format!("`{shown}{child}` was installed into the tree by pip (`{hit}`)"),
                ));
            }
            if i == dirs.len() {
                break;
            }
            dir.push(child);
            shown.push_str(child);
            shown.push('/');
        }
        // Crates the root's Cargo workspace excludes.
        let info = self.root_info(place.root);
        let rel_dirs = dirs.join("/");
        if let Some(ex) = info.cargo_exclude.iter().find(|e| rel_dirs == **e || rel_dirs.starts_with(&format!("{e}/")))
        {
            let role = if ex.split('/').any(|s| s == "fuzz") { Role::Tooling } else { Role::Vendored };
            return Some(FileRole::new(role, format!("`{ex}/` is excluded from the Cargo workspace")));
        }
        // A nested Python package that the root package does not declare.
        let root_package = info.python_package.clone();
        if let Some(root_meta) = root_package
            && place.grammar == Grammar::Python
        {
            let mut dir = place.root.to_path_buf();
            let mut shown = String::new();
            for d in dirs {
                dir.push(d);
                shown.push_str(d);
                if let Some(meta) = ["setup.py", "pyproject.toml"].into_iter().find(|m| {
                    let names = self.listing(&dir);
                    names.iter().any(|n| n == m)
                }) && *self.packages.entry(dir.clone()).or_insert_with(|| python_package_metadata(&dir).is_some())
                    && !root_meta.contains(&shown)
                {
                    return Some(FileRole::new(
                        Role::Vendored,
                        format!("`{shown}/` is its own Python package (`{meta}`) that the project's does not declare"),
                    ));
                }
                shown.push('/');
            }
        }
        None
    }

    /// Build scripts and build-tool configuration.
    fn build_evidence(&mut self, place: Place<'_>, dirs: &[&str], name: &str) -> Option<FileRole> {
        if name == "build.rs" {
            let dir = place.fs_path.parent().unwrap_or(Path::new("."));
            let crate_root = self.listing(dir).iter().any(|n| n == "Cargo.toml");
            if crate_root || dirs.last() != Some(&"src") {
                return Some(FileRole::new(Role::Build, "a Cargo build script (`build.rs`)"));
            }
        }
        if name == "setup.py" {
            return Some(FileRole::new(Role::Build, "a Python build script (`setup.py`)"));
        }
        let stem = name.split('.').next().unwrap_or("");
        let is_config =
            name.contains(".config.") || name.contains(".conf.") || stem == "gulpfile" || stem == "gruntfile";
        if place.grammar.is_tree_sitter()
            && place.grammar != Grammar::Python
            && is_config
            && BUILD_CONFIGS.contains(&stem.to_ascii_lowercase().as_str())
        {
            return Some(FileRole::new(Role::Build, format!("build-tool configuration (`{name}`)")));
        }
        if let Some(d) = dirs.iter().find(|d| {
            ["vite-plugin", "webpack-plugin", "rollup-plugin", "eslint-plugin", "babel-plugin", "esbuild-plugin"]
                .iter()
                .any(|p| d.contains(p))
        }) {
            return Some(FileRole::new(Role::Build, format!("a build-tool plugin (`{d}/`)")));
        }
        None
    }

    /// Tooling folders, tool binaries, Storybook stories, Django management
    /// commands and developer entry points.
    fn tooling_evidence(&mut self, place: Place<'_>, dirs: &[&str], name: &str) -> Option<FileRole> {
        let src_at = dirs.iter().position(|d| *d == "src");
        for (i, d) in dirs.iter().enumerate() {
            if src_at.is_some_and(|s| s < i) {
                break;
            }
            if TOOLING_DIRS.contains(d) {
                let role = FileRole::new(Role::Tooling, format!("in a tooling folder (`{}/`)", dirs[..=i].join("/")));
                return Some(if place.grammar == Grammar::Python { role.importable().operator_tool() } else { role });
            }
        }
        if let Some(i) = dirs.windows(2).position(|w| w == ["management", "commands"]) {
            return Some(
                FileRole::new(Role::Tooling, format!("a Django management command (`{}/`)", dirs[..i + 2].join("/")))
                    .operator_tool(),
            );
        }
        if let Some(why) = seed_script(dirs, name) {
            let role = FileRole::new(Role::Tooling, why);
            return Some(if place.grammar == Grammar::Python { role.importable().operator_tool() } else { role });
        }
        if name.contains(".stories.") || name.contains(".story.") {
            return Some(FileRole::new(Role::Tooling, "a Storybook story"));
        }
        if place.grammar == Grammar::Python && PY_TOOL_FILES.contains(&name) {
            return Some(FileRole::new(Role::Tooling, format!("a developer entry point (`{name}`)")).operator_tool());
        }
        if place.grammar.language().is_js_family()
            && let Some(why) = self.js_tool_package(place, dirs)
        {
            return Some(FileRole::new(Role::Tooling, why));
        }
        if place.grammar == Grammar::Rust {
            let info = self.root_info(place.root);
            let rel_dirs = dirs.join("/");
            if let Some((dir, krate, what)) =
                info.tool_crates.iter().find(|(d, _, _)| rel_dirs == *d || rel_dirs.starts_with(&format!("{d}/")))
            {
                let reason = match *what {
                    "linked" => {
                        format!("`{dir}/` is an unpublished crate (`{krate}`) that only tool and test crates link")
                    }
                    what => format!("`{dir}/` is {what} (`{krate}`) that no crate of the service uses"),
                };
                return Some(FileRole::new(Role::Tooling, reason));
            }
            return self.rust_tool_binary(place, dirs, name);
        }
        None
    }

    /// A file of a JS package below the walked root whose `package.json`
    /// declares commands (`bin`), or names the package as a command-line
    /// tool that depends on an argument parser (`admin-cli` with `yargs`),
    /// and depends on no server framework: a command-line tool
    /// (`packages/cli`, a tunnel or deploy tool, a `create-*` starter, a
    /// wasm dev harness, an operator's admin command line), run by a person
    /// at a terminal, as a Cargo tool crate is. The root's own `package.json` does
    /// not count (a service may declare its start as a command), nor does a
    /// package that depends on a server framework.
    fn js_tool_package(&mut self, place: Place<'_>, dirs: &[&str]) -> Option<String> {
        let mut dir = place.fs_path.parent()?.to_path_buf();
        for depth in (1..=dirs.len()).rev() {
            if self.listing(&dir).iter().any(|n| n == "package.json") {
                let command = self.js_tools.entry(dir.clone()).or_insert_with(|| js_tool_command(&dir)).clone()?;
                return Some(format!(
                    "`{}/` is a command-line tool package ({command} in its `package.json`, no server framework)",
                    dirs[..depth].join("/")
                ));
            }
            if !dir.pop() {
                break;
            }
        }
        None
    }

    /// `src/bin/<tool>.rs`, `src/bin/<tool>/main.rs`, or a `[[bin]]` target
    /// with a tool's name.
    fn rust_tool_binary(&mut self, place: Place<'_>, dirs: &[&str], name: &str) -> Option<FileRole> {
        let stem = name.trim_end_matches(".rs");
        let bin_name = match dirs {
            [.., "src", "bin"] => Some(stem),
            [.., "src", "bin", sub] if name == "main.rs" => Some(*sub),
            _ => None,
        };
        if let Some(b) = bin_name.filter(|b| tool_like(b)) {
            return Some(FileRole::new(Role::Tooling, format!("a tool binary (`src/bin/` target `{b}`)")));
        }
        // `[[bin]] name = "gen-token" path = "tools/gen.rs"` in the nearest Cargo.toml.
        let mut dir = place.fs_path.parent()?.to_path_buf();
        for _ in 0..=dirs.len() {
            if self.listing(&dir).iter().any(|n| n == "Cargo.toml") {
                let rel = place.fs_path.strip_prefix(&dir).ok()?.to_string_lossy().replace('\\', "/");
                let bins = self.bins.entry(dir.clone()).or_insert_with(|| cargo_bins(&dir));
                return bins
                    .iter()
                    .find(|(n, p)| *p == rel && tool_like(n))
                    .map(|(n, _)| FileRole::new(Role::Tooling, format!("a tool binary (`[[bin]]` target `{n}`)")));
            }
            if !dir.pop() {
                break;
            }
        }
        None
    }
}

/// A database seed script: development data loaded by hand (`seed.ts`,
/// `seeds/users.py`, `prisma/seed.ts`), wherever it lives.
fn seed_script(dirs: &[&str], name: &str) -> Option<String> {
    const STEMS: &[&str] = &["seed", "seeds", "seeder", "seeders", "seed_data", "seed-data", "seed_db", "seed-db"];
    let stem = name.split('.').next().unwrap_or(name);
    if STEMS.contains(&stem) {
        return Some(format!("a database seed script (`{name}`)"));
    }
    let i = dirs.iter().position(|d| matches!(*d, "seeds" | "seeders" | "seed"))?;
    Some(format!("a database seed script (in `{}/`)", dirs[..=i].join("/")))
}

/// The `[[bin]]` targets (name, path) of the crate in `dir`.
fn cargo_bins(dir: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else { return Vec::new() };
    let Ok(table) = toml::from_str::<toml::Table>(&text) else { return Vec::new() };
    let Some(bins) = table.get("bin").and_then(|b| b.as_array()) else { return Vec::new() };
    bins.iter()
        .filter_map(|b| {
            let n = b.get("name")?.as_str()?;
            let p = b.get("path")?.as_str()?.trim_start_matches("./");
            Some((n.to_string(), p.to_string()))
        })
        .collect()
}

/// A workspace member: its dir relative to the root, and its name.
type Crate = (String, String);

/// A tool crate: its dir relative to the root, its name, and what it is
/// ("a command-line tool crate"; "linked" for an unpublished crate that only
/// tool and test crates link).
type ToolCrate = (String, String, &'static str);

/// Words of a crate's name that say it holds tests or test doubles.
const TEST_CRATE_WORDS: &[&str] =
    &["test", "tests", "testing", "integration", "mock", "mocks", "fixture", "fixtures", "harness", "e2e", "fake"];

/// Words of a binary crate's name that say it is a test program
/// (`end-to-end-tests`): strong enough to outweigh building a binary.
const TEST_BINARY_WORDS: &[&str] = &["test", "tests", "testing", "e2e"];

/// Words of a crate's name or folder that say it simulates a peer for
/// tests and development (`sp-sim`, `device-simulator`): a library is test
/// support, a binary a developer tool.
const SIM_CRATE_WORDS: &[&str] = &["sim", "simulator", "emulator"];

/// Words of a binary crate's name that say a developer runs it
/// (`omicron-dev`, `wicket-dbg`), and folders of developer tool crates
/// (`dev-tools/omdb`).
const DEV_CRATE_WORDS: &[&str] = &["dev", "dbg"];
const DEV_TOOL_DIRS: &[&str] = &["dev-tools", "dev_tools", "devtools"];

/// Words of a crate's name or folder that say it measures the service
/// rather than being part of it (`system-benchmarks`, `ddl-stress`).
const BENCH_CRATE_WORDS: &[&str] = &["bench", "benches", "benchmark", "benchmarks", "stress", "loadtest", "loadgen"];

/// The member crates of the Cargo workspace at `root` that other members
/// list only under `[dev-dependencies]` (of any target), or that are named as
/// test code ([`TEST_CRATE_WORDS`]), never under `[dependencies]` or
/// `[build-dependencies]`, and that build no binary: (crate dir relative to
/// `root`, crate name).
///
/// A binary crate named as a test program (`end-to-end-tests`:
/// [`TEST_BINARY_WORDS`]) is test code too, and so is a library named as a
/// simulator ([`SIM_CRATE_WORDS`]: `sp-sim`).
///
/// Also the tool crates: members that build a binary named as a tool
/// (`*-cli`, `*-tools`: [`TOOL_WORDS`] and `cli`; `*-dev`, `*-dbg`:
/// [`DEV_CRATE_WORDS`]), a simulator binary, any crate in a developer-tools
/// folder ([`DEV_TOOL_DIRS`]: `dev-tools/omdb`), or that are named as
/// benchmarks ([`BENCH_CRATE_WORDS`], by crate or folder name). Names and
/// folders are the weaker evidence: every role here needs that no
/// production member lists the crate under `[dependencies]` or
/// `[build-dependencies]` (a `*-sim` crate the service links stays
/// production). A crate counts as depended on only by production
/// crates: to a fixed point, what only test and tool crates depend on is
/// test code (named so, or `publish = false` and linked only by test
/// crates) or tooling (`publish = false` and linked by a tool crate).
fn workspace_crate_roles(root: &Path) -> (Vec<Crate>, Vec<ToolCrate>) {
    let read = |dir: &Path| -> Option<toml::Table> {
        toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml")).ok()?).ok()
    };
    let Some(manifest) = read(root) else { return (Vec::new(), Vec::new()) };
    let Some(members) = manifest.get("workspace").and_then(|w| w.get("members")).and_then(|m| m.as_array()) else {
        return (Vec::new(), Vec::new());
    };
    // Members are paths, or globs with `*` in a segment (`crates/*`).
    let mut dirs: Vec<String> = Vec::new();
    for m in members.iter().filter_map(|m| m.as_str()) {
        let mut found = vec![String::new()];
        for seg in m.trim_start_matches("./").trim_end_matches('/').split('/') {
            let mut next = Vec::new();
            for base in &found {
                let join = |s: &str| if base.is_empty() { s.to_string() } else { format!("{base}/{s}") };
                if seg.contains('*') {
                    let (pre, post) = seg.split_once('*').unwrap_or((seg, ""));
                    let Ok(rd) = std::fs::read_dir(root.join(base)) else { continue };
                    let mut names: Vec<String> = rd
                        .flatten()
                        .filter(|e| e.path().is_dir())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.starts_with(pre) && n.ends_with(post))
                        .collect();
                    names.sort();
                    next.extend(names.iter().map(|n| join(n)));
                } else {
                    next.push(join(seg));
                }
            }
            found = next;
        }
        dirs.extend(found.into_iter().filter(|d| !d.is_empty()));
    }
    let crates: Vec<(String, toml::Table)> =
        dirs.into_iter().filter_map(|d| read(&root.join(&d)).map(|t| (d, t))).collect();
    // A dependency's crate name: its key, or the `package` it renames.
    let names = |t: Option<&toml::Value>| -> Vec<String> {
        t.and_then(|v| v.as_table())
            .map(|deps| {
                deps.iter()
                    .map(|(k, v)| v.get("package").and_then(|p| p.as_str()).unwrap_or(k).replace('_', "-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let tables = |t: &toml::Table| -> Vec<toml::Table> {
        let mut all = vec![t.clone()];
        if let Some(targets) = t.get("target").and_then(|x| x.as_table()) {
            all.extend(targets.values().filter_map(|v| v.as_table().cloned()));
        }
        all
    };
    // Each member's name, its normal (and build) dependencies, and whether
    // it is published; the root manifest's package counts as a member.
    struct Member {
        dir: String,
        name: String,
        normal: Vec<String>,
        unpublished: bool,
        builds_binary: bool,
    }
    let mut dev = std::collections::HashSet::new();
    let mut members: Vec<Member> = Vec::new();
    for (d, t) in crates.iter().chain(std::iter::once(&(String::new(), manifest.clone()))) {
        let mut normal = Vec::new();
        // An optional dependency that only features named for tests enable
        // (`testing = ["omicron-test-utils"]`) is a test build's, as a
        // dev-dependency is.
        let features = t.get("features").and_then(|f| f.as_table());
        let test_only_optional = |key: &str, v: &toml::Value| {
            if v.get("optional").and_then(|o| o.as_bool()) != Some(true) {
                return false;
            }
            let enables = |item: &str| {
                let item = item.strip_prefix("dep:").unwrap_or(item);
                let item = item.split('/').next().unwrap_or(item).trim_end_matches('?');
                item == key
            };
            let by: Vec<&String> = features
                .map(|f| {
                    f.iter()
                        .filter(|(_, list)| {
                            list.as_array().is_some_and(|l| l.iter().filter_map(|i| i.as_str()).any(enables))
                        })
                        .map(|(name, _)| name)
                        .collect()
                })
                .unwrap_or_default();
            !by.is_empty() && by.iter().all(|f| crate::lang::rust::test_feature(f))
        };
        for table in tables(t) {
            if let Some(deps) = table.get("dependencies").and_then(|v| v.as_table()) {
                for (k, v) in deps {
                    let name = v.get("package").and_then(|p| p.as_str()).unwrap_or(k).replace('_', "-");
                    if test_only_optional(k, v) {
                        dev.insert(name);
                    } else {
                        normal.push(name);
                    }
                }
            }
            normal.extend(names(table.get("build-dependencies")));
            dev.extend(names(table.get("dev-dependencies")));
        }
        let package = t.get("package");
        let name = package.and_then(|p| p.get("name")).and_then(|n| n.as_str()).unwrap_or_default();
        let unpublished = package.and_then(|p| p.get("publish")).is_some_and(|p| p.as_bool() == Some(false));
        let builds_binary = !d.is_empty()
            && (t.contains_key("bin")
                || root.join(d).join("src/main.rs").exists()
                || root.join(d).join("src/bin").is_dir());
        members.push(Member { dir: d.clone(), name: name.replace('_', "-"), normal, unpublished, builds_binary });
    }
    // To a fixed point: what only test and tool crates depend on is not the
    // service's either (a test-helper crate that an end-to-end test crate
    // uses, a failpoint client that only a stress-test binary links).
    let mut roles: HashMap<usize, Role> = HashMap::new();
    loop {
        let mut production_deps = std::collections::HashSet::new();
        let mut other_deps: HashMap<&str, Vec<Role>> = HashMap::new();
        for (i, m) in members.iter().enumerate() {
            for dep in &m.normal {
                match roles.get(&i) {
                    Some(r) => other_deps.entry(dep.as_str()).or_default().push(*r),
                    None => {
                        production_deps.insert(dep.as_str());
                    }
                }
            }
        }
        let mut found = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if m.dir.is_empty()
                || m.name.is_empty()
                || roles.contains_key(&i)
                || production_deps.contains(m.name.as_str())
            {
                continue;
            }
            // The crate's name and its folder's, split into words.
            let folder = m.dir.rsplit('/').next().unwrap_or_default();
            let words: Vec<&str> = m.name.split(['-', '_']).chain(folder.split(['-', '_'])).collect();
            // Named as test code (`app-integration`, `mock-http-body`,
            // `client-test-helpers`).
            let named_test = words.iter().any(|w| TEST_CRATE_WORDS.contains(w));
            // Named as a benchmark or load generator, binary or not.
            let named_bench = words.iter().any(|w| BENCH_CRATE_WORDS.contains(w));
            // Named as a simulator of a peer (`sp-sim`).
            let named_sim = words.iter().any(|w| SIM_CRATE_WORDS.contains(w));
            // In a developer-tools folder (`dev-tools/omicron-dev`), or a
            // binary named as a developer's (`wicket-dbg`).
            let dev_tool = m.dir.split('/').any(|d| DEV_TOOL_DIRS.contains(&d))
                || (m.builds_binary && m.name.split(['-', '_']).any(|w| DEV_CRATE_WORDS.contains(&w)));
            let users = other_deps.get(m.name.as_str());
            // A library only tests use, or a test program.
            let test_library = !m.builds_binary && (dev.contains(&m.name) || named_test || named_sim);
            let test_binary = m.builds_binary && words.iter().any(|w| TEST_BINARY_WORDS.contains(w));
            let role = if test_library || test_binary {
                Some(Role::Test)
            } else if named_bench
                || named_sim
                || dev_tool
                || (m.builds_binary && words.iter().any(|w| *w == "cli" || TOOL_WORDS.contains(w)))
            {
                Some(Role::Tooling)
            } else {
                // Unpublished, and linked only by test or tool crates.
                users
                    .filter(|_| m.unpublished)
                    .map(|users| if users.iter().all(|r| *r == Role::Test) { Role::Test } else { Role::Tooling })
            };
            if let Some(role) = role {
                found.push((i, role));
            }
        }
        if found.is_empty() {
            break;
        }
        roles.extend(found);
    }
    let mut tests = Vec::new();
    let mut tools = Vec::new();
    let mut by_index: Vec<(usize, Role)> = roles.into_iter().collect();
    by_index.sort();
    for (i, role) in by_index {
        let m = &members[i];
        if role == Role::Test {
            tests.push((m.dir.clone(), m.name.clone()));
            continue;
        }
        let folder = m.dir.rsplit('/').next().unwrap_or_default();
        let words = || m.name.split(['-', '_']).chain(folder.split(['-', '_']));
        let why = if words().any(|w| BENCH_CRATE_WORDS.contains(&w)) {
            "a benchmark or load-test crate"
        } else if words().any(|w| SIM_CRATE_WORDS.contains(&w)) {
            "a simulator crate"
        } else if m.dir.split('/').any(|d| DEV_TOOL_DIRS.contains(&d)) {
            "a developer-tools crate"
        } else if m.builds_binary {
            "a command-line tool crate"
        } else {
            "linked"
        };
        tools.push((m.dir.clone(), m.name.clone(), why));
    }
    (tests, tools)
}

/// True for a binary named like a developer tool.
fn tool_like(name: &str) -> bool {
    name.split(['-', '_']).any(|w| TOOL_WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// Server frameworks: a package that depends on one serves requests,
/// whatever commands it also declares.
const JS_SERVER_PACKAGES: &[&str] = &[
    "express",
    "fastify",
    "koa",
    "@nestjs/core",
    "hono",
    "@hapi/hapi",
    "next",
    "nuxt",
    "@remix-run/node",
    "restify",
    "@trpc/server",
    "elysia",
];

/// Full-stack frameworks: a package that depends on one mixes client and
/// server code (see [`PackageKind::FullStack`]).
const JS_FULL_STACK_PACKAGES: &[&str] = &[
    "next",
    "nuxt",
    "@sveltejs/kit",
    "@remix-run/node",
    "@remix-run/react",
    "@remix-run/serve",
    "@react-router/node",
    "@react-router/dev",
    "astro",
    "@solidjs/start",
    "@tanstack/react-start",
    "@builder.io/qwik-city",
];

/// Server frameworks and server runtimes (database drivers, ORMs, queues,
/// mailers, socket servers, desktop shells): a package that depends on one
/// runs code outside a browser, so its `package.json` makes no front-end
/// package, whatever UI framework it also lists (a server that renders
/// React, an Electron app).
const JS_SERVER_RUNTIME_PACKAGES: &[&str] = &[
    "pg",
    "mysql",
    "mysql2",
    "mongodb",
    "mongoose",
    "knex",
    "@prisma/client",
    "prisma",
    "typeorm",
    "sequelize",
    "drizzle-orm",
    "ioredis",
    "redis",
    "bull",
    "bullmq",
    "kafkajs",
    "amqplib",
    "nodemailer",
    "ws",
    "socket.io",
    "electron",
    "@hono/node-server",
    "h3",
    "nitropack",
    "@remix-run/express",
    "@nestjs/common",
];

/// Browser UI frameworks: what a front-end package depends on.
const JS_UI_FRAMEWORKS: &[&str] =
    &["react-dom", "lit", "lit-element", "vue", "svelte", "@angular/core", "preact", "solid-js", "ember-source"];

/// Browser test runners and dev servers: a browser build target too.
const JS_BROWSER_TOOLS: &[&str] = &["@web/test-runner", "@web/dev-server", "webpack-dev-server", "karma"];

/// Where the code of the JS package in `dir` runs, by its `package.json`:
/// a full-stack framework in any dependency list makes a full-stack package;
/// otherwise a browser UI framework (`react-dom`, `lit`, `vue`, ...), a
/// browser test runner or dev server, a `browserslist` field, or `vite`
/// with an `index.html` beside the `package.json` (a Vite app), with no
/// server framework or server runtime in any dependency list, makes a
/// front-end package. `react` alone does not count (React Native, email and
/// PDF renderers use it too). `None` for anything else, and for a
/// workspace root (`workspaces`, `pnpm-workspace.yaml`, `lerna.json`),
/// whose dependencies are the whole monorepo's tooling.
pub fn js_package_kind(dir: &Path) -> Option<PackageKind> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    if json.get("workspaces").is_some() || dir.join("pnpm-workspace.yaml").is_file() || dir.join("lerna.json").is_file()
    {
        return None;
    }
    let find = |names: &[&str]| -> Option<String> {
        ["dependencies", "peerDependencies", "devDependencies"].iter().find_map(|k| {
            let deps = json.get(*k)?.as_object()?;
            names.iter().find(|n| deps.contains_key(**n)).map(|n| n.to_string())
        })
    };
    if let Some(framework) = find(JS_FULL_STACK_PACKAGES) {
        let has = |d: &str| dir.join(d).is_dir();
        let pages_router = (has("pages") || has("src/pages")) && !has("app") && !has("src/app");
        return Some(PackageKind::FullStack { framework, pages_router });
    }
    if find(JS_SERVER_PACKAGES).is_some() || find(JS_SERVER_RUNTIME_PACKAGES).is_some() {
        return None;
    }
    if let Some(ui) = find(JS_UI_FRAMEWORKS) {
        return Some(PackageKind::FrontEnd(format!("depends on the browser UI framework `{ui}`")));
    }
    if let Some(tool) = find(JS_BROWSER_TOOLS) {
        return Some(PackageKind::FrontEnd(format!("tests or serves in a browser with `{tool}`")));
    }
    if json.get("browserslist").is_some() {
        return Some(PackageKind::FrontEnd("targets browsers (`browserslist`)".to_string()));
    }
    if find(&["vite"]).is_some() && dir.join("index.html").is_file() {
        return Some(PackageKind::FrontEnd("a Vite app (`vite` and an `index.html`)".to_string()));
    }
    None
}

/// Command-line argument parsers: what a package needs to be a command.
const JS_ARGV_PARSERS: &[&str] = &[
    "yargs",
    "commander",
    "cac",
    "meow",
    "oclif",
    "@oclif/core",
    "clipanion",
    "citty",
    "sade",
    "minimist",
    "arg",
    "cmd-ts",
    "@commander-js/extra-typings",
];

/// How the `package.json` in `dir` makes its package a command-line tool,
/// in words (`bin` `acme`), when it depends on no server framework: it
/// declares a command in `bin`, or it is named as one (`cli`, `admin-cli`)
/// and depends on a command-line argument parser (an operator tool run
/// through a `package.json` script rather than installed as a command).
fn js_tool_command(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let depends_on = |names: &[&str]| {
        ["dependencies", "peerDependencies"]
            .iter()
            .any(|k| json.get(*k).and_then(|d| d.as_object()).is_some_and(|d| names.iter().any(|p| d.contains_key(*p))))
    };
    if depends_on(JS_SERVER_PACKAGES) {
        return None;
    }
    let name = json.get("name").and_then(|n| n.as_str()).map(|n| n.rsplit('/').next().unwrap_or(n));
    match json.get("bin") {
        Some(serde_json::Value::String(_)) => return name.map(|n| format!("`bin` `{n}`")),
        Some(serde_json::Value::Object(m)) => return m.keys().next().map(|c| format!("`bin` `{c}`")),
        _ => {}
    }
    let name = name?;
    let named_cli = name.split(['-', '_', '.']).any(|w| w.eq_ignore_ascii_case("cli"));
    let parser = JS_ARGV_PARSERS.iter().find(|p| depends_on(&[**p]))?;
    named_cli.then(|| format!("named `{name}`, depends on the argument parser `{parser}`"))
}

/// Files that make a folder a project of its own (a service, a package),
/// not a test suite.
const PROJECT_FILES: &[&str] = &[
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "Pipfile",
    "manage.py",
    "Dockerfile",
    "package.json",
    "Cargo.toml",
    "wsgi.py",
    "asgi.py",
    "app.py",
    "main.py",
];

/// The folders the pytest configuration at `root` lists in `testpaths`
/// (`pytest.ini`, `[pytest]` of `tox.ini`, `[tool:pytest]` of `setup.cfg`,
/// `[tool.pytest.ini_options]` of `pyproject.toml`) that hold the suite's
/// `conftest.py` and are not importable packages (no `__init__.py`; never a
/// source root such as `src/`), with the file that lists them.
fn pytest_testpaths(root: &Path) -> Vec<(String, &'static str)> {
    let mut listed: Vec<(String, &'static str)> = Vec::new();
    for (file, section) in [("pytest.ini", "[pytest]"), ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]")] {
        let Ok(text) = std::fs::read_to_string(root.join(file)) else { continue };
        let mut in_section = false;
        let mut in_key = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('[') {
                in_section = t == section;
                in_key = false;
                continue;
            }
            if !in_section || t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            let continued = line.starts_with([' ', '\t']);
            let values = if let Some(rest) = t.strip_prefix("testpaths").map(str::trim_start) {
                in_key = true;
                rest.strip_prefix('=').unwrap_or("")
            } else if in_key && continued {
                t
            } else {
                in_key = false;
                continue;
            };
            listed.extend(values.split_whitespace().map(|v| (v.to_string(), file)));
        }
    }
    if let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml"))
        && let Ok(t) = toml::from_str::<toml::Table>(&text)
        && let Some(paths) = t
            .get("tool")
            .and_then(|t| t.get("pytest"))
            .and_then(|p| p.get("ini_options"))
            .and_then(|o| o.get("testpaths"))
    {
        match paths {
            toml::Value::String(s) => listed.extend(s.split_whitespace().map(|v| (v.to_string(), "pyproject.toml"))),
            toml::Value::Array(a) => {
                listed.extend(a.iter().filter_map(|v| v.as_str()).map(|v| (v.to_string(), "pyproject.toml")))
            }
            _ => {}
        }
    }
    listed
        .into_iter()
        .map(|(d, f)| (d.trim_start_matches("./").trim_end_matches('/').to_string(), f))
        .filter(|(d, _)| {
            !d.is_empty()
                && d != "."
                && !d.contains(['*', '?', '['])
                && !d.split('/').any(|s| s == "..")
                && root.join(d).join("conftest.py").is_file()
                && !root.join(d).join("__init__.py").exists()
                && !matches!(d.as_str(), "src" | "lib" | "app")
        })
        .collect()
}

/// Python package metadata in `dir`: the text of a `setup.py`, or of a
/// `pyproject.toml` that declares a package (`[project]` or
/// `[tool.poetry]`; one with only tool settings declares none).
fn python_package_metadata(dir: &Path) -> Option<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join("setup.py")) {
        return Some(text);
    }
    let text = std::fs::read_to_string(dir.join("pyproject.toml")).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let package = table.contains_key("project") || table.get("tool").is_some_and(|t| t.get("poetry").is_some());
    package.then_some(text)
}

/// Vendor folders and `lib/<known package>/`.
fn vendored_by_name(dirs: &[&str]) -> Option<FileRole> {
    if let Some(i) = dirs.iter().position(|d| VENDOR_DIRS.contains(d)) {
        return Some(FileRole::new(Role::Vendored, format!("in a vendor folder (`{}/`)", dirs[..=i].join("/"))));
    }
    let i = dirs.windows(2).position(|w| LIB_DIRS.contains(&w[0]) && KNOWN_PACKAGES.contains(&w[1]))?;
    Some(FileRole::new(
        Role::Vendored,
        format!("`{}/` is a copy of the third-party package `{}`", dirs[..i + 2].join("/"), dirs[i + 1]),
    ))
}

/// Test code by path: test folders, `test_*.py`, `*_test.py`, `conftest.py`,
/// `*.test.*`/`*.spec.*`/`*.e2e-spec.*`/`*.cy.*` scripts, Rust `tests.rs`
/// modules, test-runner setup files and other linters' rule tests.
fn test_evidence(dirs: &[&str], name: &str) -> Option<FileRole> {
    if let Some(d) = dirs.iter().find(|d| TEST_DIRS.contains(d)) {
        return Some(FileRole::new(Role::Test, format!("in a test folder (`{d}/`)")));
    }
    let stem = name.split('.').next().unwrap_or("");
    let py_test =
        name.ends_with(".py") && (stem.starts_with("test_") || stem.ends_with("_test") || name == "conftest.py");
    let js_test = [".test.", ".spec.", ".e2e-spec.", ".e2e.", ".cy."].iter().any(|m| name.contains(m));
    let setup = ["setupTests.", "test-setup.", "jest.setup.", "vitest.setup."].iter().any(|m| name.starts_with(m));
    // Rust: `mod tests;` files (inline `#[cfg(test)]` modules are skipped by
    // the Rust engine).
    let rs_test = name.ends_with(".rs")
        && (matches!(stem, "tests" | "test" | "test_utils" | "testing")
            || stem.ends_with("_tests")
            || stem.ends_with("_test"));
    (py_test || js_test || setup || rs_test).then(|| FileRole::new(Role::Test, format!("a test file (`{name}`)")))
}

/// True for test code by its path below the walked root.
pub fn is_test_path(path: &Path) -> bool {
    let rel = path.to_string_lossy().replace('\\', "/");
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    match parts.split_last() {
        Some((name, dirs)) => test_evidence(dirs, name).is_some(),
        None => false,
    }
}

// ------------------------------------------------------------------ stage 2

/// Stage 2: the role of a file that stage 1 did not decide, from its text.
/// `migration` says whether the migration reader takes the file.
pub fn by_content(
    rel: &str,
    grammar: Grammar,
    text: &str,
    late: Option<FileRole>,
    package: Option<&JsPackage>,
    migration: Option<&str>,
) -> FileRole {
    if let Some(style) = migration {
        return FileRole::new(Role::Migration, format!("a {style} migration"));
    }
    if let Some(g) = generated(rel, text) {
        return g;
    }
    if let Some(late) = late {
        return late;
    }
    if grammar == Grammar::Python
        && let Some(line) = script_guard(text)
    {
        return FileRole::new(
            Role::Tooling,
            format!("runs as a script (`if __name__ == \"__main__\":` on line {line}, no service wiring)"),
        )
        .importable();
    }
    if grammar.language().is_js_family()
        && let Some(why) = browser_evidence(rel, grammar, text, package)
    {
        return FileRole::new(Role::Browser, why);
    }
    FileRole::production()
}

/// Generated code: a marker in a comment among the first lines, or a
/// generator's file name.
fn generated(rel: &str, text: &str) -> Option<FileRole> {
    const MARKERS: &[&str] = &[
        "@generated",
        "DO NOT EDIT",
        "Do not edit",
        "do not edit",
        "automatically generated",
        "Automatically generated",
        "auto-generated",
        "Auto-generated",
        "autogenerated",
        "Autogenerated",
        "DO NOT MODIFY",
        "do NOT modify",
        "Do not modify this file",
        "do not modify this file",
    ];
    for (i, line) in text.lines().take(10).enumerate() {
        let l = line.trim_start();
        let comment = ["//", "/*", "*", "#", "\"\"\"", "'''", "--"].iter().any(|c| l.starts_with(c));
        if comment && let Some(m) = MARKERS.iter().find(|m| l.contains(*m)) {
            return Some(FileRole::new(Role::Generated, format!("`{m}` on line {}", i + 1)));
        }
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let by_name = name.ends_with("_pb2.py")
        || name.ends_with("_pb2_grpc.py")
        || name.ends_with("_pb2.pyi")
        || name.ends_with("_pb.js")
        || name.ends_with("_pb.ts")
        || name.ends_with("_grpc_pb.js")
        || name.contains(".generated.")
        || name.contains(".gen.")
        || rel.split('/').any(|d| d == "__generated__");
    by_name.then(|| FileRole::new(Role::Generated, format!("a generator's file name (`{name}`)")))
}

/// Top-level decorators that register a route, task or handler.
const WIRING_DECORATORS: &[&str] = &[
    ".route(",
    ".get(",
    ".post(",
    ".put(",
    ".patch(",
    ".delete(",
    ".websocket(",
    ".task",
    "shared_task",
    ".on_event(",
    ".middleware(",
    "receiver(",
    ".subscribe",
    ".consumer",
    ".handler",
    ".listener",
    "api_view",
    ".register",
];
/// Application objects of web and task frameworks.
const APPS: &[&str] = &[
    "Flask(",
    "FastAPI(",
    "Starlette(",
    "Quart(",
    "Sanic(",
    "Litestar(",
    "Celery(",
    "APIRouter(",
    "Blueprint(",
    "web.Application(",
    "get_wsgi_application(",
    "get_asgi_application(",
    "Router(",
];

/// The line of a top-level `if __name__ == "__main__":` in a module whose
/// top level wires no service (no route or task decorators, no application
/// object): such a module runs as a script. `None` otherwise.
fn script_guard(text: &str) -> Option<usize> {
    let mut guard = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        let l = line.trim_end();
        let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with("if__name__==") && compact.contains("__main__") {
            guard.get_or_insert(i + 1);
        } else if wiring_line(line) {
            // Route or task decorators, or an application object: a service.
            return None;
        }
    }
    guard
}

/// True for a top-level line that wires a service: a route or task
/// decorator, or an application object.
fn wiring_line(line: &str) -> bool {
    if line.starts_with(' ') || line.starts_with('\t') {
        return false;
    }
    let l = line.trim_end();
    (l.starts_with('@') && WIRING_DECORATORS.iter().any(|w| l.contains(w)))
        || (!l.starts_with('#') && l.contains('=') && APPS.iter().any(|a| l.contains(a)))
}

/// Browser code: TSX/JSX files, `"use client"` modules, UI-framework imports,
/// DOM globals, front-end folders, and package evidence: every module of a
/// front-end package, and the client folders of a pages-router full-stack
/// app (see [`PackageKind`]).
///
/// Server evidence wins over all of it: in a full-stack package the
/// framework's server places and functions ([`full_stack_server`]), and in
/// any file but a TSX/JSX one a server marker (`"use server"`,
/// `server-only`, `next/server`, ...).
/// Package evidence needs no Node built-in import either
/// ([`imports_node_builtin`]: a dev script kept in a front-end package).
///
/// A folder name alone is weak evidence and stays as it was: `frontend/`,
/// `static/`, `public/`, `www/`, `webapp/` and `browser/` count; `client/`
/// (a Node service's API clients) and `web/` (a Next.js app's `apps/web/`,
/// full of API routes) do not. In a full-stack package none of them
/// outweighs the framework's server places.
fn browser_evidence(rel: &str, grammar: Grammar, text: &str, package: Option<&JsPackage>) -> Option<String> {
    const MARKERS: &[&str] = &[
        "\"use client\"",
        "'use client'",
        "from \"react\"",
        "from 'react'",
        "require(\"react\")",
        "from \"vue\"",
        "from 'vue'",
        "from \"prosemirror-",
        "from 'prosemirror-",
        "from \"svelte",
        "from \"@angular/core\"",
        "from '@angular/core'",
        "credentials: \"same-origin\"",
        "credentials: 'same-origin'",
        "credentials: \"include\"",
    ];
    // DOM globals, matched as globals only.
    const GLOBALS: &[&str] = &["document.", "window.", "localStorage.", "navigator."];
    // Not `client`: Node services keep their outbound API clients in `src/client/`.
    const FOLDERS: &[&str] = &["static", "project-static", "frontend", "browser", "public", "www", "webapp"];
    // The package-relative path, for the framework's conventions.
    let inner = package.map_or(rel, |p| {
        if p.dir.is_empty() { rel } else { rel.strip_prefix(p.dir.as_str()).map_or(rel, |r| r.trim_start_matches('/')) }
    });
    if let Some(p) = package
        && matches!(p.kind, PackageKind::FullStack { .. })
        && full_stack_server(inner, text)
    {
        return None;
    }
    if grammar == Grammar::Tsx || rel.ends_with(".jsx") {
        return Some("a TSX/JSX component file".to_string());
    }
    // A module that declares itself server-side (a Next.js server action,
    // a `server-only` module, a route handler reading `next/server`) runs on
    // the server whatever else it imports. (Not asked of TSX files: the
    // lexical scan also finds imports in the code snippets a component
    // shows.)
    if js_server_marker(text).is_some() {
        return None;
    }
    if let Some(p) = package
        && !imports_node_builtin(text)
    {
        match &p.kind {
            PackageKind::FrontEnd(evidence) => {
                // A plain JS file at the package root is a Node-run config
                // or tool (`rollup.webchat.mjs`, `stress-test.js`); the
                // browser's modules live in folders.
                let root_js = !inner.contains('/') && grammar != Grammar::TypeScript;
                if !front_end_server(inner) && !root_js {
                    return Some(format!(
                        "in the front-end package {} (its `package.json` {evidence}, no server framework or runtime)",
                        p.shown()
                    ));
                }
            }
            PackageKind::FullStack { framework, pages_router: true } => {
                let parts: Vec<&str> = inner.split('/').collect();
                let parts = parts.strip_prefix(&["src"]).unwrap_or(&parts);
                if let [first, _, ..] = parts
                    && CLIENT_FOLDERS.contains(first)
                {
                    return Some(format!(
                        "client code of the `{framework}` pages app {} (in `{first}/`, no server function)",
                        p.shown()
                    ));
                }
            }
            PackageKind::FullStack { .. } => {}
        }
    }
    let dirs = rel.rsplit_once('/').map_or("", |(d, _)| d);
    if let Some(f) = dirs.split('/').find(|seg| FOLDERS.contains(seg)) {
        return Some(format!("in a front-end folder (`{f}/`)"));
    }
    if let Some(m) = MARKERS.iter().find(|m| text.contains(*m)) {
        return Some(format!("browser code (`{m}`)"));
    }
    if let Some(m) = js_import_specifiers(text).find(|m| browser_module(m)) {
        return Some(format!("imports the browser UI library `{m}`"));
    }
    GLOBALS.iter().find(|g| uses_global(text, g)).map(|g| format!("browser code (`{g}`)"))
}

/// The folders of a pages-router full-stack app (below the package, or its
/// `src/`) that hold client code: components, hooks, React contexts and the
/// pages themselves (`pages/api/` is a server place, [`full_stack_server`]).
const CLIENT_FOLDERS: &[&str] = &["components", "hooks", "contexts", "context", "pages"];

/// Server places and functions of a full-stack framework, by the module's
/// path inside its package and its text: API routes (`api/` anywhere:
/// `pages/api/`, `app/api/`, a host's `api/` functions), route handlers
/// (`route.ts`, SvelteKit's `+server.ts` and `*.server.ts`), `middleware`,
/// `instrumentation` and `proxy` files, server folders (`server/`,
/// `functions/`, `lambda/`), and modules that define a data function
/// (`getServerSideProps`, `getStaticProps`, `getStaticPaths`, a Remix
/// `loader` or `action`): such a page mixes server and client code, and the
/// server half is what can hurt production, so the module stays production.
pub(crate) fn full_stack_server(inner: &str, text: &str) -> bool {
    const SERVER_DIRS: &[&str] = &["api", "server", "servers", "functions", "lambda", "lambdas", "netlify", "supabase"];
    const SERVER_STEMS: &[&str] = &["route", "middleware", "instrumentation", "proxy", "+server"];
    const DATA_FUNCTIONS: &[&str] = &[
        "getServerSideProps",
        "getStaticProps",
        "getStaticPaths",
        "function loader",
        "function action",
        "const loader",
        "const action",
    ];
    let (dirs, name) = inner.rsplit_once('/').unwrap_or(("", inner));
    let stem = name.split('.').next().unwrap_or(name);
    dirs.split('/').any(|d| SERVER_DIRS.contains(&d))
        || SERVER_STEMS.contains(&stem)
        || name.contains(".server.")
        || text.lines().any(|l| l.trim_start().starts_with("export") && DATA_FUNCTIONS.iter().any(|f| l.contains(f)))
}

/// Server places inside a front-end package: a host's functions folder at
/// the package root (`api/`, `functions/`, `netlify/`, ...), a `server/`
/// folder anywhere, or a `*.server.*` file. (`src/api/` of a front-end
/// package holds the browser's API client, so only the root's counts.)
fn front_end_server(inner: &str) -> bool {
    const ROOT_DIRS: &[&str] = &["api", "server", "functions", "lambda", "lambdas", "netlify", "supabase"];
    let (dirs, name) = inner.rsplit_once('/').unwrap_or(("", inner));
    let first = dirs.split('/').next().unwrap_or("");
    ROOT_DIRS.contains(&first) || dirs.split('/').any(|d| d == "server") || name.contains(".server.")
}

/// Node's built-in modules that only code outside a browser imports: a
/// module that imports one runs in Node (a dev script, a build step), even
/// inside a front-end package.
const NODE_BUILTINS: &[&str] = &[
    "fs",
    "fs/promises",
    "child_process",
    "http",
    "https",
    "net",
    "tls",
    "dns",
    "os",
    "cluster",
    "worker_threads",
    "zlib",
    "readline",
    "crypto",
];

/// True when the module imports one of [`NODE_BUILTINS`] or any `node:`
/// module.
pub(crate) fn imports_node_builtin(text: &str) -> bool {
    js_import_specifiers(text).any(|m| m.starts_with("node:") || NODE_BUILTINS.contains(&m))
}

/// Modules only browser code imports: UI frameworks and their hooks
/// libraries (client-side data fetching, routing, state, form and component
/// kits). Not `react-dom/server`, `@react-email/*` or `@react-pdf/*`, which
/// render on a server.
const BROWSER_MODULES: &[&str] = &[
    "react-dom",
    "react-dom/client",
    "preact",
    "preact/hooks",
    "solid-js",
    "swr",
    "swr/mutation",
    "swr/infinite",
    "react-query",
    "react-router",
    "react-router-dom",
    "@remix-run/react",
    "next/router",
    "next/link",
    "next/image",
    "next/dynamic",
    "react-redux",
    "react-hook-form",
    "jotai",
    "recoil",
    "mobx-react",
    "mobx-react-lite",
    "vue-router",
    "pinia",
    "@angular/common/http",
    "@apollo/client/react",
];

/// Package scopes and prefixes of the same (`@tanstack/react-query`,
/// `@tanstack/vue-query`, component kits).
const BROWSER_MODULE_PREFIXES: &[&str] = &[
    "@tanstack/react-",
    "@tanstack/vue-",
    "@tanstack/svelte-",
    "@tanstack/solid-",
    "@tanstack/angular-",
    "@mui/",
    "@chakra-ui/",
    "@radix-ui/",
    "@headlessui/",
    "@mantine/",
    "svelte/",
];

/// True for a module only browser code imports.
fn browser_module(spec: &str) -> bool {
    BROWSER_MODULES.contains(&spec) || BROWSER_MODULE_PREFIXES.iter().any(|p| spec.starts_with(p))
}

/// Markers of a JS module that runs on the server: a `"use server"`
/// directive (Next.js server actions), `import "server-only"`, or an import
/// of Next.js's server APIs or of React's server renderer.
pub(crate) fn js_server_marker(text: &str) -> Option<&'static str> {
    const MODULES: &[&str] = &["server-only", "next/server", "next/headers", "react-dom/server"];
    if let Some(d) = js_use_server(text) {
        return Some(d);
    }
    js_import_specifiers(text).find_map(|m| MODULES.iter().find(|s| **s == m).copied())
}

/// The `"use server"` directive (a Next.js server action module) when one of
/// the file's first lines starts with it.
pub(crate) fn js_use_server(text: &str) -> Option<&'static str> {
    const DIRECTIVES: &[&str] = &["\"use server\"", "'use server'"];
    DIRECTIVES.iter().find(|d| text.lines().take(5).any(|l| l.trim_start().starts_with(**d))).copied()
}

/// True when the text right before byte `at` continues a JS name or member
/// (`datafrom`, `reimport`, `db.document`): a match there is not the
/// keyword or global it spells.
pub(crate) fn js_name_continues(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_some_and(|c| c == '_' || c == '$' || c == '.' || c.is_alphanumeric())
}

/// The module specifiers a JS/TS file imports, read from its text:
/// `from "m"`, `import "m"`, `require("m")` and `import("m")`.
pub(crate) fn js_import_specifiers(text: &str) -> impl Iterator<Item = &str> {
    ["from", "import", "require(", "import("].into_iter().flat_map(move |kw| {
        text.match_indices(kw).filter_map(move |(at, _)| {
            // A keyword, not the end of a longer name (`datafrom`, `reimport`).
            if js_name_continues(text, at) {
                return None;
            }
            let rest = text[at + kw.len()..].trim_start();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let body = &rest[1..];
            let end = body.find(quote)?;
            let spec = &body[..end];
            (!spec.is_empty() && !spec.contains('\n')).then_some(spec)
        })
    })
}

/// True when `text` uses the global `name` (`document.`), not a property of
/// that name (`db.document.findMany`, `this.window.x`).
fn uses_global(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| !js_name_continues(text, at))
}

/// Module names the Python file at `rel` imports (`a.b` for `import a.b`;
/// `m`, `m.x` for `from m import x`; relative imports resolved against
/// `rel`'s package, as paths from the walked root), read line by line.
pub fn python_imports(text: &str, rel: &str) -> Vec<String> {
    let package: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let package = &package[..package.len().saturating_sub(1)];
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("import ") {
            for part in rest.split(',') {
                let m = part.split_whitespace().next().unwrap_or("");
                if !m.is_empty() {
                    out.push(m.to_string());
                }
            }
        } else if let Some(rest) = l.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import ") else { continue };
            let module = module.trim();
            let dots = module.len() - module.trim_start_matches('.').len();
            let module = if dots == 0 {
                module.to_string()
            } else {
                // `from ..m import x` in `a/b/c.py` is `a.m`.
                let up = package.len().saturating_sub(dots - 1);
                let mut parts: Vec<&str> = package[..up].to_vec();
                let tail = module.trim_start_matches('.');
                if !tail.is_empty() {
                    parts.push(tail);
                }
                parts.join(".")
            };
            let module = module.as_str();
            let mut names = names.to_string();
            // `from m import (\n a,\n b,\n)`
            if names.contains('(') && !names.contains(')') {
                for more in lines.by_ref() {
                    names.push_str(more);
                    if more.contains(')') {
                        break;
                    }
                }
            }
            if !module.is_empty() {
                out.push(module.to_string());
            }
            for n in names.replace(['(', ')'], " ").split(',') {
                let n = n.split_whitespace().next().unwrap_or("");
                if n.is_empty() || n == "*" || n.starts_with('#') {
                    continue;
                }
                out.push(if module.is_empty() { n.to_string() } else { format!("{module}.{n}") });
            }
        }
    }
    out
}

/// Module file names that frameworks load by convention, never by an
/// import in the project (Django's app registry and admin autodiscovery,
/// Celery's task autodiscovery, URL configuration, server entry points):
/// a tool that imports one does not make it tooling.
const DISCOVERED_BY_CONVENTION: &[&str] = &[
    "models",
    "admin",
    "apps",
    "tasks",
    "signals",
    "receivers",
    "handlers",
    "urls",
    "views",
    "checks",
    "settings",
    "wsgi",
    "asgi",
    "celery",
    "consumers",
    "routing",
    "routes",
    "main",
    "app",
    "server",
    "middleware",
    "context_processors",
    "schema",
    "api",
    "serializers",
    "forms",
    "hooks",
    "plugins",
    "conftest",
    "__init__",
    "__main__",
];

/// True when frameworks load the Python module at `rel` by its file name or
/// folder (see [`DISCOVERED_BY_CONVENTION`]; `templatetags/`, `settings/`).
pub fn discovered_by_convention(rel: &str) -> bool {
    let (dirs, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = name.trim_end_matches(".pyi").trim_end_matches(".py");
    DISCOVERED_BY_CONVENTION.contains(&stem)
        || stem.starts_with("settings")
        || dirs.split('/').any(|d| matches!(d, "templatetags" | "settings" | "signals" | "receivers" | "tasks"))
}

/// True when a Python module's top level wires a service: route or task
/// decorators, or an application object. Such a module is an entry point a
/// server loads by name (`uvicorn app.main:app`), whoever else imports it.
pub fn wires_service(text: &str) -> bool {
    text.lines().any(wiring_line)
}

/// Dotted names written in string literals of Python source (`"app.tasks"`,
/// `'shop.backends.Mailer'`, `"app.main:app"`), with every dotted prefix:
/// how settings, URL includes and task routes name modules without
/// importing them.
pub fn dotted_strings(text: &str, out: &mut std::collections::HashSet<String>) {
    for line in text.lines() {
        let mut rest = line;
        while let Some(open) = rest.find(['"', '\'']) {
            let quote = rest.as_bytes()[open] as char;
            let after = &rest[open + 1..];
            let Some(close) = after.find(quote) else { break };
            let inner = after[..close].split(':').next().unwrap_or("");
            let dotted = inner.contains('.')
                && inner.split('.').all(|seg| {
                    seg.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if dotted {
                let mut prefix = String::new();
                for (i, seg) in inner.split('.').enumerate() {
                    if i > 0 {
                        prefix.push('.');
                    }
                    prefix.push_str(seg);
                    if i > 0 {
                        out.insert(prefix.clone());
                    }
                }
            }
            rest = &after[close + 1..];
        }
    }
}

/// True when a tool's source runs a long-lived process (a worker loop, a
/// scheduler, a consumer, a server): a command that starts part of the
/// service, so what it imports runs in production.
pub fn runs_a_process(rel: &str, text: &str) -> bool {
    const NAMES: &[&str] = &[
        "run",
        "start",
        "serve",
        "server",
        "worker",
        "consume",
        "consumer",
        "listen",
        "scheduler",
        "schedule",
        "daemon",
        "process",
        "watch",
        "poll",
        "loop",
        "cron",
        "beat",
        "queue",
    ];
    const TEXT: &[&str] = &[
        "while True",
        "while 1:",
        "run_forever",
        "serve_forever",
        "run_until_complete",
        "asyncio.run(",
        "BlockingScheduler",
        "BackgroundScheduler",
        "schedule.every",
        ".start_consuming",
        "uvicorn.run",
        ".listen(",
    ];
    let stem = rel.rsplit('/').next().unwrap_or(rel).trim_end_matches(".py");
    stem.split(['_', '-']).any(|w| NAMES.contains(&w)) || TEXT.iter().any(|t| text.contains(t))
}

/// The console scripts a Python project at `root` declares (`[project.scripts]`
/// or `[tool.poetry.scripts]` in `pyproject.toml`, `console_scripts` in
/// `setup.cfg` or `setup.py`): (script name, module, function).
pub fn console_scripts(root: &Path) -> Vec<(String, String, String)> {
    let mut specs: Vec<(String, String)> = Vec::new();
    if let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml"))
        && let Ok(t) = toml::from_str::<toml::Table>(&text)
    {
        let project = t.get("project").and_then(|p| p.get("scripts"));
        let poetry = t.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("scripts"));
        for table in [project, poetry].into_iter().flatten().filter_map(|v| v.as_table()) {
            for (name, v) in table {
                // Poetry also takes `{ reference = "m:f", type = "console" }`.
                let spec = v.as_str().or_else(|| v.get("reference").and_then(|r| r.as_str()));
                if let Some(spec) = spec {
                    specs.push((name.clone(), spec.to_string()));
                }
            }
        }
    }
    // `setup.cfg` and `setup.py`: `name = module:function` lines or strings
    // after `console_scripts`.
    for file in ["setup.cfg", "setup.py"] {
        let Ok(text) = std::fs::read_to_string(root.join(file)) else { continue };
        let Some(at) = text.find("console_scripts") else { continue };
        let rest = &text[at + "console_scripts".len()..];
        // `setup.cfg`: the indented lines that follow; `setup.py`: the
        // strings of the list that follows.
        let entries: Vec<&str> = if file == "setup.cfg" {
            rest.lines().skip(1).take_while(|l| l.starts_with([' ', '\t']) || l.trim().is_empty()).collect()
        } else {
            let list = rest.find('[').map_or("", |open| &rest[open..]);
            let list = list.split(']').next().unwrap_or_default();
            list.split(['"', '\'']).skip(1).step_by(2).collect()
        };
        for entry in entries {
            if let Some((name, spec)) = entry.trim().split_once('=')
                && spec.contains(':')
            {
                specs.push((name.trim().to_string(), spec.trim().to_string()));
            }
        }
    }
    specs
        .into_iter()
        .filter_map(|(name, spec)| {
            let (module, function) = spec.split_once(':')?;
            let function = function.split_whitespace().next().unwrap_or_default();
            Some((name, module.trim().to_string(), function.to_string()))
        })
        .collect()
}

/// True when an imported name (`a.b.start_webserver`, `uvicorn`) is what
/// starts a service: a function named `start_*`, `run_*`, `serve*`,
/// `launch*`, or a server, worker, scheduler or application object.
pub fn starts_a_service(import: &str) -> bool {
    let last = import.rsplit('.').next().unwrap_or(import);
    let first_word = last.split('_').find(|w| !w.is_empty()).unwrap_or_default();
    matches!(first_word, "start" | "run" | "serve" | "launch")
        || matches!(
            last,
            "uvicorn" | "gunicorn" | "hypercorn" | "app" | "application" | "server" | "worker" | "scheduler" | "celery"
        )
}

/// True when a Python module imports the service's start at its top level
/// (`from app.server import run_server`): a module that takes part in
/// starting the service, whoever imports it.
pub fn starts_the_service(text: &str, rel: &str) -> bool {
    let all = python_imports(text, rel);
    if !all.iter().any(|m| starts_a_service(m)) {
        return false;
    }
    let local = local_imports(text, rel);
    all.iter().any(|m| starts_a_service(m) && !local.contains(m))
}

/// The imports of a Python module made inside function bodies (indented
/// lines): what a command imports only when it runs.
pub fn local_imports(text: &str, rel: &str) -> Vec<String> {
    let indented: String = text.lines().filter(|l| l.starts_with([' ', '\t'])).flat_map(|l| [l, "\n"]).collect();
    python_imports(&indented, rel)
}

/// True when a Python module imports a command-line framework (click,
/// typer, argparse, ...).
pub fn uses_cli_framework(text: &str, rel: &str) -> bool {
    const FRAMEWORKS: &[&str] =
        &["click", "rich_click", "asyncclick", "typer", "argparse", "fire", "docopt", "cleo", "cyclopts", "plac"];
    python_imports(text, rel).iter().any(|m| FRAMEWORKS.contains(&m.split('.').next().unwrap_or_default()))
}

/// The names an import can reach the module at `rel` by: `app/scripts.py`
/// is `app.scripts`, and `scripts` when its folder is on the path (every
/// dotted suffix).
pub fn module_names(rel: &str) -> Vec<String> {
    let dotted = rel.trim_end_matches(".pyi").trim_end_matches(".py").trim_end_matches("/__init__");
    let parts: Vec<&str> = dotted.split('/').filter(|p| !p.is_empty()).collect();
    (0..parts.len()).map(|i| parts[i..].join(".")).collect()
}

/// True when one of `imports` names the module at `rel` (see [`module_names`]).
pub fn imports_module(imports: &[String], rel: &str) -> bool {
    let names = module_names(rel);
    imports.iter().any(|m| names.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stage 1 and 2 for a file under a temp project root.
    fn role_in(root: &Path, rel: &str, text: &str) -> FileRole {
        let fs_path = root.join(rel);
        std::fs::create_dir_all(fs_path.parent().unwrap()).unwrap();
        if !fs_path.exists() {
            std::fs::write(&fs_path, text).unwrap();
        }
        let grammar = Grammar::from_path(&fs_path).unwrap();
        let mut c = Classifier::new(None, root);
        let found = c.by_path(Place { rel, fs_path: &fs_path, root, grammar });
        found.early.unwrap_or_else(|| by_content(rel, grammar, text, found.late, found.package.as_ref(), None))
    }

    fn role(rel: &str, text: &str) -> Role {
        let dir = tempfile::tempdir().unwrap();
        role_in(dir.path(), rel, text).role
    }

    #[test]
    fn dotted_strings_name_modules_and_their_prefixes() {
        let mut named = std::collections::HashSet::new();
        dotted_strings("BACKEND = \"shop.mail.Backend\"\nrun('app.main:app')\nx = \"not a.module name\"\n", &mut named);
        for n in ["shop.mail", "shop.mail.Backend", "app.main"] {
            assert!(named.contains(n), "{n} in {named:?}");
        }
        assert!(!named.contains("shop"));
        assert!(!named.iter().any(|n| n.contains(' ')), "{named:?}");
    }

    #[test]
    fn console_scripts_come_from_every_kind_of_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("pyproject.toml"), "[project.scripts]\nshop = \"shop.cli:main\"\n").unwrap();
        std::fs::write(
            root.join("setup.cfg"),
            "[options.entry_points]\nconsole_scripts =\n    ops = ops.cli:run\n[x]\ny = a:b\n",
        )
        .unwrap();
        std::fs::write(
            root.join("setup.py"),
            "setup(entry_points={\"console_scripts\": [\"adm = adm.main:cli\", 'w=w.x:go']}, x=['n = m:f'])\n",
        )
        .unwrap();
        let mut got: Vec<String> = console_scripts(root).into_iter().map(|(n, m, f)| format!("{n}={m}:{f}")).collect();
        got.sort();
        assert_eq!(got, vec!["adm=adm.main:cli", "ops=ops.cli:run", "shop=shop.cli:main", "w=w.x:go"]);
        assert!(starts_a_service("app.main.start_webserver"));
        assert!(starts_a_service("uvicorn"));
        assert!(!starts_a_service("app.cli.utils.check_server"));
        assert!(!starts_a_service("app.core.api"));
    }

    #[test]
    fn a_tool_that_starts_a_process_is_part_of_the_service() {
        assert!(runs_a_process("shop/management/commands/run_consumer.py", ""));
        assert!(runs_a_process("shop/management/commands/sync.py", "while True:\n    step()\n"));
        assert!(!runs_a_process("shop/management/commands/import_briefcase.py", "def handle(self):\n    go()\n"));
    }

    #[test]
    fn vendor_folders_and_known_packages_are_vendored() {
        assert_eq!(role("vendor/github.com/x/y.rs", ""), Role::Vendored);
        assert_eq!(role("app/third_party/z.py", ""), Role::Vendored);
        assert_eq!(role("lib/requests/api.py", ""), Role::Vendored);
        assert_eq!(role("src/lib/urllib3/poolmanager.py", ""), Role::Vendored);
        // Hard negatives: the team's own `lib/` and a module named like a package.
        assert_eq!(role("lib/billing/api.py", "def charge(): pass\n"), Role::Production);
        assert_eq!(role("app/requests/views.py", ""), Role::Production);
        assert_eq!(role("lib/requests.py", ""), Role::Production);
    }

    #[test]
    fn pip_target_installs_are_vendored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkgs/certifi-2024.2.2.dist-info")).unwrap();
        let r = role_in(dir.path(), "pkgs/certifi/core.py", "");
        assert_eq!(r.role, Role::Vendored);
        assert!(r.reason.contains("certifi-2024.2.2.dist-info"), "{}", r.reason);
        // Hard negative: a sibling package that pip did not install.
        assert_eq!(role_in(dir.path(), "pkgs/billing/core.py", "").role, Role::Production);
    }

    #[test]
    fn nested_python_packages_the_project_does_not_declare_are_vendored() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("pyproject.toml"), "[project]\nname = \"svc\"\n").unwrap();
        std::fs::create_dir_all(root.join("extras/oldsdk")).unwrap();
        std::fs::write(root.join("extras/oldsdk/setup.py"), "from setuptools import setup\nsetup()\n").unwrap();
        let r = role_in(root, "extras/oldsdk/oldsdk/client.py", "");
        assert_eq!(r.role, Role::Vendored, "{}", r.reason);
        // Declared as a path dependency or workspace member: the project's own.
        std::fs::create_dir_all(root.join("packages/core")).unwrap();
        std::fs::write(root.join("packages/core/pyproject.toml"), "[project]\nname = \"core\"\n").unwrap();
        std::fs::write(
            root.join("pyproject.toml"),
            "[project]\nname = \"svc\"\n[tool.uv.workspace]\nmembers = [\"packages/core\"]\n",
        )
        .unwrap();
        assert_eq!(role_in(root, "packages/core/core/db.py", "").role, Role::Production);
    }

    #[test]
    fn a_monorepo_of_sibling_packages_is_production() {
        // No package at the root: each service's own pyproject is not evidence.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("pyproject.toml"), "[tool.ruff]\nline-length = 100\n").unwrap();
        std::fs::create_dir_all(root.join("services/api")).unwrap();
        std::fs::write(root.join("services/api/pyproject.toml"), "[project]\nname = \"api\"\n").unwrap();
        assert_eq!(role_in(root, "services/api/api/views.py", "").role, Role::Production);
    }

    #[test]
    fn crates_excluded_from_the_workspace_are_not_production() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"svc\"]\nexclude = [\"sdk/aws\", \"fuzz\"]\n",
        )
        .unwrap();
        assert_eq!(role_in(root, "sdk/aws/src/client.rs", "").role, Role::Vendored);
        assert_eq!(role_in(root, "svc/src/client.rs", "").role, Role::Production);
    }

    #[test]
    fn build_scripts_and_build_configs_are_build() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert_eq!(role_in(dir.path(), "build.rs", "fn main() {}\n").role, Role::Build);
        assert_eq!(role("webpack.config.js", ""), Role::Build);
        assert_eq!(role("packages/web/vite.config.ts", ""), Role::Build);
        assert_eq!(role("setup.py", ""), Role::Build);
        // Hard negatives: a module named `build` in a crate's source, an app config.
        assert_eq!(role("src/build.rs", ""), Role::Production);
        assert_eq!(role("src/app.config.ts", ""), Role::Production);
    }

    #[test]
    fn tooling_folders_bins_and_stories_are_tooling() {
        assert_eq!(role("scripts/backfill.py", ""), Role::Tooling);
        assert_eq!(role("xtask/src/main.rs", ""), Role::Tooling);
        assert_eq!(role("benches/throughput.rs", ""), Role::Tooling);
        assert_eq!(role("shop/management/commands/make_token.py", ""), Role::Tooling);
        assert_eq!(role("src/bin/print_token.rs", ""), Role::Tooling);
        assert_eq!(role("src/components/Button.stories.tsx", ""), Role::Tooling);
        assert_eq!(role("manage.py", ""), Role::Tooling);
        // Hard negatives: `src/tools.rs` and `src/tools/` in a service, a server binary.
        assert_eq!(role("src/tools.rs", ""), Role::Production);
        assert_eq!(role("src/tools/search.rs", ""), Role::Production);
        assert_eq!(role("src/bin/server.rs", ""), Role::Production);
        assert_eq!(role("app/scripts.py", "def run(): pass\n"), Role::Production);
    }

    #[test]
    fn bin_targets_named_like_tools_are_tooling() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\nname = \"svc\"\n[[bin]]\nname = \"gen-keys\"\npath = \"src/keys.rs\"\n[[bin]]\nname = \"api\"\npath = \"src/api.rs\"\n",
        )
        .unwrap();
        let r = role_in(root, "src/keys.rs", "fn main() {}\n");
        assert_eq!(r.role, Role::Tooling);
        assert!(r.reason.contains("gen-keys"), "{}", r.reason);
        assert_eq!(role_in(root, "src/api.rs", "fn main() {}\n").role, Role::Production);
    }

    #[test]
    fn tests_and_other_linters_rule_tests_are_test() {
        for p in [
            "tests/a.py",
            "app/tests/x.py",
            "test_views.py",
            "a/views_test.py",
            "conftest.py",
            "src/a.test.ts",
            "a.spec.tsx",
            "src/__tests__/b.js",
            "e2e/x.ts",
            "pkg/connector/test_support/mock.py",
            "src/tests.rs",
            "src/shard/replica_tests.rs",
            ".semgrep/rules/timeouts.py",
            "src/setupTests.ts",
        ] {
            assert_eq!(role(p, ""), Role::Test, "{p}");
            assert!(is_test_path(Path::new(p)), "{p}");
        }
        for p in ["app/views.py", "src/testimonials.ts", "latest.py", "contest/x.py", "src/client/api.ts"] {
            assert_eq!(role(p, ""), Role::Production, "{p}");
            assert!(!is_test_path(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn generated_markers_and_names_are_generated() {
        let r = role("src/api/client.ts", "// Code generated by openapi-gen. DO NOT EDIT.\nexport const x = 1;\n");
        assert_eq!(r, Role::Generated);
        assert_eq!(role("proto/orders_pb2.py", "x = 1\n"), Role::Generated);
        assert_eq!(role("src/db.rs", "// @generated by sea-orm\n"), Role::Generated);
        // Hard negative: the words in code, not in a leading comment.
        assert_eq!(role("app/views.py", "MSG = 'DO NOT EDIT'\n"), Role::Production);
        // A generated migration is a migration.
        let r = by_content(
            "shop/migrations/0001_initial.py",
            Grammar::Python,
            "# Generated by Django\n",
            None,
            None,
            Some("Django"),
        );
        assert_eq!(r.role, Role::Migration);
    }

    #[test]
    fn main_guarded_modules_are_scripts_unless_they_wire_a_service() {
        let script = "import sys\n\ndef main():\n    print(sys.argv)\n\nif __name__ == \"__main__\":\n    main()\n";
        let r = role("app/report.py", script);
        assert_eq!(r, Role::Tooling);
        // Hard negative: a Flask app with a dev-server guard is a service.
        let app = "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\ndef index():\n    return 'x'\n\nif __name__ == '__main__':\n    app.run()\n";
        assert_eq!(role("app/server.py", app), Role::Production);
        assert_eq!(role("app/plain.py", "def f():\n    return 1\n"), Role::Production);
    }

    #[test]
    fn imports_name_modules() {
        let text = "import os\nfrom app import scripts\nfrom .helpers import (\n    a,\n    b,\n)\nimport x.y as z\nfrom .. import tools\n";
        let imports = python_imports(text, "pkg/sub/views.py");
        assert!(imports_module(&imports, "app/scripts.py"));
        assert!(imports_module(&imports, "pkg/sub/helpers.py"));
        assert!(imports_module(&imports, "x/y.py"));
        assert!(imports_module(&imports, "pkg/tools.py"));
        assert!(!imports_module(&imports, "app/report.py"));
        // A relative import names its own package's module, not every `helpers.py`.
        assert!(!imports_module(&imports, "scripts/helpers.py"));
    }

    #[test]
    fn browser_code_is_browser() {
        assert_eq!(role("src/App.tsx", "export const A = () => null;\n"), Role::Browser);
        assert_eq!(role("src/page.ts", "'use client'\nexport const x = 1;\n"), Role::Browser);
        assert_eq!(role("frontend/src/api.ts", ""), Role::Browser);
        assert_eq!(role("src/client/billing.ts", "export const x = 1;\n"), Role::Production);
        assert_eq!(role("src/page.ts", "const h = window.location.href;\n"), Role::Browser);
        // Hard negative: a model named `document` on a server.
        assert_eq!(role("src/cleanup.ts", "await db.document.findMany({ take: 25 });\n"), Role::Production);
    }

    #[test]
    fn hooks_library_modules_are_browser_and_server_markers_win() {
        let hook = "import {\n  useQuery,\n} from \"@tanstack/react-query\";\nimport axios from \"axios\";\n";
        assert_eq!(role("packages/dashboard/src/lib/useUsers.ts", hook), Role::Browser);
        assert_eq!(role("src/lib/profile.ts", "const useSWR = require('swr');\n"), Role::Browser);
        // Hard negatives: server renderers, server actions, route handlers.
        assert_eq!(role("src/mail.ts", "import { render } from '@react-email/render';\n"), Role::Production);
        assert_eq!(role("src/ssr.ts", "import { renderToString } from \"react-dom/server\";\n"), Role::Production);
        let action = "\"use server\";\nimport { cache } from \"react\";\n";
        assert_eq!(role("src/app/actions.ts", action), Role::Production);
        let route =
            "import { NextResponse } from 'next/server';\nimport { QueryClient } from '@tanstack/react-query';\n";
        assert_eq!(role("src/app/api/x/route.ts", route), Role::Production);
        // A name ending in `from` or `import` is no import.
        assert_eq!(role("src/a.ts", "const datafrom \"swr\";\n"), Role::Production);
    }

    #[test]
    fn js_tool_packages_declare_a_command_or_are_named_one() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, json: &str| {
            let d = dir.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("package.json"), json).unwrap();
            d
        };
        let d = write("bin", r#"{"name": "@acme/cli", "bin": {"acme": "x.js"}}"#);
        assert_eq!(js_tool_command(&d).as_deref(), Some("`bin` `acme`"));
        let d = write("admin", r#"{"name": "admin-cli", "dependencies": {"yargs": "17"}}"#);
        assert!(js_tool_command(&d).is_some_and(|w| w.contains("`yargs`")));
        // Hard negatives: an argument parser alone, a name alone, a server framework.
        let d = write("worker", r#"{"name": "@acme/worker", "dependencies": {"yargs": "17"}}"#);
        assert_eq!(js_tool_command(&d), None);
        let d = write("kit", r#"{"name": "cli-kit", "dependencies": {"chalk": "5"}}"#);
        assert_eq!(js_tool_command(&d), None);
        let d = write("ops", r#"{"name": "ops-cli", "dependencies": {"commander": "12", "express": "4"}}"#);
        assert_eq!(js_tool_command(&d), None);
        let d = write("api", r#"{"name": "api", "bin": "x.js", "dependencies": {"fastify": "4"}}"#);
        assert_eq!(js_tool_command(&d), None);
    }

    #[test]
    fn config_globs_decide_first_and_production_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let glob = |p: &str| {
            let mut b = globset::GlobSetBuilder::new();
            b.add(globset::Glob::new(p).unwrap());
            b.build().unwrap()
        };
        let o = RoleOverrides {
            root: root.to_path_buf(),
            globs: vec![(Role::Production, glob("vendor/ours/**")), (Role::Vendored, glob("lib/**"))],
        };
        let mut c = Classifier::new(Some(&o), root);
        let at = |rel: &str| root.join(rel);
        let get = |c: &mut Classifier<'_>, rel: &str| {
            let fs = at(rel);
            c.by_path(Place { rel, fs_path: &fs, root, grammar: Grammar::Python }).early.map(|r| r.role)
        };
        assert_eq!(get(&mut c, "lib/billing/api.py"), Some(Role::Vendored));
        assert_eq!(get(&mut c, "vendor/ours/x.py"), Some(Role::Production));
        assert_eq!(get(&mut c, "vendor/theirs/x.py"), Some(Role::Vendored));
    }

    #[test]
    fn browser_code_runs_no_server_only_rules() {
        let server_only = crate::registry::all().find(|r| r.category == Category::NPlusOne).unwrap();
        let swallowed = crate::registry::all().find(|r| r.category == Category::SwallowedException).unwrap();
        assert!(!Role::Browser.runs(server_only));
        assert!(Role::Browser.runs(swallowed));
        assert!(Role::Production.runs(server_only));
        // Per rule: no timeouts in a tab; dropped causes (the rule skips
        // `console.*`), swallowed errors and logged secrets still count.
        let rule = |name: &str| crate::registry::all().find(|r| r.name == name).unwrap();
        assert!(!Role::Browser.runs(rule("request-without-timeout")));
        assert!(Role::Browser.runs(rule("exception-cause-dropped")));
        assert!(Role::Browser.runs(rule("exception-swallowed")));
        assert!(Role::Browser.runs(rule("secret-logged")));
        assert!(Role::Production.runs(rule("exception-cause-dropped")));
    }

    #[test]
    fn package_json_says_front_end_or_full_stack() {
        let kind = |json: &str, extra: &[&str]| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("package.json"), json).unwrap();
            for e in extra {
                let p = dir.path().join(e);
                if e.ends_with('/') {
                    std::fs::create_dir_all(p).unwrap();
                } else {
                    std::fs::write(p, "").unwrap();
                }
            }
            js_package_kind(dir.path())
        };
        let front = |k: Option<PackageKind>| matches!(k, Some(PackageKind::FrontEnd(_)));
        assert!(front(kind(r#"{"dependencies": {"lit": "3"}}"#, &[])));
        assert!(front(kind(r#"{"devDependencies": {"react-dom": "18", "vite": "5"}}"#, &[])));
        assert!(front(kind(r#"{"browserslist": ["defaults"]}"#, &[])));
        assert!(front(kind(r#"{"devDependencies": {"vite": "5"}}"#, &["index.html"])));
        // Hard negatives: a server framework or runtime beside the UI
        // framework, `react` alone, `vite` alone, a workspace root.
        assert_eq!(kind(r#"{"dependencies": {"react-dom": "18", "express": "4"}}"#, &[]), None);
        assert_eq!(kind(r#"{"dependencies": {"vue": "3", "pg": "8"}}"#, &[]), None);
        assert_eq!(kind(r#"{"dependencies": {"react": "18"}}"#, &[]), None);
        assert_eq!(kind(r#"{"devDependencies": {"vite": "5"}}"#, &[]), None);
        assert_eq!(kind(r#"{"workspaces": ["packages/*"], "devDependencies": {"react-dom": "18"}}"#, &[]), None);
        // Full stack: pages router only without an `app/` folder.
        let next = r#"{"dependencies": {"next": "14", "react-dom": "18"}}"#;
        let full = |k| match k {
            Some(PackageKind::FullStack { pages_router, .. }) => Some(pages_router),
            _ => None,
        };
        assert_eq!(full(kind(next, &["pages/"])), Some(true));
        assert_eq!(full(kind(next, &["pages/", "app/"])), Some(false));
        assert_eq!(full(kind(next, &["src/app/"])), Some(false));
    }

    #[test]
    fn full_stack_server_places_and_functions() {
        for (inner, text) in [
            ("pages/api/orders.ts", ""),
            ("app/orders/route.ts", ""),
            ("middleware.ts", ""),
            ("src/server/db.ts", ""),
            ("src/routes/+server.ts", ""),
            ("app/routes/orders.server.ts", ""),
            ("pages/orders.tsx", "export const getServerSideProps = async () => ({ props: {} });\n"),
            ("app/routes/orders.tsx", "export async function loader() {}\n"),
        ] {
            assert!(full_stack_server(inner, text), "{inner}");
        }
        for (inner, text) in [
            ("components/Nav.tsx", ""),
            ("pages/orders.tsx", "// we used getServerSideProps here once\n"),
            ("hooks/useRoute.ts", "const loader = 1;\n"),
        ] {
            assert!(!full_stack_server(inner, text), "{inner}");
        }
        assert!(imports_node_builtin("import { readFileSync } from \"node:fs\";\n"));
        assert!(imports_node_builtin("const cp = require(\"child_process\");\n"));
        assert!(!imports_node_builtin("import { LitElement } from \"lit\";\n"));
        // In a front-end package only the root's `api/` is a server place.
        assert!(front_end_server("api/hello.ts") && front_end_server("src/server/ssr.ts"));
        assert!(!front_end_server("src/api/orders.ts"));
    }
}
