//! OAuth U2M sign-in cards: the authorization URL, the code exchange and the token refresh
//! a host calls to keep an `oauth-u2m` connection's access token current.

use crate::client::Session;
use crate::client::u2m::{self, TokenSet};
use crate::wit::CardError;
use crate::wit::login::*;

fn token_set(t: TokenSet) -> OauthTokenSet {
    OauthTokenSet {
        access_token: t.access_token,
        access_token_expires_at: t.expires_at,
        refresh_token: t.refresh_token,
        refresh_token_rotated: t.refresh_token_rotated,
        scope: t.scope,
    }
}

pub fn start_oauth_login(s: &Session, input: StartOauthLoginInput) -> Result<OauthLoginStart, CardError> {
    let authorization_url = u2m::authorization_url(s, &input.redirect_uri, &input.state, &input.code_challenge)?;
    Ok(OauthLoginStart { authorization_url })
}

pub fn complete_oauth_login(s: &Session, input: CompleteOauthLoginInput) -> Result<OauthTokenSet, CardError> {
    u2m::exchange_code(s, &input.code, &input.code_verifier, &input.redirect_uri).map(token_set)
}

pub fn refresh_oauth_tokens(s: &Session, input: RefreshOauthTokensInput) -> Result<OauthTokenSet, CardError> {
    u2m::refresh(s, input.force.unwrap_or(false)).map(token_set)
}
