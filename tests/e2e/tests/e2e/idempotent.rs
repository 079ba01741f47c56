//! Cards that are safe to run twice (`ensure-*`) and bulk membership changes: the requests they
//! send the first and the second time, a create that loses a race, and an onboarding flow that
//! converges when it is run again, also after a fault halfway.

use e2e::{Env, scenario, summary};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};

const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn query(request: &fake_account::RecordedRequest) -> Vec<(&str, &str)> {
    request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[scenario]
async fn ensure_user_creates_once_then_finds_the_user() {
    let env = Env::empty().await;
    let input = json!({"user_name": "grace@example.com", "display_name": "Grace Hopper"});
    let first = env.ok("ensure-user", input.clone()).await;
    assert_eq!(first["outcome"], "created");
    let requests = env.api_requests();
    assert_eq!(summary(&requests).len(), 2, "{:?}", summary(&requests));
    assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), ("GET", env.api("scim/v2/Users").as_str()));
    assert_eq!(query(&requests[0]), [("filter", r#"userName eq "grace@example.com""#), ("startIndex", "1"), ("count", "1")]);
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].body.as_ref().unwrap()["userName"], "grace@example.com");

    env.clear();
    let again = env.ok("ensure-user", input).await;
    assert_eq!(again["outcome"], "existing");
    assert_eq!(again["user"]["id"], first["user"]["id"]);
    let requests = env.api_requests();
    assert_eq!(requests.len(), 1, "the second run only looks: {:?}", summary(&requests));
    assert_eq!(requests[0].method, "GET");
    assert_eq!(env.fake.snapshot()["users"].as_array().unwrap().len(), 1);

    env.clear();
    let (case, error) = env.err("ensure-user", json!({"user_name": "not an address"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("user-name")));
    assert!(env.api_requests().is_empty(), "nothing is sent for an invalid input");
}

#[scenario]
async fn ensure_user_that_loses_a_create_race_returns_the_winner() {
    let env = Env::empty().await;
    let winner = env.ok("create-user", json!({"user_name": "race@example.com"})).await;
    // The look-up misses the user another flow is creating at that moment; the create then gets 409.
    let empty = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []});
    env.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::json(200, empty, &[])).method("GET").times(1));
    env.clear();
    let ensured = env.ok("ensure-user", json!({"user_name": "race@example.com"})).await;
    assert_eq!(ensured["outcome"], "existing");
    assert_eq!(ensured["user"]["id"], winner["id"]);
    let methods: Vec<String> = env.api_requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "POST", "GET"]);
}

#[scenario]
async fn ensure_group_and_service_principal_find_by_name() {
    let env = Env::empty().await;
    let group = env.ok("ensure-group", json!({"display_name": "Data Engineers"})).await;
    assert_eq!(group["outcome"], "created");
    env.clear();
    let again = env.ok("ensure-group", json!({"display_name": "Data Engineers"})).await;
    assert_eq!((again["outcome"].as_str(), &again["group"]["id"]), (Some("existing"), &group["group"]["id"]));
    let requests = env.api_requests();
    assert_eq!(query(&requests[0])[0], ("filter", r#"displayName eq "Data Engineers""#));
    assert_eq!(requests[1].path, env.api(&format!("scim/v2/Groups/{}", group["group"]["id"].as_str().unwrap())), "read whole");
    assert_eq!(requests.len(), 2);

    let sp = env.ok("ensure-service-principal", json!({"display_name": "reporting-bot"})).await;
    assert_eq!(sp["outcome"], "created");
    let again = env.ok("ensure-service-principal", json!({"display_name": "reporting-bot"})).await;
    assert_eq!((again["outcome"].as_str(), &again["service_principal"]["id"]), (Some("existing"), &sp["service_principal"]["id"]));
    let named = |sp: &&Value| sp["displayName"] == "reporting-bot";
    assert_eq!(env.fake.snapshot()["service_principals"].as_array().unwrap().iter().filter(named).count(), 1);

    let (case, error) = env.err("ensure-group", json!({"display_name": "  "})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("display-name")));
    // An application ID is Azure's; on AWS the create is refused before anything is written.
    let (case, error) = env.err("ensure-service-principal", json!({"display_name": "x", "application_id": "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("application-id")));
}

#[scenario]
async fn ensure_group_member_writes_only_when_the_member_is_missing() {
    let env = Env::empty().await;
    let user = env.ok("create-user", json!({"user_name": "ada@example.com"})).await["id"].as_str().unwrap().to_string();
    let group = env.ok("create-group", json!({"display_name": "Admins"})).await["id"].as_str().unwrap().to_string();
    env.clear();
    let input = json!({"group_id": group, "member_id": user});
    assert_eq!(env.ok("ensure-group-member", input.clone()).await["outcome"], "created");
    let requests = env.api_requests();
    assert_eq!(requests.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "PATCH"]);
    assert_eq!(
        requests[1].body.as_ref().unwrap(),
        &json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "members", "value": [{"value": user}]}]})
    );
    env.clear();
    assert_eq!(env.ok("ensure-group-member", input).await["outcome"], "existing");
    assert_eq!(env.single_api_request().method, "GET", "no write the second time");
    let (case, _) = env.err("ensure-group-member", json!({"group_id": "4211999999999999", "member_id": user})).await;
    assert_eq!(case, "not_found");
}

#[scenario]
async fn bulk_membership_changes_are_one_patch_each() {
    let env = Env::empty().await;
    let mut ids = Vec::new();
    for name in ["a@example.com", "b@example.com", "c@example.com"] {
        ids.push(env.ok("create-user", json!({"user_name": name})).await["id"].as_str().unwrap().to_string());
    }
    let group = env.ok("create-group", json!({"display_name": "Team"})).await["id"].as_str().unwrap().to_string();
    env.clear();
    let added = env.ok("add-group-members", json!({"group_id": group, "member_ids": [ids[0], ids[1], ids[2], ids[0]]})).await;
    assert_eq!(added["member_ids"], json!(ids), "each member once");
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PATCH", env.api(&format!("scim/v2/Groups/{group}"))));
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    assert_eq!(request.body.unwrap(), json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "members", "value": members}]}));

    env.clear();
    env.ok("remove-group-members", json!({"group_id": group, "member_ids": [ids[0], ids[2]]})).await;
    let request = env.single_api_request();
    let ops: Vec<Value> = [&ids[0], &ids[2]].iter().map(|id| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")})).collect();
    assert_eq!(request.body.unwrap(), json!({"schemas": [PATCH_SCHEMA], "Operations": ops}));
    let left = env.ok("get-group", json!({"id": group})).await;
    let left: Vec<&str> = left["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(left, [ids[1].as_str()]);
    let (case, error) = env.err("add-group-members", json!({"group_id": group, "member_ids": []})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("member-ids")));
    let (case, error) = env.err("remove-group-members", json!({"group_id": "4211999999999999", "member_ids": [ids[1]]})).await;
    assert_eq!((case.as_str(), error["status"].as_u64()), ("not_found", Some(404)));
}

/// The onboarding flow a platform retries from the top: ensure the user, the group and the
/// membership.
async fn onboard(env: &Env) -> Result<(), Value> {
    let user = env.run("ensure-user", json!({"user_name": "new.hire@example.com", "display_name": "New Hire"})).await?;
    let group = env.run("ensure-group", json!({"display_name": "New Hires"})).await?;
    let membership = json!({"group_id": group["group"]["id"], "member_id": user["user"]["id"]});
    env.run("ensure-group-member", membership).await?;
    Ok(())
}

/// The account's users, groups and memberships by name, for comparing end states.
fn end_state(env: &Env) -> Value {
    let snapshot = env.fake.snapshot();
    let names = |kind: &str, field: &str| -> Vec<Value> { snapshot[kind].as_array().unwrap().iter().map(|r| r[field].clone()).collect() };
    // Members by user name: IDs differ between two accounts.
    let user_name = |id: &Value| snapshot["users"].as_array().unwrap().iter().find(|u| &u["id"] == id).map(|u| u["userName"].clone());
    let members: Vec<Value> = snapshot["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let names: Vec<Value> = g["members"].as_array().into_iter().flatten().map(|m| user_name(&m["value"]).unwrap_or(Value::Null)).collect();
            json!([g["displayName"], names])
        })
        .collect();
    json!({"users": names("users", "userName"), "groups": names("groups", "displayName"), "members": members})
}

#[scenario]
async fn an_onboarding_flow_run_again_converges_also_after_a_fault_halfway() {
    let env = Env::empty().await;
    onboard(&env).await.unwrap();
    let once = end_state(&env);
    onboard(&env).await.unwrap();
    assert_eq!(end_state(&env), once, "a second run changes nothing");

    // The same flow on a fresh account, failing at its last step the first time.
    let env = Env::empty().await;
    env.fake.push_fault(Fault::new("/scim/v2/Groups", FaultAction::json(403, json!({"detail": "no"}), &[])).method("PATCH").times(1));
    let failed = onboard(&env).await.unwrap_err();
    assert!(failed.get("permission_denied").is_some(), "{failed}");
    onboard(&env).await.unwrap();
    assert_eq!(end_state(&env), once, "the retried flow ends where an unbroken one does, with no duplicates");
}

#[scenario]
async fn onboard_users_gives_each_person_an_outcome_and_converges_when_run_again() {
    let env = Env::demo().await;
    let analysts = fake_account::example_ids::ANALYSTS;
    let input = json!({
        "users": [
            {"user_name": "grace@example.com", "display_name": "Grace Hopper"},
            {"user_name": "ada.lovelace@example.com"},
            {"user_name": "edsger@example.com"},
        ],
        "group_ids": [analysts, analysts],
    });
    // The first create is refused by Databricks: that person fails, the others go on.
    let refused = json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "Display name is not allowed."});
    env.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::json(400, refused, &[])).method("POST").times(1));
    env.clear();
    let first = env.ok("onboard-users", input.clone()).await;
    let outcomes: Vec<&str> = first["users"].as_array().unwrap().iter().map(|u| u["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["failed", "existing", "created"]);
    assert_eq!((first["created"].as_u64(), first["existing"].as_u64(), first["failed"].as_u64()), (Some(1), Some(1), Some(1)));
    let failure = &first["users"][0];
    assert_eq!((failure["user"].clone(), failure["groups"].clone()), (Value::Null, json!([])));
    assert_eq!(failure["error"]["upstream"]["error_code"], "INVALID_PARAMETER_VALUE");
    assert_eq!(first["users"][1]["user"]["id"], fake_account::example_ids::ADA);
    assert_eq!(first["users"][2]["groups"], json!([analysts]), "the group given twice is joined once");
    let edsger = first["users"][2]["user"]["id"].as_str().unwrap().to_string();

    let requests = env.api_requests();
    let users = env.api("scim/v2/Users");
    assert_eq!(
        summary(&requests),
        [
            format!("POST {users}"),
            format!("POST {users}"),
            format!("GET {users}"),
            format!("POST {users}"),
            format!("PATCH {}", env.api(&format!("scim/v2/Groups/{analysts}"))),
        ]
    );
    assert_eq!(query(&requests[2])[0], ("filter", r#"userName eq "ada.lovelace@example.com""#));
    let patch = requests[4].body.as_ref().unwrap();
    assert_eq!(patch["schemas"], json!([PATCH_SCHEMA]));
    assert_eq!(patch["Operations"], json!([{"op": "add", "path": "members", "value": [{"value": fake_account::example_ids::ADA}, {"value": edsger}]}]));

    // Run again: Grace is created now, the others are found, and no one is made twice.
    let second = env.ok("onboard-users", input).await;
    let outcomes: Vec<&str> = second["users"].as_array().unwrap().iter().map(|u| u["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["created", "existing", "existing"]);
    assert_eq!(second["users"][2]["user"]["id"].as_str(), Some(edsger.as_str()));
    let snapshot = env.fake.snapshot();
    let named = |name: &str| snapshot["users"].as_array().unwrap().iter().filter(|u| u["userName"] == name).count();
    assert_eq!((named("grace@example.com"), named("edsger@example.com")), (1, 1));
    let group = snapshot["groups"].as_array().unwrap().iter().find(|g| g["id"] == analysts).unwrap().clone();
    assert_eq!(group["members"].as_array().unwrap().len(), 4, "Katherine, Ada, Edsger and Grace: {group}");

    // A group that does not exist fails as a group, not as the people.
    let input = json!({"users": [{"user_name": "grace@example.com"}], "group_ids": ["4211999999999999"]});
    let third = env.ok("onboard-users", input).await;
    assert_eq!((third["users"][0]["outcome"].as_str(), &third["users"][0]["groups"]), (Some("existing"), &json!([])));
    assert_eq!(third["group_failures"][0]["group_id"], "4211999999999999");
    assert!(third["group_failures"][0]["error"]["not_found"].is_object(), "{third}");
}
