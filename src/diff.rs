//! Changed-lines mode: `--diff-base REF` keeps only findings whose span
//! touches a line added or changed since the merge base of `REF` and `HEAD`
//! (with a baseline, it only chooses which of identical findings are the new
//! ones; see `baseline.rs`), and tells the migration scope which migrations
//! were added or changed.
//!
//! pagerproof asks git for three things only: the merge base, renames between
//! the merge base and `HEAD`, and the merge base's version of each file with a
//! finding (`git cat-file --batch`, which runs no filter or textconv). It then
//! diffs that text against the text it checked, so uncommitted edits count as
//! changes and line numbers always agree with the findings. Every git call
//! disables what a repository's config could make git run (fsmonitor, hooks,
//! external diff, textconv, pager) and never touches the network.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Sources;
use crate::diagnostic::Diagnostic;

/// Why changed-lines mode cannot run.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("--diff-base needs a git repository, and {0} is not inside one")]
    NotARepo(String),
    #[error("--diff-base: unknown git ref `{0}` (fetch it first, e.g. `git fetch origin {0}`)")]
    UnknownRef(String),
    #[error("--diff-base: `{0}` and HEAD have no common ancestor (a shallow clone? fetch with more depth)")]
    NoMergeBase(String),
    #[error("--diff-base: cannot run git: {0}")]
    Git(String),
}

/// A git command that a repository's config cannot make run code.
pub(crate) fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .args([
            "--no-pager",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "diff.external=",
            "-c",
            "core.pager=cat",
            "-c",
            "protocol.allow=never",
            "-c",
            "core.quotepath=off",
            "-c",
            "diff.relative=false",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_PAGER")
        .stdin(Stdio::null());
    c
}

fn run(cmd: &mut Command) -> Result<(bool, Vec<u8>, String), DiffError> {
    let out = cmd.output().map_err(|e| DiffError::Git(e.to_string()))?;
    Ok((out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).trim().to_string()))
}

fn line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// The merge base's view of the repository.
pub struct Base {
    toplevel: PathBuf,
    commit: String,
    /// New path → old path, for files renamed since the merge base.
    renames: HashMap<String, String>,
}

impl Base {
    /// Finds the merge base of `reference` and `HEAD` for the repository
    /// holding `cwd`.
    pub fn new(cwd: &Path, reference: &str) -> Result<Base, DiffError> {
        let (ok, out, _) = run(git(cwd).args(["rev-parse", "--show-toplevel"]))?;
        if !ok {
            return Err(DiffError::NotARepo(cwd.display().to_string()));
        }
        let toplevel = PathBuf::from(line(&out));
        let toplevel = toplevel.canonicalize().unwrap_or(toplevel);
        if reference.starts_with('-') {
            return Err(DiffError::UnknownRef(reference.to_string()));
        }
        let (ok, out, _) = run(git(cwd).args([
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{reference}^{{commit}}"),
        ]))?;
        if !ok {
            return Err(DiffError::UnknownRef(reference.to_string()));
        }
        let target = line(&out);
        let (ok, out, _) = run(git(cwd).args(["merge-base", &target, "HEAD"]))?;
        if !ok {
            return Err(DiffError::NoMergeBase(reference.to_string()));
        }
        let commit = line(&out);
        let (ok, out, err) = run(git(cwd).args([
            "diff",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            "--name-status",
            "-z",
            "-M",
            &commit,
            "HEAD",
            "--",
        ]))?;
        if !ok {
            return Err(DiffError::Git(err));
        }
        let mut renames = HashMap::new();
        let fields: Vec<&[u8]> = out.split(|b| *b == 0).collect();
        let mut i = 0;
        while i < fields.len() {
            let status = fields[i];
            if status.first() == Some(&b'R') && i + 2 < fields.len() {
                renames.insert(
                    String::from_utf8_lossy(fields[i + 2]).into_owned(),
                    String::from_utf8_lossy(fields[i + 1]).into_owned(),
                );
                i += 3;
            } else if status.first().is_some_and(|c| matches!(c, b'C')) {
                i += 3;
            } else {
                i += 2;
            }
        }
        Ok(Base { toplevel, commit, renames })
    }

    /// The merge base commit.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// What changed since the merge base in each file with a finding: its
    /// added or changed lines and, for a file git reports as renamed, its old
    /// path. `sources` holds the checked text of every file with a finding;
    /// display paths are relative to `cwd`.
    pub fn changes(&self, diagnostics: &[Diagnostic], sources: &Sources, cwd: &Path) -> Result<Changes, DiffError> {
        let mut paths: Vec<&str> = diagnostics.iter().map(|d| d.path.as_str()).collect();
        paths.dedup();
        let (in_repo, renamed_from) = self.base_paths(paths.iter().copied(), cwd);
        let old_texts = self.old_texts(&in_repo)?;
        let mut lines = HashMap::new();
        for &p in &paths {
            let Some(text) = sources.get(p) else { continue };
            let old = in_repo.get(p).and_then(|o| old_texts.get(o));
            lines.insert(p.to_string(), changed_lines(old.map(String::as_str), text));
        }
        Ok(Changes { lines, renamed_from })
    }

    /// Which of `files` (display path relative to `cwd`, checked text) were
    /// added or changed since the merge base: their text differs from the
    /// merge base's, or they did not exist there. Uncommitted edits count.
    pub fn changed_files(&self, files: &[(&str, &str)], cwd: &Path) -> Result<HashSet<String>, DiffError> {
        let (in_repo, _) = self.base_paths(files.iter().map(|(p, _)| *p), cwd);
        let old_texts = self.old_texts(&in_repo)?;
        Ok(files
            .iter()
            .filter(|(p, text)| in_repo.get(p).and_then(|o| old_texts.get(o)).is_none_or(|old| old != text))
            .map(|(p, _)| (*p).to_string())
            .collect())
    }

    /// Display path (relative to `cwd`) → its path at the merge base,
    /// relative to the top level, for the paths inside the repository; and,
    /// for the files git reports as renamed since, display path → the old
    /// file's display path.
    fn base_paths<'p>(
        &self,
        paths: impl Iterator<Item = &'p str>,
        cwd: &Path,
    ) -> (HashMap<&'p str, String>, HashMap<String, String>) {
        let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let mut in_repo = HashMap::new();
        let mut renamed_from = HashMap::new();
        for p in paths {
            let abs = cwd.join(p);
            let abs = abs.canonicalize().unwrap_or(abs);
            if let Ok(rel) = abs.strip_prefix(&self.toplevel) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                let old = match self.renames.get(&rel) {
                    Some(old) => {
                        renamed_from.insert(p.to_string(), crate::walk::display_path(&self.toplevel.join(old), &cwd));
                        old.clone()
                    }
                    None => rel,
                };
                if !old.contains('\n') {
                    in_repo.insert(p, old);
                }
            }
        }
        (in_repo, renamed_from)
    }

    /// The merge base's text of each distinct path of `in_repo`.
    fn old_texts(&self, in_repo: &HashMap<&str, String>) -> Result<HashMap<String, String>, DiffError> {
        let mut wanted: Vec<&String> = in_repo.values().collect();
        wanted.sort();
        wanted.dedup();
        self.cat_files(&wanted)
    }

    /// The merge base's text of each path that exists there.
    fn cat_files(&self, paths: &[&String]) -> Result<HashMap<String, String>, DiffError> {
        let mut texts = HashMap::new();
        if paths.is_empty() {
            return Ok(texts);
        }
        let mut child = git(&self.toplevel)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| DiffError::Git(e.to_string()))?;
        let mut input = String::new();
        for p in paths {
            input.push_str(&format!("{}:{}\n", self.commit, p));
        }
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().map_err(|e| DiffError::Git(e.to_string()))?;
        let _ = writer.join();
        let bytes = out.stdout;
        let mut at = 0;
        for p in paths {
            let Some(nl) = bytes[at..].iter().position(|b| *b == b'\n') else { break };
            let header = String::from_utf8_lossy(&bytes[at..at + nl]).into_owned();
            at += nl + 1;
            let parts: Vec<&str> = header.split(' ').collect();
            if parts.len() == 3 && parts[1] == "blob" {
                let size: usize =
                    parts[2].parse().map_err(|_| DiffError::Git(format!("bad cat-file header {header}")))?;
                let end = (at + size).min(bytes.len());
                texts.insert((*p).clone(), base_text(&bytes[at..end]));
                at = end + 1;
            } else if parts.len() == 3 {
                // Not a blob (a submodule or tree): skip its content.
                let size: usize = parts[2].parse().unwrap_or(0);
                at = (at + size + 1).min(bytes.len());
            }
            // "<name> missing": the file is new since the merge base.
        }
        Ok(texts)
    }
}

/// What changed since the merge base, per display path ([`Base::changes`]).
#[derive(Debug, Default)]
pub struct Changes {
    /// Added or changed lines (1-based) of each file with a finding.
    lines: HashMap<String, HashSet<u32>>,
    /// Display path → its display path at the merge base, for files renamed
    /// since.
    renamed_from: HashMap<String, String>,
}

impl Changes {
    /// Whether a line of `d`'s span was added or changed. A finding in a
    /// file outside the repository counts as changed: nothing says it is old.
    pub fn touches(&self, d: &Diagnostic) -> bool {
        let Some(lines) = self.lines.get(&d.path) else { return true };
        // A span that ends at the start of a line does not reach into it.
        let last = if d.end.line > d.start.line && d.end.column == 1 { d.end.line - 1 } else { d.end.line };
        (d.start.line..=last.max(d.start.line)).any(|l| lines.contains(&l))
    }

    /// The files git reports as renamed since the merge base: (new, old)
    /// display paths.
    pub fn renames(&self) -> impl Iterator<Item = (&str, &str)> {
        self.renamed_from.iter().map(|(new, old)| (new.as_str(), old.as_str()))
    }
}

/// The merge base's bytes of a file as the checked text is read (see
/// [`crate::source::normalize`]: no BOM, a lone CR is a line break), so a
/// file with CR line endings or a BOM is not "changed" on every line.
fn base_text(bytes: &[u8]) -> String {
    crate::source::normalize(String::from_utf8_lossy(bytes).into()).to_string()
}

/// 1-based lines of `new` that are added or changed relative to `old`
/// (every line when the file did not exist).
pub fn changed_lines(old: Option<&str>, new: &str) -> HashSet<u32> {
    let Some(old) = old else {
        return (1..=new.lines().count().max(1) as u32).collect();
    };
    let diff = similar::TextDiff::configure().algorithm(similar::Algorithm::Myers).diff_lines(old, new);
    let mut lines = HashSet::new();
    for op in diff.ops() {
        if let similar::DiffOp::Insert { new_index, new_len, .. }
        | similar::DiffOp::Replace { new_index, new_len, .. } = *op
        {
            lines.extend((new_index + 1..=new_index + new_len).map(|l| l as u32));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::{Changes, base_text, changed_lines};
    use crate::diagnostic::Diagnostic;
    use crate::source::{Grammar, SourceFile, Span};

    #[test]
    fn a_finding_touches_the_lines_of_its_span() {
        let text = "a(\n  b)\nc\n";
        let file = SourceFile::new("a.py".into(), PathBuf::from("a.py"), Grammar::Python, Arc::from(text));
        let rule = crate::registry::all().next().expect("a rule");
        let changes = |lines: &[u32]| Changes {
            lines: [("a.py".to_string(), lines.iter().copied().collect())].into(),
            renamed_from: Default::default(),
        };
        // `a(\n  b)`: lines 1 and 2.
        let call = Diagnostic::new(rule, &file, Span::new(0, 7), "m".into());
        assert!(changes(&[2]).touches(&call));
        assert!(!changes(&[3]).touches(&call));
        // Ending just after the newline, at column 1 of line 3, does not
        // reach line 3.
        let statement = Diagnostic::new(rule, &file, Span::new(0, 8), "m".into());
        assert_eq!(statement.end.line, 3);
        assert!(!changes(&[3]).touches(&statement));
        // A file the diff knows nothing of counts as changed.
        assert!(Changes::default().touches(&call));
    }

    #[test]
    fn the_base_is_read_with_the_same_line_ends_as_the_checked_text() {
        let old = base_text("\u{feff}a\rb\rc\r".as_bytes());
        assert!(changed_lines(Some(&old), "a\nb\nc2\n").into_iter().eq([3]));
    }

    #[test]
    fn changed_lines_are_added_or_replaced() {
        let old = "a\nb\nc\n";
        let new = "a\nx\nb\nc2\n";
        let mut got: Vec<u32> = changed_lines(Some(old), new).into_iter().collect();
        got.sort();
        assert_eq!(got, vec![2, 4]);
        assert_eq!(changed_lines(None, "a\nb\n").len(), 2);
        assert!(changed_lines(Some(old), old).is_empty());
    }
}
