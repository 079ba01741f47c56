//! `databricks-account login`: OAuth U2M sign-in for a custom app connection, with PKCE, a
//! loopback redirect, and a connection file (mode 0600) holding the person's tokens. The
//! component builds the authorization URL and exchanges the code (`start-oauth-login`,
//! `complete-oauth-login`); this command only generates the PKCE pair, waits for the
//! browser's redirect and writes the file. `run` keeps such a file's tokens fresh with
//! `refresh-oauth-tokens`, saving a rotated refresh token before the card runs. How the file is
//! written (checked before a token is spent, locked, atomic, 0600, recoverable) is
//! `connection_file.rs`'s.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use host_harness::{CardOutcome, Harness, HarnessError, RunOptions};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::connection_file::ConnectionFile;
use crate::output::{outln, pretty};
use crate::run::Deadline;

/// How long `login` waits for the browser to come back.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

/// How long `login` waits for a `run` that is refreshing the same file.
const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(60);

/// `run` refreshes an access token that expires within this margin (the same margin
/// `refresh-oauth-tokens` uses; under the file's lock the card decides).
const REFRESH_AHEAD_SECS: u64 = 5 * 60;

/// The arguments of `login`.
#[derive(clap::Args)]
pub struct LoginArgs {
    /// The account's cloud: aws, azure, gcp, aws_gov, aws_gov_dod.
    #[arg(long, default_value = "aws")]
    cloud: String,
    /// The account ID.
    #[arg(long)]
    account_id: String,
    /// The app connection's client ID.
    #[arg(long)]
    client_id: String,
    /// The environment variable holding the app's client secret (confidential apps only); a
    /// secret is never taken on the command line, where other users could read it.
    #[arg(long, value_name = "VAR")]
    client_secret_env: Option<String>,
    /// An origin to use instead of the cloud's account host (a private endpoint, or the fake account).
    #[arg(long)]
    host_override: Option<String>,
    /// OAuth scopes (repeatable); default `all-apis offline_access`.
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// The loopback port of the redirect URL `http://localhost:PORT/callback` (it must be one of
    /// the app connection's redirect URLs).
    #[arg(long, default_value_t = 8020)]
    port: u16,
    /// Where to write the connection (created with mode 0600).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

/// A PKCE verifier (32 random bytes, base64url) and its S256 challenge.
fn pkce() -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for PKCE: {e}"))?;
    let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Ok((verifier, challenge))
}

fn random_state() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for the login state: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs a card that must succeed; its card error becomes the command's error.
async fn must(harness: &Harness, card: &str, connection: &Value, input: Value) -> anyhow::Result<Value> {
    match harness.run(card, connection, &input, &RunOptions::default()).await? {
        CardOutcome::Ok(output) => Ok(output),
        CardOutcome::Err(error) => Err(anyhow!("{card} failed: {error}")),
    }
}

/// What the browser's redirect carried (its state was this login's).
struct Callback {
    code: Option<String>,
    error: Option<String>,
}

/// Whether the callback's `state` is this login's, compared in constant time.
fn same_state(got: Option<&String>, expected: &str) -> bool {
    got.is_some_and(|got| got.len() == expected.len() && got.bytes().zip(expected.bytes()).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0)
}

/// Serves `GET /callback` on the listener until a redirect with this login's `state` arrives
/// (or the timeout). A callback with another or no state (a forged link, another tab's login) is
/// answered 400 and ignored: it neither ends the login nor is told "Signed in".
async fn wait_for_callback(listener: tokio::net::TcpListener, state: String) -> anyhow::Result<Callback> {
    use axum::extract::Query;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use std::collections::HashMap;
    let (sender, receiver) = tokio::sync::oneshot::channel::<Callback>();
    let sender = Arc::new(Mutex::new(Some(sender)));
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::get(move |Query(q): Query<HashMap<String, String>>| {
            let sender = sender.clone();
            let state = state.clone();
            async move {
                if !same_state(q.get("state"), &state) {
                    eprintln!("Ignored a sign-in redirect that was not this login's (wrong or missing state); still waiting …");
                    let page = "This sign-in link is not this session's: it was ignored. Sign in from the link your terminal printed.";
                    return (StatusCode::BAD_REQUEST, page).into_response();
                }
                let Some(sender) = sender.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() else {
                    return (StatusCode::BAD_REQUEST, "This sign-in link was already used.").into_response();
                };
                let failed = q.contains_key("error");
                let _ = sender.send(Callback { code: q.get("code").cloned(), error: q.get("error").cloned() });
                if failed { "Sign-in failed; see the terminal." } else { "Signed in. You can close this tab." }.into_response()
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let callback = tokio::time::timeout(LOGIN_TIMEOUT, receiver).await;
    server.abort();
    match callback {
        Ok(Ok(callback)) => Ok(callback),
        Ok(Err(_)) => bail!("the callback server stopped"),
        Err(_) => bail!("nobody signed in within {} seconds", LOGIN_TIMEOUT.as_secs()),
    }
}

/// The token set of a U2M card, stored into the connection's `oauth_u2m`.
fn store_tokens(connection: &mut Value, tokens: &Value) {
    let auth = &mut connection["auth"]["oauth_u2m"];
    auth["access_token"] = tokens["access_token"].clone();
    auth["access_token_expires_at"] = tokens["access_token_expires_at"].clone();
    if tokens["refresh_token"].is_string() {
        auth["refresh_token"] = tokens["refresh_token"].clone();
    }
}

/// The size of `connection` as a file: what the temporary file must hold at least.
fn file_size(connection: &Value) -> usize {
    serde_json::to_string_pretty(connection).map_or(0, |text| text.len() + 1)
}

/// `login …`: signs in and prints where the connection file went and when its access token
/// expires (never the tokens themselves).
pub async fn command(harness: &Harness, args: LoginArgs) -> anyhow::Result<ExitCode> {
    outln!("{}", pretty(&login(harness, args).await?))?;
    Ok(ExitCode::SUCCESS)
}

/// The sign-in: PKCE pair and state, the authorization URL from the component, the browser's
/// redirect, the code exchanged for tokens, the connection file written.
async fn login(harness: &Harness, args: LoginArgs) -> anyhow::Result<Value> {
    let client_secret = match &args.client_secret_env {
        Some(var) => Some(std::env::var(var).with_context(|| format!("the environment variable {var} is not set"))?),
        None => None,
    };
    let mut connection = json!({
        "cloud": args.cloud,
        "account_id": args.account_id,
        "auth": {"oauth_u2m": {
            "client_id": args.client_id,
            "client_secret": client_secret,
            "refresh_token": null,
            "access_token": null,
            "access_token_expires_at": null,
            "scopes": if args.scopes.is_empty() { Value::Null } else { json!(args.scopes) },
        }},
        "host_override": args.host_override,
    });
    // Where the tokens go, checked before anyone signs in: a file that cannot be written fails
    // now, not after the code is redeemed.
    let output = ConnectionFile::resolve(&args.output, false)?;
    drop(output.prepare(file_size(&connection)).with_context(|| format!("the connection cannot be saved in {}", args.output.display()))?);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .await
        .with_context(|| format!("cannot listen on localhost:{} for the login redirect", args.port))?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://localhost:{port}/callback");
    let (verifier, challenge) = pkce()?;
    let state = random_state()?;

    let start = json!({"redirect_uri": redirect_uri, "state": state, "code_challenge": challenge});
    let url = must(harness, "start-oauth-login", &connection, start).await?["authorization_url"].clone();
    let url = url.as_str().ok_or_else(|| anyhow!("start-oauth-login returned no URL"))?;
    eprintln!("Open this URL in a browser and sign in:\n\n  {url}\n\nWaiting for the redirect to {redirect_uri} …");

    let callback = wait_for_callback(listener, state).await?;
    if let Some(error) = callback.error {
        bail!("Databricks refused the login: {error}");
    }
    let code = callback.code.ok_or_else(|| anyhow!("the redirect carried no code"))?;
    // The code is redeemed only once the new file is ready to take the tokens, under the lock a
    // `run` refreshing the same file takes.
    let Some(_lock) = output.lock(Instant::now() + LOGIN_LOCK_WAIT).await? else {
        bail!("another databricks-account has been writing {} for {} s; try again", args.output.display(), LOGIN_LOCK_WAIT.as_secs());
    };
    let pending = output.prepare(file_size(&connection))?;
    let exchange = json!({"code": code, "code_verifier": verifier, "redirect_uri": redirect_uri});
    let tokens = must(harness, "complete-oauth-login", &connection, exchange).await?;
    if !tokens["refresh_token"].is_string() {
        bail!("Databricks issued no refresh token: the app connection must allow the offline_access scope");
    }
    store_tokens(&mut connection, &tokens);
    pending.commit(&connection).context("signed in, but the connection file was not written")?;
    eprintln!("Signed in; the connection is in {} (readable by you only).", args.output.display());
    Ok(json!({"connection_file": args.output, "access_token_expires_at": tokens["access_token_expires_at"]}))
}

/// Whether a U2M connection's access token is missing, of unknown expiry, or expiring within
/// [`REFRESH_AHEAD_SECS`].
fn stale(connection: &Value) -> bool {
    let auth = &connection["auth"]["oauth_u2m"];
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    !auth["access_token"].is_string()
        || auth["access_token_expires_at"].as_u64().is_none_or(|at| at <= now.saturating_add(REFRESH_AHEAD_SECS))
}

fn is_u2m(connection: &Value) -> bool {
    connection["auth"]["oauth_u2m"].is_object()
}

/// For a U2M connection read from `file`: when the access token is missing or expiring,
/// refreshes it and saves the new token set (a rotated refresh token included) to the file
/// before the card runs, so no rotated token is ever lost. Returns the connection to run with,
/// or `Err` with the refresh card's `card-error` (the caller prints it; exit code 1).
///
/// Under the file's lock, the file is read again: another run may have refreshed it while this
/// one waited, and then its tokens are used without a refresh. The new file is created (and
/// filled) before the refresh token is redeemed; the whole step counts against `deadline`.
///
/// A connection given inline is left alone: a rotated refresh token would have nowhere to go,
/// so the card reports the stale token instead.
pub async fn fresh_u2m(
    harness: &Harness,
    file: Option<&Path>,
    connection: Value,
    options: &RunOptions,
    deadline: &Deadline,
) -> anyhow::Result<Result<Value, Value>> {
    let Some(file) = file.filter(|_| is_u2m(&connection)) else {
        return Ok(Ok(connection));
    };
    if !stale(&connection) {
        return Ok(Ok(connection));
    }
    let nothing_spent = || {
        format!(
            "the access token in {} is stale and cannot be refreshed: nothing was sent, the refresh token in it still works",
            file.display()
        )
    };
    let target = ConnectionFile::resolve(file, true).with_context(nothing_spent)?;
    let Some(_lock) = target.lock(deadline.at()).await.with_context(nothing_spent)? else {
        return Err(anyhow::Error::new(deadline.exceeded())
            .context(format!("waiting for another run to finish refreshing the tokens of {}", file.display())));
    };
    let mut connection = target.read()?;
    if !is_u2m(&connection) || !stale(&connection) {
        tracing::info!(file = %file.display(), "another run refreshed the tokens meanwhile");
        return Ok(Ok(connection));
    }
    let pending = target.prepare(file_size(&connection)).with_context(nothing_spent)?;
    let options = RunOptions { time_limit: deadline.remaining()?, ..options.clone() };
    let outcome = harness.run("refresh-oauth-tokens", &connection, &json!({}), &options).await.map_err(|err| match err {
        HarnessError::TimeLimit(_) => {
            anyhow::Error::new(deadline.exceeded()).context(format!("refreshing the tokens of {}", file.display()))
        }
        err => anyhow::Error::new(err).context(format!("refreshing the tokens of {}", file.display())),
    })?;
    let tokens = match outcome {
        CardOutcome::Ok(tokens) => tokens,
        CardOutcome::Err(card_error) => return Ok(Err(card_error)),
    };
    // Any token of the set may have changed: a rotated refresh token can come with the same
    // access token, and a new access token with the same refresh token.
    let before = connection["auth"]["oauth_u2m"].clone();
    store_tokens(&mut connection, &tokens);
    if connection["auth"]["oauth_u2m"] != before {
        pending
            .commit(&connection)
            .with_context(|| format!("refreshed the tokens of {}, but could not save them", target.given().display()))?;
        tracing::info!(file = %file.display(), rotated = %tokens["refresh_token_rotated"], "saved the refreshed tokens");
    }
    Ok(Ok(connection))
}
