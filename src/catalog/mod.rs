//! The knowledge rules consult, loaded from `rules/catalog/*.toml` (compiled
//! in). Which calls reach the network and how they take a timeout, which calls
//! log or report an error, which exceptions are narrow idioms.
//!
//! Each file maps to one typed section; users extend the same sections from
//! their config (`[catalog.<section>]` in `pagerproof.toml`), so teaching
//! pagerproof a team's own client is configuration, not a fork.
//!
//! Adding a section takes two lines: a field of [`Catalog`] (with
//! `#[serde(default)]`; the section type derives `Deserialize` and `Default`)
//! and its file in [`BUILTIN_FILES`]. The config layer then accepts
//! `[catalog.<field>]` with the same keys, checked with spans: lists are
//! appended to the built-in lists, tables merged key by key, and single
//! values (thresholds, flags) replace the built-in value. Per-rule options
//! (a minimum loop size, hot tables, secret name patterns) are catalog values
//! too, so rules read every tunable from `cx.catalog`.

pub mod collections;
pub mod errors;
pub mod migrations;
pub mod network;
pub mod queries;
pub mod queues;
pub mod retry;
pub mod secrets;
pub mod side_effects;

use std::sync::OnceLock;

use serde::Deserialize;

/// All catalog sections. The config's `[catalog]` table deserializes into
/// this same type (unknown sections and keys are errors).
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// `rules/catalog/network.toml`: outbound calls and their timeouts.
    #[serde(default)]
    pub network: network::NetworkCatalog,
    /// The config's `[fix]` values that fixes write into code (not a
    /// catalog file: it rides here because every checker sees the catalog
    /// and the result cache's key hashes it).
    #[serde(skip)]
    pub fix: crate::fix::FixSettings,
    /// `rules/catalog/errors.toml`: loggers, error reporters, narrow idioms.
    #[serde(default)]
    pub errors: errors::ErrorCatalog,
    /// `rules/catalog/queries.toml`: queries and remote calls for the n-plus-one rules.
    #[serde(default)]
    pub queries: queries::QueryCatalog,
    /// `rules/catalog/secrets.toml`: secret names and log sinks.
    #[serde(default)]
    pub secrets: secrets::SecretsCatalog,
    /// `rules/catalog/queues.toml`: queues, buffers, fan-out and limiters.
    #[serde(default)]
    pub queues: queues::QueueCatalog,
    /// `rules/catalog/migrations.toml`: volatile functions, safe type changes, hot tables.
    #[serde(default)]
    pub migrations: migrations::MigrationCatalog,
    /// `rules/catalog/retry.toml`: pauses, local failures, retry policies.
    #[serde(default)]
    pub retry: retry::RetryCatalog,
    /// `rules/catalog/side_effects.toml`: side effects, payment idempotency keys, guards.
    #[serde(default)]
    pub side_effects: side_effects::SideEffectCatalog,
    /// `rules/catalog/collections.toml`: small relations, chunking, one-connection scopes.
    #[serde(default)]
    pub collections: collections::CollectionCatalog,
}

/// Section name → built-in file text, one line per section.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("network", include_str!("../../rules/catalog/network.toml")),
    ("errors", include_str!("../../rules/catalog/errors.toml")),
    ("queries", include_str!("../../rules/catalog/queries.toml")),
    ("secrets", include_str!("../../rules/catalog/secrets.toml")),
    ("queues", include_str!("../../rules/catalog/queues.toml")),
    ("migrations", include_str!("../../rules/catalog/migrations.toml")),
    ("retry", include_str!("../../rules/catalog/retry.toml")),
    ("side_effects", include_str!("../../rules/catalog/side_effects.toml")),
    ("collections", include_str!("../../rules/catalog/collections.toml")),
];

impl Catalog {
    /// The built-in catalog, parsed once per process.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| match Catalog::extended(&toml::Table::new()) {
            Ok(c) => c,
            // The files are compiled in and covered by tests, so a parse
            // error is a bug in pagerproof, not user input.
            Err(e) => panic!("built-in catalog rules/catalog/ is invalid: {e}"),
        })
    }

    /// The built-in catalog extended by a config's `[catalog]` table: lists
    /// appended, tables merged, single values replaced.
    pub fn extended(extension: &toml::Table) -> Result<Catalog, toml::de::Error> {
        let mut root = toml::Table::new();
        for (name, text) in BUILTIN_FILES {
            let table: toml::Table = toml::from_str(text)
                .unwrap_or_else(|e| panic!("built-in catalog rules/catalog/{name}.toml is invalid: {e}"));
            root.insert((*name).to_string(), toml::Value::Table(table));
        }
        merge(&mut root, extension);
        toml::Value::Table(root).try_into()
    }
}

/// Merges `extra` into `base`: arrays are appended, tables merged key by key,
/// anything else replaced.
pub fn merge(base: &mut toml::Table, extra: &toml::Table) {
    for (key, value) in extra {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Array(a)), toml::Value::Array(b)) => a.extend(b.iter().cloned()),
            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => merge(a, b),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_catalog_parses() {
        let _ = super::Catalog::builtin();
    }

    #[test]
    fn merge_appends_lists_merges_tables_and_replaces_values() {
        let mut base: toml::Table =
            toml::from_str("min_loop = 2\nnames = [\"a\"]\n[python]\nx = [1]\ny = true\n").unwrap();
        let extra: toml::Table = toml::from_str("min_loop = 5\nnames = [\"b\"]\n[python]\nx = [2]\n").unwrap();
        super::merge(&mut base, &extra);
        let want: toml::Table =
            toml::from_str("min_loop = 5\nnames = [\"a\", \"b\"]\n[python]\nx = [1, 2]\ny = true\n").unwrap();
        assert_eq!(base, want);
    }

    #[test]
    fn extensions_append_lists() {
        let ext: toml::Table = toml::from_str(
            "[network]\npython = [{ rule = \"request\", paths = [\"acme.http.get\"], timeout = [\"deadline\"] }]\n\
             [errors.python]\nlogger_names = [\"audit\"]\n",
        )
        .unwrap();
        let c = super::Catalog::extended(&ext).unwrap();
        let builtin = super::Catalog::builtin();
        assert_eq!(c.network.python.len(), builtin.network.python.len() + 1);
        assert!(c.network.call(true, super::network::NetRule::Request, "acme.http.get").is_some());
        assert!(c.network.call(true, super::network::NetRule::Request, "requests.get").is_some());
        assert!(c.errors.python.logger_names.iter().any(|n| n == "audit"));
        assert!(c.errors.python.logger_names.len() > 1);
    }
}
