//! File discovery: one parallel walk with the `ignore` crate (honouring
//! `.gitignore`, `.ignore` and git excludes, in or out of a git checkout), the
//! language of each file by extension, display paths relative to the
//! working directory, and the path each file's role is judged on.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::diagnostic::{Notice, NoticeKind};
use crate::source::Grammar;

/// Package-manager, virtualenv and cache folders: never walked (the role
/// model decides about the rest, see `analysis::roles`).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "__pypackages__",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".pagerproof_cache",
];

/// Says whether a path (as walked: relative to the working directory or
/// absolute) is excluded by the config.
pub type Exclude = std::sync::Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Display path: relative to the working directory when under it.
    pub path: String,
    pub fs_path: PathBuf,
    pub grammar: Grammar,
    /// `/`-separated path below the walked root that found it (for a file
    /// named on the command line, its display path): what roles judge, so a
    /// project that itself lives in a folder named `test` is still checked.
    pub rel: String,
    /// The walked root (for a file named on the command line, the working
    /// directory): package metadata is looked for between it and the file.
    pub root: PathBuf,
    /// Named on the command line: checked whatever its role.
    pub explicit: bool,
}

/// Every checkable file under `paths`, sorted by display path, plus notices
/// for paths that do not exist or could not be walked. Which of them are
/// checked is the role model's decision (`analysis::roles`), not the walk's.
pub fn discover(
    paths: &[PathBuf],
    cwd: &Path,
    threads: usize,
    exclude: Option<Exclude>,
) -> (Vec<Candidate>, Vec<Notice>) {
    let mut notices = Vec::new();
    let mut existing: Vec<&PathBuf> = Vec::new();
    for p in paths {
        // `metadata` follows links: what the path finally names.
        let meta = std::fs::metadata(p);
        if meta.as_ref().is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            // A FIFO would block the read and a device is not source: say so,
            // rather than report "0 files checked".
            notices.push(Notice {
                path: display_path(p, cwd),
                kind: NoticeKind::Unreadable,
                line: None,
                column: None,
                message: "Not a regular file or directory (a FIFO, socket or device); not checked".to_string(),
            });
        } else if meta.is_ok() || p.exists() {
            existing.push(p);
        } else {
            notices.push(Notice {
                path: display_path(p, cwd),
                kind: NoticeKind::MissingPath,
                line: None,
                column: None,
                message: "No such file or directory".to_string(),
            });
        }
    }
    let Some((first, rest)) = existing.split_first() else {
        return (Vec::new(), notices);
    };
    let mut builder = WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    let excluded = exclude.clone();
    builder.require_git(false).threads(threads.max(1)).filter_entry(move |entry| {
        // Given paths (depth 0) are always walked; below them skip
        // package-manager trees and what the config excludes.
        let installed = entry.file_type().is_some_and(|t| t.is_dir())
            && entry.file_name().to_str().is_some_and(|n| DEFAULT_EXCLUDES.contains(&n));
        entry.depth() == 0 || !(installed || excluded.as_ref().is_some_and(|x| x(entry.path())))
    });
    let exclude = &exclude;
    let found: Mutex<Vec<Candidate>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<Notice>> = Mutex::new(Vec::new());
    let roots: Vec<&Path> = existing.iter().map(|p| p.as_path()).collect();
    let roots = &roots;
    builder.build_parallel().run(|| {
        let found = &found;
        let errors = &errors;
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file())
                        || (entry.depth() == 0 && entry.path().is_file());
                    // The config's excludes hold for files named explicitly too.
                    let skip = entry.depth() == 0 && exclude.as_ref().is_some_and(|x| x(entry.path()));
                    if is_file
                        && !skip
                        && let Some(grammar) = Grammar::from_path(entry.path())
                        && (grammar != Grammar::Sql || crate::migration::detect::is_sql_migration_path(entry.path()))
                    {
                        let fs_path = entry.path().to_path_buf();
                        let path = display_path(&fs_path, cwd);
                        let explicit = entry.depth() == 0;
                        // Judge the path below the walked root.
                        let (rel, root) = match roots.iter().find(|r| entry.path().strip_prefix(r).is_ok()) {
                            Some(r) if !explicit => {
                                let rel = entry.path().strip_prefix(r).unwrap_or(entry.path());
                                (slashed(rel), r.to_path_buf())
                            }
                            _ => (path.clone(), cwd.to_path_buf()),
                        };
                        let candidate = Candidate { path, fs_path, grammar, rel, root, explicit };
                        found.lock().expect("walk mutex").push(candidate);
                    } else if is_file && !skip && entry.depth() == 0 {
                        // Named on the command line and not read: say so,
                        // rather than a silent "0 files checked".
                        errors.lock().expect("walk mutex").push(unsupported_notice(entry.path(), cwd));
                    }
                }
                Err(err) => {
                    let path = error_path(&err).map(|p| display_path(&p, cwd)).unwrap_or_default();
                    errors.lock().expect("walk mutex").push(Notice {
                        path,
                        kind: NoticeKind::Unreadable,
                        line: None,
                        column: None,
                        message: err.to_string(),
                    });
                }
            }
            WalkState::Continue
        })
    });
    let mut files = found.into_inner().expect("walk mutex");
    files.sort();
    files.dedup_by(|a, b| a.path == b.path);
    notices.extend(errors.into_inner().expect("walk mutex"));
    (files, notices)
}

/// The notice for a file named on the command line that pagerproof does
/// not read: a type it has no reader for, or SQL outside a migration folder.
pub(crate) fn unsupported_notice(path: &Path, cwd: &Path) -> Notice {
    let message = if Grammar::from_path(path) == Some(Grammar::Sql) {
        "Not checked: SQL is read only as a PostgreSQL up migration, known by its folder (`migrations/`, ...) or \
         its name (`V1__x.sql`, `up.sql`)"
            .to_string()
    } else {
        "Not checked: pagerproof does not read this file type (it reads Python, TypeScript, JavaScript, Rust and \
         SQL migrations)"
            .to_string()
    };
    Notice { path: display_path(path, cwd), kind: NoticeKind::Unsupported, line: None, column: None, message }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

/// `path` relative to `cwd` when it is under it, with `/` separators and no
/// `./` prefix; otherwise the path as given.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let absolute = if path.is_absolute() { normalize(path) } else { normalize(&cwd.join(path)) };
    let shown = match absolute.strip_prefix(normalize(cwd)) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => absolute,
    };
    let parts: Vec<String> = shown
        .components()
        .filter_map(|c| match c {
            Component::CurDir => None,
            Component::RootDir => Some(String::new()),
            other => Some(os_display(other.as_os_str())),
        })
        .collect();
    let joined = parts.join("/");
    if joined.is_empty() { ".".to_string() } else { joined }
}

/// A relative path with `/` separators and no `.` components.
fn slashed(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(os_display(p)),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// A path component as text. Bytes that are not UTF-8 are shown as `\xNN`
/// escapes instead of one replacement character, so two names that differ
/// only there stay two files (in output and in de-duplication).
fn os_display(s: &std::ffi::OsStr) -> String {
    if let Some(s) = s.to_str() {
        return s.to_string();
    }
    let mut out = String::new();
    for chunk in s.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Removes `.` and resolves `..` lexically (no file system access).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_with_slashes() {
        let cwd = Path::new("/repo");
        assert_eq!(display_path(Path::new("./src/a.py"), cwd), "src/a.py");
        assert_eq!(display_path(Path::new("/repo/src/../b.ts"), cwd), "b.ts");
        assert_eq!(display_path(Path::new("/elsewhere/c.py"), cwd), "/elsewhere/c.py");
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_keep_their_identity() {
        use std::os::unix::ffi::OsStrExt;
        let a = display_path(Path::new(std::ffi::OsStr::from_bytes(b"a\xff.py")), Path::new("/r"));
        let b = display_path(Path::new(std::ffi::OsStr::from_bytes(b"a\xfe.py")), Path::new("/r"));
        assert_eq!(a, "a\\xFF.py");
        assert_ne!(a, b);
    }
}
