//! The evidence layers: questions many rules ask, answered once per run as
//! plain data (see `docs/architecture.md`, "The evidence layers").

pub mod migration_scope;
pub mod timeouts;
pub mod values;
