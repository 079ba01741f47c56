//! Databricks' error bodies: the standard `{error_code, message}`, the SCIM error
//! schema, and OAuth's `{error, error_description}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `{"error_code": …, "message": …}`, as every non-SCIM account API answers.
pub fn api(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({"error_code": code, "message": message.into()}))).into_response()
}

/// The SCIM error schema (RFC 7644 §3.12), as the account SCIM API answers.
pub fn scim(status: StatusCode, scim_type: Option<&str>, detail: impl Into<String>) -> Response {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "detail": detail.into(),
        "status": status.as_u16().to_string(),
    });
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    (status, Json(body)).into_response()
}

/// The OAuth token endpoint's errors (RFC 6749 §5.2).
pub fn oauth(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// 409 `RESOURCE_CONFLICT` for a write with a stale etag. The current etag rides in a
/// `google.rpc.ErrorInfo` detail's `metadata.etag`, where the settings API puts it ("the request
/// must be retried by using the fresh etag in the 409 response", the SDKs' settings docs; the
/// Terraform provider's `retryOnEtagError` reads it from there). Its `reason` and `domain` are
/// not documented, so they are left out.
pub fn stale_etag(message: impl Into<String>, etag: &str) -> Response {
    let detail = json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "metadata": {"etag": etag}});
    let body = json!({"error_code": "RESOURCE_CONFLICT", "message": message.into(), "details": [detail]});
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// A request over the account's limits: 429 with `Retry-After` (whole seconds, at least 1, as
/// Databricks sends it) and `REQUEST_LIMIT_EXCEEDED`.
pub fn throttled(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response =
        api(StatusCode::TOO_MANY_REQUESTS, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again.");
    if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}
