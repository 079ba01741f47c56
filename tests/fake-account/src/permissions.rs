//! Workspace permission assignments:
//! `/api/2.0/accounts/{account_id}/workspaces/{id}/permissionassignments[/principals/{principal_id}]`,
//! and the permission levels a workspace offers (`…/permissionassignments/permissions`).
//! As Databricks: ADMIN wins over USER, an empty or unsupported list removes every
//! permission of the principal, and principals are the account's users, groups and
//! service principals.

use crate::collection::Listing;
use crate::common::{Account, Answer, Params, number};
use crate::errors;
use crate::state::AccountState;
use crate::store::Kind;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The assignments list pages by token, `max_results` at a time.
const LISTING: Listing = Listing::Paged { field: "permission_assignments", size_param: Some("max_results"), default_size: 100 };

/// The levels a principal can hold on a workspace (the SDK's `WorkspacePermission`), with
/// what each lets it do.
const LEVELS: &[(&str, &str)] = &[
    ("USER", "Can access the workspace with basic privileges."),
    (
        "ADMIN",
        "Can access the workspace and has workspace admin privileges to manage users and groups, workspace configurations, and more.",
    ),
];

fn workspace_exists(state: &AccountState, workspace: i64) -> Result<(), Response> {
    state.workspaces.get(&workspace.to_string()).map(|_| ())
}

/// The `principal` object Databricks shows for a SCIM ID.
fn principal(state: &AccountState, id: i64) -> Option<Value> {
    let (kind, resource) = state.store.principal(&id.to_string())?;
    let mut shown = json!({"principal_id": id, "display_name": resource["displayName"]});
    match kind {
        Kind::Users => shown["user_name"] = resource["userName"].clone(),
        Kind::Groups => shown["group_name"] = resource["displayName"].clone(),
        Kind::ServicePrincipals => shown["service_principal_name"] = resource["applicationId"].clone(),
    }
    Some(shown)
}

pub async fn list(Account(shared): Account, Path((_, workspace)): Path<(String, String)>, RawQuery(query): RawQuery) -> Answer {
    let workspace = number("workspace_id", &workspace)?;
    let state = shared.state();
    workspace_exists(&state, workspace)?;
    let assigned = state.permissions.get(&workspace).into_iter().flatten();
    let shown: Vec<Value> = assigned.map(|(id, perms)| json!({"principal": principal(&state, *id), "permissions": perms})).collect();
    Ok(LISTING.answer(&shown, &Params::parse(query)))
}

/// `GET …/permissionassignments/permissions`: `{"permissions": [{"permission_level", "description"}]}`.
pub async fn levels(Account(shared): Account, Path((_, workspace)): Path<(String, String)>) -> Answer {
    workspace_exists(&shared.state(), number("workspace_id", &workspace)?)?;
    let levels: Vec<Value> =
        LEVELS.iter().map(|(level, description)| json!({"permission_level": level, "description": description})).collect();
    Ok(Json(json!({"permissions": levels})).into_response())
}

pub async fn put(
    Account(shared): Account,
    Path((_, workspace, principal_id)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let (workspace, principal_id) = (number("workspace_id", &workspace)?, number("principal_id", &principal_id)?);
    let mut state = shared.state();
    workspace_exists(&state, workspace)?;
    let shown = principal(&state, principal_id).ok_or_else(|| {
        errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Principal {principal_id} does not exist."))
    })?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let asked: Vec<&str> = body["permissions"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let permissions: Vec<String> = if asked.contains(&"ADMIN") {
        vec!["ADMIN".into()]
    } else if asked.contains(&"USER") {
        vec!["USER".into()]
    } else {
        Vec::new()
    };
    let workspace_permissions = state.permissions.entry(workspace).or_default();
    if permissions.is_empty() {
        workspace_permissions.remove(&principal_id);
    } else {
        workspace_permissions.insert(principal_id, permissions.clone());
    }
    Ok(Json(json!({"principal": shown, "permissions": permissions})).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, workspace, principal_id)): Path<(String, String, String)>) -> Answer {
    let (workspace, principal_id) = (number("workspace_id", &workspace)?, number("principal_id", &principal_id)?);
    let mut state = shared.state();
    workspace_exists(&state, workspace)?;
    let removed = state.permissions.get_mut(&workspace).and_then(|m| m.remove(&principal_id));
    if removed.is_none() {
        return Err(errors::api(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("Principal {principal_id} has no permissions on workspace {workspace}."),
        ));
    }
    Ok(Json(json!({})).into_response())
}
