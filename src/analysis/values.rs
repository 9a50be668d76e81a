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

use std::collections::{BTreeMap, BTreeSet};

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
    /// Python classes (by simple name) whose text form the project defines
    /// or generates, mapped to the attribute names that text form shows
    /// ([`scan_python_text_forms`]). Value-kind facts like the rest of this
    /// struct; kept here until the facts phase gives value facts their own
    /// field.
    #[serde(default)]
    pub text_forms: BTreeMap<String, BTreeSet<String>>,
}

impl EndpointFacts {
    /// Merges another worker's facts (order-independent).
    pub fn merge(&mut self, other: EndpointFacts) {
        self.local_socket.extend(other.local_socket);
        self.elsewhere.extend(other.elsewhere);
        for (k, v) in other.text_forms {
            self.text_forms.entry(k).or_default().extend(v);
        }
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
            scan_python_text_forms(&file.text, &mut facts.endpoints.text_forms);
        }
    }
}

/// The text forms of the Python classes a file defines, for
/// [`EndpointFacts::text_forms`]: a class with its own `__str__`,
/// `__repr__` or `__unicode__` shows the `self.<attr>` attributes those
/// methods read and the attribute names they pass as strings
/// (`format_repr(self, 'id', 'name')`); a class whose text form is
/// generated from its fields (`@dataclass`, `attrs`, a pydantic
/// `BaseModel`, a `NamedTuple`) shows every field it declares. A class
/// that neither defines nor generates one is not recorded.
pub fn scan_python_text_forms(text: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
    if !text.contains("class ") {
        return;
    }
    struct Open {
        name: String,
        indent: usize,
        generated: bool,
        own: bool,
        shown: BTreeSet<String>,
        fields: BTreeSet<String>,
        /// Indent of the text-form method being read, while inside it.
        method: Option<usize>,
    }
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let mut decorators: Vec<&str> = Vec::new();
    let mut open: Option<Open> = None;
    let close = |c: Open, out: &mut BTreeMap<String, BTreeSet<String>>| {
        if c.own {
            out.entry(c.name).or_default().extend(c.shown);
        } else if c.generated {
            out.entry(c.name).or_default().extend(c.fields);
        }
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = indent_of(line);
        if let Some(c) = &open
            && indent <= c.indent
        {
            close(open.take().expect("open class"), out);
        }
        if let Some(rest) = trimmed.strip_prefix("class ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let bases = rest[name.len()..].split(':').next().unwrap_or("");
            let generated = decorators.iter().any(|d| {
                let d = d.trim_start_matches('@');
                let head = d.split('(').next().unwrap_or(d);
                let last = head.rsplit('.').next().unwrap_or(head);
                matches!(last, "dataclass" | "s" | "attrs" | "define" | "frozen" | "mutable")
            }) || ["BaseModel", "NamedTuple", "BaseSettings"].iter().any(|b| bases.contains(b));
            decorators.clear();
            if let Some(c) = open.take() {
                close(c, out);
            }
            open = Some(Open {
                name,
                indent,
                generated,
                own: false,
                shown: BTreeSet::new(),
                fields: BTreeSet::new(),
                method: None,
            });
            continue;
        }
        if trimmed.starts_with('@') {
            decorators.push(trimmed);
            continue;
        }
        decorators.clear();
        let Some(c) = open.as_mut() else { continue };
        if let Some(m) = c.method {
            if indent > m {
                shown_attributes(trimmed, &mut c.shown);
                continue;
            }
            c.method = None;
        }
        if let Some(def) = trimmed.strip_prefix("def ") {
            if ["__str__", "__repr__", "__unicode__"].iter().any(|m| def.starts_with(&format!("{m}("))) {
                c.own = true;
                c.method = Some(indent);
                // A one-line body: `def __str__(self): return self.name`.
                if let Some((_, body)) = def.split_once("):") {
                    shown_attributes(body, &mut c.shown);
                }
            }
            continue;
        }
        // A field declaration: `token: str` or `token: str = ""`.
        if let Some((field, _)) = trimmed.split_once(':')
            && !field.is_empty()
            && field.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
        {
            c.fields.insert(field.to_string());
        }
    }
    if let Some(c) = open {
        close(c, out);
    }
}

/// The attribute names a line of a text-form method shows: `self.<attr>`
/// reads and string literals that are attribute names (`'user_id'`). A line
/// that returns one attribute as it is (`return self.value`,
/// `return str(self.raw)`) makes the text form that attribute's value: it
/// is recorded once more as `=<attr>` ([`PASSED_THROUGH`]).
fn shown_attributes(line: &str, out: &mut BTreeSet<String>) {
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let returned = line.trim().strip_prefix("return ").map(str::trim).unwrap_or("");
    let bare = returned.strip_prefix("str(").and_then(|r| r.strip_suffix(')')).unwrap_or(returned);
    if let Some(attr) = bare.strip_prefix("self.")
        && !attr.is_empty()
        && ident(attr) == attr
    {
        out.insert(format!("{PASSED_THROUGH}{attr}"));
    }
    for (at, _) in line.match_indices("self.") {
        let before = line[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name = ident(&line[at + 5..]);
        if !name.is_empty() {
            out.insert(name);
        }
    }
    for quote in ['\'', '"'] {
        let parts: Vec<&str> = line.split(quote).collect();
        for (i, part) in parts.iter().enumerate() {
            if i % 2 == 1
                && !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                out.insert(part.to_string());
            }
        }
    }
}

/// What a Python value is when it is a record: an instance of a class, whose
/// logged form is that class's text form, not a credential string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyRecord {
    /// An instance of the named class (`PersonalToken(..)`,
    /// `ApiToken.objects.get(..)`, `Token.query.filter_by(..).first()`, a
    /// parameter annotated `token: ApiToken`).
    Of(String),
    /// An ORM-mapped instance of a class the code does not name: a value the
    /// function hands to the ORM session (`db.session.delete(token)`).
    Mapped,
}

/// Query-chain methods that return one mapped instance (Django managers,
/// SQLAlchemy and Flask-SQLAlchemy queries).
const SINGLE_RECORD_METHODS: &[&str] = &[
    "get",
    "get_or_404",
    "first",
    "first_or_404",
    "one",
    "one_or_none",
    "one_or_404",
    "last",
    "latest",
    "earliest",
    "create",
    "get_by",
];

/// True for a class name as Python code writes one (`PersonalToken`).
pub fn class_like(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().any(|c| c.is_ascii_lowercase())
}

/// The class whose instance a Python expression produces, when it is a
/// record: a constructor call of a class-like name, or a query chain rooted
/// at one that returns a single instance (`Model.objects.filter(..).first()`,
/// `Model.query.get(id)`).
pub fn python_record_of(expr: tree_sitter::Node<'_>, src: &str) -> Option<String> {
    let mut e = expr;
    while e.kind() == "parenthesized_expression" {
        e = e.named_child(0)?;
    }
    if e.kind() != "call" {
        return None;
    }
    let callee = e.child_by_field_name("function")?;
    match callee.kind() {
        "identifier" => {
            let name = crate::lang::node_text(callee, src);
            class_like(name).then(|| name.to_string())
        }
        "attribute" => {
            let method = crate::lang::node_text(callee.child_by_field_name("attribute")?, src);
            if !SINGLE_RECORD_METHODS.contains(&method) {
                return None;
            }
            // Down the chain to its root: `Model.objects.filter(..).first`.
            let mut root = callee.child_by_field_name("object")?;
            loop {
                root = match root.kind() {
                    "attribute" => root.child_by_field_name("object")?,
                    "call" => root.child_by_field_name("function")?,
                    "identifier" => break,
                    _ => return None,
                };
            }
            let name = crate::lang::node_text(root, src);
            class_like(name).then(|| name.to_string())
        }
        _ => None,
    }
}

/// Session methods that take one mapped instance.
const SESSION_INSTANCE_METHODS: &[&str] = &["delete", "add", "merge", "refresh", "expunge"];

/// True when the Python call `call` hands `name` to an ORM session
/// (`db.session.delete(name)`, `session.add(name)`).
pub fn python_session_takes(call: tree_sitter::Node<'_>, src: &str, name: &str) -> bool {
    let Some(callee) = call.child_by_field_name("function").filter(|c| c.kind() == "attribute") else {
        return false;
    };
    let method = callee.child_by_field_name("attribute").map(|a| crate::lang::node_text(a, src)).unwrap_or("");
    let receiver = callee.child_by_field_name("object").map(|o| crate::lang::node_text(o, src)).unwrap_or("");
    let receiver = receiver.rsplit('.').next().unwrap_or(receiver);
    if !SESSION_INSTANCE_METHODS.contains(&method) || !matches!(receiver, "session" | "db_session" | "dbsession") {
        return false;
    }
    call.child_by_field_name("arguments")
        .and_then(|a| a.named_child(0))
        .is_some_and(|a| a.kind() == "identifier" && crate::lang::node_text(a, src) == name)
}

/// Whether logging a record shows a secret: for a class whose text form the
/// project defines or generates, whether it shows an attribute named like a
/// secret; for a mapped instance of an unnamed class, whether any project
/// class's text form does. `None`: the class's text form is unknown (a
/// library's class, or one that inherits it), so the record says nothing.
///
/// A class named like a secret whose text form is one attribute as it is
/// (`class SessionToken: def __str__(self): return self.value`) is a wrapper
/// that prints its secret, whatever that attribute is called.
pub fn record_shows_secret(record: &PyRecord, facts: &EndpointFacts, cat: &SecretsCatalog) -> Option<bool> {
    let shows = |class: &str, attrs: &BTreeSet<String>| {
        let wrapper = secret_name(class, cat).is_some() && attrs.iter().any(|a| a.starts_with(PASSED_THROUGH));
        wrapper || attrs.iter().any(|a| secret_name(a.trim_start_matches(PASSED_THROUGH), cat).is_some())
    };
    match record {
        PyRecord::Of(class) => facts.text_forms.get(class).map(|attrs| shows(class, attrs)),
        PyRecord::Mapped => Some(facts.text_forms.iter().any(|(class, attrs)| shows(class, attrs))),
    }
}

/// Marks, in [`EndpointFacts::text_forms`], an attribute a text form
/// returns as it is.
pub const PASSED_THROUGH: char = '=';

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

/// Integer types: a value of one is a number, never a credential's text.
const INTEGER_TYPES: &[&str] =
    &["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize"];

/// Lower-case Rust types other than integers.
const PRIMITIVES: &[&str] = &["str", "bool", "char", "f32", "f64"];

/// Rust names named like a secret (`API_KEY`, `api_key`) and the types the
/// project declares them with, and the project's field-less enums: a
/// wire-protocol request id (`const API_KEY: u16 = 3;`, `fn api_key(&self)
/// -> u16`, `api_key: u16`, `ApiKey::Fetch`) is a number, not a credential.
/// Collected lexically per file in the facts phase; plain data, part of
/// `ProjectFacts`.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RustValueFacts {
    /// Secret-named consts, statics, fields, parameters and functions
    /// declared with an integer type (or a field-less enum) somewhere.
    #[serde(default)]
    pub numeric: BTreeSet<String>,
    /// The same names declared with any other type somewhere: the name then
    /// says nothing about the value and stays a secret.
    #[serde(default)]
    pub elsewhere: BTreeSet<String>,
    /// Secret-named declarations whose type is one capitalised name
    /// (`api_key: AdminPublicApiKey`), by name: numeric when every such type
    /// is a field-less enum of the project (known only after the merge).
    #[serde(default)]
    pub enum_typed: BTreeMap<String, BTreeSet<String>>,
    /// Enums (by simple name) whose variants carry no data.
    #[serde(default)]
    pub unit_enums: BTreeSet<String>,
}

impl RustValueFacts {
    /// Merges another worker's facts (order-independent).
    pub fn merge(&mut self, other: RustValueFacts) {
        self.numeric.extend(other.numeric);
        self.elsewhere.extend(other.elsewhere);
        for (k, v) in other.enum_typed {
            self.enum_typed.entry(k).or_default().extend(v);
        }
        self.unit_enums.extend(other.unit_enums);
    }

    /// True when every declaration of `name` in the project has an integer
    /// type (a `Result`/`Option` of one counts): `R::API_KEY`,
    /// `header.api_key()`, `req.api_key` hold a number.
    pub fn is_numeric(&self, name: &str) -> bool {
        let by_enum = self.enum_typed.get(name);
        (self.numeric.contains(name) || by_enum.is_some())
            && !self.elsewhere.contains(name)
            && by_enum.is_none_or(|types| types.iter().all(|t| self.unit_enums.contains(t)))
    }

    /// True for a type text whose words are all integers, field-less enums of
    /// the project, references or `Option`/`Result` wrappers of those.
    pub fn numeric_type(&self, ty: &str) -> bool {
        let words: Vec<&str> = ty
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty() && !matches!(*w, "mut" | "const" | "Option" | "Result" | "Self" | "crate"))
            .collect();
        // `Result<u16, Error>`: the error type says nothing of the value.
        let value = if ty.trim_start().starts_with("Result") { &words[..words.len().min(1)] } else { &words[..] };
        !value.is_empty() && value.iter().all(|w| INTEGER_TYPES.contains(w) || self.unit_enums.contains(*w))
    }
}

/// Scans one Rust file for [`RustValueFacts`]: declarations `NAME: Type`
/// (consts, statics, fields, parameters) and `fn name(..) -> Type` of names
/// `is_secret` accepts, and field-less `enum`s. A declaration with one
/// capitalised type is kept in `enum_typed` and judged after the merge, when
/// the enums of every file are known.
pub fn scan_rust_values(text: &str, is_secret: impl Fn(&str) -> bool) -> RustValueFacts {
    let mut out = RustValueFacts::default();
    // Field-less enums first, so declarations of this file can use them.
    let mut from = 0;
    while let Some(i) = text[from..].find("enum ") {
        let at = from + i;
        from = at + 5;
        if at > 0 && is_ident_char(text.as_bytes()[at - 1]) {
            continue;
        }
        let rest = &text[from..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after = rest[name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let body = block(after);
        let inner = &body[1..body.len().saturating_sub(1)];
        let unit = inner.lines().map(|l| l.split("//").next().unwrap_or("").trim()).all(|l| {
            l.is_empty() || l.starts_with('#') || {
                let v = l.split('=').next().unwrap_or("").trim().trim_end_matches(',');
                v.chars().all(|c| c.is_alphanumeric() || c == '_' || c == ',' || c == ' ')
            }
        });
        if unit {
            out.unit_enums.insert(name);
        }
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') || (i > 0 && is_ident_char(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_ident_char(bytes[i]) {
            i += 1;
        }
        let name = &text[start..i];
        if !is_secret(name) {
            continue;
        }
        let rest = &text[i..];
        let fn_decl = text[..start].trim_end().ends_with("fn");
        let ty = if fn_decl {
            // `fn api_key(&self) -> u16 {`: the return type.
            let Some(close) = rest.find(')') else { continue };
            let sig = &rest[close + 1..];
            let end = sig.find(['{', ';']).unwrap_or(sig.len());
            let sig = sig[..end].split(" where").next().unwrap_or("");
            match sig.trim().strip_prefix("->") {
                Some(t) => t.trim().to_string(),
                None => continue,
            }
        } else {
            let r = rest.trim_start();
            let Some(t) = r.strip_prefix(':').filter(|t| !t.starts_with(':')) else { continue };
            // A declaration, not a struct literal's `api_key: value`: only
            // after `const`/`static`/`let`, at a line start (a field or a
            // parameter on its own line) or in a parameter list.
            let before = text[..start].trim_end();
            let before = before.strip_suffix("mut").map(str::trim_end).unwrap_or(before);
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            let lead = text[line_start..start].trim();
            let decl = matches!(lead, "" | "pub" | "pub(crate)" | "pub(super)")
                || ["const", "static", "let", "(", ","].iter().any(|k| before.ends_with(k));
            if !decl {
                continue;
            }
            let end = t.find([',', '=', ';', '{', ')', '\n']).unwrap_or(t.len());
            // `Option<u16>`: `,`/`)` inside angle brackets end nothing here
            // for the integer forms we accept, so a cut type is judged as is.
            t[..end].trim().to_string()
        };
        if ty.is_empty() {
            continue;
        }
        let bare = ty.chars().all(|c| c.is_alphanumeric() || c == '_');
        let screaming = ty.rsplit("::").next().is_some_and(|l| l.chars().all(|c| !c.is_lowercase()));
        if ty.starts_with(|c: char| c.is_ascii_digit() || c == '"')
            || ty.contains(['(', '.'])
            || (bare
                && ty.starts_with(char::is_lowercase)
                && !PRIMITIVES.contains(&ty.as_str())
                && !INTEGER_TYPES.contains(&ty.as_str()))
            || screaming
        {
            // An expression (`Header { api_key: key.clone() }`, `api_key:
            // value`, `api_key: R::API_KEY` in a struct literal), not a type.
            continue;
        }
        if ty
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .all(|w| w.is_empty() || w == "Option" || INTEGER_TYPES.contains(&w))
        {
            out.numeric.insert(name.to_string());
        } else if let Some(e) = enum_like(&ty) {
            out.enum_typed.entry(name.to_string()).or_default().insert(e);
        } else {
            out.elsewhere.insert(name.to_string());
        }
    }
    out
}

/// The simple name of a type written as one capitalised path
/// (`AdminPublicApiKey`, `&proto::ApiKey`), which may be a field-less enum.
fn enum_like(ty: &str) -> Option<String> {
    let t = ty.trim_start_matches('&').trim();
    let last = t.rsplit("::").next().unwrap_or(t);
    (last.chars().next().is_some_and(char::is_uppercase) && last.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| last.to_string())
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
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
    fn python_text_forms_show_their_attributes() {
        let text = "class Token(Base):\n    value = Column()\n\n    def __repr__(self):\n        return f'<Token {self.id} {self.name}>'\n\n    def other(self):\n        return self.value\n\n\
                    class Share(Base):\n    def __str__(self): return format_repr(self, 'id', 'owner_id')\n\n\
                    @dataclass(frozen=True)\nclass Pair:\n    access_token: str\n    expires: int = 0\n\n\
                    class Plain:\n    token: str\n";
        let mut forms = BTreeMap::new();
        scan_python_text_forms(text, &mut forms);
        let shown = |c: &str| forms.get(c).map(|v: &BTreeSet<String>| v.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(shown("Token"), Some(vec!["id", "name"]), "not `value`, read by another method");
        assert_eq!(shown("Share"), Some(vec!["id", "owner_id"]));
        assert_eq!(shown("Pair"), Some(vec!["access_token", "expires"]));
        assert_eq!(shown("Plain"), None, "no text form of its own: unknown");
        let cat = &Catalog::builtin().secrets;
        let facts = EndpointFacts { text_forms: forms, ..Default::default() };
        assert_eq!(record_shows_secret(&PyRecord::Of("Token".into()), &facts, cat), Some(false));
        assert_eq!(record_shows_secret(&PyRecord::Of("Pair".into()), &facts, cat), Some(true));
        assert_eq!(record_shows_secret(&PyRecord::Of("Plain".into()), &facts, cat), None);
        assert_eq!(record_shows_secret(&PyRecord::Mapped, &facts, cat), Some(true), "Pair shows a token");
        // A wrapper named like a secret that prints one attribute as it is.
        let mut wrappers = BTreeMap::new();
        scan_python_text_forms(
            "class SessionToken:\n    def __str__(self):\n        return str(self.value)\n\n\
             class Label:\n    def __str__(self):\n        return self.value\n",
            &mut wrappers,
        );
        let facts = EndpointFacts { text_forms: wrappers, ..Default::default() };
        assert_eq!(record_shows_secret(&PyRecord::Of("SessionToken".into()), &facts, cat), Some(true));
        assert_eq!(record_shows_secret(&PyRecord::Of("Label".into()), &facts, cat), Some(false));
    }

    #[test]
    fn numeric_secret_names() {
        let cat = &Catalog::builtin().secrets;
        let secret = |n: &str| secret_name(n, cat).is_some();
        let mut f = scan_rust_values(
            "#[repr(u16)]\npub enum AdminApiKey {\n    // old\n    Create = 1,\n    Delete = 2,\n}\n\
             pub enum Auth { Token(String), None }\n\
             trait Request { const API_KEY: u16; }\n\
             impl Header { pub fn api_key(&self) -> i16 { self.api_key } }\n\
             struct Header {\n    pub api_key: i16,\n    kind: AdminApiKey,\n}\n\
             struct Attrs {\n    pub api_key: Option<u8>,\n}\n\
             fn decode(request_key: AdminApiKey) {}\n\
             fn build() -> Config { Config { secret_key: key.clone(), ..Default::default() } }\n",
            secret,
        );
        assert!(f.unit_enums.contains("AdminApiKey"));
        assert!(!f.unit_enums.contains("Auth"), "a variant carries data");
        assert!(f.is_numeric("API_KEY"));
        assert!(f.is_numeric("api_key"));
        assert!(!f.is_numeric("secret_key"), "a struct literal's value is no declaration");
        assert!(f.numeric_type("Option<u16>") && f.numeric_type("AdminApiKey") && !f.numeric_type("String"));
        // Another file declares `api_key` as text: the name says nothing then.
        f.merge(scan_rust_values("struct Config {\n    api_key: String,\n}\n", secret));
        assert!(!f.is_numeric("api_key"));
        assert!(f.is_numeric("API_KEY"));
        // A type that is a struct, not a field-less enum, stays unknown.
        let g = scan_rust_values("pub struct ApiKey(String);\nfn f(api_key: ApiKey) {}\n", secret);
        assert!(!g.is_numeric("api_key"));
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
