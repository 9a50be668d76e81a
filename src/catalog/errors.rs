//! `rules/catalog/errors.toml`: calls that log or report an error, I/O calls,
//! and the narrow exception idioms that are safe to ignore. Read by the
//! swallowed-exception rules through [`crate::analysis::handlers`].

use serde::Deserialize;

/// Error handling knowledge by language.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorCatalog {
    #[serde(default)]
    pub python: LangErrors,
    #[serde(default)]
    pub js: LangErrors,
    #[serde(default)]
    pub rust: RustErrors,
}

/// What pagerproof knows about dropped errors in Rust. Paths use `::`; an
/// entry ending in `::` is a prefix.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RustErrors {
    /// Calls whose `Result` is I/O, network or database work, by resolved path.
    pub io_paths: Vec<String>,
    /// Methods that do I/O whatever the receiver.
    pub io_methods: Vec<String>,
    /// Methods that do I/O when called without arguments (`send()`).
    pub io_nullary_methods: Vec<String>,
    /// Methods that do I/O when awaited.
    pub async_io_methods: Vec<String>,
    /// Identifiers that name a database handle passed as an argument.
    pub db_handle_names: Vec<String>,
    /// Single-row reads whose error a default stands in for ("not found").
    pub single_row_reads: Vec<String>,
    /// Cleanup calls whose error is idiomatically dropped.
    pub cleanup_methods: Vec<String>,
    /// Result methods that look at or hand on the error.
    pub handled_methods: Vec<String>,
    /// Logging macros by resolved path (or bare name).
    pub logger_macros: Vec<String>,
    /// Receiver roots that are telemetry clients (`metrics`, `statsd`).
    pub telemetry_names: Vec<String>,
    /// Words in a function's name that say it reports telemetry.
    pub telemetry_function_words: Vec<String>,
}

impl RustErrors {
    /// True when `path` matches an entry of `list` (equal, or under a `::` prefix).
    pub fn any(list: &[String], path: &str) -> bool {
        list.iter().any(|p| if p.ends_with("::") { path.starts_with(p.as_str()) } else { p == path })
    }
}

/// What one language family knows about error handling. Paths ending in `.`
/// (or, for JS packages, `/`) are prefixes; see [`matches_path`].
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LangErrors {
    /// Exception types that make a handler broad (Python).
    pub broad_exceptions: Vec<String>,
    /// Resolved paths of logging modules and logger objects.
    pub logger_paths: Vec<String>,
    /// Receiver names that are loggers (`logger`, `self.log`: last segment).
    pub logger_names: Vec<String>,
    /// Receiver name endings that are loggers (`task_logger`).
    pub logger_name_suffixes: Vec<String>,
    /// Logging methods (`error`, `warning`, ...).
    pub logger_methods: Vec<String>,
    /// Calls that print a message like a logger (`print`).
    pub print_calls: Vec<String>,
    /// Logging methods that attach the exception in flight (`exception`).
    pub exception_methods: Vec<String>,
    /// Keyword arguments that attach the exception (`exc_info`).
    pub exception_keywords: Vec<String>,
    /// Error reporter calls by resolved path.
    pub reporter_calls: Vec<String>,
    /// Error reporter calls by method name.
    pub reporter_methods: Vec<String>,
    /// Calls that read the exception in flight (`sys.exc_info`, `traceback.`).
    pub exception_readers: Vec<String>,
    /// Calls that hand the error on (`next`, `reject`, `callback`).
    pub propagate_calls: Vec<String>,
    /// Handlers that drop a rejection by name (`noop`, `_.noop`).
    pub noop_handlers: Vec<String>,
    /// Calls whose failure only means invalid input (`JSON.parse`).
    pub probe_calls: Vec<String>,
    /// I/O, network and database calls by resolved path.
    pub io_paths: Vec<String>,
    /// I/O methods whatever the receiver (`execute`, `commit`, `save`).
    pub io_methods: Vec<String>,
    /// Methods of ORM managers (`Model.objects.<method>`) that query.
    pub io_manager_methods: Vec<String>,
    /// Narrow exceptions that are intentional idioms (path, or `.Name` for
    /// any path ending in `.Name`).
    pub narrow_idioms: Vec<String>,
    /// Calls (last name) that release a resource: dropping their error is
    /// best-effort cleanup (`close`, `unlink`, `rollback`).
    pub cleanup_methods: Vec<String>,
    /// Receiver roots that are telemetry clients (`statsd`, `metrics`).
    pub telemetry_names: Vec<String>,
    /// Telemetry calls by resolved path (`posthog.capture`).
    pub telemetry_paths: Vec<String>,
    /// Words in a function's name that say it reports telemetry.
    pub telemetry_function_words: Vec<String>,
    /// Lookups (last name) that throw when the record is missing
    /// (`findUniqueOrThrow`, a Django manager's `get`).
    pub not_found_calls: Vec<String>,
    /// Exceptions that mean "non-blocking I/O, try again" (`BlockingIOError`).
    pub nonblocking_errors: Vec<String>,
    /// Exceptions that mean "already exists" (`DuplicateTable`).
    pub already_exists_errors: Vec<String>,
    /// Callee names that parse input (`parse_date`, `decodeToken`,
    /// `from_global_id`): a `try` of only these is parse-or-default.
    pub parse_name_prefixes: Vec<String>,
    /// First words of a function name that say it returns instead of
    /// raising (`safeReadFile`, `try_parse`, `maybe_send`).
    pub no_throw_name_words: Vec<String>,
    /// First words of a function name that ask a question (`is_ready`,
    /// `has_access`): an empty answer from its handler is the answer.
    pub predicate_name_words: Vec<String>,
    /// Endings of a function name that promise an empty answer instead of
    /// an error (`get_user_or_none`).
    pub sentinel_name_suffixes: Vec<String>,
    /// Words of a call's name that say it changes state (`save`, `send`,
    /// `post`, `charge`): a function making one is no read or probe, so an
    /// empty answer from its handler hides a lost write.
    pub effect_call_words: Vec<String>,
    /// Validation packages whose schemas have a `.catch(default)` (`zod`).
    pub schema_packages: Vec<String>,
    /// Calls that open or inspect a local file for reading (`open`, by
    /// resolved path or name; an `open` whose mode writes does not count).
    pub file_read_calls: Vec<String>,
    /// Methods that read a file by name (`Path.read_text`).
    pub file_read_methods: Vec<String>,
    /// Functions without effects, by resolved path or name (`os.path.join`,
    /// `len`): a `try` of file reads and these only reads an optional file.
    pub pure_calls: Vec<String>,
    /// Methods without effects whatever the receiver (`read` on an open
    /// file, `strip`, `split`, a pattern's `match`).
    pub pure_methods: Vec<String>,
}

impl LangErrors {
    /// True when `path` matches one entry of `list` (see [`matches_path`]).
    pub fn any(list: &[String], path: &str) -> bool {
        list.iter().any(|p| matches_path(p, path))
    }
}

/// Whether the resolved `path` matches a catalog `pattern`: equal, under a
/// prefix ending in `.` or `/` (`requests.` matches `requests.get`), or, for
/// a pattern starting with `.`, ending with it (`.DoesNotExist`).
pub fn matches_path(pattern: &str, path: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix('.') {
        return path == suffix || path.ends_with(pattern);
    }
    if pattern.ends_with('.') || pattern.ends_with('/') {
        return path.starts_with(pattern);
    }
    path == pattern
}

#[cfg(test)]
mod tests {
    use super::matches_path;

    #[test]
    fn path_patterns() {
        assert!(matches_path("requests.", "requests.get"));
        assert!(!matches_path("requests.", "requestsx.get"));
        assert!(matches_path(".DoesNotExist", "Order.DoesNotExist"));
        assert!(matches_path(".DoesNotExist", "DoesNotExist"));
        assert!(matches_path("@sentry/", "@sentry/node.captureException"));
        assert!(matches_path("open", "open"));
        assert!(!matches_path("open", "opener"));
    }
}
