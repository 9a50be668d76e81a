//! `pagerproof server`: a Language Server Protocol server over stdio.
//!
//! One thread runs the loop: messages are read from the client, open
//! buffers kept in memory, and a buffer is checked on open, on save and
//! 150 ms after its last change. A check is an ordinary [`crate::check`] of
//! the whole workspace with the open buffers as its [`crate::Overlay`] and
//! [`crate::Options::report_only`] naming the buffer's file: the project facts
//! (an `axios.defaults.timeout` set in another file) come from every file,
//! the findings from the one being edited, and the result cache keeps the
//! unchanged files' facts from being computed again on each keystroke.
//!
//! Findings become LSP diagnostics in [`convert`]; code actions (apply the
//! rule's fix, suppress it, open its doc) are built there too.

pub mod convert;
pub mod text;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification as notif, request as req};
use serde_json::{Value, json};

use crate::config;
use crate::diagnostic::Diagnostic;
use crate::{Options, Overlay};

pub use text::Encoding;

/// How long after the last keystroke a buffer is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// The command that opens a rule's documentation (its one argument: the URL).
pub const OPEN_DOC_COMMAND: &str = "pagerproof.openRuleDoc";

/// Runs the server on stdin/stdout until the client says `exit`. Returns
/// the process's exit code: 0 after `shutdown` then `exit`, 1 otherwise
/// (as the protocol asks).
pub fn run_stdio() -> anyhow::Result<u8> {
    let (connection, io_threads) = Connection::stdio();
    let code = serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(code)
}

/// Serves one client on `connection` (see [`run_stdio`]).
pub fn serve(connection: &Connection) -> anyhow::Result<u8> {
    let (id, params) = connection.initialize_start()?;
    let mut server = Server::new(connection, &params);
    let result = json!({
        "capabilities": server.capabilities(),
        "serverInfo": { "name": "pagerproof", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result)?;
    server.start();
    Ok(server.main_loop())
}

/// One open buffer.
struct Doc {
    path: PathBuf,
    text: String,
    version: i32,
    /// The findings last published, and the version they were computed for
    /// (a fix is offered only while the buffer is still that version).
    findings: Vec<Diagnostic>,
    findings_version: i32,
    /// The text the findings' spans point into (normalised as the engine
    /// reads files), for fix edits.
    findings_text: Option<Arc<str>>,
}

/// What the client can do, from its `initialize` capabilities.
struct ClientCaps {
    encoding: Encoding,
    /// LSP 3.18 `SnippetTextEdit` in workspace edits.
    snippet_edits: bool,
    show_document: bool,
    watch_registration: bool,
}

struct Server<'a> {
    conn: &'a Connection,
    caps: ClientCaps,
    /// The workspace root: where the config is looked for and the project
    /// walked from.
    root: Option<PathBuf>,
    /// The options every check starts from (the config's, or defaults).
    base: Option<Options>,
    /// The config file in effect, or the broken one, and whether a
    /// diagnostic is shown on it.
    config_file: Option<PathBuf>,
    config_error_shown: Option<lsp_types::Uri>,
    docs: HashMap<lsp_types::Uri, Doc>,
    /// Buffers changed and not yet checked, with when to check them.
    pending: HashMap<lsp_types::Uri, Instant>,
    shutdown: bool,
    next_request: i32,
    /// Every workspace file's project facts, kept between checks.
    memo: Arc<crate::FactsMemo>,
}

impl<'a> Server<'a> {
    fn new(conn: &'a Connection, params: &Value) -> Server<'a> {
        let caps = &params["capabilities"];
        let encodings = caps["general"]["positionEncodings"].as_array();
        let utf8 = encodings.is_some_and(|e| e.iter().any(|v| v == "utf-8"));
        let caps = ClientCaps {
            encoding: if utf8 { Encoding::Utf8 } else { Encoding::Utf16 },
            snippet_edits: caps["workspace"]["workspaceEdit"]["snippetEditSupport"] == true,
            show_document: caps["window"]["showDocument"]["support"] == true,
            watch_registration: caps["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"] == true,
        };
        let root = params["workspaceFolders"]
            .get(0)
            .and_then(|f| f["uri"].as_str())
            .or_else(|| params["rootUri"].as_str())
            .and_then(text::uri_to_path)
            .or_else(|| params["rootPath"].as_str().map(PathBuf::from))
            .map(|p| crate::walk::normalize(&p));
        Server {
            conn,
            caps,
            root,
            base: None,
            config_file: None,
            config_error_shown: None,
            docs: HashMap::new(),
            pending: HashMap::new(),
            shutdown: false,
            next_request: 0,
            memo: Arc::default(),
        }
    }

    fn capabilities(&self) -> Value {
        json!({
            "positionEncoding": self.caps.encoding.as_str(),
            "textDocumentSync": {
                "openClose": true,
                "change": 2, // incremental
                "save": { "includeText": false },
            },
            "codeActionProvider": { "codeActionKinds": ["quickfix"] },
            "executeCommandProvider": { "commands": [OPEN_DOC_COMMAND] },
        })
    }

    /// After `initialized`: load the config, ask to be told of config changes.
    fn start(&mut self) {
        if self.root.is_some() {
            self.load_config();
        }
        if self.caps.watch_registration {
            let watchers = json!([{ "globPattern": "**/pagerproof.toml" }, { "globPattern": "**/pyproject.toml" }]);
            let params = json!({ "registrations": [{
                "id": "pagerproof-config",
                "method": notif::DidChangeWatchedFiles::METHOD,
                "registerOptions": { "watchers": watchers },
            }]});
            self.request(req::RegisterCapability::METHOD, params);
        }
    }

    fn main_loop(&mut self) -> u8 {
        loop {
            let next = self.pending.values().min().copied();
            let msg = match next {
                Some(at) => match self.conn.receiver.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return self.exit_code(),
                },
                None => match self.conn.receiver.recv() {
                    Ok(m) => Some(m),
                    Err(_) => return self.exit_code(),
                },
            };
            match msg {
                Some(Message::Request(r)) => self.on_request(r),
                Some(Message::Notification(n)) => {
                    if n.method == notif::Exit::METHOD {
                        return self.exit_code();
                    }
                    // A panic while handling one message must not end the session.
                    if catch_unwind(AssertUnwindSafe(|| self.on_notification(n))).is_err() {
                        self.log("internal error while handling a notification; continuing");
                    }
                }
                Some(Message::Response(_)) | None => {}
            }
            self.check_due();
        }
    }

    fn exit_code(&self) -> u8 {
        if self.shutdown { 0 } else { 1 }
    }

    // ---- requests ----

    fn on_request(&mut self, r: Request) {
        if self.shutdown {
            self.respond_err(r.id, ErrorCode::InvalidRequest, "the server is shutting down");
            return;
        }
        let id = r.id.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handle_request(r)));
        let response = match outcome {
            Ok(Ok(v)) => Response::new_ok(id, v),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => Response::new_err(id, ErrorCode::InternalError as i32, "internal error".into()),
        };
        let _ = self.conn.sender.send(response.into());
    }

    fn handle_request(&mut self, r: Request) -> Result<Value, (ErrorCode, String)> {
        let bad = |e: serde_json::Error| (ErrorCode::InvalidParams, e.to_string());
        match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = serde_json::from_value(r.params).map_err(bad)?;
                Ok(self.code_actions(&p))
            }
            req::ExecuteCommand::METHOD => {
                let p: lsp_types::ExecuteCommandParams = serde_json::from_value(r.params).map_err(bad)?;
                self.execute_command(&p)
            }
            _ => Err((ErrorCode::MethodNotFound, format!("pagerproof does not handle {}", r.method))),
        }
    }

    fn code_actions(&self, p: &lsp_types::CodeActionParams) -> Value {
        let uri = &p.text_document.uri;
        let Some(doc) = self.docs.get(uri) else { return json!([]) };
        let wanted = |kind: &str| {
            p.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|k| k.as_str() == kind || kind.starts_with(&format!("{}.", k.as_str())))
            })
        };
        let mut actions = Vec::new();
        for shown in &p.context.diagnostics {
            if shown.source.as_deref() != Some("pagerproof") {
                continue;
            }
            let Some(lsp_types::NumberOrString::String(code)) = &shown.code else { continue };
            let Some(rule) = crate::registry::find(code) else { continue };
            // The fix, from the finding as computed for this very text.
            let finding = (doc.findings_version == doc.version)
                .then(|| {
                    doc.findings.iter().find(|d| {
                        d.rule.code == rule.code
                            && convert::range_of(d, self.caps.encoding) == shown.range
                            && d.fix.is_some()
                    })
                })
                .flatten();
            // A suggestion is not mechanical (callers must change too): the
            // finding's message shows it, no action applies it.
            if let (Some(d), Some(src)) = (finding, &doc.findings_text)
                && let Some(fix) = &d.fix
                && fix.applicability != crate::diagnostic::Applicability::Suggestion
                && wanted("quickfix")
            {
                actions.push(convert::fix_action(uri, doc.version, fix, src, shown, self.caps.encoding));
            }
            if wanted("quickfix") {
                actions.push(convert::suppress_action(
                    uri,
                    doc.version,
                    &doc.path,
                    &doc.text,
                    shown,
                    rule,
                    self.caps.snippet_edits,
                ));
            }
            if p.context.only.is_none() {
                actions.push(convert::doc_action(rule));
            }
        }
        Value::Array(actions)
    }

    fn execute_command(&mut self, p: &lsp_types::ExecuteCommandParams) -> Result<Value, (ErrorCode, String)> {
        if p.command != OPEN_DOC_COMMAND {
            return Err((ErrorCode::InvalidParams, format!("unknown command {}", p.command)));
        }
        let Some(url) = p.arguments.first().and_then(Value::as_str).map(str::to_string) else {
            return Err((ErrorCode::InvalidParams, "expected the documentation URL".into()));
        };
        if !url.starts_with(crate::REPOSITORY) {
            return Err((ErrorCode::InvalidParams, "not a pagerproof rule document".into()));
        }
        if self.caps.show_document {
            self.request(req::ShowDocument::METHOD, json!({ "uri": url, "external": true }));
        } else {
            self.notify(
                notif::ShowMessage::METHOD,
                json!({ "type": 3, "message": format!("Rule documentation: {url}") }),
            );
        }
        Ok(Value::Null)
    }

    // ---- notifications ----

    fn on_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params) else { return };
                let Some(path) = text::uri_to_path(p.text_document.uri.as_str()) else { return };
                if self.root.is_none() && self.base.is_none() {
                    // No workspace: the file's repository (or directory) is one.
                    self.root = Some(guess_root(&path));
                    self.load_config();
                }
                let uri = p.text_document.uri;
                let doc = Doc {
                    path,
                    text: p.text_document.text,
                    version: p.text_document.version,
                    findings: Vec::new(),
                    findings_version: -1,
                    findings_text: None,
                };
                self.docs.insert(uri.clone(), doc);
                self.check_now(&uri, true);
            }
            notif::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&p.text_document.uri) else { return };
                for change in p.content_changes {
                    match change.range {
                        Some(range) => text::apply_change(&mut doc.text, range, &change.text, self.caps.encoding),
                        None => doc.text = change.text,
                    }
                }
                doc.version = p.text_document.version;
                self.pending.insert(p.text_document.uri, Instant::now() + DEBOUNCE);
            }
            notif::DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params) else { return };
                let saved = text::uri_to_path(p.text_document.uri.as_str());
                if saved.as_deref().is_some_and(is_config_name) {
                    self.load_config();
                }
                // A saved file's facts reach the other buffers: check them all.
                self.check_all();
            }
            notif::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                self.docs.remove(&p.text_document.uri);
                self.pending.remove(&p.text_document.uri);
                self.publish(&p.text_document.uri, Vec::new(), None);
            }
            notif::DidChangeWatchedFiles::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeWatchedFilesParams>(n.params) else {
                    return;
                };
                let paths: Vec<PathBuf> = p.changes.iter().filter_map(|c| text::uri_to_path(c.uri.as_str())).collect();
                if paths.iter().any(|p| is_config_name(p)) {
                    self.load_config();
                }
                self.check_all();
            }
            notif::DidChangeConfiguration::METHOD => {
                self.load_config();
                self.check_all();
            }
            _ => {}
        }
    }

    // ---- config ----

    /// Finds and loads the workspace's config as `check` does; a broken one
    /// is shown as a diagnostic on it, and the defaults are used meanwhile.
    fn load_config(&mut self) {
        let Some(root) = self.root.clone() else { return };
        let found = config::search(&root).found;
        let previous = self.config_error_shown.take();
        let config = match &found {
            None => None,
            Some(f) => match catch_unwind(|| config::load(f, &root)) {
                Ok(Ok(c)) => Some(c),
                Ok(Err(e)) => {
                    let uri = text::path_to_uri(&f.path);
                    let text = std::fs::read_to_string(&f.path).unwrap_or_default();
                    let d = convert::config_error(&e, &text, self.caps.encoding);
                    if let Some(uri) = uri {
                        self.publish(&uri, vec![d], None);
                        self.config_error_shown = Some(uri);
                    }
                    self.log(&format!("config error, using the defaults: {}", e.message));
                    None
                }
                Err(_) => {
                    self.log("internal error while reading the config; using the defaults");
                    None
                }
            },
        };
        if let Some(old) = previous
            && self.config_error_shown.as_ref() != Some(&old)
        {
            self.publish(&old, Vec::new(), None);
        }
        self.config_file = found.map(|f| f.path);
        self.base = Some(crate::cli::check::options_from_config(vec![root.clone()], root, config));
    }

    // ---- checking ----

    fn check_due(&mut self) {
        let now = Instant::now();
        let due: Vec<lsp_types::Uri> =
            self.pending.iter().filter(|(_, at)| **at <= now).map(|(u, _)| u.clone()).collect();
        for uri in due {
            self.pending.remove(&uri);
            self.check_now(&uri, false);
        }
    }

    fn check_all(&mut self) {
        let uris: Vec<lsp_types::Uri> = self.docs.keys().cloned().collect();
        for uri in uris {
            self.pending.remove(&uri);
            self.check_now(&uri, true);
        }
    }

    /// Checks one buffer and publishes its diagnostics; `from_disk` for the
    /// checks on open, save and config changes (not keystrokes).
    fn check_now(&mut self, uri: &lsp_types::Uri, from_disk: bool) {
        let Some(doc) = self.docs.get(uri) else { return };
        // A file pagerproof does not read (a config, a README) gets nothing.
        if crate::source::Grammar::from_path(&doc.path).is_none() {
            return;
        }
        let Some(mut options) = self.base.clone() else { return };
        let mut overlay = Overlay::default();
        for d in self.docs.values() {
            overlay.insert(&d.path, &options.cwd, d.text.as_str());
        }
        options.overlay = Some(Arc::new(overlay));
        options.report_only = Some(Arc::new(vec![doc.path.clone()]));
        options.facts_memo = Some(Arc::clone(&self.memo));
        // Measured on a 258k-line workspace: with the memo, the result cache
        // saves a keystroke nothing and costs a rewrite of its file and twice
        // the memory. It serves the checks that start from the disk (open,
        // save, a config change): the first of a session starts warm from
        // what `check` left, and the saved text is stored for the next.
        if !from_disk {
            options.cache_dir = None;
        }
        if !doc.path.starts_with(&options.cwd) {
            options.paths.push(doc.path.clone());
        }
        let version = doc.version;
        let path = doc.path.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| crate::check(&options)));
        let report = match outcome {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                self.log(&format!("check failed: {e}"));
                return;
            }
            Err(_) => {
                self.log(&format!("internal error while checking {}", path.display()));
                return;
            }
        };
        let mut out = Vec::new();
        for d in &report.diagnostics {
            let src = report.sources.get(&d.path).zip(report.sources.line_index(&d.path));
            out.push(convert::diagnostic(d, uri, src, self.caps.encoding));
        }
        for n in &report.notices {
            out.extend(convert::notice(n));
        }
        let text = report.diagnostics.first().and_then(|d| report.sources.get(&d.path)).cloned();
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.findings = report.diagnostics;
            doc.findings_version = version;
            doc.findings_text = text;
        }
        self.publish(uri, out, Some(version));
    }

    // ---- sending ----

    fn publish(&self, uri: &lsp_types::Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = lsp_types::PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version };
        self.notify(notif::PublishDiagnostics::METHOD, serde_json::to_value(params).unwrap_or_default());
    }

    fn notify(&self, method: &str, params: Value) {
        let _ = self.conn.sender.send(Notification::new(method.to_string(), params).into());
    }

    fn request(&mut self, method: &str, params: Value) {
        self.next_request += 1;
        let id = RequestId::from(format!("pagerproof-{}", self.next_request));
        let _ = self.conn.sender.send(Request::new(id, method.to_string(), params).into());
    }

    fn respond_err(&self, id: RequestId, code: ErrorCode, message: &str) {
        let _ = self.conn.sender.send(Response::new_err(id, code as i32, message.to_string()).into());
    }

    fn log(&self, message: &str) {
        self.notify(notif::LogMessage::METHOD, json!({ "type": 2, "message": format!("pagerproof: {message}") }));
    }
}

/// `pagerproof.toml` or `pyproject.toml`.
fn is_config_name(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == config::FILE_NAME || n == "pyproject.toml")
}

/// Without a workspace folder, the nearest directory above `file` holding
/// `.git` or a config, else the file's own directory.
fn guess_root(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new("/"));
    dir.ancestors()
        .find(|d| d.join(".git").exists() || d.join(config::FILE_NAME).is_file())
        .unwrap_or(dir)
        .to_path_buf()
}
