//! Account access control (preview): `GET /api/2.0/preview/accounts/{account_id}/access-control/assignable-roles?resource=…`
//! answers `{"roles": [{"name": "roles/…"}]}` for the account itself, one of its groups or one
//! of its service principals (by application ID), as the SDK's `AccountAccessControlAPI` shows.

use crate::common::{Account, Answer, Params, invalid};
use axum::Json;
use axum::extract::RawQuery;
use axum::response::IntoResponse;
use serde_json::json;

/// Roles assignable on each kind of account resource.
const ACCOUNT_ROLES: &[&str] = &["roles/marketplace.admin", "roles/billing.admin"];
const GROUP_ROLES: &[&str] = &["roles/group.manager"];
const SERVICE_PRINCIPAL_ROLES: &[&str] = &["roles/servicePrincipal.manager", "roles/servicePrincipal.user"];

pub async fn assignable_roles(Account(shared): Account, RawQuery(query): RawQuery) -> Answer {
    let params = Params::parse(query);
    let resource = params.get("resource").ok_or_else(|| invalid("resource is required, e.g. accounts/<ACCOUNT_ID>"))?;
    let account_prefix = format!("accounts/{}", shared.config.account_id);
    let rest = resource.strip_prefix(&account_prefix).ok_or_else(|| invalid(format!("resource {resource} is not in this account")))?;
    let parts: Vec<&str> = rest.split('/').skip(1).collect();
    let roles = match parts.as_slice() {
        [] => ACCOUNT_ROLES,
        ["groups", id] if !id.is_empty() => GROUP_ROLES,
        ["servicePrincipals", id] if !id.is_empty() => SERVICE_PRINCIPAL_ROLES,
        _ => return Err(invalid(format!("resource {resource} is not a resource access control applies to"))),
    };
    let roles: Vec<_> = roles.iter().map(|name| json!({"name": name})).collect();
    Ok(Json(json!({"roles": roles})).into_response())
}
