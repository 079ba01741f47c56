//! `completions bash|zsh|fish|…`: a completion script from clap's generator, with the card
//! names of the component (built-in or `--component`) as the values of `run` and `describe`.

use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap_complete::Shell;
use host_harness::Harness;

/// Writes the completion script for `shell` to stdout.
pub fn write(harness: &Harness, shell: Shell, mut command: clap::Command) -> anyhow::Result<ExitCode> {
    let cards: Vec<String> = harness.cards().iter().map(|card| card.id.clone()).collect();
    for subcommand in ["run", "describe"] {
        let cards = cards.clone();
        command = command.mut_subcommand(subcommand, |sub| sub.mut_arg("card", |arg| arg.value_parser(PossibleValuesParser::new(cards))));
    }
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "databricks-account", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == Shell::Fish {
        // clap's fish generator leaves positional values out: the card names are added here.
        for subcommand in ["run", "describe"] {
            script.push_str(&format!(
                "complete -c databricks-account -n \"__fish_databricks_account_using_subcommand {subcommand}\" -f -a \"{}\"\n",
                cards.join(" ")
            ));
        }
    }
    crate::output::write_stdout(format_args!("{script}"))?;
    Ok(ExitCode::SUCCESS)
}
