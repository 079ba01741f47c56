//! Account access control (preview), `/api/2.0/preview/accounts/{account_id}/access-control/`:
//! the roles assignable on a resource (`assignable-roles?resource=…` answers
//! `{"roles": [{"name": "roles/…"}]}`) and the rule set of a resource (`rule-sets`, GET with
//! `name` and `etag`, PUT with `{name, rule_set: {name, etag, grant_rules}}`).
//!
//! Resources are the account itself, its groups (by SCIM ID), its service principals (by
//! application ID) and its budget policies; a rule set is named `<resource>/ruleSets/default`.
//! Every PUT must carry the rule set's current etag (a stale one is 409 "Conflict with another
//! RuleSet operation", the message the Terraform provider matches to read again and retry) and
//! gets a new one. Roles are those the Terraform provider documents for each resource; principals
//! are `users/<userName>`, `groups/<displayName>` or `servicePrincipals/<applicationId>` of the
//! account ("Unsupported principal: …" otherwise, as Databricks words it).

use crate::common::{Account, Answer, Params, invalid, json_body, not_found};
use crate::errors;
use crate::state::AccountState;
use crate::store::Kind;
use axum::Json;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Roles assignable on each kind of account resource.
const ACCOUNT_ROLES: &[&str] = &["roles/marketplace.admin", "roles/billing.admin"];
const GROUP_ROLES: &[&str] = &["roles/group.manager"];
const SERVICE_PRINCIPAL_ROLES: &[&str] = &["roles/servicePrincipal.manager", "roles/servicePrincipal.user"];
const BUDGET_POLICY_ROLES: &[&str] = &["roles/budgetPolicy.manager", "roles/budgetPolicy.user"];

/// Besides its own roles, the account's rule set can make principals managers of every group or
/// service principal in the account (the Terraform provider's `access_control_rule_set` docs).
const ACCOUNT_RULE_SET_ROLES: &[&str] =
    &["roles/marketplace.admin", "roles/billing.admin", "roles/group.manager", "roles/servicePrincipal.manager"];

/// A rule set as written last, with its etag.
#[derive(Clone, Debug)]
pub struct RuleSet {
    etag: String,
    grant_rules: Vec<Value>,
}

/// What a resource name refers to: its kind, and the object when it is not the account.
enum Resource<'a> {
    Account,
    Group(&'a str),
    ServicePrincipal(&'a str),
    BudgetPolicy(&'a str),
}

impl Resource<'_> {
    fn assignable(&self) -> &'static [&'static str] {
        match self {
            Resource::Account => ACCOUNT_ROLES,
            Resource::Group(_) => GROUP_ROLES,
            Resource::ServicePrincipal(_) => SERVICE_PRINCIPAL_ROLES,
            Resource::BudgetPolicy(_) => BUDGET_POLICY_ROLES,
        }
    }
}

/// Reads `accounts/<id>[/<kind>/<id>]`.
fn resource<'a>(account_id: &str, name: &'a str) -> Result<Resource<'a>, Response> {
    let unknown = || invalid(format!("resource {name} is not a resource of this account that access control applies to"));
    let rest = name.strip_prefix("accounts/").and_then(|r| r.strip_prefix(account_id)).ok_or_else(unknown)?;
    let parts: Vec<&str> = match rest {
        "" => Vec::new(),
        rest => rest.strip_prefix('/').ok_or_else(unknown)?.split('/').collect(),
    };
    match parts.as_slice() {
        [] => Ok(Resource::Account),
        ["groups", id] if !id.is_empty() => Ok(Resource::Group(id)),
        ["servicePrincipals", id] if !id.is_empty() => Ok(Resource::ServicePrincipal(id)),
        ["budgetPolicies", id] if !id.is_empty() => Ok(Resource::BudgetPolicy(id)),
        _ => Err(unknown()),
    }
}

/// 404 unless the resource's object is in the account.
fn exists(state: &AccountState, resource: &Resource) -> Result<(), Response> {
    let found = match resource {
        Resource::Account => true,
        Resource::Group(id) => state.store.raw(Kind::Groups, id).is_ok(),
        Resource::ServicePrincipal(application_id) => principal_named(state, Kind::ServicePrincipals, application_id),
        Resource::BudgetPolicy(id) => state.budget_policies.contains(id),
    };
    let what = match resource {
        Resource::Account => "Account",
        Resource::Group(_) => "Group",
        Resource::ServicePrincipal(_) => "Service principal",
        Resource::BudgetPolicy(_) => "Budget policy",
    };
    let id = match resource {
        Resource::Account => "",
        Resource::Group(id) | Resource::ServicePrincipal(id) | Resource::BudgetPolicy(id) => id,
    };
    if found { Ok(()) } else { Err(not_found(what, id)) }
}

/// Whether a principal of `kind` has this user name, group name or application ID.
fn principal_named(state: &AccountState, kind: Kind, name: &str) -> bool {
    let attribute = match kind {
        Kind::Users => "userName",
        Kind::Groups => "displayName",
        Kind::ServicePrincipals => "applicationId",
    };
    state.store.all(kind).iter().any(|p| p[attribute].as_str().is_some_and(|v| v.eq_ignore_ascii_case(name)))
}

pub async fn assignable_roles(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = Params::parse(query);
    let name = params.get("resource").ok_or_else(|| invalid("resource is required, e.g. accounts/<ACCOUNT_ID>"))?;
    let roles: Vec<_> = resource(&shared.config.account_id, name)?.assignable().iter().map(|name| json!({"name": name})).collect();
    Ok(Json(json!({"roles": roles})).into_response())
}

/// The resource of a rule set name (`<resource>/ruleSets/default`), which must exist.
fn rule_set_resource<'a>(state: &AccountState, account_id: &str, name: &'a str) -> Result<Resource<'a>, Response> {
    let resource_name = name.strip_suffix("/ruleSets/default").ok_or_else(|| invalid(format!("{name} is not a rule set name")))?;
    let resource = resource(account_id, resource_name)?;
    exists(state, &resource)?;
    Ok(resource)
}

/// The rule set as it stands (never written: no grant rules), made on first sight so that it has
/// an etag.
fn current<'s>(state: &'s mut AccountState, name: &str) -> &'s RuleSet {
    if !state.rule_sets.contains_key(name) {
        let etag = state.etag(name);
        state.rule_sets.insert(name.to_string(), RuleSet { etag, grant_rules: Vec::new() });
    }
    &state.rule_sets[name]
}

/// The rule set as Databricks answers it; an empty list of grant rules is left out.
fn shown(name: &str, rule_set: &RuleSet) -> Response {
    let mut body = json!({"name": name, "etag": rule_set.etag});
    if !rule_set.grant_rules.is_empty() {
        body["grant_rules"] = json!(rule_set.grant_rules);
    }
    Json(body).into_response()
}

/// `GET …/rule-sets?name=…&etag=…`: the etag only asks for an answer at least that fresh, and
/// the fake's answers always are.
pub async fn get_rule_set(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = Params::parse(query);
    let name = params.get("name").filter(|n| !n.is_empty()).ok_or_else(|| invalid("name is required"))?;
    let mut state = shared.state();
    rule_set_resource(&state, &shared.config.account_id, name)?;
    let rule_set = current(&mut state, name).clone();
    Ok(shown(name, &rule_set))
}

/// Checks one grant rule: a role of the resource, principals of the account.
fn grant_rule(state: &AccountState, roles: &[&str], rule: &Value) -> Result<Value, Response> {
    let role = rule["role"].as_str().ok_or_else(|| invalid("each grant rule needs a role"))?;
    if !roles.contains(&role) {
        return Err(invalid(format!("Role {role} is not assignable here; it takes {}.", roles.join(", "))));
    }
    let principals = crate::common::strings(&rule["principals"], "grant_rules.principals")?;
    for principal in &principals {
        let (kind, name) = match principal.split_once('/') {
            Some(("users", name)) => (Kind::Users, name),
            Some(("groups", name)) => (Kind::Groups, name),
            Some(("servicePrincipals", name)) => (Kind::ServicePrincipals, name),
            _ => return Err(invalid(format!("Unsupported principal: {principal}"))),
        };
        if name.is_empty() {
            return Err(invalid(format!("Unsupported principal: {principal}")));
        }
        if !principal_named(state, kind, name) {
            return Err(crate::common::unknown_reference("Principal", principal));
        }
    }
    let mut checked = json!({"role": role});
    if !principals.is_empty() {
        checked["principals"] = json!(principals);
    }
    Ok(checked)
}

/// `PUT …/rule-sets`: replaces the grant rules of the rule set, given its current etag.
pub async fn update_rule_set(Account(shared): Account, body: axum::body::Bytes) -> Answer {
    let body = json_body(&body)?;
    let name = body["name"].as_str().filter(|n| !n.is_empty()).ok_or_else(|| invalid("name is required"))?;
    let rule_set = &body["rule_set"];
    if rule_set["name"] != name {
        return Err(invalid("rule_set.name must be the name of the rule set"));
    }
    let mut state = shared.state();
    let resource = rule_set_resource(&state, &shared.config.account_id, name)?;
    let roles = if matches!(resource, Resource::Account) { ACCOUNT_RULE_SET_ROLES } else { resource.assignable() };
    let rules = match &rule_set["grant_rules"] {
        Value::Null => Vec::new(),
        Value::Array(rules) => rules.iter().map(|rule| grant_rule(&state, roles, rule)).collect::<Result<Vec<_>, _>>()?,
        _ => return Err(invalid("rule_set.grant_rules must be a list")),
    };
    if rule_set["etag"].as_str() != Some(current(&mut state, name).etag.as_str()) {
        return Err(errors::api(StatusCode::CONFLICT, "RESOURCE_CONFLICT", "Conflict with another RuleSet operation"));
    }
    let updated = RuleSet { etag: state.etag(name), grant_rules: rules };
    state.rule_sets.insert(name.to_string(), updated.clone());
    Ok(shown(name, &updated))
}

/// Forgets the rule set of a resource that is gone, so a new one of the same name starts empty.
pub fn forget(state: &mut AccountState, resource_name: &str) {
    state.rule_sets.remove(&format!("{resource_name}/ruleSets/default"));
}

/// Another client grants `role` to `principal` on the rule set `name` (as a concurrent write
/// does): the rule set gets the grant and a new etag. Nothing is checked: the test names a
/// rule set, role and principal that exist.
pub fn grant(state: &mut AccountState, name: &str, role: &str, principal: &str) {
    let mut rules = current(state, name).grant_rules.clone();
    match rules.iter_mut().find(|rule| rule["role"] == role) {
        Some(rule) => match rule["principals"].as_array_mut() {
            Some(principals) => principals.push(json!(principal)),
            None => rule["principals"] = json!([principal]),
        },
        None => rules.push(json!({"role": role, "principals": [principal]})),
    }
    let etag = state.etag(name);
    state.rule_sets.insert(name.to_string(), RuleSet { etag, grant_rules: rules });
}
