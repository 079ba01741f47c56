//! The official Python SDK on the same fake account, when the venv the tests build is there
//! (`target/python-sdk-venv`, or the interpreter in `DATABRICKS_ACCOUNT_BENCH_PYTHON`): the time
//! of one `a.users.get(id)` in a warm Python process, next to a warm card run.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::timing::round2;

const SCRIPT: &str = r#"
import json, sys, time
from databricks.sdk import AccountClient
host, account, client_id, secret, user_id, runs, warmup = sys.argv[1:8]
a = AccountClient(host=host, account_id=account, client_id=client_id, client_secret=secret)
for _ in range(int(warmup)):
    a.users.get(user_id)
times = []
for _ in range(int(runs)):
    started = time.perf_counter()
    a.users.get(user_id)
    times.append(time.perf_counter() - started)
times.sort()
print(json.dumps({"p50_us": times[len(times) // 2] * 1e6, "p99_us": times[min(len(times) - 1, int(len(times) * 0.99))] * 1e6}))
"#;

/// The venv's interpreter, when there is one.
fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DATABRICKS_ACCOUNT_BENCH_PYTHON") {
        return Some(PathBuf::from(path));
    }
    // target/<profile>/databricks-account → target/python-sdk-venv
    let exe = std::env::current_exe().ok()?;
    let venv = exe.parent()?.parent()?.join("python-sdk-venv/bin/python");
    venv.exists().then_some(venv)
}

/// `a.users.get` p50/p99 in µs and the ratio to the card's warm p50, or why it was not measured.
pub async fn python_sdk(connection: &Value, user_id: &str, card_p50_us: Option<f64>, runs: usize, warmup: usize) -> anyhow::Result<Value> {
    let Some(python) = python() else {
        return Ok(json!({"skipped": "no target/python-sdk-venv (cargo test -p fake-account builds it)"}));
    };
    let auth = &connection["auth"]["oauth_m2m"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let output = tokio::process::Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .args([text(&connection["host_override"]), text(&connection["account_id"]), text(&auth["client_id"]), text(&auth["client_secret"])])
        .args([user_id.to_string(), runs.max(1).to_string(), warmup.to_string()])
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent")
        .output()
        .await?;
    if !output.status.success() {
        return Ok(
            json!({"skipped": format!("the SDK run failed: {}", String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or(""))}),
        );
    }
    let mut figures: Value = serde_json::from_slice(&output.stdout)?;
    let p50 = figures["p50_us"].as_f64().unwrap_or(0.0);
    figures["p50_us"] = json!(round2(p50));
    figures["p99_us"] = json!(round2(figures["p99_us"].as_f64().unwrap_or(0.0)));
    figures["operation"] = json!("a.users.get");
    if let Some(card) = card_p50_us {
        figures["sdk_over_card"] = json!(round2(p50 / card));
    }
    Ok(figures)
}
