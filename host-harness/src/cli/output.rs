//! What every subcommand shares on the way out: JSON as the CLI prints it, and the exit codes a
//! script branches on.

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

/// Prints `{"error": ..., "kind": ...}` on stderr and returns exit code 3.
pub fn failure(err: &anyhow::Error) -> ExitCode {
    // `kind` lets a script tell a harness failure (a trap, a limit) from a mistake of its own.
    let kind = err.downcast_ref::<HarnessError>().map_or("cli", HarnessError::kind);
    let body = json!({"error": format!("{err:#}"), "kind": kind});
    eprintln!("{}", pretty(&body));
    ExitCode::from(EXIT_HARNESS_FAILURE)
}
