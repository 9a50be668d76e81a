//! Language front ends: parsing with one tree-sitter `Parser` per worker
//! thread and per grammar, and the helpers rules share to read nodes.

pub mod handler;
pub mod python;
pub mod typescript;

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use crate::source::Grammar;

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 4]> = const { RefCell::new([None, None, None, None]) };
}

/// Parses `text` with this thread's parser for `grammar`. Returns `None` only
/// when tree-sitter gives up (it recovers from ordinary syntax errors).
pub fn parse(grammar: Grammar, text: &str) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[grammar.index()];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&grammar.ts_language()).ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        let tree = parser.parse(text, None);
        if tree.is_none() {
            // A failed parse can leave the parser mid-state; start clean next time.
            parser.reset();
        }
        tree
    })
}

/// The source text of a node.
pub fn node_text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Strips one level of string quotes and Python string prefixes
/// (`r"..."`, `b'...'`, `"""..."""`, `` `...` ``).
pub fn strip_quotes(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| matches!(c, 'r' | 'R' | 'b' | 'B' | 'u' | 'U' | 'f' | 'F'));
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if s.len() >= 2 * q.len() && s.starts_with(q) && s.ends_with(q) {
            return &s[q.len()..s.len() - q.len()];
        }
    }
    s
}

/// True when `node` or any ancestor is an ERROR node: rules do not report
/// inside code the parser could not read.
pub fn in_error(node: Node<'_>) -> bool {
    let mut cur = Some(node);
    while let Some(n) = cur {
        if n.is_error() {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// Named children of a node, collected (tree-sitter iterates with a cursor).
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}
