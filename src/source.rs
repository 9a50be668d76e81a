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
        Some(match ext {
            "py" | "pyi" => Grammar::Python,
            "ts" | "mts" | "cts" => Grammar::TypeScript,
            "tsx" => Grammar::Tsx,
            "js" | "jsx" | "mjs" | "cjs" => Grammar::JavaScript,
            "sql" => Grammar::Sql,
            "rs" => Grammar::Rust,
            _ => return None,
        })
    }

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
    /// Indexes the line starts of `text` (`\n` ends a line; `\r\n` too).
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        // memchr finds newlines a vector at a time: every file read is indexed.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
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
    /// Wraps already-read text.
    pub fn new(path: String, fs_path: PathBuf, grammar: Grammar, text: Arc<str>) -> SourceFile {
        let lines = LineIndex::new(&text);
        SourceFile { path, fs_path, grammar, text, lines, role: Default::default() }
    }

    /// The user-facing language of this file.
    pub fn language(&self) -> Language {
        self.grammar.language()
    }
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
    fn offset_inside_a_char_snaps_back() {
        let text = "é";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 1).column, 1);
    }
}
