//! `check --fix`, `--unsafe-fixes` and `--diff`: which fixes a run applies,
//! applying them to a file's text without overlaps, writing the file only if
//! it is still what was checked, and the unified diff `--diff` prints.
//!
//! Rules attach a [`Fix`] to a finding with its [`Applicability`]; this
//! module never decides what to change, only whether and how to apply it.

use std::path::Path;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};

/// The `[fix]` config table: values fixes write into code. Kept in the
/// catalog (which every checker already sees and the cache key already
/// hashes), so that a changed value is a changed fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixSettings {
    /// Seconds written by the timeout fixes (`timeout=10`, `timeout: 10000`).
    pub default_timeout_seconds: u32,
    /// The bound written by the queue fixes (`maxsize=1000`, `channel(1000)`).
    pub default_queue_maxsize: u32,
}

impl Default for FixSettings {
    fn default() -> FixSettings {
        FixSettings { default_timeout_seconds: 10, default_queue_maxsize: 1000 }
    }
}

/// Which fixes a run shows as applicable and applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FixPolicy {
    /// `--unsafe-fixes`: unsafe fixes count as applicable too.
    pub unsafe_fixes: bool,
}

impl FixPolicy {
    /// The fix of `d` this run would apply, if any.
    pub fn applicable<'a>(&self, d: &'a Diagnostic) -> Option<&'a Fix> {
        d.fix.as_ref().filter(|f| f.applicability.applies(self.unsafe_fixes) && !f.edits.is_empty())
    }

    /// True when `d` has a fix that only `--unsafe-fixes` would apply.
    pub fn hidden(&self, d: &Diagnostic) -> bool {
        !self.unsafe_fixes && d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Unsafe)
    }
}

/// The result of applying a file's fixes to its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The fixed text.
    pub text: String,
    /// Fixes applied.
    pub applied: usize,
    /// Fixes left out because an edit overlapped an earlier fix's edit; a
    /// later pass (after a re-check) may apply them.
    pub overlapping: usize,
}

/// Applies `fixes` (in the given order, which is the report's: by position)
/// to `text`. A fix whose edits overlap, or insert at the same point as, an
/// edit of a fix taken earlier is skipped whole: the earlier one wins, so the
/// result never depends on anything but the order of the findings. Edits
/// outside the text or off a character boundary skip their fix too.
pub fn apply(text: &str, fixes: &[&Fix]) -> Applied {
    let mut taken: Vec<&Edit> = Vec::new();
    let (mut applied, mut overlapping) = (0, 0);
    for fix in fixes {
        let valid = fix.edits.iter().all(|e| {
            let (s, t) = (e.span.start as usize, e.span.end as usize);
            s <= t && t <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(t)
        });
        if !valid {
            overlapping += 1;
            continue;
        }
        let own = fix.edits.iter().enumerate().any(|(i, a)| fix.edits[i + 1..].iter().any(|b| overlaps(a, b)));
        if own || fix.edits.iter().any(|a| taken.iter().any(|b| overlaps(a, b))) {
            overlapping += 1;
            continue;
        }
        taken.extend(fix.edits.iter());
        applied += 1;
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for e in taken {
        out.push_str(&text[at..e.span.start as usize]);
        out.push_str(&e.content);
        at = e.span.end as usize;
    }
    out.push_str(&text[at..]);
    Applied { text: out, applied, overlapping }
}

/// Two edits touch the same text, or insert at the same point (which order
/// they go in would be a guess).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.span.start == b.span.start || (a.span.start < b.span.end && b.span.start < a.span.end)
}

/// Why a file's fixes were not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file is not writable (read-only permissions).
    ReadOnly,
    /// The file on disk is no longer the text that was checked.
    Changed,
    /// Reading or writing failed.
    Io(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::ReadOnly => write!(f, "the file is read-only; its fixes were not applied"),
            Refusal::Changed => write!(f, "the file changed since it was checked; its fixes were not applied"),
            Refusal::Io(e) => write!(f, "cannot apply its fixes: {e}"),
        }
    }
}

/// The file's current bytes, as the text pagerproof checked would see them,
/// with what to put back around that text when writing: a UTF-8 byte order
/// mark is dropped before checking (offsets count from after it) and kept
/// when writing. `None` when the bytes are not the `checked` text any more
/// (edited meanwhile, or never UTF-8: a decoded Latin-1 file is not
/// rewritten).
fn current_text(bytes: &[u8], checked: &str) -> Option<(&'static str, String)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    // Checking turns a lone `\r` into `\n` byte for byte; compare like for
    // like, but edit the bytes as they are so line endings survive.
    let same = body.len() == checked.len()
        && body.bytes().zip(checked.bytes()).all(|(a, b)| a == b || (a == b'\r' && b == b'\n'));
    same.then(|| (bom, body.to_string()))
}

/// Applies `fixes` to the file at `fs_path`, which was checked as `checked`.
/// The file is re-read first and left alone if it is read-only or no longer
/// holds `checked` (compared byte for byte); otherwise it is replaced
/// atomically, through symlinks, keeping its permissions.
pub fn write_fixes(fs_path: &Path, checked: &str, fixes: &[&Fix]) -> Result<Applied, Refusal> {
    let meta = std::fs::metadata(fs_path).map_err(|e| Refusal::Io(e.to_string()))?;
    // Root may write anything; the permission bits still say what the owner
    // wants, so a read-only file is left as it is.
    if meta.permissions().readonly() {
        return Err(Refusal::ReadOnly);
    }
    let bytes = std::fs::read(fs_path).map_err(|e| Refusal::Io(e.to_string()))?;
    let Some((bom, body)) = current_text(&bytes, checked) else { return Err(Refusal::Changed) };
    let crlf = with_line_endings(fixes, &body);
    let fixes: Vec<&Fix> = match &crlf {
        Some(owned) => owned.iter().collect(),
        None => fixes.to_vec(),
    };
    let applied = apply(&body, &fixes);
    if applied.applied == 0 {
        return Ok(applied);
    }
    let mut out = String::with_capacity(bom.len() + applied.text.len());
    out.push_str(bom);
    out.push_str(&applied.text);
    crate::cli::write_atomic(fs_path, out.as_bytes()).map_err(|e| Refusal::Io(e.to_string()))?;
    Ok(applied)
}

/// The fixes with the new lines they insert written `\r\n`, when `text`
/// ends its lines so; `None` when they can be used as they are.
pub fn with_line_endings(fixes: &[&Fix], text: &str) -> Option<Vec<Fix>> {
    if !text.contains("\r\n") || !fixes.iter().any(|f| f.edits.iter().any(|e| e.content.contains('\n'))) {
        return None;
    }
    let crlf = |s: &str| s.replace("\r\n", "\n").replace('\n', "\r\n");
    Some(
        fixes
            .iter()
            .map(|f| Fix {
                edits: f.edits.iter().map(|e| Edit { span: e.span, content: crlf(&e.content) }).collect(),
                ..(*f).clone()
            })
            .collect(),
    )
}

/// A unified diff of `old` → `new` for the file shown as `path`, with git's
/// `a/` and `b/` prefixes (empty when they are equal).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        let edits = edits.iter().map(|&(s, e, c)| Edit::replace(Span::new(s, e), c)).collect();
        Fix::new(Applicability::Safe, "t", edits)
    }

    #[test]
    fn applies_in_any_edit_order_and_skips_the_later_overlap() {
        let text = "abcdef";
        let a = fix(&[(4, 4, "X"), (0, 1, "A")]);
        let b = fix(&[(0, 2, "Z")]);
        let c = fix(&[(6, 6, "!")]);
        let out = apply(text, &[&a, &b, &c]);
        assert_eq!(out.text, "AbcdXef!");
        assert_eq!((out.applied, out.overlapping), (2, 1));
    }

    #[test]
    fn two_inserts_at_one_point_do_not_both_apply() {
        let out = apply("ab", &[&fix(&[(1, 1, "x")]), &fix(&[(1, 1, "y")])]);
        assert_eq!(out.text, "axb");
        assert_eq!(out.overlapping, 1);
    }

    #[test]
    fn an_edit_off_the_text_skips_its_fix() {
        let out = apply("é", &[&fix(&[(1, 1, "x")]), &fix(&[(0, 9, "x")])]);
        assert_eq!(out.text, "é");
        assert_eq!(out.applied, 0);
    }

    #[test]
    fn inserted_lines_follow_a_crlf_file() {
        let f = fix(&[(3, 3, "\n-- x")]);
        let owned = with_line_endings(&[&f], "a;\r\nb;\r\n").unwrap();
        assert_eq!(owned[0].edits[0].content, "\r\n-- x");
        assert!(with_line_endings(&[&f], "a;\nb;\n").is_none());
    }

    #[test]
    fn current_text_keeps_bom_and_lone_cr() {
        let (bom, body) = current_text("\u{feff}a\rb".as_bytes(), "a\nb").unwrap();
        assert_eq!((bom, body.as_str()), ("\u{feff}", "a\rb"));
        assert!(current_text(b"a\nc", "a\nb").is_none());
        assert!(current_text(b"caf\xe9", "café").is_none());
    }
}
