//! Workspaces, credential and storage configurations, and networks under
//! `/api/2.0/accounts/{account_id}/`. Lists are bare JSON arrays on the wire, as the SDKs
//! decode them. A credential or network that a workspace uses cannot be deleted (`INVALID_STATE`).

use crate::common::{Account, Answer, not_found, now_ms};
use crate::errors;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// The demo account's storage: the root bucket the demo workspaces use.
pub fn demo_storage(account_id: &str) -> Vec<Value> {
    vec![json!({
        "storage_configuration_id": "0f1e2d3c-4b5a-4968-8776-655443322110",
        "storage_configuration_name": "demo-root-bucket",
        "account_id": account_id,
        "root_bucket_info": {"bucket_name": "demo-databricks-root"},
        "creation_time": 1_700_000_050_000i64,
    })]
}

/// The demo account's provisioning: one cross-account role, two workspaces using it.
pub fn demo(account_id: &str) -> (Vec<Value>, Vec<Value>) {
    let credential_id = "7b9b6c58-3c1e-4a4e-9a0e-2f6c8d1e5a01";
    let credentials = vec![json!({
        "credentials_id": credential_id,
        "credentials_name": "demo-cross-account",
        "account_id": account_id,
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/databricks-demo"}},
        "creation_time": 1_700_000_000_000i64,
    })];
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
            "storage_configuration_id": "0f1e2d3c-4b5a-4968-8776-655443322110",
            "account_id": account_id,
            "creation_time": 1_700_000_100_000i64,
        })
    };
    (
        credentials,
        vec![workspace(1_234_567_890_123_456, "analytics-prod", "RUNNING"), workspace(2_345_678_901_234_567, "sandbox", "PROVISIONING")],
    )
}

pub async fn list_workspaces(Account(shared): Account) -> Answer {
    Ok(Json(Value::Array(shared.state().provisioning.workspaces.clone())).into_response())
}

pub async fn get_workspace(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let numeric: i64 =
        id.parse().map_err(|_| errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", "workspace_id must be a number"))?;
    let found = shared.state().provisioning.workspaces.iter().find(|w| w["workspace_id"] == numeric).cloned();
    Ok(Json(found.ok_or_else(|| not_found("Workspace", &id))?).into_response())
}

pub async fn list_credentials(Account(shared): Account) -> Answer {
    Ok(Json(Value::Array(shared.state().provisioning.credentials.clone())).into_response())
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
    shared.state().provisioning.credentials.push(created.clone());
    Ok(Json(created).into_response())
}

pub async fn get_credential(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().provisioning.credentials.iter().find(|c| c["credentials_id"] == id.as_str()).cloned();
    Ok(Json(found.ok_or_else(|| not_found("Credential configuration", &id))?).into_response())
}

pub async fn delete_credential(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    let provisioning = &mut state.provisioning;
    if provisioning.workspaces.iter().any(|w| w["credentials_id"] == id.as_str()) {
        return Err(errors::api(
            StatusCode::BAD_REQUEST,
            "INVALID_STATE",
            format!("Credential configuration {id} is used by a workspace."),
        ));
    }
    let index = provisioning.credentials.iter().position(|c| c["credentials_id"] == id.as_str());
    let removed = provisioning.credentials.remove(index.ok_or_else(|| not_found("Credential configuration", &id))?);
    // The SDKs decode the deleted configuration from the answer.
    Ok(Json(removed).into_response())
}

pub async fn list_storage(Account(shared): Account) -> Answer {
    Ok(Json(Value::Array(shared.state().provisioning.storage.clone())).into_response())
}

pub async fn get_storage(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().provisioning.storage.iter().find(|c| c["storage_configuration_id"] == id.as_str()).cloned();
    Ok(Json(found.ok_or_else(|| not_found("Storage configuration", &id))?).into_response())
}

pub async fn list_networks(Account(shared): Account) -> Answer {
    Ok(Json(Value::Array(shared.state().provisioning.networks.clone())).into_response())
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
    shared.state().provisioning.networks.push(network.clone());
    Ok(Json(network).into_response())
}

pub async fn get_network(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().provisioning.networks.iter().find(|n| n["network_id"] == id.as_str()).cloned();
    Ok(Json(found.ok_or_else(|| not_found("Network configuration", &id))?).into_response())
}

pub async fn delete_network(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let mut state = shared.state();
    let provisioning = &mut state.provisioning;
    if provisioning.workspaces.iter().any(|w| w["network_id"] == id.as_str()) {
        return Err(errors::api(StatusCode::BAD_REQUEST, "INVALID_STATE", format!("Network configuration {id} is used by a workspace.")));
    }
    let index = provisioning.networks.iter().position(|n| n["network_id"] == id.as_str());
    let removed = provisioning.networks.remove(index.ok_or_else(|| not_found("Network configuration", &id))?);
    Ok(Json(removed).into_response())
}
