//! The benchmark's output shape, connection pooling, and warm-instance reuse: a token is reused
//! by later runs of the same connection and never by another connection; a trap retires the
//! instance. No timing is asserted anywhere.

use fake_account::{FakeAccount, FakeConfig, Seed};
use host_harness::{CardOutcome, Harness, HarnessConfig, HarnessError, RunOptions};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A harness with `config`, unpaced: these tests run many cards on one account in a row.
fn harness(config: HarnessConfig) -> Harness {
    let config = HarnessConfig { pacing: None, ..config };
    Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).expect("the component loads")
}

async fn fake_with_users(n: usize) -> FakeAccount {
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Empty, ..FakeConfig::default() }).await.expect("fake starts");
    fake.insert_users(n, "t");
    fake
}

fn token_requests(fake: &FakeAccount) -> usize {
    fake.requests().iter().filter(|r| r.path.ends_with("/v1/token")).count()
}

#[test]
fn bench_prints_every_figure_as_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account"))
        .args([
            "bench",
            "--json",
            "--runs",
            "3",
            "--warmup",
            "1",
            "--instantiations",
            "3",
            "--concurrency",
            "2",
            "--throughput-runs",
            "6",
            "--users",
            "120",
            "--cli-runs",
            "1",
            "--in-flight",
            "20",
            "--in-flight-latency-ms",
            "5",
        ])
        .output()
        .expect("the CLI starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));

    assert!(report["component_bytes"].as_u64().unwrap() > 0);
    assert_eq!(report["runtime"], "multi-thread");
    assert_eq!(report["rounds"], 3, "five rounds by default, but never more than the runs");
    assert!(report["peak_rss_bytes"].as_u64().is_some());
    let cards: Vec<&str> = report["cards"].as_array().unwrap().iter().map(|c| c["card"].as_str().unwrap()).collect();
    assert_eq!(cards, ["get-user", "list-users", "update-user"]);
    for card in report["cards"].as_array().unwrap() {
        assert!(!card["requests"].as_array().unwrap().is_empty(), "{card}");
        assert!(card["native"]["p50_us"].as_f64().unwrap() > 0.0, "{card}");
        for setup in ["cold", "pooled-conn", "warm", "all"] {
            let s = &card["harness"][setup];
            assert!(s["p50_us"].as_f64().unwrap() > 0.0 && s["p99_us"].as_f64().is_some(), "{setup}: {card}");
            assert!(s["ratio"].as_f64().unwrap() > 0.0, "{setup}: {card}");
        }
        assert_eq!(card["ratio"], card["harness"]["all"]["ratio"]);
        assert!(card["native_after_card"]["p50_us"].as_f64().unwrap() > 0.0, "{card}");
        let phases = &card["harness"]["all"]["phases_p50_us"];
        for part in ["harness_in", "call_without_waits", "harness_out"] {
            assert!(phases[part].as_f64().unwrap() >= 0.0, "{part}: {card}");
        }
        assert!(phases["awaiting_responses"].as_f64().unwrap() > 0.0, "every measured card waits for answers: {card}");
    }
    assert_eq!(report["cards"][2]["requests"][0].as_str().unwrap().split(' ').next(), Some("PATCH"));
    for import in ["clock_now", "fields_new_and_drop"] {
        assert!(report["host_call_ns"][import].as_f64().unwrap() > 0.0, "{import}: {}", report["host_call_ns"]);
    }
    for allocator in ["on_demand", "pooling"] {
        assert!(report["instantiation"][allocator]["p50_us"].as_f64().unwrap() > 0.0, "{allocator}");
    }
    assert_eq!(report["throughput"]["runs"], 6);
    assert!(report["throughput"]["runs_per_s"].as_f64().unwrap() > 0.0);
    let listing = &report["listing"][0];
    assert_eq!((listing["users"].as_u64(), listing["listed"].as_u64(), listing["pages"].as_u64()), (Some(120), Some(120), Some(2)));
    assert!(listing["users_per_s"].as_f64().unwrap() > 0.0 && listing["peak_rss_bytes"].as_u64().is_some());
    assert!(report["cli"]["p50_ms"].as_f64().unwrap() > 0.0);
    let quiet = &report["card_without_requests"];
    assert_eq!((quiet["card"].as_str(), quiet["setup"].as_str()), (Some("start-oauth-login"), Some("all")));
    assert!(quiet["p50_us"].as_f64().unwrap() > 0.0);

    // A platform's load: every run in flight shared the connection's one token.
    let flight = &report["in_flight"];
    assert_eq!((flight["in_flight"].as_u64(), flight["latency_ms"].as_u64()), (Some(20), Some(5)), "{flight}");
    assert_eq!(flight["harness"]["tokens_minted"], 1, "{flight}");
    assert!(flight["harness"]["connections_opened"].as_u64().unwrap() >= 1, "{flight}");
    for side in ["harness", "native"] {
        assert!(flight[side]["runs_per_s"].as_f64().unwrap() > 0.0 && flight[side]["p99_ms"].as_f64().unwrap() >= 5.0, "{side}: {flight}");
        // Both sides start a burst without a token: a round trip (5 ms) to mint it, then the GET.
        assert!(flight[side]["p50_ms"].as_f64().unwrap() >= 10.0, "{side} paid for its token in the burst: {flight}");
        assert_eq!(flight[side]["rounds_runs_per_s"].as_array().map(Vec::len), Some(3), "{side}: {flight}");
    }
    assert!(flight["throughput_ratio"].as_f64().unwrap() > 0.0 && flight["p99_ratio"].as_f64().unwrap() > 0.0, "{flight}");
    let cpu = &report["cpu_per_run"];
    assert!(cpu["harness_us"].as_f64().unwrap() > 0.0 && cpu["native_us"].as_f64().unwrap() > 0.0, "{cpu}");
    // The figure is the median of five alternating rounds.
    for side in ["harness", "native"] {
        let mut rounds: Vec<f64> = cpu[format!("{side}_rounds_us")].as_array().unwrap().iter().map(|r| r.as_f64().unwrap()).collect();
        rounds.sort_by(f64::total_cmp);
        assert_eq!((rounds.len(), Some(rounds[2])), (5, cpu[format!("{side}_us")].as_f64()), "{side}: {cpu}");
    }
    let python = &report["python_sdk"];
    assert!(python["skipped"].is_string() || python["p50_us"].as_f64().unwrap() > 0.0, "{python}");
    let load = &report["component_load"];
    assert!(load["compile_ms"].as_f64().unwrap() > load["cache_load_ms"].as_f64().unwrap(), "a cache hit skips compiling: {load}");
    let cards = load["cards"].as_u64().unwrap();
    assert!(cards > 80, "{load}");
    assert_eq!(load["bytes_per_card"].as_u64(), Some(report["component_bytes"].as_u64().unwrap() / cards), "{load}");
    // Targets are read from the figures; at 0 ms latency the per-card ones are not claimed.
    let targets = report["targets"].as_array().unwrap();
    assert!(targets.iter().all(|t| t["met"].is_boolean() && t["value"].is_number()), "{targets:?}");
    assert!(targets.iter().any(|t| t["target"].as_str().unwrap().starts_with("20 in flight")), "{targets:?}");
    assert!(!targets.iter().any(|t| t["target"].as_str().unwrap().contains(" at 0 ms")), "{targets:?}");
}

#[test]
fn bench_measures_only_the_set_ups_and_cards_asked_for() {
    let bench = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account"))
            .args(["bench", "--json", "--runs", "2", "--warmup", "0", "--instantiations", "1", "--throughput-runs", "2"])
            .args(["--users", "10", "--cli-runs", "0"])
            .args(extra)
            .output()
            .expect("the CLI starts")
    };
    let out = bench(&["--card", "get-user", "--setup", "all", "--current-thread"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["runtime"], "current-thread");
    let card = &report["cards"][0];
    assert_eq!((report["cards"].as_array().unwrap().len(), card["card"].as_str()), (1, Some("get-user")));
    let setups: Vec<&String> = card["harness"].as_object().unwrap().keys().collect();
    assert_eq!(setups, ["all"]);
    assert_eq!(card["ratio"], card["harness"]["all"]["ratio"]);

    let out = bench(&["--setup", "lukewarm"]);
    assert!(!out.status.success());
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"], "no set-up named \"lukewarm\"; the set-ups are cold, pooled-conn, warm and all");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_counts_its_own_waits_for_responses_and_no_other_runs() {
    let fake = fake_with_users(3).await;
    let connection = fake.m2m_connection();
    let harness = harness(HarnessConfig { warm_instances: 8, ..HarnessConfig::default() });
    let options = RunOptions::default();

    // A token request and a page: both waits fall within the call.
    let (outcome, phases) = harness.run_measured("list-users", &connection, &json!({}), &options).await.unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
    assert!(phases.awaiting_responses > Duration::ZERO, "{phases:?}");
    assert!(phases.awaiting_responses < phases.call, "{phases:?}");
    assert_eq!(phases.call_without_waits() + phases.awaiting_responses, phases.call);

    // Runs that send requests keep the harness busy on other threads, while a card that sends
    // nothing runs again and again on the same harness: it never waited for their answers.
    let stop = Arc::new(AtomicBool::new(false));
    let busy: Vec<_> = (0..3)
        .map(|_| {
            let (harness, connection, stop) = (harness.clone(), connection.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut waited = Duration::ZERO;
                while !stop.load(Ordering::Relaxed) {
                    let options = RunOptions::default();
                    let (outcome, phases) = harness.run_measured("list-users", &connection, &json!({}), &options).await.unwrap();
                    assert!(outcome.is_ok(), "{outcome:?}");
                    waited += phases.awaiting_responses;
                }
                waited
            })
        })
        .collect();
    let login = fake.u2m_connection("phases-app", None);
    let input = json!({
        "redirect_uri": "http://localhost:8020/callback",
        "state": "s",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    });
    for _ in 0..50 {
        let (outcome, phases) = harness.run_measured("start-oauth-login", &login, &input, &options).await.unwrap();
        assert!(outcome.is_ok(), "{outcome:?}");
        assert_eq!(phases.awaiting_responses, Duration::ZERO, "{phases:?}");
    }
    stop.store(true, Ordering::Relaxed);
    for task in busy {
        assert!(task.await.unwrap() > Duration::ZERO);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pooled_connections_are_reused_across_requests_and_runs() {
    let fake = fake_with_users(1).await;
    let connection = fake.m2m_connection();
    let id = fake.requests().len(); // nothing yet
    assert_eq!(id, 0);
    // Each run mints its own token here, so every run sends two requests over the pool.
    let pooled = harness(HarnessConfig { share_tokens: false, ..HarnessConfig::default() });
    let options = RunOptions::default();
    let page = pooled.run("list-users", &connection, &json!({}), &options).await.unwrap();
    let user_id = page.ok().unwrap()["resources"][0]["id"].as_str().unwrap().to_string();
    for _ in 0..5 {
        let outcome = pooled.run("get-user", &connection, &json!({"id": user_id}), &options).await.unwrap();
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    // 6 runs, each a token request and an API request: 12 requests, sent one after the other.
    let stats = pooled.connection_stats();
    assert_eq!(stats.opened + stats.reused, 12, "{stats:?}");
    assert!(stats.opened <= 3, "one connection (rarely a second while the first is being returned): {stats:?}");

    let unpooled = harness(HarnessConfig { pool_connections: false, ..HarnessConfig::default() });
    unpooled.run("get-user", &connection, &json!({"id": user_id}), &options).await.unwrap();
    assert_eq!(unpooled.connection_stats(), Default::default(), "a new connection per request, outside any pool");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_warm_instance_reuses_its_token_for_its_own_connection_only() {
    let fake = fake_with_users(1).await;
    let connection = fake.m2m_connection();
    // The instance's own token cache alone (token sharing between runs is tested in the e2e suite).
    let warm = harness(HarnessConfig { warm_instances: 8, share_tokens: false, ..HarnessConfig::default() });
    let options = RunOptions::default();

    for _ in 0..3 {
        assert!(warm.run("list-users", &connection, &json!({}), &options).await.unwrap().is_ok());
    }
    assert_eq!(token_requests(&fake), 1, "three runs of one connection, one token");
    assert_eq!(warm.warm_stats().reused, 2);

    // Another secret for the same client and account: its own instance, its own token request,
    // and the fake's answer to that secret (the first connection's token is not used).
    let mut other = connection.clone();
    other["auth"]["oauth_m2m"]["client_secret"] = json!("another-secret");
    let outcome = warm.run("list-users", &other, &json!({}), &options).await.unwrap();
    assert_eq!(token_requests(&fake), 2, "a second connection mints its own token");
    let error = outcome.err().expect("the other secret is refused");
    assert!(error.get("unauthenticated").is_some(), "{error}");
    // Its failed instance was not kept: the next run of it asks again.
    warm.run("list-users", &other, &json!({}), &options).await.unwrap();
    assert_eq!(token_requests(&fake), 3);

    // Other scopes are another connection too, even with the same secret.
    let mut scoped = connection.clone();
    scoped["auth"]["oauth_m2m"]["scopes"] = json!(["all-apis"]);
    assert!(warm.run("list-users", &scoped, &json!({}), &options).await.unwrap().is_ok());
    assert_eq!(token_requests(&fake), 4);

    // The first connection still has its warm instance; clearing drops it.
    assert!(warm.run("list-users", &connection, &json!({}), &options).await.unwrap().is_ok());
    assert_eq!(token_requests(&fake), 4);
    warm.clear_warm_instances();
    assert!(warm.run("list-users", &connection, &json!({}), &options).await.unwrap().is_ok());
    assert_eq!(token_requests(&fake), 5);
}

const TRAPPING_WAT: &str = r#"
(component
  (core module $m
    (func (export "boom") (result i32) unreachable)
    (func (export "answer") (result i32) i32.const 42))
  (core instance $i (instantiate $m))
  (func $boom (result s32) (canon lift (core func $i "boom")))
  (func $answer (result s32) (canon lift (core func $i "answer")))
  (instance $iface
    (export "boom" (func $boom))
    (export "answer" (func $answer)))
  (export "databricks:account/test@0.1.0" (instance $iface))
)
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_trap_retires_the_warm_instance() {
    let wasm = wat::parse_str(TRAPPING_WAT).unwrap();
    let config = HarnessConfig { use_cache: false, warm_instances: 4, ..HarnessConfig::default() };
    let harness = Harness::with_config(&wasm, &config).unwrap();
    let none = Value::Null;
    let options = RunOptions::default();
    assert_eq!(harness.run("answer", &none, &none, &options).await.unwrap(), CardOutcome::Ok(json!(42)));
    assert_eq!(harness.run("answer", &none, &none, &options).await.unwrap(), CardOutcome::Ok(json!(42)));
    assert_eq!(harness.warm_stats().reused, 1);
    // The trap runs on the warm instance, which is then dropped, not returned.
    let err = harness.run("boom", &none, &none, &options).await.unwrap_err();
    assert!(matches!(err, HarnessError::Trap { .. }), "{err}");
    assert_eq!(harness.warm_stats().reused, 2);
    assert_eq!(harness.run("answer", &none, &none, &options).await.unwrap(), CardOutcome::Ok(json!(42)));
    let stats = harness.warm_stats();
    assert_eq!((stats.reused, stats.kept), (2, 3), "the run after the trap got a fresh instance: {stats:?}");
}
