//! `--format text`: miette-rendered diagnostics (placeholder until the
//! renderer lands; prints the concise form).

use std::io::{self, Write};

use super::RenderOptions;
use crate::Report;

/// Renders every finding with its snippet and help line.
pub fn render(report: &Report, options: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    super::concise::render(report, options, out)
}

/// Notices about the run (skipped or unparsable files), one per line.
pub fn render_notices(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for n in &report.notices {
        match n.line {
            Some(line) => writeln!(out, "notice: {}:{}: {}", n.path, line, n.message)?,
            None => writeln!(out, "notice: {}: {}", n.path, n.message)?,
        }
    }
    Ok(())
}
