//! Workspace permission assignments:
//! `/api/2.0/accounts/{account_id}/workspaces/{id}/permissionassignments[/principals/{principal_id}]`.
//! As Databricks: ADMIN wins over USER, an empty or unsupported list removes every
//! permission of the principal, and principals are the account's users, groups and
//! service principals.

use crate::common::{Account, Answer, Params, token_page};
use crate::errors;
use crate::state::Shared;
use crate::store::Kind;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn number(what: &str, text: &str) -> Result<i64, Response> {
    text.parse().map_err(|_| errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", format!("{what} must be a number")))
}

fn workspace_exists(shared: &Shared, workspace: i64) -> Result<(), Response> {
    if shared.state().provisioning.workspaces.iter().any(|w| w["workspace_id"] == workspace) {
        Ok(())
    } else {
        Err(errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Workspace {workspace} does not exist.")))
    }
}

/// The `principal` object Databricks shows for a SCIM ID.
fn principal(shared: &Shared, id: i64) -> Option<Value> {
    let (kind, resource) = shared.state().store.principal(&id.to_string())?;
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
    workspace_exists(&shared, workspace)?;
    let assigned: Vec<(i64, Vec<String>)> =
        shared.state().permissions.get(&workspace).map(|m| m.iter().map(|(p, perms)| (*p, perms.clone())).collect()).unwrap_or_default();
    let shown: Vec<Value> =
        assigned.iter().map(|(id, perms)| json!({"principal": principal(&shared, *id), "permissions": perms})).collect();
    let (page, next) = token_page(&shown, &Params::parse(query), Some("max_results"), 100);
    let mut answer = json!({"permission_assignments": page});
    if let Some(next) = next {
        answer["next_page_token"] = json!(next);
    }
    Ok(Json(answer).into_response())
}

pub async fn put(
    Account(shared): Account,
    Path((_, workspace, principal_id)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let (workspace, principal_id) = (number("workspace_id", &workspace)?, number("principal_id", &principal_id)?);
    workspace_exists(&shared, workspace)?;
    let shown = principal(&shared, principal_id).ok_or_else(|| {
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
    let mut state = shared.state();
    let all = &mut state.permissions;
    let workspace_permissions = all.entry(workspace).or_default();
    if permissions.is_empty() {
        workspace_permissions.remove(&principal_id);
    } else {
        workspace_permissions.insert(principal_id, permissions.clone());
    }
    Ok(Json(json!({"principal": shown, "permissions": permissions})).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, workspace, principal_id)): Path<(String, String, String)>) -> Answer {
    let (workspace, principal_id) = (number("workspace_id", &workspace)?, number("principal_id", &principal_id)?);
    workspace_exists(&shared, workspace)?;
    let removed = shared.state().permissions.get_mut(&workspace).and_then(|m| m.remove(&principal_id));
    if removed.is_none() {
        return Err(errors::api(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("Principal {principal_id} has no permissions on workspace {workspace}."),
        ));
    }
    Ok(Json(json!({})).into_response())
}
