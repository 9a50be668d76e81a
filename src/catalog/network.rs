//! `rules/catalog/network.toml`: outbound network, RPC and database calls, and
//! how each one takes a timeout.

use serde::Deserialize;

/// Outbound calls by language.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkCatalog {}
