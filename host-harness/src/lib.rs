//! The wasmtime host of the `databricks-account` component.
//!
//! A [`Harness`] holds one engine, the component (compiled once and cached on disk as a
//! precompiled artifact), a linker with WASI 0.2 and wasi:http, and an `InstancePre`; each card
//! run gets a fresh `Store` with memory and time limits and an outbound policy that lets it reach
//! only its connection's account origin.
//!
//! The harness knows no card by name: [`Harness::cards`] lists the functions the component
//! exports from its `databricks:account/*` interfaces, and JSON is mapped to and from their WIT
//! types generically ([`values`]), with JSON Schemas derived from the same types ([`schema`]).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use host_harness::{CardOutcome, Harness, RunOptions};
//! use serde_json::json;
//!
//! let harness = Harness::embedded()?;
//! let connection = json!({
//!     "cloud": "aws",
//!     "account_id": "0d3d2c1a-0000-0000-0000-000000000000",
//!     "auth": {"oauth_m2m": {"client_id": "id", "client_secret": "secret",
//!              "scopes": null, "service_principal_id": null, "secret_id": null}},
//!     "host_override": "http://127.0.0.1:8080",
//! });
//! match harness.run("get-user", &connection, &json!({"id": "123"}), &RunOptions::default()).await? {
//!     CardOutcome::Ok(user) => println!("{user}"),
//!     CardOutcome::Err(card_error) => eprintln!("{card_error}"),
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod admission;
mod cache;
mod cards;
mod catalog;
mod config;
mod error;
mod guest_stderr;
mod harness;
mod markdown;
mod outbound;
mod outcome;
pub mod pacing;
mod phases;
pub mod policy;
mod progress;
mod run;
mod runtime;
pub mod schema;
mod state;
#[cfg(test)]
mod test_types;
mod tokens;
pub mod type_tree;
pub mod values;
mod warm;

pub use admission::AdmissionStats;
pub use cache::{CACHE_DIR_ENV, LoadReport, LoadSource, cache_dir};
pub use cards::{CARD_LIST_INTERFACE, CARD_PACKAGE_PREFIX, CardSignature};
pub use catalog::{CardCatalog, CardInfo};
pub use config::{HarnessConfig, RunOptions};
pub use error::HarnessError;
pub use harness::{EMBEDDED_COMPONENT, Harness};
pub use outbound::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, PoolStats};
pub use outcome::CardOutcome;
pub use pacing::{PacingConfig, Rate};
pub use phases::RunPhases;
pub use progress::{OnProgress, Progress};
pub use runtime::POOLING_MAX_MEMORY;
pub use state::TIME_LIMIT_VARIABLE;
pub use tokens::TokenStats;
pub use warm::WarmStats;
