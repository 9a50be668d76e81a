//! What sqlparser 0.63 (PostgreSQL dialect) cannot read of valid PostgreSQL,
//! and what to do about it:
//!
//! - [`rewrite`]: a targeted, same-length rewrite to an equivalent form it
//!   reads, where the part it chokes on does not matter to the migration
//!   rules (`COLLATE "C"` after the new type of `ALTER COLUMN ... TYPE`,
//!   `TABLESPACE x` at the end of `CREATE INDEX`, the sequence options of
//!   `ADD GENERATED ... AS IDENTITY (...)`);
//! - [`classify`]: otherwise, whether the statement is harmless (no lock
//!   worth reporting: `DROP INDEX CONCURRENTLY IF EXISTS`), a known-valid form
//!   the parser does not support (a notice saying so, not a syntax error), or
//!   a syntax error in the user's code.
//!
//! The known-valid list is matched on the statement's leading keywords and a
//! keyword sequence inside it, and only when the parser stopped before the
//! end of the statement: a truncated statement (`ALTER TABLE t ADD COLUMN;`)
//! stays a syntax error whatever its keywords.

/// What an unreadable statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid PostgreSQL that takes no lock worth reporting: skipped silently.
    Harmless,
    /// Valid PostgreSQL the parser does not support: the construct, for the notice.
    Unsupported(&'static str),
    /// A syntax error, with PostgreSQL's reason when it is known here.
    Syntax(Option<&'static str>),
}

/// One known-valid PostgreSQL form sqlparser rejects.
struct Form {
    /// The statement's first keywords.
    lead: &'static [&'static str],
    /// Keywords that follow one another somewhere after them (empty: any).
    seq: &'static [&'static str],
    /// How the notice names it, or `None` when it is harmless.
    name: Option<&'static str>,
}

const fn form(lead: &'static [&'static str], seq: &'static [&'static str], name: &'static str) -> Form {
    Form { lead, seq, name: Some(name) }
}

const fn harmless(lead: &'static [&'static str], seq: &'static [&'static str]) -> Form {
    Form { lead, seq, name: None }
}

const AT: &[&str] = &["ALTER", "TABLE"];

/// Forms found in real migration histories that sqlparser 0.63 rejects
/// (each is exercised by a test below).
const FORMS: &[Form] = &[
    // Index and sequence upkeep: brief locks on the index or sequence only.
    harmless(&["DROP", "INDEX"], &[]),
    harmless(&["ALTER", "INDEX"], &[]),
    harmless(&["ALTER", "SEQUENCE"], &[]),
    harmless(&["ALTER", "DEFAULT", "PRIVILEGES"], &[]),
    harmless(&["CREATE", "STATISTICS"], &[]),
    // Comments take a brief lock on the catalog entry only (`COMMENT ON
    // TRIGGER`, `ON FUNCTION f(args)`, adjacent string literals).
    harmless(&["COMMENT", "ON"], &[]),
    // New objects that lock no existing table (`COST 100` on a function,
    // `AS integer` on a sequence).
    harmless(&["CREATE", "FUNCTION"], &[]),
    harmless(&["CREATE", "OR", "REPLACE", "FUNCTION"], &[]),
    harmless(&["CREATE", "PROCEDURE"], &[]),
    harmless(&["CREATE", "OR", "REPLACE", "PROCEDURE"], &[]),
    harmless(&["CREATE", "SEQUENCE"], &[]),
    // Data changes: the migration rules judge DDL, and sqlparser rejects
    // valid forms of these (`UPDATE ONLY t AS x`, some `ON CONFLICT` shapes).
    harmless(&["INSERT"], &[]),
    harmless(&["UPDATE"], &[]),
    harmless(&["DELETE"], &[]),
    harmless(&["SELECT"], &[]),
    harmless(&["WITH"], &[]),
    harmless(&["MERGE"], &[]),
    // `ON ONLY` a partitioned table: the parent's index is created invalid
    // and empty, without building anything (and CONCURRENTLY is not allowed).
    harmless(&["CREATE", "INDEX"], &["ON", "ONLY"]),
    harmless(&["CREATE", "UNIQUE", "INDEX"], &["ON", "ONLY"]),
    form(AT, &["ATTACH", "PARTITION"], "`ALTER TABLE ... ATTACH PARTITION`"),
    form(AT, &["DETACH", "PARTITION"], "`ALTER TABLE ... DETACH PARTITION`"),
    form(AT, &["SET", "TABLESPACE"], "`ALTER TABLE ... SET TABLESPACE`"),
    form(AT, &["SET", "SCHEMA"], "`ALTER TABLE ... SET SCHEMA`"),
    form(AT, &["SET", "WITHOUT", "CLUSTER"], "`ALTER TABLE ... SET WITHOUT CLUSTER`"),
    form(AT, &["CLUSTER", "ON"], "`ALTER TABLE ... CLUSTER ON`"),
    form(AT, &["INHERIT"], "`ALTER TABLE ... INHERIT`"),
    form(AT, &["RESET"], "`ALTER TABLE ... RESET`"),
    form(AT, &["ALTER", "CONSTRAINT"], "`ALTER TABLE ... ALTER CONSTRAINT`"),
    form(AT, &["SET", "STATISTICS"], "`ALTER COLUMN ... SET STATISTICS`"),
    form(AT, &["SET", "STORAGE"], "`ALTER COLUMN ... SET STORAGE`"),
    form(AT, &["SET", "COMPRESSION"], "`ALTER COLUMN ... SET COMPRESSION`"),
    form(AT, &["SET", "GENERATED"], "`ALTER COLUMN ... SET GENERATED`"),
    form(AT, &["DROP", "IDENTITY"], "`ALTER COLUMN ... DROP IDENTITY`"),
    form(AT, &["DROP", "EXPRESSION"], "`ALTER COLUMN ... DROP EXPRESSION`"),
    form(AT, &["AS", "IDENTITY"], "`ALTER COLUMN ... ADD GENERATED AS IDENTITY` with sequence options"),
    form(&["CREATE", "TABLE"], &["INCLUDING"], "`CREATE TABLE (LIKE ... INCLUDING ...)`"),
    form(&["REFRESH", "MATERIALIZED", "VIEW"], &[], "`REFRESH MATERIALIZED VIEW`"),
    form(&["ALTER", "MATERIALIZED", "VIEW"], &[], "`ALTER MATERIALIZED VIEW`"),
    form(&["ALTER", "VIEW"], &[], "`ALTER VIEW`"),
    form(&["ALTER", "EXTENSION"], &[], "`ALTER EXTENSION`"),
    form(&["ALTER", "TRIGGER"], &[], "`ALTER TRIGGER`"),
    form(&["CLUSTER"], &[], "`CLUSTER`"),
    form(&["REINDEX"], &[], "`REINDEX`"),
    form(&["SECURITY", "LABEL"], &[], "`SECURITY LABEL`"),
    form(&["CREATE", "EVENT", "TRIGGER"], &[], "`CREATE EVENT TRIGGER`"),
    form(&["CREATE", "PUBLICATION"], &[], "`CREATE PUBLICATION`"),
    form(&["ALTER", "PUBLICATION"], &[], "`ALTER PUBLICATION`"),
    form(&["CREATE", "AGGREGATE"], &[], "`CREATE AGGREGATE`"),
    form(&["CREATE", "RULE"], &[], "`CREATE RULE`"),
    form(&["CREATE", "OR", "REPLACE", "RULE"], &[], "`CREATE RULE`"),
    form(&["IMPORT", "FOREIGN", "SCHEMA"], &[], "`IMPORT FOREIGN SCHEMA`"),
];

/// A word of a statement outside quotes, comments and parentheses.
#[derive(Debug)]
struct Word {
    start: usize,
    end: usize,
    upper: String,
}

/// The words of `text` outside quotes and comments: at parenthesis depth 0,
/// or at any depth with `nested`.
fn words(text: &str, nested: bool) -> Vec<Word> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b[i..].starts_with(b"--") => i = text[i..].find('\n').map_or(b.len(), |e| i + e),
            b'/' if b[i..].starts_with(b"/*") => i = crate::source::nested_comment_end(b, i),
            b'$' => {
                // A dollar-quoted string: skip to its closing tag.
                let tag_len = b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                if b.get(i + 1 + tag_len) == Some(&b'$') && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    let tag = &text[i..i + tag_len + 2];
                    let body = i + tag.len();
                    i = text[body..].find(tag).map_or(b.len(), |e| body + e + tag.len());
                } else {
                    i += 1;
                }
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if depth == 0 || nested {
                    out.push(Word { start, end: i, upper: text[start..i].to_ascii_uppercase() });
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn starts_with(words: &[Word], lead: &[&str]) -> bool {
    words.len() >= lead.len() && words.iter().zip(lead).all(|(w, l)| w.upper == *l)
}

fn contains_seq(words: &[Word], seq: &[&str]) -> bool {
    seq.is_empty() || words.windows(seq.len()).any(|w| w.iter().zip(seq).all(|(a, b)| a.upper == *b))
}

/// The end of the (possibly schema-qualified, possibly quoted) name that
/// starts at or after `from`.
fn name_end(text: &str, from: usize) -> usize {
    let b = text.as_bytes();
    let mut i = from;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    loop {
        if b.get(i) == Some(&b'"') {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
        } else {
            return i;
        }
    }
}

/// `text` rewritten into an equivalent form sqlparser reads, blanking the
/// clauses it rejects that do not matter to the rules (same length, so any
/// offset into it is an offset into `text`); `None` when nothing applies.
///
/// - `ALTER TABLE ... ALTER COLUMN c TYPE t COLLATE "C"`: the collation does
///   not change whether the type change rewrites the table, so the type
///   check reads `TYPE t`.
/// - `CREATE INDEX ... TABLESPACE x`: where the index is stored does not
///   change the lock it takes.
/// - `ALTER COLUMN c ADD GENERATED ... AS IDENTITY (RESTART n)`: neither do
///   the identity's sequence options.
pub fn rewrite(text: &str) -> Option<String> {
    let w = words(text, false);
    let alter = starts_with(&w, AT);
    let clause = if alter {
        "COLLATE"
    } else if starts_with(&w, &["CREATE", "INDEX"]) || starts_with(&w, &["CREATE", "UNIQUE", "INDEX"]) {
        "TABLESPACE"
    } else {
        return None;
    };
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    for word in w.iter().filter(|x| x.upper == clause) {
        let end = name_end(text, word.end);
        if end > word.end {
            blanks.push((word.start, end));
        }
    }
    if alter {
        // `ADD GENERATED ... AS IDENTITY (RESTART n)`: the sequence options
        // do not change the lock, and sqlparser reads few of them.
        for pair in w.windows(2).filter(|p| p[0].upper == "AS" && p[1].upper == "IDENTITY") {
            if let Some(options) = parenthesised(text, pair[1].end) {
                blanks.push(options);
            }
        }
    }
    if blanks.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for (start, end) in blanks {
        out[start..end].iter_mut().for_each(|c| *c = b' ');
    }
    // Each blanked run starts and ends on an ASCII byte (a keyword, a bare
    // name, a quote, a parenthesis), so no character was cut in two.
    Some(String::from_utf8(out).expect("whole UTF-8 runs blanked"))
}

/// The parenthesised list that starts at `from` (after blanks), up to its
/// matching `)`, as a byte range.
fn parenthesised(text: &str, from: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let start = from + b[from..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    if b.get(start) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(start) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// What a statement that sqlparser rejected with `error` is.
pub fn classify(text: &str, error: &str) -> Verdict {
    // Nested words too: `CREATE TABLE t (LIKE o INCLUDING ALL)`.
    let w = words(text, true);
    // `IF NOT EXISTS` needs an index name in PostgreSQL's grammar too.
    let index = starts_with(&w, &["CREATE", "INDEX"]) || starts_with(&w, &["CREATE", "UNIQUE", "INDEX"]);
    if index && contains_seq(&w, &["EXISTS", "ON"]) {
        return Verdict::Syntax(Some("PostgreSQL requires an index name with IF NOT EXISTS"));
    }
    // The parser stopped at the end: the statement is incomplete.
    let found = error.split("found: ").nth(1).and_then(|f| f.split(" at Line").next()).unwrap_or("EOF");
    if found == "EOF" || found == ";" {
        return Verdict::Syntax(None);
    }
    for f in FORMS {
        let lead = starts_with(&w, f.lead);
        if lead && contains_seq(&w[f.lead.len()..], f.seq) {
            return f.name.map_or(Verdict::Harmless, Verdict::Unsupported);
        }
    }
    Verdict::Syntax(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn parses(sql: &str) -> Result<String, String> {
        Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .map(|s| s.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            .map_err(|e| e.to_string())
    }

    /// Each rewritten form fails as written (so the rewrite is needed), and
    /// reads once rewritten, with the same length and the part that matters.
    #[test]
    fn rewrites_read_and_keep_length() {
        for (sql, reads_as) in [
            (
                "ALTER TABLE t ALTER COLUMN c TYPE varchar(20) COLLATE \"C\"",
                "ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(20)",
            ),
            (
                "ALTER TABLE t ALTER COLUMN c SET DATA TYPE text COLLATE pg_catalog.\"default\" USING c::text",
                "ALTER TABLE t ALTER COLUMN c SET DATA TYPE TEXT USING c::TEXT",
            ),
            (
                "ALTER TABLE t ALTER c TYPE text COLLATE \"C\", ALTER d TYPE text COLLATE \"dé_DE\"",
                "ALTER TABLE t ALTER COLUMN c TYPE TEXT, ALTER COLUMN d TYPE TEXT",
            ),
            ("CREATE INDEX i ON t (a) TABLESPACE fast", "CREATE INDEX i ON t(a)"),
            (
                "ALTER TABLE users ALTER user_id ADD GENERATED ALWAYS AS IDENTITY (RESTART 1580559962386438)",
                "ALTER TABLE users ALTER COLUMN user_id ADD GENERATED ALWAYS AS IDENTITY",
            ),
            (
                "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME s START WITH 1 INCREMENT BY 1 NO MINVALUE CACHE 1)",
                "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY ON t (a) TABLESPACE \"Fast\" WHERE a > 0",
                "CREATE UNIQUE INDEX CONCURRENTLY ON t(a) WHERE a > 0",
            ),
        ] {
            assert!(parses(sql).is_err(), "the parser reads {sql} now: drop the rewrite");
            let r = rewrite(sql).unwrap_or_else(|| panic!("no rewrite for {sql}"));
            assert_eq!(r.len(), sql.len());
            assert_eq!(parses(&r).as_deref(), Ok(reads_as), "{sql}");
        }
        // A collation inside an index's column list is read as it is.
        assert_eq!(rewrite("SELECT 1"), None);
        assert_eq!(rewrite("CREATE INDEX i ON t (a COLLATE \"C\")"), None);
    }

    /// Every listed form is rejected by the parser (else it should be read)
    /// and classified as listed; truncated and misspelt statements stay
    /// syntax errors.
    #[test]
    fn classifies_what_the_parser_rejects() {
        let cases = [
            ("DROP INDEX CONCURRENTLY IF EXISTS i", Verdict::Harmless),
            ("ALTER INDEX IF EXISTS i RENAME TO j", Verdict::Harmless),
            ("ALTER SEQUENCE s OWNED BY t.id", Verdict::Harmless),
            ("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO r", Verdict::Harmless),
            ("CREATE STATISTICS s (dependencies) ON a, b FROM t", Verdict::Harmless),
            ("CREATE INDEX i ON ONLY t (a)", Verdict::Harmless),
            ("COMMENT ON TRIGGER tr ON t IS 'x'", Verdict::Harmless),
            ("COMMENT ON FUNCTION f(int, text) IS 'x'", Verdict::Harmless),
            ("COMMENT ON COLUMN t.c IS\n  'one '\n  'two'", Verdict::Harmless),
            ("UPDATE ONLY user_links AS l SET a = 1", Verdict::Harmless),
            (
                "CREATE OR REPLACE FUNCTION f (p name) RETURNS void LANGUAGE plpgsql COST 100 AS $$ BEGIN END $$",
                Verdict::Harmless,
            ),
            ("CREATE SEQUENCE s AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE", Verdict::Harmless),
            ("ALTER TRIGGER tr ON person RENAME TO tr2", Verdict::Unsupported("`ALTER TRIGGER`")),
            (
                "ALTER TABLE t ATTACH PARTITION p FOR VALUES FROM (1) TO (2)",
                Verdict::Unsupported("`ALTER TABLE ... ATTACH PARTITION`"),
            ),
            (
                "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
                Verdict::Unsupported("`ALTER TABLE ... DETACH PARTITION`"),
            ),
            ("ALTER TABLE t SET TABLESPACE x", Verdict::Unsupported("`ALTER TABLE ... SET TABLESPACE`")),
            ("ALTER TABLE t SET SCHEMA x", Verdict::Unsupported("`ALTER TABLE ... SET SCHEMA`")),
            ("ALTER TABLE t SET WITHOUT CLUSTER", Verdict::Unsupported("`ALTER TABLE ... SET WITHOUT CLUSTER`")),
            ("ALTER TABLE t CLUSTER ON i", Verdict::Unsupported("`ALTER TABLE ... CLUSTER ON`")),
            ("ALTER TABLE t INHERIT p", Verdict::Unsupported("`ALTER TABLE ... INHERIT`")),
            ("ALTER TABLE t RESET (fillfactor)", Verdict::Unsupported("`ALTER TABLE ... RESET`")),
            ("ALTER TABLE t ALTER CONSTRAINT c DEFERRABLE", Verdict::Unsupported("`ALTER TABLE ... ALTER CONSTRAINT`")),
            (
                "ALTER TABLE t ALTER COLUMN c SET STATISTICS 1000",
                Verdict::Unsupported("`ALTER COLUMN ... SET STATISTICS`"),
            ),
            (
                "ALTER TABLE t ALTER COLUMN c SET STORAGE EXTERNAL",
                Verdict::Unsupported("`ALTER COLUMN ... SET STORAGE`"),
            ),
            (
                "ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4",
                Verdict::Unsupported("`ALTER COLUMN ... SET COMPRESSION`"),
            ),
            (
                "ALTER TABLE t ALTER COLUMN c SET GENERATED ALWAYS",
                Verdict::Unsupported("`ALTER COLUMN ... SET GENERATED`"),
            ),
            (
                "ALTER TABLE t ALTER COLUMN c DROP IDENTITY IF EXISTS",
                Verdict::Unsupported("`ALTER COLUMN ... DROP IDENTITY`"),
            ),
            (
                "ALTER TABLE t ALTER COLUMN c DROP EXPRESSION",
                Verdict::Unsupported("`ALTER COLUMN ... DROP EXPRESSION`"),
            ),
            (
                "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME s START WITH 1)",
                Verdict::Unsupported("`ALTER COLUMN ... ADD GENERATED AS IDENTITY` with sequence options"),
            ),
            ("CREATE TABLE t (LIKE o INCLUDING ALL)", Verdict::Unsupported("`CREATE TABLE (LIKE ... INCLUDING ...)`")),
            ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", Verdict::Unsupported("`REFRESH MATERIALIZED VIEW`")),
            ("ALTER MATERIALIZED VIEW mv RENAME TO x", Verdict::Unsupported("`ALTER MATERIALIZED VIEW`")),
            ("ALTER VIEW v RENAME TO x", Verdict::Unsupported("`ALTER VIEW`")),
            ("ALTER EXTENSION e UPDATE", Verdict::Unsupported("`ALTER EXTENSION`")),
            ("CLUSTER t USING i", Verdict::Unsupported("`CLUSTER`")),
            ("REINDEX INDEX CONCURRENTLY i", Verdict::Unsupported("`REINDEX`")),
            ("SECURITY LABEL ON TABLE t IS 'x'", Verdict::Unsupported("`SECURITY LABEL`")),
            (
                "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
                Verdict::Unsupported("`CREATE EVENT TRIGGER`"),
            ),
            ("CREATE PUBLICATION p FOR TABLE t", Verdict::Unsupported("`CREATE PUBLICATION`")),
            ("CREATE AGGREGATE a (int) (sfunc = f, stype = int)", Verdict::Unsupported("`CREATE AGGREGATE`")),
            ("CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING", Verdict::Unsupported("`CREATE RULE`")),
            ("IMPORT FOREIGN SCHEMA x FROM SERVER s INTO y", Verdict::Unsupported("`IMPORT FOREIGN SCHEMA`")),
            // Real syntax errors.
            ("ALTER TABLE t ADD COLUMN", Verdict::Syntax(None)),
            ("ALTER TABLE t ALTER COLUMN c TYPE", Verdict::Syntax(None)),
            ("CREATE INDEX", Verdict::Syntax(None)),
            ("ALTER TABLE t ATTACH", Verdict::Syntax(None)),
            ("SELEC nonsense", Verdict::Syntax(None)),
            ("UPDATE t SET", Verdict::Syntax(None)),
            ("ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES", Verdict::Syntax(None)),
            (
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ON t (a)",
                Verdict::Syntax(Some("PostgreSQL requires an index name with IF NOT EXISTS")),
            ),
        ];
        for (sql, want) in cases {
            let err = parses(sql).expect_err(sql);
            assert_eq!(classify(sql, &err), want, "{sql}: {err}");
        }
    }
}
