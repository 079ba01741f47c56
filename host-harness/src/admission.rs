//! How many runs a harness lets in at once. A platform may start a thousand or ten thousand runs
//! together; past `max_concurrent_runs` they wait in a bounded queue for a slot, instead of
//! failing on a wasmtime pool limit or piling up memory. A queued run keeps its own deadline:
//! its time limit counts from when it was asked for, so a run that cannot start in time ends
//! with `time_limit` (saying it waited), and a full queue turns a run away at once with `busy`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::HarnessError;

/// The run slots of a harness and the queue in front of them.
pub(crate) struct Admission {
    slots: Arc<Semaphore>,
    max_queued: usize,
    queued: AtomicUsize,
    waited: AtomicU64,
    turned_away: AtomicU64,
}

/// How the queue has been used: for the benchmark and an embedder's metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdmissionStats {
    /// Runs that had to wait for a slot.
    pub waited: u64,
    /// Runs turned away because the queue was full.
    pub turned_away: u64,
    /// Runs waiting right now.
    pub queued_now: usize,
}

impl Admission {
    pub(crate) fn new(max_concurrent: usize, max_queued: usize) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
            max_queued,
            queued: AtomicUsize::new(0),
            waited: AtomicU64::new(0),
            turned_away: AtomicU64::new(0),
        }
    }

    /// A slot for one run, waited for until `deadline`; held until the run ends.
    pub(crate) async fn enter(&self, asked: Instant, time_limit: Duration) -> Result<OwnedSemaphorePermit, HarnessError> {
        if let Ok(slot) = self.slots.clone().try_acquire_owned() {
            return Ok(slot);
        }
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            self.turned_away.fetch_add(1, Ordering::Relaxed);
            return Err(HarnessError::Busy(format!(
                "{} runs are already waiting for one of the harness's run slots (max_queued_runs); try again later",
                self.max_queued
            )));
        }
        self.waited.fetch_add(1, Ordering::Relaxed);
        let remaining = time_limit.saturating_sub(asked.elapsed());
        let slot = tokio::time::timeout(remaining, self.slots.clone().acquire_owned()).await;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        match slot {
            Ok(Ok(slot)) => Ok(slot),
            Ok(Err(_closed)) => Err(HarnessError::Internal("the harness's run slots were closed".into())),
            Err(_elapsed) => Err(HarnessError::TimeLimit(time_limit)),
        }
    }

    pub(crate) fn stats(&self) -> AdmissionStats {
        AdmissionStats {
            waited: self.waited.load(Ordering::Relaxed),
            turned_away: self.turned_away.load(Ordering::Relaxed),
            queued_now: self.queued.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_past_the_slots_wait_and_a_full_queue_turns_them_away() {
        let admission = Arc::new(Admission::new(1, 1));
        let first = admission.enter(Instant::now(), Duration::from_secs(5)).await.unwrap();
        let waiting = tokio::spawn({
            let admission = admission.clone();
            async move { admission.enter(Instant::now(), Duration::from_secs(5)).await.map(drop) }
        });
        while admission.stats().queued_now == 0 {
            tokio::task::yield_now().await;
        }
        let turned_away = admission.enter(Instant::now(), Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(turned_away.kind(), "busy");
        drop(first);
        waiting.await.unwrap().expect("the queued run got the slot once it was free");
        assert_eq!(admission.stats(), AdmissionStats { waited: 1, turned_away: 1, queued_now: 0 });
    }

    #[tokio::test]
    async fn a_queued_run_ends_at_its_own_deadline() {
        let admission = Admission::new(1, 10);
        let _held = admission.enter(Instant::now(), Duration::from_secs(5)).await.unwrap();
        let error = admission.enter(Instant::now(), Duration::from_millis(50)).await.unwrap_err();
        assert_eq!(error.kind(), "time_limit");
    }
}
