//! Workspaces: `/api/2.0/accounts/{account_id}/workspaces[/{workspace_id}]`, int64 IDs and a
//! bare JSON array for the list. As Databricks documents it: a create "is asynchronous", the
//! workspace starts `PROVISIONING` and "becomes available when the status changes to RUNNING";
//! the fake makes that change on the n-th GET of the workspace
//! ([`FakeConfig::workspace_provisioning_reads`](crate::FakeConfig)) or on the first GET after a
//! time (`workspace_provisioning_time`), or ends it `FAILED` or
//! never when a test asks ([`FakeAccount::fail_next_workspace`](crate::FakeAccount)). An update is
//! a PATCH whose `update_mask` query names the fields that change; it takes the workspace back
//! through `PROVISIONING` the same way (the transitions Databricks lists include
//! `RUNNING -> PROVISIONING` and `FAILED -> PROVISIONING`). A DELETE answers the deleted workspace.
//!
//! A GCP workspace is one whose create gives its project (`cloud_resource_container.gcp`) and a
//! `location` instead of `aws_region`; it needs no credential or storage configuration.
//!
//! What a workspace names must exist (400 `INVALID_PARAMETER_VALUE` "Invalid CredentialsId: …",
//! the message terraform-provider-databricks#2034 shows), keys must allow their use, a network
//! configuration serves one workspace only ("you cannot reuse a Databricks Account API network
//! configuration across workspaces"), and a network connectivity configuration only workspaces of
//! its region.

use crate::collection::Collection;
use crate::common::{Account, Answer, Params, invalid, json_body, not_found, now_ms, required};
use crate::errors;
use crate::progress::{self, Outcome, Progress};
use crate::state::AccountState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The account's workspaces.
pub fn collection() -> Collection {
    Collection::new("workspace_id", |id| not_found("Workspace", id)).numeric().answering_deleted()
}

/// What an update mask may name: the name, the tags and the configurations the workspace names.
/// Output-only fields (status, IDs, times) and what is fixed at creation (region, deployment
/// name, pricing tier) cannot change.
const UPDATABLE: &[&str] = &[
    "workspace_name",
    "custom_tags",
    "credentials_id",
    "storage_configuration_id",
    "network_id",
    "private_access_settings_id",
    "managed_services_customer_managed_key_id",
    "storage_customer_managed_key_id",
    "network_connectivity_config_id",
];

/// The configurations a workspace names, by field.
const REFERENCES: &[&str] = UPDATABLE.split_at(2).1;

const PRICING_TIERS: &[&str] = &["COMMUNITY_EDITION", "DEDICATED", "ENTERPRISE", "PREMIUM", "STANDARD", "UNKNOWN"];

const PROVISIONING_MESSAGE: &str = "Workspace resources are being set up.";

/// Where the configurations a field names live.
fn holder<'s>(state: &'s AccountState, field: &str) -> &'s Collection {
    match field {
        "credentials_id" => &state.credentials,
        "storage_configuration_id" => &state.storage,
        "network_id" => &state.networks,
        "private_access_settings_id" => &state.private_access,
        "network_connectivity_config_id" => &state.connectivity,
        _ => &state.keys,
    }
}

/// Databricks' answer to a workspace naming a configuration the account does not hold.
fn invalid_reference(field: &str, id: &str) -> Response {
    let camel: String = field
        .split('_')
        .map(|word| word.char_indices().map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c }).collect::<String>())
        .collect();
    invalid(format!("Invalid {camel}: {id}"))
}

/// Checks a workspace as it would be stored; `own` is its ID when it exists already.
fn check(state: &AccountState, workspace: &Value, own: Option<&Value>) -> Result<(), Response> {
    required(workspace, "workspace_name", "workspace_name")?;
    if workspace["compute_mode"] != "SERVERLESS" && workspace["cloud"] == "aws" {
        for field in ["credentials_id", "storage_configuration_id"] {
            if workspace[field].is_null() {
                return Err(invalid(format!("{field} is required for a workspace with compute_mode HYBRID (the default)")));
            }
        }
    }
    for field in REFERENCES {
        let id = match &workspace[*field] {
            Value::Null => continue,
            Value::String(id) => id.as_str(),
            _ => return Err(invalid(format!("{field} must be a string"))),
        };
        let named = holder(state, field).get(id).map_err(|_| invalid_reference(field, id))?;
        let use_case = match *field {
            "managed_services_customer_managed_key_id" => "MANAGED_SERVICES",
            "storage_customer_managed_key_id" => "STORAGE",
            _ => "",
        };
        if !use_case.is_empty() && !named["use_cases"].as_array().is_some_and(|cases| cases.iter().any(|c| c == use_case)) {
            return Err(invalid(format!("Customer-managed key configuration {id} is not for {use_case}.")));
        }
        let region = if workspace["cloud"] == "gcp" { &workspace["location"] } else { &workspace["aws_region"] };
        if *field == "network_connectivity_config_id" && named["region"] != *region {
            let region = named["region"].as_str().unwrap_or_default();
            let message = format!("Network connectivity configuration {id} is in region {region}, not the workspace's.");
            return Err(invalid(message));
        }
        let other = |w: &&Value| w["network_id"] == id && Some(&w["workspace_id"]) != own;
        if *field == "network_id"
            && let Some(other) = state.workspaces.items().iter().find(other)
        {
            return Err(invalid(format!("Network configuration {id} is used by workspace {}.", other["workspace_id"])));
        }
    }
    if !workspace["custom_tags"].is_null() {
        let tags = workspace["custom_tags"].as_object().ok_or_else(|| invalid("custom_tags must be an object of strings"))?;
        let fits = |(key, value): (&String, &Value)| {
            (1..=127).contains(&key.chars().count()) && value.as_str().is_some_and(|v| v.chars().count() <= 255)
        };
        if !tags.iter().all(fits) {
            return Err(invalid("custom_tags: keys are 1 to 127 characters, values strings of at most 255"));
        }
    }
    Ok(())
}

/// The change a create or update starts: it ends as the test asked, or `RUNNING`, on the n-th
/// read or once its time has passed.
fn start(state: &mut AccountState, id: &Value, config: &crate::FakeConfig) {
    let outcome = state.next_workspace.take().unwrap_or(Outcome::Done);
    let progress = Progress::new(config.workspace_provisioning_reads, outcome).or_after(config.workspace_provisioning_time);
    state.changes.insert(format!("workspaces/{id}"), progress);
}

/// How a finished provisioning shows on the workspace.
fn finish(workspace: &mut Value, outcome: Outcome) {
    let (status, message) = match outcome {
        Outcome::Done => ("RUNNING", "Workspace is running.".to_string()),
        Outcome::Failed(message) => ("FAILED", message),
        Outcome::Stalled => return,
    };
    workspace["workspace_status"] = json!(status);
    workspace["workspace_status_message"] = json!(message);
}

pub async fn create(Account(shared): Account, body: Bytes) -> Answer {
    let body = json_body(&body)?;
    let project = &body["cloud_resource_container"]["gcp"]["project_id"];
    let (cloud, region_field) = if project.is_string() { ("gcp", "location") } else { ("aws", "aws_region") };
    let region = required(&body, region_field, region_field)?;
    let compute_mode = match &body["compute_mode"] {
        Value::Null => "HYBRID",
        Value::String(mode) if mode == "HYBRID" || mode == "SERVERLESS" => mode,
        _ => return Err(invalid("compute_mode must be HYBRID or SERVERLESS")),
    };
    let pricing_tier = match &body["pricing_tier"] {
        Value::Null => "PREMIUM",
        Value::String(tier) if PRICING_TIERS.contains(&tier.as_str()) => tier,
        _ => return Err(invalid(format!("pricing_tier must be one of {}", PRICING_TIERS.join(", ")))),
    };
    let id = crate::ids::workspace_id();
    let deployment = match &body["deployment_name"] {
        Value::Null => format!("dbc-{id:x}"),
        Value::String(name) if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => name.to_lowercase(),
        _ => return Err(invalid("deployment_name may hold only letters, digits and hyphens")),
    };
    let mut workspace = json!({
        "workspace_id": id,
        "workspace_name": body["workspace_name"],
        "deployment_name": deployment,
        "workspace_status": "PROVISIONING",
        "workspace_status_message": PROVISIONING_MESSAGE,
        "cloud": cloud,
        "pricing_tier": pricing_tier,
        "compute_mode": compute_mode,
        "storage_mode": if compute_mode == "SERVERLESS" { "DEFAULT_STORAGE" } else { "CUSTOMER_HOSTED" },
        "account_id": shared.config.account_id,
        "creation_time": now_ms(),
    });
    workspace[region_field] = json!(region);
    for field in REFERENCES.iter().chain(&["custom_tags", "cloud_resource_container", "gcp_managed_network_config"]) {
        if !body[*field].is_null() {
            workspace[*field] = body[*field].clone();
        }
    }
    let mut state = shared.state();
    check(&state, &workspace, None)?;
    if state.workspaces.items().iter().any(|w| w["deployment_name"] == workspace["deployment_name"]) {
        return Err(invalid(format!("Deployment name {deployment} is taken.")));
    }
    start(&mut state, &workspace["workspace_id"], &shared.config);
    state.workspaces.create(workspace)
}

/// `GET` of one workspace: a read of a workspace being provisioned counts towards its outcome.
pub async fn get(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut guard = shared.state();
    let state = &mut *guard;
    let workspace = state.workspaces.get_mut(&id)?;
    let key = format!("workspaces/{}", workspace["workspace_id"]);
    progress::observe(&mut state.changes, &key, workspace, finish);
    let shown = workspace.clone();
    Ok(state.workspaces.answer(shown))
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, RawQuery(query): RawQuery, body: Bytes) -> Answer {
    let paths = crate::mask::parse("update_mask", Params::parse(query).get("update_mask"))?;
    let body = json_body(&body)?;
    let mut state = shared.state();
    let current = state.workspaces.get(&id)?.clone();
    let status = current["workspace_status"].as_str().unwrap_or_default();
    if status != "RUNNING" && status != "FAILED" {
        let message = format!("Workspace {id} is {status}: only a RUNNING or FAILED workspace can be updated.");
        return Err(errors::api(StatusCode::BAD_REQUEST, "INVALID_STATE", message));
    }
    let mut updated = current.clone();
    crate::mask::apply(&mut updated, &body, &paths, UPDATABLE)?;
    // "Update a failed workspace: … Change the storage configuration"; a running one keeps its own.
    if status == "RUNNING" && updated["storage_configuration_id"] != current["storage_configuration_id"] {
        return Err(invalid("The storage configuration of a running workspace cannot change; only a failed workspace's can."));
    }
    check(&state, &updated, Some(&current["workspace_id"]))?;
    updated["workspace_status"] = json!("PROVISIONING");
    updated["workspace_status_message"] = json!(PROVISIONING_MESSAGE);
    let replaced = state.workspaces.replace(&id, updated, &[])?.clone();
    start(&mut state, &replaced["workspace_id"], &shared.config);
    Ok(state.workspaces.answer(replaced))
}

/// `DELETE`: the workspace goes, and with it its metastore assignment, permission assignments
/// and network policy binding.
pub async fn delete(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    let removed = state.workspaces.remove(&id)?;
    let workspace_id = removed["workspace_id"].as_i64().unwrap_or_default();
    state.changes.remove(&format!("workspaces/{workspace_id}"));
    state.permissions.remove(&workspace_id);
    state.network_options.remove(&workspace_id);
    state.assignments.retain(|a| a["workspace_id"] != workspace_id);
    Ok(Json(removed).into_response())
}
