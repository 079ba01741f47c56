//! What the fake account holds, and the one lock every handler reaches it through.

use crate::store::Store;
use crate::{FakeConfig, Fault, RecordedRequest};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Shared by every handler: the fixed configuration, and the state behind one mutex.
pub struct Shared {
    pub config: FakeConfig,
    pub base_url: String,
    state: Mutex<State>,
}

impl Shared {
    pub fn new(config: FakeConfig, base_url: String, state: State) -> Shared {
        Shared { config, base_url, state: Mutex::new(state) }
    }

    /// The account's state. There is one lock, so no two handlers can take locks in opposite
    /// orders; helpers take `&State` or `&mut State` instead of locking again (the lock is not
    /// reentrant). A poisoned lock only means a handler panicked mid-change; the fake keeps serving.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Everything that changes while the fake runs: the account's objects, issued tokens, and the
/// journal and faults of the test driving it.
#[derive(Default)]
pub struct State {
    /// Users, groups and service principals.
    pub store: Store,
    /// Access token → expiry.
    pub tokens: HashMap<String, Instant>,
    /// Whether the static SCIM token has expired.
    pub scim_token_expired: bool,
    /// U2M login codes and refresh tokens.
    pub u2m: crate::u2m::U2mState,
    pub journal: Vec<RecordedRequest>,
    pub faults: Vec<Fault>,
    pub faults_played: u64,
    /// The account's IP access lists, as Databricks shows them.
    pub ip_lists: Vec<Value>,
    /// Workspace permissions: workspace ID → principal ID → permissions.
    pub permissions: HashMap<i64, BTreeMap<i64, Vec<String>>>,
    /// Log delivery configurations.
    pub log_delivery: Vec<Value>,
    /// Budgets.
    pub budgets: Vec<Value>,
    /// Custom OAuth app integrations.
    pub apps: Vec<Value>,
    /// Client secrets of confidential custom apps, by client ID (never listed).
    pub app_secrets: HashMap<String, String>,
    /// Metastores and their workspace assignments.
    pub catalog: crate::catalog::Catalog,
    /// Workspaces and credential configurations.
    pub provisioning: Provisioning,
    /// OAuth secrets by service principal SCIM ID.
    pub secrets: HashMap<String, Vec<crate::secrets::Secret>>,
}

/// The account's workspaces and credential configurations, as Databricks shows them.
#[derive(Default)]
pub struct Provisioning {
    pub workspaces: Vec<Value>,
    pub credentials: Vec<Value>,
    pub storage: Vec<Value>,
    pub networks: Vec<Value>,
}
