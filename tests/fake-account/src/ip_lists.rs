//! Account IP access lists: `/api/2.0/accounts/{account_id}/ip-access-lists[/{id}]`, with
//! Databricks' validation (`INVALID_PARAMETER_VALUE`, `QUOTA_EXCEEDED` past 1000 entries)
//! and answers (`{"ip_access_lists": […]}`, omitted when empty; `{"ip_access_list": {…}}`).
//! PATCH changes the fields it gives (`label`, `list_type`, `ip_addresses`, `enabled`); PUT
//! replaces the list and needs `label`, `list_type` and `enabled`; both answer `{}` (the SDK
//! reads nothing back).

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, json_body, not_found, now_ms};
use crate::errors;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The account's IP access lists.
pub fn collection() -> Collection {
    Collection::new("list_id", |id| not_found("IP access list", id))
        .enveloped("ip_access_list")
        .listed(Listing::OmittedWhenEmpty("ip_access_lists"))
}

const MAX_ENTRIES: usize = 1000;

/// Who the fake says made and changed a list: the connection's service principal.
const ADMIN: i64 = 4_211_000_000_007_919;

/// Whether an entry is an IPv4 address or CIDR block.
fn is_address(entry: &str) -> bool {
    let (address, prefix) = entry.split_once('/').map_or((entry, "32"), |(a, p)| (a, p));
    address.parse::<std::net::Ipv4Addr>().is_ok() && prefix.parse::<u32>().is_ok_and(|p| p <= 32)
}

fn invalid(message: String) -> Response {
    errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
}

/// The fields of a body that are present, checked; `required` must all be among them.
fn fields(body: &Value, required: &[&str]) -> Result<Map<String, Value>, Response> {
    let mut checked = Map::new();
    if let Some(missing) = required.iter().find(|field| body[**field].is_null()) {
        return Err(invalid(format!("{missing} is required")));
    }
    let label = match &body["label"] {
        Value::Null => None,
        Value::String(label) if !label.trim().is_empty() => Some(json!(label)),
        _ => return Err(invalid("label is required".into())),
    };
    let list_type = match &body["list_type"] {
        Value::Null => None,
        Value::String(kind) if kind == "ALLOW" || kind == "BLOCK" => Some(json!(kind)),
        _ => return Err(invalid("list_type must be ALLOW or BLOCK".into())),
    };
    let enabled = match &body["enabled"] {
        Value::Null => None,
        Value::Bool(enabled) => Some(json!(enabled)),
        _ => return Err(invalid("enabled must be a boolean".into())),
    };
    for (key, value) in [("label", label), ("list_type", list_type), ("enabled", enabled)] {
        if let Some(value) = value {
            checked.insert(key.into(), value);
        }
    }
    if !body["ip_addresses"].is_null() {
        let entries = crate::common::strings(&body["ip_addresses"], "ip_addresses")?;
        if entries.len() > MAX_ENTRIES {
            return Err(errors::api(
                StatusCode::BAD_REQUEST,
                "QUOTA_EXCEEDED",
                format!("IP access lists hold at most {MAX_ENTRIES} entries."),
            ));
        }
        if let Some(entry) = entries.iter().find(|e| !is_address(e)) {
            return Err(invalid(format!("Invalid IP address or CIDR block: {entry}")));
        }
        // "Total number of IP or CIDR values" (the SDK's IpAccessListInfo): a block counts once.
        checked.insert("address_count".into(), json!(entries.len()));
        checked.insert("ip_addresses".into(), json!(entries));
    }
    Ok(checked)
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let mut created = fields(&body, &["label", "list_type"])?;
    created.entry("ip_addresses").or_insert(json!([]));
    created.entry("address_count").or_insert(json!(0));
    let now = now_ms();
    for (key, value) in
        [("list_id", json!(crate::ids::uuid())), ("enabled", json!(true)), ("created_at", json!(now)), ("created_by", json!(ADMIN))]
    {
        created.insert(key.into(), value);
    }
    created.insert("updated_at".into(), json!(now));
    created.insert("updated_by".into(), json!(ADMIN));
    shared.state().ip_lists.create(Value::Object(created))
}

/// Stores the changed fields and the time of the change.
fn change(shared: &crate::state::Shared, id: &str, mut changes: Map<String, Value>, replace: bool) -> Answer {
    changes.insert("updated_at".into(), json!(now_ms()));
    changes.insert("updated_by".into(), json!(ADMIN));
    let mut state = shared.state();
    let list = state.ip_lists.get_mut(id)?;
    if replace {
        changes.entry("ip_addresses").or_insert(json!([]));
        changes.entry("address_count").or_insert(json!(0));
    }
    for (key, value) in changes {
        list[key] = value;
    }
    Ok(Json(json!({})).into_response())
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let changes = fields(&json_body(&body)?, &[])?;
    change(&shared, &id, changes, false)
}

pub async fn replace(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let changes = fields(&json_body(&body)?, &["label", "list_type", "enabled"])?;
    change(&shared, &id, changes, true)
}

#[cfg(test)]
mod tests {
    use super::is_address;

    #[test]
    fn addresses_and_blocks() {
        assert!(is_address("10.0.0.1") && is_address("10.0.0.0/16"));
        assert!(!is_address("10.0.0.0/33") && !is_address("nope"));
    }
}
