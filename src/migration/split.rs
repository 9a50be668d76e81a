//! A statement splitter for PostgreSQL scripts that respects what a naive
//! split on `;` gets wrong: quoted strings (`'it''s'`, `E'\''`), quoted
//! identifiers, dollar-quoted bodies (`$$ ... $$`, `$body$ ... $body$`),
//! line and (nested) block comments, and SQL-standard `BEGIN ATOMIC ... END`
//! function bodies.

/// One statement of a script, as byte offsets into the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// First byte of the statement (after leading blanks and comments).
    pub start: usize,
    /// One past the last byte before the terminating `;` (or the end).
    pub end: usize,
}

/// A comment in the script, as byte offsets (for suppressions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
}

/// Splits `sql` into statements and comments. Never fails: an unterminated
/// quote or comment runs to the end of the text.
pub fn split(sql: &str) -> (Vec<Piece>, Vec<Comment>) {
    let b = sql.as_bytes();
    let n = b.len();
    let mut pieces = Vec::new();
    let mut comments = Vec::new();
    let mut i = 0;
    let mut stmt_start: Option<usize> = None;
    // Depth of `BEGIN ATOMIC` / `CASE` blocks inside a `BEGIN ATOMIC` body.
    let mut atomic_depth = 0usize;
    // The last two words seen, uppercased, to notice `BEGIN ATOMIC`.
    let mut prev_word = String::new();
    while i < n {
        let c = b[i];
        // Comments.
        if c == b'-' && i + 1 < n && b[i + 1] == b'-' {
            let end = sql[i..].find('\n').map_or(n, |e| i + e);
            comments.push(Comment { start: i, end });
            i = end;
            continue;
        }
        if c == b'/' && i + 1 < n && b[i + 1] == b'*' {
            let start = i;
            i = crate::source::nested_comment_end(b, start);
            comments.push(Comment { start, end: i });
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b';' {
            if atomic_depth == 0 {
                if let Some(s) = stmt_start.take() {
                    pieces.push(Piece { start: s, end: i });
                }
                prev_word.clear();
            }
            i += 1;
            continue;
        }
        stmt_start.get_or_insert(i);
        match c {
            b'\'' => {
                // E'...' strings allow backslash escapes.
                let escapes = i > 0 && matches!(b[i - 1], b'e' | b'E') && (i < 2 || !is_word(b[i - 2]));
                i += 1;
                while i < n {
                    if escapes && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'\'' {
                        if i + 1 < n && b[i + 1] == b'\'' {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < n && b[i] != b'"' {
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                // `$tag$` opens a dollar quote; `$1` is a parameter.
                let tag_end = sql[i + 1..].find(|ch: char| !(ch.is_alphanumeric() || ch == '_')).map(|e| i + 1 + e);
                match tag_end {
                    Some(e) if b[e] == b'$' && !b[i + 1..e].first().is_some_and(|d| d.is_ascii_digit()) => {
                        let tag = &sql[i..=e];
                        let body = e + 1;
                        i = sql[body..].find(tag).map_or(n, |p| body + p + tag.len());
                    }
                    _ => i += 1,
                }
            }
            _ if is_word(c) => {
                let s = i;
                while i < n && is_word(b[i]) {
                    i += 1;
                }
                let word = sql[s..i].to_ascii_uppercase();
                if atomic_depth > 0 {
                    if word == "CASE" || (word == "ATOMIC" && prev_word == "BEGIN") {
                        atomic_depth += 1;
                    } else if word == "END" {
                        atomic_depth -= 1;
                    }
                } else if word == "ATOMIC" && prev_word == "BEGIN" {
                    atomic_depth = 1;
                }
                prev_word = word;
            }
            _ => i += 1,
        }
    }
    if let Some(s) = stmt_start {
        pieces.push(Piece { start: s, end: n });
    }
    (pieces, comments)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql).0.iter().map(|p| &sql[p.start..p.end]).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "-- a; b\nSELECT 'x;y', \"a;b\" /* c; /* nested; */ d; */ FROM t;\n\nSELECT E'it\\';s';";
        assert_eq!(texts(sql), vec!["SELECT 'x;y', \"a;b\" /* c; /* nested; */ d; */ FROM t", "SELECT E'it\\';s'"]);
    }

    #[test]
    fn dollar_quotes_and_do_blocks_stay_whole() {
        let sql = "DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT $1";
        let t = texts(sql);
        assert_eq!(t.len(), 3);
        assert!(t[0].ends_with("END $$"));
        assert!(t[1].ends_with("LANGUAGE sql"));
    }

    #[test]
    fn begin_atomic_bodies_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\nSELECT 2;";
        let t = texts(sql);
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(t[1], "SELECT 2");
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for s in ["'abc", "$$ x", "/* x", "\"x", "$a", "E'\\", "$"] {
            let _ = split(s);
        }
    }
}
