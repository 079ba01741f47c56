//! Log delivery configurations: `/api/2.0/accounts/{account_id}/log-delivery[/{id}]`.
//! As Databricks: the output format follows the log type (billable usage CSV, audit logs
//! JSON), at most two enabled account-level configurations per log type, the credential and
//! storage configurations must exist, and a configuration can only be disabled, not deleted
//! (PATCH changes the status only).

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, invalid, json_body, not_found, now_ms};
use crate::errors;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The account's log delivery configurations; the list filters by status and configurations.
pub fn collection() -> Collection {
    Collection::new("config_id", |id| not_found("Log delivery configuration", id))
        .enveloped("log_delivery_configuration")
        .listed(Listing::Field("log_delivery_configurations"))
        .filtered_by(&["status", "credentials_id", "storage_configuration_id"])
}

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
    let mut state = shared.state();
    let missing = |what: &str| errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("{what} does not exist."));
    if !state.credentials.contains(config["credentials_id"].as_str().unwrap_or_default()) {
        return Err(missing("Credential configuration"));
    }
    if !state.storage.contains(config["storage_configuration_id"].as_str().unwrap_or_default()) {
        return Err(missing("Storage configuration"));
    }
    if config["status"].is_null() {
        config["status"] = json!("ENABLED");
    }
    if config["status"] == "ENABLED" {
        room_for(state.log_delivery.items(), &config["log_type"], None)?;
    }
    let now = now_ms();
    config["config_id"] = json!(crate::ids::uuid());
    config["account_id"] = json!(shared.config.account_id);
    config["creation_time"] = json!(now);
    config["update_time"] = json!(now);
    config["log_delivery_status"] = json!({"status": "CREATED", "message": "Log delivery has not been attempted yet."});
    state.log_delivery.create(config)
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let status = body["status"].as_str().filter(|s| matches!(*s, "ENABLED" | "DISABLED"));
    let status = status.ok_or_else(|| invalid("status (ENABLED or DISABLED) is the only field that can change"))?;
    let mut state = shared.state();
    let log_type = state.log_delivery.get(&id)?["log_type"].clone();
    if status == "ENABLED" {
        room_for(state.log_delivery.items(), &log_type, Some(&id))?;
    }
    let config = state.log_delivery.get_mut(&id)?;
    config["status"] = json!(status);
    config["update_time"] = json!(now_ms());
    Ok(Json(json!({})).into_response())
}
