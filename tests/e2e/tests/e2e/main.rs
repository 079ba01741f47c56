//! End-to-end scenarios: every card through the harness and the component against the fake
//! account, asserting what Databricks would receive and what the card returns. Each `*.rs` file
//! here is a module of this binary (`build.rs` lists them); `e2e::runner` runs their scenarios.

include!(concat!(env!("OUT_DIR"), "/scenario_files.rs"));

fn main() -> std::process::ExitCode {
    e2e::runner::main()
}
