//! OAuth cards: service principal secrets.

use crate::client::pages;
use crate::client::{ApiVersion, Method, Request, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::oauth::*;
use crate::wit::{CardError, Deleted};
use serde_json::json;

/// Databricks' longest (and default) secret lifetime.
const MAX_LIFETIME_DAYS: u32 = 730;

#[derive(serde::Deserialize)]
struct SecretsPage {
    #[serde(default)]
    secrets: Vec<ServicePrincipalSecret>,
    #[serde(default)]
    next_page_token: Option<String>,
}

fn secrets_path(service_principal_id: &str) -> String {
    format!("servicePrincipals/{service_principal_id}/credentials/secrets")
}

pub fn list_service_principal_secrets(s: &Session, input: ListServicePrincipalSecretsInput) -> Result<ServicePrincipalSecrets, CardError> {
    validate::scim_id("service-principal-id", &input.service_principal_id)?;
    let path = s.account_path(ApiVersion::V2_0, &secrets_path(&input.service_principal_id));
    let page = pages::read(input.paging.as_ref(), |token, size| {
        let request = Request::new(Method::Get, path.clone()).query("page_size", Some(size)).query("page_token", token);
        let page: SecretsPage = s.send(request)?.json()?;
        Ok((page.secrets, page.next_page_token))
    })?;
    Ok(ServicePrincipalSecrets { secrets: page.items, next_page_token: page.next_page_token })
}

pub fn create_service_principal_secret(s: &Session, input: CreateServicePrincipalSecretInput) -> Result<CreatedServicePrincipalSecret, CardError> {
    validate::scim_id("service-principal-id", &input.service_principal_id)?;
    let days = input.lifetime_days.unwrap_or(MAX_LIFETIME_DAYS);
    if !(1..=MAX_LIFETIME_DAYS).contains(&days) {
        return Err(invalid("lifetime-days", format!("must be between 1 and {MAX_LIFETIME_DAYS}")));
    }
    // Databricks takes the lifetime as a protobuf duration in seconds, e.g. "63072000s".
    let body = json!({"lifetime": format!("{}s", u64::from(days) * 86_400)});
    rest::post(s, ApiVersion::V2_0, &secrets_path(&input.service_principal_id), body)
}

pub fn delete_service_principal_secret(s: &Session, input: DeleteServicePrincipalSecretInput) -> Result<Deleted, CardError> {
    validate::scim_id("service-principal-id", &input.service_principal_id)?;
    validate::name("secret-id", &input.secret_id, 64)?;
    if !input.secret_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(invalid("secret-id", "must be a secret ID as the account console shows it"));
    }
    let path = format!("{}/{}", secrets_path(&input.service_principal_id), input.secret_id);
    rest::delete(s, ApiVersion::V2_0, &path)?;
    Ok(Deleted { id: input.secret_id })
}
