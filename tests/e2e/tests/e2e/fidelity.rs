//! Requests as Databricks' own SDK sends them and answers read as strictly as they are meant:
//! bodies with a `Content-Length`, the SDK's query parameters, and no record made up from an
//! answer that lacks its ID.

use e2e::{Env, scenario};
use fake_account::example_ids::{ADA, DATA_SCIENTISTS, LOG_DELIVERY_CONFIG};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};

/// Every request with a body, the token request included, declares the body's length and is
/// not chunked.
#[scenario]
async fn request_bodies_carry_their_length() {
    let env = Env::demo().await;
    env.clear();
    env.ok("create-group", json!({"display_name": "Length check"})).await;
    env.ok("update-user", json!({"id": ADA, "display_name": "Ada L."})).await;
    let with_body: Vec<_> = env.fake.requests().into_iter().filter(|r| !r.raw_body.is_empty()).collect();
    let kinds: Vec<&str> = with_body.iter().map(|r| r.method.as_str()).collect();
    assert!(with_body.iter().any(|r| r.path.ends_with("/v1/token")) && kinds.contains(&"PATCH"), "{kinds:?}");
    for request in with_body {
        let length = request.header("content-length").unwrap_or_else(|| panic!("{} {} has no Content-Length", request.method, request.path));
        assert_eq!(length, request.raw_body.len().to_string(), "{}", request.path);
        assert_eq!(request.header("transfer-encoding"), None, "{} is not chunked", request.path);
    }
}

/// An empty success where Databricks returns a record is an error that names what is missing,
/// never a record whose ID is `""` for the flow to carry on with.
#[scenario]
async fn an_answer_without_its_id_is_an_error_naming_the_field() {
    let env = Env::demo().await;
    let cases = [
        ("create-user", json!({"user_name": "grace@example.com"}), "id"),
        ("get-user", json!({"id": ADA}), "id"),
        ("get-group", json!({"id": DATA_SCIENTISTS}), "id"),
        ("get-workspace", json!({"workspace_id": fake_account::example_ids::ANALYTICS_PROD}), "workspace_id"),
        ("get-credential", json!({"credentials_id": fake_account::example_ids::CREDENTIAL}), "credentials_id"),
        ("get-network", json!({"network_id": fake_account::example_ids::NETWORK}), "network_id"),
        ("create-metastore", json!({"name": "primary"}), "metastore_info"),
        ("create-budget", json!({"display_name": "b", "monthly_threshold_usd": "10", "alert_emails": ["a@example.com"]}), "budget"),
        ("get-log-delivery-config", json!({"config_id": LOG_DELIVERY_CONFIG}), "log_delivery_configuration"),
    ];
    for (card, input, field) in cases {
        env.fake.push_fault(Fault::new("/api/2.", FaultAction::json(200, json!({}), &[])));
        let (case, error) = env.err(card, input).await;
        assert_eq!(case, "upstream", "{card}: {error}");
        assert!(error["message"].as_str().unwrap().contains(&format!("`{field}`")), "{card} names `{field}`: {error}");
    }
    // The envelope present but the record in it empty: still the record's own ID.
    env.fake.push_fault(Fault::new("/metastores", FaultAction::json(200, json!({"metastore_info": {}}), &[])));
    let (case, error) = env.err("create-metastore", json!({"name": "primary"})).await;
    assert_eq!(case, "upstream");
    assert!(error["message"].as_str().unwrap().contains("`metastore_id`"), "{error}");
}

/// Inputs and outputs the SDK has: the creator of custom apps, SCIM attributes on a read, budget
/// tag filters with the account ID, the attempt times of a log delivery.
#[scenario]
async fn what_the_sdk_offers_the_cards_offer() {
    let env = Env::with_config(fake_account::FakeConfig { seed: fake_account::Seed::Examples, ..Default::default() }, e2e::Login::OAuthM2m).await;
    env.clear();
    env.ok("list-custom-app-integrations", json!({"include_creator_username": true})).await;
    assert_eq!(env.single_api_request().query_value("include_creator_username"), Some("true"));

    env.clear();
    let group = env.ok("get-group", json!({"id": DATA_SCIENTISTS, "excluded_attributes": ["members"]})).await;
    let request = env.single_api_request();
    assert_eq!(request.query_value("excludedAttributes"), Some("members"));
    assert_eq!(group["members"], json!([]), "{group}");
    env.clear();
    env.ok("get-user", json!({"id": ADA, "attributes": ["id", "userName"]})).await;
    assert_eq!(env.single_api_request().query_value("attributes"), Some("id,userName"));

    env.clear();
    let tags = json!([{"key": "team", "values": ["data", "ml"]}]);
    let created =
        env.ok("create-budget", json!({"display_name": "Team data", "monthly_threshold_usd": "100", "alert_emails": ["a@example.com"], "tags": tags})).await;
    let body = env.single_api_request().body.unwrap();
    assert_eq!(body["budget"]["account_id"], env.account_id());
    assert_eq!(body["budget"]["filter"], json!({"tags": [{"key": "team", "value": {"operator": "IN", "values": ["data", "ml"]}}]}));
    assert_eq!(created["tags"], tags);
    let id = created["budget_configuration_id"].as_str().unwrap();
    env.clear();
    let updated = env.ok("update-budget", json!({"budget_configuration_id": id, "workspace_ids": [fake_account::example_ids::ANALYTICS_PROD]})).await;
    assert_eq!(updated["tags"], tags, "the tag filter stays when only the workspaces change");
    let put = env.api_requests().into_iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(put.body.unwrap()["budget"]["account_id"], env.account_id());

    let status = json!({"status": "SUCCEEDED", "message": "ok", "last_attempt_time": "2026-11-30T10:00:00Z", "last_successful_attempt_time": "2026-11-30T10:00:00Z"});
    let config = json!({"log_delivery_configuration": {"config_id": LOG_DELIVERY_CONFIG, "log_delivery_status": status}});
    env.fake.push_fault(Fault::new("/log-delivery/", FaultAction::json(200, config, &[])));
    let read = env.ok("get-log-delivery-config", json!({"config_id": LOG_DELIVERY_CONFIG})).await;
    assert_eq!(read["log_delivery_status"]["last_attempt_time"], "2026-11-30T10:00:00Z");
    assert_eq!(read["log_delivery_status"]["last_successful_attempt_time"], "2026-11-30T10:00:00Z");
}

/// The month Databricks documents and returns (`2024-01`) is what the card takes.
#[scenario]
async fn log_delivery_starts_in_a_month() {
    let env = Env::demo().await;
    let (credential, storage) = (fake_account::example_ids::CREDENTIAL, fake_account::example_ids::STORAGE_CONFIGURATION);
    let input = json!({"log_type": "billable_usage", "credentials_id": credential, "storage_configuration_id": storage, "delivery_start_time": "2024-01"});
    env.clear();
    env.ok("create-log-delivery-config", input).await;
    let body: Value = env.single_api_request().body.unwrap();
    assert_eq!(body["log_delivery_configuration"]["delivery_start_time"], "2024-01");
    let (case, error) = env
        .err(
            "create-log-delivery-config",
            json!({"log_type": "billable_usage", "credentials_id": credential, "storage_configuration_id": storage, "delivery_start_time": "2024-01-15"}),
        )
        .await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("delivery-start-time")));
}
