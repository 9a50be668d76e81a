//! The `pagerproof` binary: parse arguments, run, map the outcome to an exit
//! code (0 clean, 1 findings at or above `--fail-on`, 2 usage, config or
//! internal error).

use std::process::ExitCode;

use clap::Parser;
use pagerproof::cli::{Cli, ExitStatus, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(status) => ExitCode::from(status as u8),
        Err(err) => {
            // Errors quote paths and values: one escaped line, and a full
            // stderr is no reason to panic.
            pagerproof::cli::say(&format!("error: {}", pagerproof::report::clean(&format!("{err:#}"))));
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}
