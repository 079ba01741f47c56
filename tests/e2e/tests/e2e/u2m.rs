//! Every way to connect: OAuth U2M through a custom app (login with PKCE, refresh,
//! rotation handed back), distinct token errors with no secret in any message, and every
//! cloud's account host and token URL.

use e2e::{Env, SENTINEL_SECRET, scenario};
use serde_json::{Value, json};

const REDIRECT: &str = "http://localhost:8020/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-u2m-test";

/// A custom app connection made through the connector itself; returns (client ID, secret).
async fn app(env: &Env, confidential: bool, single_use: bool) -> (String, Option<String>) {
    let created = env
        .ok(
            "create-custom-app-integration",
            json!({"name": "flows", "redirect_urls": [REDIRECT], "confidential": confidential,
                   "scopes": ["all-apis", "offline_access"],
                   "token_access_policy": {"access_token_ttl_in_minutes": 60, "refresh_token_ttl_in_minutes": 129600,
                                           "enable_single_use_refresh_tokens": single_use}}),
        )
        .await;
    (created["client_id"].as_str().unwrap().to_string(), created["client_secret"].as_str().map(str::to_string))
}

/// Signs in as the fake's test user: the authorization URL from the component, the browser's
/// redirect from the fake, the code exchange by the component. Returns the connection with tokens.
async fn login(env: &Env, client_id: &str, secret: Option<&str>) -> (Value, Value) {
    let mut connection = env.fake.u2m_connection(client_id, secret);
    let (verifier, challenge) = e2e::pkce(VERIFIER);
    let start = env
        .run_with("start-oauth-login", &connection, json!({"redirect_uri": REDIRECT, "state": "st-42", "code_challenge": challenge}))
        .await
        .unwrap();
    let url = start["authorization_url"].as_str().unwrap();
    let (status, location) = e2e::browser_get(url).await;
    assert_eq!(status, 302, "the fake signs the test user in and redirects");
    let location = location.unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    let query: Vec<(String, String)> = form_urlencoded_pairs(location.split_once('?').unwrap().1);
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("state").as_deref(), Some("st-42"));
    let code = get("code").expect("a code");
    let tokens = env
        .run_with("complete-oauth-login", &connection, json!({"code": code, "code_verifier": verifier, "redirect_uri": REDIRECT}))
        .await
        .unwrap();
    let auth = &mut connection["auth"]["oauth_u2m"];
    auth["refresh_token"] = tokens["refresh_token"].clone();
    auth["access_token"] = tokens["access_token"].clone();
    auth["access_token_expires_at"] = tokens["access_token_expires_at"].clone();
    (connection, tokens)
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%2F", "/").replace("%3A", ":").replace('+', " ")))
        .collect()
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// No error text may carry a token or a secret of any kind the fake issues.
fn assert_clean(error: &Value, secrets: &[&str]) {
    let text = error.to_string();
    for secret in secrets.iter().chain(&["doau-", "dapi-fake-", "code-", SENTINEL_SECRET]) {
        assert!(!text.contains(secret), "an error leaked {secret}: {text}");
    }
}

#[scenario]
async fn a_public_app_login_with_pkce_then_cards_run_as_the_person() {
    let env = Env::demo().await;
    let (client_id, secret) = app(&env, false, false).await;
    assert_eq!(secret, None);
    env.clear();
    let (connection, tokens) = login(&env, &client_id, None).await;

    // The authorization URL the component built.
    let authorize = env.fake.requests().into_iter().find(|r| r.path.ends_with("/v1/authorize")).unwrap();
    assert_eq!(authorize.path, format!("/oidc/accounts/{}/v1/authorize", env.account_id()));
    for (name, value) in [
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "all-apis offline_access"),
        ("state", "st-42"),
        ("code_challenge_method", "S256"),
        ("code_challenge", e2e::pkce(VERIFIER).1.as_str()),
    ] {
        assert_eq!(authorize.query_value(name), Some(value), "{name}");
    }
    // The exchange: a public client sends its ID in the form, no Authorization header.
    let exchange = env.token_requests().pop().unwrap();
    assert_eq!(exchange.header("authorization"), None);
    for expected in ["grant_type=authorization_code", &format!("client_id={client_id}"), "code_verifier=dBjftJeZ4CVP"] {
        assert!(exchange.raw_body.contains(expected), "{}", exchange.raw_body);
    }
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("doau-"));
    assert_eq!(tokens["refresh_token_rotated"], true, "new to the connection: store it");
    let expires = tokens["access_token_expires_at"].as_u64().unwrap();
    assert!((now() + 3590..=now() + 3600).contains(&expires), "an hour from now: {expires}");

    // Cards use the access token as it is: no token request.
    env.clear();
    let users = env.run_with("list-users", &connection, json!({})).await.unwrap();
    assert_eq!(users["total_results"], 3);
    assert!(env.token_requests().is_empty());
    assert_eq!(
        env.single_api_request().header("authorization"),
        Some(format!("Bearer {}", tokens["access_token"].as_str().unwrap()).as_str())
    );

    // A code works once.
    let health = env.run_with("check-connection", &connection, json!({})).await.unwrap();
    assert_eq!(health["token"]["status"], "passed");
    assert_eq!(health["service_principal"]["status"], "skipped");
}

#[scenario]
async fn cards_never_redeem_the_refresh_token_and_say_what_to_do() {
    let env = Env::demo().await;
    let (client_id, _) = app(&env, false, true).await;
    let (mut connection, _) = login(&env, &client_id, None).await;
    env.clear();
    for (access_token, expires_at) in [(Value::Null, Value::Null), (json!("dapi-fake-stale"), json!(now() - 10))] {
        connection["auth"]["oauth_u2m"]["access_token"] = access_token;
        connection["auth"]["oauth_u2m"]["access_token_expires_at"] = expires_at;
        let error = env.run_with("list-users", &connection, json!({})).await.unwrap_err();
        let (case, payload) = e2e::error_case(&error);
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some("connection.auth.oauth-u2m.access-token")));
        assert!(payload["reason"].as_str().unwrap().contains("refresh-oauth-tokens"));
        assert_clean(&error, &[]);
    }
    assert!(env.fake.requests().is_empty(), "nothing sent, no refresh token spent");
}

#[scenario]
async fn refresh_hands_back_a_rotated_refresh_token_and_the_old_one_stops_working() {
    let env = Env::demo().await;
    let (client_id, secret) = app(&env, true, true).await;
    let secret = secret.expect("a confidential app has a secret");
    let (mut connection, first) = login(&env, &client_id, Some(&secret)).await;
    let old_refresh = first["refresh_token"].as_str().unwrap().to_string();

    // Still valid for an hour: handed back as it is, without a request.
    env.clear();
    let same = env.run_with("refresh-oauth-tokens", &connection, json!({})).await.unwrap();
    assert!(env.fake.requests().is_empty());
    assert_eq!((same["access_token"].clone(), same["refresh_token_rotated"].clone()), (first["access_token"].clone(), json!(false)));

    env.clear();
    let rotated = env.run_with("refresh-oauth-tokens", &connection, json!({"force": true})).await.unwrap();
    let request = env.token_requests().pop().unwrap();
    assert!(request.header("authorization").unwrap().starts_with("Basic "), "a confidential app authenticates with Basic");
    assert!(request.raw_body.contains("grant_type=refresh_token"));
    assert_eq!(rotated["refresh_token_rotated"], true);
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(rotated["access_token"], first["access_token"]);

    // The old refresh token is spent: a distinct, clean error.
    let error = env.run_with("refresh-oauth-tokens", &connection, json!({"force": true})).await.unwrap_err();
    let (case, payload) = e2e::error_case(&error);
    assert_eq!((case.as_str(), payload["error_code"].as_str()), ("unauthenticated", Some("invalid_grant")));
    assert!(payload["message"].as_str().unwrap().contains("sign in again"));
    assert_clean(&error, &[&old_refresh, new_refresh, &secret]);

    // The stored new token works; then a revocation ends it with the same code.
    connection["auth"]["oauth_u2m"]["refresh_token"] = json!(new_refresh);
    env.run_with("refresh-oauth-tokens", &connection, json!({"force": true})).await.unwrap();
    env.fake.revoke_refresh_tokens();
    let error = env.run_with("refresh-oauth-tokens", &connection, json!({"force": true})).await.unwrap_err();
    assert_eq!(e2e::error_case(&error).1["error_code"], "invalid_grant");

    // A wrong app secret is a different code.
    connection["auth"]["oauth_u2m"]["client_secret"] = json!(format!("{SENTINEL_SECRET}-app"));
    let error = env.run_with("refresh-oauth-tokens", &connection, json!({"force": true})).await.unwrap_err();
    assert_eq!(e2e::error_case(&error).1["error_code"], "invalid_client");
    assert_clean(&error, &[&secret]);
}

#[scenario]
async fn login_mistakes_are_refused_clearly() {
    let env = Env::demo().await;
    let (client_id, _) = app(&env, false, false).await;
    let connection = env.fake.u2m_connection(&client_id, None);
    let (_, challenge) = e2e::pkce(VERIFIER);
    for (input, field) in [
        (json!({"redirect_uri": "http://evil.example/cb", "state": "s", "code_challenge": challenge}), "redirect-uri"),
        (json!({"redirect_uri": REDIRECT, "state": " ", "code_challenge": challenge}), "state"),
        (json!({"redirect_uri": REDIRECT, "state": "s", "code_challenge": "short"}), "code-challenge"),
    ] {
        let error = env.run_with("start-oauth-login", &connection, input).await.unwrap_err();
        assert_eq!(e2e::error_case(&error).1["field"], field);
    }
    // A code that was never issued (or a wrong verifier) is invalid_grant.
    let error = env
        .run_with("complete-oauth-login", &connection, json!({"code": "code-never", "code_verifier": VERIFIER, "redirect_uri": REDIRECT}))
        .await
        .unwrap_err();
    assert_eq!(e2e::error_case(&error).1["error_code"], "invalid_grant");
    // Login cards on an M2M connection are unsupported.
    let (case, _) = env.err("start-oauth-login", json!({"redirect_uri": REDIRECT, "state": "s", "code_challenge": challenge})).await;
    assert_eq!(case, "unsupported");
    // Refreshing before any login names the missing refresh token.
    let error = env.run_with("refresh-oauth-tokens", &connection, json!({})).await.unwrap_err();
    assert_eq!(e2e::error_case(&error).1["field"], "connection.auth.oauth-u2m.refresh-token");
}

#[scenario]
async fn token_errors_are_distinct_and_carry_no_secret() {
    // An expired SCIM token.
    let scim = Env::start(fake_account::Seed::Demo, e2e::Login::ScimToken).await;
    scim.fake.expire_scim_token();
    let (case, payload) = scim.err("list-users", json!({})).await;
    assert_eq!((case.as_str(), payload["error_code"].as_str()), ("unauthenticated", Some("expired_token")));
    assert!(payload["message"].as_str().unwrap().contains("SCIM token has expired"));

    // A U2M access token Databricks reports expired.
    let env = Env::demo().await;
    let (client_id, _) = app(&env, false, false).await;
    let (connection, _) = login(&env, &client_id, None).await;
    env.fake.expire_all_tokens();
    let error = env.run_with("list-users", &connection, json!({})).await.unwrap_err();
    let (case, payload) = e2e::error_case(&error);
    assert_eq!((case.as_str(), payload["error_code"].as_str()), ("unauthenticated", Some("expired_token")));
    assert!(payload["message"].as_str().unwrap().contains("refresh-oauth-tokens"));
    assert_clean(&error, &[]);

    // A wrong M2M secret; on Azure the error explains Entra ID secrets.
    let mut wrong = env.connection.clone();
    wrong["auth"]["oauth_m2m"]["client_secret"] = json!(format!("{SENTINEL_SECRET}-wrong"));
    let error = env.run_with("list-users", &wrong, json!({})).await.unwrap_err();
    let (case, payload) = e2e::error_case(&error);
    assert_eq!((case.as_str(), payload["error_code"].as_str()), ("unauthenticated", Some("invalid_client")));
    assert!(!payload["message"].as_str().unwrap().contains("Entra"), "not on AWS");
    wrong["cloud"] = json!("azure");
    let error = env.run_with("list-users", &wrong, json!({})).await.unwrap_err();
    let message = e2e::error_case(&error).1["message"].as_str().unwrap().to_string();
    assert!(message.contains("Microsoft Entra ID") && message.contains("Databricks OAuth secret"), "{message}");
    assert_clean(&error, &[]);
}

#[scenario]
async fn every_cloud_has_its_account_host_and_token_url() {
    let env = Env::demo().await;
    for (cloud, host) in [
        ("aws", "https://accounts.cloud.databricks.com"),
        ("azure", "https://accounts.azuredatabricks.net"),
        ("gcp", "https://accounts.gcp.databricks.com"),
        ("aws_gov", "https://accounts.cloud.databricks.us"),
        ("aws_gov_dod", "https://accounts-dod.cloud.databricks.us"),
    ] {
        // Without an override the first request goes to the cloud's token URL; the harness
        // (allowed only the fake) refuses it, and the refusal names what was tried.
        let mut connection = env.connection.clone();
        connection["cloud"] = json!(cloud);
        connection["host_override"] = Value::Null;
        let options = host_harness::RunOptions::default().with_allowed_origins([env.fake.base_url()]);
        let outcome = env.harness.run("list-users", &connection, &json!({}), &options).await.unwrap();
        let message = outcome.err().and_then(|e| e["transport"].as_str().map(str::to_string)).unwrap_or_default();
        assert!(message.contains(&format!("{host}/oidc/accounts/{}/v1/token", env.account_id())), "{cloud}: {message}");

        // Through the override, the same paths reach the fake (a private endpoint works the same way).
        // The token comes once: every cloud's connection here makes the same token request.
        connection["host_override"] = json!(env.fake.base_url());
        env.clear();
        env.run_with("list-users", &connection, json!({})).await.unwrap();
        let paths: Vec<String> = env.fake.requests().iter().map(|r| r.path.clone()).collect();
        let token = format!("/oidc/accounts/{}/v1/token", env.account_id());
        let expected = if cloud == "aws" { vec![token, env.api("scim/v2/Users")] } else { vec![env.api("scim/v2/Users")] };
        assert_eq!(paths, expected, "{cloud}");
    }
    // A private endpoint by host name rather than address.
    let mut private = env.connection.clone();
    private["host_override"] = json!(env.fake.base_url().replace("127.0.0.1", "localhost"));
    let options = host_harness::RunOptions::default();
    let outcome = env.harness.run("list-users", &private, &json!({}), &options).await.unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
}
