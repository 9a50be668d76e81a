//! Source files, byte spans and the line index that turns byte offsets into
//! lines and columns (UTF-8 for humans, UTF-16 for SARIF).
//!
//! Everything inside the engine works on byte offsets; only reporters convert
//! to 1-based lines and columns.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The languages pagerproof understands, as users see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    TypeScript,
    JavaScript,
    Rust,
    Sql,
}

impl Language {
    /// The lowercase name used in docs, SARIF tags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::TypeScript => "typescript",
            Language::JavaScript => "javascript",
            Language::Rust => "rust",
            Language::Sql => "sql",
        }
    }

    /// True for the languages that share the TypeScript/JavaScript front end.
    pub fn is_js_family(self) -> bool {
        matches!(self, Language::TypeScript | Language::JavaScript)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The concrete grammar a file is parsed with (TSX and TypeScript differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grammar {
    Python,
    TypeScript,
    Tsx,
    JavaScript,
    /// SQL migrations: read by sqlparser in [`crate::migration`], not tree-sitter.
    Sql,
    /// Rust, parsed with syn (not tree-sitter; not in [`Grammar::ALL`]).
    Rust,
}

impl Grammar {
    /// Picks the grammar from a file name, if pagerproof reads that kind of file.
    pub fn from_path(path: &std::path::Path) -> Option<Grammar> {
        let ext = path.extension()?.to_str()?;
        Grammar::EXTENSIONS.iter().find(|(e, _)| *e == ext).map(|(_, g)| *g)
    }

    /// Every file extension pagerproof reads, with its grammar (the
    /// pre-commit hooks' `files` pattern lists the same, test-enforced).
    pub const EXTENSIONS: &[(&str, Grammar)] = &[
        ("py", Grammar::Python),
        ("pyi", Grammar::Python),
        ("ts", Grammar::TypeScript),
        ("mts", Grammar::TypeScript),
        ("cts", Grammar::TypeScript),
        ("tsx", Grammar::Tsx),
        ("js", Grammar::JavaScript),
        ("jsx", Grammar::JavaScript),
        ("mjs", Grammar::JavaScript),
        ("cjs", Grammar::JavaScript),
        ("sql", Grammar::Sql),
        ("rs", Grammar::Rust),
    ];

    /// The user-facing language of this grammar.
    pub fn language(self) -> Language {
        match self {
            Grammar::Python => Language::Python,
            Grammar::TypeScript | Grammar::Tsx => Language::TypeScript,
            Grammar::JavaScript => Language::JavaScript,
            Grammar::Sql => Language::Sql,
            Grammar::Rust => Language::Rust,
        }
    }

    /// True for the grammars parsed with tree-sitter (not SQL, read by
    /// sqlparser in [`crate::migration`], nor Rust, parsed with syn).
    pub fn is_tree_sitter(self) -> bool {
        !matches!(self, Grammar::Sql | Grammar::Rust)
    }

    /// The tree-sitter language for this grammar (SQL and Rust have none:
    /// their files never reach tree-sitter, see [`Grammar::is_tree_sitter`]).
    pub fn ts_language(self) -> tree_sitter::Language {
        match self {
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            // Never asked for SQL or Rust; a harmless value rather than a panic.
            Grammar::JavaScript | Grammar::Sql | Grammar::Rust => tree_sitter_javascript::LANGUAGE.into(),
        }
    }

    /// Every tree-sitter grammar, in a fixed order (used to build dispatch tables).
    pub const ALL: [Grammar; 4] = [Grammar::Python, Grammar::TypeScript, Grammar::Tsx, Grammar::JavaScript];

    /// Index into [`Grammar::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A half-open byte range `[start, end)` into a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// Builds a span; `end` is clamped to be at least `start`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end.max(start) as u32 }
    }

    /// The span of a tree-sitter node.
    pub fn of(node: tree_sitter::Node<'_>) -> Span {
        Span::new(node.start_byte(), node.end_byte())
    }

    /// Byte length.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text the span covers.
    pub fn text(self, source: &str) -> &str {
        source.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// A 1-based position, with the column counted three ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column in Unicode scalar values (what editors show).
    pub column: u32,
    /// 1-based column in UTF-16 code units (what SARIF expects).
    pub column_utf16: u32,
    /// 1-based column in bytes.
    pub column_byte: u32,
}

/// Byte offsets of line starts, for offset to line/column conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes the line starts of `text`: `\n`, `\r\n` and a lone `\r` each
    /// end a line, as in Python, JavaScript and the Actions runner.
    pub fn new(text: &str) -> LineIndex {
        let b = text.as_bytes();
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        // memchr finds line ends a vector at a time: every file read is indexed.
        // The `\r` of a `\r\n` is skipped: its `\n` ends the line.
        starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', b)
                .filter(|&i| !(b[i] == b'\r' && b.get(i + 1) == Some(&b'\n')))
                .map(|i| i as u32 + 1),
        );
        LineIndex { starts }
    }

    /// Number of lines (a trailing newline does not start a counted line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.starts.get(line).copied().unwrap_or_else(|| *self.starts.last().unwrap())
    }

    /// The text of 0-based `line`, without its line ending.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.line_start(line) as usize;
        let end = self.starts.get(line + 1).map(|&e| e as usize).unwrap_or(text.len());
        let s = text.get(start..end).unwrap_or("");
        s.trim_end_matches(['\n', '\r'])
    }

    /// Converts a byte offset to a 1-based position.
    pub fn position(&self, text: &str, offset: u32) -> Position {
        let offset = (offset as usize).min(text.len());
        let line = self.line_of(offset as u32);
        let start = self.line_start(line) as usize;
        // Snap back to a char boundary so a span never splits a character.
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = &text[start..end];
        Position {
            line: line as u32 + 1,
            column: prefix.chars().count() as u32 + 1,
            column_utf16: prefix.encode_utf16().count() as u32 + 1,
            column_byte: prefix.len() as u32 + 1,
        }
    }
}

/// One file as the engine sees it: its display path, text and line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the working directory when under it, `/`-separated.
    pub path: String,
    /// The path used to read the file.
    pub fs_path: PathBuf,
    pub grammar: Grammar,
    pub text: Arc<str>,
    pub lines: LineIndex,
    /// Whose code this is and whether it runs in production (see
    /// [`crate::analysis::roles`]); production until the pipeline decides.
    pub role: crate::analysis::roles::FileRole,
}

impl SourceFile {
    /// Wraps already-read text, normalised (see [`normalize`]).
    pub fn new(path: String, fs_path: PathBuf, grammar: Grammar, text: Arc<str>) -> SourceFile {
        let text = normalize(text);
        let lines = LineIndex::new(&text);
        SourceFile { path, fs_path, grammar, text, lines, role: Default::default() }
    }

    /// The user-facing language of this file.
    pub fn language(&self) -> Language {
        self.grammar.language()
    }
}

/// A file's text as every language pagerproof reads defines it: a leading
/// UTF-8 byte order mark is dropped (it is not part of the first line's
/// code, in SQL as anywhere), and a lone `\r` becomes `\n` (CR alone ends a
/// line in Python and JavaScript; byte for byte, so every later offset
/// stays put). Then parsers, the suppression matcher and every per-line
/// scan see the same lines.
pub fn normalize(text: Arc<str>) -> Arc<str> {
    let body = text.strip_prefix('\u{feff}');
    let b = body.unwrap_or(&text).as_bytes();
    let lone_cr = memchr::memchr_iter(b'\r', b).any(|i| b.get(i + 1) != Some(&b'\n'));
    if body.is_none() && !lone_cr {
        return text;
    }
    let mut bytes = b.to_vec();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    // ASCII replaced by ASCII in valid UTF-8 stays valid UTF-8.
    String::from_utf8(bytes).map_or(text, Arc::from)
}

/// A file's bytes as text, or the notice kind and message saying why not.
/// Valid UTF-8 is text even with NUL bytes (they are legal in JavaScript and
/// in Python string literals). UTF-16 (by its byte order mark, or ASCII with
/// every other byte NUL) is named as such. A Python file that declares
/// Latin-1 or cp1252 (PEP 263) is decoded; any other declared encoding, or
/// bytes that are not UTF-8, is an encoding notice; bytes that are neither
/// UTF-8 nor free of NULs are binary.
pub fn decode(bytes: Vec<u8>, grammar: Grammar) -> Result<String, (crate::diagnostic::NoticeKind, String)> {
    use crate::diagnostic::NoticeKind;
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) || looks_utf16(&bytes) {
        let message = "UTF-16 text; pagerproof reads UTF-8 (convert the file); skipped";
        return Err((NoticeKind::Encoding, message.to_string()));
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e.into_bytes(),
    };
    if grammar == Grammar::Python
        && let Some(name) = python_coding(&bytes)
    {
        return match name.as_str() {
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "iso-latin-1" => {
                Ok(bytes.iter().map(|&b| char::from(b)).collect())
            }
            "cp1252" | "windows-1252" => Ok(bytes.iter().map(|&b| cp1252(b)).collect()),
            _ => Err((
                NoticeKind::Encoding,
                format!("Declares the `{name}` encoding, which pagerproof does not read (convert to UTF-8); skipped"),
            )),
        };
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err((NoticeKind::Binary, "Binary content (NUL bytes, not UTF-8); skipped".to_string()));
    }
    Err((NoticeKind::Encoding, "Not valid UTF-8; skipped".to_string()))
}

/// UTF-16 without a byte order mark: in its first kilobyte, most bytes at
/// one parity are NUL (ASCII text) and almost none at the other.
fn looks_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    if head.len() < 4 {
        return false;
    }
    let nul_at = |parity: usize| head.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    let half = head.len() / 2;
    (even * 10 >= half * 8 && odd * 10 <= half) || (odd * 10 >= half * 8 && even * 10 <= half)
}

/// The encoding a Python file declares on its first or second line (PEP 263:
/// a comment matching `coding[:=]\s*([-\w.]+)`), lowercased with `_` as `-`.
fn python_coding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n' || b == b'\r').take(2) {
        let line = String::from_utf8_lossy(line);
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if !trimmed.starts_with('#') {
            continue;
        }
        let Some(rest) = trimmed.find("coding").and_then(|at| trimmed[at + 6..].strip_prefix([':', '='])) else {
            continue;
        };
        let name: String = rest
            .trim_start_matches([' ', '\t'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        return (!name.is_empty()).then(|| name.to_ascii_lowercase().replace('_', "-"));
    }
    None
}

/// One byte of Windows-1252: Latin-1 except 0x80–0x9F (the five undefined
/// bytes decode to their C1 controls, as WHATWG does).
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2c6}',
        '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}',
        '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}',
        '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
    ];
    if (0x80..0xa0).contains(&b) { HIGH[usize::from(b - 0x80)] } else { char::from(b) }
}

/// One past the end of the block comment that opens at `start` (`/*`), where
/// comments nest, as in Rust and PostgreSQL. An unterminated comment runs to
/// the end of the text.
pub fn nested_comment_end(b: &[u8], start: usize) -> usize {
    let n = b.len();
    let mut i = start;
    let mut depth = 0usize;
    while i < n {
        if b[i] == b'/' && i + 1 < n && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && i + 1 < n && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i.min(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_and_chars() {
        let text = "a\nbé𝄞x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        let p = idx.position(text, x);
        assert_eq!(p.line, 2);
        assert_eq!(p.column, 4);
        assert_eq!(p.column_utf16, 5);
        assert_eq!(p.column_byte, 8);
        assert_eq!(idx.line_text(text, 1), "bé𝄞x");
    }

    #[test]
    fn cr_lf_and_crlf_all_end_lines() {
        let text = "a\rb\r\nc\nd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_text(text, 1), "b");
        assert_eq!(idx.position(text, text.find('d').unwrap() as u32).line, 4);
        assert_eq!(&*normalize(Arc::from("\u{feff}a\rb\r\n")), "a\nb\r\n");
    }

    #[test]
    fn decoding_follows_the_file_not_a_guess() {
        use crate::diagnostic::NoticeKind;
        assert_eq!(decode(b"a\0b".to_vec(), Grammar::JavaScript).unwrap(), "a\0b", "NUL in UTF-8 is text");
        let latin1 = b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".to_vec();
        assert!(decode(latin1, Grammar::Python).unwrap().contains("café"));
        let cp = b"# vim: set fileencoding=cp1252 :\ns = '\x80'\n".to_vec();
        assert!(decode(cp, Grammar::Python).unwrap().contains('€'));
        let utf16: Vec<u8> = "x = 1\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode(utf16.clone(), Grammar::Python).unwrap_err().0, NoticeKind::Encoding);
        let with_bom = [&[0xff, 0xfe][..], &utf16].concat();
        assert!(decode(with_bom, Grammar::Python).unwrap_err().1.contains("UTF-16"));
        assert_eq!(decode(b"\x00\xff\x01".to_vec(), Grammar::Python).unwrap_err().0, NoticeKind::Binary);
        assert_eq!(decode(b"x = '\xe9'\n".to_vec(), Grammar::Python).unwrap_err().0, NoticeKind::Encoding);
    }

    #[test]
    fn offset_inside_a_char_snaps_back() {
        let text = "é";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 1).column, 1);
    }
}
