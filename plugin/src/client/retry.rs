//! When a failed request is repeated, how long to wait, and when to give up.
//!
//! Repeated, because the failure proves Databricks did not apply the request:
//! - 429 Too Many Requests and 503 Service Unavailable (throttled or refused before work);
//! - 500 whose body says `REQUEST_LIMIT_EXCEEDED` (the account SCIM API's throttle);
//! - the token endpoint's 400/429 "Temporarily throttled, too many requests";
//! - a connection that was never made (refused, unknown host, connect timeout);
//! - 400 "Failed credential validation checks": Databricks could not assume a cross-account IAM
//!   role yet, which is what a role or policy made a moment ago looks like while AWS spreads it
//!   (Terraform users sleep 20–30 s before the create for this); a refused create made nothing.
//!
//! Repeated only for idempotent requests (GET, PUT, DELETE), because the failure may have
//! come after Databricks applied the request: 502 Bad Gateway, 504 Gateway Timeout,
//! a connection reset or a response cut off mid-way. A POST or PATCH that fails this
//! way is returned to the flow rather than risk creating a user twice.
//!
//! The wait is the larger of Databricks' `Retry-After` and an exponential backoff with
//! jitter; the sum of waits never exceeds the caller's budget.

use super::http::{Response, Transport};
use crate::progress::{self, Progress};
use crate::wit::{CardError, RateLimit};
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant, SystemTime};

/// First backoff step; it doubles each attempt up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// The least wait before repeating a create refused while an IAM role spreads: seconds, not
/// the milliseconds a throttle needs.
const ROLE_PROPAGATION_WAIT: Duration = Duration::from_secs(2);

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// Repeat, waiting at least this long (Databricks' `Retry-After`, when it said).
    Retry(Option<Duration>),
    /// Give the error to the flow.
    Fail,
}

/// One attempt as the retry loop sees it.
pub enum Outcome {
    Done(Response),
    /// Send again at once, without counting against the budget (a replaced token).
    Replay,
    Failed {
        error: CardError,
        response: Option<Response>,
        decision: Decision,
    },
}

/// The outcome of one exchange: success, or the failure decoded with `decode` and
/// whether it may be repeated.
pub fn assess(idempotent: bool, sent: Result<Response, Transport>, decode: impl Fn(&Response) -> CardError) -> Outcome {
    match sent {
        Ok(response) if response.is_success() => Outcome::Done(response),
        Ok(response) => {
            let decision = for_response(idempotent, &response);
            Outcome::Failed { error: decode(&response), response: Some(response), decision }
        }
        Err(failure) => {
            let decision = for_transport(idempotent, &failure);
            Outcome::Failed { error: failure.into_card_error(), response: None, decision }
        }
    }
}

/// Repeats `attempt` while its failures may be repeated and the budget lasts.
pub fn run(budget: Duration, mut attempt: impl FnMut() -> Outcome) -> Result<Response, CardError> {
    let mut attempts = Attempts::new(budget);
    loop {
        match attempt() {
            Outcome::Done(response) => return Ok(response),
            Outcome::Replay => continue,
            Outcome::Failed { error, response, decision } => match decision {
                Decision::Retry(wait) if attempts.wait(wait, reason(response.as_ref())) => continue,
                Decision::Retry(_) => return Err(exhausted(error, response.as_ref(), attempts.count())),
                Decision::Fail => return Err(error),
            },
        }
    }
}

/// Whether an error answer may be repeated.
pub fn for_response(idempotent: bool, response: &Response) -> Decision {
    let retry_after = retry_after(response, SystemTime::now());
    let body = String::from_utf8_lossy(&response.body);
    match response.status {
        429 | 503 => Decision::Retry(retry_after),
        500 if body.contains("REQUEST_LIMIT_EXCEEDED") => Decision::Retry(retry_after),
        400 if is_token_throttle(&body) => Decision::Retry(retry_after),
        400 if is_role_propagation(&body) => Decision::Retry(Some(retry_after.unwrap_or_default().max(ROLE_PROPAGATION_WAIT))),
        502 | 504 if idempotent => Decision::Retry(retry_after),
        _ => Decision::Fail,
    }
}

/// Whether a request that got no answer may be repeated.
pub fn for_transport(idempotent: bool, failure: &Transport) -> Decision {
    if failure.denied || (failure.maybe_sent && !idempotent) { Decision::Fail } else { Decision::Retry(None) }
}

/// The token endpoint throttles with 400/429 `{"error":"invalid_request",
/// "error_description":"Temporarily throttled, too many requests"}`.
fn is_token_throttle(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("throttled") || body.contains("too many requests") || body.contains("rate limit")
}

/// Databricks could not validate a cross-account IAM role (`MALFORMED_REQUEST: Failed credential
/// validation checks: …`; some answers say "credentials").
fn is_role_propagation(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("failed credential validation checks") || body.contains("failed credentials validation checks")
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(response: &Response, now: SystemTime) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The attempts of one request, within a time budget.
pub struct Attempts {
    started: Instant,
    budget: Duration,
    count: u32,
}

impl Attempts {
    pub fn new(budget: Duration) -> Self {
        Attempts { started: Instant::now(), budget, count: 0 }
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// Waits before the next attempt (telling the host why and how long); `false` when the
    /// wait would overrun the budget.
    pub fn wait(&mut self, server_wait: Option<Duration>, reason: &'static str) -> bool {
        let wait = server_wait.unwrap_or(Duration::ZERO).max(backoff(self.count));
        if self.started.elapsed() + wait > self.budget {
            return false;
        }
        self.count += 1;
        progress::report(&Progress::Retrying { reason, attempt: self.count, after_ms: progress::millis(wait) });
        std::thread::sleep(wait);
        true
    }
}

/// The word a person waiting reads: a throttle (429, a request limit) or an outage.
fn reason(response: Option<&Response>) -> &'static str {
    match response {
        Some(r) if r.status == 429 || r.status == 500 || (r.status == 400 && is_token_throttle(&String::from_utf8_lossy(&r.body))) => {
            "throttled"
        }
        _ => "unavailable",
    }
}

/// Exponential backoff with "equal jitter": half the step fixed, half random, so
/// that many flows throttled together do not retry in lockstep.
fn backoff(attempt: u32) -> Duration {
    let step = BASE_BACKOFF.saturating_mul(1u32 << attempt.min(16)).min(MAX_BACKOFF);
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    step / 2 + step.mul_f64((random % 1000) as f64 / 2000.0)
}

/// The error a flow sees when the budget runs out: throttling is `rate-limited` with
/// Databricks' last `Retry-After`, whatever the status said; other failures stay as they are.
pub fn exhausted(error: CardError, response: Option<&Response>, attempts: u32) -> CardError {
    let throttled =
        response.is_some_and(|r| matches!(r.status, 429 | 503) || String::from_utf8_lossy(&r.body).contains("REQUEST_LIMIT_EXCEEDED"));
    let retry_after_seconds =
        response.and_then(|r| retry_after(r, SystemTime::now())).map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    let mut error = match error {
        CardError::Upstream(e) if throttled => CardError::RateLimited(RateLimit { retry_after_seconds, error: e }),
        other => other,
    };
    let role = response.is_some_and(|r| r.status == 400 && is_role_propagation(&String::from_utf8_lossy(&r.body)));
    if role {
        super::errors::message_mut(&mut error).push_str(
            " — Databricks cannot assume the cross-account IAM role yet; a role or policy made minutes ago may still be \
             spreading through AWS: run the card again in a minute, or give it a longer connection.policy.retry-budget-ms",
        );
    }
    if attempts > 0 {
        super::errors::message_mut(&mut error).push_str(&format!(" (gave up after {} attempts)", attempts + 1));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wit::ApiError;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response { status, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn throttling_is_retried_whether_or_not_repeating_is_harmless() {
        for method in [true, false] {
            assert_eq!(for_response(method, &response(429, &[("retry-after", "2")], "")), Decision::Retry(Some(Duration::from_secs(2))));
            assert_eq!(for_response(method, &response(503, &[], "")), Decision::Retry(None));
            assert_eq!(for_response(method, &response(500, &[], r#"{"error_code":"REQUEST_LIMIT_EXCEEDED"}"#)), Decision::Retry(None));
            assert_eq!(
                for_response(
                    method,
                    &response(400, &[], r#"{"error":"invalid_request","error_description":"Temporarily throttled, too many requests"}"#)
                ),
                Decision::Retry(None)
            );
        }
    }

    #[test]
    fn a_create_refused_while_an_iam_role_spreads_is_retried_after_seconds() {
        let refused = r#"{"error_code":"MALFORMED_REQUEST","message":"Failed credential validation checks: please use a valid cross account IAM role"}"#;
        assert_eq!(for_response(false, &response(400, &[], refused)), Decision::Retry(Some(ROLE_PROPAGATION_WAIT)));
        assert_eq!(for_response(false, &response(400, &[("retry-after", "5")], refused)), Decision::Retry(Some(Duration::from_secs(5))));
        let other = r#"{"error_code":"MALFORMED_REQUEST","message":"Invalid CredentialsId"}"#;
        assert_eq!(for_response(false, &response(400, &[], other)), Decision::Fail);
        let error = exhausted(super::super::errors::decode(&response(400, &[], refused)), Some(&response(400, &[], refused)), 3);
        let CardError::Upstream(api) = error else { panic!("{error:?}") };
        assert!(
            api.message.contains("cannot assume the cross-account IAM role yet") && api.message.ends_with("(gave up after 4 attempts)"),
            "{}",
            api.message
        );
    }

    #[test]
    fn gateway_errors_are_retried_only_when_repeating_is_harmless() {
        for status in [502, 504] {
            assert_eq!(for_response(true, &response(status, &[], "")), Decision::Retry(None));
            assert_eq!(for_response(true, &response(status, &[], "")), Decision::Retry(None));
            assert_eq!(for_response(false, &response(status, &[], "")), Decision::Fail);
            assert_eq!(for_response(false, &response(status, &[], "")), Decision::Fail);
        }
        for status in [400, 401, 403, 404, 409, 500] {
            assert_eq!(for_response(true, &response(status, &[], "{}")), Decision::Fail, "{status}");
        }
    }

    #[test]
    fn connections_never_made_are_retried_even_for_posts() {
        let never = Transport { message: String::new(), maybe_sent: false, denied: false };
        let maybe = Transport { message: String::new(), maybe_sent: true, denied: false };
        let denied = Transport { message: String::new(), maybe_sent: false, denied: true };
        assert_eq!(for_transport(false, &never), Decision::Retry(None));
        assert_eq!(for_transport(false, &maybe), Decision::Fail);
        assert_eq!(for_transport(true, &maybe), Decision::Retry(None));
        assert_eq!(for_transport(true, &denied), Decision::Fail, "the host's policy will not change");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 22 Nov 2026 12:00:00 GMT").unwrap();
        assert_eq!(retry_after(&response(429, &[("Retry-After", "7")], ""), now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(&response(429, &[("retry-after", "Sun, 22 Nov 2026 12:00:30 GMT")], ""), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&response(429, &[("retry-after", "Sun, 22 Nov 2026 11:00:00 GMT")], ""), now),
            Some(Duration::ZERO),
            "a past date means now"
        );
        assert_eq!(retry_after(&response(429, &[("retry-after", "soon")], ""), now), None);
        assert_eq!(retry_after(&response(429, &[], ""), now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let step = BASE_BACKOFF.saturating_mul(1 << attempt.min(16)).min(MAX_BACKOFF);
            let wait = backoff(attempt);
            assert!(wait >= step / 2 && wait <= step, "attempt {attempt}: {wait:?}");
        }
    }

    #[test]
    fn the_budget_bounds_the_waiting() {
        let mut attempts = Attempts::new(Duration::from_millis(50));
        assert!(!attempts.wait(Some(Duration::from_secs(5)), "throttled"), "a Retry-After beyond the budget is not waited for");
        let mut none = Attempts::new(Duration::ZERO);
        assert!(!none.wait(None, "throttled"), "a zero budget turns retries off");
    }

    #[test]
    fn an_exhausted_throttle_is_rate_limited_with_the_last_retry_after() {
        let throttled = response(503, &[("retry-after", "9")], "");
        let error =
            CardError::Upstream(ApiError { status: 503, error_code: None, message: "Service Unavailable".into(), request_id: None });
        match exhausted(error, Some(&throttled), 3) {
            CardError::RateLimited(r) => {
                assert_eq!(r.retry_after_seconds, Some(9));
                assert!(r.error.message.ends_with("(gave up after 4 attempts)"), "{}", r.error.message);
            }
            other => panic!("{other:?}"),
        }
        let gateway = response(502, &[], "");
        let error = CardError::Upstream(ApiError { status: 502, error_code: None, message: "Bad Gateway".into(), request_id: None });
        assert!(matches!(exhausted(error, Some(&gateway), 1), CardError::Upstream(_)));
    }
}
