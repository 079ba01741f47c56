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
