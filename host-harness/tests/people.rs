//! The CLI for a person at a terminal, without losing what a script relies on: a card's progress
//! on stderr (never stdout) through standard WASI, tables, YAML and text, a card's own `--help`,
//! and shell completions. The JSON a script reads stays what it was.

use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_account::{FakeAccount, FakeConfig, Fault, FaultAction, Seed};
use host_harness::{CardCatalog, CardOutcome, Harness, HarnessConfig, Progress, RunOptions};
use serde_json::{Value, json};

fn cli(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_databricks-account")).args(args).output().expect("the CLI starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fake account 5 ms away holding 1,000 users.
async fn thousand_users() -> FakeAccount {
    let config = FakeConfig { seed: Seed::Empty, latency: Duration::from_millis(5), ..FakeConfig::default() };
    let fake = FakeAccount::start(config).await.expect("the fake starts");
    fake.insert_users(1000, "walk");
    fake
}

const EVERY_PAGE: &str = r#"{"pages": {"all": {}}}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_walk_reports_each_page_to_the_embedder_as_it_goes() {
    let fake = thousand_users().await;
    let harness =
        Harness::with_config(host_harness::EMBEDDED_COMPONENT, &HarnessConfig { pacing: None, ..HarnessConfig::default() }).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let options = RunOptions::default().with_on_progress(move |event| seen.lock().unwrap().push(event.clone()));
    let input: Value = serde_json::from_str(EVERY_PAGE).unwrap();
    let outcome = harness.run("list-users", &fake.m2m_connection(), &input, &options).await.unwrap();
    let CardOutcome::Ok(output) = outcome else { panic!("{outcome:?}") };
    assert_eq!(output["resources"].as_array().unwrap().len(), 1000);
    let events = events.lock().unwrap().clone();
    let expected: Vec<Progress> = (1..=10).map(|page| Progress::Page { pages: page, records: page * 100, total: Some(1000) }).collect();
    assert_eq!(events, expected);

    // A throttled page is retried after Databricks' Retry-After, and the wait is told.
    fake.push_fault(
        Fault::new(
            "/scim/v2/Users",
            FaultAction::json(429, json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"}), &[("Retry-After", "1")]),
        )
        .query("startIndex=101"),
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let options = RunOptions::default().with_on_progress(move |event| seen.lock().unwrap().push(event.clone()));
    assert!(harness.run("list-users", &fake.m2m_connection(), &input, &options).await.unwrap().is_ok());
    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 11, "{events:?}");
    assert_eq!(events[0], Progress::Page { pages: 1, records: 100, total: Some(1000) });
    let Progress::Retrying { reason, attempt, after_ms } = &events[1] else { panic!("{events:?}") };
    assert_eq!((reason.as_str(), *attempt), ("throttled", 1));
    assert!(*after_ms >= 1000, "at least the Retry-After: {after_ms}");
    assert_eq!(events[2], Progress::Page { pages: 2, records: 200, total: Some(1000) });
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_goes_to_stderr_with_verbose_and_never_to_stdout() {
    let fake = thousand_users().await;
    let connection = fake.m2m_connection().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "list-users", "--connection", &connection, "--input", EVERY_PAGE, "--no-token-cache"];
        args.extend_from_slice(extra);
        cli(&args)
    };

    let verbose = run(&["-v"]);
    assert!(verbose.status.success(), "{}", text(&verbose.stderr));
    let stderr = text(&verbose.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|line| line.starts_with("list-users: page ")).collect();
    assert_eq!(lines.len(), 10, "{stderr}");
    assert_eq!(lines[0], "list-users: page 1: 100 of 1,000 records");
    assert_eq!(lines[9], "list-users: page 10: 1,000 of 1,000 records");
    // stdout is the output alone: the JSON of today, byte for byte.
    let quiet = run(&[]);
    assert!(quiet.status.success());
    assert_eq!(quiet.stdout, verbose.stdout);
    let output: Value = serde_json::from_slice(&quiet.stdout).unwrap();
    assert_eq!(output["resources"].as_array().unwrap().len(), 1000);
    assert_eq!(text(&quiet.stdout), format!("{}\n", serde_json::to_string_pretty(&output).unwrap()));
    assert!(!text(&quiet.stdout).contains("page 1"));
    // Not a terminal, no -v: nothing on stderr; --quiet silences -v too.
    assert_eq!(text(&quiet.stderr), "");
    assert_eq!(text(&run(&["-v", "--quiet"]).stderr).lines().filter(|l| l.contains(": page ")).count(), 0);
}

/// Every card's example runs twice, on two fresh fake accounts: once as JSON and once as a
/// table. A list's table has a row per record of the JSON's list, and the first column's values.
#[tokio::test(flavor = "multi_thread")]
async fn every_card_renders_as_a_table_and_as_text() {
    let harness = Harness::embedded().unwrap();
    let catalog = CardCatalog::load(&harness).await.unwrap();
    let mut lists = 0;
    for card in &catalog.cards {
        let mut outputs = Vec::new();
        for format in ["json", "table", "text"] {
            let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }).await.unwrap();
            let auth = card.auth.first().map(|a| a.replace('_', "-"));
            let connection = fake_account::example_ids::connection(&fake, auth.as_deref()).to_string();
            let input = card.example_input.to_string();
            let out = cli(&["run", &card.id, "--connection", &connection, "--input", &input, "--output", format, "--no-token-cache"]);
            assert!(out.status.success(), "{} --output {format}: {}\n{}", card.id, text(&out.stderr), text(&out.stdout));
            assert!(!out.stdout.is_empty(), "{} --output {format}", card.id);
            outputs.push(text(&out.stdout));
        }
        let json: Value = serde_json::from_str(&outputs[0]).unwrap();
        for shown in &outputs[1..] {
            assert!(
                !shown.contains("\"raw\"") && !shown.lines().any(|l| l.trim_start().starts_with("raw:")),
                "{}: raw shown:\n{shown}",
                card.id
            );
        }
        // A list: the only array of records in the output.
        let Some(records) =
            json.as_object().and_then(|o| o.values().find_map(|v| v.as_array().filter(|a| a.first().is_some_and(Value::is_object))))
        else {
            continue;
        };
        lists += 1;
        let table = &outputs[1];
        let noun = if records.len() == 1 { "record" } else { "records" };
        assert!(table.contains(&format!("\n{} {noun}", records.len())), "{}:\n{table}", card.id);
        let header = table.lines().nth(1).unwrap_or_default();
        let first_column = header.split(['│', '┆']).map(str::trim).find(|c| !c.is_empty()).unwrap().to_lowercase();
        let at = |record: &Value| first_column.split('.').fold(record.clone(), |v, key| v[key].clone());
        for record in records {
            let value = match at(record) {
                Value::String(s) => s,
                Value::Null => continue,
                Value::Array(items) => {
                    items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).collect::<Vec<_>>().join(", ")
                }
                other => other.to_string(),
            };
            assert!(table.contains(&value), "{}: {first_column} {value} in\n{table}", card.id);
        }
        assert!(records.iter().any(|r| !at(r).is_null()), "{}: the first column is empty:\n{table}", card.id);
    }
    assert!(lists >= 5, "list cards whose example lists something: {lists}");
}

#[test]
fn a_cards_help_lists_its_inputs() {
    let out = cli(&["run", "list-users", "--help"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let help = text(&out.stdout);
    for part in [
        "list-users: ",
        "Inputs (--input JSON",
        "filter",
        "string, optional",
        "A SCIM filter",
        "pages",
        "one of: page | all",
        "--output <FORMAT>",
    ] {
        assert!(help.contains(part), "{part} in\n{help}");
    }
    let plain = cli(&["run", "--help"]);
    assert!(plain.status.success() && text(&plain.stdout).contains("--connection"), "{}", text(&plain.stdout));
    let unknown = cli(&["run", "no-such-card", "--help"]);
    assert_eq!(unknown.status.code(), Some(3), "{}", text(&unknown.stderr));
    assert!(cli(&["run", "list-users"]).status.code() == Some(2), "--connection is still required");
}

#[test]
fn completions_generate_with_the_card_names() {
    for shell in ["bash", "zsh", "fish"] {
        let out = cli(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for word in ["databricks-account", "describe", "list-users", "create-budget", "output", "completions"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    assert_eq!(cli(&["completions", "tcsh"]).status.code(), Some(2));
}
