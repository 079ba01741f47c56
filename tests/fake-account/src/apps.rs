//! Custom OAuth app integrations: `/api/2.0/accounts/{account_id}/oauth2/custom-app-integrations[/{id}]`.
//! A confidential app's client secret appears only in the create answer; PATCH changes redirect
//! URLs, scopes and the token policy only (name and confidentiality are fixed) and answers `{}`.

use crate::common::{Account, Answer, Params, invalid, json_body, not_found, token_page};
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Token lifetimes within Databricks' bounds.
fn check_policy(policy: &Value) -> Result<(), Response> {
    let within = |key: &str, low: u64, high: u64| policy.get(key).is_none_or(|v| v.as_u64().is_some_and(|n| (low..=high).contains(&n)));
    if within("access_token_ttl_in_minutes", 5, 1440) && within("refresh_token_ttl_in_minutes", 5, 129_600) {
        Ok(())
    } else {
        Err(invalid("token_access_policy lifetimes are out of range"))
    }
}

pub async fn list(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let (page, next) = token_page(&shared.state().apps, &Params::parse(query), Some("page_size"), 100);
    let mut answer = json!({"apps": page});
    if let Some(next) = next {
        answer["next_page_token"] = json!(next);
    }
    Ok(Json(answer).into_response())
}

pub async fn create(Account(shared): Account, bytes: axum::body::Bytes) -> Answer {
    let input = json_body(&bytes)?;
    let name = input["name"].as_str().filter(|n| !n.trim().is_empty()).ok_or_else(|| invalid("name is required"))?;
    let confidential = input["confidential"].as_bool().unwrap_or(false);
    let policy = input
        .get("token_access_policy")
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
    shared.state().apps.push(app);
    let mut answer = json!({"integration_id": id, "client_id": client_id});
    if confidential {
        let secret = format!("dose{}", crate::ids::token().trim_start_matches("dapi-fake-"));
        shared.state().app_secrets.insert(client_id.clone(), secret.clone());
        answer["client_secret"] = json!(secret);
    }
    Ok(Json(answer).into_response())
}

pub async fn get(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().apps.iter().find(|a| a["integration_id"] == id.as_str()).cloned();
    Ok(Json(found.ok_or_else(|| not_found("Custom app integration", &id))?).into_response())
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, bytes: axum::body::Bytes) -> Answer {
    let changes = json_body(&bytes)?;
    if let Some(policy) = changes.get("token_access_policy") {
        check_policy(policy)?;
    }
    let mut state = shared.state();
    let apps = &mut state.apps;
    let app = apps.iter_mut().find(|a| a["integration_id"] == id.as_str()).ok_or_else(|| not_found("Custom app integration", &id))?;
    for key in ["redirect_urls", "scopes", "user_authorized_scopes"] {
        if let Some(value) = changes.get(key) {
            app[key] = value.clone();
        }
    }
    if let Some(Value::Object(policy)) = changes.get("token_access_policy") {
        for (key, value) in policy {
            app["token_access_policy"][key] = value.clone();
        }
    }
    Ok(Json(json!({})).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    let apps = &mut state.apps;
    let before = apps.len();
    apps.retain(|a| a["integration_id"] != id.as_str());
    if apps.len() == before {
        return Err(not_found("Custom app integration", &id));
    }
    Ok(Json(json!({})).into_response())
}
