//! A platform's load: `--in-flight` card runs started at once against an account
//! `--in-flight-latency-ms` away, on one harness set up as the README recommends (pooling
//! allocator, warm instances; pacing off, since this measures the harness), against the native
//! client sending the same number of requests at once. Throughput, p50/p99, tokens minted,
//! connections opened and the memory each run in flight costs. The timed bursts alternate
//! between the sides for [`TIMED_ROUNDS`] rounds, then as many bursts with their memory sampled
//! (see [`Sampling`]); each figure is its side's median round.

use std::time::{Duration, Instant};

use fake_account::{FakeAccount, FakeConfig, RecordedRequest, Seed};
use host_harness::{Harness, HarnessConfig, RunOptions};
use serde_json::{Value, json};

use super::native::{Native, api_requests};
use super::rss::{PssPeak, current_pss_bytes, current_rss_bytes, peak_rss_bytes, release_free_memory, reset_peak_rss};
use super::timing::{Stats, median_by_key, round2};
use super::{BenchArgs, run_ok};

pub async fn in_flight(wasm: &[u8], args: &BenchArgs) -> anyhow::Result<Value> {
    let n = args.in_flight;
    if n == 0 {
        return Ok(Value::Null);
    }
    let latency = Duration::from_millis(args.in_flight_latency_ms);
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Empty, latency, ..FakeConfig::default() }).await?;
    fake.insert_users(1, "flight");
    let user_id = fake.snapshot()["users"][0]["id"].as_str().unwrap_or_default().to_string();
    let connection = fake.m2m_connection();
    let input = json!({"id": user_id});
    let config =
        HarnessConfig { pooling: true, warm_instances: 64, max_concurrent_runs: n.max(1024), pacing: None, ..HarnessConfig::default() };

    // The harness, cold: a fresh harness whose first runs all need the connection's token and
    // open their connections. The memory burst gets a fresh harness too, so that it pays for
    // its connections and instances as the timed one did.
    let config = &config;
    let throughput = |took: Duration| (n as f64 / took.as_secs_f64()).round();
    let cold_burst = |sampling| {
        let (connection, input) = (connection.clone(), input.clone());
        async move {
            let harness = Harness::with_config(wasm, config)?;
            let run_card = || {
                let (harness, connection, input) = (harness.clone(), connection.clone(), input.clone());
                async move { run_ok(&harness, "get-user", &connection, &input, &RunOptions::default()).await.map(drop) }
            };
            let measured = burst(n, run_card, sampling).await?;
            anyhow::Ok((measured, harness.connection_stats()))
        }
    };
    // The native client, the same GET n times at once on a keep-alive pool of its own (a new
    // one for each burst, like the harness) that mints its token when the burst starts, as the
    // fresh harness does.
    let native_burst = |sampling, requests: &[RecordedRequest]| {
        let (fake, requests) = (&fake, std::sync::Arc::new(requests.to_vec()));
        async move {
            let native = std::sync::Arc::new(Native::unminted(fake));
            let replay = || {
                let (native, requests) = (native.clone(), requests.clone());
                async move { native.replay(&requests).await }
            };
            burst(n, replay, sampling).await
        }
    };

    // One burst of either side is a single shot on a shared machine, so the timed bursts
    // alternate for a few rounds and each side's median burst is the figure. The native side
    // replays the request the harness's runs sent.
    let mut rounds = Vec::with_capacity(TIMED_ROUNDS);
    let mut requests: Vec<RecordedRequest> = Vec::new();
    for _ in 0..TIMED_ROUNDS {
        fake.clear_requests();
        let ((times, took, rss), connections) = cold_burst(Sampling::Off).await?;
        let tokens = fake.requests().iter().filter(|r| r.path.ends_with("/v1/token")).count();
        if requests.is_empty() {
            requests = api_requests(&fake).into_iter().take(1).collect();
        }
        let native = native_burst(Sampling::Off, &requests).await?;
        rounds.push(Round { harness: (times, took, rss), native, tokens, connections: connections.opened });
    }
    // The sampled bursts alternate too; each side's median PSS is the figure.
    let (mut harness_pss, mut native_pss) = (Vec::with_capacity(TIMED_ROUNDS), Vec::with_capacity(TIMED_ROUNDS));
    for _ in 0..TIMED_ROUNDS {
        harness_pss.push(cold_burst(Sampling::Pss).await?.0.2.pss);
        native_pss.push(native_burst(Sampling::Pss, &requests).await?.2.pss);
    }
    let (harness_memory, native_memory) = (*median_by_key(&harness_pss, |&pss| pss), *median_by_key(&native_pss, |&pss| pss));
    let (harness_round, native_round) = (median_by_key(&rounds, |r| r.harness.1), median_by_key(&rounds, |r| r.native.1));
    let (harness_took, harness_rss, native_took, native_rss) =
        (harness_round.harness.1, harness_round.harness.2, native_round.native.1, native_round.native.2);
    let tokens = rounds.iter().map(|r| r.tokens).max().unwrap_or(0);
    let connections_opened = harness_round.connections;
    let harness_runs_per_s: Vec<f64> = rounds.iter().map(|r| throughput(r.harness.1)).collect();
    let native_runs_per_s: Vec<f64> = rounds.iter().map(|r| throughput(r.native.1)).collect();

    // Latencies are the median round's: pooling the rounds would let one slow round set the p99.
    let (h, nat) = (Stats::of(harness_round.harness.0.clone()), Stats::of(native_round.native.0.clone()));
    let mib = |bytes: u64| round2(bytes as f64 / f64::from(1 << 20));
    let per_run = |bytes: u64| (bytes as f64 / f64::from(1 << 20) / n as f64 * 1e4).round() / 1e4;
    Ok(json!({
        "card": "get-user",
        "in_flight": n,
        "latency_ms": args.in_flight_latency_ms,
        "harness": {
            "runs_per_s": throughput(harness_took), "p50_ms": round2(h.p50_us() / 1e3), "p99_ms": round2(h.p99_us() / 1e3),
            "memory_mib": mib(harness_rss.rss), "memory_mib_per_run": per_run(harness_rss.rss),
            "pss_mib": mib(harness_memory), "pss_mib_per_run": per_run(harness_memory),
            "tokens_minted": tokens, "connections_opened": connections_opened,
            "rounds_runs_per_s": harness_runs_per_s,
        },
        "native": {
            "runs_per_s": throughput(native_took), "p50_ms": round2(nat.p50_us() / 1e3), "p99_ms": round2(nat.p99_us() / 1e3),
            "memory_mib": mib(native_rss.rss), "pss_mib": mib(native_memory),
            "rounds_runs_per_s": native_runs_per_s,
        },
        "throughput_ratio": round2(native_took.as_secs_f64() / harness_took.as_secs_f64()),
        "p99_ratio": round2(h.p99_us() / nat.p99_us()),
    }))
}

/// Bursts of each side, alternating, timed and then sampled: the median of three is the figure.
const TIMED_ROUNDS: usize = 3;

/// One round's timed bursts: the harness's (latencies, time, memory), the native client's, and
/// the tokens the harness minted and the connections it opened.
struct Round {
    harness: (Vec<Duration>, Duration, Added),
    native: (Vec<Duration>, Duration, Added),
    tokens: usize,
    connections: u64,
}

/// What a burst added to the process's memory at its peak, in bytes: as VmRSS counts it, and as
/// PSS does (shared pages once; see `rss::current_pss_bytes`).
#[derive(Clone, Copy)]
struct Added {
    rss: u64,
    pss: u64,
}

/// Whether a burst samples its PSS. Sampling walks the process's page tables every 50 ms
/// under the memory-map lock that the pooling allocator's `mmap`s and `mprotect`s wait for: it
/// slowed the harness's burst by ~30% (1,316–1,489 runs/s unsampled against 1,027–1,117
/// sampled, get-user at 1,000 in flight). So the timed bursts are not sampled, and a second
/// burst of each side measures the memory.
#[derive(Clone, Copy, PartialEq)]
enum Sampling {
    Off,
    Pss,
}

/// Starts `n` tasks of `make()` at once; each one's latency (from its submission), the whole
/// burst's time, and the memory the burst added at its peak (its PSS only when `sampling` says
/// so).
async fn burst<F, Fut>(n: usize, make: F, sampling: Sampling) -> anyhow::Result<(Vec<Duration>, Duration, Added)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    release_free_memory();
    let before = current_rss_bytes();
    let pss_before = current_pss_bytes().unwrap_or(0);
    reset_peak_rss();
    let pss = (sampling == Sampling::Pss).then(PssPeak::start);
    let started = Instant::now();
    // A run's latency counts from when it was handed to the runtime, as a platform's caller
    // sees it: timed from the task's own start, it left out the wait for a core behind the
    // runs started before it, which the harness's runs (instantiation and the guest's start
    // before their first wait) make longer than the native client's.
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let run = make();
            let submitted = Instant::now();
            tokio::spawn(async move { run.await.map(|()| submitted.elapsed()) })
        })
        .collect();
    let mut times = Vec::with_capacity(n);
    for task in tasks {
        times.push(task.await??);
    }
    let took = started.elapsed();
    let pss = pss.map_or(0, |pss| pss.finish().saturating_sub(pss_before));
    let added = Added { rss: peak_rss_bytes().saturating_sub(before), pss };
    Ok((times, took, added))
}
