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
//! Medians and 99th percentiles over `--runs` runs after `--warmup` runs. Timings are never
//! asserted anywhere: the machine is noisy, the ratio is the headline.

mod host_calls;

use std::cell::RefCell;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use bytes::Bytes;
use fake_account::{FakeAccount, FakeConfig, RecordedRequest, Seed};
use host_harness::{CardOutcome, Harness, HarnessConfig, RunOptions, RunPhases};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::output::pretty;

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
        println!("{}", pretty(&report));
    } else {
        print!("{}", table(&report));
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
    let fake =
        FakeAccount::start(FakeConfig { seed: Seed::Empty, ..FakeConfig::default() }).await.context("cannot start the fake account")?;
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
        // The requests the card sends, read back from the fake.
        fake.clear_requests();
        run_ok(&harnesses[0].1, card, &connection, &input, &options).await?;
        let requests = api_requests(&fake);
        let chosen_setups: Vec<_> = harnesses.iter().filter(|(name, _)| chosen(&args.setups, name)).collect();
        let mut native_times = Vec::with_capacity(args.runs);
        let mut setup_runs = vec![(Vec::with_capacity(args.runs), Vec::with_capacity(args.runs)); chosen_setups.len()];
        for round in rounds(args) {
            native_times.extend(time(&round, || native.replay(&requests)).await?);
            for ((_, harness), (times, phases)) in chosen_setups.iter().zip(&mut setup_runs) {
                let round_phases = RefCell::new(Vec::with_capacity(round.warmup + round.runs));
                times.extend(
                    time(&round, || async {
                        let (_, run_phases) = run_measured_ok(harness, card, &connection, &input, &options).await?;
                        round_phases.borrow_mut().push(run_phases);
                        Ok(())
                    })
                    .await?,
                );
                // The timed runs' phases: the warm-up runs come first.
                let round_phases = round_phases.into_inner();
                phases.extend_from_slice(&round_phases[round.warmup.min(round_phases.len())..]);
            }
        }
        let native_stats = Stats::of(native_times);
        let mut setups = serde_json::Map::new();
        for ((name, _), (times, phases)) in chosen_setups.iter().zip(setup_runs) {
            let stats = Stats::of(times);
            setups.insert(
                name.to_string(),
                json!({
                    "p50_us": stats.p50_us(),
                    "p99_us": stats.p99_us(),
                    "ratio": stats.ratio(&native_stats),
                    "phases_p50_us": phase_medians(&phases),
                }),
            );
        }
        let ratio = setups.get("all").map_or(Value::Null, |all| all["ratio"].clone());
        let native_after_card = Stats::of(native_after_card(best, card, &connection, &input, &native, &requests, args).await?);
        card_results.push(json!({
            "card": card,
            "requests": requests.iter().map(|r| format!("{} {}", r.method, r.path)).collect::<Vec<_>>(),
            "native": {"p50_us": native_stats.p50_us(), "p99_us": native_stats.p99_us()},
            "native_after_card": {"p50_us": native_after_card.p50_us(), "p99_us": native_after_card.p99_us()},
            "harness": setups,
            "ratio": ratio,
        }));
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
    let mut instantiation = serde_json::Map::new();
    for (label, harness) in [("on_demand", &harnesses[2].1), ("pooling", best)] {
        let mut times = Vec::with_capacity(args.instantiations);
        for _ in 0..args.warmup.min(args.instantiations) {
            harness.time_instantiation().await?;
        }
        for _ in 0..args.instantiations.max(1) {
            times.push(harness.time_instantiation().await?);
        }
        let stats = Stats::of(times);
        instantiation.insert(label.into(), json!({"p50_us": stats.p50_us(), "p99_us": stats.p99_us()}));
    }

    progress("throughput");
    let throughput = throughput(best, &connection, &user_id, args).await?;

    let cli = if args.cli_runs > 0 {
        progress("CLI processes");
        cli_runs(component, &connection, &user_id, args.cli_runs).await?
    } else {
        Value::Null
    };

    let warm = best.warm_stats();
    let conns = best.connection_stats();
    Ok(json!({
        "runtime": "multi-thread",
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
    }))
}

async fn run_ok(harness: &Harness, card: &str, connection: &Value, input: &Value, options: &RunOptions) -> anyhow::Result<Value> {
    run_measured_ok(harness, card, connection, input, options).await.map(|(output, _)| output)
}

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

/// The median of each part of these runs (see [`RunPhases`]); the timed runs only.
fn phase_medians(runs: &[RunPhases]) -> Value {
    let median = |part: fn(&RunPhases) -> Duration| Stats::of(runs.iter().map(part).collect()).p50_us();
    json!({
        "harness_in": median(|p| p.harness_in),
        "call_without_waits": median(RunPhases::call_without_waits),
        "awaiting_responses": median(|p| p.awaiting_responses),
        "harness_out": median(|p| p.harness_out),
    })
}

/// The native replay of a card's requests timed right after each (untimed) run of the card with
/// everything on: the same requests in the state a card run leaves the caches in, where the
/// plain native figure is a loop of native requests alone.
async fn native_after_card(
    harness: &Harness,
    card: &str,
    connection: &Value,
    input: &Value,
    native: &Native,
    requests: &[RecordedRequest],
    args: &BenchArgs,
) -> anyhow::Result<Vec<Duration>> {
    let options = RunOptions::default();
    timings(args, || async {
        run_ok(harness, card, connection, input, &options).await?;
        let started = Instant::now();
        native.replay(requests).await?;
        Ok(started.elapsed())
    })
    .await
}

/// The `--runs` and `--warmup` of each of the `--rounds` rounds: the runs split as evenly as
/// they go, the whole warm-up before the first round and a fifth of it (at least one run)
/// before each later one, to warm again what the other measurements of the round evicted.
fn rounds(args: &BenchArgs) -> Vec<BenchArgs> {
    let count = args.rounds.clamp(1, args.runs.max(1));
    (0..count)
        .map(|i| BenchArgs {
            runs: args.runs.max(1) / count + usize::from(i < args.runs.max(1) % count),
            warmup: if i == 0 { args.warmup } else { (args.warmup / 5).max(1).min(args.warmup) },
            ..args.clone()
        })
        .collect()
}

/// Times `runs` calls of `f` after `warmup` untimed ones.
async fn time<F, Fut>(args: &BenchArgs, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    timings(args, || {
        let run = f();
        async move {
            let started = Instant::now();
            run.await?;
            Ok(started.elapsed())
        }
    })
    .await
}

/// The durations `runs` calls of `f` report (each times the part it measures), after `warmup`
/// calls whose durations are dropped.
async fn timings<F, Fut>(args: &BenchArgs, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Duration>>,
{
    for _ in 0..args.warmup {
        f().await?;
    }
    let mut times = Vec::with_capacity(args.runs);
    for _ in 0..args.runs.max(1) {
        times.push(f().await?);
    }
    Ok(times)
}

struct Stats {
    sorted: Vec<Duration>,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        Stats { sorted: times }
    }

    fn quantile(&self, q: f64) -> Duration {
        let n = self.sorted.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let index = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
        self.sorted[index]
    }

    fn p50_us(&self) -> f64 {
        micros(self.quantile(0.5))
    }

    fn p99_us(&self) -> f64 {
        micros(self.quantile(0.99))
    }

    /// This median over the other's.
    fn ratio(&self, baseline: &Stats) -> f64 {
        let base = baseline.quantile(0.5).as_secs_f64();
        if base == 0.0 { 0.0 } else { round2(self.quantile(0.5).as_secs_f64() / base) }
    }
}

fn micros(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A native client with keep-alive and a token minted once: the floor a card run is held to.
struct Native {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    token: String,
}

impl Native {
    async fn new(fake: &FakeAccount) -> anyhow::Result<Native> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
        let config = fake.config();
        let base = fake.base_url().trim_end_matches('/').to_string();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", config.client_id, config.client_secret));
        let request = http::Request::post(format!("{base}/oidc/accounts/{}/v1/token", config.account_id))
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from_static(b"grant_type=client_credentials&scope=all-apis")))?;
        let response = client.request(request).await?;
        let body = response.into_body().collect().await?.to_bytes();
        let token: Value = serde_json::from_slice(&body)?;
        let token = token["access_token"].as_str().context("the fake mints a token")?.to_string();
        Ok(Native { client, base, token })
    }

    /// Sends these requests (as the card sent them) one after the other and reads each body.
    async fn replay(&self, requests: &[RecordedRequest]) -> anyhow::Result<()> {
        for recorded in requests {
            let mut uri = format!("{}{}", self.base, recorded.path);
            if !recorded.query.is_empty() {
                let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&recorded.query).finish();
                uri.push('?');
                uri.push_str(&query);
            }
            let mut request = http::Request::builder()
                .method(recorded.method.as_str())
                .uri(uri)
                .header("authorization", format!("Bearer {}", self.token));
            if let Some(content_type) = recorded.header("content-type") {
                request = request.header("content-type", content_type);
            }
            let request = request.body(Full::new(Bytes::from(recorded.raw_body.clone())))?;
            let response = self.client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            if !status.is_success() {
                bail!("native replay of {} {}: {status}", recorded.method, recorded.path);
            }
            // Parse the body as the card does, so both sides pay for JSON decoding.
            if !body.is_empty() {
                let _: Value = serde_json::from_slice(&body)?;
            }
        }
        Ok(())
    }
}

/// Whether `name` is among the names `--card` / `--setup` chose (none chosen: every one).
fn chosen(choices: &[String], name: &str) -> bool {
    choices.is_empty() || choices.iter().any(|choice| choice == name)
}

/// The account API requests the fake received (its journal, token requests left out): what the
/// native client replays.
fn api_requests(fake: &FakeAccount) -> Vec<RecordedRequest> {
    fake.requests().into_iter().filter(|r| !r.path.ends_with("/v1/token")).collect()
}

/// Card runs per second with `concurrency` runs in flight (get-user, everything on).
async fn throughput(harness: &Harness, connection: &Value, user_id: &str, args: &BenchArgs) -> anyhow::Result<Value> {
    let total = args.throughput_runs.max(1);
    let next = Arc::new(AtomicUsize::new(0));
    let input = json!({"id": user_id});
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (harness, connection, input, next) = (harness.clone(), connection.clone(), input.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let options = RunOptions::default();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                run_ok(&harness, "get-user", &connection, &input, &options).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    Ok(json!({
        "card": "get-user",
        "concurrency": args.concurrency.max(1),
        "runs": total,
        "seconds": round2(elapsed.as_secs_f64() * 100.0) / 100.0,
        "runs_per_s": (total as f64 / elapsed.as_secs_f64()).round(),
    }))
}

/// Lists accounts of each size through every page (page size 100), through the harness and
/// natively, with the peak memory of each harness listing.
async fn listing(wasm: &[u8], args: &BenchArgs) -> anyhow::Result<Value> {
    let harness = Harness::with_config(wasm, &HarnessConfig { pooling: true, warm_instances: 64, ..HarnessConfig::default() })?;
    let mut results = Vec::new();
    for &users in &args.users {
        let fake = FakeAccount::start(FakeConfig { seed: Seed::Empty, ..FakeConfig::default() }).await?;
        fake.insert_users(users, "list");
        let connection = fake.m2m_connection();
        let input = json!({"pages": {"all": {"limit": users + 100, "page_size": 100}}});
        let options = RunOptions::default().with_memory_limit(256 << 20);
        // One warm-up run (token, connection), then a timed one.
        run_ok(&harness, "list-users", &connection, &input, &options).await?;
        fake.clear_requests();
        reset_peak_rss();
        let started = Instant::now();
        let output = run_ok(&harness, "list-users", &connection, &input, &options).await?;
        let elapsed = started.elapsed();
        let peak = peak_rss_bytes();
        let listed = output["resources"].as_array().map_or(0, Vec::len);
        let requests = api_requests(&fake);
        let native = Native::new(&fake).await?;
        native.replay(&requests).await?;
        let started = Instant::now();
        native.replay(&requests).await?;
        let native_elapsed = started.elapsed();
        results.push(json!({
            "users": users,
            "listed": listed,
            "pages": requests.len(),
            "ms": round2(elapsed.as_secs_f64() * 1e3),
            "users_per_s": (listed as f64 / elapsed.as_secs_f64()).round(),
            "native_ms": round2(native_elapsed.as_secs_f64() * 1e3),
            "native_users_per_s": (listed as f64 / native_elapsed.as_secs_f64()).round(),
            "output_bytes": output.to_string().len(),
            "peak_rss_bytes": peak,
        }));
    }
    Ok(Value::Array(results))
}

/// Times whole `databricks-account run get-user` processes (start, load the precompiled
/// component, one card run, exit): an upper bound of "CLI start to first request".
async fn cli_runs(component: Option<&std::path::PathBuf>, connection: &Value, user_id: &str, n: usize) -> anyhow::Result<Value> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let connection = connection.to_string();
    let input = json!({"id": user_id}).to_string();
    let mut times = Vec::new();
    for i in 0..=n {
        let started = Instant::now();
        let mut command = tokio::process::Command::new(&exe);
        if let Some(component) = component {
            command.arg("--component").arg(component);
        }
        let output = command.args(["run", "get-user", "--connection", &connection, "--input", &input]).output().await?;
        if !output.status.success() {
            bail!("databricks-account run failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        // The first process may fill the compiled-component cache.
        if i > 0 {
            times.push(started.elapsed());
        }
    }
    let stats = Stats::of(times);
    Ok(json!({"runs": n, "p50_ms": round2(stats.p50_us() / 1e3), "p99_ms": round2(stats.p99_us() / 1e3)}))
}

/// Resets the process's peak resident set (Linux: `/proc/self/clear_refs`), so that the next
/// reading is the peak of what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set of this process in bytes: `VmHWM` (resettable), else `getrusage`.
fn peak_rss_bytes() -> u64 {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines() {
            if let Some(kb) = line.strip_prefix("VmHWM:")
                && let Ok(kb) = kb.trim().trim_end_matches("kB").trim().parse::<u64>()
            {
                return kb * 1024;
            }
        }
    }
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call above.
            let usage = unsafe { usage.assume_init() };
            return u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
        }
    }
    0
}

fn progress(what: &str) {
    eprintln!("bench: {what}");
}

/// The table printed without `--json`.
fn table(report: &Value) -> String {
    let mut out = String::new();
    let f = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.1}"));
    out.push_str(&format!(
        "component: {} bytes; {} CPUs; {} runtime; {} timed runs per figure, in {} alternating rounds\n\n",
        report["component_bytes"],
        report["cpus"],
        report["runtime"].as_str().unwrap_or("?"),
        report["runs"],
        report["rounds"]
    ));
    out.push_str("card latency, µs (p50 / p99); ratio = harness p50 / native p50\n");
    out.push_str(&format!(
        "{:<12} {:>17} {:>24} {:>24} {:>24} {:>24}\n",
        "card", "native keep-alive", "cold", "pooled-conn", "warm", "all"
    ));
    for card in report["cards"].as_array().into_iter().flatten() {
        let mut line = format!(
            "{:<12} {:>17}",
            card["card"].as_str().unwrap_or("?"),
            format!("{} / {}", f(&card["native"]["p50_us"]), f(&card["native"]["p99_us"]))
        );
        for (name, ..) in SETUPS {
            let s = &card["harness"][*name];
            line.push_str(&format!(" {:>24}", format!("{} / {} ({}×)", f(&s["p50_us"]), f(&s["p99_us"]), s["ratio"])));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(
        "\nwhere a warm run's time goes (set-up `all`), µs (medians): the harness before and after the \
         call; the call without its waits (guest code, wasi:http calls, the wasm boundary); its waits \
         for response heads (sender, loopback, fake account). Last column: the native requests timed \
         right after each card run, p50\n",
    );
    out.push_str(&format!(
        "{:<12} {:>10} {:>20} {:>19} {:>11} {:>24}\n",
        "card", "harness in", "call without waits", "awaiting responses", "harness out", "native after a card run"
    ));
    for card in report["cards"].as_array().into_iter().flatten() {
        let phases = &card["harness"]["all"]["phases_p50_us"];
        out.push_str(&format!(
            "{:<12} {:>10} {:>20} {:>19} {:>11} {:>24}\n",
            card["card"].as_str().unwrap_or("?"),
            f(&phases["harness_in"]),
            f(&phases["call_without_waits"]),
            f(&phases["awaiting_responses"]),
            f(&phases["harness_out"]),
            f(&card["native_after_card"]["p50_us"]),
        ));
    }
    let quiet = &report["card_without_requests"];
    out.push_str(&format!(
        "a warm run of a card that sends no request ({}), µs (p50 / p99): {} / {}\n",
        quiet["card"].as_str().unwrap_or("?"),
        f(&quiet["p50_us"]),
        f(&quiet["p99_us"])
    ));
    let calls = &report["host_call_ns"];
    out.push_str(&format!(
        "one call from the guest into the host, ns (runs of {} calls minus runs of none, medians): \
         wasi:clocks now {}; wasi:http fields constructor or drop {}\n",
        calls["calls_per_loop_run"],
        f(&calls["clock_now"]),
        f(&calls["fields_new_and_drop"])
    ));
    let inst = &report["instantiation"];
    out.push_str(&format!(
        "\ninstantiation, µs (p50 / p99): on demand {} / {}; pooling allocator {} / {}\n",
        f(&inst["on_demand"]["p50_us"]),
        f(&inst["on_demand"]["p99_us"]),
        f(&inst["pooling"]["p50_us"]),
        f(&inst["pooling"]["p99_us"])
    ));
    let t = &report["throughput"];
    out.push_str(&format!(
        "throughput: {:.0} runs/s ({} runs of {}, {} concurrent)\n",
        t["runs_per_s"].as_f64().unwrap_or(0.0),
        t["runs"],
        t["card"].as_str().unwrap_or("?"),
        t["concurrency"]
    ));
    if !report["cli"].is_null() {
        out.push_str(&format!("whole `run get-user` process, ms (p50 / p99): {} / {}\n", report["cli"]["p50_ms"], report["cli"]["p99_ms"]));
    }
    out.push_str("\nlisting every page (page size 100)\n");
    out.push_str(&format!(
        "{:>7} {:>6} {:>10} {:>10} {:>12} {:>12} {:>14} {:>14}\n",
        "users", "pages", "ms", "users/s", "native ms", "native u/s", "output bytes", "peak RSS MiB"
    ));
    for row in report["listing"].as_array().into_iter().flatten() {
        let n = |key: &str| row[key].as_f64().map_or("-".to_string(), |x| format!("{x}"));
        out.push_str(&format!(
            "{:>7} {:>6} {:>10} {:>10} {:>12} {:>12} {:>14} {:>14.1}\n",
            n("users"),
            n("pages"),
            n("ms"),
            n("users_per_s"),
            n("native_ms"),
            n("native_users_per_s"),
            n("output_bytes"),
            row["peak_rss_bytes"].as_f64().unwrap_or(0.0) / (1024.0 * 1024.0)
        ));
    }
    out.push_str(&format!(
        "\npeak RSS of the whole benchmark: {:.1} MiB\n",
        report["peak_rss_bytes"].as_f64().unwrap_or(0.0) / (1024.0 * 1024.0)
    ));
    let r = &report["reuse"];
    out.push_str(&format!(
        "reuse (set-up `all`): {} connections opened, {} reused; {} warm-instance reuses, {} discarded\n",
        r["connections_opened"], r["connections_reused"], r["warm_instances_reused"], r["warm_instances_discarded"]
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// `bench` options as the command line gives them.
    fn args(flags: &[&str]) -> BenchArgs {
        #[derive(clap::Parser)]
        struct Command {
            #[command(flatten)]
            bench: BenchArgs,
        }
        Command::parse_from(std::iter::once("bench").chain(flags.iter().copied())).bench
    }

    fn split(flags: &[&str]) -> Vec<(usize, usize)> {
        rounds(&args(flags)).iter().map(|round| (round.runs, round.warmup)).collect()
    }

    #[test]
    fn the_runs_are_split_into_rounds_that_each_warm_up_again() {
        assert_eq!(split(&[]), [(60, 20), (60, 4), (60, 4), (60, 4), (60, 4)]);
        assert_eq!(split(&["--runs", "7", "--rounds", "3", "--warmup", "3"]), [(3, 3), (2, 1), (2, 1)]);
        // Never a round without a timed run, never a warm-up where none was asked for.
        assert_eq!(split(&["--runs", "2", "--warmup", "0"]), [(1, 0), (1, 0)]);
        assert_eq!(split(&["--runs", "0", "--rounds", "0"]), [(1, 20)]);
    }
}
