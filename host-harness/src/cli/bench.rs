//! `databricks-account bench`: what a card costs on top of the HTTP round trips it makes.
//!
//! Everything runs in this process against the in-process fake account on loopback:
//!
//! * each representative card (a get, a list page, a PATCH) through the harness in four set-ups,
//!   from the old default (fresh store, new connections, new token every run) to all
//!   optimisations on (pooled connections, a warm instance with its cached token, the pooling
//!   allocator);
//! * the very HTTP requests each card sent (read back from the fake's journal), replayed by a
//!   native Rust client with keep-alive (hyper-util's pooled client) and a token minted once:
//!   the baseline, and the ratio to it;
//! * instantiation with and without the pooling allocator; card runs per second with N
//!   concurrent runs; listing 1k and 10k users through every page (users/s and peak memory);
//!   the time of a whole `databricks-account run` process; the component's size.
//!
//! Pacing is off in every set-up: the benchmark measures the harness, not Databricks' limits.
//!
//! Medians and 99th percentiles over `--runs` runs after `--warmup` runs. Timings are never
//! asserted anywhere: the machine is noisy, the ratio is the headline.

mod compile;
mod cpu;
mod host_calls;
mod in_flight;
mod instantiation;
mod latency;
mod listing;
mod native;
mod process;
mod python_sdk;
mod rss;
mod table;
mod targets;
mod throughput;
mod timing;

use std::process::ExitCode;

use anyhow::{Context, bail};
use fake_account::{FakeAccount, FakeConfig, Seed};
use host_harness::{CardOutcome, Harness, HarnessConfig, RunOptions, RunPhases};
use serde_json::{Value, json};

use crate::output::{out, outln, pretty};
use instantiation::instantiation;
use latency::card_latency;
use listing::listing;
use native::Native;
use process::cli_runs;
use rss::peak_rss_bytes;
use table::table;
use throughput::throughput;
use timing::{Stats, rounds, time};

/// Options of `databricks-account bench`.
#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {
    /// Timed runs per card and set-up (medians and p99 over these).
    #[arg(long, default_value_t = 300)]
    pub runs: usize,
    /// Untimed runs before each measurement (of the card runs: before the first round, and a
    /// fifth of them before each later round).
    #[arg(long, default_value_t = 20)]
    pub warmup: usize,
    /// Rounds the card runs are split into: each round times the native client, then every
    /// set-up, so that all of them share the machine's slow and fast moments and their ratio
    /// does not follow its drift.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Instantiations timed per allocator.
    #[arg(long, default_value_t = 1000)]
    pub instantiations: usize,
    /// Concurrent runs in the throughput measurement.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Card runs in the throughput measurement.
    #[arg(long, default_value_t = 4000)]
    pub throughput_runs: usize,
    /// Account sizes to list through every page (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub users: Vec<usize>,
    /// Whole `databricks-account run` processes timed (0 skips it).
    #[arg(long, default_value_t = 10)]
    pub cli_runs: usize,
    /// Measure only these cards (repeatable; default get-user, list-users and update-user).
    #[arg(long = "card", value_name = "CARD")]
    pub only: Vec<String>,
    /// Measure only these harness set-ups (repeatable; default all four: cold, pooled-conn,
    /// warm, all), e.g. `--setup all` to profile the fastest one alone.
    #[arg(long = "setup", value_name = "SETUP")]
    pub setups: Vec<String>,
    /// Run everything (the fake account, the native client and the harness) on one
    /// current-thread runtime instead of the CLI's multi-thread one: no thread wake-ups between
    /// tasks, so the figures are steadier and show CPU cost alone.
    #[arg(long)]
    pub current_thread: bool,
    /// Latency the fake account adds to every answer in the card latency measurement (a
    /// remote account's round trip; Databricks is tens of milliseconds away).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Runs started at once in the platform-load measurement (0 skips it).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub in_flight: usize,
    /// Latency of the fake account in the platform-load measurement.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub in_flight_latency_ms: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The harness set-ups compared, from the old default to everything on.
const SETUPS: &[(&str, bool, bool, usize)] = &[
    // (name, pooling allocator, pooled connections, warm instances)
    ("cold", false, false, 0),
    ("pooled-conn", false, true, 0),
    ("warm", false, true, 64),
    ("all", true, true, 64),
];

/// The cards measured: (card, input given the SCIM ID of a user).
fn cards(user_id: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("get-user", json!({"id": user_id})),
        ("list-users", json!({"pages": {"page": {"count": 100}}})),
        ("update-user", json!({"id": user_id, "display_name": "Bench User"})),
    ]
}

/// `bench …`: runs the benchmark and prints its report, as a table or (`--json`) as JSON.
pub async fn command(component: Option<&std::path::PathBuf>, args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let report = bench(component, args).await?;
    if args.json {
        outln!("{}", pretty(&report))?;
    } else {
        out!("{}", table(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the benchmark on the component in `component` (default: the built-in one), on a
/// current-thread runtime of its own when `--current-thread` asks for one.
async fn bench(component: Option<&std::path::PathBuf>, args: &BenchArgs) -> anyhow::Result<Value> {
    if !args.current_thread {
        return measure(component, args).await;
    }
    let (component, args) = (component.cloned(), BenchArgs { current_thread: false, ..args.clone() });
    tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let mut report = runtime.block_on(measure(component.as_ref(), &args))?;
        report["runtime"] = json!("current-thread");
        Ok(report)
    })
    .await?
}

/// Every measurement in turn, on the current runtime; the report as JSON.
async fn measure(component: Option<&std::path::PathBuf>, args: &BenchArgs) -> anyhow::Result<Value> {
    if let Some(unknown) = args.setups.iter().find(|s| !SETUPS.iter().any(|(name, ..)| name == s)) {
        bail!("no set-up named {unknown:?}; the set-ups are cold, pooled-conn, warm and all");
    }
    let owned;
    let wasm: &[u8] = match component {
        Some(path) => {
            owned = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            &owned
        }
        None => host_harness::EMBEDDED_COMPONENT,
    };
    let latency = std::time::Duration::from_millis(args.latency_ms);
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Empty, latency, ..FakeConfig::default() })
        .await
        .context("cannot start the fake account")?;
    // A page of 100 to list, and one of them to get and patch.
    fake.insert_users(150, "bench");
    let connection = fake.m2m_connection();
    let options = RunOptions::default();
    let mut harnesses = Vec::new();
    for (name, pooling, pool_connections, warm_instances) in SETUPS {
        let config = HarnessConfig {
            pooling: *pooling,
            pool_connections: *pool_connections,
            warm_instances: *warm_instances,
            pacing: None,
            ..HarnessConfig::default()
        };
        harnesses.push((*name, Harness::with_config(wasm, &config)?));
    }
    let best = &harnesses.last().expect("set-ups").1;

    let first = run_ok(best, "list-users", &connection, &json!({"pages": {"page": {"count": 1}}}), &options).await?;
    let user_id = first["resources"][0]["id"].as_str().context("the fake lists a user")?.to_string();

    // Listing first, so that its peak memory is not hidden by what the other phases used.
    progress("listing every page");
    let listing = listing(wasm, args).await?;

    let native = Native::new(&fake).await?;
    let mut card_results = Vec::new();
    for (card, input) in cards(&user_id) {
        if !chosen(&args.only, card) {
            continue;
        }
        progress(card);
        card_results.push(card_latency(&harnesses, &fake, &native, &connection, card, &input, args).await?);
    }

    // What a warm run costs when the card sends nothing: the wasm boundary, the JSON <-> WIT
    // mapping and the warm-instance bookkeeping, without wasi:http. The phases above show where
    // the rest of a card's time goes.
    progress("a card that sends no request");
    let login = fake.u2m_connection("bench-app", None);
    let login_input = json!({
        "redirect_uri": "http://localhost:8020/callback",
        "state": "bench",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    });
    let without_requests =
        Stats::of(time(args, || async { run_ok(best, "start-oauth-login", &login, &login_input, &options).await.map(drop) }).await?);

    progress("host calls");
    let host_calls = host_calls::host_calls(args).await?;

    progress("instantiation");
    let instantiation = instantiation([("on_demand", &harnesses[2].1), ("pooling", best)], args).await?;

    progress("throughput");
    let throughput = throughput(best, &connection, &user_id, args).await?;

    progress("runs in flight");
    let in_flight = in_flight::in_flight(wasm, args).await?;

    progress("CPU per run");
    let cpu = cpu::cpu_per_run(wasm, args).await?;

    progress("the Python SDK");
    let card_p50 = card_results.iter().find(|c| c["card"] == "get-user").and_then(|c| c["harness"]["all"]["p50_us"].as_f64());
    let python = python_sdk::python_sdk(&connection, &user_id, card_p50, args.runs, args.warmup).await?;

    progress("compiling and loading");
    let compile = compile::compile_and_load(wasm)?;

    let cli = if args.cli_runs > 0 {
        progress("CLI processes");
        cli_runs(component, &connection, &user_id, args.cli_runs).await?
    } else {
        Value::Null
    };

    let warm = best.warm_stats();
    let conns = best.connection_stats();
    let mut report = json!({
        "runtime": "multi-thread",
        "latency_ms": args.latency_ms,
        "component_bytes": wasm.len(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "runs": args.runs,
        "rounds": rounds(args).len(),
        "cards": card_results,
        "card_without_requests": {
            "card": "start-oauth-login",
            "setup": "all",
            "p50_us": without_requests.p50_us(),
            "p99_us": without_requests.p99_us(),
        },
        "host_call_ns": host_calls,
        "instantiation": instantiation,
        "throughput": throughput,
        "listing": listing,
        "cli": cli,
        "peak_rss_bytes": peak_rss_bytes(),
        "reuse": {
            "connections_opened": conns.opened,
            "connections_reused": conns.reused,
            "warm_instances_reused": warm.reused,
            "warm_instances_discarded": warm.discarded,
        },
        "in_flight": in_flight,
        "cpu_per_run": cpu,
        "python_sdk": python,
        "component_load": compile,
    });
    report["targets"] = targets::targets(&report);
    Ok(report)
}

/// Runs a card that must succeed; its output.
async fn run_ok(harness: &Harness, card: &str, connection: &Value, input: &Value, options: &RunOptions) -> anyhow::Result<Value> {
    run_measured_ok(harness, card, connection, input, options).await.map(|(output, _)| output)
}

/// [`run_ok`] with where the run's time went.
async fn run_measured_ok(
    harness: &Harness,
    card: &str,
    connection: &Value,
    input: &Value,
    options: &RunOptions,
) -> anyhow::Result<(Value, RunPhases)> {
    match harness.run_measured(card, connection, input, options).await? {
        (CardOutcome::Ok(output), phases) => Ok((output, phases)),
        (CardOutcome::Err(error), _) => bail!("{card} failed: {error}"),
    }
}

/// Whether `name` is among the names `--card` / `--setup` chose (none chosen: every one).
fn chosen(choices: &[String], name: &str) -> bool {
    choices.is_empty() || choices.iter().any(|choice| choice == name)
}

/// Progress on stderr: a full benchmark takes minutes, and stdout is the report's.
fn progress(what: &str) {
    eprintln!("bench: {what}");
}
