//! Concurrency without cliffs: a platform starts thousands of runs at once against an account
//! 200 ms away, on the set-up the README recommends (pooling allocator, warm instances). Every
//! run succeeds; runs past the harness's slots wait their turn instead of failing on a wasmtime
//! pool limit; the connection gets one token however many runs are in flight. (Pacing is off:
//! 10,000 reads of one account would rightly be spread over minutes at Databricks' limits.)

use std::time::{Duration, Instant};

use fake_account::{FakeAccount, FakeConfig, Seed};
use host_harness::{CardOutcome, EMBEDDED_COMPONENT, Harness, HarnessConfig, RunOptions};
use serde_json::json;

async fn in_flight(runs: usize, max_concurrent_runs: usize) {
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, latency: Duration::from_millis(200), ..FakeConfig::default() })
        .await
        .unwrap();
    let config = HarnessConfig { pooling: true, warm_instances: 64, max_concurrent_runs, pacing: None, ..HarnessConfig::default() };
    let harness = Harness::with_config(EMBEDDED_COMPONENT, &config).unwrap();
    let connection = fake.m2m_connection();
    let started = Instant::now();
    let tasks: Vec<_> = (0..runs)
        .map(|_| {
            let (harness, connection) = (harness.clone(), connection.clone());
            tokio::spawn(
                async move { harness.run("get-user", &connection, &json!({"id": "4211000000015838"}), &RunOptions::default()).await },
            )
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(CardOutcome::Ok(user)) => assert_eq!(user["user_name"], "ada.lovelace@example.com"),
            other => failures.push(format!("{other:?}")),
        }
    }
    let took = started.elapsed();
    let tokens = fake.requests().iter().filter(|r| r.path.ends_with("/v1/token")).count();
    println!(
        "{runs} in flight, {max_concurrent_runs} slots: {} failed, {took:?}, {tokens} token request(s), {:?}, {:?}",
        failures.len(),
        harness.admission_stats(),
        harness.connection_stats()
    );
    assert!(failures.is_empty(), "{} of {runs} failed, e.g. {:?}", failures.len(), &failures[..failures.len().min(3)]);
    assert_eq!(tokens, 1, "one token for the connection, however many runs are in flight");
    assert!(harness.admission_stats().waited > 0 || runs <= max_concurrent_runs);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_runs_in_flight_all_succeed() {
    in_flight(1_000, 1_024).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_runs_in_flight_wait_for_a_slot_and_all_succeed() {
    in_flight(10_000, 1_024).await;
}
