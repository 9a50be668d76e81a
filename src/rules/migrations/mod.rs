//! The `unsafe-migration` rules: DDL that locks or breaks a live table.

pub mod column_type_rewrite;
pub mod concurrent_index_in_transaction;
pub mod constraint_without_not_valid;
pub mod drop_or_rename_in_use;
pub mod index_without_concurrently;
pub mod lock_timeout_unset;
pub mod not_null_column_without_default;
pub mod set_not_null_without_check;
pub mod unique_constraint_without_index;
pub mod volatile_column_default;
