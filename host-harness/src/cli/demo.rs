//! `demo`: a user and group flow, a tour of the rest of the account, then an AWS workspace
//! provisioned end to end, against a fake account started in this process. Each step is one
//! line, its card and what it made (IDs, how many); `-v` prints each step's input and whole
//! output instead.

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
    /// When set, the step prints one line: its title and this summary of the output.
    brief: Option<fn(&Value) -> String>,
}

/// Runs the demo, one line per step (`verbose`: each step's input and whole output); the first
/// card error ends it with exit code 1.
pub async fn demo(harness: &Harness, verbose: bool) -> anyhow::Result<ExitCode> {
    let fake = fake_account::FakeAccount::start(fake_account::FakeConfig::default()).await.context("cannot start the fake account")?;
    let connection = fake.m2m_connection();
    let options = RunOptions::default();
    outln!("Fake Databricks account at {}", fake.base_url())?;
    outln!("Component: {} cards, loaded from {:?}\n", harness.cards().len(), harness.load_report().source)?;

    let mut n = 0;
    let mut step = async |step: Step<'_>| -> anyhow::Result<Result<Value, ExitCode>> {
        n += 1;
        if verbose {
            outln!("[{n}] {} — {}", step.card, step.title)?;
            outln!("    input:  {}", step.input)?;
        }
        let outcome = harness.run(step.card, &connection, &step.input, &options).await?;
        Ok(match outcome {
            CardOutcome::Ok(output) => {
                if verbose {
                    outln!("    result: {}\n", indent(&pretty(&output)))?;
                } else {
                    let summary = step.brief.map_or_else(|| identifiers(&output), |brief| brief(&output));
                    outln!("[{n}] {:<30} {}: {summary}", step.card, step.title)?;
                }
                Ok(output)
            }
            CardOutcome::Err(card_error) => {
                if !verbose {
                    outln!("[{n}] {} — {}", step.card, step.title)?;
                }
                outln!("    FAILED: {}\n", indent(&pretty(&card_error)))?;
                eprintln!("demo step `{}` failed: {card_error}", step.card);
                Err(ExitCode::from(EXIT_CARD_ERROR))
            }
        })
    };
    // A step's output, or the end of the demo with the failed step's exit code.
    macro_rules! step {
        ($title:expr, $card:expr, $input:expr) => {
            step!($title, $card, $input, None)
        };
        ($title:expr, $card:expr, $input:expr, $brief:expr) => {
            match step(Step { title: $title, card: $card, input: $input, brief: $brief }).await? {
                Ok(output) => output,
                Err(code) => return Ok(code),
            }
        };
    }

    // A trigger's first run only records what exists; the next run returns what is new.
    let baseline = step!(
        "start watching for new users",
        "poll-new-users",
        json!({}),
        Some(|out: &Value| format!("baseline of {} users", out["total"]))
    );
    let user = step!(
        "create a user",
        "create-user",
        json!({"user_name": "grace.hopper@example.com", "given_name": "Grace", "family_name": "Hopper"})
    );
    let user_id = id_of(&user, "create-user")?;
    let group = step!("create a group", "create-group", json!({"display_name": "Demo Engineers"}));
    let group_id = id_of(&group, "create-group")?;
    step!("add the user to the group", "add-group-member", json!({"group_id": group_id, "member_id": user_id}));
    // A flow retried from the top must not duplicate anything: the ensure cards look first.
    let again = step!("make sure of it again (safe to repeat)", "ensure-group-member", json!({"group_id": group_id, "member_id": user_id}));
    outln!("    outcome: {} (nothing written)\n", again["outcome"].as_str().unwrap_or("?"))?;
    let onboarded = step!(
        "onboard two people into the group",
        "onboard-users",
        json!({"users": [{"user_name": "grace.hopper@example.com"}, {"user_name": "margaret.hamilton@example.com", "display_name": "Margaret Hamilton"}], "group_ids": [group_id]}),
        Some(|out: &Value| format!("{} created, {} existing, {} failed", out["created"], out["existing"], out["failed"]))
    );
    let margaret_id = onboarded["users"][1]["user"]["id"].as_str().unwrap_or_default().to_string();
    step!(
        "notice who is new",
        "poll-new-users",
        json!({"cursor": baseline["next_cursor"]}),
        Some(|out: &Value| {
            let names: Vec<&str> = out["users"].as_array().into_iter().flatten().filter_map(|u| u["user_name"].as_str()).collect();
            format!("new users: {}", names.join(", "))
        })
    );
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
    step!("clean up: delete the onboarded user", "delete-user", json!({"id": margaret_id}));

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

    outln!("\nAct 3: an AWS workspace, provisioned end to end\n")?;
    let role = "arn:aws:iam::123456789012:role/demo-marketing";
    let credential = step!(
        "register the cross-account role",
        "create-credential",
        json!({"credentials_name": "demo-marketing-role", "role_arn": role}),
        Some(|o| format!("credentials_id {}", text(o, "/credentials_id")))
    );
    let storage = step!(
        "register the root bucket",
        "create-storage-configuration",
        json!({"storage_configuration_name": "demo-marketing-root", "root_bucket_info": {"bucket_name": "demo-marketing-root"}}),
        Some(|o| format!("storage_configuration_id {}", text(o, "/storage_configuration_id")))
    );
    let network = step!(
        "register the customer-managed VPC",
        "create-network",
        json!({"network_name": "demo-marketing-vpc", "aws": {"vpc_id": "vpc-0d3e4f5a", "subnet_ids": ["subnet-0d3e", "subnet-4f5a"], "security_group_ids": ["sg-0d3e4f5a"]}}),
        Some(|o| format!("network_id {}", text(o, "/network_id")))
    );
    let (credentials_id, storage_id, network_id) =
        (text(&credential, "/credentials_id"), text(&storage, "/storage_configuration_id"), text(&network, "/network_id"));
    let created = step!(
        "create the workspace (Databricks answers while it provisions)",
        "create-workspace",
        json!({"workspace_name": "demo-marketing", "region": "us-west-2", "custom_tags": [{"key": "team", "value": "marketing"}],
               "aws": {"credentials_id": credentials_id, "storage_configuration_id": storage_id, "network_id": network_id}}),
        Some(|o| format!("workspace_id {}, {}", text(o, "/workspace/workspace_id"), text(o, "/workspace/workspace_status")))
    );
    let new_workspace = created["workspace"]["workspace_id"].as_i64().context("create-workspace returned a workspace ID")?;
    step!(
        "wait until it runs",
        "wait-for-workspace",
        json!({"workspace_id": new_workspace, "timeout_seconds": 30}),
        Some(|o| format!("{} (done: {})", text(o, "/message"), o["done"]))
    );
    step!(
        "assign it the metastore",
        "assign-metastore-to-workspace",
        json!({"workspace_id": new_workspace, "metastore_id": metastore_id, "default_catalog_name": "marketing"}),
        Some(|o| format!("metastore {} on workspace {}", text(o, "/metastore_id"), text(o, "/workspace_id")))
    );
    step!("delete the workspace", "delete-workspace", json!({"workspace_id": new_workspace}), Some(deleted));
    step!("clean up: the network", "delete-network", json!({"network_id": network_id}), Some(deleted));
    step!("clean up: the bucket", "delete-storage-configuration", json!({"storage_configuration_id": storage_id}), Some(deleted));
    step!("clean up: the role", "delete-credential", json!({"credentials_id": credentials_id}), Some(deleted));

    outln!("\nDemo finished: {n} cards ran.")?;
    Ok(ExitCode::SUCCESS)
}

/// What a step's output names: its identifiers (`id`, `…_id`) and the length of its lists, e.g.
/// `id 4211000000050000` or `3 workspaces`.
fn identifiers(output: &Value) -> String {
    let Some(object) = output.as_object() else { return "done".to_string() };
    let (mut parts, mut counts) = (Vec::new(), Vec::new());
    for (key, value) in object {
        match value {
            Value::String(text) if key == "id" || key.ends_with("_id") => parts.push(format!("{key} {text}")),
            Value::Number(number) if key == "id" || key.ends_with("_id") => parts.push(format!("{key} {number}")),
            Value::Array(items) if items.first().is_some_and(Value::is_object) => counts.push(format!("{} {key}", items.len())),
            _ => {}
        }
    }
    parts.append(&mut counts);
    if parts.is_empty() { "done".to_string() } else { parts.join(", ") }
}

/// The `id` a create card returned, for the steps that use the object.
fn id_of(value: &Value, card: &str) -> anyhow::Result<String> {
    value["id"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("{card} returned no id"))
}

/// The text (or number) at a JSON pointer of a card's output, `?` when there is none.
fn text(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(text)) => text.clone(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => "?".to_string(),
    }
}

/// The one line of a delete step.
fn deleted(output: &Value) -> String {
    format!("deleted {}", text(output, "/id"))
}

/// Multi-line JSON indented under its step's label.
fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}
