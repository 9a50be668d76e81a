//! Value-kind evidence: what a value is, answered once for every rule that
//! asks (`secret-logged` PP401 in Python, TypeScript/JavaScript and Rust).
//!
//! A name that ends like a secret (`tls_private_key_path`, `json_pointer_token`,
//! `share_token`, `csrf_token_name`, `token_expiry`) is often not one: the
//! kind of a value comes from its name's other words, from the expression
//! that made it (`os.path.join(..)`, `Path::new(..)`, `jwt.decode(..)`), from
//! its type (a Rust type whose `Debug`/`Display` redacts, collected from the
//! whole project in the facts phase) and from its context (a command that
//! generates a key and prints it to stdout). The word lists live in
//! `rules/catalog/secrets.toml` (`[values]`), so a team extends them by
//! configuration.
//!
//! Endpoints are values too (`request-without-timeout` PP201 and
//! `connection-without-timeout` PP202 ask): a URL local to the process (a
//! file the module ships with, a `data:` URL) has no peer that can stop
//! answering, and a local IPC socket (`unix:///var/run/redis.sock`,
//! `unix_socket_path=`) has no network between the two ends: its peer is a
//! sidecar on the same host, and a read timeout on it mostly breaks the
//! blocking reads (`BLPOP`, pub/sub) such clients are made for. Settings
//! that hold such a URL are found in the facts phase ([`EndpointFacts`]), so
//! `Redis.from_url(settings.BROKER_URL)` is answered where it is called.

use std::collections::BTreeSet;

use crate::catalog::secrets::{SecretsCatalog, Sensitive, split_words};

/// What a value is, as far as logging it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A credential or personal data: logging it leaks it.
    Secret(Sensitive),
    /// A file-system path to a secret, not the secret (`tls_private_key_path`,
    /// `key_file`, `os.path.join(..)`, `Path::new(..)`).
    Path,
    /// A reference to where a value is, not the value: a JSON pointer, a
    /// pagination cursor or continuation token (`next_page_token`).
    Pointer,
    /// A token meant to be public: a share link's token, a publishable key.
    PublicToken,
    /// The name or identifier of a credential, not its value (`csrf_token_name`,
    /// `token_type`, `key_id`).
    Identifier,
    /// Facts about a credential that grant nothing: its expiry, scopes, or
    /// the decoded claims of an ID token (`token_expires_at`, `jwt.decode(..)`).
    Metadata,
    /// A value of a type whose `Debug`/`Display` prints a mask (`SecretString`,
    /// a type with a manual `Debug` that writes `***`).
    Redacted,
    /// A key or token a command generates in order to print it: its output is
    /// the product, not a log.
    GeneratedForOutput,
}

impl ValueKind {
    /// The sensitivity when the value is a secret.
    pub fn secret(self) -> Option<Sensitive> {
        match self {
            ValueKind::Secret(s) => Some(s),
            _ => None,
        }
    }
}

/// The kind a name gives its value: a word of a non-secret kind anywhere in
/// the name decides first (`tls_private_key_path` is a path), then the
/// secret names of the catalog (`api_key`). `None`: the name says nothing.
pub fn name_kind(name: &str, cat: &SecretsCatalog) -> Option<ValueKind> {
    let words = split_words(name);
    let v = &cat.values;
    let has = |list: &[String]| words.iter().any(|w| list.iter().any(|x| x == w));
    if has(&v.path_words) {
        Some(ValueKind::Path)
    } else if has(&v.pointer_words) {
        Some(ValueKind::Pointer)
    } else if has(&v.public_words) {
        Some(ValueKind::PublicToken)
    } else if has(&v.identifier_words) {
        Some(ValueKind::Identifier)
    } else if has(&v.metadata_words) {
        Some(ValueKind::Metadata)
    } else {
        cat.classify(name).map(ValueKind::Secret)
    }
}

/// The secret a name denotes: [`name_kind`] when it is [`ValueKind::Secret`].
pub fn secret_name(name: &str, cat: &SecretsCatalog) -> Option<Sensitive> {
    name_kind(name, cat).and_then(ValueKind::secret)
}

/// True when a name says its value is something other than a secret
/// (`key_path`, `token_expiry`), whatever else it says.
pub fn not_secret_name(name: &str, cat: &SecretsCatalog) -> bool {
    name_kind(name, cat).is_some_and(|k| k.secret().is_none())
}

/// The kind of value a call returns, from its callee (resolved path or text):
/// path builders give a [`ValueKind::Path`], token decoders the claims
/// ([`ValueKind::Metadata`]).
pub fn call_kind(callee: &str, cat: &SecretsCatalog) -> Option<ValueKind> {
    let v = &cat.values;
    let callee = callee.trim_end_matches("()");
    let last = callee.rsplit(['.', ':']).next().unwrap_or(callee);
    let matches = |list: &[String]| list.iter().any(|p| p == callee || (!p.contains(['.', ':']) && p == last));
    if matches(&v.path_calls) {
        Some(ValueKind::Path)
    } else if matches(&v.claims_calls) {
        Some(ValueKind::Metadata)
    } else {
        None
    }
}

/// True when a function's name says it generates a credential to hand to its
/// caller (`generate_key`, `createApiToken`, `cmd_new_secret`): what it prints
/// to stdout is the command's output. Route handlers are not asked: their
/// stdout is the server's log.
pub fn generates_for_output(function: &str, cat: &SecretsCatalog) -> bool {
    let words = split_words(function);
    let v = &cat.values;
    words.iter().any(|w| v.generate_verbs.iter().any(|g| g == w))
        && words.iter().any(|w| v.generated_nouns.iter().any(|n| n == w))
}

/// What an endpoint reaches, when it is not a network peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Inside the process: a file shipped with the module
    /// (`new URL("./font.ttf", import.meta.url)`), a `file:` or `data:` URL.
    ProcessLocal,
    /// A local IPC socket on the same host (`unix://`, `redis+unix://`,
    /// `http+unix://`, `ipc://`).
    LocalSocket,
}

/// What the URL literal `url` reaches; `None` for a network peer or an
/// unknown scheme.
pub fn endpoint_of_url(url: &str) -> Option<Endpoint> {
    let url = url.trim().to_ascii_lowercase();
    if url.starts_with("file:") || url.starts_with("data:") {
        return Some(Endpoint::ProcessLocal);
    }
    let scheme = url.split_once(':').map(|(s, _)| s)?;
    let local = scheme.split('+').any(|part| part == "unix" || part == "ipc");
    local.then_some(Endpoint::LocalSocket)
}

/// Connection keywords that name a local socket instead of a host
/// (`unix_socket_path=` of redis-py, `unix_socket=` of PyMySQL).
pub const SOCKET_KEYWORDS: &[&str] = &["unix_socket_path", "unix_socket", "unix_sock"];

/// Module-level settings that hold a URL, by simple name: which ones are
/// always a local socket. Plain data, part of `ProjectFacts`.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EndpointFacts {
    /// Names assigned a local-socket URL literal somewhere.
    #[serde(default)]
    pub local_socket: BTreeSet<String>,
    /// Names of those (and of other URL settings) assigned anything else
    /// somewhere: another literal, or a value read at run time.
    #[serde(default)]
    pub elsewhere: BTreeSet<String>,
}

impl EndpointFacts {
    /// Merges another worker's facts (order-independent).
    pub fn merge(&mut self, other: EndpointFacts) {
        self.local_socket.extend(other.local_socket);
        self.elsewhere.extend(other.elsewhere);
    }

    /// True when the setting `name` (a simple name: `BROKER_URL` for
    /// `settings.BROKER_URL`) is a local socket wherever the project sets it.
    pub fn is_local_socket(&self, name: &str) -> bool {
        self.local_socket.contains(name) && !self.elsewhere.contains(name)
    }
}

/// True for a settings name that may hold an endpoint.
fn endpoint_setting(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["URL", "URI", "DSN", "HOST", "LOCATION", "SOCKET", "BROKER", "ADDR"].iter().any(|w| upper.contains(w))
}

/// The module-level `NAME = "..."` assignments of a Python file that bear on
/// endpoints: constants (upper-case names) assigned a URL literal or, for a
/// name that may hold an endpoint, anything.
pub fn scan_python_endpoints(text: &str, out: &mut EndpointFacts) {
    for line in text.lines() {
        if line.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else { continue };
        let name = name.trim().split(':').next().unwrap_or("").trim();
        if name.is_empty()
            || value.starts_with('=')
            || !name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            || !name.starts_with(|c: char| c.is_ascii_uppercase())
        {
            continue;
        }
        let value = value.trim();
        let literal = value
            .strip_prefix(['\'', '"'])
            .and_then(|v| v.split_once(['\'', '"']))
            .filter(|(_, rest)| rest.trim().is_empty() || rest.trim().starts_with('#'))
            .map(|(v, _)| v);
        match literal.map(endpoint_of_url) {
            Some(Some(Endpoint::LocalSocket)) => {
                out.local_socket.insert(name.to_string());
            }
            Some(_) if literal.is_some_and(|l| l.contains("://")) || endpoint_setting(name) => {
                out.elsewhere.insert(name.to_string());
            }
            None if endpoint_setting(name) => {
                out.elsewhere.insert(name.to_string());
            }
            _ => {}
        }
    }
}

/// The facts-phase scan that fills [`EndpointFacts`].
pub struct EndpointSettingFacts;

impl crate::engine::facts::FactCollector for EndpointSettingFacts {
    fn triggers(&self) -> &'static [&'static str] {
        &[]
    }

    fn scan(&self, file: &crate::source::SourceFile, facts: &mut crate::engine::ProjectFacts) {
        // Every Python file: a settings module that reads the URL from the
        // environment says the name is not always a local socket.
        if file.grammar == crate::source::Grammar::Python {
            scan_python_endpoints(&file.text, &mut facts.endpoints);
        }
    }
}

/// What the Python call `call` connects to, when its arguments say it is no
/// network peer: a URL or DSN literal (first positional, or `url=`, `dsn=`,
/// `conninfo=`) naming a local socket or a local file, a settings constant
/// that is always a local socket ([`EndpointFacts`]: `settings.BROKER_URL`),
/// a socket keyword ([`SOCKET_KEYWORDS`]), or a `host=` that is a socket
/// directory (libpq's `host="/var/run/postgresql"`).
pub fn python_call_endpoint(
    call: tree_sitter::Node<'_>,
    src: &str,
    facts: &crate::engine::ProjectFacts,
) -> Option<Endpoint> {
    use crate::lang::python as py;
    let (kwargs, _) = py::keyword_args(call, src);
    if kwargs.iter().any(|(k, v)| SOCKET_KEYWORDS.contains(k) && v.kind() != "none") {
        return Some(Endpoint::LocalSocket);
    }
    if kwargs.iter().any(|(k, v)| *k == "host" && py::string_value(*v, src).is_some_and(|h| h.starts_with('/'))) {
        return Some(Endpoint::LocalSocket);
    }
    let url = py::positional_args(call)
        .first()
        .copied()
        .or_else(|| kwargs.iter().find(|(k, _)| matches!(*k, "url" | "dsn" | "conninfo")).map(|(_, v)| *v))?;
    match url.kind() {
        "string" => py::string_value(url, src).and_then(endpoint_of_url),
        "identifier" | "attribute" => {
            let text = crate::lang::node_text(url, src);
            let name = text.rsplit('.').next().unwrap_or(text);
            facts.endpoints.is_local_socket(name).then_some(Endpoint::LocalSocket)
        }
        _ => None,
    }
}

/// What the TypeScript/JavaScript URL argument `arg` reaches, when it is no
/// network peer: a `file:`, `data:` or local-socket literal, or
/// `new URL("../fonts/x.ttf", import.meta.url)`, a file shipped with the
/// module (resolved by the bundler or the runtime to the module's own files).
pub fn js_url_endpoint(arg: tree_sitter::Node<'_>, src: &str) -> Option<Endpoint> {
    use crate::lang::{NodeExt, node_text, typescript as ts};
    let arg = ts::unwrap_expr(arg);
    match arg.kind() {
        "string" | "template_string" => {
            let text = node_text(arg, src).trim_start_matches(['"', '\'', '`']);
            endpoint_of_url(text)
        }
        "new_expression" => {
            let is_url = arg.field("constructor").is_some_and(|c| node_text(c, src) == "URL");
            let base = ts::call_args(arg).get(1).copied();
            (is_url && base.is_some_and(|b| node_text(ts::unwrap_expr(b), src) == "import.meta.url"))
                .then_some(Endpoint::ProcessLocal)
        }
        _ => None,
    }
}

/// Markers a hand-written `Debug`/`Display` writes in place of the value.
const REDACTION_MARKERS: &[&str] = &["***", "redact", "<hidden>", "[hidden]", "<secret>", "[secret]", "xxxx"];

/// A Rust file is scanned for redacting types when it implements `Debug` or
/// `Display` by hand.
pub fn wants_rust(text: &str) -> bool {
    text.contains("Debug for ") || text.contains("Display for ")
}

/// Rust types of one file whose hand-written `Debug` or `Display` prints a
/// mask (`impl fmt::Debug for ApiKey { .. f.write_str("***") .. }`): a value
/// of one is safe to log wherever the project uses it. A lexical scan, so the
/// facts phase parses nothing.
pub fn redacting_types(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for marker in ["Debug for ", "Display for "] {
        let mut from = 0;
        while let Some(i) = text[from..].find(marker) {
            let at = from + i;
            from = at + marker.len();
            // `impl fmt::Debug for X`, `impl<T> std::fmt::Display for X<T>`.
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if !text[line_start..at].trim_start().starts_with("impl") {
                continue;
            }
            let rest = &text[from..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() {
                continue;
            }
            let Some(open) = rest.find('{') else { continue };
            let body = block(&rest[open..]);
            let lower = body.to_ascii_lowercase();
            if REDACTION_MARKERS.iter().any(|m| lower.contains(m)) {
                out.insert(name);
            }
        }
    }
    out
}

/// The text of the brace block `s` starts with, braces inside string and
/// char literals not counted (`write!(f, "{{")`).
fn block(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..=i];
                }
            }
            _ => {}
        }
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn names_say_what_a_value_is() {
        let cat = &Catalog::builtin().secrets;
        assert_eq!(name_kind("tls_private_key_path", cat), Some(ValueKind::Path));
        assert_eq!(name_kind("key_file", cat), Some(ValueKind::Path));
        assert_eq!(name_kind("jsonPointerToken", cat), Some(ValueKind::Pointer));
        assert_eq!(name_kind("next_page_token", cat), Some(ValueKind::Pointer));
        assert_eq!(name_kind("share_token", cat), Some(ValueKind::PublicToken));
        assert_eq!(name_kind("csrf_token_name", cat), Some(ValueKind::Identifier));
        assert_eq!(name_kind("token_expires_at", cat), Some(ValueKind::Metadata));
        assert_eq!(name_kind("api_key", cat), Some(ValueKind::Secret(Sensitive::Credential)));
        assert_eq!(name_kind("private_key", cat), Some(ValueKind::Secret(Sensitive::Credential)));
        assert_eq!(name_kind("user_id", cat), None);
    }

    #[test]
    fn calls_say_what_they_return() {
        let cat = &Catalog::builtin().secrets;
        assert_eq!(call_kind("os.path.join", cat), Some(ValueKind::Path));
        assert_eq!(call_kind("Path::new", cat), Some(ValueKind::Path));
        assert_eq!(call_kind("jwt.decode", cat), Some(ValueKind::Metadata));
        assert_eq!(call_kind("str", cat), None);
    }

    #[test]
    fn generating_functions() {
        let cat = &Catalog::builtin().secrets;
        assert!(generates_for_output("generate_key", cat));
        assert!(generates_for_output("createApiToken", cat));
        assert!(!generates_for_output("login", cat));
        assert!(!generates_for_output("generate_report", cat));
    }

    #[test]
    fn endpoints_local_to_the_process_or_host() {
        assert_eq!(endpoint_of_url("unix:///var/run/redis/redis.sock"), Some(Endpoint::LocalSocket));
        assert_eq!(endpoint_of_url("redis+unix:///tmp/r.sock?db=1"), Some(Endpoint::LocalSocket));
        assert_eq!(endpoint_of_url("http+unix://%2Fvar%2Frun%2Fdocker.sock/info"), Some(Endpoint::LocalSocket));
        assert_eq!(endpoint_of_url("file:///etc/app/ca.pem"), Some(Endpoint::ProcessLocal));
        assert_eq!(endpoint_of_url("data:text/plain,hi"), Some(Endpoint::ProcessLocal));
        assert_eq!(endpoint_of_url("redis://cache.internal:6379/0"), None);
        assert_eq!(endpoint_of_url("https://unix.example.com/"), None);
        assert_eq!(endpoint_of_url("no scheme"), None);
    }

    #[test]
    fn settings_that_are_always_a_local_socket() {
        let mut f = EndpointFacts::default();
        scan_python_endpoints("BROKER_URL = 'unix:///var/run/redis/redis.sock'\nOTHER = 3\n", &mut f);
        assert!(f.is_local_socket("BROKER_URL"));
        // A production settings file that points it at a network host.
        let mut prod = EndpointFacts::default();
        scan_python_endpoints("BROKER_URL = os.environ['BROKER_URL']\n", &mut prod);
        f.merge(prod);
        assert!(!f.is_local_socket("BROKER_URL"));
        let mut g = EndpointFacts::default();
        scan_python_endpoints("    BROKER_URL = 'unix:///x.sock'\nCACHE_URL: str = \"redis://h:6379\"\n", &mut g);
        assert!(!g.is_local_socket("BROKER_URL"), "indented: not a module-level setting");
        assert!(g.elsewhere.contains("CACHE_URL"));
    }

    #[test]
    fn finds_hand_written_redacting_impls() {
        let text = "impl fmt::Debug for ApiKey {\n fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n  write!(f, \"ApiKey({{}})\", \"***\")\n }\n}\n\
                    impl std::fmt::Display for Plain {\n fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { write!(f, \"{}\", self.0) }\n}\n\
                    impl<T> fmt::Debug for Masked<T> { fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { f.write_str(\"[REDACTED]\") } }\n";
        let got: Vec<String> = redacting_types(text).into_iter().collect();
        assert_eq!(got, ["ApiKey", "Masked"]);
    }
}
