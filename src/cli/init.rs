//! `pagerproof init`: write a commented starter `pagerproof.toml`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::{ExitStatus, write_atomic};
use crate::config;

/// Arguments of `pagerproof init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the config.
    #[arg(default_value = config::FILE_NAME)]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `pagerproof init`.
pub fn run(args: InitArgs) -> anyhow::Result<ExitStatus> {
    if args.path.exists() && !args.force {
        super::say(&format!(
            "error: {} already exists (use --force to overwrite it)",
            crate::report::clean(&args.path.display().to_string())
        ));
        return Ok(ExitStatus::Error);
    }
    write_atomic(&args.path, config::STARTER.as_bytes())
        .with_context(|| format!("cannot write {}", args.path.display()))?;
    super::say(&format!(
        "Wrote {}; `pagerproof check` reads it from there on",
        crate::report::clean(&args.path.display().to_string())
    ));
    Ok(ExitStatus::Clean)
}
