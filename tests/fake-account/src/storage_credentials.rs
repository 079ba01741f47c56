//! Unity Catalog storage credentials of a metastore:
//! `/api/2.0/accounts/{account_id}/metastores/{metastore_id}/storage-credentials[/{name}]`.
//! Items are found by name and answer as `{"credential_info": {…}}`; the list is
//! `{"storage_credentials": […]}`, left empty (`{}`) when there are none, like the metastores
//! list. A create takes `{credential_info, skip_validation}` with a name unique in the metastore
//! and exactly one cloud credential; an update (PUT) changes what its `credential_info` sets
//! (not the name: the request has none); secrets (an Azure client secret, a Cloudflare secret key)
//! are never shown again. DELETE answers `{}`; the credential of the metastore's own storage root
//! needs `force=true`, the conservative reading of "Force deletion even if the Storage Credential
//! is not empty".

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, already_exists, in_use, invalid, json_body, now_ms};
use crate::state::AccountState;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn collection() -> Collection {
    Collection::new("name", |name| {
        crate::errors::api(
            axum::http::StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("Storage Credential '{name}' does not exist."),
        )
    })
    .enveloped("credential_info")
    .listed(Listing::OmittedWhenEmpty("storage_credentials"))
}

/// The storage credentials of a metastore of the account.
pub fn of_metastore<'s>(state: &'s mut AccountState, metastore: &str) -> Result<&'s mut Collection, Response> {
    state.metastores.get(metastore)?;
    Ok(state.storage_credentials.entry(metastore.to_string()).or_insert_with(collection))
}

/// The cloud credentials a storage credential can hold, and the secret fields never shown back.
const CLOUDS: &[(&str, &[&str])] = &[
    ("aws_iam_role", &[]),
    ("azure_managed_identity", &[]),
    ("azure_service_principal", &["client_secret"]),
    ("databricks_gcp_service_account", &[]),
    ("cloudflare_api_token", &["secret_access_key"]),
];

/// The one cloud credential of `info`, as it is shown: AWS roles get the external ID and
/// Unity Catalog's own role, GCP service accounts an email; secrets are dropped.
fn cloud_credential(info: &Value, account_id: &str) -> Result<Option<(&'static str, Value)>, Response> {
    let given: Vec<&(&str, &[&str])> = CLOUDS.iter().filter(|(field, _)| !info[*field].is_null()).collect();
    let [(field, secrets)] = given.as_slice() else {
        return if given.is_empty() { Ok(None) } else { Err(invalid("give one cloud credential, not several")) };
    };
    let mut shown = info[*field].clone();
    if !shown.is_object() {
        return Err(invalid(format!("{field} must be an object")));
    }
    match *field {
        "aws_iam_role" => {
            crate::common::required(&shown, "role_arn", "aws_iam_role.role_arn")?;
            shown["external_id"] = json!(account_id);
            shown["unity_catalog_iam_arn"] = json!("arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL");
        }
        "azure_managed_identity" => {
            crate::common::required(&shown, "access_connector_id", "azure_managed_identity.access_connector_id")?;
        }
        "databricks_gcp_service_account" => {
            shown = json!({"credential_id": crate::ids::uuid(), "email": "db-uc-storage@uc-prod.iam.gserviceaccount.com"});
        }
        _ => {}
    }
    if let Value::Object(map) = &mut shown {
        map.retain(|key, _| !secrets.contains(&key.as_str()));
    }
    Ok(Some((field, shown)))
}

fn flag(info: &Value, field: &str) -> Result<Option<bool>, Response> {
    match &info[field] {
        Value::Null => Ok(None),
        Value::Bool(value) => Ok(Some(*value)),
        _ => Err(invalid(format!("{field} must be a boolean"))),
    }
}

pub async fn create(Account(shared): Account, Path((_, metastore)): Path<(String, String)>, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let info = &body["credential_info"];
    let name = crate::common::required(info, "name", "credential_info.name")?;
    let (field, cloud) =
        cloud_credential(info, &shared.config.account_id)?.ok_or_else(|| invalid("credential_info needs a cloud credential"))?;
    let (owner, now) = (shared.config.client_id.clone(), now_ms());
    let mut credential = json!({
        "id": crate::ids::uuid(),
        "name": name,
        "full_name": name,
        "metastore_id": metastore,
        field: cloud,
        "owner": owner,
        "read_only": flag(info, "read_only")?.unwrap_or(false),
        "isolation_mode": "ISOLATION_MODE_OPEN",
        "used_for_managed_storage": false,
        "created_at": now,
        "created_by": owner,
        "updated_at": now,
        "updated_by": owner,
    });
    if let Some(comment) = info["comment"].as_str() {
        credential["comment"] = json!(comment);
    }
    let mut state = shared.state();
    let credentials = of_metastore(&mut state, &metastore)?;
    if credentials.contains(name) {
        return Err(already_exists(format!("Storage Credential '{name}' already exists.")));
    }
    credentials.create(credential)
}

/// `PUT …/{name}`: the fields `credential_info` sets change; a new cloud credential replaces the
/// old one.
pub async fn update(
    Account(shared): Account,
    Path((_, metastore, name)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let body = json_body(&body)?;
    let info = &body["credential_info"];
    let cloud = cloud_credential(info, &shared.config.account_id)?;
    flag(info, "read_only")?;
    if !info["isolation_mode"].is_null()
        && !matches!(info["isolation_mode"].as_str(), Some("ISOLATION_MODE_ISOLATED" | "ISOLATION_MODE_OPEN"))
    {
        return Err(invalid("isolation_mode must be ISOLATION_MODE_ISOLATED or ISOLATION_MODE_OPEN"));
    }
    let mut state = shared.state();
    let credentials = of_metastore(&mut state, &metastore)?;
    let credential = credentials.merge(&name, info, &["comment", "read_only", "owner", "isolation_mode"])?;
    if let Some((field, shown)) = cloud {
        if let Some(map) = credential.as_object_mut() {
            for (other, _) in CLOUDS {
                map.remove(*other);
            }
        }
        credential[field] = shown;
    }
    credential["updated_at"] = json!(now_ms());
    credential["updated_by"] = json!(shared.config.client_id);
    let updated = credential.clone();
    Ok(credentials.answer(updated))
}

pub async fn delete(
    Account(shared): Account,
    Path((_, metastore, name)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let force = crate::common::Params::parse(query).flag("force")?;
    let mut state = shared.state();
    let root = state.metastores.get(&metastore)?["storage_root_credential_id"].clone();
    let credentials = of_metastore(&mut state, &metastore)?;
    let id = credentials.get(&name)?["id"].clone();
    if !force && root == id {
        return Err(in_use("Storage credential", &name, &format!("metastore {metastore} for its storage root; delete with force")));
    }
    credentials.remove(&name)?;
    Ok(Json(json!({})).into_response())
}
