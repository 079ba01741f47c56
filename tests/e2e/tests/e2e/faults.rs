//! The fault suite: Databricks misbehaving the ways it does under load (throttling,
//! gateway errors, expired tokens, latency, resets, truncated and odd bodies, a failure
//! mid-listing), scripted in the fake account. Every scenario checks that the card either
//! recovers or returns the right typed error, and that nothing unsafe was repeated. The
//! suite prints how many faults it injected and how each was handled.

use e2e::{Env, scenario};
use fake_account::{Fault, FaultAction};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

/// What the suite saw, for its report.
#[derive(Default)]
struct Tally {
    injected: u64,
    recovered: u64,
    surfaced: u64,
    lines: Vec<String>,
}

impl Tally {
    fn record(&mut self, env: &Env, name: &str, recovered: bool) {
        let injected = env.fake.faults_injected();
        assert!(injected > 0, "{name}: a scenario that injects no fault tests nothing");
        self.injected += injected;
        if recovered {
            self.recovered += injected
        } else {
            self.surfaced += injected
        }
        let how = if recovered { "recovered" } else { "surfaced as a typed error" };
        self.lines.push(format!("{name:<58} {injected:>2} injected, {how}"));
    }
}

async fn env_with(policy: Value) -> Env {
    let mut env = Env::empty().await;
    env.connection["policy"] = policy;
    env
}

fn throttle(status: u16, retry_after: &str) -> FaultAction {
    FaultAction::json(
        status,
        json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Too many requests"}),
        &[("retry-after", retry_after)],
    )
}

fn count(env: &Env, method: &str, path_contains: &str) -> usize {
    env.fake.requests().iter().filter(|r| r.method == method && r.path.contains(path_contains)).count()
}

async fn a_user(env: &Env) -> String {
    let user = env.ok("create-user", json!({"user_name": format!("u{}@example.com", rand_suffix())})).await;
    env.clear();
    user["id"].as_str().unwrap().to_string()
}

fn rand_suffix() -> u128 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos()
}

#[scenario]
async fn the_fault_suite() {
    let mut tally = Tally::default();

    // 429 then 503 (Retry-After in seconds) on a GET: retried, then the list arrives.
    let env = env_with(json!(null)).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", throttle(429, "0")).method("GET"));
    env.fake.push_fault(Fault::new("/scim/v2/Users", throttle(503, "0")).method("GET"));
    let list = env.ok("list-users", json!({})).await;
    assert_eq!(list["total_results"], 0);
    assert_eq!(count(&env, "GET", "/scim/v2/Users"), 3);
    tally.record(&env, "429 then 503 on a GET", true);

    // Retry-After as an HTTP date.
    let env = env_with(json!(null)).await;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1));
    env.fake.push_fault(Fault::new("/scim/v2/Users", throttle(429, &date)));
    env.ok("list-users", json!({})).await;
    assert_eq!(count(&env, "GET", "/scim/v2/Users"), 2);
    tally.record(&env, "429 with Retry-After as an HTTP date", true);

    // SCIM's 500 REQUEST_LIMIT_EXCEEDED on a PATCH: throttled before it applied, so retried.
    let env = env_with(json!(null)).await;
    let id = a_user(&env).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", throttle(500, "0")).method("PATCH"));
    let user = env.ok("update-user", json!({"id": id, "display_name": "Retried"})).await;
    assert_eq!(user["display_name"], "Retried");
    assert_eq!(count(&env, "PATCH", "/scim/v2/Users"), 2);
    tally.record(&env, "SCIM 500 REQUEST_LIMIT_EXCEEDED on a PATCH", true);

    // 502 on a POST may come after Databricks created the user: not repeated.
    let env = env_with(json!(null)).await;
    env.fake
        .push_fault(Fault::new("/scim/v2/Users", FaultAction::raw(502, "text/html", "<html><pre>bad gateway</pre></html>")).method("POST"));
    let (case, error) = env.err("create-user", json!({"user_name": "once@example.com"})).await;
    assert_eq!((case.as_str(), error["status"].as_u64()), ("upstream", Some(502)));
    assert_eq!(count(&env, "POST", "/scim/v2/Users"), 1, "a POST is not repeated after a gateway error");
    tally.record(&env, "502 on a POST (not repeated)", false);

    // 504 twice on a GET and 502 on a DELETE: repeating them is harmless.
    let env = env_with(json!(null)).await;
    let id = a_user(&env).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::raw(504, "text/plain", "")).method("GET").times(2));
    env.ok("get-user", json!({"id": id})).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::raw(502, "text/plain", "")).method("DELETE"));
    env.ok("delete-user", json!({"id": id})).await;
    assert_eq!((count(&env, "GET", "/scim/v2/Users"), count(&env, "DELETE", "/scim/v2/Users")), (3, 2));
    tally.record(&env, "504 on a GET, 502 on a DELETE", true);

    // The token endpoint's own throttling: 429, then its 400 "Temporarily throttled".
    let env = env_with(json!(null)).await;
    env.fake.push_fault(Fault::new("/v1/token", throttle(429, "0")));
    let throttled = json!({"error": "invalid_request", "error_description": "Temporarily throttled, too many requests"});
    env.fake.push_fault(Fault::new("/v1/token", FaultAction::json(400, throttled, &[])));
    env.ok("list-users", json!({})).await;
    assert_eq!(env.token_requests().len(), 3);
    tally.record(&env, "token endpoint 429 and 400 throttled", true);

    // A throttle that outlasts the budget: rate-limited with the last Retry-After.
    let env = env_with(json!({"retry_budget_ms": 700})).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", throttle(503, "0")).times(50));
    let (case, error) = env.err("list-users", json!({})).await;
    assert_eq!(case, "rate_limited");
    assert_eq!(error["retry_after_seconds"], 0);
    assert!(error["error"]["message"].as_str().unwrap().contains("gave up after"), "{error}");
    let attempts = count(&env, "GET", "/scim/v2/Users");
    assert!((2..=6).contains(&attempts), "bounded by the budget: {attempts} attempts");
    env.fake.clear_faults();
    tally.record(&env, "503 beyond the retry budget", false);

    // A rejected token is replaced and the request replayed once: 401, the old 403 shape,
    // and the 400 ExpiredJwtException shape.
    for (name, action) in [
        ("401 Token is expired", FaultAction::json(401, json!({"error_code": "UNAUTHENTICATED", "message": "Token is expired"}), &[])),
        (
            "403 expired token (old shape)",
            FaultAction::json(403, json!({"error_code": "403", "message": "Invalid access token: token expired"}), &[]),
        ),
        ("400 ExpiredJwtException (old shape)", FaultAction::raw(400, "text/plain", "io.jsonwebtoken.ExpiredJwtException: JWT expired")),
    ] {
        let env = env_with(json!(null)).await;
        env.fake.push_fault(Fault::new("/scim/v2/Users", action));
        env.ok("list-users", json!({})).await;
        assert_eq!((env.token_requests().len(), count(&env, "GET", "/scim/v2/Users")), (2, 2), "{name}");
        tally.record(&env, &format!("{name}: new token, replayed once"), true);
    }

    // Replayed once only: a second rejection reaches the flow. PERMISSION_DENIED is not a token problem.
    let env = env_with(json!(null)).await;
    env.fake.push_fault(
        Fault::new("/scim/v2/Users", FaultAction::json(401, json!({"error_code": "UNAUTHENTICATED", "message": "Token is expired"}), &[]))
            .times(2),
    );
    assert_eq!(env.err("list-users", json!({})).await.0, "unauthenticated");
    assert_eq!(env.token_requests().len(), 2);
    env.fake.push_fault(Fault::new(
        "/scim/v2/Users",
        FaultAction::json(403, json!({"error_code": "PERMISSION_DENIED", "message": "not an account admin"}), &[]),
    ));
    env.clear();
    assert_eq!(env.err("list-users", json!({})).await.0, "permission_denied");
    assert_eq!(env.token_requests().len(), 1, "the run's own token, and no second one for a permission problem");
    tally.record(&env, "401 twice; 403 PERMISSION_DENIED (no replay)", false);

    // Latency beyond the response timeout: a transport error when retries are off,
    // recovered when the budget allows another try.
    let env = env_with(json!({"response_timeout_ms": 300, "retry_budget_ms": 0})).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::Delay(Duration::from_millis(1500))));
    let (case, error) = env.err("list-users", json!({})).await;
    assert_eq!(case, "transport");
    assert!(error.as_str().unwrap().contains("did not answer in time"), "{error}");
    let env2 = env_with(json!({"response_timeout_ms": 300, "retry_budget_ms": 5000})).await;
    env2.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::Delay(Duration::from_millis(1500))));
    env2.ok("list-users", json!({})).await;
    tally.record(&env, "latency past the response timeout, no retries", false);
    tally.record(&env2, "latency past the response timeout, retried", true);

    // A connection reset and a truncated body: repeated for a GET, not for a POST.
    for (name, action) in [
        ("reset", FaultAction::Reset),
        (
            "truncated body",
            FaultAction::Truncate { status: 200, content_type: "application/json".into(), body: "{\"Resources\": [".into(), missing: 200 },
        ),
    ] {
        let env = env_with(json!(null)).await;
        env.fake.push_fault(Fault::new("/scim/v2/Users", action.clone()).method("GET"));
        env.ok("list-users", json!({})).await;
        assert_eq!(count(&env, "GET", "/scim/v2/Users"), 2, "{name}");
        tally.record(&env, &format!("{name} on a GET"), true);
        let env = env_with(json!(null)).await;
        env.fake.push_fault(Fault::new("/scim/v2/Users", action).method("POST"));
        let (case, _) = env.err("create-user", json!({"user_name": "reset@example.com"})).await;
        assert_eq!(case, "transport", "{name}");
        assert_eq!(count(&env, "POST", "/scim/v2/Users"), 1, "{name}: a POST is not repeated");
        tally.record(&env, &format!("{name} on a POST (not repeated)"), false);
    }

    // An HTML error page that does not go away, and a success with the wrong content type.
    let env = env_with(json!({"retry_budget_ms": 500})).await;
    env.fake.push_fault(
        Fault::new(
            "/scim/v2/Users",
            FaultAction::raw(502, "text/html", "<html><title>502</title><pre>upstream connect error</pre></html>"),
        )
        .times(50),
    );
    let (case, error) = env.err("list-users", json!({})).await;
    assert_eq!(case, "upstream");
    assert!(error["message"].as_str().unwrap().starts_with("upstream connect error"), "{error}");
    env.fake.clear_faults();
    tally.record(&env, "HTML 502 page beyond the budget", false);
    let env = env_with(json!(null)).await;
    env.fake.push_fault(Fault::new("/scim/v2/Users", FaultAction::raw(200, "text/html", "<html>maintenance</html>")));
    assert_eq!(env.err("list-users", json!({})).await.0, "upstream");
    tally.record(&env, "200 with an HTML body", false);

    // A failure on page 2 of an every-page listing: never a silently short list.
    let env = env_with(json!(null)).await;
    env.fake.insert_users(250, "walk");
    let broken = FaultAction::json(500, json!({"error_code": "INTERNAL_ERROR", "message": "boom"}), &[]);
    env.fake.push_fault(Fault::new("/scim/v2/Users", broken.clone()).query("startIndex=101"));
    let (case, error) = env.err("list-users", json!({"pages": {"all": {}}})).await;
    assert_eq!(case, "upstream");
    assert_eq!(error["message"], "listing stopped after 100 records in 1 pages (resume at start-index 101): boom");
    env.fake.push_fault(Fault::new("/scim/v2/Users", broken).query("startIndex=101"));
    let partial = env.ok("list-users", json!({"pages": {"all": {"partial_results": true}}})).await;
    assert_eq!(partial["resources"].as_array().unwrap().len(), 100);
    assert_eq!(partial["next_start_index"], 101);
    assert_eq!(partial["stopped_by"]["upstream"]["message"], "boom");
    tally.record(&env, "a failure on page 2: progress or partial results", false);
    let env = env_with(json!(null)).await;
    env.fake.insert_users(250, "walk");
    env.fake.push_fault(Fault::new("/scim/v2/Users", throttle(429, "0")).query("startIndex=201"));
    let full = env.ok("list-users", json!({"pages": {"all": {}}})).await;
    assert_eq!(full["resources"].as_array().unwrap().len(), 250, "a throttled page is retried mid-walk");
    assert_eq!(full["stopped_by"], Value::Null);
    tally.record(&env, "429 on page 3 of a listing", true);

    eprintln!("\nfault suite report");
    for line in &tally.lines {
        eprintln!("  {line}");
    }
    eprintln!(
        "  total: {} faults injected; {} recovered by retrying, {} surfaced as the right typed error\n",
        tally.injected, tally.recovered, tally.surfaced
    );
    assert_eq!(tally.injected, tally.recovered + tally.surfaced);
}
