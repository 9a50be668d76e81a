//! The `missing-timeout` rules: HTTP requests and connections without a deadline.

pub mod connection_without_timeout;
pub(crate) mod library_timeouts;
pub(crate) mod net_timeout;
pub(crate) mod net_timeout_rust;
pub mod request_without_timeout;
