//! Timeout evidence shared by `request-without-timeout` (PP201) and
//! `connection-without-timeout` (PP202): whether the author said why a call
//! has no timeout. A streaming response, a server-sent-events or websocket
//! client, or a long poll is meant to stay open; a comment on or directly
//! above the call that names that reason is accepted, the way other rules
//! read "a comment says why" (`analysis::handlers::meaningful_comment`, the Rust
//! engine's `explained`).

use tree_sitter::Node;

use crate::analysis::handlers::meaningful_comment;
use crate::lang::node_text;

/// Words of a comment that give a reason for having no timeout.
const REASONS: &[&str] = &[
    "stream",
    "long-poll",
    "long poll",
    "longpoll",
    "long-lived",
    "long lived",
    "server-sent",
    "sse",
    "event source",
    "eventsource",
    "websocket",
    "web socket",
    "no timeout",
    "without a timeout",
    "without timeout",
    "timeout on purpose",
    "intentionally",
];

/// True when a comment is meaningful and says why there is no timeout
/// (`# SSE stream: stays open, no timeout on purpose`).
pub fn says_why_no_timeout(comment: &str) -> bool {
    if !meaningful_comment(comment) {
        return false;
    }
    let lower = comment.to_ascii_lowercase();
    REASONS.iter().any(|r| {
        // `sse` and `stream` as words, not inside `assessment` or `upstream`.
        lower.match_indices(r).any(|(i, _)| !lower[..i].ends_with(|c: char| c.is_ascii_alphabetic()))
    })
}

/// True when a comment on the statement holding `node` (trailing, or the
/// comment block directly above it) says why the call has no timeout.
/// `parent` gives a node's parent (the checker's `parent_of`, which reads the
/// walker's ancestors).
pub fn explained_no_timeout<'t>(
    node: Node<'t>,
    parent: impl Fn(Node<'t>) -> Option<Node<'t>>,
    src: &str,
    lines: &crate::source::LineIndex,
) -> bool {
    let mut stmt = node;
    while let Some(p) = parent(stmt) {
        let k = stmt.kind();
        if k.ends_with("_statement") || k == "lexical_declaration" || k == "variable_declaration" {
            break;
        }
        stmt = p;
    }
    let (first, last) = (stmt.start_position().row, stmt.end_position().row);
    // Comments inside the call (`stream=True,  # SSE: stays open`).
    let mut inside = false;
    crate::lang::walk(stmt, &mut |n| {
        if n.kind() == "comment" && says_why_no_timeout(node_text(n, src)) {
            inside = true;
        }
        !inside
    });
    if inside {
        return true;
    }
    // Read by lines: a comment before a block's first statement or after
    // its last is not always the statement's sibling in the tree. The file's
    // line index, not a split of the file per call: this runs for every call.
    let line = |row: usize| if row < lines.line_count() { lines.line_text(src, row) } else { "" };
    let tail = line(last).get(stmt.end_position().column..).unwrap_or("");
    let tail = tail.trim_start();
    if (tail.starts_with('#') || tail.starts_with("//")) && says_why_no_timeout(tail) {
        return true;
    }
    let mut row = first;
    while row > 0 {
        row -= 1;
        let line = line(row).trim_start();
        if !(line.starts_with('#') || line.starts_with("//") || line.starts_with("/*") || line.starts_with('*')) {
            break;
        }
        if says_why_no_timeout(line) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::says_why_no_timeout;

    #[test]
    fn reasons_for_no_timeout() {
        assert!(says_why_no_timeout("# SSE stream: the server keeps it open"));
        assert!(says_why_no_timeout("// long-poll: waits up to an hour for an event"));
        assert!(says_why_no_timeout("// websocket stays open, no timeout"));
        assert!(!says_why_no_timeout("# fetch the upstream config"));
        assert!(!says_why_no_timeout("# TODO"));
        assert!(!says_why_no_timeout("# noqa: stream"));
    }
}
