//! The rules, one module each. Metadata lives in each module's
//! `declare_rule!`; the list of rules lives in [`crate::registry`].

pub mod connection_without_timeout;
pub mod exception_cause_dropped;
pub mod exception_swallowed;
pub mod io_error_swallowed;
pub(crate) mod io_error_swallowed_rust;
pub mod jump_in_finally;
pub(crate) mod net_timeout;
pub(crate) mod net_timeout_rust;
pub mod request_without_timeout;
