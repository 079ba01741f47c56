//! The end-to-end runner. Every `#[scenario]` registers itself (no list of tests or files to keep);
//! this runs them as libtest does (filters, `--list`, `--exact`, threads), each on a tokio runtime
//! of its own, and then checks coverage from what actually happened: a card that never returned
//! `Ok` against the fake account's own answers (no injected fault) in any scenario fails the run.

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Mutex;

/// One scenario, as `#[scenario]` registers it.
pub struct Scenario {
    /// The module path of the test file (`e2e::catalog`).
    pub module: &'static str,
    /// The function's name.
    pub name: &'static str,
    /// Starts the scenario.
    pub start: fn() -> Pin<Box<dyn Future<Output = ()> + Send>>,
}

inventory::collect!(Scenario);

impl Scenario {
    /// The test's name as libtest shows it (`catalog::a_metastore_from_creation_to_deletion`).
    fn test_name(&self) -> String {
        let module = self.module.split_once("::").map_or("", |(_, rest)| rest);
        if module.is_empty() { self.name.to_string() } else { format!("{module}::{}", self.name) }
    }
}

/// Cards that returned `Ok` in this process from the fake account's own answers.
static SUCCEEDED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Records that `card` returned `Ok` without an injected fault (`Env::run_with` calls this).
pub(crate) fn record_success(card: &str) {
    SUCCEEDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(card.to_string());
}

/// Runs the scenarios, then, when none was filtered out, the coverage check.
pub fn main() -> ExitCode {
    let args = Arguments::from_args();
    let mut scenarios: Vec<&'static Scenario> = inventory::iter::<Scenario>.into_iter().collect();
    scenarios.sort_by_key(|s| s.test_name());
    let trials = scenarios.into_iter().map(|s| Trial::test(s.test_name(), move || run(s))).collect();
    let listing = args.list;
    let conclusion = libtest_mimic::run(&args, trials);
    if listing || conclusion.has_failed() {
        return conclusion.exit_code();
    }
    if conclusion.num_filtered_out > 0 || conclusion.num_ignored > 0 {
        eprintln!("coverage not checked: {} scenarios were filtered out or ignored", conclusion.num_filtered_out + conclusion.num_ignored);
        return conclusion.exit_code();
    }
    let missing = cards_without_success();
    if missing.is_empty() {
        println!("coverage: every card returned Ok against the fake account in a scenario");
        ExitCode::SUCCESS
    } else {
        eprintln!("coverage FAILED: these cards never returned Ok against the fake account in any scenario: {missing:?}");
        eprintln!("add a #[scenario] that runs each of them and asserts what the account received");
        ExitCode::from(101)
    }
}

fn run(scenario: &Scenario) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failed::from(e.to_string()))?;
    runtime.block_on((scenario.start)());
    Ok(())
}

fn cards_without_success() -> Vec<String> {
    let succeeded = SUCCEEDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let harness = host_harness::Harness::embedded().expect("the embedded component loads");
    harness.cards().iter().map(|c| c.id.clone()).filter(|id| !succeeded.contains(id)).collect()
}
