//! `fake [--port N]`: the fake Databricks account on loopback until Ctrl-C, with a connection
//! for it on stdout.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;

use crate::output::{outln, pretty};

/// Serves the fake account on `127.0.0.1:port` (0: any free port).
pub async fn serve(port: u16) -> anyhow::Result<ExitCode> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // The Demo account plus the objects the card list's example inputs name.
    let config = fake_account::FakeConfig { seed: fake_account::Seed::Examples, ..fake_account::FakeConfig::default() };
    let fake = fake_account::FakeAccount::start_on(addr, config).await.context("cannot start the fake account")?;
    // The fake's own made-up credentials: printing them is the point of this command.
    outln!("{}", pretty(&fake.m2m_connection()))?;
    eprintln!("fake Databricks account serving at {}; Ctrl-C to stop", fake.base_url());
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    eprintln!("stopping");
    Ok(ExitCode::SUCCESS)
}
