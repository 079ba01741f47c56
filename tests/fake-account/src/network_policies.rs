//! Network policies (what serverless compute may reach, and who may reach the workspace) and the
//! policy each workspace uses: `/api/2.0/accounts/{account_id}/network-policies[/{id}]` (paged
//! by `page_token` alone, items under `items`; PUT replaces a policy whole) and
//! `…/workspaces/{workspace_id}/network` (GET and PUT). As the SDKs document it: every account has
//! `default-policy`, which "is reserved and cannot be deleted, but it can be updated", and a
//! workspace with no explicit binding uses it ("You cannot create or delete a workspace's network
//! option, only update it"). A policy a workspace is bound to cannot be deleted either.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, already_exists, in_use, invalid, json_body, not_found, number, unknown_reference};
use crate::example_ids::DEFAULT_NETWORK_POLICY;
use crate::state::AccountState;
use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The account's network policies.
pub fn collection() -> Collection {
    let listing = Listing::Paged { field: "items", size_param: None, default_size: 50 };
    Collection::new("network_policy_id", |id| not_found("Network policy", id)).listed(listing)
}

/// Every account's `default-policy`: no egress restriction.
pub fn seed(state: &mut AccountState, account_id: &str) {
    state.network_policies.insert(json!({
        "network_policy_id": DEFAULT_NETWORK_POLICY,
        "account_id": account_id,
        "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}},
    }));
}

/// The restriction modes each part of a policy takes (the SDK's enums).
const MODES: &[(&str, &[&str])] = &[
    ("/egress/network_access", &["FULL_ACCESS", "RESTRICTED_ACCESS"]),
    ("/ingress/public_access", &["FULL_ACCESS", "RESTRICTED_ACCESS"]),
    ("/ingress/private_access", &["ALLOW_ALL_REGISTERED_ENDPOINTS", "RESTRICTED_ACCESS"]),
    ("/ingress/cross_workspace_access", &["FULL_ACCESS", "LEGACY_MODE", "RESTRICTED_ACCESS"]),
    ("/ingress_dry_run/public_access", &["FULL_ACCESS", "RESTRICTED_ACCESS"]),
    ("/ingress_dry_run/private_access", &["ALLOW_ALL_REGISTERED_ENDPOINTS", "RESTRICTED_ACCESS"]),
    ("/ingress_dry_run/cross_workspace_access", &["FULL_ACCESS", "LEGACY_MODE", "RESTRICTED_ACCESS"]),
];

/// A policy body: each part it sets needs a known `restriction_mode` (required in the SDK).
fn checked(body: Value) -> Result<Value, Response> {
    if !body.is_object() {
        return Err(invalid("The body must be a network policy object."));
    }
    for (part, modes) in MODES {
        if let Some(set) = body.pointer(part).filter(|v| !v.is_null()) {
            let mode = set["restriction_mode"].as_str().filter(|m| modes.contains(m));
            mode.ok_or_else(|| invalid(format!("{}.restriction_mode must be one of {}", &part[1..].replace('/', "."), modes.join(", "))))?;
        }
    }
    Ok(body)
}

/// `POST …/network-policies`: the ID is the caller's `network_policy_id` when it gives one.
pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let mut policy = checked(json_body(&body)?)?;
    let id = match &policy["network_policy_id"] {
        Value::Null => crate::ids::uuid(),
        Value::String(id) if !id.trim().is_empty() => id.clone(),
        _ => return Err(invalid("network_policy_id must be a non-empty string")),
    };
    let mut state = shared.state();
    if state.network_policies.contains(&id) {
        return Err(already_exists(format!("Network policy {id} already exists.")));
    }
    policy["network_policy_id"] = json!(id);
    policy["account_id"] = json!(shared.config.account_id);
    state.network_policies.create(policy)
}

/// `PUT …/network-policies/{id}`: the whole policy is replaced; its ID and account stay.
pub async fn replace(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let policy = checked(json_body(&body)?)?;
    let mut state = shared.state();
    let replaced = state.network_policies.replace(&id, policy, &["account_id"])?.clone();
    Ok(Json(replaced).into_response())
}

pub async fn delete(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    state.network_policies.get(&id)?;
    if id == DEFAULT_NETWORK_POLICY {
        return Err(invalid("default-policy is reserved and cannot be deleted."));
    }
    if let Some((workspace, _)) = state.network_options.iter().find(|(_, policy)| **policy == id) {
        return Err(in_use("Network policy", &id, &format!("workspace {workspace}")));
    }
    state.network_policies.delete(&id)
}

/// The workspace's network option, `default-policy` when it has no binding of its own.
fn option(state: &AccountState, workspace: i64) -> Value {
    let policy = state.network_options.get(&workspace).map_or(DEFAULT_NETWORK_POLICY, String::as_str);
    json!({"workspace_id": workspace, "network_policy_id": policy})
}

pub async fn get_option(Account(shared): Account, Path((_, workspace)): Path<(String, String)>) -> Answer {
    let workspace = number("workspace_id", &workspace)?;
    let state = shared.state();
    state.workspaces.get(&workspace.to_string())?;
    Ok(Json(option(&state, workspace)).into_response())
}

/// `PUT …/workspaces/{id}/network`: binds the workspace to an existing policy.
pub async fn put_option(Account(shared): Account, Path((_, workspace)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let workspace = number("workspace_id", &workspace)?;
    let body = json_body(&body)?;
    let policy = body["network_policy_id"].as_str().filter(|p| !p.is_empty()).ok_or_else(|| invalid("network_policy_id is required"))?;
    let mut state = shared.state();
    state.workspaces.get(&workspace.to_string())?;
    if !state.network_policies.contains(policy) {
        return Err(unknown_reference("Network policy", policy));
    }
    if policy == DEFAULT_NETWORK_POLICY {
        state.network_options.remove(&workspace);
    } else {
        state.network_options.insert(workspace, policy.to_string());
    }
    Ok(Json(option(&state, workspace)).into_response())
}
