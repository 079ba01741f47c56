//! Groups: list (without members), get (with members), create, update, delete, and
//! membership changes as single PATCH operations.

use e2e::{Env, scenario};
use serde_json::{Value, json};

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn user(env: &Env, name: &str) -> String {
    env.ok("create-user", json!({"user_name": name})).await["id"].as_str().unwrap().to_string()
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

#[scenario]
async fn create_group_with_members_and_get_it_back() {
    let env = Env::empty().await;
    let ada = user(&env, "ada@example.com").await;
    env.clear();
    let group = env.ok("create-group", json!({"display_name": "Data Engineers", "member_ids": [ada], "external_id": "okta-42"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("scim/v2/Groups").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Data Engineers", "members": [{"value": ada}], "externalId": "okta-42"})
    );
    assert_eq!(group["display_name"], "Data Engineers");
    assert_eq!(group["external_id"], "okta-42");

    let id = group["id"].as_str().unwrap();
    env.clear();
    let got = env.ok("get-group", json!({"id": id})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("GET", env.api(&format!("scim/v2/Groups/{id}"))));
    assert_eq!(member_ids(&got), std::slice::from_ref(&ada));
    assert_eq!(got["members"][0]["display"], "ada@example.com");
    assert_eq!(got["members"][0]["ref"], format!("Users/{ada}"));
}

#[scenario]
async fn create_group_with_a_taken_name_is_a_conflict() {
    let env = Env::empty().await;
    env.ok("create-group", json!({"display_name": "Twins"})).await;
    let (case, error) = env.err("create-group", json!({"display_name": "Twins"})).await;
    assert_eq!(case, "conflict");
    assert_eq!(error["status"], 409);
    let (case, error) = env.err("create-group", json!({"display_name": "  "})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("display-name")));
}

#[scenario]
async fn list_groups_filters_and_leaves_members_out() {
    let env = Env::empty().await;
    let ada = user(&env, "ada@example.com").await;
    for name in ["eng-platform", "eng-data", "finance"] {
        env.ok("create-group", json!({"display_name": name, "member_ids": [ada]})).await;
    }
    env.clear();
    let list =
        env.ok("list-groups", json!({"filter": "displayName sw \"eng\"", "sort_by": "displayName", "sort_order": "ascending"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("scim/v2/Groups").as_str()));
    assert_eq!(request.query_value("filter"), Some("displayName sw \"eng\""));
    assert_eq!(list["total_results"], 2);
    let names: Vec<_> = list["resources"].as_array().unwrap().iter().map(|g| g["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["eng-data", "eng-platform"]);
    assert!(list["resources"].as_array().unwrap().iter().all(|g| g["members"] == json!([])), "list does not carry members");
}

#[scenario]
async fn add_and_remove_members_are_single_patches() {
    let env = Env::empty().await;
    let (ada, bob) = (user(&env, "ada@example.com").await, user(&env, "bob@example.com").await);
    let group = env.ok("create-group", json!({"display_name": "Ops", "member_ids": [ada]})).await;
    let gid = group["id"].as_str().unwrap();
    let group_path = env.api(&format!("scim/v2/Groups/{gid}"));

    env.clear();
    let added = env.ok("add-group-member", json!({"group_id": gid, "member_id": bob})).await;
    assert_eq!(added, json!({"group_id": gid, "member_id": bob}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("PATCH", group_path.as_str()), "no read-modify-write");
    assert_eq!(
        request.body.unwrap(),
        json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]})
    );
    let mut both = vec![ada.clone(), bob.clone()];
    both.sort();
    assert_eq!(member_ids(&env.ok("get-group", json!({"id": gid})).await), both);

    env.clear();
    env.ok("remove-group-member", json!({"group_id": gid, "member_id": ada})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("PATCH", group_path.as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]})
    );
    assert_eq!(member_ids(&env.ok("get-group", json!({"id": gid})).await), [bob]);
}

#[scenario]
async fn membership_of_a_missing_group_is_not_found() {
    let env = Env::empty().await;
    let ada = user(&env, "ada@example.com").await;
    let (case, _) = env.err("add-group-member", json!({"group_id": "424242", "member_id": ada})).await;
    assert_eq!(case, "not_found");
    let (case, error) = env.err("remove-group-member", json!({"group_id": "424242", "member_id": "x y"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("member-id")));
}

#[scenario]
async fn update_group_renames_and_grants_admin_without_touching_members() {
    let env = Env::empty().await;
    let ada = user(&env, "ada@example.com").await;
    let group = env.ok("create-group", json!({"display_name": "Old name", "member_ids": [ada]})).await;
    let gid = group["id"].as_str().unwrap();
    env.clear();
    let updated = env.ok("update-group", json!({"id": gid, "display_name": "New name", "account_admin": true})).await;
    let requests = env.api_requests();
    assert_eq!(requests[0].method, "PATCH");
    assert_eq!(
        requests[0].body.clone().unwrap()["Operations"],
        json!([
            {"op": "replace", "path": "displayName", "value": "New name"},
            {"op": "add", "path": "roles", "value": [{"value": "account_admin"}]}
        ])
    );
    assert_eq!(updated["display_name"], "New name");
    assert_eq!(updated["roles"], json!([{"value": "account_admin"}]));
    assert_eq!(member_ids(&updated), [ada], "members are untouched by a partial update");
}

#[scenario]
async fn delete_group_keeps_its_members() {
    let env = Env::empty().await;
    let ada = user(&env, "ada@example.com").await;
    let group = env.ok("create-group", json!({"display_name": "Temp", "member_ids": [ada]})).await;
    let gid = group["id"].as_str().unwrap();
    env.clear();
    assert_eq!(env.ok("delete-group", json!({"id": gid})).await, json!({"id": gid}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("scim/v2/Groups/{gid}"))));
    assert_eq!(env.err("get-group", json!({"id": gid})).await.0, "not_found");
    let still_there = env.ok("get-user", json!({"id": ada})).await;
    assert_eq!(still_there["groups"], json!([]));
}
