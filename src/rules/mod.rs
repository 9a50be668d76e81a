//! The rules, one module each. Metadata lives in each module's
//! `declare_rule!`; the list of rules lives in [`crate::registry`].

pub mod connection_without_timeout;
pub mod exception_cause_dropped;
pub mod exception_swallowed;
pub mod fan_out_without_limit;
pub mod io_error_swallowed;
pub mod jump_in_finally;
pub mod lazy_relation_in_loop;
pub(crate) mod n_plus_one;
pub(crate) mod net_timeout;
pub mod query_in_loop;
pub mod queue_without_bound;
pub mod request_without_timeout;
pub mod secret_logged;
