//! Users: list (one page, every page, limits), get, create, update, delete.

use e2e::{Env, scenario};
use serde_json::{Value, json};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user_names(list: &Value) -> Vec<&str> {
    list["resources"].as_array().unwrap().iter().map(|u| u["user_name"].as_str().unwrap()).collect()
}

#[scenario]
async fn list_users_reads_one_page_with_filter_and_sort() {
    let env = Env::empty().await;
    env.fake.insert_users(5, "page");
    env.clear();
    let list = env
        .ok(
            "list-users",
            json!({
                "filter": "userName sw \"page\"",
                "sort_by": "userName",
                "sort_order": "descending",
                "attributes": ["id", "userName"],
                "pages": {"page": {"start_index": 2, "count": 2}}
            }),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("scim/v2/Users").as_str()));
    for (name, value) in [
        ("filter", "userName sw \"page\""),
        ("sortBy", "userName"),
        ("sortOrder", "descending"),
        ("attributes", "id,userName"),
        ("startIndex", "2"),
        ("count", "2"),
    ] {
        assert_eq!(request.query_value(name), Some(value), "query {name}");
    }
    assert_eq!(list["total_results"], 5);
    assert_eq!(list["start_index"], 2);
    assert_eq!(list["next_start_index"], 4);
    assert_eq!(user_names(&list), ["page-0004@example.com", "page-0003@example.com"]);
}

#[scenario]
async fn list_users_default_is_the_first_hundred() {
    let env = Env::empty().await;
    env.fake.insert_users(3, "few");
    env.clear();
    let list = env.ok("list-users", json!({})).await;
    let request = env.single_api_request();
    assert_eq!(request.query_value("startIndex"), Some("1"));
    assert_eq!(request.query_value("count"), Some("100"));
    assert_eq!(request.query_value("filter"), None);
    assert_eq!(list["total_results"], 3);
    assert_eq!(list["next_start_index"], Value::Null);
    assert_eq!(list["resources"].as_array().unwrap().len(), 3);
}

#[scenario]
async fn list_users_fills_the_derived_fields_of_every_record() {
    let env = Env::demo().await;
    let list = env.ok("list-users", json!({})).await;
    let users = list["resources"].as_array().unwrap();
    let user = |name: &str| users.iter().find(|u| u["user_name"] == name).unwrap_or_else(|| panic!("{name} listed"));
    let (ada, alan) = (user("ada.lovelace@example.com"), user("alan.turing@example.com"));
    assert_eq!(ada["primary_email"], "ada.lovelace@example.com");
    assert_eq!((ada["is_account_admin"].as_bool(), alan["is_account_admin"].as_bool()), (Some(true), Some(false)));
    assert_eq!(ada["groups"][0]["display"], "Platform Admins");
    assert_eq!(ada["groups"][0]["kind"], "group");
    // A listing leaves out each record's raw JSON (only searches return it).
    assert_eq!(ada["raw"], Value::Null);
}

#[scenario]
async fn list_users_walks_every_page() {
    let env = Env::empty().await;
    env.fake.insert_users(250, "bulk");
    env.clear();
    let list = env.ok("list-users", json!({"pages": {"all": {}}})).await;
    let starts: Vec<_> = env.api_requests().iter().map(|r| r.query_value("startIndex").unwrap().to_string()).collect();
    assert_eq!(starts, ["1", "101", "201"], "one request per page of 100");
    assert_eq!(list["total_results"], 250);
    assert_eq!(list["next_start_index"], Value::Null);
    let names = user_names(&list);
    assert_eq!(names.len(), 250);
    let unique: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(unique.len(), 250, "no duplicates");
}

#[scenario]
async fn list_users_stops_at_the_callers_limit() {
    let env = Env::empty().await;
    env.fake.insert_users(250, "limit");
    env.clear();
    let list = env.ok("list-users", json!({"pages": {"all": {"limit": 150, "page_size": 100}}})).await;
    let pages: Vec<_> = env
        .api_requests()
        .iter()
        .map(|r| (r.query_value("startIndex").unwrap().to_string(), r.query_value("count").unwrap().to_string()))
        .collect();
    assert_eq!(pages, [("1".into(), "100".into()), ("101".into(), "50".into())], "asks only for what the limit needs");
    assert_eq!(user_names(&list).len(), 150);
    assert_eq!(list["total_results"], 250);
    assert_eq!(list["next_start_index"], 151, "says where the rest starts");
}

#[scenario]
async fn list_users_refuses_a_page_over_100_without_a_request() {
    let env = Env::empty().await;
    env.clear();
    let (case, error) = env.err("list-users", json!({"pages": {"page": {"count": 101}}})).await;
    assert_eq!(case, "invalid_input");
    assert_eq!(error["field"], "pages.page.count");
    assert!(env.fake.requests().is_empty(), "nothing was sent");
}

#[scenario]
async fn create_user_sends_a_scim_user_and_returns_it() {
    let env = Env::empty().await;
    env.clear();
    let user = env
        .ok(
            "create-user",
            json!({"user_name": "grace.hopper@example.com", "given_name": "Grace", "family_name": "Hopper", "account_admin": true}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("scim/v2/Users").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({
            "schemas": [USER_SCHEMA],
            "userName": "grace.hopper@example.com",
            "displayName": "Grace Hopper",
            "name": {"givenName": "Grace", "familyName": "Hopper"},
            "emails": [{"value": "grace.hopper@example.com", "type": "work", "primary": true}],
            "active": true,
            "roles": [{"value": "account_admin"}]
        })
    );
    assert!(!user["id"].as_str().unwrap().is_empty());
    assert_eq!(user["user_name"], "grace.hopper@example.com");
    assert_eq!(user["display_name"], "Grace Hopper");
    assert_eq!(user["name"], json!({"given_name": "Grace", "family_name": "Hopper"}));
    assert_eq!(user["active"], true);
    assert_eq!(user["roles"], json!([{"value": "account_admin"}]));
    assert_eq!(user["emails"][0]["value"], "grace.hopper@example.com");
}

#[scenario]
async fn create_user_twice_is_a_conflict() {
    let env = Env::empty().await;
    env.ok("create-user", json!({"user_name": "twice@example.com"})).await;
    let (case, error) = env.err("create-user", json!({"user_name": "twice@example.com"})).await;
    assert_eq!(case, "conflict");
    assert_eq!(error["status"], 409);
    assert_eq!(error["error_code"], "SCIM_409");
}

#[scenario]
async fn create_user_refuses_a_name_that_is_not_an_email_without_a_request() {
    let env = Env::empty().await;
    env.clear();
    for bad in ["", "grace", "grace@", "gr ace@example.com"] {
        let (case, error) = env.err("create-user", json!({"user_name": bad})).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("user-name")), "{bad:?}");
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn get_user_returns_the_user_with_groups() {
    let env = Env::empty().await;
    let user = env.ok("create-user", json!({"user_name": "ada@example.com", "given_name": "Ada"})).await;
    let id = user["id"].as_str().unwrap();
    let group = env.ok("create-group", json!({"display_name": "Analysts", "member_ids": [id]})).await;
    env.clear();
    let got = env.ok("get-user", json!({"id": id})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("GET", env.api(&format!("scim/v2/Users/{id}"))));
    assert_eq!(got["id"], id);
    assert_eq!(got["user_name"], "ada@example.com");
    assert_eq!(got["name"]["given_name"], "Ada");
    assert_eq!(got["groups"][0]["value"], group["id"]);
    assert_eq!(got["groups"][0]["display"], "Analysts");
}

#[scenario]
async fn get_user_that_does_not_exist_is_not_found() {
    let env = Env::empty().await;
    let (case, error) = env.err("get-user", json!({"id": "9999999999"})).await;
    assert_eq!(case, "not_found");
    assert_eq!(error["status"], 404);
    assert_eq!(error["error_code"], "SCIM_404");
    assert!(error["request_id"].is_string(), "the request id reaches the flow: {error}");
}

#[scenario]
async fn update_user_patches_only_given_fields_then_reads_back() {
    let env = Env::empty().await;
    let user = env.ok("create-user", json!({"user_name": "linus@example.com", "given_name": "Linus", "family_name": "T"})).await;
    let id = user["id"].as_str().unwrap();
    env.clear();
    let updated = env.ok("update-user", json!({"id": id, "family_name": "Torvalds", "active": false, "account_admin": true})).await;
    let requests = env.api_requests();
    assert_eq!(
        e2e::summary(&requests),
        [format!("PATCH {}", env.api(&format!("scim/v2/Users/{id}"))), format!("GET {}", env.api(&format!("scim/v2/Users/{id}")))]
    );
    assert_eq!(
        requests[0].body.clone().unwrap(),
        json!({
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "replace", "path": "name.familyName", "value": "Torvalds"},
                {"op": "replace", "path": "active", "value": [{"value": "false"}]},
                {"op": "add", "path": "roles", "value": [{"value": "account_admin"}]}
            ]
        })
    );
    assert_eq!(updated["active"], false);
    assert_eq!(updated["name"], json!({"given_name": "Linus", "family_name": "Torvalds"}), "untouched fields stay");
    assert_eq!(updated["roles"], json!([{"value": "account_admin"}]));

    env.clear();
    let revoked = env.ok("update-user", json!({"id": id, "account_admin": false})).await;
    assert_eq!(
        env.api_requests()[0].body.clone().unwrap()["Operations"],
        json!([{"op": "remove", "path": "roles[value eq \"account_admin\"]"}])
    );
    assert_eq!(revoked["roles"], json!([]));
}

#[scenario]
async fn update_user_without_changes_is_refused_without_a_request() {
    let env = Env::empty().await;
    env.clear();
    let (case, error) = env.err("update-user", json!({"id": "123"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("id")));
    let (case, error) = env.err("update-user", json!({"id": "12/../34", "active": true})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("id")));
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn delete_user_deletes_and_then_the_user_is_gone() {
    let env = Env::empty().await;
    let user = env.ok("create-user", json!({"user_name": "gone@example.com"})).await;
    let id = user["id"].as_str().unwrap();
    env.clear();
    let deleted = env.ok("delete-user", json!({"id": id})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("scim/v2/Users/{id}"))));
    assert_eq!(deleted, json!({"id": id}));
    assert_eq!(env.err("get-user", json!({"id": id})).await.0, "not_found");
    assert_eq!(env.err("delete-user", json!({"id": id})).await.0, "not_found");
}

#[scenario]
async fn update_user_strict_puts_the_whole_user_and_keeps_what_was_not_mentioned() {
    let env = Env::empty().await;
    let user = env
        .ok("create-user", json!({"user_name": "grace@example.com", "given_name": "Grace", "family_name": "Hopper", "external_id": "okta-17"}))
        .await;
    let id = user["id"].as_str().unwrap().to_string();
    let path = env.api(&format!("scim/v2/Users/{id}"));
    env.ok("update-user", json!({"id": id, "account_admin": true})).await;
    env.clear();
    let updated = env.ok("update-user", json!({"id": id, "family_name": "Murray Hopper", "update_type": "strict"})).await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests)[..2], [format!("GET {path}"), format!("PUT {path}")], "read, then replace whole");
    let put = requests[1].body.clone().unwrap();
    assert_eq!(put["name"], json!({"givenName": "Grace", "familyName": "Murray Hopper"}), "the other name stays");
    assert_eq!((put["userName"].as_str(), put["externalId"].as_str()), (Some("grace@example.com"), Some("okta-17")));
    assert_eq!(put["roles"], json!([{"value": "account_admin"}]), "the role the input did not mention is kept");
    assert!(put.get("meta").is_none(), "server-owned meta is not sent back");
    assert_eq!(updated["name"], json!({"given_name": "Grace", "family_name": "Murray Hopper"}));
    assert_eq!(updated["roles"], json!([{"value": "account_admin"}]));

    // Asked to: strict with pass-empty-values clears what the input leaves out, the role included.
    env.clear();
    let emptied = env.ok("update-user", json!({"id": id, "active": false, "update_type": "strict", "pass_empty_values": true})).await;
    let put = env.api_requests()[1].body.clone().unwrap();
    assert_eq!((put.get("name"), put.get("externalId"), put["roles"].clone()), (None, None, json!([])));
    assert_eq!((put["userName"].as_str(), put["active"].as_bool()), (Some("grace@example.com"), Some(false)), "the user name stays");
    assert_eq!((emptied["roles"].clone(), emptied["active"].clone()), (json!([]), json!(false)));

    env.clear();
    let (case, payload) = env.err("update-user", json!({"id": id, "update_type": "strict"})).await;
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("id")));
    assert!(env.api_requests().is_empty(), "refused before the read");
}
