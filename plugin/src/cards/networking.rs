//! Networking cards: network connectivity configurations and their private endpoint rules,
//! network policies and the policy each workspace uses. All plain calls but the rule's create,
//! which checks the cloud's target and can wait for the endpoint's approval.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

use crate::cards::Card;
use crate::client::wait::{self, Progress, Waited};
use crate::client::{Call, Session};
use crate::validate::invalid;
use crate::wit::networking::*;
use crate::wit::{ApiError, CardError, Cloud, spelling};
use serde_json::{Value, json};
use std::time::Duration;

// Both lists page by `page_token` alone: Databricks takes no page size.
pub const list_network_connectivity_configs: Call = Call::get("network-connectivity-configs").pages("items", None);
pub const get_network_connectivity_config: Call = Call::get("network-connectivity-configs/{network_connectivity_config_id}");
pub const create_network_connectivity_config: Call = Call::post("network-connectivity-configs");
pub const delete_network_connectivity_config: Call = Call::delete("network-connectivity-configs/{network_connectivity_config_id}");

pub const list_private_endpoint_rules: Call =
    Call::get("network-connectivity-configs/{network_connectivity_config_id}/private-endpoint-rules").pages("items", None);
pub const get_private_endpoint_rule: Call =
    Call::get("network-connectivity-configs/{network_connectivity_config_id}/private-endpoint-rules/{private_endpoint_rule_id}");
pub const update_private_endpoint_rule: Call =
    Call::patch("network-connectivity-configs/{network_connectivity_config_id}/private-endpoint-rules/{private_endpoint_rule_id}")
        .masked("update_mask")
        .needs_change();
// Databricks answers with the rule: removed, or deactivated when it was in use.
pub const delete_private_endpoint_rule: Call =
    Call::delete("network-connectivity-configs/{network_connectivity_config_id}/private-endpoint-rules/{private_endpoint_rule_id}").whole();
const POST_RULE: Call = Call::post("network-connectivity-configs/{network_connectivity_config_id}/private-endpoint-rules");

pub const list_network_policies: Call = Call::get("network-policies").pages("items", None);
pub const get_network_policy: Call = Call::get("network-policies/{network_policy_id}");
pub const create_network_policy: Call = Call::post("network-policies");
// A PUT replaces the policy whole; its ID is the path's.
pub const update_network_policy: Call = Call::put("network-policies/{network_policy_id}");
pub const delete_network_policy: Call = Call::delete("network-policies/{network_policy_id}");

pub const get_workspace_network_option: Call = Call::get("workspaces/{workspace_id}/network");
// Databricks' `WorkspaceNetworkOption` names the workspace in the body too.
pub const update_workspace_network_option: Call = Call::put("workspaces/{workspace_id}/network").path_in_body();

/// The rule's target must be the cloud's own kind; with `wait`, the card waits for approval.
pub fn create_private_endpoint_rule(s: &Session, input: CreatePrivateEndpointRuleInput) -> Result<PrivateEndpointRuleProgress, CardError> {
    target(s.cloud(), &input)?;
    let (wait, config) = (input.wait, input.network_connectivity_config_id.clone());
    let Value::Object(mut fields) = json!(input) else { return Err(CardError::Unsupported("this card's input is not a record".into())) };
    fields.remove("wait");
    let rule: PrivateEndpointRule = POST_RULE.call(s, fields)?;
    let read = |rule_id: &str| {
        get_private_endpoint_rule.call(s, json!({"network_connectivity_config_id": config, "private_endpoint_rule_id": rule_id}))
    };
    let rule_id = rule.rule_id.clone();
    let waited = match wait {
        None => Waited::at_once(rule, &progress),
        Some(seconds) => wait::until(s, Some(Duration::from_secs(seconds.into())), Some(rule), || read(&rule_id), progress)?,
    };
    Ok(report(waited))
}

/// What a rule reaches, by cloud: an AWS endpoint service with its buckets or domain names, an
/// Azure resource, or a GCP service attachment — and nothing of another cloud's.
fn target(cloud: Cloud, input: &CreatePrivateEndpointRuleInput) -> Result<(), CardError> {
    let aws = input.endpoint_service.is_some() || input.resource_names.is_some();
    let azure = input.resource_id.is_some() || input.group_id.is_some();
    let gcp = input.gcp_endpoint.is_some();
    let (field, needs, others) = match cloud {
        Cloud::Azure => ("resource-id", input.resource_id.is_some(), aws || gcp),
        Cloud::Gcp => ("gcp-endpoint", gcp, aws || azure || input.domain_names.is_some()),
        Cloud::Aws | Cloud::AwsGov | Cloud::AwsGovDod => ("endpoint-service", input.endpoint_service.is_some(), azure || gcp),
    };
    if others {
        return Err(invalid(field, "the input names another cloud's target than this connection's"));
    }
    if !needs {
        return Err(invalid(field, "is required on this connection's cloud"));
    }
    if field == "endpoint-service" && input.resource_names.is_some() == input.domain_names.is_some() {
        return Err(invalid("resource-names", "give the S3 buckets (resource-names) or the domain names, one of them"));
    }
    Ok(())
}

/// Established is the goal; a refused, failed, lost or expired endpoint will not get there.
fn progress(rule: &PrivateEndpointRule) -> Progress {
    use EndpointConnectionState::*;
    match &rule.connection_state {
        Some(Established) => Progress::Finished,
        Some(state @ (Rejected | CreateFailed | Disconnected | Expired)) => {
            let state = spelling(state);
            let why = rule.error_message.as_deref().map_or(String::new(), |m| format!(": {m}"));
            Progress::Failed(CardError::Upstream(ApiError {
                status: 200,
                error_code: Some(format!("PRIVATE_ENDPOINT_{state}")),
                message: format!("private endpoint rule {} is {state}, not ESTABLISHED{why}", rule.rule_id),
                request_id: None,
            }))
        }
        _ => Progress::Going {
            what: "private endpoint rule",
            status: rule.connection_state.as_ref().map_or_else(|| "UNKNOWN".to_string(), spelling),
        },
    }
}

fn report(waited: Waited<PrivateEndpointRule>) -> PrivateEndpointRuleProgress {
    let state = waited.last.connection_state.as_ref().map_or_else(|| "without a state".to_string(), spelling);
    let what = format!("private endpoint rule {}", waited.last.rule_id);
    let message = waited.describe(&what, &state, "ESTABLISHED", "read it again later with get-private-endpoint-rule");
    PrivateEndpointRuleProgress {
        done: waited.done,
        waited_seconds: waited.waited_seconds(),
        wait_shortened_to_seconds: waited.shortened_to_seconds(),
        message,
        read_error: waited.read_error,
        rule: waited.last,
    }
}
