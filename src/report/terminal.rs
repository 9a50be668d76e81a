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

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::RenderOptions;
use crate::Report;
use crate::diagnostic::Diagnostic;
use crate::rule::Severity;

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
    for d in &report.diagnostics {
        write_diagnostic(&handler, paint, d, report.sources.get(&d.path), out)?;
        writeln!(out)?;
    }
    if !options.quiet {
        render_notices(report, out)?;
        writeln!(out, "{}", super::summary(report))?;
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

fn write_diagnostic(
    handler: &GraphicalReportHandler,
    paint: Paint,
    d: &Diagnostic,
    source: Option<&Arc<str>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let header = format!("{}[{}]", d.severity, d.rule.code);
    writeln!(out, "{}: {}", paint.severity(d.severity, &header), paint.bold(&super::clean(&d.message)))?;
    let snippet = source.and_then(|text| render_snippet(handler, d, text));
    match snippet {
        Some(s) => out.write_all(s.as_bytes())?,
        None => {
            writeln!(out, "   --> {}:{}:{}", super::clean(&d.path), d.start.line, d.start.column)?;
            writeln!(out, "  {} {}", paint.help("help:"), d.rule.fix)?;
        }
    }
    writeln!(out, "  {} {}", paint.help("docs:"), d.rule.help_uri())
}

/// The snippet and `help:` line drawn by miette, or `None` when the spans do
/// not fit the text (a stale or hand-built report).
fn render_snippet(handler: &GraphicalReportHandler, d: &Diagnostic, text: &Arc<str>) -> Option<String> {
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
        source: NamedSource::new(
            format!("{}:{}:{}", super::clean(&d.path), d.start.line, d.start.column),
            super::clean_source(text),
        ),
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

/// A finding as miette sees it: no message (the header has it), the spans,
/// the fix hint as `help`.
struct Snippet {
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    help: &'static str,
    severity: miette::Severity,
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snippet").field("source", &self.source.name()).finish()
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Snippet {}

impl miette::Diagnostic for Snippet {
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
