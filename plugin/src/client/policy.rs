//! The connection's request policy: retry budget and timeouts, with their defaults.

use super::http::Timeouts;
use crate::validate::invalid;
use crate::wit::{CardError, RequestPolicy};
use std::time::{Duration, Instant};

/// How the requests of one card run behave under failures.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub retry_budget: Duration,
    pub timeouts: Timeouts,
}

/// Defaults that keep a card inside a flow step of about a minute (the harness's default
/// run limit is 60 s): retries stop after 20 s, and the last request may take 30 s more.
const DEFAULT_RETRY_BUDGET_MS: u32 = 20_000;
const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 10_000;
const DEFAULT_RESPONSE_TIMEOUT_MS: u32 = 30_000;

impl Policy {
    pub fn from_wit(policy: Option<RequestPolicy>) -> Result<Policy, CardError> {
        let policy = policy.unwrap_or(RequestPolicy { retry_budget_ms: None, connect_timeout_ms: None, response_timeout_ms: None });
        let timeout = |field: &str, value: Option<u32>, default: u32| match value {
            Some(0) => Err(invalid(&format!("connection.policy.{field}"), "must be at least 1 millisecond")),
            value => Ok(Duration::from_millis(value.unwrap_or(default).into())),
        };
        Ok(Policy {
            retry_budget: Duration::from_millis(policy.retry_budget_ms.unwrap_or(DEFAULT_RETRY_BUDGET_MS).into()),
            timeouts: Timeouts {
                connect: timeout("connect-timeout-ms", policy.connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS)?,
                response: timeout("response-timeout-ms", policy.response_timeout_ms, DEFAULT_RESPONSE_TIMEOUT_MS)?,
            },
        })
    }

    /// This policy for a request that must be over by `end` (a wait's poll must not outlive the
    /// run): neither its retries nor its timeouts reach past it.
    pub fn ending_by(self, end: Option<Instant>, now: Instant) -> Policy {
        let Some(end) = end else { return self };
        let left = end.saturating_duration_since(now).max(Duration::from_millis(1));
        Policy {
            retry_budget: self.retry_budget.min(left),
            timeouts: Timeouts { connect: self.timeouts.connect.min(left), response: self.timeouts.response.min(left) },
        }
    }
}
