//! Migration scope: which migrations are still ahead of production, so that
//! the unsafe-migration rules report only those, while the whole history
//! still feeds the facts (tables created earlier, column types, validated
//! checks).
//!
//! - `all`: every migration is reported, each judged as the release it was.
//! - `pending` (the default): with `--diff-base`, the migrations added or
//!   changed since the merge base; otherwise, per history, the newest
//!   migration plus every one after the history's `applied_through` marker.
//!   A migration file named on the command line is always in scope.
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
}

impl Settings {
    /// What the scope depends on, for the result cache's keys.
    pub fn key(&self) -> String {
        let marks: Vec<String> = self.applied_through.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("scope={} {}", self.mode.as_str(), marks.join(" "))
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

/// The folder a migration's history lives in: the file's folder, or the one
/// above for tools with one folder per migration (diesel `up.sql`, Prisma
/// `migration.sql`).
pub fn history_folder(file: &SourceFile) -> PathBuf {
    let p = &file.fs_path;
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = p.parent().unwrap_or(Path::new(""));
    if matches!(name, "up.sql" | "migration.sql") {
        dir.parent().unwrap_or(Path::new("")).to_path_buf()
    } else {
        dir.to_path_buf()
    }
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

/// Which migrations of one ordered history are in scope (one flag per
/// migration, in history order).
pub fn in_scope(
    history: &[&Migration],
    files: &[SourceFile],
    settings: &Settings,
    run: &RunFacts,
) -> Result<Vec<bool>, UnknownMarker> {
    let n = history.len();
    if settings.mode == Mode::All {
        return Ok(vec![true; n]);
    }
    let explicit = |m: &Migration| run.explicit.contains(&m.file);
    if let Some(changed) = &run.changed {
        return Ok(history.iter().map(|m| changed.contains(&m.file) || explicit(m)).collect());
    }
    let mut flags: Vec<bool> = history.iter().map(|m| explicit(m)).collect();
    if let Some(last) = flags.last_mut() {
        *last = true;
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
        assert_eq!(in_scope(&h, &files, &s, &run_facts()).unwrap(), [false, false, false, true]);
        // The marker may be written with or without the extension.
        s.applied_through.insert("db/migrate".into(), "V2__b".into());
        assert_eq!(in_scope(&h, &files, &s, &run_facts()).unwrap(), [false, false, true, true]);
        s.applied_through.insert("db/migrate".into(), "V1__a.sql".into());
        assert_eq!(in_scope(&h, &files, &s, &run_facts()).unwrap(), [false, true, true, true]);
        // A marker for another folder leaves this history alone.
        s.applied_through.clear();
        s.applied_through.insert("other".into(), "V1__a.sql".into());
        assert_eq!(in_scope(&h, &files, &s, &run_facts()).unwrap(), [false, false, false, true]);
        s.mode = Mode::All;
        assert_eq!(in_scope(&h, &files, &s, &run_facts()).unwrap(), [true; 4]);
    }

    #[test]
    fn an_unknown_marker_is_an_error_unless_only_named_files_were_read() {
        let (files, ms) = setup(&["V1__a.sql", "V2__b.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let mut s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        s.applied_through.insert("db/migrate".into(), "V9__typo".into());
        let e = in_scope(&h, &files, &s, &run_facts()).unwrap_err();
        assert_eq!(e.newest, "V2__b.sql");
        let mut r = run_facts();
        r.explicit = [0, 1].into();
        assert_eq!(in_scope(&h, &files, &s, &r).unwrap(), [true, true]);
    }

    #[test]
    fn with_a_diff_base_the_changed_and_named_files_are_pending() {
        let (files, ms) = setup(&["V1__a.sql", "V2__b.sql", "V3__c.sql"]);
        let h: Vec<&Migration> = ms.iter().collect();
        let s = Settings { root: PathBuf::from("/repo"), ..Settings::default() };
        let mut r = run_facts();
        r.changed = Some([1].into());
        assert_eq!(in_scope(&h, &files, &s, &r).unwrap(), [false, true, false]);
        r.changed = Some(HashSet::new());
        r.explicit = [0].into();
        assert_eq!(in_scope(&h, &files, &s, &r).unwrap(), [true, false, false]);
    }
}
