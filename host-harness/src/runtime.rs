//! The wasmtime side that lives as long as a [`crate::Harness`]: the engine (with its epoch
//! ticker), the linker with WASI and wasi:http, and the pre-instantiated component.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use crate::policy::OutboundPolicy;
use crate::state::RunState;

/// How often the background ticker advances the engine's epoch: the granularity of time limits
/// on guest code that is computing (awaiting the network is bounded by a tokio timeout instead).
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The most memory a run can have with the pooling allocator, whatever its `memory_limit`.
pub const POOLING_MAX_MEMORY: usize = 256 << 20;

/// Converts wasmtime's error type (this build leaves out its `anyhow` feature) to `anyhow`.
pub(crate) fn wt(err: wasmtime::Error) -> anyhow::Error {
    anyhow::Error::from_boxed(err.into_boxed_dyn_error())
}

/// Core instances, memories and tables of one instance of the component (its modules and the
/// WASI adapter's), with room to spare: what the pooling allocator reserves per slot.
const CORE_INSTANCES_PER_COMPONENT: u32 = 4;
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 2;

/// An engine for card runs: epoch interruption on; async is chosen per call in wasmtime 48.
/// With `pooling`, the pool holds `instances` component instances: the runs in flight and the
/// idle warm instances together.
pub(crate) fn engine(pooling: bool, instances: usize) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    if pooling {
        let instances = u32::try_from(instances.max(1)).unwrap_or(u32::MAX / CORE_INSTANCES_PER_COMPONENT);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(instances)
            .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
            .total_memories(instances.saturating_mul(MEMORIES_PER_COMPONENT))
            .total_tables(instances.saturating_mul(TABLES_PER_COMPONENT))
            .total_stacks(instances)
            .max_memory_size(POOLING_MAX_MEMORY);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    let engine = Engine::new(&config).map_err(wt)?;
    start_epoch_ticker(&engine);
    Ok(engine)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on a thread that ends with the engine.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new().name("databricks-account-epoch".into()).spawn(move || {
        loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        }
    });
    if let Err(err) = spawned {
        // Runs still end at their tokio timeout while they await the network.
        tracing::warn!("cannot start the epoch ticker; time limits only apply while awaiting I/O: {err}");
    }
}

/// Epoch ticks in `limit`, at least one.
pub(crate) fn ticks(limit: Duration) -> u64 {
    (limit.as_nanos() / EPOCH_TICK.as_nanos()).max(1) as u64
}

/// A store for one run: its state with `policy`, its memory limiter, and a trap when its epoch
/// deadline passes (the caller sets the deadline; `time_limit` is what the guest is told of it).
pub(crate) fn new_store(engine: &Engine, policy: Arc<OutboundPolicy>, memory_limit: usize, time_limit: Duration) -> Store<RunState> {
    let mut store = Store::new(engine, RunState::new(policy, memory_limit, time_limit));
    store.limiter(|state| &mut state.limiter);
    store.epoch_deadline_trap();
    store
}

/// Links WASI 0.2 and wasi:http (the component's only imports) and pre-instantiates the component.
pub(crate) fn instance_pre(engine: &Engine, component: &Component) -> anyhow::Result<InstancePre<RunState>> {
    let mut linker = Linker::<RunState>::new(engine);
    // The wasi:http "proxy" linker alone is not enough: Rust's std imports more of wasi:cli.
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(wt)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(wt)?;
    linker.instantiate_pre(component).map_err(wt)
}
