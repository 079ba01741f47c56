//! `onboard-users`: many people in one run, each with an outcome of its own. A create comes
//! first (a new person costs one request, and a 409 says the user name exists, so the user is
//! looked up), then every person created or found joins each group in one PATCH. The host paces
//! each of these requests by its own kind (the card's rate class is `per-request`).

use serde_json::Value;

use super::ensure::{find_by, once_each};
use super::{create_user, member_refs};
use crate::client::Session;
use crate::client::scim::{self, PatchOp, Resource};
use crate::wit::CardError;
use crate::wit::identity::*;

pub fn onboard_users(s: &Session, input: OnboardUsersInput) -> Result<OnboardedUsers, CardError> {
    let mut users: Vec<OnboardedUser> = input.users.into_iter().map(|person| onboard_one(s, person)).collect();
    let member_ids = once_each(users.iter().filter_map(|u| u.user.as_ref().map(|user| user.id.clone())).collect());
    let mut group_failures = Vec::new();
    for group_id in once_each(input.group_ids.unwrap_or_default()) {
        if member_ids.is_empty() {
            break;
        }
        match scim::patch_only::<Value>(s, Resource::Groups, &group_id, vec![PatchOp::add("members", member_refs(&member_ids))]) {
            Ok(_) => users.iter_mut().filter(|u| u.user.is_some()).for_each(|u| u.groups.push(group_id.clone())),
            Err(error) => group_failures.push(GroupFailure { group_id, error: s.sanitize(error) }),
        }
    }
    let count = |outcome: OnboardOutcome| users.iter().filter(|u| u.outcome == outcome).count() as u32;
    Ok(OnboardedUsers {
        created: count(OnboardOutcome::Created),
        existing: count(OnboardOutcome::Existing),
        failed: count(OnboardOutcome::Failed),
        users,
        group_failures,
    })
}

fn onboard_one(s: &Session, person: CreateUserInput) -> OnboardedUser {
    let user_name = person.user_name.clone();
    let found = match create_user(s, person) {
        Ok(user) => Ok((OnboardOutcome::Created, user)),
        Err(CardError::Conflict(conflict)) => match find_by::<User>(s, Resource::Users, "userName", &user_name) {
            Ok(Some(user)) => Ok((OnboardOutcome::Existing, user)),
            Ok(None) => Err(CardError::Conflict(conflict)),
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    match found {
        Ok((outcome, user)) => OnboardedUser { user_name, outcome, user: Some(user), error: None, groups: Vec::new() },
        Err(error) => {
            OnboardedUser { user_name, outcome: OnboardOutcome::Failed, user: None, error: Some(s.sanitize(error)), groups: Vec::new() }
        }
    }
}
