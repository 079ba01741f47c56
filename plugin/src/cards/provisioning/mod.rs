//! Provisioning cards: workspaces, and the configurations they are made of (credentials,
//! storage, networks, private access settings, VPC endpoints, keys). The workspace cards that
//! wait for Databricks are in `workspaces.rs`; a create whose parts depend on the cloud checks
//! them here before its one call.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

mod workspaces;

pub use workspaces::{create_workspace, update_workspace, wait_for_workspace};

use crate::cards::Card;
use crate::client::{ApiVersion, Call, Keep, Session, rest};
use crate::validate::invalid;
use crate::wit::provisioning::*;
use crate::wit::{CardError, Cloud};
use serde_json::json;

pub const list_workspaces: Call =
    Call::get("workspaces").list("workspaces").keep(&[Keep::Same { input: "workspace_status", item: "workspace_status" }]);
pub const get_workspace: Call = Call::get("workspaces/{workspace_id}");
pub const delete_workspace: Call = Call::delete("workspaces/{workspace_id}");

pub const list_credentials: Call =
    Call::get("credentials").list("credentials").keep(&[Keep::Contains { input: "name_contains", item: "credentials_name" }]);
pub const get_credential: Call = Call::get("credentials/{credentials_id}");
pub const delete_credential: Call = Call::delete("credentials/{credentials_id}");

pub const list_storage_configurations: Call = Call::get("storage-configurations")
    .list("storage_configurations")
    .keep(&[Keep::Contains { input: "name_contains", item: "storage_configuration_name" }]);
pub const get_storage_configuration: Call = Call::get("storage-configurations/{storage_configuration_id}");
pub const create_storage_configuration: Call = Call::post("storage-configurations");
pub const delete_storage_configuration: Call = Call::delete("storage-configurations/{storage_configuration_id}");

pub const list_networks: Call = Call::get("networks").list("networks").keep(&[Keep::Same { input: "vpc_status", item: "vpc_status" }]);
pub const get_network: Call = Call::get("networks/{network_id}");
pub const delete_network: Call = Call::delete("networks/{network_id}");

pub const list_private_access_settings: Call =
    Call::get("private-access-settings").list("private_access_settings").keep(&[Keep::Same { input: "region", item: "region" }]);
pub const get_private_access_settings: Call = Call::get("private-access-settings/{private_access_settings_id}");
pub const create_private_access_settings: Call = Call::post("private-access-settings");
// A PUT of the whole settings, as the SDK's `replace` sends them.
pub const replace_private_access_settings: Call = Call::put("private-access-settings/{private_access_settings_id}");
pub const delete_private_access_settings: Call = Call::delete("private-access-settings/{private_access_settings_id}");

pub const list_vpc_endpoints: Call =
    Call::get("vpc-endpoints").list("vpc_endpoints").keep(&[Keep::Same { input: "region", item: "region" }]);
pub const get_vpc_endpoint: Call = Call::get("vpc-endpoints/{vpc_endpoint_id}");
pub const delete_vpc_endpoint: Call = Call::delete("vpc-endpoints/{vpc_endpoint_id}");
const POST_VPC_ENDPOINT: Call = Call::post("vpc-endpoints");

pub const list_customer_managed_keys: Call =
    Call::get("customer-managed-keys").list("customer_managed_keys").keep(&[Keep::Holds { input: "use_case", item: "use_cases" }]);
pub const get_customer_managed_key: Call = Call::get("customer-managed-keys/{customer_managed_key_id}");
pub const delete_customer_managed_key: Call = Call::delete("customer-managed-keys/{customer_managed_key_id}");
const POST_KEY: Call = Call::post("customer-managed-keys");

/// Refuses, before any request, an input that does not give the part of the account's cloud
/// (`gcp` on GCP, `aws` elsewhere) or gives the other cloud's: each is `(field, given)`.
fn cloud_part(s: &Session, aws: (&str, bool), gcp: (&str, bool)) -> Result<(), CardError> {
    let ((field, given), (other, other_given)) = if s.cloud() == Cloud::Gcp { (gcp, aws) } else { (aws, gcp) };
    if other_given {
        return Err(invalid(other, "is for another cloud's accounts than this connection's"));
    }
    if !given {
        return Err(invalid(field, "is required on this connection's cloud"));
    }
    Ok(())
}

/// An AWS endpoint is its AWS ID and region, a GCP one its Private Service Connect endpoint.
pub fn create_vpc_endpoint(s: &Session, input: CreateVpcEndpointInput) -> Result<VpcEndpoint, CardError> {
    let aws = input.aws_vpc_endpoint_id.is_some() || input.region.is_some();
    cloud_part(s, ("aws-vpc-endpoint-id", aws), ("gcp-vpc-endpoint-info", input.gcp_vpc_endpoint_info.is_some()))?;
    if aws && input.region.is_none() {
        return Err(invalid("region", "is required with aws-vpc-endpoint-id"));
    }
    if aws && input.aws_vpc_endpoint_id.is_none() {
        return Err(invalid("aws-vpc-endpoint-id", "is required with region"));
    }
    POST_VPC_ENDPOINT.call(s, input)
}

/// The key is the cloud's own: an AWS KMS key on AWS, a Cloud KMS key on GCP.
pub fn create_customer_managed_key(s: &Session, input: CreateCustomerManagedKeyInput) -> Result<CustomerManagedKey, CardError> {
    cloud_part(s, ("aws-key-info", input.aws_key_info.is_some()), ("gcp-key-info", input.gcp_key_info.is_some()))?;
    POST_KEY.call(s, input)
}

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
    cloud_part(s, ("aws", input.aws.is_some()), ("gcp", input.gcp.is_some()))?;
    let mut body = json!({"network_name": input.network_name});
    if let Some(gcp) = input.gcp {
        body["gcp_network_info"] = json!(gcp);
    }
    if let Some(aws) = input.aws {
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
    rest::post(s, ApiVersion::V2_0, "networks", body)
}
