//! Network connectivity configurations (serverless egress) and their private endpoint rules:
//! `/api/2.0/accounts/{account_id}/network-connectivity-configs[/{id}[/private-endpoint-rules[/{rule_id}]]]`.
//! Lists page by `page_token` alone, items under `items`. A configuration shows the stable IPs
//! its serverless traffic leaves from; one a workspace uses cannot be deleted. A new rule is
//! `PENDING` ("created and pending approval") until the endpoint is approved, which the fake does
//! on the n-th GET of the rule ([`FakeConfig::endpoint_connection_reads`](crate::FakeConfig)):
//! then it is `ESTABLISHED`. A PATCH needs its `update_mask`; a DELETE of a rule that is PENDING
//! or EXPIRED removes it, any other is deactivated and kept ("deleted after one day"), and both
//! answer the rule.

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, Params, invalid, json_body, not_found, now_ms, required, strings};
use crate::progress::{self, Outcome, Progress};
use crate::state::AccountState;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Page size of both lists: the SDK sends none and Databricks documents none.
const PAGE: Listing = Listing::Paged { field: "items", size_param: None, default_size: 50 };

/// The account's network connectivity configurations (DELETE answers nothing, as the SDK reads it).
pub fn configs() -> Collection {
    Collection::new("network_connectivity_config_id", |id| not_found("Network connectivity configuration", id)).listed(PAGE)
}

/// One configuration's private endpoint rules.
fn rules() -> Collection {
    Collection::new("rule_id", |id| not_found("Private endpoint rule", id)).listed(PAGE)
}

/// The rules of a configuration the account holds.
pub fn rules_of<'s>(state: &'s mut AccountState, config: &str) -> Result<&'s mut Collection, Response> {
    state.connectivity.get(config)?;
    Ok(state.endpoint_rules.entry(config.to_string()).or_insert_with(rules))
}

pub fn config_user(state: &AccountState, id: &str) -> Option<String> {
    crate::provisioning::workspace_using(state, &["network_connectivity_config_id"], id)
}

/// What a PATCH of a rule may change (the SDK's `UpdatePrivateEndpointRule`).
const UPDATABLE: &[&str] = &["domain_names", "enabled", "error_message", "gcp_endpoint", "gcp_endpoint.*", "resource_names"];

/// "The name must match the regular expression ^[0-9a-zA-Z-_]{3,30}$".
fn valid_name(name: &str) -> bool {
    (3..=30).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn create_config(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let name = body["name"].as_str().filter(|n| valid_name(n)).ok_or_else(|| invalid("name must match ^[0-9a-zA-Z-_]{3,30}$"))?;
    let region = required(&body, "region", "region")?;
    let now = now_ms();
    let config = json!({
        "network_connectivity_config_id": crate::ids::uuid(),
        "account_id": shared.config.account_id,
        "name": name,
        "region": region,
        "egress_config": {"default_rules": {"aws_stable_ip_rule": {"cidr_blocks": ["52.27.216.188/32", "52.35.116.98/32"]}}},
        "creation_time": now,
        "updated_time": now,
    });
    shared.state().connectivity.create(config)
}

/// `POST …/private-endpoint-rules`: an AWS endpoint service with the S3 buckets
/// (`resource_names`) or domain names it serves, an Azure resource and its sub-resource, or a GCP
/// service attachment (`gcp_endpoint`).
pub async fn create_rule(Account(shared): Account, Path((_, config)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let (domains, buckets) = (strings(&body["domain_names"], "domain_names")?, strings(&body["resource_names"], "resource_names")?);
    let now = now_ms();
    let id = crate::ids::uuid();
    let mut rule = json!({
        "rule_id": id,
        "network_connectivity_config_id": config,
        "account_id": shared.config.account_id,
        "connection_state": "PENDING",
        "deactivated": false,
        "creation_time": now,
        "updated_time": now,
    });
    match (&body["endpoint_service"], &body["resource_id"]) {
        (Value::String(service), Value::Null) if !service.is_empty() => {
            if domains.is_empty() == buckets.is_empty() {
                return Err(invalid("give the endpoint service's resource_names (S3 buckets) or its domain_names, not both"));
            }
            rule["endpoint_service"] = json!(service);
            rule["enabled"] = json!(true);
            rule["vpc_endpoint_id"] = json!(format!("vpce-{}", &id.replace('-', "")[..17]));
            let (field, names) = if buckets.is_empty() { ("domain_names", domains) } else { ("resource_names", buckets) };
            rule[field] = json!(names);
        }
        (Value::Null, Value::String(resource)) if !resource.is_empty() => {
            rule["resource_id"] = json!(resource);
            rule["group_id"] = json!(required(&body, "group_id", "group_id")?);
            rule["endpoint_name"] = json!(format!("databricks-{config}-pe-{}", &id[..8]));
        }
        // GCP: a Private Service Connect endpoint to a service attachment.
        (Value::Null, Value::Null) if body["gcp_endpoint"].is_object() => {
            let attachment = required(&body["gcp_endpoint"], "service_attachment", "gcp_endpoint.service_attachment")?;
            let uri = format!("projects/databricks-serverless/regions/any/forwardingRules/psc-{}", &id[..8]);
            rule["gcp_endpoint"] = json!({"service_attachment": attachment, "psc_endpoint_uri": uri});
        }
        _ => return Err(invalid("give endpoint_service (AWS), resource_id and group_id (Azure) or gcp_endpoint (GCP)")),
    }
    let mut state = shared.state();
    rules_of(&mut state, &config)?.insert(rule.clone());
    state.changes.insert(format!("rules/{id}"), Progress::new(shared.config.endpoint_connection_reads, Outcome::Done));
    Ok(Json(rule).into_response())
}

/// An approved endpoint.
fn established(rule: &mut Value, _: Outcome) {
    rule["connection_state"] = json!("ESTABLISHED");
    rule["updated_time"] = json!(now_ms());
}

/// `GET` of a rule: a read of a pending rule counts towards its approval.
pub async fn get_rule(Account(shared): Account, Path((_, config, id)): Path<(String, String, String)>) -> Answer {
    let mut guard = shared.state();
    let state = &mut *guard;
    state.connectivity.get(&config)?;
    let rule = state
        .endpoint_rules
        .get_mut(&config)
        .and_then(|rules| rules.get_mut(&id).ok())
        .ok_or_else(|| not_found("Private endpoint rule", &id))?;
    progress::observe(&mut state.changes, &format!("rules/{id}"), rule, established);
    Ok(Json(rule.clone()).into_response())
}

pub async fn update_rule(
    Account(shared): Account,
    Path((_, config, id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Answer {
    let paths = crate::mask::parse("update_mask", Params::parse(query).get("update_mask"))?;
    let body = json_body(&body)?;
    for list in ["domain_names", "resource_names"] {
        strings(&body[list], list)?;
    }
    if !body["enabled"].is_null() && !body["enabled"].is_boolean() {
        return Err(invalid("enabled must be a boolean"));
    }
    let mut state = shared.state();
    let rules = rules_of(&mut state, &config)?;
    let mut updated = rules.get(&id)?.clone();
    crate::mask::apply(&mut updated, &body, &paths, UPDATABLE)?;
    updated["updated_time"] = json!(now_ms());
    let replaced = rules.replace(&id, updated, &[])?.clone();
    Ok(Json(replaced).into_response())
}

pub async fn delete_rule(Account(shared): Account, Path((_, config, id)): Path<(String, String, String)>) -> Answer {
    let mut state = shared.state();
    let rules = rules_of(&mut state, &config)?;
    let rule = rules.get_mut(&id)?;
    if matches!(rule["connection_state"].as_str(), Some("PENDING" | "EXPIRED")) {
        let removed = rules.remove(&id)?;
        state.changes.remove(&format!("rules/{id}"));
        return Ok(Json(removed).into_response());
    }
    if rule["deactivated"] != true {
        let now = now_ms();
        rule["deactivated"] = json!(true);
        rule["deactivated_at"] = json!(now);
        rule["updated_time"] = json!(now);
    }
    Ok(Json(rule.clone()).into_response())
}
