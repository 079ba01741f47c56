//! Every error shape Databricks answers with, decoded into a `card-error` a flow can
//! branch on. Shapes (from the SDKs' error parsers): `{error_code, message}`, the SCIM
//! error schema, `{error, error_description}` (OAuth and API 1.2), `CODE: message`
//! text, HTML pages, and empty bodies.

use super::http::Response;
use crate::wit::{ApiError, CardError, RateLimit};
use serde_json::Value;

/// Decodes an error response.
pub fn decode(response: &Response) -> CardError {
    let (error_code, message) = code_and_message(response);
    let error = ApiError {
        status: response.status,
        error_code,
        // Cut to length only after redaction (`secrets.rs`), so no secret can straddle the cut.
        message,
        request_id: response.header("x-request-id").map(str::to_string),
    };
    classify(error, retry_after_seconds(response))
}

/// Picks the `card-error` case: by status, refined by Databricks' error code where the
/// status alone misleads (a 400 `RESOURCE_ALREADY_EXISTS` is a conflict).
pub fn classify(error: ApiError, retry_after_seconds: Option<u32>) -> CardError {
    let code = error.error_code.as_deref().unwrap_or("");
    match (error.status, code) {
        (_, "RESOURCE_DOES_NOT_EXIST") | (404, _) => CardError::NotFound(error),
        (_, "RESOURCE_ALREADY_EXISTS" | "ALREADY_EXISTS") | (409, _) => CardError::Conflict(error),
        (_, "REQUEST_LIMIT_EXCEEDED") | (429, _) => CardError::RateLimited(RateLimit { retry_after_seconds, error }),
        (401, _) => CardError::Unauthenticated(error),
        (_, "PERMISSION_DENIED") | (403, _) => CardError::PermissionDenied(error),
        _ => CardError::Upstream(error),
    }
}

/// A `not-found` the connector concludes itself (a search found nothing): status 404 and no
/// Databricks error code, since no Databricks answer said so.
pub fn not_found(message: String) -> CardError {
    CardError::NotFound(ApiError { status: 404, error_code: None, message, request_id: None })
}

/// A success whose body the card cannot read: Databricks never sends one, so the flow
/// learns of it as an `upstream` error rather than a panic.
pub fn unreadable(response: &Response, error: &dyn std::fmt::Display) -> CardError {
    CardError::Upstream(ApiError {
        status: response.status,
        error_code: None,
        message: format!("Databricks sent a response this card cannot read: {error}"),
        request_id: response.header("x-request-id").map(str::to_string),
    })
}

/// A successful answer without the member a card returns (`metastore_info`, ...).
pub fn missing_member(response: &Response, key: &str) -> CardError {
    unreadable(response, &format_args!("the answer has no `{key}`"))
}

/// The human-readable text of any `card-error`, for the few places that amend it
/// (redaction, progress, retry counts).
pub fn message_mut(error: &mut CardError) -> &mut String {
    match error {
        CardError::Unauthenticated(e)
        | CardError::PermissionDenied(e)
        | CardError::NotFound(e)
        | CardError::Conflict(e)
        | CardError::Upstream(e) => &mut e.message,
        CardError::RateLimited(r) => &mut r.error.message,
        CardError::Transport(m) | CardError::Unsupported(m) => m,
        CardError::InvalidInput(f) => &mut f.reason,
    }
}

/// The human-readable text of any `card-error` (a wait's report quotes it).
pub fn message_of(error: &CardError) -> String {
    message_mut(&mut error.clone()).clone()
}

/// Puts `prefix` in front of an error's message (progress of a multi-request card).
pub fn with_prefix(mut error: CardError, prefix: &str) -> CardError {
    message_mut(&mut error).insert_str(0, prefix);
    error
}

fn code_and_message(response: &Response) -> (Option<String>, String) {
    let text = String::from_utf8_lossy(&response.body);
    let text = text.trim();
    if text.is_empty() {
        return (None, reason_phrase(response.status).to_string());
    }
    if let Ok(Value::Object(body)) = serde_json::from_str::<Value>(text)
        && let Some(decoded) = from_json(&body)
    {
        return decoded;
    }
    if looks_like_html(response, text) {
        let message = html_message(text).unwrap_or_else(|| reason_phrase(response.status).to_string());
        return (None, message);
    }
    // `ERROR_CODE: message`, as some gateways answer in plain text.
    if let Some((code, message)) = text.split_once(": ")
        && !code.is_empty()
        && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
    {
        return (Some(code.to_string()), message.to_string());
    }
    (None, text.to_string())
}

fn from_json(body: &serde_json::Map<String, Value>) -> Option<(Option<String>, String)> {
    let string = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
    // Standard: error_code may be a string or a number.
    if let Some(code) = body.get("error_code") {
        let code = match code {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Some((Some(code), string("message").unwrap_or_default()));
    }
    // SCIM: the SDKs report `SCIM_<status>` and "<scimType> <detail>".
    let is_scim =
        body.get("schemas").and_then(Value::as_array).is_some_and(|s| s.iter().any(|v| v.as_str().is_some_and(|v| v.ends_with(":Error"))));
    if is_scim || (body.contains_key("detail") && body.contains_key("status")) {
        let status = match body.get("status") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let detail = match string("detail").as_deref() {
            None | Some("null") => "SCIM API Internal Error".to_string(),
            Some(d) => d.to_string(),
        };
        let message = match string("scimType") {
            Some(scim_type) => format!("{scim_type} {detail}"),
            None => detail,
        };
        return Some((Some(format!("SCIM_{status}")), message));
    }
    // OAuth (`error` + `error_description`) and API 1.2 (`error`).
    if let Some(error) = string("error") {
        let message = string("error_description").unwrap_or_else(|| error.clone());
        return Some((Some(error), message));
    }
    // Okta-style token errors the Python SDK also reads.
    string("errorCode").map(|code| (Some(code), string("errorSummary").unwrap_or_default()))
}

fn looks_like_html(response: &Response, text: &str) -> bool {
    response.header("content-type").is_some_and(|c| c.contains("html")) || text.starts_with('<')
}

/// The message of an HTML error page: its `<pre>` block, else its `<title>`.
fn html_message(html: &str) -> Option<String> {
    let inner = |tag: &str| {
        let lower = html.to_ascii_lowercase();
        let start = lower.find(&format!("<{tag}"))?;
        let start = start + lower[start..].find('>')? + 1;
        let end = start + lower[start..].find(&format!("</{tag}>"))?;
        let text = html[start..end].trim();
        (!text.is_empty()).then(|| text.to_string())
    };
    inner("pre").or_else(|| inner("title"))
}

/// `Retry-After` in whole seconds, as Databricks sends it.
pub fn retry_after_seconds(response: &Response) -> Option<u32> {
    response.header("retry-after")?.trim().parse().ok()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unexpected response",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> Response {
        Response {
            status,
            headers: vec![
                ("content-type".into(), content_type.into()),
                ("x-request-id".into(), "req-1".into()),
                ("retry-after".into(), "7".into()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    fn api(err: CardError) -> ApiError {
        match err {
            CardError::Unauthenticated(e)
            | CardError::PermissionDenied(e)
            | CardError::NotFound(e)
            | CardError::Conflict(e)
            | CardError::Upstream(e) => e,
            CardError::RateLimited(r) => r.error,
            other => panic!("not an API error: {other:?}"),
        }
    }

    #[test]
    fn standard_shape() {
        let err = decode(&response(
            404,
            "application/json",
            r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Metastore x does not exist."}"#,
        ));
        assert!(matches!(err, CardError::NotFound(_)));
        let e = api(err);
        assert_eq!(e.error_code.as_deref(), Some("RESOURCE_DOES_NOT_EXIST"));
        assert_eq!(e.message, "Metastore x does not exist.");
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        // A numeric error_code is kept as text.
        let e = api(decode(&response(500, "application/json", r#"{"error_code":500,"message":"boom"}"#)));
        assert_eq!(e.error_code.as_deref(), Some("500"));
    }

    #[test]
    fn scim_shape() {
        let e = decode(&response(
            409,
            "application/scim+json",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User already exists.","status":"409","scimType":"uniqueness"}"#,
        ));
        assert!(matches!(e, CardError::Conflict(_)));
        let e = api(e);
        assert_eq!(e.error_code.as_deref(), Some("SCIM_409"));
        assert_eq!(e.message, "uniqueness User already exists.");
        let e = api(decode(&response(
            500,
            "application/json",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"null","status":"500"}"#,
        )));
        assert_eq!(e.message, "SCIM API Internal Error");
    }

    #[test]
    fn oauth_shape() {
        let e =
            decode(&response(401, "application/json", r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#));
        assert!(matches!(e, CardError::Unauthenticated(_)));
        assert_eq!(api(e).error_code.as_deref(), Some("invalid_client"));
    }

    #[test]
    fn text_html_and_empty() {
        let e = api(decode(&response(503, "text/plain", "TEMPORARILY_UNAVAILABLE: try later")));
        assert_eq!((e.error_code.as_deref(), e.message.as_str()), (Some("TEMPORARILY_UNAVAILABLE"), "try later"));
        let e = api(decode(&response(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><pre>upstream reset</pre></body></html>",
        )));
        assert_eq!((e.error_code, e.message.as_str()), (None, "upstream reset"));
        let e = api(decode(&response(504, "text/html", "<html><title>Gateway Timeout</title></html>")));
        assert_eq!(e.message, "Gateway Timeout");
        let e = api(decode(&response(500, "", "")));
        assert_eq!(e.message, "Internal Server Error");
        // Long bodies are cut when the error is redacted (`secrets.rs`), not here.
        let e = api(decode(&response(500, "text/plain", &"x".repeat(5000))));
        assert_eq!(e.message.len(), 5000);
    }

    #[test]
    fn status_and_code_pick_the_case() {
        assert!(matches!(
            decode(&response(403, "application/json", r#"{"error_code":"PERMISSION_DENIED","message":"no"}"#)),
            CardError::PermissionDenied(_)
        ));
        assert!(matches!(
            decode(&response(400, "application/json", r#"{"error_code":"RESOURCE_ALREADY_EXISTS","message":"dup"}"#)),
            CardError::Conflict(_)
        ));
        match decode(&response(429, "application/json", r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}"#)) {
            CardError::RateLimited(r) => assert_eq!(r.retry_after_seconds, Some(7)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode(&response(400, "application/json", r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"bad"}"#)),
            CardError::Upstream(_)
        ));
    }
}
