//! The one path from a card to Databricks: where the account is, how to sign in,
//! how to send a request and how to read the answer. Cards never build HTTP by hand.

mod auth;
mod errors;
mod http;
mod origin;
pub mod pages;
mod policy;
pub mod rest;
mod retry;
pub mod scim;

#[cfg(test)]
mod decoder_properties;

use crate::validate;
use crate::wit::{CardError, Cloud, Connection};

pub use http::{Method, Request, Response};

use auth::Credentials;
use policy::Policy;
use retry::{Decision, Outcome};

/// The account API generation of a path: SCIM answers on both, with different auth rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/api/2.0/accounts/{account_id}/…`: the official SDKs' path for everything but budgets.
    V2_0,
    /// `/api/2.1/accounts/{account_id}/…`: budgets, and the only SCIM path a SCIM token may call.
    V2_1,
}

/// A validated connection, ready to send requests for one card run.
pub struct Session {
    cloud: Cloud,
    origin: String,
    account_id: String,
    credentials: Credentials,
    policy: Policy,
}

impl Session {
    /// Validates the connection (before any request) and prepares the session.
    pub fn open(conn: Connection) -> Result<Session, CardError> {
        validate::uuid("connection.account-id", &conn.account_id)?;
        let origin = origin::resolve(conn.cloud, conn.host_override.as_deref())?;
        let credentials = Credentials::from_auth(conn.auth)?;
        let policy = Policy::from_wit(conn.policy)?;
        Ok(Session { cloud: conn.cloud, origin, account_id: conn.account_id, credentials, policy })
    }

    /// The cloud the account is on, for cards that exist only on some clouds.
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    /// Refuses, without a request, a card Databricks offers only on `clouds`.
    pub fn require_cloud(&self, clouds: &[Cloud], what: &str) -> Result<(), CardError> {
        if clouds.contains(&self.cloud) {
            return Ok(());
        }
        let name = |c: &Cloud| match c {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
            Cloud::AwsGov => "aws-gov",
            Cloud::AwsGovDod => "aws-gov-dod",
        };
        let offered: Vec<&str> = clouds.iter().map(name).collect();
        Err(CardError::Unsupported(format!(
            "unsupported on this cloud: Databricks offers {what} on {} only; this connection's cloud is {}",
            offered.join(", "),
            name(&self.cloud)
        )))
    }

    /// The API path of an account resource: `/api/<version>/accounts/{account_id}/<rest>`.
    pub fn account_path(&self, version: ApiVersion, rest: &str) -> String {
        let version = match version {
            ApiVersion::V2_0 => "2.0",
            ApiVersion::V2_1 => "2.1",
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
        retry::run(self.policy.retry_budget, || {
            let token = match self.credentials.bearer_token(&self.origin, &self.account_id, &self.policy) {
                Ok(token) => token,
                Err(error) => return Outcome::Failed { error, response: None, decision: Decision::Fail },
            };
            let sent = http::send(&self.origin, &request, &format!("Bearer {token}"), self.policy.timeouts);
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
        .map_err(|error| self.credentials.redact_error(error))
    }

    /// The only path prefix a SCIM token may call.
    fn scim_prefix(&self) -> String {
        self.account_path(ApiVersion::V2_1, "scim/v2/")
    }
}
