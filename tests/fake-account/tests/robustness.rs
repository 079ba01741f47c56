//! No request input crashes the fake: every endpoint gets valid bodies mutated at random
//! (wrong types, missing and extra keys, broken JSON) and odd query strings, from a fixed
//! seed so a failure replays. A handler that panicked would close the connection without
//! an answer; every request must get an HTTP answer below 500.

use fake_account::{FakeAccount, FakeConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A small deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The keys the handlers read, so mutations land where the code looks.
const KEYS: &[&str] = &[
    "Operations",
    "op",
    "path",
    "value",
    "members",
    "roles",
    "active",
    "userName",
    "displayName",
    "emails",
    "name",
    "givenName",
    "applicationId",
    "schemas",
    "groups",
    "id",
    "meta",
    "label",
    "list_type",
    "ip_addresses",
    "lifetime",
    "credentials_name",
    "aws_credentials",
    "sts_role",
    "role_arn",
    "metastore_info",
    "region",
    "storage_root",
    "owner",
    "delta_sharing_scope",
    "metastore_assignment",
    "default_catalog_name",
    "network_name",
    "vpc_id",
    "subnet_ids",
    "security_group_ids",
    "gcp_network_info",
    "permissions",
    "redirect_urls",
    "confidential",
    "scopes",
    "user_authorized_scopes",
    "token_access_policy",
    "access_token_ttl_in_minutes",
    "budget",
    "display_name",
    "alert_configurations",
    "quantity_threshold",
    "action_configurations",
    "action_type",
    "target",
    "time_period",
    "trigger_type",
    "quantity_type",
    "filter",
    "workspace_id",
    "log_delivery_configuration",
    "log_type",
    "output_format",
    "credentials_id",
    "storage_configuration_id",
    "status",
    "workspace_ids_filter",
    "config_name",
    "delivery_path_prefix",
    "delivery_start_time",
];

fn weird(rng: &mut Rng) -> Value {
    let values = [
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(u64::MAX),
        json!(""),
        json!(" "),
        json!("x"),
        json!("false"),
        json!("ENABLED"),
        json!("ALLOW"),
        json!("AUDIT_LOGS"),
        json!("10.0.0.0/99"),
        json!("999999999999s"),
        json!("-5s"),
        json!([]),
        json!([1]),
        json!(["a"]),
        json!([null]),
        json!([{}]),
        json!([{"value": 1}]),
        json!([{"value": "1"}]),
        json!([{"value": "false"}, {"value": "true"}]),
        json!({}),
        json!({"value": "x"}),
        json!({"members": 5}),
        json!("ü\u{0}\u{7f}"),
        json!("members[value eq \"1\"]"),
        json!("members[display eq"),
        json!("name."),
        json!(".x"),
        json!("a.b.c"),
        json!("[]"),
    ];
    rng.pick(&values).clone()
}

/// Replaces a random node of `value` with a weird one, or adds a key a handler reads.
fn mutate(value: &mut Value, rng: &mut Rng) {
    match value {
        Value::Object(map) if !map.is_empty() && rng.below(3) > 0 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            match rng.below(4) {
                0 => *map.get_mut(&key).expect("a key of the map") = weird(rng),
                1 => {
                    map.remove(&key);
                }
                _ => mutate(map.get_mut(&key).expect("a key of the map"), rng),
            }
        }
        Value::Object(map) => {
            map.insert(rng.pick(KEYS).to_string(), weird(rng));
        }
        Value::Array(items) if !items.is_empty() && rng.below(4) > 0 => {
            let i = rng.below(items.len());
            mutate(&mut items[i], rng);
        }
        Value::Array(items) => items.push(weird(rng)),
        other => *other = weird(rng),
    }
}

/// Sends a request; `None` when the connection closed without an HTTP answer.
async fn send(base: &str, method: &str, target: &str, token: &str, body: &str) -> Option<u16> {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
    let request = format!(
        "{method} {target} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    let text = String::from_utf8_lossy(&raw);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

async fn json_call(base: &str, method: &str, target: &str, token: &str, body: &Value) -> Value {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let body = body.to_string();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    serde_json::from_str(text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")).unwrap_or(Value::Null)
}

/// The first value under any of `keys`, anywhere in `value`.
fn find_id(value: &Value, keys: &[&str]) -> Option<String> {
    match value {
        Value::Object(map) => keys
            .iter()
            .find_map(|k| map.get(*k).and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_i64().map(|n| n.to_string()))))
            .or_else(|| map.values().find_map(|v| find_id(v, keys))),
        Value::Array(items) => items.iter().find_map(|v| find_id(v, keys)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_input_crashes_the_fake() {
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let base = fake.base_url();
    let a = fake.config().account_id.clone();
    let form = format!("grant_type=client_credentials&client_id={}&client_secret={}", fake.config().client_id, fake.config().client_secret);
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /oidc/accounts/{a}/v1/token HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let token: Value = serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap();
    let t = token["access_token"].as_str().unwrap().to_string();

    let s = |rest: &str| format!("/api/2.0/accounts/{a}/scim/v2/{rest}");
    let acc = |rest: &str| format!("/api/2.0/accounts/{a}/{rest}");
    let snapshot = fake.snapshot();
    let uid = snapshot["users"][0]["id"].as_str().unwrap().to_string();
    let gid = snapshot["groups"][0]["id"].as_str().unwrap().to_string();
    let sp = fake.service_principal_id();
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": uid}]},
        {"op": "remove", "path": format!("members[value eq \"{uid}\"]")},
        {"op": "replace", "path": "name.givenName", "value": "x"},
        {"op": "replace", "value": {"displayName": "y", "active": [{"value": "false"}]}},
        {"op": "add", "path": "roles", "value": [{"value": "account_admin"}]}
    ]});

    // Ids of one thing per family, made with valid bodies, so item paths reach their handlers.
    let workspaces = json_call(&base, "GET", &acc("workspaces"), &t, &Value::Null).await;
    let wid = find_id(&workspaces, &["workspace_id"]).expect("a demo workspace");
    let make = |path: String, body: Value, keys: &'static [&'static str]| {
        let (base, t) = (base.clone(), t.clone());
        async move { find_id(&json_call(&base, "POST", &path, &t, &body).await, keys).unwrap_or_else(|| "1".into()) }
    };
    let list_id =
        make(acc("ip-access-lists"), json!({"label": "l", "list_type": "ALLOW", "ip_addresses": ["10.0.0.0/16"]}), &["list_id"]).await;
    let metastore = make(acc("metastores"), json!({"metastore_info": {"name": "m", "region": "us-west-2"}}), &["metastore_id"]).await;
    let app = make(
        acc("oauth2/custom-app-integrations"),
        json!({"name": "a", "redirect_urls": ["https://x"], "confidential": true}),
        &["integration_id"],
    )
    .await;
    let budget_body = json!({"budget": {"display_name": "b", "alert_configurations": [{"time_period": "MONTH", "trigger_type": "CUMULATIVE_SPENDING_EXCEEDED",
        "quantity_type": "LIST_PRICE_DOLLARS_USD", "quantity_threshold": "100",
        "action_configurations": [{"action_type": "EMAIL_NOTIFICATION", "target": "a@b.c"}]}]}});
    let budget = make(format!("/api/2.1/accounts/{a}/budgets"), budget_body.clone(), &["budget_configuration_id"]).await;
    let credentials = json_call(&base, "GET", &acc("credentials"), &t, &Value::Null).await;
    let storage = json_call(&base, "GET", &acc("storage-configurations"), &t, &Value::Null).await;
    let credentials_id = find_id(&credentials, &["credentials_id"]).unwrap_or_default();
    let storage_id = find_id(&storage, &["storage_configuration_id"]).unwrap_or_default();
    let log_body = json!({"log_delivery_configuration": {"config_name": "l", "log_type": "AUDIT_LOGS", "output_format": "JSON",
        "credentials_id": credentials_id, "storage_configuration_id": storage_id}});
    let log = make(acc("log-delivery"), log_body.clone(), &["config_id"]).await;
    let network_body = json!({"network_name": "net-1", "vpc_id": "v", "subnet_ids": ["a", "b"], "security_group_ids": ["s"]});
    let network = make(acc("networks"), network_body.clone(), &["network_id"]).await;
    let secret = make(acc(&format!("servicePrincipals/{sp}/credentials/secrets")), json!({"lifetime": "86400s"}), &["id"]).await;
    for (what, id) in [
        ("ip list", &list_id),
        ("metastore", &metastore),
        ("app", &app),
        ("budget", &budget),
        ("log delivery", &log),
        ("network", &network),
        ("secret", &secret),
    ] {
        assert_ne!(id, "1", "the valid {what} body was refused, so its item paths would go untested");
    }
    let credential_body = json!({"credentials_name": "c", "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::1:role/r"}}});

    let endpoints: Vec<(&str, String, Value)> = vec![
        (
            "POST",
            s("Users"),
            json!({"userName": "u@x.com", "name": {"givenName": "a"}, "emails": [{"value": "u@x.com"}], "roles": [{"value": "account_admin"}], "active": true}),
        ),
        ("POST", s("Groups"), json!({"displayName": "g", "members": [{"value": sp}], "roles": [{"value": "account_admin"}]})),
        ("POST", s("ServicePrincipals"), json!({"displayName": "s", "applicationId": "x", "active": true})),
        ("PUT", s(&format!("Users/{uid}")), json!({"userName": "u", "displayName": "d", "name": {"familyName": "f"}, "active": false})),
        ("PUT", s(&format!("Groups/{gid}")), json!({"displayName": "g2", "members": [{"value": uid}]})),
        ("PUT", s(&format!("ServicePrincipals/{sp}")), json!({"displayName": "s2", "active": true, "roles": [{"value": "account_admin"}]})),
        ("PATCH", s(&format!("Users/{uid}")), patch.clone()),
        ("PATCH", s(&format!("Groups/{gid}")), patch.clone()),
        ("PATCH", s(&format!("ServicePrincipals/{sp}")), patch.clone()),
        ("POST", acc("ip-access-lists"), json!({"label": "l", "list_type": "ALLOW", "ip_addresses": ["10.0.0.0/16", "1.2.3.4"]})),
        ("POST", acc(&format!("servicePrincipals/{sp}/credentials/secrets")), json!({"lifetime": "86400s"})),
        ("POST", acc("credentials"), credential_body),
        ("POST", acc("metastores"), json!({"metastore_info": {"name": "m2", "region": "us-west-2", "storage_root": "s3://b"}})),
        ("PUT", acc(&format!("metastores/{metastore}")), json!({"metastore_info": {"owner": "o", "delta_sharing_scope": "INTERNAL"}})),
        (
            "POST",
            acc(&format!("workspaces/{wid}/metastores/{metastore}")),
            json!({"metastore_assignment": {"default_catalog_name": "main"}}),
        ),
        (
            "PUT",
            acc(&format!("workspaces/{wid}/metastores/{metastore}")),
            json!({"metastore_assignment": {"workspace_id": 1, "default_catalog_name": "other"}}),
        ),
        ("POST", acc("networks"), network_body),
        ("PUT", acc(&format!("workspaces/{wid}/permissionassignments/principals/{uid}")), json!({"permissions": ["USER"]})),
        (
            "POST",
            acc("oauth2/custom-app-integrations"),
            json!({"name": "a2", "redirect_urls": ["https://x"], "confidential": true, "scopes": ["all-apis"], "token_access_policy": {"access_token_ttl_in_minutes": 60}}),
        ),
        (
            "PATCH",
            acc(&format!("oauth2/custom-app-integrations/{app}")),
            json!({"redirect_urls": ["https://y"], "token_access_policy": {"refresh_token_ttl_in_minutes": 600}}),
        ),
        ("POST", format!("/api/2.1/accounts/{a}/budgets"), budget_body.clone()),
        ("PUT", format!("/api/2.1/accounts/{a}/budgets/{budget}"), budget_body),
        ("POST", acc("log-delivery"), log_body),
        ("PATCH", acc(&format!("log-delivery/{log}")), json!({"status": "DISABLED"})),
    ];

    // FUZZ_SEED and FUZZ_ROUNDS explore further by hand; the defaults keep the test quick.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let mut rng = Rng(env("FUZZ_SEED").unwrap_or(0x5EED_F00D_1234_5678) | 1);
    let rounds = env("FUZZ_ROUNDS").unwrap_or(120);
    let mut failures = Vec::new();
    for (method, path, template) in &endpoints {
        for round in 0..rounds {
            let body = match round {
                0 => String::new(),
                1 => "{\"unterminated\": ".into(),
                2 => "[]".into(),
                3 => "\"text\"".into(),
                4 => "null".into(),
                _ => {
                    let mut body = template.clone();
                    for _ in 0..=rng.below(3) {
                        mutate(&mut body, &mut rng);
                    }
                    body.to_string()
                }
            };
            match send(&base, method, path, &t, &body).await {
                Some(status) if status < 500 => {}
                other => failures.push(format!("{method} {path} {body} → {other:?}")),
            }
        }
    }

    // Odd query strings on every list and read.
    let reads = [
        s("Users"),
        s("Groups"),
        s("ServicePrincipals"),
        s(&format!("Users/{uid}")),
        s(&format!("Groups/{gid}")),
        acc("ip-access-lists"),
        acc(&format!("ip-access-lists/{list_id}")),
        acc(&format!("servicePrincipals/{sp}/credentials/secrets")),
        acc("workspaces"),
        acc("credentials"),
        acc("metastores"),
        acc(&format!("metastores/{metastore}/workspaces")),
        acc(&format!("workspaces/{wid}/metastore")),
        acc("storage-configurations"),
        acc("networks"),
        acc(&format!("networks/{network}")),
        acc(&format!("workspaces/{wid}/permissionassignments")),
        acc(&format!("workspaces/{wid}/permissionassignments/permissions")),
        acc("oauth2/custom-app-integrations"),
        format!("/api/2.1/accounts/{a}/budgets"),
        acc("log-delivery"),
        acc("usage/download"),
    ];
    let queries = [
        "filter=",
        "filter=(",
        "filter=%22",
        "filter=userName%20eq%20%22%5C",
        "filter=not%20not%20not%20id%20pr",
        "filter=((((((((id pr))))))))",
        "filter=emails.value.x.y%20co%20%22a%22",
        "filter=id%20gt%201e999",
        "startIndex=-1&count=-1",
        "startIndex=99999999999999999999",
        "count=18446744073709551615",
        "startIndex=%FF",
        "sortBy=&sortOrder=descending",
        "sortBy=name.givenName.x&sortOrder=sideways",
        "attributes=,,,&excludedAttributes=id,schemas",
        "page_token=offset-99999999999999999999",
        "page_token=offset--1",
        "page_size=-5",
        "page_size=0",
        "start_month=2026-13&end_month=1999-01",
        "start_month=x&end_month=",
        "personal_data=maybe",
        "%%%",
    ];
    for path in &reads {
        for query in queries {
            let target = format!("{path}?{query}");
            if !matches!(send(&base, "GET", &target, &t, "").await, Some(status) if status < 500) {
                failures.push(format!("GET {target}"));
            }
        }
    }
    // Deletes of things that exist and things that do not, twice.
    let deletes = [
        s(&format!("Users/{uid}")),
        s(&format!("Groups/{gid}")),
        s("Users/%00"),
        acc(&format!("ip-access-lists/{list_id}")),
        acc(&format!("servicePrincipals/{sp}/credentials/secrets/{secret}")),
        acc(&format!("metastores/{metastore}?force=true")),
        acc(&format!("workspaces/{wid}/metastores/{metastore}")),
        acc(&format!("networks/{network}")),
        acc(&format!("workspaces/{wid}/permissionassignments/principals/{uid}")),
        acc(&format!("oauth2/custom-app-integrations/{app}")),
        format!("/api/2.1/accounts/{a}/budgets/{budget}"),
        acc("credentials/nope"),
    ];
    for _ in 0..2 {
        for path in &deletes {
            if !matches!(send(&base, "DELETE", path, &t, "").await, Some(status) if status < 500) {
                failures.push(format!("DELETE {path}"));
            }
        }
    }
    // The token endpoint with odd forms and headers.
    for body in ["", "grant_type", "grant_type=client_credentials&client_id=%FF", "&&&==", "scope=%00&grant_type=client_credentials"] {
        if !matches!(send(&base, "POST", &format!("/oidc/accounts/{a}/v1/token"), &t, body).await, Some(status) if status < 500) {
            failures.push(format!("token {body}"));
        }
    }
    assert!(failures.is_empty(), "{} requests crashed or failed with 5xx:\n{}", failures.len(), failures.join("\n"));
    // And the fake still answers normally afterwards.
    assert_eq!(send(&base, "GET", &s("Users"), &t, "").await, Some(200));
}
