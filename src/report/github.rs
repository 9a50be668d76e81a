//! `--format github`: GitHub Actions workflow commands, one per line, which
//! the runner turns into annotations on the pull request:
//!
//! ```text
//! ::warning file=app/jobs.py,line=5,endLine=5,col=9,endColumn=15,title=PP103 jump-in-finally::app/jobs.py:5:9: `return` in `finally` ...
//! ```
//!
//! The parameters before `::` only feed the annotation; the message repeats
//! `path:line:col` so the log stays readable too. Everything that comes from
//! the scanned repository (paths, messages that quote code) is escaped the way
//! the runner unescapes it, so no file content can end the line or start a
//! second command: `%`, `\r`, `\n` everywhere, and `:` and `,` in parameter
//! values as well.

use std::io::{self, Write};

use super::RenderOptions;
use crate::Report;
use crate::rule::Severity;

/// Renders one command per finding and per notice, then the summary line
/// (plain log text) unless `quiet`.
pub fn render(report: &Report, options: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        // Annotations only take columns when they start and end on one line.
        let columns = if d.start.line == d.end.line {
            format!(",col={},endColumn={}", d.start.column, d.end.column)
        } else {
            String::new()
        };
        writeln!(
            out,
            "::{command} file={},line={},endLine={}{columns},title={}::{}",
            escape_property(&super::clean_property(&d.path)),
            d.start.line,
            d.end.line,
            escape_property(&format!("{} {}", d.rule.code, d.rule.name)),
            escape_data(&super::clean(&format!("{}:{}:{}: {}", d.path, d.start.line, d.start.column, d.message))),
        )?;
    }
    for n in &report.notices {
        let command = if n.kind.is_error() { "error" } else { "notice" };
        let location = match n.line {
            Some(line) => format!(",line={line}"),
            None => String::new(),
        };
        let shown = match n.line {
            Some(line) => format!("{}:{}: {}", n.path, line, n.message),
            None => format!("{}: {}", n.path, n.message),
        };
        writeln!(
            out,
            "::{command} file={}{location},title={}::{}",
            escape_property(&super::clean_property(&n.path)),
            escape_property(&format!("pagerproof {}", n.kind.as_str())),
            escape_data(&super::clean(&shown)),
        )?;
    }
    if !options.quiet {
        writeln!(out, "{}", super::summary(report))?;
    }
    Ok(())
}

/// Escapes a command's message (after `::`), as the runner unescapes it.
pub fn escape_data(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a parameter value (`file=...`, `title=...`): as
/// [`escape_data`], plus `:` (which would end the parameters) and `,` (which
/// would start another parameter).
pub fn escape_property(value: &str) -> String {
    // `escape_data` introduces neither `:` nor `,`, so the order is safe.
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\n::x"), "50%25%0D%0A::x");
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }
}
