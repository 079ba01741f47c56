//! Progress of long work (every-page walks, retries after a throttle, waits for a status), told
//! to the host as it happens.
//!
//! Standard WASI only: one line per event on the component's stderr (`wasi:cli/stderr`), the
//! [`PREFIX`] and then a small JSON object. The host picks these lines out of the stream (a
//! progress bar, a log line, an embedder's callback) and keeps everything else as before. An
//! event holds counts, durations and Databricks status words: never a record, a URL, a header
//! or anything else that could carry a secret. Nothing is ever written to stdout, which a flow
//! never sees either. A stderr the host closed is not an error: progress is a courtesy.

use serde::Serialize;
use std::io::Write as _;
use std::time::Duration;

/// What starts a progress line; the host's parser (host-harness `progress.rs`) uses the same.
pub const PREFIX: &str = "databricks-account:progress ";

/// One thing worth telling a person who is waiting.
#[derive(Serialize, Debug, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress<'a> {
    /// A page of a list was read: how many pages and records so far, and how many records
    /// Databricks said there are (SCIM lists say; token-paged lists do not).
    Page {
        pages: u32,
        records: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        total: Option<u32>,
    },
    /// A failed request will be sent again after `after_ms`; `reason` is `throttled` (429, a
    /// SCIM request limit, a throttled token request) or `unavailable` (503, a gateway error,
    /// no connection).
    Retrying { reason: &'static str, attempt: u32, after_ms: u64 },
    /// Waiting for something to reach a state: its current status and how long it has been.
    Waiting { what: &'a str, status: &'a str, elapsed_ms: u64 },
}

/// Tells the host; never fails the card.
pub fn report(event: &Progress<'_>) {
    // The crate's own unit tests run natively, where stderr is the test runner's.
    if cfg!(test) {
        return;
    }
    if let Ok(json) = serde_json::to_string(event) {
        // One write per line, so that a line is never split between two writes.
        let _ = std::io::stderr().write_all(format!("{PREFIX}{json}\n").as_bytes());
    }
}

/// Milliseconds of `d`, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_flat_json_tagged_by_kind() {
        let page = Progress::Page { pages: 12, records: 1200, total: Some(10_000) };
        assert_eq!(serde_json::to_string(&page).unwrap(), r#"{"event":"page","pages":12,"records":1200,"total":10000}"#);
        let retry = Progress::Retrying { reason: "throttled", attempt: 1, after_ms: 4000 };
        let unknown_total = Progress::Page { pages: 1, records: 100, total: None };
        assert_eq!(serde_json::to_string(&unknown_total).unwrap(), r#"{"event":"page","pages":1,"records":100}"#);
        assert_eq!(serde_json::to_string(&retry).unwrap(), r#"{"event":"retrying","reason":"throttled","attempt":1,"after_ms":4000}"#);
        let wait = Progress::Waiting { what: "workspace", status: "PROVISIONING", elapsed_ms: 130_000 };
        assert_eq!(
            serde_json::to_string(&wait).unwrap(),
            r#"{"event":"waiting","what":"workspace","status":"PROVISIONING","elapsed_ms":130000}"#
        );
    }
}
