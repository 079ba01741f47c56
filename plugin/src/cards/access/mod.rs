//! Access cards: the account's IP access lists and workspace permission assignments.

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

use crate::client::{Call, Keep};

pub const list_ip_access_lists: Call =
    Call::get("ip-access-lists").list("ip_access_lists").keep(&[Keep::Same { input: "list_type", item: "list_type" }]);
pub const get_ip_access_list: Call = Call::get("ip-access-lists/{list_id}").answer_in("ip_access_list");
pub const create_ip_access_list: Call = Call::post("ip-access-lists").answer_in("ip_access_list");
pub const delete_ip_access_list: Call = Call::delete("ip-access-lists/{list_id}");

// Databricks answers every assignment at once: the API takes no page size or token.
pub const list_workspace_permission_assignments: Call =
    Call::get("workspaces/{workspace_id}/permissionassignments").list("permission_assignments");
pub const get_workspace_permissions: Call = Call::get("workspaces/{workspace_id}/permissionassignments/permissions");
pub const create_or_update_workspace_permission_assignment: Call =
    Call::put("workspaces/{workspace_id}/permissionassignments/principals/{principal_id}");
pub const delete_workspace_permission_assignment: Call =
    Call::delete("workspaces/{workspace_id}/permissionassignments/principals/{principal_id}");
