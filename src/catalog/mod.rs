//! The knowledge rules consult, loaded from `rules/catalog/*.toml` (compiled
//! in). Which calls reach the network and how they take a timeout, which calls
//! log or report an error, which exceptions are narrow idioms.
//!
//! Each file maps to one typed section; users will extend the same sections
//! from their config, so teaching prodlint a team's own client is
//! configuration, not a fork.

pub mod errors;
pub mod network;
pub mod side_effects;

use std::sync::OnceLock;

use serde::de::DeserializeOwned;

/// All catalog sections.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    /// `rules/catalog/network.toml`: outbound calls and their timeouts.
    pub network: network::NetworkCatalog,
    /// `rules/catalog/errors.toml`: loggers, error reporters, narrow idioms.
    pub errors: errors::ErrorCatalog,
    /// `rules/catalog/side_effects.toml`: side effects, payment idempotency keys, guards.
    pub side_effects: side_effects::SideEffectCatalog,
}

impl Catalog {
    /// The built-in catalog, parsed once per process.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| Catalog {
            network: parse("network.toml", include_str!("../../rules/catalog/network.toml")),
            errors: parse("errors.toml", include_str!("../../rules/catalog/errors.toml")),
            side_effects: parse("side_effects.toml", include_str!("../../rules/catalog/side_effects.toml")),
        })
    }
}

/// Parses a built-in catalog file. The files are compiled in and covered by
/// tests, so a parse error is a bug in prodlint, not user input.
fn parse<T: DeserializeOwned>(name: &str, text: &str) -> T {
    match toml::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("built-in catalog rules/catalog/{name} is invalid: {e}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_catalog_parses() {
        let _ = super::Catalog::builtin();
    }
}
