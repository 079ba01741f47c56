//! OAuth cards: service principal secrets (and their rotation), custom and published app
//! integrations, and federation policies (`federation.rs`).

// Declarations are named like the cards they are: the export glue finds them by name.
#![allow(non_upper_case_globals)]

mod federation;
mod rotation;

pub use federation::*;
pub use rotation::rotate_service_principal_secret;

use crate::client::pages::{self, TokenPage};
use crate::client::{ApiVersion, Call, Method, Request, Session, rest, without_nulls};
use crate::validate::invalid;
use crate::wit::oauth::*;
use crate::wit::{CardError, TokenPaging};
use serde_json::{Map, Value, json};

/// Databricks' longest (and default) secret lifetime.
pub const MAX_LIFETIME_DAYS: u32 = 730;

pub const list_service_principal_secrets: Call =
    Call::get("servicePrincipals/{service_principal_id}/credentials/secrets").pages("secrets", Some("page_size"));
pub const delete_service_principal_secret: Call = Call::delete("servicePrincipals/{service_principal_id}/credentials/secrets/{secret_id}");

const APPS_PATH: &str = "oauth2/custom-app-integrations";
pub const list_custom_app_integrations: Call = Call::get("oauth2/custom-app-integrations").pages("apps", Some("page_size"));
pub const get_custom_app_integration: Call = Call::get("oauth2/custom-app-integrations/{integration_id}");
// Databricks answers the PATCH with nothing; the app is read back for the flow.
pub const update_custom_app_integration: Call = Call::patch("oauth2/custom-app-integrations/{integration_id}").needs_change().read_back();
pub const delete_custom_app_integration: Call = Call::delete("oauth2/custom-app-integrations/{integration_id}");

pub const list_published_apps: Call = Call::get("oauth2/published-apps").pages("apps", Some("page_size"));
pub const list_published_app_integrations: Call = Call::get("oauth2/published-app-integrations").pages("apps", Some("page_size"));
pub const get_published_app_integration: Call = Call::get("oauth2/published-app-integrations/{integration_id}");
pub const create_published_app_integration: Call = Call::post("oauth2/published-app-integrations");
// Databricks answers the PATCH with nothing; the integration is read back for the flow.
pub const update_published_app_integration: Call =
    Call::patch("oauth2/published-app-integrations/{integration_id}").check(some_lifetime).read_back();
pub const delete_published_app_integration: Call = Call::delete("oauth2/published-app-integrations/{integration_id}");

/// An update of a token access policy changes at least one of its fields.
fn some_lifetime(_: &Session, input: &Map<String, Value>) -> Result<(), CardError> {
    let policy = input.get("token_access_policy").and_then(Value::as_object);
    if policy.is_some_and(|p| p.values().any(|v| !v.is_null())) {
        Ok(())
    } else {
        Err(invalid("token-access-policy", "give at least one lifetime or switch to change"))
    }
}

fn secrets_path(service_principal_id: &str) -> String {
    format!("servicePrincipals/{service_principal_id}/credentials/secrets")
}

#[derive(serde::Deserialize)]
struct SecretsPage {
    #[serde(default)]
    secrets: Vec<ServicePrincipalSecret>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Reads a service principal's secrets: one page, or every page as `paging` says (for the
/// health check and the rotation, which read them as records).
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

/// Databricks takes the lifetime as a protobuf duration in seconds, e.g. `"63072000s"`.
pub fn create_service_principal_secret(
    s: &Session,
    input: CreateServicePrincipalSecretInput,
) -> Result<CreatedServicePrincipalSecret, CardError> {
    let days = input.lifetime_days.unwrap_or(MAX_LIFETIME_DAYS);
    let body = json!({"lifetime": format!("{}s", u64::from(days) * 86_400)});
    rest::post(s, ApiVersion::V2_0, &secrets_path(&input.service_principal_id), body)
}

/// An app asks for `all-apis` unless the input names its scopes.
pub fn create_custom_app_integration(
    s: &Session,
    input: CreateCustomAppIntegrationInput,
) -> Result<CreatedCustomAppIntegration, CardError> {
    let scopes = input.scopes.unwrap_or_else(|| vec!["all-apis".to_string()]);
    let body = json!({
        "name": input.name,
        "redirect_urls": input.redirect_urls,
        "confidential": input.confidential,
        "scopes": scopes,
        "token_access_policy": input.token_access_policy,
    });
    rest::post(s, ApiVersion::V2_0, APPS_PATH, without_nulls(body))
}
