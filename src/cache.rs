//! The result cache: a second run over unchanged files reuses each file's
//! project-fact contribution and its findings instead of parsing it again.
//!
//! It lives outside the scanned tree by default ([`default_dir`]:
//! `$XDG_CACHE_HOME/pagerproof/<hash of the project root>`, else
//! `~/.cache/...`), because a cache inside a pull request's checkout is
//! content the pull request controls: entries that say "no findings" would
//! hide every finding. A directory the user names (`--cache-dir`) is used as
//! named, but never read when git tracks anything in it. Every entry carries
//! a checksum of its content and is dropped when it does not match, and a
//! cache file that is not a regular file (a link to `/dev/zero`) is never
//! opened.
//!
//! A file's cached results are reused only when all of these are unchanged:
//!
//! - the file's content (xxh3-128 of its bytes);
//! - the run key: pagerproof's version and build (see [`build_id`]), the
//!   enabled rules with their severities, and the catalog (built-in plus
//!   config extensions), hashed into the name of the cache file, so another
//!   config or build reads and writes another file (the eight most recently
//!   written are kept);
//! - the project facts the whole run collected (its hash is stored with each
//!   entry): a change to a file that defines a fact (a session class that
//!   sets a timeout, a model's foreign keys) re-checks every file that could
//!   depend on it.
//!
//! Anything unreadable, corrupt or from another version is ignored (a cold
//! run), and the file is rewritten atomically, so a stale or broken cache can
//! cost time but never hide or invent a finding.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use crate::diagnostic::{Diagnostic, Notice};
use crate::engine::ProjectFacts;

/// The name of the cache directory that older versions kept in the working
/// directory; still skipped by the walk.
pub const DIR_NAME: &str = ".pagerproof_cache";

/// The default cache directory for a run from `cwd`: one per project (the
/// nearest directory holding `.git`, else `cwd`) under the user's cache
/// directory, `$XDG_CACHE_HOME` or `$HOME/.cache`. `None` (no cache) when
/// neither is set.
pub fn default_dir(cwd: &Path) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .filter(|p| p.is_absolute())?;
    let root = cwd.ancestors().find(|d| d.join(".git").exists()).unwrap_or(cwd);
    let id = hash(root.as_os_str().as_encoded_bytes());
    Some(base.join("pagerproof").join(&id[..16]))
}

/// True when git tracks a file in `dir`: a directory committed to the
/// repository is content whoever wrote the commit controls.
fn tracked_by_git(dir: &Path) -> bool {
    if !dir.is_dir() || !dir.ancestors().any(|d| d.join(".git").exists()) {
        return false;
    }
    let out = crate::diff::git(dir).args(["ls-files", "-z", "--", "."]).output();
    // If git cannot say, do not trust the directory.
    out.map_or(true, |o| !o.status.success() || !o.stdout.is_empty())
}

/// A 128-bit content hash, as 32 hex digits.
pub fn hash(bytes: &[u8]) -> String {
    format!("{:032x}", xxh3_128(bytes))
}

/// Which build of pagerproof is running: a hash of the executable's bytes,
/// computed once per run (xxh3 reads tens of megabytes in milliseconds). A
/// rebuilt binary (a development build with changed rules but the same
/// version number) must not read results an older build wrote; a size and
/// timestamp would not tell two builds apart when an install preserves
/// timestamps.
pub fn build_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| match std::env::current_exe().and_then(std::fs::read) {
        Ok(bytes) => hash(&bytes),
        // Unknown build: a key no other run shares, so nothing is reused.
        Err(_) => format!("unknown-{}", std::process::id()),
    })
    .clone()
}

/// What the cache remembers about one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// [`hash`] of the file's text.
    pub content: String,
    /// The file's contribution to the project facts; `None` when no fact
    /// collector wanted the file.
    pub facts: Option<ProjectFacts>,
    /// The findings and notices of the check phase, valid for the project
    /// facts whose hash is `facts_key`.
    pub results: Option<Results>,
    /// What the migration reader made of the file (it depends only on the
    /// text and the catalog), when the migration rules ran.
    #[serde(default)]
    pub migration: Option<MigrationRead>,
    /// Where the file names the tables and columns the newest migrations drop
    /// or rename (the code index), valid for the wanted names keyed `key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Words>,
}

/// A file's share of the migration code index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Words {
    /// Hash of the wanted names the hits answer.
    pub key: String,
    pub hits: crate::migration::Hits,
}

/// The migration reader's result for one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationRead {
    /// `None`: not a migration.
    pub migration: Option<crate::migration::model::Migration>,
}

/// A file's check-phase outcome, after suppressions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub facts_key: String,
    /// The file's own selection (see `selection_key` in lib.rs): overrides
    /// for its path can turn rules on or off and change severities.
    pub selection_key: String,
    pub diagnostics: Vec<Diagnostic>,
    pub notices: Vec<Notice>,
}

/// The cache file as written: each entry as raw JSON with its checksum.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: String,
    run_key: String,
    entries: BTreeMap<String, Sealed>,
}

/// An entry and the [`hash`] of its JSON text: an entry edited or cut short
/// does not match and is dropped (that file is checked again).
#[derive(Serialize, Deserialize)]
struct Sealed {
    sum: String,
    entry: Box<serde_json::value::RawValue>,
}

impl Sealed {
    fn seal(entry: &Entry) -> Option<Sealed> {
        let text = serde_json::to_string(entry).ok()?;
        let sum = hash(text.as_bytes());
        Some(Sealed { sum, entry: serde_json::value::RawValue::from_string(text).ok()? })
    }

    fn open(&self) -> Option<Entry> {
        (hash(self.entry.get().as_bytes()) == self.sum).then(|| serde_json::from_str(self.entry.get()).ok())?
    }
}

/// The entries of one run key, loaded from and saved to one file.
#[derive(Debug)]
pub struct Cache {
    file: PathBuf,
    dir: PathBuf,
    run_key: String,
    /// Display path → entry, as loaded.
    pub entries: BTreeMap<String, Entry>,
}

impl Cache {
    /// Opens the cache for `run_key` in `dir`. Nothing is read if the file
    /// is missing, corrupt, from another pagerproof version or not a regular
    /// file, or if git tracks anything in `dir`; entries whose checksum does
    /// not match are dropped.
    pub fn open(dir: &Path, run_key: &str) -> Cache {
        let file = dir.join(format!("results-{}.json", &run_key[..16.min(run_key.len())]));
        // `symlink_metadata` does not follow a link: a link to `/dev/zero` or
        // a FIFO is never opened.
        let regular = std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_file());
        let entries = Some(())
            .filter(|()| regular && !tracked_by_git(dir))
            .and_then(|()| std::fs::read(&file).ok())
            .and_then(|bytes| serde_json::from_slice::<Stored>(&bytes).ok())
            .filter(|s| s.version == env!("CARGO_PKG_VERSION") && s.run_key == run_key)
            .map(|s| s.entries.into_iter().filter_map(|(path, sealed)| Some((path, sealed.open()?))).collect())
            .unwrap_or_default();
        Cache { file, dir: dir.to_path_buf(), run_key: run_key.to_string(), entries }
    }

    /// The entry for `path` if its content hash is `content`.
    pub fn get(&self, path: &str, content: &str) -> Option<&Entry> {
        self.entries.get(path).filter(|e| e.content == content)
    }

    /// Marks the cache file as just used, for pruning, without rewriting it
    /// (a run that changed nothing). False when the file cannot be touched:
    /// then the caller saves instead.
    pub fn touch(&self) -> bool {
        let now = std::time::SystemTime::now();
        !self.entries.is_empty()
            && std::fs::File::options().write(true).open(&self.file).and_then(|f| f.set_modified(now)).is_ok()
    }

    /// Replaces the entries of this run's files and writes the cache file
    /// atomically. Entries of files this run did not see are kept (a run on a
    /// subdirectory must not evict the rest of the repository). Errors are
    /// returned for the caller to ignore or report: a cache never fails a run.
    pub fn save(mut self, fresh: impl IntoIterator<Item = (String, Entry)>) -> std::io::Result<()> {
        self.entries.extend(fresh);
        std::fs::create_dir_all(&self.dir)?;
        // Keep the cache out of version control and backups, as ruff does.
        create_new(&self.dir.join(".gitignore"), "# Created by pagerproof.\n*\n")?;
        create_new(
            &self.dir.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# pagerproof's result cache.\n",
        )?;
        let entries = self.entries.iter().filter_map(|(p, e)| Some((p.clone(), Sealed::seal(e)?))).collect();
        let stored = Stored { version: env!("CARGO_PKG_VERSION").to_string(), run_key: self.run_key, entries };
        let mut tmp = tempfile::Builder::new().prefix(".results-").suffix(".tmp").tempfile_in(&self.dir)?;
        serde_json::to_writer(std::io::BufWriter::new(tmp.as_file_mut()), &stored).map_err(std::io::Error::other)?;
        tmp.as_file_mut().flush()?;
        tmp.persist(&self.file).map_err(|e| e.error)?;
        prune(&self.dir, KEEP_FILES);
        Ok(())
    }
}

/// Writes `text` to `path` unless something (even a dangling link) is
/// already there: a planted link must not make the cache write elsewhere.
fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut f) => f.write_all(text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Cache files kept per directory (one per config and build).
const KEEP_FILES: usize = 8;

/// Deletes all but the `keep` most recently written cache files.
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with("results-") && n.ends_with(".json")))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in files.into_iter().skip(keep) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_or_foreign_cache_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path(), "00112233445566778899aabbccddeeff");
        assert!(c.entries.is_empty());
        let entry = Entry { content: hash(b"x = 1\n"), facts: None, results: None, migration: None, words: None };
        c.save([("a.py".to_string(), entry)]).unwrap();
        let c = Cache::open(dir.path(), "00112233445566778899aabbccddeeff");
        assert!(c.get("a.py", &hash(b"x = 1\n")).is_some());
        assert!(c.get("a.py", &hash(b"x = 2\n")).is_none(), "another content never matches");
        // Same file name prefix, another full key: not this cache.
        assert!(Cache::open(dir.path(), "0011223344556677ffffffffffffffff").entries.is_empty());
        // Garbage in the file: a cold run, no panic.
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .unwrap();
        std::fs::write(&file, b"{not json").unwrap();
        assert!(Cache::open(dir.path(), "00112233445566778899aabbccddeeff").entries.is_empty());
        assert!(dir.path().join(".gitignore").exists() && dir.path().join("CACHEDIR.TAG").exists());
    }

    #[test]
    fn old_cache_files_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(KEEP_FILES + 3) {
            let key = format!("{i:016x}{:016x}", 0);
            Cache::open(dir.path(), &key).save([]).unwrap();
        }
        let count = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_str().unwrap().starts_with("results-"))
            .count();
        assert_eq!(count, KEEP_FILES);
    }
}
