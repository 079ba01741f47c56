//! `onboard-users`: many people in one run, each with an outcome of its own. A create comes
//! first (a new person costs one request, and a 409 says the user name exists, so the user is
//! looked up), then every person created or found joins each group in one PATCH. The host paces
//! each of these requests by its own kind (the card's rate class is `per-request`).

use super::create_user;
use super::ensure::{add_group_members, create_or_find, find_by, once_each};
use crate::client::scim::Resource;
use crate::client::{Session, with_prefix};
use crate::wit::CardError;
use crate::wit::identity::*;

pub fn onboard_users(s: &Session, input: OnboardUsersInput) -> Result<OnboardedUsers, CardError> {
    let people = input.users.len();
    let mut users: Vec<OnboardedUser> = Vec::with_capacity(people);
    for person in input.users {
        let user_name = person.user_name.clone();
        match onboard_one(s, person) {
            Ok((outcome, user)) => users.push(OnboardedUser { user_name, outcome, user: Some(user), error: None, groups: Vec::new() }),
            Err(error) if about_the_person(&error) => users.push(OnboardedUser {
                user_name,
                outcome: OnboardOutcome::Failed,
                user: None,
                error: Some(s.sanitize(error)),
                groups: Vec::new(),
            }),
            // The connection or the account refuses (a revoked token, throttling after retries,
            // an outage): the next person would fare no better, so the run stops and says where.
            Err(error) => {
                let done = users.iter().filter(|u| u.outcome != OnboardOutcome::Failed).count();
                return Err(with_prefix(error, &format!("onboarding stopped at person {} of {people} ({done} done): ", users.len() + 1)));
            }
        }
    }
    let member_ids: Vec<String> = users.iter().filter_map(|u| u.user.as_ref().map(|user| user.id.clone())).collect();
    let group_ids = if member_ids.is_empty() { Vec::new() } else { once_each(input.group_ids.unwrap_or_default()) };
    let mut group_failures = Vec::new();
    for group_id in group_ids {
        match add_group_members(s, GroupMembersInput { group_id: group_id.clone(), member_ids: member_ids.clone() }) {
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

/// Whether an error is about this person (a value Databricks refuses, a clash it cannot
/// resolve) rather than about the connection or the account.
fn about_the_person(error: &CardError) -> bool {
    match error {
        CardError::InvalidInput(_) | CardError::Conflict(_) => true,
        CardError::Upstream(api) => matches!(api.status, 400 | 422),
        _ => false,
    }
}

/// Creates the person, or finds the user whose user name it is (Databricks answers 409).
fn onboard_one(s: &Session, person: CreateUserInput) -> Result<(OnboardOutcome, User), CardError> {
    let user_name = person.user_name.clone();
    let (outcome, user) = create_or_find(|| find_by::<User>(s, Resource::Users, "userName", &user_name), || create_user(s, person))?;
    let outcome = match outcome {
        EnsureOutcome::Created => OnboardOutcome::Created,
        EnsureOutcome::Existing => OnboardOutcome::Existing,
    };
    Ok((outcome, user))
}
