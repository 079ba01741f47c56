//! The fake account over real HTTP: the token endpoint, bearer rules, SCIM semantics,
//! paging, errors, the journal and faults, each as the Databricks reference describes
//! them. The client is a few lines of HTTP/1.1 over a socket so that nothing between the
//! test and the server rewrites what goes on the wire.

use base64::Engine as _;
use fake_account::{FakeAccount, FakeConfig, Fault, FaultAction, Seed};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Decodes a `Transfer-Encoding: chunked` body.
fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        raw = &rest[size + 2..];
    }
    out
}

async fn send(fake: &FakeAccount, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let address = fake.base_url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let mut request = format!("{method} {target} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8(raw).expect("UTF-8 answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status");
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Reply { status, headers, body }
}

fn basic(fake: &FakeAccount) -> String {
    let c = fake.config();
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.client_id, c.client_secret)))
}

fn token_path(fake: &FakeAccount) -> String {
    format!("/oidc/accounts/{}/v1/token", fake.config().account_id)
}

async fn token(fake: &FakeAccount) -> String {
    let form = [("content-type", "application/x-www-form-urlencoded"), ("authorization", &basic(fake))];
    let reply = send(fake, "POST", &token_path(fake), &form, "grant_type=client_credentials&scope=all-apis").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["access_token"].as_str().unwrap().to_string()
}

/// An account API call with a bearer token and an optional JSON body.
async fn api(fake: &FakeAccount, token: &str, method: &str, target: &str, body: Option<Value>) -> Reply {
    let bearer = format!("Bearer {token}");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    send(fake, method, target, &[("authorization", &bearer), ("content-type", "application/json")], &body).await
}

fn scim(fake: &FakeAccount, version: &str, rest: &str) -> String {
    format!("/api/{version}/accounts/{}/scim/v2/{rest}", fake.config().account_id)
}

async fn empty() -> FakeAccount {
    FakeAccount::start(FakeConfig { seed: Seed::Empty, ..FakeConfig::default() }).await.unwrap()
}

// The account API families beyond identity, one module each (under `tests/http/`).
#[path = "http/access.rs"]
mod access;
#[path = "http/billing_catalog.rs"]
mod billing_catalog;
#[path = "http/networking.rs"]
mod networking;
#[path = "http/oauth_apps.rs"]
mod oauth_apps;
#[path = "http/provisioning.rs"]
mod provisioning;

/// A signed-in caller of one fake account.
struct Caller {
    fake: FakeAccount,
    token: String,
}

impl Caller {
    /// A fake account with this seed, and a token for it.
    async fn new(seed: Seed) -> Caller {
        Caller::with(FakeConfig { seed, ..FakeConfig::default() }).await
    }

    async fn with(config: FakeConfig) -> Caller {
        let fake = FakeAccount::start(config).await.unwrap();
        let token = token(&fake).await;
        Caller { fake, token }
    }

    fn account_id(&self) -> String {
        self.fake.config().account_id.clone()
    }

    /// `method` on `/api/2.0/accounts/{account_id}/{rest}`.
    async fn call(&self, method: &str, rest: &str, body: Option<Value>) -> Reply {
        self.at(method, &format!("/api/2.0/accounts/{}/{rest}", self.account_id()), body).await
    }

    /// `method` on a whole path.
    async fn at(&self, method: &str, target: &str, body: Option<Value>) -> Reply {
        api(&self.fake, &self.token, method, target, body).await
    }
}

impl Reply {
    /// The status and JSON body, for one assertion on both.
    fn answer(&self) -> (u16, Value) {
        (self.status, self.json())
    }
}

/// Databricks' standard error body.
fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"error_code": code, "message": message}))
}

#[tokio::test]
async fn token_endpoint_speaks_oauth_client_credentials() {
    let fake = empty().await;
    let c = fake.config().clone();
    let form = ("content-type", "application/x-www-form-urlencoded");

    // client_secret_basic, default scope.
    let reply = send(&fake, "POST", &token_path(&fake), &[form, ("authorization", &basic(&fake))], "grant_type=client_credentials").await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64(), body["scope"].as_str()),
        (Some("Bearer"), Some(3600), Some("all-apis"))
    );
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));

    // client_secret_post, with a scope.
    let post =
        format!("grant_type=client_credentials&client_id={}&client_secret={}&scope=scim+offline_access", c.client_id, c.client_secret);
    let reply = send(&fake, "POST", &token_path(&fake), &[form], &post).await;
    assert_eq!((reply.status, reply.json()["scope"].as_str()), (200, Some("scim offline_access")));

    // A wrong secret, no credentials, another account: the client is unknown there.
    let wrong = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:nope", c.client_id)));
    let other = "/oidc/accounts/00000000-0000-0000-0000-000000000000/v1/token";
    for (path, auth) in [(token_path(&fake), wrong.as_str()), (token_path(&fake), ""), (other.to_string(), basic(&fake).as_str())] {
        let headers: Vec<(&str, &str)> = if auth.is_empty() { vec![form] } else { vec![form, ("authorization", auth)] };
        let reply = send(&fake, "POST", &path, &headers, "grant_type=client_credentials").await;
        assert_eq!(reply.status, 401, "{path} {auth}");
        assert_eq!(reply.json(), json!({"error": "invalid_client", "error_description": "Client authentication failed"}));
    }

    let reply = send(&fake, "POST", &token_path(&fake), &[form, ("authorization", &basic(&fake))], "grant_type=password&username=a").await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("unsupported_grant_type")));

    // Every request is journaled, the form body as raw text.
    let journal = fake.requests();
    assert_eq!(journal.len(), 6);
    assert_eq!(journal[1].raw_body, post);
    assert_eq!(journal[0].header("Authorization"), Some(basic(&fake).as_str()));
    assert!(journal[0].headers.iter().all(|(k, _)| *k == k.to_ascii_lowercase()));
}

#[tokio::test]
async fn discovery_and_host_metadata_point_at_the_fake() {
    let fake = empty().await;
    let a = fake.config().account_id.clone();
    let base = fake.base_url();
    for well_known in ["oauth-authorization-server", "openid-configuration"] {
        let reply = send(&fake, "GET", &format!("/oidc/accounts/{a}/.well-known/{well_known}"), &[], "").await;
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(body["token_endpoint"], format!("{base}/oidc/accounts/{a}/v1/token"));
        assert_eq!(body["issuer"], format!("{base}/oidc/accounts/{a}"));
        assert!(body["authorization_endpoint"].as_str().unwrap().starts_with(&base));
    }
    let meta = send(&fake, "GET", "/.well-known/databricks-config", &[], "").await.json();
    assert_eq!(meta["account_id"], a.as_str());
    assert_eq!(meta["oidc_endpoint"], format!("{base}/oidc/accounts/{{account_id}}"));
    let unknown = send(&fake, "GET", "/oidc/accounts/nope/.well-known/oauth-authorization-server", &[], "").await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn bearer_rules_oauth_scim_token_and_expiry() {
    let fake = empty().await;
    let c = fake.config().clone();
    let users = |version: &str| scim(&fake, version, "Users");

    let reply = send(&fake, "GET", &users("2.0"), &[], "").await;
    assert_eq!((reply.status, reply.json()["error_code"].as_str()), (401, Some("UNAUTHENTICATED")));
    let reply = api(&fake, "dapi-not-issued", "GET", &users("2.0"), None).await;
    assert_eq!((reply.status, reply.json()["error_code"].as_str()), (401, Some("UNAUTHENTICATED")));

    // OAuth tokens work on both SCIM paths and elsewhere.
    let oauth = token(&fake).await;
    for path in [users("2.0"), users("2.1"), format!("/api/2.0/accounts/{}/ip-access-lists", c.account_id)] {
        assert_eq!(api(&fake, &oauth, "GET", &path, None).await.status, 200, "{path}");
    }
    assert_eq!(send(&fake, "GET", &users("2.0"), &[("authorization", &format!("bearer {oauth}"))], "").await.status, 200);

    // The SCIM token only on /api/2.1/…/scim/v2/.
    assert_eq!(api(&fake, &c.scim_token, "GET", &users("2.1"), None).await.status, 200);
    for path in [users("2.0"), format!("/api/2.0/accounts/{}/ip-access-lists", c.account_id)] {
        let reply = api(&fake, &c.scim_token, "GET", &path, None).await;
        assert_eq!((reply.status, reply.json()["error_code"].as_str()), (403, Some("PERMISSION_DENIED")), "{path}");
    }

    // Another account's path.
    let other = "/api/2.0/accounts/00000000-0000-0000-0000-000000000000/scim/v2/Users";
    let reply = api(&fake, &oauth, "GET", other, None).await;
    assert_eq!((reply.status, reply.json()["error_code"].as_str()), (403, Some("PERMISSION_DENIED")));

    // Expiry.
    fake.expire_all_tokens();
    let reply = api(&fake, &oauth, "GET", &users("2.0"), None).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"error_code": "UNAUTHENTICATED", "message": "Token is expired"}));
    let fresh = token(&fake).await;
    assert_ne!(fresh, oauth, "tokens are random");
    assert_eq!(api(&fake, &fresh, "GET", &users("2.0"), None).await.status, 200);
}

#[tokio::test]
async fn a_zero_ttl_issues_expired_tokens() {
    let fake =
        FakeAccount::start(FakeConfig { seed: Seed::Empty, token_ttl: std::time::Duration::ZERO, ..Default::default() }).await.unwrap();
    let oauth = token(&fake).await;
    let reply = api(&fake, &oauth, "GET", &scim(&fake, "2.0", "Users"), None).await;
    assert_eq!((reply.status, reply.json()["message"].as_str()), (401, Some("Token is expired")));
}

#[tokio::test]
async fn scim_users_groups_and_memberships() {
    let fake = empty().await;
    let t = token(&fake).await;
    let users = scim(&fake, "2.0", "Users");
    let groups = scim(&fake, "2.0", "Groups");

    let created = api(&fake, &t, "POST", &users, Some(json!({"userName": "grace@example.com", "name": {"givenName": "Grace"}}))).await;
    assert_eq!(created.status, 201);
    let user = created.json();
    let uid = user["id"].as_str().unwrap().to_string();
    assert!(uid.len() == 16 && uid.bytes().all(|b| b.is_ascii_digit()), "{uid}");
    assert_eq!(user["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:User"]));
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_eq!(user["emails"][0]["value"], "grace@example.com");
    assert_eq!(user["active"], true);

    let dup = api(&fake, &t, "POST", &users, Some(json!({"userName": "GRACE@example.com"}))).await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json()["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));

    let group = api(&fake, &t, "POST", &groups, Some(json!({"displayName": "Navy", "members": [{"value": uid}]}))).await.json();
    let gid = group["id"].as_str().unwrap().to_string();
    assert_eq!(api(&fake, &t, "POST", &groups, Some(json!({"displayName": "navy"}))).await.status, 409);

    // LIST omits members; GET shows them with display and $ref; the user shows the group.
    let listed = api(&fake, &t, "GET", &format!("{groups}?filter=displayName%20eq%20%22Navy%22"), None).await.json();
    assert_eq!(listed["totalResults"], 1);
    assert!(listed["Resources"][0].get("members").is_none(), "{listed}");
    let got = api(&fake, &t, "GET", &format!("{groups}/{gid}"), None).await.json();
    assert_eq!(got["members"], json!([{"value": uid, "display": "grace@example.com", "$ref": format!("Users/{uid}")}]));
    let got_user = api(&fake, &t, "GET", &format!("{users}/{uid}"), None).await.json();
    assert_eq!(got_user["groups"][0]["value"], gid.as_str());
    assert_eq!(got_user["groups"][0]["$ref"], format!("Groups/{gid}"));

    // PATCH answers 204; active as TF sends it; a member that does not exist is 404.
    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let reply = api(
        &fake,
        &t,
        "PATCH",
        &format!("{users}/{uid}"),
        Some(patch(json!([{"op": "Replace", "path": "active", "value": [{"value": "false"}]}]))),
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (204, ""));
    assert_eq!(api(&fake, &t, "GET", &format!("{users}/{uid}"), None).await.json()["active"], false);
    let missing = api(
        &fake,
        &t,
        "PATCH",
        &format!("{groups}/{gid}"),
        Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": "9999"}]}]))),
    )
    .await;
    assert_eq!(missing.status, 404);
    let on_user = api(
        &fake,
        &t,
        "PATCH",
        &format!("{users}/{uid}"),
        Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": gid}]}]))),
    )
    .await;
    assert_eq!((on_user.status, on_user.json()["scimType"].as_str()), (400, Some("invalidPath")));

    // Invalid filter.
    let bad = api(&fake, &t, "GET", &format!("{users}?filter=userName%20eq"), None).await;
    assert_eq!((bad.status, bad.json()["scimType"].as_str()), (400, Some("invalidFilter")));

    // PUT wipes what it leaves out.
    let put = api(&fake, &t, "PUT", &format!("{users}/{uid}"), Some(json!({"userName": "grace@example.com", "displayName": "G"}))).await;
    assert_eq!(put.status, 200);
    let after = put.json();
    assert!(after.get("name").is_none(), "{after}");
    assert_eq!(after["displayName"], "G");

    // DELETE removes the user from its groups; then 404 with the SCIM error body.
    assert_eq!(api(&fake, &t, "DELETE", &format!("{users}/{uid}"), None).await.status, 204);
    assert_eq!(api(&fake, &t, "GET", &format!("{groups}/{gid}"), None).await.json()["members"], json!([]));
    let gone = api(&fake, &t, "GET", &format!("{users}/{uid}"), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json(),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": format!("User {uid} not found."), "status": "404"})
    );
    let snapshot = fake.snapshot();
    assert_eq!(snapshot["users"], json!([]));
    assert_eq!(snapshot["groups"][0]["displayName"], "Navy");
    assert_eq!(snapshot["service_principals"][0]["id"], fake.service_principal_id().as_str());
}

#[tokio::test]
async fn scim_paging_sorting_and_attributes() {
    let fake = empty().await;
    fake.insert_users(250, "page");
    let t = token(&fake).await;
    let users = scim(&fake, "2.0", "Users");

    let first = api(&fake, &t, "GET", &format!("{users}?startIndex=1&count=1000"), None).await.json();
    assert_eq!(
        (first["totalResults"].as_u64(), first["itemsPerPage"].as_u64(), first["startIndex"].as_u64()),
        (Some(250), Some(100), Some(1))
    );
    assert_eq!(first["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
    let last = api(&fake, &t, "GET", &format!("{users}?startIndex=201&count=100"), None).await.json();
    assert_eq!(last["Resources"].as_array().unwrap().len(), 50);
    let past = api(&fake, &t, "GET", &format!("{users}?startIndex=251&count=100"), None).await.json();
    assert_eq!(past["Resources"], json!([]));

    let sorted =
        api(&fake, &t, "GET", &format!("{users}?sortBy=userName&sortOrder=descending&count=2&attributes=userName"), None).await.json();
    assert_eq!(sorted["Resources"][0]["userName"], "page-0250@example.com");
    assert_eq!(sorted["Resources"][1]["userName"], "page-0249@example.com");
    assert_eq!(sorted["Resources"][0].as_object().unwrap().len(), 3, "id, schemas, userName: {sorted}");

    let filtered =
        api(&fake, &t, "GET", &format!("{users}?filter=userName+sw+%22page-01%22+and+active+eq+true&count=5"), None).await.json();
    assert_eq!(filtered["totalResults"], 100);
    let journal = fake.requests();
    let last = journal.last().unwrap();
    assert_eq!(last.query_value("filter"), Some(r#"userName sw "page-01" and active eq true"#));
    assert_eq!(last.query_value("count"), Some("5"));
}

#[tokio::test]
async fn unknown_endpoints_request_ids_and_faults() {
    let fake = empty().await;
    let t = token(&fake).await;
    let reply = api(&fake, &t, "GET", "/api/2.0/accounts/x/nothing-here", None).await;
    assert_eq!((reply.status, reply.json()["error_code"].as_str()), (404, Some("ENDPOINT_NOT_FOUND")));
    assert!(reply.header("x-request-id").is_some_and(|id| !id.is_empty()));
    let users = scim(&fake, "2.0", "Users");
    let reply = api(&fake, &t, "DELETE", &users, None).await;
    assert_eq!((reply.status, reply.json()["error_code"].as_str()), (404, Some("ENDPOINT_NOT_FOUND")), "a method the path lacks");
    let reply = api(&fake, &t, "GET", &scim(&fake, "2.0", "Widgets"), None).await;
    assert_eq!(reply.status, 404);

    // A fault twice, then the normal answer; every request still journaled.
    fake.clear_requests();
    fake.push_fault(
        Fault::new(
            "/scim/v2/Users",
            FaultAction::json(503, json!({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}), &[("retry-after", "3")]),
        )
        .method("GET")
        .times(2),
    );
    for _ in 0..2 {
        let reply = api(&fake, &t, "GET", &users, None).await;
        assert_eq!((reply.status, reply.header("retry-after")), (503, Some("3")));
        assert!(reply.header("x-request-id").is_some());
    }
    assert_eq!(
        api(&fake, &t, "POST", &users, Some(json!({"userName": "f@example.com"}))).await.status,
        201,
        "another method is not faulted"
    );
    assert_eq!(api(&fake, &t, "GET", &users, None).await.status, 200);
    fake.push_fault(Fault::new("/Users", FaultAction::raw(502, "text/html", "<html><pre>bad gateway</pre></html>")));
    let html = api(&fake, &t, "GET", &users, None).await;
    assert_eq!(
        (html.status, html.header("content-type"), html.body.as_str()),
        (502, Some("text/html"), "<html><pre>bad gateway</pre></html>")
    );
    assert_eq!(fake.requests().len(), 5);
    assert_eq!(fake.faults_injected(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_served() {
    let fake = std::sync::Arc::new(empty().await);
    let t = token(&fake).await;
    let mut tasks = Vec::new();
    for n in 0..24 {
        let (fake, t) = (fake.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let users = scim(&fake, "2.0", "Users");
            api(&fake, &t, "POST", &users, Some(json!({"userName": format!("c{n}@example.com")}))).await.json()["id"]
                .as_str()
                .unwrap()
                .to_string()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 24);
    assert_eq!(fake.snapshot()["users"].as_array().unwrap().len(), 24);
}

#[tokio::test]
async fn demo_seed_and_connections() {
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let snapshot = fake.snapshot();
    assert!(snapshot["users"].as_array().unwrap().len() >= 3);
    assert!(snapshot["groups"].as_array().unwrap().iter().all(|g| g["members"].as_array().is_some_and(|m| !m.is_empty())));
    let sp = snapshot["service_principals"].as_array().unwrap().iter().find(|s| s["id"] == fake.service_principal_id().as_str()).unwrap();
    assert_eq!(sp["applicationId"], fake.config().client_id.as_str());
    assert_eq!(sp["active"], true);
    assert_eq!(sp["roles"], json!([{"value": "account_admin"}]));

    let m2m = fake.m2m_connection();
    assert_eq!(m2m["host_override"], fake.base_url());
    assert_eq!(m2m["auth"]["oauth_m2m"]["service_principal_id"], fake.service_principal_id().as_str());
    assert_eq!(m2m["auth"]["oauth_m2m"]["client_secret"], fake.config().client_secret.as_str());
    assert_eq!(fake.scim_token_connection()["auth"]["scim_token"]["token"], fake.config().scim_token.as_str());
    assert!(fake.base_url().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn a_metastore_assignment_is_updated_in_place() {
    use fake_account::example_ids::{ANALYTICS_PROD, METASTORE, SANDBOX};
    let fake = FakeAccount::start(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }).await.unwrap();
    let t = token(&fake).await;
    let a = fake.config().account_id.clone();
    let path = |workspace: &str, metastore: &str| format!("/api/2.0/accounts/{a}/workspaces/{workspace}/metastores/{metastore}");
    let sandbox = SANDBOX.to_string();

    // The Examples seed assigns the sandbox workspace with "main" as its default catalog.
    let body = json!({"metastore_assignment": {"workspace_id": SANDBOX, "metastore_id": METASTORE, "default_catalog_name": "analytics"}});
    let updated = api(&fake, &t, "PUT", &path(&sandbox, METASTORE), Some(body)).await;
    assert_eq!((updated.status, updated.json()), (200, json!({})));
    let read = api(&fake, &t, "GET", &format!("/api/2.0/accounts/{a}/workspaces/{SANDBOX}/metastore"), None).await;
    assert_eq!(
        (read.status, read.json()),
        (200, json!({"metastore_assignment": {"workspace_id": SANDBOX, "metastore_id": METASTORE, "default_catalog_name": "analytics"}}))
    );

    // Without a default catalog (or a body) nothing changes.
    let unchanged = api(&fake, &t, "PUT", &path(&sandbox, METASTORE), None).await;
    assert_eq!((unchanged.status, unchanged.json()), (200, json!({})));
    let read = api(&fake, &t, "GET", &format!("/api/2.0/accounts/{a}/workspaces/{SANDBOX}/metastore"), None).await;
    assert_eq!(read.json()["metastore_assignment"]["default_catalog_name"], "analytics");

    // A workspace with no assignment, or an assignment to another metastore, is not there to update.
    let other = "00000000-0000-4000-8000-000000000000";
    for (workspace, metastore) in [(ANALYTICS_PROD.to_string(), METASTORE), (sandbox.clone(), other)] {
        let missing = api(&fake, &t, "PUT", &path(&workspace, metastore), Some(json!({"metastore_assignment": {}}))).await;
        let message = format!("Metastore assignment of workspace {workspace} to metastore {metastore} does not exist.");
        assert_eq!((missing.status, missing.json()), (404, json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": message})));
    }
    let bad = api(&fake, &t, "PUT", &path("sandbox", METASTORE), None).await;
    assert_eq!(
        (bad.status, bad.json()),
        (400, json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "workspace_id must be a number"}))
    );
}

#[tokio::test]
async fn a_workspace_lists_its_permission_levels() {
    use fake_account::example_ids::ANALYTICS_PROD;
    let fake = FakeAccount::start(FakeConfig::default()).await.unwrap();
    let t = token(&fake).await;
    let a = fake.config().account_id.clone();
    let levels = |workspace: &str| format!("/api/2.0/accounts/{a}/workspaces/{workspace}/permissionassignments/permissions");

    let reply = api(&fake, &t, "GET", &levels(&ANALYTICS_PROD.to_string()), None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"permissions": [
            {"permission_level": "USER", "description": "Can access the workspace with basic privileges."},
            {"permission_level": "ADMIN", "description": "Can access the workspace and has workspace admin privileges to manage users and groups, workspace configurations, and more."},
        ]})
    );
    let missing = api(&fake, &t, "GET", &levels("42"), None).await;
    assert_eq!(
        (missing.status, missing.json()),
        (404, json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Workspace 42 does not exist."}))
    );
    let bad = api(&fake, &t, "GET", &levels("prod"), None).await;
    assert_eq!(
        (bad.status, bad.json()),
        (400, json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "workspace_id must be a number"}))
    );
}
