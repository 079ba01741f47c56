//! Unity Catalog at the account level: metastores (`{"metastore_info": …}` answers) and
//! workspace assignments (one metastore per workspace; a missing assignment is a 404).

use crate::common::{Account, Answer, invalid, json_body, now_ms};
use crate::errors;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Metastores and assignments.
#[derive(Default)]
pub struct Catalog {
    pub metastores: Vec<Value>,
    /// (workspace ID, metastore ID, default catalog).
    pub assignments: Vec<(i64, String, Option<String>)>,
}

/// What PUT may change (the SDK's `UpdateAccountsMetastore`).
const UPDATABLE: &[&str] = &[
    "owner",
    "delta_sharing_scope",
    "delta_sharing_recipient_token_lifetime_in_seconds",
    "delta_sharing_organization_name",
    "external_access_enabled",
    "privilege_model_version",
    "storage_root_credential_id",
];

fn no_metastore(id: &str) -> Response {
    errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Metastore '{id}' does not exist."))
}

fn workspace_number(id: &str) -> Result<i64, Response> {
    id.parse().map_err(|_| invalid("workspace_id must be a number"))
}

pub async fn list(Account(shared): Account) -> Answer {
    let metastores = shared.state().catalog.metastores.clone();
    Ok(if metastores.is_empty() { Json(json!({})) } else { Json(json!({"metastores": metastores})) }.into_response())
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let info = &body["metastore_info"];
    let name = info["name"].as_str().filter(|n| !n.trim().is_empty()).ok_or_else(|| invalid("metastore_info.name is required"))?;
    let mut state = shared.state();
    let catalog = &mut state.catalog;
    if catalog.metastores.iter().any(|m| m["name"] == name) {
        return Err(errors::api(StatusCode::BAD_REQUEST, "RESOURCE_ALREADY_EXISTS", format!("Metastore '{name}' already exists.")));
    }
    let id = crate::ids::uuid();
    let region = info["region"].as_str().unwrap_or("us-west-2");
    let now = now_ms();
    let mut created = json!({
        "metastore_id": id,
        "name": name,
        "region": region,
        "cloud": "aws",
        "global_metastore_id": format!("aws:{region}:{id}"),
        "owner": shared.config.client_id,
        "delta_sharing_scope": "INTERNAL",
        "privilege_model_version": "1.0",
        "created_at": now,
        "created_by": shared.config.client_id,
        "updated_at": now,
        "updated_by": shared.config.client_id,
    });
    if let Some(root) = info["storage_root"].as_str() {
        created["storage_root"] = json!(root);
    }
    catalog.metastores.push(created.clone());
    Ok(Json(json!({"metastore_info": created})).into_response())
}

pub async fn get(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().catalog.metastores.iter().find(|m| m["metastore_id"] == id.as_str()).cloned();
    Ok(Json(json!({"metastore_info": found.ok_or_else(|| no_metastore(&id))?})).into_response())
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let changes = body["metastore_info"].as_object().cloned().unwrap_or_default();
    if let Some(scope) = changes.get("delta_sharing_scope")
        && !matches!(scope.as_str(), Some("INTERNAL" | "INTERNAL_AND_EXTERNAL"))
    {
        return Err(invalid("delta_sharing_scope must be INTERNAL or INTERNAL_AND_EXTERNAL"));
    }
    let mut state = shared.state();
    let catalog = &mut state.catalog;
    let metastore = catalog.metastores.iter_mut().find(|m| m["metastore_id"] == id.as_str()).ok_or_else(|| no_metastore(&id))?;
    for (key, value) in changes {
        if UPDATABLE.contains(&key.as_str()) {
            metastore[key] = value;
        }
    }
    Ok(Json(json!({"metastore_info": metastore.clone()})).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, id)): Path<(String, String)>, RawQuery(query): RawQuery) -> Answer {
    let force = query.is_some_and(|q| q.split('&').any(|p| p == "force=true"));
    let mut state = shared.state();
    let catalog = &mut state.catalog;
    let index = catalog.metastores.iter().position(|m| m["metastore_id"] == id.as_str()).ok_or_else(|| no_metastore(&id))?;
    if !force && catalog.assignments.iter().any(|(_, m, _)| *m == id) {
        return Err(errors::api(StatusCode::BAD_REQUEST, "INVALID_STATE", "The metastore is assigned to workspaces; delete with force."));
    }
    catalog.metastores.remove(index);
    catalog.assignments.retain(|(_, m, _)| *m != id);
    Ok(Json(json!({})).into_response())
}

pub async fn assigned_workspaces(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let state = shared.state();
    let catalog = &state.catalog;
    if !catalog.metastores.iter().any(|m| m["metastore_id"] == id.as_str()) {
        return Err(no_metastore(&id));
    }
    let ids: Vec<i64> = catalog.assignments.iter().filter(|(_, m, _)| *m == id).map(|(w, _, _)| *w).collect();
    Ok(Json(json!({"workspace_ids": ids})).into_response())
}

pub async fn workspace_metastore(Account(shared): Account, Path((_, workspace)): Path<(String, String)>) -> Answer {
    let workspace = workspace_number(&workspace)?;
    let state = shared.state();
    let catalog = &state.catalog;
    let found = catalog.assignments.iter().find(|(w, _, _)| *w == workspace);
    let (_, metastore, default_catalog) = found.ok_or_else(|| {
        errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Workspace {workspace} has no metastore assigned."))
    })?;
    let mut assignment = json!({"workspace_id": workspace, "metastore_id": metastore});
    if let Some(default_catalog) = default_catalog {
        assignment["default_catalog_name"] = json!(default_catalog);
    }
    Ok(Json(json!({"metastore_assignment": assignment})).into_response())
}

pub async fn assign(
    Account(shared): Account,
    Path((_, workspace, metastore)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let workspace = workspace_number(&workspace)?;
    let body = if body.is_empty() { json!({}) } else { json_body(&body)? };
    if !shared.state().provisioning.workspaces.iter().any(|w| w["workspace_id"] == workspace) {
        return Err(errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Workspace {workspace} does not exist.")));
    }
    let mut state = shared.state();
    let catalog = &mut state.catalog;
    if !catalog.metastores.iter().any(|m| m["metastore_id"] == metastore.as_str()) {
        return Err(no_metastore(&metastore));
    }
    if catalog.assignments.iter().any(|(w, _, _)| *w == workspace) {
        return Err(errors::api(
            StatusCode::CONFLICT,
            "RESOURCE_ALREADY_EXISTS",
            format!("Workspace {workspace} already has a metastore."),
        ));
    }
    let default_catalog = body["metastore_assignment"]["default_catalog_name"].as_str().map(str::to_string);
    catalog.assignments.push((workspace, metastore, default_catalog));
    Ok(Json(json!({})).into_response())
}

pub async fn unassign(Account(shared): Account, Path((_, workspace, metastore)): Path<(String, String, String)>) -> Answer {
    let workspace = workspace_number(&workspace)?;
    let mut state = shared.state();
    let catalog = &mut state.catalog;
    let before = catalog.assignments.len();
    catalog.assignments.retain(|(w, m, _)| !(*w == workspace && *m == metastore));
    if catalog.assignments.len() == before {
        return Err(errors::api(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("Metastore assignment of workspace {workspace} to metastore {metastore} does not exist."),
        ));
    }
    Ok(Json(json!({})).into_response())
}
