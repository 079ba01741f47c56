//! The official Databricks SDK for Python against the fake account: proof that the
//! fake speaks Databricks. Installs `databricks-sdk` (pinned in
//! `python/requirements.txt`) from PyPI into a venv under the workspace's target dir.

use fake_account::{FakeAccount, FakeConfig, Seed};
use std::path::PathBuf;

#[tokio::test(flavor = "multi_thread")]
async fn the_official_python_sdk_drives_the_fake_account() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = tokio::task::spawn_blocking(fake_account::python_sdk::python).await.unwrap();
    // The demo account, so the workspace-level calls have workspaces to call on.
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Demo, ..FakeConfig::default() }).await.unwrap();
    // The first workspace the SDK creates fails: its waiter must raise with this message.
    fake.fail_next_workspace("The cross-account role cannot be assumed.");
    let config = fake.config().clone();
    let script = crate_dir.join("python/sdk_check.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .env("DATABRICKS_HOST", fake.base_url())
        .env("DATABRICKS_ACCOUNT_ID", &config.account_id)
        .env("DATABRICKS_CLIENT_ID", &config.client_id)
        .env("DATABRICKS_CLIENT_SECRET", &config.client_secret)
        // Keep the user's own Databricks configuration out of the check.
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent")
        .env_remove("DATABRICKS_TOKEN")
        .env_remove("DATABRICKS_CONFIG_PROFILE")
        .output()
        .await
        .expect("run the SDK check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the SDK check failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("the official Databricks SDK agrees with the fake account"), "{stdout}");

    // The SDK really went through OAuth and the SCIM API, not somewhere else.
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.path.ends_with("/v1/token")), "the SDK minted a token");
    let scim = requests.iter().filter(|r| r.path.contains("/scim/v2/")).count();
    assert!(scim >= 10, "the SDK called account SCIM ({scim} requests)");
    let update = requests.iter().find(|r| r.method == "PUT" && r.path.contains("/workspaces/") && r.path.contains("/metastores/"));
    let body = update.and_then(|r| r.body.clone()).expect("the SDK updated a metastore assignment with a JSON body");
    assert_eq!(body["metastore_assignment"]["default_catalog_name"], "sdk_catalog", "{body}");
    assert!(
        requests.iter().any(|r| r.path.ends_with("/permissionassignments/permissions")),
        "the SDK read a workspace's permission levels"
    );

    // The waiters polled; the update's mask went in the query; the settings etag inside the body.
    let polls = requests.iter().filter(|r| r.method == "GET" && r.path.contains("/workspaces/") && r.path.split('/').count() == 7).count();
    assert!(polls >= 6, "the SDK's waiters polled the workspaces ({polls} GETs)");
    let update = requests.iter().find(|r| r.method == "PATCH" && r.path.contains("/workspaces/"));
    assert_eq!(update.and_then(|r| r.query_value("update_mask")), Some("workspace_name"), "the mask is a query parameter");
    let setting = requests.iter().find(|r| r.method == "PATCH" && r.path.ends_with("/settings/types/dcp_acct_enable/names/default"));
    let body = setting.and_then(|r| r.body.clone()).expect("the SDK updated Personal Compute");
    assert!(body["setting"]["etag"].is_string() && body["field_mask"] == "personal_compute.value", "{body}");
    let listed = requests.iter().find(|r| r.path.ends_with("/budget-policies") && r.query_value("filter_by.policy_name").is_some());
    assert_eq!(listed.and_then(|r| r.query_value("sort_spec.field")), Some("POLICY_NAME"), "nested query objects are flattened");
    if let Some(line) = stdout.lines().find(|l| l.starts_with("the other account families took")) {
        println!("{line}");
    }
}
