//! Signing in: OAuth M2M tokens (minted, cached, refreshed ahead of expiry), a U2M access
//! token the host keeps fresh (see `u2m.rs`), or a static SCIM token; what each may call, and
//! keeping every secret out of errors.

use super::errors;
use super::http::{self, Method, Request, Response};
use super::policy::Policy;
use super::retry;
use super::secrets::Secrets;
use crate::validate::invalid;
use crate::wit::{ApiError, Auth, CardError};
use base64::Engine as _;
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// The credentials of a session.
pub enum Credentials {
    OAuthM2m { client_id: String, client_secret: String, scopes: String },
    OAuthU2m(U2m),
    ScimToken(String),
}

/// A person's OAuth tokens through a custom app connection.
pub struct U2m {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    pub access_token: Option<String>,
    /// Seconds since the Unix epoch.
    pub expires_at: Option<u64>,
    pub scopes: String,
}

/// Scopes an M2M token asks for when the connection names none (as the SDKs do).
const DEFAULT_SCOPES: &str = "all-apis";
/// Scopes a U2M login asks for by default: `offline_access` makes Databricks issue a refresh token.
pub const DEFAULT_U2M_SCOPES: &str = "all-apis offline_access";
/// An access token this close to its expiry is treated as expired (seconds).
pub const ACCESS_TOKEN_MARGIN: u64 = 60;

/// Checks a scope list: each scope one word; joined with spaces, or `default` when empty.
fn scope_list(field: &str, scopes: Option<Vec<String>>, default: &str) -> Result<String, CardError> {
    let scopes = scopes.unwrap_or_default();
    if scopes.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
        return Err(invalid(field, "each scope must be one word, such as all-apis"));
    }
    Ok(if scopes.is_empty() { default.to_string() } else { scopes.join(" ") })
}

/// An optional text: absent, empty or blank is absent; otherwise trimmed.
pub fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// How long before expiry a cached token is replaced, so that a token never expires
/// mid-request; shortened for tokens that live less than twice as long.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A cached access token.
struct CachedToken {
    token: String,
    refresh_at: Instant,
}

/// Cache key: everything that decides which token the endpoint issues, so two
/// connections can never share a token (the secret is part of it, in memory only).
struct TokenKey<S> {
    origin: S,
    account_id: S,
    client_id: S,
    client_secret: S,
    scopes: S,
}

impl TokenKey<&str> {
    fn to_owned(&self) -> TokenKey<String> {
        TokenKey {
            origin: self.origin.to_string(),
            account_id: self.account_id.to_string(),
            client_id: self.client_id.to_string(),
            client_secret: self.client_secret.to_string(),
            scopes: self.scopes.to_string(),
        }
    }
}

impl TokenKey<String> {
    fn matches(&self, key: &TokenKey<&str>) -> bool {
        self.origin == key.origin
            && self.account_id == key.account_id
            && self.client_id == key.client_id
            && self.client_secret == key.client_secret
            && self.scopes == key.scopes
    }
}

thread_local! {
    // The component is single-threaded; the cache lives as long as the instance. Hosts
    // keep an instance per connection (this project's harness keys warm instances by it),
    // so the list is short: a look-up compares in place, with no key to build or hash.
    static TOKENS: RefCell<Vec<(TokenKey<String>, CachedToken)>> = const { RefCell::new(Vec::new()) };
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl Credentials {
    /// Validates the auth part of a connection.
    pub fn from_auth(auth: Auth) -> Result<Credentials, CardError> {
        match auth {
            Auth::OauthM2m(m2m) => {
                const F: &str = "connection.auth.oauth-m2m";
                if m2m.client_id.trim().is_empty() {
                    return Err(invalid(&format!("{F}.client-id"), "is required"));
                }
                if m2m.client_secret.is_empty() {
                    return Err(invalid(&format!("{F}.client-secret"), "is required"));
                }
                let scopes = scope_list("connection.auth.oauth-m2m.scopes", m2m.scopes, DEFAULT_SCOPES)?;
                Ok(Credentials::OAuthM2m { client_id: m2m.client_id.trim().to_string(), client_secret: m2m.client_secret, scopes })
            }
            Auth::OauthU2m(u2m) => {
                const F: &str = "connection.auth.oauth-u2m";
                if u2m.client_id.trim().is_empty() {
                    return Err(invalid(&format!("{F}.client-id"), "is required"));
                }
                Ok(Credentials::OAuthU2m(U2m {
                    client_id: u2m.client_id.trim().to_string(),
                    client_secret: present(u2m.client_secret),
                    refresh_token: present(u2m.refresh_token),
                    access_token: present(u2m.access_token),
                    expires_at: u2m.access_token_expires_at,
                    scopes: scope_list("connection.auth.oauth-u2m.scopes", u2m.scopes, DEFAULT_U2M_SCOPES)?,
                }))
            }
            Auth::ScimToken(scim) => {
                if scim.token.trim().is_empty() {
                    return Err(invalid("connection.auth.scim-token.token", "is required"));
                }
                Ok(Credentials::ScimToken(scim.token.trim().to_string()))
            }
        }
    }

    pub fn is_scim_token(&self) -> bool {
        matches!(self, Credentials::ScimToken(_))
    }

    /// Whether a rejected token can be replaced by a new one (only M2M: a SCIM token is
    /// static, and a U2M token is refreshed by the host, see `oauth-u2m` in the WIT).
    pub fn can_refresh(&self) -> bool {
        matches!(self, Credentials::OAuthM2m { .. })
    }

    /// Drops a token Databricks rejected, so the next request mints a new one.
    pub fn forget_token(&self, token: &str) {
        TOKENS.with_borrow_mut(|tokens| tokens.retain(|(_, cached)| cached.token != token));
    }

    /// Refuses, without a request, what these credentials may not call: a SCIM token
    /// is restricted by Databricks to the account SCIM API under `scim_prefix`.
    pub fn check_allowed(&self, path: &str, scim_prefix: &str) -> Result<(), CardError> {
        match self {
            Credentials::ScimToken(_) if !path.starts_with(scim_prefix) || path.contains("..") => Err(CardError::Unsupported(
                "a SCIM token can only call the account SCIM API (users, groups and service \
                     principals); connect with OAuth M2M to use this card"
                    .to_string(),
            )),
            _ => Ok(()),
        }
    }

    /// The U2M credentials, when the connection uses OAuth U2M.
    pub fn u2m(&self) -> Option<&U2m> {
        match self {
            Credentials::OAuthU2m(u2m) => Some(u2m),
            _ => None,
        }
    }

    /// The bearer token for a request: the SCIM token, the U2M access token the host keeps
    /// fresh, or a cached or new M2M token. `renew` mints a new one past any cache on the way (a
    /// host sharing tokens between runs): Databricks refused the last one.
    pub fn bearer_token(&self, origin: &str, account_id: &str, policy: &Policy, renew: bool) -> Result<String, CardError> {
        match self {
            Credentials::ScimToken(token) => Ok(token.clone()),
            Credentials::OAuthU2m(u2m) => u2m.usable_access_token(super::u2m::now()).cloned().ok_or_else(|| {
                invalid(
                    "connection.auth.oauth-u2m.access-token",
                    "is missing or expired: call refresh-oauth-tokens with this connection and store the token \
                     set it returns (Databricks may rotate the refresh token)",
                )
            }),
            Credentials::OAuthM2m { client_id, client_secret, scopes } => {
                let key = TokenKey { origin, account_id, client_id, client_secret, scopes };
                let cached = TOKENS.with_borrow(|tokens| {
                    let (_, cached) = tokens.iter().find(|(stored, _)| stored.matches(&key))?;
                    (Instant::now() < cached.refresh_at).then(|| cached.token.clone())
                });
                if let Some(token) = cached {
                    return Ok(token);
                }
                let fresh = self.mint_token(origin, account_id, client_id, client_secret, scopes, policy, renew)?;
                let token = fresh.token.clone();
                TOKENS.with_borrow_mut(|tokens| {
                    tokens.retain(|(stored, _)| !stored.matches(&key));
                    tokens.push((key.to_owned(), fresh));
                });
                Ok(token)
            }
        }
    }

    /// `POST /oidc/accounts/{account_id}/v1/token` with client credentials (HTTP Basic). A host may
    /// answer it from an earlier answer to the same request (`host-harness` shares tokens so);
    /// `fresh` asks it not to (`Cache-Control: no-cache`, HTTP's way to say so).
    #[allow(clippy::too_many_arguments)]
    fn mint_token(
        &self,
        origin: &str,
        account_id: &str,
        client_id: &str,
        client_secret: &str,
        scopes: &str,
        policy: &Policy,
        fresh: bool,
    ) -> Result<CachedToken, CardError> {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}"));
        let mut request = Request::new(Method::Post, format!("/oidc/accounts/{account_id}/v1/token"))
            .form(vec![("grant_type".into(), "client_credentials".into()), ("scope".into(), scopes.into())]);
        if fresh {
            request.extra_headers.push(("cache-control".into(), "no-cache".into()));
        }
        let response = send_token_request(origin, &request, &format!("Basic {basic}"), policy).map_err(|e| self.redact_error(e))?;
        let body: TokenResponse = response.json()?;
        let lifetime = Duration::from_secs(body.expires_in.unwrap_or(3600));
        Ok(CachedToken { token: body.access_token, refresh_at: Instant::now() + usable_for(lifetime) })
    }

    /// Every form of every secret these credentials hold, and of the tokens minted with them.
    pub fn secrets(&self) -> Secrets {
        let mut secrets = Secrets::default();
        match self {
            Credentials::OAuthM2m { client_id, client_secret, .. } => secrets.add_client(client_id, client_secret),
            Credentials::OAuthU2m(u2m) => {
                if let Some(secret) = &u2m.client_secret {
                    secrets.add_client(&u2m.client_id, secret);
                }
                for token in [&u2m.refresh_token, &u2m.access_token].into_iter().flatten() {
                    secrets.add(token);
                }
            }
            Credentials::ScimToken(token) => secrets.add(token),
        }
        TOKENS.with_borrow(|tokens| tokens.iter().for_each(|(_, cached)| secrets.add(&cached.token)));
        secrets
    }

    /// The error with every secret of these credentials removed from every one of its fields.
    pub fn redact_error(&self, error: CardError) -> CardError {
        self.secrets().redact_error(error)
    }
}

/// Mints a token with other client credentials and drops it: proves they sign in.
pub fn confirm_client_credentials(
    origin: &str,
    account_id: &str,
    client_id: &str,
    client_secret: &str,
    policy: &Policy,
) -> Result<(), CardError> {
    let credentials = Credentials::OAuthM2m {
        client_id: client_id.to_string(),
        client_secret: client_secret.to_string(),
        scopes: DEFAULT_SCOPES.to_string(),
    };
    // A proof must reach the token endpoint: never an answer a host kept.
    credentials.mint_token(origin, account_id, client_id, client_secret, DEFAULT_SCOPES, policy, true).map(drop)
}

impl U2m {
    /// The access token, unless it is absent or expires within [`ACCESS_TOKEN_MARGIN`].
    pub fn usable_access_token(&self, now: u64) -> Option<&String> {
        let fresh = self.expires_at.is_none_or(|at| now.saturating_add(ACCESS_TOKEN_MARGIN) < at);
        self.access_token.as_ref().filter(|_| fresh)
    }
}

/// Sends the token request, retrying the endpoint's throttling like any other request.
/// Minting a token twice is harmless, so the request counts as idempotent.
pub fn send_token_request(origin: &str, request: &Request, authorization: &str, policy: &Policy) -> Result<Response, CardError> {
    retry::run(policy.retry_budget, || {
        let sent = http::send(origin, request, authorization, policy.timeouts);
        retry::assess(true, sent, |response| token_error(errors::decode(response)))
    })
}

/// Whether Databricks rejected the token itself (so a new one may help): 401, or the
/// older expired-token shapes, 403 without `PERMISSION_DENIED` and 400 `ExpiredJwtException`.
pub fn token_rejected(response: &Response, error: &CardError) -> bool {
    let api = match error {
        CardError::Unauthenticated(e) | CardError::PermissionDenied(e) | CardError::Upstream(e) => e,
        _ => return false,
    };
    let text = format!("{} {}", api.message, String::from_utf8_lossy(&response.body)).to_ascii_lowercase();
    let mentions_expiry = text.contains("expired") || text.contains("expiredjwt");
    match response.status {
        401 => true,
        403 => api.error_code.as_deref() != Some("PERMISSION_DENIED") && mentions_expiry,
        400 => text.contains("expiredjwtexception") || text.contains("token is expired"),
        _ => false,
    }
}

/// How long a token that lives `lifetime` is used before a new one is minted.
fn usable_for(lifetime: Duration) -> Duration {
    lifetime - REFRESH_MARGIN.min(lifetime / 2)
}

/// The token endpoint refuses bad credentials with 400 or 401 `invalid_client`, and spent or
/// revoked grants with `invalid_grant`; all mean "unauthenticated" to a flow, with a message
/// that says which step failed.
fn token_error(error: CardError) -> CardError {
    let explain = |mut e: ApiError| {
        let what = match e.error_code.as_deref() {
            Some("invalid_grant") => "the refresh token or login code (revoked, expired or already used; sign in again)",
            _ => "the client credentials",
        };
        e.message = format!("the OAuth token endpoint refused {what}: {}", e.message);
        e
    };
    match error {
        CardError::Upstream(e) | CardError::PermissionDenied(e)
            if matches!(e.error_code.as_deref(), Some("invalid_client" | "unauthorized_client" | "invalid_grant")) =>
        {
            CardError::Unauthenticated(explain(e))
        }
        CardError::Unauthenticated(e) => CardError::Unauthenticated(explain(e)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::exports::databricks::account::types::{OauthM2m, ScimToken};

    fn scim() -> Credentials {
        Credentials::from_auth(Auth::ScimToken(ScimToken { token: "dsapi-secret-token".into() })).unwrap()
    }

    fn m2m(scopes: Option<Vec<String>>) -> Result<Credentials, CardError> {
        Credentials::from_auth(Auth::OauthM2m(OauthM2m {
            client_id: "cid".into(),
            client_secret: "very-secret-value".into(),
            scopes,
            service_principal_id: None,
            secret_id: None,
        }))
    }

    const PREFIX: &str = "/api/2.1/accounts/a/scim/v2/";

    #[test]
    fn scim_token_may_call_only_account_scim() {
        let creds = scim();
        assert!(creds.check_allowed("/api/2.1/accounts/a/scim/v2/Users", PREFIX).is_ok());
        for path in [
            "/api/2.0/accounts/a/scim/v2/Users",
            "/api/2.1/accounts/a/budgets",
            "/api/2.0/accounts/a/workspaces",
            "/api/2.1/accounts/a/scim/v2/../../budgets",
        ] {
            assert!(matches!(creds.check_allowed(path, PREFIX), Err(CardError::Unsupported(_))), "{path}");
        }
        // OAuth may call anything under the account API.
        assert!(m2m(None).unwrap().check_allowed("/api/2.1/accounts/a/budgets", PREFIX).is_ok());
    }

    #[test]
    fn scopes_default_to_all_apis() {
        match m2m(None).unwrap() {
            Credentials::OAuthM2m { scopes, .. } => assert_eq!(scopes, "all-apis"),
            _ => unreachable!(),
        }
        match m2m(Some(vec!["scim".into(), "billing".into()])).unwrap() {
            Credentials::OAuthM2m { scopes, .. } => assert_eq!(scopes, "scim billing"),
            _ => unreachable!(),
        }
        assert!(matches!(m2m(Some(vec!["two words".into()])), Err(CardError::InvalidInput(_))));
    }

    #[test]
    fn errors_never_carry_the_secret() {
        let creds = m2m(None).unwrap();
        let error = CardError::Upstream(ApiError {
            status: 400,
            error_code: None,
            message: "bad secret very-secret-value given".into(),
            request_id: None,
        });
        match creds.redact_error(error) {
            CardError::Upstream(e) => assert_eq!(e.message, "bad secret [redacted] given"),
            other => panic!("{other:?}"),
        }
        match scim().redact_error(CardError::Transport("dsapi-secret-token leaked".into())) {
            CardError::Transport(m) => assert_eq!(m, "[redacted] leaked"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tokens_are_replaced_before_they_expire() {
        assert_eq!(usable_for(Duration::from_secs(3600)), Duration::from_secs(3300), "five minutes early");
        assert_eq!(usable_for(Duration::from_secs(60)), Duration::from_secs(30), "halfway for short tokens");
        assert_eq!(usable_for(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn bad_token_endpoint_answers_are_unauthenticated() {
        let e = ApiError {
            status: 400,
            error_code: Some("invalid_client".into()),
            message: "Client authentication failed".into(),
            request_id: None,
        };
        match token_error(CardError::Upstream(e)) {
            CardError::Unauthenticated(e) => assert!(e.message.contains("refused the client credentials")),
            other => panic!("{other:?}"),
        }
    }
}
