//! Polling triggers: each reads the account's current state, compares it with the caller's
//! cursor (`cursor.rs`) and returns what changed with the next cursor. The SCIM triggers keep a
//! fixed-size summary of IDs (`sketch.rs`), since Databricks keeps no creation time for
//! identities; the workspace and secret triggers keep what they report on exactly (`exact.rs`).

mod cursor;
mod exact;
mod sketch;

pub use exact::{poll_expiring_secrets, poll_workspace_changes};

use std::collections::HashMap;

use cursor::Scope;
use sketch::{Sketch, id_of, key_of};

use crate::client::Session;
use crate::client::scim::{self, Resource, ScimRecord, literal};
use crate::wit::CardError;
use crate::wit::identity::{Group, ServicePrincipal, User};
use crate::wit::triggers::*;

/// IDs per filter when new records are read whole (`id eq ... or ...`: 99 filter nodes).
const READ_BATCH: usize = 50;

/// What a SCIM trigger found: the new records, and what the result records share.
struct Polled<T> {
    items: Vec<T>,
    next_cursor: String,
    baseline: bool,
    exact: bool,
    total: u32,
}

/// The summary a cursor holds, read before any request.
fn summary_in(scope: &Scope, cursor: Option<&str>) -> Result<Option<Sketch>, CardError> {
    scope.read(cursor, |payload| match Sketch::read(payload) {
        Some((sketch, [])) => Some(sketch),
        _ => None,
    })
}

fn sealed(scope: &Scope, keys: &[u64]) -> String {
    let mut payload = Vec::new();
    Sketch::of(keys).write(&mut payload);
    scope.seal(&payload)
}

/// Records added to `resource` since `cursor`, read whole, in the order Databricks lists them.
fn poll_new<T: ScimRecord>(s: &Session, card: &str, resource: Resource, cursor: Option<&str>) -> Result<Polled<T>, CardError> {
    let scope = Scope::new(s, card, "");
    let before = summary_in(&scope, cursor)?;
    let ids = scim::every_id(s, resource)?;
    let keys: Vec<u64> = ids.iter().map(|id| key_of(id)).collect();
    let (next_cursor, total) = (sealed(&scope, &keys), ids.len() as u32);
    let Some(before) = before else {
        return Ok(Polled { items: Vec::new(), next_cursor, baseline: true, exact: true, total });
    };
    let changes = before.compare(&keys);
    let new_ids: Vec<&str> = ids.iter().zip(&keys).filter(|(_, key)| changes.added.contains(key)).map(|(id, _)| id.as_str()).collect();
    let items = read_whole(s, resource, &new_ids)?;
    Ok(Polled { items, next_cursor, baseline: false, exact: changes.exact, total })
}

/// The records with `ids`, in that order (one deleted meanwhile is left out).
fn read_whole<T: ScimRecord>(s: &Session, resource: Resource, ids: &[&str]) -> Result<Vec<T>, CardError> {
    let mut found: HashMap<String, T> = HashMap::new();
    for batch in ids.chunks(READ_BATCH) {
        let filter = batch.iter().map(|id| format!("id eq {}", literal(id))).collect::<Vec<_>>().join(" or ");
        for record in scim::list::<T>(s, resource, &scim::first(Some(filter), batch.len() as u32))?.resources {
            found.insert(record.scim_id().to_string(), record);
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(*id)).collect())
}

pub fn poll_new_users(s: &Session, input: PollInput) -> Result<NewUsers, CardError> {
    let p = poll_new::<User>(s, "poll-new-users", Resource::Users, input.cursor.as_deref())?;
    Ok(NewUsers { users: p.items, next_cursor: p.next_cursor, baseline: p.baseline, exact: p.exact, total: p.total })
}

pub fn poll_new_groups(s: &Session, input: PollInput) -> Result<NewGroups, CardError> {
    let p = poll_new::<Group>(s, "poll-new-groups", Resource::Groups, input.cursor.as_deref())?;
    Ok(NewGroups { groups: p.items, next_cursor: p.next_cursor, baseline: p.baseline, exact: p.exact, total: p.total })
}

pub fn poll_new_service_principals(s: &Session, input: PollInput) -> Result<NewServicePrincipals, CardError> {
    let p = poll_new::<ServicePrincipal>(s, "poll-new-service-principals", Resource::ServicePrincipals, input.cursor.as_deref())?;
    Ok(NewServicePrincipals {
        service_principals: p.items,
        next_cursor: p.next_cursor,
        baseline: p.baseline,
        exact: p.exact,
        total: p.total,
    })
}

pub fn poll_group_membership_changes(s: &Session, input: PollGroupMembershipInput) -> Result<GroupMembershipChanges, CardError> {
    let scope = Scope::new(s, "poll-group-membership-changes", &input.group_id);
    let before = summary_in(&scope, input.cursor.as_deref())?;
    let group: Group = scim::get(s, Resource::Groups, &input.group_id)?;
    let keys: Vec<u64> = group.members.iter().map(|m| key_of(&m.value)).collect();
    let mut changes = GroupMembershipChanges {
        group_id: group.id,
        display_name: group.display_name,
        added: Vec::new(),
        removed: Vec::new(),
        next_cursor: sealed(&scope, &keys),
        baseline: before.is_none(),
        exact: true,
        total: group.members.len() as u32,
    };
    if let Some(before) = before {
        let found = before.compare(&keys);
        changes.exact = found.exact;
        changes.added = group.members.into_iter().filter(|m| found.added.contains(&key_of(&m.value))).collect();
        changes.removed = found.removed.into_iter().filter_map(id_of).collect();
        changes.removed.sort();
    }
    Ok(changes)
}
