//! Service principal OAuth secrets:
//! `/api/2.0/accounts/{account_id}/servicePrincipals/{sp_id}/credentials/secrets[/{id}]`.
//! At most 5 per principal, lifetimes up to 730 days (default), `page_token` paging, and the
//! secret itself only in the create answer. A secret made here also signs its principal in
//! at the token endpoint, as on Databricks.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, Params, json_body_or_empty, not_found};
use crate::errors;
use crate::state::AccountState;
use crate::store::Kind;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const MAX_SECRETS: usize = 5;
const MAX_LIFETIME: Duration = Duration::from_secs(730 * 86_400);

/// One service principal's secrets as Databricks lists them (bare, paged by token).
pub fn collection() -> Collection {
    Collection::new("id", |id| not_found("Secret", id)).listed(Listing::Paged {
        field: "secrets",
        size_param: Some("page_size"),
        default_size: 100,
    })
}

/// What Databricks shows of a secret only once: the secret itself, and when it stops signing in.
pub struct SecretValue {
    pub secret: String,
    pub expires: SystemTime,
}

fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// The principal must exist in the account.
fn principal(state: &AccountState, sp_id: &str) -> Result<(), Response> {
    state
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

/// How Databricks shows a new secret: its ID, the end of the secret as a hash, and its times.
fn shown(id: &str, secret: &str, created: SystemTime, expires: SystemTime) -> Value {
    json!({
        "id": id,
        "status": "ACTIVE",
        "secret_hash": &secret[secret.len().saturating_sub(8)..],
        "create_time": rfc3339(created),
        "update_time": rfc3339(created),
        "expire_time": rfc3339(expires),
    })
}

/// Adds a secret of `sp_id`, shown as `shown` (which carries its ID), signing in with `value`.
pub fn add(state: &mut AccountState, sp_id: &str, shown: Value, value: SecretValue) {
    if let Some(id) = shown["id"].as_str() {
        state.secret_values.insert(id.to_string(), value);
    }
    state.secrets_of(sp_id).insert(shown);
}

pub async fn list(Account(shared): Account, Path((_, sp_id)): Path<(String, String)>, RawQuery(query): RawQuery) -> Answer {
    let mut state = shared.state();
    principal(&state, &sp_id)?;
    Ok(state.secrets_of(&sp_id).list(&Params::parse(query)))
}

pub async fn create(Account(shared): Account, Path((_, sp_id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    principal(&shared.state(), &sp_id)?;
    let body = json_body_or_empty(&body)?;
    let lifetime = lifetime(&body)?;
    let mut state = shared.state();
    if state.secrets_of(&sp_id).items().len() >= MAX_SECRETS {
        return Err(errors::api(
            StatusCode::BAD_REQUEST,
            "QUOTA_EXCEEDED",
            format!("A service principal can have at most {MAX_SECRETS} OAuth secrets."),
        ));
    }
    let now = SystemTime::now();
    let secret = format!("dose{}", crate::ids::token().trim_start_matches("dapi-fake-"));
    let created = shown(&crate::ids::uuid().replace('-', ""), &secret, now, now + lifetime);
    let mut answer = created.clone();
    answer["secret"] = json!(secret);
    add(&mut state, &sp_id, created, SecretValue { secret, expires: now + lifetime });
    Ok(Json(answer).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, sp_id, secret_id)): Path<(String, String, String)>) -> Answer {
    let mut state = shared.state();
    principal(&state, &sp_id)?;
    let answer = state.secrets_of(&sp_id).delete(&secret_id)?;
    state.secret_values.remove(&secret_id);
    Ok(answer)
}

/// The ID of the secret the fake's configured client secret is (the connection's `secret-id`).
pub const CONNECTION_SECRET_ID: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// The configured client secret as an OAuth secret of the connection's service principal,
/// created now and living `lifetime`: it signs in like any other secret, and deleting it
/// (a rotation) stops it from signing in, as on Databricks.
pub fn seed_connection_secret(state: &mut AccountState, sp_id: &str, secret: &str, lifetime: Duration) {
    let now = SystemTime::now();
    let value = SecretValue { secret: secret.to_string(), expires: now + lifetime };
    add(state, sp_id, shown(CONNECTION_SECRET_ID, secret, now, now + lifetime), value);
}

/// Moves a secret's expiry (for tests of expiry warnings); false when there is no such secret.
pub fn set_expiry(state: &mut AccountState, sp_id: &str, secret_id: &str, expires: SystemTime) -> bool {
    let Some(shown) = state.secrets.get_mut(sp_id).and_then(|secrets| secrets.get_mut(secret_id).ok()) else { return false };
    shown["expire_time"] = json!(rfc3339(expires));
    if let Some(value) = state.secret_values.get_mut(secret_id) {
        value.expires = expires;
    }
    true
}

/// Whether `secret` is an unexpired secret of the service principal whose application ID is `client_id`.
pub fn signs_in(state: &AccountState, client_id: &str, secret: &str) -> bool {
    let principal = state.store.all(Kind::ServicePrincipals).into_iter().find(|sp| sp["applicationId"] == client_id);
    let Some(id) = principal.and_then(|sp| sp["id"].as_str().map(str::to_string)) else { return false };
    let Some(secrets) = state.secrets.get(&id) else { return false };
    let live = |shown: &Value| {
        let value = shown["id"].as_str().and_then(|id| state.secret_values.get(id));
        value.is_some_and(|v| v.secret == secret && v.expires > SystemTime::now())
    };
    secrets.items().iter().any(live)
}
