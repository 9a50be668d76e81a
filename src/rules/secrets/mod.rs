//! The `secret-in-log` rules: secrets and personal data written to logs.

pub(crate) mod instrument;
pub mod secret_logged;
pub mod secret_logged_rust;
