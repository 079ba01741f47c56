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

#[scenario]
async fn update_and_replace_an_ip_access_list_and_read_it_back() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let id = fake_account::example_ids::IP_ACCESS_LIST;
    let item = env.api(&format!("ip-access-lists/{id}"));
    env.clear();
    let updated = env.ok("update-ip-access-list", json!({"list_id": id, "label": "office-vpn-2", "enabled": false})).await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests), [format!("PATCH {item}"), format!("GET {item}")], "Databricks answers {{}}: read back");
    assert_eq!(requests[0].body.clone().unwrap(), json!({"label": "office-vpn-2", "enabled": false}), "only the fields given");
    assert_eq!((updated["label"].as_str(), updated["enabled"].as_bool()), (Some("office-vpn-2"), Some(false)));
    assert_eq!((updated["list_type"].as_str(), updated["ip_addresses"].clone()), (Some("allow"), json!(["198.51.100.0/24"])), "the rest stays");

    env.clear();
    let replaced = env
        .ok(
            "replace-ip-access-list",
            json!({"list_id": id, "label": "partners", "list_type": "block", "ip_addresses": ["192.0.2.0/24"], "enabled": true}),
        )
        .await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests), [format!("PUT {item}"), format!("GET {item}")]);
    assert_eq!(
        requests[0].body.clone().unwrap(),
        json!({"label": "partners", "list_type": "BLOCK", "ip_addresses": ["192.0.2.0/24"], "enabled": true})
    );
    assert_eq!(
        (replaced["label"].clone(), replaced["list_type"].clone(), replaced["ip_addresses"].clone(), replaced["address_count"].clone()),
        (json!("partners"), json!("block"), json!(["192.0.2.0/24"]), json!(1))
    );

    env.clear();
    let (case, error) = env.err("update-ip-access-list", json!({"list_id": id})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("list-id")), "nothing to change");
    let (case, error) = env.err("update-ip-access-list", json!({"list_id": id, "ip_addresses": ["10.0.0.0/33"]})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("ip-addresses")));
    assert!(env.fake.requests().is_empty(), "refused before any request");
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(env.err("update-ip-access-list", json!({"list_id": unknown, "enabled": true})).await.0, "not_found");
}

/// The rule set name of `resource` under the account.
fn rule_set_name(env: &Env, resource: &str) -> String {
    format!("accounts/{}{resource}/ruleSets/default", env.account_id())
}

#[scenario]
async fn rule_sets_are_read_for_the_account_and_each_kind_of_resource() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let snapshot = env.fake.snapshot();
    let nightly = snapshot["service_principals"].as_array().unwrap().iter().find(|p| p["displayName"] == "nightly-etl").unwrap();
    let application_id = nightly["applicationId"].as_str().unwrap().to_string();
    let group = fake_account::example_ids::DATA_SCIENTISTS;
    let policy = fake_account::example_ids::BUDGET_POLICY;
    for (resource, suffix) in [
        (json!("account"), String::new()),
        (json!({"group": group}), format!("/groups/{group}")),
        (json!({"service_principal": application_id}), format!("/servicePrincipals/{application_id}")),
        (json!({"budget_policy": policy}), format!("/budgetPolicies/{policy}")),
    ] {
        env.clear();
        let rule_set = env.ok("get-rule-set", json!({"resource": resource})).await;
        let request = env.single_api_request();
        let name = rule_set_name(&env, &suffix);
        let path = format!("/api/2.0/preview/accounts/{}/access-control/rule-sets", env.account_id());
        assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", path.as_str()));
        assert_eq!(request.query, [("name".to_string(), name.clone()), ("etag".to_string(), String::new())], "as the SDK asks");
        assert_eq!((rule_set["name"].as_str(), rule_set["grant_rules"].clone()), (Some(name.as_str()), json!([])));
        assert!(rule_set["etag"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let (case, _) = env.err("get-rule-set", json!({"resource": {"group": "4211000000000000"}})).await;
    assert_eq!(case, "not_found", "a group the account does not have");
    env.clear();
    let (case, error) = env.err("get-rule-set", json!({"resource": {"service_principal": "nightly-etl"}})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("resource.service-principal")), "an application ID");
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn grant_and_revoke_one_role_keeping_every_other_grant() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let group = fake_account::example_ids::DATA_SCIENTISTS;
    let name = rule_set_name(&env, &format!("/groups/{group}"));
    let resource = json!({"group": group});
    let ada = json!({"user": "ada.lovelace@example.com"});

    let before = env.ok("get-rule-set", json!({"resource": resource})).await["etag"].clone();
    env.clear();
    let granted = env.ok("grant-role", json!({"resource": resource, "role": "group_manager", "principal": ada})).await;
    let requests = env.api_requests();
    assert_eq!(requests.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "PUT"]);
    assert_eq!(
        requests[1].body.clone().unwrap(),
        json!({"name": name, "rule_set": {"name": name, "etag": before, "grant_rules": [
            {"role": "roles/group.manager", "principals": ["users/ada.lovelace@example.com"]},
        ]}}),
        "the grant over the version read"
    );
    assert_ne!(granted["rule_set"]["etag"], before, "the write made a new version");
    assert_eq!(granted["changed"], true);
    assert_eq!(granted["rule_set"]["grant_rules"], json!([{"role": "group_manager", "principals": ["users/ada.lovelace@example.com"]}]));

    env.clear();
    let again = env.ok("grant-role", json!({"resource": resource, "role": "group_manager", "principal": ada})).await;
    assert_eq!(e2e::summary(&env.api_requests()).len(), 1, "held already: read, nothing written");
    assert_eq!((again["changed"].clone(), again["rule_set"].clone()), (json!(false), granted["rule_set"].clone()));

    env.ok("grant-role", json!({"resource": resource, "role": "group_manager", "principal": {"group": "Analysts"}})).await;
    env.clear();
    let revoked = env.ok("revoke-role", json!({"resource": resource, "role": "group_manager", "principal": ada})).await;
    let put = env.api_requests()[1].body.clone().unwrap();
    assert_eq!(put["rule_set"]["grant_rules"], json!([{"role": "roles/group.manager", "principals": ["groups/Analysts"]}]), "the other grant stays");
    assert_eq!((revoked["changed"].clone(), revoked["rule_set"]["grant_rules"].clone()), (json!(true), json!([{"role": "group_manager", "principals": ["groups/Analysts"]}])));
    env.clear();
    assert_eq!(env.ok("revoke-role", json!({"resource": resource, "role": "group_manager", "principal": ada})).await["changed"], false);
    assert_eq!(env.api_requests().len(), 1, "not held: nothing written");
    env.clear();
    let emptied = env.ok("revoke-role", json!({"resource": resource, "role": "group_manager", "principal": {"group": "Analysts"}})).await;
    assert!(env.api_requests()[1].body.clone().unwrap()["rule_set"].get("grant_rules").is_none(), "an empty list is left out, as the SDK does");
    assert_eq!(emptied["rule_set"]["grant_rules"], json!([]));

    env.clear();
    for (input, field) in [
        (json!({"resource": resource, "role": "group_manager", "principal": {"user": "not-an-email"}}), "principal.user"),
        (json!({"resource": {"group": "Analysts"}, "role": "group_manager", "principal": ada}), "resource.group"),
    ] {
        let (case, error) = env.err("grant-role", input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)));
    }
    assert!(env.fake.requests().is_empty());
    let (case, error) = env.err("grant-role", json!({"resource": resource, "role": "billing_admin", "principal": ada})).await;
    assert_eq!(case, "upstream", "Databricks refuses a role the resource does not take: {error}");
}

#[scenario]
async fn a_grant_made_meanwhile_survives_the_retry() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let name = rule_set_name(&env, "");
    let other = fake_account::ConcurrentWrite::Grant {
        rule_set: name.clone(),
        role: "roles/billing.admin".into(),
        principal: "users/katherine.johnson@example.com".into(),
    };
    env.fake.push_fault(Fault::new("/access-control/rule-sets", FaultAction::WriteFirst(other)).method("PUT"));
    env.clear();
    let granted = env
        .run("grant-role", json!({"resource": "account", "role": "billing_admin", "principal": {"user": "ada.lovelace@example.com"}}))
        .await
        .expect("the retry succeeds");
    let requests = env.api_requests();
    assert_eq!(requests.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "PUT", "GET", "PUT"], "stale once, read again");
    assert_eq!(
        requests[3].body.clone().unwrap()["rule_set"]["grant_rules"],
        json!([{"role": "roles/billing.admin", "principals": ["users/katherine.johnson@example.com", "users/ada.lovelace@example.com"]}]),
        "the change is applied to the version the other writer made"
    );
    assert_eq!(granted["rule_set"]["grant_rules"][0]["principals"], json!(["users/katherine.johnson@example.com", "users/ada.lovelace@example.com"]));
    assert_eq!(granted["rule_set"]["name"], name.as_str());
}

#[scenario]
async fn a_rule_set_is_replaced_whole() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let policy = fake_account::example_ids::BUDGET_POLICY;
    let name = rule_set_name(&env, &format!("/budgetPolicies/{policy}"));
    let resource = json!({"budget_policy": policy});
    env.ok("grant-role", json!({"resource": resource, "role": "budget_policy_user", "principal": {"user": "alan.turing@example.com"}})).await;
    env.clear();
    let rules = json!([{"role": "budget_policy_manager", "principals": ["users/ada.lovelace@example.com"]}, {"role": "budget_policy_user", "principals": ["groups/Analysts"]}]);
    let replaced = env.ok("update-rule-set", json!({"resource": resource, "grant_rules": rules})).await;
    let requests = env.api_requests();
    assert_eq!(requests.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "PUT"]);
    let body = requests[1].body.clone().unwrap();
    assert_eq!(body["name"], name.as_str());
    assert_eq!(
        body["rule_set"]["grant_rules"],
        json!([{"role": "roles/budgetPolicy.manager", "principals": ["users/ada.lovelace@example.com"]}, {"role": "roles/budgetPolicy.user", "principals": ["groups/Analysts"]}]),
        "alan's grant is gone: the rules given are all there is"
    );
    assert_eq!(replaced["grant_rules"], rules);

    env.clear();
    let cleared = env.ok("update-rule-set", json!({"resource": resource, "grant_rules": []})).await;
    assert!(env.api_requests()[1].body.clone().unwrap()["rule_set"].get("grant_rules").is_none());
    assert_eq!(cleared["grant_rules"], json!([]));
    env.clear();
    let (case, error) = env.err("update-rule-set", json!({"resource": resource, "grant_rules": [{"role": "budget_policy_user", "principals": ["alan.turing@example.com"]}]})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("grant-rules.principals")));
    assert!(env.fake.requests().is_empty());
}
