//! Rotating a service principal's OAuth secret without a gap: the new secret is created
//! and proven (a token minted with it) before the old one is deleted, and it is returned
//! even when a later step fails, because Databricks never shows it again.

use super::{create_service_principal_secret, delete_service_principal_secret};
use crate::cards::Card;
use crate::cards::utility::health::all_secrets;
use crate::client::scim::{self, Resource};
use crate::client::{Session, not_found};
use crate::validate::invalid;
use crate::wit::identity::ServicePrincipal;
use crate::wit::oauth::*;
use crate::wit::{ApiError, CardError};
use std::time::Duration;

/// Databricks' limit of OAuth secrets per service principal.
pub const MAX_SECRETS: usize = 5;

/// Waits between confirmation attempts: a new secret can take a moment to reach the
/// token endpoint, and a confirmation that gives up too early would keep the old secret.
const CONFIRM_WAITS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

fn limit_reached(sp_id: &str, secrets: &[ServicePrincipalSecret]) -> CardError {
    let listed: Vec<String> =
        secrets.iter().map(|x| format!("{} (expires {})", x.id, x.expire_time.as_deref().unwrap_or("never"))).collect();
    CardError::Conflict(ApiError {
        status: 400,
        error_code: Some("QUOTA_EXCEEDED".into()),
        message: format!(
            "service principal {sp_id} already has {} OAuth secrets, Databricks' limit of {MAX_SECRETS}; \
             delete one before rotating: {}",
            secrets.len(),
            listed.join(", ")
        ),
        request_id: None,
    })
}

/// Mints a token with the new secret, retrying briefly while Databricks may not know it yet.
fn confirm(s: &Session, client_id: &str, secret: &str) -> Result<(), CardError> {
    let mut waits = CONFIRM_WAITS.iter();
    loop {
        match s.confirm_client_credentials(client_id, secret) {
            Err(CardError::Unauthenticated(_)) if let Some(wait) = waits.next() => std::thread::sleep(*wait),
            other => return other,
        }
    }
}

pub fn rotate_service_principal_secret(
    s: &Session,
    input: RotateServicePrincipalSecretInput,
) -> Result<RotatedServicePrincipalSecret, CardError> {
    let own = s.identity();
    let sp_id = match input.service_principal_id.or_else(|| own.service_principal_id.clone()) {
        Some(id) => id,
        None => return Err(invalid("service-principal-id", "give it, or set service-principal-id in the connection")),
    };
    // The connection's own ID was checked with the connection; a given one with the input.
    let rotating_own = own.service_principal_id.as_deref() == Some(sp_id.as_str());
    let old_secret_id = input.old_secret_id.or_else(|| rotating_own.then(|| own.secret_id.clone()).flatten());
    let delete_old = input.delete_old.unwrap_or(false);
    if delete_old && old_secret_id.is_none() {
        return Err(invalid("old-secret-id", "is needed with delete-old (or set secret-id in the connection)"));
    }
    let lifetime_days = input.lifetime_days;

    // Everything that can stop the rotation is checked before the new secret exists.
    let secrets = all_secrets(s, &sp_id)?;
    if secrets.len() >= MAX_SECRETS {
        return Err(limit_reached(&sp_id, &secrets));
    }
    if delete_old
        && let Some(old) = &old_secret_id
        && !secrets.iter().any(|x| &x.id == old)
    {
        return Err(not_found(format!("secret {old} is not among service principal {sp_id}'s OAuth secrets; nothing was created")));
    }
    let principal: ServicePrincipal = scim::get(s, Resource::ServicePrincipals, &sp_id)?;
    let client_id = principal.application_id;

    let new_secret =
        create_service_principal_secret(s, CreateServicePrincipalSecretInput { service_principal_id: sp_id.clone(), lifetime_days })?;

    let confirm_error = match &client_id {
        Some(client_id) => confirm(s, client_id, &new_secret.secret).err(),
        None => Some(CardError::Unsupported("the service principal has no application ID to sign in with".into())),
    };
    let confirm_error = confirm_error.map(|error| s.sanitize(error));
    let confirmed = confirm_error.is_none();
    let (deleted_secret_id, delete_error) = match (&old_secret_id, confirmed && delete_old) {
        (Some(old), true) => {
            let delete = DeleteServicePrincipalSecretInput { service_principal_id: sp_id.clone(), secret_id: old.clone() };
            match Card::<_, crate::wit::Deleted>::call(&delete_service_principal_secret, s, delete) {
                Ok(deleted) => (Some(deleted.id), None),
                Err(error) => (None, Some(s.sanitize(error))),
            }
        }
        _ => (None, None),
    };
    Ok(RotatedServicePrincipalSecret { new_secret, client_id, confirmed, confirm_error, deleted_secret_id, delete_error })
}
