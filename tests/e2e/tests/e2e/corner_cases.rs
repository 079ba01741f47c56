//! Every card against every way Databricks says no (in the style of the Terraform
//! provider's `ResourceCornerCases`): each answer must become the right typed
//! `card-error`, with the status, error code and request ID, and no secret.

use e2e::{Env, SENTINEL_SECRET, scenario};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Each card's example input from the card list (it runs against the Examples seed; here the
/// injected answer comes first, so the IDs it names need not exist).
async fn examples(env: &Env) -> BTreeMap<String, Value> {
    let catalog = host_harness::CardCatalog::load(&env.harness).await.expect("the card list loads");
    catalog.cards.into_iter().map(|card| (card.id, card.example_input)).collect()
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

impl Case {
    /// The fault that gives this answer.
    fn answer(&self) -> FaultAction {
        FaultAction::Respond {
            status: self.status,
            content_type: self.content_type.into(),
            body: self.body.clone(),
            headers: self.headers.clone(),
        }
    }
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

/// The cards that run with the M2M connection of these tests: the card list leaves their `auth`
/// empty or names `oauth-m2m`. (The U2M login cards are covered by
/// `login_cards_turn_every_token_endpoint_error_into_a_typed_error` below.)
async fn m2m_cards(env: &Env) -> Vec<String> {
    let catalog = host_harness::CardCatalog::load(&env.harness).await.expect("the card list loads");
    catalog.cards.into_iter().filter(|c| c.auth.is_empty() || c.auth.iter().any(|a| a == "oauth-m2m")).map(|c| c.id).collect()
}

/// Decoding is under test here, not retrying: the connection turns retries off.
async fn env_without_retries() -> Env {
    let mut env = Env::empty().await;
    env.connection["policy"] = json!({"retry_budget_ms": 0});
    env
}

#[scenario]
async fn every_card_turns_every_error_answer_into_a_typed_error() {
    let env = env_without_retries().await;
    let (cards, examples) = (m2m_cards(&env).await, examples(&env).await);
    assert!(cards.len() >= 80, "{cards:?}");
    let mut checked = 0;
    for card in &cards {
        let example = &examples[card];
        if answers_without_databricks(&env, card, example).await {
            continue;
        }
        for case in cases() {
            // Twice, because a rejected token is replaced and the request replayed once.
            let action = case.answer();
            env.fake.clear_faults();
            env.fake.push_fault(Fault::new("/api/2.", action).times(2));
            let context = format!("{card} / {}", case.name);
            let error = if card == "check-connection" {
                // It reports each check rather than failing: the principal check holds the error.
                let health = env.run(card, example.clone()).await.expect(&context);
                assert_eq!(
                    (health["healthy"].as_bool(), health["service_principal"]["status"].as_str()),
                    (Some(false), Some("failed")),
                    "{context}"
                );
                health["service_principal"]["error"].clone()
            } else if card == "onboard-users" {
                // A refusal about the person is that person's outcome; one about the connection
                // or the account stops the run.
                match env.run(card, example.clone()).await {
                    Ok(result) => result["users"][0]["error"].clone(),
                    Err(error) => error,
                }
            } else {
                env.run(card, example.clone()).await.expect_err(&context)
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
    assert!(checked >= 80 * cases().len(), "{checked} checks");
}

/// Whether the card answers this input without asking Databricks (`unified-get-role` knows the
/// fixed roles): then no answer of Databricks' can reach it, and it has no corner cases.
async fn answers_without_databricks(env: &Env, card: &str, example: &Value) -> bool {
    env.clear();
    if env.run(card, example.clone()).await.is_err() || !env.fake.requests().is_empty() {
        env.clear();
        return false;
    }
    true
}

/// Cards whose first request is a PATCH (or PUT) Databricks answers empty, followed by a read-back.
const PATCH_THEN_READ_BACK: &[&str] = &[
    "update-custom-app-integration",
    "update-log-delivery-config",
    "update-ip-access-list",
    "replace-ip-access-list",
    "update-published-app-integration",
];
/// Deletes that read first (a setting's etag, the IP access lists the lockout guard checks):
/// their first answer is read, so an unreadable one is an error.
const READ_BEFORE_DELETE: &[&str] =
    &["delete-ip-access-list-enforcement", "delete-disable-legacy-features-setting", "delete-personal-compute-setting"];
/// Cards that return their input, because Databricks answers them with nothing of use.
const RETURN_THEIR_INPUT: &[&str] = &["assign-metastore-to-workspace", "update-metastore-assignment"];
/// Deletes that return what Databricks answers (the rule, removed or deactivated), not their ID.
const DELETES_THAT_READ_THE_ANSWER: &[&str] = &["delete-private-endpoint-rule"];

#[scenario]
async fn an_unreadable_success_is_an_error_for_cards_that_read_it() {
    let env = env_without_retries().await;
    let examples = examples(&env).await;
    for card in m2m_cards(&env).await {
        let example = &examples[&card];
        if answers_without_databricks(&env, &card, example).await {
            continue;
        }
        env.fake.push_fault(Fault::new("/api/2.", FaultAction::raw(200, "application/json", "{\"id\": \"12")));
        let result = env.run(&card, example.clone()).await;
        let plain_delete = card.starts_with("delete-")
            && !DELETES_THAT_READ_THE_ANSWER.contains(&card.as_str())
            && !READ_BEFORE_DELETE.contains(&card.as_str());
        if plain_delete || RETURN_THEIR_INPUT.contains(&card.as_str()) {
            // These do not read the body: the 200 is the whole answer.
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

#[scenario]
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
            let action = case.answer();
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
