//! Okta-style identity cards: search users and groups, read a user by e-mail, activate and
//! deactivate, grant and revoke account admin, and update with "pass empty values" and
//! strict (PUT) or partial (PATCH) group updates.

use e2e::{Env, scenario};
use serde_json::{Value, json};

use fake_account::example_ids::{ADA, CONNECTION_SERVICE_PRINCIPAL, DATA_SCIENTISTS, KATHERINE, NIGHTLY_ETL, PLATFORM_ADMINS};
const ALAN: &str = "4211000000023757";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn names(users: &Value) -> Vec<&str> {
    users.as_array().unwrap().iter().map(|u| u["user_name"].as_str().unwrap()).collect()
}

#[scenario]
async fn search_users_turns_field_operator_and_value_into_an_escaped_scim_filter() {
    let env = Env::demo().await;
    env.clear();
    let found = env
        .ok(
            "search-users",
            json!({"search_by": "email", "operator": "contains", "value": "example.com",
                   "sort_by": "user_name", "sort_order": "descending", "result_mode": {"first": 2}}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("scim/v2/Users").as_str()));
    assert_eq!(request.query_value("filter"), Some(r#"emails.value co "example.com""#));
    assert_eq!(request.query_value("sortBy"), Some("userName"));
    assert_eq!(request.query_value("sortOrder"), Some("descending"));
    assert_eq!(request.query_value("count"), Some("2"));
    assert_eq!(names(&found["users"]), ["katherine.johnson@example.com", "alan.turing@example.com"]);
    assert_eq!(found["total_results"], 3);
    assert_eq!(found["truncated"], true);
    // Okta's output fields, and the raw object as Databricks sent it.
    let katherine = &found["users"][0];
    assert_eq!(katherine["primary_email"], "katherine.johnson@example.com");
    assert_eq!(katherine["is_account_admin"], false);
    let raw: Value = serde_json::from_str(katherine["raw"].as_str().unwrap()).unwrap();
    assert_eq!(raw["userName"], "katherine.johnson@example.com");
    assert_eq!(raw["name"]["givenName"], "Katherine");

    // A quote in the value stays inside the literal: no injected `or`, no match.
    env.clear();
    let none = env.ok("search-users", json!({"value": "x\" or userName pr or \"y"})).await;
    assert_eq!(env.single_api_request().query_value("filter"), Some(r#"userName eq "x\" or userName pr or \"y""#));
    assert_eq!(none["users"], json!([]));
    assert_eq!(none["truncated"], false);
}

#[scenario]
async fn search_users_modes_first_match_all_and_custom_filters() {
    let env = Env::demo().await;
    env.fake.insert_users(150, "bulk");
    env.clear();
    let first = env.ok("search-users", json!({"operator": "starts_with", "value": "bulk", "result_mode": "first_match"})).await;
    assert_eq!(env.single_api_request().query_value("count"), Some("1"));
    assert_eq!(names(&first["users"]), ["bulk-0001@example.com"]);
    assert_eq!(first["truncated"], true);

    env.clear();
    let all = env.ok("search-users", json!({"operator": "starts_with", "value": "bulk", "result_mode": {"all": 120}})).await;
    assert_eq!(all["users"].as_array().unwrap().len(), 120);
    assert_eq!(all["truncated"], true, "the limit cut the list");
    let counts: Vec<_> = env.api_requests().iter().map(|r| r.query_value("count").unwrap().to_string()).collect();
    assert_eq!(counts, ["100", "20"]);

    // A custom filter alone, combined with `and`, and with an `or` prefix.
    env.clear();
    env.ok("search-users", json!({"custom_filter": "displayName co \"Turing\""})).await;
    assert_eq!(env.single_api_request().query_value("filter"), Some(r#"displayName co "Turing""#));
    env.clear();
    let either = env
        .ok("search-users", json!({"search_by": "display_name", "value": "Ada Lovelace", "custom_filter": "or displayName sw \"Alan\""}))
        .await;
    assert_eq!(env.single_api_request().query_value("filter"), Some(r#"(displayName eq "Ada Lovelace") or (displayName sw "Alan")"#));
    assert_eq!(either["total_results"], 2);

    env.clear();
    for (input, field) in [
        (json!({}), "value"),
        (json!({"value": " "}), "value"),
        (json!({"custom_filter": "or active eq true"}), "custom-filter"),
        (json!({"value": "a", "result_mode": {"first": 101}}), "result-mode.first"),
        (json!({"value": "a", "result_mode": {"all": 10001}}), "result-mode.all"),
    ] {
        let (case, payload) = env.err("search-users", input.clone()).await;
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some(field)), "{input}");
    }
    assert!(env.api_requests().is_empty(), "invalid input sends nothing");
}

#[scenario]
async fn search_groups_by_name_with_members_and_their_kinds() {
    let env = Env::demo().await;
    env.clear();
    let found = env
        .ok(
            "search-groups",
            json!({"display_name": "Platform", "operator": "starts_with", "include_members": true, "sort_by": "display_name"}),
        )
        .await;
    let requests = env.api_requests();
    assert_eq!(requests[0].query_value("filter"), Some(r#"displayName sw "Platform""#));
    assert_eq!(requests[0].query_value("sortBy"), Some("displayName"));
    assert_eq!(requests[1].path, env.api(&format!("scim/v2/Groups/{PLATFORM_ADMINS}")), "members are read group by group");
    let group = &found["groups"][0];
    assert_eq!(group["display_name"], "Platform Admins");
    let members: Vec<(&str, &str)> =
        group["members"].as_array().unwrap().iter().map(|m| (m["value"].as_str().unwrap(), m["kind"].as_str().unwrap())).collect();
    assert_eq!(members, [(ADA, "user"), (CONNECTION_SERVICE_PRINCIPAL, "service_principal")]);
    assert!(group["raw"].as_str().unwrap().contains("\"members\""));

    // Custom filter with a leading `and`, no members asked: one request.
    env.clear();
    let found = env
        .ok("search-groups", json!({"display_name": "a", "operator": "contains", "custom_filter": "and displayName ne \"Analysts\""}))
        .await;
    assert_eq!(env.single_api_request().query_value("filter"), Some(r#"(displayName co "a") and (displayName ne "Analysts")"#));
    let names: Vec<&str> = found["groups"].as_array().unwrap().iter().map(|g| g["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Platform Admins", "Data Scientists"]);
    assert_eq!(found["groups"][0]["members"], json!([]));
}

#[scenario]
async fn read_user_by_email_finds_the_user_name_then_other_addresses() {
    let env = Env::demo().await;
    env.clear();
    let alan = env.ok("read-user-by-email", json!({"email": "alan.turing@example.com"})).await;
    assert_eq!(env.single_api_request().query_value("filter"), Some(r#"userName eq "alan.turing@example.com""#));
    assert_eq!(alan["id"], ALAN);
    assert_eq!(alan["name"]["family_name"], "Turing");

    // Nobody's user name: the other addresses are searched before giving up.
    env.clear();
    let (case, payload) = env.err("read-user-by-email", json!({"email": "nobody@example.com"})).await;
    assert_eq!(case, "not_found");
    assert!(payload["message"].as_str().unwrap().contains("nobody@example.com"));
    let filters: Vec<_> = env.api_requests().iter().map(|r| r.query_value("filter").unwrap().to_string()).collect();
    assert_eq!(filters, [r#"userName eq "nobody@example.com""#, r#"emails.value eq "nobody@example.com""#]);

    let (case, payload) = env.err("read-user-by-email", json!({"email": "not-an-address"})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("email")));
}

#[scenario]
async fn activate_and_deactivate_send_one_patch_of_active() {
    let env = Env::demo().await;
    env.clear();
    let alan = env.ok("deactivate-user", json!({"id": ALAN})).await;
    let patch = &env.api_requests()[0];
    assert_eq!((patch.method.as_str(), patch.path.as_str()), ("PATCH", env.api(&format!("scim/v2/Users/{ALAN}")).as_str()));
    assert_eq!(
        patch.body,
        Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": [{"value": "false"}]}]}))
    );
    assert_eq!(alan["active"], false);
    let alan = env.ok("activate-user", json!({"id": ALAN})).await;
    assert_eq!(alan["active"], true);
    assert_eq!(alan["raw"].as_str().map(|r| r.contains("\"active\":true") || r.contains("\"active\": true")), Some(true));
    let (case, _) = env.err("activate-user", json!({"id": "4211000000000001"})).await;
    assert_eq!(case, "not_found");
}

#[scenario]
async fn account_admin_is_granted_and_revoked_for_every_principal_kind() {
    let env = Env::demo().await;
    for (kind, id, collection) in
        [("user", ALAN, "Users"), ("group", DATA_SCIENTISTS, "Groups"), ("service_principal", NIGHTLY_ETL, "ServicePrincipals")]
    {
        env.clear();
        let granted = env.ok("make-account-admin", json!({"kind": kind, "id": id})).await;
        let patch = &env.api_requests()[0];
        assert_eq!(patch.path, env.api(&format!("scim/v2/{collection}/{id}")));
        assert_eq!(
            patch.body.as_ref().unwrap()["Operations"],
            json!([{"op": "add", "path": "roles", "value": [{"value": "account_admin"}]}])
        );
        assert_eq!(
            (granted["kind"].as_str(), granted["id"].as_str(), granted["is_account_admin"].as_bool()),
            (Some(kind), Some(id), Some(true))
        );
        assert!(granted["display_name"].is_string());

        env.clear();
        let revoked = env.ok("revoke-account-admin", json!({"kind": kind, "id": id})).await;
        assert_eq!(
            env.api_requests()[0].body.as_ref().unwrap()["Operations"],
            json!([{"op": "remove", "path": "roles[value eq \"account_admin\"]"}])
        );
        assert_eq!(revoked["is_account_admin"], false);
    }
    let (case, payload) = env.err("make-account-admin", json!({"kind": "user", "id": "../x"})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("id")));
}

#[scenario]
async fn update_user_pass_empty_values_clears_or_ignores_blanks() {
    let env = Env::demo().await;
    // Ignored by default: only the non-blank field is sent.
    env.clear();
    env.ok("update-user", json!({"id": ALAN, "given_name": "", "family_name": "Turing-Smith"})).await;
    assert_eq!(
        env.api_requests()[0].body.as_ref().unwrap()["Operations"],
        json!([{"op": "replace", "path": "name.familyName", "value": "Turing-Smith"}])
    );
    // Nothing but blanks is nothing to do.
    let (case, payload) = env.err("update-user", json!({"id": ALAN, "display_name": ""})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("id")));

    // Passed: the blank clears the remote value.
    env.clear();
    let alan = env.ok("update-user", json!({"id": ALAN, "given_name": "", "pass_empty_values": true})).await;
    assert_eq!(env.api_requests()[0].body.as_ref().unwrap()["Operations"], json!([{"op": "remove", "path": "name.givenName"}]));
    assert_eq!(alan["name"]["given_name"], Value::Null);
    assert_eq!(alan["name"]["family_name"], "Turing-Smith");
}

#[scenario]
async fn update_group_partial_replaces_members_with_one_patch() {
    let env = Env::demo().await;
    env.clear();
    let group = env.ok("update-group", json!({"id": DATA_SCIENTISTS, "member_ids": [KATHERINE, NIGHTLY_ETL]})).await;
    let patch = &env.api_requests()[0];
    assert_eq!(patch.method, "PATCH");
    assert_eq!(
        patch.body.as_ref().unwrap()["Operations"],
        json!([{"op": "replace", "path": "members", "value": [{"value": KATHERINE}, {"value": NIGHTLY_ETL}]}])
    );
    let members: Vec<&str> = group["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(members, [KATHERINE, NIGHTLY_ETL]);
}

#[scenario]
async fn update_group_strict_puts_the_whole_group_and_keeps_what_was_not_mentioned() {
    let env = Env::demo().await;
    env.ok("make-account-admin", json!({"kind": "group", "id": DATA_SCIENTISTS})).await;
    env.clear();
    let group = env.ok("update-group", json!({"id": DATA_SCIENTISTS, "display_name": "ML Scientists", "update_type": "strict"})).await;
    let requests = env.api_requests();
    assert_eq!(
        e2e::summary(&requests)[..2],
        [
            format!("GET {}", env.api(&format!("scim/v2/Groups/{DATA_SCIENTISTS}"))),
            format!("PUT {}", env.api(&format!("scim/v2/Groups/{DATA_SCIENTISTS}"))),
        ]
    );
    let put = requests[1].body.as_ref().unwrap();
    assert_eq!(put["displayName"], "ML Scientists");
    assert_eq!(put["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:Group"]));
    let sent_members: Vec<&str> = put["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(sent_members, [ALAN, KATHERINE], "members the input did not mention are kept");
    assert_eq!(put["roles"], json!([{"value": "account_admin"}]), "so is the role");
    assert_eq!(group["display_name"], "ML Scientists");
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    assert_eq!(group["is_account_admin"], true);

    // Asked to: strict with pass-empty-values clears what the input leaves out.
    env.clear();
    let group = env
        .ok("update-group", json!({"id": DATA_SCIENTISTS, "display_name": "Emptied", "update_type": "strict", "pass_empty_values": true}))
        .await;
    let put = env.api_requests()[1].body.clone().unwrap();
    assert_eq!((put["members"].clone(), put["roles"].clone()), (json!([]), json!([])));
    assert_eq!(group["members"], json!([]));
    assert_eq!(group["is_account_admin"], false);

    let (case, payload) = env.err("update-group", json!({"id": DATA_SCIENTISTS, "update_type": "strict"})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("id")));
    let (case, payload) = env.err("update-group", json!({"id": DATA_SCIENTISTS, "display_name": "", "pass_empty_values": true})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("display-name")));
}
