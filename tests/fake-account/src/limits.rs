//! Databricks' per-account request limits, when a test asks for them (`FakeConfig::rate_limits`):
//! account SCIM GET 20/s, LIST 240/min, PATCH 2/s, POST/PUT/DELETE 5/s (the reference's figures;
//! Databricks documents no limits for the other account APIs, so they are not limited here). A
//! request over its limit gets what Databricks sends: 429 with `Retry-After` and
//! `REQUEST_LIMIT_EXCEEDED`. Each limit is a bucket of one second's worth of requests that
//! refills at the rate, the usual shape of such limits.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The request classes Databricks limits separately, with their requests per second.
const LIMITS: &[(&str, f64)] = &[("scim-get", 20.0), ("scim-list", 4.0), ("scim-patch", 2.0), ("scim-write", 5.0)];

/// The buckets of one account: for each class, when its next request is due at the steady rate.
#[derive(Default)]
pub struct Limits {
    due: HashMap<&'static str, Instant>,
    /// Requests answered 429 by these limits.
    pub refused: u64,
}

impl Limits {
    /// Takes one request of `method path` from its bucket, or says how long until it could go
    /// (limits multiplied by `scale`).
    pub fn take(&mut self, method: &str, path: &str, scale: f64) -> Result<(), Duration> {
        let Some((class, per_second)) = class_of(method, path) else { return Ok(()) };
        let per_second = per_second * scale;
        let interval = Duration::from_secs_f64(1.0 / per_second);
        let burst = (per_second.floor() as u32).max(1);
        let tolerance = interval * (burst - 1);
        let now = Instant::now();
        let due = self.due.get(class).copied().unwrap_or(now).max(now);
        let allowed_at = due.checked_sub(tolerance).unwrap_or(now);
        if allowed_at > now {
            self.refused += 1;
            return Err(allowed_at - now);
        }
        self.due.insert(class, due + interval);
        Ok(())
    }
}

/// The limited class of a request, from its method and path.
fn class_of(method: &str, path: &str) -> Option<(&'static str, f64)> {
    let (_, rest) = path.split_once("/scim/v2/")?;
    let one_record = rest.trim_end_matches('/').contains('/');
    let class = match method {
        "GET" if one_record => "scim-get",
        "GET" => "scim-list",
        "PATCH" => "scim-patch",
        _ => "scim-write",
    };
    LIMITS.iter().find(|(c, _)| *c == class).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_of_patches_then_429_until_the_bucket_refills() {
        let mut limits = Limits::default();
        let path = "/api/2.0/accounts/a/scim/v2/Users/1";
        assert!(limits.take("PATCH", path, 1.0).is_ok());
        assert!(limits.take("PATCH", path, 1.0).is_ok());
        let wait = limits.take("PATCH", path, 1.0).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500), "{wait:?}");
        assert_eq!(limits.refused, 1);
        // Other classes and other APIs are not held up by the PATCHes.
        assert!(limits.take("GET", path, 1.0).is_ok());
        assert!(limits.take("POST", "/api/2.0/accounts/a/metastores", 1.0).is_ok());
        // Scaled ten times: twenty at once.
        let mut fast = Limits::default();
        assert!((0..20).all(|_| fast.take("PATCH", path, 10.0).is_ok()));
        assert!(fast.take("PATCH", path, 10.0).is_err());
    }

    #[test]
    fn lists_and_single_records_are_told_apart() {
        assert_eq!(class_of("GET", "/api/2.0/accounts/a/scim/v2/Users").unwrap().0, "scim-list");
        assert_eq!(class_of("GET", "/api/2.0/accounts/a/scim/v2/Users/").unwrap().0, "scim-list");
        assert_eq!(class_of("GET", "/api/2.0/accounts/a/scim/v2/Groups/7").unwrap().0, "scim-get");
        assert_eq!(class_of("DELETE", "/api/2.0/accounts/a/scim/v2/Groups/7").unwrap().0, "scim-write");
        assert!(class_of("GET", "/api/2.0/accounts/a/workspaces").is_none());
    }
}
