//! Unity Catalog cards: metastores and their workspace assignments.

use crate::client::{ApiVersion, Method, Request, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::catalog::*;
use crate::wit::{CardError, Deleted};
use serde_json::{Map, Value, json};

const MAX_NAME: usize = 255;

#[derive(serde::Deserialize)]
struct ListAnswer {
    #[serde(default)]
    metastores: Vec<Metastore>,
}

#[derive(serde::Deserialize)]
struct InfoAnswer {
    metastore_info: Metastore,
}

#[derive(serde::Deserialize)]
struct AssignmentAnswer {
    metastore_assignment: MetastoreAssignment,
}

#[derive(serde::Deserialize)]
struct WorkspaceIdsAnswer {
    #[serde(default)]
    workspace_ids: Vec<i64>,
}

fn workspace_id(value: i64) -> Result<(), CardError> {
    if value > 0 { Ok(()) } else { Err(invalid("workspace-id", "must be a positive workspace ID")) }
}

pub fn list_metastores(s: &Session, input: ListMetastoresInput) -> Result<Metastores, CardError> {
    let answer: ListAnswer = rest::get(s, ApiVersion::V2_0, "metastores")?;
    let metastores = answer
        .metastores
        .into_iter()
        .filter(|m| input.region.as_deref().is_none_or(|r| m.region.as_deref().is_some_and(|mr| mr.eq_ignore_ascii_case(r))))
        .collect();
    Ok(Metastores { metastores })
}

pub fn get_metastore(s: &Session, input: MetastoreId) -> Result<Metastore, CardError> {
    validate::uuid("metastore-id", &input.metastore_id)?;
    rest::get::<InfoAnswer>(s, ApiVersion::V2_0, &format!("metastores/{}", input.metastore_id)).map(|a| a.metastore_info)
}

pub fn create_metastore(s: &Session, input: CreateMetastoreInput) -> Result<Metastore, CardError> {
    validate::name("name", &input.name, MAX_NAME)?;
    validate::optional_name("region", input.region.as_deref(), 64)?;
    let mut info = Map::new();
    info.insert("name".into(), json!(input.name));
    if let Some(region) = input.region {
        info.insert("region".into(), json!(region));
    }
    if let Some(root) = input.storage_root {
        info.insert("storage_root".into(), json!(root));
    }
    rest::post::<InfoAnswer>(s, ApiVersion::V2_0, "metastores", json!({"metastore_info": info})).map(|a| a.metastore_info)
}

pub fn update_metastore(s: &Session, input: UpdateMetastoreInput) -> Result<Metastore, CardError> {
    validate::uuid("metastore-id", &input.metastore_id)?;
    validate::optional_name("owner", input.owner.as_deref(), MAX_NAME)?;
    if input.delta_sharing_recipient_token_lifetime_in_seconds.is_some_and(|t| t < 0) {
        return Err(invalid("delta-sharing-recipient-token-lifetime-in-seconds", "must not be negative"));
    }
    // Only what the caller gave goes in the body, so the PUT changes nothing else.
    let mut info = Map::new();
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            info.insert(key.to_string(), value);
        }
    };
    set("owner", input.owner.map(Value::from));
    set("delta_sharing_scope", input.delta_sharing_scope.map(|v| json!(v)));
    set("delta_sharing_recipient_token_lifetime_in_seconds", input.delta_sharing_recipient_token_lifetime_in_seconds.map(Value::from));
    set("delta_sharing_organization_name", input.delta_sharing_organization_name.map(Value::from));
    set("external_access_enabled", input.external_access_enabled.map(Value::from));
    if info.is_empty() {
        return Err(invalid("metastore-id", "give at least one field to change besides metastore-id"));
    }
    let path = format!("metastores/{}", input.metastore_id);
    rest::put::<InfoAnswer>(s, ApiVersion::V2_0, &path, json!({"metastore_info": info})).map(|a| a.metastore_info)
}

pub fn delete_metastore(s: &Session, input: DeleteMetastoreInput) -> Result<Deleted, CardError> {
    validate::uuid("metastore-id", &input.metastore_id)?;
    let path = s.account_path(ApiVersion::V2_0, &format!("metastores/{}", input.metastore_id));
    s.send(Request::new(Method::Delete, path).query("force", input.force))?;
    Ok(Deleted { id: input.metastore_id })
}

pub fn list_metastore_workspace_assignments(s: &Session, input: MetastoreId) -> Result<WorkspaceIds, CardError> {
    validate::uuid("metastore-id", &input.metastore_id)?;
    let answer: WorkspaceIdsAnswer = rest::get(s, ApiVersion::V2_0, &format!("metastores/{}/workspaces", input.metastore_id))?;
    Ok(WorkspaceIds { workspace_ids: answer.workspace_ids })
}

pub fn get_workspace_metastore(s: &Session, input: WorkspaceId) -> Result<MetastoreAssignment, CardError> {
    workspace_id(input.workspace_id)?;
    rest::get::<AssignmentAnswer>(s, ApiVersion::V2_0, &format!("workspaces/{}/metastore", input.workspace_id))
        .map(|a| a.metastore_assignment)
}

fn assignment_path(input: &WorkspaceMetastore) -> Result<String, CardError> {
    workspace_id(input.workspace_id)?;
    validate::uuid("metastore-id", &input.metastore_id)?;
    Ok(format!("workspaces/{}/metastores/{}", input.workspace_id, input.metastore_id))
}

pub fn assign_metastore_to_workspace(s: &Session, input: WorkspaceMetastore) -> Result<MetastoreAssignment, CardError> {
    let path = assignment_path(&input)?;
    validate::optional_name("default-catalog-name", input.default_catalog_name.as_deref(), MAX_NAME)?;
    let mut assignment = json!({"workspace_id": input.workspace_id, "metastore_id": input.metastore_id});
    if let Some(catalog) = &input.default_catalog_name {
        assignment["default_catalog_name"] = json!(catalog);
    }
    rest::post::<Value>(s, ApiVersion::V2_0, &path, json!({"metastore_assignment": assignment}))?;
    Ok(MetastoreAssignment {
        workspace_id: input.workspace_id,
        metastore_id: input.metastore_id,
        default_catalog_name: input.default_catalog_name,
    })
}

pub fn delete_metastore_from_workspace(s: &Session, input: WorkspaceMetastore) -> Result<MetastoreAssignment, CardError> {
    let path = assignment_path(&input)?;
    rest::delete(s, ApiVersion::V2_0, &path)?;
    Ok(MetastoreAssignment { workspace_id: input.workspace_id, metastore_id: input.metastore_id, default_catalog_name: None })
}
