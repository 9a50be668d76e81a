//! `--format text`: one block per finding, rendered with miette's graphical
//! handler, then notices and the summary line.
//!
//! ```text
//! warning[PP103]: `return` in `finally` discards any exception raised in the `try` block, ...
//!    ╭─[app/jobs.py:5:9]
//!  4 │     finally:
//!  5 │         return
//!    ·         ──────
//!  6 │
//!    ╰────
//!   help: Move the statement out of the `finally` block so that errors still propagate
//!   docs: https://github.com/pagerproof/pagerproof/blob/main/rules/jump-in-finally.md
//! ```
//!
//! The header and the `docs:` line are written here (rustc style); miette draws
//! the snippet, the underline, the labels and the `help:` line. The width is
//! fixed (100 columns) so output does not depend on the terminal, and without
//! colour no ANSI escape is written at all. Snippets come from
//! [`crate::Report::sources`]; a finding whose file text is missing (a report
//! built by hand) falls back to a `--> path:line:col` line.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use super::RenderOptions;
use crate::Report;
use crate::diagnostic::Diagnostic;
use crate::rule::Severity;
use crate::source::LineIndex;

/// Rendering width in columns, independent of the terminal.
const WIDTH: usize = 100;

/// Spans longer than this many lines are shown by their first line only, so a
/// finding on a whole function does not print the function.
const MAX_SPAN_LINES: u32 = 4;

/// Renders every finding with its snippet and help line.
pub fn render(report: &Report, options: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_break_words(false)
        .without_cause_chain()
        // miette counts the header's column in bytes; the source name carries
        // `path:line:column` in characters instead, as every other format.
        .without_primary_span_start()
        .with_context_lines(1);
    let paint = Paint { color: options.color };
    // Whether each file has a lone `\r` (see `Window::whole`), asked once per file.
    let mut lone_cr: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for d in &report.diagnostics {
        let source = match (report.sources.clean_text(&d.path), report.sources.line_index(&d.path)) {
            (Some(text), Some(index)) => {
                let whole = *lone_cr.entry(d.path.as_str()).or_insert_with(|| has_lone_cr(text));
                Some(File { text, index, whole })
            }
            _ => None,
        };
        write_diagnostic(&handler, paint, d, source, options.fixes, out)?;
        writeln!(out)?;
    }
    if !options.quiet {
        render_notices(report, out)?;
        writeln!(out, "{}", super::summary(report))?;
        if let Some(line) = super::fixable_line(report, options.fixes) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Notices about the run (skipped or unparsable files), one per line.
pub fn render_notices(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for n in &report.notices {
        let level = if n.kind.is_error() { "error" } else { "notice" };
        match n.line {
            Some(line) => writeln!(out, "{level}: {}:{}: {}", super::clean(&n.path), line, super::clean(&n.message))?,
            None => writeln!(out, "{level}: {}: {}", super::clean(&n.path), super::clean(&n.message))?,
        }
    }
    Ok(())
}

/// A file's text (already made safe) and line index, shared by its findings.
#[derive(Clone, Copy)]
struct File<'r> {
    text: &'r Arc<str>,
    index: &'r LineIndex,
    whole: bool,
}

fn has_lone_cr(text: &str) -> bool {
    memchr::memchr_iter(b'\r', text.as_bytes()).any(|i| text.as_bytes().get(i + 1) != Some(&b'\n'))
}

fn write_diagnostic(
    handler: &GraphicalReportHandler,
    paint: Paint,
    d: &Diagnostic,
    source: Option<File<'_>>,
    fixes: crate::fix::FixPolicy,
    out: &mut dyn Write,
) -> io::Result<()> {
    let header = format!("{}[{}]", d.severity, d.rule.code);
    let message = format!("{}{}", super::fix_mark(d, fixes), super::clean(&d.message));
    writeln!(out, "{}: {}", paint.severity(d.severity, &header), paint.bold(&message))?;
    let snippet = source.and_then(|file| render_snippet(handler, d, file));
    match snippet {
        Some(s) => out.write_all(s.as_bytes())?,
        None => {
            writeln!(out, "   --> {}:{}:{}", super::clean(&d.path), d.start.line, d.start.column)?;
            writeln!(out, "  {} {}", paint.help("help:"), d.rule.fix)?;
        }
    }
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            crate::diagnostic::Applicability::Safe => "safe fix, --fix",
            crate::diagnostic::Applicability::Unsafe => "unsafe fix, --fix --unsafe-fixes",
            crate::diagnostic::Applicability::Suggestion => "suggestion, never applied",
        };
        writeln!(out, "  {} {} ({how})", paint.help("fix:"), super::clean(&fix.description))?;
    }
    writeln!(out, "  {} {}", paint.help("docs:"), d.rule.help_uri())
}

/// The snippet and `help:` line drawn by miette, or `None` when the spans do
/// not fit the text (a stale or hand-built report).
fn render_snippet(handler: &GraphicalReportHandler, d: &Diagnostic, file: File<'_>) -> Option<String> {
    let text = file.text;
    let len = text.len();
    if d.span.end as usize > len {
        return None;
    }
    let primary = display_span(d, text);
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, primary)];
    for l in &d.labels {
        if l.span.end as usize <= len {
            let message = super::clean(&l.message).into_owned();
            labels.push(LabeledSpan::new_with_span(Some(message), to_source_span(l.span.start, l.span.end)));
        }
    }
    let snippet = Snippet {
        // The message is already in the header; miette writes an empty cause
        // line for it, removed below.
        source: Window {
            name: format!("{}:{}:{}", super::clean(&d.path), d.start.line, d.start.column),
            text,
            index: file.index,
            whole: file.whole,
        },
        labels,
        help: d.rule.fix,
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        },
    };
    let mut s = String::new();
    handler.render_report(&mut s, &snippet).ok()?;
    // Drop the (empty) cause line miette writes first, and the trailing
    // blanks it leaves on empty source lines.
    let body = match s.split_once('\n') {
        Some((first, rest)) if first.trim().chars().all(|c| !c.is_alphanumeric()) => rest,
        _ => s.as_str(),
    };
    let mut trimmed = String::with_capacity(body.len());
    for line in body.lines() {
        trimmed.push_str(line.trim_end());
        trimmed.push('\n');
    }
    Some(trimmed)
}

/// The primary span as shown: long multi-line spans are cut to the end of
/// their first line.
fn display_span(d: &Diagnostic, text: &str) -> SourceSpan {
    let (start, mut end) = (d.span.start as usize, d.span.end as usize);
    if d.end.line.saturating_sub(d.start.line) >= MAX_SPAN_LINES
        && let Some(rest) = text.get(start..)
    {
        let first_line = rest.split(['\n', '\r']).next().unwrap_or("");
        end = start + first_line.trim_end().len();
    }
    to_source_span(start as u32, end as u32)
}

fn to_source_span(start: u32, end: u32) -> SourceSpan {
    SourceSpan::new((start as usize).into(), (end.saturating_sub(start)) as usize)
}

/// A file as miette reads it: each read gets only the lines around the span
/// asked for, found with the file's shared line index. miette's own
/// `SourceCode` for a string counts lines from the start of the file on
/// every read, so a file with many findings took time growing with
/// findings × file size (20,000 findings in one file: 44 s).
struct Window<'r> {
    name: String,
    /// The file's text, made safe for the terminal once per file.
    text: &'r str,
    index: &'r LineIndex,
    /// miette also ends lines at a lone `\r`, which the index does not: such
    /// a file is read whole, so line numbers stay miette's.
    whole: bool,
}

impl SourceCode for Window<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, first_line, end) = if self.whole {
            (0, 0, self.text.len())
        } else {
            // One line more than asked on each side, so the window's edges
            // never cut the context miette wants.
            let first = self.index.line_of(span.offset() as u32).saturating_sub(before + 1);
            let last = self.index.line_of((span.offset() + span.len()) as u32) + after + 2;
            let end =
                if last >= self.index.line_count() { self.text.len() } else { self.index.line_start(last) as usize };
            (self.index.line_start(first) as usize, first, end)
        };
        let window = self.text.get(start..end).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - start).into(), span.len());
        let c = window.read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + start).into(), c.span().len()),
            c.line() + first_line,
            c.column(),
            c.line_count() + first_line,
        )))
    }
}

/// A finding as miette sees it: no message (the header has it), the spans,
/// the fix hint as `help`.
struct Snippet<'r> {
    source: Window<'r>,
    labels: Vec<LabeledSpan>,
    help: &'static str,
    severity: miette::Severity,
}

impl fmt::Debug for Snippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snippet").field("source", &self.source.name).finish()
    }
}

impl fmt::Display for Snippet<'_> {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Snippet<'_> {}

impl miette::Diagnostic for Snippet<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// ANSI styling for the lines written outside miette; a no-op without colour.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }

    fn severity(self, severity: Severity, s: &str) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.wrap(code, s)
    }

    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }

    fn help(self, s: &str) -> String {
        self.wrap("36", s)
    }
}
