//! Usage dashboards: `POST /api/2.0/accounts/{account_id}/dashboard` with `{dashboard_type,
//! major_version, workspace_id}` answers `{dashboard_id}`; `GET` of the same path with the
//! `dashboard_type` and `workspace_id` query answers `{dashboard_id, dashboard_url}`. Types are
//! `USAGE_DASHBOARD_TYPE_GLOBAL` and `USAGE_DASHBOARD_TYPE_WORKSPACE`; the major version
//! "Defaults to VERSION_1". A workspace holds one dashboard of each type: Databricks does not say
//! what a second create does, and the fake refuses it (409 `RESOURCE_ALREADY_EXISTS`), the
//! conservative reading.

use crate::collection::Collection;
use crate::common::{Account, Answer, Params, already_exists, invalid, json_body, not_found, number, unknown_reference};
use axum::Json;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// The account's usage dashboards.
pub fn collection() -> Collection {
    Collection::new("dashboard_id", |id| not_found("Usage dashboard", id))
}

const TYPES: &[&str] = &["USAGE_DASHBOARD_TYPE_GLOBAL", "USAGE_DASHBOARD_TYPE_WORKSPACE"];
const VERSIONS: &[&str] = &["USAGE_DASHBOARD_MAJOR_VERSION_1", "USAGE_DASHBOARD_MAJOR_VERSION_2"];

fn dashboard_type(value: Option<&str>) -> Result<&str, axum::response::Response> {
    value.filter(|t| TYPES.contains(t)).ok_or_else(|| invalid(format!("dashboard_type must be one of {}", TYPES.join(", "))))
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let kind = dashboard_type(body["dashboard_type"].as_str())?;
    let version = match &body["major_version"] {
        Value::Null => VERSIONS[0],
        Value::String(version) if VERSIONS.contains(&version.as_str()) => version,
        _ => return Err(invalid(format!("major_version must be one of {}", VERSIONS.join(", ")))),
    };
    let workspace = body["workspace_id"].as_i64().ok_or_else(|| invalid("workspace_id is required"))?;
    let mut state = shared.state();
    let deployment = state.workspaces.get(&workspace.to_string()).map_err(|_| unknown_reference("Workspace", &workspace.to_string()))?;
    let deployment = deployment["deployment_name"].as_str().unwrap_or("workspace").to_string();
    if state.dashboards.items().iter().any(|d| d["workspace_id"] == workspace && d["dashboard_type"] == kind) {
        return Err(already_exists(format!("Workspace {workspace} has a {kind} dashboard already.")));
    }
    let id = crate::ids::uuid().replace('-', "");
    state.dashboards.insert(json!({
        "dashboard_id": id,
        "dashboard_type": kind,
        "major_version": version,
        "workspace_id": workspace,
        "dashboard_url": format!("https://{deployment}.cloud.databricks.com/dashboardsv3/{id}/published"),
    }));
    Ok(Json(json!({"dashboard_id": id})).into_response())
}

pub async fn get(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = Params::parse(query);
    let kind = dashboard_type(params.get("dashboard_type"))?;
    let workspace = number("workspace_id", params.get("workspace_id").unwrap_or_default())?;
    let state = shared.state();
    let found = state.dashboards.items().iter().find(|d| d["workspace_id"] == workspace && d["dashboard_type"] == kind);
    let found = found.ok_or_else(|| {
        let message = format!("Workspace {workspace} has no {kind} dashboard.");
        crate::errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)
    })?;
    Ok(Json(json!({"dashboard_id": found["dashboard_id"], "dashboard_url": found["dashboard_url"]})).into_response())
}
