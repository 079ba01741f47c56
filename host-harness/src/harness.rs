//! [`Harness`]: one engine, one compiled component, one `InstancePre`; a new `Store` per run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use wasmtime::component::types::Type;
use wasmtime::component::{Component, Instance, InstancePre, Val};
use wasmtime::{Engine, Store, Trap};

use crate::cache::{ArtifactCache, LoadReport};
use crate::cards::{CardSignature, ParamRole, discover};
use crate::error::HarnessError;
use crate::outbound::{self, ConnectionPool, PoolStats};
use crate::phases::{ResponseWaits, RunPhases};
use crate::policy::OutboundPolicy;
use crate::runtime::{self, wt};
use crate::state::RunState;
use crate::values::{ValueError, json_to_val, val_into_json};

/// The component built from `plugin/` by this crate's build script.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("DATABRICKS_ACCOUNT_WASM"));

/// How a [`Harness`] sets up its engine and cache.
#[derive(Clone, Debug)]
pub struct HarnessConfig {
    /// Use wasmtime's pooling allocator (faster instantiation; reserves virtual memory up front
    /// and caps a run's memory at [`runtime::POOLING_MAX_MEMORY`]). Default: off.
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
    /// Default: 0 (off): every run mints its own token. See docs/performance.md.
    pub warm_instances: usize,
}

impl Default for HarnessConfig {
    fn default() -> Self {
        HarnessConfig { pooling: false, use_cache: true, cache_dir: None, pool_connections: true, warm_instances: 0 }
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
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { memory_limit: 64 << 20, time_limit: Duration::from_secs(60), allowed_origins: None }
    }
}

impl RunOptions {
    /// These options with `allowed_origins` set.
    pub fn with_allowed_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
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

/// What the card returned: its own `result<ok, card-error>`, as JSON.
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

/// The host of the databricks-account component. Cheap to clone (an `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct Harness {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    component: Component,
    pre: InstancePre<RunState>,
    cards: Vec<CardSignature>,
    load: LoadReport,
    connections: Option<Arc<ConnectionPool>>,
    warm: WarmPool,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness").field("cards", &self.inner.cards.len()).field("load", &self.inner.load).finish()
    }
}

/// The embedded harness, built once per process: tests call [`Harness::embedded`] freely.
static EMBEDDED: Mutex<Option<Harness>> = Mutex::new(None);

impl Harness {
    /// The harness of the embedded component, compiled (or loaded from the cache) on the first
    /// call in this process and shared afterwards.
    pub fn embedded() -> anyhow::Result<Harness> {
        // Held while building, so concurrent first calls compile once.
        let mut embedded = EMBEDDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(harness) = embedded.as_ref() {
            return Ok(harness.clone());
        }
        let harness = Harness::with_config(EMBEDDED_COMPONENT, &HarnessConfig::default())?;
        *embedded = Some(harness.clone());
        Ok(harness)
    }

    /// A harness for the component in `path` (a `.wasm` component, not a precompiled artifact).
    pub fn from_file(path: impl AsRef<Path>) -> anyhow::Result<Harness> {
        let path = path.as_ref();
        let wasm = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Harness::with_config(&wasm, &HarnessConfig::default())
    }

    /// A harness for these component bytes with the default configuration.
    pub fn from_bytes(wasm: &[u8]) -> anyhow::Result<Harness> {
        Harness::with_config(wasm, &HarnessConfig::default())
    }

    /// A harness for these component bytes.
    pub fn with_config(wasm: &[u8], config: &HarnessConfig) -> anyhow::Result<Harness> {
        let engine = runtime::engine(config.pooling)?;
        let (component, load) = if config.use_cache {
            ArtifactCache::new(config.cache_dir.clone()).load_or_compile(&engine, wasm)?
        } else {
            let started = Instant::now();
            let component = Component::from_binary(&engine, wasm).map_err(wt)?;
            let load = LoadReport {
                source: crate::cache::LoadSource::Compiled,
                load_time: started.elapsed(),
                wasm_sha256: crate::cache::hex(&<sha2::Sha256 as sha2::Digest>::digest(wasm)),
                cache_file: None,
            };
            (component, load)
        };
        tracing::debug!(source = ?load.source, time = ?load.load_time, "component loaded");
        let cards = discover(&engine, &component)?;
        let pre = runtime::instance_pre(&engine, &component)?;
        Ok(Harness {
            inner: Arc::new(Inner {
                engine,
                component,
                pre,
                cards,
                load,
                connections: config.pool_connections.then(|| Arc::new(ConnectionPool::new())),
                warm: WarmPool::new(config.warm_instances),
            }),
        })
    }

    /// Every card the component exports, in export order.
    pub fn cards(&self) -> &[CardSignature] {
        &self.inner.cards
    }

    /// The card of this id.
    pub fn card(&self, id: &str) -> Option<&CardSignature> {
        self.inner.cards.iter().find(|card| card.id == id)
    }

    /// JSON Schemas of a card's input, connection, output and error:
    /// `{"card", "interface", "input", "connection", "output", "error"}`.
    pub fn describe(&self, id: &str) -> Option<Value> {
        self.card(id).map(CardSignature::describe)
    }

    /// How the component was loaded (cache hit or compilation, and how long it took).
    pub fn load_report(&self) -> &LoadReport {
        &self.inner.load
    }

    /// The engine, for embedders that run more than cards on it.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.inner.component
    }

    /// Counters of the connection pool (zero when pooling is off).
    pub fn connection_stats(&self) -> PoolStats {
        self.inner.connections.as_ref().map(|pool| pool.stats()).unwrap_or_default()
    }

    /// Counters of warm-instance reuse (zero when it is off).
    pub fn warm_stats(&self) -> WarmStats {
        self.inner.warm.stats()
    }

    /// Drops every idle warm instance (and the tokens cached in them).
    pub fn clear_warm_instances(&self) {
        self.inner.warm.clear();
    }

    /// Time to create a new store and instantiate the component from the `InstancePre`: what a
    /// run without a warm instance pays before the card's code starts.
    pub async fn time_instantiation(&self) -> anyhow::Result<Duration> {
        let policy = Arc::new(OutboundPolicy::with_origins::<&str>("instantiate", &[]).map_err(anyhow::Error::msg)?);
        let started = Instant::now();
        let mut store = runtime::new_store(&self.inner.engine, policy, RunOptions::default().memory_limit);
        store.set_epoch_deadline(runtime::ticks(Duration::from_secs(10)));
        self.inner.pre.instantiate_async(&mut store).await.map_err(wt)?;
        Ok(started.elapsed())
    }

    /// Runs a card in a new store (or a warm one, see [`HarnessConfig::warm_instances`]): maps the JSON to the card's WIT types, calls it, maps its
    /// `result` back. A trap, timeout or memory exhaustion ends only this run.
    pub async fn run(&self, card_id: &str, connection: &Value, input: &Value, options: &RunOptions) -> Result<CardOutcome, HarnessError> {
        self.run_measured(card_id, connection, input, options).await.map(|(outcome, _)| outcome)
    }

    /// [`Harness::run`], with where the run's time went (see [`RunPhases`]).
    pub async fn run_measured(
        &self,
        card_id: &str,
        connection: &Value,
        input: &Value,
        options: &RunOptions,
    ) -> Result<(CardOutcome, RunPhases), HarnessError> {
        let run_started = Instant::now();
        let card = self.card(card_id).ok_or_else(|| HarnessError::UnknownCard(card_id.to_string()))?;

        let mut args = Vec::with_capacity(card.params.len());
        for (_, ty, role) in &card.params {
            let (json, root) = match role {
                ParamRole::Connection => (connection, "connection"),
                ParamRole::Input => (input, "input"),
            };
            args.push(json_to_val(json, ty, root)?);
        }
        if card.input_type().is_none() && !(input.is_null() || input.as_object().is_some_and(|o| o.is_empty())) {
            return Err(ValueError { path: "input".into(), message: "this card takes no input".into() }.into());
        }

        let policy = match &options.allowed_origins {
            Some(origins) => OutboundPolicy::with_origins(card_id, origins).map_err(HarnessError::Policy)?,
            None => OutboundPolicy::for_connection(card_id, connection),
        };

        let warm_key = self.inner.warm.enabled().then(|| warm_key(connection, options));
        let (mut store, instance) = match warm_key.as_ref().and_then(|key| self.inner.warm.take(key)) {
            Some(warm) => {
                let mut store = warm.store;
                store.data_mut().set_policy(Arc::new(policy));
                (store, Some(warm.instance))
            }
            None => (runtime::new_store(&self.inner.engine, Arc::new(policy), options.memory_limit), None),
        };
        store.set_epoch_deadline(runtime::ticks(options.time_limit));

        let started = Instant::now();
        let running = call(&self.inner.pre, &mut store, instance, card, &args);
        let waits = ResponseWaits::default();
        let within_run = outbound::within_run(self.inner.connections.clone(), waits.clone(), running);
        let called = tokio::time::timeout(options.time_limit, within_run).await;
        let returned = Instant::now();
        let elapsed = returned - started;
        let mut phases =
            RunPhases { harness_in: started - run_started, call: elapsed, awaiting_responses: waits.total(), harness_out: Duration::ZERO };
        let stderr = store.data().stderr();
        if !stderr.is_empty() {
            tracing::debug!(card = card_id, "guest stderr: {stderr}");
        }

        // Every way out of this match but a returned result drops the store: a trap, a timeout
        // or a memory overrun never leaves a warm instance behind.
        let (result, instance) = match called {
            Err(_elapsed) => return Err(HarnessError::TimeLimit(options.time_limit)),
            Ok(Err(CallError::Instantiate(err))) => {
                return Err(HarnessError::Internal(format!("cannot instantiate the component: {err:#}")));
            }
            Ok(Err(CallError::Call(err))) => {
                return Err(classify(err, &store, options, &stderr));
            }
            Ok(Ok(done)) => done,
        };
        tracing::debug!(card = card_id, ?elapsed, "card run finished");

        let to_json = |val: Val, ty: &Type, root: &str| val_into_json(val, ty, root).map_err(|e| HarnessError::Internal(e.to_string()));
        let outcome = match (result, &card.result) {
            (Some(Val::Result(result)), Some(Type::Result(ty))) => match result {
                Ok(value) => CardOutcome::Ok(match (value, ty.ok()) {
                    (Some(value), Some(ty)) => to_json(*value, &ty, "output")?,
                    _ => Value::Null,
                }),
                Err(value) => CardOutcome::Err(match (value, ty.err()) {
                    (Some(value), Some(ty)) => to_json(*value, &ty, "error")?,
                    _ => Value::Null,
                }),
            },
            (Some(value), Some(ty)) => CardOutcome::Ok(to_json(value, ty, "output")?),
            _ => CardOutcome::Ok(Value::Null),
        };
        if let Some(key) = warm_key {
            // Only a clean success is kept: a card error (a rejected token, a throttled account)
            // or anything on stderr (a panic message) retires the instance.
            let state = store.data();
            let clean = outcome.is_ok()
                && !state.wrote_stderr()
                && !state.limiter.memory_exceeded
                && state.limiter.memory_high_water <= WARM_MAX_MEMORY;
            if clean {
                self.inner.warm.put(key, WarmInstance { store, instance, idle_since: Instant::now() });
            } else {
                self.inner.warm.discard(store);
            }
        }
        phases.harness_out = returned.elapsed();
        Ok((outcome, phases))
    }
}

/// A warm instance whose linear memory grew beyond this is not kept (a 10k-user listing).
const WARM_MAX_MEMORY: usize = 16 << 20;
/// A warm instance idle for longer is dropped when next looked at.
const WARM_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Counters of warm-instance reuse.
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

struct WarmInstance {
    store: Store<RunState>,
    instance: Instance,
    idle_since: Instant,
}

/// Idle warm instances by key. The key is a SHA-256 digest, so the secret it covers is not kept
/// in the map (it lives on in the instance's memory, as it would for the length of one run).
struct WarmPool {
    max_idle: usize,
    idle: Mutex<HashMap<[u8; 32], Vec<WarmInstance>>>,
    reused: AtomicU64,
    kept: AtomicU64,
    discarded: AtomicU64,
    evicted: AtomicU64,
}

impl WarmPool {
    fn new(max_idle: usize) -> WarmPool {
        WarmPool {
            max_idle,
            idle: Mutex::new(HashMap::new()),
            reused: AtomicU64::new(0),
            kept: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }

    fn enabled(&self) -> bool {
        self.max_idle > 0
    }

    fn stats(&self) -> WarmStats {
        WarmStats {
            reused: self.reused.load(Ordering::Relaxed),
            kept: self.kept.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
        }
    }

    /// Drops a run's instance instead of keeping it (a card error, stderr, too much memory).
    fn discard(&self, store: Store<RunState>) {
        drop(store);
        self.discarded.fetch_add(1, Ordering::Relaxed);
    }

    fn clear(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let n: usize = idle.values().map(Vec::len).sum();
        idle.clear();
        self.evicted.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn take(&self, key: &[u8; 32]) -> Option<WarmInstance> {
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
        found
    }

    fn put(&self, key: [u8; 32], warm: WarmInstance) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let mut total: usize = idle.values().map(Vec::len).sum();
        while total >= self.max_idle {
            // Evict the instance idle the longest.
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

/// The key of the warm instances a run may use: everything that shapes the instance's state
/// and policy — the whole connection (cloud, account, host override, client ID, secret, scopes),
/// the allowed origins and the memory limit.
fn warm_key(connection: &Value, options: &RunOptions) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"databricks-account warm instance v1\0");
    hash.update(serde_json::to_vec(connection).unwrap_or_default());
    hash.update(b"\0");
    hash.update(serde_json::to_vec(&options.allowed_origins).unwrap_or_default());
    hash.update(b"\0");
    hash.update((options.memory_limit as u64).to_le_bytes());
    hash.finalize().into()
}

enum CallError {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

async fn call(
    pre: &InstancePre<RunState>,
    store: &mut Store<RunState>,
    warm: Option<Instance>,
    card: &CardSignature,
    args: &[Val],
) -> Result<(Option<Val>, Instance), CallError> {
    let instance = match warm {
        Some(instance) => instance,
        None => pre.instantiate_async(&mut *store).await.map_err(CallError::Instantiate)?,
    };
    let func = instance
        .get_func(&mut *store, card.export)
        .ok_or_else(|| CallError::Instantiate(wasmtime::format_err!("the instance lacks the export of `{}`", card.id)))?;
    let mut results = vec![Val::Bool(false); usize::from(card.result.is_some())];
    func.call_async(&mut *store, args, &mut results).await.map_err(CallError::Call)?;
    Ok((results.pop(), instance))
}

/// Turns a failed call into the harness error that explains it best.
fn classify(err: wasmtime::Error, store: &Store<RunState>, options: &RunOptions, stderr: &str) -> HarnessError {
    if store.data().limiter.memory_exceeded {
        return HarnessError::MemoryLimit(options.memory_limit);
    }
    if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return HarnessError::TimeLimit(options.time_limit);
    }
    let mut message = format!("{err:#}");
    if !stderr.is_empty() {
        message.push_str("\nguest stderr:\n");
        message.push_str(stderr);
    }
    HarnessError::Trap { message }
}

// A platform shares one harness across threads and spawns runs on its runtime.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Harness>();
};
