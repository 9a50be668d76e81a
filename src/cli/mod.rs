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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) for `man -l -`, or write one page per
    /// subcommand into a directory.
    Man(ManArgs),
    /// Run the language server (LSP over stdin/stdout) for editors.
    Server,
}

/// Arguments of `pagerproof completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `pagerproof man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `pagerproof.1` and `pagerproof-<command>.1` into DIR instead of
    /// printing `pagerproof.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Rules(args) => rules::run(args),
        Command::Explain(args) => explain::run(args),
        Command::MergeSarif(args) => merge_sarif::run(args),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut <Cli as clap::CommandFactory>::command(), "pagerproof", &mut out);
            write_stdout(&out)?;
            Ok(ExitStatus::Clean)
        }
        Command::Man(args) => man(args),
        // The protocol's exit codes: 0 after shutdown and exit, 1 otherwise.
        Command::Server => Ok(match crate::server::run_stdio()? {
            0 => ExitStatus::Clean,
            _ => ExitStatus::Findings,
        }),
    }
}

/// `pagerproof man`: the pages come from the same clap definitions as
/// `--help`, so they cannot drift from it.
fn man(args: ManArgs) -> anyhow::Result<ExitStatus> {
    let cmd = <Cli as clap::CommandFactory>::command();
    match args.dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            write_stdout(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            clap_mangen::generate_to(cmd, &dir)?;
        }
    }
    Ok(ExitStatus::Clean)
}

/// True when `NO_COLOR` asks for no colour (set and not empty, as
/// no-color.org says).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// True when the terminal says it cannot take escape codes (`TERM=dumb`).
pub fn dumb_term() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

/// Whether `--color auto` colours output written to `stream`: never with
/// `NO_COLOR`; always with `CLICOLOR_FORCE` or `FORCE_COLOR` (set, not `0`);
/// otherwise anstream's choice: a terminal that is not `TERM=dumb` and no
/// `CLICOLOR=0`.
pub fn color_wanted(stream: &impl anstream::stream::RawStream) -> bool {
    if no_color() {
        return false;
    }
    let forced = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") {
        return true;
    }
    !dumb_term() && anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
}

/// Writes `bytes` to `path` the way a user expects `-o FILE` to: through a
/// symbolic link to its target, straight into a character device or a pipe
/// (`/dev/null`, a FIFO), appending to the process's own descriptors
/// (`/dev/stdout`, `/dev/fd/N` as `>(cmd)` gives), and otherwise atomically: a
/// temporary file beside the real target, flushed and renamed over it, so a
/// crash never leaves a half-written file. A new file gets the mode a plain
/// write would (0666 less the umask); an existing file keeps its mode.
/// Directories, sockets and block devices are refused with an error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // `/dev/stdout` and friends name an open descriptor, whatever it is (a
    // file redirected with `>>` must be appended to, not replaced).
    if is_descriptor(path) {
        let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
        f.write_all(bytes)?;
        return f.flush();
    }
    // `metadata` follows links, so this is what the path finally names.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let target = std::fs::canonicalize(path)?;
            replace(&target, bytes, Some(meta.permissions()))
        }
        Ok(meta) if is_stream(&meta.file_type()) => {
            let mut f = std::fs::OpenOptions::new().write(true).truncate(true).open(path)?;
            f.write_all(bytes)?;
            f.flush()
        }
        Ok(meta) => Err(io::Error::other(format!(
            "{} is {}, not a regular file; refusing to replace it",
            crate::report::clean(&path.display().to_string()),
            if meta.is_dir() { "a directory" } else { "a socket or block device" }
        ))),
        // A new file, perhaps named through a dangling link: create the
        // link's target, never replace the link.
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(&link_target(path)?, bytes, None),
        Err(e) => Err(e),
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N`: the
/// process's own open descriptors.
fn is_descriptor(path: &Path) -> bool {
    let p = path.to_string_lossy();
    matches!(p.as_ref(), "/dev/stdout" | "/dev/stderr") || p.starts_with("/dev/fd/") || p.starts_with("/proc/self/fd/")
}

/// Character devices and pipes take a stream of bytes in place.
fn is_stream(t: &std::fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        t.is_char_device() || t.is_fifo()
    }
    #[cfg(not(unix))]
    {
        let _ = t;
        false
    }
}

/// Follows a chain of symbolic links from `path` to the path it ends at,
/// which need not exist yet.
fn link_target(path: &Path) -> io::Result<std::path::PathBuf> {
    let mut at = path.to_path_buf();
    // The same bound as the kernel's (ELOOP), so a loop is an error.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = std::fs::read_link(&at)?;
                at = match at.parent() {
                    Some(dir) => dir.join(next),
                    None => next,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(io::Error::other(format!("too many levels of symbolic links at {}", path.display())))
}

/// Writes `bytes` to a temporary file beside `target` and renames it over
/// `target`, with `mode` (an existing file's) or a new file's default.
fn replace(target: &Path, bytes: &[u8], mode: Option<std::fs::Permissions>) -> io::Result<()> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pagerproof-").suffix(".tmp");
    // tempfile creates 0600 files; ask for 0666 instead, which open(2)
    // narrows by the umask exactly as for any file a program creates.
    #[cfg(unix)]
    let default_mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o666)
    };
    #[cfg(unix)]
    builder.permissions(default_mode);
    let mut tmp = builder.tempfile_in(dir)?;
    if let Some(mode) = mode {
        tmp.as_file().set_permissions(mode)?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// Writes one line to stderr, escaped with [`crate::report::clean_block`]
/// (callers escape repository text with [`crate::report::clean`] first, so
/// it cannot add lines). A full or closed stderr is ignored: a message that
/// cannot be shown must not turn a finished run into a panic.
pub fn say(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", crate::report::clean_block(line));
}

/// Writes to stdout; a closed pipe (`pagerproof check | head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
