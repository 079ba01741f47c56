//! Polling triggers: a first run records a baseline and returns nothing, later runs return what
//! changed since the cursor they are given, and a cursor of another card, account or group, or a
//! damaged one, is refused before anything is sent. Each asserts the requests a poll costs.

use e2e::{Env, scenario, summary};
use fake_account::example_ids::{ANALYTICS_PROD, CREDENTIAL, DATA_SCIENTISTS, STORAGE_CONFIGURATION};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const DAY: u64 = 86_400;

fn query(request: &fake_account::RecordedRequest) -> Vec<(&str, &str)> {
    request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap()).collect()
}

/// Runs a trigger with `input` and `cursor` (when given), returning its result.
async fn poll(env: &Env, card: &str, mut input: Value, cursor: Option<&Value>) -> Value {
    if let Some(cursor) = cursor {
        input["cursor"] = cursor.clone();
    }
    env.ok(card, input).await
}

#[scenario]
async fn poll_new_users_records_a_baseline_then_returns_only_new_users() {
    let env = Env::demo().await;
    env.clear();
    let first = poll(&env, "poll-new-users", json!({}), None).await;
    let total = env.fake.snapshot()["users"].as_array().unwrap().len() as u64;
    assert_eq!((first["baseline"].as_bool(), first["users"].as_array().map(Vec::len)), (Some(true), Some(0)));
    assert_eq!((first["exact"].as_bool(), first["total"].as_u64()), (Some(true), Some(total)));
    let requests = env.api_requests();
    assert_eq!(summary(&requests), [format!("GET {}", env.api("scim/v2/Users"))]);
    assert_eq!(query(&requests[0]), [("attributes", "id"), ("startIndex", "1"), ("count", "100")]);

    let grace = env.ok("create-user", json!({"user_name": "grace@example.com"})).await;
    let edsger = env.ok("create-user", json!({"user_name": "edsger@example.com"})).await;
    env.ok("delete-user", json!({"id": fake_account::example_ids::KATHERINE})).await;
    env.clear();
    let second = poll(&env, "poll-new-users", json!({}), Some(&first["next_cursor"])).await;
    assert_eq!(ids(&second["users"]), [grace["id"].as_str().unwrap(), edsger["id"].as_str().unwrap()]);
    assert_eq!(second["users"][0]["user_name"], "grace@example.com", "new users are read whole");
    assert_eq!((second["baseline"].as_bool(), second["exact"].as_bool(), second["total"].as_u64()), (Some(false), Some(true), Some(total + 1)));
    let requests = env.api_requests();
    assert_eq!(requests.len(), 2, "{:?}", summary(&requests));
    let filter = format!(r#"id eq "{}" or id eq "{}""#, grace["id"].as_str().unwrap(), edsger["id"].as_str().unwrap());
    assert_eq!(query(&requests[1]), [("filter", filter.as_str()), ("startIndex", "1"), ("count", "2")]);

    env.clear();
    let third = poll(&env, "poll-new-users", json!({}), Some(&second["next_cursor"])).await;
    assert_eq!(third["users"], json!([]));
    assert_eq!(env.api_requests().len(), 1, "nothing new: only the walk");
}

#[scenario]
async fn a_large_account_is_walked_page_by_page_and_a_burst_of_new_users_misses_none() {
    let env = Env::empty().await;
    env.fake.insert_users(2_500, "staff");
    let first = poll(&env, "poll-new-users", json!({}), None).await;
    assert_eq!(first["total"], 2_500);
    let cursor = first["next_cursor"].as_str().unwrap();
    // 125 changes of room (1 in 20), whatever the account holds: ~2.4 KB deflated, in base64.
    assert!(cursor.len() < 4_000, "{} characters", cursor.len());

    // Ten new users: exact.
    env.fake.insert_users(10, "joiner");
    let second = poll(&env, "poll-new-users", json!({}), Some(&first["next_cursor"])).await;
    assert_eq!((second["exact"].as_bool(), second["users"].as_array().unwrap().len()), (Some(true), 10));

    // 400, more than there is room for: none is missed, and the result says it may repeat some
    // (with this many over, most of the account).
    env.fake.insert_users(400, "intake");
    env.clear();
    let third = poll(&env, "poll-new-users", json!({}), Some(&second["next_cursor"])).await;
    assert_eq!(third["exact"], false);
    let names: Vec<&str> = third["users"].as_array().unwrap().iter().map(|u| u["user_name"].as_str().unwrap()).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("intake-")).count(), 400, "every new user");
    let walk = env.api_requests().iter().filter(|r| r.query.iter().any(|(k, v)| k == "attributes" && v == "id")).count();
    assert_eq!(walk, 30, "2,910 users in pages of 100");
}

#[scenario]
async fn a_cursor_is_refused_when_damaged_or_not_this_cards_or_accounts() {
    let env = Env::demo().await;
    let users = poll(&env, "poll-new-users", json!({}), None).await["next_cursor"].clone();
    let groups = poll(&env, "poll-new-groups", json!({}), None).await["next_cursor"].clone();
    let other = Env::demo().await;
    let foreign = poll(&other, "poll-new-users", json!({}), None).await["next_cursor"].clone();
    let text = users.as_str().unwrap();
    let flipped = format!("{}{}", &text[..text.len() - 1], if text.ends_with('A') { 'B' } else { 'A' });

    env.clear();
    let damaged = "is not a cursor this card returned, or was changed";
    let elsewhere = "belongs to another card, another account or other options";
    for (cursor, says) in [(json!(flipped), damaged), (json!("v1.abc"), damaged), (json!("{}"), damaged), (groups, elsewhere), (foreign, elsewhere)] {
        let (case, error) = env.err("poll-new-users", json!({"cursor": cursor})).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("cursor")), "{cursor}");
        assert!(error["reason"].as_str().unwrap().contains(says), "{cursor}: {error}");
    }
    let (case, _) = env.err("poll-new-users", json!({"cursor": ""})).await;
    assert_eq!(case, "invalid_input");
    assert!(env.api_requests().is_empty(), "a refused cursor sends nothing");
}

#[scenario]
async fn poll_new_groups_and_service_principals_return_what_was_created() {
    let env = Env::demo().await;
    let groups = poll(&env, "poll-new-groups", json!({}), None).await;
    let principals = poll(&env, "poll-new-service-principals", json!({}), None).await;
    let group = env.ok("create-group", json!({"display_name": "Finance"})).await;
    let principal = env.ok("create-service-principal", json!({"display_name": "billing-bot"})).await;

    let groups = poll(&env, "poll-new-groups", json!({}), Some(&groups["next_cursor"])).await;
    assert_eq!(ids(&groups["groups"]), [group["id"].as_str().unwrap()]);
    assert_eq!(groups["groups"][0]["display_name"], "Finance");
    let principals = poll(&env, "poll-new-service-principals", json!({}), Some(&principals["next_cursor"])).await;
    assert_eq!(ids(&principals["service_principals"]), [principal["id"].as_str().unwrap()]);
    assert_eq!(principals["service_principals"][0]["display_name"], "billing-bot");
}

#[scenario]
async fn poll_workspace_changes_reports_created_status_changes_and_deleted() {
    let env = Env::demo().await;
    env.clear();
    let first = poll(&env, "poll-workspace-changes", json!({}), None).await;
    assert_eq!((first["baseline"].as_bool(), &first["changes"]), (Some(true), &json!([])));
    assert_eq!(summary(&env.api_requests()), [format!("GET {}", env.api("workspaces"))]);

    env.fake.fail_next_workspace("The cross-account role cannot be assumed.");
    let input = json!({"workspace_name": "marketing", "region": "us-west-2",
        "aws": {"credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE_CONFIGURATION}});
    let created = env.ok("create-workspace", input).await["workspace"].clone();
    let id = created["workspace_id"].as_i64().unwrap();
    env.ok("delete-workspace", json!({"workspace_id": ANALYTICS_PROD})).await;
    let second = poll(&env, "poll-workspace-changes", json!({}), Some(&first["next_cursor"])).await;
    let changes = second["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!((changes[0]["kind"].as_str(), changes[0]["workspace_id"].as_i64()), (Some("created"), Some(id)));
    assert_eq!(changes[0]["workspace"]["workspace_status"], "provisioning");
    assert_eq!(changes[0]["previous_status"], Value::Null);
    assert_eq!((changes[1]["kind"].as_str(), changes[1]["workspace_id"].as_i64()), (Some("deleted"), Some(ANALYTICS_PROD)));
    assert_eq!((changes[1]["previous_status"].as_str(), &changes[1]["workspace"]), (Some("running"), &Value::Null));

    // Databricks finishes (here: fails) the provisioning; the next poll sees the status change.
    for _ in 0..2 {
        env.ok("get-workspace", json!({"workspace_id": id})).await;
    }
    let third = poll(&env, "poll-workspace-changes", json!({}), Some(&second["next_cursor"])).await;
    let change = &third["changes"][0];
    assert_eq!(third["changes"].as_array().unwrap().len(), 1, "{third}");
    assert_eq!((change["kind"].as_str(), change["previous_status"].as_str()), (Some("status_changed"), Some("provisioning")));
    assert_eq!(change["workspace"]["workspace_status"], "failed");
    assert_eq!(change["workspace"]["workspace_status_message"], "The cross-account role cannot be assumed.");
    let fourth = poll(&env, "poll-workspace-changes", json!({}), Some(&third["next_cursor"])).await;
    assert_eq!(fourth["changes"], json!([]));
}

#[scenario]
async fn poll_expiring_secrets_reports_each_secret_once_per_state() {
    let env = Env::demo().await;
    let sp = env.fake.service_principal_id();
    let secret = env.fake.connection_secret_id();
    // Already in the window at the baseline: recorded, not reported then.
    assert!(env.fake.set_secret_expiry(&sp, secret, SystemTime::now() + Duration::from_secs(10 * DAY)));
    let extra = env.ok("create-service-principal-secret", json!({"service_principal_id": sp})).await;
    let extra_id = extra["id"].as_str().unwrap().to_string();
    env.clear();
    let first = poll(&env, "poll-expiring-secrets", json!({"within_days": 30}), None).await;
    assert_eq!((first["baseline"].as_bool(), &first["secrets"]), (Some(true), &json!([])));
    let principals = env.fake.snapshot()["service_principals"].as_array().unwrap().len();
    let requests = env.api_requests();
    assert_eq!(requests.len(), 1 + principals, "one list, then each service principal's secrets: {:?}", summary(&requests));
    assert_eq!(query(&requests[0])[0], ("attributes", "id,displayName,applicationId"));

    // The new secret comes within 30 days of its expiry.
    assert!(env.fake.set_secret_expiry(&sp, &extra_id, SystemTime::now() + Duration::from_secs(5 * DAY + 3_600)));
    let second = poll(&env, "poll-expiring-secrets", json!({"within_days": 30}), Some(&first["next_cursor"])).await;
    let reported = second["secrets"].as_array().unwrap();
    assert_eq!(reported.len(), 1, "{second}");
    assert_eq!((reported[0]["state"].as_str(), reported[0]["days_left"].as_i64()), (Some("expiring"), Some(5)));
    assert_eq!((reported[0]["secret"]["id"].as_str(), reported[0]["service_principal_id"].as_str()), (Some(extra_id.as_str()), Some(sp.as_str())));
    assert_eq!(reported[0]["service_principal_name"], "workflow-automation");
    assert!(!second.to_string().contains(e2e::SENTINEL_SECRET));

    // Then it expires: reported once more, as expired; after that, nothing.
    assert!(env.fake.set_secret_expiry(&sp, &extra_id, SystemTime::now() - Duration::from_secs(60)));
    let third = poll(&env, "poll-expiring-secrets", json!({"within_days": 30}), Some(&second["next_cursor"])).await;
    assert_eq!(third["secrets"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect::<Vec<_>>(), ["expired"]);
    let fourth = poll(&env, "poll-expiring-secrets", json!({"within_days": 30}), Some(&third["next_cursor"])).await;
    assert_eq!(fourth["secrets"], json!([]));

    // A service principal deleted between the list and the read of its secrets is passed over.
    let gone = fake_account::example_ids::NIGHTLY_ETL;
    let not_found = json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Service principal not found."});
    env.fake.push_fault(Fault::new(&format!("servicePrincipals/{gone}/credentials/secrets"), FaultAction::json(404, not_found, &[])).times(1));
    let passed_over = poll(&env, "poll-expiring-secrets", json!({"within_days": 30}), Some(&fourth["next_cursor"])).await;
    assert_eq!(passed_over["secrets"], json!([]), "nothing new, and no failure: {passed_over}");
    assert_eq!(env.fake.faults_injected(), 1);

    // A cursor keeps its window.
    let (case, error) = env.err("poll-expiring-secrets", json!({"within_days": 7, "cursor": fourth["next_cursor"]})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("cursor")));
}

#[scenario]
async fn poll_group_membership_changes_names_who_joined_and_who_left() {
    let env = Env::demo().await;
    let group = DATA_SCIENTISTS;
    env.clear();
    let first = poll(&env, "poll-group-membership-changes", json!({"group_id": group}), None).await;
    assert_eq!((first["baseline"].as_bool(), first["total"].as_u64()), (Some(true), Some(2)));
    assert_eq!(summary(&env.api_requests()), [format!("GET {}", env.api(&format!("scim/v2/Groups/{group}")))]);

    let ada = fake_account::example_ids::ADA;
    let alan = fake_account::example_ids::ALAN.to_string();
    env.ok("add-group-member", json!({"group_id": group, "member_id": ada})).await;
    env.ok("remove-group-member", json!({"group_id": group, "member_id": alan})).await;
    let second = poll(&env, "poll-group-membership-changes", json!({"group_id": group}), Some(&first["next_cursor"])).await;
    assert_eq!(second["added"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect::<Vec<_>>(), [ada]);
    assert_eq!(second["removed"], json!([alan]));
    assert_eq!((second["exact"].as_bool(), second["display_name"].as_str()), (Some(true), Some("Data Scientists")));

    // The cursor is this group's.
    let input = json!({"group_id": fake_account::example_ids::ANALYSTS, "cursor": second["next_cursor"]});
    let (case, error) = env.err("poll-group-membership-changes", input).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("cursor")));
}
