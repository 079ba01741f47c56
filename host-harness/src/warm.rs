//! Warm instances: the store and instance of an earlier successful run, kept for the next run of
//! the same connection so that the OAuth token the guest cached in its memory serves it too.
//!
//! Off unless [`HarnessConfig::warm_instances`](crate::HarnessConfig::warm_instances) is above 0.
//! The key covers everything that shapes an instance's state and policy, so an instance never
//! serves another connection (see docs/performance.md, "Token reuse").

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use wasmtime::Store;
use wasmtime::component::Instance;

use crate::config::RunOptions;
use crate::state::RunState;

/// A warm instance whose linear memory grew beyond this is not kept (a 10k-user listing).
const WARM_MAX_MEMORY: usize = 16 << 20;
/// A warm instance idle for longer is dropped when next looked at.
const WARM_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Counters of warm-instance reuse, from [`Harness::warm_stats`](crate::Harness::warm_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WarmStats {
    /// Runs that got a warm instance (and with it the tokens it had cached).
    pub reused: u64,
    /// Instances kept after a run.
    pub kept: u64,
    /// Instances not kept: a card error, stderr output, too much memory.
    pub discarded: u64,
    /// Idle instances dropped to stay within the limit or after their idle timeout.
    pub evicted: u64,
}

/// The key of the warm instances a run may use. A SHA-256 digest, so the secret it covers is not
/// kept in the pool's map (it lives on in the instance's memory, as it would for one run).
pub(crate) type WarmKey = [u8; 32];

struct WarmInstance {
    store: Store<RunState>,
    instance: Instance,
    idle_since: Instant,
}

/// Idle warm instances by key, at most `max_idle` of them in all.
pub(crate) struct WarmPool {
    max_idle: usize,
    idle: Mutex<HashMap<WarmKey, Vec<WarmInstance>>>,
    reused: AtomicU64,
    kept: AtomicU64,
    discarded: AtomicU64,
    evicted: AtomicU64,
}

impl WarmPool {
    /// A pool that keeps up to `max_idle` idle instances (0: none, warm reuse off).
    pub(crate) fn new(max_idle: usize) -> WarmPool {
        WarmPool {
            max_idle,
            idle: Mutex::new(HashMap::new()),
            reused: AtomicU64::new(0),
            kept: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }

    /// The key of a run with this connection and these options, or `None` when warm reuse is
    /// off (the run then neither takes nor leaves an instance, and nothing is hashed).
    pub(crate) fn key(&self, connection: &Value, options: &RunOptions) -> Option<WarmKey> {
        (self.max_idle > 0).then(|| warm_key(connection, options))
    }

    /// The counters so far.
    pub(crate) fn stats(&self) -> WarmStats {
        WarmStats {
            reused: self.reused.load(Ordering::Relaxed),
            kept: self.kept.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
        }
    }

    /// Drops every idle instance (and the tokens cached in them).
    pub(crate) fn clear(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let n: usize = idle.values().map(Vec::len).sum();
        idle.clear();
        self.evicted.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The most recently kept instance of this key that has not idled out; older ones found
    /// idle too long on the way are dropped.
    pub(crate) fn take(&self, key: &WarmKey) -> Option<(Store<RunState>, Instance)> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.get_mut(key)?;
        let mut found = None;
        while let Some(warm) = list.pop() {
            if warm.idle_since.elapsed() < WARM_IDLE_TIMEOUT {
                found = Some(warm);
                break;
            }
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
        if list.is_empty() {
            idle.remove(key);
        }
        if found.is_some() {
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
        found.map(|warm| (warm.store, warm.instance))
    }

    /// Hands a finished run's store and instance back: kept for the next run of `key` after a
    /// clean success, dropped otherwise.
    pub(crate) fn give_back(&self, key: WarmKey, store: Store<RunState>, instance: Instance, succeeded: bool) {
        // Only a clean success is kept: a card error (a rejected token, a throttled account)
        // or anything on stderr (a panic message) retires the instance.
        let state = store.data();
        let clean =
            succeeded && !state.wrote_stderr() && !state.limiter.memory_exceeded && state.limiter.memory_high_water <= WARM_MAX_MEMORY;
        if clean {
            self.put(key, WarmInstance { store, instance, idle_since: Instant::now() });
        } else {
            drop(store);
            self.discarded.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Keeps an instance, evicting the one idle the longest when the pool is full.
    fn put(&self, key: WarmKey, warm: WarmInstance) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let mut total: usize = idle.values().map(Vec::len).sum();
        while total >= self.max_idle {
            let oldest = idle
                .iter()
                .filter_map(|(key, list)| list.first().map(|w| (*key, w.idle_since)))
                .min_by_key(|(_, since)| *since)
                .map(|(key, _)| key);
            let Some(oldest) = oldest else { break };
            if let Some(list) = idle.get_mut(&oldest) {
                list.remove(0);
                if list.is_empty() {
                    idle.remove(&oldest);
                }
            }
            total -= 1;
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
        idle.entry(key).or_default().push(warm);
        self.kept.fetch_add(1, Ordering::Relaxed);
    }
}

/// Everything that shapes an instance's state and policy: the whole connection (cloud, account,
/// host override, client ID, secret, scopes), the allowed origins, the memory limit and the time
/// limit (the guest is told it once, when the instance starts).
fn warm_key(connection: &Value, options: &RunOptions) -> WarmKey {
    let mut hash = Sha256::new();
    hash.update(b"databricks-account warm instance v1\0");
    hash.update(serde_json::to_vec(connection).unwrap_or_default());
    hash.update(b"\0");
    hash.update(serde_json::to_vec(&options.allowed_origins).unwrap_or_default());
    hash.update(b"\0");
    hash.update((options.memory_limit as u64).to_le_bytes());
    hash.update((options.time_limit.as_millis() as u64).to_le_bytes());
    hash.finalize().into()
}
