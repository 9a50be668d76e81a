//! Timeout evidence shared by `request-without-timeout` (PP201) and
//! `connection-without-timeout` (PP202): whether the author said why a call
//! has no timeout. A streaming response, a server-sent-events or websocket
//! client, or a long poll is meant to stay open; a comment on or directly
//! above the call that names that reason is accepted, the way other rules
//! read "a comment says why" (`analysis::handlers::meaningful_comment`, the Rust
//! engine's `explained`).
//!
//! For Rust it also answers, for the whole project, whether a timeout is
//! applied where a client flows rather than where it is built
//! ([`RustTimeoutFacts`], a lexical scan of every Rust file in the facts
//! phase): a tower timeout layer stacked around services (a hyper client is
//! one), a per-request `.timeout(..)` on every send through a shared
//! `static` client, and which project helpers hand out a reqwest builder with
//! no timeout for their callers to finish.

use std::collections::{BTreeMap, BTreeSet};

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

/// Where Rust code applies a request timeout away from the client's
/// construction. Plain data, merged order-independently.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RustTimeoutFacts {
    /// Some Rust file stacks a tower timeout (`tower::timeout::TimeoutLayer`,
    /// `ServiceBuilder::new().timeout(..)`): a hyper client is a tower
    /// `Service`, and such projects bound it in the stack that wraps it, not
    /// on the client (`tower_http`'s server-side layer does not count).
    #[serde(default)]
    pub tower_timeout: bool,
    /// SCREAMING_CASE names (a `static` client's) mapped to how many files
    /// that name them send requests (`.send()`) with a `.timeout(..)` on
    /// every send, and how many with a send that has none.
    #[serde(default)]
    pub shared_sends: BTreeMap<String, (u32, u32)>,
    /// Project functions that return a reqwest `ClientBuilder` with no
    /// `.timeout(..)` ([`crate::analysis::rust_summaries::untimed_client_builders`]).
    #[serde(default)]
    pub untimed_builders: BTreeSet<String>,
}

impl RustTimeoutFacts {
    /// Merges another worker's facts.
    pub fn merge(&mut self, other: RustTimeoutFacts) {
        self.tower_timeout |= other.tower_timeout;
        for (k, (a, b)) in other.shared_sends {
            let e = self.shared_sends.entry(k).or_default();
            e.0 += a;
            e.1 += b;
        }
        self.untimed_builders.extend(other.untimed_builders);
    }

    /// Whether every file that sends through the shared client `name` sets a
    /// per-request timeout on each send (and at least one does).
    pub fn sends_bounded(&self, name: &str) -> bool {
        self.shared_sends.get(name).is_some_and(|&(bounded, unbounded)| bounded > 0 && unbounded == 0)
    }

    /// Reads one Rust file.
    pub fn scan_rust(text: &str) -> RustTimeoutFacts {
        let mut out = RustTimeoutFacts {
            untimed_builders: crate::analysis::rust_summaries::untimed_client_builders(text).into_iter().collect(),
            ..Default::default()
        };
        if !(text.contains("timeout") || text.contains(".send()")) {
            return out;
        }
        let b = crate::analysis::rust_summaries::blank(text);
        out.tower_timeout = b.contains("tower::timeout") || (b.contains("ServiceBuilder") && b.contains(".timeout("));
        for (names, bounded) in sends(&b) {
            for name in names {
                let e = out.shared_sends.entry(name).or_default();
                if bounded {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
        out
    }
}

/// The request sends of blanked Rust text (`.send()` with no argument: a
/// channel's `send(x)` has one): for each, the SCREAMING_CASE names its
/// function mentions before it (the shared clients it may go through:
/// `let c = CLIENT.clone(); c.get(u).send()`), and whether its statement
/// sets `.timeout(..)` before the send.
fn sends(b: &str) -> Vec<(BTreeSet<String>, bool)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = b[from..].find(".send(").map(|i| i + from) {
        from = at + 6;
        if !b[from..].trim_start().starts_with(')') {
            continue;
        }
        let start = b[..at].rfind([';', '{', '}']).map_or(0, |i| i + 1);
        let bounded = b[start..at].contains(".timeout(");
        // Its function's text before it, at most 8 KiB: a long function
        // with many sends must not make this quadratic.
        let mut function = b[..at].rfind("fn ").unwrap_or(0).max(at.saturating_sub(8 << 10));
        while !b.is_char_boundary(function) {
            function += 1;
        }
        out.push((screaming_words(&b[function..at]), bounded));
    }
    out
}

/// The SCREAMING_CASE identifiers a blanked Rust text names (`CLIENT`,
/// `HTTP_CLIENT`), each once.
fn screaming_words(b: &str) -> BTreeSet<String> {
    b.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.len() >= 2
                && w.starts_with(|c: char| c.is_ascii_uppercase())
                && w.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        })
        .map(str::to_string)
        .collect()
}

/// Methods of a Python HTTP session that send a request.
const PY_SEND_METHODS: &[&str] =
    &["get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "ws_connect", "send"];

/// A Python session or client made without a default timeout
/// (`async with aiohttp.ClientSession() as session:`) whose every request in
/// the function that makes it carries its own: each send through it
/// (`session.get(url, timeout=10)`) and each helper it is handed to
/// (`_fetch(session, url, **kwargs)`) passes `timeout=` or forwards
/// `**kwargs`, which may hold one pagerproof cannot see, the same reading a
/// direct call with `**kwargs` gets. The session's default then never
/// applies. At least one such request is required; a session that is
/// returned, stored or handed on without a timeout keeps its finding.
pub fn python_session_timed_per_call(ctor: Node<'_>, src: &str) -> bool {
    let Some((binding, name)) = python_bound_name(ctor, src) else { return false };
    let mut scope = ctor;
    while let Some(p) = scope.parent() {
        scope = p;
        if p.kind() == "function_definition" {
            break;
        }
    }
    let mut uses = 0;
    let mut stack = vec![scope];
    while let Some(n) = stack.pop() {
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
        if n.kind() != "identifier" || n.id() == binding.id() || node_text(n, src) != name {
            continue;
        }
        let Some(parent) = n.parent() else { return false };
        match parent.kind() {
            "attribute" if parent.child_by_field_name("object").is_some_and(|o| o.id() == n.id()) => {
                let method = parent.child_by_field_name("attribute").map(|a| node_text(a, src)).unwrap_or("");
                let call = parent.parent().filter(|c| c.kind() == "call");
                if PY_SEND_METHODS.contains(&method) && call.is_some() {
                    if !call.is_some_and(|c| python_call_timed(c, src)) {
                        return false;
                    }
                    uses += 1;
                }
                // `session.close()`, `session.headers`: no request.
            }
            "argument_list" | "keyword_argument" => {
                let list = if parent.kind() == "keyword_argument" { parent.parent() } else { Some(parent) };
                let Some(call) = list.and_then(|l| l.parent()).filter(|c| c.kind() == "call") else { return false };
                if !python_call_timed(call, src) {
                    return false;
                }
                uses += 1;
            }
            _ => return false,
        }
    }
    uses > 0
}

/// The call passes `timeout=` (not `None`) or forwards `**kwargs`.
fn python_call_timed(call: Node<'_>, src: &str) -> bool {
    let (kwargs, splat) = crate::lang::python::keyword_args(call, src);
    splat || kwargs.iter().any(|(k, v)| *k == "timeout" && v.kind() != "none")
}

/// The name a constructor call is bound to: `with X() as name`,
/// `async with X() as name`, `name = X()`; with the binding identifier.
fn python_bound_name<'t>(ctor: Node<'t>, src: &str) -> Option<(Node<'t>, String)> {
    let parent = ctor.parent()?;
    let target = match parent.kind() {
        "as_pattern" => parent.child_by_field_name("alias").and_then(|a| a.named_child(0)).or_else(|| {
            let mut c = parent.walk();
            parent.named_children(&mut c).find(|n| n.kind() == "as_pattern_target").and_then(|t| t.named_child(0))
        })?,
        "assignment" if parent.child_by_field_name("right").is_some_and(|r| r.id() == ctor.id()) => {
            parent.child_by_field_name("left")?
        }
        _ => return None,
    };
    (target.kind() == "identifier").then(|| (target, node_text(target, src).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_with_a_timeout_on_each() {
        let bounded =
            "let c = CLIENT.clone();\nlet r = c.get(u)\n    .timeout(T)\n    .send()\n    .await?;\ntx.send(r).await;";
        let f = RustTimeoutFacts::scan_rust(bounded);
        assert!(f.sends_bounded("CLIENT"));
        let open = "let r = CLIENT.get(u).send().await?;";
        let mut f2 = RustTimeoutFacts::scan_rust(open);
        assert!(!f2.sends_bounded("CLIENT"));
        f2.merge(f);
        assert!(!f2.sends_bounded("CLIENT"), "one file without a timeout keeps the client open");
        assert!(!RustTimeoutFacts::scan_rust("static CLIENT: u8 = 1;").sends_bounded("CLIENT"));
    }

    #[test]
    fn tower_layers_not_tower_http() {
        assert!(RustTimeoutFacts::scan_rust("use tower::timeout::TimeoutLayer;").tower_timeout);
        assert!(RustTimeoutFacts::scan_rust("ServiceBuilder::new().timeout(d).service(s)").tower_timeout);
        assert!(!RustTimeoutFacts::scan_rust("use tower_http::timeout::TimeoutLayer;").tower_timeout);
    }

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
