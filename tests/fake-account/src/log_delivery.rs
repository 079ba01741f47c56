//! Log delivery configurations: `/api/2.0/accounts/{account_id}/log-delivery[/{id}]`.
//! As Databricks: the output format follows the log type (billable usage CSV, audit logs
//! JSON), at most two enabled account-level configurations per log type, the credential and
//! storage configurations must exist, and a configuration can only be disabled, not deleted
//! (PATCH changes the status only).

use crate::common::{Account, Answer, Params, invalid, json_body, not_found, now_ms};
use crate::errors;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const MAX_ENABLED_PER_TYPE: usize = 2;

/// Refuses a third enabled account-level configuration of a log type.
fn room_for(configs: &[Value], log_type: &Value, except: Option<&str>) -> Result<(), Response> {
    let enabled = configs
        .iter()
        .filter(|c| {
            c["log_type"] == *log_type && c["status"] == "ENABLED" && c["workspace_ids_filter"].as_array().is_none_or(Vec::is_empty)
        })
        .filter(|c| except.is_none_or(|id| c["config_id"] != id))
        .count();
    if enabled >= MAX_ENABLED_PER_TYPE {
        return Err(invalid("At most two enabled account-level log delivery configurations per log type."));
    }
    Ok(())
}

pub async fn list(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = Params::parse(query);
    let configs: Vec<Value> = shared
        .state()
        .log_delivery
        .iter()
        .filter(|c| ["status", "credentials_id", "storage_configuration_id"].iter().all(|key| params.get(key).is_none_or(|v| c[*key] == v)))
        .cloned()
        .collect();
    Ok(Json(json!({"log_delivery_configurations": configs})).into_response())
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let mut config = body["log_delivery_configuration"].clone();
    let format = match config["log_type"].as_str() {
        Some("BILLABLE_USAGE") => "CSV",
        Some("AUDIT_LOGS") => "JSON",
        _ => return Err(invalid("log_type must be BILLABLE_USAGE or AUDIT_LOGS")),
    };
    if config["output_format"] != format {
        return Err(invalid(format!("output_format must be {format} for this log type")));
    }
    {
        let state = shared.state();
        let provisioning = &state.provisioning;
        if !provisioning.credentials.iter().any(|c| c["credentials_id"] == config["credentials_id"]) {
            return Err(errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", "Credential configuration does not exist."));
        }
        if !provisioning.storage.iter().any(|c| c["storage_configuration_id"] == config["storage_configuration_id"]) {
            return Err(errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", "Storage configuration does not exist."));
        }
    }
    let mut state = shared.state();
    let configs = &mut state.log_delivery;
    if config["status"].is_null() {
        config["status"] = json!("ENABLED");
    }
    if config["status"] == "ENABLED" {
        room_for(configs, &config["log_type"], None)?;
    }
    let now = now_ms();
    config["config_id"] = json!(crate::ids::uuid());
    config["account_id"] = json!(shared.config.account_id);
    config["creation_time"] = json!(now);
    config["update_time"] = json!(now);
    config["log_delivery_status"] = json!({"status": "CREATED", "message": "Log delivery has not been attempted yet."});
    configs.push(config.clone());
    Ok(Json(json!({"log_delivery_configuration": config})).into_response())
}

pub async fn get(Account(shared): Account, Path((_, id)): Path<(String, String)>) -> Answer {
    let found = shared.state().log_delivery.iter().find(|c| c["config_id"] == id.as_str()).cloned();
    Ok(Json(json!({"log_delivery_configuration": found.ok_or_else(|| not_found("Log delivery configuration", &id))?})).into_response())
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let status = body["status"].as_str().filter(|s| matches!(*s, "ENABLED" | "DISABLED"));
    let status = status.ok_or_else(|| invalid("status (ENABLED or DISABLED) is the only field that can change"))?;
    let mut state = shared.state();
    let configs = &mut state.log_delivery;
    let index = configs.iter().position(|c| c["config_id"] == id.as_str()).ok_or_else(|| not_found("Log delivery configuration", &id))?;
    if status == "ENABLED" {
        let log_type = configs[index]["log_type"].clone();
        room_for(configs, &log_type, Some(&id))?;
    }
    configs[index]["status"] = json!(status);
    configs[index]["update_time"] = json!(now_ms());
    Ok(Json(json!({})).into_response())
}
