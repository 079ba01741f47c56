//! The state of one card run (the `T` of its `Store<T>`): WASI, wasi:http with the policy hooks,
//! the resource table and the memory limiter.
//!
//! The guest gets no files, no arguments, no sockets and no stdin, and one environment variable:
//! [`TIME_LIMIT_VARIABLE`], the run's time limit in milliseconds, so that a card that waits (for a
//! workspace, say) can return its last status before the host ends the run.
//! Its stdout is discarded. Its stderr (panic messages, mostly) goes to a bounded in-memory pipe:
//! the harness logs it at debug level after a run and appends it to a trap's message, rather than
//! interleaving guest output with the host's own stderr.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::{MemoryOutputPipe, SinkOutputStream};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::policy::{OutboundHooks, OutboundPolicy};

/// The environment variable that tells the guest its run's time limit, in milliseconds.
pub const TIME_LIMIT_VARIABLE: &str = "DATABRICKS_ACCOUNT_RUN_TIME_LIMIT_MS";

/// How much guest stderr one run keeps.
const STDERR_CAPACITY: usize = 64 * 1024;

pub(crate) struct RunState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    pub(crate) limiter: RunLimiter,
    stderr: MemoryOutputPipe,
}

impl RunState {
    pub(crate) fn new(policy: Arc<OutboundPolicy>, memory_limit: usize, time_limit: std::time::Duration) -> RunState {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let wasi = WasiCtx::builder()
            .env(TIME_LIMIT_VARIABLE, time_limit.as_millis().to_string())
            .stdout(SinkOutputStream)
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        RunState {
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks { policy },
            limiter: RunLimiter::new(memory_limit),
            stderr,
        }
    }

    /// What the guest wrote to stderr, lossily decoded.
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).trim_end().to_string()
    }

    /// Whether the guest wrote anything to stderr (a warm instance that did is not reused).
    pub(crate) fn wrote_stderr(&self) -> bool {
        !self.stderr.contents().is_empty()
    }

    /// The policy of the next run of a warm instance: the same origins (its key includes them),
    /// but the card's own name for the log lines.
    pub(crate) fn set_policy(&mut self, policy: Arc<OutboundPolicy>) {
        self.hooks.policy = policy;
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for RunState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// [`StoreLimits`] that remembers whether the memory limit was hit, so a run that failed because
/// of it reports "memory limit exceeded" rather than a bare trap.
pub(crate) struct RunLimiter {
    limits: StoreLimits,
    pub(crate) memory_exceeded: bool,
    /// The largest linear memory size the guest asked for so far, in bytes.
    pub(crate) memory_high_water: usize,
}

impl RunLimiter {
    fn new(memory_limit: usize) -> RunLimiter {
        RunLimiter {
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_limit)
                // A refused growth traps at once with a clear error, instead of the guest's
                // allocator aborting somewhere later.
                .trap_on_grow_failure(true)
                .build(),
            memory_exceeded: false,
            memory_high_water: 0,
        }
    }
}

impl ResourceLimiter for RunLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let result = self.limits.memory_growing(current, desired, maximum);
        self.memory_high_water = self.memory_high_water.max(desired);
        if !matches!(result, Ok(true)) {
            self.memory_exceeded = true;
        }
        result
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}
