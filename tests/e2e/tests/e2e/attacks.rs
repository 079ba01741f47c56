//! The attack suite: hostile servers and hostile inputs, generated over every place a secret
//! could come back and every way a request could be made to go somewhere else, each tried
//! against the real component through the harness.
//!
//! - secrets: every form of every secret a connection holds (raw, base64 alone and as
//!   `client_id:secret` in each alphabet, form- and percent-encoded, the bearer and basic header
//!   values, a refresh token in the form it was sent in), reflected by the token endpoint and the
//!   account API into every error field Databricks has (`error_code`, `message` — also across the
//!   length cut —, details, SCIM `status`/`detail`/`scimType`, HTML and plain bodies,
//!   `x-request-id` — also after retries —, `www-authenticate`, `retry-after`) and into wrongly
//!   typed or broken successes. It holds when no form of any secret is in what the card returns;
//! - origins: host overrides with bad ports, schemes, hosts, user info, paths and injected bytes.
//!   It holds when the card refuses before anything is sent, or the request reached the loopback
//!   account named;
//! - paths, headers and query of `custom-api-request`: traversal in every encoding, non-ASCII,
//!   control bytes, oversized and forbidden headers, query pairs that try to break out. It holds
//!   when the card refuses it before sending, or what the account received is what was asked;
//! - filters: custom SCIM filters that try to escape the AND with the search's own condition.
//!   It holds when the search still matches nobody (or the filter is refused).
//!
//! The suite prints tried/held per class and fails unless every attack held. The U2M
//! connection-file faults and races are in `host-harness/tests/u2m_files.rs` (they need the CLI).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use e2e::{Env, Login, scenario};
use fake_account::{FakeConfig, Fault, FaultAction, Seed};
use host_harness::CardOutcome;
use serde_json::{Value, json};

/// Secrets with characters that every encoding writes differently (`+`, `/`, `=`, `&`, `%`,
/// `?`, `#`, `~`, a space).
const CLIENT_SECRET: &str = "S3NT+odd/sec=ret&%?#~ 9zQ";
const SCIM_TOKEN: &str = "dsapi+ODD/scim=tok&en%?9 x";
const REFRESH_TOKEN: &str = "doau+ODD/refresh=tok&en%?7 y";

/// How many attacks of a class were tried, and what broke.
struct Class {
    name: &'static str,
    tried: usize,
    broken: Vec<String>,
}

impl Class {
    fn new(name: &'static str) -> Class {
        Class { name, tried: 0, broken: Vec::new() }
    }

    fn record(&mut self, what: String, held: Result<(), String>) {
        self.tried += 1;
        if let Err(why) = held {
            self.broken.push(format!("{what}: {why}"));
        }
    }
}

#[scenario]
async fn the_attack_suite() {
    let classes = vec![secrets_in_answers().await, host_overrides().await, custom_request_inputs().await, filter_escapes().await];
    let (mut tried, mut held) = (0, 0);
    println!("attack suite:");
    for class in &classes {
        println!("  {:<58} {:>4} tried, {:>4} held", class.name, class.tried, class.tried - class.broken.len());
        tried += class.tried;
        held += class.tried - class.broken.len();
    }
    println!("  {:<58} {tried:>4} tried, {held:>4} held", "all");
    let broken: Vec<&String> = classes.iter().flat_map(|c| &c.broken).collect();
    assert!(broken.is_empty(), "{} attacks broke through:\n{}", broken.len(), broken.iter().map(|b| b.as_str()).collect::<Vec<_>>().join("\n"));
}

// --- secrets -----------------------------------------------------------------------------------

/// Every form a secret travels or could be echoed in.
fn forms(secret: &str, client_id: Option<&str>) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        forms.push(engine.encode(secret));
        if let Some(id) = client_id {
            forms.push(engine.encode(format!("{id}:{secret}")));
        }
    }
    let form_encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    forms.push(form_encoded.replace('+', "%20"));
    forms.push(form_encoded);
    forms
}

/// The first form with a piece of 12 characters (or all of it, when shorter) in `text`: a
/// secret cut at a length limit still leaks its start.
fn leaked<'a>(text: &str, forms: &'a [String]) -> Option<&'a str> {
    forms.iter().map(String::as_str).find(|form| {
        let chars: Vec<char> = form.chars().collect();
        let width = chars.len().min(12);
        chars.windows(width).any(|piece| text.contains(&piece.iter().collect::<String>()))
    })
}

/// Every string in a value, and the value as JSON text.
fn texts(value: &Value) -> String {
    fn walk(value: &Value, out: &mut String) {
        match value {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                out.push_str(k);
                out.push('\n');
                walk(v, out);
            }),
            _ => {}
        }
    }
    let mut out = value.to_string();
    walk(value, &mut out);
    out
}


/// A hostile answer with its payload in one place.
type Place = Box<dyn Fn(&str) -> Fault + Send + Sync>;

fn scim_error(status: &str, detail: &str, scim_type: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status, "detail": detail, "scimType": scim_type})
}

fn html(x: &str) -> String {
    format!("<html><head><title>{x}</title></head><body><h1>Error</h1><pre>{x}</pre></body></html>")
}

fn long_before(x: &str) -> String {
    format!("{}{x}", "a".repeat(490))
}

/// Where the account API could put a payload.
fn api_placements(path: &'static str) -> Vec<(&'static str, Place)> {
    let at = move |action: FaultAction| Fault::new(path, action);
    vec![
        ("error_code", Box::new(move |x| at(FaultAction::json(400, json!({"error_code": x, "message": "refused"}), &[])))),
        ("message", Box::new(move |x| at(FaultAction::json(400, json!({"error_code": "INVALID_PARAMETER_VALUE", "message": x}), &[])))),
        ("message across the length cut", Box::new(move |x| at(FaultAction::json(400, json!({"error_code": "E", "message": long_before(x)}), &[])))),
        (
            "details",
            Box::new(move |x| {
                let detail = json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": x, "domain": x, "metadata": {"k": x}});
                at(FaultAction::json(400, json!({"error_code": "E", "message": "m", "details": [detail]}), &[]))
            }),
        ),
        ("legacy error", Box::new(move |x| at(FaultAction::json(400, json!({"error": x}), &[])))),
        ("SCIM status", Box::new(move |x| at(FaultAction::json(400, scim_error(x, "d", "invalidValue"), &[])))),
        ("SCIM detail and scimType", Box::new(move |x| at(FaultAction::json(400, scim_error("400", x, x), &[])))),
        ("HTML page", Box::new(move |x| at(FaultAction::raw(403, "text/html", &html(x))))),
        ("plain text", Box::new(move |x| at(FaultAction::raw(400, "text/plain", x)))),
        ("x-request-id", Box::new(move |x| at(FaultAction::json(400, json!({"error_code": "E", "message": "m"}), &[("x-request-id", x)])))),
        (
            "x-request-id after retries",
            Box::new(move |x| {
                let body = json!({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "later"});
                at(FaultAction::json(503, body, &[("x-request-id", x), ("retry-after", "0")])).times(50)
            }),
        ),
        (
            "401 with www-authenticate",
            Box::new(move |x| {
                let header = format!("Bearer error=\"invalid_token\", error_description=\"{x}\"");
                let body = json!({"error_code": "UNAUTHENTICATED", "message": x});
                at(FaultAction::Respond {
                    status: 401,
                    content_type: "application/json".into(),
                    body: body.to_string(),
                    headers: vec![("www-authenticate".into(), header)],
                })
                .times(3)
            }),
        ),
        (
            "429 message and retry-after",
            Box::new(move |x| {
                let body = json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": x});
                at(FaultAction::json(429, body, &[("retry-after", x)])).times(50)
            }),
        ),
        ("200 with a wrongly typed field", Box::new(move |x| at(FaultAction::json(200, json!({"id": {"x": x}, "metastore_id": {"x": x}, "userName": x, "name": x}), &[])))),
        ("200 with a string for a boolean", Box::new(move |x| at(FaultAction::json(200, json!({"id": "1", "metastore_id": "m", "userName": "u", "active": x, "name": "n", "storage_root": 5, "region": x}), &[])))),
        ("200 with an HTML page", Box::new(move |x| at(FaultAction::raw(200, "text/html", &html(x))))),
        ("200 with JSON cut short", Box::new(move |x| at(FaultAction::raw(200, "application/json", &format!("{{\"id\": \"1\", \"userName\": \"{x}"))))),
    ]
}

/// Where the token endpoint could put a payload.
fn token_placements() -> Vec<(&'static str, Place)> {
    let at = |action: FaultAction| Fault::new("/v1/token", action);
    vec![
        ("token error and description", Box::new(move |x| at(FaultAction::json(401, json!({"error": x, "error_description": x}), &[])))),
        ("token errorCode and errorSummary", Box::new(move |x| at(FaultAction::json(400, json!({"errorCode": x, "errorSummary": x}), &[])))),
        (
            "token description across the length cut",
            Box::new(move |x| at(FaultAction::json(400, json!({"error": "invalid_client", "error_description": long_before(x)}), &[]))),
        ),
        ("token HTML page", Box::new(move |x| at(FaultAction::raw(401, "text/html", &html(x))))),
        ("token plain text", Box::new(move |x| at(FaultAction::raw(400, "text/plain", x)))),
        ("token x-request-id", Box::new(move |x| at(FaultAction::json(401, json!({"error": "invalid_client"}), &[("x-request-id", x)])))),
        (
            "token 503 x-request-id after retries",
            Box::new(move |x| at(FaultAction::json(503, json!({"error": "temporarily_unavailable"}), &[("x-request-id", x), ("retry-after", "0")])).times(50)),
        ),
        ("token 200 wrongly typed", Box::new(move |x| at(FaultAction::json(200, json!({"access_token": {"x": x}, "token_type": x, "expires_in": x}), &[])))),
        ("token 200 HTML page", Box::new(move |x| at(FaultAction::raw(200, "text/html", &html(x))))),
    ]
}

/// One card run against a hostile answer: held when nothing the card returned holds a form of a
/// secret, and the component neither trapped nor failed the harness.
async fn try_leak(env: &Env, connection: &Value, card: &str, input: &Value, fault: Fault, secrets: &[String]) -> Result<(), String> {
    env.fake.clear_faults();
    env.fake.push_fault(fault);
    let outcome = env.harness.run(card, connection, input, &env.options).await.map_err(|e| format!("harness failure: {e}"))?;
    env.fake.clear_faults();
    let value = match outcome {
        CardOutcome::Ok(v) | CardOutcome::Err(v) => v,
    };
    match leaked(&texts(&value), secrets) {
        Some(form) => Err(format!("leaked {form:?} in {value}")),
        None => Ok(()),
    }
}

async fn secrets_in_answers() -> Class {
    let mut class = Class::new("secrets reflected into answers and error fields");
    let config = FakeConfig { seed: Seed::Examples, client_secret: CLIENT_SECRET.into(), scim_token: SCIM_TOKEN.into(), ..FakeConfig::default() };
    let client_id = config.client_id.clone();
    // A small retry budget, so the retried placements end quickly.
    let policy = json!({"retry_budget_ms": 300});

    // OAuth M2M: the token endpoint, then the account API (SCIM and REST) with the bearer token.
    let mut m2m = Env::with_own_secrets(config.clone(), Login::OAuthM2m).await;
    m2m.connection["policy"] = policy.clone();
    let get_user = json!({"id": "4211000000015838"});
    let get_metastore = json!({"metastore_id": "8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e01"});
    let secret_forms = forms(CLIENT_SECRET, Some(&client_id));
    let token_payloads = ["{{authorization}}", "bad Basic {{credential}}", "{{form}}", CLIENT_SECRET, &secret_forms[1], &secret_forms[secret_forms.len() - 2]];
    for (name, placement) in token_placements() {
        for payload in token_payloads {
            let held = try_leak(&m2m, &m2m.connection, "get-user", &get_user, placement(payload), &secret_forms).await;
            class.record(format!("M2M {name} <- {payload}"), held);
        }
    }
    // The bearer token the connection now holds (a run signs in; the harness shares the token).
    m2m.fake.clear_requests();
    m2m.harness.run("get-user", &m2m.connection, &get_user, &m2m.options).await.unwrap();
    let bearer = m2m.fake.requests().iter().find_map(|r| r.header("authorization")?.strip_prefix("Bearer ").map(str::to_string)).expect("a bearer token");
    let mut api_secrets = secret_forms.clone();
    api_secrets.extend(forms(&bearer, None));
    let api_payloads = ["{{authorization}}", "token {{credential}} is not valid", CLIENT_SECRET, &secret_forms[1], &secret_forms[secret_forms.len() - 1]];
    for (target, card, input) in [("/scim/v2/Users", "get-user", &get_user), ("/metastores/", "get-metastore", &get_metastore)] {
        for (name, placement) in api_placements(target) {
            for payload in api_payloads {
                let held = try_leak(&m2m, &m2m.connection, card, input, placement(payload), &api_secrets).await;
                class.record(format!("M2M {card} {name} <- {payload}"), held);
            }
        }
    }

    // A SCIM token connection: the token itself is the bearer.
    let mut scim = Env::with_own_secrets(config.clone(), Login::ScimToken).await;
    scim.connection["policy"] = policy.clone();
    let scim_forms = forms(SCIM_TOKEN, None);
    for (name, placement) in api_placements("/scim/v2/Users") {
        for payload in ["{{authorization}}", "{{credential}}", SCIM_TOKEN, &scim_forms[scim_forms.len() - 1]] {
            let held = try_leak(&scim, &scim.connection, "get-user", &get_user, placement(payload), &scim_forms).await;
            class.record(format!("SCIM token {name} <- {payload}"), held);
        }
    }

    // OAuth U2M: a refresh, whose form carries the refresh token (URL-encoded).
    let mut u2m_connection = m2m.fake.u2m_connection(&client_id, Some(CLIENT_SECRET));
    u2m_connection["auth"]["oauth_u2m"]["refresh_token"] = json!(REFRESH_TOKEN);
    u2m_connection["policy"] = policy;
    let mut u2m_secrets = forms(REFRESH_TOKEN, None);
    u2m_secrets.extend(secret_forms.iter().cloned());
    for (name, placement) in token_placements() {
        for payload in ["{{form}}", "{{authorization}}", "bad Basic {{credential}}", REFRESH_TOKEN] {
            let held = try_leak(&m2m, &u2m_connection, "refresh-oauth-tokens", &json!({"force": true}), placement(payload), &u2m_secrets).await;
            class.record(format!("U2M refresh {name} <- {payload}"), held);
        }
    }
    class
}

// --- origins -----------------------------------------------------------------------------------

async fn host_overrides() -> Class {
    let mut class = Class::new("host overrides: ports, schemes, hosts, injected bytes");
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let base = env.fake.base_url();
    let port = base.rsplit(':').next().unwrap().trim_end_matches('/').to_string();
    let refused: Vec<String> = [
        // Ports out of range or not numbers (a parser that wraps or falls back sends to :80).
        "http://127.0.0.1:99999",
        "http://127.0.0.1:65536",
        "http://127.0.0.1:65616",
        "http://127.0.0.1:4294967376",
        "http://127.0.0.1:0",
        "http://127.0.0.1:-1",
        "http://127.0.0.1:8o8o",
        "http://127.0.0.1:",
        "http://127.0.0.1:{port}:{port}",
        "http://127.0.0.1:+{port}",
        // Clear text to somewhere not loopback.
        "http://example.com",
        "http://example.com:{port}",
        "HTTP://EXAMPLE.COM",
        "http://10.0.0.1:{port}",
        "http://169.254.169.254",
        "http://192.168.1.1:{port}",
        "http://[fe80::1]:{port}",
        "http://localhost.example.com:{port}",
        "http://127.0.0.1.example.com:{port}",
        // Other schemes, or none.
        "ftp://127.0.0.1:{port}",
        "file:///etc/passwd",
        "ws://127.0.0.1:{port}",
        "gopher://127.0.0.1:{port}",
        "javascript:alert(1)",
        "127.0.0.1:{port}",
        "//127.0.0.1:{port}",
        // User info, paths, queries, fragments: the authority is not what it seems.
        "http://user:pw@127.0.0.1:{port}",
        "http://127.0.0.1:{port}@example.com",
        "http://example.com#@127.0.0.1:{port}",
        "http://example.com\\@127.0.0.1:{port}",
        "http://127.0.0.1:{port}/api",
        "http://127.0.0.1:{port}?x=1",
        "http://127.0.0.1:{port}#x",
        // Injected bytes.
        "http://127.0.0.1:{port}\r\nX-Injected: 1",
        "http://127.0.0.1 :{port}",
        "http://127.0.0.1:{port}\u{0}",
        "http://127.0.0.1%2f@example.com:{port}",
    ]
    .iter()
    .map(|v| v.replace("{port}", &port))
    .collect();
    for host in &refused {
        let mut connection = env.connection.clone();
        connection["host_override"] = json!(host);
        env.fake.clear_requests();
        let outcome = env.harness.run("get-user", &connection, &json!({"id": "4211000000015838"}), &env.options).await;
        let held = match outcome {
            Err(e) => Err(format!("harness failure: {e}")),
            Ok(CardOutcome::Ok(_)) if !env.fake.requests().is_empty() => Ok(()), // it was the loopback account after all
            Ok(CardOutcome::Ok(v)) => Err(format!("succeeded without reaching the account: {v}")),
            Ok(CardOutcome::Err(error)) => match e2e::error_case(&error) {
                (case, _) if case == "invalid_input" && env.fake.requests().is_empty() => Ok(()),
                (case, payload) => Err(format!("not refused before sending: {case} {payload}")),
            },
        };
        class.record(format!("host override {host:?}"), held);
    }
    // The controls: the loopback account itself, by address and by name, is reached.
    for host in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
        let mut connection = env.connection.clone();
        connection["host_override"] = json!(host);
        env.fake.clear_requests();
        let outcome = env.harness.run("get-user", &connection, &json!({"id": "4211000000015838"}), &env.options).await;
        let held = match outcome {
            Ok(CardOutcome::Ok(_)) if !env.fake.requests().is_empty() => Ok(()),
            other => Err(format!("the loopback account was not reached: {other:?}")),
        };
        class.record(format!("control {host}"), held);
    }
    class
}

// --- custom-api-request --------------------------------------------------------------------------

async fn custom_request_inputs() -> Class {
    let mut class = Class::new("custom request: paths, headers, query");
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let account = env.account_id();
    let root = "/api/2.0/accounts/{account_id}";
    let paths: Vec<String> = [
        "{root}/../../x",
        "{root}/scim/../../../oidc/accounts/{account_id}/v1/token",
        "{root}/..%2f..%2fx",
        "{root}/%2e%2e/x",
        "{root}/%2E%2E%2Fx",
        "{root}/.%2e/x",
        "{root}/%2e/x",
        "{root}/..;/x",
        "{root}/scim;jsessionid=1/v2/Users",
        "{root}/%c0%ae%c0%ae/x",
        "{root}/%ef%bc%8e%ef%bc%8e/x",
        "{root}/%EF%BC%8E%EF%BC%8E/x",
        "{root}/x%09y",
        "{root}/x%7f",
        "{root}/\u{ff0e}\u{ff0e}/x",
        "{root}/scim/v2/Us\u{e9}rs",
        "{root}/%00",
        "{root}/x%0d%0aX-Injected:%201",
        "{root}/x\r\nX-Injected: 1",
        "{root}/x y",
        "{root}/x\ty",
        "{root}/x#frag",
        "{root}/x?admin=true",
        "{root}/%ZZ",
        "{root}/%2",
        "{root}/\\..\\x",
        "{root}/./scim/v2/Users",
        "//example.com/api/2.0/accounts/{account_id}/x",
        "https://example.com/api/2.0/accounts/{account_id}/x",
        "/api/2.0/accounts/00000000-0000-4000-8000-000000000000/scim/v2/Users",
        "/api/2.0/accounts/{account_id}x/scim/v2/Users",
        "/oidc/accounts/{account_id}/v1/token",
        "/api/2.0/preview/../../oidc/accounts/{account_id}/v1/token",
        "/api/2.0/workspace/list",
        "api/2.0/accounts/{account_id}/scim/v2/Users",
        "",
    ]
    .iter()
    .map(|p| p.replace("{root}", root))
    .collect();
    for path in &paths {
        let input = json!({"method": "get", "path": path});
        let held = refused_before_sending(&env, "path", input).await;
        class.record(format!("path {path:?}"), held);
    }

    let big = "v".repeat(200 * 1024);
    let many: Vec<(String, String)> = (0..1000).map(|i| (format!("X-H{i}"), "v".to_string())).collect();
    let header_sets: Vec<Vec<(String, String)>> = vec![
        vec![("X-A\r\nX-Injected".into(), "1".into())],
        vec![("X-A".into(), "v\r\nX-Injected: 1".into())],
        vec![("X-A".into(), "v\nX-Injected: 1".into())],
        vec![("X-A".into(), "v\u{0}".into())],
        vec![("X-A".into(), big)],
        many,
        vec![("Authorization".into(), "Bearer stolen".into())],
        vec![("authorization".into(), "Basic c3RvbGVu".into())],
        vec![("Host".into(), "example.com".into())],
        vec![("Content-Length".into(), "0".into())],
        vec![("Transfer-Encoding".into(), "chunked".into())],
        vec![("X-Forwarded-Host".into(), "example.com".into())],
        vec![("Proxy-Authorization".into(), "Basic c3RvbGVu".into())],
        vec![("Cookie".into(), "session=1".into())],
        vec![("".into(), "v".into())],
        vec![("X A".into(), "v".into())],
        vec![("X-\u{c9}".into(), "v".into())],
        vec![("X-A:B".into(), "v".into())],
    ];
    let users = format!("{root}/scim/v2/Users");
    for headers in header_sets {
        let label: String = format!("{:?}", headers.first().map(|(n, v)| (n, v.chars().take(24).collect::<String>())));
        let input = json!({"method": "get", "path": users, "headers": headers});
        let held = refused_before_sending(&env, "headers", input).await;
        class.record(format!("headers {} x {label}", headers.len()), held);
    }

    // Query pairs that try to add or change parameters: the account receives exactly the pairs given.
    let pairs = [
        ("filter", "userName eq \"a\"&count=100000"),
        ("count=5&startIndex", "1"),
        ("a", "b#c"),
        ("a", "1%26b=2"),
        ("x", "line\r\nX-Injected: 1"),
        ("\u{e9}", "\u{ff0e}\u{ff0e}/"),
        ("a+b", "c d+e"),
    ];
    for (name, value) in pairs {
        env.fake.clear_requests();
        let input = json!({"method": "get", "path": users, "query": [[name, value]]});
        let outcome = env.harness.run("custom-api-request", &env.connection, &input, &env.options).await;
        let received: Vec<Vec<(String, String)>> = env.api_requests().into_iter().map(|r| r.query).collect();
        let held = match outcome {
            Err(e) => Err(format!("harness failure: {e}")),
            Ok(CardOutcome::Err(error)) if e2e::error_case(&error).0 == "invalid_input" && received.is_empty() => Ok(()),
            Ok(_) if received.len() == 1 && received[0] == [(name.to_string(), value.to_string())] => Ok(()),
            Ok(outcome) => Err(format!("the account received {received:?} ({outcome:?})")),
        };
        class.record(format!("query {name:?}={value:?}"), held);
    }

    // The control: a plain path reaches the account, with the account ID filled in.
    env.fake.clear_requests();
    let outcome = env.harness.run("custom-api-request", &env.connection, &json!({"method": "get", "path": users}), &env.options).await;
    let reached = env.api_requests().iter().any(|r| r.path == format!("/api/2.0/accounts/{account}/scim/v2/Users"));
    class.record("control: a plain path".into(), if matches!(outcome, Ok(CardOutcome::Ok(_))) && reached { Ok(()) } else { Err(format!("{outcome:?}")) });
    class
}

/// Held when the card refuses `input` as invalid (naming `field`) with nothing sent to the
/// account API.
async fn refused_before_sending(env: &Env, field: &str, input: Value) -> Result<(), String> {
    env.fake.clear_requests();
    let outcome = env.harness.run("custom-api-request", &env.connection, &input, &env.options).await;
    let sent = env.api_requests();
    match outcome {
        Err(e) => Err(format!("harness failure: {e}")),
        Ok(CardOutcome::Err(error)) => match e2e::error_case(&error) {
            (case, payload) if case == "invalid_input" && payload["field"] == field && sent.is_empty() => Ok(()),
            (case, payload) => Err(format!("{case} {payload}; sent {:?}", e2e::summary(&sent))),
        },
        Ok(CardOutcome::Ok(output)) => Err(format!("sent {:?}: {output}", e2e::summary(&sent))),
    }
}

// --- filters -----------------------------------------------------------------------------------

async fn filter_escapes() -> Class {
    let mut class = Class::new("custom SCIM filters escaping the search's condition");
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let escapes = [
        ") or (userName pr",
        "userName pr) or (userName pr",
        ") or (",
        "userName pr\") or (\"x",
        "userName pr or userName pr",
        "(userName pr",
        "userName pr)",
        "userName pr) or ((userName pr",
        "userName eq \"x\\\") or (userName pr\"",
        "userName eq \"x\") or (userName pr or userName eq \"x",
        "userName pr ) or ( userName pr",
        ")) or ((userName pr",
        "userName pr]) or ([userName pr",
        "userName pr\u{ff09} or \u{ff08}userName pr",
    ];
    for custom in escapes {
        let input = json!({"search_by": "user_name", "operator": "equals", "value": "nobody@nowhere.example", "custom_filter": custom});
        let outcome = env.harness.run("search-users", &env.connection, &input, &env.options).await;
        let held = match outcome {
            Err(e) => Err(format!("harness failure: {e}")),
            Ok(CardOutcome::Ok(found)) if found["users"].as_array().is_some_and(Vec::is_empty) => Ok(()),
            Ok(CardOutcome::Ok(found)) => Err(format!("matched {} users", found["users"].as_array().map_or(0, Vec::len))),
            // Refused by the card, or by the account as a filter it cannot parse: nothing matched.
            Ok(CardOutcome::Err(_)) => Ok(()),
        };
        class.record(format!("custom filter {custom:?}"), held);
    }
    // The control: the same search with a custom filter that matches does find the user.
    let input = json!({"search_by": "user_name", "operator": "equals", "value": "alan.turing@example.com", "custom_filter": "active eq true"});
    let found = env.harness.run("search-users", &env.connection, &input, &env.options).await;
    let held = match found {
        Ok(CardOutcome::Ok(found)) if found["users"].as_array().is_some_and(|u| u.len() == 1) => Ok(()),
        other => Err(format!("{other:?}")),
    };
    class.record("control: a filter that holds".into(), held);
    class
}

// --- regressions of the sweep that are not a generated class ------------------------------------

/// `custom-api-request` hands over Databricks' answer, but never the connection's own
/// credentials reflected in it (an echoing proxy).
#[scenario]
async fn a_custom_request_answer_never_carries_our_credentials() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let reflecting = FaultAction::Respond {
        status: 200,
        content_type: "application/json".into(),
        body: json!({"you_sent": "{{authorization}}", "token": "{{credential}}", "kept": "ordinary text"}).to_string(),
        headers: vec![("x-echo".into(), "{{authorization}}".into())],
    };
    env.fake.push_fault(Fault::new("/scim/v2/Users", reflecting));
    let output = env.ok("custom-api-request", json!({"method": "get", "path": "/api/2.0/accounts/{account_id}/scim/v2/Users"})).await;
    let bearer = env.api_requests()[0].header("authorization").unwrap().strip_prefix("Bearer ").unwrap().to_string();
    let body: Value = serde_json::from_str(output["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"you_sent": "Bearer [redacted]", "token": "[redacted]", "kept": "ordinary text"}));
    let echo = output["headers"].as_array().unwrap().iter().find(|h| h[0] == "x-echo").expect("the header is kept");
    assert_eq!(echo[1], "Bearer [redacted]");
    assert!(!output.to_string().contains(&bearer));
}

/// A SCIM server that answers every page with the same records while `totalResults` promises a
/// million: the walk stops and says so (or returns what it has with where to resume), never a
/// short list reported complete.
#[scenario]
async fn a_scim_walk_answered_with_the_same_page_is_never_complete() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let users: Vec<Value> =
        (0..100).map(|i| json!({"id": format!("42110000990{i:05}"), "userName": format!("u{i}@example.com"), "active": true})).collect();
    let page = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 1_000_000,
                      "startIndex": 1, "itemsPerPage": 100, "Resources": users});
    let same_page = || Fault::new("/scim/v2/Users", FaultAction::json(200, page.clone(), &[])).times(10);
    env.fake.push_fault(same_page());
    let (case, error) = env.err("list-users", json!({"pages": {"all": {}}})).await;
    assert_eq!(case, "upstream", "{error}");
    assert!(error["message"].as_str().unwrap().contains("records already listed"), "{error}");
    env.fake.clear_faults();
    env.fake.push_fault(same_page());
    let partial = env.ok("list-users", json!({"pages": {"all": {"partial_results": true}}})).await;
    assert_eq!(partial["resources"].as_array().unwrap().len(), 100);
    assert_eq!(partial["next_start_index"], 101, "where to resume");
    assert!(partial["stopped_by"]["upstream"]["message"].as_str().unwrap().contains("already listed"), "{partial}");
}
