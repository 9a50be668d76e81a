//! `--format sarif` (not yet implemented).

use std::io::{self, Write};

use crate::Report;

/// Renders the report.
pub fn render(_report: &Report, _out: &mut dyn Write) -> io::Result<()> {
    Err(io::Error::other("format sarif is not implemented yet"))
}
