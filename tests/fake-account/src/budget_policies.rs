//! Budget policies on API 2.1: `/api/2.1/accounts/{account_id}/budget-policies[/{policy_id}]`.
//! A create takes `{policy, request_id}` (the SDK makes up a `request_id` when the caller has
//! none); the fake makes creates idempotent by it, as a request ID is for, so a retried create
//! answers the policy the first one made. The list pages by `page_token` and `page_size`, keeps
//! the policies `filter_by.policy_name` (a part of the name), `filter_by.creator_user_id` and
//! `filter_by.creator_user_name` match, and sorts by `sort_spec.field=POLICY_NAME` (descending
//! with `sort_spec.descending=true`). PATCH takes the whole policy and changes what it sets.
//! As documented: names are unique among policies and cannot start with
//! `databricks:default-policy`; at most 20 custom tags, none with a reserved key; the workspaces a
//! policy is bound to must exist.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, Params, already_exists, invalid, json_body, not_found, unknown_reference};
use crate::state::AccountState;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const LISTING: Listing = Listing::Paged { field: "policies", size_param: Some("page_size"), default_size: 100 };

/// The account's budget policies.
pub fn collection() -> Collection {
    Collection::new("policy_id", |id| not_found("Budget policy", id)).listed(LISTING)
}

const RESERVED_TAG_KEYS: &[&str] = &["budget-policy-name", "budget-policy-id", "budget-policy-resolution-result"];
const MAX_TAGS: usize = 20;

/// The fields of a policy body the caller sets, checked; `own` is the policy's ID on an update.
fn fields(state: &AccountState, policy: &Value, own: Option<&str>) -> Result<Value, Response> {
    let mut checked = json!({});
    match &policy["policy_name"] {
        Value::Null => {}
        Value::String(name) if !name.trim().is_empty() => {
            if name.starts_with("databricks:default-policy") {
                return Err(invalid("policy_name cannot start with databricks:default-policy"));
            }
            let taken = |p: &&Value| p["policy_name"] == name.as_str() && own.is_none_or(|own| p["policy_id"] != own);
            if state.budget_policies.items().iter().any(|p| taken(&p)) {
                return Err(already_exists(format!("A budget policy named {name} exists already.")));
            }
            checked["policy_name"] = json!(name);
        }
        _ => return Err(invalid("policy_name must be a non-empty string")),
    }
    match &policy["custom_tags"] {
        Value::Null => {}
        Value::Array(tags) => {
            if tags.len() > MAX_TAGS {
                return Err(invalid(format!("A budget policy has at most {MAX_TAGS} custom tags.")));
            }
            for tag in tags {
                let key = tag["key"].as_str().filter(|k| !k.is_empty()).ok_or_else(|| invalid("each custom tag needs a key"))?;
                if RESERVED_TAG_KEYS.contains(&key) || !(tag["value"].is_null() || tag["value"].is_string()) {
                    return Err(invalid(format!("custom tag {key} is reserved or has a value that is not a string")));
                }
            }
            checked["custom_tags"] = json!(tags);
        }
        _ => return Err(invalid("custom_tags must be a list of {key, value}")),
    }
    match &policy["binding_workspace_ids"] {
        Value::Null => {}
        Value::Array(ids) => {
            for id in ids {
                let id = id.as_i64().ok_or_else(|| invalid("binding_workspace_ids must be workspace IDs"))?;
                if !state.workspaces.contains(&id.to_string()) {
                    return Err(unknown_reference("Workspace", &id.to_string()));
                }
            }
            checked["binding_workspace_ids"] = json!(ids);
        }
        _ => return Err(invalid("binding_workspace_ids must be a list of workspace IDs")),
    }
    Ok(checked)
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let request_id = body["request_id"].as_str().filter(|r| !r.is_empty()).map(str::to_string);
    let mut state = shared.state();
    if let Some(made) = request_id.as_ref().and_then(|r| state.budget_policy_requests.get(r)).cloned() {
        return Ok(Json(state.budget_policies.get(&made)?.clone()).into_response());
    }
    let mut policy = fields(&state, &body["policy"], None)?;
    if policy["policy_name"].is_null() {
        return Err(invalid("policy.policy_name is required"));
    }
    let id = crate::ids::uuid();
    policy["policy_id"] = json!(id);
    let creator = (crate::example_ids::CONNECTION_SERVICE_PRINCIPAL.parse().unwrap_or_default(), shared.config.client_id.clone());
    state.budget_policy_creators.insert(id.clone(), creator);
    if let Some(request_id) = request_id {
        state.budget_policy_requests.insert(request_id, id);
    }
    state.budget_policies.create(policy)
}

pub async fn list(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = Params::parse(query);
    let state = shared.state();
    let creator = |policy: &Value| state.budget_policy_creators.get(policy["policy_id"].as_str().unwrap_or_default());
    let name_part = params.get("filter_by.policy_name").map(str::to_lowercase);
    let creator_id = params
        .get("filter_by.creator_user_id")
        .map(|id| id.parse::<i64>().map_err(|_| invalid("filter_by.creator_user_id must be a number")));
    let creator_id = creator_id.transpose()?;
    let creator_name = params.get("filter_by.creator_user_name");
    let mut kept: Vec<Value> = state
        .budget_policies
        .items()
        .iter()
        .filter(|p| name_part.as_ref().is_none_or(|part| p["policy_name"].as_str().is_some_and(|n| n.to_lowercase().contains(part))))
        .filter(|p| creator_id.is_none_or(|id| creator(p).is_some_and(|(made_by, _)| *made_by == id)))
        .filter(|p| creator_name.is_none_or(|name| creator(p).is_some_and(|(_, made_by)| made_by == name)))
        .cloned()
        .collect();
    match params.get("sort_spec.field") {
        None => {}
        Some("POLICY_NAME") => kept.sort_by(|a, b| a["policy_name"].as_str().cmp(&b["policy_name"].as_str())),
        Some(other) => return Err(invalid(format!("sort_spec.field {other} is not POLICY_NAME"))),
    }
    if params.flag("sort_spec.descending")? {
        kept.reverse();
    }
    Ok(LISTING.answer(&kept, &params))
}

/// `PATCH …/{policy_id}`: the body is the whole policy; what it sets changes. The deprecated
/// `limit_config` query is ignored, as its type has no fields.
pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let mut state = shared.state();
    state.budget_policies.get(&id)?;
    let changes = fields(&state, &body, Some(&id))?;
    let updated = state.budget_policies.merge(&id, &changes, &["policy_name", "custom_tags", "binding_workspace_ids"])?.clone();
    Ok(Json(updated).into_response())
}

/// `DELETE`: the policy goes, and with it its rule set.
pub async fn delete(Account(shared): Account, Path((account, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    state.budget_policies.delete(&id)?;
    state.budget_policy_creators.remove(&id);
    state.budget_policy_requests.retain(|_, made| *made != id);
    crate::access_control::forget(&mut state, &format!("accounts/{account}/budgetPolicies/{id}"));
    Ok(Json(json!({})).into_response())
}
