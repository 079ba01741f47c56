//! Every card against the official Python SDK: the card and the SDK's operation for it run with
//! the same arguments against two fresh fake accounts, and what each account received is
//! compared — method, path, query (as key/value pairs), JSON body (by value), `Content-Type`, the
//! presence of `Content-Length`, and the token request. A difference fails the test unless the
//! card's row in `tests/e2e/differential/table.toml` lists it with its reason; a card without a
//! row fails it too (the table says why a card has no SDK operation).

use e2e::{Env, Login, scenario};
use fake_account::{FakeConfig, RecordedRequest, Seed};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The table: one row per card.
const TABLE: &str = include_str!("../../differential/table.toml");
const RUNNER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/differential/run_sdk.py");

/// Differences between any card and the SDK that are the SDK's way of signing in, not a card's.
const EVERYWHERE: &[(&str, &str)] = &[
    ("token:discovery", "the SDK reads the OIDC discovery document first; the cards know the account's token path"),
];

#[derive(serde::Deserialize)]
struct Row {
    /// The SDK call (Python; `a` is the account client, `input` the card's input).
    sdk: Option<String>,
    /// Why the card has no SDK operation to compare with.
    none: Option<String>,
    /// The card's input, when not its card-list example.
    input: Option<Value>,
    /// Differences that are intended, each with its reason.
    #[serde(default)]
    differs: Vec<Intended>,
}

#[derive(serde::Deserialize)]
struct Intended {
    what: String,
    why: String,
}

#[scenario]
async fn every_card_sends_what_the_official_sdk_sends() {
    let table: BTreeMap<String, Row> = toml::from_str(TABLE).expect("table.toml parses");
    let probe = Env::empty().await;
    let catalog = host_harness::CardCatalog::load(&probe.harness).await.expect("the card list loads");
    let missing: Vec<&str> = catalog.cards.iter().map(|c| c.id.as_str()).filter(|id| !table.contains_key(*id)).collect();
    assert!(missing.is_empty(), "cards without a row in tests/e2e/differential/table.toml: {missing:?}");
    let unknown: Vec<&String> = table.keys().filter(|id| catalog.card(id).is_none()).collect();
    assert!(unknown.is_empty(), "rows for cards that do not exist: {unknown:?}");
    for (id, row) in &table {
        assert!(row.sdk.is_some() != row.none.is_some(), "{id}: a row has either `sdk` or `none`, with its reason");
        for intended in &row.differs {
            assert!(!intended.why.trim().is_empty(), "{id}: `{}` needs its reason", intended.what);
        }
    }

    // Each compared card: its run on one fresh account, the SDK's job for a twin account.
    let mut runs = Vec::new();
    for (id, row) in table.iter().filter(|(_, row)| row.sdk.is_some()) {
        let card = catalog.card(id).expect("checked above");
        let input = row.input.clone().unwrap_or_else(|| card.example_input.clone());
        let for_card = Env::with_config(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }, Login::OAuthM2m).await;
        for_card.clear();
        let outcome = for_card.run(id, input.clone()).await;
        let for_sdk = Env::with_config(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }, Login::OAuthM2m).await;
        for_sdk.clear();
        runs.push((id.clone(), row, input, outcome, for_card, for_sdk));
    }
    let jobs: Vec<Value> = runs
        .iter()
        .map(|(id, row, input, _, _, for_sdk)| {
            let config = for_sdk.fake.config();
            json!({
                "card": id, "host": for_sdk.fake.base_url(), "account_id": config.account_id,
                "client_id": config.client_id, "client_secret": config.client_secret,
                "input": input, "call": row.sdk,
            })
        })
        .collect();
    let raised = run_sdk(&jobs).await;

    let mut report = Vec::new();
    let (mut identical, mut with_intended) = (0, 0);
    let mut seen_everywhere = Vec::new();
    for (id, row, _, outcome, for_card, for_sdk) in &runs {
        let found = differences(&for_card.fake.requests(), &for_sdk.fake.requests());
        seen_everywhere.extend(EVERYWHERE.iter().map(|(w, _)| *w).filter(|w| found.iter().any(|f| f == w)));
        let listed: Vec<&str> = row.differs.iter().map(|d| d.what.as_str()).chain(EVERYWHERE.iter().map(|(w, _)| *w)).collect();
        let unexpected: Vec<&String> = found.iter().filter(|f| !listed.contains(&f.as_str())).collect();
        let stale: Vec<&str> = row.differs.iter().map(|d| d.what.as_str()).filter(|w| !found.iter().any(|f| f == w)).collect();
        if !unexpected.is_empty() || !stale.is_empty() {
            report.push(format!(
                "{id}: differs from the SDK in {unexpected:?}; listed but not found: {stale:?}\n  card ({}):\n{}\n  SDK ({}):\n{}",
                outcome.as_ref().map_or_else(|e| format!("error {e}"), |_| "ok".into()),
                describe(&for_card.fake.requests()),
                raised.get(id).and_then(Value::as_str).unwrap_or("ok"),
                describe(&for_sdk.fake.requests()),
            ));
        } else if row.differs.is_empty() {
            identical += 1;
        } else {
            with_intended += 1;
        }
    }
    let stale: Vec<&str> = EVERYWHERE.iter().map(|(w, _)| *w).filter(|w| !seen_everywhere.contains(w)).collect();
    assert!(stale.is_empty(), "EVERYWHERE lists differences no card showed: {stale:?}");
    let without = table.values().filter(|r| r.none.is_some()).count();
    println!(
        "differential: {} cards compared, {identical} identical, {with_intended} with intended differences only, {without} without an SDK operation",
        runs.len()
    );
    assert!(report.is_empty(), "cards that differ from the official SDK:\n{}", report.join("\n"));
}

/// The comparison itself: each kind of difference is seen, and equal requests show none.
#[scenario]
async fn the_comparison_sees_each_kind_of_difference() {
    let request = |method: &str, path: &str, query: &[(&str, &str)], body: Option<Value>, headers: &[(&str, &str)]| RecordedRequest {
        method: method.into(),
        path: path.into(),
        query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        raw_body: body.as_ref().map(Value::to_string).unwrap_or_default(),
        body,
    };
    let json = [("content-type", "application/json"), ("content-length", "20")];
    let sdk = vec![
        request("GET", "/api/2.0/accounts/a/scim/v2/Users", &[("count", "10000"), ("startIndex", "1")], None, &[]),
        request("PATCH", "/api/2.0/accounts/a/scim/v2/Users/4211000000015838", &[], Some(json!({"a": {"b": 1}, "c": [1]})), &json),
    ];
    assert_eq!(differences(&sdk, &sdk), Vec::<String>::new(), "the same requests do not differ");
    let card = vec![
        request("GET", "/api/2.0/accounts/a/scim/v2/Users", &[("startIndex", "1"), ("count", "100")], None, &[]),
        request(
            "PATCH",
            "/api/2.0/accounts/a/scim/v2/Users/4211000000015838",
            &[],
            Some(json!({"a": {"b": 2}, "c": [1], "d": true})),
            &[("content-type", "text/plain"), ("transfer-encoding", "chunked")],
        ),
        request("GET", "/api/2.0/accounts/a/scim/v2/Users/4211000000015838", &[], None, &[]),
    ];
    assert_eq!(
        differences(&card, &sdk),
        [
            "query:count",
            "[1] body:/a/b",
            "[1] body:/d",
            "[1] content-type",
            "[1] content-length",
            "card only: GET /api/2.0/accounts/a/scim/v2/Users/{id}"
        ]
    );
    assert_eq!(differences(&sdk[..1], &card[..1]), ["query:count"], "query values are compared as a multiset, not by position");
}

/// Runs the SDK jobs in the venv the fake account's SDK check uses; what each call raised.
async fn run_sdk(jobs: &[Value]) -> BTreeMap<String, Value> {
    let python = tokio::task::spawn_blocking(fake_account::python_sdk::python).await.unwrap();
    let file = std::env::temp_dir().join(format!("differential-jobs-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(jobs).unwrap()).unwrap();
    let output = tokio::process::Command::new(python)
        .arg(RUNNER)
        .arg(&file)
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent")
        .env_remove("DATABRICKS_TOKEN")
        .env_remove("DATABRICKS_CONFIG_PROFILE")
        .output()
        .await
        .expect("run the SDK jobs");
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the SDK runner failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.trim()).expect("the runner prints JSON")
}

/// What differs between the requests a card sent and those the SDK sent, as stable keys:
/// `token:<what>` for the token request, `[n] <what>` for the n-th account API request (`[0]` is
/// written without its index).
fn differences(card: &[RecordedRequest], sdk: &[RecordedRequest]) -> Vec<String> {
    let mut found = Vec::new();
    let token = |requests: &[RecordedRequest]| requests.iter().find(|r| r.path.ends_with("/v1/token")).cloned();
    if sdk.iter().any(|r| r.path.contains("/.well-known/")) {
        found.push("token:discovery".to_string());
    }
    match (token(card), token(sdk)) {
        (Some(c), Some(s)) => {
            let form = |r: &RecordedRequest| {
                let mut pairs: Vec<(String, String)> = form_urlencoded::parse(r.raw_body.as_bytes()).into_owned().collect();
                pairs.sort();
                pairs
            };
            if form(&c) != form(&s) {
                found.push("token:form".to_string());
            }
            let scheme = |r: &RecordedRequest| r.header("authorization").and_then(|a| a.split_whitespace().next()).map(str::to_string);
            if scheme(&c) != scheme(&s) {
                found.push("token:authorization".to_string());
            }
            compare_headers("token:", &c, &s, &mut found);
        }
        (None, None) => {}
        (Some(_), None) => found.push("token:card only".to_string()),
        (None, Some(_)) => found.push("token:sdk only".to_string()),
    }
    let api = |requests: &[RecordedRequest]| requests.iter().filter(|r| r.path.starts_with("/api/")).cloned().collect::<Vec<_>>();
    let (card, sdk) = (api(card), api(sdk));
    for step in align(&card, &sdk) {
        match step {
            Step::Both(i, j) => {
                let at = if i == 0 { String::new() } else { format!("[{i}] ") };
                compare_requests(&at, &card[i], &sdk[j], &mut found);
            }
            Step::CardOnly(i) => found.push(format!("card only: {} {}", card[i].method, shape(&card[i].path))),
            Step::SdkOnly(j) => found.push(format!("sdk only: {} {}", sdk[j].method, shape(&sdk[j].path))),
        }
    }
    found
}

/// Method, path, query pairs, body and headers of two requests for the same call.
fn compare_requests(at: &str, c: &RecordedRequest, s: &RecordedRequest, found: &mut Vec<String>) {
    if c.method != s.method {
        found.push(format!("{at}method"));
    }
    if c.path != s.path {
        found.push(format!("{at}path"));
    }
    let mut keys: Vec<&String> = c.query.iter().chain(&s.query).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let values = |r: &RecordedRequest| {
            let mut v: Vec<String> = r.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect();
            v.sort();
            v
        };
        if values(c) != values(s) {
            found.push(format!("{at}query:{key}"));
        }
    }
    body_differences(&format!("{at}body:"), "", c.body.as_ref(), s.body.as_ref(), found);
    compare_headers(at, c, s, found);
}

/// How the card's requests line up with the SDK's.
enum Step {
    Both(usize, usize),
    CardOnly(usize),
    SdkOnly(usize),
}

/// Pairs the two request sequences by method and path shape, keeping their order (a longest
/// common subsequence), so one extra request on either side (a read-back, a last empty page)
/// is reported as that, not as every later request differing.
fn align(card: &[RecordedRequest], sdk: &[RecordedRequest]) -> Vec<Step> {
    let same = |c: &RecordedRequest, s: &RecordedRequest| c.method == s.method && shape(&c.path) == shape(&s.path);
    let (n, m) = (card.len(), sdk.len());
    // longest[i][j]: the longest common subsequence of card[i..] and sdk[j..].
    let mut longest = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            longest[i][j] =
                if same(&card[i], &sdk[j]) { longest[i + 1][j + 1] + 1 } else { longest[i + 1][j].max(longest[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut steps) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && same(&card[i], &sdk[j]) {
            steps.push(Step::Both(i, j));
            (i, j) = (i + 1, j + 1);
        } else if j == m || (i < n && longest[i + 1][j] >= longest[i][j + 1]) {
            steps.push(Step::CardOnly(i));
            i += 1;
        } else {
            steps.push(Step::SdkOnly(j));
            j += 1;
        }
    }
    steps
}

/// `Content-Type` and whether `Content-Length` is there (`User-Agent` differs by design).
fn compare_headers(at: &str, card: &RecordedRequest, sdk: &RecordedRequest, found: &mut Vec<String>) {
    let media = |r: &RecordedRequest| r.header("content-type").map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    if media(card) != media(sdk) {
        found.push(format!("{at}content-type"));
    }
    if card.header("content-length").is_some() != sdk.header("content-length").is_some() && !(card.raw_body.is_empty() && sdk.raw_body.is_empty()) {
        found.push(format!("{at}content-length"));
    }
}

/// The JSON pointers at which two bodies differ (objects by key, anything else by value).
fn body_differences(prefix: &str, pointer: &str, card: Option<&Value>, sdk: Option<&Value>, found: &mut Vec<String>) {
    match (card, sdk) {
        (Some(Value::Object(c)), Some(Value::Object(s))) => {
            let mut keys: Vec<&String> = c.keys().chain(s.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                body_differences(prefix, &format!("{pointer}/{key}"), c.get(key), s.get(key), found);
            }
        }
        (c, s) if c == s => {}
        _ => found.push(format!("{prefix}{}", if pointer.is_empty() { "/" } else { pointer })),
    }
}

/// The requests an account received, one per line, for a failure message.
fn describe(requests: &[RecordedRequest]) -> String {
    requests
        .iter()
        .filter(|r| !r.path.contains("/.well-known/"))
        .map(|r| {
            let query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let body = r.body.as_ref().map_or_else(|| r.raw_body.clone(), Value::to_string);
            format!("    {} {}?{} {body}", r.method, r.path, query.join("&"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A path with its IDs written as `{id}`, for a stable key.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|segment| if segment.chars().any(|c| c.is_ascii_digit()) && segment.len() > 8 { "{id}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}
