//! The rules, one module each. Metadata lives in each module's
//! `declare_rule!`; the list of rules lives in [`crate::registry`].

pub mod connection_without_timeout;
pub mod exception_cause_dropped;
pub mod exception_swallowed;
pub(crate) mod idempotency;
pub mod io_error_swallowed;
pub mod jump_in_finally;
pub(crate) mod net_timeout;
pub mod payment_without_idempotency_key;
pub mod request_without_timeout;
pub mod side_effect_without_dedup;
