//! The environment every end-to-end test runs in: a fresh fake account, the real
//! harness with the real component, and helpers to read what the fake received.

pub mod runner;

pub use e2e_macros::scenario;
/// For `#[scenario]`'s expansion.
#[doc(hidden)]
pub use inventory;

use fake_account::{FakeAccount, FakeConfig, RecordedRequest, Seed};
use host_harness::{CardOutcome, Harness, RunOptions};
use serde_json::Value;
use std::sync::Arc;

/// A client secret that must never appear in any output, error or message.
pub const SENTINEL_SECRET: &str = "SENTINEL-client-secret-7f3a9c";
/// A SCIM token that must never appear in any output, error or message.
pub const SENTINEL_SCIM_TOKEN: &str = "SENTINEL-scim-token-51d2e8";

/// One fake account, the harness, and the connection a test runs cards with.
pub struct Env {
    pub fake: FakeAccount,
    pub harness: Arc<Harness>,
    pub connection: Value,
    pub options: RunOptions,
}

/// Which credentials the connection carries.
#[derive(Clone, Copy)]
pub enum Login {
    OAuthM2m,
    ScimToken,
}

impl Env {
    /// A demo-seeded account, connected with OAuth M2M.
    pub async fn demo() -> Env {
        Env::start(Seed::Demo, Login::OAuthM2m).await
    }

    /// An account holding only the connection's service principal.
    pub async fn empty() -> Env {
        Env::start(Seed::Empty, Login::OAuthM2m).await
    }

    pub async fn start(seed: Seed, login: Login) -> Env {
        Env::with_config(FakeConfig { seed, ..FakeConfig::default() }, login).await
    }

    /// An account with a particular configuration; its secrets are always the sentinels.
    pub async fn with_config(config: FakeConfig, login: Login) -> Env {
        let config = FakeConfig { client_secret: SENTINEL_SECRET.to_string(), scim_token: SENTINEL_SCIM_TOKEN.to_string(), ..config };
        Env::with_own_secrets(config, login).await
    }

    /// A client ID of its own for each account of the process (unless the test chose one), so
    /// that each is a connection of its own: a fake that gets the port of one that has stopped
    /// must not be sent the token the host shares for that one's connection.
    fn own_client_id(config: FakeConfig) -> FakeConfig {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        if config.client_id != FakeConfig::default().client_id {
            return config;
        }
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (head, _) = config.client_id.rsplit_once('-').expect("a UUID");
        FakeConfig { client_id: format!("{head}-{n:012x}"), ..config }
    }

    /// An account whose secrets are the config's own (the attack suite's, with characters that
    /// encode differently in each form).
    pub async fn with_own_secrets(config: FakeConfig, login: Login) -> Env {
        let config = Env::own_client_id(config);
        let fake = FakeAccount::start(config).await.expect("fake account starts");
        let connection = match login {
            Login::OAuthM2m => fake.m2m_connection(),
            Login::ScimToken => fake.scim_token_connection(),
        };
        Env { fake, harness: harness(), connection, options: RunOptions::default() }
    }

    pub fn account_id(&self) -> String {
        self.fake.config().account_id.clone()
    }

    /// `/api/2.0/accounts/{account_id}/<rest>`.
    pub fn api(&self, rest: &str) -> String {
        format!("/api/2.0/accounts/{}/{rest}", self.account_id())
    }

    /// Runs a card; `Ok` is its output, `Err` its card error. A harness failure
    /// (trap, bad JSON for the types) fails the test.
    pub async fn run(&self, card: &str, input: Value) -> Result<Value, Value> {
        self.run_with(card, &self.connection, input).await
    }

    /// Runs a card with another connection. A success the fake answered itself (no injected
    /// fault played meanwhile) counts for coverage (`runner`).
    pub async fn run_with(&self, card: &str, connection: &Value, input: Value) -> Result<Value, Value> {
        let faults_before = self.fake.faults_injected();
        let outcome =
            self.harness.run(card, connection, &input, &self.options).await.unwrap_or_else(|e| panic!("{card}: harness failure: {e}"));
        if outcome.is_ok() && self.fake.faults_injected() == faults_before {
            runner::record_success(card);
        }
        let result = match outcome {
            CardOutcome::Ok(v) => Ok(v),
            CardOutcome::Err(e) => Err(e),
        };
        assert_no_secret(card, &result);
        result
    }

    /// Runs a card that must succeed.
    pub async fn ok(&self, card: &str, input: Value) -> Value {
        self.run(card, input).await.unwrap_or_else(|e| panic!("{card} failed: {e}"))
    }

    /// Runs a card that must fail; returns `(case, payload)` of the card error.
    pub async fn err(&self, card: &str, input: Value) -> (String, Value) {
        match self.run(card, input).await {
            Ok(v) => panic!("{card} should have failed but returned {v}"),
            Err(e) => error_case(&e),
        }
    }

    /// Requests the fake received on the account API (token requests left out).
    pub fn api_requests(&self) -> Vec<RecordedRequest> {
        self.fake.requests().into_iter().filter(|r| r.path.starts_with("/api/")).collect()
    }

    /// Requests the fake received on the token endpoint.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.fake.requests().into_iter().filter(|r| r.path.ends_with("/v1/token")).collect()
    }

    /// The only account API request of the last card run (the journal is cleared first).
    pub fn single_api_request(&self) -> RecordedRequest {
        let mut requests = self.api_requests();
        assert_eq!(requests.len(), 1, "expected one API request, got {:?}", summary(&requests));
        requests.remove(0)
    }

    /// Forgets what the fake received so far.
    pub fn clear(&self) {
        self.fake.clear_requests();
    }

    /// The SCIM ID of a seeded record found by a field value in the fake's snapshot.
    pub fn find_id(&self, collection: &str, field: &str, value: &str) -> String {
        let snapshot = self.fake.snapshot();
        snapshot[collection]
            .as_array()
            .and_then(|items| items.iter().find(|i| i[field] == value))
            .and_then(|i| i["id"].as_str())
            .unwrap_or_else(|| panic!("no {collection} with {field} = {value} in {snapshot}"))
            .to_string()
    }
}

/// A GET as a browser sends it (no redirect following): the status and the `Location` header.
pub async fn browser_get(url: &str) -> (u16, Option<String>) {
    use http_body_util::Empty;
    use hyper_util::client::legacy::Client;
    let client: Client<_, Empty<hyper::body::Bytes>> = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.get(url.parse().expect("a URL")).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (response.status().as_u16(), location)
}

/// A PKCE pair: a verifier and its S256 challenge.
pub fn pkce(verifier: &str) -> (String, String) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier.to_string(), challenge)
}

/// The component is compiled (or loaded from its cache) once per test process.
fn harness() -> Arc<Harness> {
    static HARNESS: std::sync::OnceLock<Arc<Harness>> = std::sync::OnceLock::new();
    // Unpaced: the scenarios run many writes on one account in a row, and pacing them at
    // Databricks' rates would only make the suite slow (pacing has its own tests).
    let config = host_harness::HarnessConfig { pacing: None, ..host_harness::HarnessConfig::default() };
    HARNESS
        .get_or_init(|| Arc::new(Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).expect("the embedded component loads")))
        .clone()
}

/// `(case, payload)` of a card error such as `{"not_found": {...}}`.
pub fn error_case(error: &Value) -> (String, Value) {
    let object = error.as_object().filter(|o| o.len() == 1).unwrap_or_else(|| panic!("not a card error: {error}"));
    let (case, payload) = object.iter().next().expect("one case");
    (case.clone(), payload.clone())
}

/// Method and path of each request, for assertion messages.
pub fn summary(requests: &[RecordedRequest]) -> Vec<String> {
    requests.iter().map(|r| format!("{} {}", r.method, r.path)).collect()
}

/// No output and no error may ever carry a secret of the connection.
fn assert_no_secret(card: &str, result: &Result<Value, Value>) {
    let text = match result {
        Ok(v) | Err(v) => v.to_string(),
    };
    for secret in [SENTINEL_SECRET, SENTINEL_SCIM_TOKEN] {
        assert!(!text.contains(secret), "{card} leaked a secret: {text}");
    }
}
