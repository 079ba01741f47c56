//! The triggers whose cursor holds what they report on exactly: each workspace's status (an
//! account has tens or hundreds of workspaces), and the secrets already reported as expiring or
//! expired (only those in the window, at most 5 per service principal). Their payload is JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cursor::Scope;
use crate::cards::Card;
use crate::cards::provisioning::list_workspaces;
use crate::cards::utility::health::all_secrets;
use crate::client::Session;
use crate::client::scim::{self, Resource};
use crate::time;
use crate::wit::CardError;
use crate::wit::identity::ServicePrincipal;
use crate::wit::provisioning::{ListWorkspacesInput, WorkspaceStatus, Workspaces};
use crate::wit::triggers::*;

/// A cursor's JSON payload, read before any request.
fn payload_in<T: for<'de> Deserialize<'de>>(scope: &Scope, cursor: Option<&str>) -> Result<Option<T>, CardError> {
    scope.read(cursor, |bytes| serde_json::from_slice(bytes).ok())
}

fn sealed(scope: &Scope, payload: &impl Serialize) -> String {
    scope.seal(&serde_json::to_vec(payload).unwrap_or_default())
}

/// Each workspace's status by ID.
type Statuses = BTreeMap<i64, Option<WorkspaceStatus>>;

pub fn poll_workspace_changes(s: &Session, input: PollInput) -> Result<WorkspaceChanges, CardError> {
    let scope = Scope::new(s, "poll-workspace-changes", "");
    let before: Option<Statuses> = payload_in(&scope, input.cursor.as_deref())?;
    let listed: Workspaces = list_workspaces.call(s, ListWorkspacesInput { workspace_status: None })?;
    let workspaces = listed.workspaces;
    let now: Statuses = workspaces.iter().map(|w| (w.workspace_id, w.workspace_status.clone())).collect();
    let next_cursor = sealed(&scope, &now);
    let Some(before) = before else {
        return Ok(WorkspaceChanges { changes: Vec::new(), next_cursor, baseline: true });
    };
    let mut changes = Vec::new();
    for workspace in workspaces {
        let (kind, previous_status) = match before.get(&workspace.workspace_id) {
            None => (WorkspaceChangeKind::Created, None),
            Some(previous) if *previous != workspace.workspace_status => (WorkspaceChangeKind::StatusChanged, previous.clone()),
            Some(_) => continue,
        };
        changes.push(WorkspaceChange { kind, workspace_id: workspace.workspace_id, previous_status, workspace: Some(workspace) });
    }
    for (workspace_id, previous_status) in before.into_iter().filter(|(id, _)| !now.contains_key(id)) {
        changes.push(WorkspaceChange { kind: WorkspaceChangeKind::Deleted, workspace_id, previous_status, workspace: None });
    }
    Ok(WorkspaceChanges { changes, next_cursor, baseline: false })
}

/// Databricks' default for the window of an expiring secret, as the health check uses.
const DEFAULT_WITHIN_DAYS: u32 = 30;

/// The state each secret in the window was last reported in, by `<service principal>/<secret>`.
type Reported = BTreeMap<String, SecretExpiryState>;

pub fn poll_expiring_secrets(s: &Session, input: PollExpiringSecretsInput) -> Result<ExpiringSecrets, CardError> {
    let within_days = input.within_days.unwrap_or(DEFAULT_WITHIN_DAYS);
    let scope = Scope::new(s, "poll-expiring-secrets", &within_days.to_string());
    let before: Option<Reported> = payload_in(&scope, input.cursor.as_deref())?;
    // Every service principal, with the fields a reported secret names.
    let listed = scim::every_page(&["id", "displayName", "applicationId"]);
    let principals = scim::list::<ServicePrincipal>(s, Resource::ServicePrincipals, &listed)?.resources;
    let now = time::now_unix();
    let (mut secrets, mut in_window, mut total) = (Vec::new(), Reported::new(), 0u32);
    for principal in principals {
        let listed = match all_secrets(s, &principal.id) {
            Ok(listed) => listed,
            // Deleted between the list and now: its secrets are gone with it.
            Err(CardError::NotFound(_)) => continue,
            Err(error) => return Err(error),
        };
        total = total.saturating_add(listed.len() as u32);
        for secret in listed {
            let Some(expiry) = secret.expire_time.as_deref().and_then(time::parse_rfc3339) else { continue };
            let days_left = time::days_left(expiry, now);
            let state = match () {
                _ if expiry <= now => SecretExpiryState::Expired,
                _ if days_left < i64::from(within_days) => SecretExpiryState::Expiring,
                _ => continue,
            };
            let key = format!("{}/{}", principal.id, secret.id);
            let reported = before.as_ref().and_then(|b| b.get(&key));
            in_window.insert(key, state);
            if before.is_some() && reported != Some(&state) {
                secrets.push(ExpiringSecret {
                    state,
                    service_principal_id: principal.id.clone(),
                    service_principal_name: principal.display_name.clone(),
                    application_id: principal.application_id.clone(),
                    secret,
                    days_left,
                });
            }
        }
    }
    Ok(ExpiringSecrets { secrets, next_cursor: sealed(&scope, &in_window), baseline: before.is_none(), total })
}
