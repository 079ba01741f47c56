//! Access cards: the account's IP access lists.

use crate::client::{ApiVersion, Method, Request, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::access::*;
use crate::wit::{CardError, Deleted};
use serde_json::json;

/// Databricks refuses more entries with `QUOTA_EXCEEDED`; checking first saves the request.
const MAX_ENTRIES: usize = 1000;
const MAX_LABEL: usize = 256;

#[derive(serde::Deserialize)]
struct ListAnswer {
    #[serde(default)]
    ip_access_lists: Vec<IpAccessList>,
}

#[derive(serde::Deserialize)]
struct OneAnswer {
    ip_access_list: IpAccessList,
}

fn list_path(id: Option<&str>) -> String {
    id.map_or_else(|| "ip-access-lists".to_string(), |id| format!("ip-access-lists/{id}"))
}

pub fn list_ip_access_lists(s: &Session, input: ListIpAccessListsInput) -> Result<IpAccessLists, CardError> {
    let answer: ListAnswer = rest::get(s, ApiVersion::V2_0, &list_path(None))?;
    let lists = answer.ip_access_lists.into_iter().filter(|l| input.list_type.is_none_or(|wanted| l.list_type == Some(wanted))).collect();
    Ok(IpAccessLists { lists })
}

pub fn get_ip_access_list(s: &Session, input: IpAccessListId) -> Result<IpAccessList, CardError> {
    validate::uuid("list-id", &input.list_id)?;
    rest::get::<OneAnswer>(s, ApiVersion::V2_0, &list_path(Some(&input.list_id))).map(|a| a.ip_access_list)
}

pub fn create_ip_access_list(s: &Session, input: CreateIpAccessListInput) -> Result<IpAccessList, CardError> {
    validate::name("label", &input.label, MAX_LABEL)?;
    if input.ip_addresses.is_empty() || input.ip_addresses.len() > MAX_ENTRIES {
        return Err(invalid("ip-addresses", format!("must hold 1 to {MAX_ENTRIES} addresses or CIDR blocks")));
    }
    for address in &input.ip_addresses {
        validate::ipv4_or_cidr("ip-addresses", address)?;
    }
    let body = json!({"label": input.label, "list_type": input.list_type, "ip_addresses": input.ip_addresses});
    rest::post::<OneAnswer>(s, ApiVersion::V2_0, &list_path(None), body).map(|a| a.ip_access_list)
}

pub fn delete_ip_access_list(s: &Session, input: IpAccessListId) -> Result<Deleted, CardError> {
    validate::uuid("list-id", &input.list_id)?;
    rest::delete(s, ApiVersion::V2_0, &list_path(Some(&input.list_id)))?;
    Ok(Deleted { id: input.list_id })
}

#[derive(serde::Deserialize)]
struct AssignmentsPage {
    #[serde(default)]
    permission_assignments: Vec<PermissionAssignment>,
    #[serde(default)]
    next_page_token: Option<String>,
}

fn positive(field: &str, value: i64) -> Result<(), CardError> {
    if value > 0 { Ok(()) } else { Err(invalid(field, "must be a positive ID")) }
}

fn principal_path(workspace_id: i64, principal_id: i64) -> String {
    format!("workspaces/{workspace_id}/permissionassignments/principals/{principal_id}")
}

pub fn list_workspace_permission_assignments(
    s: &Session,
    input: ListWorkspacePermissionAssignmentsInput,
) -> Result<PermissionAssignments, CardError> {
    positive("workspace-id", input.workspace_id)?;
    let path = s.account_path(ApiVersion::V2_0, &format!("workspaces/{}/permissionassignments", input.workspace_id));
    // The SDKs read one page and drop next_page_token; this follows it when asked.
    let page = crate::client::pages::read(input.paging.as_ref(), |token, size| {
        let request = Request::new(Method::Get, path.clone()).query("max_results", Some(size)).query("page_token", token);
        let page: AssignmentsPage = s.send(request)?.json()?;
        Ok((page.permission_assignments, page.next_page_token))
    })?;
    Ok(PermissionAssignments { assignments: page.items, next_page_token: page.next_page_token })
}

pub fn create_or_update_workspace_permission_assignment(
    s: &Session,
    input: WorkspacePermissionInput,
) -> Result<PermissionAssignment, CardError> {
    positive("workspace-id", input.workspace_id)?;
    positive("principal-id", input.principal_id)?;
    if input.permissions.is_empty() {
        return Err(invalid(
            "permissions",
            "give at least one permission; an empty list would remove them all (use delete-workspace-permission-assignment)",
        ));
    }
    let body = json!({"permissions": input.permissions});
    rest::put(s, ApiVersion::V2_0, &principal_path(input.workspace_id, input.principal_id), body)
}

pub fn delete_workspace_permission_assignment(s: &Session, input: WorkspacePrincipalInput) -> Result<Deleted, CardError> {
    positive("workspace-id", input.workspace_id)?;
    positive("principal-id", input.principal_id)?;
    rest::delete(s, ApiVersion::V2_0, &principal_path(input.workspace_id, input.principal_id))?;
    Ok(Deleted { id: input.principal_id.to_string() })
}
