//! OAuth cards: service principal secrets.

use crate::client::pages::{self, TokenPage};
use crate::client::{ApiVersion, Method, Request, Session, rest};
use crate::validate::{self, invalid};
use crate::wit::oauth::*;
use crate::wit::{CardError, Deleted, TokenPaging};
use serde_json::json;

/// Databricks' longest (and default) secret lifetime.
pub const MAX_LIFETIME_DAYS: u32 = 730;

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

/// Reads a service principal's secrets: one page, or every page as `paging` says.
pub fn read_secrets(
    s: &Session,
    service_principal_id: &str,
    paging: Option<&TokenPaging>,
) -> Result<TokenPage<ServicePrincipalSecret>, CardError> {
    let path = s.account_path(ApiVersion::V2_0, &secrets_path(service_principal_id));
    pages::read(paging, |token, size| {
        let request = Request::new(Method::Get, path.clone()).query("page_size", Some(size)).query("page_token", token);
        let page: SecretsPage = s.send(request)?.json()?;
        Ok((page.secrets, page.next_page_token))
    })
}

pub fn list_service_principal_secrets(s: &Session, input: ListServicePrincipalSecretsInput) -> Result<ServicePrincipalSecrets, CardError> {
    validate::scim_id("service-principal-id", &input.service_principal_id)?;
    let page = read_secrets(s, &input.service_principal_id, input.paging.as_ref())?;
    Ok(ServicePrincipalSecrets { secrets: page.items, next_page_token: page.next_page_token })
}

pub fn create_service_principal_secret(
    s: &Session,
    input: CreateServicePrincipalSecretInput,
) -> Result<CreatedServicePrincipalSecret, CardError> {
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
    validate::secret_id("secret-id", &input.secret_id)?;
    let path = format!("{}/{}", secrets_path(&input.service_principal_id), input.secret_id);
    rest::delete(s, ApiVersion::V2_0, &path)?;
    Ok(Deleted { id: input.secret_id })
}

/// Scopes a custom app may ask for (Databricks' list).
const APP_SCOPES: &[&str] = &["all-apis", "sql", "offline_access", "openid", "profile", "email"];
const APPS_PATH: &str = "oauth2/custom-app-integrations";

#[derive(serde::Deserialize)]
struct AppsPage {
    #[serde(default)]
    apps: Vec<CustomAppIntegration>,
    #[serde(default)]
    next_page_token: Option<String>,
}

fn integration_id(value: &str) -> Result<(), CardError> {
    validate::name("integration-id", value, 64)?;
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(())
    } else {
        Err(invalid("integration-id", "must be an integration ID as the account console shows it"))
    }
}

fn redirect_urls(urls: &[String]) -> Result<(), CardError> {
    for url in urls {
        let ok = url.parse::<http::Uri>().is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some());
        if !ok {
            return Err(invalid("redirect-urls", format!("{url:?} is not an http(s) URL")));
        }
    }
    Ok(())
}

fn scopes(scopes: &[String]) -> Result<(), CardError> {
    match scopes.iter().find(|s| !APP_SCOPES.contains(&s.as_str())) {
        Some(bad) => Err(invalid("scopes", format!("{bad:?} is not one of {}", APP_SCOPES.join(", ")))),
        None => Ok(()),
    }
}

/// The policy as Databricks takes it: ranges checked, unset fields left out.
fn token_policy(policy: &TokenAccessPolicy) -> Result<serde_json::Value, CardError> {
    validate::range("token-access-policy.access-token-ttl-in-minutes", policy.access_token_ttl_in_minutes, 5, 1440)?;
    validate::range("token-access-policy.refresh-token-ttl-in-minutes", policy.refresh_token_ttl_in_minutes, 5, 129_600)?;
    let mut value = serde_json::to_value(policy).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null());
    }
    Ok(value)
}

pub fn list_custom_app_integrations(s: &Session, input: ListCustomAppIntegrationsInput) -> Result<CustomAppIntegrations, CardError> {
    let path = s.account_path(ApiVersion::V2_0, APPS_PATH);
    let page = pages::read(input.paging.as_ref(), |token, size| {
        let request = Request::new(Method::Get, path.clone()).query("page_size", Some(size)).query("page_token", token);
        let page: AppsPage = s.send(request)?.json()?;
        Ok((page.apps, page.next_page_token))
    })?;
    Ok(CustomAppIntegrations { apps: page.items, next_page_token: page.next_page_token })
}

pub fn get_custom_app_integration(s: &Session, input: CustomAppIntegrationId) -> Result<CustomAppIntegration, CardError> {
    integration_id(&input.integration_id)?;
    rest::get(s, ApiVersion::V2_0, &format!("{APPS_PATH}/{}", input.integration_id))
}

pub fn create_custom_app_integration(
    s: &Session,
    input: CreateCustomAppIntegrationInput,
) -> Result<CreatedCustomAppIntegration, CardError> {
    validate::name("name", &input.name, 256)?;
    if input.redirect_urls.is_empty() {
        return Err(invalid("redirect-urls", "give at least one redirect URL"));
    }
    redirect_urls(&input.redirect_urls)?;
    let app_scopes = input.scopes.unwrap_or_else(|| vec!["all-apis".to_string()]);
    scopes(&app_scopes)?;
    let mut body =
        json!({"name": input.name, "redirect_urls": input.redirect_urls, "confidential": input.confidential, "scopes": app_scopes});
    if let Some(policy) = &input.token_access_policy {
        body["token_access_policy"] = token_policy(policy)?;
    }
    rest::post(s, ApiVersion::V2_0, APPS_PATH, body)
}

pub fn update_custom_app_integration(s: &Session, input: UpdateCustomAppIntegrationInput) -> Result<CustomAppIntegration, CardError> {
    integration_id(&input.integration_id)?;
    let mut body = serde_json::Map::new();
    if let Some(urls) = &input.redirect_urls {
        redirect_urls(urls)?;
        body.insert("redirect_urls".into(), json!(urls));
    }
    if let Some(app_scopes) = &input.scopes {
        scopes(app_scopes)?;
        body.insert("scopes".into(), json!(app_scopes));
    }
    if let Some(policy) = &input.token_access_policy {
        body.insert("token_access_policy".into(), token_policy(policy)?);
    }
    if body.is_empty() {
        return Err(invalid("integration-id", "give at least one field to change besides integration-id"));
    }
    let path = format!("{APPS_PATH}/{}", input.integration_id);
    // Databricks answers the PATCH with nothing; the app is read back for the flow.
    s.send(Request::new(Method::Patch, s.account_path(ApiVersion::V2_0, &path)).json(serde_json::Value::Object(body)))?;
    rest::get(s, ApiVersion::V2_0, &path)
}

pub fn delete_custom_app_integration(s: &Session, input: CustomAppIntegrationId) -> Result<Deleted, CardError> {
    integration_id(&input.integration_id)?;
    rest::delete(s, ApiVersion::V2_0, &format!("{APPS_PATH}/{}", input.integration_id))?;
    Ok(Deleted { id: input.integration_id })
}
