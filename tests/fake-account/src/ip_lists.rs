//! Account IP access lists: `/api/2.0/accounts/{account_id}/ip-access-lists[/{id}]`, with
//! Databricks' validation (`INVALID_PARAMETER_VALUE`, `QUOTA_EXCEEDED` past 1000 entries)
//! and answers (`{"ip_access_lists": […]}`, omitted when empty; `{"ip_access_list": {…}}`).

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, json_body, not_found, now_ms};
use crate::errors;
use axum::http::StatusCode;
use serde_json::json;

/// The account's IP access lists.
pub fn collection() -> Collection {
    Collection::new("list_id", |id| not_found("IP access list", id))
        .enveloped("ip_access_list")
        .listed(Listing::OmittedWhenEmpty("ip_access_lists"))
}

const MAX_ENTRIES: usize = 1000;

/// Whether an entry is an IPv4 address or CIDR block.
fn is_address(entry: &str) -> bool {
    let (address, prefix) = entry.split_once('/').map_or((entry, "32"), |(a, p)| (a, p));
    address.parse::<std::net::Ipv4Addr>().is_ok() && prefix.parse::<u32>().is_ok_and(|p| p <= 32)
}

pub async fn create(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let invalid = |message: String| errors::api(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message);
    let body = json_body(&body)?;
    let label = body["label"].as_str().filter(|l| !l.trim().is_empty()).ok_or_else(|| invalid("label is required".into()))?;
    let list_type = body["list_type"].as_str().filter(|t| matches!(*t, "ALLOW" | "BLOCK"));
    let list_type = list_type.ok_or_else(|| invalid("list_type must be ALLOW or BLOCK".into()))?;
    let entries: Vec<String> =
        body["ip_addresses"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
    if entries.len() > MAX_ENTRIES {
        return Err(errors::api(StatusCode::BAD_REQUEST, "QUOTA_EXCEEDED", format!("IP access lists hold at most {MAX_ENTRIES} entries.")));
    }
    if let Some(entry) = entries.iter().find(|e| !is_address(e)) {
        return Err(invalid(format!("Invalid IP address or CIDR block: {entry}")));
    }
    // "Total number of IP or CIDR values" (the SDK's IpAccessListInfo): a block counts once.
    let count = entries.len();
    let now = now_ms();
    let created = json!({
        "list_id": crate::ids::uuid(),
        "label": label,
        "list_type": list_type,
        "ip_addresses": entries,
        "address_count": count,
        "enabled": true,
        "created_at": now,
        "created_by": 4_211_000_000_007_919i64,
        "updated_at": now,
        "updated_by": 4_211_000_000_007_919i64,
    });
    shared.state().ip_lists.create(created)
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
