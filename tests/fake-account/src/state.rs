//! What the fake account holds, and the one lock every handler reaches it through.

use crate::collection::Collection;
use crate::progress::{Outcome, Progress};
use crate::store::Store;
use crate::{FakeConfig, Fault, RecordedRequest};
use crate::{apps, budget_policies, budgets, catalog, connectivity, dashboards, federation, ip_lists, log_delivery};
use crate::{network_policies, provisioning, published_apps, workspaces};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Shared by every handler: the fixed configuration, and the state behind one mutex.
pub struct Shared {
    pub config: FakeConfig,
    pub base_url: String,
    state: Mutex<AccountState>,
}

impl Shared {
    pub fn new(config: FakeConfig, base_url: String, state: AccountState) -> Shared {
        Shared { config, base_url, state: Mutex::new(state) }
    }

    /// The account's state. There is this one lock, so no two handlers can take locks in
    /// opposite orders; helpers take `&AccountState` or `&mut AccountState` rather than lock
    /// again (the lock is not reentrant). A poisoned lock only means a handler panicked
    /// mid-change; the fake keeps serving.
    pub fn state(&self) -> MutexGuard<'_, AccountState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Everything that changes while the fake runs: the account's objects, issued tokens, and the
/// journal and faults of the test driving it.
pub struct AccountState {
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
    /// Databricks' request limits, when the config asks for them.
    pub limits: crate::limits::Limits,
    pub ip_lists: Collection,
    pub budgets: Collection,
    pub log_delivery: Collection,
    /// Custom OAuth app integrations.
    pub apps: Collection,
    /// Client secrets of confidential custom apps, by client ID (never listed).
    pub app_secrets: HashMap<String, String>,
    pub metastores: Collection,
    /// Which metastore each workspace is assigned (one at most), by workspace ID.
    pub assignments: Collection,
    pub workspaces: Collection,
    pub credentials: Collection,
    pub storage: Collection,
    pub networks: Collection,
    /// OAuth secrets as Databricks lists them, by service principal SCIM ID.
    pub secrets: HashMap<String, Collection>,
    /// What signs in with each OAuth secret, by secret ID (Databricks never shows it again).
    pub secret_values: HashMap<String, crate::secrets::SecretValue>,
    /// Workspace permissions: workspace ID → principal ID → permissions.
    pub permissions: HashMap<i64, BTreeMap<i64, Vec<String>>>,
    pub private_access: Collection,
    pub vpc_endpoints: Collection,
    /// Customer-managed key configurations.
    pub keys: Collection,
    /// Network connectivity configurations (serverless egress).
    pub connectivity: Collection,
    /// Private endpoint rules, by network connectivity configuration ID.
    pub endpoint_rules: HashMap<String, Collection>,
    pub network_policies: Collection,
    /// The network policy of each workspace bound to one other than `default-policy`.
    pub network_options: HashMap<i64, String>,
    /// Account settings by setting type, each with its etag.
    pub settings: BTreeMap<String, crate::settings::Setting>,
    /// Access-control rule sets written or read so far, by name.
    pub rule_sets: HashMap<String, crate::access_control::RuleSet>,
    /// Account federation policies.
    pub federation_policies: Collection,
    /// Service principal federation policies, by service principal SCIM ID.
    pub sp_federation_policies: HashMap<String, Collection>,
    pub published_app_integrations: Collection,
    pub budget_policies: Collection,
    /// Who made each budget policy (SCIM ID and name), for the list's `filter_by.creator_*`.
    pub budget_policy_creators: HashMap<String, (i64, String)>,
    /// The policy each budget policy create's `request_id` made: a repeated create answers it again.
    pub budget_policy_requests: HashMap<String, String>,
    /// Usage dashboards.
    pub dashboards: Collection,
    /// Unity Catalog storage credentials, by metastore ID.
    pub storage_credentials: HashMap<String, Collection>,
    /// Changes under way (workspaces provisioning, endpoints awaiting approval), by object key.
    pub changes: HashMap<String, Progress>,
    /// How the next workspace create or update ends (a test's choice); it finishes by default.
    pub next_workspace: Option<Outcome>,
    /// The serial number of the last etag made.
    pub etag_serial: u64,
}

impl Default for AccountState {
    fn default() -> AccountState {
        AccountState {
            store: Store::default(),
            tokens: HashMap::new(),
            scim_token_expired: false,
            u2m: Default::default(),
            journal: Vec::new(),
            faults: Vec::new(),
            faults_played: 0,
            limits: Default::default(),
            ip_lists: ip_lists::collection(),
            budgets: budgets::collection(),
            log_delivery: log_delivery::collection(),
            apps: apps::collection(),
            app_secrets: HashMap::new(),
            metastores: catalog::metastores(),
            assignments: catalog::assignments(),
            workspaces: workspaces::collection(),
            credentials: provisioning::credentials(),
            storage: provisioning::storage(),
            networks: provisioning::networks(),
            secrets: HashMap::new(),
            secret_values: HashMap::new(),
            permissions: HashMap::new(),
            private_access: provisioning::private_access(),
            vpc_endpoints: provisioning::vpc_endpoints(),
            keys: provisioning::keys(),
            connectivity: connectivity::configs(),
            endpoint_rules: HashMap::new(),
            network_policies: network_policies::collection(),
            network_options: HashMap::new(),
            settings: BTreeMap::new(),
            rule_sets: HashMap::new(),
            federation_policies: federation::collection(),
            sp_federation_policies: HashMap::new(),
            published_app_integrations: published_apps::integrations(),
            budget_policies: budget_policies::collection(),
            budget_policy_creators: HashMap::new(),
            budget_policy_requests: HashMap::new(),
            dashboards: dashboards::collection(),
            storage_credentials: HashMap::new(),
            changes: HashMap::new(),
            next_workspace: None,
            etag_serial: 0,
        }
    }
}

impl AccountState {
    /// A service principal's OAuth secrets (none yet for one never seen).
    pub fn secrets_of(&mut self, service_principal: &str) -> &mut Collection {
        self.secrets.entry(service_principal.to_string()).or_insert_with(crate::secrets::collection)
    }

    /// A new etag for `what`: each write gets one no earlier write had.
    pub fn etag(&mut self, what: &str) -> String {
        self.etag_serial += 1;
        crate::ids::etag(what, self.etag_serial)
    }
}
