//! A platform's load: `--in-flight` card runs started at once against an account
//! `--in-flight-latency-ms` away, on one harness set up as the README recommends (pooling
//! allocator, warm instances; pacing off, since this measures the harness), against the native
//! client sending the same number of requests at once. Throughput, p50/p99, tokens minted,
//! connections opened and the memory each run in flight costs; each side runs its burst twice,
//! once timed and once with its memory sampled (see [`Sampling`]).

use std::time::{Duration, Instant};

use fake_account::{FakeAccount, FakeConfig, RecordedRequest, Seed};
use host_harness::{Harness, HarnessConfig, RunOptions};
use serde_json::{Value, json};

use super::native::{Native, api_requests};
use super::rss::{PssPeak, current_pss_bytes, current_rss_bytes, peak_rss_bytes, release_free_memory, reset_peak_rss};
use super::timing::{Stats, round2};
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
    fake.clear_requests();
    let ((harness_times, harness_took, harness_rss), connections) = cold_burst(Sampling::Off).await?;
    let tokens = fake.requests().iter().filter(|r| r.path.ends_with("/v1/token")).count();
    let requests: Vec<RecordedRequest> = api_requests(&fake).into_iter().take(1).collect();
    let ((_, _, harness_memory), _) = cold_burst(Sampling::Pss).await?;

    // The native client, the same GET n times at once on a keep-alive pool of its own (a new
    // one for each burst, like the harness).
    let native_burst = |sampling| {
        let (fake, requests) = (&fake, requests.clone());
        async move {
            let native = std::sync::Arc::new(Native::new(fake).await?);
            let replay = || {
                let (native, requests) = (native.clone(), requests.clone());
                async move { native.replay(&requests).await }
            };
            burst(n, replay, sampling).await
        }
    };
    let (native_times, native_took, native_rss) = native_burst(Sampling::Off).await?;
    let (_, _, native_memory) = native_burst(Sampling::Pss).await?;

    let (h, nat) = (Stats::of(harness_times), Stats::of(native_times));
    let throughput = |took: Duration| (n as f64 / took.as_secs_f64()).round();
    let mib = |bytes: u64| round2(bytes as f64 / f64::from(1 << 20));
    let per_run = |bytes: u64| (bytes as f64 / f64::from(1 << 20) / n as f64 * 1e4).round() / 1e4;
    Ok(json!({
        "card": "get-user",
        "in_flight": n,
        "latency_ms": args.in_flight_latency_ms,
        "harness": {
            "runs_per_s": throughput(harness_took), "p50_ms": round2(h.p50_us() / 1e3), "p99_ms": round2(h.p99_us() / 1e3),
            "memory_mib": mib(harness_rss.rss), "memory_mib_per_run": per_run(harness_rss.rss),
            "pss_mib": mib(harness_memory.pss), "pss_mib_per_run": per_run(harness_memory.pss),
            "tokens_minted": tokens, "connections_opened": connections.opened,
        },
        "native": {
            "runs_per_s": throughput(native_took), "p50_ms": round2(nat.p50_us() / 1e3), "p99_ms": round2(nat.p99_us() / 1e3),
            "memory_mib": mib(native_rss.rss), "pss_mib": mib(native_memory.pss),
        },
        "throughput_ratio": round2(native_took.as_secs_f64() / harness_took.as_secs_f64()),
        "p99_ratio": round2(h.p99_us() / nat.p99_us()),
    }))
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

/// Starts `n` tasks of `make()` at once; each one's latency, the whole burst's time, and the
/// memory the burst added at its peak (its PSS only when `sampling` says so).
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
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let run = make();
            tokio::spawn(async move {
                let began = Instant::now();
                run.await.map(|()| began.elapsed())
            })
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
