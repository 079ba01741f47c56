//! Network connectivity configurations and their private endpoint rules, network policies and
//! the policy a workspace is bound to.

use super::{Caller, error};
use fake_account::example_ids::*;
use fake_account::{FakeConfig, Seed};
use serde_json::json;

#[tokio::test]
async fn connectivity_configurations_and_endpoint_rules() {
    let c = Caller::with(FakeConfig { seed: Seed::Examples, endpoint_connection_reads: 3, ..FakeConfig::default() }).await;
    assert_eq!(
        c.call("POST", "network-connectivity-configs", Some(json!({"name": "no spaces", "region": "us-west-2"}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "name must match ^[0-9a-zA-Z-_]{3,30}$")
    );
    let config = c.call("POST", "network-connectivity-configs", Some(json!({"name": "etl_egress", "region": "us-east-1"}))).await.json();
    let id = config["network_connectivity_config_id"].as_str().unwrap().to_string();
    assert_eq!(config["egress_config"]["default_rules"]["aws_stable_ip_rule"]["cidr_blocks"].as_array().map(Vec::len), Some(2));
    let listed = c.call("GET", "network-connectivity-configs", None).await.json();
    assert_eq!(listed.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()), Some(vec!["items".to_string()]), "one page: {listed}");
    assert_eq!(listed["items"][1], config);

    // A rule is PENDING until the endpoint is approved: here on the third GET.
    let rules = format!("network-connectivity-configs/{id}/private-endpoint-rules");
    let both = json!({"endpoint_service": "com.amazonaws.us-east-1.s3", "resource_names": ["b"], "domain_names": ["d"]});
    assert_eq!(
        c.call("POST", &rules, Some(both)).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "give the endpoint service's resource_names (S3 buckets) or its domain_names, not both")
    );
    let s3 = json!({"endpoint_service": "com.amazonaws.us-east-1.s3", "resource_names": ["landing"]});
    let rule = c.call("POST", &rules, Some(s3)).await.json();
    let rule_id = rule["rule_id"].as_str().unwrap().to_string();
    assert_eq!(
        (rule["connection_state"].as_str(), rule["network_connectivity_config_id"].as_str(), rule["enabled"].as_bool()),
        (Some("PENDING"), Some(id.as_str()), Some(true))
    );
    assert!(rule["vpc_endpoint_id"].as_str().is_some_and(|v| v.starts_with("vpce-")));
    let rule_path = format!("{rules}/{rule_id}");
    for _ in 0..2 {
        assert_eq!(c.call("GET", &rule_path, None).await.json()["connection_state"], "PENDING");
    }
    assert_eq!(c.call("GET", &rule_path, None).await.json()["connection_state"], "ESTABLISHED");
    assert_eq!(c.call("GET", &rules, None).await.json()["items"][0]["connection_state"], "ESTABLISHED");

    // PATCH needs its mask, and changes only what it names.
    let change = json!({"resource_names": ["landing", "archive"], "enabled": false});
    assert_eq!(
        c.call("PATCH", &rule_path, Some(change.clone())).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "update_mask is required")
    );
    let updated = c.call("PATCH", &format!("{rule_path}?update_mask=resource_names"), Some(change)).await.json();
    assert_eq!((updated["resource_names"].clone(), updated["enabled"].clone()), (json!(["landing", "archive"]), json!(true)));
    assert_eq!(c.call("PATCH", &format!("{rule_path}?update_mask=rule_id"), Some(json!({}))).await.status, 400);

    // Deleting an established rule deactivates it; a pending one goes at once.
    let deactivated = c.call("DELETE", &rule_path, None).await.json();
    assert_eq!((deactivated["deactivated"].as_bool(), deactivated["deactivated_at"].is_i64()), (Some(true), true));
    assert_eq!(c.call("GET", &rule_path, None).await.json()["deactivated"], true, "kept for a day");
    let pending =
        c.call("POST", &rules, Some(json!({"endpoint_service": "com.example.svc", "domain_names": ["db.example.com"]}))).await.json();
    let pending_path = format!("{rules}/{}", pending["rule_id"].as_str().unwrap());
    assert_eq!(c.call("DELETE", &pending_path, None).await.json()["connection_state"], "PENDING");
    let message = format!("Private endpoint rule {} does not exist.", pending["rule_id"].as_str().unwrap());
    assert_eq!(c.call("GET", &pending_path, None).await.answer(), error(404, "RESOURCE_DOES_NOT_EXIST", &message));

    // An unknown configuration has no rules; an unused one can be deleted, answering {}.
    let nope = "00000000-0000-4000-8000-000000000000";
    let message = format!("Network connectivity configuration {nope} does not exist.");
    assert_eq!(
        c.call("GET", &format!("network-connectivity-configs/{nope}/private-endpoint-rules"), None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &message)
    );
    assert_eq!(c.call("DELETE", &format!("network-connectivity-configs/{id}"), None).await.answer(), (200, json!({})));
    assert_eq!(c.call("GET", &rules, None).await.status, 404);
}

#[tokio::test]
async fn network_policies_and_workspace_bindings() {
    let c = Caller::new(Seed::Examples).await;
    let listed = c.call("GET", "network-policies", None).await.json();
    let ids: Vec<_> = listed["items"].as_array().unwrap().iter().map(|p| p["network_policy_id"].clone()).collect();
    assert_eq!(ids, [json!(DEFAULT_NETWORK_POLICY), json!(NETWORK_POLICY)]);

    let restricted = json!({"network_policy_id": "etl-only", "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS"}}});
    let created = c.call("POST", "network-policies", Some(restricted.clone())).await.json();
    assert_eq!(created, json!({"network_policy_id": "etl-only", "account_id": c.account_id(), "egress": restricted["egress"]}));
    assert_eq!(
        c.call("POST", "network-policies", Some(restricted)).await.answer(),
        error(409, "RESOURCE_ALREADY_EXISTS", "Network policy etl-only already exists.")
    );
    let bad = json!({"egress": {"network_access": {"restriction_mode": "SOMETIMES"}}});
    assert_eq!(
        c.call("POST", "network-policies", Some(bad)).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "egress.network_access.restriction_mode must be one of FULL_ACCESS, RESTRICTED_ACCESS")
    );
    // PUT replaces the whole policy, default-policy too.
    let open = json!({"egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}});
    let replaced = c.call("PUT", "network-policies/etl-only", Some(open.clone())).await.json();
    assert_eq!(replaced, json!({"network_policy_id": "etl-only", "account_id": c.account_id(), "egress": open["egress"]}));
    assert_eq!(c.call("PUT", &format!("network-policies/{DEFAULT_NETWORK_POLICY}"), Some(open)).await.status, 200);
    assert_eq!(
        c.call("DELETE", &format!("network-policies/{DEFAULT_NETWORK_POLICY}"), None).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "default-policy is reserved and cannot be deleted.")
    );

    // A workspace uses default-policy until it is bound to another; a bound policy stays.
    let network = format!("workspaces/{ANALYTICS_PROD}/network");
    assert_eq!(
        c.call("GET", &network, None).await.answer(),
        (200, json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": "default-policy"}))
    );
    let bound = c.call("PUT", &network, Some(json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": "etl-only"}))).await;
    assert_eq!(bound.answer(), (200, json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": "etl-only"})));
    assert_eq!(c.call("GET", &network, None).await.json()["network_policy_id"], "etl-only");
    assert_eq!(
        c.call("DELETE", "network-policies/etl-only", None).await.answer(),
        error(400, "INVALID_STATE", &format!("Network policy etl-only is used by workspace {ANALYTICS_PROD}."))
    );
    assert_eq!(
        c.call("PUT", &network, Some(json!({"network_policy_id": "missing"}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Network policy missing does not exist.")
    );
    assert_eq!(
        c.call("GET", "workspaces/42/network", None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", "Workspace 42 does not exist.")
    );
    c.call("PUT", &network, Some(json!({"network_policy_id": "default-policy"}))).await;
    assert_eq!(c.call("DELETE", "network-policies/etl-only", None).await.answer(), (200, json!({})));
    assert_eq!(
        c.call("GET", "network-policies/etl-only", None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", "Network policy etl-only does not exist.")
    );
}
