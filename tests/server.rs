//! `pagerproof server` spoken to over the protocol: the real binary, spawned,
//! with framed JSON-RPC messages on its stdin and stdout.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

const PY: &str = "import requests\n\ndef g(u):\n    return requests.get(u)\n";

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for another.
    seen: Vec<Value>,
    _cache: tempfile::TempDir,
}

impl Client {
    /// Starts the server with `root` as the workspace and `caps` as the
    /// client's capabilities; returns the client and the initialize result.
    fn start(root: &Path, caps: Value) -> (Client, Value) {
        let cache = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pagerproof"))
            .arg("server")
            .current_dir(root)
            .env("XDG_CACHE_HOME", cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("a Content-Length header")];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice::<Value>(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client { child, stdin, rx, next_id: 0, seen: Vec::new(), _cache: cache };
        let uri = uri(root);
        let init = c.request(
            "initialize",
            json!({ "processId": null, "rootUri": uri, "capabilities": caps,
                    "workspaceFolders": [{ "uri": uri, "name": "ws" }] }),
        );
        c.notify("initialized", json!({}));
        (c, init)
    }

    fn send(&mut self, msg: Value) {
        let body = serde_json::to_string(&msg).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its response (`result` or `error`).
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.request_raw(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// The first message (already seen or still to come) that `pred` accepts.
    fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            match self.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.seen.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("no such message in {WAIT:?}; saw {:#?}", self.seen),
                Err(RecvTimeoutError::Disconnected) => panic!("the server exited; saw {:#?}", self.seen),
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait_for(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) -> Vec<Value> {
        let doc = json!({ "uri": uri, "languageId": language, "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": doc }));
        self.diagnostics(uri)
    }

    fn change(&mut self, uri: &str, version: i32, changes: Value) {
        let doc = json!({ "uri": uri, "version": version });
        self.notify("textDocument/didChange", json!({ "textDocument": doc, "contentChanges": changes }));
    }

    /// `shutdown` then `exit`; returns the exit code.
    fn finish(mut self) -> i32 {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

fn range(d: &Value) -> (u64, u64, u64, u64) {
    let r = &d["range"];
    let n = |v: &Value| v.as_u64().unwrap();
    (n(&r["start"]["line"]), n(&r["start"]["character"]), n(&r["end"]["line"]), n(&r["end"]["character"]))
}

/// A workspace whose config runs every rule (most are preview).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("pagerproof.toml"), "preview = true\n").unwrap();
    dir
}

#[test]
fn open_publishes_findings_with_code_doc_link_and_range_and_close_clears_them() {
    let dir = project();
    std::fs::write(dir.path().join("app.py"), PY).unwrap();
    let (mut c, init) = Client::start(dir.path(), json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["serverInfo"]["name"], "pagerproof");
    let u = uri(&dir.path().join("app.py"));
    let diags = c.open(&u, "python", PY);
    assert_eq!(codes(&diags), ["PP201"]);
    let d = &diags[0];
    assert_eq!(range(d), (3, 11, 3, 26));
    assert_eq!(d["source"], "pagerproof");
    assert_eq!(d["severity"], 2);
    assert_eq!(
        d["codeDescription"]["href"],
        "https://github.com/pagerproof/pagerproof/blob/main/rules/request-without-timeout.md"
    );
    c.notify("textDocument/didClose", json!({ "textDocument": { "uri": u } }));
    assert!(c.diagnostics(&u).is_empty());
    assert_eq!(c.finish(), 0);
}

#[test]
fn incremental_changes_are_checked_after_the_debounce() {
    let dir = project();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    // An unsaved buffer with no file on disk yet.
    let u = uri(&dir.path().join("new.py"));
    assert_eq!(codes(&c.open(&u, "python", PY)), ["PP201"]);
    // Type `, timeout=5` one piece at a time, faster than the debounce:
    // one check follows, on the whole edit.
    let at = |ch: u32| json!({ "start": { "line": 3, "character": ch }, "end": { "line": 3, "character": ch } });
    let mut version = 1;
    for (i, piece) in [", ", "timeout", "=5"].iter().enumerate() {
        version += 1;
        let ch = 25 + [0, 2, 9][i];
        c.change(&u, version, json!([{ "range": at(ch), "text": piece }]));
    }
    let d = c.diagnostics(&u);
    assert!(d.is_empty(), "{d:?}");
    // Replace `, timeout=5)` with `)`, a newline and a new call.
    version += 1;
    let r = json!({ "start": { "line": 3, "character": 25 }, "end": { "line": 3, "character": 37 } });
    c.change(&u, version, json!([{ "range": r, "text": ")\n    requests.post(u)" }]));
    let d = c.diagnostics(&u);
    assert_eq!(codes(&d), ["PP201", "PP201"]);
    assert_eq!(range(&d[1]), (4, 4, 4, 20));
    // A full-text change works too.
    version += 1;
    c.change(&u, version, json!([{ "text": "x = 1\n" }]));
    assert!(c.diagnostics(&u).is_empty());
    assert_eq!(c.finish(), 0);
}

#[test]
fn columns_are_utf16_code_units_unless_the_client_offers_utf8() {
    let dir = project();
    let text = "import requests\n\ndef g(u):\n    x = \"é😀\"; return requests.get(u)\n";
    let path = dir.path().join("uni.py");
    let u = uri(&path);
    // é is one UTF-16 unit and two bytes; 😀 is two units and four bytes.
    let (mut c, _) = Client::start(dir.path(), json!({}));
    assert_eq!(range(&c.open(&u, "python", text)[0]), (3, 22, 3, 37));
    // An edit after the emoji, in UTF-16 units: `return` → `return  `.
    c.change(
        &u,
        2,
        json!([{ "range": { "start": { "line": 3, "character": 21 },
                                          "end": { "line": 3, "character": 21 } }, "text": "  " }]),
    );
    assert_eq!(range(&c.diagnostics(&u)[0]), (3, 24, 3, 39));
    assert_eq!(c.finish(), 0);

    let (mut c, init) = Client::start(dir.path(), json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(range(&c.open(&u, "python", text)[0]), (3, 25, 3, 40));
    c.change(
        &u,
        2,
        json!([{ "range": { "start": { "line": 3, "character": 24 },
                                          "end": { "line": 3, "character": 24 } }, "text": "  " }]),
    );
    assert_eq!(range(&c.diagnostics(&u)[0]), (3, 27, 3, 42));
    assert_eq!(c.finish(), 0);
}

#[test]
fn another_files_facts_count_and_a_saved_change_to_them_reaches_open_buffers() {
    let dir = project();
    let client = "import axios from 'axios';\nexport const f = (u: string) => axios.get(u);\n";
    std::fs::write(dir.path().join("setup.ts"), "import axios from 'axios';\naxios.defaults.timeout = 5000;\n")
        .unwrap();
    std::fs::write(dir.path().join("client.ts"), client).unwrap();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    let cu = uri(&dir.path().join("client.ts"));
    assert!(c.open(&cu, "typescript", client).is_empty(), "setup.ts sets the default timeout");
    // Remove the default in the setup buffer and save it: the client's call is a finding now.
    let su = uri(&dir.path().join("setup.ts"));
    c.open(&su, "typescript", "import axios from 'axios';\naxios.defaults.timeout = 5000;\n");
    let r = json!({ "start": { "line": 1, "character": 0 }, "end": { "line": 2, "character": 0 } });
    c.change(&su, 2, json!([{ "range": r, "text": "" }]));
    c.notify("textDocument/didSave", json!({ "textDocument": { "uri": su } }));
    let d = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == cu.as_str()
            && !m["params"]["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(d["params"]["diagnostics"][0]["code"], "PP201");
    assert_eq!(c.finish(), 0);
}

#[test]
fn a_config_change_mid_session_applies_and_a_broken_config_is_a_diagnostic_on_it() {
    let dir = project();
    let cfg = dir.path().join("pagerproof.toml");
    // jump-in-finally runs by default; the config turns it off.
    let py = "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n";
    std::fs::write(&cfg, "ignore = [\"PP103\"]\n").unwrap();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    let u = uri(&dir.path().join("app.py"));
    assert!(c.open(&u, "python", py).is_empty(), "the config ignores PP103");

    // Broken: the server keeps going with the defaults and says where.
    std::fs::write(&cfg, "ignore = [\"PP103\"]\nselect = 3\n").unwrap();
    let changed = json!({ "changes": [{ "uri": uri(&cfg), "type": 2 }] });
    c.notify("workspace/didChangeWatchedFiles", changed.clone());
    let on_config = c.diagnostics(&uri(&cfg));
    assert_eq!(codes(&on_config), ["config"]);
    assert_eq!(on_config[0]["severity"], 1);
    assert_eq!(range(&on_config[0]).0, 1, "{on_config:?}");
    assert_eq!(codes(&c.diagnostics(&u)), ["PP103"]);

    // Fixed and saved from the editor: the error goes, the config applies.
    std::fs::write(&cfg, "ignore = [\"PP103\"]\n").unwrap();
    c.notify("textDocument/didSave", json!({ "textDocument": { "uri": uri(&cfg) } }));
    assert!(c.diagnostics(&uri(&cfg)).is_empty());
    assert!(c.diagnostics(&u).is_empty());
    assert_eq!(c.finish(), 0);
}

#[test]
fn code_actions_suppress_with_the_languages_comment_and_open_the_doc() {
    let dir = project();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    let u = uri(&dir.path().join("app.py"));
    let diags = c.open(&u, "python", PY);
    let params = json!({ "textDocument": { "uri": u }, "range": diags[0]["range"],
                         "context": { "diagnostics": diags } });
    let actions = c.request("textDocument/codeAction", params.clone());
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Fix (unsafe): Add `timeout=10`",
            "Suppress PP201 on this line (pagerproof: ignore)",
            "Open the documentation of PP201 (request-without-timeout)"
        ]
    );
    // The rule's fix, on the version it was computed for, not preferred
    // (it is unsafe: a timeout that can now fire).
    let fix = &actions[0];
    assert_eq!(fix["isPreferred"], false);
    assert_eq!(fix["edit"]["documentChanges"][0]["textDocument"]["version"], 1);
    assert!(fix["edit"]["documentChanges"][0]["edits"][0]["newText"].as_str().unwrap().contains("timeout=10"), "{fix}");
    let edit = &actions[1]["edit"]["documentChanges"][0];
    assert_eq!(edit["textDocument"]["version"], 1);
    assert_eq!(edit["edits"][0]["newText"], "    # pagerproof: ignore[PP201] -- \n");
    assert_eq!(edit["edits"][0]["range"]["start"], json!({ "line": 3, "character": 0 }));

    // Applied (with a reason), the finding is gone.
    let at = json!({ "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 0 } });
    c.change(&u, 2, json!([{ "range": at, "text": "    # pagerproof: ignore[PP201] -- the caller has a deadline\n" }]));
    assert!(c.diagnostics(&u).is_empty());

    // The doc command asks the client to open the link.
    let cmd = &actions[2]["command"];
    let r = c.request("workspace/executeCommand", json!({ "command": cmd["command"], "arguments": cmd["arguments"] }));
    assert_eq!(r, Value::Null);
    let shown = c.wait_for(|m| m["method"] == "window/showMessage");
    assert!(shown["params"]["message"].as_str().unwrap().ends_with("/rules/request-without-timeout.md"));

    // `only` without quickfix: nothing.
    let mut only = params;
    only["context"]["only"] = json!(["refactor"]);
    assert_eq!(c.request("textDocument/codeAction", only), json!([]));
    assert_eq!(c.finish(), 0);
}

#[test]
fn suppression_comments_follow_the_language_and_snippet_clients_get_the_cursor_at_the_reason() {
    let dir = project();
    let caps = json!({ "workspace": { "workspaceEdit": { "snippetEditSupport": true } },
                       "window": { "showDocument": { "support": true } } });
    let (mut c, _) = Client::start(dir.path(), caps);
    let ts = "import axios from 'axios';\nexport async function f(u: string) {\n\treturn axios.get(u);\n}\n";
    let u = uri(&dir.path().join("client.ts"));
    let diags = c.open(&u, "typescript", ts);
    assert_eq!(codes(&diags), ["PP201"]);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": u }, "range": diags[0]["range"], "context": { "diagnostics": diags } }),
    );
    let titled = |prefix: &str| {
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().starts_with(prefix)).unwrap().clone()
    };
    let edit = &titled("Suppress")["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(edit["snippet"], json!({ "kind": "snippet", "value": "\t// pagerproof: ignore[PP201] -- $0\n" }));
    let cmd = &titled("Open the documentation")["command"];
    c.request("workspace/executeCommand", json!({ "command": cmd["command"], "arguments": cmd["arguments"] }));
    let shown = c.wait_for(|m| m["method"] == "window/showDocument");
    assert_eq!(shown["params"]["external"], true);
    assert_eq!(c.finish(), 0);
}

#[test]
fn a_file_with_a_syntax_error_keeps_the_findings_of_its_sound_parts() {
    let dir = project();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    let text = "import requests\n\ndef broken(:\n    pass\n\ndef g(u):\n    return requests.get(u)\n";
    let u = uri(&dir.path().join("broken.py"));
    let diags = c.open(&u, "python", text);
    assert!(codes(&diags).contains(&"PP201"), "{diags:?}");
    assert!(codes(&diags).contains(&"syntax-error"), "{diags:?}");
    assert_eq!(c.finish(), 0);
}

#[test]
fn bad_input_is_answered_with_errors_and_the_session_goes_on() {
    let dir = project();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    let r = c.request_raw("textDocument/codeAction", json!({ "nonsense": true }));
    assert_eq!(r["error"]["code"], -32602);
    let r = c.request_raw("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    // Notifications with bad params, unknown documents, out-of-range edits.
    c.notify("textDocument/didOpen", json!({ "textDocument": 7 }));
    c.change("file:///nowhere.py", 2, json!([{ "text": "x" }]));
    let u = uri(&dir.path().join("app.py"));
    c.open(&u, "python", PY);
    let far = json!({ "start": { "line": 99, "character": 99 }, "end": { "line": 2, "character": 0 } });
    c.change(&u, 2, json!([{ "range": far, "text": "\u{0}\u{feff}" }]));
    // The NUL and BOM landed at the end, out of the tree's sound part.
    assert_eq!(codes(&c.diagnostics(&u))[0], "PP201");
    assert_eq!(c.finish(), 0);
}

#[test]
fn exit_without_shutdown_is_exit_code_1() {
    let dir = project();
    let (mut c, _) = Client::start(dir.path(), json!({}));
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 1);
}
