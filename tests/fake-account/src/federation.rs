//! Federation policies (workload identity federation): the account's,
//! `/api/2.0/accounts/{account_id}/federationPolicies[/{policy_id}]`, and a service principal's,
//! `…/servicePrincipals/{service_principal_id}/federationPolicies[/{policy_id}]`. Lists page by
//! `page_token` and `page_size`, items under `policies`. A create takes the ID in the `policy_id`
//! query ("If unspecified, the id will be assigned by Databricks") and the whole policy as the
//! body; an update is a PATCH whose optional `update_mask` names what changes ("If unspecified,
//! all fields that are set in the policy provided in the update request will overwrite the
//! corresponding fields"). An OIDC policy needs its `issuer`; its `subject` "Must be specified for
//! service principal federation policies. Must not be specified for account federation policies."

use crate::collection::{Collection, Listing};
use crate::common::{Account, Answer, Params, already_exists, invalid, json_body, not_found, now_rfc3339, number};
use crate::state::AccountState;
use crate::store::Kind;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Federation policies of the account or of one service principal.
pub fn collection() -> Collection {
    let listing = Listing::Paged { field: "policies", size_param: Some("page_size"), default_size: 100 };
    Collection::new("policy_id", |id| not_found("Federation policy", id)).listed(listing)
}

/// The federation policies of a service principal of the account.
pub fn of_service_principal<'s>(state: &'s mut AccountState, sp: &str) -> Result<&'s mut Collection, Response> {
    state.store.raw(Kind::ServicePrincipals, sp).map_err(|_| not_found("Service principal", sp))?;
    Ok(state.sp_federation_policies.entry(sp.to_string()).or_insert_with(collection))
}

/// What a policy's owner is: the account, or a service principal (by SCIM ID).
#[derive(Clone, Copy)]
enum Owner<'a> {
    Account,
    ServicePrincipal(&'a str),
}

/// What an update may change.
const UPDATABLE: &[&str] = &["description", "oidc_policy", "oidc_policy.*"];

/// The OIDC policy of a body, checked for its owner.
fn oidc_policy(owner: Owner, policy: &Value) -> Result<Value, Response> {
    let oidc = &policy["oidc_policy"];
    if oidc["issuer"].as_str().is_none_or(|i| i.trim().is_empty()) {
        return Err(invalid("oidc_policy.issuer is required"));
    }
    crate::common::strings(&oidc["audiences"], "oidc_policy.audiences")?;
    match (owner, oidc["subject"].as_str().filter(|s| !s.is_empty())) {
        (Owner::Account, Some(_)) => return Err(invalid("oidc_policy.subject must not be set on an account federation policy")),
        (Owner::ServicePrincipal(_), None) => {
            return Err(invalid("oidc_policy.subject is required on a service principal federation policy"));
        }
        _ => {}
    }
    if !oidc["jwks_json"].is_null() && !oidc["jwks_uri"].is_null() {
        return Err(invalid("give oidc_policy.jwks_json or oidc_policy.jwks_uri, not both"));
    }
    Ok(oidc.clone())
}

/// A caller's policy ID: lower-case letters, digits and hyphens (the fake's rule: Databricks does
/// not document one).
fn valid_id(id: &str) -> bool {
    (1..=63).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn create_in(collection: &mut Collection, owner: Owner, name_prefix: String, query: Option<String>, body: &[u8]) -> Answer {
    let body = json_body(body)?;
    let oidc = oidc_policy(owner, &body)?;
    let params = Params::parse(query);
    let id = match params.get("policy_id") {
        None | Some("") => crate::ids::uuid(),
        Some(id) if valid_id(id) => id.to_string(),
        Some(id) => return Err(invalid(format!("policy_id {id} may hold only lower-case letters, digits and hyphens"))),
    };
    if collection.contains(&id) {
        return Err(already_exists(format!("Federation policy {id} already exists.")));
    }
    let name = format!("{name_prefix}/federationPolicies/{id}");
    if body["name"].as_str().is_some_and(|given| given != name) {
        return Err(invalid(format!("name must be {name}, the policy's own")));
    }
    let now = now_rfc3339();
    let mut policy = json!({
        "policy_id": id,
        "name": name,
        "uid": crate::ids::uuid(),
        "oidc_policy": oidc,
        "create_time": now,
        "update_time": now,
    });
    if let Some(description) = body["description"].as_str() {
        policy["description"] = json!(description);
    }
    if let Owner::ServicePrincipal(sp) = owner {
        policy["service_principal_id"] = json!(number("service_principal_id", sp)?);
    }
    collection.create(policy)
}

fn update_in(collection: &mut Collection, owner: Owner, id: &str, query: Option<String>, body: &[u8]) -> Answer {
    let body = json_body(body)?;
    let params = Params::parse(query);
    let paths = match params.get("update_mask").filter(|m| !m.trim().is_empty()) {
        Some(mask) => crate::mask::parse("update_mask", Some(mask))?,
        None => ["description", "oidc_policy"].iter().filter(|f| !body[**f].is_null()).map(|f| f.to_string()).collect(),
    };
    let mut updated = collection.get(id)?.clone();
    crate::mask::apply(&mut updated, &body, &paths, UPDATABLE)?;
    oidc_policy(owner, &updated)?;
    updated["update_time"] = json!(now_rfc3339());
    let replaced = collection.replace(id, updated, &[])?.clone();
    Ok(Json(replaced).into_response())
}

pub async fn create(Account(shared): Account, RawQuery(query): RawQuery, body: Bytes) -> Answer {
    let prefix = format!("accounts/{}", shared.config.account_id);
    create_in(&mut shared.state().federation_policies, Owner::Account, prefix, query, &body)
}

pub async fn update(Account(shared): Account, Path((_, id)): Path<(String, String)>, RawQuery(query): RawQuery, body: Bytes) -> Answer {
    update_in(&mut shared.state().federation_policies, Owner::Account, &id, query, &body)
}

pub async fn create_for_service_principal(
    Account(shared): Account,
    Path((_, sp)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Answer {
    let prefix = format!("accounts/{}/servicePrincipals/{sp}", shared.config.account_id);
    create_in(of_service_principal(&mut shared.state(), &sp)?, Owner::ServicePrincipal(&sp), prefix, query, &body)
}

pub async fn update_for_service_principal(
    Account(shared): Account,
    Path((_, sp, id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Answer {
    update_in(of_service_principal(&mut shared.state(), &sp)?, Owner::ServicePrincipal(&sp), &id, query, &body)
}
