//! `rules/catalog/network.toml`: outbound network, RPC and database calls, and
//! how each one takes a timeout.
//!
//! One entry describes a group of calls (by qualified path, as the semantic
//! model resolves them) that share how their timeout is given:
//!
//! ```toml
//! [[python]]
//! rule = "request"            # request (PP201) or connection (PP202)
//! paths = ["requests.get"]    # qualified callee paths
//! kind = "call"               # call | session | client (see `CallKind`)
//! timeout = ["timeout"]       # keyword / option-object keys that set it
//! positional = 2              # Python: positional index that is the timeout
//! none_is_missing = true      # `timeout=None` counts as no timeout
//! default_secs = 300          # the library's own bound; absent = none (forever)
//! ```

use serde::Deserialize;

/// Outbound calls by language.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkCatalog {
    /// Python calls.
    #[serde(default)]
    pub python: Vec<NetCall>,
    /// TypeScript and JavaScript calls.
    #[serde(default)]
    pub javascript: Vec<NetCall>,
    /// Rust calls (paths with `::`, as `use` declarations resolve them).
    #[serde(default)]
    pub rust: Vec<NetCall>,
    /// Rust calls and methods that bound the future passed to them
    /// (`tokio::time::timeout(d, fut)`, `fut.timeout(d)`).
    #[serde(default)]
    pub rust_wrappers: Vec<RustWrappers>,
}

/// Rust timeout wrappers.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RustWrappers {
    /// Functions by resolved path.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Methods on a future.
    #[serde(default)]
    pub methods: Vec<String>,
}

/// Which rule reports a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NetRule {
    /// HTTP requests: `request-without-timeout` (PP201).
    Request,
    /// Database, cache, mail and raw socket connections: `connection-without-timeout` (PP202).
    Connection,
}

/// Where the timeout goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// The call itself makes the request or connection and takes the timeout.
    #[default]
    Call,
    /// A constructor whose instance needs the timeout on each call made
    /// through it (`requests.Session()`: `s.get(url, timeout=5)`). The
    /// entry's `methods` are the calls that make requests.
    Session,
    /// A constructor that takes the timeout once for every call made through
    /// the instance (`axios.create({timeout})`, `aiohttp.ClientSession(timeout=...)`).
    /// A finding points at the creation, never at the calls.
    Client,
}

/// A group of calls that take their timeout the same way.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetCall {
    pub rule: NetRule,
    /// Qualified callee paths (`requests.get`, `axios.create`, `pg.Pool`).
    pub paths: Vec<String>,
    #[serde(default)]
    pub kind: CallKind,
    /// For `session` entries: the methods that make a request.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Keyword argument (Python) or options-object key (JS) names that set a timeout.
    #[serde(default)]
    pub timeout: Vec<String>,
    /// Python: positional argument index that is the timeout (a call passing
    /// more positionals than this sets it).
    #[serde(default)]
    pub positional: Option<usize>,
    /// JS: index of the options object argument.
    #[serde(default)]
    pub options: Option<usize>,
    /// JS: when the first argument is an object literal, it is the options
    /// object (`axios({url, timeout})`, `got({url})`, `http.request({host})`).
    #[serde(default)]
    pub options_first_if_object: bool,
    /// JS: every object-literal argument may hold the options.
    #[serde(default)]
    pub options_any: bool,
    /// JS: builder methods chained on the result that set a timeout
    /// (superagent `.timeout(ms)`).
    #[serde(default)]
    pub chain: Vec<String>,
    /// JS: methods called on the returned object that set a timeout
    /// (`req.setTimeout(ms)`), directly or through the variable holding it.
    #[serde(default)]
    pub result_methods: Vec<String>,
    /// An explicit `None` (Python) or `null`/`undefined` (JS) value counts as missing.
    #[serde(default)]
    pub none_is_missing: bool,
    /// An explicit `0` counts as missing (axios, pg: 0 means no timeout).
    #[serde(default)]
    pub zero_is_missing: bool,
    /// The library bounds the call by default: only an explicit `None`/`0` is a finding.
    #[serde(default)]
    pub only_explicit: bool,
    /// A key that may be given inside a DSN or URL string passed as the first
    /// argument (`connect_timeout=10` in a libpq DSN, `socket_timeout` in a redis URL).
    #[serde(default)]
    pub dsn: Option<String>,
    /// Python: a DSN or URL read from a variable or setting is taken as
    /// carrying no timeout, unless the file names the `dsn` key anywhere
    /// (Redis URLs rarely carry `?socket_timeout=`; libpq DSNs often carry
    /// `connect_timeout`).
    #[serde(default)]
    pub dsn_variable_is_missing: bool,
    /// A call passing an argument by this keyword or option key gets its
    /// timeout elsewhere (`redis.Redis(connection_pool=pool)`).
    #[serde(default)]
    pub delegate: Vec<String>,
    /// Report only when the call passes connection parameters (with none, the
    /// library reads the environment, which may set a timeout).
    #[serde(default)]
    pub requires_args: bool,
    /// The library's own bound in seconds when no timeout is given; absent
    /// means none (the call can wait forever).
    #[serde(default)]
    pub default_secs: Option<u32>,
    /// Skip in browser code (React/JSX files, `"use client"` modules).
    #[serde(default)]
    pub server_only: bool,
    /// Rust: a builder is reported only when its chain ends with one of these
    /// methods in the same expression (`build`, `connect`); a builder stored
    /// or returned may still get its timeout elsewhere.
    #[serde(default)]
    pub chain_end: Vec<String>,
    /// Rust and Python: substrings that, anywhere in the file, show a timeout
    /// is applied another way (`.timeout(` per request, `tokio::time::timeout`,
    /// `TimeoutLayer`; gspread's `.set_timeout(`).
    #[serde(default)]
    pub file_escape: Vec<String>,
    /// Python: project settings the call falls back to for its timeout
    /// (Django's `EMAIL_TIMEOUT`). A setting named in any Python file of the
    /// project sets it; only the built-in catalog's names are gathered.
    #[serde(default)]
    pub settings: Vec<String>,
    /// Rust: the client is a tower `Service` (hyper's), bounded by a tower
    /// timeout layer stacked around it anywhere in the project
    /// ([`crate::analysis::timeouts::RustTimeoutFacts::tower_timeout`]).
    #[serde(default)]
    pub service: bool,
}

impl NetworkCatalog {
    /// Entries for a language.
    pub fn entries(&self, python: bool) -> &[NetCall] {
        if python { &self.python } else { &self.javascript }
    }

    /// The entry whose `paths` list `path` (an exact call, `call`/`client` kinds).
    pub fn call(&self, python: bool, rule: NetRule, path: &str) -> Option<&NetCall> {
        self.entries(python)
            .iter()
            .find(|e| e.rule == rule && e.kind != CallKind::Session && e.paths.iter().any(|p| p == path))
    }

    /// The Rust entry (`call`/`client` kinds) whose `paths` list `path`.
    pub fn rust_call(&self, rule: NetRule, path: &str) -> Option<&NetCall> {
        self.rust.iter().find(|e| e.rule == rule && e.kind != CallKind::Session && e.paths.iter().any(|p| p == path))
    }

    /// The Rust `session` entry for a constructor path and one of its methods.
    pub fn rust_session_method(&self, rule: NetRule, ctor: &str, method: &str) -> Option<&NetCall> {
        self.rust.iter().find(|e| {
            e.rule == rule
                && e.kind == CallKind::Session
                && e.paths.iter().any(|p| p == ctor)
                && e.methods.iter().any(|m| m == method)
        })
    }

    /// The `session` entry for a constructor path and one of its request methods.
    pub fn session_method(&self, python: bool, rule: NetRule, ctor: &str, method: &str) -> Option<&NetCall> {
        self.entries(python).iter().find(|e| {
            e.rule == rule
                && e.kind == CallKind::Session
                && e.paths.iter().any(|p| p == ctor)
                && e.methods.iter().any(|m| m == method)
        })
    }
}
