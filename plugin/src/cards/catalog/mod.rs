//! Unity Catalog cards: metastores, their workspace assignments, and their storage credentials
//! (`storage_credentials.rs`).

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

mod storage_credentials;

pub use storage_credentials::*;

use crate::client::{ApiVersion, Call, Keep, Session, rest};
use crate::wit::CardError;
use crate::wit::catalog::*;

pub const list_metastores: Call = Call::get("metastores").list("metastores").keep(&[Keep::Same { input: "region", item: "region" }]);
pub const get_metastore: Call = Call::get("metastores/{metastore_id}").answer_in("metastore_info");
pub const create_metastore: Call = Call::post("metastores").body_in("metastore_info").answer_in("metastore_info");
// Only the given fields go in the body, so the PUT changes nothing else.
pub const update_metastore: Call =
    Call::put("metastores/{metastore_id}").body_in("metastore_info").answer_in("metastore_info").needs_change();
pub const delete_metastore: Call = Call::delete("metastores/{metastore_id}");
pub const list_metastore_workspace_assignments: Call = Call::get("metastores/{metastore_id}/workspaces");
pub const get_workspace_metastore: Call = Call::get("workspaces/{workspace_id}/metastore").answer_in("metastore_assignment");
// Databricks repeats the path's IDs in the body and answers with nothing: the card returns its input.
pub const assign_metastore_to_workspace: Call =
    Call::post("workspaces/{workspace_id}/metastores/{metastore_id}").path_in_body().body_in("metastore_assignment").echo();
pub const update_metastore_assignment: Call =
    Call::put("workspaces/{workspace_id}/metastores/{metastore_id}").path_in_body().body_in("metastore_assignment").needs_change().echo();

/// The input's default catalog is for assigning only, so neither sent nor returned here.
pub fn delete_metastore_from_workspace(s: &Session, input: WorkspaceMetastore) -> Result<MetastoreAssignment, CardError> {
    rest::delete(s, ApiVersion::V2_0, &format!("workspaces/{}/metastores/{}", input.workspace_id, input.metastore_id))?;
    Ok(MetastoreAssignment { workspace_id: input.workspace_id, metastore_id: input.metastore_id, default_catalog_name: None })
}
