//! IP access lists: create, list, get, delete, with Databricks' validation and answers;
//! the first cards outside SCIM, so also the SCIM token's limit.

use e2e::{Env, Login, scenario};
use fake_account::{Fault, FaultAction, Seed};
use serde_json::{Value, json};

#[scenario]
async fn create_list_get_and_delete_an_ip_access_list() {
    let env = Env::empty().await;
    let empty = env.ok("list-ip-access-lists", json!({})).await;
    assert_eq!(empty, json!({"lists": []}), "an account without lists (Databricks omits the field)");

    env.clear();
    let created = env
        .ok("create-ip-access-list", json!({"label": "office", "list_type": "allow", "ip_addresses": ["203.0.113.7", "10.0.0.0/16"]}))
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("ip-access-lists").as_str()));
    assert_eq!(request.body.unwrap(), json!({"label": "office", "list_type": "ALLOW", "ip_addresses": ["203.0.113.7", "10.0.0.0/16"]}));
    let id = created["list_id"].as_str().unwrap().to_string();
    assert_eq!(created["list_type"], "allow");
    assert_eq!(created["address_count"], 2, "values, not addresses covered");
    assert_eq!(created["enabled"], true);
    assert!(created["created_at"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "{created}");

    env.ok("create-ip-access-list", json!({"label": "bad actors", "list_type": "block", "ip_addresses": ["198.51.100.0/24"]})).await;
    env.clear();
    let allow_only = env.ok("list-ip-access-lists", json!({"list_type": "allow"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str(), request.query.len()), ("GET", env.api("ip-access-lists").as_str(), 0));
    let labels: Vec<&str> = allow_only["lists"].as_array().unwrap().iter().map(|l| l["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["office"], "filtered to allow lists");
    assert_eq!(env.ok("list-ip-access-lists", json!({})).await["lists"].as_array().unwrap().len(), 2);

    env.clear();
    let got = env.ok("get-ip-access-list", json!({"list_id": id})).await;
    assert_eq!(env.single_api_request().path, env.api(&format!("ip-access-lists/{id}")));
    assert_eq!(got, created);

    env.clear();
    assert_eq!(env.ok("delete-ip-access-list", json!({"list_id": id})).await, json!({"id": id}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("ip-access-lists/{id}"))));
    let (case, error) = env.err("get-ip-access-list", json!({"list_id": id})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("not_found", Some("RESOURCE_DOES_NOT_EXIST")));
}

#[scenario]
async fn bad_addresses_and_ids_are_refused_before_any_request() {
    let env = Env::empty().await;
    env.clear();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("create-ip-access-list", json!({"label": "x", "list_type": "allow", "ip_addresses": ["10.0.0.0/33"]}), "ip-addresses"),
        ("create-ip-access-list", json!({"label": "x", "list_type": "allow", "ip_addresses": ["2001:db8::1"]}), "ip-addresses"),
        ("create-ip-access-list", json!({"label": "x", "list_type": "allow", "ip_addresses": []}), "ip-addresses"),
        ("create-ip-access-list", json!({"label": "x", "list_type": "allow", "ip_addresses": vec!["10.0.0.1"; 1001]}), "ip-addresses"),
        ("create-ip-access-list", json!({"label": " ", "list_type": "block", "ip_addresses": ["10.0.0.1"]}), "label"),
        ("get-ip-access-list", json!({"list_id": "../../users"}), "list-id"),
        ("delete-ip-access-list", json!({"list_id": "not-a-uuid"}), "list-id"),
    ];
    for (card, input, field) in cases {
        let (case, error) = env.err(card, input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{card}");
    }
    assert!(env.fake.requests().is_empty(), "nothing was sent");
}

#[scenario]
async fn a_scim_token_cannot_manage_ip_access_lists() {
    let env = Env::start(Seed::Empty, Login::ScimToken).await;
    env.clear();
    let (case, message) = env.err("list-ip-access-lists", json!({})).await;
    assert_eq!(case, "unsupported");
    assert!(message.as_str().unwrap().contains("SCIM token can only call the account SCIM API"), "{message}");
    assert!(env.fake.requests().is_empty(), "refused without a request");
}

const WORKSPACE: i64 = fake_account::example_ids::ANALYTICS_PROD;

#[scenario]
async fn grant_list_change_and_remove_workspace_permissions() {
    let env = Env::demo().await;
    let ada: i64 = env.find_id("users", "userName", "ada.lovelace@example.com").parse().unwrap();
    let analysts: i64 = env.find_id("groups", "displayName", "Analysts").parse().unwrap();
    let principal_path = |id: i64| env.api(&format!("workspaces/{WORKSPACE}/permissionassignments/principals/{id}"));

    env.clear();
    let granted = env
        .ok(
            "create-or-update-workspace-permission-assignment",
            json!({"workspace_id": WORKSPACE, "principal_id": ada, "permissions": ["user"]}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PUT", principal_path(ada)));
    assert_eq!(request.body.unwrap(), json!({"permissions": ["USER"]}));
    assert_eq!(granted["permissions"], json!(["user"]));
    assert_eq!(granted["principal"]["user_name"], "ada.lovelace@example.com");
    env.ok(
        "create-or-update-workspace-permission-assignment",
        json!({"workspace_id": WORKSPACE, "principal_id": analysts, "permissions": ["user", "admin"]}),
    )
    .await;

    env.clear();
    let all = env.ok("list-workspace-permission-assignments", json!({"workspace_id": WORKSPACE})).await;
    let request = env.single_api_request();
    assert_eq!(request.path, env.api(&format!("workspaces/{WORKSPACE}/permissionassignments")));
    assert!(request.query.is_empty(), "the API takes no page size or token, as the SDK sends none: {:?}", request.query);
    assert_eq!(all.as_object().unwrap().keys().collect::<Vec<_>>(), ["assignments"], "one list, no page token");
    let by_principal: Vec<(i64, serde_json::Value)> = all["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["principal"]["principal_id"].as_i64().unwrap(), a["permissions"].clone()))
        .collect();
    assert!(by_principal.contains(&(ada, json!(["user"]))), "{by_principal:?}");
    assert!(by_principal.contains(&(analysts, json!(["admin"]))), "ADMIN wins over USER: {by_principal:?}");

    env.clear();
    assert_eq!(
        env.ok("delete-workspace-permission-assignment", json!({"workspace_id": WORKSPACE, "principal_id": ada})).await,
        json!({"id": ada.to_string()})
    );
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", principal_path(ada)));
    let (case, _) = env.err("delete-workspace-permission-assignment", json!({"workspace_id": WORKSPACE, "principal_id": ada})).await;
    assert_eq!(case, "not_found");
}

#[scenario]
async fn an_empty_permission_list_is_refused_because_it_would_remove_everything() {
    let env = Env::demo().await;
    env.clear();
    let (case, error) = env
        .err("create-or-update-workspace-permission-assignment", json!({"workspace_id": WORKSPACE, "principal_id": 42, "permissions": []}))
        .await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("permissions")));
    let (case, error) = env.err("list-workspace-permission-assignments", json!({"workspace_id": 0})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("workspace-id")));
    assert!(env.fake.requests().is_empty());
    let (case, _) = env
        .err(
            "create-or-update-workspace-permission-assignment",
            json!({"workspace_id": WORKSPACE, "principal_id": 42, "permissions": ["user"]}),
        )
        .await;
    assert_eq!(case, "not_found", "an unknown principal");
}

#[scenario]
async fn a_workspace_lists_the_permissions_it_can_grant() {
    let env = Env::demo().await;
    env.clear();
    let permissions = env.ok("get-workspace-permissions", json!({"workspace_id": WORKSPACE})).await;
    let request = env.single_api_request();
    let path = env.api(&format!("workspaces/{WORKSPACE}/permissionassignments/permissions"));
    assert_eq!((request.method.as_str(), request.path, request.query.len()), ("GET", path, 0));
    let levels: Vec<&str> = permissions["permissions"].as_array().unwrap().iter().filter_map(|p| p["permission_level"].as_str()).collect();
    assert_eq!(levels, ["user", "admin"]);
    assert!(permissions["permissions"].as_array().unwrap().iter().all(|p| p["description"].as_str().is_some_and(|d| !d.is_empty())));

    let (case, error) = env.err("get-workspace-permissions", json!({"workspace_id": 42})).await;
    assert_eq!((case.as_str(), error["status"].as_u64()), ("not_found", Some(404)), "{error}");
    env.clear();
    let (case, error) = env.err("get-workspace-permissions", json!({"workspace_id": 0})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("workspace-id")));
    assert!(env.fake.requests().is_empty());
}

/// Databricks documents `UNKNOWN` and may add permissions: neither fails the listing.
#[scenario]
async fn unknown_and_new_permissions_reach_the_flow_as_sent() {
    let env = Env::demo().await;
    let body = json!({"permission_assignments": [
        {"principal": {"principal_id": 42, "display_name": "someone"}, "permissions": ["UNKNOWN"]},
        {"principal": {"principal_id": 43}, "permissions": ["USER", "WORKSPACE_OWNER"]},
    ]});
    env.fake.push_fault(Fault::new("/permissionassignments", FaultAction::json(200, body, &[])));
    let listed = env.ok("list-workspace-permission-assignments", json!({"workspace_id": WORKSPACE})).await;
    let permissions: Vec<Value> = listed["assignments"].as_array().unwrap().iter().map(|a| a["permissions"].clone()).collect();
    assert_eq!(permissions, [json!(["unknown"]), json!(["user", {"other": "WORKSPACE_OWNER"}])]);
}
