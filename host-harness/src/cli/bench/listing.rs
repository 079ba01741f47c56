//! Listing a whole account through every page: users per second and peak memory, through the
//! harness and natively.

use std::time::Instant;

use fake_account::{FakeAccount, FakeConfig, Seed};
use host_harness::{Harness, HarnessConfig, RunOptions};
use serde_json::{Value, json};

use super::native::{Native, api_requests};
use super::rss::{peak_rss_bytes, reset_peak_rss};
use super::timing::round2;
use super::{BenchArgs, run_ok};

/// Lists accounts of each size through every page (page size 100), through the harness and
/// natively, with the peak memory of each harness listing.
pub async fn listing(wasm: &[u8], args: &BenchArgs) -> anyhow::Result<Value> {
    let harness =
        Harness::with_config(wasm, &HarnessConfig { pooling: true, warm_instances: 64, pacing: None, ..HarnessConfig::default() })?;
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
