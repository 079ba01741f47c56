//! The `databricks-account` CLI as a person runs it: the demo, the card list, one card
//! run against the fake account, and the exit codes a script can branch on
//! (0 ok, 1 card error, 2 usage, 3 harness failure).

use fake_account::{FakeAccount, FakeConfig, Seed};
use serde_json::{Value, json};
use std::process::Output;

fn cli(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account")).args(args).output().expect("the CLI starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_provisions_a_user_a_group_and_an_aws_workspace_and_cleans_up() {
    let out = cli(&["demo"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{}", text(&out.stderr));
    for card in [
        "create-user",
        "create-group",
        "add-group-member",
        "ensure-group-member",
        "onboard-users",
        "poll-new-users",
        "get-group",
        "update-user",
        "delete-group",
        "delete-user",
        "list-workspaces",
        "create-metastore",
        "assign-metastore-to-workspace",
        "create-budget",
        "create-ip-access-list",
    ] {
        assert!(stdout.contains(card), "the demo shows {card}:\n{stdout}");
    }
    assert!(stdout.contains("members of Demo Engineers: Grace Hopper"), "{stdout}");
    assert!(stdout.contains("Margaret Hamilton"), "{stdout}");
    assert!(stdout.contains("start watching for new users: baseline of 3 users"), "{stdout}");
    assert!(stdout.contains("onboard two people into the group: 1 created, 1 existing, 0 failed"), "{stdout}");
    assert!(stdout.contains("notice who is new: new users: grace.hopper@example.com, margaret.hamilton@example.com"), "{stdout}");
    assert!(stdout.contains("active: false"), "{stdout}");
    assert!(stdout.contains("outcome: existing (nothing written)"), "{stdout}");
    // Act 3: an AWS workspace from its parts, waited for, given the metastore, and removed,
    // one line per step.
    let act = stdout.split("Act 3").nth(1).expect("the demo has a third act");
    let steps: Vec<&str> = act.lines().filter(|line| line.starts_with('[')).collect();
    let cards: Vec<&str> = steps.iter().filter_map(|line| line.split_whitespace().nth(1)).collect();
    assert_eq!(
        cards,
        [
            "create-credential",
            "create-storage-configuration",
            "create-network",
            "create-workspace",
            "wait-for-workspace",
            "assign-metastore-to-workspace",
            "delete-workspace",
            "delete-network",
            "delete-storage-configuration",
            "delete-credential",
        ],
        "{act}"
    );
    assert!(steps[3].ends_with(", provisioning") && steps[4].contains("is RUNNING") && steps[4].ends_with("(done: true)"), "{act}");
    assert!(steps[6].contains("deleted "), "{act}");
    assert!(stdout.contains("Demo finished: 27 cards ran."), "{stdout}");
    // One line per step, with the IDs it made; the JSON only with -v.
    let first = stdout.lines().find(|line| line.starts_with("[1] ")).unwrap();
    assert!(first.starts_with("[1] poll-new-users"), "{first}");
    let second = stdout.lines().find(|line| line.starts_with("[2] ")).unwrap();
    assert!(second.starts_with("[2] create-user") && second.contains("create a user: id "), "{second}");
    assert!(stdout.lines().any(|line| line.starts_with("[13] list-workspaces") && line.ends_with(": 2 workspaces")), "{stdout}");
    assert!(!stdout.contains("input:") && !stdout.contains("result:") && !stdout.contains("\"raw\""), "{stdout}");
    assert_eq!(stdout.lines().filter(|line| line.starts_with('[')).count(), 27, "{stdout}");

    let verbose = cli(&["demo", "-v"]);
    let stdout = text(&verbose.stdout);
    assert!(verbose.status.success(), "{}", text(&verbose.stderr));
    assert_eq!(stdout.matches("    input:  ").count(), 27, "{stdout}");
    assert!(stdout.contains("    result: {") && stdout.contains("\"user_name\": \"grace.hopper@example.com\""), "{stdout}");
}

#[test]
fn cards_lists_every_card_as_json() {
    let out = cli(&["cards", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cards: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let ids: Vec<&str> = cards.as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(ids.len() >= 63, "{ids:?}");
    // The component's card list: every entry has its metadata and an example input.
    for card in cards.as_array().unwrap() {
        assert!(card["label"].is_string() && card["scopes"].is_array() && card["example_input"].is_object(), "{card}");
    }
    for id in ["list-users", "get-group", "add-group-member", "delete-service-principal", "create-ip-access-list"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
}

#[test]
fn describe_shows_the_input_schema() {
    let out = cli(&["describe", "create-user"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["input"]["required"], json!(["user_name"]), "{schema}");
    assert!(schema["input"]["properties"]["account_admin"].is_object(), "{schema}");
}

#[tokio::test(flavor = "multi_thread")]
async fn run_prints_the_output_or_the_card_error_with_exit_codes() {
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Empty, ..FakeConfig::default() }).await.unwrap();
    let connection = fake.m2m_connection().to_string();
    let run = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || cli(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap()
    };
    let args = |card: &str, input: &str| -> Vec<String> {
        ["run", card, "--connection", &connection, "--input", input].map(String::from).to_vec()
    };

    let out = run(args("create-user", r#"{"user_name":"cli@example.com"}"#)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let user: Value = serde_json::from_slice(&out.stdout).expect("the output as JSON on stdout");
    assert_eq!(user["user_name"], "cli@example.com");

    let out = run(args("get-user", r#"{"id":"404404"}"#)).await;
    assert_eq!(out.status.code(), Some(1), "a card error exits 1");
    assert!(out.stdout.is_empty());
    let error: Value = serde_json::from_slice(&out.stderr).expect("the card error as JSON on stderr");
    assert_eq!(error["not_found"]["status"], 404, "{error}");

    let out = run(args("no-such-card", "{}")).await;
    assert_eq!(out.status.code(), Some(3), "an unknown card is a harness failure");
    let out = run(args("get-user", r#"{"id": 5}"#)).await;
    assert_eq!(out.status.code(), Some(3), "input that does not fit the types is a harness failure");
    let failure = text(&out.stderr);
    assert!(failure.contains("input.id"), "{failure}");
    assert!(!failure.contains(&fake.config().client_secret), "no secret on stderr: {failure}");

    let out = run(vec!["run".into(), "get-user".into()]).await;
    assert_eq!(out.status.code(), Some(2), "a usage error exits 2");
}

#[test]
fn fake_serves_an_account_the_cli_can_run_cards_against() {
    use std::io::{BufRead, BufReader};
    let mut fake = std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account"))
        .args(["fake", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the CLI starts");
    // The connection JSON comes first on stdout, possibly over several lines.
    let mut reader = BufReader::new(fake.stdout.take().unwrap());
    let mut printed = String::new();
    let connection: Value = loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            let _ = fake.kill();
            panic!("fake exited before printing a connection: {printed}");
        }
        printed.push_str(&line);
        if let Ok(connection) = serde_json::from_str(&printed) {
            break connection;
        }
    };
    let out = cli(&["run", "list-groups", "--connection", &connection.to_string(), "--input", "{}"]);
    let _ = fake.kill();
    let _ = fake.wait();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let groups: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(groups["total_results"].as_u64().unwrap() >= 1, "the fake is seeded: {groups}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_or_token_reaches_output_errors_or_logs() {
    const SECRET: &str = "SENTINEL-cli-client-secret-93ad";
    const SCIM_TOKEN: &str = "SENTINEL-cli-scim-token-44be";
    let config = FakeConfig { client_secret: SECRET.into(), scim_token: SCIM_TOKEN.into(), seed: Seed::Empty, ..FakeConfig::default() };
    let fake = FakeAccount::start(config).await.unwrap();
    let good = fake.m2m_connection();
    let mut wrong_secret = good.clone();
    wrong_secret["auth"]["oauth_m2m"]["client_secret"] = json!(format!("{SECRET}-wrong"));
    let mut no_retries = good.clone();
    no_retries["policy"] = json!({"retry_budget_ms": 0});
    let mut scim = fake.scim_token_connection();
    scim["policy"] = json!({"retry_budget_ms": 0});
    // Databricks never echoes a credential, but a proxy might: an error body that carries
    // the connection's own secret must not pass it on.
    let echo = |secret: &str| {
        fake_account::Fault::new(
            "/scim/v2/Groups",
            fake_account::FaultAction::json(500, json!({"error_code": "INTERNAL_ERROR", "message": format!("bad auth {secret}")}), &[]),
        )
    };
    let runs: Vec<(&Value, &str, &str, Option<&str>)> = vec![
        (&wrong_secret, "list-users", "{}", None),              // token endpoint refuses
        (&good, "get-user", r#"{"id":"404404"}"#, None),        // not found
        (&good, "create-user", r#"{"user_name":"bad"}"#, None), // invalid input
        (&good, "get-user", r#"{"id": 1}"#, None),              // harness failure: input does not fit the types
        (&no_retries, "list-groups", "{}", Some(SECRET)),       // an error body echoing the client secret
        (&scim, "list-groups", "{}", Some(SCIM_TOKEN)),         // an error body echoing the SCIM token
        (&scim, "get-user", r#"{"id":"404404"}"#, None),        // SCIM token, not found
    ];
    for (connection, card, input, echoed) in runs {
        if let Some(secret) = echoed {
            fake.push_fault(echo(secret));
        }
        let args: Vec<String> = ["-vv", "run", card, "--connection", &connection.to_string(), "--input", input].map(String::from).to_vec();
        let out = tokio::task::spawn_blocking(move || cli(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
        let everything = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_ne!(out.status.code(), Some(0), "{card} was meant to fail: {everything}");
        if echoed.is_some() {
            assert!(everything.contains("bad auth [redacted]"), "{card}: the echoed secret was redacted: {everything}");
        }
        for secret in [SECRET, SCIM_TOKEN, "dapi-fake-", "Bearer ", "Basic "] {
            assert!(!everything.contains(secret), "{card}: {secret:?} leaked:\n{everything}");
        }
    }
}

/// Each command that prints, with whoever reads its stdout gone: it ends quietly (exit code 0,
/// no panic, no backtrace) instead of panicking in `println!` on the broken pipe.
#[tokio::test(flavor = "multi_thread")]
async fn commands_end_quietly_when_stdout_is_closed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let connection = fake.m2m_connection().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["cards"],
        vec!["cards", "--json"],
        vec!["describe", "list-users"],
        vec!["docs"],
        vec!["demo"],
        vec!["run", "list-users", "--connection", &connection],
    ];
    let quiet = |what: &str, out: &Output| {
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("backtrace") && !stderr.contains("Broken pipe"), "{what}: {stderr}");
    };
    for args in commands {
        // A pipe whose reading end is closed before the command writes a byte.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut command = Command::new(env!("CARGO_BIN_EXE_databricks-account"));
        command.args(&args).stdout(writer).stderr(Stdio::piped()).env("RUST_BACKTRACE", "1");
        let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
        quiet(&args.join(" "), &out);
    }
    // `cards | head -1`: the reader goes away after the first line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_databricks-account"))
        .args(["cards", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "1")
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "[");
    let out = child.wait_with_output().unwrap();
    quiet("cards --json | head -1", &out);
}

/// Runs of the CLI for one connection share its token through the cache directory (0600 files
/// keyed by the whole token request): ten runs, one token request. A connection with another
/// secret never gets it; `--no-token-cache` mints its own.
#[tokio::test(flavor = "multi_thread")]
async fn runs_of_one_connection_share_a_token_across_processes() {
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Demo, ..FakeConfig::default() }).await.unwrap();
    // Removed when the test ends, pass or fail: each run leaves a compiled component in it.
    let dir = tempfile::Builder::new().prefix("hh-cli-token-share-").tempdir().unwrap();
    let dir = dir.path();
    let connection = fake.m2m_connection().to_string();
    let run = |extra: &[&str], connection: &str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account"));
        command.env("DATABRICKS_ACCOUNT_CACHE_DIR", dir).args(["run", "list-users", "--connection", connection]).args(extra);
        command.output().expect("the CLI starts")
    };
    let tokens = || fake.requests().iter().filter(|r| r.path.ends_with("/v1/token")).count();
    for _ in 0..10 {
        let out = tokio::task::block_in_place(|| run(&[], &connection));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(tokens(), 1, "ten runs, one token");
    let files: Vec<_> = std::fs::read_dir(dir.join("tokens")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(dir.join("tokens")).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let out = tokio::task::block_in_place(|| run(&["--no-token-cache"], &connection));
    assert!(out.status.success());
    assert_eq!(tokens(), 2, "--no-token-cache mints its own");

    let mut other = fake.m2m_connection();
    other["auth"]["oauth_m2m"]["client_secret"] = json!("another-secret-entirely");
    let out = tokio::task::block_in_place(|| run(&[], &other.to_string()));
    assert_eq!(out.status.code(), Some(1), "another secret is refused: {}", text(&out.stderr));
    assert_eq!(tokens(), 3, "and asked the token endpoint itself");

    // A garbled cache file is ignored and replaced.
    std::fs::write(&files[0], "not json").unwrap();
    let out = tokio::task::block_in_place(|| run(&[], &connection));
    assert!(out.status.success());
    assert_eq!(tokens(), 4);
    assert!(std::fs::read_to_string(&files[0]).unwrap().starts_with('{'));
}
