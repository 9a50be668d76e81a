//! Shared by the missing-retry rules: reads a library retry policy
//! (tenacity, retrying and backoff decorators, Celery task options,
//! axios-retry, p-retry, got) and says whether it is bounded and whether it
//! waits between attempts, per `rules/catalog/retry.toml`. Not a rule itself.

use tree_sitter::Node;

use crate::catalog::retry::{LangRetry, RetryPolicy};
use crate::engine::Checker;
use crate::lang::{NodeExt, node_text, python as py, typescript as ts};
use crate::source::Grammar;

/// What a retry policy says.
#[derive(Debug, Clone)]
pub struct Policy<'t> {
    /// What to underline: the decorator, the call, or the option.
    pub node: Node<'t>,
    /// The decorator or call as written (`@retry`, `axiosRetry`).
    pub shown: String,
    /// The option that should bound it (`stop=`, `max_tries=`), for messages.
    pub limit_key: String,
    /// The policy retries forever.
    pub unlimited: bool,
    /// The limit is switched off explicitly (`max_retries=None`, `retries: Infinity`).
    pub explicit: bool,
    /// The policy retries immediately, with no delay.
    pub immediate: bool,
    /// The option that sets a delay (`wait=`, `backoff_factor=`), for messages.
    pub wait_key: String,
}

const INFINITE: &[&str] = &[
    "Infinity",
    "Number.POSITIVE_INFINITY",
    "Number.MAX_SAFE_INTEGER",
    "Number.MAX_VALUE",
    "float(\"inf\")",
    "float('inf')",
    "math.inf",
];

/// Python `decorator` or `call` nodes (a call directly under a decorator is
/// read through the decorator).
pub fn python<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<Policy<'t>> {
    let catalog: &crate::catalog::Catalog = cx.catalog;
    let cat = &catalog.retry.python;
    let src = cx.src;
    let (expr, call) = match node.kind() {
        "decorator" => {
            let e = node.named_child(0)?;
            if e.kind() == "call" { (e.field("function")?, Some(e)) } else { (e, None) }
        }
        "call" => {
            if cx.parent.is_some_and(|p| p.kind() == "decorator") {
                return None;
            }
            (node.field("function")?, Some(node))
        }
        _ => return None,
    };
    if !matches!(expr.kind(), "identifier" | "attribute") {
        return None;
    }
    let r = cx.resolve(expr);
    let path = r.as_ref().map(|r| r.path.clone()).unwrap_or_else(|| node_text(expr, src).to_string());
    let policy = cat.policy(&path)?;
    let by_path = policy.paths.contains(&path);
    if by_path && !r.as_ref().is_some_and(|r| r.bound) {
        return None;
    }
    // Name-matched policies (Celery `task`) are read only as decorators.
    if !by_path && node.kind() != "decorator" {
        return None;
    }
    let (kwargs, splat) = match call {
        Some(c) => py::keyword_args(c, src),
        None => (Vec::new(), false),
    };
    if splat {
        return None;
    }
    let has = |keys: &[String]| kwargs.iter().any(|(k, _)| keys.iter().any(|x| x == k));
    if !policy.zero_disables.is_empty() {
        // `Retry(total=1)`: one retry at most is not a stampede.
        let off = |v: Node<'_>| matches!(node_text(v, src), "0" | "1" | "False" | "None");
        let first = call.and_then(|c| py::positional_args(c).first().copied());
        let kw = kwargs.iter().find(|(k, _)| policy.zero_disables.iter().any(|x| x == k)).map(|(_, v)| *v);
        if first.or(kw).is_some_and(off) || (call.is_some_and(|c| py::has_list_splat(c))) {
            return None;
        }
    }
    let mut unlimited = false;
    let mut explicit = false;
    let mut limit_key = policy.limit.first().cloned().unwrap_or_default();
    if !policy.limit.is_empty() {
        if !has(&policy.limit) {
            unlimited = true;
        }
        for (k, v) in &kwargs {
            let vt = node_text(*v, src);
            if policy.limit.iter().any(|x| x == k) && (vt == "None" || vt.ends_with("stop_never")) {
                unlimited = true;
                explicit = true;
                limit_key = k.to_string();
            }
        }
    }
    for (k, v) in &kwargs {
        if policy.unlimited_when_none.iter().any(|x| x == k) && v.kind() == "none" {
            unlimited = true;
            explicit = true;
            limit_key = k.to_string();
        }
    }
    if unlimited && !(policy.retries_when.is_empty() && policy.retries_when_body.is_empty()) {
        let body = decorated_body(node);
        let body_retries = body
            .map(|b| node_text(b, src))
            .is_some_and(|t| policy.retries_when_body.iter().any(|m| t.contains(m.as_str())));
        if !has(&policy.retries_when) && !body_retries {
            return None;
        }
        // `max_retries=None` on the task, but every `self.retry(...)` in its
        // body passes its own bound (`max_retries=9`): Celery stops there.
        if explicit
            && !has(&policy.retries_when)
            && body.is_some_and(|b| every_retry_bounded(b, src, &policy.retries_when_body, &policy.unlimited_when_none))
        {
            return None;
        }
    }
    let immediate = policy.no_wait_is_immediate && !has(&policy.wait);
    let shown = match node.kind() {
        "decorator" => format!("@{}", node_text(expr, src)),
        _ => node_text(expr, src).to_string(),
    };
    let wait_key = policy.wait.first().cloned().unwrap_or_else(|| "wait".to_string());
    Some(Policy { node, shown, limit_key, unlimited, explicit, immediate, wait_key })
}

/// Every call a marker names in `body` (`self.retry(...)` for `.retry(`)
/// passes one of `keys` with a value other than `None`, and there is at
/// least one such call.
fn every_retry_bounded(body: Node<'_>, src: &str, markers: &[String], keys: &[String]) -> bool {
    let mut seen = false;
    let mut all = true;
    crate::lang::walk(body, &mut |n| {
        if n.kind() == "call"
            && let Some(f) = n.field("function")
            && markers.iter().any(|m| format!("{}(", node_text(f, src)).ends_with(m.as_str()))
        {
            let (kwargs, _) = py::keyword_args(n, src);
            seen = true;
            all &= kwargs.iter().any(|(k, v)| keys.iter().any(|x| x == k) && v.kind() != "none");
        }
        true
    });
    seen && all
}

/// The body of the function a decorator decorates.
fn decorated_body(decorator: Node<'_>) -> Option<Node<'_>> {
    let def = decorator.parent()?.field("definition")?;
    def.field("body")
}

/// JS `call_expression` and `new_expression` nodes.
pub fn js<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<Policy<'t>> {
    let catalog: &crate::catalog::Catalog = cx.catalog;
    let cat = &catalog.retry.javascript;
    let src = cx.src;
    let callee = node.field("function").or_else(|| node.field("constructor"))?;
    let r = cx.resolve(callee)?;
    if !r.bound {
        return None;
    }
    let policy = js_policy(cat, &r.path)?;
    let args = ts::call_args(node);
    let mut objects: Vec<Node<'t>> = Vec::new();
    if policy.options_any {
        objects.extend(args.iter().map(|a| ts::unwrap_expr(*a)).filter(|a| a.kind() == "object"));
    } else if let Some(i) = policy.options
        && let Some(a) = args.get(i).map(|a| ts::unwrap_expr(*a))
        && a.kind() == "object"
    {
        objects.push(a);
    }
    for o in objects {
        for key in &policy.limit {
            if let Some(v) = nested_prop(o, key, src) {
                let vt: String = node_text(v, src).split_whitespace().collect();
                if INFINITE.contains(&vt.as_str()) {
                    let shown = node_text(callee, src).to_string();
                    return Some(Policy {
                        node: v.parent().unwrap_or(v),
                        shown,
                        limit_key: key.rsplit('.').next().unwrap_or(key).to_string(),
                        unlimited: true,
                        explicit: true,
                        immediate: false,
                        wait_key: String::new(),
                    });
                }
            }
        }
    }
    None
}

fn js_policy<'a>(cat: &'a LangRetry, path: &str) -> Option<&'a RetryPolicy> {
    cat.policies.iter().find(|p| p.paths.iter().any(|x| x == path))
}

/// The value of `a.b` inside an object literal (`{ retry: { limit: 5 } }`).
fn nested_prop<'t>(obj: Node<'t>, key: &str, src: &str) -> Option<Node<'t>> {
    let mut cur = obj;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let (props, _) = ts::object_props(cur, src);
        let v = props.into_iter().find(|(k, _)| *k == part).map(|(_, v)| v)?;
        if parts.peek().is_none() {
            return Some(v);
        }
        cur = ts::unwrap_expr(v);
        if cur.kind() != "object" {
            return None;
        }
    }
    None
}

/// True for the grammar's policy node kinds.
pub fn read<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<Policy<'t>> {
    match cx.grammar() {
        Grammar::Python => python(node, cx),
        _ => js(node, cx),
    }
}
