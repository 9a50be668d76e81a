//! THE rule list: one line per rule. Everything that lists rules (the engine,
//! `prodlint rules`, `explain`, SARIF, `rules/README.md`) reads it from here.

use crate::engine::facts::FactCollector;
use crate::engine::suppress;
use crate::rule::{Rule, RuleMeta};

/// Rules that check tree-sitter trees, in code order.
pub static RULES: &[&dyn Rule] = &[
    &crate::rules::exception_swallowed::ExceptionSwallowed,
    &crate::rules::io_error_swallowed::IoErrorSwallowed,
    &crate::rules::jump_in_finally::JumpInFinally,
    &crate::rules::exception_cause_dropped::ExceptionCauseDropped,
    &crate::rules::request_without_timeout::RequestWithoutTimeout,
    &crate::rules::connection_without_timeout::ConnectionWithoutTimeout,
    &crate::rules::payment_without_idempotency_key::PaymentWithoutIdempotencyKey,
    &crate::rules::side_effect_without_dedup::SideEffectWithoutDedup,
];

/// Rules the engine itself reports (suppression hygiene).
pub static ENGINE_RULES: &[&RuleMeta] = &[&suppress::UNUSED_SUPPRESSION, &suppress::INVALID_SUPPRESSION];

/// Collectors run in the facts phase.
pub static FACT_COLLECTORS: &[&dyn FactCollector] =
    &[&crate::rules::net_timeout::PySessionFacts, &crate::rules::net_timeout::AxiosTimeoutFacts];

/// Every rule's metadata, sorted by code.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = ENGINE_RULES.iter().copied().chain(RULES.iter().map(|r| r.meta())).collect();
    v.sort_by_key(|m| m.code);
    v.into_iter()
}

/// Looks a rule up by code (case-insensitive) or name.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}
