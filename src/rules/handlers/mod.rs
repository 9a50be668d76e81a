//! The `non-idempotent-handler` rules: payments and side effects a retry repeats.

pub(crate) mod idempotency;
pub(crate) mod idempotency_rust;
pub mod payment_without_idempotency_key;
pub mod side_effect_without_dedup;
