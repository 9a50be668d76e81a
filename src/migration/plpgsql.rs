//! `DO` blocks: finds the PL/pgSQL body of `DO $$ ... $$` (`DO LANGUAGE
//! plpgsql $body$ ... $body$`, `DO $$ ... $$ LANGUAGE plpgsql`) and picks out
//! the plain SQL statements in it, so DDL wrapped in a `DO` block (often to
//! guard it with `IF NOT EXISTS (...) THEN`) reaches the migration rules.
//!
//! This is not a PL/pgSQL parser. The body is split on `;` (as a script is);
//! block structure (`DECLARE` sections, `BEGIN`, `<<label>>`, `IF ... THEN`,
//! `ELSIF`, `ELSE`, `LOOP`, `FOR/WHILE ... LOOP`, `END ...`) is stepped over so
//! that the statements inside are read; exception handlers are skipped (they
//! run only when the block fails); procedural statements (`RAISE`, `PERFORM`,
//! assignments, queries, `RETURN`) are skipped as harmless, and `EXECUTE` of a
//! dynamic string, which may hold any DDL, is skipped as unreadable.

use super::split::{self, Piece};

/// What a `DO` block's body holds for the migration reader.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Body {
    /// SQL statements to read, as offsets into the body.
    pub statements: Vec<Piece>,
    /// Why part of the body could not be read (the first reason met), when
    /// it holds something that may change the schema unseen.
    pub unreadable: Option<&'static str>,
}

/// Words that start a SQL statement worth reading inside a body.
const SQL: &[&str] = &[
    "CREATE", "ALTER", "DROP", "SET", "RESET", "COMMENT", "TRUNCATE", "LOCK", "GRANT", "REVOKE", "REINDEX", "CLUSTER",
    "REFRESH",
];

/// Procedural statements and queries that change no schema.
const HARMLESS: &[&str] = &[
    "RAISE", "PERFORM", "NULL", "RETURN", "ASSERT", "GET", "EXIT", "CONTINUE", "OPEN", "FETCH", "CLOSE", "MOVE",
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "VALUES", "COMMIT", "ROLLBACK", "ANALYZE", "VACUUM",
];

/// The body of `stmt` when it is a `DO` statement (see [`do_body`]).
pub fn do_body_of(stmt: &str) -> Result<(usize, usize), &'static str> {
    let first = stmt.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
    if !first.eq_ignore_ascii_case("DO") {
        return Err("not a DO statement");
    }
    do_body(stmt)
}

/// The body of a `DO` statement (which `stmt` starts with), as a byte range
/// of `stmt`, or why it cannot be read (another language, a body in a plain
/// quoted string).
pub fn do_body(stmt: &str) -> Result<(usize, usize), &'static str> {
    let b = stmt.as_bytes();
    let mut i = skip_blank(stmt, 2);
    let mut language_ok = true;
    let mut body = None;
    while i < b.len() {
        let c = b[i];
        if c == b'$' {
            let tag_end = stmt[i + 1..].find('$').map(|e| i + 1 + e).ok_or("an unterminated dollar quote")?;
            let tag = &stmt[i..=tag_end];
            let start = tag_end + 1;
            let end = stmt[start..].find(tag).map(|e| start + e).ok_or("an unterminated dollar quote")?;
            body = Some((start, end));
            i = end + tag.len();
        } else if c == b'\'' {
            return Err("a body in a quoted string");
        } else if word_at(stmt, i).eq_ignore_ascii_case("LANGUAGE") {
            i = skip_blank(stmt, i + "LANGUAGE".len());
            let raw = stmt[i..].split(|c: char| c.is_whitespace() || c == '$' || c == ';').next().unwrap_or("");
            if raw.is_empty() {
                return Err("a form it does not know");
            }
            let lang = raw.trim_matches(|c| c == '\'' || c == '"');
            language_ok = lang.eq_ignore_ascii_case("plpgsql");
            i += raw.len();
        } else {
            return Err("a form it does not know");
        }
        i = skip_blank(stmt, i);
    }
    if !language_ok {
        return Err("a language other than PL/pgSQL");
    }
    body.ok_or("no body")
}

/// The statements of a PL/pgSQL body worth reading (see the module docs).
pub fn statements(body: &str) -> Body {
    let (pieces, _) = split::split(body);
    let mut out = Body::default();
    // Nesting of BEGIN ... END blocks, and the depth of the block whose
    // exception handlers are being skipped.
    let mut depth = 0usize;
    let mut handler: Option<usize> = None;
    let mut declaring = false;
    for p in pieces {
        let mut at = p.start;
        // Step over block structure before the statement proper.
        let statement = loop {
            at = skip_blank(&body[..p.end], at);
            let rest = &body[at..p.end];
            if rest.is_empty() {
                break None;
            }
            if let Some(label_end) = rest.strip_prefix("<<").and_then(|r| r.find(">>")) {
                at += label_end + 4;
                continue;
            }
            let word = word_at(body, at).to_ascii_uppercase();
            let after = at + word.len();
            if declaring {
                // Declarations run until the block's BEGIN.
                match find_word(body, at, p.end, "BEGIN") {
                    Some(b) => {
                        declaring = false;
                        depth += 1;
                        at = b + "BEGIN".len();
                        continue;
                    }
                    None => break None,
                }
            }
            match word.as_str() {
                "DECLARE" => {
                    declaring = true;
                    at = after;
                }
                "BEGIN" => {
                    depth += 1;
                    at = after;
                }
                "ELSE" | "LOOP" => at = after,
                "IF" | "ELSIF" | "ELSEIF" | "WHEN" => match find_word(body, after, p.end, "THEN") {
                    Some(t) => at = t + "THEN".len(),
                    None => break None,
                },
                "FOR" | "FOREACH" | "WHILE" => match find_word(body, after, p.end, "LOOP") {
                    Some(l) => at = l + "LOOP".len(),
                    None => break None,
                },
                "EXCEPTION" => {
                    handler = Some(depth);
                    break None;
                }
                "END" => {
                    let next = word_at(body, skip_blank(&body[..p.end], after)).to_ascii_uppercase();
                    if !matches!(next.as_str(), "IF" | "LOOP" | "CASE") {
                        depth = depth.saturating_sub(1);
                        if handler.is_some_and(|h| depth < h) {
                            handler = None;
                        }
                    }
                    break None;
                }
                _ => break Some((at, word)),
            }
        };
        let Some((start, word)) = statement else { continue };
        if handler.is_some() {
            continue;
        }
        let next = body[start + word.len()..p.end].trim_start();
        if SQL.contains(&word.as_str()) {
            out.statements.push(Piece { start, end: p.end });
        } else if HARMLESS.contains(&word.as_str()) || next.starts_with(":=") || next.starts_with('=') {
            // Procedural, a query or an assignment: no schema change.
        } else if word == "EXECUTE" {
            out.unreadable.get_or_insert("EXECUTE of a dynamic string");
        } else {
            out.unreadable.get_or_insert("a statement it does not know");
        }
    }
    out
}

/// The word (letters, digits, `_`) starting at `at`, or "".
fn word_at(s: &str, at: usize) -> &str {
    let rest = s.get(at..).unwrap_or("");
    let n = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
    &rest[..n]
}

/// Skips blanks and comments from `at`.
fn skip_blank(s: &str, mut at: usize) -> usize {
    let b = s.as_bytes();
    loop {
        while at < b.len() && b[at].is_ascii_whitespace() {
            at += 1;
        }
        if b[at..].starts_with(b"--") {
            at = s[at..].find('\n').map_or(b.len(), |e| at + e);
        } else if b[at..].starts_with(b"/*") {
            at = crate::source::nested_comment_end(b, at);
        } else {
            return at;
        }
    }
}

/// The first occurrence of keyword `kw` in `s[from..to]` outside quotes,
/// comments and parentheses.
fn find_word(s: &str, from: usize, to: usize, kw: &str) -> Option<usize> {
    let b = &s.as_bytes()[..to];
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b[i..].starts_with(b"--") => i = s[i..to].find('\n').map_or(to, |e| i + e),
            b'/' if b[i..].starts_with(b"/*") => i = crate::source::nested_comment_end(b, i),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let w = word_at(&s[..to], i);
                if depth == 0 && w.eq_ignore_ascii_case(kw) {
                    return Some(i);
                }
                i += w.len().max(1);
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> (Vec<&str>, Option<&'static str>) {
        let b = statements(body);
        (b.statements.iter().map(|p| &body[p.start..p.end]).collect(), b.unreadable)
    }

    #[test]
    fn finds_the_body_in_each_form() {
        for stmt in [
            "DO $$ BEGIN NULL; END $$",
            "DO LANGUAGE plpgsql $$ BEGIN NULL; END $$",
            "DO $body$ BEGIN NULL; END $body$ LANGUAGE 'plpgsql'",
            "DO /* c */ $x$ BEGIN NULL; END $x$",
        ] {
            let (s, e) = do_body(stmt).unwrap_or_else(|r| panic!("{stmt}: {r}"));
            assert_eq!(stmt[s..e].trim(), "BEGIN NULL; END", "{stmt}");
        }
        assert_eq!(do_body("DO LANGUAGE plv8 $$ x $$"), Err("a language other than PL/pgSQL"));
        assert_eq!(do_body("DO 'BEGIN NULL; END'"), Err("a body in a quoted string"));
        assert_eq!(do_body("DO $$ BEGIN"), Err("an unterminated dollar quote"));
        assert_eq!(do_body("DO LANGUAGE"), Err("a form it does not know"));
        assert_eq!(do_body("DO LANGUAGE $$ x $$"), Err("a form it does not know"));
    }

    #[test]
    fn reads_ddl_inside_blocks_and_ifs() {
        let body = "
DECLARE
  n int := 0;
BEGIN
  <<outer>>
  CREATE INDEX i ON t (a);
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c') THEN
    ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);
  ELSE
    RAISE NOTICE 'exists';
  END IF;
  n := n + 1;
  PERFORM pg_sleep(0);
EXCEPTION WHEN duplicate_object THEN
  CREATE INDEX never_read ON t (b);
END";
        let (stmts, unreadable) = read(body);
        assert_eq!(stmts, ["CREATE INDEX i ON t (a)", "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)"]);
        assert_eq!(unreadable, None);
    }

    #[test]
    fn procedural_only_bodies_read_nothing() {
        assert_eq!(read(" BEGIN RAISE NOTICE 'hello; world'; END "), (vec![], None));
        assert_eq!(read(""), (vec![], None));
        let (stmts, why) = read(
            " BEGIN FOR r IN SELECT tablename FROM pg_tables LOOP EXECUTE format('DROP TABLE %I', r.tablename); END LOOP; END ",
        );
        assert!(stmts.is_empty());
        assert_eq!(why, Some("EXECUTE of a dynamic string"));
    }
}
