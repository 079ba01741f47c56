//! Identity cards: account SCIM users, groups and service principals. Each card checks
//! its input, then is one call (or two) to the generic SCIM helper. Searches are in
//! `search.rs`, lifecycle switches (active, account admin) in `lifecycle.rs`, the cards that are
//! safe to run twice and the bulk membership changes in `ensure.rs`, many people at once in `onboard.rs`.

mod ensure;
mod lifecycle;
mod onboard;
mod search;
mod strict;

pub use ensure::{add_group_members, ensure_group, ensure_group_member, ensure_service_principal, ensure_user, remove_group_members};
pub use lifecycle::{activate_user, deactivate_user, make_account_admin, revoke_account_admin};
pub use onboard::onboard_users;
pub use search::{read_user_by_email, search_groups, search_users};

use strict::StrictUpdate;

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

/// One text field of an update: its input name, its SCIM path and the value given.
struct TextField<'a> {
    field: &'a str,
    path: &'a str,
    value: Option<&'a str>,
}

/// What an update does with one text field: nothing, set it, or clear it.
enum TextChange<'a> {
    Keep,
    Set(&'a str),
    Clear,
}

impl<'a> TextField<'a> {
    /// Reads the field under Okta's "pass empty values" rule: an empty text clears the
    /// value when `pass_empty` is set and is ignored otherwise; any other text is checked.
    fn change(&self, pass_empty: bool) -> Result<TextChange<'a>, CardError> {
        match self.value {
            None => Ok(TextChange::Keep),
            Some(v) if v.trim().is_empty() => Ok(if pass_empty { TextChange::Clear } else { TextChange::Keep }),
            Some(v) => validate::name(self.field, v, MAX_NAME).map(|_| TextChange::Set(v)),
        }
    }
}

/// PATCH operations for the text fields: `replace` for values, `remove` for cleared ones.
fn text_ops(fields: &[TextField], pass_empty: bool) -> Result<Vec<PatchOp>, CardError> {
    let mut ops = Vec::new();
    for field in fields {
        match field.change(pass_empty)? {
            TextChange::Keep => {}
            TextChange::Set(v) => ops.push(PatchOp::replace(field.path, json!(v))),
            TextChange::Clear => ops.push(PatchOp::remove(field.path.to_string())),
        }
    }
    Ok(ops)
}

/// Members as SCIM references.
fn member_refs(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(|id| json!({"value": id})).collect())
}

fn roles(account_admin: Option<bool>) -> Value {
    if account_admin == Some(true) { json!([{"value": ACCOUNT_ADMIN}]) } else { Value::Null }
}

/// The cards every SCIM resource has in the same shape: list, get and delete.
/// Create and update differ per resource and are written out below.
macro_rules! scim_resource_cards {
    ($resource:expr, $record:ty, $list:ident {
        list: $list_card:ident, get: $get_card:ident($get_input:ty), delete: $delete_card:ident($delete_input:ty) $(,)?
    }) => {
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
            scim::get_only(s, $resource, &input.id, input.attributes.as_deref(), input.excluded_attributes.as_deref())
        }

        pub fn $delete_card(s: &Session, input: $delete_input) -> Result<Deleted, CardError> {
            scim::delete(s, $resource, &input.id)?;
            Ok(Deleted { id: input.id })
        }
    };
}

scim_resource_cards!(
    Resource::Users,
    User,
    UserList { list: list_users, get: get_user(GetUserInput), delete: delete_user(DeleteUserInput) }
);
scim_resource_cards!(
    Resource::Groups,
    Group,
    GroupList { list: list_groups, get: get_group(GetGroupInput), delete: delete_group(DeleteGroupInput) }
);
scim_resource_cards!(
    Resource::ServicePrincipals,
    ServicePrincipal,
    ServicePrincipalList {
        list: list_service_principals,
        get: get_service_principal(GetServicePrincipalInput),
        delete: delete_service_principal(DeleteServicePrincipalInput),
    }
);

// ---- derived fields ----

/// Whether a role list holds `account_admin`.
pub fn holds_account_admin(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.value == ACCOUNT_ADMIN)
}

/// The SCIM role that makes a principal an account admin.
pub const ACCOUNT_ADMIN: &str = "account_admin";

/// The kind of principal a SCIM `$ref` points at (`Users/1`, or a URL ending so).
fn kind_of(reference: Option<&str>) -> Option<PrincipalKind> {
    let mut segments = reference?.rsplit('/');
    segments.next();
    match segments.next()? {
        "Users" => Some(PrincipalKind::User),
        "Groups" => Some(PrincipalKind::Group),
        "ServicePrincipals" => Some(PrincipalKind::ServicePrincipal),
        _ => None,
    }
}

fn complete_refs(refs: &mut [PrincipalRef]) {
    for r in refs {
        r.kind = kind_of(r.ref_.as_deref());
    }
}

/// The primary e-mail address: the one marked primary, else the first.
pub fn primary_email(emails: &[Email]) -> Option<String> {
    emails.iter().find(|e| e.primary == Some(true)).or(emails.first()).map(|e| e.value.clone())
}

impl ScimRecord for User {
    fn scim_id(&self) -> &str {
        &self.id
    }
    fn complete(&mut self, raw: Option<&str>) {
        self.primary_email = primary_email(&self.emails);
        self.is_account_admin = holds_account_admin(&self.roles);
        complete_refs(&mut self.groups);
        self.raw = raw.map(str::to_string);
    }
}

impl ScimRecord for Group {
    fn scim_id(&self) -> &str {
        &self.id
    }
    fn complete(&mut self, raw: Option<&str>) {
        self.is_account_admin = holds_account_admin(&self.roles);
        complete_refs(&mut self.members);
        complete_refs(&mut self.groups);
        self.raw = raw.map(str::to_string);
    }
}

impl ScimRecord for ServicePrincipal {
    fn scim_id(&self) -> &str {
        &self.id
    }
    fn complete(&mut self, _raw: Option<&str>) {
        self.is_account_admin = holds_account_admin(&self.roles);
        complete_refs(&mut self.groups);
    }
}

// ---- users ----

pub fn create_user(s: &Session, input: CreateUserInput) -> Result<User, CardError> {
    let full_name = [input.given_name.as_deref(), input.family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
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
    let texts = [
        TextField { field: "display-name", path: "displayName", value: input.display_name.as_deref() },
        TextField { field: "given-name", path: "name.givenName", value: input.given_name.as_deref() },
        TextField { field: "family-name", path: "name.familyName", value: input.family_name.as_deref() },
        TextField { field: "external-id", path: "externalId", value: input.external_id.as_deref() },
    ];
    let pass_empty = input.pass_empty_values.unwrap_or(false);
    if input.update_type == Some(UpdateType::Strict) {
        let update =
            StrictUpdate { texts: &texts, kept: &[], active: input.active, account_admin: input.account_admin, members: None, pass_empty };
        return update.run(s, Resource::Users, &input.id);
    }
    let mut ops = text_ops(&texts, pass_empty)?;
    ops.extend(input.active.map(active_op));
    ops.extend(input.account_admin.map(account_admin_op));
    scim::patch(s, Resource::Users, &input.id, non_empty(ops)?)
}

// ---- groups ----

pub fn create_group(s: &Session, input: CreateGroupInput) -> Result<Group, CardError> {
    let member_ids = input.member_ids.unwrap_or_default();
    let members = member_refs(&member_ids);
    scim::create(
        s,
        Resource::Groups,
        json!({
            "displayName": input.display_name,
            "members": if member_ids.is_empty() { Value::Null } else { members },
            "roles": roles(input.account_admin),
            "externalId": input.external_id,
        }),
    )
}

pub fn update_group(s: &Session, input: UpdateGroupInput) -> Result<Group, CardError> {
    let members = input.member_ids.as_deref().map(member_refs);
    let pass_empty = input.pass_empty_values.unwrap_or(false);
    let texts = [
        TextField { field: "display-name", path: "displayName", value: input.display_name.as_deref() },
        TextField { field: "external-id", path: "externalId", value: input.external_id.as_deref() },
    ];
    if matches!(texts[0].change(pass_empty)?, TextChange::Clear) {
        return Err(invalid("display-name", "a group must keep a name; leave it out to keep the current one"));
    }
    match input.update_type.unwrap_or(UpdateType::Partial) {
        UpdateType::Partial => {
            let mut ops = text_ops(&texts, pass_empty)?;
            ops.extend(members.map(|m| PatchOp::replace("members", m)));
            ops.extend(input.account_admin.map(account_admin_op));
            scim::patch(s, Resource::Groups, &input.id, non_empty(ops)?)
        }
        // A group keeps its name even when a strict update passes empty values.
        UpdateType::Strict => StrictUpdate {
            texts: &texts,
            kept: &["displayName"],
            active: None,
            account_admin: input.account_admin,
            members: Some(members),
            pass_empty,
        }
        .run(s, Resource::Groups, &input.id),
    }
}

/// A SCIM `roles` list with `account_admin` granted or revoked, other roles kept.
fn with_account_admin(roles: Value, grant: bool) -> Value {
    let mut roles: Vec<Value> = match roles {
        Value::Array(r) => r.into_iter().filter(|r| r["value"] != ACCOUNT_ADMIN).collect(),
        _ => Vec::new(),
    };
    if grant {
        roles.push(json!({"value": ACCOUNT_ADMIN}));
    }
    Value::Array(roles)
}

/// Membership changes are one PATCH each, never read-modify-write, so concurrent
/// flows cannot undo each other's changes.
fn change_membership(s: &Session, input: GroupMemberInput, op: PatchOp) -> Result<GroupMembership, CardError> {
    scim::patch_only::<Value>(s, Resource::Groups, &input.group_id, vec![op])?;
    Ok(GroupMembership { group_id: input.group_id, member_id: input.member_id })
}

pub fn add_group_member(s: &Session, input: GroupMemberInput) -> Result<GroupMembership, CardError> {
    let op = PatchOp::add("members", json!([{"value": input.member_id}]));
    change_membership(s, input, op)
}

pub fn remove_group_member(s: &Session, input: GroupMemberInput) -> Result<GroupMembership, CardError> {
    let op = PatchOp::remove(format!(r#"members[value eq "{}"]"#, input.member_id));
    change_membership(s, input, op)
}

// ---- service principals ----

pub fn create_service_principal(s: &Session, input: CreateServicePrincipalInput) -> Result<ServicePrincipal, CardError> {
    if input.application_id.is_some() && s.cloud() != Cloud::Azure {
        return Err(invalid(
            "application-id",
            "can only be given on Azure (an Entra ID application); Databricks generates it on AWS and GCP",
        ));
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
    let texts = [
        TextField { field: "display-name", path: "displayName", value: input.display_name.as_deref() },
        TextField { field: "external-id", path: "externalId", value: input.external_id.as_deref() },
    ];
    let pass_empty = input.pass_empty_values.unwrap_or(false);
    if input.update_type == Some(UpdateType::Strict) {
        // Like a group, a service principal keeps its display name even when empty values are passed.
        let update = StrictUpdate {
            texts: &texts,
            kept: &["displayName"],
            active: input.active,
            account_admin: input.account_admin,
            members: None,
            pass_empty,
        };
        return update.run(s, Resource::ServicePrincipals, &input.id);
    }
    let mut ops = text_ops(&texts, pass_empty)?;
    ops.extend(input.active.map(active_op));
    ops.extend(input.account_admin.map(account_admin_op));
    scim::patch(s, Resource::ServicePrincipals, &input.id, non_empty(ops)?)
}
