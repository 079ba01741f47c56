//! Where a card run's time goes: the harness's own work before and after the call, the waits for
//! the server's answers, and the rest of the call (the guest's code and the wasm / wasi:http
//! boundary). The benchmark prints it so that the next optimisation aims at the largest part.
//!
//! Taken on every run, because it is cheap: four clock reads per run and two per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long each part of one card run took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunPhases {
    /// Before the call: the input and connection mapped from JSON to WIT, the outbound policy
    /// built, a warm instance looked up.
    pub harness_in: Duration,
    /// The card's call, from entering the component to its return (instantiation included when
    /// the run has no warm instance).
    pub call: Duration,
    /// Part of `call`: from each request handed to the host's sender to its response head, summed
    /// over the run's requests. The sender, the network and the server's own time.
    pub awaiting_responses: Duration,
    /// After the call: the result mapped from WIT to JSON, the warm instance put back.
    pub harness_out: Duration,
}

impl RunPhases {
    /// The call without its waits for response heads: the guest's code (building requests,
    /// decoding answers), the wasi:http calls it makes, and the wasm boundary both ways.
    pub fn call_without_waits(&self) -> Duration {
        self.call.saturating_sub(self.awaiting_responses)
    }
}

/// The running sum of one run's waits for response heads. Shared with the sender's futures, which
/// wasmtime-wasi-http polls on tasks of their own (possibly on other threads).
#[derive(Clone, Debug, Default)]
pub(crate) struct ResponseWaits(Arc<AtomicU64>);

impl ResponseWaits {
    pub(crate) fn add(&self, wait: Duration) {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
    }

    pub(crate) fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}
