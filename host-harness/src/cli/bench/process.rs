//! Whole `databricks-account run` processes: what a script pays per card when it starts the CLI
//! for each one.

use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::timing::{Stats, round2};

/// Times whole `databricks-account run get-user` processes (start, load the precompiled
/// component, one card run, exit): an upper bound of "CLI start to first request".
pub async fn cli_runs(component: Option<&std::path::PathBuf>, connection: &Value, user_id: &str, n: usize) -> anyhow::Result<Value> {
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
