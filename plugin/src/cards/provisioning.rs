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
    let workspaces =
        all.into_iter().filter(|w| wanted.as_deref().is_none_or(|status| w.workspace_status.as_deref() == Some(status))).collect();
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
    let needle = input.name_contains.as_deref();
    let credentials = all.into_iter().filter(|c| name_contains(c.credentials_name.as_deref(), needle)).collect();
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

/// Where Databricks offers customer-managed network configurations.
const AWS_AND_GCP: &[Cloud] = &[Cloud::Aws, Cloud::AwsGov, Cloud::AwsGovDod, Cloud::Gcp];

/// Whether a configuration's name contains `needle` (no needle: every configuration), ignoring
/// the case of ASCII letters. ASCII only: Unicode case folding would pull ~14 KB of tables into
/// the component for names that are identifiers in practice.
fn name_contains(name: Option<&str>, needle: Option<&str>) -> bool {
    let Some(needle) = needle else { return true };
    name.is_some_and(|name| name.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()))
}

pub fn list_storage_configurations(s: &Session, input: ListStorageConfigurationsInput) -> Result<StorageConfigurations, CardError> {
    s.require_cloud(AWS, "storage configurations")?;
    let all: Vec<StorageConfiguration> = rest::get_list(s, ApiVersion::V2_0, "storage-configurations", "storage_configurations")?;
    let needle = input.name_contains.as_deref();
    let storage_configurations = all.into_iter().filter(|c| name_contains(c.storage_configuration_name.as_deref(), needle)).collect();
    Ok(StorageConfigurations { storage_configurations })
}

pub fn get_storage_configuration(s: &Session, input: StorageConfigurationId) -> Result<StorageConfiguration, CardError> {
    s.require_cloud(AWS, "storage configurations")?;
    validate::uuid("storage-configuration-id", &input.storage_configuration_id)?;
    rest::get(s, ApiVersion::V2_0, &format!("storage-configurations/{}", input.storage_configuration_id))
}

/// AWS resource IDs such as `vpc-0a1b2c3d`, `subnet-…`, `sg-…`.
fn aws_id(field: &str, prefix: &str, value: &str) -> Result<(), CardError> {
    let ok = value.strip_prefix(prefix).is_some_and(|hex| !hex.is_empty() && hex.len() <= 17 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok { Ok(()) } else { Err(invalid(field, format!("{value:?} is not an AWS ID such as {prefix}0a1b2c3d"))) }
}

pub fn create_network(s: &Session, input: CreateNetworkInput) -> Result<Network, CardError> {
    s.require_cloud(AWS_AND_GCP, "network configurations")?;
    let length = input.network_name.chars().count();
    if !(4..=256).contains(&length) {
        return Err(invalid("network-name", "must be 4 to 256 characters"));
    }
    validate::name("network-name", &input.network_name, 256)?;
    let mut body = json!({"network_name": input.network_name});
    match (s.cloud(), input.aws, input.gcp) {
        (Cloud::Gcp, None, Some(gcp)) => {
            for (field, value) in [
                ("gcp.network-project-id", &gcp.network_project_id),
                ("gcp.vpc-id", &gcp.vpc_id),
                ("gcp.subnet-id", &gcp.subnet_id),
                ("gcp.subnet-region", &gcp.subnet_region),
            ] {
                validate::name(field, value, 128)?;
            }
            body["gcp_network_info"] = json!(gcp);
        }
        (Cloud::Gcp, _, _) => return Err(invalid("gcp", "a GCP account's network needs `gcp` (and no `aws`)")),
        (_, Some(aws), None) => {
            aws_id("aws.vpc-id", "vpc-", &aws.vpc_id)?;
            if aws.subnet_ids.len() < 2 {
                return Err(invalid("aws.subnet-ids", "needs at least two subnets in different availability zones"));
            }
            for subnet in &aws.subnet_ids {
                aws_id("aws.subnet-ids", "subnet-", subnet)?;
            }
            if !(1..=5).contains(&aws.security_group_ids.len()) {
                return Err(invalid("aws.security-group-ids", "needs one to five security groups"));
            }
            for group in &aws.security_group_ids {
                aws_id("aws.security-group-ids", "sg-", group)?;
            }
            body["vpc_id"] = json!(aws.vpc_id);
            body["subnet_ids"] = json!(aws.subnet_ids);
            body["security_group_ids"] = json!(aws.security_group_ids);
        }
        _ => return Err(invalid("aws", "an AWS account's network needs `aws` (and no `gcp`)")),
    }
    rest::post(s, ApiVersion::V2_0, "networks", body)
}

pub fn list_networks(s: &Session, input: ListNetworksInput) -> Result<Networks, CardError> {
    s.require_cloud(AWS_AND_GCP, "network configurations")?;
    let all: Vec<Network> = rest::get_list(s, ApiVersion::V2_0, "networks", "networks")?;
    let wanted = input.vpc_status.map(|v| v.to_ascii_uppercase());
    let networks = all.into_iter().filter(|n| wanted.as_deref().is_none_or(|w| n.vpc_status.as_deref() == Some(w))).collect();
    Ok(Networks { networks })
}

pub fn get_network(s: &Session, input: NetworkId) -> Result<Network, CardError> {
    s.require_cloud(AWS_AND_GCP, "network configurations")?;
    validate::uuid("network-id", &input.network_id)?;
    rest::get(s, ApiVersion::V2_0, &format!("networks/{}", input.network_id))
}

pub fn delete_network(s: &Session, input: NetworkId) -> Result<Deleted, CardError> {
    s.require_cloud(AWS_AND_GCP, "network configurations")?;
    validate::uuid("network-id", &input.network_id)?;
    rest::delete(s, ApiVersion::V2_0, &format!("networks/{}", input.network_id))?;
    Ok(Deleted { id: input.network_id })
}
