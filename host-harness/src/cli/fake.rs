//! `fake [--port N] [--latency-ms MS] [--rate-limits SCALE] [--extra-users N]`: the fake Databricks account on
//! loopback until Ctrl-C, with a connection for it on stdout.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::output::{outln, pretty};

/// Options of `databricks-account fake`.
#[derive(clap::Args, Clone, Debug)]
pub struct FakeArgs {
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Wait this long before every answer, like an account across the network.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Enforce Databricks' per-account request limits (SCIM GET 20/s, LIST 240/min, PATCH 2/s,
    /// POST/PUT/DELETE 5/s), multiplied by SCALE (1 for the real limits), answering 429 beyond them.
    #[arg(long, value_name = "SCALE")]
    pub rate_limits: Option<f64>,
    /// Add this many users (`staff-0001@example.com`, ...), for an account the size of a large
    /// company's (a polling trigger's walk, a long listing).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub extra_users: usize,
}

/// Serves the fake account on `127.0.0.1:port` (0: any free port).
pub async fn serve(args: &FakeArgs) -> anyhow::Result<ExitCode> {
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    // The Demo account plus the objects the card list's example inputs name.
    let config = fake_account::FakeConfig {
        seed: fake_account::Seed::Examples,
        latency: Duration::from_millis(args.latency_ms),
        rate_limits: args.rate_limits,
        ..fake_account::FakeConfig::default()
    };
    let fake = fake_account::FakeAccount::start_on(addr, config).await.context("cannot start the fake account")?;
    fake.insert_users(args.extra_users, "staff");
    // The fake's own made-up credentials: printing them is the point of this command.
    outln!("{}", pretty(&fake.m2m_connection()))?;
    eprintln!("fake Databricks account serving at {}; Ctrl-C to stop", fake.base_url());
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    eprintln!("stopping");
    Ok(ExitCode::SUCCESS)
}
