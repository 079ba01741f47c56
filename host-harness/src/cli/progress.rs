//! A card's progress events on the CLI's stderr: a progress line redrawn in place (indicatif)
//! when stderr is a terminal, one plain line per event with `-v` when it is not, nothing with
//! `--quiet`. Never on stdout, which is the output's.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use host_harness::{OnProgress, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// Where a run's progress goes, and what to tidy up after it.
pub struct ProgressView {
    bar: Option<ProgressBar>,
    listener: Option<OnProgress>,
}

impl ProgressView {
    /// The view `-v` (`verbose`) and `--quiet` ask for, for `card`.
    pub fn new(card: &str, verbose: u8, quiet: bool) -> ProgressView {
        if quiet {
            return ProgressView { bar: None, listener: None };
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(card.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            let shown = bar.clone();
            let listener = OnProgress::new(move |event: &Progress| shown.set_message(event.describe()));
            return ProgressView { bar: Some(bar), listener: Some(listener) };
        }
        if verbose == 0 {
            return ProgressView { bar: None, listener: None };
        }
        let card = card.to_string();
        let listener = OnProgress::new(move |event: &Progress| {
            // A closed stderr is nobody's problem here.
            let _ = writeln!(std::io::stderr(), "{card}: {}", event.describe());
        });
        ProgressView { bar: None, listener: Some(listener) }
    }

    /// The listener for the run's options.
    pub fn listener(&self) -> Option<OnProgress> {
        self.listener.clone()
    }

    /// Clears the progress line before the output or an error is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        self.finish();
    }
}
