//! `custom-api-request`: any account API call with the connection's auth and retries,
//! and nothing else: other hosts, other accounts, escapes and credentials headers are
//! refused before a request is sent.

use e2e::{Env, scenario};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};

#[scenario]
async fn a_request_is_signed_filled_in_and_answered_with_status_headers_and_body() {
    let env = Env::demo().await;
    env.clear();
    let answer = env
        .ok(
            "custom-api-request",
            json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/scim/v2/Users",
                   "query": [["filter", "userName sw \"ada\""], ["count", "1"]],
                   "headers": [["X-Request-Tag", "flow-7"]]}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("scim/v2/Users").as_str()));
    assert_eq!(request.query, [("filter".to_string(), "userName sw \"ada\"".to_string()), ("count".into(), "1".into())]);
    assert_eq!(request.header("x-request-tag"), Some("flow-7"));
    assert!(request.header("authorization").unwrap().starts_with("Bearer "));
    assert_eq!(answer["status"], 200);
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["Resources"][0]["userName"], "ada.lovelace@example.com");
    let headers = answer["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("x-request-id")), "{headers:?}");

    // A body for POST, on /api/2.1 (budgets).
    env.clear();
    let created = env
        .ok(
            "custom-api-request",
            json!({"method": "post", "path": "/api/2.0/accounts/{account_id}/ip-access-lists",
                   "body": "{\"label\": \"office\", \"list_type\": \"ALLOW\", \"ip_addresses\": [\"10.0.0.1\"]}"}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!(request.body, Some(json!({"label": "office", "list_type": "ALLOW", "ip_addresses": ["10.0.0.1"]})));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(created["body"].as_str().unwrap().contains("office"));
    env.ok("custom-api-request", json!({"method": "get", "path": "/api/2.1/accounts/{account_id}/budgets"})).await;
}

#[scenario]
async fn errors_are_typed_and_throttling_is_retried() {
    let env = Env::demo().await;
    let (case, payload) = env
        .err("custom-api-request", json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/scim/v2/Users/4211000000000001"}))
        .await;
    assert_eq!(case, "not_found");
    assert_eq!(payload["status"], 404);

    env.fake.push_fault(Fault::new(
        "/ip-access-lists",
        FaultAction::json(429, json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"}), &[("retry-after", "0")]),
    ));
    env.clear();
    let answer = env.ok("custom-api-request", json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/ip-access-lists"})).await;
    assert_eq!(answer["status"], 200);
    assert_eq!(env.api_requests().len(), 2, "the throttled GET was retried");
}

#[scenario]
async fn escapes_other_hosts_other_accounts_and_credentials_are_refused_before_sending() {
    let env = Env::demo().await;
    env.clear();
    let other_account = "/api/2.0/accounts/00000000-0000-0000-0000-000000000000/scim/v2/Users";
    for (input, field, reason) in [
        (json!({"method": "get", "path": "https://evil.example/api/2.0/accounts/{account_id}/scim/v2/Users"}), "path", "absolute"),
        (json!({"method": "get", "path": "//evil.example/api/2.0/accounts/{account_id}/x"}), "path", "absolute"),
        (json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/../../../oidc/accounts/{account_id}/v1/token"}), "path", ".."),
        (json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/%2e%2e/x"}), "path", "encoded"),
        (json!({"method": "get", "path": "/api/2.0/clusters/list"}), "path", "must be under"),
        (json!({"method": "get", "path": other_account}), "path", "other accounts"),
        (json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/x?admin=true"}), "path", "query"),
        (
            json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/x", "headers": [["Authorization", "Bearer stolen"]]}),
            "headers",
            "signs",
        ),
        (json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/x", "headers": [["Host", "evil.example"]]}), "headers", "signs"),
        (json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/x", "body": "{}"}), "body", "only POST"),
        (json!({"method": "post", "path": "/api/2.0/accounts/{account_id}/x", "body": "{not json"}), "body", "JSON"),
    ] {
        let (case, payload) = env.err("custom-api-request", input.clone()).await;
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some(field)), "{input}");
        assert!(payload["reason"].as_str().unwrap().contains(reason), "{input}: {payload}");
    }
    assert!(env.fake.requests().is_empty(), "nothing was sent, not even a token request");
}

#[scenario]
async fn a_scim_token_reaches_account_scim_only() {
    let env = Env::start(fake_account::Seed::Demo, e2e::Login::ScimToken).await;
    let answer = env.ok("custom-api-request", json!({"method": "get", "path": "/api/2.1/accounts/{account_id}/scim/v2/Groups"})).await;
    assert_eq!(answer["status"], 200);
    let (case, message) =
        env.err("custom-api-request", json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/workspaces"})).await;
    assert_eq!(case, "unsupported");
    assert!(message.as_str().unwrap().contains("SCIM token"));
}
