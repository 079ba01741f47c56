//! Provisioning cards: workspaces, and credential configurations (AWS only).

use crate::client::{ApiVersion, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::provisioning::*;
use crate::wit::{CardError, Cloud, Deleted};
use serde_json::json;

/// Where Databricks offers credential configurations: AWS, GovCloud included.
const AWS: &[Cloud] = &[Cloud::Aws, Cloud::AwsGov, Cloud::AwsGovDod];

pub fn list_workspaces(s: &Session, input: ListWorkspacesInput) -> Result<Workspaces, CardError> {
    let all: Vec<Workspace> = rest::get_list(s, ApiVersion::V2_0, "workspaces", "workspaces")?;
    let wanted = input.workspace_status.map(|w| w.to_ascii_uppercase());
    let workspaces = all
        .into_iter()
        .filter(|w| wanted.as_deref().is_none_or(|status| w.workspace_status.as_deref() == Some(status)))
        .collect();
    Ok(Workspaces { workspaces })
}

pub fn get_workspace(s: &Session, input: GetWorkspaceInput) -> Result<Workspace, CardError> {
    if input.workspace_id <= 0 {
        return Err(invalid("workspace-id", "must be a positive workspace ID"));
    }
    rest::get(s, ApiVersion::V2_0, &format!("workspaces/{}", input.workspace_id))
}

pub fn list_credentials(s: &Session, input: ListCredentialsInput) -> Result<Credentials, CardError> {
    s.require_cloud(AWS, "credential configurations")?;
    let all: Vec<Credential> = rest::get_list(s, ApiVersion::V2_0, "credentials", "credentials")?;
    let needle = input.name_contains.map(|n| n.to_lowercase());
    let credentials = all
        .into_iter()
        .filter(|c| {
            needle.as_deref().is_none_or(|n| c.credentials_name.as_deref().is_some_and(|name| name.to_lowercase().contains(n)))
        })
        .collect();
    Ok(Credentials { credentials })
}

/// `arn:aws:iam::<12-digit account>:role/<path and name>` (also `aws-us-gov` partitions).
fn role_arn(value: &str) -> Result<(), CardError> {
    let rest = value.strip_prefix("arn:aws:iam::").or_else(|| value.strip_prefix("arn:aws-us-gov:iam::"));
    let ok = rest.and_then(|r| r.split_once(":role/")).is_some_and(|(account, name)| {
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty() && !name.contains(char::is_whitespace)
    });
    if ok { Ok(()) } else { Err(invalid("role-arn", "must be an IAM role ARN such as arn:aws:iam::123456789012:role/databricks")) }
}

pub fn create_credential(s: &Session, input: CreateCredentialInput) -> Result<Credential, CardError> {
    s.require_cloud(AWS, "credential configurations")?;
    let length = input.credentials_name.chars().count();
    if !(4..=256).contains(&length) {
        return Err(invalid("credentials-name", "must be 4 to 256 characters"));
    }
    validate::name("credentials-name", &input.credentials_name, 256)?;
    role_arn(&input.role_arn)?;
    let body = json!({"credentials_name": input.credentials_name, "aws_credentials": {"sts_role": {"role_arn": input.role_arn}}});
    rest::post(s, ApiVersion::V2_0, "credentials", body)
}

pub fn get_credential(s: &Session, input: CredentialId) -> Result<Credential, CardError> {
    s.require_cloud(AWS, "credential configurations")?;
    validate::uuid("credentials-id", &input.credentials_id)?;
    rest::get(s, ApiVersion::V2_0, &format!("credentials/{}", input.credentials_id))
}

pub fn delete_credential(s: &Session, input: CredentialId) -> Result<Deleted, CardError> {
    s.require_cloud(AWS, "credential configurations")?;
    validate::uuid("credentials-id", &input.credentials_id)?;
    rest::delete(s, ApiVersion::V2_0, &format!("credentials/{}", input.credentials_id))?;
    Ok(Deleted { id: input.credentials_id })
}
