//! The account's OAuth endpoints: host metadata, OIDC discovery, and the token endpoint
//! (client credentials with HTTP Basic or form client authentication; the U2M grants are in
//! `u2m.rs`).

use crate::errors;
use crate::state::Shared;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// `GET /.well-known/databricks-config`: what the newer SDKs read to learn that this host
/// serves an account and where its OIDC endpoints are.
pub async fn host_metadata(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({
        "oidc_endpoint": format!("{}/oidc/accounts/{{account_id}}", shared.base_url),
        "account_id": shared.config.account_id,
        "cloud": "aws",
    }))
    .into_response()
}

/// `GET /oidc/accounts/{account_id}/.well-known/oauth-authorization-server`, and the same
/// document at `…/.well-known/openid-configuration` (both are published for accounts).
pub async fn discovery(State(shared): State<Arc<Shared>>, Path(account_id): Path<String>) -> Response {
    if account_id != shared.config.account_id {
        return errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Account {account_id} does not exist."));
    }
    let base = format!("{}/oidc/accounts/{account_id}", shared.base_url);
    Json(json!({
        "issuer": format!("{base}"),
        "authorization_endpoint": format!("{base}/v1/authorize"),
        "token_endpoint": format!("{base}/v1/token"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["all-apis", "offline_access", "scim", "billing", "access-management", "unity-catalog"],
    }))
    .into_response()
}

/// The client's authentication: `Authorization: Basic` (ID and secret), else `client_id` and,
/// when sent, `client_secret` from the form (a public client sends no secret).
pub fn client_authentication(headers: &HeaderMap, field: impl Fn(&str) -> Option<String>) -> Option<(String, Option<String>)> {
    if let Some(basic) = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic ")) {
        let decoded = base64::engine::general_purpose::STANDARD.decode(basic.trim()).ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        return Some((id.to_string(), Some(secret.to_string())));
    }
    Some((field("client_id")?, field("client_secret")))
}

/// Client credentials (ID and secret) from an `Authorization: Basic` header or from the form.
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (id, secret) = client_authentication(headers, field)?;
    Some((id, secret?))
}

/// `POST /oidc/accounts/{account_id}/v1/token`.
pub async fn token(State(shared): State<Arc<Shared>>, Path(account_id): Path<String>, headers: HeaderMap, body: String) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if account_id != shared.config.account_id {
        return errors::oauth(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    }
    let by_name: HashMap<String, String> = form.iter().cloned().collect();
    match field("grant_type") {
        Some("client_credentials") => {}
        Some("authorization_code") => return crate::u2m::authorization_code(&mut shared.state(), &headers, &by_name),
        Some("refresh_token") => return crate::u2m::refresh_token(&mut shared.state(), &headers, &by_name),
        Some(_) => return errors::oauth(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Grant type not supported"),
        None => return errors::oauth(StatusCode::BAD_REQUEST, "invalid_request", "Missing grant_type"),
    }
    let Some((client_id, client_secret)) = client_credentials(&headers, &form) else {
        return errors::oauth(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    };
    // The configured client secret is one of the service principal's secrets (seeded), so a
    // deleted or expired secret stops signing in, as on Databricks.
    if !crate::secrets::signs_in(&shared.state(), &client_id, &client_secret) {
        return errors::oauth(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    }
    let scope = field("scope").filter(|s| !s.trim().is_empty()).unwrap_or("all-apis").to_string();
    let access_token = crate::ids::token();
    let ttl = shared.config.token_ttl;
    shared.state().tokens.insert(access_token.clone(), Instant::now() + ttl);
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": scope,
    }))
    .into_response()
}

/// Who may call an account API path with the request's bearer token: an unexpired OAuth
/// token anywhere in the account; the SCIM token only under `/api/2.1/…/scim/v2/`.
pub fn authorize(shared: &Shared, headers: &HeaderMap, path: &str) -> Result<(), Response> {
    let unauthenticated = |message: &str| errors::api(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    let Some(token) = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(bearer) else {
        return Err(unauthenticated("Unable to load OAuth Config: no bearer token in the request."));
    };
    let state = shared.state();
    if token == shared.config.scim_token {
        if state.scim_token_expired {
            return Err(unauthenticated("Token is expired"));
        }
        let scim_prefix = format!("/api/2.1/accounts/{}/scim/v2/", shared.config.account_id);
        if path.starts_with(&scim_prefix) {
            return Ok(());
        }
        return Err(errors::api(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "The SCIM token is restricted to the account SCIM API /api/2.1/accounts/{account_id}/scim/v2/.",
        ));
    }
    match token_state(&state.tokens, token, Instant::now()) {
        TokenState::Valid => Ok(()),
        // Databricks' current answer to an expired token (reference §5.4).
        TokenState::Expired => Err(unauthenticated("Token is expired")),
        TokenState::Unknown => Err(unauthenticated("Invalid access token.")),
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme is case-insensitive, RFC 7235).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What an access token is worth at `now`.
#[derive(Debug, PartialEq)]
pub enum TokenState {
    Valid,
    Expired,
    Unknown,
}

/// A token is valid strictly before its expiry: a TTL of zero issues tokens already expired.
pub fn token_state(tokens: &HashMap<String, Instant>, token: &str, now: Instant) -> TokenState {
    match tokens.get(token) {
        Some(expiry) if now < *expiry => TokenState::Valid,
        Some(_) => TokenState::Expired,
        None => TokenState::Unknown,
    }
}

/// The checks every account API request passes: the caller's token, then the account in the path.
pub fn account_access(shared: &Shared, account_id: &str, headers: &HeaderMap, path: &str) -> Result<(), Response> {
    authorize(shared, headers, path)?;
    if account_id != shared.config.account_id {
        return Err(errors::api(StatusCode::FORBIDDEN, "PERMISSION_DENIED", format!("Not authorized for account {account_id}.")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tokens_expire_at_their_expiry() {
        let start = Instant::now();
        let ttl = Duration::from_secs(3600);
        let tokens = HashMap::from([("t".to_string(), start + ttl), ("zero".to_string(), start)]);
        assert_eq!(token_state(&tokens, "t", start), TokenState::Valid);
        assert_eq!(token_state(&tokens, "t", start + ttl - Duration::from_millis(1)), TokenState::Valid);
        assert_eq!(token_state(&tokens, "t", start + ttl), TokenState::Expired, "expired at the instant of expiry");
        assert_eq!(token_state(&tokens, "t", start + ttl * 2), TokenState::Expired);
        assert_eq!(token_state(&tokens, "zero", start), TokenState::Expired, "a zero TTL issues expired tokens");
        assert_eq!(token_state(&tokens, "other", start), TokenState::Unknown);
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn client_authentication_basic_or_form() {
        let mut headers = HeaderMap::new();
        let form = vec![("client_id".to_string(), "f".to_string()), ("client_secret".to_string(), "s".to_string())];
        assert_eq!(client_credentials(&headers, &form), Some(("f".into(), "s".into())), "client_secret_post");
        let basic = base64::engine::general_purpose::STANDARD.encode("id:se:cret");
        headers.insert("authorization", format!("Basic {basic}").parse().unwrap());
        assert_eq!(client_credentials(&headers, &form), Some(("id".into(), "se:cret".into())), "client_secret_basic wins");
        headers.insert("authorization", "Basic !!!".parse().unwrap());
        assert_eq!(client_credentials(&headers, &[]), None, "bad base64 is no credential, not a panic");
    }
}
