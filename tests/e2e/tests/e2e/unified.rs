//! The unified IAM cards: users, groups, roles, organizations and "me" in one normalized
//! model, mapped from SCIM, workspaces and access-control roles.

use e2e::{Env, scenario};
use serde_json::{Value, json};

use fake_account::example_ids::{ADA, DATA_SCIENTISTS, KATHERINE, PLATFORM_ADMINS};

#[scenario]
async fn users_are_normalized_from_scim() {
    let env = Env::demo().await;
    env.ok("deactivate-user", json!({"id": "4211000000023757"})).await;
    env.clear();
    let page = env.ok("unified-list-users", json!({"pages": {"page": {"count": 2}}})).await;
    let request = env.single_api_request();
    assert_eq!(request.path, env.api("scim/v2/Users"));
    assert_eq!(request.query_value("count"), Some("2"));
    assert_eq!(page["total_results"], 3);
    assert_eq!(page["next_start_index"], 3);
    let ada = &page["users"][0];
    assert_eq!(
        ada,
        &json!({"id": ADA, "user_name": "ada.lovelace@example.com", "display_name": "Ada Lovelace",
                "first_name": "Ada", "last_name": "Lovelace", "primary_email": "ada.lovelace@example.com",
                "emails": ["ada.lovelace@example.com"], "status": "active", "roles": ["account_admin"],
                "groups": [{"id": PLATFORM_ADMINS, "name": "Platform Admins"}]})
    );
    assert_eq!(page["users"][1]["status"], "inactive");
    let one = env.ok("unified-get-user", json!({"id": ADA})).await;
    assert_eq!(&one, ada);
    let (case, _) = env.err("unified-get-user", json!({"id": "4211000000000001"})).await;
    assert_eq!(case, "not_found");
}

#[scenario]
async fn groups_carry_members_with_their_kind() {
    let env = Env::demo().await;
    let group = env.ok("unified-get-group", json!({"id": DATA_SCIENTISTS})).await;
    assert_eq!(group["name"], "Data Scientists");
    assert_eq!(
        group["members"],
        json!([{"id": "4211000000023757", "name": "Alan Turing", "kind": "user"},
               {"id": KATHERINE, "name": "Katherine Johnson", "kind": "user"}])
    );
    env.clear();
    let list = env.ok("unified-list-groups", json!({})).await;
    assert_eq!(env.api_requests().len(), 1, "no members asked: one request");
    assert!(list["groups"].as_array().unwrap().iter().all(|g| g["members"] == json!([])));
    env.clear();
    let list =
        env.ok("unified-list-groups", json!({"include_members": true, "list": {"filter": "displayName eq \"Platform Admins\""}})).await;
    assert_eq!(env.api_requests().len(), 2, "the list, then the group");
    assert_eq!(list["groups"][0]["members"][1]["kind"], "service_principal");
    assert_eq!(list["groups"][0]["roles"], json!([]));
}

#[scenario]
async fn organizations_are_the_account_and_its_workspaces() {
    let env = Env::demo().await;
    env.clear();
    let orgs = env.ok("unified-list-organizations", json!({})).await;
    assert_eq!(env.single_api_request().path, env.api("workspaces"));
    let list = orgs["organizations"].as_array().unwrap();
    assert_eq!(
        list[0],
        json!({"id": env.account_id(), "name": format!("Databricks account {}", env.account_id()),
        "kind": "account", "parent_id": null, "cloud": "aws", "region": null, "status": null})
    );
    let workspace = list.iter().find(|o| o["id"] == "1234567890123456").expect("analytics-prod");
    assert_eq!(
        (workspace["name"].as_str(), workspace["kind"].as_str(), workspace["status"].as_str()),
        (Some("analytics-prod"), Some("workspace"), Some("RUNNING"))
    );
    assert_eq!(workspace["parent_id"], env.account_id());
    assert!(workspace["region"].is_string());

    let one = env.ok("unified-get-organization", json!({"id": "1234567890123456"})).await;
    assert_eq!(&one, workspace);
    env.clear();
    let account = env.ok("unified-get-organization", json!({"id": env.account_id()})).await;
    assert_eq!(account, list[0]);
    assert!(env.api_requests().is_empty(), "the account needs no request");
    let (case, payload) = env.err("unified-get-organization", json!({"id": "not-a-number"})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("id")));

    // On Azure the account API has no workspaces: only the account is listed, nothing is sent.
    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    env.clear();
    let orgs = env.run_with("unified-list-organizations", &azure, json!({})).await.unwrap();
    assert_eq!(orgs["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(orgs["organizations"][0]["cloud"], "azure");
    assert!(env.api_requests().is_empty());
}

#[scenario]
async fn roles_are_the_admin_role_workspace_permissions_and_access_control_roles() {
    let env = Env::demo().await;
    env.clear();
    let roles = env.ok("unified-list-roles", json!({})).await;
    let request = env.single_api_request();
    assert_eq!(request.path, format!("/api/2.0/preview/accounts/{}/access-control/assignable-roles", env.account_id()));
    assert_eq!(request.query_value("resource"), Some(format!("accounts/{}", env.account_id()).as_str()));
    let ids: Vec<(&str, &str)> =
        roles["roles"].as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap(), r["kind"].as_str().unwrap())).collect();
    assert_eq!(
        ids,
        [
            ("account_admin", "account"),
            ("workspace:USER", "workspace"),
            ("workspace:ADMIN", "workspace"),
            ("roles/marketplace.admin", "access_control"),
            ("roles/billing.admin", "access_control")
        ]
    );
    env.clear();
    let fixed = env.ok("unified-list-roles", json!({"include_access_control": false})).await;
    assert_eq!(fixed["roles"].as_array().unwrap().len(), 3);
    assert!(env.api_requests().is_empty());

    let admin = env.ok("unified-get-role", json!({"id": "account_admin"})).await;
    assert_eq!((admin["name"].as_str(), admin["kind"].as_str()), (Some("account_admin"), Some("account")));
    let billing = env.ok("unified-get-role", json!({"id": "roles/billing.admin"})).await;
    assert_eq!(billing["kind"], "access_control");
    let (case, _) = env.err("unified-get-role", json!({"id": "roles/nothing"})).await;
    assert_eq!(case, "not_found");
}

#[scenario]
async fn me_is_the_connections_principal_and_its_secret() {
    let env = Env::demo().await;
    let me = env.ok("unified-get-me", json!({})).await;
    assert_eq!(me["auth_method"], "oauth-m2m");
    assert_eq!(me["id"], env.fake.service_principal_id());
    assert_eq!(me["application_id"], env.fake.config().client_id);
    assert_eq!((me["display_name"].as_str(), me["status"].as_str()), (Some("workflow-automation"), Some("active")));
    assert_eq!(me["roles"], json!(["account_admin"]));
    assert_eq!(me["secret"]["secret_id"], env.fake.connection_secret_id());
    assert_eq!(me["secret"]["status"], "passed");
    assert!(me["secret"]["days_left"].as_i64().unwrap() >= 729);

    let scim = Env::start(fake_account::Seed::Demo, e2e::Login::ScimToken).await;
    let me = scim.ok("unified-get-me", json!({})).await;
    assert_eq!((me["auth_method"].as_str(), me["id"].clone()), (Some("scim-token"), Value::Null));
    assert_eq!(me["secret"]["status"], "skipped");
}
