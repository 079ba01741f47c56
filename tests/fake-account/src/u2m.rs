//! OAuth U2M as Databricks runs it for custom app connections: the authorize endpoint
//! (auto-approving the configured test user, so tests need no browser), the
//! `authorization_code` grant with PKCE S256, and the `refresh_token` grant with the app's
//! token policy (lifetimes, single-use refresh tokens that rotate on every refresh).

use crate::errors;
use crate::state::{AccountState, Shared};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How long a login code may wait for its exchange.
const CODE_TTL: Duration = Duration::from_secs(600);

/// A login code waiting for its exchange.
pub struct PendingCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    issued: Instant,
}

/// A refresh token the account honours.
pub struct RefreshGrant {
    client_id: String,
    scope: String,
    expires: SystemTime,
}

/// Login codes and refresh tokens.
#[derive(Default)]
pub struct U2mState {
    pub codes: HashMap<String, PendingCode>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
}

fn params(query: Option<String>) -> HashMap<String, String> {
    query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

fn random(prefix: &str) -> String {
    format!("{prefix}{}", crate::ids::token().trim_start_matches("dapi-fake-"))
}

/// The app with this client ID.
fn app(state: &AccountState, client_id: &str) -> Option<Value> {
    state.apps.items().iter().find(|a| a["client_id"] == client_id).cloned()
}

/// Minutes from the app's token policy, or Databricks' defaults (1 hour; 90 days).
fn policy_minutes(app: &Value, key: &str, default: u64) -> u64 {
    app["token_access_policy"][key].as_u64().unwrap_or(default)
}

/// `GET /oidc/accounts/{account_id}/v1/authorize`: checks the app, the redirect URI and PKCE,
/// then signs the configured test user in and redirects back with a code.
pub async fn authorize(State(shared): State<Arc<Shared>>, Path(account_id): Path<String>, RawQuery(query): RawQuery) -> Response {
    let q = params(query);
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if account_id != shared.config.account_id {
        return errors::api(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", format!("Account {account_id} does not exist."));
    }
    // Without a known app and one of its redirect URIs, there is nowhere safe to redirect to.
    let Some(app) = app(&shared.state(), get("client_id")) else {
        return errors::oauth(StatusCode::BAD_REQUEST, "invalid_client", "Unknown client_id");
    };
    let redirect_uri = get("redirect_uri");
    let registered = app["redirect_urls"].as_array().is_some_and(|urls| urls.iter().any(|u| u == redirect_uri));
    if !registered {
        return errors::oauth(StatusCode::BAD_REQUEST, "invalid_request", "redirect_uri is not registered for this app");
    }
    let back = |pairs: &[(&str, &str)]| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(pairs.iter().copied().chain([("state", get("state"))]));
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        let location = format!("{redirect_uri}{separator}{}", query.finish());
        (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
    };
    if get("response_type") != "code" {
        return back(&[("error", "unsupported_response_type")]);
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return back(&[("error", "invalid_request"), ("error_description", "PKCE with S256 is required")]);
    }
    let code = random("code-");
    let pending = PendingCode {
        client_id: get("client_id").to_string(),
        redirect_uri: redirect_uri.to_string(),
        code_challenge: get("code_challenge").to_string(),
        scope: q.get("scope").cloned().unwrap_or_else(|| "all-apis".into()),
        issued: Instant::now(),
    };
    shared.state().u2m.codes.insert(code.clone(), pending);
    tracing::debug!(user = %shared.config.login_user, "authorize: the test user approved the login");
    back(&[("code", &code)])
}

/// The app's client authentication: HTTP Basic with its secret when confidential, the client ID
/// in the form when public.
fn authenticate_app(state: &AccountState, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<Value, Response> {
    let refused = || errors::oauth(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    let (client_id, secret) = crate::oauth::client_authentication(headers, |name| form.get(name).cloned()).ok_or_else(refused)?;
    let app = app(state, &client_id).ok_or_else(refused)?;
    if app["confidential"] == true {
        let expected = state.app_secrets.get(&client_id).cloned();
        if expected.is_none() || secret != expected {
            return Err(refused());
        }
    }
    Ok(app)
}

/// Issues an access token (and, with `offline_access`, a refresh token) for the app.
fn issue(state: &mut AccountState, app: &Value, scope: &str, refresh_token: Option<String>) -> Response {
    let access_ttl = Duration::from_secs(60 * policy_minutes(app, "access_token_ttl_in_minutes", 60));
    let access_token = crate::ids::token();
    state.tokens.insert(access_token.clone(), Instant::now() + access_ttl);
    let mut answer = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": access_ttl.as_secs(),
        "scope": scope,
    });
    let refresh_token = refresh_token.or_else(|| {
        scope.split(' ').any(|s| s == "offline_access").then(|| {
            let token = random("doau-");
            let ttl = Duration::from_secs(60 * policy_minutes(app, "refresh_token_ttl_in_minutes", 129_600));
            let grant = RefreshGrant {
                client_id: app["client_id"].as_str().unwrap_or("").into(),
                scope: scope.into(),
                expires: SystemTime::now() + ttl,
            };
            state.u2m.refresh_tokens.insert(token.clone(), grant);
            token
        })
    });
    if let Some(refresh_token) = refresh_token {
        answer["refresh_token"] = json!(refresh_token);
    }
    axum::Json(answer).into_response()
}

fn invalid_grant(description: &str) -> Response {
    errors::oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// `grant_type=authorization_code`: the code once, from the same app and redirect URI, with the
/// verifier whose SHA-256 is the challenge.
pub fn authorization_code(state: &mut AccountState, headers: &HeaderMap, form: &HashMap<String, String>) -> Response {
    let app = match authenticate_app(state, headers, form) {
        Ok(app) => app,
        Err(refused) => return refused,
    };
    let Some(pending) = form.get("code").and_then(|c| state.u2m.codes.remove(c)) else {
        return invalid_grant("The authorization code is invalid or was already used");
    };
    let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let valid = pending.client_id == app["client_id"].as_str().unwrap_or("")
        && form.get("redirect_uri") == Some(&pending.redirect_uri)
        && challenge == pending.code_challenge
        && pending.issued.elapsed() < CODE_TTL;
    if !valid {
        return invalid_grant("The authorization code does not match the client, redirect URI or PKCE verifier");
    }
    issue(state, &app, &pending.scope, None)
}

/// `grant_type=refresh_token`: a known, unexpired token of the same app. With single-use refresh
/// tokens the answer carries a new one and the old one stops working.
pub fn refresh_token(state: &mut AccountState, headers: &HeaderMap, form: &HashMap<String, String>) -> Response {
    let app = match authenticate_app(state, headers, form) {
        Ok(app) => app,
        Err(refused) => return refused,
    };
    let token = form.get("refresh_token").cloned().unwrap_or_default();
    let single_use = app["token_access_policy"]["enable_single_use_refresh_tokens"] == true;
    let usable = state
        .u2m
        .refresh_tokens
        .get(&token)
        .is_some_and(|g| g.client_id == app["client_id"].as_str().unwrap_or("") && g.expires > SystemTime::now());
    if !usable {
        return invalid_grant("The refresh token is invalid, expired or revoked");
    }
    let scope = state.u2m.refresh_tokens.get(&token).map(|g| g.scope.clone()).unwrap_or_default();
    if single_use {
        state.u2m.refresh_tokens.remove(&token);
        issue(state, &app, &scope, None)
    } else {
        issue(state, &app, &scope, Some(token))
    }
}

/// A pending login code and a live refresh token with fixed values, for the Examples seed (the
/// card list's `complete-oauth-login` and `refresh-oauth-tokens` examples name them).
pub fn seed_example(state: &mut U2mState, client_id: &str, code: &str, redirect_uri: &str, code_challenge: &str, refresh_token: &str) {
    let scope = "all-apis offline_access";
    let pending = PendingCode {
        client_id: client_id.into(),
        redirect_uri: redirect_uri.into(),
        code_challenge: code_challenge.into(),
        scope: scope.into(),
        issued: Instant::now(),
    };
    state.codes.insert(code.into(), pending);
    let grant =
        RefreshGrant { client_id: client_id.into(), scope: scope.into(), expires: SystemTime::now() + Duration::from_secs(90 * 86_400) };
    state.refresh_tokens.insert(refresh_token.into(), grant);
}
