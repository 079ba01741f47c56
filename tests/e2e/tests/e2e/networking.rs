//! Serverless networking: network connectivity configurations and their private endpoint rules
//! (which wait for approval), network policies and the policy each workspace uses, with the exact
//! requests the account receives.

use e2e::{Env, Login, scenario, summary};
use fake_account::example_ids::{ANALYTICS_PROD, DEFAULT_NETWORK_POLICY, NETWORK_CONNECTIVITY_CONFIG, NETWORK_POLICY, PRIVATE_ENDPOINT_RULE};
use fake_account::{FakeConfig, Seed};
use serde_json::{Value, json};

async fn examples(endpoint_connection_reads: u32) -> Env {
    let config = FakeConfig { seed: Seed::Examples, endpoint_connection_reads, ..FakeConfig::default() };
    Env::with_config(config, Login::OAuthM2m).await
}

fn rules_path(env: &Env) -> String {
    env.api(&format!("network-connectivity-configs/{NETWORK_CONNECTIVITY_CONFIG}/private-endpoint-rules"))
}

fn field_of(result: Result<Value, Value>) -> (String, Option<String>) {
    let (case, payload) = e2e::error_case(&result.unwrap_err());
    (case, payload["field"].as_str().map(str::to_string))
}

#[scenario]
async fn network_connectivity_configurations_page_by_token() {
    let env = examples(2).await;
    env.clear();
    let created = env.ok("create-network-connectivity-config", json!({"name": "marketing-egress", "region": "us-west-2"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("network-connectivity-configs").as_str()));
    assert_eq!(request.body.unwrap(), json!({"name": "marketing-egress", "region": "us-west-2"}));
    assert!(!created["egress_config"]["default_rules"]["aws_stable_ip_rule"]["cidr_blocks"].as_array().unwrap().is_empty());
    let id = created["network_connectivity_config_id"].as_str().unwrap().to_string();

    env.clear();
    let page = env.ok("list-network-connectivity-configs", json!({})).await;
    let request = env.single_api_request();
    assert_eq!((request.path.as_str(), request.query.len()), (env.api("network-connectivity-configs").as_str(), 0), "no page size: Databricks takes none");
    let names: Vec<&str> = page["configs"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!((names, page["next_page_token"].clone()), (vec!["serverless-egress", "marketing-egress"], Value::Null));
    env.clear();
    env.ok("list-network-connectivity-configs", json!({"paging": {"page_token": "abc"}})).await;
    assert_eq!(env.single_api_request().query_value("page_token"), Some("abc"));

    assert_eq!(env.ok("get-network-connectivity-config", json!({"network_connectivity_config_id": id})).await, created);
    env.clear();
    assert_eq!(env.ok("delete-network-connectivity-config", json!({"network_connectivity_config_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().method, "DELETE");
    assert_eq!(env.err("get-network-connectivity-config", json!({"network_connectivity_config_id": id})).await.0, "not_found");

    env.clear();
    for (input, field) in [
        (json!({"name": "ab", "region": "us-west-2"}), "name"),
        (json!({"name": "marketing egress", "region": "us-west-2"}), "name"),
        (json!({"name": "marketing-egress", "region": "US-WEST-2"}), "region"),
    ] {
        assert_eq!(field_of(env.run("create-network-connectivity-config", input).await), ("invalid_input".into(), Some(field.into())));
    }
    assert!(env.fake.requests().is_empty());
    // Every cloud has them.
    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    env.run_with("list-network-connectivity-configs", &azure, json!({})).await.unwrap();
}

#[scenario]
async fn a_private_endpoint_rule_starts_pending_and_can_be_waited_for() {
    let env = examples(2).await;
    env.clear();
    let input = json!({"network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "endpoint_service": "com.amazonaws.us-west-2.s3", "resource_names": ["analytics-archive"]});
    let created = env.ok("create-private-endpoint-rule", input).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.clone()), ("POST", rules_path(&env)));
    assert_eq!(request.body.unwrap(), json!({"endpoint_service": "com.amazonaws.us-west-2.s3", "resource_names": ["analytics-archive"]}));
    assert_eq!((created["done"].as_bool(), created["rule"]["connection_state"].as_str()), (Some(false), Some("pending")));
    assert!(created["message"].as_str().unwrap().contains("get-private-endpoint-rule"), "{created}");

    env.clear();
    let waiting = json!({"network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "endpoint_service": "com.amazonaws.us-west-2.s3", "resource_names": ["analytics-raw"], "wait": 30});
    let approved = env.ok("create-private-endpoint-rule", waiting).await;
    let rule_id = approved["rule"]["rule_id"].as_str().unwrap().to_string();
    let rule_path = format!("{}/{rule_id}", rules_path(&env));
    assert_eq!(summary(&env.api_requests()), [format!("POST {}", rules_path(&env)), format!("GET {rule_path}"), format!("GET {rule_path}")]);
    assert_eq!((approved["done"].as_bool(), approved["rule"]["connection_state"].as_str()), (Some(true), Some("established")));
    assert!(approved["rule"]["vpc_endpoint_id"].as_str().unwrap().starts_with("vpce-"));
}

#[scenario]
async fn a_rule_not_approved_in_time_is_returned_pending() {
    let env = examples(1000).await;
    let input = json!({"network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "endpoint_service": "com.amazonaws.vpce.us-west-2.vpce-svc-1", "domain_names": ["db.internal.example.com"], "wait": 2});
    let pending = env.ok("create-private-endpoint-rule", input).await;
    assert_eq!((pending["done"].as_bool(), pending["rule"]["connection_state"].as_str()), (Some(false), Some("pending")));
    assert!(pending["message"].as_str().unwrap().contains("still PENDING after"), "{pending}");
    assert_eq!(pending["rule"]["domain_names"], json!(["db.internal.example.com"]));
}

#[scenario]
async fn private_endpoint_rules_are_listed_read_changed_by_mask_and_deleted() {
    let env = examples(2).await;
    let rule = json!({"network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "private_endpoint_rule_id": PRIVATE_ENDPOINT_RULE});
    env.clear();
    let listed = env.ok("list-private-endpoint-rules", json!({"network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG})).await;
    assert_eq!(env.single_api_request().path, rules_path(&env));
    assert_eq!(listed["rules"][0]["rule_id"], PRIVATE_ENDPOINT_RULE);
    let got = env.ok("get-private-endpoint-rule", rule.clone()).await;
    assert_eq!((got["connection_state"].as_str(), got["resource_names"].clone()), (Some("established"), json!(["analytics-landing"])));

    env.clear();
    let (case, error) = env.err("update-private-endpoint-rule", rule.clone()).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("network-connectivity-config-id")));
    assert!(env.fake.requests().is_empty(), "an empty change is refused before any request");
    let mut change = rule.clone();
    change["resource_names"] = json!(["analytics-landing", "analytics-archive"]);
    change["enabled"] = json!(false);
    let updated = env.ok("update-private-endpoint-rule", change).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.clone()), ("PATCH", format!("{}/{PRIVATE_ENDPOINT_RULE}", rules_path(&env))));
    let mut mask: Vec<&str> = request.query_value("update_mask").unwrap().split(',').collect();
    mask.sort();
    assert_eq!(mask, ["enabled", "resource_names"]);
    assert_eq!(request.body.unwrap(), json!({"resource_names": ["analytics-landing", "analytics-archive"], "enabled": false}));
    assert_eq!((updated["enabled"].as_bool(), updated["resource_names"].as_array().unwrap().len()), (Some(false), 2));

    // An established endpoint is deactivated, and goes a day later.
    env.clear();
    let deleted = env.ok("delete-private-endpoint-rule", rule.clone()).await;
    assert_eq!(env.single_api_request().method, "DELETE");
    assert_eq!((deleted["rule_id"].as_str(), deleted["deactivated"].as_bool()), (Some(PRIVATE_ENDPOINT_RULE), Some(true)));
    assert!(deleted["deactivated_at"].is_i64());
    let mut unknown = rule;
    unknown["private_endpoint_rule_id"] = json!("00000000-0000-4000-8000-000000000000");
    assert_eq!(env.err("get-private-endpoint-rule", unknown).await.0, "not_found");
}

#[scenario]
async fn a_rule_names_its_own_cloud_target_only() {
    let env = examples(2).await;
    let on = |cloud: &str| {
        let mut connection = env.connection.clone();
        connection["cloud"] = json!(cloud);
        connection
    };
    let with = |target: Value| {
        let mut input = json!({"network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG});
        input.as_object_mut().unwrap().extend(target.as_object().unwrap().clone());
        input
    };
    env.clear();
    for (cloud, target, field) in [
        ("aws", json!({"resource_names": ["analytics-raw"]}), "endpoint-service"),
        ("aws", json!({"endpoint_service": "com.amazonaws.us-west-2.s3"}), "resource-names"),
        ("aws", json!({"endpoint_service": "s3", "resource_names": ["a-b-c"], "domain_names": ["a.example.com"]}), "resource-names"),
        ("aws", json!({"endpoint_service": "s3", "resource_names": ["Not A Bucket"]}), "resource-names"),
        ("azure", json!({"endpoint_service": "com.amazonaws.us-west-2.s3", "resource_names": ["a-b-c"]}), "resource-id"),
        ("gcp", json!({"resource_id": "/subscriptions/1/x", "group_id": "blob"}), "gcp-endpoint"),
    ] {
        let result = env.run_with("create-private-endpoint-rule", &on(cloud), with(target.clone())).await;
        assert_eq!(field_of(result), ("invalid_input".into(), Some(field.into())), "{cloud}: {target}");
    }
    assert!(env.fake.requests().is_empty());

    let azure = with(json!({"resource_id": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa", "group_id": "blob"}));
    let made = env.run_with("create-private-endpoint-rule", &on("azure"), azure).await.unwrap();
    assert_eq!(made["rule"]["group_id"], "blob");
    env.clear();
    let attachment = "projects/acme/regions/us-central1/serviceAttachments/db";
    let gcp = env.run_with("create-private-endpoint-rule", &on("gcp"), with(json!({"gcp_endpoint": {"service_attachment": attachment}}))).await.unwrap();
    assert_eq!(env.single_api_request().body.unwrap(), json!({"gcp_endpoint": {"service_attachment": attachment}}));
    assert_eq!(gcp["rule"]["gcp_endpoint"]["service_attachment"], attachment);
}

#[scenario]
async fn network_policies_are_created_replaced_whole_and_deleted_unless_reserved() {
    let env = examples(2).await;
    env.clear();
    let listed = env.ok("list-network-policies", json!({})).await;
    assert_eq!(env.single_api_request().path, env.api("network-policies"));
    let ids: Vec<&str> = listed["policies"].as_array().unwrap().iter().map(|p| p["network_policy_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&DEFAULT_NETWORK_POLICY) && ids.contains(&NETWORK_POLICY), "{ids:?}");
    let restricted = env.ok("get-network-policy", json!({"network_policy_id": NETWORK_POLICY})).await;
    let access = &restricted["egress"]["network_access"];
    assert_eq!(access["restriction_mode"], "restricted_access");
    assert_eq!(access["allowed_internet_destinations"][0], json!({"destination": "pypi.org", "internet_destination_type": "dns_name"}));

    env.clear();
    let egress = json!({"network_access": {
        "restriction_mode": "restricted_access",
        "allowed_internet_destinations": [{"destination": "files.pythonhosted.org", "internet_destination_type": "dns_name"}],
        "allowed_storage_destinations": [{"storage_destination_type": "aws_s3", "bucket_name": "marketing-landing", "region": "us-west-2"}],
        "policy_enforcement": {"enforcement_mode": "dry_run", "dry_run_mode_product_filter": ["dbsql"]},
    }});
    let created = env.ok("create-network-policy", json!({"network_policy_id": "marketing-egress", "egress": egress})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("network-policies").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"network_policy_id": "marketing-egress", "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "files.pythonhosted.org", "internet_destination_type": "DNS_NAME"}],
            "allowed_storage_destinations": [{"storage_destination_type": "AWS_S3", "bucket_name": "marketing-landing", "region": "us-west-2"}],
            "policy_enforcement": {"enforcement_mode": "DRY_RUN", "dry_run_mode_product_filter": ["DBSQL"]},
        }}})
    );
    let mut decoded = egress.clone();
    let bucket = &mut decoded["network_access"]["allowed_storage_destinations"][0];
    (bucket["azure_storage_account"], bucket["azure_storage_service"]) = (Value::Null, Value::Null);
    assert_eq!(created["egress"], decoded, "the policy decodes as it was given (the Azure fields absent)");

    env.clear();
    let open = json!({"network_policy_id": "marketing-egress", "egress": {"network_access": {"restriction_mode": "full_access"}}});
    let replaced = env.ok("update-network-policy", open).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PUT", env.api("network-policies/marketing-egress")));
    assert_eq!(request.body.unwrap(), json!({"egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}}));
    assert_eq!(replaced["egress"]["network_access"]["allowed_internet_destinations"], Value::Null, "a PUT replaces whole");

    env.clear();
    assert_eq!(env.ok("delete-network-policy", json!({"network_policy_id": "marketing-egress"})).await, json!({"id": "marketing-egress"}));
    assert_eq!(env.single_api_request().path, env.api("network-policies/marketing-egress"));
    let (case, _) = env.err("delete-network-policy", json!({"network_policy_id": DEFAULT_NETWORK_POLICY})).await;
    assert_eq!(case, "upstream", "default-policy is reserved");
    env.clear();
    for (card, input, field) in [
        ("get-network-policy", json!({"network_policy_id": "a/b"}), "network-policy-id"),
        ("create-network-policy", json!({"network_policy_id": "x", "egress": {"network_access": {"restriction_mode": "restricted_access", "allowed_internet_destinations": [{"destination": "https://pypi.org"}]}}}), "egress.network-access.allowed-internet-destinations.destination"),
    ] {
        assert_eq!(field_of(env.run(card, input).await), ("invalid_input".into(), Some(field.into())));
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn a_workspace_is_given_another_network_policy() {
    let env = examples(2).await;
    env.clear();
    let option = env.ok("get-workspace-network-option", json!({"workspace_id": ANALYTICS_PROD})).await;
    assert_eq!(env.single_api_request().path, env.api(&format!("workspaces/{ANALYTICS_PROD}/network")));
    assert_eq!(option, json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": DEFAULT_NETWORK_POLICY}));

    env.clear();
    let bound = env.ok("update-workspace-network-option", json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": NETWORK_POLICY})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PUT", env.api(&format!("workspaces/{ANALYTICS_PROD}/network"))));
    assert_eq!(request.body.unwrap(), json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": NETWORK_POLICY}));
    assert_eq!(bound["network_policy_id"], NETWORK_POLICY);
    let (case, error) = env.err("delete-network-policy", json!({"network_policy_id": NETWORK_POLICY})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("INVALID_STATE")), "a workspace uses it: {error}");
    let (case, _) = env.err("update-workspace-network-option", json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": "nothing-here"})).await;
    assert_eq!(case, "upstream", "the policy must exist");
    assert_eq!(field_of(env.run("get-workspace-network-option", json!({"workspace_id": 0})).await).1.as_deref(), Some("workspace-id"));
}
