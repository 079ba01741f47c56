//! Each card's latency through every harness set-up against the native replay of the very
//! requests it sent, in alternating rounds, and where a warm run's time goes.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use fake_account::{FakeAccount, RecordedRequest};
use host_harness::{Harness, RunOptions, RunPhases};
use serde_json::{Value, json};

use super::native::{Native, api_requests};
use super::timing::{Stats, rounds, time, timings};
use super::{BenchArgs, chosen, run_measured_ok, run_ok};

/// One card's entry of the report: the requests it sends, the native replay's latency, each
/// chosen set-up's latency and phases, and the ratio of set-up `all` to native.
pub async fn card_latency(
    harnesses: &[(&str, Harness)],
    fake: &FakeAccount,
    native: &Native,
    connection: &Value,
    card: &str,
    input: &Value,
    args: &BenchArgs,
) -> anyhow::Result<Value> {
    let options = RunOptions::default();
    let best = &harnesses.last().expect("set-ups").1;
    // The requests the card sends, read back from the fake.
    fake.clear_requests();
    run_ok(&harnesses[0].1, card, connection, input, &options).await?;
    let requests = api_requests(fake);
    let chosen_setups: Vec<_> = harnesses.iter().filter(|(name, _)| chosen(&args.setups, name)).collect();
    let mut native_times = Vec::with_capacity(args.runs);
    let mut setup_runs = vec![(Vec::with_capacity(args.runs), Vec::with_capacity(args.runs)); chosen_setups.len()];
    for round in rounds(args) {
        native_times.extend(time(&round, || native.replay(&requests)).await?);
        for ((_, harness), (times, phases)) in chosen_setups.iter().zip(&mut setup_runs) {
            let round_phases = RefCell::new(Vec::with_capacity(round.warmup + round.runs));
            times.extend(
                time(&round, || async {
                    let (_, run_phases) = run_measured_ok(harness, card, connection, input, &options).await?;
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
    let native_after_card = Stats::of(native_after_card(best, card, connection, input, native, &requests, args).await?);
    Ok(json!({
        "card": card,
        "requests": requests.iter().map(|r| format!("{} {}", r.method, r.path)).collect::<Vec<_>>(),
        "native": {"p50_us": native_stats.p50_us(), "p99_us": native_stats.p99_us()},
        "native_after_card": {"p50_us": native_after_card.p50_us(), "p99_us": native_after_card.p99_us()},
        "harness": setups,
        "ratio": ratio,
    }))
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
