//! Signing in: the OAuth M2M token request, token reuse within a run, bad
//! credentials, the SCIM token (SCIM only, on /api/2.1), and connection checks.

use base64::Engine as _;
use e2e::{Env, Login, SENTINEL_SCIM_TOKEN, SENTINEL_SECRET, scenario};
use fake_account::Seed;
use serde_json::json;

#[scenario]
async fn m2m_mints_one_token_per_connection_with_basic_auth() {
    let env = Env::empty().await;
    env.clear();
    let user = env.ok("create-user", json!({"user_name": "tok@example.com"})).await;
    // update-user sends two API requests (PATCH, GET); the harness shares the first run's token
    // with every later run of the same connection.
    env.ok("update-user", json!({"id": user["id"], "display_name": "Tok"})).await;
    env.ok("get-user", json!({"id": user["id"]})).await;
    let tokens = env.token_requests();
    assert_eq!(tokens.len(), 1, "one token request for three runs of one connection");
    let token_request = &tokens[0];
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.path, format!("/oidc/accounts/{}/v1/token", env.account_id()));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", env.fake.config().client_id, SENTINEL_SECRET));
    assert_eq!(token_request.header("authorization"), Some(format!("Basic {basic}").as_str()));
    let form: Vec<(String, String)> = token_request
        .raw_body
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    assert_eq!(form, [("grant_type".into(), "client_credentials".into()), ("scope".into(), "all-apis".into())]);

    let api = env.api_requests();
    assert_eq!(api.len(), 4, "POST, PATCH and GET of update-user, GET");
    for request in &api {
        let bearer = request.header("authorization").unwrap();
        assert!(bearer.starts_with("Bearer ") && !bearer.contains(SENTINEL_SECRET), "{bearer}");
    }
    assert_eq!(api[0].header("authorization"), api[1].header("authorization"));
}

#[scenario]
async fn m2m_asks_for_the_connections_scopes() {
    let env = Env::empty().await;
    let mut connection = env.connection.clone();
    connection["auth"]["oauth_m2m"]["scopes"] = json!(["scim", "offline_access"]);
    env.clear();
    env.run_with("list-users", &connection, json!({})).await.unwrap();
    assert!(env.token_requests()[0].raw_body.contains("scope=scim+offline_access"), "{}", env.token_requests()[0].raw_body);
}

#[scenario]
async fn a_wrong_secret_is_unauthenticated_and_nothing_else_is_sent() {
    let env = Env::empty().await;
    let mut connection = env.connection.clone();
    connection["auth"]["oauth_m2m"]["client_secret"] = json!(format!("{SENTINEL_SECRET}-wrong"));
    env.clear();
    let error = env.run_with("list-users", &connection, json!({})).await.unwrap_err();
    let (case, payload) = e2e::error_case(&error);
    assert_eq!(case, "unauthenticated");
    assert_eq!(payload["error_code"], "invalid_client");
    assert_eq!(payload["status"], 401);
    assert!(payload["message"].as_str().unwrap().contains("token endpoint"), "{payload}");
    assert!(env.api_requests().is_empty(), "no API call without a token");
}

#[scenario]
async fn a_scim_token_runs_identity_cards_on_the_2_1_scim_path() {
    let env = Env::start(Seed::Empty, Login::ScimToken).await;
    env.clear();
    let user = env.ok("create-user", json!({"user_name": "scim@example.com"})).await;
    let id = user["id"].as_str().unwrap();
    let group = env.ok("create-group", json!({"display_name": "scim-group"})).await;
    env.ok("add-group-member", json!({"group_id": group["id"], "member_id": id})).await;
    let list = env.ok("list-users", json!({"filter": "userName eq \"scim@example.com\""})).await;
    assert_eq!(list["total_results"], 1);
    env.ok("delete-group", json!({"id": group["id"]})).await;
    env.ok("delete-user", json!({"id": id})).await;

    assert!(env.token_requests().is_empty(), "a SCIM token needs no token endpoint");
    let prefix = format!("/api/2.1/accounts/{}/scim/v2/", env.account_id());
    for request in env.api_requests() {
        assert!(request.path.starts_with(&prefix), "{}", request.path);
        assert_eq!(request.header("authorization"), Some(format!("Bearer {SENTINEL_SCIM_TOKEN}").as_str()));
    }
}

#[scenario]
async fn a_bad_connection_is_refused_before_any_request() {
    let env = Env::empty().await;
    env.clear();
    let cases = [
        ("/account_id", json!("not-a-uuid"), "connection.account-id"),
        ("/host_override", json!("http://127.0.0.1:1/api"), "connection.host-override"),
        ("/host_override", json!("ftp://127.0.0.1"), "connection.host-override"),
        ("/auth/oauth_m2m/client_id", json!(" "), "connection.auth.oauth-m2m.client-id"),
        ("/auth/oauth_m2m/client_secret", json!(""), "connection.auth.oauth-m2m.client-secret"),
    ];
    for (pointer, value, field) in cases {
        let mut connection = env.connection.clone();
        *connection.pointer_mut(pointer).unwrap() = value;
        let error = env.run_with("list-users", &connection, json!({})).await.unwrap_err();
        let (case, payload) = e2e::error_case(&error);
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some(field)), "{pointer}");
    }
    let scim = json!({"cloud": "aws", "account_id": env.account_id(), "auth": {"scim_token": {"token": ""}}, "host_override": env.fake.base_url()});
    let (case, payload) = e2e::error_case(&env.run_with("get-user", &scim, json!({"id": "1"})).await.unwrap_err());
    assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("connection.auth.scim-token.token")));
    assert!(env.fake.requests().is_empty(), "nothing reached the account");
}

#[scenario]
async fn an_expired_token_is_unauthenticated_with_databricks_message() {
    // Tokens that expire as soon as they are issued: the account refuses them with
    // Databricks' current expiry answer (401 "Token is expired").
    let config = fake_account::FakeConfig { seed: Seed::Empty, token_ttl: std::time::Duration::ZERO, ..Default::default() };
    let env = Env::with_config(config, Login::OAuthM2m).await;
    let (case, error) = env.err("list-users", json!({})).await;
    assert_eq!(case, "unauthenticated");
    assert_eq!(error["status"], 401);
    assert_eq!(error["message"], "Token is expired");
}

/// One token per connection, however many runs are in flight; never one connection's token for
/// another; a token the account stopped accepting is minted again.
#[scenario]
async fn runs_in_flight_share_one_token_per_connection_and_only_per_connection() {
    let env = Env::demo().await;
    env.clear();
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (harness, connection, options) = (env.harness.clone(), env.connection.clone(), env.options.clone());
        runs.spawn(async move { harness.run("get-user", &connection, &json!({"id": fake_account::example_ids::ADA}), &options).await });
    }
    while let Some(run) = runs.join_next().await {
        assert!(run.unwrap().unwrap().is_ok());
    }
    assert_eq!(env.token_requests().len(), 1, "forty cold runs, one token");

    let mut narrower = env.connection.clone();
    narrower["auth"]["oauth_m2m"]["scopes"] = json!(["scim"]);
    env.run_with("get-user", &narrower, json!({"id": fake_account::example_ids::ADA})).await.unwrap();
    assert_eq!(env.token_requests().len(), 2, "other scopes, another token");
    let tokens: Vec<String> = env.api_requests().iter().filter_map(|r| r.header("authorization").map(str::to_string)).collect();
    assert_eq!(tokens.iter().collect::<std::collections::BTreeSet<_>>().len(), 2, "two connections, two bearer tokens");

    env.fake.expire_all_tokens();
    env.ok("get-user", json!({"id": fake_account::example_ids::ADA})).await;
    assert_eq!(env.token_requests().len(), 3, "the refused token is not handed out again");
    let last = env.token_requests().pop().unwrap();
    assert_eq!(last.header("cache-control"), Some("no-cache"), "the guest asks past the shared token");
}
