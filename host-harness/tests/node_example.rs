//! The second host: `examples/node/run.mjs` transpiles the same component with jco
//! (`@bytecodealliance/jco` from npm) and runs `list-users` against the fake account in Node.js.
//! This proves the component needs nothing beyond standard WASI 0.2.
//!
//! Needs `node` (20+) and `npm` on PATH; `npm ci` runs once (when `node_modules` is missing or
//! older than `package-lock.json`). Set `SKIP_NODE_EXAMPLE=1` to skip on a machine without Node.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fake_account::{FakeAccount, FakeConfig};
use serde_json::Value;
use tokio::process::Command;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/node")
}

async fn run(cmd: &mut Command, what: &str, limit: Duration) -> std::process::Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let output = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {limit:?}"))
        .unwrap_or_else(|err| panic!("cannot run {what}: {err}. Install Node.js 20+ and npm (or set SKIP_NODE_EXAMPLE=1)"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `npm ci` when the installed packages are missing or older than the lock file.
async fn npm_ci(dir: &Path) {
    let installed = dir.join("node_modules/.package-lock.json");
    let stale = match (std::fs::metadata(&installed), std::fs::metadata(dir.join("package-lock.json"))) {
        (Ok(installed), Ok(lock)) => installed.modified().ok() < lock.modified().ok(),
        _ => true,
    };
    if stale {
        run(
            Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir),
            "npm ci (examples/node)",
            Duration::from_secs(600),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_example_runs_a_card_with_jco_against_the_fake_account() {
    if std::env::var_os("SKIP_NODE_EXAMPLE").is_some() {
        eprintln!("SKIP_NODE_EXAMPLE is set: not running the Node.js example");
        return;
    }
    let dir = example_dir();
    npm_ci(&dir).await;

    let wasm = std::env::temp_dir().join(format!("databricks-account-node-{}.wasm", std::process::id()));
    std::fs::write(&wasm, host_harness::EMBEDDED_COMPONENT).unwrap();
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let connection = fake.m2m_connection();
    let m2m = &connection["auth"]["oauth_m2m"];
    let output = run(
        Command::new("node")
            .arg("run.mjs")
            .current_dir(&dir)
            .env("DATABRICKS_ACCOUNT_WASM", &wasm)
            .env("DATABRICKS_ACCOUNT_ID", connection["account_id"].as_str().unwrap())
            .env("DATABRICKS_CLIENT_ID", m2m["client_id"].as_str().unwrap())
            .env("DATABRICKS_CLIENT_SECRET", m2m["client_secret"].as_str().unwrap())
            .env("DATABRICKS_HOST", fake.base_url()),
        "node run.mjs (examples/node)",
        Duration::from_secs(300),
    )
    .await;
    let _ = std::fs::remove_file(&wasm);

    let users: Value = serde_json::from_slice(&output.stdout).expect("run.mjs prints the users as JSON");
    let names: Vec<&str> = users.as_array().unwrap().iter().filter_map(|u| u["userName"].as_str()).collect();
    assert_eq!(names, ["ada.lovelace@example.com", "alan.turing@example.com"], "{users}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("list-users needs scope scim"), "{stderr}");
    // The card really went through wasi:http to the fake account.
    assert!(fake.requests().iter().any(|r| r.path.ends_with("/scim/v2/Users")), "no SCIM request reached the fake");
}
