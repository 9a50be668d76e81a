//! The evidence layers: questions a single rule cannot answer well, answered
//! once per file or per project as plain data, so that every rule asks them
//! instead of guessing locally (see `docs/architecture.md`).
//!
//! - [`roles`]: whose code a file is and whether it runs in production.
//! - [`reach`]: which JS/TS modules only tooling and tests import.
//! - [`rust_modules`]: which Rust files their crate compiles.
//! - [`migration_scope`]: which migrations are still ahead of production.
//! - [`database`]: which database engine each migration history runs on.
//! - [`collections`]: how large a collection can be.
//! - [`handlers`]: what an exception handler intends.
//! - [`values`]: what a logged value is (secret, path, public token, ...).
//! - [`timeouts`]: whether a comment says why a call has no timeout.
//! - [`summaries`]: what each project function queries, calls or sends, closed over calls.
//! - [`retry`]: how a retry loop paces itself, and whether it hammers.

pub mod collections;
pub mod database;
pub mod handlers;
pub mod libraries;
pub mod migration_scope;
pub mod reach;
pub mod retry;
pub mod roles;
pub mod rust_modules;
pub mod rust_summaries;
pub mod summaries;
pub mod timeouts;
pub mod values;
