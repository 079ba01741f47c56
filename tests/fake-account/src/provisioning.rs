//! The configurations workspaces are made of, under `/api/2.0/accounts/{account_id}/`:
//! credential and storage configurations, networks, private access settings, VPC endpoints and
//! customer-managed keys. Lists are bare JSON arrays on the wire and a DELETE answers the deleted
//! object, as the SDKs decode them. One that a workspace uses cannot be deleted (`INVALID_STATE`;
//! the SDKs' docs: "You cannot delete a credential that is associated with any workspace"), and a
//! configuration that names another (a network's VPC endpoints, the endpoints private access
//! settings allow) must name one the account holds.

use crate::collection::Collection;
use crate::common::{Account, Answer, in_use, invalid, json_body, not_found, now_ms, required, strings, unknown_reference};
use crate::family::{self, Pick};
use crate::state::{AccountState, Shared};
use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::{Value, json};
use std::sync::Arc;

/// Credential configurations (cross-account IAM roles).
pub fn credentials() -> Collection {
    Collection::new("credentials_id", |id| not_found("Credential configuration", id)).answering_deleted()
}

/// Storage configurations (root buckets).
pub fn storage() -> Collection {
    Collection::new("storage_configuration_id", |id| not_found("Storage configuration", id)).answering_deleted()
}

/// Network configurations (customer-managed VPCs).
pub fn networks() -> Collection {
    Collection::new("network_id", |id| not_found("Network configuration", id)).answering_deleted()
}

/// Private access settings (PrivateLink).
pub fn private_access() -> Collection {
    Collection::new("private_access_settings_id", |id| not_found("Private access settings", id)).answering_deleted()
}

/// VPC endpoint configurations registered with the account.
pub fn vpc_endpoints() -> Collection {
    Collection::new("vpc_endpoint_id", |id| not_found("VPC endpoint configuration", id)).answering_deleted()
}

/// Customer-managed key configurations.
pub fn keys() -> Collection {
    Collection::new("customer_managed_key_id", |id| not_found("Customer-managed key configuration", id)).answering_deleted()
}

/// What still uses a configuration (`None` when nothing does), in words.
pub type User = fn(&AccountState, &str) -> Option<String>;

/// The configurations workspaces use, as `(path, collection, what, user)`: each served by
/// [`configuration`] under `…/{path}/{id}`.
pub const CONFIGURATIONS: &[(&str, Pick, &str, User)] = &[
    ("credentials", |s| &mut s.credentials, "Credential configuration", credential_user),
    ("storage-configurations", |s| &mut s.storage, "Storage configuration", storage_user),
    ("networks", |s| &mut s.networks, "Network configuration", network_user),
    ("private-access-settings", |s| &mut s.private_access, "Private access settings", private_access_user),
    ("vpc-endpoints", |s| &mut s.vpc_endpoints, "VPC endpoint configuration", endpoint_user),
    ("customer-managed-keys", |s| &mut s.keys, "Customer-managed key configuration", key_user),
    ("network-connectivity-configs", |s| &mut s.connectivity, "Network connectivity configuration", crate::connectivity::config_user),
];

/// `GET` and `DELETE` of a configuration: the delete is refused while `user` finds a user.
pub fn configuration(pick: Pick, what: &'static str, user: User) -> MethodRouter<Arc<Shared>> {
    family::item(pick).delete(move |Account(shared): Account, Path((_, id)): Path<(String, String)>| async move {
        let mut state = shared.state();
        pick(&mut state).get(&id)?;
        if let Some(user) = user(&state, &id) {
            return Err(in_use(what, &id, &user));
        }
        pick(&mut state).delete(&id)
    })
}

/// The first workspace one of whose `fields` is `id`.
pub fn workspace_using(state: &AccountState, fields: &[&str], id: &str) -> Option<String> {
    let uses = |w: &&Value| fields.iter().any(|field| w[*field] == id);
    state.workspaces.items().iter().find(uses).map(|w| format!("workspace {}", w["workspace_id"]))
}

pub fn credential_user(state: &AccountState, id: &str) -> Option<String> {
    workspace_using(state, &["credentials_id"], id)
}

pub fn storage_user(state: &AccountState, id: &str) -> Option<String> {
    workspace_using(state, &["storage_configuration_id"], id)
}

pub fn network_user(state: &AccountState, id: &str) -> Option<String> {
    workspace_using(state, &["network_id"], id)
}

pub fn private_access_user(state: &AccountState, id: &str) -> Option<String> {
    workspace_using(state, &["private_access_settings_id"], id)
}

pub fn key_user(state: &AccountState, id: &str) -> Option<String> {
    workspace_using(state, &["managed_services_customer_managed_key_id", "storage_customer_managed_key_id"], id)
}

/// A VPC endpoint is associated with a workspace through the workspace's network (its REST API
/// or relay endpoint) or its private access settings (their allowed endpoints).
pub fn endpoint_user(state: &AccountState, id: &str) -> Option<String> {
    let lists = |list: &Value| list.as_array().is_some_and(|ids| ids.iter().any(|v| v == id));
    let through = |collection: &Collection, field: &str, workspace: &Value, paths: &[&str]| {
        let named = workspace[field].as_str().and_then(|named| collection.get(named).ok());
        named.is_some_and(|config| paths.iter().any(|path| lists(&config.pointer(path).cloned().unwrap_or_default())))
    };
    let uses = |w: &&Value| {
        through(&state.networks, "network_id", w, &["/vpc_endpoints/rest_api", "/vpc_endpoints/dataplane_relay"])
            || through(&state.private_access, "private_access_settings_id", w, &["/allowed_vpc_endpoint_ids"])
    };
    state.workspaces.items().iter().find(uses).map(|w| format!("workspace {}", w["workspace_id"]))
}

/// Every VPC endpoint `ids` names must be registered with the account.
fn endpoints_exist(state: &AccountState, ids: &[String]) -> Result<(), Response> {
    match ids.iter().find(|id| !state.vpc_endpoints.contains(id)) {
        Some(missing) => Err(unknown_reference("VPC endpoint configuration", missing)),
        None => Ok(()),
    }
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

/// `POST …/storage-configurations`: a name and the root bucket; the optional `role_arn` is the
/// IAM role of the workspace catalog.
pub async fn create_storage(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let name = required(&body, "storage_configuration_name", "storage_configuration_name")?;
    let bucket = required(&body["root_bucket_info"], "bucket_name", "root_bucket_info.bucket_name")?;
    let mut created = json!({
        "storage_configuration_id": crate::ids::uuid(),
        "storage_configuration_name": name,
        "account_id": shared.config.account_id,
        "root_bucket_info": {"bucket_name": bucket},
        "creation_time": now_ms(),
    });
    match &body["role_arn"] {
        Value::Null => {}
        Value::String(arn) if arn.starts_with("arn:aws:iam::") => created["role_arn"] = json!(arn),
        _ => return Err(invalid("role_arn must be the ARN of an IAM role")),
    }
    shared.state().storage.create(created)
}

pub async fn create_network(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid("Malformed JSON"))?;
    let name = body["network_name"].as_str().filter(|n| (4..=256).contains(&n.chars().count()));
    let name = name.ok_or_else(|| invalid("network_name must be 4 to 256 characters"))?;
    let mut network = json!({
        "network_id": crate::ids::uuid(),
        "network_name": name,
        "account_id": shared.config.account_id,
        "vpc_status": "UNATTACHED",
        "creation_time": now_ms(),
    });
    match (body["vpc_id"].as_str(), body.get("gcp_network_info")) {
        (Some(vpc), None) => {
            let (subnets, groups) =
                (strings(&body["subnet_ids"], "subnet_ids")?, strings(&body["security_group_ids"], "security_group_ids")?);
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
    let (rest_api, relay) = (&body["vpc_endpoints"]["rest_api"], &body["vpc_endpoints"]["dataplane_relay"]);
    let (rest_api, relay) = (strings(rest_api, "vpc_endpoints.rest_api")?, strings(relay, "vpc_endpoints.dataplane_relay")?);
    let mut state = shared.state();
    endpoints_exist(&state, &[rest_api.as_slice(), relay.as_slice()].concat())?;
    if !rest_api.is_empty() || !relay.is_empty() {
        network["vpc_endpoints"] = json!({"rest_api": rest_api, "dataplane_relay": relay});
    }
    state.networks.create(network)
}

/// Private access settings from a create or replace body: a name and region, the access level
/// (`ACCOUNT` by default) and the registered VPC endpoints it allows.
fn private_access_settings(state: &AccountState, body: &Value) -> Result<Value, Response> {
    let name = required(body, "private_access_settings_name", "private_access_settings_name")?;
    let region = required(body, "region", "region")?;
    let level = match &body["private_access_level"] {
        Value::Null => "ACCOUNT",
        Value::String(level) if level == "ACCOUNT" || level == "ENDPOINT" => level,
        _ => return Err(invalid("private_access_level must be ACCOUNT or ENDPOINT")),
    };
    let public = match &body["public_access_enabled"] {
        Value::Null => false,
        Value::Bool(public) => *public,
        _ => return Err(invalid("public_access_enabled must be a boolean")),
    };
    let allowed = strings(&body["allowed_vpc_endpoint_ids"], "allowed_vpc_endpoint_ids")?;
    endpoints_exist(state, &allowed)?;
    let mut settings = json!({
        "private_access_settings_name": name,
        "region": region,
        "private_access_level": level,
        "public_access_enabled": public,
    });
    if !allowed.is_empty() {
        settings["allowed_vpc_endpoint_ids"] = json!(allowed);
    }
    Ok(settings)
}

pub async fn create_private_access(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let mut state = shared.state();
    let mut settings = private_access_settings(&state, &body)?;
    settings["private_access_settings_id"] = json!(crate::ids::uuid());
    settings["account_id"] = json!(shared.config.account_id);
    state.private_access.create(settings)
}

/// `PUT …/private-access-settings/{id}`: the whole record is replaced (its ID and account stay).
pub async fn replace_private_access(Account(shared): Account, Path((_, id)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let mut state = shared.state();
    state.private_access.get(&id)?;
    let settings = private_access_settings(&state, &body)?;
    let replaced = state.private_access.replace(&id, settings, &["account_id"])?.clone();
    Ok(Json(replaced).into_response())
}

/// `POST …/vpc-endpoints`: an AWS endpoint (its AWS ID and region) or a GCP one (its PSC
/// endpoint). What AWS would report about it (service, owner, state) is made up here.
pub async fn create_vpc_endpoint(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let name = required(&body, "vpc_endpoint_name", "vpc_endpoint_name")?;
    let mut endpoint = json!({
        "vpc_endpoint_id": crate::ids::uuid(),
        "vpc_endpoint_name": name,
        "account_id": shared.config.account_id,
        "use_case": "GENERAL_ACCESS",
    });
    match (&body["aws_vpc_endpoint_id"], &body["gcp_vpc_endpoint_info"]) {
        (Value::String(aws), Value::Null) if aws.starts_with("vpce-") => {
            let region = required(&body, "region", "region")?;
            endpoint["aws_vpc_endpoint_id"] = json!(aws);
            endpoint["region"] = json!(region);
            endpoint["aws_account_id"] = json!("123456789012");
            endpoint["aws_endpoint_service_id"] = json!(format!("com.amazonaws.vpce.{region}.vpce-svc-0a1b2c3d4e5f60718"));
            endpoint["state"] = json!("available");
        }
        (Value::Null, gcp @ Value::Object(_)) => {
            for key in ["project_id", "psc_endpoint_name", "endpoint_region"] {
                required(gcp, key, &format!("gcp_vpc_endpoint_info.{key}"))?;
            }
            endpoint["gcp_vpc_endpoint_info"] = gcp.clone();
            endpoint["region"] = gcp["endpoint_region"].clone();
            endpoint["state"] = json!("ACCEPTED");
        }
        _ => return Err(invalid("give either aws_vpc_endpoint_id (vpce-…) with region (AWS) or gcp_vpc_endpoint_info (GCP)")),
    }
    shared.state().vpc_endpoints.create(endpoint)
}

/// `POST …/customer-managed-keys`: the use cases (`MANAGED_SERVICES`, `STORAGE`) and one key:
/// an AWS KMS key (its region is read from the ARN when not given), a GCP KMS key or an Azure
/// Key Vault key.
pub async fn create_key(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let use_cases = strings(&body["use_cases"], "use_cases")?;
    if use_cases.is_empty() || use_cases.iter().any(|u| u != "MANAGED_SERVICES" && u != "STORAGE") {
        return Err(invalid("use_cases must list MANAGED_SERVICES, STORAGE or both"));
    }
    let mut key = json!({
        "customer_managed_key_id": crate::ids::uuid(),
        "account_id": shared.config.account_id,
        "use_cases": use_cases,
        "creation_time": now_ms(),
    });
    let given: Vec<&str> = ["aws_key_info", "gcp_key_info", "azure_key_info"].into_iter().filter(|k| !body[*k].is_null()).collect();
    match given.as_slice() {
        ["aws_key_info"] => {
            let info = &body["aws_key_info"];
            let arn = required(info, "key_arn", "aws_key_info.key_arn")?;
            let region = arn.strip_prefix("arn:aws:kms:").and_then(|rest| rest.split(':').next()).filter(|r| !r.is_empty());
            let region = region.ok_or_else(|| invalid("aws_key_info.key_arn must be the ARN of a KMS key"))?;
            let mut shown = json!({"key_arn": arn, "key_region": info["key_region"].as_str().unwrap_or(region)});
            if let Some(alias) = info["key_alias"].as_str() {
                shown["key_alias"] = json!(alias);
            }
            if key["use_cases"].as_array().is_some_and(|u| u.iter().any(|c| c == "STORAGE")) {
                shown["reuse_key_for_cluster_volumes"] = json!(info["reuse_key_for_cluster_volumes"].as_bool().unwrap_or(true));
            }
            key["aws_key_info"] = shown;
        }
        ["gcp_key_info"] => {
            required(&body["gcp_key_info"], "kms_key_id", "gcp_key_info.kms_key_id")?;
            key["gcp_key_info"] = body["gcp_key_info"].clone();
        }
        ["azure_key_info"] => {
            let info = &body["azure_key_info"];
            for field in ["key_vault_uri", "key_name"] {
                required(info, field, &format!("azure_key_info.{field}"))?;
            }
            key["azure_key_info"] = info.clone();
        }
        _ => return Err(invalid("give exactly one of aws_key_info, gcp_key_info and azure_key_info")),
    }
    shared.state().keys.create(key)
}
