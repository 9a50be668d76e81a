//! Migration scope: which migrations are still ahead of production, so that
//! the unsafe-migration rules report only those, while the whole history
//! still feeds the facts (tables created earlier, column types, validated
//! checks).
//!
//! - `all`: every migration is reported, each judged as the release it was.
//! - `pending` (the default): with `--diff-base`, the migrations added or
//!   changed since the merge base; otherwise, in a git work tree, what git
//!   says production has not applied ([`from_git`]: the migrations added
//!   since the newest release tag, or on a branch off the remote default
//!   branch, plus the uncommitted ones); otherwise (no git, or no evidence)
//!   per history the newest migration. Every migration after the history's
//!   `applied_through` marker is pending too. A migration file named on the
//!   command line is always in scope.
//!
//! The pending migrations of a history go out together, so a table that one
//! of them creates is new (empty, and unknown to the running code) for the
//! ones after it.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::migration::model::Migration;
use crate::source::SourceFile;

/// Which migrations the rules report on.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Only the migrations still ahead of production.
    #[default]
    Pending,
    /// Every migration of every history.
    All,
}

impl Mode {
    /// The name used in config and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Pending => "pending",
            Mode::All => "all",
        }
    }
}

/// The scope settings of a run: the mode and the teams' markers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `pending` or `all`.
    pub mode: Mode,
    /// History folder (relative to [`Settings::root`], `/`-separated) → the
    /// last migration production has applied.
    pub applied_through: BTreeMap<String, String>,
    /// The directory `applied_through` keys are relative to (the config
    /// file's directory; absolute).
    pub root: PathBuf,
    /// `[database] engine`: the engine every history runs on, instead of
    /// the detected one ([`crate::analysis::database`]).
    pub database: Option<crate::analysis::database::Engine>,
    /// `[migrations] git = false`: what git says is not asked
    /// ([`from_git`]); each history's newest migration is pending.
    pub ignore_git: bool,
}

impl Settings {
    /// What the scope depends on, for the result cache's keys.
    pub fn key(&self) -> String {
        let marks: Vec<String> = self.applied_through.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let db = self.database.map_or("detected", |e| e.as_str());
        let git = if self.ignore_git { " git=false" } else { "" };
        format!("scope={} database={db}{git} {}", self.mode.as_str(), marks.join(" "))
    }
}

/// What one run knows beyond the settings: the files named on the command
/// line and, with `--diff-base`, the files added or changed since the merge
/// base (indexes into the run's file list).
#[derive(Debug, Default)]
pub struct RunFacts {
    /// Files named on the command line: always in scope.
    pub explicit: HashSet<usize>,
    /// With `--diff-base` (scope `pending`): the migrations added or changed
    /// since the merge base, which replace the newest-and-marker rule.
    pub changed: Option<HashSet<usize>>,
    /// The working directory that relative file paths start from.
    pub cwd: PathBuf,
    /// Without `--diff-base` (scope `pending`), in a git work tree: what
    /// git says production has applied ([`from_git`]).
    pub git: Option<GitScope>,
}

/// What git says about a run's migrations: see [`from_git`].
#[derive(Debug, Default, Clone)]
pub struct GitScope {
    /// The evidence that decided which migrations are pending (`release tag
    /// v1.2.0`, `merge base with origin/main`); `None` when none did and the
    /// newest-per-history rule stands.
    pub decided_by: Option<String>,
    /// One line on what was used or why nothing decided (`--show-settings`).
    pub note: String,
    /// Migrations ahead of production per that evidence, plus the
    /// uncommitted ones (untracked, modified or staged).
    pub pending: HashSet<usize>,
    /// Migration files git does not track (untracked, ignored, outside the
    /// work tree): a history of only such files is not under git, and keeps
    /// the newest-per-history rule.
    pub untracked: HashSet<usize>,
}

/// A release tag older than this many days before `HEAD`'s commit is no
/// longer how the project ships (it stopped tagging): not evidence.
pub const STALE_TAG_DAYS: i64 = 365;

/// Runs git in `dir`; its standard output when it succeeds.
fn git_out(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = crate::diff::git(dir).env("GIT_LITERAL_PATHSPECS", "1").args(args).output().ok()?;
    out.status.success().then_some(out.stdout)
}

fn git_line(dir: &Path, args: &[&str]) -> Option<String> {
    git_out(dir, args).map(|o| String::from_utf8_lossy(&o).trim().to_string())
}

/// The newest release tag reachable from `rev` (version-like tags first,
/// pre-releases left out; any tag when none is): the tag and whether it
/// points at `rev` itself.
fn nearest_tag(top: &Path, rev: &str) -> Option<(String, bool)> {
    // A pre-release (`2.0.0-rc.1`, `v3-beta`) is not what production runs.
    let versions = [
        "describe",
        "--tags",
        "--long",
        "--match",
        "v[0-9]*",
        "--match",
        "[0-9]*",
        "--exclude",
        "*-rc*",
        "--exclude",
        "*-alpha*",
        "--exclude",
        "*-beta*",
        "--exclude",
        "*-pre*",
        "--exclude",
        "*-dev*",
        rev,
    ];
    let described = git_line(top, &versions).or_else(|| git_line(top, &["describe", "--tags", "--long", rev]))?;
    // `<tag>-<commits since>-g<hash>`; the tag may hold dashes itself.
    let mut parts = described.rsplitn(3, '-');
    let (_hash, since, tag) = (parts.next()?, parts.next()?, parts.next()?);
    Some((tag.to_string(), since == "0"))
}

/// True for a tag named like a release version (`v1.2.0`, `26.3`), not a
/// pre-release (`2.0.0-rc.1`).
fn is_release_name(tag: &str) -> bool {
    let version = tag.strip_prefix('v').unwrap_or(tag);
    version.starts_with(|c: char| c.is_ascii_digit())
        && !["-rc", "-alpha", "-beta", "-pre", "-dev"].iter().any(|p| tag.contains(p))
}

/// The releases production may run, per the tags: the newest tag reachable
/// from `HEAD` (the one before it when `HEAD` is a tagged release itself:
/// the release being cut is what goes out next), and the newest release tag
/// by date wherever it is (a project that releases from release branches
/// tags commits main never reaches, yet their trees hold what main had when
/// the branch was cut). A tag [`STALE_TAG_DAYS`] older than `HEAD` is left
/// out. Empty without one.
fn release_tags(top: &Path) -> Vec<String> {
    let Some(head) = git_line(top, &["log", "-1", "--format=%H %ct", "HEAD"]) else { return Vec::new() };
    let Some((head, head_time)) = head.split_once(' ') else { return Vec::new() };
    let Ok(head_time) = head_time.trim().parse::<i64>() else { return Vec::new() };
    let fresh = |time: i64| head_time - time <= STALE_TAG_DAYS * 86_400;
    let mut tags = Vec::new();
    let reachable = nearest_tag(top, "HEAD")
        .and_then(|(tag, at_head)| if at_head { nearest_tag(top, "HEAD^").map(|(t, _)| t) } else { Some(tag) });
    if let Some(tag) = reachable {
        let reference = format!("refs/tags/{tag}^{{commit}}");
        let time = git_line(top, &["log", "-1", "--format=%ct", &reference]).and_then(|t| t.trim().parse().ok());
        if time.is_some_and(fresh) {
            tags.push(tag);
        }
    }
    let newest = git_line(
        top,
        &[
            "for-each-ref",
            // Newest first; the higher version first among tags of one second.
            "--sort=-version:refname",
            "--sort=-creatordate",
            "--count=100",
            "--format=%(refname) %(creatordate:unix) %(objectname) %(*objectname)",
            "refs/tags",
        ],
    )
    .unwrap_or_default();
    for line in newest.lines() {
        let mut fields = line.split(' ');
        let (Some(name), Some(time), Some(object)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let peeled = fields.next().unwrap_or("");
        let Some(name) = name.strip_prefix("refs/tags/") else { continue };
        if !is_release_name(name) || object == head || peeled == head {
            continue;
        }
        if time.parse().is_ok_and(fresh) && !tags.iter().any(|t| t == name) {
            tags.push(name.to_string());
        }
        break;
    }
    tags
}

/// Decides, from git, which of the migration files `candidates` (indexes
/// into `files`; display paths relative to `cwd`) production has not
/// applied, for scope `pending` without `--diff-base`. In this order:
///
/// 1. release tags ([`release_tags`]): a migration whose path exists in a
///    tag's tree was released, so applied; the rest are pending;
/// 2. without one, when `HEAD` is not contained in the remote default branch
///    (`origin/HEAD`, `origin/main`, `origin/master`): the migrations added
///    or changed since the merge base with it (as `--diff-base` would);
///    when it is (a continuously deployed service has applied what is
///    merged, but a project that releases by hand may not have), nothing
///    decides and the newest-per-history rule stands;
/// 3. always: the uncommitted migrations (untracked, modified, staged).
///
/// `None` outside a work tree, without `HEAD`, or on any git error: the scope
/// falls back to the newest-per-history rule. Reads only; runs no
/// repository code ([`crate::diff::git`]); a few git commands per run.
pub fn from_git(cwd: &Path, files: &[SourceFile], candidates: &[usize]) -> Option<GitScope> {
    let abs = |i: usize| {
        let a = absolute(&files[i].fs_path, cwd);
        a.canonicalize().unwrap_or(a)
    };
    let dir = abs(*candidates.first()?).parent()?.to_path_buf();
    let out = git_line(&dir, &["rev-parse", "--show-toplevel", "--verify", "HEAD"])?;
    let top = PathBuf::from(out.lines().next()?);
    let top = top.canonicalize().unwrap_or(top);
    let mut scope = GitScope::default();
    // Each migration's path from the top level; the folders to ask about.
    let mut rel: BTreeMap<usize, String> = BTreeMap::new();
    let mut folders: Vec<String> = Vec::new();
    for &i in candidates {
        let path = abs(i);
        match path.strip_prefix(&top) {
            Ok(r) => {
                let r = r.to_string_lossy().replace('\\', "/");
                let folder = folder_of(Path::new(&r)).to_string_lossy().into_owned();
                folders.push(if folder.is_empty() { ".".into() } else { folder });
                rel.insert(i, r);
            }
            Err(_) => {
                scope.untracked.insert(i);
            }
        }
    }
    folders.sort();
    folders.dedup();
    let pathspecs = |args: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        v.push("--".into());
        v.extend(folders.iter().cloned());
        v
    };
    let status_args =
        pathspecs(&["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--no-renames"]);
    let status = git_out(&top, &status_args.iter().map(String::as_str).collect::<Vec<_>>())?;
    let mut uncommitted: HashSet<String> = HashSet::new();
    let mut not_tracked: HashSet<String> = HashSet::new();
    for entry in status.split(|b| *b == 0).filter(|e| e.len() > 3) {
        let path = String::from_utf8_lossy(&entry[3..]).into_owned();
        if matches!(&entry[..2], b"??" | b"!!") {
            not_tracked.insert(path.clone());
        }
        uncommitted.insert(path);
    }
    for (&i, r) in &rel {
        if uncommitted.contains(r) {
            scope.pending.insert(i);
        }
        if not_tracked.contains(r) {
            scope.untracked.insert(i);
        }
    }
    let tags = release_tags(&top);
    if !tags.is_empty() {
        let mut released: HashSet<Vec<u8>> = HashSet::new();
        let mut listed_all = true;
        for tag in &tags {
            let tree = format!("refs/tags/{tag}");
            let mut args =
                vec!["ls-tree".to_string(), "-r".into(), "--name-only".into(), "-z".into(), tree, "--".into()];
            args.extend(folders.iter().cloned());
            let Some(listed) = git_out(&top, &args.iter().map(String::as_str).collect::<Vec<_>>()) else {
                listed_all = false;
                break;
            };
            released.extend(listed.split(|b| *b == 0).map(<[u8]>::to_vec));
        }
        if listed_all {
            scope.pending.extend(rel.iter().filter(|(_, r)| !released.contains(r.as_bytes())).map(|(i, _)| *i));
            let names = tags.join(" and ");
            scope.decided_by = Some(format!("release tag {names}"));
            scope.note = format!("migrations not in release tag {names} are pending (git)");
            return Some(scope);
        }
    }
    let refs = git_line(
        &top,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
            "refs/remotes/origin/master",
        ],
    )
    .unwrap_or_default();
    let default = ["refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master"]
        .into_iter()
        .find(|r| refs.lines().any(|l| l.trim() == *r));
    let Some(default) = default else {
        scope.note =
            "no recent release tag or remote default branch: the newest migration of each history is pending".into();
        return Some(scope);
    };
    let short = default.trim_start_matches("refs/remotes/");
    if git_out(&top, &["merge-base", "--is-ancestor", "HEAD", default]).is_some() {
        scope.note = format!(
            "HEAD is on the default branch ({short}) and no recent release tag: the newest migration of each history is pending"
        );
        return Some(scope);
    }
    let texts: Vec<(&str, &str)> = rel.keys().map(|&i| (files[i].path.as_str(), &*files[i].text)).collect();
    match crate::diff::Base::new(&top, default).and_then(|base| base.changed_files(&texts, cwd)) {
        Ok(changed) => {
            scope.pending.extend(rel.keys().filter(|&&i| changed.contains(files[i].path.as_str())));
            scope.decided_by = Some(format!("merge base with {short}"));
            scope.note = format!("migrations added or changed since the merge base with {short} are pending (git)");
        }
        Err(e) => {
            scope.note = format!("{e}: the newest migration of each history is pending");
        }
    }
    Some(scope)
}

/// A marker that names no migration of its history.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "migrations.applied_through: `{folder}` has no migration named `{name}` (its newest is `{newest}`); name a migration of that folder, or remove the entry"
)]
pub struct UnknownMarker {
    /// The history's folder, as the config writes it.
    pub folder: String,
    /// The marker's value.
    pub name: String,
    /// The history's newest migration, to show what names look like.
    pub newest: String,
}

/// True for a file name that stands for its folder: tools with one folder
/// per migration (diesel `up.sql`, Prisma `migration.sql`, an upgrade
/// script's `20241209110456_x/migration.ts`).
fn names_its_folder(name: &str) -> bool {
    if name.ends_with(".sql") {
        return matches!(name, "up.sql" | "down.sql" | "migration.sql");
    }
    crate::migration::detect::names_its_folder(name)
}

/// The folder a migration's history lives in: the file's folder, or the one
/// above for tools with one folder per migration (diesel `up.sql`, Prisma
/// `migration.sql`, an upgrade script's `migration.ts`).
pub fn history_folder(file: &SourceFile) -> PathBuf {
    folder_of(&file.fs_path)
}

/// [`history_folder`] of a migration's path.
fn folder_of(p: &Path) -> PathBuf {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = p.parent().unwrap_or(Path::new(""));
    if names_its_folder(name) { dir.parent().unwrap_or(Path::new("")).to_path_buf() } else { dir.to_path_buf() }
}

/// True when `name` (as a team writes it in `applied_through`) names `m`:
/// its own name (Alembic revision, file or folder name) or its file name
/// with or without the extension.
fn names(m: &Migration, file: &SourceFile, name: &str) -> bool {
    if m.name == name {
        return true;
    }
    let path = &file.fs_path;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
    file_name == name || stem == name
}

/// Lexically normalised absolute form of `p`.
fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    let joined = if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `folder` relative to `root`, `/`-separated (`None` outside it).
fn relative_key(folder: &Path, root: &Path, cwd: &Path) -> Option<String> {
    let abs = absolute(folder, cwd);
    let root = absolute(root, cwd);
    let rel = abs.strip_prefix(&root).ok()?;
    Some(rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/"))
}

/// Normalises an `applied_through` key as written (`./db/migrate/` →
/// `db/migrate`).
pub fn normalize_key(key: &str) -> String {
    key.trim().trim_start_matches("./").trim_matches('/').to_string()
}

/// How long before the project's newest migration a history's newest one
/// may have been written and still be taken as pending: a release cycle.
pub const RECENT_DAYS: u32 = 90;

/// The day a migration was written, as a day count (months of 31 days,
/// years of 372: only differences matter), from what its tool records: the
/// header Django writes (`# Generated by Django 4.2 on 2023-05-07 12:00`),
/// Alembic's `Create Date: 2023-05-07 ...`, a timestamp that starts the file
/// or folder name (`20230507120000_add_orders`, `V20230507__x.sql`,
/// diesel's `2023-05-07-120000_x/up.sql`), or Django's `_auto_20230507_1200`.
/// For a Django 1.x migration written for Python 2, the end of that series
/// stands in as the latest day it can have been written.
pub fn written_on(file: &SourceFile) -> Option<u32> {
    for line in file.text.lines().take(20) {
        for marker in ["Generated by Django", "Create Date:"] {
            if let Some(at) = line.find(marker) {
                let rest = &line[at + marker.len()..];
                let rest = rest.split_once(" on ").map_or(rest, |(_, r)| r);
                if let Some(d) = rest.split_whitespace().find_map(dashed_date) {
                    return Some(d);
                }
            }
        }
    }
    // Django 1.x under Python 2 wrote no date but this import; the last of
    // those releases (1.11) ended in April 2020: an upper bound is enough.
    if file.text.lines().take(10).any(|l| l.trim() == "from __future__ import unicode_literals") {
        return day(2020, 4, 1);
    }
    let p = &file.fs_path;
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = if names_its_folder(name) {
        p.parent().and_then(|d| d.file_name()).and_then(|n| n.to_str()).unwrap_or("")
    } else {
        name
    };
    if let Some(at) = name.find("_auto_") {
        return compact_date(&name[at + "_auto_".len()..]);
    }
    let name = name.trim_start_matches(['V', 'v']);
    compact_date(name).or_else(|| dashed_date(name.get(..10)?))
}

/// `2023-05-07` (the start of `w`) as a day count.
fn dashed_date(w: &str) -> Option<u32> {
    let b = w.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    day(w.get(0..4)?.parse().ok()?, w.get(5..7)?.parse().ok()?, w.get(8..10)?.parse().ok()?)
}

/// `20230507...` (eight digits starting `w`) as a day count.
fn compact_date(w: &str) -> Option<u32> {
    let digits = w.get(0..8).filter(|d| d.bytes().all(|c| c.is_ascii_digit()))?;
    day(digits[0..4].parse().ok()?, digits[4..6].parse().ok()?, digits[6..8].parse().ok()?)
}

fn day(y: u32, m: u32, d: u32) -> Option<u32> {
    ((2000..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some(y * 372 + m * 31 + d)
}

/// Which migrations of one ordered history are in scope (one flag per
/// migration, in history order). `applied_before`, in scope `pending`
/// without a diff base: a day count (see [`written_on`]); a history whose
/// newest migration was written before it has nothing pending, since
/// production has run it long ago (a Django app nobody has changed for
/// years, in a project whose other apps move on).
pub fn in_scope(
    history: &[&Migration],
    files: &[SourceFile],
    settings: &Settings,
    run: &RunFacts,
    applied_before: Option<u32>,
) -> Result<Vec<bool>, UnknownMarker> {
    let n = history.len();
    if settings.mode == Mode::All {
        return Ok(vec![true; n]);
    }
    let explicit = |m: &Migration| run.explicit.contains(&m.file);
    if let Some(changed) = &run.changed {
        return Ok(history.iter().map(|m| changed.contains(&m.file) || explicit(m)).collect());
    }
    // Git's word, for a history git tracks (one of its files at least).
    let git = run.git.as_ref().filter(|g| history.iter().any(|m| !g.untracked.contains(&m.file)));
    let mut flags: Vec<bool> =
        history.iter().map(|m| explicit(m) || git.is_some_and(|g| g.pending.contains(&m.file))).collect();
    let stale = |m: &Migration| {
        applied_before.zip(written_on(&files[m.file])).is_some_and(|(cutoff, written)| written < cutoff)
    };
    if git.is_none_or(|g| g.decided_by.is_none())
        && let (Some(last), Some(newest)) = (flags.last_mut(), history.last())
    {
        *last = *last || !stale(newest);
    }
    let Some(first) = history.first() else { return Ok(flags) };
    let folder = history_folder(&files[first.file]);
    let marker = relative_key(&folder, &settings.root, &run.cwd).and_then(|k| settings.applied_through.get(&k));
    if let Some(name) = marker {
        match history.iter().position(|m| names(m, &files[m.file], name)) {
            Some(at) => flags[at + 1..].iter_mut().for_each(|f| *f = true),
            // The history may be only the files named on the command line
            // (a pre-commit hook): they are all in scope, nothing to mark.
            None if history.iter().all(|m| explicit(m)) => {}
            None => {
                let last = history[n - 1];
                return Err(UnknownMarker {
                    folder: relative_key(&folder, &settings.root, &run.cwd).unwrap_or_default(),
                    name: name.clone(),
                    newest: last.name.clone(),
                });
            }
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::model::Style;
    use crate::source::Grammar;
    use std::sync::Arc;

    fn setup(names: &[&str]) -> (Vec<SourceFile>, Vec<Migration>) {
        let files: Vec<SourceFile> = names
            .iter()
            .map(|n| {
                let p = format!("db/migrate/{n}");
                SourceFile::new(p.clone(), PathBuf::from(p), Grammar::Sql, Arc::from(""))
            })
            .collect();
        let ms = names
            .iter()
            .enumerate()
            .map(|(i, n)| Migration {
                file: i,
                style: Style::Sql,
                set: "db/migrate".into(),
                name: (*n).to_string(),
                after: Vec::new(),
                ops: Vec::new(),
                unparsed: Vec::new(),
                statements: 0,
                squashed: false,
            })
            .collect();
        (files, ms)
    }

    fn run_facts() -> RunFacts {
        RunFacts { cwd: PathBuf::from("/repo"), ..RunFacts::default() }
    }

    #[test]
    fn pending_is_the_newest_plus_everything_after_the_marker() {
        let (files, ms) = setup(&["V1__a.sql", "V2__b.sql", "V3__c.sql", "V4__d.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let mut s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), None).unwrap(), [false, false, false, true]);
        // The marker may be written with or without the extension.
        s.applied_through.insert("db/migrate".into(), "V2__b".into());
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), None).unwrap(), [false, false, true, true]);
        s.applied_through.insert("db/migrate".into(), "V1__a.sql".into());
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), None).unwrap(), [false, true, true, true]);
        // A marker for another folder leaves this history alone.
        s.applied_through.clear();
        s.applied_through.insert("other".into(), "V1__a.sql".into());
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), None).unwrap(), [false, false, false, true]);
        s.mode = Mode::All;
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), None).unwrap(), [true; 4]);
    }

    #[test]
    fn an_unknown_marker_is_an_error_unless_only_named_files_were_read() {
        let (files, ms) = setup(&["V1__a.sql", "V2__b.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let mut s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        s.applied_through.insert("db/migrate".into(), "V9__typo".into());
        let e = in_scope(&h, &files, &s, &run_facts(), None).unwrap_err();
        assert_eq!(e.newest, "V2__b.sql");
        let mut r = run_facts();
        r.explicit = [0, 1].into();
        assert_eq!(in_scope(&h, &files, &s, &r, None).unwrap(), [true, true]);
    }

    #[test]
    fn with_a_diff_base_the_changed_and_named_files_are_pending() {
        let (files, ms) = setup(&["V1__a.sql", "V2__b.sql", "V3__c.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        let mut r = run_facts();
        r.changed = Some([1].into());
        assert_eq!(in_scope(&h, &files, &s, &r, None).unwrap(), [false, true, false]);
        r.changed = Some(HashSet::new());
        r.explicit = [0].into();
        assert_eq!(in_scope(&h, &files, &s, &r, None).unwrap(), [true, false, false]);
    }

    #[test]
    fn what_git_says_replaces_the_newest_rule_only_when_it_decided() {
        let (files, ms) = setup(&["V1__a.sql", "V2__b.sql", "V3__c.sql", "V4__d.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        let mut r = run_facts();
        // A release tag decided: V2 and V3 are not in it; V4 is.
        r.git =
            Some(GitScope { decided_by: Some("release tag v1".into()), pending: [1, 2].into(), ..GitScope::default() });
        assert_eq!(in_scope(&h, &files, &s, &r, None).unwrap(), [false, true, true, false]);
        // Nothing decided: the newest, plus the uncommitted V2.
        r.git = Some(GitScope { pending: [1].into(), ..GitScope::default() });
        assert_eq!(in_scope(&h, &files, &s, &r, None).unwrap(), [false, true, false, true]);
        // A history git tracks none of: the newest rule alone.
        r.git = Some(GitScope {
            decided_by: Some("release tag v1".into()),
            pending: [0, 1, 2, 3].into(),
            untracked: [0, 1, 2, 3].into(),
            ..GitScope::default()
        });
        assert_eq!(in_scope(&h, &files, &s, &r, None).unwrap(), [false, false, false, true]);
        // A marker still adds what follows it; `all` is everything.
        r.git = Some(GitScope { decided_by: Some("release tag v1".into()), ..GitScope::default() });
        let mut marked = s.clone();
        marked.applied_through.insert("db/migrate".into(), "V2__b".into());
        assert_eq!(in_scope(&h, &files, &marked, &r, None).unwrap(), [false, false, true, true]);
        marked.mode = Mode::All;
        assert_eq!(in_scope(&h, &files, &marked, &r, None).unwrap(), [true; 4]);
    }

    #[test]
    fn a_history_whose_newest_migration_is_old_has_nothing_pending() {
        let (files, ms) = setup(&["20160101000000_a.sql", "20160301000000_b.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        let cutoff = day(2024, 1, 1);
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), cutoff).unwrap(), [false, false]);
        // Recent enough, or named on the command line: pending.
        assert_eq!(in_scope(&h, &files, &s, &run_facts(), day(2016, 2, 1)).unwrap(), [false, true]);
        let mut r = run_facts();
        r.explicit = [1].into();
        assert_eq!(in_scope(&h, &files, &s, &r, cutoff).unwrap(), [false, true]);
    }

    #[test]
    fn the_day_a_migration_was_written_comes_from_its_tool() {
        let file = |path: &str, text: &str| {
            SourceFile::new(path.to_string(), PathBuf::from(path), Grammar::Python, Arc::from(text))
        };
        let django = "# Generated by Django 4.2.1 on 2023-05-07 12:00\n\nfrom django.db import migrations\n";
        assert_eq!(written_on(&file("app/migrations/0007_orders.py", django)), day(2023, 5, 7));
        let alembic = "\"\"\"add orders\n\nRevision ID: abc\nCreate Date: 2021-11-02 09:00:00.1\n\"\"\"\n";
        assert_eq!(written_on(&file("alembic/versions/abc_add_orders.py", alembic)), day(2021, 11, 2));
        assert_eq!(written_on(&file("app/migrations/0003_auto_20170421_1234.py", "")), day(2017, 4, 21));
        assert_eq!(written_on(&file("prisma/migrations/20240102030405_init/migration.sql", "")), day(2024, 1, 2));
        assert_eq!(written_on(&file("migrations/2024-09-04-091351_devices/up.sql", "")), day(2024, 9, 4));
        assert_eq!(written_on(&file("db/V20220101__x.sql", "")), day(2022, 1, 1));
        let py2 =
            "# -*- coding: utf-8 -*-\nfrom __future__ import unicode_literals\n\nfrom django.db import migrations\n";
        assert_eq!(written_on(&file("app/migrations/0006_remove_x.py", py2)), day(2020, 4, 1));
        // A sequence number says nothing about when.
        assert_eq!(written_on(&file("db/V3__x.sql", "")), None);
        assert_eq!(written_on(&file("app/migrations/0001_initial.py", "from django.db import migrations\n")), None);
    }
}
