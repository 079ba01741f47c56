//! The state of one card run (the `T` of its `Store<T>`): WASI, wasi:http with the policy hooks,
//! the resource table and the memory limiter.
//!
//! The guest gets no files, no arguments, no sockets and no stdin, and one environment variable:
//! [`TIME_LIMIT_VARIABLE`], the run's time limit in milliseconds, so that a card that waits (for a
//! workspace, say) can return its last status before the host ends the run.
//! Its stdout is discarded. Its stderr carries progress lines, handed to the run's listener as
//! they come, and other text (panic messages, mostly), kept in a bounded buffer: the harness logs
//! that at debug level after a run and appends it to a trap's message, rather than interleaving
//! guest output with the host's own stderr (see `guest_stderr`).

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::SinkOutputStream;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::guest_stderr::GuestStderr;
use crate::policy::{OutboundHooks, OutboundPolicy};
use crate::progress::OnProgress;

/// The environment variable that tells the guest its run's time limit, in milliseconds.
pub const TIME_LIMIT_VARIABLE: &str = "DATABRICKS_ACCOUNT_RUN_TIME_LIMIT_MS";

pub(crate) struct RunState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    pub(crate) limiter: RunLimiter,
    stderr: GuestStderr,
}

impl RunState {
    pub(crate) fn new(policy: Arc<OutboundPolicy>, memory_limit: usize, time_limit: std::time::Duration) -> RunState {
        let stderr = GuestStderr::default();
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

    /// What the guest wrote to stderr but progress, lossily decoded.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Whether the guest wrote anything but progress to stderr (a warm instance that did is not
    /// reused).
    pub(crate) fn wrote_stderr(&self) -> bool {
        self.stderr.wrote_text()
    }

    /// Where the guest's progress events go during the next run (`None`: nowhere).
    pub(crate) fn set_on_progress(&self, on_progress: Option<OnProgress>) {
        self.stderr.set_on_progress(on_progress);
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
