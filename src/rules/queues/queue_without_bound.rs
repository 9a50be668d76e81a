//! In-memory queues and buffers that can grow without limit: Python queue
//! constructors without a positive `maxsize`, `deque()` buffers without
//! `maxlen`, `defaultdict(asyncio.Queue)`; JS/TS long-lived arrays used as
//! job queues (`push` in, `shift` out) with no length check. Constructors
//! and their bound arguments come from `rules/catalog/queues.toml`.
//!
//! Only long-lived buffers are reported: stored at module level, in a class
//! body, or on `self`/`this`. A queue local to a function (a BFS worklist, a
//! per-request result queue) lives and dies with the call.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::analysis::roles::Role;
use crate::catalog::queues::Buffer;
use crate::diagnostic::{Applicability, Fix};
use crate::engine::Checker;
use crate::engine::rust::{RustChecker, RustKind, RustNode};
use crate::lang::{NodeExt, node_text, python as py};
use crate::rule::{Rule, RuleMeta};
use crate::rules::queue_without_bound_rust;
use crate::source::Grammar;

crate::declare_rule! {
    pub static META = {
        code: "PP601",
        name: "queue-without-bound",
        category: UnboundedQueue,
        severity: Warning,
        status: Preview,
        since: "0.2.0",
        languages: [Python, TypeScript, JavaScript, Rust],
        summary: "A long-lived in-memory queue or buffer has no size limit, so it grows until the process runs out of memory when consumers fall behind",
        fix: "Give the queue a bound (`maxsize`, `maxlen`, a length check) and decide what producers do when it is full: wait, drop or reject",
    }
}

/// The rule.
pub struct QueueWithoutBound;

/// Per-file state: JS queue keys already reported; Python buffers that
/// need a producer wait for the end of the file.
#[derive(Default)]
struct Seen {
    keys: HashSet<String>,
    /// Keys of buffers something adds to inside a request, webhook or job handler.
    fed: HashSet<String>,
    /// (key, span, message, symbol) of buffers reported only when fed.
    pending: Vec<(String, crate::source::Span, String, Option<String>)>,
    /// The file's length checks, read once (Python).
    manual: Option<ManualBounds>,
    /// The file's array producers, consumers and length checks, read once (JS).
    arrays: Option<ArrayUse>,
}

/// Every buffer the file checks by hand (`len(k) >`, `k.qsize() >=`,
/// `k.full()`), by the name written there and its suffixes at dots, so asking
/// for one key does not scan the file.
#[derive(Debug, Default)]
struct ManualBounds(foldhash::HashSet<Box<str>>);

impl ManualBounds {
    fn new(src: &str) -> ManualBounds {
        let compared = |rest: &str| {
            let rest = rest.trim_start();
            rest.starts_with('>') || rest.starts_with("==")
        };
        let mut names = crate::engine::names_before(src, ".full()", |_| true);
        names.extend(crate::engine::names_before(src, ".qsize()", compared));
        for at in memchr::memmem::find_iter(src.as_bytes(), b"len(") {
            let arg_start = at + 4;
            // The argument is a dotted name: stop at the first other byte.
            let arg_len = src.as_bytes()[arg_start..]
                .iter()
                .take(256)
                .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.'))
                .unwrap_or(0);
            let close = arg_start + arg_len;
            if src.as_bytes().get(close) == Some(&b')') && compared(&src[close + 1..]) {
                names.insert(src[arg_start..close].into());
            }
        }
        ManualBounds(names)
    }
}

/// How the file uses arrays, by the compacted receiver text: which get a
/// producer (`push`) called inside a function, which a consumer (`shift`),
/// and which have `.length` compared with something other than 0 or 1.
#[derive(Debug, Default)]
struct ArrayUse {
    produced: HashSet<String>,
    consumed: HashSet<String>,
    bounded: HashSet<String>,
}

impl ArrayUse {
    /// One cursor walk over the tree, tracking whether a function encloses
    /// the node (instead of walking up to the root for every call).
    fn new(root: Node<'_>, aq: &crate::catalog::queues::ArrayQueue, src: &str) -> ArrayUse {
        let mut out = ArrayUse::default();
        let mut cursor = root.walk();
        // Whether a strict ancestor of the nodes at each depth is a function.
        let mut in_fn: Vec<bool> = vec![false];
        loop {
            let n = cursor.node();
            let inside = in_fn.last().copied().unwrap_or(false);
            match n.kind() {
                "call_expression" => {
                    if let Some(callee) = n.field("function").filter(|c| c.kind() == "member_expression")
                        && let (Some(obj), Some(prop)) = (callee.field("object"), callee.field("property"))
                    {
                        let m = node_text(prop, src);
                        if aq.producers.iter().any(|p| p == m) && inside {
                            out.produced.insert(compact(node_text(obj, src)));
                        }
                        if aq.consumers.iter().any(|c| c == m) {
                            out.consumed.insert(compact(node_text(obj, src)));
                        }
                    }
                }
                "binary_expression" => {
                    if let (Some(l), Some(r), Some(op)) = (n.field("left"), n.field("right"), n.field("operator"))
                        && matches!(node_text(op, src), ">" | ">=" | "<" | "<=" | "==" | "===")
                    {
                        let lt = compact(node_text(l, src));
                        let rt = compact(node_text(r, src));
                        for (side, other) in [(&lt, &rt), (&rt, &lt)] {
                            if let Some(key) = side.strip_suffix(".length")
                                && !matches!(other.as_str(), "0" | "1")
                            {
                                out.bounded.insert(key.to_string());
                            }
                        }
                    }
                }
                _ => {}
            }
            let here = inside || crate::lang::typescript::FUNCTION_KINDS.contains(&n.kind());
            if cursor.goto_first_child() {
                in_fn.push(here);
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return out;
                }
                in_fn.pop();
            }
        }
    }
}

impl Rule for QueueWithoutBound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn python_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn js_kinds(&self) -> &'static [&'static str] {
        &[
            "variable_declarator",
            "public_field_definition",
            "field_definition",
            "assignment_expression",
            "new_expression",
        ]
    }

    fn rust_kinds(&self) -> &'static [RustKind] {
        queue_without_bound_rust::KINDS
    }

    fn check_rust(&self, node: RustNode<'_>, cx: &mut RustChecker<'_, '_>) {
        queue_without_bound_rust::check(node, cx);
    }

    fn check<'t>(&self, node: Node<'t>, cx: &mut Checker<'_, 't>) {
        match cx.grammar() {
            Grammar::Python => check_python(node, cx),
            _ if node.kind() == "new_expression" => {
                if let Some(msg) = crate::rules::queues::job_queues::keeps_every_job(node, cx) {
                    cx.report_node(node, msg);
                }
            }
            _ => check_js(node, cx),
        }
    }

    fn finish<'t>(&self, cx: &mut Checker<'_, 't>) {
        let mut state = std::mem::take(cx.state::<Seen>());
        let src = cx.src;
        let manual = state.manual.get_or_insert_with(|| ManualBounds::new(src));
        for (key, span, msg, symbol) in state.pending {
            if state.fed.contains(&key) && !manually_bounded(&key, manual) {
                cx.report(span, msg).symbol = symbol;
            }
        }
    }
}

/// A length check on the buffer somewhere in the file (`len(self.buf) >
/// limit`, `self.q.qsize() >= n`, `self.q.full()`) bounds it by hand.
fn manually_bounded(key: &str, manual: &ManualBounds) -> bool {
    let alt = key.strip_prefix("self.").map(|k| format!("cls.{k}"));
    manual.0.contains(key) || alt.is_some_and(|k| manual.0.contains(k.as_str()))
}

/// Records `self.buf.append(x)` made inside a handler.
fn note_producer<'t>(call: Node<'t>, callee: Node<'t>, cx: &mut Checker<'_, 't>) {
    if callee.kind() != "attribute" || cx.ctx.handler().is_none() {
        return;
    }
    let (Some(obj), Some(attr)) = (callee.field("object"), callee.field("attribute")) else {
        return;
    };
    let method = cx.text(attr);
    let is_producer =
        cx.catalog.queues.python.buffers.iter().any(|b| b.needs_producer && b.producers.iter().any(|p| p == method));
    if !is_producer || py::positional_args(call).is_empty() {
        return;
    }
    let key = cx.text(obj).replace("cls.", "self.");
    cx.state::<Seen>().fed.insert(key);
}

const OOM: &str = "so when consumers fall behind it grows until the process is OOM-killed";

/// What the bound argument of a constructor call says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// Positive, or a value pagerproof cannot read (a variable, `**kwargs`).
    Set,
    /// Not passed.
    Missing,
    /// Passed as `0`, a negative number or `None`, which mean no bound.
    Disabled,
}

fn check_python<'t>(call: Node<'t>, cx: &mut Checker<'_, 't>) {
    let Some(callee) = call.field("function") else { return };
    note_producer(call, callee, cx);
    let Some(r) = cx.resolve(callee) else { return };
    if !r.bound {
        return;
    }
    let lang = &cx.catalog.queues.python;
    let shown = cx.text(callee);
    if let Some(entry) = lang.buffer(&r.path) {
        let bound = python_bound(call, entry, cx.src);
        if bound == Bound::Set {
            return;
        }
        let Some(key) = long_lived_target(call, cx) else { return };
        if entry.needs_producer && (key.to_ascii_lowercase().contains("waiter") || annotated_futures(call, cx.src)) {
            // A list of waiting futures is as long as the callers waiting.
            return;
        }
        let src = cx.src;
        let manual = cx.state::<Seen>().manual.get_or_insert_with(|| ManualBounds::new(src));
        if bound == Bound::Missing && manually_bounded(&key, manual) {
            return;
        }
        let msg = match (&entry.bound, bound) {
            (None, _) => format!(
                "`{shown}()` cannot be bounded, {OOM}{}",
                entry.instead.as_deref().map(|i| format!("; use `{i}`")).unwrap_or_default()
            ),
            (Some(b), Bound::Disabled) => {
                format!(
                    "`{}` has no bound (a `{b}` of zero, below zero or `None` means unlimited), {OOM}",
                    compact(cx.text(call))
                )
            }
            (Some(b), _) if entry.needs_producer => format!(
                "`{shown}()` filled from a handler has no `{b}`, so when nothing drains it fast enough it grows until the process is OOM-killed"
            ),
            (Some(b), _) => format!("`{shown}()` without a positive `{b}` has no bound, {OOM}"),
        };
        if entry.needs_producer {
            let symbol = cx.ctx.symbol();
            cx.state::<Seen>().pending.push((key, crate::source::Span::of(call), msg, symbol));
        } else {
            let fix = maxsize_fix(call, entry, bound, cx);
            cx.report_node(call, msg).fix = fix;
        }
        return;
    }
    // `defaultdict(asyncio.Queue)`, `field(default_factory=asyncio.Queue)`.
    if lang.factories.contains(&r.path) {
        let (kwargs, _) = py::keyword_args(call, cx.src);
        let factory = kwargs
            .iter()
            .find(|(k, _)| *k == "default_factory")
            .map(|(_, v)| *v)
            .or_else(|| py::positional_args(call).first().copied());
        let Some(factory) = factory.filter(|f| matches!(f.kind(), "identifier" | "attribute")) else { return };
        let Some(fr) = cx.resolve(factory) else { return };
        let Some(entry) = lang.buffer(&fr.path).filter(|e| !e.needs_producer) else { return };
        let in_class_body =
            cx.ctx.function().is_none() && cx.ctx.frames().iter().any(|f| f.node.kind() == "class_definition");
        if !in_class_body && long_lived_target(call, cx).is_none() {
            return;
        }
        let what = match &entry.bound {
            Some(b) => format!("without `{b}`"),
            None => "that cannot be bounded".to_string(),
        };
        let per = if in_class_body { "instance" } else { "key" };
        let msg = format!("`{}` makes a queue {what} for every {per}, {OOM}", compact(cx.text(call)));
        cx.report_node(call, msg);
    }
}

/// `maxsize=N` (the config's `default_queue_maxsize`) added to a queue
/// constructor that has none. Unsafe: a producer that never waited now
/// blocks, or raises `Full`, when the queue is full.
fn maxsize_fix(call: Node<'_>, entry: &Buffer, bound: Bound, cx: &Checker<'_, '_>) -> Option<Fix> {
    if bound != Bound::Missing || entry.bound.as_deref() != Some("maxsize") {
        return None;
    }
    let args = call.field("arguments").filter(|a| a.kind() == "argument_list")?;
    let n = cx.catalog.fix.default_queue_maxsize;
    let edit = crate::rules::net_timeout::append_argument(args, &format!("maxsize={n}"), cx.src)?;
    Some(Fix::new(Applicability::Unsafe, format!("Add `maxsize={n}`"), vec![edit]))
}

fn python_bound(call: Node<'_>, entry: &Buffer, src: &str) -> Bound {
    if entry.bound.is_none() && entry.positional.is_none() {
        return Bound::Missing;
    }
    let (kwargs, splat) = py::keyword_args(call, src);
    if splat || py::has_list_splat(call) {
        return Bound::Set;
    }
    let value = kwargs
        .iter()
        .find(|(k, _)| entry.bound.as_deref() == Some(*k))
        .map(|(_, v)| *v)
        .or_else(|| entry.positional.and_then(|i| py::positional_args(call).get(i).copied()));
    let Some(v) = value else { return Bound::Missing };
    let text: String = node_text(v, src).split_whitespace().collect();
    if v.kind() == "none" {
        return if entry.none_is_unbounded { Bound::Disabled } else { Bound::Set };
    }
    if entry.non_positive_is_unbounded
        && let Ok(n) = text.replace('_', "").parse::<i64>()
        && n <= 0
    {
        return Bound::Disabled;
    }
    Bound::Set
}

/// The key of the long-lived place the call's value is stored in: `self.x`
/// (any method), `self.x[...]`, or a name assigned at module or class level.
fn long_lived_target(call: Node<'_>, cx: &Checker<'_, '_>) -> Option<String> {
    let mut cur = call;
    while let Some(p) = cur.parent().filter(|p| p.kind() == "parenthesized_expression") {
        cur = p;
    }
    let assign = cur.parent().filter(|p| p.kind() == "assignment")?;
    if assign.field("right") != Some(cur) {
        return None;
    }
    let left = assign.field("left")?;
    let is_self_attr = |n: Node<'_>| {
        n.kind() == "attribute"
            && n.field("object")
                .is_some_and(|o| o.kind() == "identifier" && matches!(node_text(o, cx.src), "self" | "cls"))
    };
    match left.kind() {
        "attribute" if is_self_attr(left) => {
            let attr = left.field("attribute")?;
            Some(format!("self.{}", node_text(attr, cx.src)))
        }
        "subscript" => {
            let value = left.field("value")?;
            is_self_attr(value).then(|| node_text(value, cx.src).to_string())
        }
        "identifier" if cx.ctx.function().is_none() => Some(node_text(left, cx.src).to_string()),
        _ => None,
    }
}

/// `self.waiters: Deque[asyncio.Future] = deque()`.
fn annotated_futures(call: Node<'_>, src: &str) -> bool {
    call.parent()
        .filter(|p| p.kind() == "assignment")
        .and_then(|a| a.field("type"))
        .is_some_and(|t| node_text(t, src).contains("Future"))
}

// ------------------------------------------------------------------ JS/TS

fn check_js<'t>(node: Node<'t>, cx: &mut Checker<'_, 't>) {
    let (key, value) = match node.kind() {
        "variable_declarator" => {
            let Some(name) = node.field("name").filter(|n| n.kind() == "identifier") else { return };
            // Module level only: `const queue = []` at the top of the file.
            if cx.ctx.function().is_some() || !cx.ctx.frames().is_empty() {
                return;
            }
            (cx.text(name).to_string(), node.field("value"))
        }
        "public_field_definition" | "field_definition" => {
            let name = node.field("name").or_else(|| node.field("property"));
            let Some(name) = name else { return };
            let is_static = {
                let mut c = node.walk();
                node.children(&mut c).any(|ch| ch.kind() == "static")
            };
            if is_static {
                return;
            }
            (format!("this.{}", cx.text(name)), node.field("value"))
        }
        _ => {
            let Some(left) = node.field("left").filter(|l| l.kind() == "member_expression") else {
                return;
            };
            let obj = left.field("object");
            let prop = left.field("property");
            let (Some(obj), Some(prop)) = (obj, prop) else { return };
            if obj.kind() != "this" || cx.ctx.function().is_none_or(|(f, _)| f.name.as_deref() != Some("constructor")) {
                return;
            }
            (format!("this.{}", cx.text(prop)), node.field("right"))
        }
    };
    let Some(value) = value.map(crate::lang::typescript::unwrap_expr) else { return };
    let empty_array = value.kind() == "array" && value.named_child_count() == 0
        || value.kind() == "new_expression" && cx.text(value).split_whitespace().collect::<String>() == "newArray()";
    if !empty_array || cx.state::<Seen>().keys.contains(&key) || cx.file.role.role == Role::Browser {
        return;
    }
    let aq = &cx.catalog.queues.javascript.array_queue;
    let root = cx.root_of(node);
    let src = cx.src;
    let arrays = cx.state::<Seen>().arrays.get_or_insert_with(|| ArrayUse::new(root, aq, src));
    let (produced, consumed, bounded) =
        (arrays.produced.contains(&key), arrays.consumed.contains(&key), arrays.bounded.contains(&key));
    if !(produced && consumed) || bounded {
        return;
    }
    cx.state::<Seen>().keys.insert(key.clone());
    cx.report_node(
        node,
        format!("`{key}` is an array used as a job queue (`push` in, `shift` out) with no length limit, {OOM}"),
    );
}

fn compact(s: &str) -> String {
    s.split_whitespace().collect()
}
