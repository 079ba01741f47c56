//! `databricks-account`: list, describe and run the cards of the databricks-account component,
//! start the fake account, or run the demo.
//!
//! Results go to stdout; logs, progress and errors go to stderr. Exit codes: 0 success, 1 the
//! card returned its error, 2 usage error, 3 the harness failed (bad JSON, trap, time or memory
//! limit, unknown card, unreadable file).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod bench;
mod login;

use anyhow::Context;
use clap::{Parser, Subcommand};
use host_harness::{CardCatalog, CardOutcome, Harness, HarnessError, RunOptions};
use serde_json::{Value, json};

/// The card returned its `card-error`.
const EXIT_CARD_ERROR: u8 = 1;
/// The harness failed: bad JSON, trap, time or memory limit, unknown card, unreadable file.
const EXIT_HARNESS_FAILURE: u8 = 3;

/// Run the Databricks account connector's cards from the command line.
#[derive(Parser)]
#[command(name = "databricks-account", version)]
struct Cli {
    /// A component file to use instead of the built-in one.
    #[arg(long, global = true, value_name = "WASM")]
    component: Option<PathBuf>,

    /// More logging on stderr (-v info, -vv debug); `RUST_LOG` overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the cards the component exports, with their category, scopes, clouds and label.
    Cards {
        /// Print the full card list as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a card's metadata, example input, and the JSON Schemas of its input, output,
    /// connection and error (with descriptions from the WIT doc comments).
    Describe {
        /// The card, e.g. `list-users`.
        card: String,
    },
    /// Print the card reference in Markdown (`databricks-account docs > docs/cards.md`).
    Docs,
    /// Write the component (`.wasm`) to a file, for other hosts such as jco or wasmtime.
    WriteComponent {
        /// Where to write it.
        path: PathBuf,
    },
    /// Run one card and print its output.
    Run(RunArgs),
    /// Start the fake Databricks account (every card's example input runs against it) and print a connection for it.
    Fake {
        /// Port on 127.0.0.1 (default: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Sign in with OAuth U2M through a custom app connection (authorization code with PKCE,
    /// loopback redirect) and write a connection file (mode 0600) holding the tokens.
    Login(login::LoginArgs),
    /// Run a user and group flow against the built-in fake account.
    Demo,
    /// Measure card runs against the in-process fake account and a native client (see
    /// docs/performance.md).
    Bench(bench::BenchArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The card, e.g. `list-users`.
    card: String,

    /// The connection: a JSON object, or a file holding one.
    #[arg(long, value_name = "FILE_OR_JSON")]
    connection: String,

    /// The card's input: a JSON value, `@FILE`, or `@-` for stdin.
    #[arg(long, value_name = "JSON_OR_@FILE", default_value = "{}")]
    input: String,

    /// Allow requests to this origin instead of the connection's account host (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,

    /// Wall-clock limit of the run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    time_limit: u64,

    /// Memory limit of the run, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    memory_limit: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return failure(&anyhow::anyhow!("cannot start the async runtime: {err}")),
    };
    match runtime.block_on(cli.run()) {
        Ok(code) => code,
        Err(err) => failure(&err),
    }
}

impl Cli {
    async fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Cards { json } => {
                let harness = harness(self.component.as_ref())?;
                let catalog = CardCatalog::load(&harness).await?;
                print_cards(&harness, &catalog, json);
                Ok(ExitCode::SUCCESS)
            }
            Command::Describe { card } => {
                let harness = harness(self.component.as_ref())?;
                let signature = harness.card(&card).ok_or(HarnessError::UnknownCard(card))?;
                let catalog = CardCatalog::load(&harness).await?;
                println!("{}", pretty(&catalog.describe(signature)));
                Ok(ExitCode::SUCCESS)
            }
            Command::Docs => {
                let harness = harness(self.component.as_ref())?;
                let catalog = CardCatalog::load(&harness).await?;
                print!("{}", catalog.markdown(harness.cards()));
                Ok(ExitCode::SUCCESS)
            }
            Command::WriteComponent { path } => {
                let bytes = match &self.component {
                    Some(source) => std::fs::read(source).with_context(|| format!("cannot read {}", source.display()))?,
                    None => host_harness::EMBEDDED_COMPONENT.to_vec(),
                };
                std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {}", path.display());
                Ok(ExitCode::SUCCESS)
            }
            Command::Run(args) => {
                let harness = harness(self.component.as_ref())?;
                run_card(&harness, args).await
            }
            Command::Fake { port } => serve_fake(port).await,
            Command::Login(args) => {
                let harness = harness(self.component.as_ref())?;
                println!("{}", pretty(&login::login(&harness, args).await?));
                Ok(ExitCode::SUCCESS)
            }
            Command::Bench(args) => {
                let report = bench::bench(self.component.as_ref(), &args).await?;
                if args.json {
                    println!("{}", pretty(&report));
                } else {
                    print!("{}", bench::table(&report));
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Demo => {
                let harness = harness(self.component.as_ref())?;
                demo(&harness).await
            }
        }
    }
}

fn harness(component: Option<&PathBuf>) -> anyhow::Result<Harness> {
    let harness = match component {
        Some(path) => Harness::from_file(path)?,
        None => Harness::embedded()?,
    };
    let load = harness.load_report();
    tracing::info!(source = ?load.source, time = ?load.load_time, "component ready");
    Ok(harness)
}

/// The card list: the component's own metadata for every card it exports.
fn print_cards(harness: &Harness, catalog: &CardCatalog, json: bool) {
    let info = |id: &str| catalog.card(id);
    if json {
        let cards: Vec<Value> = harness
            .cards()
            .iter()
            .map(|card| {
                let mut value = info(&card.id).map_or_else(|| json!({"id": card.id}), |info| info.to_json());
                value["interface"] = json!(card.interface);
                value
            })
            .collect();
        println!("{}", pretty(&Value::Array(cards)));
        return;
    }
    let rows: Vec<[String; 6]> = harness
        .cards()
        .iter()
        .map(|card| match info(&card.id) {
            Some(info) => [
                card.id.clone(),
                info.category.clone(),
                info.scopes.join(","),
                clouds_short(&info.clouds),
                if info.changes_state { "yes" } else { "no" }.to_string(),
                info.label.clone(),
            ],
            None => [card.id.clone(), card.interface_name().to_string(), "?".into(), "?".into(), "?".into(), String::new()],
        })
        .collect();
    let header = ["CARD", "CATEGORY", "SCOPES", "CLOUDS", "CHANGES", "LABEL"];
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|row| row[i].len()).max().unwrap_or(0).max(header[i].len())).collect();
    let line = |cells: [&str; 6]| {
        let text: Vec<String> = cells.iter().zip(&widths).map(|(cell, w)| format!("{cell:w$}")).collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
    }
}

fn clouds_short(clouds: &[String]) -> String {
    if ["aws", "azure", "gcp", "aws_gov", "aws_gov_dod"].iter().all(|c| clouds.iter().any(|x| x == c)) {
        "all".to_string()
    } else {
        clouds.join(",")
    }
}

async fn run_card(harness: &Harness, args: RunArgs) -> anyhow::Result<ExitCode> {
    // The connection holds secrets: it is parsed, never logged or echoed.
    let connection = read_connection(&args.connection)?;
    // A U2M connection file is refreshed (and saved) first when its access token is stale.
    let file = (!args.connection.trim_start().starts_with('{')).then(|| std::path::Path::new(&args.connection));
    let connection = login::fresh_u2m(harness, file, connection).await?;
    let input = read_input(&args.input)?;
    let mut options =
        RunOptions { time_limit: Duration::from_secs(args.time_limit), memory_limit: args.memory_limit << 20, ..RunOptions::default() };
    if !args.allow_origins.is_empty() {
        options.allowed_origins = Some(args.allow_origins);
    }
    match harness.run(&args.card, &connection, &input, &options).await? {
        CardOutcome::Ok(output) => {
            println!("{}", pretty(&output));
            Ok(ExitCode::SUCCESS)
        }
        CardOutcome::Err(card_error) => {
            eprintln!("{}", pretty(&card_error));
            Ok(ExitCode::from(EXIT_CARD_ERROR))
        }
    }
}

fn read_connection(arg: &str) -> anyhow::Result<Value> {
    if arg.trim_start().starts_with('{') {
        return serde_json::from_str(arg).context("--connection is not valid JSON");
    }
    let text = std::fs::read_to_string(arg).with_context(|| format!("cannot read the connection file {arg}"))?;
    serde_json::from_str(&text).with_context(|| format!("the connection file {arg} is not valid JSON"))
}

fn read_input(arg: &str) -> anyhow::Result<Value> {
    let text = match arg.strip_prefix('@') {
        Some("-") => std::io::read_to_string(std::io::stdin()).context("cannot read the input from stdin")?,
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read the input file {path}"))?,
        None => arg.to_string(),
    };
    serde_json::from_str(&text).context("--input is not valid JSON")
}

async fn serve_fake(port: u16) -> anyhow::Result<ExitCode> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // The Demo account plus the objects the card list's example inputs name.
    let config = fake_account::FakeConfig { seed: fake_account::Seed::Examples, ..fake_account::FakeConfig::default() };
    let fake = fake_account::FakeAccount::start_on(addr, config).await.context("cannot start the fake account")?;
    // The fake's own made-up credentials: printing them is the point of this command.
    println!("{}", pretty(&fake.m2m_connection()));
    eprintln!("fake Databricks account serving at {}; Ctrl-C to stop", fake.base_url());
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    eprintln!("stopping");
    Ok(ExitCode::SUCCESS)
}

/// One step of the demo.
struct Step<'a> {
    title: &'a str,
    card: &'a str,
    input: Value,
}

async fn demo(harness: &Harness) -> anyhow::Result<ExitCode> {
    let fake = fake_account::FakeAccount::start(fake_account::FakeConfig::default()).await.context("cannot start the fake account")?;
    let connection = fake.m2m_connection();
    let options = RunOptions::default();
    println!("Fake Databricks account at {}", fake.base_url());
    println!("Component: {} cards, loaded from {:?}\n", harness.cards().len(), harness.load_report().source);

    let mut n = 0;
    let mut step = async |step: Step<'_>| -> anyhow::Result<Result<Value, ExitCode>> {
        n += 1;
        println!("[{n}] {} — {}", step.card, step.title);
        println!("    input:  {}", step.input);
        let outcome = harness.run(step.card, &connection, &step.input, &options).await?;
        Ok(match outcome {
            CardOutcome::Ok(output) => {
                println!("    result: {}\n", indent(&pretty(&output)));
                Ok(output)
            }
            CardOutcome::Err(card_error) => {
                println!("    FAILED: {}\n", indent(&pretty(&card_error)));
                eprintln!("demo step `{}` failed: {card_error}", step.card);
                Err(ExitCode::from(EXIT_CARD_ERROR))
            }
        })
    };
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
    println!("    members of {}: {}\n", group["display_name"].as_str().unwrap_or("the group"), members.join(", "));
    let user = step!("deactivate the user", "update-user", json!({"id": user_id, "active": false}));
    println!("    active: {}\n", user["active"]);
    step!("clean up: delete the group", "delete-group", json!({"id": group_id}));
    step!("clean up: delete the user", "delete-user", json!({"id": user_id}));

    println!("Act 2: the rest of the account\n");
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
    println!("Demo finished: {n} cards ran.");
    Ok(ExitCode::SUCCESS)
}

fn id_of(value: &Value, card: &str) -> anyhow::Result<String> {
    value["id"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("{card} returned no id"))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}

/// Prints `{"error": ..., "kind": ...}` on stderr and returns exit code 3.
fn failure(err: &anyhow::Error) -> ExitCode {
    let kind = err.downcast_ref::<HarnessError>().map_or("cli", HarnessError::kind);
    let body = json!({"error": format!("{err:#}"), "kind": kind});
    eprintln!("{}", pretty(&body));
    ExitCode::from(EXIT_HARNESS_FAILURE)
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn inputs_read_json_files_and_literals() {
        assert_eq!(read_input("{\"id\": \"1\"}").unwrap(), json!({"id": "1"}));
        let path = std::env::temp_dir().join(format!("hh-input-{}.json", std::process::id()));
        std::fs::write(&path, "{\"id\": \"2\"}").unwrap();
        assert_eq!(read_input(&format!("@{}", path.display())).unwrap(), json!({"id": "2"}));
        assert_eq!(read_connection(path.to_str().unwrap()).unwrap(), json!({"id": "2"}));
        std::fs::remove_file(&path).unwrap();
        assert!(read_input("not json").is_err());
    }
}
