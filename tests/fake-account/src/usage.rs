//! Billable usage download: `GET /api/2.0/accounts/{account_id}/usage/download` answers CSV
//! (`text/plain`) with Databricks' documented columns, one row per workspace and month.
//! Cluster owners' user names only with `personal_data=true`.

use crate::common::{Account, Answer};
use axum::extract::RawQuery;
use axum::http::header;
use axum::response::IntoResponse;

const COLUMNS: &str = "workspaceId,timestamp,clusterId,clusterName,clusterNodeType,clusterOwnerUserId,clusterCustomTags,sku,dbus,machineHours,clusterOwnerUserName,tags";

/// `YYYY-MM` → (year, month).
fn month(value: &str) -> Option<(u32, u32)> {
    let (year, month) = value.split_once('-')?;
    let (year, month) = (year.parse().ok()?, month.parse().ok()?);
    (value.len() == 7 && (1..=12).contains(&month)).then_some((year, month))
}

pub async fn download(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = crate::common::Params::parse(query);
    let param = |name: &str| params.get(name);
    let invalid = crate::common::invalid;
    let start = param("start_month").and_then(month).ok_or_else(|| invalid("start_month must be YYYY-MM"))?;
    let end = param("end_month").and_then(month).ok_or_else(|| invalid("end_month must be YYYY-MM"))?;
    if end < start {
        return Err(invalid("end_month must not be before start_month"));
    }
    let personal = param("personal_data") == Some("true");
    let mut workspaces: Vec<i64> = shared.state().workspaces.items().iter().filter_map(|w| w["workspace_id"].as_i64()).collect();
    if workspaces.is_empty() {
        workspaces.push(1_000_000_000_000_001);
    }
    let mut csv = format!("{COLUMNS}\n");
    let (mut year, mut month_number) = start;
    while (year, month_number) <= end {
        for (n, workspace) in workspaces.iter().enumerate() {
            let owner = if personal { "ada.lovelace@example.com" } else { "" };
            csv.push_str(&format!(
                "{workspace},{year:04}-{month_number:02}-01T00:00:00.000Z,0101-{n:06}-abc,etl-{n},i3.xlarge,4211000000015838,\"{{\"\"team\"\":\"\"data\"\"}}\",PREMIUM_JOBS_COMPUTE,{}.5,{}.25,{owner},\n",
                12 + n,
                3 + n
            ));
        }
        (year, month_number) = if month_number == 12 { (year + 1, 1) } else { (year, month_number + 1) };
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], csv).into_response())
}
