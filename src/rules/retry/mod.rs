//! The `missing-retry` rules: retry loops and policies without backoff or limit, jobs without retry.

pub mod job_call_without_retry;
pub(crate) mod retry_loop;
pub(crate) mod retry_policy;
pub(crate) mod retry_rust;
pub mod retry_without_backoff;
pub mod retry_without_limit;
pub(crate) mod task_retry;
