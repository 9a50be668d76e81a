//! The output contracts (docs: DESIGN "Output contracts", docs/json-schema.md):
//! SARIF structure, JSON fields, GitHub escaping and the text renderer, on
//! reports built by running `pagerproof::check` over small temporary projects.

use std::path::Path;

use pagerproof::diagnostic::{Applicability, Edit, Fix, Label};
use pagerproof::report::{Format, RenderOptions, render};
use pagerproof::select::Selection;
use pagerproof::source::Span;
use pagerproof::{Options, Report, check};
use serde_json::Value;

/// A finding on line 6, after characters outside the BMP (two UTF-16 code
/// units each) on the same line, so UTF-16 columns differ from char columns.
const MULTIBYTE: &str =
    "# café ☕ 𝄞\ndef handler():\n    try:\n        work()\n    finally:\n        label = \"𝄞𝄞\"; return None\n";

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

fn run(dir: &Path) -> Report {
    let mut options = Options::new(vec![dir.to_path_buf()], dir.to_path_buf());
    options.selection = Selection { select: vec!["jump-in-finally".to_string()], ..Selection::default() };
    options.jobs = Some(1);
    check(&options).expect("check runs")
}

fn rendered(report: &Report, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render(report, format, RenderOptions { color, quiet: false, fixes: Default::default() }, &mut out)
        .expect("renders");
    String::from_utf8(out).expect("UTF-8 output")
}

fn sarif(report: &Report) -> Value {
    let text = rendered(report, Format::Sarif, false);
    assert!(text.ends_with('\n'), "SARIF output ends with a newline");
    serde_json::from_str(&text).expect("SARIF is JSON")
}

#[test]
fn sarif_structure_rules_and_utf16_regions() {
    let dir = project(&[
        ("app/multi.py", MULTIBYTE.as_bytes()),
        ("web/a.ts", b"function f() {\n  try { g(); } finally { return 1; }\n}\n"),
    ]);
    let report = run(dir.path());
    assert_eq!(report.diagnostics.len(), 2, "{:?}", report.diagnostics);
    let log = sarif(&report);

    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "pagerproof");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], pagerproof::REPOSITORY);

    // Every rule that ran is described, entirely from its RuleMeta.
    let rules = driver["rules"].as_array().unwrap();
    let codes: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = report.rules.iter().map(|r| r.code).collect();
    assert_eq!(codes, expected);
    for (rule, meta) in rules.iter().zip(&report.rules) {
        assert!(rule["name"].as_str().is_some_and(|n| !n.is_empty() && !n.contains('-')));
        assert_eq!(rule["shortDescription"]["text"], format!("{}.", meta.summary));
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(full.len() <= 1024 && full.contains(meta.fix));
        assert_eq!(rule["help"]["text"], meta.doc);
        assert_eq!(rule["help"]["markdown"], meta.doc);
        assert_eq!(rule["helpUri"], meta.help_uri());
        assert_eq!(rule["defaultConfiguration"]["level"], meta.severity.as_str());
        let tags: Vec<&str> =
            rule["properties"]["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert_eq!(tags[0], meta.category.as_str());
        assert!(meta.languages.iter().all(|l| tags.contains(&l.as_str())));
        assert_eq!(rule["properties"]["precision"], meta.precision().as_str());
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (result, d) in results.iter().zip(&report.diagnostics) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at the result's rule");
        assert_eq!(result["ruleId"], "PP103");
        assert_eq!(result["level"], "warning");
        assert!(result["message"]["text"].as_str().unwrap().starts_with(&d.message));
        assert!(result["partialFingerprints"]["pagerproof/v1"].as_str().is_some_and(|f| f.len() == 16));
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        let physical = &locations[0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], d.path.as_str());
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(result.get("fixes").is_none(), "no fixes unless a diagnostic carries one");
    }

    // The Python finding: columns are UTF-16 code units.
    let py = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(py["artifactLocation"]["uri"], "app/multi.py");
    let line = MULTIBYTE.lines().nth(5).unwrap();
    let byte = line.find("return").unwrap();
    let utf16 = line[..byte].encode_utf16().count() as u64 + 1;
    let chars = line[..byte].chars().count() as u64 + 1;
    assert_ne!(utf16, chars, "the test line must make the two differ");
    assert_eq!(py["region"]["startLine"], 6);
    assert_eq!(py["region"]["startColumn"], utf16);
    assert_eq!(py["region"]["endLine"], 6);
    assert_eq!(py["region"]["endColumn"], utf16 + "return None".len() as u64);
    assert_eq!(py["region"]["snippet"]["text"], "return None");
    assert_eq!(py["contextRegion"]["startLine"], 5);
    assert!(py["contextRegion"]["snippet"]["text"].as_str().unwrap().contains("finally:"));

    // Notices: none here, and the run succeeded.
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run["invocations"][0].get("toolExecutionNotifications").is_none());

    // Deterministic.
    assert_eq!(rendered(&report, Format::Sarif, false), rendered(&run_again(dir.path()), Format::Sarif, false));
}

fn run_again(dir: &Path) -> Report {
    run(dir)
}

#[test]
fn fingerprints_survive_a_line_inserted_above() {
    let dir = project(&[("app/multi.py", MULTIBYTE.as_bytes())]);
    let fingerprint = |log: &Value| {
        let r = &log["runs"][0]["results"][0];
        (
            r["partialFingerprints"]["pagerproof/v1"].as_str().unwrap().to_string(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
        )
    };
    let (before, line_before) = fingerprint(&sarif(&run(dir.path())));
    std::fs::write(dir.path().join("app/multi.py"), format!("import os\n\n{MULTIBYTE}")).unwrap();
    let (after, line_after) = fingerprint(&sarif(&run(dir.path())));
    assert_eq!(line_after, line_before + 2);
    assert_eq!(before, after, "fingerprint must not depend on the line number");
}

#[test]
fn sarif_notices_labels_and_fixes() {
    let dir = project(&[
        ("app/multi.py", MULTIBYTE.as_bytes()),
        ("blob.js", b"x\0\xffy"),
        ("broken.py", b"def f(:\n  pass\n"),
    ]);
    let mut report = run(dir.path());
    // Rules being written in parallel will attach labels and fixes; attach
    // them by hand to check the emitter.
    let d = &mut report.diagnostics[0];
    let text = MULTIBYTE;
    let finally = text.find("finally").unwrap();
    d.labels.push(Label {
        span: Span::new(finally, finally + "finally".len()),
        message: "this `finally` runs on every exit".into(),
    });
    d.fix = Some(Fix {
        description: "Delete the `return`".into(),
        edits: vec![Edit { span: d.span, content: String::new() }],
        applicability: Applicability::Safe,
    });
    let log = sarif(&report);
    let run = &log["runs"][0];

    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    for n in notes {
        assert_eq!(n["level"], "warning");
        assert!(n["message"]["text"].as_str().unwrap().chars().next().unwrap().is_uppercase(), "sentence case");
        assert!(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    let result = &run["results"][0];
    let related = &result["relatedLocations"][0];
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 5);
    assert_eq!(related["physicalLocation"]["region"]["startColumn"], 5);
    assert_eq!(related["message"]["text"], "this `finally` runs on every exit.");
    let change = &result["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "app/multi.py");
    assert_eq!(change["replacements"][0]["deletedRegion"]["startLine"], 6);
    assert_eq!(result["fixes"][0]["properties"]["applicability"], "safe");

    // The terminal shows the label too.
    let text_out = rendered(&report, Format::Text, false);
    assert!(text_out.contains("this `finally` runs on every exit"), "{text_out}");
}

#[test]
fn json_schema_fields() {
    let dir = project(&[("app/multi.py", MULTIBYTE.as_bytes()), ("blob.js", b"x\0\xffy")]);
    let report = run(dir.path());
    let text = rendered(&report, Format::Json, false);
    assert!(text.ends_with('\n'));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["pagerproof_version"], env!("CARGO_PKG_VERSION"));
    let summary = &doc["summary"];
    assert_eq!(summary["warnings"], 1);
    assert_eq!(summary["errors"], 0);
    assert_eq!(summary["notes"], 0);
    assert_eq!(summary["files_checked"], 1);
    assert_eq!(summary["files_with_findings"], 1);
    assert_eq!(summary["notices"], 1);
    assert!(doc["rules"].as_array().unwrap().iter().any(|r| r["code"] == "PP103" && r["name"] == "jump-in-finally"));

    let d = &doc["diagnostics"][0];
    for key in ["code", "name", "category", "severity", "path", "message", "help", "help_uri", "fingerprint", "symbol"]
    {
        assert!(d[key].is_string(), "diagnostic field `{key}`: {d:#}");
    }
    assert_eq!(d["code"], "PP103");
    assert_eq!(d["category"], "swallowed-exception");
    assert_eq!(d["path"], "app/multi.py");
    assert_eq!(d["symbol"], "handler");
    assert_eq!(d["start"]["line"], 6);
    let line = MULTIBYTE.lines().nth(5).unwrap();
    let byte = line.find("return").unwrap();
    assert_eq!(d["start"]["column"], line[..byte].chars().count() as u64 + 1);
    assert_eq!(d["start"]["column_utf16"], line[..byte].encode_utf16().count() as u64 + 1);
    assert!(d["end"]["line"].is_u64() && d["span"]["start"].is_u64());
    assert_eq!(d["fingerprint"], report_fingerprint(&report));
    // The file's role: the evidence is in words.
    assert_eq!(d["role"], "production");
    assert_eq!(d["role_reason"], "no evidence of another role");
    assert!(summary["skipped_by_role"].is_object());
    // Every field written is documented (additive fields keep version 1).
    let schema = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-schema.md")).unwrap();
    for map in [d, summary, &doc] {
        for key in map.as_object().unwrap().keys() {
            assert!(schema.contains(&format!("`{key}`")), "docs/json-schema.md does not document `{key}`");
        }
    }

    let n = &doc["notices"][0];
    assert_eq!(n["path"], "blob.js");
    assert_eq!(n["kind"], "binary");
    assert_eq!(n["level"], "warning");
    assert!(n["message"].is_string());
}

fn report_fingerprint(report: &Report) -> String {
    pagerproof::diagnostic::fingerprints(&report.diagnostics)[0].clone()
}

#[test]
fn github_escaping_cannot_inject_commands() {
    // A file name (legal on Linux) and a message full of command syntax.
    let evil_name = "we,ird%25 ::x\n::error file=a.py::pwned\r.py";
    let dir = project(&[(evil_name, MULTIBYTE.as_bytes())]);
    let mut report = run(dir.path());
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.notices);
    report.diagnostics[0].message.push_str(" %0A\n::error::injected,\r\n::set-output name=x::y");
    let out = rendered(&report, Format::Github, false);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "one command and the summary, nothing else:\n{out}");
    let command = lines[0];
    assert!(command.starts_with("::warning file="), "{command}");
    assert!(!lines[1].starts_with("::"));
    // Parse it the way the runner does: properties end at the first `::`.
    let rest = &command["::warning ".len()..];
    let (props, data) = rest.split_once("::").expect("command has data");
    let props: Vec<(&str, &str)> = props.split(',').map(|p| p.split_once('=').expect("key=value")).collect();
    let keys: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["file", "line", "endLine", "col", "endColumn", "title"]);
    let unescape = |s: &str| {
        s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    };
    assert_eq!(unescape(props[0].1), evil_name);
    assert_eq!(props[5].1, "PP103 jump-in-finally");
    assert!(unescape(data).ends_with("::set-output name=x::y"));
    assert!(!data.contains('\n') && !data.contains('\r'));
    assert!(data.contains("%250A"), "a literal %0A in a message stays literal: {data}");
}

#[test]
fn github_notices() {
    let dir = project(&[("blob.js", b"x\0\xffy"), ("broken.py", b"def f(:\n  pass\n")]);
    let report = run(dir.path());
    let out = rendered(&report, Format::Github, false);
    assert!(out.lines().any(|l| l.starts_with("::notice file=blob.js,title=pagerproof binary::blob.js: ")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("::notice file=broken.py,line=1,")), "{out}");
    assert!(out.ends_with("No findings (1 file checked)\n"), "{out}");
}

#[test]
fn text_output_has_snippet_help_and_no_ansi_without_color() {
    let dir = project(&[("app/multi.py", MULTIBYTE.as_bytes())]);
    let mut report = run(dir.path());
    let plain = rendered(&report, Format::Text, false);
    assert!(!plain.contains('\x1b'), "no ANSI escapes without colour:\n{plain}");
    assert!(plain.starts_with("warning[PP103]: `return` in `finally`"), "{plain}");
    assert!(plain.contains("[app/multi.py:6:23]"), "{plain}");
    assert!(plain.contains("label = \"𝄞𝄞\"; return None"), "{plain}");
    assert!(plain.contains("  help: Move the statement"), "{plain}");
    assert!(plain.contains("  docs: https://github.com/pagerproof/pagerproof/blob/main/rules/jump-in-finally.md"));
    assert!(plain.trim_end().ends_with("Found 1 warning in 1 file (1 file checked)"), "{plain}");
    assert!(plain.lines().all(|l| l == l.trim_end()), "no trailing blanks");

    let colored = rendered(&report, Format::Text, true);
    assert!(colored.contains('\x1b'));

    // Without the source text (a hand-built report) the finding still shows.
    report.sources = Default::default();
    let fallback = rendered(&report, Format::Text, false);
    assert!(fallback.contains("--> app/multi.py:6:23"), "{fallback}");
    assert!(fallback.contains("help: Move the statement"), "{fallback}");
}
