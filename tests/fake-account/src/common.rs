//! What every account API family of the fake shares: query parameters, token paging with
//! opaque `offset-N` tokens, JSON bodies, timestamps, and Databricks' common error answers.

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

/// One page of `items` from the caller's `page_token`, and the next page's token. Tokens are
/// opaque to clients; an unknown one starts over, as Databricks does. `size_param` names the
/// page-size parameter, when the endpoint takes one.
pub fn token_page(items: &[Value], params: &Params, size_param: Option<&str>, default_size: usize) -> (Vec<Value>, Option<String>) {
    let size = size_param.and_then(|p| params.get(p)).and_then(|s| s.parse::<usize>().ok()).filter(|s| *s > 0).unwrap_or(default_size);
    let offset = params.get("page_token").and_then(|t| t.strip_prefix("offset-")).and_then(|o| o.parse::<usize>().ok()).unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(offset).take(size).cloned().collect();
    let next = offset + page.len();
    (page, (next < items.len()).then(|| format!("offset-{next}")))
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

/// Now, in milliseconds since the epoch (Databricks' timestamps).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
