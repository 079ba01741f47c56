//! The harness against the embedded component and against small hand-written components that
//! trap, spin and allocate: discovery, JSON errors, the outbound policy and the per-run limits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use host_harness::{CardOutcome, Harness, HarnessConfig, HarnessError, RunOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ACCOUNT_ID: &str = "8f4c7d2e-1b3a-4c5d-9e6f-0a1b2c3d4e5f";

fn connection(host_override: Option<&str>) -> Value {
    json!({
        "cloud": "aws",
        "account_id": ACCOUNT_ID,
        "auth": {"oauth_m2m": {
            "client_id": "client", "client_secret": "SECRET-never-printed",
            "scopes": null, "service_principal_id": null, "secret_id": null,
        }},
        "host_override": host_override,
    })
}

#[test]
fn the_embedded_component_lists_its_cards() {
    let harness = Harness::embedded().expect("the embedded component loads");
    let ids: Vec<&str> = harness.cards().iter().map(|card| card.id.as_str()).collect();
    for expected in ["list-users", "get-user", "create-user", "update-user", "delete-user", "get-group", "add-group-member"] {
        assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
    }
    for card in harness.cards() {
        assert!(card.interface.starts_with("databricks:account/"), "{}", card.interface);
        assert!(card.connection_type().is_some(), "{} takes a connection", card.id);
        assert!(card.input_type().is_some(), "{} takes an input", card.id);
        assert!(card.error_type().is_some(), "{} returns a result", card.id);
    }
    assert_eq!(harness.card("list-users").unwrap().interface_name(), "identity");
}

#[test]
fn describe_derives_schemas_from_the_component_types() {
    let harness = Harness::embedded().unwrap();
    let schema = harness.describe("create-user").expect("create-user exists");
    assert_eq!(schema["card"], "create-user");
    assert_eq!(schema["input"]["required"], json!(["user_name"]));
    assert_eq!(schema["input"]["additionalProperties"], false);
    assert_eq!(
        schema["connection"]["properties"]["cloud"],
        json!({"type": "string", "enum": ["aws", "azure", "gcp", "aws_gov", "aws_gov_dod"]})
    );
    let auth_cases = schema["connection"]["properties"]["auth"]["oneOf"].as_array().unwrap();
    assert_eq!(auth_cases[0]["required"], json!(["oauth_m2m"]));
    assert_eq!(schema["output"]["properties"]["emails"]["type"], "array");
    let error_cases: Vec<&str> =
        schema["error"]["oneOf"].as_array().unwrap().iter().map(|case| case["required"][0].as_str().unwrap()).collect();
    assert!(error_cases.contains(&"not_found") && error_cases.contains(&"invalid_input"), "{error_cases:?}");
    assert_eq!(schema["output"]["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(harness.describe("no-such-card").is_none());
}

#[test]
fn the_embedded_harness_is_built_once_per_process() {
    let first = Harness::embedded().unwrap();
    let started = Instant::now();
    let second = Harness::embedded().unwrap();
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(first.cards().len(), second.cards().len());
}

#[tokio::test(flavor = "multi_thread")]
async fn json_that_does_not_fit_the_types_is_refused_before_the_run() {
    let harness = Harness::embedded().unwrap();
    let options = RunOptions::default();
    let err = harness.run("create-user", &connection(None), &json!({"user_name": 5}), &options).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid JSON: input.user_name: expected string, got integer");
    assert_eq!(err.kind(), "invalid_json");

    let mut conn = connection(None);
    conn["cloud"] = json!("moon");
    let err = harness.run("get-user", &conn, &json!({"id": "1"}), &options).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid JSON: connection.cloud: unknown case (expected one of: aws, azure, gcp, aws_gov, aws_gov_dod)");

    let mut conn = connection(None);
    conn["auth"]["oauth_m2m"]["client_secret"] = json!(12345);
    let err = harness.run("get-user", &conn, &json!({"id": "1"}), &options).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid JSON: connection.auth.oauth_m2m.client_secret: expected string, got integer");

    let err = harness.run("launch-rocket", &connection(None), &json!({}), &options).await.unwrap_err();
    assert!(matches!(err, HarnessError::UnknownCard(ref id) if id == "launch-rocket"));
}

/// The host keeps no table of clouds: its outbound policy reads the account hosts from the
/// component (`cards#list-clouds`), which has them from the `@account-host` tags of `types.wit`.
#[tokio::test(flavor = "multi_thread")]
async fn the_outbound_policy_takes_each_clouds_account_host_from_the_component() {
    let harness = Harness::embedded().unwrap();
    let hosts = harness.account_hosts().await;
    let expected = [
        ("aws", "accounts.cloud.databricks.com"),
        ("azure", "accounts.azuredatabricks.net"),
        ("gcp", "accounts.gcp.databricks.com"),
        ("aws_gov", "accounts.cloud.databricks.us"),
        ("aws_gov_dod", "accounts-dod.cloud.databricks.us"),
    ];
    assert_eq!(hosts.clouds().collect::<Vec<_>>(), expected.map(|(cloud, _)| cloud));
    for (cloud, host) in expected {
        let policy = host_harness::policy::OutboundPolicy::for_connection("c", &json!({"cloud": cloud}), &hosts);
        assert!(policy.allows(&format!("https://{host}/api/2.0/accounts").parse().unwrap()), "{cloud}");
        assert_eq!(policy.allowed().len(), 1, "{cloud}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_allowed_origin_is_a_policy_error() {
    let harness = Harness::embedded().unwrap();
    let options = RunOptions::default().with_allowed_origins(["not an origin"]);
    let err = harness.run("get-user", &connection(None), &json!({"id": "1"}), &options).await.unwrap_err();
    assert_eq!(err.kind(), "policy");
}

/// A loopback server that counts connections and answers each request with a 401.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    server(true).await
}

/// Like [`counting_server`]; with `read_body` false it answers as soon as it has the head,
/// before the client sent its body (as servers that refuse credentials early do).
async fn server(read_body: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if read_body {
                    read_request(&mut socket).await;
                } else {
                    read_head(&mut socket).await;
                }
                let body = r#"{"error":"invalid_client","error_description":"nope"}"#;
                // A server that answers before reading the body cannot reuse the connection (the
                // body's bytes are still coming): it says so, as nginx does, and the harness's
                // connection pool does not hand the connection to the next run.
                let close = if read_body { "" } else { "connection: close\r\n" };
                let response = format!(
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{close}\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                // Keep the connection until the client closes it, as a keep-alive server does.
                let mut rest = [0u8; 1024];
                while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
            });
        }
    });
    (origin, count)
}

/// Reads up to the end of a request head.
async fn read_head(socket: &mut tokio::net::TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => data.push(buf[0]),
        }
    }
}

/// Reads one HTTP/1.1 request: the head, then its `content-length` or chunked body.
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    if head.contains("transfer-encoding: chunked") {
        while !data.ends_with(b"0\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => data.extend_from_slice(&buf[..n]),
            }
        }
        return;
    }
    let length: usize = head.lines().find_map(|line| line.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    while data.len() < head_end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_to_another_origin_is_refused() {
    let harness = Harness::embedded().unwrap();
    let (origin, connections) = counting_server().await;

    // The connection points at the server, but the run may only reach another origin.
    let options = RunOptions::default().with_allowed_origins(["http://127.0.0.1:9"]);
    let outcome = harness
        .run("get-user", &connection(Some(&origin)), &json!({"id": "1"}), &options)
        .await
        .expect("a refused request is the card's error, not a harness failure");
    let CardOutcome::Err(error) = outcome else { panic!("the card succeeded without its request: {outcome:?}") };
    assert!(error.get("transport").is_some(), "expected a transport error, got {error}");
    // The guest saw the denial itself, not a stream closed under its request body.
    assert!(!error.to_string().contains("Closed"), "{error}");
    assert!(!error.to_string().contains("SECRET"), "{error}");
    assert_eq!(connections.load(Ordering::SeqCst), 0, "the refused request reached the server");

    // The same run under the default policy reaches the connection's own origin.
    let outcome = harness.run("get-user", &connection(Some(&origin)), &json!({"id": "1"}), &RunOptions::default()).await.unwrap();
    assert!(connections.load(Ordering::SeqCst) >= 1, "the allowed request never arrived");
    let CardOutcome::Err(error) = outcome else { panic!("a 401 should fail the card") };
    assert!(error.get("unauthenticated").is_some(), "expected unauthenticated, got {error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_before_the_request_body_reaches_the_card() {
    let harness = Harness::embedded().unwrap();
    let (origin, connections) = server(false).await;
    for _ in 0..5 {
        let outcome = harness.run("get-user", &connection(Some(&origin)), &json!({"id": "1"}), &RunOptions::default()).await.unwrap();
        let CardOutcome::Err(error) = outcome else { panic!("a 401 should fail the card") };
        assert!(error.get("unauthenticated").is_some(), "expected unauthenticated, got {error}");
    }
    assert!(connections.load(Ordering::SeqCst) >= 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_waiting_on_a_silent_server_hits_its_time_limit() {
    let harness = Harness::embedded().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let _server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket); // accept, never answer
        }
    });
    let options = RunOptions::default().with_time_limit(Duration::from_millis(500));
    let started = Instant::now();
    let err = harness.run("get-user", &connection(Some(&origin)), &json!({"id": "1"}), &options).await.unwrap_err();
    assert!(matches!(err, HarnessError::TimeLimit(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A component with one test interface whose functions trap, spin, allocate or answer.
const MISBEHAVING_WAT: &str = r#"
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "boom") unreachable)
    (func (export "spin") (loop $l (br $l)))
    (func (export "grow") (result i32) (memory.grow (i32.const 2048)))
    (func (export "answer") (result i32) (i32.const 42))
  )
  (core instance $i (instantiate $m))
  (func $boom (canon lift (core func $i "boom")))
  (func $spin (canon lift (core func $i "spin")))
  (func $grow (result s32) (canon lift (core func $i "grow")))
  (func $answer (result u32) (canon lift (core func $i "answer")))
  (instance $iface
    (export "boom" (func $boom))
    (export "spin" (func $spin))
    (export "grow" (func $grow))
    (export "answer" (func $answer))
  )
  (export "databricks:account/test@0.1.0" (instance $iface))
)
"#;

fn misbehaving() -> Harness {
    let wasm = wat::parse_str(MISBEHAVING_WAT).unwrap();
    let config = HarnessConfig { use_cache: false, ..HarnessConfig::default() };
    Harness::with_config(&wasm, &config).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn traps_timeouts_and_memory_limits_end_only_their_run() {
    let harness = misbehaving();
    let ids: Vec<&str> = harness.cards().iter().map(|card| card.id.as_str()).collect();
    assert_eq!(ids, ["boom", "spin", "grow", "answer"]);
    let none = Value::Null;

    let err = harness.run("boom", &none, &none, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, HarnessError::Trap { .. }), "{err}");
    assert!(err.to_string().contains("unreachable"), "{err}");

    let options = RunOptions::default().with_time_limit(Duration::from_millis(300));
    let started = Instant::now();
    let err = harness.run("spin", &none, &none, &options).await.unwrap_err();
    assert!(matches!(err, HarnessError::TimeLimit(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // 2048 more pages is 128 MiB: over the 64 MiB default.
    let err = harness.run("grow", &none, &none, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, HarnessError::MemoryLimit(_)), "{err}");
    let outcome = harness.run("grow", &none, &none, &RunOptions::default().with_memory_limit(256 << 20)).await.unwrap();
    assert_eq!(outcome, CardOutcome::Ok(json!(1)), "grow returns the old size in pages");

    let err = harness.run("answer", &none, &json!({"x": 1}), &RunOptions::default()).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid JSON: input: this card takes no input");

    // The harness is still usable after all of the above, also from a spawned task.
    let outcome = tokio::spawn(async move { harness.run("answer", &Value::Null, &Value::Null, &RunOptions::default()).await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome, CardOutcome::Ok(json!(42)));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pooling_allocator_runs_cards_too() {
    let wasm = wat::parse_str(MISBEHAVING_WAT).unwrap();
    let config = HarnessConfig { pooling: true, use_cache: false, ..HarnessConfig::default() };
    let harness = Harness::with_config(&wasm, &config).unwrap();
    for _ in 0..3 {
        let outcome = harness.run("answer", &Value::Null, &Value::Null, &RunOptions::default()).await.unwrap();
        assert_eq!(outcome, CardOutcome::Ok(json!(42)));
    }
    let err = harness.run("boom", &Value::Null, &Value::Null, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, HarnessError::Trap { .. }), "{err}");
}

#[test]
fn a_second_harness_loads_the_component_from_the_cache() {
    let dir = std::env::temp_dir().join(format!("hh-cache-it-{}", std::process::id()));
    let config = HarnessConfig { cache_dir: Some(dir.clone()), ..HarnessConfig::default() };
    let first = Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).unwrap();
    let second = Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).unwrap();
    assert_eq!(first.load_report().source, host_harness::LoadSource::Compiled);
    assert_eq!(second.load_report().source, host_harness::LoadSource::Cache);
    eprintln!("component: compiled in {:?}, loaded from the cache in {:?}", first.load_report().load_time, second.load_report().load_time);
    assert_eq!(first.cards().len(), second.cards().len());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Figures for the report: `cargo test -p host-harness --release --test harness -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "prints timings; run by hand"]
async fn measure_load_and_run_times() {
    let dir = std::env::temp_dir().join(format!("hh-measure-{}", std::process::id()));
    let config = HarnessConfig { cache_dir: Some(dir.clone()), ..HarnessConfig::default() };
    let compiled = Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).unwrap();
    let cached = Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).unwrap();
    eprintln!("component size: {} bytes", host_harness::EMBEDDED_COMPONENT.len());
    eprintln!("compile: {:?}", compiled.load_report().load_time);
    eprintln!("load from cache: {:?}", cached.load_report().load_time);
    std::fs::remove_dir_all(&dir).unwrap();

    for pooling in [false, true] {
        let config = HarnessConfig { pooling, ..HarnessConfig::default() };
        let harness = Harness::with_config(host_harness::EMBEDDED_COMPONENT, &config).unwrap();
        // An invalid account ID fails in the guest before any request: store + instantiate + call.
        let mut conn = connection(None);
        conn["account_id"] = json!("not-a-uuid");
        let runs = 200;
        let started = Instant::now();
        for _ in 0..runs {
            let outcome = harness.run("get-user", &conn, &json!({"id": "1"}), &RunOptions::default()).await.unwrap();
            assert!(!outcome.is_ok());
        }
        eprintln!("pooling={pooling}: new store + instantiate + card call (no I/O): {:?} per run", started.elapsed() / runs);
    }
}
