//! Provisioning cards: workspaces, and credential, storage and network configurations.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

use crate::client::{ApiVersion, Call, Keep, Session, rest};
use crate::validate::invalid;
use crate::wit::provisioning::*;
use crate::wit::{CardError, Cloud};
use serde_json::json;

pub const list_workspaces: Call =
    Call::get("workspaces").list("workspaces").keep(&[Keep::Same { input: "workspace_status", item: "workspace_status" }]);
pub const get_workspace: Call = Call::get("workspaces/{workspace_id}");

pub const list_credentials: Call =
    Call::get("credentials").list("credentials").keep(&[Keep::Contains { input: "name_contains", item: "credentials_name" }]);
pub const get_credential: Call = Call::get("credentials/{credentials_id}");
pub const delete_credential: Call = Call::delete("credentials/{credentials_id}");

pub const list_storage_configurations: Call = Call::get("storage-configurations")
    .list("storage_configurations")
    .keep(&[Keep::Contains { input: "name_contains", item: "storage_configuration_name" }]);
pub const get_storage_configuration: Call = Call::get("storage-configurations/{storage_configuration_id}");

pub const list_networks: Call = Call::get("networks").list("networks").keep(&[Keep::Same { input: "vpc_status", item: "vpc_status" }]);
pub const get_network: Call = Call::get("networks/{network_id}");
pub const delete_network: Call = Call::delete("networks/{network_id}");

/// The role ARN goes where Databricks nests it (`aws_credentials.sts_role.role_arn`).
pub fn create_credential(s: &Session, input: CreateCredentialInput) -> Result<Credential, CardError> {
    let body = json!({"credentials_name": input.credentials_name, "aws_credentials": {"sts_role": {"role_arn": input.role_arn}}});
    rest::post(s, ApiVersion::V2_0, "credentials", body)
}

/// AWS resource IDs such as `vpc-0a1b2c3d`, `subnet-…`, `sg-…`.
fn aws_id(field: &str, prefix: &str, value: &str) -> Result<(), CardError> {
    let ok = value.strip_prefix(prefix).is_some_and(|hex| !hex.is_empty() && hex.len() <= 17 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok { Ok(()) } else { Err(invalid(field, format!("{value:?} is not an AWS ID such as {prefix}0a1b2c3d"))) }
}

/// A network's VPC is the cloud's own: a GCP VPC on GCP, an AWS one elsewhere.
pub fn create_network(s: &Session, input: CreateNetworkInput) -> Result<Network, CardError> {
    let mut body = json!({"network_name": input.network_name});
    match (s.cloud(), input.aws, input.gcp) {
        (Cloud::Gcp, None, Some(gcp)) => body["gcp_network_info"] = json!(gcp),
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
