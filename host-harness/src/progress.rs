//! Progress events a card reports while it works (a page read, a retry after a throttle, a
//! status it waits on), for a progress bar, a log line or an embedder's own logging.
//!
//! The component tells them through standard WASI only: a line on its stderr that starts with
//! [`PREFIX`], then a small JSON object (the plugin's `progress.rs` writes them). The host parses
//! each line into [`Progress`], keeping only the fields it knows and dropping any line whose
//! words are not the plain status words they should be, so that an event can never carry a
//! record, a URL or a secret to whoever listens.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// What starts a progress line on the component's stderr.
pub const PREFIX: &str = "databricks-account:progress ";

/// One event, as [`RunOptions::on_progress`](crate::RunOptions::on_progress) receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// A page of a list was read.
    Page {
        /// Pages read so far.
        pages: u32,
        /// Records read so far.
        records: u32,
        /// How many records Databricks said there are (SCIM lists say; token-paged lists don't).
        total: Option<u32>,
    },
    /// A failed request is sent again after a wait.
    Retrying {
        /// `throttled` (429, a request limit) or `unavailable` (503, a gateway error, no connection).
        reason: String,
        /// Retries so far, this one included.
        attempt: u32,
        /// How long the card waits before sending again.
        after_ms: u64,
    },
    /// The card waits for something to reach a state.
    Waiting {
        /// What it waits for, e.g. `workspace`.
        what: String,
        /// Its status now, as Databricks spells it.
        status: String,
        /// How long the card has waited so far.
        elapsed_ms: u64,
    },
}

impl Progress {
    /// The event in a progress line, if the line is one and its words are plain.
    pub fn parse(line: &str) -> Option<Progress> {
        let event: Progress = serde_json::from_str(line.strip_prefix(PREFIX)?).ok()?;
        let plain = |word: &str| {
            (1..=40).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b' ')
        };
        let ok = match &event {
            Progress::Page { .. } => true,
            Progress::Retrying { reason, .. } => matches!(reason.as_str(), "throttled" | "unavailable"),
            Progress::Waiting { what, status, .. } => plain(what) && plain(status),
        };
        ok.then_some(event)
    }

    /// The event for a person: "page 12: 1,200 of 10,000 records", "throttled, retrying in 4.0 s".
    pub fn describe(&self) -> String {
        match self {
            Progress::Page { pages, records, total: Some(total) } => {
                format!("page {pages}: {} of {} records", thousands(*records), thousands(*total))
            }
            Progress::Page { pages, records, total: None } => format!("page {pages}: {} records", thousands(*records)),
            Progress::Retrying { reason, attempt, after_ms } => {
                format!("{reason}, retrying in {:.1} s (attempt {})", *after_ms as f64 / 1000.0, attempt + 1)
            }
            Progress::Waiting { what, status, elapsed_ms } => {
                let secs = elapsed_ms / 1000;
                format!("{what} {status}, {}m{:02}s", secs / 60, secs % 60)
            }
        }
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What receives a run's progress events: called on the runtime's thread, as the card runs, so
/// it must be quick (hand the event on; don't block).
#[derive(Clone)]
pub struct OnProgress(Arc<dyn Fn(&Progress) + Send + Sync>);

impl OnProgress {
    /// A listener calling `f` with each event.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> OnProgress {
        OnProgress(Arc::new(f))
    }

    pub(crate) fn call(&self, event: &Progress) {
        (self.0)(event);
    }
}

impl std::fmt::Debug for OnProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnProgress(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_into_events_and_anything_odd_is_dropped() {
        let page = Progress::parse(r#"databricks-account:progress {"event":"page","pages":12,"records":1200,"total":10000}"#);
        assert_eq!(page, Some(Progress::Page { pages: 12, records: 1200, total: Some(10_000) }));
        assert_eq!(page.unwrap().describe(), "page 12: 1,200 of 10,000 records");
        let open = Progress::parse(r#"databricks-account:progress {"event":"page","pages":1,"records":100}"#).unwrap();
        assert_eq!(open.describe(), "page 1: 100 records");
        let retry = Progress::parse(r#"databricks-account:progress {"event":"retrying","reason":"throttled","attempt":1,"after_ms":4000}"#);
        assert_eq!(retry.unwrap().describe(), "throttled, retrying in 4.0 s (attempt 2)");
        let wait = r#"databricks-account:progress {"event":"waiting","what":"workspace","status":"PROVISIONING","elapsed_ms":130000}"#;
        assert_eq!(Progress::parse(wait).unwrap().describe(), "workspace PROVISIONING, 2m10s");

        for odd in [
            "panicked at src/lib.rs:1",
            r#"{"event":"page","pages":1,"records":1}"#,
            r#"databricks-account:progress {"event":"retrying","reason":"Bearer dapi123","attempt":1,"after_ms":1}"#,
            r#"databricks-account:progress {"event":"waiting","what":"workspace","status":"https://x/?token=1","elapsed_ms":1}"#,
            r#"databricks-account:progress {"event":"page","pages":-1,"records":1}"#,
            "databricks-account:progress not json",
        ] {
            assert_eq!(Progress::parse(odd), None, "{odd}");
        }
    }

    #[test]
    fn big_numbers_get_separators() {
        assert_eq!(
            (thousands(0), thousands(999), thousands(1000), thousands(1_234_567)),
            ("0".into(), "999".into(), "1,000".into(), "1,234,567".into())
        );
    }
}
