//! Serverless budget policies (API 2.1) and usage dashboards: plain calls, but for a create that
//! carries a request ID (so repeating it is harmless) and an update that sends the whole policy,
//! as Databricks asks.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

use crate::client::{ApiVersion, Call, Session, rest, without_nulls};
use crate::validate::invalid;
use crate::wit::CardError;
use crate::wit::billing::*;
use serde_json::{Map, Value, json};

const POLICIES: &str = "budget-policies";

pub const list_budget_policies: Call = Call::get("budget-policies").v2_1().pages("policies", Some("page_size"));
pub const get_budget_policy: Call = Call::get("budget-policies/{policy_id}").v2_1();
pub const delete_budget_policy: Call = Call::delete("budget-policies/{policy_id}").v2_1();

pub const create_usage_dashboard: Call = Call::post("dashboard");
pub const get_usage_dashboard: Call = Call::get("dashboard");

/// Tag keys Databricks keeps for itself.
const RESERVED_TAG_KEYS: &[&str] = &["budget-policy-name", "budget-policy-id", "budget-policy-resolution-result"];

fn check_tags(tags: Option<&[BudgetPolicyTag]>) -> Result<(), CardError> {
    match tags.unwrap_or_default().iter().find(|t| RESERVED_TAG_KEYS.contains(&t.key.as_str())) {
        Some(tag) => Err(invalid("custom-tags.key", format!("{} is a key Databricks keeps for itself", tag.key))),
        None => Ok(()),
    }
}

fn check_name(name: Option<&str>) -> Result<(), CardError> {
    match name {
        Some(name) if name.starts_with("databricks:default-policy") => {
            Err(invalid("policy-name", "must not start with databricks:default-policy, which Databricks keeps for itself"))
        }
        Some(name) if name.chars().any(|c| u32::from(c) > 0xFF) => Err(invalid("policy-name", "must hold Latin-1 characters only")),
        _ => Ok(()),
    }
}

/// A random UUID (version 4), from the host's `wasi:random`.
fn new_request_id() -> String {
    use waki::bindings::wasi::random::random::get_random_u64;
    let (high, low) = (get_random_u64(), get_random_u64());
    let high = (high & !0xF000) | 0x4000;
    let low = (low & !(0b11 << 62)) | (0b10 << 62);
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF, low >> 48, low & 0xFFFF_FFFF_FFFF)
}

/// The request ID makes the create idempotent: Databricks answers a repeat with the first policy,
/// so a create that may have reached it can be retried. The SDK makes one the same way.
pub fn create_budget_policy(s: &Session, input: CreateBudgetPolicyInput) -> Result<BudgetPolicy, CardError> {
    check_name(Some(&input.policy_name))?;
    check_tags(input.custom_tags.as_deref())?;
    let body = json!({
        "policy": {
            "policy_name": input.policy_name,
            "custom_tags": input.custom_tags,
            "binding_workspace_ids": input.binding_workspace_ids,
        },
        "request_id": input.request_id.unwrap_or_else(new_request_id),
    });
    rest::post(s, ApiVersion::V2_1, POLICIES, without_nulls(body))
}

/// Databricks wants every field of the policy in an update, "even if not changed": the card reads
/// the policy and sends it back whole with the input's fields changed.
pub fn update_budget_policy(s: &Session, input: UpdateBudgetPolicyInput) -> Result<BudgetPolicy, CardError> {
    if input.policy_name.is_none() && input.custom_tags.is_none() && input.binding_workspace_ids.is_none() {
        return Err(invalid("policy-id", "give at least one field to change besides policy-id"));
    }
    check_name(input.policy_name.as_deref())?;
    check_tags(input.custom_tags.as_deref())?;
    let path = format!("{POLICIES}/{}", input.policy_id);
    let mut policy: Map<String, Value> = rest::get(s, ApiVersion::V2_1, &path)?;
    let changes = [
        ("policy_name", input.policy_name.map(|n| json!(n))),
        ("custom_tags", input.custom_tags.map(|t| json!(t))),
        ("binding_workspace_ids", input.binding_workspace_ids.map(|w| json!(w))),
    ];
    policy.extend(changes.into_iter().filter_map(|(field, value)| Some((field.to_string(), value?))));
    rest::patch(s, ApiVersion::V2_1, &path, without_nulls(Value::Object(policy)))
}
