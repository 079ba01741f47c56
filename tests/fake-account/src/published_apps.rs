//! OAuth published apps — the OAuth clients Databricks publishes (`…/oauth2/published-apps`,
//! paged, items under `apps`) — and the account's integrations of them
//! (`…/oauth2/published-app-integrations[/{integration_id}]`). A create takes `{app_id,
//! token_access_policy}` and answers `{integration_id}`; an app has one integration at most;
//! PATCH changes only the token access policy and, like DELETE, answers `{}`.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, Params, already_exists, json_body, not_found, now_rfc3339, unknown_reference};
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Both lists page by `page_token`, `page_size` at a time, items under `apps`.
const LISTING: Listing = Listing::Paged { field: "apps", size_param: Some("page_size"), default_size: 100 };

/// The account's published app integrations.
pub fn integrations() -> Collection {
    Collection::new("integration_id", |id| not_found("Published app integration", id)).listed(LISTING)
}

/// The apps Databricks publishes, as `(app_id, name, description, redirect URLs)`: a few of
/// those its docs name ("Databricks CLI", "Power BI", "Tableau Desktop", dbt), public clients
/// whose client ID is their app ID.
const APPS: &[(&str, &str, &str, &[&str])] = &[
    ("databricks-cli", "Databricks CLI", "The Databricks command-line interface", &["http://localhost:8020"]),
    ("databricks-dbt-adapter", "dbt adapter for Databricks", "dbt Core with the Databricks adapter", &["http://localhost:8020"]),
    ("power-bi", "Power BI", "Microsoft Power BI Desktop", &["https://oauth.powerbi.com/views/oauthredirect.html"]),
    ("tableau-desktop", "Tableau Desktop", "Tableau Desktop", &["http://localhost:55555/Callback"]),
];

fn app(app_id: &str) -> Option<Value> {
    let (id, name, description, redirects) = APPS.iter().find(|(id, ..)| *id == app_id)?;
    Some(json!({
        "app_id": id,
        "client_id": id,
        "name": name,
        "description": description,
        "redirect_urls": redirects,
        "scopes": ["all-apis", "offline_access"],
        "is_confidential_client": false,
    }))
}

pub async fn list_apps(Account(_): Account, RawQuery(query): RawQuery) -> Answer {
    let apps: Vec<Value> = APPS.iter().filter_map(|(id, ..)| app(id)).collect();
    Ok(LISTING.answer(&apps, &Params::parse(query)))
}

/// The token lifetimes an integration gets when the create names none.
fn default_policy() -> Value {
    json!({"access_token_ttl_in_minutes": 60, "refresh_token_ttl_in_minutes": 10_080})
}

/// An integration of the published app `app_id` (which must be one), made at `created`.
pub fn integration(app_id: &str, policy: Value, created: String) -> Option<Value> {
    let app = app(app_id)?;
    Some(json!({
        "integration_id": crate::ids::uuid(),
        "app_id": app_id,
        "name": app["name"],
        "token_access_policy": policy,
        "create_time": created,
        "created_by": 4_211_000_000_007_919i64,
    }))
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let app_id = crate::common::required(&body, "app_id", "app_id")?;
    let policy = body.get("token_access_policy").filter(|p| !p.is_null()).cloned().unwrap_or_else(default_policy);
    crate::apps::check_policy(&policy)?;
    let created = integration(app_id, policy, now_rfc3339()).ok_or_else(|| unknown_reference("Published app", app_id))?;
    let mut state = shared.state();
    if state.published_app_integrations.items().iter().any(|i| i["app_id"] == app_id) {
        return Err(already_exists(format!("The published app {app_id} is integrated already.")));
    }
    let id = created["integration_id"].clone();
    state.published_app_integrations.insert(created);
    Ok(Json(json!({"integration_id": id})).into_response())
}

/// `PATCH`: the lifetimes given replace those of the token access policy.
pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let changes = body.get("token_access_policy").filter(|p| !p.is_null()).cloned().unwrap_or_else(|| json!({}));
    crate::apps::check_policy(&changes)?;
    let mut state = shared.state();
    let integration = state.published_app_integrations.get_mut(&id)?;
    for (key, value) in changes.as_object().into_iter().flatten() {
        integration["token_access_policy"][key] = value.clone();
    }
    Ok(Json(json!({})).into_response())
}
