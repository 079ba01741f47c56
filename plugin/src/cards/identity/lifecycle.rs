//! Lifecycle switches of account principals: sign-in on or off (`active`) and the account
//! admin role. Each is one SCIM PATCH, never a read-modify-write, so concurrent flows
//! cannot undo each other.

use super::holds_account_admin;
use crate::client::Session;
use crate::client::scim::{self, Resource, account_admin_op, active_op};
use crate::wit::CardError;
use crate::wit::identity::*;

fn set_active(s: &Session, input: UserIdInput, active: bool) -> Result<User, CardError> {
    scim::patch(s, Resource::Users, &input.id, vec![active_op(active)])
}

pub fn activate_user(s: &Session, input: UserIdInput) -> Result<User, CardError> {
    set_active(s, input, true)
}

pub fn deactivate_user(s: &Session, input: UserIdInput) -> Result<User, CardError> {
    set_active(s, input, false)
}

/// The fields every principal shares, as the admin cards report them.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Principal {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    roles: Vec<Role>,
}

impl scim::ScimRecord for Principal {
    fn scim_id(&self) -> &str {
        ""
    }
}

fn set_account_admin(s: &Session, input: PrincipalInput, grant: bool) -> Result<AccountAdminStatus, CardError> {
    let resource = match input.kind {
        PrincipalKind::User => Resource::Users,
        PrincipalKind::Group => Resource::Groups,
        PrincipalKind::ServicePrincipal => Resource::ServicePrincipals,
    };
    let principal: Principal = scim::patch(s, resource, &input.id, vec![account_admin_op(grant)])?;
    Ok(AccountAdminStatus {
        kind: input.kind,
        id: input.id,
        display_name: principal.display_name,
        is_account_admin: holds_account_admin(&principal.roles),
    })
}

pub fn make_account_admin(s: &Session, input: PrincipalInput) -> Result<AccountAdminStatus, CardError> {
    set_account_admin(s, input, true)
}

pub fn revoke_account_admin(s: &Session, input: PrincipalInput) -> Result<AccountAdminStatus, CardError> {
    set_account_admin(s, input, false)
}
