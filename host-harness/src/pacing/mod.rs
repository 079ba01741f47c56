//! Pacing the runs of one account so that Databricks' per-account limits are not hit: each card
//! declares a rate class in the card list (`scim-patch`, `account-read`, ...), and before a run
//! starts it reserves the next slot of its account and class, then waits for that slot. A
//! thousand `update-user` runs at once then go out at the account's PATCH rate instead of
//! bouncing off 429s and burning their retry budgets.
//!
//! Slots are handed out by GCRA (the generic cell rate algorithm): one number per account and
//! class, the theoretical arrival time of the next request, which moves one interval on with every
//! reservation. In process that number lives in a map; across machines it lives in Redis
//! (`redis.rs`), moved by one atomic script with Redis' own clock, so that every host of a
//! platform shares one schedule. Keys name the account (its host and ID, hashed), never a
//! connection's secret: two connections to one account share its limits, as Databricks counts them.

mod gcra;
#[cfg(feature = "shared-pacing")]
mod redis;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use gcra::Rate;

/// Requests per second by rate class, and where the schedule is kept.
#[derive(Clone, Debug)]
pub struct PacingConfig {
    /// The rate of each class; a class not listed is not paced.
    pub rates: HashMap<String, Rate>,
    /// `redis://host:port/db` to share the schedule with other hosts; `None` keeps it in this
    /// process.
    pub redis_url: Option<String>,
}

impl PacingConfig {
    /// Databricks' account limits as the reference gives them: account SCIM GET 20/s, LIST
    /// 240/min, PATCH 2/s, POST/PUT/DELETE 5/s; the other account APIs at the official Go SDK's
    /// client-side 15/s; the token endpoint at 5/s (it throttles, and a shared token makes
    /// token requests rare). Each is paced at 90% of its limit with half its burst (see
    /// [`Rate::below`]), so that the network's jitter never pushes a request over the limit.
    pub fn databricks() -> PacingConfig {
        let rates = [
            ("scim-get", 20.0),
            ("scim-list", 4.0),
            ("scim-patch", 2.0),
            ("scim-write", 5.0),
            ("account-read", 15.0),
            ("account-write", 15.0),
            ("token", 5.0),
        ];
        let rates = rates.iter().map(|(class, per_second)| (class.to_string(), Rate::below(*per_second))).collect();
        PacingConfig { rates, redis_url: None }
    }

    /// Every rate and burst multiplied by `factor` (for a fake account that enforces its limits
    /// scaled by the same factor).
    pub fn scaled(mut self, factor: f64) -> PacingConfig {
        for rate in self.rates.values_mut() {
            *rate = rate.scaled(factor);
        }
        self
    }

    /// The same rates, with the schedule kept in Redis at `url`.
    pub fn shared_through(mut self, url: impl Into<String>) -> PacingConfig {
        self.redis_url = Some(url.into());
        self
    }
}

/// Where reservations are made.
pub(crate) enum Pacer {
    InProcess {
        rates: HashMap<String, Rate>,
        schedule: Mutex<HashMap<String, Instant>>,
    },
    #[cfg(feature = "shared-pacing")]
    Redis {
        rates: HashMap<String, Rate>,
        shared: Box<redis::SharedSchedule>,
    },
}

impl Pacer {
    pub(crate) fn new(config: &PacingConfig) -> anyhow::Result<Pacer> {
        match &config.redis_url {
            None => Ok(Pacer::InProcess { rates: config.rates.clone(), schedule: Mutex::new(HashMap::new()) }),
            #[cfg(feature = "shared-pacing")]
            Some(url) => Ok(Pacer::Redis { rates: config.rates.clone(), shared: Box::new(redis::SharedSchedule::new(url)?) }),
            #[cfg(not(feature = "shared-pacing"))]
            Some(_) => anyhow::bail!("pacing through Redis needs host-harness's `shared-pacing` feature"),
        }
    }

    /// How long a run of `class` on `account` waits for its slot (the slot is taken now).
    pub(crate) async fn reserve(&self, account: &str, class: &str) -> anyhow::Result<Duration> {
        match self {
            Pacer::InProcess { rates, schedule } => {
                let Some(rate) = rates.get(class) else { return Ok(Duration::ZERO) };
                let key = format!("{account}:{class}");
                let now = Instant::now();
                let mut schedule = schedule.lock().unwrap_or_else(|p| p.into_inner());
                let next = schedule.entry(key).or_insert(now);
                let (wait, after) = rate.reserve(*next, now);
                *next = after;
                Ok(wait)
            }
            #[cfg(feature = "shared-pacing")]
            Pacer::Redis { rates, shared } => match rates.get(class) {
                Some(rate) => shared.reserve(&format!("databricks-account:pace:{account}:{class}"), *rate).await,
                None => Ok(Duration::ZERO),
            },
        }
    }
}

/// The rate class of a card paced request by request instead of run by run.
pub(crate) const PER_REQUEST: &str = "per-request";

/// The pacing of a run whose requests are paced one by one: its account's schedule.
#[derive(Clone)]
pub(crate) struct RequestPacing {
    pub(crate) pacer: Arc<Pacer>,
    pub(crate) account: String,
}

impl RequestPacing {
    /// Waits for the slot of a request with `method` and `path` in the account's schedule. A
    /// failure of the schedule itself (Redis unreachable) does not hold the request: Databricks'
    /// own 429s and the component's retries are the fallback.
    pub(crate) async fn wait_for_turn(&self, method: &http::Method, path: &str) {
        let class = request_class(method, path);
        match self.pacer.reserve(&self.account, class).await {
            Ok(wait) if !wait.is_zero() => {
                tracing::debug!(class, ?wait, "request paced");
                tokio::time::sleep(wait).await;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!("cannot reserve a `{class}` slot, sending unpaced: {error:#}"),
        }
    }
}

/// The class Databricks limits a request by, from its method and path: account SCIM by GET of
/// one record, LIST, PATCH and other writes; the token endpoint; other account reads and writes.
pub(crate) fn request_class(method: &http::Method, path: &str) -> &'static str {
    if let Some((_, rest)) = path.split_once("/scim/v2/") {
        let one_record = rest.trim_end_matches('/').contains('/');
        return match *method {
            http::Method::GET if one_record => "scim-get",
            http::Method::GET => "scim-list",
            http::Method::PATCH => "scim-patch",
            _ => "scim-write",
        };
    }
    if path.starts_with("/oidc/") {
        "token"
    } else if *method == http::Method::GET {
        "account-read"
    } else {
        "account-write"
    }
}

/// The account a connection reaches, as a pacing key: its host (override or cloud) and its ID,
/// hashed so the key is short and plain whatever they hold.
pub(crate) fn account_key(connection: &Value) -> String {
    let host = connection["host_override"].as_str().filter(|h| !h.trim().is_empty()).or(connection["cloud"].as_str()).unwrap_or("");
    let account = connection["account_id"].as_str().unwrap_or("");
    let digest = Sha256::digest(format!("{host}\0{account}"));
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn runs_of_one_account_and_class_are_spread_at_its_rate() {
        let mut config = PacingConfig::databricks();
        config.rates.insert("scim-patch".into(), Rate::per_second(10.0));
        assert_eq!(PacingConfig::databricks().rates["scim-patch"], Rate::below(2.0));
        let pacer = Pacer::new(&config).unwrap();
        let mut waits = Vec::new();
        for _ in 0..30 {
            waits.push(pacer.reserve("a", "scim-patch").await.unwrap());
        }
        // A second's worth goes at once (the burst), then one every 100 ms.
        assert!(waits[..10].iter().all(|w| *w < Duration::from_millis(5)), "{waits:?}");
        let last = waits[29].as_secs_f64();
        assert!((1.9..2.1).contains(&last), "the 30th of 10/s waits 2 s: {last}");
        // Another account, another class, a class without a rate: not held up.
        assert!(pacer.reserve("b", "scim-patch").await.unwrap() < Duration::from_millis(5));
        assert!(pacer.reserve("a", "scim-get").await.unwrap() < Duration::from_millis(5));
        assert_eq!(pacer.reserve("a", "unknown").await.unwrap(), Duration::ZERO);
    }

    #[test]
    fn a_request_is_classed_by_its_method_and_path() {
        let class = |method: http::Method, path: &str| request_class(&method, path);
        let users = "/api/2.0/accounts/a1/scim/v2/Users";
        assert_eq!(class(http::Method::GET, users), "scim-list");
        assert_eq!(class(http::Method::GET, &format!("{users}/42")), "scim-get");
        assert_eq!(class(http::Method::POST, users), "scim-write");
        assert_eq!(class(http::Method::PATCH, "/api/2.0/accounts/a1/scim/v2/Groups/7"), "scim-patch");
        assert_eq!(class(http::Method::DELETE, &format!("{users}/42")), "scim-write");
        assert_eq!(class(http::Method::POST, "/oidc/accounts/a1/v1/token"), "token");
        assert_eq!(class(http::Method::GET, "/api/2.0/accounts/a1/workspaces"), "account-read");
        assert_eq!(class(http::Method::PUT, "/api/2.0/accounts/a1/metastores/m"), "account-write");
    }

    #[test]
    fn the_account_key_names_the_account_not_the_connection() {
        let one = json!({"cloud": "aws", "account_id": "a1", "auth": {"oauth_m2m": {"client_id": "x", "client_secret": "s1"}}});
        let other_secret = json!({"cloud": "aws", "account_id": "a1", "auth": {"oauth_m2m": {"client_id": "y", "client_secret": "s2"}}});
        let other_account = json!({"cloud": "aws", "account_id": "a2"});
        let override_host = json!({"cloud": "aws", "account_id": "a1", "host_override": "http://127.0.0.1:9"});
        assert_eq!(account_key(&one), account_key(&other_secret));
        assert_ne!(account_key(&one), account_key(&other_account));
        assert_ne!(account_key(&one), account_key(&override_host));
        assert!(!account_key(&one).contains("s1"));
    }
}
