//! `demo`: a user and group flow, then a tour of the rest of the account, against a fake
//! account started in this process; each step prints its card, input and result.

use std::process::ExitCode;

use anyhow::Context;
use host_harness::{CardOutcome, Harness, RunOptions};
use serde_json::{Value, json};

use crate::output::{EXIT_CARD_ERROR, outln, pretty};

/// One step of the demo.
struct Step<'a> {
    title: &'a str,
    card: &'a str,
    input: Value,
}

/// Runs the demo; the first card error ends it with exit code 1.
pub async fn demo(harness: &Harness) -> anyhow::Result<ExitCode> {
    let fake = fake_account::FakeAccount::start(fake_account::FakeConfig::default()).await.context("cannot start the fake account")?;
    let connection = fake.m2m_connection();
    let options = RunOptions::default();
    outln!("Fake Databricks account at {}", fake.base_url())?;
    outln!("Component: {} cards, loaded from {:?}\n", harness.cards().len(), harness.load_report().source)?;

    let mut n = 0;
    let mut step = async |step: Step<'_>| -> anyhow::Result<Result<Value, ExitCode>> {
        n += 1;
        outln!("[{n}] {} — {}", step.card, step.title)?;
        outln!("    input:  {}", step.input)?;
        let outcome = harness.run(step.card, &connection, &step.input, &options).await?;
        Ok(match outcome {
            CardOutcome::Ok(output) => {
                outln!("    result: {}\n", indent(&pretty(&output)))?;
                Ok(output)
            }
            CardOutcome::Err(card_error) => {
                outln!("    FAILED: {}\n", indent(&pretty(&card_error)))?;
                eprintln!("demo step `{}` failed: {card_error}", step.card);
                Err(ExitCode::from(EXIT_CARD_ERROR))
            }
        })
    };
    // A step's output, or the end of the demo with the failed step's exit code.
    macro_rules! step {
        ($title:expr, $card:expr, $input:expr) => {
            match step(Step { title: $title, card: $card, input: $input }).await? {
                Ok(output) => output,
                Err(code) => return Ok(code),
            }
        };
    }

    let user = step!(
        "create a user",
        "create-user",
        json!({"user_name": "grace.hopper@example.com", "given_name": "Grace", "family_name": "Hopper"})
    );
    let user_id = id_of(&user, "create-user")?;
    let group = step!("create a group", "create-group", json!({"display_name": "Demo Engineers"}));
    let group_id = id_of(&group, "create-group")?;
    step!("add the user to the group", "add-group-member", json!({"group_id": group_id, "member_id": user_id}));
    let group = step!("read the group back", "get-group", json!({"id": group_id}));
    let members: Vec<String> = group["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|m| match m["display"].as_str() {
                    Some(display) => format!("{display} ({})", m["value"].as_str().unwrap_or("?")),
                    None => m["value"].as_str().unwrap_or("?").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    outln!("    members of {}: {}\n", group["display_name"].as_str().unwrap_or("the group"), members.join(", "))?;
    let user = step!("deactivate the user", "update-user", json!({"id": user_id, "active": false}));
    outln!("    active: {}\n", user["active"])?;
    step!("clean up: delete the group", "delete-group", json!({"id": group_id}));
    step!("clean up: delete the user", "delete-user", json!({"id": user_id}));

    outln!("Act 2: the rest of the account\n")?;
    let workspaces = step!("list the workspaces", "list-workspaces", json!({}));
    let workspace_id = workspaces["workspaces"][0]["workspace_id"].as_i64().context("the demo account has a workspace")?;
    let metastore = step!("create a Unity Catalog metastore", "create-metastore", json!({"name": "demo-metastore", "region": "us-west-2"}));
    let metastore_id = metastore["metastore_id"].as_str().context("create-metastore returned an ID")?.to_string();
    step!(
        "assign the metastore to the first workspace",
        "assign-metastore-to-workspace",
        json!({"workspace_id": workspace_id, "metastore_id": metastore_id, "default_catalog_name": "main"})
    );
    step!(
        "create a budget with an e-mail alert",
        "create-budget",
        json!({"display_name": "Demo monthly budget", "monthly_threshold_usd": "1000", "alert_emails": ["finops@example.com"]})
    );
    step!(
        "allow the office network",
        "create-ip-access-list",
        json!({"label": "office", "list_type": "allow", "ip_addresses": ["203.0.113.0/24"]})
    );
    outln!("Demo finished: {n} cards ran.")?;
    Ok(ExitCode::SUCCESS)
}

/// The `id` a create card returned, for the steps that use the object.
fn id_of(value: &Value, card: &str) -> anyhow::Result<String> {
    value["id"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("{card} returned no id"))
}

/// Multi-line JSON indented under its step's label.
fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}
