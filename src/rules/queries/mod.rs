//! The `n-plus-one` rules: queries and remote calls once per element.

pub mod lazy_relation_in_loop;
pub(crate) mod n_plus_one;
pub mod query_in_loop;
pub(crate) mod query_in_loop_rust;
