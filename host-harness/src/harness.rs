//! [`Harness`]: one engine, one compiled component, one `InstancePre`; a new `Store` per run.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use wasmtime::component::types::Type;
use wasmtime::component::{Component, InstancePre, Val};
use wasmtime::{Engine, Store, Trap};

use crate::cache::{ArtifactCache, LoadReport};
use crate::cards::{CardSignature, ParamRole, discover};
use crate::error::HarnessError;
use crate::policy::OutboundPolicy;
use crate::runtime::{self, wt};
use crate::state::RunState;
use crate::values::{ValueError, json_to_val, val_to_json};

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
}

impl Default for HarnessConfig {
    fn default() -> Self {
        HarnessConfig {
            pooling: false,
            use_cache: true,
            cache_dir: None,
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
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            memory_limit: 64 << 20,
            time_limit: Duration::from_secs(60),
            allowed_origins: None,
        }
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
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("cards", &self.inner.cards.len())
            .field("load", &self.inner.load)
            .finish()
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

    /// Runs a card in a new store: maps the JSON to the card's WIT types, calls it, maps its
    /// `result` back. A trap, timeout or memory exhaustion ends only this run.
    pub async fn run(
        &self,
        card_id: &str,
        connection: &Value,
        input: &Value,
        options: &RunOptions,
    ) -> Result<CardOutcome, HarnessError> {
        let card = self
            .card(card_id)
            .ok_or_else(|| HarnessError::UnknownCard(card_id.to_string()))?;

        let mut args = Vec::with_capacity(card.params.len());
        for (_, ty, role) in &card.params {
            let (json, root) = match role {
                ParamRole::Connection => (connection, "connection"),
                ParamRole::Input => (input, "input"),
            };
            args.push(json_to_val(json, ty, root)?);
        }
        if card.input_type().is_none() && !(input.is_null() || input.as_object().is_some_and(|o| o.is_empty())) {
            return Err(ValueError {
                path: "input".into(),
                message: "this card takes no input".into(),
            }
            .into());
        }

        let policy = match &options.allowed_origins {
            Some(origins) => OutboundPolicy::with_origins(card_id, origins).map_err(HarnessError::Policy)?,
            None => OutboundPolicy::for_connection(card_id, connection),
        };

        let mut store = Store::new(&self.inner.engine, RunState::new(Arc::new(policy), options.memory_limit));
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(runtime::ticks(options.time_limit));
        store.epoch_deadline_trap();

        let started = Instant::now();
        let called = tokio::time::timeout(options.time_limit, call(&self.inner.pre, &mut store, card, &args)).await;
        let elapsed = started.elapsed();
        let stderr = store.data().stderr();
        if !stderr.is_empty() {
            tracing::debug!(card = card_id, "guest stderr: {stderr}");
        }

        let result = match called {
            Err(_elapsed) => return Err(HarnessError::TimeLimit(options.time_limit)),
            Ok(Err(CallError::Instantiate(err))) => {
                return Err(HarnessError::Internal(format!("cannot instantiate the component: {err:#}")));
            }
            Ok(Err(CallError::Call(err))) => {
                return Err(classify(err, &store, options, &stderr));
            }
            Ok(Ok(result)) => result,
        };
        tracing::debug!(card = card_id, ?elapsed, "card run finished");

        let to_json = |val: &Val, ty: &Type, root: &str| {
            val_to_json(val, ty, root).map_err(|e| HarnessError::Internal(e.to_string()))
        };
        Ok(match (result, &card.result) {
            (Some(Val::Result(result)), Some(Type::Result(ty))) => match result {
                Ok(value) => CardOutcome::Ok(match (value, ty.ok()) {
                    (Some(value), Some(ty)) => to_json(&value, &ty, "output")?,
                    _ => Value::Null,
                }),
                Err(value) => CardOutcome::Err(match (value, ty.err()) {
                    (Some(value), Some(ty)) => to_json(&value, &ty, "error")?,
                    _ => Value::Null,
                }),
            },
            (Some(value), Some(ty)) => CardOutcome::Ok(to_json(&value, ty, "output")?),
            _ => CardOutcome::Ok(Value::Null),
        })
    }
}

enum CallError {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

async fn call(
    pre: &InstancePre<RunState>,
    store: &mut Store<RunState>,
    card: &CardSignature,
    args: &[Val],
) -> Result<Option<Val>, CallError> {
    let instance = pre.instantiate_async(&mut *store).await.map_err(CallError::Instantiate)?;
    let func = instance.get_func(&mut *store, card.export).ok_or_else(|| {
        CallError::Instantiate(wasmtime::format_err!("the instance lacks the export of `{}`", card.id))
    })?;
    let mut results = vec![Val::Bool(false); usize::from(card.result.is_some())];
    func.call_async(&mut *store, args, &mut results)
        .await
        .map_err(CallError::Call)?;
    Ok(results.pop())
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
