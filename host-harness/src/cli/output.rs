//! What every subcommand shares on the way out: JSON as the CLI prints it, stdout that may close
//! early (`databricks-account cards | head -1`), and the exit codes a script branches on.

use std::io::Write as _;
use std::process::ExitCode;

use host_harness::HarnessError;
use serde_json::{Value, json};

/// The card returned its `card-error`.
pub const EXIT_CARD_ERROR: u8 = 1;
/// The harness failed: bad JSON, trap, time or memory limit, unknown card, unreadable file.
const EXIT_HARNESS_FAILURE: u8 = 3;

/// JSON indented for a person (every value on stdout, card errors on stderr).
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Whoever read stdout stopped reading (a closed pipe): the command ends quietly with exit code
/// 0, as far as it got, instead of panicking in `println!`.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// Writes to stdout and flushes; a closed stdout is [`StdoutClosed`], any other failure (a full
/// disk) an error of its own. Use [`out!`] and [`outln!`] rather than `print!`, which panics.
pub fn write_stdout(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(err) => Err(anyhow::Error::new(err).context("cannot write to stdout")),
    }
}

/// `print!` that returns [`write_stdout`]'s result instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that returns [`write_stdout`]'s result instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};

/// The exit code of a command that failed: none for a closed stdout (see [`StdoutClosed`]);
/// else `{"error": ..., "kind": ...}` on stderr and exit code 3.
pub fn failure(err: &anyhow::Error) -> ExitCode {
    if err.downcast_ref::<StdoutClosed>().is_some() {
        return ExitCode::SUCCESS;
    }
    // `kind` lets a script tell a harness failure (a trap, a limit) from a mistake of its own.
    let kind = err.downcast_ref::<HarnessError>().map_or("cli", HarnessError::kind);
    let body = json!({"error": format!("{err:#}"), "kind": kind});
    // Not `eprintln!`: with stderr closed too, there is nobody to tell, and no reason to panic.
    let _ = writeln!(std::io::stderr(), "{}", pretty(&body));
    ExitCode::from(EXIT_HARNESS_FAILURE)
}
