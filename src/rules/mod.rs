//! The rules, one module each. Metadata lives in each module's
//! `declare_rule!`; the list of rules lives in [`crate::registry`].

pub mod connection_without_timeout;
pub mod exception_cause_dropped;
pub mod exception_swallowed;
pub mod io_error_swallowed;
pub mod job_call_without_retry;
pub mod jump_in_finally;
pub(crate) mod net_timeout;
pub mod request_without_timeout;
pub(crate) mod retry_loop;
pub(crate) mod retry_policy;
pub mod retry_without_backoff;
pub mod retry_without_limit;
