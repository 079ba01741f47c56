//! The unified IAM cards: the account's identities in one normalized model (StackOne's),
//! mapped from SCIM, workspaces and access-control roles as `wit/unified.wit` documents.

use super::utility::health;
use crate::client::scim::{self, Resource};
use crate::client::{ApiVersion, Session, not_found, rest};
use crate::clouds::cloud_name;
use crate::validate::{self, invalid};
use crate::wit::identity::{Group, PrincipalRef, Role, User};
use crate::wit::provisioning::Workspace;
use crate::wit::unified::*;
use crate::wit::{CardError, ScimListInput};

fn status(active: Option<bool>) -> UnifiedStatus {
    // Databricks treats a principal without `active` as active.
    if active == Some(false) { UnifiedStatus::Inactive } else { UnifiedStatus::Active }
}

fn role_ids(roles: Vec<Role>) -> Vec<String> {
    roles.into_iter().map(|r| r.value).collect()
}

fn user(u: User) -> UnifiedUser {
    let (first_name, last_name) = u.name.map(|n| (n.given_name, n.family_name)).unwrap_or_default();
    UnifiedUser {
        id: u.id,
        user_name: u.user_name,
        display_name: u.display_name,
        first_name,
        last_name,
        primary_email: u.primary_email,
        emails: u.emails.into_iter().map(|e| e.value).collect(),
        status: status(u.active),
        roles: role_ids(u.roles),
        groups: u.groups.into_iter().map(|g| UnifiedRef { id: g.value, name: g.display }).collect(),
    }
}

fn member(m: PrincipalRef) -> UnifiedMember {
    UnifiedMember { id: m.value, name: m.display, kind: m.kind }
}

fn group(g: Group) -> UnifiedGroup {
    UnifiedGroup { id: g.id, name: g.display_name, members: g.members.into_iter().map(member).collect(), roles: role_ids(g.roles) }
}

pub fn unified_list_users(s: &Session, input: ScimListInput) -> Result<UnifiedUsers, CardError> {
    let page = scim::list::<User>(s, Resource::Users, &input)?;
    Ok(UnifiedUsers {
        users: page.resources.into_iter().map(user).collect(),
        total_results: page.total_results,
        next_start_index: page.next_start_index,
    })
}

pub fn unified_get_user(s: &Session, input: UnifiedIdInput) -> Result<UnifiedUser, CardError> {
    validate::scim_id("id", &input.id)?;
    scim::get(s, Resource::Users, &input.id).map(user)
}

pub fn unified_list_groups(s: &Session, input: UnifiedListGroupsInput) -> Result<UnifiedGroups, CardError> {
    let list = input.list.unwrap_or_else(|| scim::first(None, scim::MAX_PAGE));
    let page = scim::list::<Group>(s, Resource::Groups, &list)?;
    let mut groups = Vec::with_capacity(page.resources.len());
    for g in page.resources {
        // Databricks' group list leaves members out: read each group for them.
        let g = if input.include_members == Some(true) { scim::get(s, Resource::Groups, &g.id)? } else { g };
        groups.push(group(g));
    }
    Ok(UnifiedGroups { groups, total_results: page.total_results, next_start_index: page.next_start_index })
}

pub fn unified_get_group(s: &Session, input: UnifiedIdInput) -> Result<UnifiedGroup, CardError> {
    validate::scim_id("id", &input.id)?;
    scim::get(s, Resource::Groups, &input.id).map(group)
}

fn account(s: &Session) -> UnifiedOrganization {
    UnifiedOrganization {
        id: s.account_id().to_string(),
        name: format!("Databricks account {}", s.account_id()),
        kind: OrganizationKind::Account,
        parent_id: None,
        cloud: cloud_name(s.cloud()).to_string(),
        region: None,
        status: None,
    }
}

fn workspace(s: &Session, w: Workspace) -> UnifiedOrganization {
    UnifiedOrganization {
        id: w.workspace_id.to_string(),
        name: w.workspace_name.unwrap_or_else(|| w.workspace_id.to_string()),
        kind: OrganizationKind::Workspace,
        parent_id: Some(s.account_id().to_string()),
        cloud: w.cloud.unwrap_or_else(|| cloud_name(s.cloud()).to_string()),
        region: w.aws_region.or(w.location),
        status: w.workspace_status.as_ref().map(crate::wit::spelling),
    }
}

/// Whether the account API lists this cloud's workspaces (`list-workspaces`' clouds: on Azure
/// they live in Azure Resource Manager).
fn lists_workspaces(s: &Session) -> bool {
    s.allows(crate::gates::LIST_WORKSPACES)
}

pub fn unified_list_organizations(s: &Session, input: UnifiedListOrganizationsInput) -> Result<UnifiedOrganizations, CardError> {
    let mut organizations = vec![account(s)];
    if input.include_workspaces.unwrap_or(true) && lists_workspaces(s) {
        let workspaces: Vec<Workspace> = rest::get_list(s, ApiVersion::V2_0, "workspaces", "workspaces")?;
        organizations.extend(workspaces.into_iter().map(|w| workspace(s, w)));
    }
    Ok(UnifiedOrganizations { organizations })
}

pub fn unified_get_organization(s: &Session, input: UnifiedIdInput) -> Result<UnifiedOrganization, CardError> {
    if input.id == s.account_id() {
        return Ok(account(s));
    }
    let workspace_id: i64 = match input.id.parse() {
        Ok(id) if id > 0 => id,
        _ => return Err(invalid("id", "must be this connection's account ID or a workspace ID (a positive number)")),
    };
    s.require(crate::gates::GET_WORKSPACE)?;
    let w: Workspace = rest::get(s, ApiVersion::V2_0, &format!("workspaces/{workspace_id}"))?;
    Ok(workspace(s, w))
}

/// The roles every account has: the SCIM admin role and the two workspace permissions.
fn fixed_roles() -> Vec<UnifiedRole> {
    let role = |id: &str, name: &str, description: &str, kind| UnifiedRole {
        id: id.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        kind,
    };
    vec![
        role(
            "account_admin",
            "account_admin",
            "Account admin: manages the account's identities, workspaces, billing and settings.",
            RoleKind::Account,
        ),
        role("workspace:USER", "USER", "Workspace user: may use the workspaces it is assigned to.", RoleKind::Workspace),
        role("workspace:ADMIN", "ADMIN", "Workspace admin: manages the workspaces it is assigned to.", RoleKind::Workspace),
    ]
}

#[derive(serde::Deserialize)]
struct AssignableRoles {
    #[serde(default)]
    roles: Vec<AssignableRole>,
}

#[derive(serde::Deserialize)]
struct AssignableRole {
    name: String,
}

/// The account's access-control roles (`roles/servicePrincipal.manager`, ...).
fn access_control_roles(s: &Session) -> Result<Vec<UnifiedRole>, CardError> {
    let resource = format!("accounts/{}", s.account_id());
    let path = format!("/api/2.0/preview/accounts/{}/access-control/assignable-roles", s.account_id());
    let request = crate::client::Request::new(crate::client::Method::Get, path).query("resource", Some(resource));
    let roles: AssignableRoles = s.send(request)?.json()?;
    Ok(roles
        .roles
        .into_iter()
        .map(|r| UnifiedRole {
            description: format!("Access-control role {} on the account's resources.", r.name),
            id: r.name.clone(),
            name: r.name,
            kind: RoleKind::AccessControl,
        })
        .collect())
}

pub fn unified_list_roles(s: &Session, input: UnifiedListRolesInput) -> Result<UnifiedRoles, CardError> {
    let mut roles = fixed_roles();
    if input.include_access_control.unwrap_or(true) {
        roles.extend(access_control_roles(s)?);
    }
    Ok(UnifiedRoles { roles })
}

pub fn unified_get_role(s: &Session, input: UnifiedIdInput) -> Result<UnifiedRole, CardError> {
    if input.id.trim().is_empty() {
        return Err(invalid("id", "is required"));
    }
    if let Some(role) = fixed_roles().into_iter().find(|r| r.id == input.id) {
        return Ok(role);
    }
    let found = access_control_roles(s)?.into_iter().find(|r| r.id == input.id);
    found.ok_or_else(|| not_found(format!("the account has no role {}", input.id)))
}

pub fn unified_get_me(s: &Session, input: UnifiedGetMeInput) -> Result<UnifiedMe, CardError> {
    let warn_days = input.warn_days.unwrap_or(health::DEFAULT_WARN_DAYS);
    if s.uses_scim_token() || s.uses_u2m() {
        // No service principal behind these, and the account API has no `/Me` for a person.
        return Ok(UnifiedMe {
            auth_method: if s.uses_u2m() { "oauth-u2m" } else { "scim-token" }.into(),
            id: None,
            application_id: None,
            display_name: None,
            status: None,
            roles: Vec::new(),
            secret: health::check_secret(s, None, warn_days),
        });
    }
    let sp = health::own_principal(s)?;
    let secret = health::check_secret(s, Some(&sp.id), warn_days);
    Ok(UnifiedMe {
        auth_method: "oauth-m2m".into(),
        id: Some(sp.id),
        application_id: sp.application_id,
        display_name: sp.display_name,
        status: Some(status(sp.active)),
        roles: role_ids(sp.roles),
        secret,
    })
}
