//! Connection health: can the connection sign in, is its service principal there, active
//! and an account admin, and when does its OAuth secret expire. Each check is reported on
//! its own, so a flow can alert before a secret expires rather than after it breaks.

use crate::client::scim::{self, Resource};
use crate::client::{Session, not_found};
use crate::time;
use crate::wit::identity::ServicePrincipal;
use crate::wit::oauth::ServicePrincipalSecret;
use crate::wit::utility::*;
use crate::wit::{CardError, TokenPaging};

/// Days before expiry a secret is reported as a warning, unless the input says otherwise.
pub const DEFAULT_WARN_DAYS: u32 = 30;

fn token_check(status: CheckStatus, message: String, error: Option<CardError>) -> TokenCheck {
    TokenCheck { status, message, error }
}

fn principal_check(status: CheckStatus, message: impl Into<String>, error: Option<CardError>) -> PrincipalCheck {
    PrincipalCheck {
        status,
        message: message.into(),
        error,
        id: None,
        application_id: None,
        display_name: None,
        active: None,
        is_account_admin: None,
    }
}

fn secret_check(status: CheckStatus, message: impl Into<String>, error: Option<CardError>) -> SecretCheck {
    SecretCheck { status, message: message.into(), error, secret_id: None, secret_status: None, expire_time: None, days_left: None }
}

/// Signs in: mints (or reuses) an OAuth token, or makes the smallest SCIM call with a SCIM token.
fn check_token(s: &Session) -> TokenCheck {
    // A static or host-refreshed token is only proven by a call that uses it.
    let result = if s.uses_scim_token() || s.uses_u2m() {
        scim::list::<serde_json::Value>(s, Resource::Users, &scim::first(None, 1)).map(drop)
    } else {
        s.sign_in()
    };
    match result {
        Ok(()) if s.uses_scim_token() => token_check(CheckStatus::Passed, "the SCIM token is accepted".into(), None),
        Ok(()) if s.uses_u2m() => token_check(CheckStatus::Passed, "the OAuth access token is accepted".into(), None),
        Ok(()) => token_check(CheckStatus::Passed, "an OAuth token was minted for the client ID".into(), None),
        Err(error) => token_check(CheckStatus::Failed, "the connection cannot sign in".into(), Some(s.sanitize(error))),
    }
}

/// The connection's own service principal: by its configured SCIM ID, else the one whose
/// application ID is the client ID (Databricks-managed principals: they are equal).
pub fn own_principal(s: &Session) -> Result<ServicePrincipal, CardError> {
    let identity = s.identity();
    if let Some(id) = &identity.service_principal_id {
        return scim::get(s, Resource::ServicePrincipals, id);
    }
    let client_id = identity.client_id.as_deref().unwrap_or_default();
    let filter = format!("applicationId eq {}", scim::literal(client_id));
    let page = scim::list::<ServicePrincipal>(s, Resource::ServicePrincipals, &scim::first(Some(filter), 1))?;
    page.resources
        .into_iter()
        .next()
        .ok_or_else(|| not_found(format!("no service principal of the account has the application ID {client_id} (the client ID)")))
}

fn check_principal(s: &Session) -> (PrincipalCheck, Option<String>) {
    if s.uses_scim_token() || s.uses_u2m() {
        return (principal_check(CheckStatus::Skipped, "this connection signs in without a service principal", None), None);
    }
    match own_principal(s) {
        Err(error) => {
            (principal_check(CheckStatus::Failed, "the connection's service principal cannot be read", Some(s.sanitize(error))), None)
        }
        Ok(sp) => {
            let active = sp.active != Some(false);
            let (status, message) = match (active, sp.is_account_admin) {
                (false, _) => (CheckStatus::Failed, "the service principal is deactivated"),
                (true, false) => (CheckStatus::Warning, "the service principal is not an account admin; most account APIs will refuse it"),
                (true, true) => (CheckStatus::Passed, "the service principal is active and an account admin"),
            };
            let id = sp.id.clone();
            let check = PrincipalCheck {
                status,
                message: message.to_string(),
                error: None,
                id: Some(sp.id),
                application_id: sp.application_id,
                display_name: sp.display_name,
                active: Some(active),
                is_account_admin: Some(sp.is_account_admin),
            };
            (check, Some(id))
        }
    }
}

/// Every OAuth secret of a service principal (every page).
pub fn all_secrets(s: &Session, service_principal_id: &str) -> Result<Vec<ServicePrincipalSecret>, CardError> {
    let every_page = TokenPaging { page_token: None, page_size: None, all_pages: Some(true), limit: None };
    Ok(crate::cards::oauth::read_secrets(s, service_principal_id, Some(&every_page))?.items)
}

/// How a secret stands against the clock: the status and message of its check and its days left.
pub fn assess_secret(secret: &ServicePrincipalSecret, now: i64, warn_days: u32) -> (CheckStatus, String, Option<i64>) {
    let id = &secret.id;
    if let Some(status) = secret.status.as_deref().filter(|s| !s.eq_ignore_ascii_case("ACTIVE")) {
        return (CheckStatus::Failed, format!("secret {id} is {status}, not ACTIVE"), None);
    }
    let Some(expire_time) = secret.expire_time.as_deref() else {
        return (CheckStatus::Passed, format!("secret {id} never expires"), None);
    };
    let Some(expiry) = time::parse_rfc3339(expire_time) else {
        return (CheckStatus::Warning, format!("secret {id} has an expiry time that cannot be read: {expire_time}"), None);
    };
    let days = time::days_left(expiry, now);
    let (status, message) = if expiry <= now {
        (CheckStatus::Failed, format!("secret {id} expired on {expire_time}; create a new one"))
    } else if days < i64::from(warn_days) {
        (CheckStatus::Warning, format!("secret {id} expires in {days} days ({expire_time}); rotate it soon"))
    } else {
        (CheckStatus::Passed, format!("secret {id} expires in {days} days ({expire_time})"))
    };
    (status, message, Some(days))
}

/// The configured secret, found among the principal's secrets.
pub fn check_secret(s: &Session, service_principal_id: Option<&str>, warn_days: u32) -> SecretCheck {
    if s.uses_scim_token() || s.uses_u2m() {
        return secret_check(CheckStatus::Skipped, "this connection signs in without a service principal secret", None);
    }
    let Some(secret_id) = s.identity().secret_id.clone() else {
        return secret_check(CheckStatus::Skipped, "the connection names no secret-id; set it to track the secret's expiry", None);
    };
    let Some(sp_id) = service_principal_id else {
        return secret_check(CheckStatus::Skipped, "the service principal is unknown, so its secrets cannot be read", None);
    };
    let secrets = match all_secrets(s, sp_id) {
        Ok(secrets) => secrets,
        Err(error) => return secret_check(CheckStatus::Failed, "the service principal's secrets cannot be read", Some(s.sanitize(error))),
    };
    let Some(secret) = secrets.into_iter().find(|x| x.id == secret_id) else {
        let message =
            format!("secret {secret_id} is not among service principal {sp_id}'s OAuth secrets; check the connection's secret-id");
        return secret_check(CheckStatus::Failed, message.clone(), Some(not_found(message)));
    };
    let (status, message, days_left) = assess_secret(&secret, time::now_unix(), warn_days);
    SecretCheck {
        status,
        message,
        error: None,
        secret_id: Some(secret.id),
        secret_status: secret.status,
        expire_time: secret.expire_time,
        days_left,
    }
}

pub fn check_connection(s: &Session, input: CheckConnectionInput) -> Result<ConnectionHealth, CardError> {
    let warn_days = input.warn_days.unwrap_or(DEFAULT_WARN_DAYS);
    let token = check_token(s);
    let (service_principal, secret) = if token.status == CheckStatus::Failed {
        let skipped = "skipped: the connection cannot sign in";
        (principal_check(CheckStatus::Skipped, skipped, None), secret_check(CheckStatus::Skipped, skipped, None))
    } else {
        let (principal, sp_id) = check_principal(s);
        let sp_id = sp_id.or_else(|| s.identity().service_principal_id.clone());
        (principal, check_secret(s, sp_id.as_deref(), warn_days))
    };
    let statuses = [token.status, service_principal.status, secret.status];
    Ok(ConnectionHealth {
        healthy: !statuses.contains(&CheckStatus::Failed),
        needs_attention: statuses.iter().any(|s| matches!(s, CheckStatus::Failed | CheckStatus::Warning)),
        token,
        service_principal,
        secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(status: Option<&str>, expire_time: Option<&str>) -> ServicePrincipalSecret {
        ServicePrincipalSecret {
            id: "abc".into(),
            status: status.map(str::to_string),
            expire_time: expire_time.map(str::to_string),
            secret_hash: None,
            create_time: None,
            update_time: None,
        }
    }

    const NOW: i64 = 1_795_996_800; // 2026-11-30T00:00:00Z

    #[test]
    fn expiry_arithmetic() {
        let (status, _, days) = assess_secret(&secret(Some("ACTIVE"), Some("2027-01-29T12:00:00Z")), NOW, 30);
        assert_eq!((status, days), (CheckStatus::Passed, Some(60)));
        let (status, message, days) = assess_secret(&secret(Some("ACTIVE"), Some("2026-12-10T06:00:00Z")), NOW, 30);
        assert_eq!((status, days), (CheckStatus::Warning, Some(10)));
        assert!(message.contains("expires in 10 days"), "{message}");
        // 30 days left is not "within 30 days"; 29 days and some hours is.
        assert_eq!(assess_secret(&secret(None, Some("2026-12-30T00:00:00Z")), NOW, 30).0, CheckStatus::Passed);
        assert_eq!(assess_secret(&secret(None, Some("2026-12-29T23:00:00Z")), NOW, 30).0, CheckStatus::Warning);
        let (status, _, days) = assess_secret(&secret(Some("ACTIVE"), Some("2026-11-27T00:00:00Z")), NOW, 30);
        assert_eq!((status, days), (CheckStatus::Failed, Some(-3)));
        assert_eq!(assess_secret(&secret(Some("ACTIVE"), None), NOW, 30).2, None);
        assert_eq!(assess_secret(&secret(Some("REVOKED"), Some("2030-01-01T00:00:00Z")), NOW, 30).0, CheckStatus::Failed);
    }
}
