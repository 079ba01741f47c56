//! `databricks-account`: list, describe and run the cards of the databricks-account component,
//! start the fake account, or run the demo.
//!
//! Results go to stdout; logs, progress and errors go to stderr. Exit codes: 0 success (also
//! when whoever read stdout stopped early, as `| head` does), 1 the card returned its error (or
//! the refresh of a U2M connection file did), 2 usage error, 3 the harness failed (bad JSON,
//! trap, time or memory limit, unknown card, unreadable or unwritable file).
//!
//! This file is the command line itself: its arguments and which module runs each subcommand.
//! The library (`host_harness`) knows nothing of it.

use std::path::PathBuf;
use std::process::ExitCode;

mod bench;
mod card_help;
mod cards;
mod completions;
mod component;
mod connection_file;
mod demo;
mod fake;
mod js_catalog;
mod login;
mod output;
mod progress;
mod render;
mod run;

use clap::{CommandFactory, Parser, Subcommand};

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

    /// No progress on stderr (errors still go there).
    #[arg(short, long, global = true)]
    quiet: bool,

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
    /// Write the card list and the cards' type trees for the npm package (`js/`) into a folder.
    WriteJsCatalog {
        /// The folder (created when missing).
        dir: PathBuf,
    },
    /// Run one card and print its output (`run CARD --help`: the card's inputs).
    #[command(disable_help_flag = true)]
    Run(run::RunArgs),
    /// Start the fake Databricks account (every card's example input runs against it) and print a connection for it.
    Fake(fake::FakeArgs),
    /// Sign in with OAuth U2M through a custom app connection (authorization code with PKCE,
    /// loopback redirect) and write a connection file (mode 0600) holding the tokens.
    Login(login::LoginArgs),
    /// Run a user and group flow, a tour of the account and a workspace's provisioning against
    /// the built-in fake account: one line per step (`-v`: each step's input and output).
    Demo,
    /// Print a shell completion script (subcommands, options and card names), e.g.
    /// `databricks-account completions bash > /etc/bash_completion.d/databricks-account`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Measure card runs against the in-process fake account and a native client (see
    /// docs/performance.md).
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    ignore_file_size_signal();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return output::failure(&anyhow::anyhow!("cannot start the async runtime: {err}")),
    };
    match runtime.block_on(cli.run()) {
        Ok(code) => code,
        Err(err) => output::failure(&err),
    }
}

impl Cli {
    async fn run(self) -> anyhow::Result<ExitCode> {
        let component = self.component.as_ref();
        match self.command {
            Command::Cards { json } => cards::list(&component::harness(component)?, json).await,
            Command::Describe { card } => cards::describe(&component::harness(component)?, card).await,
            Command::Docs => cards::docs(&component::harness(component)?).await,
            Command::WriteComponent { path } => component::write(component, &path),
            Command::WriteJsCatalog { dir } => js_catalog::write(&component::harness(component)?, &dir).await,
            Command::Run(args) if args.help => {
                let usage = Cli::command().find_subcommand_mut("run").map(|run| run.render_long_help().to_string()).unwrap_or_default();
                match &args.card {
                    Some(card) => {
                        output::write_stdout(format_args!("{}", card_help::help(&component::harness(component)?, card, &usage).await?))?
                    }
                    None => output::write_stdout(format_args!("{usage}"))?,
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Completions { shell } => completions::write(&component::harness(component)?, shell, Cli::command()),
            Command::Run(args) => {
                let chatter = run::Chatter { verbose: self.verbose, quiet: self.quiet };
                let config = host_harness::HarnessConfig { token_cache_dir: args.token_cache_dir(), ..Default::default() };
                run::run(&component::with_config(component, &config)?, args, chatter).await
            }
            Command::Fake(args) => fake::serve(&args).await,
            Command::Login(args) => login::command(&component::harness(component)?, args).await,
            Command::Bench(args) => bench::command(component, &args).await,
            Command::Demo => demo::demo(&component::harness(component)?, self.verbose > 0).await,
        }
    }
}

/// A write beyond the file-size limit (`ulimit -f`) fails with `EFBIG` instead of killing the
/// process with `SIGXFSZ`, so that a connection file that cannot be written is an error the CLI
/// reports (before any refresh token is spent), not a silent death.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" installs no handler code; it is done
    // at start-up, before any thread that could race on the disposition.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
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
        Cli::command().debug_assert();
    }
}
