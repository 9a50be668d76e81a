//! Findings, notices and config errors as LSP diagnostics, and the code
//! actions built from them.

use std::path::Path;

use lsp_types::{DiagnosticSeverity, DiagnosticTag, NumberOrString, Position, Range};
use serde_json::{Value, json};

use super::text::{self, Encoding};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Notice};
use crate::rule::{RuleMeta, Severity};
use crate::source::{Grammar, LineIndex};

/// Where a diagnostic's primary span is, in the negotiated encoding.
pub fn range_of(d: &Diagnostic, enc: Encoding) -> Range {
    Range {
        start: Position { line: d.start.line - 1, character: enc.column(&d.start) },
        end: Position { line: d.end.line - 1, character: enc.column(&d.end) },
    }
}

/// A span of the engine's (normalised) text of a file as a range.
fn span_range(span: crate::source::Span, text: &str, lines: &LineIndex, enc: Encoding) -> Range {
    let at = |offset: u32| {
        let p = lines.position(text, offset);
        Position { line: p.line - 1, character: enc.column(&p) }
    };
    Range { start: at(span.start), end: at(span.end) }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// One finding as an LSP diagnostic: the rule's code with a link to its
/// doc, the labels as related information, and `unnecessary` on an unused
/// suppression (editors fade it out). `source` is the file's text and line
/// index as the engine read it, for the labels' positions.
pub fn diagnostic(
    d: &Diagnostic,
    uri: &lsp_types::Uri,
    source: Option<(&std::sync::Arc<str>, &LineIndex)>,
    enc: Encoding,
) -> lsp_types::Diagnostic {
    let related = source.map(|(text, lines)| {
        d.labels
            .iter()
            .map(|l| lsp_types::DiagnosticRelatedInformation {
                location: lsp_types::Location { uri: uri.clone(), range: span_range(l.span, text, lines, enc) },
                message: l.message.clone(),
            })
            .collect::<Vec<_>>()
    });
    let tags =
        (d.rule.code == crate::engine::suppress::UNUSED_SUPPRESSION.code).then(|| vec![DiagnosticTag::UNNECESSARY]);
    lsp_types::Diagnostic {
        range: range_of(d, enc),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.code.to_string())),
        code_description: d.rule.help_uri().parse().ok().map(|href| lsp_types::CodeDescription { href }),
        source: Some("pagerproof".to_string()),
        message: d.message.clone(),
        related_information: related.filter(|r| !r.is_empty()),
        tags,
        data: None,
    }
}

/// A notice about the file (a syntax error the parser recovered from, a
/// file too large to check) as an information diagnostic.
pub fn notice(n: &Notice) -> Option<lsp_types::Diagnostic> {
    let line = n.line.unwrap_or(1).saturating_sub(1);
    let character = n.column.unwrap_or(1).saturating_sub(1);
    let at = Position { line, character };
    Some(lsp_types::Diagnostic {
        range: Range { start: at, end: at },
        severity: Some(if n.kind.is_error() { DiagnosticSeverity::WARNING } else { DiagnosticSeverity::INFORMATION }),
        code: Some(NumberOrString::String(n.kind.as_str().to_string())),
        source: Some("pagerproof".to_string()),
        message: n.message.clone(),
        ..Default::default()
    })
}

/// A config error as a diagnostic on the config file (`text` is the file).
pub fn config_error(e: &crate::config::ConfigError, text: &str, enc: Encoding) -> lsp_types::Diagnostic {
    let starts = text::line_starts(text);
    let range = match e.span {
        Some(span) => Range {
            start: text::position(text, &starts, span.offset(), enc),
            end: text::position(text, &starts, span.offset() + span.len(), enc),
        },
        None => Range::default(),
    };
    let message = match &e.help {
        Some(help) => format!("{}\nhelp: {help}\n(pagerproof uses its defaults until this is fixed)", e.message),
        None => format!("{}\n(pagerproof uses its defaults until this is fixed)", e.message),
    };
    lsp_types::Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("config".to_string())),
        source: Some("pagerproof".to_string()),
        message,
        ..Default::default()
    }
}

/// "Apply the fix": every edit of `fix`, for any rule, as one workspace
/// edit on the document version the finding was computed for (a client
/// refuses it once the buffer has moved on). `src` is the text the fix's
/// spans point into. A safe fix is the preferred action; an unsafe one is
/// offered under a title that says so (the person applying it is the
/// review `--unsafe-fixes` asks for).
pub fn fix_action(
    uri: &lsp_types::Uri,
    version: i32,
    fix: &Fix,
    src: &str,
    shown: &lsp_types::Diagnostic,
    enc: Encoding,
) -> Value {
    let lines = LineIndex::new(src);
    let edits: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| json!({ "range": span_range(e.span, src, &lines, enc), "newText": e.content }))
        .collect();
    let safe = fix.applicability == Applicability::Safe;
    let title = if safe { format!("Fix: {}", fix.description) } else { format!("Fix (unsafe): {}", fix.description) };
    json!({
        "title": title,
        "kind": "quickfix",
        "isPreferred": safe,
        "diagnostics": [shown],
        "edit": { "documentChanges": [{ "textDocument": { "uri": uri, "version": version }, "edits": edits }] },
    })
}

/// The comment that starts a line in `path`'s language.
pub fn comment_prefix(path: &Path) -> &'static str {
    match Grammar::from_path(path) {
        Some(Grammar::Python) => "#",
        Some(Grammar::Sql) => "--",
        _ => "//",
    }
}

/// "Suppress": a `pagerproof: ignore[CODE] -- ` comment on its own line
/// above the finding's first line, indented like it, with the cursor left
/// where the reason goes when the client takes snippets.
pub fn suppress_action(
    uri: &lsp_types::Uri,
    version: i32,
    path: &Path,
    buffer: &str,
    shown: &lsp_types::Diagnostic,
    rule: &RuleMeta,
    snippets: bool,
) -> Value {
    let line = shown.range.start.line;
    let starts = text::line_starts(buffer);
    let indent: String = starts
        .get(line as usize)
        .map(|&s| buffer[s..].chars().take_while(|c| *c == ' ' || *c == '\t').collect())
        .unwrap_or_default();
    let comment = format!("{indent}{} pagerproof: ignore[{}] -- ", comment_prefix(path), rule.code);
    let at = Range { start: Position { line, character: 0 }, end: Position { line, character: 0 } };
    let edit = if snippets {
        // The indentation is blanks and the code is `PP` and digits: nothing to escape.
        json!({ "range": at, "snippet": { "kind": "snippet", "value": format!("{comment}$0\n") } })
    } else {
        json!({ "range": at, "newText": format!("{comment}\n") })
    };
    json!({
        "title": format!("Suppress {} on this line (pagerproof: ignore)", rule.code),
        "kind": "quickfix",
        "diagnostics": [shown],
        "edit": { "documentChanges": [{ "textDocument": { "uri": uri, "version": version }, "edits": [edit] }] },
    })
}

/// "Open the documentation": a command the server carries out with
/// `window/showDocument` (or a message with the link).
pub fn doc_action(rule: &RuleMeta) -> Value {
    let title = format!("Open the documentation of {} ({})", rule.code, rule.name);
    json!({
        "title": title,
        "command": { "title": title, "command": super::OPEN_DOC_COMMAND, "arguments": [rule.help_uri()] },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;
    use crate::source::Span;

    fn shown() -> lsp_types::Diagnostic {
        lsp_types::Diagnostic { code: Some(NumberOrString::String("PP201".into())), ..Default::default() }
    }

    #[test]
    fn a_fix_becomes_one_versioned_edit_per_span_in_the_negotiated_unit() {
        // Any rule's fix: edits after a non-ASCII character on their line.
        let src = "x = \"é😀\"; requests.get(u)\nqueue.Queue()\n";
        let at = src.find("u)").unwrap() + 1;
        let q = src.find("()").unwrap() + 1;
        let fix = Fix {
            applicability: Applicability::Safe,
            description: "Pass a timeout".into(),
            edits: vec![
                Edit { span: Span::new(at, at), content: ", timeout=10".into() },
                Edit { span: Span::new(q, q), content: "maxsize=100".into() },
            ],
        };
        let uri: lsp_types::Uri = "file:///w/a.py".parse().unwrap();
        let a = fix_action(&uri, 7, &fix, src, &shown(), Encoding::Utf16);
        assert_eq!(a["title"], "Fix: Pass a timeout");
        assert_eq!(a["isPreferred"], true);
        let change = &a["edit"]["documentChanges"][0];
        assert_eq!(change["textDocument"], json!({ "uri": "file:///w/a.py", "version": 7 }));
        let edits = change["edits"].as_array().unwrap();
        // After `u`: 24 characters, 25 UTF-16 units (😀 is two), 28 bytes.
        assert_eq!(edits[0]["range"]["start"], json!({ "line": 0, "character": 25 }));
        assert_eq!(edits[0]["newText"], ", timeout=10");
        assert_eq!(
            edits[1]["range"],
            json!({ "start": { "line": 1, "character": 12 }, "end": { "line": 1, "character": 12 } })
        );
        let a = fix_action(&uri, 7, &fix, src, &shown(), Encoding::Utf8);
        assert_eq!(a["edit"]["documentChanges"][0]["edits"][0]["range"]["start"]["character"], 28);
    }

    #[test]
    fn the_suppression_comment_uses_the_files_comment_syntax_and_indentation() {
        let uri: lsp_types::Uri = "file:///w/m.sql".parse().unwrap();
        let mut d = shown();
        d.range.start.line = 1;
        let rule = crate::registry::find("PP201").unwrap();
        let a = suppress_action(&uri, 3, Path::new("m.sql"), "BEGIN;\n  CREATE INDEX i ON t (c);\n", &d, rule, false);
        assert_eq!(a["edit"]["documentChanges"][0]["edits"][0]["newText"], "  -- pagerproof: ignore[PP201] -- \n");
        assert_eq!(comment_prefix(Path::new("a.py")), "#");
        assert_eq!(comment_prefix(Path::new("a.rs")), "//");
        assert_eq!(comment_prefix(Path::new("a.tsx")), "//");
    }
}
