//! `databricks-account login` end to end, without a browser: the test plays the browser
//! (opens the printed URL; the fake account signs its test user in and redirects to the
//! CLI's loopback callback), then checks the connection file (mode 0600, tokens) and that
//! `run` refreshes a stale file, saving the rotated refresh token before the card runs.

use fake_account::{FakeAccount, FakeConfig};
use host_harness::{CardOutcome, Harness, RunOptions};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// A free loopback port for the redirect URL (the app must know it before the login starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn browser_get(url: &str) -> (u16, Option<String>) {
    use http_body_util::Empty;
    use hyper_util::client::legacy::Client;
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.get(url.parse().unwrap()).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (response.status().as_u16(), location)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_writes_a_private_connection_and_run_keeps_it_fresh() {
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let port = free_port();
    let redirect = format!("http://localhost:{port}/callback");
    // A confidential app with single-use (rotating) refresh tokens, made through the connector.
    let harness = Harness::embedded().unwrap();
    let app = harness
        .run(
            "create-custom-app-integration",
            &fake.m2m_connection(),
            &json!({"name": "cli", "redirect_urls": [redirect], "confidential": true,
                    "token_access_policy": {"enable_single_use_refresh_tokens": true}}),
            &RunOptions::default(),
        )
        .await
        .unwrap();
    let CardOutcome::Ok(app) = app else { panic!("{app:?}") };
    let client_id = app["client_id"].as_str().unwrap();
    let dir = std::env::temp_dir().join(format!("login-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("connection.json");

    let mut child = Command::new(env!("CARGO_BIN_EXE_databricks-account"))
        .args(["login", "--account-id", &fake.config().account_id, "--client-id", client_id])
        .args(["--client-secret-env", "APP_SECRET", "--host-override", &fake.base_url(), "--port", &port.to_string()])
        .arg("--output")
        .arg(&file)
        .env("APP_SECRET", app["client_secret"].as_str().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The CLI prints the URL for a person to open; the test opens it.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "the CLI ended without printing a URL");
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    assert!(url.starts_with(&format!("{}/oidc/accounts/{}/v1/authorize?", fake.base_url(), fake.config().account_id)), "{url}");
    let (status, location) = browser_get(&url).await;
    assert_eq!(status, 302);
    let (status, _) = browser_get(&location.unwrap()).await;
    assert_eq!(status, 200, "the CLI's callback answers the browser");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(output.status.success(), "login failed: {}", String::from_utf8_lossy(&output.stdout));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(summary.to_string().find("doau-").is_none(), "no token on stdout: {summary}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let mut connection: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let first_refresh = connection["auth"]["oauth_u2m"]["refresh_token"].as_str().unwrap().to_string();
    assert!(first_refresh.starts_with("doau-"));
    assert!(connection["auth"]["oauth_u2m"]["access_token"].is_string());

    // A card with the fresh file: no refresh, the file stays as it is.
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_databricks-account")).args(args).output().unwrap();
    let file_arg = file.to_str().unwrap();
    let out = run(&["run", "get-user", "--connection", file_arg, "--input", r#"{"id": "4211000000015838"}"#]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let unchanged: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(unchanged, connection);

    // A stale access token: `run` refreshes first and saves the rotated refresh token.
    connection["auth"]["oauth_u2m"]["access_token_expires_at"] = json!(1);
    std::fs::write(&file, connection.to_string()).unwrap();
    let out = run(&["run", "list-users", "--connection", file_arg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let refreshed: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let new_refresh = refreshed["auth"]["oauth_u2m"]["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, first_refresh, "the rotated refresh token was stored");
    assert!(refreshed["auth"]["oauth_u2m"]["access_token_expires_at"].as_u64().unwrap() > 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "still private");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A GET as a browser sends it: the status and the page.
async fn browser_page(url: &str) -> (u16, String) {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.get(url.parse().unwrap()).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A public app (PKCE only) whose redirect URL is on `port`; its client ID.
async fn public_app(fake: &FakeAccount, port: u16) -> String {
    let harness = Harness::embedded().unwrap();
    let input = json!({"name": "cli", "redirect_urls": [format!("http://localhost:{port}/callback")], "confidential": false});
    let outcome = harness.run("create-custom-app-integration", &fake.m2m_connection(), &input, &RunOptions::default()).await.unwrap();
    let CardOutcome::Ok(app) = outcome else { panic!("{outcome:?}") };
    app["client_id"].as_str().unwrap().to_string()
}

/// `login` for the app, writing `file`; the child and its stderr (the URL comes first).
fn start_login(
    fake: &FakeAccount,
    client_id: &str,
    port: u16,
    file: &std::path::Path,
    command: impl FnOnce(&mut Command),
) -> std::process::Child {
    let mut login = Command::new(env!("CARGO_BIN_EXE_databricks-account"));
    login
        .args(["login", "--account-id", &fake.config().account_id, "--client-id", client_id])
        .args(["--host-override", &fake.base_url(), "--port", &port.to_string()])
        .arg("--output")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command(&mut login);
    login.spawn().unwrap()
}

/// The stderr lines up to the authorization URL (`None`: the CLI ended without printing one),
/// and the reader for the rest.
fn read_url(stderr: std::process::ChildStderr) -> (Option<String>, String, BufReader<std::process::ChildStderr>) {
    let mut stderr = BufReader::new(stderr);
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            return (None, seen, stderr);
        }
        seen.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http") {
            return (Some(format!("http{url}")), seen, stderr);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_callback_does_not_end_the_login() {
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let port = free_port();
    let client_id = public_app(&fake, port).await;
    let dir = std::env::temp_dir().join(format!("login-forged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("connection.json");
    let mut child = start_login(&fake, &client_id, port, &file, |_| {});
    let (url, _, mut stderr) = tokio::task::spawn_blocking({
        let stderr = child.stderr.take().unwrap();
        move || read_url(stderr)
    })
    .await
    .unwrap();
    let url = url.expect("the CLI printed the authorization URL");

    // A forger's links, with another state or none, before the person signs in: each is
    // refused with a page that says so, and the login goes on.
    for forged in [format!("code=code-forged&state=not-this-{port}"), "code=code-forged".to_string(), "error=access_denied&state=x".into()]
    {
        let (status, page) = browser_page(&format!("http://localhost:{port}/callback?{forged}")).await;
        assert_eq!(status, 400, "{forged}: {page}");
        assert!(page.contains("not this session's") && !page.contains("Signed in"), "{forged}: {page}");
    }
    assert!(child.try_wait().unwrap().is_none(), "login is still waiting for the real callback");

    // The real sign-in completes the login.
    let (status, location) = browser_get(&url).await;
    assert_eq!(status, 302);
    let (status, page) = browser_page(&location.unwrap()).await;
    assert_eq!((status, page.contains("Signed in")), (200, true), "{page}");
    let output = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        (child.wait_with_output().unwrap(), rest)
    })
    .await
    .unwrap();
    let (output, rest) = output;
    assert!(output.status.success(), "login failed: {rest}");
    assert!(rest.contains("Ignored a sign-in redirect"), "the terminal says a redirect was ignored: {rest}");
    let connection: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let refresh_token = connection["auth"]["oauth_u2m"]["refresh_token"].as_str().unwrap();
    assert!(refresh_token.starts_with("doau-"));
    let everything = format!("{}{rest}", String::from_utf8_lossy(&output.stdout));
    for secret in [refresh_token, connection["auth"]["oauth_u2m"]["access_token"].as_str().unwrap(), "doau-", "dapi-fake-"] {
        assert!(!everything.contains(secret), "{secret:?} leaked: {everything}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn login_checks_its_file_before_anyone_signs_in() {
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let port = free_port();
    let client_id = public_app(&fake, port).await;
    fake.clear_requests();
    let dir = std::env::temp_dir().join(format!("login-unwritable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("connection.json");
    // A file-size limit (`ulimit -f`) too small for the connection file.
    let mut child = start_login(&fake, &client_id, port, &file, |command| {
        use std::os::unix::process::CommandExt;
        let limit = libc::rlimit { rlim_cur: 64, rlim_max: 64 };
        // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
        unsafe {
            command.pre_exec(
                move || if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) },
            );
        }
    });
    let (url, seen, _) = tokio::task::spawn_blocking({
        let stderr = child.stderr.take().unwrap();
        move || read_url(stderr)
    })
    .await
    .unwrap();
    if url.is_some() {
        let _ = child.kill();
        panic!("login asked the person to sign in although it could not write {}: {seen}", file.display());
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(3), "{seen}");
    assert!(seen.contains("cannot write"), "{seen}");
    assert!(!file.exists());
    assert!(fake.requests().iter().all(|r| !r.path.ends_with("/v1/token")), "no code was redeemed");
    std::fs::remove_dir_all(&dir).ok();
}
