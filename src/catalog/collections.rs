//! `rules/catalog/collections.toml`: what makes a collection small or
//! bounded (relations small by nature, chunking and limiting calls, scopes
//! that run on one connection, reply-channel receives). Read by the
//! collection-size evidence layer ([`crate::analysis::collections`]).

use serde::Deserialize;

/// Collection-size knowledge.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CollectionCatalog {
    /// Relations of one parent row that are small by nature, as
    /// `parent.relation` (`order.items`, `user.invitations`).
    pub small_relations: Vec<String>,
    /// Python calls.
    pub python: LangCollections,
    /// TypeScript/JavaScript calls.
    pub javascript: LangCollections,
    /// Rust methods.
    pub rust: LangCollections,
}

/// What one language family knows about collection sizes.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LangCollections {
    /// Calls (last name) or methods that split an iterable into chunks.
    pub chunkers: Vec<String>,
    /// Calls (last name) or methods that keep the first N items.
    pub limiters: Vec<String>,
    /// JS: calls (last name) whose callback runs its queries on one connection.
    pub one_connection: Vec<String>,
    /// JS: names of handles that run their queries on one connection
    /// (a query runner, a transaction): per-item work through them queues.
    pub one_connection_handles: Vec<String>,
    /// JS: type names (last segment, or dotted in full) of such handles, for
    /// parameters and locals annotated with them.
    pub one_connection_types: Vec<String>,
    /// JS: calls (last name) that hand out such a handle
    /// (`dataSource.createQueryRunner()`).
    pub one_connection_makers: Vec<String>,
    /// Rust: methods that take a message from a channel's receiver.
    pub receive_methods: Vec<String>,
}
