//! Access-control rule sets: who holds which role on the account, a group, a service principal
//! or a budget policy. Databricks writes a rule set whole (`PUT` with the etag of the version it
//! replaces), so a grant or a revoke of one principal is a read, a change and a write — read again
//! and retried once when another writer came in between — and a change that is already so is
//! not written at all.

use crate::client::{ApiVersion, Method, Request, Session, once_more_on_conflict};
use crate::validate::invalid;
use crate::wit::CardError;
use crate::wit::access::*;
use serde_json::{Value, json};

const RULE_SETS: &str = "access-control/rule-sets";

/// A resource's rule set name: `accounts/<account ID>[/<kind>/<ID>]/ruleSets/default`.
fn name_of(s: &Session, resource: &RuleSetResource) -> String {
    let account = format!("accounts/{}", s.account_id());
    let resource = match resource {
        RuleSetResource::Account => account,
        RuleSetResource::Group(id) => format!("{account}/groups/{id}"),
        RuleSetResource::ServicePrincipal(id) => format!("{account}/servicePrincipals/{id}"),
        RuleSetResource::BudgetPolicy(id) => format!("{account}/budgetPolicies/{id}"),
    };
    format!("{resource}/ruleSets/default")
}

/// How Databricks names a principal in a grant rule.
fn principal_name(principal: &RulePrincipal) -> String {
    match principal {
        RulePrincipal::User(name) => format!("users/{name}"),
        RulePrincipal::Group(name) => format!("groups/{name}"),
        RulePrincipal::ServicePrincipal(id) => format!("servicePrincipals/{id}"),
    }
}

/// Reads a rule set and its etag. The empty `etag` asks for no particular freshness (the SDK
/// sends it so too).
fn read(s: &Session, name: &str) -> Result<(RuleSet, String), CardError> {
    let path = s.account_path(ApiVersion::Preview, RULE_SETS);
    let response = s.send(Request::new(Method::Get, path).query("name", Some(name)).query("etag", Some("")))?;
    Ok((response.json()?, response.json_in("etag")?))
}

/// Writes a rule set's grants over the version `etag`. Empty lists are left out, as the SDK
/// leaves them out.
fn write(s: &Session, name: &str, etag: &str, rules: &[GrantRule]) -> Result<RuleSet, CardError> {
    let mut rule_set = json!({"name": name, "etag": etag});
    let rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            let mut rule = json!({"role": rule.role, "principals": rule.principals});
            if rule["principals"].as_array().is_some_and(Vec::is_empty) {
                rule.as_object_mut().map(|r| r.remove("principals"));
            }
            rule
        })
        .collect();
    if !rules.is_empty() {
        rule_set["grant_rules"] = Value::Array(rules);
    }
    let body = json!({"name": name, "rule_set": rule_set});
    s.send(Request::new(Method::Put, s.account_path(ApiVersion::Preview, RULE_SETS)).json(body))?.json()
}

pub fn get_rule_set(s: &Session, input: GetRuleSetInput) -> Result<RuleSet, CardError> {
    read(s, &name_of(s, &input.resource)).map(|(rule_set, _)| rule_set)
}

/// A principal as Databricks writes it in a grant rule: `users/…`, `groups/…`, `servicePrincipals/…`.
fn check_principal(principal: &str) -> Result<(), CardError> {
    let named = ["users/", "groups/", "servicePrincipals/"]
        .iter()
        .any(|kind| principal.strip_prefix(kind).is_some_and(|rest| !rest.trim().is_empty()));
    if named && !principal.chars().any(char::is_control) {
        return Ok(());
    }
    Err(invalid(
        "grant-rules.principals",
        format!("{principal:?} is not users/<user name>, groups/<group name> or servicePrincipals/<application ID>"),
    ))
}

/// The whole rule set is replaced, over whatever version is current when it is written.
pub fn update_rule_set(s: &Session, input: UpdateRuleSetInput) -> Result<RuleSet, CardError> {
    input.grant_rules.iter().flat_map(|rule| &rule.principals).try_for_each(|p| check_principal(p))?;
    let name = name_of(s, &input.resource);
    once_more_on_conflict(|| {
        let (_, etag) = read(s, &name)?;
        write(s, &name, &etag, &input.grant_rules)
    })
}

/// Reads the rule set, applies `change` and writes it back when it changed anything.
fn change_one(
    s: &Session,
    input: &RoleGrantInput,
    change: fn(&mut Vec<GrantRule>, &AccessRole, &str) -> bool,
) -> Result<RuleSetChange, CardError> {
    let name = name_of(s, &input.resource);
    let principal = principal_name(&input.principal);
    once_more_on_conflict(|| {
        let (mut rule_set, etag) = read(s, &name)?;
        if !change(&mut rule_set.grant_rules, &input.role, &principal) {
            return Ok(RuleSetChange { changed: false, rule_set });
        }
        Ok(RuleSetChange { changed: true, rule_set: write(s, &name, &etag, &rule_set.grant_rules)? })
    })
}

/// Principal names compare without ASCII case, as Databricks matches user and group names.
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Adds the principal to the role's rule (making the rule when there is none); false when it holds the role already.
fn add(rules: &mut Vec<GrantRule>, role: &AccessRole, principal: &str) -> bool {
    match rules.iter_mut().find(|rule| &rule.role == role) {
        Some(rule) if rule.principals.iter().any(|p| same(p, principal)) => false,
        Some(rule) => {
            rule.principals.push(principal.to_string());
            true
        }
        None => {
            rules.push(GrantRule { role: role.clone(), principals: vec![principal.to_string()] });
            true
        }
    }
}

/// Takes the principal out of the role's rule (and the rule out when nobody is left in it);
/// false when it did not hold the role.
fn remove(rules: &mut Vec<GrantRule>, role: &AccessRole, principal: &str) -> bool {
    let Some(at) = rules.iter().position(|rule| &rule.role == role && rule.principals.iter().any(|p| same(p, principal))) else {
        return false;
    };
    rules[at].principals.retain(|p| !same(p, principal));
    if rules[at].principals.is_empty() {
        rules.remove(at);
    }
    true
}

pub fn grant_role(s: &Session, input: RoleGrantInput) -> Result<RuleSetChange, CardError> {
    change_one(s, &input, add)
}

pub fn revoke_role(s: &Session, input: RoleGrantInput) -> Result<RuleSetChange, CardError> {
    change_one(s, &input, remove)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(role: AccessRole, principals: &[&str]) -> GrantRule {
        GrantRule { role, principals: principals.iter().map(|p| p.to_string()).collect() }
    }

    #[test]
    fn a_grant_adds_once_and_a_revoke_removes_the_emptied_rule() {
        let mut rules = vec![rule(AccessRole::GroupManager, &["users/ada@example.com"])];
        assert!(!add(&mut rules, &AccessRole::GroupManager, "users/ADA@example.com"), "held already (case aside)");
        assert!(add(&mut rules, &AccessRole::GroupManager, "groups/admins"));
        assert!(add(&mut rules, &AccessRole::BillingAdmin, "users/ada@example.com"));
        assert_eq!(
            rules,
            [
                rule(AccessRole::GroupManager, &["users/ada@example.com", "groups/admins"]),
                rule(AccessRole::BillingAdmin, &["users/ada@example.com"])
            ]
        );
        assert!(!remove(&mut rules, &AccessRole::BillingAdmin, "groups/admins"), "not held");
        assert!(remove(&mut rules, &AccessRole::BillingAdmin, "users/ada@example.com"));
        assert!(remove(&mut rules, &AccessRole::GroupManager, "groups/admins"));
        assert_eq!(rules, [rule(AccessRole::GroupManager, &["users/ada@example.com"])]);
    }

    #[test]
    fn principals_must_name_their_kind() {
        assert!(check_principal("users/ada@example.com").is_ok() && check_principal("servicePrincipals/1a2b").is_ok());
        for bad in ["ada@example.com", "users/", "teams/x", "groups/ "] {
            assert!(check_principal(bad).is_err(), "{bad}");
        }
    }
}
