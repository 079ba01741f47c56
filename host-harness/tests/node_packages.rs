//! The Node.js hosts against the fake account: the npm package (`js/`), built with this build's
//! CLI (`write-component`, `write-js-catalog`, then jco at build time) and its `node --test`
//! suite (the JSON of the CLI, errors, 64-bit values, the event loop, time limits, cancellation,
//! timeouts, progress); its example (`examples/node`); and the n8n node (`n8n/`), run by n8n
//! itself (`n8n/test/run-workflows.mjs` installs n8n from npm into `target/n8n` once, imports a
//! credential and workflows and executes them with `n8n execute`).
//!
//! Needs `node` (20.19+ for n8n) and `npm` on PATH; `npm ci` runs when `node_modules` is missing
//! or older than `package-lock.json`. Set `SKIP_NODE_EXAMPLE=1` to skip on a machine without Node.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_account::{FakeAccount, FakeConfig, Seed};
use serde_json::Value;
use tokio::process::Command;
use tokio::sync::OnceCell;

fn repo_dir(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn skipped() -> bool {
    let skip = std::env::var_os("SKIP_NODE_EXAMPLE").is_some();
    if skip {
        eprintln!("SKIP_NODE_EXAMPLE is set: not running the Node.js hosts' tests");
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

/// `node --test` of `tests` in `dir` against `fake` (and the CLI, to compare with); its report,
/// which must show no failure.
async fn node_tests(dir: &Path, tests: &[&str], fake: &FakeAccount) -> String {
    let output = run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec"])
            .args(tests)
            .current_dir(dir)
            .env("DATABRICKS_CONNECTION", fake.m2m_connection().to_string())
            .env("DATABRICKS_ACCOUNT_CLI", env!("CARGO_BIN_EXE_databricks-account")),
        &format!("node --test ({} in {})", tests.join(" "), dir.display()),
        Duration::from_secs(300),
    )
    .await;
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    eprintln!("{report}");
    assert!(report.contains("ℹ fail 0"), "{report}");
    report
}

#[tokio::test(flavor = "multi_thread")]
async fn the_npm_package_passes_its_tests_against_the_fake_account() {
    if skipped() {
        return;
    }
    let dir = built_package().await;
    // The generated TypeScript declarations compile (strict), so a TypeScript user can import them.
    run(
        Command::new("npm").args(["run", "--silent", "check-types"]).current_dir(&dir),
        "tsc (js/dist/index.d.ts)",
        Duration::from_secs(300),
    )
    .await;
    // The Examples seed: every card list example names an object of it.
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }).await.unwrap();
    node_tests(&dir, &["test/"], &fake).await;
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

/// n8n runs two workflows with the node: a user created, added to a new group, read back among
/// the group's members and deactivated; and a card error routed by "continue on fail" (both the
/// regular and the error output), as items n8n produced.
#[tokio::test(flavor = "multi_thread")]
async fn n8n_runs_workflows_with_the_node_against_the_fake_account() {
    if skipped() {
        return;
    }
    built_package().await;
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    // The nodes' own tests first: the card list → n8n mapping, the pickers' option loaders and
    // the trigger's polls against the fake account.
    let dir = repo_dir("n8n");
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(&dir), "npm install (n8n)", Duration::from_secs(300))
        .await;
    // Not the whole folder: `node --test` would run `run-workflows.mjs` too, which runs below.
    let report = node_tests(&dir, &["test/schema.test.js", "test/trigger.test.js"], &fake).await;
    assert!(report.contains("ℹ skipped 0"), "{report}");
    assert!(fake.requests().iter().any(|r| r.path.ends_with("/scim/v2/Users")), "the option loaders listed users");
    assert!(
        fake.requests().iter().any(|r| r.query.iter().any(|(k, v)| k == "attributes" && v == "id")),
        "the trigger walked the users' IDs"
    );

    let output = run(
        Command::new("node")
            .arg("n8n/test/run-workflows.mjs")
            .current_dir(repo_dir(""))
            .env("DATABRICKS_CONNECTION", fake.m2m_connection().to_string()),
        "n8n workflows (n8n/test/run-workflows.mjs)",
        Duration::from_secs(1200),
    )
    .await;
    let report: Value = serde_json::from_slice(&output.stdout).expect("run-workflows prints one JSON report");
    eprintln!("n8n {} timings: {}", report["n8n"]["version"], report["timings_ms"]);
    let failed: Vec<&Value> = report["checks"].as_array().unwrap().iter().filter(|c| c["ok"] != true).collect();
    assert!(failed.is_empty(), "{failed:?}");

    let nodes = &report["workflow1"]["nodes"];
    let user = &nodes["Create User"][0];
    let user_id = user["id"].as_str().expect("Create User output an item with the new user's ID");
    let members = nodes["Get Group"][0]["members"].as_array().unwrap();
    assert!(members.iter().any(|m| m["value"] == user_id), "{members:?}");
    assert_eq!(nodes["Deactivate User"][0]["active"], false);
    // What Databricks (the fake) received from n8n's runs.
    let requests = fake.requests();
    let sent = |method: &str, suffix: &str| requests.iter().any(|r| r.method == method && r.path.ends_with(suffix));
    assert!(sent("POST", "/scim/v2/Users") && sent("POST", "/scim/v2/Groups"), "{requests:?}");
    assert!(sent("PATCH", &format!("/scim/v2/Users/{user_id}")), "deactivation is a PATCH of the user");

    let routed = &report["workflow2"]["nodes"];
    let regular = &routed["Get Missing User"][0];
    assert_eq!(regular["kind"], "not_found");
    assert_eq!(regular["card_error"]["not_found"]["status"], 404);
    let error_output = &routed["Not Found"][0];
    assert_eq!(error_output["error"]["not_found"]["error_code"], "SCIM_404");
}
