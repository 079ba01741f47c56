//! Cards that are safe to run twice: a flow retried from the top after a failure converges on
//! the same account instead of creating duplicates. Each looks first and writes only what is
//! missing; a create that loses a race to another flow (409) returns the object that won.
//! Bulk membership changes are one SCIM PATCH each.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{add_group_member, create_group, create_service_principal, create_user, member_refs};
use crate::client::Session;
use crate::client::scim::{self, PatchOp, Resource, ScimRecord, literal};
use crate::wit::CardError;
use crate::wit::identity::*;

/// The one record whose `attribute` equals `value`, if any (user names and group names are unique
/// in an account; a second match would be Databricks' own inconsistency, and the first is kept).
pub(super) fn find_by<T: ScimRecord>(s: &Session, resource: Resource, attribute: &str, value: &str) -> Result<Option<T>, CardError> {
    let filter = format!("{attribute} eq {}", literal(value));
    let page = scim::list::<T>(s, resource, &scim::first(Some(filter), 1))?;
    Ok(page.resources.into_iter().next())
}

/// Looks the object up, creates it when absent, and on a lost race (409) looks again.
fn ensure<T>(
    find: impl Fn() -> Result<Option<T>, CardError>,
    create: impl FnOnce() -> Result<T, CardError>,
) -> Result<(EnsureOutcome, T), CardError> {
    if let Some(found) = find()? {
        return Ok((EnsureOutcome::Existing, found));
    }
    create_or_find(find, create)
}

/// Creates the object; when Databricks answers 409 (it exists, or another flow made it
/// meanwhile), looks it up instead.
pub(super) fn create_or_find<T>(
    find: impl Fn() -> Result<Option<T>, CardError>,
    create: impl FnOnce() -> Result<T, CardError>,
) -> Result<(EnsureOutcome, T), CardError> {
    match create() {
        Ok(created) => Ok((EnsureOutcome::Created, created)),
        Err(CardError::Conflict(conflict)) => match find()? {
            Some(found) => Ok((EnsureOutcome::Existing, found)),
            None => Err(CardError::Conflict(conflict)),
        },
        Err(other) => Err(other),
    }
}

pub fn ensure_user(s: &Session, input: CreateUserInput) -> Result<EnsuredUser, CardError> {
    let name = input.user_name.clone();
    let (outcome, user) = ensure(|| find_by::<User>(s, Resource::Users, "userName", &name), || create_user(s, input))?;
    Ok(EnsuredUser { outcome, user })
}

pub fn ensure_group(s: &Session, input: CreateGroupInput) -> Result<EnsuredGroup, CardError> {
    let name = input.display_name.clone();
    // Databricks' group list leaves members out: a found group is read again, whole.
    let find = || match find_by::<Group>(s, Resource::Groups, "displayName", &name)? {
        Some(group) => scim::get::<Group>(s, Resource::Groups, &group.id).map(Some),
        None => Ok(None),
    };
    let (outcome, group) = ensure(find, || create_group(s, input))?;
    Ok(EnsuredGroup { outcome, group })
}

pub fn ensure_service_principal(s: &Session, input: CreateServicePrincipalInput) -> Result<EnsuredServicePrincipal, CardError> {
    // An Azure application ID names one service principal; a display name is what others have.
    let (attribute, value) = match &input.application_id {
        Some(application_id) => ("applicationId", application_id.clone()),
        None => ("displayName", input.display_name.clone()),
    };
    let find = || find_by::<ServicePrincipal>(s, Resource::ServicePrincipals, attribute, &value);
    let (outcome, service_principal) = ensure(find, || create_service_principal(s, input))?;
    Ok(EnsuredServicePrincipal { outcome, service_principal })
}

pub fn ensure_group_member(s: &Session, input: GroupMemberInput) -> Result<EnsuredMembership, CardError> {
    let group: Group = scim::get(s, Resource::Groups, &input.group_id)?;
    if group.members.iter().any(|m| m.value == input.member_id) {
        return Ok(EnsuredMembership { outcome: EnsureOutcome::Existing, group_id: input.group_id, member_id: input.member_id });
    }
    let added = add_group_member(s, input)?;
    Ok(EnsuredMembership { outcome: EnsureOutcome::Created, group_id: added.group_id, member_id: added.member_id })
}

/// The member IDs once each, in the order given.
pub(super) fn once_each(ids: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.into_iter().filter(|id| seen.insert(id.clone())).collect()
}

pub fn add_group_members(s: &Session, input: GroupMembersInput) -> Result<GroupMembersChange, CardError> {
    let member_ids = once_each(input.member_ids);
    scim::patch_only::<Value>(s, Resource::Groups, &input.group_id, vec![PatchOp::add("members", member_refs(&member_ids))])?;
    Ok(GroupMembersChange { group_id: input.group_id, member_ids })
}

pub fn remove_group_members(s: &Session, input: GroupMembersInput) -> Result<GroupMembersChange, CardError> {
    let member_ids = once_each(input.member_ids);
    let ops = member_ids.iter().map(|id| PatchOp::remove(format!("members[value eq {}]", literal(id)))).collect();
    scim::patch_only::<Value>(s, Resource::Groups, &input.group_id, ops)?;
    Ok(GroupMembersChange { group_id: input.group_id, member_ids })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_member_once_in_the_order_given() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(once_each(ids(&["3", "1", "3", "2", "1"])), ids(&["3", "1", "2"]));
    }
}
