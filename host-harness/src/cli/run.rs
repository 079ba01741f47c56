//! `run CARD --connection … --input …`: one card run, its output on stdout (JSON for a script,
//! `--output table|yaml|text` for a person) or its card error on stderr (exit code 1), with the
//! card's progress on stderr while it works.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use host_harness::{CardOutcome, Harness, HarnessError, RunOptions};
use serde_json::Value;

use crate::login;
use crate::output::{EXIT_CARD_ERROR, outln, pretty};
use crate::progress::ProgressView;
use crate::render::{OutputFormat, render};

/// The arguments of `run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The card, e.g. `list-users` (`run CARD --help` lists its inputs).
    #[arg(required_unless_present = "help")]
    pub card: Option<String>,

    /// The connection: a JSON object, or a file holding one.
    #[arg(long, value_name = "FILE_OR_JSON", required_unless_present = "help")]
    connection: Option<String>,

    /// The card's input: a JSON value, `@FILE`, or `@-` for stdin.
    #[arg(long, value_name = "JSON_OR_@FILE", default_value = "{}")]
    input: String,

    /// Allow requests to this origin instead of the connection's account host (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,

    /// Wall-clock limit of the run, in seconds: the refresh of a stale U2M connection file
    /// (and any wait for another run refreshing it) included.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    time_limit: u64,

    /// Memory limit of the run, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    memory_limit: usize,

    /// Mint a token for this run alone instead of reusing one an earlier run of the same
    /// connection minted (shared through mode-0600 files in the cache directory, keyed by a hash
    /// of the whole token request, secret included; also `DATABRICKS_ACCOUNT_TOKEN_CACHE=off`).
    #[arg(long)]
    no_token_cache: bool,

    /// How to print the output: `json` (the default when stdout is not a terminal), `table`
    /// (a list's records), `yaml` or `text` (the default for a single record at a terminal).
    #[arg(long, short, value_enum, value_name = "FORMAT")]
    output: Option<OutputFormat>,

    /// Keep the `raw` copy of each record (as Databricks sent it) in table, YAML and text
    /// output; JSON always has it.
    #[arg(long)]
    raw: bool,

    /// Print help; with a card, what it does and each of its inputs.
    #[arg(short, long)]
    pub help: bool,
}

impl RunArgs {
    /// Where this run shares tokens with other runs of the CLI: `<cache dir>/tokens`, unless
    /// turned off.
    pub fn token_cache_dir(&self) -> Option<PathBuf> {
        let off = std::env::var("DATABRICKS_ACCOUNT_TOKEN_CACHE").is_ok_and(|v| matches!(v.as_str(), "off" | "0" | "false"));
        (!self.no_token_cache && !off).then(|| host_harness::cache_dir().join("tokens"))
    }
}

/// When a run's time is up: `--time-limit` after the run started.
pub struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    /// `limit` from now.
    pub fn after(limit: Duration) -> Deadline {
        let now = Instant::now();
        // A limit beyond what an `Instant` can hold is as good as none.
        let at = now.checked_add(limit).unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)));
        Deadline { at, limit }
    }

    pub fn at(&self) -> Instant {
        self.at
    }

    /// The time left, or the time-limit failure when none is.
    pub fn remaining(&self) -> Result<Duration, HarnessError> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() { Err(self.exceeded()) } else { Ok(left) }
    }

    /// The run's limit, exceeded.
    pub fn exceeded(&self) -> HarnessError {
        HarnessError::TimeLimit(self.limit)
    }
}

/// How a run tells a person what it is doing: `-v`'s count and `--quiet`.
#[derive(Clone, Copy)]
pub struct Chatter {
    pub verbose: u8,
    pub quiet: bool,
}

/// Runs the card with these arguments and prints what it returned.
pub async fn run(harness: &Harness, args: RunArgs, chatter: Chatter) -> anyhow::Result<ExitCode> {
    let deadline = Deadline::after(Duration::from_secs(args.time_limit));
    let (Some(card), Some(connection_arg)) = (args.card.as_deref(), args.connection.as_deref()) else {
        anyhow::bail!("run needs a card and --connection");
    };
    // The connection holds secrets: it is parsed, never logged or echoed.
    let connection = read_connection(connection_arg)?;
    // The input first: a mistake in it must not cost a refresh.
    let input = read_input(&args.input)?;
    let mut options =
        RunOptions { time_limit: Duration::from_secs(args.time_limit), memory_limit: args.memory_limit << 20, ..RunOptions::default() };
    if !args.allow_origins.is_empty() {
        options.allowed_origins = Some(args.allow_origins.clone());
    }
    // A U2M connection file is refreshed (and saved) first when its access token is stale.
    let file = (!connection_arg.trim_start().starts_with('{')).then(|| Path::new(connection_arg));
    let connection = match login::fresh_u2m(harness, file, connection, &options, &deadline).await? {
        Ok(connection) => connection,
        Err(card_error) => {
            eprintln!("{}", pretty(&card_error));
            return Ok(ExitCode::from(EXIT_CARD_ERROR));
        }
    };
    options.time_limit = deadline.remaining()?;
    let progress = ProgressView::new(card, chatter.verbose, chatter.quiet);
    options.on_progress = progress.listener();
    let outcome = harness.run(card, &connection, &input, &options).await.map_err(|err| match err {
        HarnessError::TimeLimit(_) => deadline.exceeded(),
        err => err,
    });
    progress.finish();
    match outcome? {
        CardOutcome::Ok(output) => {
            let output_type = harness.card(card).and_then(|c| c.output_type());
            let format = args.output.unwrap_or_else(|| OutputFormat::default_for(std::io::stdout().is_terminal(), output_type.as_ref()));
            outln!("{}", render(format, &output, output_type.as_ref(), args.raw).trim_end())?;
            Ok(ExitCode::SUCCESS)
        }
        CardOutcome::Err(card_error) => {
            eprintln!("{}", pretty(&card_error));
            Ok(ExitCode::from(EXIT_CARD_ERROR))
        }
    }
}

/// `--connection`: a JSON object given inline, else the name of a file holding one.
fn read_connection(arg: &str) -> anyhow::Result<Value> {
    if arg.trim_start().starts_with('{') {
        return serde_json::from_str(arg).context("--connection is not valid JSON");
    }
    let text = std::fs::read_to_string(arg).with_context(|| format!("cannot read the connection file {arg}"))?;
    serde_json::from_str(&text).with_context(|| format!("the connection file {arg} is not valid JSON"))
}

/// `--input`: JSON given inline, `@FILE`, or `@-` for stdin.
fn read_input(arg: &str) -> anyhow::Result<Value> {
    let text = match arg.strip_prefix('@') {
        Some("-") => std::io::read_to_string(std::io::stdin()).context("cannot read the input from stdin")?,
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read the input file {path}"))?,
        None => arg.to_string(),
    };
    serde_json::from_str(&text).context("--input is not valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
