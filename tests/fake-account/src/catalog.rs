//! Unity Catalog at the account level: metastores (`{"metastore_info": …}` answers) and
//! workspace assignments (one metastore per workspace; a missing assignment is a 404).

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, invalid, json_body, json_body_or_empty, now_ms, number};
use crate::errors;
use crate::state::AccountState;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The account's metastores; the list leaves its field out when there are none.
pub fn metastores() -> Collection {
    Collection::new("metastore_id", no_metastore).enveloped("metastore_info").listed(Listing::OmittedWhenEmpty("metastores"))
}

/// Workspace assignments, kept as `GET …/workspaces/{id}/metastore` shows them.
pub fn assignments() -> Collection {
    let unassigned = |workspace: &str| {
        errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Workspace {workspace} has no metastore assigned."))
    };
    Collection::new("workspace_id", unassigned).numeric().enveloped("metastore_assignment")
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

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let info = &body["metastore_info"];
    let name = info["name"].as_str().filter(|n| !n.trim().is_empty()).ok_or_else(|| invalid("metastore_info.name is required"))?;
    let mut state = shared.state();
    if state.metastores.items().iter().any(|m| m["name"] == name) {
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
    state.metastores.create(created)
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let changes = &body["metastore_info"];
    if let Some(scope) = changes.get("delta_sharing_scope")
        && !matches!(scope.as_str(), Some("INTERNAL" | "INTERNAL_AND_EXTERNAL"))
    {
        return Err(invalid("delta_sharing_scope must be INTERNAL or INTERNAL_AND_EXTERNAL"));
    }
    let mut state = shared.state();
    let updated = state.metastores.merge(&id, changes, UPDATABLE)?.clone();
    Ok(state.metastores.answer(updated))
}

pub async fn delete(Account(shared): Account, Path((_, id)): Path<(String, String)>, RawQuery(query): RawQuery) -> Answer {
    let force = query.is_some_and(|q| q.split('&').any(|p| p == "force=true"));
    let mut state = shared.state();
    state.metastores.get(&id)?;
    if !force && state.assignments.items().iter().any(|a| a["metastore_id"] == id.as_str()) {
        return Err(errors::api(StatusCode::BAD_REQUEST, "INVALID_STATE", "The metastore is assigned to workspaces; delete with force."));
    }
    state.assignments.retain(|a| a["metastore_id"] != id.as_str());
    state.storage_credentials.remove(&id);
    state.metastores.delete(&id)
}

pub async fn assigned_workspaces(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let state = shared.state();
    state.metastores.get(&id)?;
    let ids: Vec<&Value> =
        state.assignments.items().iter().filter(|a| a["metastore_id"] == id.as_str()).map(|a| &a["workspace_id"]).collect();
    Ok(Json(json!({"workspace_ids": ids})).into_response())
}

/// `POST` assigns the metastore to a workspace that has none; `PUT` updates an existing
/// assignment, where only the default catalog can change (the SDK's `UpdateMetastoreAssignment`).
/// Both may come without a body, and both answer `{}`.
pub async fn assign(
    method: Method,
    Account(shared): Account,
    Path((_, workspace, metastore)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let workspace = number("workspace_id", &workspace)?;
    let body = json_body_or_empty(&body)?;
    let mut state = shared.state();
    let assigned =
        if method == Method::PUT { assignment(&mut state, workspace, &metastore)? } else { new(&mut state, workspace, &metastore)? };
    if let Some(default_catalog) = body["metastore_assignment"]["default_catalog_name"].as_str() {
        assigned["default_catalog_name"] = json!(default_catalog);
    }
    Ok(Json(json!({})).into_response())
}

/// A new assignment of an existing metastore to an existing workspace that has none.
fn new<'s>(state: &'s mut AccountState, workspace: i64, metastore: &str) -> Result<&'s mut Value, Response> {
    state.workspaces.get(&workspace.to_string())?;
    state.metastores.get(metastore)?;
    if state.assignments.contains(&workspace.to_string()) {
        let message = format!("Workspace {workspace} already has a metastore.");
        return Err(errors::api(StatusCode::CONFLICT, "RESOURCE_ALREADY_EXISTS", message));
    }
    Ok(state.assignments.insert(json!({"workspace_id": workspace, "metastore_id": metastore})))
}

/// The workspace's assignment to this very metastore.
fn assignment<'s>(state: &'s mut AccountState, workspace: i64, metastore: &str) -> Result<&'s mut Value, Response> {
    let assigned = state.assignments.get_mut(&workspace.to_string()).ok().filter(|a| a["metastore_id"] == metastore);
    assigned.ok_or_else(|| {
        let message = format!("Metastore assignment of workspace {workspace} to metastore {metastore} does not exist.");
        errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)
    })
}

pub async fn unassign(Account(shared): Account, Path((_, workspace, metastore)): Path<(String, String, String)>) -> Answer {
    let workspace = number("workspace_id", &workspace)?;
    let mut state = shared.state();
    assignment(&mut state, workspace, &metastore)?;
    state.assignments.delete(&workspace.to_string())
}
