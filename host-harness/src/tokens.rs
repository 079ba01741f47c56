//! One OAuth token per connection, however many runs are in flight: the host answers a guest's
//! client-credentials token request (RFC 6749 §4.4: a form POST with
//! `grant_type=client_credentials`) from the answer to the same request, while its token is
//! fresh. Nothing here knows Databricks: an exchange is recognised by OAuth's own form, and the
//! component keeps importing standard `wasi:http` only.
//!
//! - **Keyed by the whole request**: SHA-256 of the URL, the `Authorization` header (the client
//!   secret, in HTTP Basic) and the body (client ID, scopes). Two connections that differ in
//!   anything — a secret, a scope, an account, a host — never share a token.
//! - **Single flight**: concurrent identical requests wait for the first one's answer, so a
//!   thousand cold runs of one connection mint one token.
//! - **Fresh only**: an answer is reused until [`REFRESH_MARGIN`] before its `expires_in`, and
//!   handed back with `expires_in` counting down, so the guest's own refresh-ahead still holds.
//! - **Forgotten when refused**: a 401 to a request carrying a shared token drops it, so the
//!   guest's next token request goes to the network.
//! - **Optionally on disk** (the CLI, between processes): one file per key, mode 0600 in a 0700
//!   directory, written through a fresh temp file; an unreadable or stale file is ignored and
//!   replaced.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wasmtime_wasi_http::{Error, WasiBody};

/// How long before its expiry a shared token stops being handed out (shortened to half the
/// lifetime of short-lived tokens).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// The largest token request or answer read (Databricks' are a few hundred bytes).
const MAX_EXCHANGE_BYTES: usize = 64 * 1024;

/// Counters of token sharing, from [`Harness::token_stats`](crate::Harness::token_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenStats {
    /// Token requests sent to the network (tokens minted).
    pub minted: u64,
    /// Token requests answered with a shared token.
    pub shared: u64,
    /// Shared tokens dropped because a request with one was refused (401).
    pub forgotten: u64,
}

/// A token answer kept for reuse.
#[derive(Clone)]
struct Kept {
    body: Value,
    access_token: String,
    /// When it stops being handed out (seconds since the epoch).
    until: u64,
    /// When the token itself expires (seconds since the epoch).
    expires: u64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

/// The shared token answers of a harness.
pub(crate) struct TokenShare {
    slots: Mutex<HashMap<[u8; 32], Slot>>,
    directory: Option<PathBuf>,
    minted: AtomicU64,
    shared: AtomicU64,
    forgotten: AtomicU64,
}

/// The answer to a request, as the sender hands it to the guest.
type Answer = wasmtime_wasi_http::Result<http::Response<WasiBody>>;

impl TokenShare {
    /// In memory only, or also in `directory` (created 0700 when missing).
    pub(crate) fn new(directory: Option<PathBuf>) -> TokenShare {
        TokenShare {
            slots: Mutex::new(HashMap::new()),
            directory,
            minted: AtomicU64::new(0),
            shared: AtomicU64::new(0),
            forgotten: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> TokenStats {
        TokenStats {
            minted: self.minted.load(Ordering::Relaxed),
            shared: self.shared.load(Ordering::Relaxed),
            forgotten: self.forgotten.load(Ordering::Relaxed),
        }
    }

    /// Answers a client-credentials token request from a fresh shared answer, or sends it with
    /// `send` (the first of identical concurrent requests; the others wait) and keeps a 200 answer.
    pub(crate) async fn exchange<F, Fut>(&self, parts: http::request::Parts, body: Bytes, send: F) -> Answer
    where
        F: FnOnce(http::Request<WasiBody>) -> Fut,
        Fut: Future<Output = Answer>,
    {
        let key = key(&parts, &body);
        let slot = self.slot(key);
        let mut kept = slot.lock().await;
        let now = now();
        // `Cache-Control: no-cache`: the guest needs a new token (the last one was refused, or it
        // proves credentials); the answer replaces the kept one.
        let renew = parts.headers.get(http::header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("no-cache"));
        if renew {
            *kept = None;
        } else if kept.as_ref().is_none_or(|k| k.until <= now) {
            *kept = self.load(&key).filter(|k| k.until > now);
        }
        if let Some(fresh) = kept.as_ref() {
            self.shared.fetch_add(1, Ordering::Relaxed);
            return Ok(respond(&fresh.body, fresh.expires.saturating_sub(now)));
        }
        self.minted.fetch_add(1, Ordering::Relaxed);
        let request = http::Request::from_parts(parts, full(body));
        let response = send(request).await?;
        let (head, incoming) = response.into_parts();
        let bytes = read_bounded(incoming).await?;
        if head.status == http::StatusCode::OK
            && let Some(fresh) = Kept::of(&bytes, now)
        {
            self.store(&key, &fresh);
            *kept = Some(fresh);
        }
        Ok(http::Response::from_parts(head, full(bytes)))
    }

    /// Drops the shared answer whose token a refused request carried (`Bearer <token>`).
    pub(crate) fn forget(&self, access_token: &str) {
        let slots: Vec<([u8; 32], Slot)> =
            self.slots.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(k, s)| (*k, s.clone())).collect();
        for (key, slot) in slots {
            // A slot locked now is being filled with a new answer: not the refused token's.
            if let Ok(mut kept) = slot.try_lock()
                && kept.as_ref().is_some_and(|k| k.access_token == access_token)
            {
                *kept = None;
                if let Some(path) = self.file(&key) {
                    let _ = std::fs::remove_file(path);
                }
                self.forgotten.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn slot(&self, key: [u8; 32]) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        // Forget answers that can no longer be handed out, so connections that stopped running
        // do not keep tokens in memory.
        let now = now();
        slots.retain(|k, slot| *k == key || slot.try_lock().map_or(true, |kept| kept.as_ref().is_some_and(|k| k.until > now)));
        slots.entry(key).or_default().clone()
    }

    fn file(&self, key: &[u8; 32]) -> Option<PathBuf> {
        let name: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.directory.as_ref().map(|dir| dir.join(format!("{name}.json")))
    }

    /// A kept answer from the directory, when one is there and readable.
    fn load(&self, key: &[u8; 32]) -> Option<Kept> {
        let text = std::fs::read_to_string(self.file(key)?).ok()?;
        let file: Value = serde_json::from_str(&text).ok()?;
        let body = file.get("body")?.clone();
        Some(Kept {
            access_token: body.get("access_token")?.as_str()?.to_string(),
            body,
            until: file["until"].as_u64()?,
            expires: file["expires"].as_u64()?,
        })
    }

    /// Keeps an answer in the directory (best effort: a failure only costs a token next time).
    fn store(&self, key: &[u8; 32], kept: &Kept) {
        let Some(path) = self.file(key) else { return };
        if let Err(error) = write_private(&path, &json!({"body": kept.body, "until": kept.until, "expires": kept.expires}).to_string()) {
            tracing::debug!("the token cache could not be written ({error}); the next process mints its own token");
        }
    }
}

impl Kept {
    /// A 200 token answer worth keeping: JSON with an `access_token` (and `expires_in`, default
    /// one hour, as Databricks' tokens live).
    fn of(bytes: &[u8], now: u64) -> Option<Kept> {
        let body: Value = serde_json::from_slice(bytes).ok()?;
        let access_token = body.get("access_token")?.as_str()?.to_string();
        let lifetime = body.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        let margin = REFRESH_MARGIN.as_secs().min(lifetime / 2);
        Some(Kept { body, access_token, until: now + lifetime - margin, expires: now + lifetime })
    }
}

/// Whether a request is a client-credentials token exchange: a form POST whose body says
/// `grant_type=client_credentials`. Only then is its body read here.
pub(crate) fn is_client_credentials(parts: &http::request::Parts) -> bool {
    parts.method == http::Method::POST
        && parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Whether a form body is a client-credentials grant.
pub(crate) fn grants_client_credentials(body: &[u8]) -> bool {
    form_pairs(body).any(|(name, value)| name == "grant_type" && value == "client_credentials")
}

fn form_pairs(body: &[u8]) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
    form_urlencoded::parse(body)
}

/// The bearer token a request carries, if any.
pub(crate) fn bearer(parts: &http::request::Parts) -> Option<String> {
    let value = parts.headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::to_string)
}

/// Reads a body whole, up to [`MAX_EXCHANGE_BYTES`].
pub(crate) async fn read_bounded(body: WasiBody) -> wasmtime_wasi_http::Result<Bytes> {
    let limited = http_body_util::Limited::new(body, MAX_EXCHANGE_BYTES);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) => match error.downcast::<Error>() {
            Ok(error) => Err(*error),
            Err(_) => Err(Error::HttpRequestBodySize(Some(MAX_EXCHANGE_BYTES as u64))),
        },
    }
}

/// A body of known bytes, as the guest and the sender take one.
pub(crate) fn full(bytes: Bytes) -> WasiBody {
    Full::new(bytes).map_err(|never| match never {}).boxed_unsync()
}

fn key(parts: &http::request::Parts, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"databricks-account token share v1\0");
    hash.update(parts.uri.to_string().as_bytes());
    hash.update(b"\0");
    hash.update(parts.headers.get(http::header::AUTHORIZATION).map_or(&b""[..], |v| v.as_bytes()));
    hash.update(b"\0");
    hash.update(body);
    hash.finalize().into()
}

/// A kept answer handed back with the lifetime it has left.
fn respond(body: &Value, expires_in: u64) -> http::Response<WasiBody> {
    let mut body = body.clone();
    body["expires_in"] = json!(expires_in);
    http::Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(full(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| http::Response::new(full(Bytes::new())))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Writes `text` to `path` with mode 0600 through a fresh temp file in the same directory
/// (created 0700 when missing), so a reader never sees half a file and nothing is written
/// through a link planted at the temp name.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let directory = path.parent().ok_or_else(|| std::io::Error::other("no directory"))?;
    create_private_dir(directory)?;
    let temp = directory.join(format!(".{}.{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("token"), std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let _ = std::fs::remove_file(&temp);
    let mut file = options.open(&temp)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    drop(file);
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = std::fs::remove_file(&temp);
            Err(error)
        }
    }
}

fn create_private_dir(directory: &Path) -> std::io::Result<()> {
    if directory.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(directory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_credentials_grants_are_recognised_by_their_form() {
        assert!(grants_client_credentials(b"grant_type=client_credentials&scope=all-apis"));
        assert!(grants_client_credentials(b"scope=all-apis&grant_type=client%5Fcredentials"));
        assert!(!grants_client_credentials(b"grant_type=refresh_token&refresh_token=x"));
        assert!(!grants_client_credentials(b"grant_type=authorization_code"));
    }

    #[test]
    fn kept_answers_are_reused_until_the_margin_before_expiry() {
        let kept = Kept::of(br#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#, 1000).unwrap();
        assert_eq!((kept.until, kept.expires), (1000 + 3300, 1000 + 3600));
        let short = Kept::of(br#"{"access_token":"t","expires_in":60}"#, 0).unwrap();
        assert_eq!(short.until, 30, "half the lifetime of a short one");
        assert!(Kept::of(br#"{"error":"invalid_client"}"#, 0).is_none());
    }

    #[tokio::test]
    async fn one_request_mints_the_others_wait_and_share() {
        let share = Arc::new(TokenShare::new(None));
        let sent = Arc::new(AtomicU64::new(0));
        let request = || {
            http::Request::post("https://accounts.example/oidc/v1/token")
                .header("authorization", "Basic c2VjcmV0")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        let mut runs = Vec::new();
        for _ in 0..20 {
            let (share, sent) = (share.clone(), sent.clone());
            runs.push(tokio::spawn(async move {
                share
                    .exchange(request(), Bytes::from_static(b"grant_type=client_credentials"), |_| async move {
                        sent.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(http::Response::new(full(Bytes::from_static(br#"{"access_token":"tok","expires_in":3600}"#))))
                    })
                    .await
                    .unwrap()
            }));
        }
        for run in runs {
            let body = run.await.unwrap().into_body().collect().await.unwrap().to_bytes();
            assert!(String::from_utf8_lossy(&body).contains("\"tok\""));
        }
        assert_eq!(sent.load(Ordering::Relaxed), 1, "one token for twenty runs");
        assert_eq!(share.stats(), TokenStats { minted: 1, shared: 19, forgotten: 0 });
        share.forget("tok");
        assert_eq!(share.stats().forgotten, 1);
    }
}
