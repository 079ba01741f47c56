//! Budgets on API 2.1: create with a monthly e-mail alert, list, get, update (read, then
//! PUT the whole budget back), delete.

use e2e::{Env, scenario};
use serde_json::{Value, json};

#[scenario]
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
            "account_id": env.account_id(),
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
    assert_eq!(
        e2e::summary(&requests),
        [format!("GET {budgets_path}/{id}"), format!("PUT {budgets_path}/{id}")],
        "read, then replace whole"
    );
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

#[scenario]
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

use fake_account::example_ids::{CREDENTIAL, STORAGE_CONFIGURATION as STORAGE};

#[scenario]
async fn log_delivery_is_created_disabled_and_limited_to_two_enabled() {
    let env = Env::demo().await;
    env.clear();
    let created = env
        .ok(
            "create-log-delivery-config",
            json!({"config_name": "usage", "log_type": "billable_usage", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE, "delivery_start_time": "2026-01"}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("log-delivery").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"log_delivery_configuration": {"log_type": "BILLABLE_USAGE", "output_format": "CSV", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE, "config_name": "usage", "delivery_start_time": "2026-01"}})
    );
    let id = created["config_id"].as_str().unwrap().to_string();
    assert_eq!((created["status"].as_str(), created["log_delivery_status"]["status"].as_str()), (Some("enabled"), Some("CREATED")));

    env.ok(
        "create-log-delivery-config",
        json!({"log_type": "billable_usage", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE}),
    )
    .await;
    let (case, error) = env
        .err(
            "create-log-delivery-config",
            json!({"log_type": "billable_usage", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE}),
        )
        .await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("INVALID_PARAMETER_VALUE")), "a third enabled one");

    env.clear();
    let disabled = env.ok("update-log-delivery-config", json!({"config_id": id, "status": "disabled"})).await;
    let requests = env.api_requests();
    assert_eq!(
        e2e::summary(&requests),
        [format!("PATCH {}", env.api(&format!("log-delivery/{id}"))), format!("GET {}", env.api(&format!("log-delivery/{id}")))]
    );
    assert_eq!(requests[0].body.clone().unwrap(), json!({"status": "DISABLED"}), "status is the only field");
    assert_eq!(disabled["status"], "disabled");

    env.clear();
    let only_disabled = env.ok("list-log-delivery-configs", json!({"status": "disabled"})).await;
    assert_eq!(env.single_api_request().query_value("status"), Some("DISABLED"));
    assert_eq!(only_disabled["configs"].as_array().unwrap().len(), 1);
    assert_eq!(env.ok("get-log-delivery-config", json!({"config_id": id})).await, disabled);
    assert_eq!(env.err("get-log-delivery-config", json!({"config_id": "nope"})).await.0, "not_found");
}

#[scenario]
async fn log_delivery_is_aws_and_gcp_only_and_validates_first() {
    let env = Env::demo().await;
    env.clear();
    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    let (case, _) = e2e::error_case(&env.run_with("list-log-delivery-configs", &azure, json!({})).await.unwrap_err());
    assert_eq!(case, "unsupported");
    for (input, field) in [
        (json!({"log_type": "audit_logs", "credentials_id": "x", "storage_configuration_id": STORAGE}), "credentials-id"),
        (
            json!({"log_type": "audit_logs", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE, "delivery_start_time": "2026-01-31"}),
            "delivery-start-time",
        ),
        (
            json!({"log_type": "audit_logs", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE, "workspace_ids_filter": [0]}),
            "workspace-ids-filter",
        ),
    ] {
        let (case, error) = env.err("create-log-delivery-config", input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)));
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn billable_usage_downloads_as_csv_and_parsed_rows() {
    let env = Env::demo().await;
    env.clear();
    let usage = env.ok("download-billable-usage", json!({"start_month": "2026-01", "end_month": "2026-03"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("usage/download").as_str()));
    assert_eq!(
        request.query,
        [("start_month".into(), "2026-01".into()), ("end_month".into(), "2026-03".into()), ("personal_data".into(), "false".into())]
    );
    assert_eq!(request.header("accept"), Some("text/plain"), "the SDK asks for text");
    let columns: Vec<&str> = usage["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(&columns[..3], ["workspaceId", "timestamp", "clusterId"]);
    let rows = usage["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "two workspaces × three months");
    assert!(rows.iter().all(|r| r.as_array().unwrap().len() == columns.len()));
    assert_eq!(rows[0][6], "{\"team\":\"data\"}", "quoted CSV fields are unquoted");
    assert!(usage["csv"].as_str().unwrap().starts_with("workspaceId,timestamp"));

    for (input, field) in [
        (json!({"start_month": "2026-1", "end_month": "2026-03"}), "start-month"),
        (json!({"start_month": "2026-03", "end_month": "2026-13"}), "end-month"),
        (json!({"start_month": "2026-03", "end_month": "2026-01"}), "end-month"),
    ] {
        let (case, error) = env.err("download-billable-usage", input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)));
    }
}
