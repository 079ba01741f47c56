//! Budget policies on API 2.1 (create with a request ID, list with filters, get, update by
//! sending the whole policy back, delete) and usage dashboards (create, get by type and workspace).

use e2e::{Env, Login, scenario};
use fake_account::Seed;
use serde_json::json;

const REQUEST_ID: &str = "5b0e4a9e-3c2d-4f1a-8b7c-6d5e4f3a2b10";
const WORKSPACE: i64 = fake_account::example_ids::ANALYTICS_PROD;

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

#[scenario]
async fn a_budget_policy_from_creation_to_deletion() {
    // The Demo account: no budget policy yet, and the workspace a policy binds to.
    let env = Env::start(Seed::Demo, Login::OAuthM2m).await;
    let policies = format!("/api/2.1/accounts/{}/budget-policies", env.account_id());
    let create = json!({"policy_name": "marketing", "custom_tags": [{"key": "team", "value": "marketing"}], "request_id": REQUEST_ID});
    env.clear();
    let created = env.ok("create-budget-policy", create.clone()).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", policies.as_str()), "budget policies are API 2.1");
    assert_eq!(
        request.body.unwrap(),
        json!({"policy": {"policy_name": "marketing", "custom_tags": [{"key": "team", "value": "marketing"}]}, "request_id": REQUEST_ID})
    );
    let id = created["policy_id"].as_str().expect("a policy ID").to_string();
    assert_eq!(created, json!({"policy_id": id, "policy_name": "marketing", "custom_tags": [{"key": "team", "value": "marketing"}], "binding_workspace_ids": []}));
    assert_eq!(env.ok("create-budget-policy", create).await, created, "a repeat with the request ID answers the first policy");

    env.clear();
    env.ok("create-budget-policy", json!({"policy_name": "finance"})).await;
    let made = env.single_api_request().body.unwrap()["request_id"].as_str().unwrap().to_string();
    assert!(made.len() == 36 && made.as_bytes()[14] == b'4', "the card makes a version-4 UUID: {made}");

    env.clear();
    let listed = env.ok("list-budget-policies", json!({"policy_name": "MARK", "sort_by": "policy_name", "sort_descending": true})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", policies.as_str()));
    assert_eq!(
        sorted(request.query),
        sorted(query(&[
            ("filter_by.policy_name", "MARK"),
            ("sort_spec.field", "POLICY_NAME"),
            ("sort_spec.descending", "true"),
            ("page_size", "100")
        ]))
    );
    assert_eq!(listed["policies"], json!([created]), "the name filter matches a part of the name, case aside");
    assert_eq!(listed["next_page_token"], json!(null), "one page holds them all");
    assert_eq!(env.ok("get-budget-policy", json!({"policy_id": id})).await, created);

    env.clear();
    let updated = env.ok("update-budget-policy", json!({"policy_id": id, "binding_workspace_ids": [WORKSPACE]})).await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests), [format!("GET {policies}/{id}"), format!("PATCH {policies}/{id}")], "read, then send whole");
    assert_eq!(
        requests[1].body.clone().unwrap(),
        json!({"policy_id": id, "policy_name": "marketing", "custom_tags": [{"key": "team", "value": "marketing"}], "binding_workspace_ids": [WORKSPACE]}),
        "the fields left out go back as they were"
    );
    assert_eq!(updated["binding_workspace_ids"], json!([WORKSPACE]));

    env.clear();
    assert_eq!(env.ok("delete-budget-policy", json!({"policy_id": id})).await, json!({"id": id}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", format!("{policies}/{id}")));
    assert_eq!(env.err("get-budget-policy", json!({"policy_id": id})).await.0, "not_found");
}

#[scenario]
async fn bad_budget_policy_inputs_are_refused_before_any_request() {
    let env = Env::empty().await;
    env.clear();
    let tag = |key: &str| json!([{"key": key, "value": "x"}]);
    for (card, input, field) in [
        ("create-budget-policy", json!({"policy_name": "databricks:default-policy-2"}), "policy-name"),
        ("create-budget-policy", json!({"policy_name": "コスト"}), "policy-name"),
        ("create-budget-policy", json!({"policy_name": "p", "custom_tags": tag("budget-policy-id")}), "custom-tags.key"),
        ("create-budget-policy", json!({"policy_name": "p", "request_id": "not-a-uuid"}), "request-id"),
        ("update-budget-policy", json!({"policy_id": "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8a9b0c01"}), "policy-id"),
        ("update-budget-policy", json!({"policy_id": "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8a9b0c01", "custom_tags": tag("budget-policy-name")}), "custom-tags.key"),
        ("get-budget-policy", json!({"policy_id": "../x"}), "policy-id"),
    ] {
        let (case, payload) = env.err(card, input.clone()).await;
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some(field)), "{card} {input}: {payload}");
    }
    assert!(env.api_requests().is_empty(), "nothing reached Databricks");
}

#[scenario]
async fn usage_dashboards_are_created_and_found_by_type_and_workspace() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let dashboard = env.api("dashboard");
    env.clear();
    let created = env.ok("create-usage-dashboard", json!({"dashboard_type": "global", "workspace_id": WORKSPACE, "major_version": "version_2"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", dashboard.as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"dashboard_type": "USAGE_DASHBOARD_TYPE_GLOBAL", "workspace_id": WORKSPACE, "major_version": "USAGE_DASHBOARD_MAJOR_VERSION_2"})
    );
    let id = created["dashboard_id"].as_str().expect("a dashboard ID").to_string();

    env.clear();
    let got = env.ok("get-usage-dashboard", json!({"dashboard_type": "global", "workspace_id": WORKSPACE})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", dashboard.as_str()));
    assert_eq!(
        sorted(request.query),
        sorted(query(&[("dashboard_type", "USAGE_DASHBOARD_TYPE_GLOBAL"), ("workspace_id", &WORKSPACE.to_string())]))
    );
    assert_eq!(got["dashboard_id"], id.as_str());
    assert!(got["dashboard_url"].as_str().is_some_and(|u| u.starts_with("https://") && u.contains(&id)), "{got}");

    let again = env.err("create-usage-dashboard", json!({"dashboard_type": "global", "workspace_id": WORKSPACE})).await;
    assert_eq!(again.0, "conflict", "one dashboard of each type per workspace: {}", again.1);
    let missing = env.err("get-usage-dashboard", json!({"dashboard_type": "global", "workspace_id": 9_999_999_999i64})).await;
    assert_eq!(missing.0, "not_found");
    env.clear();
    let (case, payload) = env.err("create-usage-dashboard", json!({"dashboard_type": "workspace", "workspace_id": 0})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("workspace-id")));
    assert!(env.api_requests().is_empty());
}
