//! The check phase for tree-sitter languages: one iterative walk per tree that
//! keeps the context stack and the semantic model up to date and hands each
//! node to the rules that registered its kind.
//!
//! ```text
//! enter node ─► open frame / scope ─► bind names ─► dispatch to rules[kind_id]
//! leave node ─► close frame / scope
//! ```
//!
//! The walk uses a `TreeCursor`, never recursion, so deeply nested input cannot
//! overflow the stack. Nodes inside ERROR subtrees are not dispatched.

pub mod context;
pub mod dispatch;
pub mod equivalents;
pub mod facts;
pub mod rust;
pub mod semantic;
pub mod suppress;

use std::any::Any;

use tree_sitter::{Node, Tree};

use crate::catalog::Catalog;
use crate::diagnostic::Diagnostic;
use crate::lang::{self, python, typescript};
use crate::rule::RuleMeta;
use crate::source::{Grammar, SourceFile, Span};
pub use context::{Context, Frame, FrameKind, FunctionInfo, HandlerKind};
pub use dispatch::RuleSet;
pub use facts::ProjectFacts;
pub use semantic::{Binding, BindingKind, Resolved, Semantic};
use suppress::Suppression;

/// What a rule sees while it checks a node.
pub struct Checker<'a, 't> {
    pub file: &'a SourceFile,
    /// The file's text (same as `file.text`).
    pub src: &'a str,
    pub ctx: &'a Context<'t>,
    /// The parent of the node being dispatched (what `node.parent()` would
    /// return, without its walk down from the root).
    pub parent: Option<Node<'t>>,
    /// The ancestors of the node being dispatched, root first (see
    /// [`Checker::parent_of`]).
    lineage: &'a [Node<'t>],
    /// The id of the node being dispatched (`usize::MAX` in `finish`).
    node_id: usize,
    pub semantic: &'a Semantic<'t>,
    pub facts: &'a ProjectFacts,
    pub catalog: &'a Catalog,
    /// What rules work out about the whole file, once per file.
    pub memo: &'a FileMemo,
    /// Resolutions made while the current node is dispatched (see `resolve`).
    resolved: &'a std::cell::RefCell<Vec<(usize, Option<Resolved<'t>>)>>,
    rule: &'static RuleMeta,
    slot: usize,
    states: &'a mut [Option<Box<dyn Any>>],
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a, 't> Checker<'a, 't> {
    /// The parent of `node`: read from the walker's ancestors when `node` is
    /// the dispatched node or one of its ancestors, else `Node::parent`
    /// (which walks down from the root: in a file of many statements, a
    /// call per node makes time grow with the square of the file's size).
    pub fn parent_of(&self, node: Node<'t>) -> Option<Node<'t>> {
        if node.id() == self.node_id {
            return self.lineage.last().copied();
        }
        match self.lineage.iter().rposition(|a| a.id() == node.id()) {
            Some(at) => at.checked_sub(1).map(|i| self.lineage[i]),
            None => node.parent(),
        }
    }

    /// The root of the tree `node` is in: the walker's first ancestor, or,
    /// outside a dispatch (`finish`), a walk up with `Node::parent`.
    pub fn root_of(&self, node: Node<'t>) -> Node<'t> {
        if let Some(&root) = self.lineage.first() {
            return root;
        }
        let mut root = node;
        while let Some(p) = root.parent() {
            root = p;
        }
        root
    }

    /// The grammar of the file being checked.
    pub fn grammar(&self) -> Grammar {
        self.file.grammar
    }

    /// The text of a node.
    pub fn text(&self, node: Node<'_>) -> &'a str {
        lang::node_text(node, self.src)
    }

    /// Resolves a callee or receiver expression through the semantic model.
    ///
    /// Answers are shared by the rules that see the same node: the model does
    /// not change while one node is dispatched, and most rules that look at a
    /// call resolve its callee.
    pub fn resolve(&self, node: Node<'t>) -> Option<Resolved<'t>> {
        if let Some((_, r)) = self.resolved.borrow().iter().find(|(id, _)| *id == node.id()) {
            return r.clone();
        }
        let r = match self.file.grammar {
            Grammar::Python => python::resolve(self.semantic, node, self.src),
            _ => typescript::resolve(self.semantic, node, self.src),
        };
        let mut cache = self.resolved.borrow_mut();
        // Rules that resolve a whole body's calls would make the scan long.
        if cache.len() < 16 {
            cache.push((node.id(), r.clone()));
        }
        r
    }

    /// Reports a finding of the current rule at `span`.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let mut d = Diagnostic::new(self.rule, self.file, span, message.into());
        d.symbol = self.ctx.symbol();
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Reports a finding spanning `node`.
    pub fn report_node(&mut self, node: Node<'_>, message: impl Into<String>) -> &mut Diagnostic {
        self.report(Span::of(node), message)
    }

    /// Per-file state of the current rule, created on first use. Rules that
    /// defer findings to [`crate::rule::Rule::finish`] keep them here.
    pub fn state<T: Default + 'static>(&mut self) -> &mut T {
        let slot = &mut self.states[self.slot];
        if slot.as_ref().is_none_or(|b| !b.is::<T>()) {
            *slot = Some(Box::new(T::default()));
        }
        slot.as_mut().and_then(|b| b.downcast_mut::<T>()).expect("state type checked above")
    }
}

/// Per-file answers that several rules need and that cost a scan of the whole
/// text: computed on first use, shared by every rule and node of the file.
#[derive(Debug, Default)]
pub struct FileMemo {
    /// The size class of a collection, by node id
    /// ([`crate::analysis::collections::size_of`]): asked again for every
    /// node in a loop, by several rules.
    pub small: std::cell::RefCell<foldhash::HashMap<usize, Option<crate::analysis::collections::SizeClass>>>,
    /// Whether the file contains a needle, by needle: rules ask with catalog
    /// strings (`function fetch(`, a crate marker, a file escape) for every
    /// call, and a scan per call would make a file's time grow with the
    /// square of its size.
    contains: std::cell::RefCell<foldhash::HashMap<Box<str>, bool>>,
    /// The same for [`FileMemo::contains_ignore_ascii_case`], by lowercased needle.
    contains_lower: std::cell::RefCell<foldhash::HashMap<Box<str>, bool>>,
    /// The names before `.defaults.timeout` in the file, for the axios
    /// instance lookup (see [`FileMemo::defaults_timeout_set`]).
    defaults_timeout: std::cell::OnceCell<foldhash::HashSet<Box<str>>>,
    /// The Rust functions registered on a webhook route path in the file,
    /// read in one pass by `rules::idempotency_rust` (a search of the file
    /// for each function's name made time grow with the square of its size).
    pub rust_webhook_routes: std::cell::OnceCell<foldhash::HashSet<Box<str>>>,
    /// Rust request channels ([`crate::analysis::collections::rust_request_channel`]):
    /// whether the type of that name carries a reply sender, and the message
    /// types the fields named like a channel end declare, each found with one
    /// scan of the file per distinct name.
    pub rust_reply_types: std::cell::RefCell<foldhash::HashMap<Box<str>, bool>>,
    pub rust_end_types: std::cell::RefCell<foldhash::HashMap<Box<str>, Vec<String>>>,
    /// Python: the record class each `self.<attr>` of the file is assigned
    /// (`None` when assignments disagree or one is not a record), read in one
    /// walk by `rules::secret_logged` (a walk per logged attribute made time
    /// grow with the square of the file's size).
    pub py_self_records: std::cell::OnceCell<foldhash::HashMap<Box<str>, Option<String>>>,
    /// Python: for a function name, how many calls of it in the file test
    /// its result (`None` when one does not), asked by
    /// `analysis::handlers` once per distinct name (a scan of the file per
    /// handler made time grow with the square of the file's size).
    pub py_callers_checked: std::cell::RefCell<foldhash::HashMap<Box<str>, Option<usize>>>,
}

impl FileMemo {
    /// `src.contains(needle)`, scanning the file once per distinct needle.
    /// Only for needles from a bounded set (catalogs, constants): a needle
    /// built from the code (a variable's name) needs an index instead.
    pub fn contains(&self, src: &str, needle: &str) -> bool {
        memoised(&self.contains, needle, || memchr::memmem::find(src.as_bytes(), needle.as_bytes()).is_some())
    }

    /// `src.to_ascii_lowercase().contains(&needle.to_ascii_lowercase())`,
    /// scanning the file once per distinct needle and lowering nothing but
    /// the needle. Only for needles from a bounded set, as for
    /// [`FileMemo::contains`].
    pub fn contains_ignore_ascii_case(&self, src: &str, needle: &str) -> bool {
        let needle = needle.to_ascii_lowercase();
        memoised(&self.contains_lower, &needle, || find_ignore_ascii_case(src.as_bytes(), needle.as_bytes()))
    }

    /// Whether `{name}.defaults.timeout` occurs in the file, where `name` is a
    /// dotted name (`api`, `this.api`): every occurrence is read once, and
    /// the dotted name before it is kept with each of its dotted suffixes.
    pub fn defaults_timeout_set(&self, src: &str, name: &str) -> bool {
        self.defaults_timeout.get_or_init(|| names_before(src, ".defaults.timeout", |_| true)).contains(name)
    }
}

/// The value `map` holds for `key`, computed by `compute` (with the map not
/// borrowed) and kept the first time it is asked for: the once-per-file
/// answers of [`FileMemo`] keyed by a name.
pub fn memoised<V: Clone>(
    map: &std::cell::RefCell<foldhash::HashMap<Box<str>, V>>,
    key: &str,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(known) = map.borrow().get(key) {
        return known.clone();
    }
    let value = compute();
    map.borrow_mut().insert(key.into(), value.clone());
    value
}

/// Whether lowercased `needle` occurs in `hay` ignoring ASCII case: a
/// candidate at each occurrence of the needle's first byte in either case.
fn find_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else { return true };
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, hay)
        .any(|at| hay.get(at..at + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle)))
}

/// The dotted names written right before each occurrence of `needle` whose
/// following text passes `follows`, and their suffixes at dots (`this.api`
/// gives `this.api` and `api`), each cut to its last 256 bytes so a hostile
/// name cannot cost more than that. One pass over the file answers what a
/// `src.contains(&format!("{name}{needle}"))` per name would.
pub fn names_before(src: &str, needle: &str, follows: impl Fn(&str) -> bool) -> foldhash::HashSet<Box<str>> {
    let b = src.as_bytes();
    let mut out = foldhash::HashSet::default();
    for at in memchr::memmem::find_iter(b, needle.as_bytes()) {
        if !follows(&src[at + needle.len()..]) {
            continue;
        }
        let mut start = at;
        while start > 0
            && at - start < 256
            && (b[start - 1].is_ascii_alphanumeric() || matches!(b[start - 1], b'_' | b'$' | b'.'))
        {
            start -= 1;
        }
        let name = &src[start..at];
        let mut rest = name;
        loop {
            if !rest.is_empty() {
                out.insert(rest.into());
            }
            match rest.find('.') {
                Some(dot) => rest = &rest[dot + 1..],
                None => break,
            }
        }
    }
    out
}

/// The outcome of checking one file.
#[derive(Debug, Default)]
pub struct FileResult {
    pub diagnostics: Vec<Diagnostic>,
    pub suppressions: Vec<Suppression>,
    /// Byte offset of the first syntax error, if the tree has one.
    pub first_error: Option<u32>,
}

/// Walks `tree` once and runs the rules of `rules` on it.
pub fn check_tree(
    file: &SourceFile,
    tree: &Tree,
    rules: &RuleSet,
    facts: &ProjectFacts,
    catalog: &Catalog,
) -> FileResult {
    let src: &str = &file.text;
    let grammar = file.grammar;
    let table = rules.table(grammar);
    let root = tree.root_node();
    let mut ctx = Context::new();
    let mut semantic = Semantic::new(root);
    let mut states: Vec<Option<Box<dyn Any>>> = (0..rules.len()).map(|_| None).collect();
    let memo = FileMemo::default();
    let resolved = std::cell::RefCell::new(Vec::new());
    let mut result = FileResult::default();
    let mut error_depth = 0usize;
    let mut cursor = tree.walk();
    // Most trees have no syntax error: then no node needs asking.
    let has_error = root.has_error();
    // The nodes the cursor is inside: `Node::parent` walks down from the root
    // on every call, so parents are kept here instead.
    let mut ancestors: Vec<Node<'_>> = Vec::new();

    'walk: loop {
        let node = cursor.node();
        let parent = ancestors.last().copied();
        // ---- enter ----
        let kind_id = node.kind_id();
        let flags = table.flags(kind_id);
        if has_error {
            let is_error = node.is_error();
            if (is_error || node.is_missing()) && result.first_error.is_none() {
                result.first_error = Some(node.start_byte() as u32);
            }
            if is_error {
                error_depth += 1;
            }
        }
        if flags.frame
            && let Some(kind) = match grammar {
                Grammar::Python => python::frame_for(node, parent, src),
                _ => typescript::frame_for(node, parent, src),
            }
        {
            ctx.push(Frame { kind, node });
        }
        if flags.scope
            && let Some(is_class) = match grammar {
                Grammar::Python => python::scope_for(node),
                _ => typescript::scope_for(node),
            }
        {
            semantic.push_scope(node, is_class);
        }
        if flags.bind {
            match grammar {
                Grammar::Python => python::bind(node, &mut semantic, src),
                _ => typescript::bind(node, &mut semantic, src),
            }
        }
        if flags.comment
            && let Some(s) = suppress::parse(node, file)
        {
            result.suppressions.push(s);
        }
        if error_depth == 0 {
            resolved.borrow_mut().clear();
            for &slot in table.rules_for(kind_id) {
                let rule = rules.rule(slot);
                let mut cx = Checker {
                    file,
                    src,
                    ctx: &ctx,
                    parent,
                    lineage: &ancestors,
                    node_id: node.id(),
                    semantic: &semantic,
                    facts,
                    catalog,
                    memo: &memo,
                    resolved: &resolved,
                    rule: rule.meta(),
                    slot,
                    states: &mut states,
                    diagnostics: &mut result.diagnostics,
                };
                rule.check(node, &mut cx);
            }
        }
        // ---- descend, or leave this node and its finished ancestors ----
        if cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }
        loop {
            let done = cursor.node();
            ctx.pop_if(done);
            semantic.pop_scope_if(done);
            if has_error && done.is_error() {
                error_depth -= 1;
            }
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
            ancestors.pop();
        }
    }

    resolved.borrow_mut().clear();
    for slot in 0..rules.len() {
        let rule = rules.rule(slot);
        let mut cx = Checker {
            file,
            src,
            ctx: &ctx,
            parent: None,
            lineage: &[],
            node_id: usize::MAX,
            semantic: &semantic,
            facts,
            catalog,
            memo: &memo,
            resolved: &resolved,
            rule: rule.meta(),
            slot,
            states: &mut states,
            diagnostics: &mut result.diagnostics,
        };
        rule.finish(&mut cx);
    }
    result
}

/// Visits every node once with a cursor and counts them: the bare cost of one
/// pass over a tree, used by `--parse-only`.
pub fn count_nodes(tree: &Tree) -> usize {
    let mut n = 0;
    lang::walk(tree.root_node(), &mut |_| {
        n += 1;
        true
    });
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_before_keeps_each_dotted_suffix() {
        let src = "this.api.defaults.timeout = 1;\nother.defaults.timeout = 2;\nx.defaults.timeoutMs";
        let names = names_before(src, ".defaults.timeout", |rest| !rest.starts_with("Ms"));
        for n in ["this.api", "api", "other"] {
            assert!(names.contains(n), "{n}: {names:?}");
        }
        assert!(!names.contains("x") && !names.contains("this"), "{names:?}");
    }

    #[test]
    fn contains_answers_once_per_needle() {
        let memo = FileMemo::default();
        assert!(memo.contains("function fetch(u) {}", "function fetch("));
        // A cached answer is not recomputed from the (different) text.
        assert!(memo.contains("", "function fetch("));
        assert!(!memo.contains("abc", "function fetch<"));
    }
}
