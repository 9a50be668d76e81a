//! Library configuration that decides a timeout away from the call: Django's
//! mail settings, django-redis and Django's Redis cache in `CACHES`, and the
//! `@nestjs/axios` `HttpModule` imported bare into a Nest module. Shared by
//! `request-without-timeout` (PP201) and `connection-without-timeout`
//! (PP202). Not a rule itself.

use tree_sitter::Node;

use crate::catalog::network::NetCall;
use crate::engine::Checker;
use crate::lang::{NodeExt, node_text, python as py, strip_quotes, typescript as ts};

/// True when a Python call the catalog lists, whose arguments set no
/// timeout, still gets one: from a project setting the call falls back to
/// (`EMAIL_TIMEOUT`), from a method elsewhere in the file
/// (`gc.set_timeout(30)`), or because the call is not the library's
/// (`get_connection()` of a project whose mail backend is not SMTP).
pub fn python_escape(call: Node<'_>, entry: &NetCall, path: &str, cx: &Checker<'_, '_>) -> bool {
    if entry.settings.iter().any(|s| cx.facts.libraries.timeout_settings.contains(s)) {
        return true;
    }
    if entry.file_escape.iter().any(|s| cx.memo.contains(cx.src, s)) {
        return true;
    }
    if path == "django.core.mail.get_connection" {
        return !django_backend_is_smtp(call, cx);
    }
    false
}

/// The backend `get_connection(backend=None, ...)` returns is Django's SMTP
/// backend: named so, or not named while the project's settings choose no
/// other one.
fn django_backend_is_smtp(call: Node<'_>, cx: &Checker<'_, '_>) -> bool {
    let (kwargs, _) = py::keyword_args(call, cx.src);
    let backend = py::positional_args(call)
        .first()
        .copied()
        .or_else(|| kwargs.iter().find(|(k, _)| *k == "backend").map(|(_, v)| *v));
    match backend {
        Some(b) if b.kind() == "none" => cx.facts.libraries.default_email_backend_is_smtp(),
        Some(b) => py::string_value(b, cx.src).is_some_and(|s| s.contains(".smtp.")),
        None => cx.facts.libraries.default_email_backend_is_smtp(),
    }
}

/// A `CACHES` entry (a dictionary with a `BACKEND` key) whose Redis backend
/// gets no socket timeout: django-redis reads `SOCKET_TIMEOUT` from
/// `OPTIONS`, Django's own `RedisCache` passes `OPTIONS` to redis-py's pool,
/// where `socket_timeout` defaults to none. Returns the `BACKEND` value to
/// report and the message.
pub fn django_cache_without_timeout<'t>(dict: Node<'t>, cx: &Checker<'_, 't>) -> Option<(Node<'t>, String)> {
    let src = cx.src;
    if !cx.memo.contains(src, "BACKEND") || !cx.memo.contains(src, "RedisCache") {
        return None;
    }
    let mut backend = None;
    let mut options = None;
    let mut cursor = dict.walk();
    for item in dict.named_children(&mut cursor) {
        match item.kind() {
            "pair" => {
                let (Some(k), Some(v)) = (item.field("key"), item.field("value")) else { continue };
                match py::string_value(k, src) {
                    Some("BACKEND") => backend = py::string_value(v, src).map(|b| (v, b)),
                    Some("OPTIONS") => options = Some(v),
                    // A timeout in the URL (`?socket_timeout=5`).
                    Some("LOCATION") if node_text(v, src).contains("socket_timeout") => return None,
                    // A URL from a setting rarely carries the timeout, unless
                    // the file names it somewhere.
                    Some("LOCATION")
                        if !matches!(v.kind(), "string" | "list")
                            && cx.memo.contains_ignore_ascii_case(src, "socket_timeout") =>
                    {
                        return None;
                    }
                    _ => {}
                }
            }
            "comment" => {}
            // `**BASE`: the entry may get its options elsewhere.
            _ => return None,
        }
    }
    let (at, backend) = backend?;
    let django_redis = backend.starts_with("django_redis.");
    if !(django_redis || backend == "django.core.cache.backends.redis.RedisCache") {
        return None;
    }
    if let Some(o) = options {
        if o.kind() != "dictionary" {
            return None;
        }
        let text = node_text(o, src).to_ascii_lowercase();
        if text.contains("socket_timeout") || text.contains("**") {
            return None;
        }
        // A project pool class may set the timeout itself.
        if text.contains("pool_class") {
            return None;
        }
    }
    let key = if django_redis { "SOCKET_TIMEOUT" } else { "socket_timeout" };
    Some((
        at,
        format!(
            "The Redis cache `{backend}` has no `{key}` in its `OPTIONS`, so a cache read on a dead connection can block a request forever"
        ),
    ))
}

/// `imports: [HttpModule]` in a Nest module: the bare `@nestjs/axios`
/// module hands `HttpService` the global axios instance, whose timeout is 0
/// (none) unless `axios.defaults.timeout` is set. Returns the
/// `HttpModule` nodes to report.
pub fn bare_nest_http_modules<'t>(pair: Node<'t>, cx: &Checker<'_, 't>) -> Vec<Node<'t>> {
    let src = cx.src;
    if !cx.memo.contains(src, "@nestjs/axios") || cx.facts.axios_default_timeout {
        return Vec::new();
    }
    let (Some(k), Some(v)) = (pair.field("key"), pair.field("value")) else { return Vec::new() };
    if strip_quotes(node_text(k, src)) != "imports" || v.kind() != "array" {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut cursor = v.walk();
    for item in v.named_children(&mut cursor) {
        let item = ts::unwrap_expr(item);
        if item.kind() == "identifier"
            && let Some(r) = cx.resolve(item)
            && r.bound
            && r.path == "@nestjs/axios.HttpModule"
        {
            out.push(item);
        }
    }
    out
}
