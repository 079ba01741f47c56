//! [`Harness`]: one engine, one compiled component, one `InstancePre`; a new `Store` per run.
//!
//! This file is the harness's public face: how one is built and what it answers. A run's steps
//! are in `run.rs`, warm-instance reuse in `warm.rs`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use wasmtime::Engine;
use wasmtime::component::{Component, InstancePre};

use crate::admission::{Admission, AdmissionStats};
use crate::cache::{ArtifactCache, LoadReport};
use crate::cards::{CardSignature, discover};
use crate::config::{HarnessConfig, RunOptions};
use crate::error::HarnessError;
use crate::outbound::{ConnectionPool, POOL_MAX_IDLE_PER_ORIGIN, PoolStats};
use crate::outcome::CardOutcome;
use crate::pacing::Pacer;
use crate::phases::RunPhases;
use crate::policy::{AccountHosts, OutboundPolicy};
use crate::runtime::{self, wt};
use crate::state::RunState;
use crate::tokens::{TokenShare, TokenStats};
use crate::warm::{WarmPool, WarmStats};

/// The component built from `plugin/` by this crate's build script.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("DATABRICKS_ACCOUNT_WASM"));

/// The host of the databricks-account component. Cheap to clone (an `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct Harness {
    inner: Arc<Inner>,
}

/// What every clone of a [`Harness`] shares; the run pipeline reads it.
pub(crate) struct Inner {
    pub(crate) engine: Engine,
    component: Component,
    pub(crate) pre: InstancePre<RunState>,
    cards: Vec<CardSignature>,
    load: LoadReport,
    pub(crate) connections: Option<Arc<ConnectionPool>>,
    pub(crate) tokens: Option<Arc<TokenShare>>,
    pub(crate) warm: WarmPool,
    pub(crate) admission: Admission,
    pub(crate) pacer: Option<Arc<Pacer>>,
    /// Each card's rate class, read from the component's card list on the first paced run.
    rate_classes: tokio::sync::OnceCell<Arc<HashMap<String, String>>>,
    /// Each cloud's account host, read from the component on the first run that needs it.
    account_hosts: tokio::sync::OnceCell<Arc<AccountHosts>>,
}

impl Inner {
    /// Each cloud's account host, as the component lists them (`cards#list-clouds`); read once.
    /// A component without that list gets none: its runs reach only a host override or the
    /// allowed origins.
    pub(crate) async fn account_hosts(&self) -> Arc<AccountHosts> {
        let load = || async {
            match crate::catalog::call_cards_function(&self.engine, &self.component, "list-clouds").await {
                Ok(json) => Arc::new(AccountHosts::from_json(&json)),
                Err(error) => {
                    tracing::warn!("the component lists no account hosts ({error:#}): only host overrides can be reached");
                    Arc::new(AccountHosts::default())
                }
            }
        };
        self.account_hosts.get_or_init(load).await.clone()
    }

    /// The card of this id.
    pub(crate) fn card(&self, id: &str) -> Option<&CardSignature> {
        self.cards.iter().find(|card| card.id == id)
    }

    /// A card's rate class from the component's card list (read once); a component without
    /// the list, or a card missing from it, is paced as `account-write`, the cautious class.
    pub(crate) async fn rate_class(&self, id: &str) -> String {
        let load = || async {
            let classes = match crate::catalog::call_cards_function(&self.engine, &self.component, "list-cards").await {
                Ok(Value::Array(cards)) => {
                    cards.iter().filter_map(|c| Some((c["id"].as_str()?.to_string(), c["rate_class"].as_str()?.to_string()))).collect()
                }
                Ok(_) | Err(_) => {
                    tracing::warn!("the component lists no rate classes: every card is paced as account-write");
                    HashMap::new()
                }
            };
            Arc::new(classes)
        };
        let classes = self.rate_classes.get_or_init(load).await;
        classes.get(id).cloned().unwrap_or_else(|| "account-write".to_string())
    }
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
        let engine = runtime::engine(config.pooling, config.max_concurrent_runs + config.warm_instances)?;
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
                connections: config
                    .pool_connections
                    .then(|| Arc::new(ConnectionPool::new(config.max_concurrent_runs.max(POOL_MAX_IDLE_PER_ORIGIN)))),
                warm: WarmPool::new(config.warm_instances),
                admission: Admission::new(config.max_concurrent_runs, config.max_queued_runs),
                pacer: config.pacing.as_ref().map(Pacer::new).transpose()?.map(Arc::new),
                rate_classes: tokio::sync::OnceCell::new(),
                tokens: config.share_tokens.then(|| Arc::new(TokenShare::new(config.token_cache_dir.clone()))),
                account_hosts: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// Every card the component exports, in export order.
    pub fn cards(&self) -> &[CardSignature] {
        &self.inner.cards
    }

    /// The card of this id.
    pub fn card(&self, id: &str) -> Option<&CardSignature> {
        self.inner.card(id)
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

    /// Each cloud's account host, as the component lists them (`cards#list-clouds`): what the
    /// outbound policy allows a connection without a host override to reach.
    pub async fn account_hosts(&self) -> Arc<AccountHosts> {
        self.inner.account_hosts().await
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

    /// Counters of token sharing: tokens minted and shared (zero when it is off).
    pub fn token_stats(&self) -> TokenStats {
        self.inner.tokens.as_ref().map(|tokens| tokens.stats()).unwrap_or_default()
    }

    /// Counters of the run queue: runs that waited for a slot, runs turned away.
    pub fn admission_stats(&self) -> AdmissionStats {
        self.inner.admission.stats()
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
        let mut store = runtime::new_store(&self.inner.engine, policy, RunOptions::default().memory_limit, Duration::from_secs(10));
        store.set_epoch_deadline(runtime::ticks(Duration::from_secs(10)));
        self.inner.pre.instantiate_async(&mut store).await.map_err(wt)?;
        Ok(started.elapsed())
    }

    /// Runs a card in a new store (or a warm one, see [`HarnessConfig::warm_instances`]): maps
    /// the JSON to the card's WIT types, calls it, maps its `result` back. A trap, timeout or
    /// memory exhaustion ends only this run.
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
        crate::run::run(&self.inner, card_id, connection, input, options).await
    }
}

// A platform shares one harness across threads and spawns runs on its runtime.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Harness>();
};
