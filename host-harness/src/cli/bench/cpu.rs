//! CPU per warm GET, client side only: the fake account runs in another process
//! (`databricks-account fake`), so this process's CPU time (user and system, `getrusage`) is the
//! client's alone — the harness's (wasm boundary, JSON ⇄ WIT, wasi:http calls, the guest's code)
//! against the native client's for the very same requests.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use host_harness::{Harness, HarnessConfig, RunOptions};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use super::native::Native;
use super::rss::cpu_time;
use super::timing::{Stats, round2};
use super::{BenchArgs, run_ok};

/// The fake account in a child process, stopped when dropped.
pub struct FakeProcess {
    child: tokio::process::Child,
    /// The connection it printed.
    pub connection: Value,
}

impl FakeProcess {
    /// Starts `databricks-account fake` (this executable) and reads the connection it prints.
    pub async fn start(latency_ms: u64) -> anyhow::Result<FakeProcess> {
        let exe = std::env::current_exe().context("cannot find this executable")?;
        let mut child = tokio::process::Command::new(exe)
            .args(["fake", "--latency-ms", &latency_ms.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the fake account process")?;
        let mut lines = tokio::io::BufReader::new(child.stdout.take().context("its stdout")?).lines();
        let mut text = String::new();
        // The connection is pretty-printed JSON: read lines until they parse.
        let connection = loop {
            let line = lines.next_line().await?.context("the fake account process printed no connection")?;
            text.push_str(&line);
            if let Ok(connection) = serde_json::from_str::<Value>(&text) {
                break connection;
            }
        };
        Ok(FakeProcess { child, connection })
    }

    pub fn base_url(&self) -> &str {
        self.connection["host_override"].as_str().unwrap_or_default()
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Rounds of each side, alternating.
const CPU_ROUNDS: usize = 5;

/// CPU µs per warm get-user run (set-up `all`) and per native replay of its request.
pub async fn cpu_per_run(wasm: &[u8], args: &BenchArgs) -> anyhow::Result<Value> {
    let fake = FakeProcess::start(0).await?;
    let harness =
        Harness::with_config(wasm, &HarnessConfig { pooling: true, warm_instances: 8, pacing: None, ..HarnessConfig::default() })?;
    let options = RunOptions::default();
    let connection = fake.connection.clone();
    let listed = run_ok(&harness, "list-users", &connection, &json!({"pages": {"page": {"count": 1}}}), &options).await?;
    let user_id = listed["resources"][0]["id"].as_str().context("the fake lists a user")?.to_string();
    let input = json!({"id": user_id});
    let runs_per_round = (args.runs.max(1) * 3).div_ceil(CPU_ROUNDS);

    let account = connection["account_id"].as_str().unwrap_or_default();
    let auth = &connection["auth"]["oauth_m2m"];
    let native =
        Native::connect(fake.base_url(), account, auth["client_id"].as_str().unwrap_or(""), auth["client_secret"].as_str().unwrap_or(""))
            .await?;
    let request = Native::get(&format!("/api/2.0/accounts/{account}/scim/v2/Users/{user_id}"));
    for _ in 0..args.warmup {
        run_ok(&harness, "get-user", &connection, &input, &options).await?;
        native.replay(std::slice::from_ref(&request)).await?;
    }
    // The process's CPU time moves with whatever else the machine does: the sides alternate
    // for a few rounds and each side's median round is its figure.
    let (mut harness_rounds, mut native_rounds) = (Vec::with_capacity(CPU_ROUNDS), Vec::with_capacity(CPU_ROUNDS));
    for _ in 0..CPU_ROUNDS {
        let started = cpu_time();
        for _ in 0..runs_per_round {
            run_ok(&harness, "get-user", &connection, &input, &options).await?;
        }
        harness_rounds.push((cpu_time() - started) / runs_per_round as u32);
        let started = cpu_time();
        for _ in 0..runs_per_round {
            native.replay(std::slice::from_ref(&request)).await?;
        }
        native_rounds.push((cpu_time() - started) / runs_per_round as u32);
    }
    let median = |rounds: &[Duration]| Stats::of(rounds.to_vec()).quantile(0.5);
    let (harness_cpu, native_cpu) = (median(&harness_rounds), median(&native_rounds));
    let us = |d: Duration| round2(d.as_secs_f64() * 1e6);
    Ok(json!({
        "card": "get-user",
        "runs": runs_per_round * CPU_ROUNDS,
        "harness_us": us(harness_cpu),
        "native_us": us(native_cpu),
        "harness_rounds_us": harness_rounds.iter().map(|d| us(*d)).collect::<Vec<_>>(),
        "native_rounds_us": native_rounds.iter().map(|d| us(*d)).collect::<Vec<_>>(),
        "ratio": round2(harness_cpu.as_secs_f64() / native_cpu.as_secs_f64().max(1e-9)),
    }))
}
