//! Pacing against a fake account that enforces Databricks' per-account limits (scaled 50×, so
//! that 500 PATCHes take seconds, not minutes): 500 concurrent `update-user` runs all succeed,
//! none surfaces `rate-limited`, and the account refuses at most a handful — in one process, and
//! across two hosts sharing the schedule through Redis (a real `redis-server`, started here when
//! the machine has one). The controls show the limits bite: without pacing, or with two hosts
//! pacing apart, a burst is refused many times.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_account::{FakeAccount, FakeConfig, Seed};
use host_harness::{CardOutcome, EMBEDDED_COMPONENT, Harness, HarnessConfig, PacingConfig, RunOptions};
use serde_json::{Value, json};

/// How much faster than Databricks the fake and the pacing both run.
const SCALE: f64 = 50.0;
const RUNS: usize = 500;
/// The controls (what happens without pacing, or without sharing it) run at limits a slow,
/// busy machine still overruns: PATCH 4/s, 60 runs.
const CONTROL_SCALE: f64 = 2.0;
const CONTROL_RUNS: usize = 60;
/// A user of the Examples seed.
const USER: &str = "4211000000023757";

async fn limited_account(scale: f64) -> FakeAccount {
    FakeAccount::start(FakeConfig { seed: Seed::Examples, rate_limits: Some(scale), ..FakeConfig::default() }).await.unwrap()
}

fn harness(pacing: Option<PacingConfig>) -> Harness {
    Harness::with_config(EMBEDDED_COMPONENT, &HarnessConfig { pacing, ..HarnessConfig::default() }).unwrap()
}

/// What `runs` concurrent `update-user` runs, spread over `harnesses`, came to.
#[derive(Debug, Default)]
struct Burst {
    ok: usize,
    rate_limited: usize,
    other: Vec<String>,
    took: Duration,
}

async fn burst(harnesses: &[Harness], connection: &Value, runs: usize) -> Burst {
    let started = Instant::now();
    let runs: Vec<_> = (0..runs)
        .map(|i| {
            let harness = harnesses[i % harnesses.len()].clone();
            let connection = connection.clone();
            tokio::spawn(async move {
                let input = json!({"id": USER, "display_name": format!("Paced {i}")});
                harness.run("update-user", &connection, &input, &RunOptions::default()).await
            })
        })
        .collect();
    let mut result = Burst::default();
    for run in runs {
        match run.await.unwrap() {
            Ok(CardOutcome::Ok(_)) => result.ok += 1,
            Ok(CardOutcome::Err(error)) if error.get("rate_limited").is_some() => result.rate_limited += 1,
            Ok(CardOutcome::Err(error)) => result.other.push(error.to_string()),
            Err(error) => result.other.push(error.to_string()),
        }
    }
    result.took = started.elapsed();
    result
}

fn assert_paced(burst: &Burst, fake: &FakeAccount) {
    assert!(burst.other.is_empty(), "{:?}", &burst.other[..burst.other.len().min(3)]);
    assert_eq!((burst.ok, burst.rate_limited), (RUNS, 0), "{burst:?}");
    assert!(fake.throttled() <= 5, "the account refused {} requests", fake.throttled());
    // The PATCHes went at the paced rate (90/s here), not all at once.
    assert!(burst.took > Duration::from_secs(4), "{burst:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_patches_on_one_account_are_paced_in_process() {
    let fake = limited_account(SCALE).await;
    let result = burst(&[harness(Some(PacingConfig::databricks().scaled(SCALE)))], &fake.m2m_connection(), RUNS).await;
    println!("in process: {result:?}, refused by the account: {}", fake.throttled());
    assert_paced(&result, &fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_pacing_the_account_refuses_the_same_burst() {
    let fake = limited_account(CONTROL_SCALE).await;
    let result = burst(&[harness(None)], &fake.m2m_connection(), CONTROL_RUNS).await;
    println!("unpaced: {result:?}, refused by the account: {}", fake.throttled());
    assert!(fake.throttled() > 20, "the limits are real: {} refused", fake.throttled());
}

/// A `redis-server` on a free port of loopback, stopped when dropped.
struct Redis {
    child: Child,
    url: String,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_redis() -> Option<Redis> {
    let present = Command::new("redis-server").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !present.is_ok_and(|s| s.success()) {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let redis = Redis { child, url: format!("redis://127.0.0.1:{port}/") };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(redis)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hosts_share_the_pace_through_redis() {
    let Some(redis) = start_redis() else {
        eprintln!("SKIPPED two_hosts_share_the_pace_through_redis: no redis-server on this machine (.ci/run installs it)");
        return;
    };
    let fake = limited_account(SCALE).await;
    let shared = PacingConfig::databricks().scaled(SCALE).shared_through(redis.url.clone());
    // Two harnesses stand for two machines of a platform: only Redis is shared between them.
    let hosts = [harness(Some(shared.clone())), harness(Some(shared))];
    let result = burst(&hosts, &fake.m2m_connection(), RUNS).await;
    println!("two hosts through Redis: {result:?}, refused by the account: {}", fake.throttled());
    assert_paced(&result, &fake);

    // Each host alone, with its own schedule, would send twice the rate: the sharing is what holds.
    let fake = limited_account(CONTROL_SCALE).await;
    let apart =
        [harness(Some(PacingConfig::databricks().scaled(CONTROL_SCALE))), harness(Some(PacingConfig::databricks().scaled(CONTROL_SCALE)))];
    let result = burst(&apart, &fake.m2m_connection(), CONTROL_RUNS).await;
    println!("two hosts, each on its own: {result:?}, refused by the account: {}", fake.throttled());
    assert!(fake.throttled() > 5, "two unshared schedules overrun the account: {} refused", fake.throttled());
}

/// `onboard-users` with `people` new users, Ada (who exists) and the Analysts group.
async fn onboard(harness: &Harness, fake: &FakeAccount, people: usize) -> (Value, Duration) {
    let mut users: Vec<Value> = (0..people).map(|i| json!({"user_name": format!("hire-{i:03}@example.com")})).collect();
    users.push(json!({"user_name": "ada.lovelace@example.com"}));
    let input = json!({"users": users, "group_ids": [fake_account::example_ids::ANALYSTS]});
    let started = Instant::now();
    let options = RunOptions::default().with_time_limit(Duration::from_secs(120));
    match harness.run("onboard-users", &fake.m2m_connection(), &input, &options).await {
        Ok(CardOutcome::Ok(result)) => (result, started.elapsed()),
        other => panic!("onboard-users: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_user_onboarding_is_paced_request_by_request() {
    let fake = limited_account(SCALE).await;
    fake.clear_requests();
    let (result, took) = onboard(&harness(Some(PacingConfig::databricks().scaled(SCALE))), &fake, RUNS).await;
    println!("onboarding {RUNS}: {took:?}, refused by the account: {}", fake.throttled());
    assert_eq!((result["created"].as_u64(), result["existing"].as_u64(), result["failed"].as_u64()), (Some(500), Some(1), Some(0)));
    let users = result["users"].as_array().unwrap();
    assert_eq!(users.len(), RUNS + 1);
    assert!(users.iter().all(|u| u["groups"] == json!([fake_account::example_ids::ANALYSTS]) && u["error"].is_null()), "{}", users[0]);
    assert_eq!((users[0]["user_name"].as_str(), users[0]["outcome"].as_str()), (Some("hire-000@example.com"), Some("created")));
    assert_eq!(
        (users[RUNS]["outcome"].as_str(), users[RUNS]["user"]["id"].as_str()),
        (Some("existing"), Some(fake_account::example_ids::ADA))
    );
    assert_eq!(result["group_failures"], json!([]));
    assert!(fake.throttled() <= 5, "the account refused {} requests", fake.throttled());
    // 501 creates at the paced 225/s after a burst of 125, not at once; then one look-up (Ada's
    // 409) and one PATCH.
    assert!(took > Duration::from_millis(1_400), "{took:?}");
    let requests: Vec<(String, bool)> =
        fake.requests().into_iter().filter(|r| r.path.contains("/scim/v2/")).map(|r| (r.method, r.path.ends_with("/Users"))).collect();
    let count = |method: &str| requests.iter().filter(|(m, _)| m == method).count();
    let refused = fake.throttled() as usize;
    assert!((501..=501 + refused).contains(&count("POST")), "{} creates", count("POST"));
    assert_eq!((count("GET"), count("PATCH")), (1, 1));
    let analysts = fake.snapshot()["groups"].as_array().unwrap().iter().find(|g| g["id"] == fake_account::example_ids::ANALYSTS).cloned();
    assert_eq!(analysts.unwrap()["members"].as_array().unwrap().len(), 1 + 501, "Katherine and everyone onboarded");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unpaced_onboarding_is_refused_by_the_account() {
    let fake = limited_account(CONTROL_SCALE).await;
    let (result, _) = onboard(&harness(None), &fake, CONTROL_RUNS).await;
    println!("unpaced onboarding: {} created, refused by the account: {}", result["created"], fake.throttled());
    // One create after another, each burst of the account's 10/s refused once (the component
    // then waits out `Retry-After`): paced, none is.
    assert!(fake.throttled() >= 3, "the limits are real: {} refused", fake.throttled());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_polling_triggers_walk_is_paced_page_by_page() {
    // 2,600 users: 27 pages against a LIST limit of 8/s (the real 4/s, doubled).
    let fake = limited_account(CONTROL_SCALE).await;
    fake.insert_users(2_597, "staff");
    let harness = harness(Some(PacingConfig::databricks().scaled(CONTROL_SCALE)));
    let started = Instant::now();
    let options = RunOptions::default().with_time_limit(Duration::from_secs(60));
    let outcome = harness.run("poll-new-users", &fake.m2m_connection(), &json!({}), &options).await.unwrap();
    let took = started.elapsed();
    let CardOutcome::Ok(result) = outcome else { panic!("{outcome:?}") };
    println!("a walk of {} users: {took:?}, refused by the account: {}", result["total"], fake.throttled());
    assert_eq!(result["total"], 2_600);
    assert_eq!(fake.throttled(), 0, "every page waited for its slot");
    // 27 LISTs at the paced 7.2/s, after a burst of 4.
    assert!(took > Duration::from_secs(2), "{took:?}");
}
