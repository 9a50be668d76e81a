//! The rules, one folder per failure category, each holding its rules and
//! their language-specific halves (`*_rust.rs`) and the shared analysis of
//! that category (`timeout/net_timeout.rs`, `retry/retry_policy.rs`, ...).
//! Metadata lives in each rule's `declare_rule!`; the list of rules lives
//! in [`crate::registry`]. Every module is also re-exported here, so
//! `crate::rules::<module>` names it wherever it lives.

pub mod handlers;
pub mod migrations;
pub mod queries;
pub mod queues;
pub mod retry;
pub mod secrets;
pub mod swallowed;
pub mod timeout;

pub(crate) use handlers::{idempotency, idempotency_rust};
pub use handlers::{payment_without_idempotency_key, side_effect_without_dedup};
pub use migrations::{
    column_type_rewrite, concurrent_index_in_transaction, constraint_without_not_valid, drop_or_rename_in_use,
    index_without_concurrently, lock_timeout_unset, not_null_column_without_default, set_not_null_without_check,
    unique_constraint_without_index, volatile_column_default,
};
pub use queries::{lazy_relation_in_loop, query_in_loop};
pub(crate) use queries::{n_plus_one, query_in_loop_rust};
pub use queues::{fan_out_without_limit, fan_out_without_limit_rust, queue_without_bound, queue_without_bound_rust};
pub use retry::{job_call_without_retry, retry_without_backoff, retry_without_limit};
pub(crate) use retry::{retry_loop, retry_policy, retry_rust};
pub use secrets::{secret_logged, secret_logged_rust};
pub(crate) use swallowed::io_error_swallowed_rust;
pub use swallowed::{exception_cause_dropped, exception_swallowed, io_error_swallowed, jump_in_finally};
pub use timeout::{connection_without_timeout, request_without_timeout};
pub(crate) use timeout::{net_timeout, net_timeout_rust};
