//! A Celery task that retries itself (`self.retry(exc=e)`) at a fixed delay:
//! no `countdown`/`eta` on the call and no `retry_backoff` on the task, per
//! `rules/catalog/retry.toml` (`[python.task_retry]`). Read by
//! `retry-without-backoff` (PP301). Not a rule itself.

use tree_sitter::Node;

use crate::engine::Checker;
use crate::lang::{NodeExt, node_text, python as py};

/// The decorator text's callee, without arguments (`app.task`).
fn decorator_callee(text: &str) -> &str {
    text.split('(').next().unwrap_or(text).trim()
}

/// The first parameter's name of a function definition (`self`).
fn first_param<'s>(def: Node<'_>, src: &'s str) -> Option<&'s str> {
    let params = def.field("parameters")?;
    let mut cursor = params.walk();
    let first = params.named_children(&mut cursor).find(|p| p.kind() != "comment")?;
    let name = match first.kind() {
        "identifier" => first,
        "typed_parameter" => first.named_child(0)?,
        _ => return None,
    };
    Some(node_text(name, src))
}

/// The value of `key=` in a decorator's text (`default_retry_delay=30`).
fn keyword_value<'s>(decorator: &'s str, key: &str) -> Option<&'s str> {
    let at = decorator.find(&format!("{key}="))? + key.len() + 1;
    let rest = &decorator[at..];
    let end = rest.find([',', ')', '\n']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// The message for a `self.retry(...)` call that retries at a fixed delay.
pub fn check<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> Option<String> {
    let cat = &cx.catalog.retry.python.task_retry;
    if cat.method.is_empty() {
        return None;
    }
    let src = cx.src;
    let callee = call.field("function").filter(|f| f.kind() == "attribute")?;
    if callee.field("attribute").map(|a| node_text(a, src)) != Some(cat.method.as_str()) {
        return None;
    }
    let object = callee.field("object").filter(|o| o.kind() == "identifier")?;
    if !cx.memo.contains(src, "bind=True") {
        return None;
    }
    // The task: the nearest enclosing function, whose first parameter is the
    // object the retry is called on.
    let mut def = call.parent();
    while let Some(d) = def {
        if d.kind() == "function_definition" {
            break;
        }
        def = d.parent();
    }
    let def = def?;
    if first_param(def, src) != Some(node_text(object, src)) {
        return None;
    }
    let decorators = py::decorators(def, src);
    let task = decorators.iter().find(|d| {
        let callee = decorator_callee(d);
        let last = callee.rsplit('.').next().unwrap_or(callee);
        cat.decorators.iter().any(|n| n == last) && d.replace(' ', "").contains("bind=True")
    })?;
    let compact: String = task.split_whitespace().collect();
    if compact.contains("**") {
        return None;
    }
    if cat.backoff.iter().any(|k| keyword_value(&compact, k).is_some_and(|v| v != "False" && v != "0")) {
        return None;
    }
    let (kwargs, splat) = py::keyword_args(call, src);
    if splat || py::has_list_splat(call) {
        return None;
    }
    let shown = format!("{}.{}()", node_text(object, src), cat.method);
    if let Some((k, v)) = kwargs.iter().find(|(k, _)| cat.wait.iter().any(|w| w == k)) {
        let text = node_text(*v, src);
        return (matches!(text, "0" | "0.0")).then(|| {
            format!("`{shown}` with `{k}={text}` retries at once, so every task that failed together hammers the dependency again in lockstep")
        });
    }
    let wait = cat.wait.first().map(String::as_str).unwrap_or("countdown");
    let key = cat.default_delay_key.as_str();
    Some(match keyword_value(&compact, key) {
        Some(v) if matches!(v, "0" | "0.0") => format!(
            "`{shown}` without `{wait}=` in a task with `{key}={v}` retries at once, so every task that failed together hammers the dependency again in lockstep"
        ),
        Some(v) => format!(
            "`{shown}` without `{wait}=` retries after the task's fixed `{key}={v}`, with no backoff or jitter, so every task that failed together retries together"
        ),
        None => format!(
            "`{shown}` without `{wait}=` retries after Celery's fixed {}-second `{key}`, with no backoff or jitter, so every task that failed together retries together",
            cat.default_delay_secs
        ),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_decorator_keywords() {
        assert_eq!(
            super::keyword_value("app.task(bind=True,default_retry_delay=30)", "default_retry_delay"),
            Some("30")
        );
        assert_eq!(super::keyword_value("app.task(bind=True)", "retry_backoff"), None);
        assert_eq!(super::decorator_callee("celery_app.task(bind=True)"), "celery_app.task");
    }
}
