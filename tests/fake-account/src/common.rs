//! What every account API family of the fake shares: the request extractor, query parameters,
//! JSON bodies, int64 path IDs, timestamps, and Databricks' common error answers.

use crate::errors;
use crate::state::Shared;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A handler's answer: the error path is a response too, so `?` ends a handler early.
pub type Answer = Result<Response, Response>;

/// A request the account API accepts: the caller's token is valid for the path, and the
/// `{account_id}` in the path is this account. Every non-SCIM handler starts from one (SCIM
/// handlers start from `scim::Target`, which also checks the version and resource type).
pub struct Account(pub Arc<Shared>);

impl FromRequestParts<Arc<Shared>> for Account {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, shared).await.map_err(IntoResponse::into_response)?;
        let account_id = params.get("account_id").map(String::as_str).unwrap_or("");
        crate::oauth::account_access(shared, account_id, &parts.headers, parts.uri.path())?;
        Ok(Account(shared.clone()))
    }
}

/// Decoded query parameters (`+` and `%20` are spaces).
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<String>) -> Params {
        Params(query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A boolean parameter, false when absent. Read as Go's `strconv.ParseBool` reads it, since
    /// clients do not agree on the spelling: the Python SDK sends `true` at the top level but
    /// Python's `True` inside a flattened object (`sort_spec.descending=True`).
    pub fn flag(&self, name: &str) -> Result<bool, Response> {
        match self.get(name) {
            None | Some("") => Ok(false),
            Some("1" | "t" | "T" | "true" | "True" | "TRUE") => Ok(true),
            Some("0" | "f" | "F" | "false" | "False" | "FALSE") => Ok(false),
            Some(other) => Err(invalid(format!("{name} must be true or false, not {other}"))),
        }
    }
}

/// A request body that must be JSON.
pub fn json_body(bytes: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(bytes).map_err(|e| errors::api(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST", format!("Malformed JSON: {e}")))
}

/// 400 `INVALID_PARAMETER_VALUE`.
pub fn invalid(message: impl Into<String>) -> Response {
    errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message.into())
}

/// 404 `RESOURCE_DOES_NOT_EXIST` for `what` with `id`.
pub fn not_found(what: &str, id: &str) -> Response {
    errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("{what} {id} does not exist."))
}

/// An int64 path parameter (workspace and principal IDs); 400 when it is not one.
pub fn number(what: &str, text: &str) -> Result<i64, Response> {
    text.parse().map_err(|_| invalid(format!("{what} must be a number")))
}

/// Now, in milliseconds since the epoch (Databricks' timestamps).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// 400 `INVALID_PARAMETER_VALUE` for a body that names an object the account does not hold:
/// the fake's one rule for references (a path that names one is a 404).
pub fn unknown_reference(what: &str, id: &str) -> Response {
    invalid(format!("{what} {id} does not exist."))
}

/// 400 `INVALID_STATE` for deleting what something else still uses, as the provisioning APIs
/// answer ("You cannot delete a credential that is associated with any workspace").
pub fn in_use(what: &str, id: &str, user: &str) -> Response {
    errors::api(StatusCode::BAD_REQUEST, "INVALID_STATE", format!("{what} {id} is used by {user}."))
}

/// 409 `RESOURCE_ALREADY_EXISTS`.
pub fn already_exists(message: impl Into<String>) -> Response {
    errors::api(StatusCode::CONFLICT, "RESOURCE_ALREADY_EXISTS", message.into())
}

/// A non-blank string field of a body; 400 naming `path` when it is missing.
pub fn required<'v>(body: &'v Value, key: &str, path: &str) -> Result<&'v str, Response> {
    body[key].as_str().filter(|s| !s.trim().is_empty()).ok_or_else(|| invalid(format!("{path} is required")))
}

/// A list of strings (absent or null is empty); 400 naming `path` when it is anything else.
pub fn strings(value: &Value, path: &str) -> Result<Vec<String>, Response> {
    let wrong = || invalid(format!("{path} must be a list of strings"));
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(wrong)).collect(),
        _ => Err(wrong()),
    }
}

/// A body that may be empty (the SDKs send none for some calls); otherwise it must be JSON.
pub fn json_body_or_empty(bytes: &[u8]) -> Result<Value, Response> {
    if bytes.is_empty() { Ok(Value::Object(Default::default())) } else { json_body(bytes) }
}

/// Now as RFC 3339 in whole seconds (the OAuth APIs' `create_time`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
