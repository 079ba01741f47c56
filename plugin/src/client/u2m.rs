//! OAuth U2M: the authorization URL of a login (PKCE S256), the code exchange, and the
//! refresh that hands a possibly rotated refresh token back to the host. Cards never call
//! the refresh themselves (see `oauth-u2m` in the WIT): a rotated token they could not return
//! would break the connection after one use.

use super::Session;
use super::auth::{self, U2m};
use super::http::{Method, Request};
use crate::validate::invalid;
use crate::wit::CardError;
use base64::Engine as _;

const FIELD: &str = "connection.auth.oauth-u2m";

/// Now, in seconds since the Unix epoch (token expiries are unsigned).
pub fn now() -> u64 {
    u64::try_from(crate::time::now_unix()).unwrap_or(0)
}

/// What the token endpoint answers.
#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// A token set for the host to store.
pub struct TokenSet {
    pub access_token: String,
    pub expires_at: u64,
    pub refresh_token: Option<String>,
    pub refresh_token_rotated: bool,
    pub scope: Option<String>,
}

fn u2m(session: &Session) -> Result<&U2m, CardError> {
    session
        .credentials
        .u2m()
        .ok_or_else(|| CardError::Unsupported("this card needs an oauth-u2m connection (a custom OAuth app connection)".into()))
}

/// A redirect URI Databricks accepts: http(s), and plain http only to the local machine.
fn check_redirect_uri(uri: &str) -> Result<(), CardError> {
    let parsed: http::Uri = uri.parse().map_err(|_| invalid("redirect-uri", "must be a URL"))?;
    let host = parsed.host().unwrap_or("");
    match parsed.scheme_str() {
        Some("https") if !host.is_empty() => Ok(()),
        Some("http") if matches!(host, "localhost" | "127.0.0.1" | "[::1]") => Ok(()),
        _ => Err(invalid("redirect-uri", "must be https://…, or http://localhost… for a local callback")),
    }
}

/// `{origin}/oidc/accounts/{account_id}/v1/authorize?…` for an authorization-code login with PKCE.
pub fn authorization_url(session: &Session, redirect_uri: &str, state: &str, code_challenge: &str) -> Result<String, CardError> {
    let u2m = u2m(session)?;
    check_redirect_uri(redirect_uri)?;
    if state.trim().is_empty() {
        return Err(invalid("state", "is required: an unguessable value the callback carries back"));
    }
    let challenge_ok =
        (43..=128).contains(&code_challenge.len()) && code_challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !challenge_ok {
        return Err(invalid("code-challenge", "must be base64url(SHA-256(verifier)) without padding (43 characters)"));
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("response_type", "code"),
        ("client_id", u2m.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", u2m.scopes.as_str()),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
    ]);
    Ok(format!("{}/oidc/accounts/{}/v1/authorize?{}", session.origin, session.account_id, query.finish()))
}

/// Posts a grant to the token endpoint with the app's client authentication: HTTP Basic for
/// a confidential app, the client ID in the form for a public one.
fn token_request(
    session: &Session,
    u2m: &U2m,
    mut form: Vec<(String, String)>,
    previous_refresh: Option<&str>,
) -> Result<TokenSet, CardError> {
    let authorization = match &u2m.client_secret {
        Some(secret) => {
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", u2m.client_id)))
        }
        None => {
            form.push(("client_id".into(), u2m.client_id.clone()));
            String::new()
        }
    };
    let path = format!("/oidc/accounts/{}/v1/token", session.account_id);
    let request = Request::new(Method::Post, path).form(form);
    let response = auth::send_token_request(&session.origin, &request, &authorization, &session.policy)
        .map_err(|e| session.explain(session.credentials.redact_error(e)))?;
    let answer: TokenAnswer = response.json().map_err(|e| session.credentials.redact_error(e))?;
    let rotated = answer.refresh_token.as_deref().is_some_and(|new| Some(new) != previous_refresh);
    Ok(TokenSet {
        access_token: answer.access_token,
        expires_at: now().saturating_add(answer.expires_in.unwrap_or(3600)),
        refresh_token: answer.refresh_token.or_else(|| previous_refresh.map(str::to_string)),
        refresh_token_rotated: rotated,
        scope: answer.scope,
    })
}

/// Exchanges a login's code and PKCE verifier for the first token set.
pub fn exchange_code(session: &Session, code: &str, code_verifier: &str, redirect_uri: &str) -> Result<TokenSet, CardError> {
    let u2m = u2m(session)?;
    if code.trim().is_empty() {
        return Err(invalid("code", "is required"));
    }
    if !(43..=128).contains(&code_verifier.len()) {
        return Err(invalid("code-verifier", "must be the PKCE verifier, 43 to 128 characters"));
    }
    check_redirect_uri(redirect_uri)?;
    let form = vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), code.to_string()),
        ("code_verifier".into(), code_verifier.to_string()),
        ("redirect_uri".into(), redirect_uri.to_string()),
    ];
    token_request(session, u2m, form, None)
}

/// A new access token from the refresh token; the token set carries the refresh token to store.
/// Without `force`, a still-valid access token comes back as it is, with no request.
pub fn refresh(session: &Session, force: bool) -> Result<TokenSet, CardError> {
    let u2m = u2m(session)?;
    let Some(refresh_token) = u2m.refresh_token.as_deref() else {
        return Err(invalid(&format!("{FIELD}.refresh-token"), "is required: sign in first (databricks-account login)"));
    };
    let valid_for_a_while = u2m.expires_at.is_some_and(|at| at > now().saturating_add(5 * 60));
    if let (false, Some(access_token), true) = (force, &u2m.access_token, valid_for_a_while) {
        return Ok(TokenSet {
            access_token: access_token.clone(),
            expires_at: u2m.expires_at.unwrap_or_default(),
            refresh_token: Some(refresh_token.to_string()),
            refresh_token_rotated: false,
            scope: None,
        });
    }
    let form = vec![
        ("grant_type".into(), "refresh_token".into()),
        ("refresh_token".into(), refresh_token.to_string()),
        ("scope".into(), u2m.scopes.clone()),
    ];
    token_request(session, u2m, form, Some(refresh_token))
}
