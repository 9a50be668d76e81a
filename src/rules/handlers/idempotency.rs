//! Shared by the non-idempotent-handler rules (PP701
//! `payment-without-idempotency-key`, PP702 `side-effect-without-dedup`):
//! reading a callee as dotted segments, matching catalog call patterns, and
//! deciding whether the enclosing handler is one a provider or broker runs
//! again (a webhook, a retrying task).

use tree_sitter::Node;

use crate::catalog::side_effects::{LangEffects, any_matches};
use crate::engine::{Checker, HandlerKind};
use crate::lang::{NodeExt, node_text, python, typescript};
use crate::source::Grammar;

/// The callee of a call node.
pub fn callee<'t>(call: Node<'t>) -> Option<Node<'t>> {
    call.field("function")
}

/// The dotted segments of a callee as written (`this.stripe.refunds.create`
/// → `this`, `stripe`, `refunds`, `create`); calls in the chain keep their
/// callee's segments, anything else becomes `?`.
pub fn written_segments<'s>(node: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut out = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        match n.kind() {
            "attribute" => {
                out.push(n.field("attribute").map(|a| node_text(a, src)).unwrap_or("?"));
                cur = n.field("object");
            }
            "member_expression" => {
                out.push(n.field("property").map(|a| node_text(a, src)).unwrap_or("?"));
                cur = n.field("object");
            }
            "call" | "call_expression" => cur = n.field("function"),
            "await" | "await_expression" | "parenthesized_expression" | "non_null_expression" => cur = n.named_child(0),
            "identifier" | "this" | "property_identifier" => {
                out.push(node_text(n, src));
                cur = None;
            }
            _ => {
                out.push("?");
                cur = None;
            }
        }
    }
    out.reverse();
    out
}

/// The last name of a call's callee (`create` in `stripe.Charge.create(...)`).
pub fn last_name<'s>(call: Node<'_>, src: &'s str) -> Option<&'s str> {
    let f = callee(call)?;
    let n = match f.kind() {
        "attribute" => f.field("attribute")?,
        "member_expression" => f.field("property")?,
        "identifier" => f,
        _ => return None,
    };
    Some(node_text(n, src))
}

/// The callee read both ways: as written and as the semantic model resolves it.
pub struct CalleeName {
    pub written: String,
    pub resolved: Option<String>,
}

impl CalleeName {
    pub fn of<'t>(call: Node<'t>, cx: &Checker<'_, 't>) -> Option<CalleeName> {
        let f = callee(call)?;
        let written = written_segments(f, cx.src).join(".");
        let resolved = cx.resolve(f).map(|r| r.path.replace("()", ""));
        Some(CalleeName { written, resolved })
    }

    /// True when any pattern matches the written or the resolved name.
    pub fn matches(&self, patterns: &[String]) -> bool {
        let w: Vec<&str> = self.written.split('.').collect();
        if any_matches(patterns, &w) {
            return true;
        }
        self.resolved.as_deref().is_some_and(|r| {
            let segs: Vec<&str> = r.split('.').collect();
            any_matches(patterns, &segs)
        })
    }

    /// True when the written or resolved name mentions `word` (case-insensitive).
    pub fn mentions(&self, word: &str) -> bool {
        let word = word.to_ascii_lowercase();
        self.written.to_ascii_lowercase().contains(&word)
            || self.resolved.as_deref().is_some_and(|r| r.to_ascii_lowercase().contains(&word))
    }

    /// The name to show in a message: the written callee.
    pub fn display(&self) -> &str {
        &self.written
    }
}

/// Why a handler runs again with the same input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivery {
    /// A provider's webhook: redelivered on any non-2xx answer or timeout.
    Webhook,
    /// A task or job declared with retries.
    RetryingJob,
    /// An ordinary HTTP request handler: clients and proxies retry.
    Request,
    /// A job without declared retries.
    Job,
}

/// The enclosing handler and why it may run twice.
pub fn redelivery<'t>(cx: &Checker<'_, 't>) -> Option<(Redelivery, Node<'t>)> {
    let Some((kind, node)) = cx.ctx.handler() else {
        return event_module_handler(cx).map(|f| (Redelivery::Webhook, f));
    };
    let cat = cx.catalog.side_effects.lang(cx.grammar() == Grammar::Python);
    let r = match kind {
        // The front end marks any handler whose name or route says webhook;
        // settings pages (`create_webhook`, `/teams/:id/webhooks`) are not receivers.
        HandlerKind::Webhook | HandlerKind::Request if is_webhook(node, cx, cat) => Redelivery::Webhook,
        HandlerKind::Webhook => Redelivery::Request,
        HandlerKind::Request => Redelivery::Request,
        HandlerKind::Job if retries(node, cx, cat) => Redelivery::RetryingJob,
        HandlerKind::Job => Redelivery::Job,
    };
    Some((r, node))
}

/// TypeScript/JavaScript: a function a webhook route hands one event type
/// to, written in another module of the route's folder
/// (`app/api/stripe/webhook/charge-refunded.ts` beside `route.ts`): exported
/// at the top level and taking the event (a first parameter named `event`
/// or typed `...Event`). It runs once per delivery, so a redelivered event
/// runs it again. The route file itself is the front end's handler.
pub fn event_module_handler<'t>(cx: &Checker<'_, 't>) -> Option<Node<'t>> {
    if cx.grammar() == Grammar::Python {
        return None;
    }
    if !event_module_path(&cx.file.path, cx.catalog.side_effects.lang(false)) {
        return None;
    }
    let func = cx.ctx.outermost_function()?;
    let exported = match func.parent() {
        Some(p) if p.kind() == "export_statement" => true,
        Some(p) if p.kind() == "variable_declarator" => {
            p.parent().and_then(|d| d.parent()).is_some_and(|e| e.kind() == "export_statement")
        }
        _ => false,
    };
    if !exported {
        return None;
    }
    let params = func.field("parameters").or_else(|| func.field("parameter"))?;
    let first = if params.kind() == "identifier" { Some(params) } else { params.named_child(0) };
    let first = first?;
    let text = node_text(first, cx.src);
    let (name, ty) = text.split_once(':').unwrap_or((text, ""));
    let name = name.trim().trim_end_matches('?');
    let ty = ty.trim().split('<').next().unwrap_or("").trim();
    (matches!(name, "event" | "evt") || (ty.ends_with("Event") && !ty.contains('{'))).then_some(func)
}

/// A module in a webhook route's folder (or below it) that is not the route
/// file itself: where [`event_module_handler`] looks.
pub fn event_module_path(path: &str, cat: &LangEffects) -> bool {
    let path = path.to_ascii_lowercase().replace('\\', "/");
    let Some((folder, file)) = path.rsplit_once('/') else { return false };
    if file.starts_with("route.") || !(path.contains("/api/") || path.starts_with("api/")) {
        return false;
    }
    path_marked(folder, cat) || provider_hook_path(folder, cat)
}

fn marked(text: &str, cat: &LangEffects) -> bool {
    let lower = text.to_ascii_lowercase();
    cat.webhook_markers.iter().any(|m| lower.contains(&m.to_ascii_lowercase()))
}

/// A function or class name marks a receiver: it names a webhook and has no
/// word of managing one (`stripe_webhook`, not `create_webhook`).
fn name_marked(name: &str, cat: &LangEffects) -> bool {
    marked(name, cat)
        && !words(name).iter().any(|w| cat.webhook_management_words.iter().any(|m| m.eq_ignore_ascii_case(w)))
}

/// A route or file path marks a receiver: it names a webhook and no path
/// parameter (`:id`, `{id}`, `<id>`, `[id]`) comes before the marker, which
/// would make it a resource's webhook settings (`/teams/[teamId]/webhooks`).
fn path_marked(path: &str, cat: &LangEffects) -> bool {
    let lower = path.to_ascii_lowercase();
    let Some(at) = cat.webhook_markers.iter().filter_map(|m| lower.find(&m.to_ascii_lowercase())).min() else {
        return false;
    };
    let before = &lower[..at];
    !before.split(['/', '\\']).any(|seg| seg.starts_with([':', '{', '<', '[']) || seg.contains("${"))
}

/// A route or file path under a hooks folder that names a payment
/// provider (`/api/hooks/stripe`, `hooks/paddle.ts`), with no path
/// parameter before the folder.
fn provider_hook_path(path: &str, cat: &LangEffects) -> bool {
    let lower = path.to_ascii_lowercase();
    let segs: Vec<&str> = lower.split(['/', '\\']).collect();
    let Some(at) = segs.iter().position(|s| cat.hook_folders.iter().any(|f| f == s)) else { return false };
    if segs[..at].iter().any(|seg| seg.starts_with([':', '{', '<', '[']) || seg.contains("${")) {
        return false;
    }
    segs[at + 1..].iter().any(|seg| cat.webhook_providers.iter().any(|p| seg.contains(p.as_str())))
}

/// Words of an identifier: `create_webhook`, `WebhookListView`, `send-hook`.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A request handler is a webhook receiver when its name, its class, its
/// route (decorator or registration path) or, for Next.js route files, its
/// file path says so.
fn is_webhook(func: Node<'_>, cx: &Checker<'_, '_>, cat: &LangEffects) -> bool {
    let src = cx.src;
    let own_name = func.field("name").map(|n| node_text(n, src));
    if own_name.is_some_and(|n| name_marked(n, cat)) {
        return true;
    }
    // A method managing webhooks (`WebhookViewSet.create`) is not a receiver.
    if own_name.is_some_and(|n| words(n).iter().any(|w| cat.webhook_management_words.iter().any(|m| m == w))) {
        return false;
    }
    if let Some(class) = enclosing_class(func)
        && class.field("name").is_some_and(|n| name_marked(node_text(n, src), cat))
    {
        return true;
    }
    if cx.grammar() == Grammar::Python {
        return python::decorators(func, src).iter().any(|d| path_marked(d, cat));
    }
    // `const stripeWebhook = async (req, res) => ...`
    if let Some(decl) = func.parent().filter(|p| p.kind() == "variable_declarator")
        && decl.field("name").is_some_and(|n| name_marked(node_text(n, src), cat))
    {
        return true;
    }
    // `router.post("/webhooks/stripe", handler)`, `router.post("/hooks/stripe", handler)`
    if let Some(args) = func.parent().filter(|p| p.kind() == "arguments")
        && args.named_child(0).is_some_and(|a| {
            matches!(a.kind(), "string" | "template_string")
                && (path_marked(node_text(a, src), cat) || provider_hook_path(node_text(a, src), cat))
        })
    {
        return true;
    }
    // NestJS: `@Controller("webhooks")` on the class, `@Post("stripe-webhook")` on the method.
    if typescript::decorators(func, src).iter().any(|d| path_marked(d, cat)) {
        return true;
    }
    if let Some(class) = enclosing_class(func)
        && typescript::decorators(class, src).iter().any(|d| path_marked(d, cat))
    {
        return true;
    }
    // Next.js: `app/api/webhooks/stripe/route.ts`, `pages/api/stripe-webhook.ts`.
    let path = cx.file.path.to_ascii_lowercase();
    let route_file = path.contains("/api/") || path.starts_with("api/") || path.contains("route.");
    route_file && (path_marked(&path, cat) || provider_hook_path(&path, cat))
}

fn enclosing_class(func: Node<'_>) -> Option<Node<'_>> {
    let mut cur = func.parent();
    while let Some(n) = cur {
        match n.kind() {
            "class_definition" | "class_declaration" | "class" | "abstract_class_declaration" => return Some(n),
            "function_definition" | "function_declaration" | "arrow_function" | "function_expression" => return None,
            _ => cur = n.parent(),
        }
    }
    None
}

/// A task retries after any failure when its decorator says so
/// (`autoretry_for=(Exception,)`, `max_retries=3`, `retries=3`) or its body
/// calls `self.retry`.
fn retries(func: Node<'_>, cx: &Checker<'_, '_>, cat: &LangEffects) -> bool {
    let src = cx.src;
    if cx.grammar() != Grammar::Python {
        return js_queue_job(func, src) && cx.facts.libraries.job_attempts_max > 1;
    }
    let decorated = python::decorators(func, src).iter().any(|d| {
        let values = |keys: &[String]| -> Vec<&str> { keys.iter().flat_map(|k| keyword_values(d, k)).collect() };
        let any_failure = values(&cat.retry_keywords).iter().any(|v| !(v.starts_with(['0', 'F', 'N']) || v.is_empty()));
        let retry_on = values(&cat.retry_on_keywords);
        let broad_list = retry_on.iter().any(|v| {
            let list = v.split(')').next().unwrap_or(v);
            list.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .any(|name| cat.broad_exceptions.iter().any(|b| name.rsplit('.').next() == Some(b.as_str())))
        });
        // `autoretry_for=` decides when present: `max_retries=` then only bounds it.
        if retry_on.is_empty() { any_failure } else { broad_list }
    });
    decorated || {
        let body = func.field("body").map(|b| node_text(b, src)).unwrap_or("");
        cat.retry_calls.iter().any(|c| body.contains(&format!("{c}(")))
    }
}

/// A TypeScript/JavaScript job of a Redis job queue (BullMQ, Bull): the
/// processor passed to `new Worker(...)`, a method decorated `@Process`, the
/// `process` method of a `@Processor` class, or the callback of
/// `queue.process(...)`. Such a job runs again when it fails and the
/// project's jobs have `attempts` above one.
fn js_queue_job(func: Node<'_>, src: &str) -> bool {
    if let Some(args) = func.parent().filter(|p| p.kind() == "arguments")
        && let Some(call) = args.parent()
    {
        if call.kind() == "new_expression" {
            return call.field("constructor").is_some_and(|c| node_text(c, src) == "Worker");
        }
        if call.kind() == "call_expression"
            && let Some(callee) = call.field("function").filter(|c| c.kind() == "member_expression")
        {
            let prop = callee.field("property").map(|p| node_text(p, src)).unwrap_or("");
            let obj = callee.field("object").map(|o| node_text(o, src).to_ascii_lowercase()).unwrap_or_default();
            return prop == "process" && obj.contains("queue");
        }
        return false;
    }
    if func.kind() != "method_definition" {
        return false;
    }
    if typescript::decorators(func, src).iter().any(|d| d.split('(').next() == Some("Process")) {
        return true;
    }
    func.field("name").is_some_and(|n| node_text(n, src) == "process")
        && enclosing_class(func)
            .is_some_and(|c| typescript::decorators(c, src).iter().any(|d| d.split('(').next() == Some("Processor")))
}

/// The text after each `key=` in a decorator (not `other_key=`).
fn keyword_values<'s>(d: &'s str, key: &str) -> Vec<&'s str> {
    d.match_indices(key)
        .filter_map(|(i, _)| {
            let before = d[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            let rest = d[i + key.len()..].trim_start();
            let rest = rest.strip_prefix('=')?;
            if rest.starts_with('=') {
                return None;
            }
            Some(rest.trim_start())
        })
        .collect()
}

/// The words a message uses for the handler that runs again.
pub fn retry_phrase(r: Option<Redelivery>) -> &'static str {
    match r {
        Some(Redelivery::Webhook) => "a redelivered webhook",
        Some(Redelivery::RetryingJob | Redelivery::Job) => "a retried job",
        Some(Redelivery::Request) => "a retried request",
        None => "a retried request or job",
    }
}

/// A function's header, from its start to its body (trailing whitespace
/// trimmed): where the handler label points.
pub fn head_span(func: Node<'_>, src: &str) -> crate::source::Span {
    let start = func.start_byte();
    let end = func.field("body").map(|b| b.start_byte()).unwrap_or(func.end_byte()).max(start);
    let text = src.get(start..end).unwrap_or("");
    crate::source::Span::new(start, start + text.trim_end().len())
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn identifier_words() {
        assert_eq!(words("create_webhook"), ["create", "webhook"]);
        assert_eq!(words("WebhookListView"), ["webhook", "list", "view"]);
        assert_eq!(words("stripeWebhook"), ["stripe", "webhook"]);
        assert_eq!(words("send-hook"), ["send", "hook"]);
    }
}
