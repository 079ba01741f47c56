//! The README's three ways to use the connector are exercised here: its code blocks are
//! verbatim copies of code that runs in tests (the wasmtime snippet below, the jco snippet in
//! `examples/node/run.mjs`, which `node_packages.rs` runs), and its CLI lines run against a fake.
#![cfg(feature = "cli")]

use std::path::Path;

use fake_account::{FakeAccount, FakeConfig, Seed};
use serde_json::Value;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap()
}

/// The fenced code block that follows `<!-- snippet: NAME -->` in the README.
fn readme_snippet(name: &str) -> String {
    let readme = readme();
    let marker = format!("<!-- snippet: {name} -->");
    let start = readme.find(&marker).unwrap_or_else(|| panic!("README.md has no `{marker}`"));
    let rest = &readme[start + marker.len()..];
    let open = rest.find("```").expect("a code block after the marker");
    let body_start = open + rest[open..].find('\n').unwrap() + 1;
    let body_end = body_start + rest[body_start..].find("```").expect("a closed code block");
    rest[body_start..body_end].to_string()
}

/// The lines of `source` between `README:NAME:start` and `README:NAME:end` comments, dedented.
fn source_region(source: &str, name: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines.iter().position(|l| l.contains(&format!("README:{name}:start"))).expect("start marker");
    let end = lines.iter().position(|l| l.contains(&format!("README:{name}:end"))).expect("end marker");
    let region = &lines[start + 1..end];
    let indent = region.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    region.iter().map(|l| format!("{}\n", l.get(indent..).unwrap_or("").trim_end())).collect()
}

fn assert_same(snippet: &str, source: &str, file: &str) {
    assert!(
        snippet == source,
        "the README snippet differs from {file} (copy the region between its README markers):\n--- README\n{snippet}\n--- {file}\n{source}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wasmtime_snippet_runs() {
    let this = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readme.rs")).unwrap();
    assert_same(&readme_snippet("wasmtime"), &source_region(&this, "wasmtime"), "host-harness/tests/readme.rs");

    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let connection = fake.m2m_connection();
    let user = embed(connection).await.unwrap();
    assert_eq!(user["user_name"], "ada.lovelace@example.com");
}

async fn embed(connection: Value) -> anyhow::Result<Value> {
    // README:wasmtime:start
    use host_harness::{CardCatalog, CardOutcome, Harness, RunOptions};
    use serde_json::json;

    let harness = Harness::embedded()?; // or Harness::from_file("databricks_account.wasm")?
    let catalog = CardCatalog::load(&harness).await?; // the card list: labels, scopes, examples
    let card = catalog.card("get-user").expect("a card of the component");
    println!("{}: {} (scopes {:?})", card.id, card.label, card.scopes);

    let input = json!({"id": "4211000000015838"});
    let user = match harness.run("get-user", &connection, &input, &RunOptions::default()).await? {
        CardOutcome::Ok(user) => user,
        CardOutcome::Err(card_error) => anyhow::bail!("get-user failed: {card_error}"), // {"not_found": {...}}
    };
    println!("{}", user["user_name"]);
    // README:wasmtime:end
    Ok(user)
}

#[test]
fn the_node_snippet_is_the_node_example() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/node/run.mjs");
    let source = std::fs::read_to_string(&example).unwrap();
    assert_same(&readme_snippet("node"), &source_region(&source, "node"), "examples/node/run.mjs");
}

/// Every `databricks-account ...` line of the README's CLI snippet succeeds (the `fake` line is
/// replaced by an in-process fake account whose connection is written to `connection.json`).
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_snippet_runs() {
    let snippet = readme_snippet("cli");
    let dir = std::env::temp_dir().join(format!("databricks-account-readme-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }).await.unwrap();
    std::fs::write(dir.join("connection.json"), fake.m2m_connection().to_string()).unwrap();
    // `databricks-account` on PATH is the CLI built with these tests.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let _ = std::fs::remove_file(bin.join("databricks-account"));
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_databricks-account"), bin.join("databricks-account")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());

    let mut ran = 0;
    for line in snippet.lines() {
        let line = line.trim();
        if !line.starts_with("databricks-account ") || line.starts_with("databricks-account fake") {
            continue;
        }
        // The comment after the command is for the reader.
        let command = match line.find("  #") {
            Some(at) => &line[..at],
            None => line,
        };
        let output = tokio::process::Command::new("sh").arg("-c").arg(command).env("PATH", &path).current_dir(&dir).output().await.unwrap();
        assert!(
            output.status.success(),
            "README line `{command}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 5, "{ran} CLI lines ran:\n{snippet}");
    assert!(std::fs::read_to_string(dir.join("docs/cards.md")).unwrap().contains("### list-users"));
    let _ = std::fs::remove_dir_all(&dir);
}
