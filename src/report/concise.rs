//! `--format concise`: one line per finding, then notices and a summary.

use std::io::{self, Write};

use super::RenderOptions;
use crate::Report;

/// Writes `path:line:col: CODE [severity] message (name)` per finding, with
/// `[*] ` before the severity when the finding's fix applies this run.
pub fn render(report: &Report, options: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {} {}[{}] {} ({})",
            super::clean(&d.path),
            d.start.line,
            d.start.column,
            d.rule.code,
            super::fix_mark(d, options.fixes),
            d.severity,
            super::clean(&d.message),
            d.rule.name
        )?;
    }
    if !options.quiet {
        super::terminal::render_notices(report, out)?;
        writeln!(out, "{}", super::summary(report))?;
        if let Some(line) = super::fixable_line(report, options.fixes) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
