//! Workspaces that change: create, update, delete, and the waits for Databricks to provision them
//! — finishing, failing, running out of the time asked for or of the run's own time limit — with
//! the exact requests the account receives.

use e2e::{Env, Login, scenario, summary};
use fake_account::example_ids::{ANALYTICS_PROD, CREDENTIAL, STORAGE_CONFIGURATION};
use fake_account::{FakeConfig, Fault, FaultAction, Seed};
use serde_json::{Value, json};
use std::time::Duration;

/// An AWS workspace made of the demo account's credential and storage configurations.
fn marketing() -> Value {
    json!({
        "workspace_name": "marketing",
        "region": "us-west-2",
        "aws": {"credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE_CONFIGURATION},
    })
}

/// The paths of the requests, `METHOD path`.
fn sent(env: &Env) -> Vec<String> {
    summary(&env.api_requests())
}

#[scenario]
async fn a_workspace_is_created_at_once_and_waited_for_in_a_step_of_its_own() {
    let env = Env::demo().await;
    env.clear();
    let mut input = marketing();
    input["pricing_tier"] = json!("premium");
    input["custom_tags"] = json!([{"key": "team", "value": "growth"}, {"key": "cost-center", "value": ""}]);
    let created = env.ok("create-workspace", input).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("workspaces").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({
            "workspace_name": "marketing", "aws_region": "us-west-2", "pricing_tier": "PREMIUM",
            "custom_tags": {"team": "growth", "cost-center": ""},
            "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE_CONFIGURATION,
        })
    );
    let workspace = &created["workspace"];
    assert_eq!((created["done"].as_bool(), created["waited_seconds"].as_u64()), (Some(false), Some(0)));
    assert_eq!(workspace["workspace_status"], "provisioning");
    assert_eq!((workspace["pricing_tier"].as_str(), workspace["compute_mode"].as_str()), (Some("premium"), Some("hybrid")));
    assert_eq!(workspace["custom_tags"], json!([{"key": "cost-center", "value": ""}, {"key": "team", "value": "growth"}]));
    assert!(created["message"].as_str().unwrap().contains("wait for it with wait-for-workspace"), "{created}");
    assert_eq!(created["wait_shortened_to_seconds"], Value::Null);

    let id = workspace["workspace_id"].as_i64().unwrap();
    env.clear();
    let waited = env.ok("wait-for-workspace", json!({"workspace_id": id, "timeout_seconds": 30})).await;
    let path = env.api(&format!("workspaces/{id}"));
    assert_eq!(sent(&env), [format!("GET {path}"), format!("GET {path}")], "read, a pause, read: RUNNING on the second read");
    assert_eq!((waited["done"].as_bool(), waited["workspace"]["workspace_status"].as_str()), (Some(true), Some("running")));
    assert!((1..=3).contains(&waited["waited_seconds"].as_u64().unwrap()), "{waited}");
    assert_eq!(waited["message"], format!("workspace {id} is RUNNING after {} s", waited["waited_seconds"]));
    assert_eq!(waited["workspace"]["workspace_name"], "marketing");
}

#[scenario]
async fn a_create_that_waits_returns_the_running_workspace() {
    let env = Env::demo().await;
    env.clear();
    let mut input = marketing();
    input["wait"] = json!(60);
    let created = env.ok("create-workspace", input).await;
    let id = created["workspace"]["workspace_id"].as_i64().unwrap();
    let path = env.api(&format!("workspaces/{id}"));
    assert_eq!(sent(&env), [format!("POST {}", env.api("workspaces")), format!("GET {path}"), format!("GET {path}")]);
    assert_eq!(created["done"], true, "{created}");
    assert_eq!(created["workspace"]["workspace_status"], "running");
    assert_eq!(created["workspace"]["workspace_status_message"], "Workspace is running.");
}

#[scenario]
async fn a_failed_workspace_is_an_error_with_databricks_message() {
    let env = Env::demo().await;
    env.fake.fail_next_workspace("The cross-account role cannot be assumed.");
    let mut input = marketing();
    input["wait"] = json!(60);
    let (case, error) = env.err("create-workspace", input).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("WORKSPACE_FAILED")), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("is FAILED, not RUNNING: The cross-account role cannot be assumed."), "{message}");
    let failed = env.ok("list-workspaces", json!({"workspace_status": "failed"})).await["workspaces"][0].clone();
    let id = failed["workspace_id"].as_i64().unwrap();
    assert!(message.starts_with(&format!("workspace {id} ")) && message.contains("update-workspace"), "{message}");

    // The same from a wait in a step of its own.
    let (case, again) = env.err("wait-for-workspace", json!({"workspace_id": id})).await;
    assert_eq!((case.as_str(), again["error_code"].as_str()), ("upstream", Some("WORKSPACE_FAILED")));
    assert_eq!(env.err("wait-for-workspace", json!({"workspace_id": 42})).await.0, "not_found");
}

#[scenario]
async fn a_wait_that_runs_out_returns_the_last_status_and_says_the_work_goes_on() {
    let env = Env::demo().await;
    env.fake.stall_next_workspace();
    env.clear();
    let mut input = marketing();
    input["wait"] = json!(2);
    let created = env.ok("create-workspace", input).await;
    assert_eq!((created["done"].as_bool(), created["workspace"]["workspace_status"].as_str()), (Some(false), Some("provisioning")));
    assert!((1..=2).contains(&created["waited_seconds"].as_u64().unwrap()), "{created}");
    let message = created["message"].as_str().unwrap();
    assert!(message.contains("is still PROVISIONING after") && message.contains("do not create it again"), "{message}");
    let requests = sent(&env);
    assert_eq!(requests.iter().filter(|r| r.starts_with("POST")).count(), 1, "one create: {requests:?}");
    assert!(requests.len() >= 3, "it read the workspace again after each pause: {requests:?}");
}

#[scenario]
async fn a_wait_longer_than_the_run_allows_is_cut_to_it() {
    let mut env = Env::demo().await;
    env.fake.stall_next_workspace();
    let id = env.ok("create-workspace", marketing()).await["workspace"]["workspace_id"].as_i64().unwrap();
    // 4 s: the card must return a second (its margin) before the host would end the run.
    env.options = env.options.clone().with_time_limit(Duration::from_secs(4));
    let started = std::time::Instant::now();
    let waited = env.ok("wait-for-workspace", json!({"workspace_id": id, "timeout_seconds": 600})).await;
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert_eq!(waited["done"], false);
    let cut = waited["wait_shortened_to_seconds"].as_u64().expect("the output says the wait was cut");
    assert!(cut <= 2, "{waited}");
    assert!(waited["message"].as_str().unwrap().ends_with("what this run's time limit allows)"), "{waited}");
    // Without a timeout, the wait is as long as the run allows, and nothing was cut.
    let waited = env.ok("wait-for-workspace", json!({"workspace_id": id})).await;
    assert_eq!((waited["done"].as_bool(), waited["wait_shortened_to_seconds"].as_u64()), (Some(false), None));
}

#[scenario]
async fn a_workspace_provisioned_in_time_rather_than_reads_is_waited_for_too() {
    let config = FakeConfig {
        seed: Seed::Demo,
        workspace_provisioning_reads: 1000,
        workspace_provisioning_time: Some(Duration::from_millis(1500)),
        ..FakeConfig::default()
    };
    let env = Env::with_config(config, Login::OAuthM2m).await;
    let mut input = marketing();
    input["wait"] = json!(30);
    let created = env.ok("create-workspace", input).await;
    assert_eq!(created["done"], true, "{created}");
    assert!((1..=4).contains(&created["waited_seconds"].as_u64().unwrap()), "{created}");
}

#[scenario]
async fn an_update_sends_exactly_the_fields_given_and_their_mask() {
    let env = Env::demo().await;
    env.clear();
    let (case, error) = env.err("update-workspace", json!({"workspace_id": ANALYTICS_PROD, "wait": 5})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("workspace-id")), "{error}");
    assert!(error["reason"].as_str().unwrap().contains("at least one field"), "{error}");
    assert!(env.fake.requests().is_empty(), "an empty change is refused before any request");

    let input = json!({"workspace_id": ANALYTICS_PROD, "workspace_name": "analytics-production", "custom_tags": [{"key": "tier", "value": "gold"}]});
    let updated = env.ok("update-workspace", input).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("PATCH", env.api(&format!("workspaces/{ANALYTICS_PROD}")).as_str()));
    let mut mask: Vec<&str> = request.query_value("update_mask").unwrap().split(',').collect();
    mask.sort();
    assert_eq!((mask, request.query.len()), (vec!["custom_tags", "workspace_name"], 1));
    assert_eq!(request.body.unwrap(), json!({"workspace_name": "analytics-production", "custom_tags": {"tier": "gold"}}));
    assert_eq!((updated["done"].as_bool(), updated["workspace"]["workspace_status"].as_str()), (Some(false), Some("provisioning")));
    assert_eq!(updated["workspace"]["workspace_name"], "analytics-production");

    // Databricks refuses another change while it provisions this one; once it is running, a
    // change can wait for itself in the same card.
    let (case, busy) = env.err("update-workspace", json!({"workspace_id": ANALYTICS_PROD, "workspace_name": "analytics"})).await;
    assert_eq!((case.as_str(), busy["error_code"].as_str()), ("upstream", Some("INVALID_STATE")), "{busy}");
    assert_eq!(env.ok("wait-for-workspace", json!({"workspace_id": ANALYTICS_PROD})).await["done"], true);
    env.clear();
    let renamed = env.ok("update-workspace", json!({"workspace_id": ANALYTICS_PROD, "workspace_name": "analytics", "wait": 30})).await;
    assert_eq!((renamed["done"].as_bool(), renamed["workspace"]["workspace_name"].as_str()), (Some(true), Some("analytics")));
    let path = env.api(&format!("workspaces/{ANALYTICS_PROD}"));
    assert_eq!(sent(&env), [format!("PATCH {path}"), format!("GET {path}"), format!("GET {path}")]);
}

#[scenario]
async fn a_deleted_workspace_is_gone() {
    let env = Env::demo().await;
    env.clear();
    let deleted = env.ok("delete-workspace", json!({"workspace_id": ANALYTICS_PROD})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("workspaces/{ANALYTICS_PROD}"))));
    assert_eq!(deleted, json!({"id": ANALYTICS_PROD.to_string()}));
    assert_eq!(env.err("get-workspace", json!({"workspace_id": ANALYTICS_PROD})).await.0, "not_found");
    assert_eq!(env.err("delete-workspace", json!({"workspace_id": ANALYTICS_PROD})).await.0, "not_found");
}

/// What Databricks answers while a new cross-account role is still spreading through AWS.
fn role_not_ready() -> Fault {
    let body = json!({"error_code": "MALFORMED_REQUEST", "message": "Failed credential validation checks: please use a valid cross account IAM role with permissions setup correctly"});
    Fault::new("/workspaces", FaultAction::json(400, body, &[])).method("POST")
}

#[scenario]
async fn a_create_refused_while_the_role_spreads_is_repeated_then_given_up_with_a_reason() {
    let mut env = Env::demo().await;
    env.fake.push_fault(role_not_ready());
    env.clear();
    let created = env.ok("create-workspace", marketing()).await;
    let posts = sent(&env).into_iter().filter(|r| r.starts_with("POST")).count();
    assert_eq!(posts, 2, "refused once, then made");
    assert_eq!(created["workspace"]["workspace_name"], "marketing");

    env.connection["policy"] = json!({"retry_budget_ms": 2500});
    env.fake.push_fault(role_not_ready().times(10));
    env.clear();
    let (case, error) = env.err("create-workspace", marketing()).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("MALFORMED_REQUEST")), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("cannot assume the cross-account IAM role yet") && message.ends_with("(gave up after 2 attempts)"), "{message}");
    assert_eq!(env.api_requests().len(), 2, "two attempts within 2.5 s, two seconds apart");
    env.fake.clear_faults();
}

#[scenario]
async fn a_gcp_workspace_names_its_project_and_location() {
    let env = Env::demo().await;
    let mut gcp = env.connection.clone();
    gcp["cloud"] = json!("gcp");
    env.clear();
    let input = json!({
        "workspace_name": "gcp-analytics", "region": "us-central1",
        "gcp": {"project_id": "analytics-prod-4711", "managed_network": {"subnet_cidr": "10.0.0.0/16"}},
    });
    let created = env.run_with("create-workspace", &gcp, input).await.unwrap();
    let request = env.single_api_request();
    assert_eq!(
        request.body.unwrap(),
        json!({
            "workspace_name": "gcp-analytics", "location": "us-central1",
            "cloud_resource_container": {"gcp": {"project_id": "analytics-prod-4711"}},
            "gcp_managed_network_config": {"subnet_cidr": "10.0.0.0/16"},
        })
    );
    let workspace = &created["workspace"];
    assert_eq!((workspace["cloud"].as_str(), workspace["location"].as_str()), (Some("gcp"), Some("us-central1")));
    assert_eq!(workspace["cloud_resource_container"]["gcp"]["project_id"], "analytics-prod-4711");
}

#[scenario]
async fn workspace_changes_are_refused_on_azure_and_checked_before_any_request() {
    let env = Env::demo().await;
    env.clear();
    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    for (card, input) in [
        ("create-workspace", marketing()),
        ("update-workspace", json!({"workspace_id": ANALYTICS_PROD, "workspace_name": "x"})),
        ("delete-workspace", json!({"workspace_id": ANALYTICS_PROD})),
        ("wait-for-workspace", json!({"workspace_id": ANALYTICS_PROD})),
    ] {
        let (case, _) = e2e::error_case(&env.run_with(card, &azure, input).await.unwrap_err());
        assert_eq!(case, "unsupported", "{card}");
    }
    let with = |change: Value| {
        let mut input = marketing();
        input.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        input
    };
    for (input, field) in [
        (with(json!({"region": "US West 2"})), "region"),
        (with(json!({"workspace_name": " "})), "workspace-name"),
        (with(json!({"deployment_name": "-acme"})), "deployment-name"),
        (with(json!({"custom_tags": [{"key": "", "value": "x"}]})), "custom-tags.key"),
        (with(json!({"wait": 0})), "wait"),
        (with(json!({"network_connectivity_config_id": "ncc-1"})), "network-connectivity-config-id"),
        (with(json!({"aws": {"credentials_id": CREDENTIAL}})), "aws.storage-configuration-id"),
        (with(json!({"aws": {"credentials_id": "not-a-uuid", "storage_configuration_id": STORAGE_CONFIGURATION}})), "aws.credentials-id"),
        (with(json!({"aws": null})), "aws"),
        (with(json!({"gcp": {"project_id": "analytics-prod-4711"}})), "gcp"),
        (with(json!({"gcp": {"project_id": "P"}})), "gcp.project-id"),
        (json!({"workspace_id": 0, "workspace_name": "x"}), "workspace-id"),
    ] {
        let card = if input.get("workspace_id").is_some() { "update-workspace" } else { "create-workspace" };
        let (case, error) = env.err(card, input.clone()).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{input}: {error}");
    }
    assert!(env.fake.requests().is_empty(), "nothing was sent: {:?}", summary(&env.fake.requests()));
    // A serverless workspace needs no configurations of the customer's.
    let serverless = json!({"workspace_name": "serverless-ws", "region": "us-west-2", "compute_mode": "serverless"});
    let made = env.ok("create-workspace", serverless).await;
    assert_eq!(made["workspace"]["storage_mode"], "default_storage");
}
