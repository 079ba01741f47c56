//! Custom OAuth app integrations: `/api/2.0/accounts/{account_id}/oauth2/custom-app-integrations[/{id}]`.
//! A confidential app's client secret appears only in the create answer; PATCH changes redirect
//! URLs, scopes and the token policy only (name and confidentiality are fixed) and answers `{}`.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, invalid, json_body, not_found};
use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The account's custom OAuth app integrations, shown bare.
pub fn collection() -> Collection {
    let listing = Listing::Paged { field: "apps", size_param: Some("page_size"), default_size: 100 };
    Collection::new("integration_id", |id| not_found("Custom app integration", id)).listed(listing)
}

/// A token access policy: an object whose lifetimes are within Databricks' bounds.
pub fn check_policy(policy: &Value) -> Result<(), Response> {
    if !policy.is_object() {
        return Err(invalid("token_access_policy must be an object"));
    }
    let within = |key: &str, low: u64, high: u64| policy.get(key).is_none_or(|v| v.as_u64().is_some_and(|n| (low..=high).contains(&n)));
    if within("access_token_ttl_in_minutes", 5, 1440) && within("refresh_token_ttl_in_minutes", 5, 129_600) {
        Ok(())
    } else {
        Err(invalid("token_access_policy lifetimes are out of range"))
    }
}

pub async fn create(Account(shared): Account, bytes: axum::body::Bytes) -> Answer {
    let input = json_body(&bytes)?;
    let name = input["name"].as_str().filter(|n| !n.trim().is_empty()).ok_or_else(|| invalid("name is required"))?;
    let confidential = input["confidential"].as_bool().unwrap_or(false);
    let policy = input
        .get("token_access_policy")
        .filter(|p| !p.is_null())
        .cloned()
        .unwrap_or_else(|| json!({"access_token_ttl_in_minutes": 60, "refresh_token_ttl_in_minutes": 10_080}));
    check_policy(&policy)?;
    let (id, client_id) = (crate::ids::uuid(), crate::ids::uuid());
    let app = json!({
        "integration_id": id,
        "client_id": client_id,
        "name": name,
        "redirect_urls": input["redirect_urls"],
        "confidential": confidential,
        "scopes": input.get("scopes").cloned().unwrap_or_else(|| json!(["all-apis"])),
        "user_authorized_scopes": input.get("user_authorized_scopes").cloned().unwrap_or_else(|| json!([])),
        "token_access_policy": policy,
        "create_time": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        "created_by": 4_211_000_000_007_919i64,
    });
    let mut state = shared.state();
    state.apps.insert(app);
    let mut answer = json!({"integration_id": id, "client_id": client_id});
    if confidential {
        let secret = format!("dose{}", crate::ids::token().trim_start_matches("dapi-fake-"));
        state.app_secrets.insert(client_id.clone(), secret.clone());
        answer["client_secret"] = json!(secret);
    }
    Ok(Json(answer).into_response())
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, bytes: axum::body::Bytes) -> Answer {
    let changes = json_body(&bytes)?;
    if let Some(policy) = changes.get("token_access_policy").filter(|p| !p.is_null()) {
        check_policy(policy)?;
    }
    let mut state = shared.state();
    let app = state.apps.merge(&id, &changes, &["redirect_urls", "scopes", "user_authorized_scopes"])?;
    if let Some(Value::Object(policy)) = changes.get("token_access_policy") {
        for (key, value) in policy {
            app["token_access_policy"][key] = value.clone();
        }
    }
    Ok(Json(json!({})).into_response())
}
