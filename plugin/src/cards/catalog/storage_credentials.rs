//! Unity Catalog storage credentials of a metastore: plain calls, with one check they share —
//! a credential holds one cloud identity, and only one of the connection's own cloud.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

use crate::client::{ApiVersion, Call, Session, rest, without_nulls};
use crate::validate::invalid;
use crate::wit::catalog::*;
use crate::wit::{CardError, Cloud};
use serde_json::{Map, Value, json};

pub const list_storage_credentials: Call = Call::get("metastores/{metastore_id}/storage-credentials").list("storage_credentials");
pub const get_storage_credential: Call = Call::get("metastores/{metastore_id}/storage-credentials/{name}").answer_in("credential_info");
pub const delete_storage_credential: Call = Call::delete("metastores/{metastore_id}/storage-credentials/{name}");
// The changes go under `credential_info`; `skip_validation` stays beside it.
pub const update_storage_credential: Call = Call::put("metastores/{metastore_id}/storage-credentials/{name}")
    .body_in("credential_info")
    .beside(&["skip_validation"])
    .answer_in("credential_info")
    .needs_change()
    .check(one_identity_of_the_cloud);

/// The cloud identities a credential can hold: the input field, its name for the flow, and the
/// clouds that have it.
const IDENTITIES: &[(&str, &str, &[Cloud])] = &[
    ("aws_iam_role", "aws-iam-role", &[Cloud::Aws, Cloud::AwsGov, Cloud::AwsGovDod]),
    ("azure_managed_identity", "azure-managed-identity", &[Cloud::Azure]),
    ("azure_service_principal", "azure-service-principal", &[Cloud::Azure]),
    ("gcp_service_account", "gcp-service-account", &[Cloud::Gcp]),
];

/// At most one identity is given, and it is one of the connection's cloud.
fn one_identity_of_the_cloud(s: &Session, input: &Map<String, Value>) -> Result<(), CardError> {
    let given: Vec<&(&str, &str, &[Cloud])> =
        IDENTITIES.iter().filter(|(field, ..)| input.get(*field).is_some_and(|v| !v.is_null() && *v != Value::Bool(false))).collect();
    if let [_, second, ..] = given.as_slice() {
        return Err(invalid(second.1, "give one cloud identity, not several"));
    }
    match given.first() {
        Some((_, name, clouds)) if !clouds.contains(&s.cloud()) => {
            Err(invalid(name, format!("is not an identity of this connection's cloud ({})", crate::clouds::cloud_name(s.cloud()))))
        }
        _ => Ok(()),
    }
}

/// The identity field a credential of the connection's cloud is most often made with.
fn usual_identity(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Azure => "azure-managed-identity",
        Cloud::Gcp => "gcp-service-account",
        _ => "aws-iam-role",
    }
}

/// A GCP credential is asked for with an empty `databricks_gcp_service_account` (Databricks makes
/// the service account), which a declaration cannot say.
pub fn create_storage_credential(s: &Session, input: CreateStorageCredentialInput) -> Result<StorageCredential, CardError> {
    let fields = match serde_json::to_value(&input) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    one_identity_of_the_cloud(s, &fields)?;
    let gcp = input.gcp_service_account == Some(true);
    if input.aws_iam_role.is_none() && input.azure_managed_identity.is_none() && input.azure_service_principal.is_none() && !gcp {
        return Err(invalid(usual_identity(s.cloud()), "give the cloud identity the credential reaches storage with"));
    }
    let mut info = json!({
        "name": input.name,
        "comment": input.comment,
        "read_only": input.read_only,
        "aws_iam_role": input.aws_iam_role,
        "azure_managed_identity": input.azure_managed_identity,
        "azure_service_principal": input.azure_service_principal,
    });
    if gcp {
        info["databricks_gcp_service_account"] = json!({});
    }
    let body = json!({"credential_info": info, "skip_validation": input.skip_validation});
    let path = format!("metastores/{}/storage-credentials", input.metastore_id);
    rest::post_in(s, ApiVersion::V2_0, &path, without_nulls(body), "credential_info")
}
