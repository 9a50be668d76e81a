//! The rules, one module each. Metadata lives in each module's
//! `declare_rule!`; the list of rules lives in [`crate::registry`].

pub mod jump_in_finally;
