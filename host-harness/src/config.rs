//! The settings a [`Harness`](crate::Harness) is built with, and those of each run.

use std::path::PathBuf;
use std::time::Duration;

use crate::pacing::PacingConfig;
use crate::progress::{OnProgress, Progress};

/// How a [`Harness`](crate::Harness) sets up its engine and cache.
#[derive(Clone, Debug)]
pub struct HarnessConfig {
    /// Use wasmtime's pooling allocator (faster instantiation; reserves virtual memory up front
    /// and caps a run's memory at [`POOLING_MAX_MEMORY`](crate::POOLING_MAX_MEMORY)). Default: off.
    pub pooling: bool,
    /// Cache the compiled component on disk. Default: on.
    pub use_cache: bool,
    /// The cache directory; default `DATABRICKS_ACCOUNT_CACHE_DIR`, else a per-user temp folder.
    pub cache_dir: Option<PathBuf>,
    /// Keep-alive connections shared by the runs of this harness, pooled by origin (after the
    /// policy check). Off: a new TCP (and TLS) connection per request. Default: on.
    pub pool_connections: bool,
    /// How many idle warm instances to keep (0 turns warm reuse off). A warm instance is the
    /// store and instance of an earlier successful run, reused only by a run whose connection
    /// (secret included), allowed origins and memory limit hash to the same key, so that its
    /// cached OAuth token serves the next run of the same connection and never another one.
    /// Default: 0 (off). See docs/performance.md.
    pub warm_instances: usize,
    /// Share OAuth client-credentials tokens between the runs of this harness: a run's token
    /// request is answered from an earlier answer to the same request (same URL, secret and
    /// scopes: never another connection's) while its token is fresh, and identical requests in
    /// flight wait for one. Default: on (one token per connection).
    pub share_tokens: bool,
    /// Also keep shared tokens in this directory (mode 0600 files), so that processes share them
    /// (the CLI's `run`). Default: none (memory only).
    pub token_cache_dir: Option<PathBuf>,
    /// How many runs execute at once; more wait in a queue for a slot (bounded by each run's
    /// time limit). With the pooling allocator, the pool is sized for this many runs plus the
    /// warm instances, so a platform never meets a wasmtime instance limit. Default: 1024.
    pub max_concurrent_runs: usize,
    /// How many runs may wait for a slot; past that a run is turned away at once with `busy`.
    /// Default: 100,000.
    pub max_queued_runs: usize,
    /// Pace the runs of each account by their card's rate class (see [`PacingConfig`]); `None`
    /// turns pacing off. Default: Databricks' limits, kept in this process.
    pub pacing: Option<PacingConfig>,
}

impl Default for HarnessConfig {
    fn default() -> Self {
        HarnessConfig {
            pooling: false,
            use_cache: true,
            cache_dir: None,
            pool_connections: true,
            warm_instances: 0,
            share_tokens: true,
            token_cache_dir: None,
            max_concurrent_runs: 1024,
            max_queued_runs: 100_000,
            pacing: Some(PacingConfig::databricks()),
        }
    }
}

/// Limits and policy of one run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The most linear memory the guest may have, in bytes. Default 64 MiB.
    pub memory_limit: usize,
    /// Wall-clock limit of the run, instantiation included. Default 60 s.
    pub time_limit: Duration,
    /// Origins (`http://127.0.0.1:8080`) the run may reach instead of the connection's account
    /// origin. Default `None`: only the connection's `host_override`, else its cloud's host.
    pub allowed_origins: Option<Vec<String>>,
    /// Receives the card's progress events as it works (pages read, retries, waits). Default
    /// `None`: they are dropped.
    pub on_progress: Option<OnProgress>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { memory_limit: 64 << 20, time_limit: Duration::from_secs(60), allowed_origins: None, on_progress: None }
    }
}

impl RunOptions {
    /// These options with `allowed_origins` set.
    pub fn with_allowed_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// These options with a progress listener.
    pub fn with_on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(OnProgress::new(f));
        self
    }

    /// These options with another time limit.
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// These options with another memory limit.
    pub fn with_memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = bytes;
        self
    }
}
