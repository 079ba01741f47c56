//! The npm package (`js/`) and its example (`examples/node`), in Node.js against the fake account:
//! builds the package with this build's CLI (`write-component`, `write-js-catalog`, then jco at
//! build time), runs its `node --test` suite (the JSON of the CLI, errors, 64-bit values, the
//! event loop, time limits, cancellation, timeouts, progress), then the example.
//!
//! Needs `node` (20.10+) and `npm` on PATH; `npm ci` runs when `node_modules` is missing or older
//! than `package-lock.json`. Set `SKIP_NODE_EXAMPLE=1` to skip on a machine without Node.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_account::{FakeAccount, FakeConfig};
use serde_json::Value;
use tokio::process::Command;
use tokio::sync::OnceCell;

fn repo_dir(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn skipped() -> bool {
    let skip = std::env::var_os("SKIP_NODE_EXAMPLE").is_some();
    if skip {
        eprintln!("SKIP_NODE_EXAMPLE is set: not running the npm package's tests");
    }
    skip
}

async fn run(cmd: &mut Command, what: &str, limit: Duration) -> std::process::Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let started = Instant::now();
    let output = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {limit:?}"))
        .unwrap_or_else(|err| panic!("cannot run {what}: {err}. Install Node.js 20.10+ and npm (or set SKIP_NODE_EXAMPLE=1)"));
    eprintln!("{what}: {:.1} s", started.elapsed().as_secs_f64());
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
        let what = format!("npm ci ({})", dir.display());
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir), &what, Duration::from_secs(600)).await;
    }
}

/// Installs the package's build tools and builds `js/dist` from this build's component, once per
/// test process.
async fn built_package() -> PathBuf {
    static BUILT: OnceCell<PathBuf> = OnceCell::const_new();
    BUILT
        .get_or_init(|| async {
            let dir = repo_dir("js");
            npm_ci(&dir).await;
            run(
                Command::new("node")
                    .arg("scripts/build.mjs")
                    .current_dir(&dir)
                    .env("DATABRICKS_ACCOUNT_CLI", env!("CARGO_BIN_EXE_databricks-account")),
                "npm package build (js/scripts/build.mjs)",
                Duration::from_secs(300),
            )
            .await;
            dir
        })
        .await
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_npm_package_passes_its_tests_against_the_fake_account() {
    if skipped() {
        return;
    }
    let dir = built_package().await;
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let output = run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "test/"])
            .current_dir(&dir)
            .env("DATABRICKS_CONNECTION", fake.m2m_connection().to_string())
            .env("DATABRICKS_ACCOUNT_CLI", env!("CARGO_BIN_EXE_databricks-account")),
        "node --test (js/test)",
        Duration::from_secs(300),
    )
    .await;
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}");
    assert!(report.contains("ℹ fail 0"), "{report}");
    // The suite really ran cards through wasi:http against the fake account.
    assert!(fake.requests().iter().any(|r| r.path.ends_with("/scim/v2/Users")), "no SCIM request reached the fake");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_example_runs_a_card_through_the_package() {
    if skipped() {
        return;
    }
    built_package().await;
    let dir = repo_dir("examples/node");
    npm_ci(&dir).await;
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let connection = fake.m2m_connection();
    let m2m = &connection["auth"]["oauth_m2m"];
    let output = run(
        Command::new("node")
            .arg("run.mjs")
            .current_dir(&dir)
            .env("DATABRICKS_ACCOUNT_ID", connection["account_id"].as_str().unwrap())
            .env("DATABRICKS_CLIENT_ID", m2m["client_id"].as_str().unwrap())
            .env("DATABRICKS_CLIENT_SECRET", m2m["client_secret"].as_str().unwrap())
            .env("DATABRICKS_HOST", fake.base_url()),
        "node run.mjs (examples/node)",
        Duration::from_secs(300),
    )
    .await;
    let users: Value = serde_json::from_slice(&output.stdout).expect("run.mjs prints the users as JSON");
    let names: Vec<&str> = users.as_array().unwrap().iter().filter_map(|u| u["user_name"].as_str()).collect();
    assert_eq!(names, ["ada.lovelace@example.com", "alan.turing@example.com"], "{users}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("list-users needs scope scim"), "{stderr}");
    assert!(fake.requests().iter().any(|r| r.path.ends_with("/scim/v2/Users")), "no SCIM request reached the fake");
}
