//! What can go wrong in a card run, besides the card's own `card-error`.

use std::time::Duration;

use crate::values::ValueError;

/// A run that did not produce the card's `result<ok, card-error>`.
///
/// Messages never contain the connection's values (secrets live there): JSON errors name the
/// path and the expected type only.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The component exports no card of this name.
    #[error("unknown card `{0}`")]
    UnknownCard(String),
    /// The connection or input JSON does not fit the card's WIT types.
    #[error("invalid JSON: {0}")]
    InvalidJson(ValueError),
    /// The outbound policy could not be set up (e.g. an unparsable allowed origin).
    #[error("outbound policy: {0}")]
    Policy(String),
    /// The guest trapped (a panic, an unreachable instruction, a host-call failure). Only this
    /// run ended; the harness stays usable.
    #[error("the card trapped: {message}")]
    Trap {
        /// wasmtime's description of the trap, with the guest's stderr when it wrote any.
        message: String,
    },
    /// The run exceeded its wall-clock limit.
    #[error("time limit of {0:?} exceeded")]
    TimeLimit(Duration),
    /// The guest tried to grow its memory beyond the run's limit.
    #[error("memory limit of {0} bytes exceeded")]
    MemoryLimit(usize),
    /// The harness could not take the run now: its queue of runs waiting for a slot is full, or
    /// pacing the account's requests would take the run past its time limit. Nothing was sent.
    #[error("busy: {0}")]
    Busy(String),
    /// Instantiating the component or calling into it failed outside the guest's code.
    #[error("harness failure: {0}")]
    Internal(String),
}

// Not `#[from]`: that would also make the `ValueError` the source, and `{:#}` would print it twice.
impl From<ValueError> for HarnessError {
    fn from(err: ValueError) -> Self {
        HarnessError::InvalidJson(err)
    }
}

impl HarnessError {
    /// A short machine-readable kind: `unknown_card`, `invalid_json`, `policy`, `trap`,
    /// `time_limit`, `memory_limit`, `busy`, `internal`.
    pub fn kind(&self) -> &'static str {
        match self {
            HarnessError::UnknownCard(_) => "unknown_card",
            HarnessError::InvalidJson(_) => "invalid_json",
            HarnessError::Policy(_) => "policy",
            HarnessError::Trap { .. } => "trap",
            HarnessError::TimeLimit(_) => "time_limit",
            HarnessError::MemoryLimit(_) => "memory_limit",
            HarnessError::Busy(_) => "busy",
            HarnessError::Internal(_) => "internal",
        }
    }
}
