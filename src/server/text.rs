//! Positions, edits and URIs as the protocol defines them.

use std::path::{Path, PathBuf};

/// The unit of an LSP `character` offset, negotiated at `initialize`: UTF-8
/// bytes when the client offers them (no conversion), else UTF-16 code units
/// (the protocol's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The `positionEncoding` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    /// The column of an engine [`crate::source::Position`], 0-based.
    pub fn column(self, p: &crate::source::Position) -> u32 {
        match self {
            Encoding::Utf8 => p.column_byte.saturating_sub(1),
            Encoding::Utf16 => p.column_utf16.saturating_sub(1),
        }
    }

    /// The length of `s` in this encoding's units.
    pub fn len(self, s: &str) -> u32 {
        match self {
            Encoding::Utf8 => s.len() as u32,
            Encoding::Utf16 => s.encode_utf16().count() as u32,
        }
    }
}

/// Byte offsets of the starts of `text`'s lines; `\n`, `\r\n` and a lone
/// `\r` end a line, as in the protocol.
pub fn line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                starts.push(i + 2);
                i += 1;
            }
            b'\r' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

/// The byte offset of an LSP position in `text`; a line past the end is the
/// end, a character past the line's end is the line's end (as the protocol
/// says to treat them).
pub fn offset(text: &str, starts: &[usize], pos: lsp_types::Position, enc: Encoding) -> usize {
    let Some(&start) = starts.get(pos.line as usize) else { return text.len() };
    let end = starts.get(pos.line as usize + 1).copied().unwrap_or(text.len());
    let line = &text[start..end];
    let content = line.trim_end_matches(['\n', '\r']);
    let mut units = 0u32;
    for (i, c) in content.char_indices() {
        if units >= pos.character {
            return start + i;
        }
        units += match enc {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        };
    }
    start + content.len()
}

/// The LSP position of byte `offset` in `text`.
pub fn position(text: &str, starts: &[usize], offset: usize, enc: Encoding) -> lsp_types::Position {
    let offset = offset.min(text.len());
    let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let mut at = offset;
    while at > starts[line] && !text.is_char_boundary(at) {
        at -= 1;
    }
    lsp_types::Position { line: line as u32, character: enc.len(&text[starts[line]..at]) }
}

/// Applies one incremental change to a buffer.
pub fn apply_change(text: &mut String, range: lsp_types::Range, new: &str, enc: Encoding) {
    let starts = line_starts(text);
    let start = offset(text, &starts, range.start, enc);
    let end = offset(text, &starts, range.end, enc).max(start);
    text.replace_range(start..end, new);
}

/// The path of a `file:` URI, percent-decoded; `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`).
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut bytes = Vec::with_capacity(rest.len());
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok())
            && let Ok(v) = u8::from_str_radix(v, 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// A `file:` URI for an absolute path, percent-encoding all but the
/// unreserved characters and `/`.
pub fn path_to_uri(path: &Path) -> Option<lsp_types::Uri> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_str()?.replace('\\', "/").into_bytes();
    let mut s = String::from("file://");
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> lsp_types::Position {
        lsp_types::Position { line, character }
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_and_utf8_columns_count_bytes() {
        let text = "a = \"é😀\"; b\r\nx\ry\n";
        let starts = line_starts(text);
        assert_eq!(starts, vec![0, 17, 19, 21]);
        // `;` is after a, space, =, space, " (5), é (1 unit, 2 bytes), 😀 (2
        // units, 4 bytes), " (1): 9 units, 12 bytes.
        let semi = text.find(';').unwrap();
        assert_eq!(offset(text, &starts, pos(0, 9), Encoding::Utf16), semi);
        assert_eq!(offset(text, &starts, pos(0, 12), Encoding::Utf8), semi);
        assert_eq!(position(text, &starts, semi, Encoding::Utf16), pos(0, 9));
        assert_eq!(position(text, &starts, semi, Encoding::Utf8), pos(0, 12));
        // Past the end of a line is its end; a lone CR ends a line.
        assert_eq!(offset(text, &starts, pos(0, 99), Encoding::Utf16), 15);
        assert_eq!(offset(text, &starts, pos(2, 0), Encoding::Utf16), text.find('y').unwrap());
        assert_eq!(offset(text, &starts, pos(9, 0), Encoding::Utf16), text.len());
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut text = String::from("import requests\nrequests.get(u)\n");
        let r = |a: (u32, u32), b: (u32, u32)| lsp_types::Range { start: pos(a.0, a.1), end: pos(b.0, b.1) };
        apply_change(&mut text, r((1, 14), (1, 14)), ", timeout=5", Encoding::Utf16);
        apply_change(&mut text, r((0, 0), (0, 0)), "# é\n", Encoding::Utf16);
        apply_change(&mut text, r((0, 2), (0, 3)), "ü", Encoding::Utf16);
        assert_eq!(text, "# ü\nimport requests\nrequests.get(u, timeout=5)\n");
    }

    #[test]
    fn file_uris_round_trip_through_percent_encoding() {
        let path = Path::new("/work/a dir/é#1.py");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///work/a%20dir/%C3%A9%231.py");
        assert_eq!(uri_to_path(uri.as_str()).unwrap(), path);
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
    }
}
