//! The command line: argument definitions (clap) and one module per
//! subcommand. `main.rs` only maps the outcome to an exit code.

pub mod check;
pub mod explain;
pub mod init;
pub mod merge_sarif;
pub mod rules;

use std::io::{self, Write};
use std::path::Path;

use clap::{Parser, Subcommand};

/// Exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding at or above `--fail-on`.
    Clean = 0,
    /// Findings at or above `--fail-on`.
    Findings = 1,
    /// Usage, config or internal error.
    Error = 2,
}

/// pagerproof: stop production failures before they merge.
#[derive(Debug, Parser)]
#[command(name = "pagerproof", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories for production hazards.
    Check(Box<check::CheckArgs>),
    /// List every rule.
    Rules(rules::RulesArgs),
    /// Print a rule's documentation.
    Explain(explain::ExplainArgs),
    /// Join the SARIF files of `check --shard` runs into one.
    MergeSarif(merge_sarif::MergeSarifArgs),
    /// Write a commented starter pagerproof.toml.
    Init(init::InitArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Rules(args) => rules::run(args),
        Command::Explain(args) => explain::run(args),
        Command::MergeSarif(args) => merge_sarif::run(args),
        Command::Init(args) => init::run(args),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed and renamed over the target, so a crash never leaves a
/// half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".pagerproof-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes to stdout; a closed pipe (`pagerproof check | head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
