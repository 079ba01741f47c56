//! Budgets on API 2.1: create with a monthly e-mail alert, list, get, update (read, then
//! PUT the whole budget back), delete.

use e2e::Env;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_budget_from_creation_to_deletion() {
    let env = Env::empty().await;
    let budgets_path = format!("/api/2.1/accounts/{}/budgets", env.account_id());
    env.clear();
    let created = env
        .ok(
            "create-budget",
            json!({"display_name": "Q4 data platform", "monthly_threshold_usd": "2500.50", "alert_emails": ["finops@example.com"], "workspace_ids": [1234567890123456i64]}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", budgets_path.as_str()), "budgets are API 2.1");
    assert_eq!(
        request.body.unwrap(),
        json!({"budget": {
            "display_name": "Q4 data platform",
            "filter": {"workspace_id": {"operator": "IN", "values": [1234567890123456i64]}},
            "alert_configurations": [{
                "time_period": "MONTH",
                "trigger_type": "CUMULATIVE_SPENDING_EXCEEDED",
                "quantity_type": "LIST_PRICE_DOLLARS_USD",
                "quantity_threshold": "2500.50",
                "action_configurations": [{"action_type": "EMAIL_NOTIFICATION", "target": "finops@example.com"}]
            }]
        }})
    );
    let id = created["budget_configuration_id"].as_str().unwrap().to_string();
    assert_eq!(created["monthly_threshold_usd"], "2500.50");
    assert_eq!(created["alert_emails"], json!(["finops@example.com"]));
    assert_eq!(created["workspace_ids"], json!([1234567890123456i64]));
    let raw: Value = serde_json::from_str(created["raw"].as_str().unwrap()).unwrap();
    let alert_id = raw["alert_configurations"][0]["alert_configuration_id"].clone();
    assert!(alert_id.is_string(), "{raw}");

    assert_eq!(env.ok("list-budgets", json!({})).await["budgets"][0]["budget_configuration_id"], id.as_str());
    assert_eq!(env.ok("get-budget", json!({"budget_configuration_id": id})).await["display_name"], "Q4 data platform");

    env.clear();
    let updated = env
        .ok("update-budget", json!({"budget_configuration_id": id, "monthly_threshold_usd": "3000", "alert_emails": ["finops@example.com", "cto@example.com"]}))
        .await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests), [format!("GET {budgets_path}/{id}"), format!("PUT {budgets_path}/{id}")], "read, then replace whole");
    let sent = &requests[1].body.clone().unwrap()["budget"];
    assert_eq!(sent["display_name"], "Q4 data platform", "unchanged fields go back as they were");
    assert_eq!(sent["alert_configurations"][0]["alert_configuration_id"], alert_id, "the alert keeps its ID");
    assert!(sent.get("create_time").is_none(), "server-owned fields are not sent back");
    assert_eq!((updated["monthly_threshold_usd"].as_str(), updated["alert_emails"].as_array().unwrap().len()), (Some("3000"), 2));

    env.clear();
    assert_eq!(env.ok("delete-budget", json!({"budget_configuration_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().path, format!("{budgets_path}/{id}"));
    assert_eq!(env.err("get-budget", json!({"budget_configuration_id": id})).await.0, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_budget_inputs_are_refused_before_any_request() {
    let env = Env::empty().await;
    env.clear();
    let budget = |threshold: &str, emails: Value| json!({"display_name": "b", "monthly_threshold_usd": threshold, "alert_emails": emails});
    for (card, input, field) in [
        ("create-budget", budget("1,000", json!(["a@example.com"])), "monthly-threshold-usd"),
        ("create-budget", budget("-5", json!(["a@example.com"])), "monthly-threshold-usd"),
        ("create-budget", budget("100", json!([])), "alert-emails"),
        ("create-budget", budget("100", json!(["not-an-email"])), "alert-emails"),
        ("update-budget", json!({"budget_configuration_id": "abc"}), "budget-configuration-id"),
        ("get-budget", json!({"budget_configuration_id": "../x"}), "budget-configuration-id"),
    ] {
        let (case, error) = env.err(card, input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{card}");
    }
    assert!(env.fake.requests().is_empty());
}
