//! Service principal OAuth secrets:
//! `/api/2.0/accounts/{account_id}/servicePrincipals/{sp_id}/credentials/secrets[/{id}]`.
//! At most 5 per principal, lifetimes up to 730 days (default), `page_token` paging, and the
//! secret itself only in the create answer. A secret made here also signs its principal in
//! at the token endpoint, as on Databricks.

use crate::common::{Account, Answer, Params, json_body, token_page};
use crate::errors;
use crate::state::Shared;
use crate::store::Kind;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const MAX_SECRETS: usize = 5;
const MAX_LIFETIME: Duration = Duration::from_secs(730 * 86_400);
const DEFAULT_PAGE: usize = 100;

/// A secret as the fake keeps it: what Databricks shows, and the secret itself.
#[derive(Clone)]
pub struct Secret {
    pub shown: Value,
    pub secret: String,
    pub expires: SystemTime,
}

fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// The principal must exist in the account.
fn principal(shared: &Shared, sp_id: &str) -> Result<(), Response> {
    shared
        .state()
        .store
        .raw(Kind::ServicePrincipals, sp_id)
        .map(|_| ())
        .map_err(|_| errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Service principal {sp_id} does not exist.")))
}

/// `"63072000s"` → a duration (protobuf JSON duration, whole seconds).
fn lifetime(body: &Value) -> Result<Duration, Response> {
    let invalid = || {
        errors::api(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER_VALUE",
            "lifetime must be a duration such as \"31536000s\", at most 730 days",
        )
    };
    let Some(text) = body.get("lifetime").and_then(Value::as_str) else { return Ok(MAX_LIFETIME) };
    let seconds: u64 = text.strip_suffix('s').and_then(|n| n.parse().ok()).ok_or_else(invalid)?;
    let lifetime = Duration::from_secs(seconds);
    if lifetime.is_zero() || lifetime > MAX_LIFETIME { Err(invalid()) } else { Ok(lifetime) }
}

pub async fn list(Account(shared): Account, Path((_, sp_id)): Path<(String, String)>, RawQuery(query): RawQuery) -> Answer {
    principal(&shared, &sp_id)?;
    let secrets: Vec<Value> = shared.state().secrets.get(&sp_id).into_iter().flatten().map(|s| s.shown.clone()).collect();
    let (page, next) = token_page(&secrets, &Params::parse(query), Some("page_size"), DEFAULT_PAGE);
    let mut answer = json!({"secrets": page});
    if let Some(next) = next {
        answer["next_page_token"] = json!(next);
    }
    Ok(Json(answer).into_response())
}

pub async fn create(Account(shared): Account, Path((_, sp_id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    principal(&shared, &sp_id)?;
    let body: Value = if body.is_empty() { json!({}) } else { json_body(&body)? };
    let lifetime = lifetime(&body)?;
    let mut state = shared.state();
    let all = &mut state.secrets;
    let secrets = all.entry(sp_id.clone()).or_default();
    if secrets.len() >= MAX_SECRETS {
        return Err(errors::api(
            StatusCode::BAD_REQUEST,
            "QUOTA_EXCEEDED",
            format!("A service principal can have at most {MAX_SECRETS} OAuth secrets."),
        ));
    }
    let now = SystemTime::now();
    let secret = format!("dose{}", crate::ids::token().trim_start_matches("dapi-fake-"));
    let id = crate::ids::uuid().replace('-', "");
    let shown = json!({
        "id": id,
        "status": "ACTIVE",
        "secret_hash": &secret[secret.len() - 8..],
        "create_time": rfc3339(now),
        "update_time": rfc3339(now),
        "expire_time": rfc3339(now + lifetime),
    });
    secrets.push(Secret { shown: shown.clone(), secret: secret.clone(), expires: now + lifetime });
    let mut answer = shown;
    answer["secret"] = json!(secret);
    Ok(Json(answer).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, sp_id, secret_id)): Path<(String, String, String)>) -> Answer {
    principal(&shared, &sp_id)?;
    let mut state = shared.state();
    let all = &mut state.secrets;
    let secrets = all.entry(sp_id).or_default();
    let before = secrets.len();
    secrets.retain(|s| s.shown["id"] != secret_id.as_str());
    if secrets.len() == before {
        return Err(errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Secret {secret_id} does not exist.")));
    }
    Ok(Json(json!({})).into_response())
}

/// The ID of the secret the fake's configured client secret is (the connection's `secret-id`).
pub const CONNECTION_SECRET_ID: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// The configured client secret as an OAuth secret of the connection's service principal,
/// created now and living `lifetime`: it signs in like any other secret, and deleting it
/// (a rotation) stops it from signing in, as on Databricks.
pub fn connection_secret(secret: &str, lifetime: Duration) -> Secret {
    let now = SystemTime::now();
    let shown = json!({
        "id": CONNECTION_SECRET_ID,
        "status": "ACTIVE",
        "secret_hash": &secret[secret.len().saturating_sub(8)..],
        "create_time": rfc3339(now),
        "update_time": rfc3339(now),
        "expire_time": rfc3339(now + lifetime),
    });
    Secret { shown, secret: secret.to_string(), expires: now + lifetime }
}

/// Moves a secret's expiry (for tests of expiry warnings); false when there is no such secret.
pub fn set_expiry(shared: &Shared, sp_id: &str, secret_id: &str, expires: SystemTime) -> bool {
    let mut state = shared.state();
    let all = &mut state.secrets;
    let Some(secret) = all.get_mut(sp_id).into_iter().flatten().find(|s| s.shown["id"] == secret_id) else { return false };
    secret.expires = expires;
    secret.shown["expire_time"] = json!(rfc3339(expires));
    true
}

/// Whether `secret` is an unexpired secret of the service principal whose application ID is `client_id`.
pub fn signs_in(shared: &Shared, client_id: &str, secret: &str) -> bool {
    let principal = shared.state().store.all(Kind::ServicePrincipals).into_iter().find(|sp| sp["applicationId"] == client_id);
    let Some(id) = principal.and_then(|sp| sp["id"].as_str().map(str::to_string)) else { return false };
    shared.state().secrets.get(&id).is_some_and(|secrets| secrets.iter().any(|s| s.secret == secret && s.expires > SystemTime::now()))
}
