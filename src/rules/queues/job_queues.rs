//! Job queues kept in Redis (BullMQ, Bull; `rules/catalog/queues.toml`,
//! `[javascript.redis_job_queues]`): a queue that keeps every completed job
//! (`queue-without-bound`, PP601), and a producer whose connection retries
//! each command forever (`connection-without-timeout`, PP202). Not a rule
//! itself.

use tree_sitter::Node;

use crate::catalog::queues::RedisJobQueues;
use crate::engine::Checker;
use crate::lang::{NodeExt, node_text, strip_quotes, typescript as ts};

/// The catalog entry's kind of constructor for a `new` expression.
fn constructor<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<(bool, String)> {
    let q = &cx.catalog.queues.javascript.redis_job_queues;
    if q.paths.is_empty() || !(cx.memo.contains(cx.src, "bull")) {
        return None;
    }
    let callee = node.field("constructor")?;
    let r = cx.resolve(callee)?;
    if !r.bound {
        return None;
    }
    if q.paths.contains(&r.path) {
        return Some((true, r.path));
    }
    q.producers.contains(&r.path).then_some((false, r.path))
}

/// The queue's name as written (`"emails"`), for messages.
fn queue_name(node: Node<'_>, src: &str) -> Option<String> {
    let first = ts::call_args(node).into_iter().next()?;
    (first.kind() == "string").then(|| strip_quotes(node_text(first, src)).to_string())
}

/// The option objects a queue constructor gets, or `None` when one of its
/// arguments may hold options the rule cannot read (a variable, a spread).
fn option_objects<'t>(node: Node<'t>, src: &str) -> Option<Vec<Node<'t>>> {
    let mut out = Vec::new();
    for (i, a) in ts::call_args(node).into_iter().enumerate() {
        let a = ts::unwrap_expr(a);
        match a.kind() {
            "object" => out.push(a),
            "string" | "template_string" => {}
            // The queue's name, or Bull's Redis URL.
            _ if i == 0 => {}
            "identifier" | "member_expression" if node_text(a, src).to_ascii_lowercase().contains("url") => {}
            _ => return None,
        }
    }
    Some(out)
}

/// PP601: `new Queue(name, opts)` whose jobs are all kept after they
/// complete: no retention in `defaultJobOptions`, and no file of the
/// project names the retention option (it may be passed to `add`), or the
/// retention is disabled outright (`removeOnComplete: false`).
pub fn keeps_every_job<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<String> {
    let (is_queue, path) = constructor(node, cx)?;
    if !is_queue {
        return None;
    }
    let q: &RedisJobQueues = &cx.catalog.queues.javascript.redis_job_queues;
    let src = cx.src;
    let options = option_objects(node, src)?;
    let mut disabled = false;
    for o in &options {
        let (props, spread) = ts::object_props(*o, src);
        if spread {
            return None;
        }
        for (k, v) in props {
            if !q.defaults.iter().any(|d| d == k) {
                continue;
            }
            let v = ts::unwrap_expr(v);
            if v.kind() != "object" {
                return None;
            }
            let (inner, spread) = ts::object_props(v, src);
            if spread {
                return None;
            }
            for (ik, iv) in inner {
                if q.retention.iter().any(|r| r == ik) {
                    if node_text(iv, src) == "false" {
                        disabled = true;
                    } else {
                        return None;
                    }
                }
            }
        }
    }
    let key = q.retention.first()?;
    if !disabled && q.retention.iter().any(|r| cx.facts.libraries.job_retention.contains(r)) {
        return None;
    }
    let shown = match queue_name(node, src) {
        Some(n) => format!("The `{n}` queue"),
        None => format!("This `{}` queue", path.rsplit('.').next().unwrap_or(&path)),
    };
    Some(if disabled {
        format!(
            "{shown} sets `{key}: false` for every job, so Redis keeps each completed job and its memory grows until it is full"
        )
    } else {
        format!(
            "{shown} keeps every completed job in Redis: no `{key}` in its `{}` or in any `add`, so Redis memory grows until it is full",
            q.defaults.first().map(String::as_str).unwrap_or("defaultJobOptions")
        )
    })
}

/// True when `value` (an option value, an ioredis constructor, or a
/// variable this file binds to one) is a connection whose commands retry
/// forever.
fn waits_forever<'t>(value: Node<'t>, cx: &Checker<'_, 't>, depth: u8) -> bool {
    let q = &cx.catalog.queues.javascript.redis_job_queues;
    let src = cx.src;
    let value = ts::unwrap_expr(value);
    let object_waits = |o: Node<'_>| {
        let (props, _) = ts::object_props(o, src);
        props.iter().any(|(k, v)| q.wait_forever.iter().any(|w| w == k) && node_text(*v, src) == "null")
    };
    match value.kind() {
        "object" => object_waits(value),
        "new_expression" => {
            let is_client = value
                .field("constructor")
                .and_then(|c| cx.resolve(c))
                .is_some_and(|r| r.bound && q.clients.contains(&r.path));
            is_client
                && ts::call_args(value)
                    .into_iter()
                    .map(ts::unwrap_expr)
                    .any(|a| a.kind() == "object" && object_waits(a))
        }
        // A variable: what the semantic model bound it to (a walk of the
        // whole file per producer made a file of many producers quadratic).
        "identifier" | "shorthand_property_identifier" if depth == 0 => cx
            .semantic
            .lookup(node_text(value, src))
            .map(|b| b.site)
            .filter(|site| site.kind() == "variable_declarator")
            .and_then(|site| site.field("value"))
            .is_some_and(|v| waits_forever(v, cx, depth + 1)),
        _ => false,
    }
}

/// PP202: a producer (`new Queue`, `new FlowProducer`) whose Redis
/// connection has `maxRetriesPerRequest: null`: while Redis is unreachable
/// each `add()` waits forever instead of failing.
pub fn producer_waits_forever<'t>(node: Node<'t>, cx: &Checker<'_, 't>) -> Option<String> {
    let (_, path) = constructor(node, cx)?;
    let q = &cx.catalog.queues.javascript.redis_job_queues;
    let key = q.wait_forever.first()?;
    if !cx.memo.contains(cx.src, key) {
        return None;
    }
    let src = cx.src;
    let connection =
        ts::call_args(node).into_iter().map(ts::unwrap_expr).filter(|a| a.kind() == "object").find_map(|o| {
            let (props, _) = ts::object_props(o, src);
            props.into_iter().find(|(k, _)| *k == "connection" || *k == "redis" || *k == "createClient").map(|(_, v)| v)
        })?;
    if !waits_forever(connection, cx, 0) {
        return None;
    }
    let what = path.rsplit('.').next().unwrap_or(&path);
    Some(format!(
        "This `{what}` adds jobs over a Redis connection with `{key}: null`, so while Redis is unreachable each `add()` waits forever instead of failing; give producers their own connection with a small `{key}`"
    ))
}
