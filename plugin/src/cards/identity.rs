//! Identity cards: account SCIM users, groups and service principals. Each card checks
//! its input, then is one call (or two) to the generic SCIM helper.

use crate::client::Session;
use crate::client::scim::{self, PatchOp, Resource, ScimRecord, account_admin_op, active_op};
use crate::validate::{self, invalid};
use crate::wit::identity::*;
use crate::wit::{CardError, Cloud, Deleted, ScimListInput};
use serde_json::{Value, json};

/// Longest display name accepted; Databricks' own limit is not documented, this one is generous.
const MAX_NAME: usize = 256;

/// Refuses an update that would change nothing (a PATCH with no operations).
fn non_empty(ops: Vec<PatchOp>) -> Result<Vec<PatchOp>, CardError> {
    if ops.is_empty() {
        return Err(invalid("id", "give at least one field to change besides id"));
    }
    Ok(ops)
}

/// `replace` operations for the fields that are set.
fn replace_ops(fields: &[(&str, Option<&str>)]) -> Vec<PatchOp> {
    fields
        .iter()
        .filter_map(|(path, value)| value.map(|v| PatchOp::replace(path, json!(v))))
        .collect()
}

fn roles(account_admin: Option<bool>) -> Value {
    if account_admin == Some(true) { json!([{"value": "account_admin"}]) } else { Value::Null }
}

/// The cards every SCIM resource has in the same shape: list, get and delete.
/// Create and update differ per resource and are written out below.
macro_rules! scim_resource_cards {
    ($resource:expr, $record:ty, $list:ident {
        list: $list_card:ident, get: $get_card:ident($get_input:ty), delete: $delete_card:ident($delete_input:ty) $(,)?
    }) => {
        impl ScimRecord for $record {
            fn scim_id(&self) -> &str {
                &self.id
            }
        }

        pub fn $list_card(s: &Session, input: ScimListInput) -> Result<$list, CardError> {
            let page = scim::list(s, $resource, &input)?;
            Ok($list {
                total_results: page.total_results,
                start_index: page.start_index,
                resources: page.resources,
                next_start_index: page.next_start_index,
                stopped_by: page.stopped_by,
            })
        }

        pub fn $get_card(s: &Session, input: $get_input) -> Result<$record, CardError> {
            validate::scim_id("id", &input.id)?;
            scim::get(s, $resource, &input.id)
        }

        pub fn $delete_card(s: &Session, input: $delete_input) -> Result<Deleted, CardError> {
            validate::scim_id("id", &input.id)?;
            scim::delete(s, $resource, &input.id)?;
            Ok(Deleted { id: input.id })
        }
    };
}

scim_resource_cards!(Resource::Users, User, UserList {
    list: list_users, get: get_user(GetUserInput), delete: delete_user(DeleteUserInput),
});
scim_resource_cards!(Resource::Groups, Group, GroupList {
    list: list_groups, get: get_group(GetGroupInput), delete: delete_group(DeleteGroupInput),
});
scim_resource_cards!(Resource::ServicePrincipals, ServicePrincipal, ServicePrincipalList {
    list: list_service_principals,
    get: get_service_principal(GetServicePrincipalInput),
    delete: delete_service_principal(DeleteServicePrincipalInput),
});

// ---- users ----

pub fn create_user(s: &Session, input: CreateUserInput) -> Result<User, CardError> {
    validate::email("user-name", &input.user_name)?;
    validate::optional_name("display-name", input.display_name.as_deref(), MAX_NAME)?;
    validate::optional_name("given-name", input.given_name.as_deref(), MAX_NAME)?;
    validate::optional_name("family-name", input.family_name.as_deref(), MAX_NAME)?;
    let full_name = [input.given_name.as_deref(), input.family_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let display_name = input.display_name.or((!full_name.is_empty()).then_some(full_name));
    let name = (input.given_name.is_some() || input.family_name.is_some())
        .then(|| json!({"givenName": input.given_name, "familyName": input.family_name}));
    scim::create(
        s,
        Resource::Users,
        json!({
            "userName": input.user_name,
            "displayName": display_name,
            "name": name,
            "emails": [{"value": input.user_name, "type": "work", "primary": true}],
            "active": input.active.unwrap_or(true),
            "roles": roles(input.account_admin),
            "externalId": input.external_id,
        }),
    )
}

pub fn update_user(s: &Session, input: UpdateUserInput) -> Result<User, CardError> {
    validate::scim_id("id", &input.id)?;
    validate::optional_name("display-name", input.display_name.as_deref(), MAX_NAME)?;
    let mut ops = replace_ops(&[
        ("displayName", input.display_name.as_deref()),
        ("name.givenName", input.given_name.as_deref()),
        ("name.familyName", input.family_name.as_deref()),
        ("externalId", input.external_id.as_deref()),
    ]);
    ops.extend(input.active.map(active_op));
    ops.extend(input.account_admin.map(account_admin_op));
    scim::patch(s, Resource::Users, &input.id, non_empty(ops)?)
}

// ---- groups ----

pub fn create_group(s: &Session, input: CreateGroupInput) -> Result<Group, CardError> {
    validate::name("display-name", &input.display_name, MAX_NAME)?;
    let member_ids = input.member_ids.unwrap_or_default();
    for id in &member_ids {
        validate::scim_id("member-ids", id)?;
    }
    let members: Vec<Value> = member_ids.iter().map(|id| json!({"value": id})).collect();
    scim::create(
        s,
        Resource::Groups,
        json!({
            "displayName": input.display_name,
            "members": if members.is_empty() { Value::Null } else { json!(members) },
            "roles": roles(input.account_admin),
            "externalId": input.external_id,
        }),
    )
}

pub fn update_group(s: &Session, input: UpdateGroupInput) -> Result<Group, CardError> {
    validate::scim_id("id", &input.id)?;
    validate::optional_name("display-name", input.display_name.as_deref(), MAX_NAME)?;
    let mut ops = replace_ops(&[
        ("displayName", input.display_name.as_deref()),
        ("externalId", input.external_id.as_deref()),
    ]);
    ops.extend(input.account_admin.map(account_admin_op));
    scim::patch(s, Resource::Groups, &input.id, non_empty(ops)?)
}

/// Membership changes are one PATCH each, never read-modify-write, so concurrent
/// flows cannot undo each other's changes.
fn change_membership(s: &Session, input: GroupMemberInput, op: PatchOp) -> Result<GroupMembership, CardError> {
    scim::patch_only::<Value>(s, Resource::Groups, &input.group_id, vec![op])?;
    Ok(GroupMembership { group_id: input.group_id, member_id: input.member_id })
}

fn validate_membership(input: &GroupMemberInput) -> Result<(), CardError> {
    validate::scim_id("group-id", &input.group_id)?;
    validate::scim_id("member-id", &input.member_id)
}

pub fn add_group_member(s: &Session, input: GroupMemberInput) -> Result<GroupMembership, CardError> {
    validate_membership(&input)?;
    let op = PatchOp::add("members", json!([{"value": input.member_id}]));
    change_membership(s, input, op)
}

pub fn remove_group_member(s: &Session, input: GroupMemberInput) -> Result<GroupMembership, CardError> {
    validate_membership(&input)?;
    let op = PatchOp::remove(format!(r#"members[value eq "{}"]"#, input.member_id));
    change_membership(s, input, op)
}

// ---- service principals ----

pub fn create_service_principal(s: &Session, input: CreateServicePrincipalInput) -> Result<ServicePrincipal, CardError> {
    validate::name("display-name", &input.display_name, MAX_NAME)?;
    if let Some(application_id) = &input.application_id {
        if s.cloud() != Cloud::Azure {
            return Err(invalid(
                "application-id",
                "can only be given on Azure (an Entra ID application); Databricks generates it on AWS and GCP",
            ));
        }
        validate::uuid("application-id", application_id)?;
    }
    scim::create(
        s,
        Resource::ServicePrincipals,
        json!({
            "displayName": input.display_name,
            "applicationId": input.application_id,
            "active": input.active.unwrap_or(true),
            "roles": roles(input.account_admin),
            "externalId": input.external_id,
        }),
    )
}

pub fn update_service_principal(s: &Session, input: UpdateServicePrincipalInput) -> Result<ServicePrincipal, CardError> {
    validate::scim_id("id", &input.id)?;
    validate::optional_name("display-name", input.display_name.as_deref(), MAX_NAME)?;
    let mut ops = replace_ops(&[
        ("displayName", input.display_name.as_deref()),
        ("externalId", input.external_id.as_deref()),
    ]);
    ops.extend(input.active.map(active_op));
    ops.extend(input.account_admin.map(account_admin_op));
    scim::patch(s, Resource::ServicePrincipals, &input.id, non_empty(ops)?)
}

