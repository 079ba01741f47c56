//! Workspaces, credential and storage configurations, and networks under
//! `/api/2.0/accounts/{account_id}/`. Lists are bare JSON arrays on the wire, as the SDKs
//! decode them. A credential or network that a workspace uses cannot be deleted (`INVALID_STATE`).

use crate::collection::Collection;
use crate::common::{Account, Answer, not_found, now_ms};
use crate::errors;
use crate::family::{self, Pick};
use crate::state::{AccountState, Shared};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::MethodRouter;
use serde_json::{Value, json};
use std::sync::Arc;

/// The account's workspaces (int64 IDs).
pub fn workspaces() -> Collection {
    Collection::new("workspace_id", |id| not_found("Workspace", id)).numeric()
}

/// Credential configurations (cross-account IAM roles).
pub fn credentials() -> Collection {
    Collection::new("credentials_id", |id| not_found("Credential configuration", id)).answering_deleted()
}

/// Storage configurations (root buckets).
pub fn storage() -> Collection {
    Collection::new("storage_configuration_id", |id| not_found("Storage configuration", id))
}

/// Network configurations (customer-managed VPCs).
pub fn networks() -> Collection {
    Collection::new("network_id", |id| not_found("Network configuration", id)).answering_deleted()
}

/// `GET` and `DELETE` of a configuration workspaces name in `field`: Databricks refuses to
/// delete one a workspace uses (`INVALID_STATE`), and the SDKs decode the removed one from the answer.
pub fn configuration(pick: Pick, field: &'static str, what: &'static str) -> MethodRouter<Arc<Shared>> {
    family::item(pick).delete(move |Account(shared): Account, Path((_, id)): Path<(String, String)>| async move {
        let mut state = shared.state();
        if state.workspaces.items().iter().any(|w| w[field] == id.as_str()) {
            return Err(errors::api(StatusCode::BAD_REQUEST, "INVALID_STATE", format!("{what} {id} is used by a workspace.")));
        }
        pick(&mut state).delete(&id)
    })
}

/// The demo account's provisioning: one cross-account role and one root bucket, and two
/// workspaces using them.
pub fn seed_demo(state: &mut AccountState, account_id: &str) {
    let credential_id = crate::example_ids::CREDENTIAL;
    let storage_id = crate::example_ids::STORAGE_CONFIGURATION;
    state.credentials.insert(json!({
        "credentials_id": credential_id,
        "credentials_name": "demo-cross-account",
        "account_id": account_id,
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/databricks-demo"}},
        "creation_time": 1_700_000_000_000i64,
    }));
    state.storage.insert(json!({
        "storage_configuration_id": storage_id,
        "storage_configuration_name": "demo-root-bucket",
        "account_id": account_id,
        "root_bucket_info": {"bucket_name": "demo-databricks-root"},
        "creation_time": 1_700_000_050_000i64,
    }));
    let workspace = |id: i64, name: &str, status: &str| {
        json!({
            "workspace_id": id,
            "workspace_name": name,
            "deployment_name": format!("dbc-{id:x}"),
            "workspace_status": status,
            "workspace_status_message": if status == "RUNNING" { "Workspace is running." } else { "Workspace resources are being set up." },
            "cloud": "aws",
            "aws_region": "us-west-2",
            "pricing_tier": "PREMIUM",
            "credentials_id": credential_id,
            "storage_configuration_id": storage_id,
            "account_id": account_id,
            "creation_time": 1_700_000_100_000i64,
        })
    };
    state.workspaces.insert(workspace(crate::example_ids::ANALYTICS_PROD, "analytics-prod", "RUNNING"));
    state.workspaces.insert(workspace(crate::example_ids::SANDBOX, "sandbox", "PROVISIONING"));
}

pub async fn create_credential(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let invalid = |message: &str| errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message.to_string());
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let name = body["credentials_name"].as_str().filter(|n| (4..=256).contains(&n.chars().count()));
    let name = name.ok_or_else(|| invalid("credentials_name must be 4 to 256 characters"))?;
    let role_arn = body["aws_credentials"]["sts_role"]["role_arn"].as_str().filter(|a| a.starts_with("arn:"));
    let role_arn = role_arn.ok_or_else(|| invalid("aws_credentials.sts_role.role_arn is required"))?;
    let created = json!({
        "credentials_id": crate::ids::uuid(),
        "credentials_name": name,
        "account_id": shared.config.account_id,
        "aws_credentials": {"sts_role": {"role_arn": role_arn}},
        "creation_time": now_ms(),
    });
    shared.state().credentials.create(created)
}

pub async fn create_network(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let invalid = |message: &str| errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message.to_string());
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let name = body["network_name"].as_str().filter(|n| (4..=256).contains(&n.chars().count()));
    let name = name.ok_or_else(|| invalid("network_name must be 4 to 256 characters"))?;
    let strings = |key: &str| -> Vec<String> {
        body[key].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let mut network = json!({
        "network_id": crate::ids::uuid(),
        "network_name": name,
        "account_id": shared.config.account_id,
        "vpc_status": "UNATTACHED",
        "creation_time": now_ms(),
    });
    match (body["vpc_id"].as_str(), body.get("gcp_network_info")) {
        (Some(vpc), None) => {
            let (subnets, groups) = (strings("subnet_ids"), strings("security_group_ids"));
            if subnets.len() < 2 {
                return Err(invalid("subnet_ids needs at least two subnets"));
            }
            if !(1..=5).contains(&groups.len()) {
                return Err(invalid("security_group_ids needs one to five security groups"));
            }
            network["vpc_id"] = json!(vpc);
            network["subnet_ids"] = json!(subnets);
            network["security_group_ids"] = json!(groups);
        }
        (None, Some(gcp)) if gcp.is_object() => network["gcp_network_info"] = gcp.clone(),
        _ => return Err(invalid("give either vpc_id with subnets and security groups (AWS) or gcp_network_info (GCP)")),
    }
    shared.state().networks.create(network)
}
