//! The one path from a card to Databricks: where the account is, how to sign in,
//! how to send a request and how to read the answer. Cards never build HTTP by hand.

mod auth;
mod call;
pub mod deadline;
mod errors;
mod http;
mod origin;
pub mod pages;
mod policy;
pub mod rest;
mod retry;
pub mod scim;
mod secrets;
pub mod settings;
pub mod u2m;
pub mod wait;

#[cfg(test)]
mod decoder_properties;

use crate::cards::Gate;
use crate::clouds::cloud_name;
use crate::validate;
use crate::wit::{Auth, CardError, Cloud, Connection};

pub use call::{Call, Keep, without_nulls};
pub use errors::{not_found, with_prefix};
pub use http::{Method, Request, Response};

use auth::Credentials;
use deadline::Deadline;
use policy::Policy;
use retry::{Decision, Outcome};
use std::cell::Cell;
use std::time::Instant;

impl ConfiguredIdentity {
    /// Reads (and checks the shape of) the IDs an M2M connection names.
    fn of(auth: &Auth) -> Result<ConfiguredIdentity, CardError> {
        let m2m = match auth {
            Auth::OauthM2m(m2m) => m2m,
            Auth::OauthU2m(u2m) => {
                return Ok(ConfiguredIdentity { client_id: Some(u2m.client_id.trim().to_string()), ..Default::default() });
            }
            Auth::ScimToken(_) => return Ok(ConfiguredIdentity::default()),
        };
        let present = |v: &Option<String>| auth::present(v.clone());
        let service_principal_id = present(&m2m.service_principal_id);
        if let Some(id) = &service_principal_id {
            validate::scim_id("connection.auth.oauth-m2m.service-principal-id", id)?;
        }
        let secret_id = present(&m2m.secret_id);
        if let Some(id) = &secret_id {
            validate::secret_id("connection.auth.oauth-m2m.secret-id", id)?;
        }
        Ok(ConfiguredIdentity { client_id: Some(m2m.client_id.trim().to_string()), service_principal_id, secret_id })
    }
}

/// Runs a read-modify-write once more when Databricks answers `409`: another writer changed the
/// resource between the read and the write, so `attempt` reads its new version (and etag) and
/// writes again. A second conflict is the caller's to see.
pub fn once_more_on_conflict<T>(mut attempt: impl FnMut() -> Result<T, CardError>) -> Result<T, CardError> {
    match attempt() {
        Err(CardError::Conflict(_)) => attempt(),
        done => done,
    }
}

/// The account API generation of a path: SCIM answers on both, with different auth rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/api/2.0/accounts/{account_id}/…`: the official SDKs' path for everything but budgets.
    V2_0,
    /// `/api/2.1/accounts/{account_id}/…`: budgets, and the only SCIM path a SCIM token may call.
    V2_1,
    /// `/api/2.0/preview/accounts/{account_id}/…`: access-control rule sets.
    Preview,
}

/// A validated connection, ready to send requests for one card run.
pub struct Session {
    cloud: Cloud,
    origin: String,
    account_id: String,
    credentials: Credentials,
    policy: Policy,
    identity: ConfiguredIdentity,
    /// When the card must have returned (the host's time limit, less a margin).
    deadline: Deadline,
    /// While set (during a wait), every request is over by then.
    requests_end: Cell<Option<Instant>>,
}

/// Who the connection says it is: the service principal and secret an OAuth M2M
/// connection names (for health checks and rotation; never needed to sign in).
#[derive(Clone, Debug, Default)]
pub struct ConfiguredIdentity {
    /// The OAuth client ID (the service principal's application ID).
    pub client_id: Option<String>,
    /// The service principal's SCIM ID.
    pub service_principal_id: Option<String>,
    /// The ID of the OAuth secret in use.
    pub secret_id: Option<String>,
}

impl Session {
    /// Validates the connection (before any request) and prepares the session.
    pub fn open(conn: Connection) -> Result<Session, CardError> {
        let deadline = Deadline::of_run(Instant::now());
        validate::uuid("connection.account-id", &conn.account_id)?;
        let origin = origin::resolve(conn.cloud, conn.host_override.as_deref())?;
        let identity = ConfiguredIdentity::of(&conn.auth)?;
        let credentials = Credentials::from_auth(conn.auth)?;
        let policy = Policy::from_wit(conn.policy)?;
        let (cloud, account_id, requests_end) = (conn.cloud, conn.account_id, Cell::new(None));
        Ok(Session { cloud, origin, account_id, credentials, policy, identity, deadline, requests_end })
    }

    /// When this card must have returned, so that a wait ends before the host stops the run.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// Runs `work` with every request it sends over by `end` (retries and timeouts included).
    pub fn ending_by<T>(&self, end: Option<Instant>, work: impl FnOnce() -> T) -> T {
        let before = self.requests_end.replace(end);
        let done = work();
        self.requests_end.set(before);
        done
    }

    /// The origin requests go to (`https://accounts.cloud.databricks.com`, or the host override).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The account ID.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The service principal and secret the connection names.
    pub fn identity(&self) -> &ConfiguredIdentity {
        &self.identity
    }

    /// Whether the connection signs in as a person (OAuth U2M).
    pub fn uses_u2m(&self) -> bool {
        self.credentials.u2m().is_some()
    }

    /// Whether the connection signs in with a SCIM token (account SCIM only).
    pub fn uses_scim_token(&self) -> bool {
        self.credentials.is_scim_token()
    }

    /// Signs in now: an OAuth token from the token endpoint itself, past any token a host shares
    /// between runs, so that a health check proves the credentials still work. A SCIM token has
    /// nothing to mint: it is checked by the first call that uses it.
    pub fn sign_in(&self) -> Result<(), CardError> {
        if self.credentials.is_scim_token() {
            return Ok(());
        }
        self.credentials
            .bearer_token(&self.origin, &self.account_id, &self.policy, true)
            .map(drop)
            .map_err(|error| self.explain(self.credentials.redact_error(error)))
    }

    /// Proves that other client credentials (e.g. a secret just created) sign in to this
    /// account, by minting a token with them that is then dropped.
    pub fn confirm_client_credentials(&self, client_id: &str, client_secret: &str) -> Result<(), CardError> {
        auth::confirm_client_credentials(&self.origin, &self.account_id, client_id, client_secret, &self.policy)
            .map_err(|error| self.credentials.redact_error(error))
    }

    /// The cloud the account is on, for cards that exist only on some clouds.
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    /// Whether Databricks offers what this card does on the connection's cloud (its `@clouds` tag).
    pub fn allows(&self, gate: Gate) -> bool {
        gate.clouds.is_none_or(|clouds| clouds.contains(&self.cloud))
    }

    /// Refuses, without a request, a card Databricks offers only on some clouds (its `@clouds` tag).
    pub fn require(&self, gate: Gate) -> Result<(), CardError> {
        let Some(clouds) = gate.clouds.filter(|_| !self.allows(gate)) else { return Ok(()) };
        let offered: Vec<&str> = clouds.iter().copied().map(cloud_name).collect();
        Err(CardError::Unsupported(format!(
            "unsupported on this cloud: Databricks offers what `{}` does on {} only; this connection's cloud is {}",
            gate.id,
            offered.join(", "),
            cloud_name(self.cloud)
        )))
    }

    /// The API path of an account resource: `/api/<version>/accounts/{account_id}/<rest>`.
    pub fn account_path(&self, version: ApiVersion, rest: &str) -> String {
        let version = match version {
            ApiVersion::V2_0 => "2.0",
            ApiVersion::V2_1 => "2.1",
            ApiVersion::Preview => "2.0/preview",
        };
        format!("/api/{version}/accounts/{}/{rest}", self.account_id)
    }

    /// The API generation account SCIM calls use with these credentials: a SCIM token
    /// is only valid on `/api/2.1/…/scim/v2/`, OAuth uses `/api/2.0` like the SDKs.
    pub fn scim_version(&self) -> ApiVersion {
        if self.credentials.is_scim_token() { ApiVersion::V2_1 } else { ApiVersion::V2_0 }
    }

    /// Sends a request with the connection's credentials and returns the successful
    /// response, or the Databricks error decoded into a `card-error`. Throttling and
    /// transient failures are retried within the policy's budget (see `retry`); a
    /// rejected OAuth token is replaced and the request replayed, once.
    pub fn send(&self, request: Request) -> Result<Response, CardError> {
        self.credentials.check_allowed(&request.path, &self.scim_prefix())?;
        let idempotent = request.method.is_idempotent();
        let mut replayed = false;
        let end = self.requests_end.get();
        retry::run(self.policy.ending_by(end, Instant::now()).retry_budget, || {
            let policy = self.policy.ending_by(end, Instant::now());
            let token = match self.credentials.bearer_token(&self.origin, &self.account_id, &policy, replayed) {
                Ok(token) => token,
                Err(error) => return Outcome::Failed { error, response: None, decision: Decision::Fail },
            };
            let sent = http::send(&self.origin, &request, &format!("Bearer {token}"), policy.timeouts);
            let outcome = retry::assess(idempotent, sent, errors::decode);
            if let Outcome::Failed { error, response: Some(response), .. } = &outcome
                && !replayed
                && self.credentials.can_refresh()
                && auth::token_rejected(response, error)
            {
                self.credentials.forget_token(&token);
                replayed = true;
                return Outcome::Replay;
            }
            outcome
        })
        .map_err(|error| self.explain(self.credentials.redact_error(error)))
    }

    /// The error with every form of every secret of the connection removed from every field
    /// (and cut to length): what every card error and every error a card output holds goes
    /// through.
    pub fn sanitize(&self, error: CardError) -> CardError {
        self.credentials.redact_error(error)
    }

    /// `text` (an answer a card hands over as it is) without any secret of the connection.
    pub fn redact_text(&self, text: &mut String) {
        self.credentials.secrets().redact(text);
    }

    /// Adds what a flow builder needs to fix a refused sign-in that has a known cause.
    fn explain(&self, mut error: CardError) -> CardError {
        if let CardError::Unauthenticated(api) = &mut error
            && self.cloud == Cloud::Azure
            && api.error_code.as_deref() == Some("invalid_client")
            && matches!(self.credentials, Credentials::OAuthM2m { .. })
        {
            api.message.push_str(
                " (on Azure, the client secret must be a Databricks OAuth secret of the service principal: \
                 secrets of Microsoft Entra ID service principals are not accepted by Databricks OAuth. \
                 Create one under account console → Service principals → Secrets)",
            );
        }
        // A static SCIM token or a host-refreshed U2M token that Databricks reports expired is
        // not replaced here: say so with one code a flow can branch on.
        // (An M2M token is replaced and the request replayed, so its 401 keeps Databricks' code.)
        let remedy = match &self.credentials {
            Credentials::ScimToken(_) => Some("the SCIM token has expired; generate a new one in the account console"),
            Credentials::OAuthU2m(_) => Some("the access token has expired; call refresh-oauth-tokens and store the new token set"),
            Credentials::OAuthM2m { .. } => None,
        };
        if let CardError::Unauthenticated(api) = &mut error
            && let Some(remedy) = remedy
            && api.status == 401
            && api.message.to_ascii_lowercase().contains("expired")
        {
            api.error_code = Some("expired_token".into());
            api.message = format!("{remedy} ({})", api.message);
        }
        error
    }

    /// The only path prefix a SCIM token may call.
    fn scim_prefix(&self) -> String {
        self.account_path(ApiVersion::V2_1, "scim/v2/")
    }
}
