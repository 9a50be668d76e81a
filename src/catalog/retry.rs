//! `rules/catalog/retry.toml`: how code pauses between attempts, which
//! failures are local rather than a flaky dependency, and the library retry
//! policies (tenacity, backoff, Celery, axios-retry, p-retry, got) with the
//! options that bound them. Read by the missing-retry rules (PP301
//! `retry-without-backoff`, PP302 `retry-without-limit`).

use serde::Deserialize;

/// Retry knowledge by language family.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryCatalog {
    #[serde(default)]
    pub python: LangRetry,
    #[serde(default)]
    pub javascript: LangRetry,
    #[serde(default)]
    pub rust: RustRetry,
}

/// What the Rust halves of the missing-retry rules know.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RustRetry {
    /// Calls that pause, by the last two segments of their path or the last one
    /// (`time::sleep`, `thread::sleep`, `sleep`).
    pub sleep_calls: Vec<String>,
    /// Calls that wait until a deadline set elsewhere (`sleep_until`), by
    /// the last two segments or the last one: a pause of unread length.
    pub paced_calls: Vec<String>,
    /// Awaited methods that wait for a pace set elsewhere (an interval's
    /// `tick`, a rate limiter's `until_ready`): a pause of unread length.
    pub paced_methods: Vec<String>,
    /// Methods that never leave the process (an in-process channel's
    /// `try_send`, a `try_lock`): a loop around one waits on local state.
    pub local_calls: Vec<String>,
    /// Words in a narrow error pattern that name local back-pressure
    /// (`QueueFull`, `BackPressure`); they win over `transient_variants`.
    pub backpressure_variants: Vec<String>,
    /// Words in a narrow error pattern that name a transient failure
    /// (timeouts, refused connections): a loop that retries only those is
    /// still a failure retry.
    pub transient_variants: Vec<String>,
    /// A pause through a helper or delay whose text contains one of these backs off.
    pub backoff_markers: Vec<String>,
    /// Text in a delay expression that makes it grow or vary.
    pub growth_markers: Vec<String>,
    /// Words (case-insensitive) in the retried expression that show it reaches another process.
    pub remote_hints: Vec<String>,
    /// Words in the retried call's last segment that show it waits or polls by itself.
    pub self_paced: Vec<String>,
    /// Text in an error arm that shows it retries a lost race or write conflict.
    pub conflict_markers: Vec<String>,
    /// Text in the loop that bounds it by time (`elapsed()`, `deadline`).
    pub deadline_markers: Vec<String>,
    /// Text in the loop that shows it asks a person (`read_line`, `prompt`):
    /// the loop asks again rather than retrying a dependency.
    pub interactive_markers: Vec<String>,
    /// Methods that adapt a `Result` rather than call anything (`context`,
    /// `map_err`): skipped when naming the retried call.
    pub result_adapters: Vec<String>,
    /// Library retry strategies.
    pub policies: Vec<RustRetryPolicy>,
}

/// A Rust retry strategy constructor (tokio-retry, backoff).
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RustRetryPolicy {
    /// Path suffixes of the constructor (`ExponentialBackoff::from_millis`).
    pub paths: Vec<String>,
    /// The file must mention this crate (`tokio_retry`).
    pub crate_marker: String,
    /// Methods that bound the strategy (`take`); without one it never ends.
    pub limit_methods: Vec<String>,
    /// Method calls whose text means "no limit" (`with_max_elapsed_time(None)`).
    pub unlimited_calls: Vec<String>,
    /// The strategy is bounded unless an `unlimited_calls` entry is chained.
    pub bounded_by_default: bool,
    /// Methods that cap the wait between attempts (`with_max_interval`).
    pub cap_methods: Vec<String>,
    /// Executors that report every failed attempt (`retry_notify`), by the
    /// text of their call (`retry_notify(`).
    pub notify_calls: Vec<String>,
    /// Methods that read the next wait by hand (`next_backoff`).
    pub manual_methods: Vec<String>,
    /// Shown in messages.
    pub display: String,
}

/// What one language family knows about retries. Path entries ending in `.`
/// are prefixes.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LangRetry {
    /// Calls that pause, by resolved path.
    pub sleep_calls: Vec<String>,
    /// Calls that pause, by the callee's last segment (project helpers).
    pub sleep_names: Vec<String>,
    /// A pause through a helper whose name contains one of these backs off.
    pub backoff_markers: Vec<String>,
    /// Text in a delay expression that makes it grow or vary (jitter).
    pub growth_markers: Vec<String>,
    /// Exception types that mean bad input or local state: a loop catching
    /// only these is not retrying a dependency.
    pub local_exceptions: Vec<String>,
    /// Words (case-insensitive) in a callee's text that show it reaches
    /// another process.
    pub remote_hints: Vec<String>,
    /// Words in a caught exception type that show a network or database failure.
    pub remote_exceptions: Vec<String>,
    /// Text in a handler that shows it retries a lost race or write conflict.
    pub conflict_markers: Vec<String>,
    /// Words in a retried callee's last segment that show it waits or polls
    /// by itself.
    pub self_paced: Vec<String>,
    /// Calls that wait for a person (by last segment): a loop around one
    /// asks again rather than retrying a dependency.
    pub interactive_calls: Vec<String>,
    /// Words in exception types raised only after the call already waited.
    pub timeout_exceptions: Vec<String>,
    /// Calls that end the process (a guard calling one bounds the loop).
    pub exit_calls: Vec<String>,
    /// Calls that never leave the process, by resolved path.
    pub local_calls: Vec<String>,
    /// Library retry policies.
    pub policies: Vec<RetryPolicy>,
    /// Python: a task that retries itself (Celery `self.retry()`).
    pub task_retry: TaskRetry,
}

/// A task queue's own retry call, made from inside a bound task (Celery's
/// `self.retry(exc=e)`), and what makes it back off.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TaskRetry {
    /// The method called on the task (`retry`).
    pub method: String,
    /// Decorator names (last segment) that make a function a task (`task`, `shared_task`).
    pub decorators: Vec<String>,
    /// Keywords of the retry call that set its delay (`countdown`, `eta`).
    pub wait: Vec<String>,
    /// Decorator keywords that make every retry back off (`retry_backoff`).
    pub backoff: Vec<String>,
    /// The decorator keyword that sets the fixed delay, and its default in
    /// seconds (`default_retry_delay`, 180), for messages.
    pub default_delay_key: String,
    pub default_delay_secs: u32,
}

/// A library retry policy: a decorator, constructor or option object.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Resolved paths of the decorator or call.
    pub paths: Vec<String>,
    /// Matched on the callee's last segment instead (`task` in `@app.task`).
    pub names: Vec<String>,
    /// Keyword arguments or option keys (dotted for nesting: `retry.limit`)
    /// that bound the retries; when none is given the policy retries forever.
    pub limit: Vec<String>,
    /// Keywords that set a delay between attempts.
    pub wait: Vec<String>,
    /// Without any `wait` keyword the library retries immediately.
    pub no_wait_is_immediate: bool,
    /// Keyword (or the first positional argument) whose value `0`/`False`
    /// turns retries off (urllib3 `Retry(total=0)`).
    pub zero_disables: Vec<String>,
    /// Keywords whose explicit `None` means "retry forever" (Celery `max_retries`).
    pub unlimited_when_none: Vec<String>,
    /// The policy retries at all only when one of these keywords is given...
    pub retries_when: Vec<String>,
    /// ...or the decorated function's body contains one of these texts
    /// (`self.retry(` in a Celery task).
    pub retries_when_body: Vec<String>,
    /// JS: the index of the options-object argument.
    pub options: Option<usize>,
    /// JS: any object-literal argument may hold the options.
    pub options_any: bool,
    /// The library's name, for messages.
    pub display: String,
}

impl LangRetry {
    /// True when `path` is listed in `list` (exactly, or under a prefix ending in `.`).
    pub fn listed(list: &[String], path: &str) -> bool {
        list.iter().any(|p| if p.ends_with('.') { path.starts_with(p.as_str()) } else { p == path })
    }

    /// The policy whose `paths` list `path`, or whose `names` list its last segment.
    pub fn policy(&self, path: &str) -> Option<&RetryPolicy> {
        let last = path.rsplit('.').next().unwrap_or(path);
        self.policies.iter().find(|p| p.paths.iter().any(|x| x == path) || p.names.iter().any(|n| n == last))
    }
}
