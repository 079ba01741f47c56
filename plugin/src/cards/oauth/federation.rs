//! Federation policies: which outside identity providers' tokens (GitHub Actions, Azure DevOps,
//! GitLab, an IdP) Databricks exchanges for its own, for the account or for one service
//! principal. Plain calls; what the tags cannot say about an OIDC policy is checked here.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

use crate::client::{Call, Session};
use crate::validate::invalid;
use crate::wit::CardError;
use serde_json::{Map, Value};

pub const list_account_federation_policies: Call = Call::get("federationPolicies").pages("policies", Some("page_size"));
pub const get_account_federation_policy: Call = Call::get("federationPolicies/{policy_id}");
// A chosen ID goes in the query; the policy is the body.
pub const create_account_federation_policy: Call = Call::post("federationPolicies").in_query(&["policy_id"]).check(signing_keys);
// The mask names the fields given, so those (and only those) are replaced.
pub const update_account_federation_policy: Call =
    Call::patch("federationPolicies/{policy_id}").mask("update_mask").needs_change().check(signing_keys);
pub const delete_account_federation_policy: Call = Call::delete("federationPolicies/{policy_id}");

pub const list_service_principal_federation_policies: Call =
    Call::get("servicePrincipals/{service_principal_id}/federationPolicies").pages("policies", Some("page_size"));
pub const get_service_principal_federation_policy: Call =
    Call::get("servicePrincipals/{service_principal_id}/federationPolicies/{policy_id}");
pub const create_service_principal_federation_policy: Call =
    Call::post("servicePrincipals/{service_principal_id}/federationPolicies").in_query(&["policy_id"]).check(signing_keys);
pub const update_service_principal_federation_policy: Call =
    Call::patch("servicePrincipals/{service_principal_id}/federationPolicies/{policy_id}")
        .mask("update_mask")
        .needs_change()
        .check(signing_keys);
pub const delete_service_principal_federation_policy: Call =
    Call::delete("servicePrincipals/{service_principal_id}/federationPolicies/{policy_id}");

/// An OIDC policy names its issuer's signing keys one way at most, and keys given inline are a
/// JWKS document (a JSON object with `keys`).
fn signing_keys(_: &Session, input: &Map<String, Value>) -> Result<(), CardError> {
    let Some(oidc) = input.get("oidc_policy").and_then(Value::as_object) else { return Ok(()) };
    let given = |key: &str| oidc.get(key).is_some_and(|v| !v.is_null());
    if given("jwks_uri") && given("jwks_json") {
        return Err(invalid("oidc-policy.jwks-json", "give the signing keys as jwks-uri or as jwks-json, not both"));
    }
    if let Some(jwks) = oidc.get("jwks_json").and_then(Value::as_str) {
        let keys = serde_json::from_str::<Value>(jwks).ok().and_then(|doc| doc.get("keys").map(Value::is_array));
        if keys != Some(true) {
            return Err(invalid("oidc-policy.jwks-json", "must be a JWKS document: a JSON object with a `keys` list"));
        }
    }
    Ok(())
}
