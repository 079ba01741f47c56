//! Access cards: the account's IP access lists, workspace permission assignments and
//! access-control rule sets (`rule_sets.rs`).

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

mod rule_sets;

pub use rule_sets::{get_rule_set, grant_role, revoke_role, update_rule_set};

use crate::client::{Call, Keep};

pub const list_ip_access_lists: Call =
    Call::get("ip-access-lists").list("ip_access_lists").keep(&[Keep::Same { input: "list_type", item: "list_type" }]);
pub const get_ip_access_list: Call = Call::get("ip-access-lists/{list_id}").answer_in("ip_access_list");
pub const create_ip_access_list: Call = Call::post("ip-access-lists").answer_in("ip_access_list");
pub const delete_ip_access_list: Call = Call::delete("ip-access-lists/{list_id}");
// Databricks answers both writes with nothing: the list is read back for the flow.
pub const update_ip_access_list: Call = Call::patch("ip-access-lists/{list_id}").needs_change().read_back().answer_in("ip_access_list");
pub const replace_ip_access_list: Call = Call::put("ip-access-lists/{list_id}").read_back().answer_in("ip_access_list");

// Databricks answers every assignment at once: the API takes no page size or token.
pub const list_workspace_permission_assignments: Call =
    Call::get("workspaces/{workspace_id}/permissionassignments").list("permission_assignments");
pub const get_workspace_permissions: Call = Call::get("workspaces/{workspace_id}/permissionassignments/permissions");
pub const create_or_update_workspace_permission_assignment: Call =
    Call::put("workspaces/{workspace_id}/permissionassignments/principals/{principal_id}");
pub const delete_workspace_permission_assignment: Call =
    Call::delete("workspaces/{workspace_id}/permissionassignments/principals/{principal_id}");
