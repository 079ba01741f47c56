//! The `databricks-account` CLI as a person runs it: the demo, the card list, one card
//! run against the fake account, and the exit codes a script can branch on
//! (0 ok, 1 card error, 2 usage, 3 harness failure).

use fake_account::{FakeAccount, FakeConfig, Seed};
use serde_json::{Value, json};
use std::process::Output;

fn cli(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account"))
        .args(args)
        .output()
        .expect("the CLI starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_provisions_a_user_and_a_group_and_cleans_up() {
    let out = cli(&["demo"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{}", text(&out.stderr));
    for card in ["create-user", "create-group", "add-group-member", "get-group", "update-user", "delete-group", "delete-user"] {
        assert!(stdout.contains(card), "the demo shows {card}:\n{stdout}");
    }
    assert!(stdout.contains("members of Demo Engineers: Grace Hopper"), "{stdout}");
    assert!(stdout.contains("active: false"), "{stdout}");
}

#[test]
fn cards_lists_every_identity_card_as_json() {
    let out = cli(&["cards", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cards: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let ids: Vec<&str> = cards.as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids.len(), 17, "{ids:?}");
    for id in ["list-users", "get-group", "add-group-member", "delete-service-principal"] {
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
