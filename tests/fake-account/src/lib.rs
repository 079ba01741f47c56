//! A stateful in-memory Databricks account on loopback, written from Databricks' API
//! reference (not from our client): the OAuth token endpoint with expiring tokens,
//! OIDC discovery, the account SCIM API for users, groups and service principals
//! with filters, sorting, paging, PATCH and PUT semantics, and the account's other APIs
//! (provisioning and networking, settings, access control, OAuth apps and federation,
//! billing, Unity Catalog) with Databricks' validation, references, etags, long-running
//! changes and error bodies. It records every request and can answer with injected faults.

// Handlers answer errors with axum's `Response`, as axum intends; its size does not matter here.
#![allow(clippy::result_large_err)]

mod access_control;
mod apps;
mod budget_policies;
mod budgets;
mod catalog;
mod collection;
mod common;
mod connectivity;
mod dashboards;
mod errors;
mod family;
mod federation;
mod filter;
mod ids;
mod ip_lists;
mod limits;
mod log_delivery;
mod mask;
mod network_policies;
mod oauth;
mod patch;
mod permissions;
mod progress;
mod provisioning;
mod published_apps;
pub mod python_sdk;
mod scim;
mod secrets;
mod seed;
pub use seed::example_ids;
mod server;
mod settings;
mod state;
mod storage_credentials;
mod store;
mod u2m;
mod usage;
mod workspaces;

use serde_json::{Value, json};
use state::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the fake account accepts and holds.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The account ID (a UUID).
    pub account_id: String,
    /// The OAuth M2M client the token endpoint accepts: the service principal's application ID.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// The static SCIM token.
    pub scim_token: String,
    /// How long access tokens live (Databricks: one hour).
    pub token_ttl: Duration,
    /// How long the configured client secret lives from the fake's start (Databricks' default: 730 days).
    pub secret_lifetime: Duration,
    /// What the account holds at start.
    pub seed: Seed,
    /// The person the authorize endpoint signs in (auto-approved: tests need no browser).
    pub login_user: String,
    /// Which GET of a workspace, after its create or update, shows it `RUNNING` (or the outcome
    /// a test chose): the earlier ones show `PROVISIONING`, as Databricks does for minutes.
    /// The default, 2, lets the SDKs' waiters (they sleep about 1 s after the first poll) finish
    /// in about a second; 0 and 1 both mean the first GET.
    pub workspace_provisioning_reads: u32,
    /// When set, a workspace also shows its outcome on the first GET once this long has passed
    /// since its create or update (a provisioning that takes time rather than reads).
    pub workspace_provisioning_time: Option<Duration>,
    /// Which GET of a new private endpoint rule shows it `ESTABLISHED` (approved); the earlier
    /// ones show `PENDING`. Default 2.
    pub endpoint_connection_reads: u32,
    /// Enforce Databricks' per-account request limits (account SCIM: GET 20/s, LIST 240/min,
    /// PATCH 2/s, POST/PUT/DELETE 5/s), multiplied by this factor; `None` (the default): no limits.
    pub rate_limits: Option<f64>,
    /// Wait this long before answering every request (a remote account's round trip).
    pub latency: Duration,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            account_id: "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d".into(),
            client_id: "8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d".into(),
            client_secret: "dose-fake-secret-0123456789".into(),
            scim_token: "dsapi-fake-scim-token-0123456789".into(),
            token_ttl: Duration::from_secs(3600),
            secret_lifetime: Duration::from_secs(730 * 86_400),
            seed: Seed::Demo,
            login_user: "ada.lovelace@example.com".into(),
            workspace_provisioning_reads: 2,
            workspace_provisioning_time: None,
            endpoint_connection_reads: 2,
            rate_limits: None,
            latency: Duration::ZERO,
        }
    }
}

/// The account's content at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// A small realistic account: people, groups with members, and the connection's service principal.
    Demo,
    /// Only the connection's service principal (an account admin).
    Empty,
    /// The Demo account plus one object of each kind the other cards read (metastore, IP access
    /// list, budget, ...) under the fixed IDs of [`example_ids`]: the card list's example inputs
    /// run against it.
    Examples,
}

/// A request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in order (`+` and `%20` decode to a space).
    pub query: Vec<(String, String)>,
    /// Header names are lower-case.
    pub headers: Vec<(String, String)>,
    /// The body, when it is JSON.
    pub body: Option<Value>,
    /// The body as text (form bodies of the token endpoint land here).
    pub raw_body: String,
}

impl RecordedRequest {
    fn new(parts: &axum::http::request::Parts, body: &[u8]) -> Self {
        RecordedRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body: serde_json::from_slice(body).ok(),
            raw_body: String::from_utf8_lossy(body).into_owned(),
        }
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the fake does instead of answering normally, to the next `times` requests whose
/// method, path and query match. Faults queued for the same requests play in order, so a
/// script such as 503, 503, 429 is three faults pushed in that order.
#[derive(Clone, Debug)]
pub struct Fault {
    /// `None` matches any method.
    pub method: Option<String>,
    /// Matches when the request path contains this.
    pub path_contains: String,
    /// When set, matches only when the raw query contains this (e.g. `startIndex=101`).
    pub query_contains: Option<String>,
    pub action: FaultAction,
    pub times: u32,
}

/// The misbehaviours the fake can script.
#[derive(Clone, Debug)]
pub enum FaultAction {
    /// Answer with this status, content type, body and headers (e.g. `retry-after`). Like a
    /// hostile server reflecting what it was sent, `{{authorization}}` in the body or a header
    /// value becomes the request's `Authorization` header, `{{credential}}` the part of it after
    /// the scheme (a bearer token, or base64 of `client_id:secret`), and `{{form}}` the request
    /// body (a token request's form, refresh token and all).
    Respond { status: u16, content_type: String, body: String, headers: Vec<(String, String)> },
    /// Wait this long, then answer normally (latency).
    Delay(std::time::Duration),
    /// Send the response head, then break the connection before the body.
    Reset,
    /// Declare a body of `body.len() + missing` bytes and send only `body` (truncated).
    Truncate { status: u16, content_type: String, body: String, missing: usize },
    /// Another client writes first, then the request is answered normally: the race a
    /// read-modify-write loses, so its etag is stale and the fake's own 409 answers it.
    WriteFirst(ConcurrentWrite),
}

/// What another client writes in a [`FaultAction::WriteFirst`].
#[derive(Clone, Debug)]
pub enum ConcurrentWrite {
    /// Saves the account setting of this type again: the same value under a new etag.
    Setting(String),
    /// Grants `role` to `principal` on the rule set `rule_set` (a new etag).
    Grant { rule_set: String, role: String, principal: String },
}

impl Fault {
    /// A fault on every method of paths containing `path_contains`, once.
    pub fn new(path_contains: &str, action: FaultAction) -> Fault {
        Fault { method: None, path_contains: path_contains.to_string(), query_contains: None, action, times: 1 }
    }

    /// Only for this method.
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_string());
        self
    }

    /// Only when the query contains this.
    pub fn query(mut self, query_contains: &str) -> Fault {
        self.query_contains = Some(query_contains.to_string());
        self
    }

    /// For this many matching requests.
    pub fn times(mut self, times: u32) -> Fault {
        self.times = times;
        self
    }
}

impl FaultAction {
    /// An answer with a status, a JSON body and headers.
    pub fn json(status: u16, body: serde_json::Value, headers: &[(&str, &str)]) -> FaultAction {
        FaultAction::Respond {
            status,
            content_type: "application/json".into(),
            body: body.to_string(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    /// An answer with any content type and body.
    pub fn raw(status: u16, content_type: &str, body: &str) -> FaultAction {
        FaultAction::Respond { status, content_type: content_type.into(), body: body.into(), headers: Vec::new() }
    }
}

/// A running fake account; it stops when dropped.
pub struct FakeAccount {
    shared: Arc<Shared>,
    service_principal_id: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// How many connections may wait to be accepted. tokio's `TcpListener::bind` allows 1,024: a
/// burst of a thousand new connections overflowed it now and then, and the kernel's dropped
/// SYNs came back a second later (bursts at ~600 runs/s against ~1,500). Databricks' front end
/// does not drop connections like that; the kernel caps this at `net.core.somaxconn`.
const ACCEPT_BACKLOG: u32 = 8192;

fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As `TcpListener::bind` does: a restarted fake can take its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

impl FakeAccount {
    /// Starts on a free loopback port.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeAccount> {
        FakeAccount::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    pub async fn start_on(addr: SocketAddr, config: FakeConfig) -> std::io::Result<FakeAccount> {
        let listener = listen(addr)?;
        let local = listener.local_addr()?;
        let (state, service_principal_id) = seed::account(&config);
        let shared = Arc::new(Shared::new(config, format!("http://{local}"), state));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        // One service for every connection: served as a plain `Router`, axum rebuilds its route
        // tables for each accepted connection (~32 KB each for this many routes, measured with
        // heaptrack), which a burst of a thousand connections notices.
        let app = server::router(shared.clone()).into_make_service();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the fake account stopped");
            }
        });
        Ok(FakeAccount { shared, service_principal_id, shutdown: Some(shutdown) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// The SCIM ID of the service principal the M2M client belongs to.
    pub fn service_principal_id(&self) -> String {
        self.service_principal_id.clone()
    }

    /// An OAuth M2M connection to this account (the harness's JSON form).
    pub fn m2m_connection(&self) -> Value {
        let c = self.config();
        json!({
            "cloud": "aws",
            "account_id": c.account_id,
            "auth": {"oauth_m2m": {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "scopes": null,
                "service_principal_id": self.service_principal_id,
                "secret_id": secrets::CONNECTION_SECRET_ID,
            }},
            "host_override": self.base_url(),
        })
    }

    /// A SCIM-token connection to this account.
    pub fn scim_token_connection(&self) -> Value {
        json!({
            "cloud": "aws",
            "account_id": self.config().account_id,
            "auth": {"scim_token": {"token": self.config().scim_token}},
            "host_override": self.base_url(),
        })
    }

    /// The ID of the configured client secret among the service principal's OAuth secrets.
    pub fn connection_secret_id(&self) -> &'static str {
        secrets::CONNECTION_SECRET_ID
    }

    /// Moves the expiry of a service principal's OAuth secret; false when there is no such secret.
    pub fn set_secret_expiry(&self, service_principal_id: &str, secret_id: &str, expires: std::time::SystemTime) -> bool {
        secrets::set_expiry(&mut self.shared.state(), service_principal_id, secret_id, expires)
    }

    /// Every U2M refresh token issued so far stops working (as when a user's tokens are revoked).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.state().u2m.refresh_tokens.clear();
    }

    /// The static SCIM token expires from now on (401 `Token is expired`).
    pub fn expire_scim_token(&self) {
        self.shared.state().scim_token_expired = true;
    }

    /// A U2M connection (no tokens yet) for a custom app's client ID and, when confidential, secret.
    pub fn u2m_connection(&self, client_id: &str, client_secret: Option<&str>) -> Value {
        json!({
            "cloud": "aws",
            "account_id": self.config().account_id,
            "auth": {"oauth_u2m": {
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": null,
                "access_token": null,
                "access_token_expires_at": null,
                "scopes": null,
            }},
            "host_override": self.base_url(),
        })
    }

    /// The next workspace create or update ends `FAILED` with this `workspace_status_message`,
    /// on the GET that would have shown it `RUNNING` (a provisioning Databricks gives up on: the
    /// SDKs' waiters raise with the message).
    pub fn fail_next_workspace(&self, message: &str) {
        self.shared.state().next_workspace = Some(progress::Outcome::Failed(message.to_string()));
    }

    /// The next workspace create or update stays `PROVISIONING`, however often it is read (for
    /// a waiter's timeout).
    pub fn stall_next_workspace(&self) {
        self.shared.state().next_workspace = Some(progress::Outcome::Stalled);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().journal.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.state().journal.clear();
    }

    /// Every access token issued so far is expired from now on.
    pub fn expire_all_tokens(&self) {
        let past = Instant::now();
        for expiry in self.shared.state().tokens.values_mut() {
            *expiry = past;
        }
    }

    /// The next matching request(s) get this fault instead of a normal answer.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.state().faults.push(fault);
    }

    /// Forgets the faults not played yet.
    pub fn clear_faults(&self) {
        self.shared.state().faults.clear();
    }

    /// How many faults were played so far.
    pub fn faults_injected(&self) -> u64 {
        self.shared.state().faults_played
    }

    /// Requests answered 429 by the rate limits of `FakeConfig::rate_limits`.
    pub fn throttled(&self) -> u64 {
        self.shared.state().limits.refused
    }

    /// Every identity as SCIM GET shows it (groups with members).
    pub fn snapshot(&self) -> Value {
        let store = &self.shared.state().store;
        json!({
            "users": store.all(store::Kind::Users),
            "groups": store.all(store::Kind::Groups),
            "service_principals": store.all(store::Kind::ServicePrincipals),
        })
    }

    /// Adds `count` users `prefix-0001@example.com`, … (for paging tests).
    pub fn insert_users(&self, count: usize, prefix: &str) {
        // A name an existing user has only means that user is there already.
        self.shared.state().store.create_users((1..=count).map(|n| format!("{prefix}-{n:04}@example.com")));
    }
}

impl Drop for FakeAccount {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
