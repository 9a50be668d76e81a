//! The rules, one module each. Metadata lives in each module's
//! `declare_rule!`; the list of rules lives in [`crate::registry`].

pub mod column_type_rewrite;
pub mod concurrent_index_in_transaction;
pub mod connection_without_timeout;
pub mod constraint_without_not_valid;
pub mod drop_or_rename_in_use;
pub mod exception_cause_dropped;
pub mod exception_swallowed;
pub mod fan_out_without_limit;
pub(crate) mod idempotency;
pub mod index_without_concurrently;
pub mod io_error_swallowed;
pub(crate) mod io_error_swallowed_rust;
pub mod job_call_without_retry;
pub mod jump_in_finally;
pub mod lazy_relation_in_loop;
pub mod lock_timeout_unset;
pub(crate) mod n_plus_one;
pub(crate) mod net_timeout;
pub(crate) mod net_timeout_rust;
pub mod not_null_column_without_default;
pub mod payment_without_idempotency_key;
pub mod query_in_loop;
pub(crate) mod query_in_loop_rust;
pub mod queue_without_bound;
pub mod request_without_timeout;
pub(crate) mod retry_loop;
pub(crate) mod retry_policy;
pub(crate) mod retry_rust;
pub mod retry_without_backoff;
pub mod retry_without_limit;
pub mod secret_logged;
pub mod set_not_null_without_check;
pub mod side_effect_without_dedup;
pub mod unique_constraint_without_index;
pub mod volatile_column_default;
