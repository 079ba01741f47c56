//! What a card run returns when it ran to the end: the card's own `result`, as JSON.

use serde_json::Value;

/// What the card returned: its own `result<ok, card-error>`, as JSON.
///
/// A card error is an answer, not a failure of the harness: a flow branches on it (`not_found`,
/// `rate_limited`, ...). Failures of the run itself are [`HarnessError`](crate::HarnessError)s.
#[derive(Clone, Debug, PartialEq)]
pub enum CardOutcome {
    /// The card succeeded; its output.
    Ok(Value),
    /// The card failed; its `card-error` (e.g. `{"not_found": {...}}`).
    Err(Value),
}

impl CardOutcome {
    /// Whether the card succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self, CardOutcome::Ok(_))
    }

    /// The output or the card error as a `Result`.
    pub fn into_result(self) -> Result<Value, Value> {
        match self {
            CardOutcome::Ok(value) => Ok(value),
            CardOutcome::Err(value) => Err(value),
        }
    }

    /// The output, if the card succeeded.
    pub fn ok(&self) -> Option<&Value> {
        match self {
            CardOutcome::Ok(value) => Some(value),
            CardOutcome::Err(_) => None,
        }
    }

    /// The card error, if the card failed.
    pub fn err(&self) -> Option<&Value> {
        match self {
            CardOutcome::Ok(_) => None,
            CardOutcome::Err(value) => Some(value),
        }
    }
}
