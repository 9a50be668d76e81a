//! THE rule list: one line per rule. Everything that lists rules (the engine,
//! `pagerproof rules`, `explain`, SARIF, `rules/README.md`) reads it from here.

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
    &crate::rules::query_in_loop::QueryInLoop,
    &crate::rules::lazy_relation_in_loop::LazyRelationInLoop,
    &crate::rules::secret_logged::SecretLogged,
    &crate::rules::queue_without_bound::QueueWithoutBound,
    &crate::rules::fan_out_without_limit::FanOutWithoutLimit,
    &crate::rules::retry_without_backoff::RetryWithoutBackoff,
    &crate::rules::retry_without_limit::RetryWithoutLimit,
    &crate::rules::job_call_without_retry::JobCallWithoutRetry,
    &crate::rules::payment_without_idempotency_key::PaymentWithoutIdempotencyKey,
    &crate::rules::side_effect_without_dedup::SideEffectWithoutDedup,
];

/// Rules checked by the migration pipeline ([`crate::migration`]), not by
/// tree-sitter node dispatch.
pub static MIGRATION_RULES: &[&RuleMeta] = &[
    &crate::rules::index_without_concurrently::INDEX_WITHOUT_CONCURRENTLY,
    &crate::rules::concurrent_index_in_transaction::CONCURRENT_INDEX_IN_TRANSACTION,
    &crate::rules::not_null_column_without_default::NOT_NULL_COLUMN_WITHOUT_DEFAULT,
    &crate::rules::volatile_column_default::VOLATILE_COLUMN_DEFAULT,
    &crate::rules::column_type_rewrite::COLUMN_TYPE_REWRITE,
    &crate::rules::constraint_without_not_valid::CONSTRAINT_WITHOUT_NOT_VALID,
    &crate::rules::set_not_null_without_check::SET_NOT_NULL_WITHOUT_CHECK,
    &crate::rules::unique_constraint_without_index::UNIQUE_CONSTRAINT_WITHOUT_INDEX,
    &crate::rules::drop_or_rename_in_use::DROP_OR_RENAME_IN_USE,
    &crate::rules::lock_timeout_unset::LOCK_TIMEOUT_UNSET,
];

/// Rules the engine itself reports (suppression hygiene).
pub static ENGINE_RULES: &[&RuleMeta] = &[&suppress::UNUSED_SUPPRESSION, &suppress::INVALID_SUPPRESSION];

/// Rules that read the function summaries ([`crate::analysis::summaries`]):
/// the facts phase builds them only when one of these runs.
pub static SUMMARY_RULES: &[&RuleMeta] = &[
    &crate::rules::io_error_swallowed::META,
    &crate::rules::query_in_loop::META,
    &crate::rules::request_without_timeout::META,
    &crate::rules::payment_without_idempotency_key::META,
    &crate::rules::side_effect_without_dedup::META,
    &crate::rules::secret_logged::META,
    &crate::rules::exception_swallowed::META,
    &crate::rules::fan_out_without_limit::META,
    &crate::rules::job_call_without_retry::META,
    &crate::rules::retry_without_backoff::META,
];

/// Collectors run in the facts phase.
pub static FACT_COLLECTORS: &[&dyn FactCollector] = &[
    &crate::rules::net_timeout::PySessionFacts,
    &crate::rules::net_timeout::AxiosTimeoutFacts,
    &crate::rules::lazy_relation_in_loop::DjangoModelFacts,
    &crate::analysis::collections::ConstantCollectionFacts,
    &crate::analysis::handlers::ReportingFunctionFacts,
    &crate::analysis::libraries::LibraryConfigFacts,
    &crate::analysis::values::EndpointSettingFacts,
    &crate::analysis::database::DatabaseEvidenceFacts,
];

/// Every rule's metadata, sorted by code.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = ENGINE_RULES
        .iter()
        .copied()
        .chain(RULES.iter().map(|r| r.meta()))
        .chain(MIGRATION_RULES.iter().copied())
        .collect();
    v.sort_by_key(|m| m.code);
    v.into_iter()
}

/// Looks a rule up by code (case-insensitive) or name.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}
