//! The baseline a card run is held to: the same HTTP requests the card sent, replayed by a native
//! Rust client with keep-alive and a token minted once (when it is first needed, for all the
//! requests waiting on it).

use anyhow::{Context, bail};
use base64::Engine as _;
use bytes::Bytes;
use fake_account::{FakeAccount, RecordedRequest};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;

/// A native client with keep-alive and a token minted once: the floor a card run is held to.
pub struct Native {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    /// The token request's URI and `Basic` credentials, for the one mint.
    token_uri: String,
    basic: String,
    token: tokio::sync::OnceCell<String>,
}

impl Native {
    /// A client of `fake`, with a token minted at its token endpoint.
    pub async fn new(fake: &FakeAccount) -> anyhow::Result<Native> {
        let config = fake.config();
        Native::connect(&fake.base_url(), &config.account_id, &config.client_id, &config.client_secret).await
    }

    /// A client of `fake` that mints its token when its first request needs it, as a harness
    /// that has not yet seen the connection does: a burst on it pays for that round trip.
    pub fn unminted(fake: &FakeAccount) -> Native {
        let config = fake.config();
        Native::unminted_at(&fake.base_url(), &config.account_id, &config.client_id, &config.client_secret)
    }

    /// A client of the account at `base`, with a token minted for this client.
    pub async fn connect(base: &str, account_id: &str, client_id: &str, client_secret: &str) -> anyhow::Result<Native> {
        let native = Native::unminted_at(base, account_id, client_id, client_secret);
        native.token().await?;
        Ok(native)
    }

    fn unminted_at(base: &str, account_id: &str, client_id: &str, client_secret: &str) -> Native {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
        let base = base.trim_end_matches('/').to_string();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}"));
        let token_uri = format!("{base}/oidc/accounts/{account_id}/v1/token");
        Native { client, base, token_uri, basic, token: tokio::sync::OnceCell::new() }
    }

    /// The client's token, minted by the first caller while the others wait for it.
    async fn token(&self) -> anyhow::Result<&str> {
        let token = self
            .token
            .get_or_try_init(|| async {
                let request = http::Request::post(&self.token_uri)
                    .header("authorization", format!("Basic {}", self.basic))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Full::new(Bytes::from_static(b"grant_type=client_credentials&scope=all-apis")))?;
                let response = self.client.request(request).await?;
                let body = response.into_body().collect().await?.to_bytes();
                let token: Value = serde_json::from_slice(&body)?;
                anyhow::Ok(token["access_token"].as_str().context("the fake mints a token")?.to_string())
            })
            .await?;
        Ok(token)
    }

    /// A GET of `path` to replay.
    pub fn get(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            raw_body: String::new(),
        }
    }

    /// Sends these requests (as the card sent them) one after the other and reads each body.
    pub async fn replay(&self, requests: &[RecordedRequest]) -> anyhow::Result<()> {
        for recorded in requests {
            let mut uri = format!("{}{}", self.base, recorded.path);
            if !recorded.query.is_empty() {
                let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&recorded.query).finish();
                uri.push('?');
                uri.push_str(&query);
            }
            let mut request = http::Request::builder()
                .method(recorded.method.as_str())
                .uri(uri)
                .header("authorization", format!("Bearer {}", self.token().await?));
            if let Some(content_type) = recorded.header("content-type") {
                request = request.header("content-type", content_type);
            }
            let request = request.body(Full::new(Bytes::from(recorded.raw_body.clone())))?;
            let response = self.client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            if !status.is_success() {
                bail!("native replay of {} {}: {status}", recorded.method, recorded.path);
            }
            // Parse the body as the card does, so both sides pay for JSON decoding.
            if !body.is_empty() {
                let _: Value = serde_json::from_slice(&body)?;
            }
        }
        Ok(())
    }
}

/// The account API requests the fake received (its journal, token requests left out): what the
/// native client replays.
pub fn api_requests(fake: &FakeAccount) -> Vec<RecordedRequest> {
    fake.requests().into_iter().filter(|r| !r.path.ends_with("/v1/token")).collect()
}
