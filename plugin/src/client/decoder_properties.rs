//! Property tests of everything that reads what the network sends: error decoding,
//! JSON decoding of records and list pages, `Retry-After`, retry decisions. Arbitrary
//! statuses, headers and bodies (random bytes, random JSON, Databricks' error shapes with
//! random field types, HTML) must give a value, never a panic, and errors must stay
//! consistent with the status and bounded in size.

use super::errors;
use super::http::Response;
use super::retry;
use super::scim::ListResponse;
use crate::wit::CardError;
use crate::wit::identity::{Group, ServicePrincipal, User};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::SystemTime;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z$_]{1,12}", inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies shaped like Databricks' answers, with arbitrary values in every field.
fn databricks_shaped() -> impl Strategy<Value = Value> {
    (any_json(), any_json(), any_json(), any_json()).prop_flat_map(|(a, b, c, d)| {
        prop_oneof![
            Just(json!({"error_code": a.clone(), "message": b.clone(), "details": c.clone()})),
            Just(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": a.clone(), "status": b.clone(), "scimType": c.clone()})),
            Just(json!({"error": a.clone(), "error_description": b.clone()})),
            Just(json!({"errorCode": a.clone(), "errorSummary": b.clone()})),
            Just(json!({"totalResults": a.clone(), "startIndex": b.clone(), "Resources": c.clone()})),
            Just(json!({"id": a.clone(), "userName": b.clone(), "emails": c.clone(), "groups": d.clone(), "name": a.clone()})),
            Just(json!({"id": a.clone(), "displayName": b.clone(), "members": [{"value": c.clone(), "$ref": d.clone()}]})),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        databricks_shaped().prop_map(|v| v.to_string().into_bytes()),
        ".{0,200}".prop_map(|t| format!("<html><title>{t}</title><pre>{t}</pre></html>").into_bytes()),
        "[A-Z_]{0,20}: .{0,100}".prop_map(String::into_bytes),
        Just("x".repeat(100_000).into_bytes()),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("retry-after".to_string()),
                Just("content-type".to_string()),
                Just("x-request-id".to_string()),
                "[a-z-]{1,16}"
            ],
            ".{0,60}",
        ),
        0..5,
    )
}

fn response() -> impl Strategy<Value = Response> {
    (100u16..600, headers(), body()).prop_map(|(status, headers, body)| Response { status, headers, body })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn error_decoding_is_total_bounded_and_consistent(response in response()) {
        let error = super::secrets::Secrets::default().redact_error(errors::decode(&response));
        prop_assert!(errors::message_mut(&mut error.clone()).len() <= 500 + '…'.len_utf8(), "message too long");
        let status = match &error {
            CardError::Unauthenticated(e) | CardError::PermissionDenied(e) | CardError::NotFound(e) | CardError::Conflict(e) | CardError::Upstream(e) => e.status,
            CardError::RateLimited(r) => r.error.status,
            other => return Err(TestCaseError::fail(format!("an answer decoded as {other:?}"))),
        };
        prop_assert_eq!(status, response.status);
        // The status decides the case, except where Databricks' error code is more precise.
        match response.status {
            404 => prop_assert!(matches!(error, CardError::NotFound(_))),
            409 => prop_assert!(matches!(error, CardError::Conflict(_) | CardError::NotFound(_))),
            429 => prop_assert!(matches!(error, CardError::RateLimited(_) | CardError::NotFound(_) | CardError::Conflict(_))),
            _ => {}
        }
    }

    #[test]
    fn record_and_page_decoding_never_panics(response in response()) {
        let _ = response.json::<User>();
        let _ = response.json::<Group>();
        let _ = response.json::<ServicePrincipal>();
        let _ = response.json::<ListResponse<User>>();
        let _ = response.json::<ListResponse<Group>>();
        let _ = response.has_content();
    }

    #[test]
    fn retry_decisions_never_panic(response in response(), idempotent in any::<bool>()) {
        let _ = retry::for_response(idempotent, &response);
        let wait = retry::retry_after(&response, SystemTime::now());
        if let Some(value) = response.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
            prop_assert_eq!(wait.map(|d| d.as_secs()), Some(value));
        }
        let decoded = errors::decode(&response);
        let _ = retry::exhausted(decoded, Some(&response), 3);
    }
}
