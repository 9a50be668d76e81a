//! Which database engine production runs, per migration history: the
//! unsafe-migration rules give PostgreSQL advice (`CONCURRENTLY`,
//! `lock_timeout`, `NOT VALID`), which is wrong, or does not even run, on
//! MySQL and SQLite.
//!
//! Evidence is read as text, never run:
//!
//! - **settings** (what the project configures): Django `ENGINE` values
//!   (`django.db.backends.mysql`, also as the default of an environment
//!   lookup: the default is what ships), database URLs in settings code
//!   (`create_engine("postgresql+psycopg://...")`, `dj_database_url`
//!   defaults), `alembic.ini`'s `sqlalchemy.url`, Prisma's `datasource`
//!   `provider`, knex `client`, TypeORM `type`, Sequelize `dialect`;
//! - **dependencies** (what the project could talk to): Python drivers
//!   (`psycopg2`, `asyncpg`, `mysqlclient`, `pymysql`, ...) in
//!   `requirements*.txt`, `pyproject.toml`, `setup.py`, `Pipfile`; npm
//!   drivers (`pg`, `mysql2`, `sqlite3`, ...) in `package.json`; sqlx,
//!   diesel and SeaORM features in `Cargo.toml`; docker-compose service
//!   images (`postgres:16`, `mysql:8`, `mariadb`).
//!
//! Settings code comes from the files the run already reads (a text scan in
//! the facts phase, [`DatabaseFacts`]); the manifests and config files are a
//! handful of well-known names, read from the history's folder and the
//! folders above it (up to the run's root). The nearest folder with any
//! evidence decides. Within it, settings win over dependencies (a project
//! that lists both drivers runs the one its settings name), except that a
//! settings file naming only SQLite (a developer default) yields to a server
//! driver among the dependencies. Several engines at once (a project that
//! supports PostgreSQL and MySQL alike) count as PostgreSQL being possible,
//! so the rules behave as with no evidence. `[database] engine` in the
//! config overrides the detection.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::source::{Grammar, SourceFile};

/// A database engine the migration rules know apart.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// PostgreSQL (and what speaks its dialect: PostGIS, CockroachDB).
    #[serde(alias = "postgresql")]
    Postgres,
    /// MySQL or MariaDB.
    #[serde(alias = "mariadb")]
    Mysql,
    /// SQLite.
    Sqlite,
}

impl Engine {
    /// The name used in config, JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Sqlite => "sqlite",
        }
    }
}

/// How strong a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Strength {
    /// A driver or a container image: the project can talk to this engine.
    Dependency,
    /// A setting: the project is configured for this engine.
    Setting,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    pub engine: Engine,
    pub strength: Strength,
    /// Where and what, in words (`src/settings.py: django.db.backends.mysql`).
    pub reason: String,
}

/// What the facts phase found in the files the run reads: the evidence of
/// each file, by the file's folder (as the run read it).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseFacts {
    pub by_folder: BTreeMap<PathBuf, BTreeSet<Evidence>>,
}

impl DatabaseFacts {
    pub fn merge(&mut self, other: DatabaseFacts) {
        for (k, v) in other.by_folder {
            self.by_folder.entry(k).or_default().extend(v);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_folder.is_empty()
    }
}

/// The engines one migration history runs on, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Empty: unknown.
    pub engines: BTreeSet<Engine>,
    /// The evidence that decided, in words.
    pub reason: String,
}

impl Verdict {
    /// PostgreSQL-only advice applies: the engine is PostgreSQL, one of
    /// several, or unknown.
    pub fn postgres_possible(&self) -> bool {
        self.engines.is_empty() || self.engines.contains(&Engine::Postgres)
    }

    /// The one engine, when production is known to run exactly one.
    pub fn only(&self) -> Option<Engine> {
        match self.engines.len() {
            1 => self.engines.iter().next().copied(),
            _ => None,
        }
    }

    /// `mysql (src/settings.py: django.db.backends.mysql)`, or `unknown`.
    pub fn describe(&self) -> String {
        if self.engines.is_empty() {
            return "unknown".to_string();
        }
        let names: Vec<&str> = self.engines.iter().map(|e| e.as_str()).collect();
        format!("{} ({})", names.join("+"), self.reason)
    }
}

/// What becomes of a migration rule's finding on a history whose engine
/// is `verdict`: `None` drops it, otherwise its message (rewritten for the
/// engine where the hazard is real there too). Unchanged when PostgreSQL is
/// possible. The decisions, per rule (also in each rule's doc):
///
/// - `drop-or-rename-in-use`: the same on every engine: kept.
/// - `not-null-column-without-default`: Django's (old code's inserts leave
///   the column out) is kept everywhere; SQL's is kept on SQLite, which
///   refuses the column, and dropped on MySQL, which fills the type's
///   implicit default.
/// - `column-type-rewrite`: MySQL copies the table too: kept, with MySQL's
///   words; dropped on SQLite (no concurrent writers to block).
/// - the rest (`index-without-concurrently`, `concurrent-index-in-transaction`,
///   `constraint-without-not-valid`, `set-not-null-without-check`,
///   `unique-constraint-without-index`, `volatile-column-default`,
///   `lock-timeout-unset`): their hazard and remedy are PostgreSQL's
///   (`CONCURRENTLY`, `NOT VALID`, `lock_timeout`, ...): dropped.
pub fn on_engine(
    rule: &crate::rule::RuleMeta,
    op: Option<&crate::migration::model::OpKind>,
    verdict: &Verdict,
    message: String,
) -> Option<String> {
    use crate::migration::model::OpKind;
    if verdict.postgres_possible() {
        return Some(message);
    }
    let mysql = verdict.engines.contains(&Engine::Mysql);
    match rule.name {
        "drop-or-rename-in-use" => Some(message),
        "not-null-column-without-default" => {
            let django = matches!(op, Some(OpKind::AddColumn { django: true, .. }));
            (django || !mysql).then_some(message)
        }
        "column-type-rewrite" if mysql => Some(message.replace(
            "under an ACCESS EXCLUSIVE lock: reads and writes wait until the rewrite ends",
            "with a full copy (MySQL cannot change a column's type in place): inserts, updates and deletes wait until the copy ends",
        )),
        _ => None,
    }
}

// ---- evidence in the files the run reads ----

const DJANGO_BACKENDS: &[(&str, Engine)] = &[
    ("django.db.backends.postgresql", Engine::Postgres),
    ("django.contrib.gis.db.backends.postgis", Engine::Postgres),
    ("django.db.backends.mysql", Engine::Mysql),
    ("django.contrib.gis.db.backends.mysql", Engine::Mysql),
    ("django.db.backends.sqlite3", Engine::Sqlite),
    ("django.contrib.gis.db.backends.spatialite", Engine::Sqlite),
];

/// URL schemes, each right after a quote.
const URL_SCHEMES: &[(&str, Engine)] = &[
    ("postgres://", Engine::Postgres),
    ("postgresql://", Engine::Postgres),
    ("postgresql+", Engine::Postgres),
    ("postgis://", Engine::Postgres),
    ("cockroachdb://", Engine::Postgres),
    ("mysql://", Engine::Mysql),
    ("mysql+", Engine::Mysql),
    ("mysql2://", Engine::Mysql),
    ("mariadb://", Engine::Mysql),
    ("mariadb+", Engine::Mysql),
    ("sqlite://", Engine::Sqlite),
    ("sqlite+", Engine::Sqlite),
];

/// Words that make a URL literal a database setting rather than a mention.
const URL_CONTEXT: &[&str] =
    &["create_engine", "DATABASE", "database_url", "dj_database_url", "sqlalchemy.url", "db_url", "DB_URL"];

/// Values of knex `client`, TypeORM `type` and Sequelize `dialect`.
const JS_CLIENTS: &[(&str, Engine)] = &[
    ("pg", Engine::Postgres),
    ("postgres", Engine::Postgres),
    ("postgresql", Engine::Postgres),
    ("cockroachdb", Engine::Postgres),
    ("mysql", Engine::Mysql),
    ("mysql2", Engine::Mysql),
    ("mariadb", Engine::Mysql),
    ("sqlite", Engine::Sqlite),
    ("sqlite3", Engine::Sqlite),
    ("better-sqlite3", Engine::Sqlite),
];

/// Evidence in a Python or TS/JS file the run reads (settings modules,
/// database setup code). Test code and migrations say nothing about
/// production.
pub fn scan(file: &SourceFile) -> Option<DatabaseFacts> {
    use crate::analysis::roles::Role;
    if matches!(file.role.role, Role::Test | Role::Migration | Role::Vendored | Role::Generated) {
        return None;
    }
    // Settings for the test suite (`settings/test.py`, `unittests.py`,
    // `test_settings.py`) name the engine the tests run on, not production's.
    let stem = file.fs_path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_ascii_lowercase();
    if stem.contains("test") {
        return None;
    }
    let text: &str = &file.text;
    let mut found = BTreeSet::new();
    let mut add = |engine: Engine, what: &str| {
        found.insert(Evidence { engine, strength: Strength::Setting, reason: format!("{}: {what}", file.path) });
    };
    match file.grammar {
        Grammar::Python => {
            if text.contains("db.backends.") {
                for (needle, engine) in DJANGO_BACKENDS {
                    if quoted_prefix(text, needle) {
                        add(*engine, needle);
                    }
                }
            }
        }
        Grammar::TypeScript | Grammar::Tsx | Grammar::JavaScript => {
            for key in ["client", "type", "dialect"] {
                for (value, engine) in js_clients(text, key) {
                    add(engine, &format!("{key}: '{value}'"));
                }
            }
        }
        _ => return None,
    }
    if URL_CONTEXT.iter().any(|w| text.contains(w)) {
        for (scheme, engine) in URL_SCHEMES {
            if quoted_prefix(text, scheme) {
                add(*engine, &format!("a `{}` URL", scheme.trim_end_matches(['/', ':', '+'])));
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    let folder = file.fs_path.parent().unwrap_or(Path::new("")).to_path_buf();
    Some(DatabaseFacts { by_folder: BTreeMap::from([(folder, found)]) })
}

/// `needle` starts a string literal somewhere in `text`.
fn quoted_prefix(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        matches!(before, Some('"' | '\'' | '`'))
    })
}

/// The database clients named as `key: 'value'` (or `"value"`, `key =
/// "value"`) in `text`, each once. One pass over `key`'s occurrences (`type`
/// is in most TypeScript files, so not one pass per client name).
fn js_clients(text: &str, key: &str) -> BTreeSet<(&'static str, Engine)> {
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices(key) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = text[at + key.len()..].trim_start_matches(['"', '\'']).trim_start();
        let Some(rest) = rest.strip_prefix([':', '=']) else { continue };
        let rest = rest.trim_start();
        let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else { continue };
        let Some(value) = rest[1..].split(q).next() else { continue };
        if let Some(&(name, engine)) = JS_CLIENTS.iter().find(|(v, _)| *v == value) {
            out.insert((name, engine));
        }
    }
    out
}

/// Records each read file's database evidence in the facts phase.
pub struct DatabaseEvidenceFacts;

impl crate::engine::facts::FactCollector for DatabaseEvidenceFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &[]
    }

    fn scan(&self, file: &SourceFile, facts: &mut crate::engine::facts::ProjectFacts) {
        if let Some(found) = scan(file) {
            facts.database.merge(found);
        }
    }
}

// ---- evidence in well-known files ----

/// Python driver packages.
const PY_DRIVERS: &[(&str, Engine)] = &[
    ("psycopg2", Engine::Postgres),
    ("psycopg2-binary", Engine::Postgres),
    ("psycopg", Engine::Postgres),
    ("psycopg-binary", Engine::Postgres),
    ("asyncpg", Engine::Postgres),
    ("pg8000", Engine::Postgres),
    ("aiopg", Engine::Postgres),
    ("mysqlclient", Engine::Mysql),
    ("pymysql", Engine::Mysql),
    ("mysql-connector", Engine::Mysql),
    ("mysql-connector-python", Engine::Mysql),
    ("aiomysql", Engine::Mysql),
    ("asyncmy", Engine::Mysql),
    ("mariadb", Engine::Mysql),
];

/// npm driver packages.
const NPM_DRIVERS: &[(&str, Engine)] = &[
    ("pg", Engine::Postgres),
    ("postgres", Engine::Postgres),
    ("pg-promise", Engine::Postgres),
    ("@neondatabase/serverless", Engine::Postgres),
    ("@vercel/postgres", Engine::Postgres),
    ("mysql", Engine::Mysql),
    ("mysql2", Engine::Mysql),
    ("mariadb", Engine::Mysql),
    ("sqlite3", Engine::Sqlite),
    ("better-sqlite3", Engine::Sqlite),
];

/// The dependency name a requirements-style line starts with, lowercased
/// (`psycopg2-binary==2.9` → `psycopg2-binary`, `"asyncpg>=0.27",` → `asyncpg`).
fn requirement_name(line: &str) -> String {
    let line = line.trim().trim_start_matches(['"', '\'']);
    line.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace('_', "-")
}

fn python_deps(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        // `install_requires=["psycopg2", ...]` and `dependencies = ["asyncpg", ...]`
        // may hold several on one line: read each quoted piece too.
        let mut names = vec![requirement_name(line)];
        names.extend(line.split(['"', '\'']).skip(1).step_by(2).map(requirement_name));
        // Poetry: `psycopg2 = "^2.9"`.
        if let Some((k, _)) = line.split_once('=') {
            names.push(requirement_name(k));
        }
        for name in names {
            let name = name.split('[').next().unwrap_or("");
            if let Some((_, engine)) = PY_DRIVERS.iter().find(|(d, _)| *d == name) {
                out.insert(dep(*engine, file, name));
            }
        }
    }
}

fn npm_deps(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    for (name, engine) in NPM_DRIVERS {
        if text.contains(&format!("\"{name}\":")) || text.contains(&format!("\"{name}\" :")) {
            out.insert(dep(*engine, file, name));
        }
    }
}

/// The database engines a crate's own `Cargo.toml` (its text) depends on:
/// sqlx, diesel and SeaORM features and the plain driver crates of its
/// `[dependencies]` (also target-specific ones), not its dev-dependencies.
pub fn cargo_engines(text: &str) -> BTreeSet<Engine> {
    let mut section = String::new();
    let mut out = BTreeSet::new();
    let mut runtime = String::new();
    for line in toml_lines(text) {
        if line.trim_start().starts_with('[') {
            section = line.trim().to_string();
        }
        if !section.contains("dev-dependencies") && !section.contains("build-dependencies") {
            runtime.push_str(&line);
            runtime.push('\n');
        }
    }
    cargo_deps(&runtime, "Cargo.toml", &mut out);
    out.into_iter().map(|e| e.engine).collect()
}

/// The lines of a TOML text, with a multi-line array joined onto the line
/// that opens it (`features = [\n "sqlite",\n]`).
fn toml_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = 0i32;
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or("");
        let depth = open;
        open += code.matches('[').count() as i32 - code.matches(']').count() as i32;
        // A section header (`[dependencies]`) opens and closes on its line.
        match out.last_mut() {
            Some(last) if depth > 0 => {
                last.push(' ');
                last.push_str(code.trim());
            }
            _ => out.push(code.to_string()),
        }
        open = open.max(0);
    }
    out
}

/// sqlx, diesel and SeaORM features, and the plain driver crates.
fn cargo_deps(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    let mut section = String::new();
    for line in toml_lines(text) {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            section = line.to_string();
        }
        let name = line.split(['=', ' ', '.']).next().unwrap_or("");
        let in_table = ["sqlx", "diesel", "sea-orm"].iter().any(|c| section.ends_with(&format!(".{c}]")));
        let orm_line = in_table || matches!(name, "sqlx" | "diesel" | "sea-orm") || line.starts_with("features");
        if orm_line && (in_table || !line.starts_with("features") || section.contains("sqlx")) {
            for piece in line.split(['"', '\'']).skip(1).step_by(2) {
                let engine = match piece {
                    p if p.contains("postgres") => Engine::Postgres,
                    p if p.contains("mysql") => Engine::Mysql,
                    p if p.contains("sqlite") => Engine::Sqlite,
                    _ => continue,
                };
                out.insert(dep(engine, file, &format!("feature `{piece}`")));
            }
        }
        let engine = match name {
            "tokio-postgres" | "postgres" | "deadpool-postgres" | "bb8-postgres" => Engine::Postgres,
            "mysql" | "mysql_async" => Engine::Mysql,
            "rusqlite" => Engine::Sqlite,
            _ => continue,
        };
        if section.contains("dependencies") && !section.contains("dev-dependencies") {
            out.insert(dep(engine, file, name));
        }
    }
}

fn compose_images(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    for line in text.lines() {
        let Some(image) = line.trim().strip_prefix("image:") else { continue };
        let image = image.trim().trim_matches(['"', '\'']);
        let name = image.split(':').next().unwrap_or("");
        let base = name.rsplit('/').next().unwrap_or("");
        let engine = match base {
            "postgres" | "postgresql" | "postgis" | "timescaledb" | "timescaledb-ha" => Engine::Postgres,
            "mysql" | "mariadb" | "mysql-server" | "percona" => Engine::Mysql,
            _ => continue,
        };
        out.insert(dep(engine, file, &format!("image `{image}`")));
    }
}

fn prisma_provider(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    let Some(at) = text.find("datasource") else { return };
    let block = &text[at..];
    let block = &block[..block.find('}').unwrap_or(block.len())];
    for line in block.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("provider") else { continue };
        let value = rest.trim_start().trim_start_matches('=').trim().trim_matches('"');
        let engine = match value {
            "postgresql" | "postgres" | "cockroachdb" => Engine::Postgres,
            "mysql" => Engine::Mysql,
            "sqlite" => Engine::Sqlite,
            _ => continue,
        };
        out.insert(setting(engine, file, &format!("provider = \"{value}\"")));
    }
}

fn alembic_url(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("sqlalchemy.url") else { continue };
        let value = rest.trim_start().trim_start_matches('=').trim();
        if let Some((scheme, engine)) = URL_SCHEMES.iter().find(|(s, _)| value.starts_with(s)) {
            let scheme = scheme.trim_end_matches(['/', ':', '+']);
            out.insert(setting(*engine, file, &format!("sqlalchemy.url `{scheme}`")));
        }
    }
}

fn js_config(text: &str, file: &str, out: &mut BTreeSet<Evidence>) {
    for key in ["client", "type", "dialect"] {
        for (value, engine) in js_clients(text, key) {
            out.insert(setting(engine, file, &format!("{key}: '{value}'")));
        }
    }
}

fn dep(engine: Engine, file: &str, what: &str) -> Evidence {
    Evidence { engine, strength: Strength::Dependency, reason: format!("{file}: {what}") }
}

fn setting(engine: Engine, file: &str, what: &str) -> Evidence {
    Evidence { engine, strength: Strength::Setting, reason: format!("{file}: {what}") }
}

/// Files larger than this are not read for evidence.
const MAX_FILE: u64 = 1 << 20;

/// The evidence in the well-known files of one folder.
fn folder_evidence(dir: &Path, shown: &dyn Fn(&Path) -> String) -> BTreeSet<Evidence> {
    let mut out = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    if names.iter().any(|n| n == "prisma") {
        names.push("prisma/schema.prisma".to_string());
    }
    for name in names {
        type Reader = fn(&str, &str, &mut BTreeSet<Evidence>);
        let reader: Reader = match name.as_str() {
            n if n.starts_with("requirements") && n.ends_with(".txt") => python_deps,
            "pyproject.toml" | "setup.py" | "setup.cfg" | "Pipfile" => python_deps,
            "package.json" => npm_deps,
            "Cargo.toml" => cargo_deps,
            "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml" => compose_images,
            "schema.prisma" | "prisma/schema.prisma" => prisma_provider,
            "alembic.ini" => alembic_url,
            n if n.starts_with("knexfile.") || n.starts_with("ormconfig.") => js_config,
            _ => continue,
        };
        let path = dir.join(&name);
        if std::fs::metadata(&path).map_or(true, |m| !m.is_file() || m.len() > MAX_FILE) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        reader(&text, &shown(&path), &mut out);
    }
    out
}

/// Decides from the evidence of one folder (see the module docs).
fn decide(evidence: &BTreeSet<Evidence>) -> Verdict {
    let of =
        |s: Strength| -> BTreeSet<Engine> { evidence.iter().filter(|e| e.strength == s).map(|e| e.engine).collect() };
    let settings = of(Strength::Setting);
    let deps = of(Strength::Dependency);
    let servers: BTreeSet<Engine> = deps.iter().copied().filter(|e| *e != Engine::Sqlite).collect();
    let (engines, strength) = if settings.is_empty() {
        (deps, Strength::Dependency)
    } else if settings.iter().all(|e| *e == Engine::Sqlite) && !servers.is_empty() {
        (servers, Strength::Dependency)
    } else {
        (settings, Strength::Setting)
    };
    let reasons: Vec<&str> = evidence
        .iter()
        .filter(|e| e.strength == strength && engines.contains(&e.engine))
        .map(|e| e.reason.as_str())
        .take(3)
        .collect();
    Verdict { engines, reason: reasons.join("; ") }
}

/// Answers, once per folder, which engine a migration history runs on.
pub struct Resolver<'a> {
    facts: &'a DatabaseFacts,
    /// `[database] engine`: wins over any evidence.
    configured: Option<Engine>,
    /// Folders the search does not go above (the run's root and the
    /// working directory).
    tops: Vec<PathBuf>,
    cwd: PathBuf,
    seen: HashMap<PathBuf, Verdict>,
}

impl<'a> Resolver<'a> {
    pub fn new(facts: &'a DatabaseFacts, configured: Option<Engine>, paths: &[PathBuf], cwd: &Path) -> Resolver<'a> {
        let mut tops: Vec<PathBuf> = paths
            .iter()
            .map(|p| {
                let p = if p.is_absolute() { p.clone() } else { cwd.join(p) };
                if p.is_file() { p.parent().map(Path::to_path_buf).unwrap_or(p) } else { p }
            })
            .collect();
        tops.push(cwd.to_path_buf());
        Resolver { facts, configured, tops, cwd: cwd.to_path_buf(), seen: HashMap::new() }
    }

    /// The verdict for the history in `folder` (as the run read it).
    pub fn resolve(&mut self, folder: &Path) -> Verdict {
        if let Some(e) = self.configured {
            return Verdict { engines: BTreeSet::from([e]), reason: "`[database] engine` in the config".to_string() };
        }
        if let Some(v) = self.seen.get(folder) {
            return v.clone();
        }
        let v = self.search(folder);
        self.seen.insert(folder.to_path_buf(), v.clone());
        v
    }

    fn search(&self, folder: &Path) -> Verdict {
        let abs = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { self.cwd.join(p) };
        let start = abs(folder);
        // The highest folder the search may reach: the outermost top above it.
        let top = self.tops.iter().filter(|t| start.starts_with(t)).min_by_key(|t| t.components().count());
        let Some(top) = top else { return Verdict::default() };
        let cwd = self.cwd.clone();
        let shown = move |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).to_string_lossy().replace('\\', "/");
        let mut dir = start.clone();
        loop {
            let mut evidence = folder_evidence(&dir, &shown);
            for (f, ev) in &self.facts.by_folder {
                if abs(f).starts_with(&dir) {
                    evidence.extend(ev.iter().cloned());
                }
            }
            let v = decide(&evidence);
            if !v.engines.is_empty() {
                return v;
            }
            if dir == *top || !dir.pop() {
                return Verdict::default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(engine: Engine, strength: Strength) -> Evidence {
        Evidence { engine, strength, reason: format!("{engine:?}") }
    }

    #[test]
    fn cargo_engines_read_multi_line_features_and_skip_dev_dependencies() {
        let toml = "[package]\nname = \"x\"\n\n[dependencies]\nsqlx = { workspace = true, features = [\n    \"runtime-tokio\",\n    \"sqlite\",\n] }\n\n[dev-dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n";
        assert_eq!(cargo_engines(toml), BTreeSet::from([Engine::Sqlite]));
        let toml = "[package]\nname = \"x\"\n\n[target.'cfg(unix)'.dependencies.sqlx]\nversion = \"0.8\"\nfeatures = [\"postgres\"]\n";
        assert_eq!(cargo_engines(toml), BTreeSet::from([Engine::Postgres]));
        assert!(cargo_engines("[package]\nname = \"x\"\n[dependencies]\nserde = \"1\"\n").is_empty());
    }

    #[test]
    fn settings_win_over_dependencies_but_not_a_lone_sqlite_default() {
        let set = BTreeSet::from([
            ev(Engine::Mysql, Strength::Setting),
            ev(Engine::Postgres, Strength::Dependency),
            ev(Engine::Mysql, Strength::Dependency),
        ]);
        assert_eq!(decide(&set).engines, BTreeSet::from([Engine::Mysql]));
        let set = BTreeSet::from([ev(Engine::Sqlite, Strength::Setting), ev(Engine::Postgres, Strength::Dependency)]);
        assert_eq!(decide(&set).engines, BTreeSet::from([Engine::Postgres]));
        let set = BTreeSet::from([ev(Engine::Sqlite, Strength::Setting)]);
        assert!(!decide(&set).postgres_possible());
        let set = BTreeSet::from([ev(Engine::Mysql, Strength::Setting), ev(Engine::Postgres, Strength::Setting)]);
        assert!(decide(&set).postgres_possible());
        assert!(decide(&BTreeSet::new()).postgres_possible());
    }

    #[test]
    fn manifests_name_drivers() {
        let mut out = BTreeSet::new();
        python_deps("Django==4.2\nmysqlclient==2.1  # db\npsycopg2-binary>=2.9\n", "r.txt", &mut out);
        let engines: BTreeSet<Engine> = out.iter().map(|e| e.engine).collect();
        assert_eq!(engines, BTreeSet::from([Engine::Mysql, Engine::Postgres]));
        let mut out = BTreeSet::new();
        python_deps("dependencies = [\"fastapi\", \"asyncpg>=0.27\"]\n", "pyproject.toml", &mut out);
        assert!(out.iter().all(|e| e.engine == Engine::Postgres) && !out.is_empty());
        let mut out = BTreeSet::new();
        python_deps("pymysqlx==1\npsycopgish\n", "r.txt", &mut out);
        assert!(out.is_empty(), "{out:?}");
        let mut out = BTreeSet::new();
        cargo_deps(
            "[dependencies]\nsqlx = { version = \"0.7\", features = [\"runtime-tokio\", \"mysql\"] }\n",
            "C",
            &mut out,
        );
        assert_eq!(out.iter().map(|e| e.engine).collect::<Vec<_>>(), [Engine::Mysql]);
        let mut out = BTreeSet::new();
        cargo_deps(
            "[dependencies.sqlx]\nversion = \"0.7\"\nfeatures = [\"postgres\"]\n\n[dependencies]\nserde = \"1\"\n",
            "C",
            &mut out,
        );
        assert_eq!(out.iter().map(|e| e.engine).collect::<Vec<_>>(), [Engine::Postgres]);
        let mut out = BTreeSet::new();
        compose_images("services:\n  db:\n    image: mariadb:10.11\n  cache:\n    image: redis:7\n", "dc", &mut out);
        assert_eq!(out.iter().map(|e| e.engine).collect::<Vec<_>>(), [Engine::Mysql]);
        let mut out = BTreeSet::new();
        prisma_provider(
            "generator client {\n  provider = \"prisma-client-js\"\n}\ndatasource db {\n  provider = \"mysql\"\n  url = env(\"DATABASE_URL\")\n}\n",
            "s",
            &mut out,
        );
        assert_eq!(
            out.iter().map(|e| (e.engine, e.strength)).collect::<Vec<_>>(),
            [(Engine::Mysql, Strength::Setting)]
        );
    }

    #[test]
    fn settings_code_names_its_engine() {
        assert!(quoted_prefix("ENGINE = os.environ.get('E', 'django.db.backends.mysql')", "django.db.backends.mysql"));
        assert!(!quoted_prefix("# uses django.db.backends.mysql", "django.db.backends.mysql"));
        let names = |text, key| js_clients(text, key).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(names("module.exports = { client: 'pg', connection }", "client"), ["pg"]);
        assert_eq!(names("{ \"type\": \"mysql\" }", "type"), ["mysql"]);
        assert!(names("{ client: 'pgx' }", "client").is_empty());
        assert!(names("{ content_type: 'mysql' }", "type").is_empty());
        // Every occurrence is read, not only the first.
        assert_eq!(names("type: 'string'; const db = { type: 'sqlite' }", "type"), ["sqlite"]);
    }
}
