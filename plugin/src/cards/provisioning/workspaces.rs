//! Workspaces that change: create, update, and waiting for them. Databricks answers a create or
//! an update while it still provisions the workspace (minutes, `PROVISIONING`), so these cards
//! return at once, or wait as long as asked and the run allows (`client::wait`), and say whether
//! the work is finished.

use crate::cards::Card;
use crate::client::wait::{self, Progress, Waited};
use crate::client::{Call, Session};
use crate::validate::invalid;
use crate::wit::provisioning::*;
use crate::wit::{ApiError, CardError, Cloud, spelling};
use serde_json::{Map, Value, json};
use std::time::Duration;

const POST: Call = Call::post("workspaces");
// The body holds only the fields given, and the mask names exactly them.
const PATCH: Call = Call::patch("workspaces/{workspace_id}").masked("update_mask").needs_change();
const GET: Call = Call::get("workspaces/{workspace_id}");

pub fn create_workspace(s: &Session, input: CreateWorkspaceInput) -> Result<WorkspaceProgress, CardError> {
    let wait = input.wait;
    let created: Workspace = POST.call(s, create_body(s, input)?)?;
    settle(s, created, wait)
}

pub fn update_workspace(s: &Session, input: UpdateWorkspaceInput) -> Result<WorkspaceProgress, CardError> {
    let wait = input.wait;
    let mut fields = record(&input)?;
    fields.remove("wait");
    let updated: Workspace = PATCH.call(s, fields)?;
    settle(s, updated, wait)
}

pub fn wait_for_workspace(s: &Session, input: WaitForWorkspaceInput) -> Result<WorkspaceProgress, CardError> {
    let timeout = input.timeout_seconds.map(|seconds| Duration::from_secs(seconds.into()));
    let waited = wait::until(s, timeout, None, || read(s, input.workspace_id), progress)?;
    Ok(report(waited))
}

/// The create's body as Databricks takes it: the region as `aws_region` or `location`, the
/// cloud's configurations at the top (GCP's project in `cloud_resource_container`).
fn create_body(s: &Session, input: CreateWorkspaceInput) -> Result<Map<String, Value>, CardError> {
    let serverless = matches!(input.compute_mode, Some(ComputeMode::Serverless));
    let gcp = s.cloud() == Cloud::Gcp;
    match (&input.aws, &input.gcp) {
        (Some(_), _) if gcp => return Err(invalid("aws", "is for AWS accounts; a GCP workspace takes `gcp`")),
        (_, Some(_)) if !gcp => return Err(invalid("gcp", "is for GCP accounts; an AWS workspace takes `aws`")),
        (_, None) if gcp => return Err(invalid("gcp", "a GCP workspace needs its project")),
        (None, _) if !gcp && !serverless => {
            return Err(invalid("aws", "a classic workspace needs its credential and storage configurations (or compute-mode serverless)"));
        }
        _ => {}
    }
    if let Some(aws) = input.aws.as_ref().filter(|_| !serverless) {
        if aws.credentials_id.is_none() {
            return Err(invalid("aws.credentials-id", "is required for a classic (hybrid) workspace"));
        }
        if aws.storage_configuration_id.is_none() {
            return Err(invalid("aws.storage-configuration-id", "is required for a classic (hybrid) workspace"));
        }
    }
    let mut body = record(&input)?;
    for moved in ["wait", "aws", "gcp", "region"] {
        body.remove(moved);
    }
    body.insert(if gcp { "location" } else { "aws_region" }.into(), json!(input.region));
    if let Some(Value::Object(parts)) = input.aws.as_ref().map(json_of).transpose()? {
        body.extend(parts);
    }
    if let Some(Value::Object(mut parts)) = input.gcp.as_ref().map(json_of).transpose()? {
        body.insert("cloud_resource_container".into(), json!({"gcp": {"project_id": parts.remove("project_id")}}));
        if let Some(network) = parts.remove("managed_network") {
            body.insert("gcp_managed_network_config".into(), network);
        }
        body.extend(parts);
    }
    Ok(body)
}

/// The workspace as the create or update left it, waited for when asked.
fn settle(s: &Session, workspace: Workspace, wait: Option<u32>) -> Result<WorkspaceProgress, CardError> {
    let id = workspace.workspace_id;
    let waited = match wait {
        None => Waited::at_once(workspace, &progress),
        Some(seconds) => wait::until(s, Some(Duration::from_secs(seconds.into())), Some(workspace), || read(s, id), progress)?,
    };
    Ok(report(waited))
}

fn read(s: &Session, workspace_id: i64) -> Result<Workspace, CardError> {
    GET.call(s, json!({"workspace_id": workspace_id}))
}

/// Running is the goal; failed and banned are ends a wait cannot get past.
fn progress(workspace: &Workspace) -> Progress {
    match &workspace.workspace_status {
        Some(WorkspaceStatus::Running) => Progress::Finished,
        Some(status @ (WorkspaceStatus::Failed | WorkspaceStatus::Banned)) => Progress::Failed(failure(workspace, status)),
        status => Progress::Going { what: "workspace", status: status.as_ref().map_or_else(|| "UNKNOWN".to_string(), spelling) },
    }
}

/// The error of a workspace that ended failed or banned: Databricks' status message, and what
/// can be done about a workspace that exists.
fn failure(workspace: &Workspace, status: &WorkspaceStatus) -> CardError {
    let state = spelling(status);
    let why = workspace.workspace_status_message.as_deref().unwrap_or("Databricks gave no reason");
    CardError::Upstream(ApiError {
        status: 200,
        error_code: Some(format!("WORKSPACE_{state}")),
        message: format!(
            "workspace {} is {state}, not RUNNING: {why} (it exists: fix it with update-workspace or remove it with delete-workspace)",
            workspace.workspace_id
        ),
        request_id: None,
    })
}

fn report(waited: Waited<Workspace>) -> WorkspaceProgress {
    let state = waited.last.workspace_status.as_ref().map_or_else(|| "without a status".to_string(), spelling);
    let message =
        waited.describe(&format!("workspace {}", waited.last.workspace_id), &state, "RUNNING", "wait for it with wait-for-workspace");
    WorkspaceProgress {
        done: waited.done,
        waited_seconds: waited.waited_seconds(),
        wait_shortened_to_seconds: waited.shortened_to_seconds(),
        message,
        read_error: waited.read_error,
        workspace: waited.last,
    }
}

fn json_of<T: serde::Serialize>(value: &T) -> Result<Value, CardError> {
    serde_json::to_value(value).map_err(|e| CardError::Unsupported(format!("this card's input cannot be written as JSON: {e}")))
}

/// An input record as its JSON fields.
fn record<T: serde::Serialize>(value: &T) -> Result<Map<String, Value>, CardError> {
    match json_of(value)? {
        Value::Object(fields) => Ok(fields),
        _ => Err(CardError::Unsupported("this card's input is not a record".into())),
    }
}
