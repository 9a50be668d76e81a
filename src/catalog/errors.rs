//! `rules/catalog/errors.toml`: calls that log or report an error, and the
//! narrow exception idioms that are safe to ignore.

use serde::Deserialize;

/// Error handling knowledge by language.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCatalog {}
