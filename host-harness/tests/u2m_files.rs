#![cfg(feature = "cli")]
//! U2M connection files under `databricks-account run`: a stale file is refreshed and saved so
//! that no refresh token is ever lost, even when Databricks rotates it on every use (single-use
//! refresh tokens). Each test runs the real CLI against the fake account.
//!
//! - nothing is spent when the new file could not be written (a file-size limit, a pipe);
//! - a new set that cannot replace the file stays on disk, and the error says where;
//! - concurrent runs refresh once; a refused refresh is a card error;
//! - symlinks are followed, stray or planted temporary files are never used;
//! - any changed token is saved; `--time-limit` bounds the refresh and the wait for it;
//! - no output, error or log carries a token or a secret.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fake_account::{FakeAccount, FakeConfig, Fault, FaultAction};
use host_harness::{CardOutcome, Harness, RunOptions};
use serde_json::{Value, json};
use sha2::Digest as _;

const BIN: &str = env!("CARGO_BIN_EXE_databricks-account");
const REDIRECT: &str = "http://localhost:8020/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-u2m-files";
const SENTINEL_SECRET: &str = "SENTINEL-u2m-files-m2m-secret-5c1e";

/// A fake account with a custom app connection (confidential, so it has a secret too).
struct Account {
    fake: FakeAccount,
    harness: Harness,
    app: Value,
    dir: PathBuf,
}

impl Account {
    async fn start(test: &str, single_use: bool) -> Account {
        let config = FakeConfig { client_secret: SENTINEL_SECRET.into(), ..FakeConfig::default() };
        let fake = FakeAccount::start(config).await.unwrap();
        let harness = Harness::embedded().unwrap();
        let input = json!({"name": "files", "redirect_urls": [REDIRECT], "confidential": true,
                           "token_access_policy": {"enable_single_use_refresh_tokens": single_use}});
        let outcome = harness.run("create-custom-app-integration", &fake.m2m_connection(), &input, &RunOptions::default()).await.unwrap();
        let CardOutcome::Ok(app) = outcome else { panic!("{outcome:?}") };
        let dir = std::env::temp_dir().join(format!("u2m-files-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Account { fake, harness, app, dir }
    }

    /// A connection signed in through the cards (the fake approves its test user), its access
    /// token marked expired, so that the next `run` must refresh it.
    async fn stale_connection(&self) -> Value {
        let mut connection = self.fake.u2m_connection(self.app["client_id"].as_str().unwrap(), self.app["client_secret"].as_str());
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()));
        let start = self
            .card("start-oauth-login", &connection, json!({"redirect_uri": REDIRECT, "state": "s-1", "code_challenge": challenge}))
            .await;
        let location = redirect_of(start["authorization_url"].as_str().unwrap()).await;
        let code = form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
            .find(|(name, _)| name == "code")
            .map(|(_, value)| value.into_owned())
            .expect("a code");
        let tokens = self
            .card("complete-oauth-login", &connection, json!({"code": code, "code_verifier": VERIFIER, "redirect_uri": REDIRECT}))
            .await;
        let auth = &mut connection["auth"]["oauth_u2m"];
        auth["refresh_token"] = tokens["refresh_token"].clone();
        auth["access_token"] = tokens["access_token"].clone();
        auth["access_token_expires_at"] = json!(1);
        connection
    }

    /// A stale connection written to `name` in the test's directory (mode 0600).
    async fn stale_file(&self, name: &str) -> (PathBuf, Value) {
        let connection = self.stale_connection().await;
        let path = self.dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(&connection).unwrap()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        (path, connection)
    }

    async fn card(&self, card: &str, connection: &Value, input: Value) -> Value {
        match self.harness.run(card, connection, &input, &RunOptions::default()).await.unwrap() {
            CardOutcome::Ok(output) => output,
            CardOutcome::Err(error) => panic!("{card}: {error}"),
        }
    }

    /// Whether the connection's refresh token still works (it is redeemed, so call this last).
    async fn refresh_token_works(&self, connection: &Value) -> bool {
        let outcome = self.harness.run("refresh-oauth-tokens", connection, &json!({"force": true}), &RunOptions::default()).await.unwrap();
        outcome.is_ok()
    }

    /// How many `refresh_token` grants the fake received.
    fn refreshes(&self) -> usize {
        self.fake.requests().iter().filter(|r| r.path.ends_with("/v1/token") && r.raw_body.contains("grant_type=refresh_token")).count()
    }

    /// Every value that must never be printed: the app's secret, the M2M secret, and the tokens
    /// of each connection given.
    fn secrets(&self, connections: &[&Value]) -> Vec<String> {
        let mut secrets = vec![SENTINEL_SECRET.to_string(), self.app["client_secret"].as_str().unwrap().to_string()];
        for connection in connections {
            for key in ["refresh_token", "access_token"] {
                if let Some(token) = connection["auth"]["oauth_u2m"][key].as_str() {
                    secrets.push(token.to_string());
                }
            }
        }
        secrets
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `Location` of the fake's authorize redirect.
async fn redirect_of(url: &str) -> String {
    use http_body_util::Empty;
    use hyper_util::client::legacy::Client;
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.get(url.parse().unwrap()).await.unwrap();
    assert_eq!(response.status(), 302);
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Runs the CLI off the async runtime (the fake account answers on it meanwhile).
async fn cli(command: Command) -> Output {
    let mut command = command;
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

fn run_card(card: &str, connection: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.args(["run", card, "--connection"]).arg(connection).stdin(Stdio::null());
    command
}

/// The same, with the file-size limit (`ulimit -f`) at `bytes`.
fn with_file_size_limit(mut command: Command, bytes: u64) -> Command {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        command
            .pre_exec(move || if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) });
    }
    command
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// No token, secret or token-shaped value in what the CLI printed.
fn assert_clean(out: &Output, secrets: &[String]) {
    let everything = text(out);
    for secret in secrets.iter().map(String::as_str).chain(["doau-", "dapi-fake-", "Bearer ", "Basic "]) {
        assert!(!everything.contains(secret), "{secret:?} leaked:\n{everything}");
    }
    assert!(!everything.contains("panicked"), "{everything}");
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn refresh_token(connection: &Value) -> &str {
    connection["auth"]["oauth_u2m"]["refresh_token"].as_str().unwrap()
}

/// The files of a directory, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_whose_file_cannot_be_written_spends_nothing() {
    let account = Account::start("unwritable", true).await;
    let (file, connection) = account.stale_file("connection.json").await;
    let before = std::fs::read(&file).unwrap();
    account.fake.clear_requests();

    // A file-size limit smaller than the file: the new file cannot be written.
    let out = cli(with_file_size_limit(run_card("list-users", &file), 64)).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("nothing was sent"), "the error says the token was not spent: {}", text(&out));
    assert_eq!(account.refreshes(), 0, "no refresh token was redeemed");
    assert_eq!(std::fs::read(&file).unwrap(), before, "the file is as it was");
    assert_eq!(names(&account.dir), ["connection.json", "connection.json.lock"], "no temporary file is left");
    assert_clean(&out, &account.secrets(&[&connection]));

    // A connection read from a pipe (`<(…)`): there is no file to save a new set in.
    let mut piped = Command::new("bash");
    piped.arg("-c").arg(r#"exec "$0" run list-users --connection <(cat "$1")"#).arg(BIN).arg(&file);
    let out = cli(piped).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("nothing was sent"), "{}", text(&out));
    assert_eq!(account.refreshes(), 0, "no refresh token was redeemed");
    assert_clean(&out, &account.secrets(&[&connection]));

    // The refresh token in the file still works: without the limit, the run refreshes and saves.
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(account.refreshes(), 1);
    let saved = read_json(&file);
    assert_ne!(refresh_token(&saved), refresh_token(&connection), "the rotated refresh token was saved");
    assert_eq!(mode(&file), 0o600);
    assert_clean(&out, &account.secrets(&[&connection, &saved]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_file_named_tmp_is_never_truncated() {
    let account = Account::start("named-tmp", true).await;
    let (file, connection) = account.stale_file("connection.tmp").await;
    let before = std::fs::read(&file).unwrap();
    // The old code wrote `<name>.tmp` (the file itself), truncating it before the write failed.
    let out = cli(with_file_size_limit(run_card("list-users", &file), 64)).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(std::fs::read(&file).unwrap(), before, "not truncated");
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let saved = read_json(&file);
    assert_ne!(refresh_token(&saved), refresh_token(&connection));
    assert_eq!(mode(&file), 0o600);
    assert!(account.refresh_token_works(&saved).await);
}

/// Runs `list-users` on the stale `file` with a slow refresh, and calls `meanwhile` with the
/// temporary file once it exists (the refresh token not redeemed yet).
async fn during_refresh(account: &Account, file: &Path, meanwhile: impl FnOnce(&Path)) -> Output {
    account.fake.push_fault(Fault::new("/v1/token", FaultAction::Delay(Duration::from_millis(1500))));
    let child = run_card("list-users", file).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let temporary = loop {
        if let Some(name) = names(&account.dir).into_iter().find(|n| n.ends_with(".tmp")) {
            break account.dir.join(name);
        }
        assert!(Instant::now() < deadline, "no temporary file appeared: {:?}", names(&account.dir));
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    meanwhile(&temporary);
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_token_set_that_cannot_replace_the_file_is_kept_and_named() {
    let account = Account::start("kept", true).await;
    let (file, connection) = account.stale_file("connection.json").await;
    // Meanwhile the connection file becomes a directory, so the rename that would replace it
    // fails after the refresh token was spent.
    let out = during_refresh(&account, &file, |_| {
        std::fs::remove_file(&file).unwrap();
        std::fs::create_dir(&file).unwrap();
        std::fs::write(file.join("blocker"), "").unwrap();
    })
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(account.refreshes(), 1, "the refresh token was spent");

    // The new set is on disk, private, and the error names the file holding it.
    let kept: Vec<String> = names(&account.dir).into_iter().filter(|n| n.ends_with(".tmp")).collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept = account.dir.join(&kept[0]);
    let error = text(&out);
    assert!(error.contains(&kept.display().to_string()) && error.contains("new token set"), "the error says where: {error}");
    assert_eq!(mode(&kept), 0o600);
    let recovered = read_json(&kept);
    assert_ne!(refresh_token(&recovered), refresh_token(&connection));
    assert_clean(&out, &account.secrets(&[&connection, &recovered]));
    assert!(account.refresh_token_works(&recovered).await, "the kept refresh token is the live one");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_token_set_whose_temporary_file_vanished_is_recovered() {
    let account = Account::start("recovered", true).await;
    let (file, connection) = account.stale_file("connection.json").await;
    // Meanwhile a cleaner removes the temporary file: what goes into it is lost with it.
    let out = during_refresh(&account, &file, |temporary| std::fs::remove_file(temporary).unwrap()).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let recovered_path = account.dir.join("connection.json.recovered");
    let error = text(&out);
    assert!(error.contains(&recovered_path.display().to_string()), "the error says where: {error}");
    assert_eq!(mode(&recovered_path), 0o600);
    let recovered = read_json(&recovered_path);
    assert_ne!(refresh_token(&recovered), refresh_token(&connection));
    assert_eq!(read_json(&file), connection, "the connection file is as it was");
    assert_clean(&out, &account.secrets(&[&connection, &recovered]));
    assert!(account.refresh_token_works(&recovered).await, "the recovered refresh token is the live one");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_runs_on_a_stale_file_refresh_once() {
    for single_use in [true, false] {
        let account = Account::start(&format!("concurrent-{single_use}"), single_use).await;
        let (file, connection) = account.stale_file("connection.json").await;
        account.fake.clear_requests();
        // A slow token endpoint, so that every run has read the stale file before the first
        // refresh is answered.
        account.fake.push_fault(Fault::new("/v1/token", FaultAction::Delay(Duration::from_millis(1500))).times(4));
        let runs: Vec<_> = (0..4).map(|_| cli(run_card("list-users", &file))).collect();
        let outs = futures_join(runs).await;
        account.fake.clear_faults();
        let saved = read_json(&file);
        for out in &outs {
            assert_eq!(out.status.code(), Some(0), "single-use {single_use}: {}", text(out));
            assert_clean(out, &account.secrets(&[&connection, &saved]));
        }
        assert_eq!(account.refreshes(), 1, "single-use {single_use}: the others used the tokens the first one saved");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(names(&account.dir), ["connection.json", "connection.json.lock"], "no temporary file is left");
        assert!(account.refresh_token_works(&saved).await, "single-use {single_use}: the saved refresh token is the live one");
    }
}

/// Awaits every future (they are spawned, so the CLI processes run at the same time).
async fn futures_join<F: std::future::Future<Output = Output> + Send + 'static>(futures: Vec<F>) -> Vec<Output> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outs = Vec::new();
    for handle in handles {
        outs.push(handle.await.unwrap());
    }
    outs
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_refresh_is_a_card_error() {
    let account = Account::start("refused", true).await;
    let (file, connection) = account.stale_file("connection.json").await;
    account.fake.revoke_refresh_tokens();
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(1), "a refresh the account refuses is the card's error: {}", text(&out));
    let error: Value = serde_json::from_slice(&out.stderr).expect("the card error as JSON on stderr");
    assert_eq!(error["unauthenticated"]["error_code"], "invalid_grant", "{error}");
    assert_clean(&out, &account.secrets(&[&connection]));
    assert_eq!(read_json(&file), connection, "the file is as it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlinked_connection_file_is_updated_through_the_link() {
    let account = Account::start("symlink", true).await;
    let (real, connection) = account.stale_file("real.json").await;
    let link = account.dir.join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let out = cli(run_card("list-users", &link)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real.json"));
    let saved = read_json(&real);
    assert_ne!(refresh_token(&saved), refresh_token(&connection), "the target holds the new tokens");
    assert_eq!(mode(&real), 0o600);
    assert_clean(&out, &account.secrets(&[&connection, &saved]));
}

#[tokio::test(flavor = "multi_thread")]
async fn stray_and_planted_temporary_files_are_never_used() {
    let account = Account::start("planted", true).await;
    let (file, connection) = account.stale_file("connection.json").await;
    // A stray `connection.tmp` at 0644 (the name the old code reused, mode and all) ...
    let stray = account.dir.join("connection.tmp");
    std::fs::write(&stray, "stray").unwrap();
    std::fs::set_permissions(&stray, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(mode(&file), 0o600, "the connection file stays private");
    assert_eq!((std::fs::read_to_string(&stray).unwrap().as_str(), mode(&stray)), ("stray", 0o644), "the stray file is left alone");
    let saved = read_json(&file);
    assert_ne!(refresh_token(&saved), refresh_token(&connection));

    // ... and a planted `connection.tmp` symlink: nothing is written through it.
    std::fs::remove_file(&stray).unwrap();
    let stolen = account.dir.join("stolen");
    std::os::unix::fs::symlink(&stolen, &stray).unwrap();
    let mut stale = saved.clone();
    stale["auth"]["oauth_u2m"]["access_token_expires_at"] = json!(1);
    std::fs::write(&file, stale.to_string()).unwrap();
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!stolen.exists(), "nothing was written through the planted symlink");
    let again = read_json(&file);
    assert_ne!(refresh_token(&again), refresh_token(&saved));
    assert_eq!(mode(&file), 0o600);
    assert!(!std::fs::symlink_metadata(&file).unwrap().file_type().is_symlink());
    assert_clean(&out, &account.secrets(&[&connection, &saved, &again]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_refresh_token_with_the_same_access_token_is_saved() {
    let account = Account::start("rotated-only", false).await;
    let (file, connection) = account.stale_file("connection.json").await;
    // Databricks answers the refresh with the same access token and a new refresh token.
    let access_token = connection["auth"]["oauth_u2m"]["access_token"].as_str().unwrap();
    let answer = json!({"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                        "refresh_token": "doau-rotated-with-the-same-access-token", "scope": "all-apis offline_access"});
    account.fake.push_fault(Fault::new("/v1/token", FaultAction::json(200, answer, &[])));
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let saved = read_json(&file);
    assert_eq!(refresh_token(&saved), "doau-rotated-with-the-same-access-token", "the rotated refresh token was saved");
    assert_eq!(saved["auth"]["oauth_u2m"]["access_token"], access_token);
    assert!(saved["auth"]["oauth_u2m"]["access_token_expires_at"].as_u64().unwrap() > 1);
    assert_clean(&out, &account.secrets(&[&connection, &saved]));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_time_limit_bounds_the_refresh_and_the_wait_for_it() {
    let account = Account::start("time-limit", true).await;
    let (file, connection) = account.stale_file("connection.json").await;

    // A token endpoint that takes 20 s: `--time-limit 2` ends the run after about 2 s.
    account.fake.push_fault(Fault::new("/v1/token", FaultAction::Delay(Duration::from_secs(20))));
    let started = Instant::now();
    let mut command = run_card("list-users", &file);
    command.args(["--time-limit", "2"]);
    let out = cli(command).await;
    assert!(started.elapsed() < Duration::from_secs(10), "the refresh ran {:?} despite --time-limit 2", started.elapsed());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let failure: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(failure["kind"], "time_limit", "{failure}");
    assert_clean(&out, &account.secrets(&[&connection]));
    account.fake.clear_faults();

    // Another process holding the file's lock for longer than the limit: the run gives up in time,
    // having sent nothing.
    let connection = account.stale_connection().await;
    std::fs::write(&file, connection.to_string()).unwrap();
    account.fake.clear_requests();
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(account.dir.join("connection.json.lock")).unwrap();
    lock.lock().unwrap();
    let started = Instant::now();
    let mut command = run_card("list-users", &file);
    command.args(["--time-limit", "2"]);
    let out = cli(command).await;
    assert!(started.elapsed() < Duration::from_secs(10), "waited {:?} despite --time-limit 2", started.elapsed());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(serde_json::from_slice::<Value>(&out.stderr).unwrap()["kind"], "time_limit");
    assert_eq!(account.refreshes(), 0);
    drop(lock);
    let out = cli(run_card("list-users", &file)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_clean(&out, &account.secrets(&[&connection]));
}

/// Something planted next to a connection file before a run, where a careless writer would
/// write or follow it.
#[derive(Clone, Copy, Debug)]
enum Planted {
    Nothing,
    /// A regular file at 0644.
    StrayFile,
    /// A symlink to a file that does not exist yet (what is written through it is stolen).
    Symlink,
    Directory,
    Fifo,
}

impl Planted {
    fn plant(self, path: &Path, stolen: &Path) {
        match self {
            Planted::Nothing => {}
            Planted::StrayFile => {
                std::fs::write(path, "stray").unwrap();
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
            Planted::Symlink => std::os::unix::fs::symlink(stolen, path).unwrap(),
            Planted::Directory => std::fs::create_dir(path).unwrap(),
            Planted::Fifo => {
                let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
                // SAFETY: a valid C string; mkfifo touches nothing else.
                assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
            }
        }
    }

    /// Whether the planted thing is as it was planted (and nothing went through a symlink).
    fn untouched(self, path: &Path, stolen: &Path) -> bool {
        use std::os::unix::fs::FileTypeExt;
        let meta = std::fs::symlink_metadata(path);
        match self {
            Planted::Nothing => true,
            Planted::StrayFile => std::fs::read_to_string(path).is_ok_and(|s| s == "stray") && mode(path) == 0o644,
            Planted::Symlink => meta.is_ok_and(|m| m.file_type().is_symlink()) && !stolen.exists(),
            Planted::Directory => meta.is_ok_and(|m| m.is_dir()) && std::fs::read_dir(path).unwrap().next().is_none(),
            Planted::Fifo => meta.is_ok_and(|m| m.file_type().is_fifo()),
        }
    }
}

/// The file faults and races as a generated matrix: every planted thing, at every name a writer
/// might use next to the connection file, under one run and under concurrent runs, with single-use
/// refresh tokens. A case holds when every run succeeds, the account saw one refresh, the file is a
/// private regular file whose refresh token is the live one, the planted thing is untouched, and no
/// output holds a secret. Prints tried / held.
#[tokio::test(flavor = "multi_thread")]
async fn file_faults_and_races_as_a_matrix() {
    let account = Account::start("matrix", true).await;
    let planted_kinds = [Planted::Nothing, Planted::StrayFile, Planted::Symlink, Planted::Directory, Planted::Fifo];
    let (mut tried, mut broken) = (0, Vec::new());
    for suffix in [".tmp", ".json.tmp", ".recovered", ".json.recovered"] {
        // Nothing planted is the one control, not one per name.
        for planted in planted_kinds.into_iter().filter(|p| suffix == ".tmp" || !matches!(p, Planted::Nothing)) {
            for runs in [1, 3] {
                for entry in std::fs::read_dir(&account.dir).unwrap() {
                    let path = entry.unwrap().path();
                    let _ = std::fs::remove_file(&path).or_else(|_| std::fs::remove_dir_all(&path));
                }
                let (file, connection) = account.stale_file("connection.json").await;
                let target = account.dir.join(format!("connection{suffix}"));
                let stolen = account.dir.join("stolen");
                planted.plant(&target, &stolen);
                account.fake.clear_requests();
                account.fake.push_fault(Fault::new("/v1/token", FaultAction::Delay(Duration::from_millis(300))).times(runs));
                let outs = futures_join((0..runs).map(|_| cli(run_card("list-users", &file))).collect()).await;
                account.fake.clear_faults();
                tried += 1;
                let case = format!("{planted:?} at connection{suffix}, {runs} run(s)");
                let saved = std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok());
                let secrets = account.secrets(&[&connection]);
                let failure = if let Some(out) = outs.iter().find(|o| o.status.code() != Some(0)) {
                    Some(format!("a run failed: {}", text(out)))
                } else if let Some(leak) = outs.iter().map(text).find(|t| secrets.iter().any(|s| t.contains(s.as_str()))) {
                    Some(format!("a secret in the output: {leak}"))
                } else if account.refreshes() != 1 {
                    Some(format!("{} refreshes", account.refreshes()))
                } else if !planted.untouched(&target, &stolen) {
                    Some("the planted thing was used".into())
                } else if std::fs::symlink_metadata(&file).map(|m| !m.is_file()).unwrap_or(true) || mode(&file) != 0o600 {
                    Some("the connection file is not a private regular file".into())
                } else if let Some(saved) = saved.filter(|s| refresh_token(s) != refresh_token(&connection)) {
                    (!account.refresh_token_works(&saved).await).then(|| "the saved refresh token is not the live one".into())
                } else {
                    Some("the new refresh token was not saved".into())
                };
                if let Some(why) = failure {
                    broken.push(format!("{case}: {why}"));
                }
            }
        }
    }
    println!("u2m file faults and races: {tried} tried, {} held", tried - broken.len());
    assert!(broken.is_empty(), "{} cases broke:\n{}", broken.len(), broken.join("\n"));
}
