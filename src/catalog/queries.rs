//! `rules/catalog/queries.toml`: database and remote calls that cost one round
//! trip each, how a receiver is recognised, and what makes a call batched.
//! Read by the n-plus-one rules (`query-in-loop`, `lazy-relation-in-loop`).
//!
//! ```toml
//! [[python.clients]]
//! name = "Django ORM"                    # shown in messages
//! receivers = ["{Model}.objects"]        # receiver patterns (see below)
//! methods = ["get", "filter"]            # methods that query
//! lazy = ["filter"]                      # methods returning a lazy query
//! ```
//!
//! A receiver pattern is a dotted chain matched against the last segments of
//! a call's receiver: `{Model}` is a segment starting with a capital letter,
//! `{model}` one starting with a lower-case letter, `*repo` a segment ending
//! in `repo` (case-insensitive), `name()` a call of `name`; anything else must
//! be equal.

use serde::Deserialize;

/// Query knowledge by language.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryCatalog {
    #[serde(default)]
    pub python: LangQueries,
    #[serde(default)]
    pub javascript: LangQueries,
    #[serde(default)]
    pub rust: RustQueries,
}

/// What the Rust half of `query-in-loop` knows: query builders recognised by
/// the method that runs them and a step that starts them.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RustQueries {
    /// Query clients.
    pub clients: Vec<RustQueryClient>,
    /// Text in a query chain that makes it batched (`= ANY(`, `eq_any(`).
    pub batched_text: Vec<String>,
    /// Text in a loop's iterable that marks a small, bounded collection.
    pub small_collections: Vec<String>,
    /// A project data-access helper: an argument with one of these names (or
    /// a call of one, `context.pool()`) is a database connection...
    pub helper_conn_args: Vec<String>,
    /// ...and a helper whose name starts with one of these runs a query with it
    /// (`Cipher::find_by_uuid(&id, conn)`, `Person::read(&mut pool, id)`).
    pub helper_prefixes: Vec<String>,
}

/// One Rust query client.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RustQueryClient {
    /// Shown in messages (`sqlx`).
    pub name: String,
    /// Methods that run the query (`fetch_one`, `first`, `one`, `send`).
    pub terminals: Vec<String>,
    /// What starts a query chain: the last segment of the root call's path
    /// (`query_as`, `find_by_id`), a macro name with `!` (`query!`) or a
    /// method step before the terminal (`filter`, `get`). One must be present.
    pub starts: Vec<String>,
    /// Resolved paths of calls that make a round trip by themselves (`reqwest::get`).
    pub calls: Vec<String>,
    /// The terminal takes exactly this many arguments (Diesel's connection);
    /// `None`: any.
    pub terminal_args: Option<usize>,
    /// The chain runs only when awaited (or chained further, or returned to a
    /// concurrency combinator); false for blocking clients.
    pub awaited: bool,
    /// The root call's first argument is the statement: a loop running a
    /// different statement per element is not an N+1.
    pub statement_first: bool,
    /// A remote HTTP call rather than a database query.
    pub http: bool,
    /// The file must mention this for the client to apply.
    pub file_marker: Option<String>,
}

/// What one language family knows about queries in loops.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LangQueries {
    /// Query clients.
    pub clients: Vec<QueryClient>,
    /// Python: keyword arguments ending in one of these make a call batched.
    pub batched_keyword_suffixes: Vec<String>,
    /// Python: keyword lookups that cannot be merged into one `__in` query.
    pub unbatchable_lookups: Vec<String>,
    /// JS: object keys that make a call batched (`in`, `$in`).
    pub batched_keys: Vec<String>,
    /// Text in a call that makes it batched (`.in_(`, `In(`).
    pub batched_text: Vec<String>,
    /// Text in a loop's iterable that marks a small, bounded collection.
    pub small_collections: Vec<String>,
    /// JS: array methods whose callback runs once per element.
    pub callback_loops: Vec<String>,
}

/// One query client: how its calls are recognised.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct QueryClient {
    /// Shown in messages (`Django ORM`).
    pub name: String,
    /// Receiver patterns.
    pub receivers: Vec<String>,
    /// Receivers that look like a pattern but are something else (`request.session`).
    pub exclude_receivers: Vec<String>,
    /// Methods that run a query.
    pub methods: Vec<String>,
    /// Methods that return a lazy query, run only when evaluated.
    pub lazy: Vec<String>,
    /// Methods the client batches itself when called concurrently.
    pub self_batching: Vec<String>,
    /// Methods that write per-row values: with an option key of `per_row_keys`
    /// that depends on the element, no batch form exists.
    pub per_row_methods: Vec<String>,
    /// Option keys (JS) holding the values a per-row write sets.
    pub per_row_keys: Vec<String>,
    /// JS: callee names whose call starts a query builder (`knex("users")`).
    pub call_roots: Vec<String>,
    /// The first argument is the statement: a loop that runs a different
    /// statement per element (`for sql in statements: cursor.execute(sql)`)
    /// is not an N+1.
    pub statement_first: bool,
    /// The file must mention this (case-insensitive) for the client to apply.
    pub file_marker: Option<String>,
}

/// True when `segments` (a receiver chain, outermost last) ends with `pattern`.
pub fn receiver_matches(pattern: &str, segments: &[String]) -> bool {
    let pat: Vec<&str> = pattern.split('.').collect();
    if pat.len() > segments.len() {
        return false;
    }
    let tail = &segments[segments.len() - pat.len()..];
    pat.iter().zip(tail).all(|(p, s)| segment_matches(p, s))
}

fn segment_matches(p: &str, s: &str) -> bool {
    let first = s.chars().next();
    match p {
        "{Model}" => first.is_some_and(|c| c.is_ascii_uppercase()) && is_ident(s),
        "{model}" => first.is_some_and(|c| c.is_ascii_lowercase()) && is_ident(s),
        _ if p.starts_with('*') => {
            is_ident(s) && s.to_ascii_lowercase().ends_with(&p[1..].to_ascii_lowercase()) && s.len() > p.len() - 1
        }
        _ => p == s,
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::receiver_matches;

    fn segs(s: &str) -> Vec<String> {
        s.split('.').map(String::from).collect()
    }

    #[test]
    fn patterns() {
        assert!(receiver_matches("{Model}.objects", &segs("Order.objects")));
        assert!(!receiver_matches("{Model}.objects", &segs("order.objects")));
        assert!(receiver_matches("session", &segs("db.session")));
        assert!(receiver_matches("*repository", &segs("userRepository")));
        assert!(!receiver_matches("*repository", &segs("repository")));
        assert!(receiver_matches("prisma.{model}", &segs("prisma.user")));
        assert!(receiver_matches("getRepository()", &segs("getRepository()")));
        assert!(!receiver_matches("prisma.{model}", &segs("user")));
    }
}
