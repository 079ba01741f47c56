//! No request input crashes the fake: every endpoint gets valid bodies mutated at random
//! (wrong types, missing and extra keys, broken JSON) and odd query strings, from a fixed
//! seed so a failure replays. A handler that panicked would close the connection without
//! an answer; every request must get an HTTP answer below 500.

use fake_account::{FakeAccount, FakeConfig, Seed};
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
    "workspace_name",
    "aws_region",
    "compute_mode",
    "pricing_tier",
    "custom_tags",
    "deployment_name",
    "storage_configuration_name",
    "root_bucket_info",
    "bucket_name",
    "private_access_settings_name",
    "private_access_level",
    "public_access_enabled",
    "allowed_vpc_endpoint_ids",
    "vpc_endpoint_name",
    "aws_vpc_endpoint_id",
    "gcp_vpc_endpoint_info",
    "use_cases",
    "aws_key_info",
    "key_arn",
    "gcp_key_info",
    "azure_key_info",
    "vpc_endpoints",
    "rest_api",
    "endpoint_service",
    "resource_names",
    "domain_names",
    "resource_id",
    "group_id",
    "enabled",
    "gcp_endpoint",
    "network_policy_id",
    "egress",
    "network_access",
    "restriction_mode",
    "ingress",
    "public_access",
    "field_mask",
    "setting",
    "etag",
    "personal_compute",
    "rule_set",
    "grant_rules",
    "role",
    "principals",
    "oidc_policy",
    "issuer",
    "audiences",
    "subject",
    "jwks_json",
    "jwks_uri",
    "app_id",
    "policy",
    "policy_name",
    "key",
    "binding_workspace_ids",
    "request_id",
    "dashboard_type",
    "major_version",
    "credential_info",
    "aws_iam_role",
    "azure_service_principal",
    "client_secret",
    "isolation_mode",
    "read_only",
    "comment",
    "network_connectivity_config_id",
    "private_access_settings_id",
    "managed_services_customer_managed_key_id",
    "network_id",
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
        json!("*"),
        json!("vpce-0"),
        json!("arn:aws:kms:us-west-2:1:key/k"),
        json!("RESTRICTED_ACCESS"),
        json!(["STORAGE", "MANAGED_SERVICES"]),
        json!({"restriction_mode": "FULL_ACCESS"}),
        json!({"access_connector_id": "a"}),
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

/// Sends one request (its request line and headers, then `body`) on a connection of its own;
/// the whole answer as text, `None` when the connection closed without one.
async fn exchange(base: &str, head: &str, body: &str) -> Option<String> {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
    let request = format!("{head}\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    Some(String::from_utf8_lossy(&raw).into_owned())
}

/// The request line and headers of an account API call.
fn api_head(method: &str, target: &str, token: &str) -> String {
    format!("{method} {target} HTTP/1.1\r\nauthorization: Bearer {token}\r\ncontent-type: application/json")
}

/// The JSON body of an answer (null when it has none).
fn json_of(answer: &str) -> Value {
    serde_json::from_str(answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")).unwrap_or(Value::Null)
}

/// Sends a request; `None` when the connection closed without an HTTP answer.
async fn send(base: &str, method: &str, target: &str, token: &str, body: &str) -> Option<u16> {
    let answer = exchange(base, &api_head(method, target, token), body).await?;
    answer.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

async fn json_call(base: &str, method: &str, target: &str, token: &str, body: &Value) -> Value {
    json_of(&exchange(base, &api_head(method, target, token), &body.to_string()).await.expect("an answer"))
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

/// An access token of the fake's service principal.
async fn sign_in(fake: &FakeAccount) -> String {
    let c = fake.config();
    let form = format!("grant_type=client_credentials&client_id={}&client_secret={}", c.client_id, c.client_secret);
    let head = format!("POST /oidc/accounts/{}/v1/token HTTP/1.1\r\ncontent-type: application/x-www-form-urlencoded", c.account_id);
    let answer = exchange(&fake.base_url(), &head, &form).await.expect("the token endpoint answers");
    json_of(&answer)["access_token"].as_str().expect("a token").to_string()
}

/// Odd query strings, each tried on every list and read.
const QUERIES: &[&str] = &[
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
    "update_mask=",
    "update_mask=*",
    "etag=%2B%2F%3D",
    "name=",
    "name=accounts",
    "force=maybe",
    "filter_by.creator_user_id=x",
    "filter_by.policy_name=%00&sort_spec.field=POLICY_NAME&sort_spec.descending=maybe",
    "dashboard_type=USAGE_DASHBOARD_TYPE_GLOBAL&workspace_id=x",
    "policy_id=Bad%20Id",
    "resource=accounts",
];

/// A run of the fuzz against one fake: what crashed it or got a 5xx, from a fixed seed.
struct Fuzz {
    base: String,
    token: String,
    rng: Rng,
    rounds: u64,
    failures: Vec<String>,
}

impl Fuzz {
    /// FUZZ_SEED and FUZZ_ROUNDS explore further by hand; the defaults keep the test quick.
    fn new(base: &str, token: &str) -> Fuzz {
        let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let rng = Rng(env("FUZZ_SEED").unwrap_or(0x5EED_F00D_1234_5678) | 1);
        let rounds = env("FUZZ_ROUNDS").unwrap_or(120);
        Fuzz { base: base.to_string(), token: token.to_string(), rng, rounds, failures: Vec::new() }
    }

    async fn expect_answer(&mut self, method: &str, target: &str, body: &str) {
        match send(&self.base, method, target, &self.token, body).await {
            Some(status) if status < 500 => {}
            other => self.failures.push(format!("{method} {target} {body} → {other:?}")),
        }
    }

    /// Each endpoint with no body, broken JSON, other JSON types, then its valid body mutated.
    async fn writes(&mut self, endpoints: &[(&str, String, Value)]) {
        for (method, path, template) in endpoints {
            for round in 0..self.rounds {
                let body = match round {
                    0 => String::new(),
                    1 => "{\"unterminated\": ".into(),
                    2 => "[]".into(),
                    3 => "\"text\"".into(),
                    4 => "null".into(),
                    _ => {
                        let mut body = template.clone();
                        for _ in 0..=self.rng.below(3) {
                            mutate(&mut body, &mut self.rng);
                        }
                        body.to_string()
                    }
                };
                self.expect_answer(method, path, &body).await;
            }
        }
    }

    /// Every odd query on every read.
    async fn reads(&mut self, reads: &[String]) {
        for path in reads {
            for query in QUERIES {
                self.expect_answer("GET", &format!("{path}?{query}"), "").await;
            }
        }
    }

    /// Every delete, twice: once of what exists, then of what is gone.
    async fn deletes(&mut self, deletes: &[String]) {
        for _ in 0..2 {
            for path in deletes {
                self.expect_answer("DELETE", path, "").await;
            }
        }
    }

    fn assert_clean(&self) {
        assert!(self.failures.is_empty(), "{} requests crashed or failed with 5xx:\n{}", self.failures.len(), self.failures.join("\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_input_crashes_the_fake() {
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let base = fake.base_url();
    let a = fake.config().account_id.clone();
    let t = sign_in(&fake).await;

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

    let mut fuzz = Fuzz::new(&base, &t);
    fuzz.writes(&endpoints).await;

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
    fuzz.reads(&reads).await;
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
    fuzz.deletes(&deletes).await;
    // The token endpoint with odd forms and headers.
    for body in ["", "grant_type", "grant_type=client_credentials&client_id=%FF", "&&&==", "scope=%00&grant_type=client_credentials"] {
        if !matches!(send(&base, "POST", &format!("/oidc/accounts/{a}/v1/token"), &t, body).await, Some(status) if status < 500) {
            fuzz.failures.push(format!("token {body}"));
        }
    }
    fuzz.assert_clean();
    // And the fake still answers normally afterwards.
    assert_eq!(send(&base, "GET", &s("Users"), &t, "").await, Some(200));
}

/// The families of the Examples seed beyond identity: provisioning and networking, settings and
/// rule sets, federation, published apps, budget policies, dashboards, storage credentials and IP
/// list updates, each with a valid body mutated at random, odd queries and double deletes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_input_crashes_the_other_families() {
    use fake_account::example_ids::*;
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }).await.unwrap();
    let (base, a) = (fake.base_url(), fake.config().account_id.clone());
    let t = sign_in(&fake).await;
    let acc = |rest: &str| format!("/api/2.0/accounts/{a}/{rest}");
    let v2_1 = |rest: &str| format!("/api/2.1/accounts/{a}/{rest}");
    let rule_sets = format!("/api/2.0/preview/accounts/{a}/access-control/rule-sets");
    let setting = acc("settings/types/dcp_acct_enable/names/default");
    let etag = json_call(&base, "GET", &setting, &t, &Value::Null).await["etag"].clone();
    let account_rules = format!("accounts/{a}/ruleSets/default");
    let rule_etag = json_call(&base, "GET", &format!("{rule_sets}?name={account_rules}"), &t, &Value::Null).await["etag"].clone();
    let rules = acc(&format!("network-connectivity-configs/{NETWORK_CONNECTIVITY_CONFIG}/private-endpoint-rules"));
    let sp_policies = acc(&format!("servicePrincipals/{NIGHTLY_ETL}/federationPolicies"));
    let credentials = acc(&format!("metastores/{METASTORE}/storage-credentials"));
    let workspace = json!({"workspace_name": "w", "aws_region": "us-west-2", "credentials_id": CREDENTIAL, "storage_configuration_id": STORAGE_CONFIGURATION,
        "custom_tags": {"a": "b"}, "compute_mode": "HYBRID", "pricing_tier": "PREMIUM", "network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG});
    let access = json!({"private_access_settings_name": "p", "region": "us-west-2", "private_access_level": "ENDPOINT",
        "public_access_enabled": true, "allowed_vpc_endpoint_ids": [VPC_ENDPOINT]});
    let oidc = json!({"issuer": "https://idp", "audiences": ["a"], "subject_claim": "sub"});
    let policy = json!({"network_policy_id": "p", "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS"}},
        "ingress": {"public_access": {"restriction_mode": "FULL_ACCESS"}}});
    let budget = json!({"policy_name": "b", "custom_tags": [{"key": "k", "value": "v"}], "binding_workspace_ids": [ANALYTICS_PROD]});
    let lists = json!({"label": "l", "list_type": "ALLOW", "ip_addresses": ["10.0.0.0/8"], "enabled": true});
    let endpoints: Vec<(&str, String, Value)> = vec![
        ("POST", acc("workspaces"), workspace),
        (
            "PATCH",
            acc(&format!("workspaces/{ANALYTICS_PROD}?update_mask=workspace_name,custom_tags,network_id")),
            json!({"workspace_name": "x", "custom_tags": {}, "network_id": NETWORK}),
        ),
        (
            "POST",
            acc("storage-configurations"),
            json!({"storage_configuration_name": "s", "root_bucket_info": {"bucket_name": "b"}, "role_arn": "arn:aws:iam::1:role/r"}),
        ),
        ("POST", acc("private-access-settings"), access.clone()),
        ("PUT", acc(&format!("private-access-settings/{PRIVATE_ACCESS_SETTINGS}")), access),
        ("POST", acc("vpc-endpoints"), json!({"vpc_endpoint_name": "e", "aws_vpc_endpoint_id": "vpce-1", "region": "us-west-2"})),
        (
            "POST",
            acc("vpc-endpoints"),
            json!({"vpc_endpoint_name": "e", "gcp_vpc_endpoint_info": {"project_id": "p", "psc_endpoint_name": "n", "endpoint_region": "r"}}),
        ),
        (
            "POST",
            acc("customer-managed-keys"),
            json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:1:key/k", "key_alias": "a", "reuse_key_for_cluster_volumes": false}}),
        ),
        (
            "POST",
            acc("customer-managed-keys"),
            json!({"use_cases": ["MANAGED_SERVICES"], "azure_key_info": {"key_vault_uri": "https://v", "key_name": "k"}}),
        ),
        (
            "POST",
            acc("networks"),
            json!({"network_name": "net-2", "vpc_id": "v", "subnet_ids": ["a", "b"], "security_group_ids": ["s"], "vpc_endpoints": {"rest_api": [VPC_ENDPOINT], "dataplane_relay": []}}),
        ),
        ("POST", acc("network-connectivity-configs"), json!({"name": "ncc", "region": "us-west-2"})),
        ("POST", rules.clone(), json!({"endpoint_service": "com.amazonaws.us-west-2.s3", "resource_names": ["b"]})),
        ("POST", rules.clone(), json!({"resource_id": "/subscriptions/s", "group_id": "blob"})),
        (
            "PATCH",
            format!("{rules}/{PRIVATE_ENDPOINT_RULE}?update_mask=resource_names,enabled,gcp_endpoint.service_attachment"),
            json!({"resource_names": ["c"], "enabled": false, "gcp_endpoint": {"service_attachment": "s"}}),
        ),
        ("POST", acc("network-policies"), policy.clone()),
        ("PUT", acc(&format!("network-policies/{NETWORK_POLICY}")), policy),
        (
            "PUT",
            acc(&format!("workspaces/{ANALYTICS_PROD}/network")),
            json!({"workspace_id": ANALYTICS_PROD, "network_policy_id": NETWORK_POLICY}),
        ),
        (
            "PATCH",
            setting.clone(),
            json!({"allow_missing": true, "field_mask": "personal_compute.value", "setting": {"etag": etag, "personal_compute": {"value": "DELEGATE"}}}),
        ),
        (
            "PUT",
            rule_sets,
            json!({"name": account_rules, "rule_set": {"name": account_rules, "etag": rule_etag, "grant_rules": [{"role": "roles/billing.admin", "principals": ["users/ada.lovelace@example.com"]}]}}),
        ),
        ("POST", acc("federationPolicies?policy_id=p"), json!({"description": "d", "oidc_policy": oidc})),
        (
            "PATCH",
            acc(&format!("federationPolicies/{FEDERATION_POLICY}?update_mask=oidc_policy.audiences,description")),
            json!({"description": "d", "oidc_policy": oidc}),
        ),
        ("PATCH", acc(&format!("federationPolicies/{FEDERATION_POLICY}")), json!({"oidc_policy": oidc})),
        ("POST", sp_policies.clone(), json!({"oidc_policy": {"issuer": "https://idp", "subject": "s"}})),
        (
            "PATCH",
            format!("{sp_policies}/{SERVICE_PRINCIPAL_FEDERATION_POLICY}?update_mask=oidc_policy"),
            json!({"oidc_policy": {"issuer": "https://idp", "subject": "s"}}),
        ),
        (
            "POST",
            acc("oauth2/published-app-integrations"),
            json!({"app_id": "databricks-cli", "token_access_policy": {"access_token_ttl_in_minutes": 60}}),
        ),
        (
            "PATCH",
            acc(&format!("oauth2/published-app-integrations/{PUBLISHED_APP_INTEGRATION}")),
            json!({"token_access_policy": {"refresh_token_ttl_in_minutes": 600}}),
        ),
        ("POST", v2_1("budget-policies"), json!({"policy": budget, "request_id": "r"})),
        ("PATCH", v2_1(&format!("budget-policies/{BUDGET_POLICY}")), budget),
        (
            "POST",
            acc("dashboard"),
            json!({"dashboard_type": "USAGE_DASHBOARD_TYPE_GLOBAL", "major_version": "USAGE_DASHBOARD_MAJOR_VERSION_2", "workspace_id": SANDBOX}),
        ),
        (
            "POST",
            credentials.clone(),
            json!({"credential_info": {"name": "c", "aws_iam_role": {"role_arn": "arn:aws:iam::1:role/r"}, "comment": "c", "read_only": true}, "skip_validation": true}),
        ),
        ("POST", credentials.clone(), json!({"credential_info": {"name": "g", "databricks_gcp_service_account": {}}})),
        (
            "PUT",
            format!("{credentials}/{STORAGE_CREDENTIAL}"),
            json!({"credential_info": {"comment": "c", "owner": "o", "isolation_mode": "ISOLATION_MODE_OPEN", "azure_managed_identity": {"access_connector_id": "a"}}}),
        ),
        ("PATCH", acc(&format!("ip-access-lists/{IP_ACCESS_LIST}")), lists.clone()),
        ("PUT", acc(&format!("ip-access-lists/{IP_ACCESS_LIST}")), lists),
    ];
    let mut fuzz = Fuzz::new(&base, &t);
    fuzz.writes(&endpoints).await;
    let reads = [
        acc(&format!("workspaces/{ANALYTICS_PROD}")),
        acc(&format!("workspaces/{ANALYTICS_PROD}/network")),
        acc("private-access-settings"),
        acc("vpc-endpoints"),
        acc("customer-managed-keys"),
        acc("network-connectivity-configs"),
        rules.clone(),
        format!("{rules}/{PRIVATE_ENDPOINT_RULE}"),
        acc("network-policies"),
        setting.clone(),
        format!("/api/2.0/preview/accounts/{a}/access-control/rule-sets"),
        format!("/api/2.0/preview/accounts/{a}/access-control/assignable-roles"),
        acc("federationPolicies"),
        sp_policies.clone(),
        acc("oauth2/published-apps"),
        acc("oauth2/published-app-integrations"),
        v2_1("budget-policies"),
        acc("dashboard"),
        credentials.clone(),
        format!("{credentials}/{STORAGE_CREDENTIAL}"),
    ];
    fuzz.reads(&reads).await;
    let deletes = [
        acc(&format!("workspaces/{SANDBOX}")),
        acc(&format!("storage-configurations/{UNUSED_STORAGE_CONFIGURATION}")),
        acc(&format!("private-access-settings/{PRIVATE_ACCESS_SETTINGS}")),
        acc(&format!("vpc-endpoints/{VPC_ENDPOINT}")),
        acc(&format!("customer-managed-keys/{CUSTOMER_MANAGED_KEY}")),
        format!("{rules}/{PRIVATE_ENDPOINT_RULE}"),
        acc(&format!("network-connectivity-configs/{NETWORK_CONNECTIVITY_CONFIG}")),
        acc(&format!("network-policies/{NETWORK_POLICY}")),
        format!("{setting}?etag=stale"),
        setting,
        acc(&format!("federationPolicies/{FEDERATION_POLICY}")),
        format!("{sp_policies}/{SERVICE_PRINCIPAL_FEDERATION_POLICY}"),
        acc(&format!("oauth2/published-app-integrations/{PUBLISHED_APP_INTEGRATION}")),
        v2_1(&format!("budget-policies/{BUDGET_POLICY}")),
        format!("{credentials}/{STORAGE_CREDENTIAL}?force=maybe"),
        format!("{credentials}/{STORAGE_CREDENTIAL}?force=true"),
        acc("workspaces/0"),
    ];
    fuzz.deletes(&deletes).await;
    fuzz.assert_clean();
}
