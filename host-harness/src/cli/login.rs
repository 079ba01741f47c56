//! `databricks-account login`: OAuth U2M sign-in for a custom app connection, with PKCE, a
//! loopback redirect, and a connection file (mode 0600) holding the person's tokens. The
//! component builds the authorization URL and exchanges the code (`start-oauth-login`,
//! `complete-oauth-login`); this command only generates the PKCE pair, waits for the
//! browser's redirect and writes the file. `run` keeps such a file's tokens fresh with
//! `refresh-oauth-tokens`, saving a rotated refresh token before the card runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use host_harness::{CardOutcome, Harness, RunOptions};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::output::{outln, pretty};

/// How long `login` waits for the browser to come back.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

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

/// Writes a connection file readable by its owner only, replacing it atomically.
fn write_private(path: &Path, connection: &Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(connection)? + "\n";
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).with_context(|| format!("cannot write {}", temporary.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
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
    let exchange = json!({"code": code, "code_verifier": verifier, "redirect_uri": redirect_uri});
    let tokens = must(harness, "complete-oauth-login", &connection, exchange).await?;
    if !tokens["refresh_token"].is_string() {
        bail!("Databricks issued no refresh token: the app connection must allow the offline_access scope");
    }
    store_tokens(&mut connection, &tokens);
    write_private(&args.output, &connection)?;
    eprintln!("Signed in; the connection is in {} (readable by you only).", args.output.display());
    Ok(json!({"connection_file": args.output, "access_token_expires_at": tokens["access_token_expires_at"]}))
}

/// For a U2M connection read from `file`: refreshes the tokens when the access token is missing
/// or expiring, and saves the new token set (a rotated refresh token included) to the file
/// before the card runs, so no rotated token is ever lost.
/// A connection given inline is left alone: a rotated refresh token would have nowhere to go,
/// so the card reports the stale token instead.
pub async fn fresh_u2m(harness: &Harness, file: Option<&Path>, mut connection: Value) -> anyhow::Result<Value> {
    let Some(file) = file.filter(|_| connection["auth"]["oauth_u2m"].is_object()) else {
        return Ok(connection);
    };
    let tokens = must(harness, "refresh-oauth-tokens", &connection, json!({})).await?;
    let changed = tokens["access_token"] != connection["auth"]["oauth_u2m"]["access_token"];
    store_tokens(&mut connection, &tokens);
    if changed {
        write_private(file, &connection)?;
        tracing::info!(file = %file.display(), rotated = %tokens["refresh_token_rotated"], "saved the refreshed tokens");
    }
    Ok(connection)
}
