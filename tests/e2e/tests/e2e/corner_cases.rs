//! Every card against every way Databricks says no (in the style of the Terraform
//! provider's `ResourceCornerCases`): each answer must become the right typed
//! `card-error`, with the status, error code and request ID, and no secret.

use e2e::{Env, SENTINEL_SECRET};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};

/// A valid input for each card. IDs need not exist: the fault answers first.
fn example(card: &str) -> Value {
    match card {
        "list-users" | "list-groups" | "list-service-principals" => json!({}),
        "get-user" | "get-group" | "get-service-principal" | "delete-user" | "delete-group" | "delete-service-principal" => {
            json!({"id": "1234567890"})
        }
        "create-user" => json!({"user_name": "corner@example.com"}),
        "update-user" | "update-service-principal" => json!({"id": "1234567890", "active": false}),
        "create-group" => json!({"display_name": "corner"}),
        "update-group" => json!({"id": "1234567890", "display_name": "corner"}),
        "add-group-member" | "remove-group-member" => json!({"group_id": "1234567890", "member_id": "987654321"}),
        "create-service-principal" => json!({"display_name": "corner"}),
        "list-ip-access-lists" | "list-custom-app-integrations" | "list-budgets" | "list-log-delivery-configs" => json!({}),
        "get-log-delivery-config" => json!({"config_id": "abc123"}),
        "download-billable-usage" => json!({"start_month": "2026-01", "end_month": "2026-01"}),
        "update-log-delivery-config" => json!({"config_id": "abc123", "status": "disabled"}),
        "create-log-delivery-config" => {
            json!({"log_type": "audit_logs", "credentials_id": "7b9b6c58-3c1e-4a4e-9a0e-2f6c8d1e5a01", "storage_configuration_id": "0f1e2d3c-4b5a-4968-8776-655443322110"})
        }
        "get-budget" | "delete-budget" => json!({"budget_configuration_id": "abc123"}),
        "create-budget" => json!({"display_name": "corner", "monthly_threshold_usd": "100", "alert_emails": ["a@example.com"]}),
        "update-budget" => json!({"budget_configuration_id": "abc123", "display_name": "corner"}),
        "get-custom-app-integration" | "delete-custom-app-integration" => json!({"integration_id": "abc123"}),
        "create-custom-app-integration" => json!({"name": "corner", "redirect_urls": ["https://example.com/cb"], "confidential": true}),
        "update-custom-app-integration" => json!({"integration_id": "abc123", "scopes": ["all-apis"]}),
        "list-workspace-permission-assignments" => json!({"workspace_id": 1234567890}),
        "create-or-update-workspace-permission-assignment" => {
            json!({"workspace_id": 1234567890, "principal_id": 42, "permissions": ["user"]})
        }
        "delete-workspace-permission-assignment" => json!({"workspace_id": 1234567890, "principal_id": 42}),
        "get-ip-access-list" | "delete-ip-access-list" => json!({"list_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"}),
        "list-service-principal-secrets" | "create-service-principal-secret" => json!({"service_principal_id": "1234567890"}),
        "delete-service-principal-secret" => json!({"service_principal_id": "1234567890", "secret_id": "abc123"}),
        "list-workspaces" | "list-credentials" | "list-metastores" | "list-storage-configurations" | "list-networks" => json!({}),
        "get-storage-configuration" => json!({"storage_configuration_id": "0f1e2d3c-4b5a-4968-8776-655443322110"}),
        "get-network" | "delete-network" => json!({"network_id": "0f1e2d3c-4b5a-4968-8776-655443322110"}),
        "create-network" => {
            json!({"network_name": "corner", "aws": {"vpc_id": "vpc-01", "subnet_ids": ["subnet-01", "subnet-02"], "security_group_ids": ["sg-01"]}})
        }
        "get-metastore" | "list-metastore-workspace-assignments" => json!({"metastore_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"}),
        "create-metastore" => json!({"name": "corner"}),
        "update-metastore" => json!({"metastore_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d", "owner": "corner"}),
        "delete-metastore" => json!({"metastore_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"}),
        "get-workspace-metastore" => json!({"workspace_id": 1234567890}),
        "assign-metastore-to-workspace" | "delete-metastore-from-workspace" => {
            json!({"workspace_id": 1234567890, "metastore_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"})
        }
        "get-workspace" => json!({"workspace_id": 1234567890}),
        "get-credential" | "delete-credential" => json!({"credentials_id": "7b9b6c58-3c1e-4a4e-9a0e-2f6c8d1e5a01"}),
        "create-credential" => json!({"credentials_name": "corner", "role_arn": "arn:aws:iam::123456789012:role/corner"}),
        "create-ip-access-list" => json!({"label": "corner", "list_type": "allow", "ip_addresses": ["10.0.0.1"]}),
        "search-users" => json!({"value": "ada@example.com"}),
        "search-groups" => json!({"display_name": "corner"}),
        "read-user-by-email" => json!({"email": "ada@example.com"}),
        "activate-user" | "deactivate-user" => json!({"id": "1234567890"}),
        "make-account-admin" | "revoke-account-admin" => json!({"kind": "group", "id": "1234567890"}),
        "rotate-service-principal-secret" => json!({"service_principal_id": "1234567890"}),
        "check-connection" | "unified-get-me" => json!({}),
        "custom-api-request" => json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/workspaces"}),
        "unified-list-users" | "unified-list-groups" | "unified-list-organizations" | "unified-list-roles" => json!({}),
        "unified-get-user" | "unified-get-group" => json!({"id": "1234567890"}),
        "unified-get-organization" => json!({"id": "1234567890"}),
        "unified-get-role" => json!({"id": "roles/corner"}),
        other => panic!("card {other} has no corner-case example: add one here"),
    }
}

struct Case {
    name: &'static str,
    status: u16,
    content_type: &'static str,
    body: String,
    headers: Vec<(String, String)>,
    /// The card-error case a flow sees, its error code, and a text its message holds.
    expect: (&'static str, Option<&'static str>, &'static str),
}

fn cases() -> Vec<Case> {
    let json_error = |code: &str, message: &str| json!({"error_code": code, "message": message}).to_string();
    let scim_error = |status: &str, detail: &str| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": detail, "status": status}).to_string()
    };
    vec![
        Case {
            name: "expired token",
            status: 401,
            content_type: "application/json",
            body: json_error("UNAUTHENTICATED", "Token is expired"),
            headers: vec![],
            expect: ("unauthenticated", Some("UNAUTHENTICATED"), "Token is expired"),
        },
        Case {
            name: "not an admin",
            status: 403,
            content_type: "application/json",
            body: json_error("PERMISSION_DENIED", "This API is disabled for users without account admin status"),
            headers: vec![],
            expect: ("permission_denied", Some("PERMISSION_DENIED"), "account admin"),
        },
        Case {
            name: "missing",
            status: 404,
            content_type: "application/scim+json",
            body: scim_error("404", "Resource not found."),
            headers: vec![],
            expect: ("not_found", Some("SCIM_404"), "Resource not found."),
        },
        Case {
            name: "conflict",
            status: 409,
            content_type: "application/scim+json",
            body: scim_error("409", "Resource already exists."),
            headers: vec![],
            expect: ("conflict", Some("SCIM_409"), "already exists"),
        },
        Case {
            name: "throttled",
            status: 429,
            content_type: "application/json",
            body: json_error("REQUEST_LIMIT_EXCEEDED", "Too many requests"),
            headers: vec![("retry-after".into(), "3".into())],
            expect: ("rate_limited", Some("REQUEST_LIMIT_EXCEEDED"), "Too many requests"),
        },
        Case {
            name: "server error",
            status: 500,
            content_type: "application/json",
            body: json_error("INTERNAL_ERROR", "Something broke"),
            headers: vec![],
            expect: ("upstream", Some("INTERNAL_ERROR"), "Something broke"),
        },
        Case {
            name: "html gateway page",
            status: 502,
            content_type: "text/html",
            body: "<html><head><title>502 Bad Gateway</title></head><body><pre>upstream connect error</pre></body></html>".into(),
            headers: vec![],
            expect: ("upstream", None, "upstream connect error"),
        },
        // A 503 is Databricks refusing work for now: once retries are spent it is rate-limited.
        Case {
            name: "empty body",
            status: 503,
            content_type: "text/plain",
            body: String::new(),
            headers: vec![],
            expect: ("rate_limited", None, "Service Unavailable"),
        },
        Case {
            name: "secret echoed",
            status: 400,
            content_type: "application/json",
            body: json_error("INVALID_PARAMETER_VALUE", &format!("bad credential {SENTINEL_SECRET} in request")),
            headers: vec![],
            expect: ("upstream", Some("INVALID_PARAMETER_VALUE"), "[redacted]"),
        },
    ]
}

/// The U2M login cards talk to the token endpoint, with a U2M connection: covered by
/// `login_cards_turn_every_token_endpoint_error_into_a_typed_error` below.
const LOGIN_CARDS: &[&str] = &["start-oauth-login", "complete-oauth-login", "refresh-oauth-tokens"];

fn card_ids(env: &Env) -> Vec<String> {
    env.harness.cards().iter().map(|c| c.id.clone()).filter(|id| !LOGIN_CARDS.contains(&id.as_str())).collect()
}

/// Decoding is under test here, not retrying: the connection turns retries off.
async fn env_without_retries() -> Env {
    let mut env = Env::empty().await;
    env.connection["policy"] = json!({"retry_budget_ms": 0});
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn every_card_turns_every_error_answer_into_a_typed_error() {
    let env = env_without_retries().await;
    let cards = card_ids(&env);
    assert!(cards.len() >= 21, "{cards:?}");
    let mut checked = 0;
    for card in &cards {
        for case in cases() {
            // Twice, because a rejected token is replaced and the request replayed once.
            let action = FaultAction::Respond {
                status: case.status,
                content_type: case.content_type.into(),
                body: case.body.clone(),
                headers: case.headers.clone(),
            };
            env.fake.clear_faults();
            env.fake.push_fault(Fault::new("/api/2.", action).times(2));
            let context = format!("{card} / {}", case.name);
            let error = if card == "check-connection" {
                // It reports each check rather than failing: the principal check holds the error.
                let health = env.run(card, example(card)).await.expect(&context);
                assert_eq!(
                    (health["healthy"].as_bool(), health["service_principal"]["status"].as_str()),
                    (Some(false), Some("failed")),
                    "{context}"
                );
                health["service_principal"]["error"].clone()
            } else {
                env.run(card, example(card)).await.expect_err(&context)
            };
            let (variant, payload) = e2e::error_case(&error);
            let api_error = if variant == "rate_limited" { payload["error"].clone() } else { payload.clone() };
            let (want_case, want_code, want_text) = case.expect;
            assert_eq!(variant, want_case, "{context}: {error}");
            assert_eq!(api_error["status"], case.status, "{context}");
            assert_eq!(api_error["error_code"].as_str(), want_code, "{context}");
            assert!(api_error["message"].as_str().unwrap().contains(want_text), "{context}: {api_error}");
            assert!(api_error["request_id"].is_string(), "{context}: the request id reaches the flow");
            if case.name == "throttled" {
                assert_eq!(payload["retry_after_seconds"], 3, "{context}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, cards.len() * cases().len());
}

/// Cards whose first request is a PATCH Databricks answers empty, followed by a read-back.
const PATCH_THEN_READ_BACK: &[&str] = &["update-custom-app-integration", "update-log-delivery-config"];

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_success_is_an_error_for_cards_that_read_it() {
    let env = env_without_retries().await;
    for card in card_ids(&env) {
        env.fake.push_fault(Fault::new("/api/2.", FaultAction::raw(200, "application/json", "{\"id\": \"12")));
        let result = env.run(&card, example(&card)).await;
        if card.starts_with("delete-") {
            // A delete does not read the body: the 200 is the whole answer.
            assert!(result.is_ok(), "{card}: {result:?}");
        } else if card == "custom-api-request" {
            // The raw card hands the body over as text: reading it is the flow's business.
            assert_eq!(result.expect(&card)["body"], "{\"id\": \"12");
        } else if card == "check-connection" {
            let health = result.expect(&card);
            let error = &health["service_principal"]["error"]["upstream"];
            assert!(error["message"].as_str().unwrap().contains("cannot read"), "{card}: {health}");
        } else if card == "download-billable-usage" {
            // Usage is CSV text, not JSON: this body is a (one-line) CSV with no rows.
            assert_eq!(result.expect(&card)["rows"], serde_json::json!([]));
        } else if PATCH_THEN_READ_BACK.contains(&card.as_str()) {
            // Databricks answers these PATCHes with nothing, so the card does not read the answer;
            // it reads the resource back instead, which the fake account does not have.
            assert_eq!(e2e::error_case(&result.expect_err(&card)).0, "not_found");
        } else {
            let (variant, payload) = e2e::error_case(&result.expect_err(&card));
            assert_eq!(variant, "upstream", "{card}");
            assert!(payload["message"].as_str().unwrap().contains("cannot read"), "{card}: {payload}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_cards_turn_every_token_endpoint_error_into_a_typed_error() {
    let env = env_without_retries().await;
    let mut connection = env.fake.u2m_connection("a1b2c3", Some(SENTINEL_SECRET));
    connection["auth"]["oauth_u2m"]["refresh_token"] = json!("doau-SENTINEL-refresh");
    connection["policy"] = json!({"retry_budget_ms": 0});
    let inputs = [
        ("refresh-oauth-tokens", json!({"force": true})),
        (
            "complete-oauth-login",
            json!({"code": "c", "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "redirect_uri": "http://localhost:8020/callback"}),
        ),
    ];
    for (card, input) in inputs {
        for case in cases() {
            let action = FaultAction::Respond {
                status: case.status,
                content_type: case.content_type.into(),
                body: case.body.clone(),
                headers: case.headers.clone(),
            };
            env.fake.clear_faults();
            env.fake.push_fault(Fault::new("/v1/token", action));
            let context = format!("{card} / {}", case.name);
            let error = env.run_with(card, &connection, input.clone()).await.expect_err(&context);
            let (variant, payload) = e2e::error_case(&error);
            let api_error = if variant == "rate_limited" { payload["error"].clone() } else { payload.clone() };
            assert_eq!(variant, case.expect.0, "{context}: {error}");
            assert_eq!(api_error["status"], case.status, "{context}");
            assert!(!error.to_string().contains("SENTINEL"), "{context}: {error}");
        }
    }
}
