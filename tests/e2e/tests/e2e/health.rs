//! Connection health and secret rotation: `check-connection` reports each check on its own
//! (token, service principal, secret expiry with days left), `rotate-service-principal-secret`
//! creates, confirms, then deletes, within Databricks' limit of 5 secrets.

use e2e::{Env, SENTINEL_SECRET, scenario};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const DAY: u64 = 86_400;

fn expire_in(env: &Env, seconds: u64) {
    let sp = env.fake.service_principal_id();
    assert!(env.fake.set_secret_expiry(&sp, env.fake.connection_secret_id(), SystemTime::now() + Duration::from_secs(seconds)));
}

#[scenario]
async fn check_connection_reports_token_principal_and_secret_expiry() {
    let env = Env::demo().await;
    // 45 days and a half from now: 45 whole days left, no warning at the default 30.
    expire_in(&env, 45 * DAY + DAY / 2);
    env.clear();
    let health = env.ok("check-connection", json!({})).await;
    assert_eq!(env.token_requests().len(), 1, "a token is minted");
    assert_eq!(
        e2e::summary(&env.api_requests()),
        [
            format!("GET {}", env.api(&format!("scim/v2/ServicePrincipals/{}", env.fake.service_principal_id()))),
            format!("GET {}", env.api(&format!("servicePrincipals/{}/credentials/secrets", env.fake.service_principal_id()))),
        ]
    );
    assert_eq!((health["healthy"].as_bool(), health["needs_attention"].as_bool()), (Some(true), Some(false)));
    assert_eq!(health["token"]["status"], "passed");
    let sp = &health["service_principal"];
    assert_eq!(sp["status"], "passed");
    assert_eq!(sp["display_name"], "workflow-automation");
    assert_eq!(sp["application_id"], env.fake.config().client_id);
    assert_eq!((sp["active"].as_bool(), sp["is_account_admin"].as_bool()), (Some(true), Some(true)));
    let secret = &health["secret"];
    assert_eq!(secret["status"], "passed");
    assert_eq!(secret["secret_id"], env.fake.connection_secret_id());
    assert_eq!(secret["secret_status"], "ACTIVE");
    assert_eq!(secret["days_left"], 45);
    assert!(secret["expire_time"].as_str().unwrap().ends_with('Z'));

    // Within the warning window: a warning, still healthy.
    expire_in(&env, 10 * DAY + 3600);
    let health = env.ok("check-connection", json!({"warn_days": 14})).await;
    assert_eq!(health["secret"]["status"], "warning");
    assert_eq!(health["secret"]["days_left"], 10);
    assert!(health["secret"]["message"].as_str().unwrap().contains("expires in 10 days"));
    assert_eq!((health["healthy"].as_bool(), health["needs_attention"].as_bool()), (Some(true), Some(true)));
    // Same secret, a narrower window: no warning.
    let health = env.ok("check-connection", json!({"warn_days": 7})).await;
    assert_eq!(health["secret"]["status"], "passed");
}

#[scenario]
async fn check_connection_reports_a_missing_secret_a_non_admin_and_a_failed_sign_in_separately() {
    let env = Env::demo().await;
    let mut connection = env.connection.clone();
    connection["auth"]["oauth_m2m"]["secret_id"] = json!("ffffffffffffffffffffffffffffffff");
    let health = env.run_with("check-connection", &connection, json!({})).await.unwrap();
    assert_eq!(health["token"]["status"], "passed");
    assert_eq!(health["service_principal"]["status"], "passed");
    assert_eq!(health["secret"]["status"], "failed");
    assert!(health["secret"]["error"]["not_found"]["message"].as_str().unwrap().contains("ffffffffffffffffffffffffffffffff"));
    assert_eq!(health["healthy"], false);

    // No service principal ID: it is found by the client ID as its application ID.
    connection["auth"]["oauth_m2m"]["service_principal_id"] = Value::Null;
    connection["auth"]["oauth_m2m"]["secret_id"] = Value::Null;
    env.clear();
    let health = env.run_with("check-connection", &connection, json!({})).await.unwrap();
    let lookup = &env.api_requests()[0];
    assert_eq!(lookup.query_value("filter"), Some(format!("applicationId eq \"{}\"", env.fake.config().client_id).as_str()));
    assert_eq!(health["service_principal"]["id"], env.fake.service_principal_id());
    assert_eq!(health["secret"]["status"], "skipped");

    // Not an account admin any more: a warning on the principal check.
    env.ok("revoke-account-admin", json!({"kind": "service_principal", "id": env.fake.service_principal_id()})).await;
    let health = env.ok("check-connection", json!({})).await;
    assert_eq!(health["service_principal"]["status"], "warning");
    assert_eq!(health["service_principal"]["is_account_admin"], false);

    // A wrong secret: the token check fails, the others are skipped, and the card still answers.
    let mut wrong = env.connection.clone();
    wrong["auth"]["oauth_m2m"]["client_secret"] = json!(format!("{SENTINEL_SECRET}-wrong"));
    let health = env.run_with("check-connection", &wrong, json!({})).await.unwrap();
    assert_eq!(health["token"]["status"], "failed");
    assert!(health["token"]["error"]["unauthenticated"].is_object(), "{health}");
    assert_eq!((health["service_principal"]["status"].as_str(), health["secret"]["status"].as_str()), (Some("skipped"), Some("skipped")));
    assert_eq!(health["healthy"], false);
}

#[scenario]
async fn check_connection_fails_an_expired_secret_and_works_with_a_scim_token() {
    let env = Env::demo().await;
    let sp = env.fake.service_principal_id();
    // Create a second secret so that the connection still signs in, then point the connection at
    // the first one, expired three days ago less an hour (Databricks keeps listing expired
    // secrets). The hour keeps the test off the day boundary: days left are rounded down, so an
    // expiry exactly three days ago reads -4 as soon as a second has passed.
    let created = env.ok("create-service-principal-secret", json!({"service_principal_id": sp})).await;
    let mut connection = env.connection.clone();
    connection["auth"]["oauth_m2m"]["client_secret"] = created["secret"].clone();
    let expired_id = env.fake.connection_secret_id();
    assert!(env.fake.set_secret_expiry(&sp, expired_id, SystemTime::now() - Duration::from_secs(3 * DAY - 3600)));
    let health = env.run_with("check-connection", &connection, json!({})).await.unwrap();
    assert_eq!(health["secret"]["status"], "failed");
    assert_eq!(health["secret"]["days_left"], -3);
    assert!(health["secret"]["message"].as_str().unwrap().contains("expired"));

    let scim = Env::start(fake_account::Seed::Demo, e2e::Login::ScimToken).await;
    let health = scim.ok("check-connection", json!({})).await;
    assert_eq!(health["token"]["status"], "passed");
    assert_eq!(scim.single_api_request().path, format!("/api/2.1/accounts/{}/scim/v2/Users", scim.account_id()));
    assert_eq!((health["service_principal"]["status"].as_str(), health["secret"]["status"].as_str()), (Some("skipped"), Some("skipped")));
}

#[scenario]
async fn rotate_creates_confirms_then_deletes_the_old_secret() {
    let env = Env::demo().await;
    let sp = env.fake.service_principal_id();
    env.clear();
    let rotated = env.ok("rotate-service-principal-secret", json!({"lifetime_days": 90, "delete_old": true})).await;
    let secrets_path = env.api(&format!("servicePrincipals/{sp}/credentials/secrets"));
    assert_eq!(
        e2e::summary(&env.api_requests()),
        [
            format!("GET {secrets_path}"),
            format!("GET {}", env.api(&format!("scim/v2/ServicePrincipals/{sp}"))),
            format!("POST {secrets_path}"),
            format!("DELETE {secrets_path}/{}", env.fake.connection_secret_id()),
        ]
    );
    assert_eq!(env.api_requests()[2].body, Some(json!({"lifetime": "7776000s"})));
    // The confirmation signed in with the new secret before the old one was deleted.
    let tokens = env.token_requests();
    let new_secret = rotated["new_secret"]["secret"].as_str().unwrap();
    assert_eq!(tokens.len(), 2, "the connection's token, then the confirmation");
    let basic = tokens[1].header("authorization").unwrap();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD.decode(basic.trim_start_matches("Basic ")).unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), format!("{}:{new_secret}", env.fake.config().client_id));
    assert_eq!(rotated["confirmed"], true);
    assert_eq!(rotated["client_id"], env.fake.config().client_id);
    assert_eq!(rotated["deleted_secret_id"], env.fake.connection_secret_id());
    assert_eq!(rotated["confirm_error"], Value::Null);

    // The old secret no longer signs in (tokens it minted may live on until they expire); the new one does.
    let old = env.ok("check-connection", json!({})).await;
    assert_eq!((old["healthy"].as_bool(), old["token"]["status"].as_str()), (Some(false), Some("failed")), "{old}");
    let mut rotated_connection = env.connection.clone();
    rotated_connection["auth"]["oauth_m2m"]["client_secret"] = json!(new_secret);
    rotated_connection["auth"]["oauth_m2m"]["secret_id"] = rotated["new_secret"]["id"].clone();
    let health = env.run_with("check-connection", &rotated_connection, json!({})).await.unwrap();
    // 90 days from creation, less the moments since (whole seconds on both sides).
    let days_left = health["secret"]["days_left"].as_i64().unwrap();
    assert!((89..=90).contains(&days_left), "{health}");
}

#[scenario]
async fn rotate_refuses_at_the_limit_of_five_and_keeps_the_old_secret_by_default() {
    let env = Env::demo().await;
    let sp = env.fake.service_principal_id();
    let kept = env.ok("rotate-service-principal-secret", json!({})).await;
    assert_eq!((kept["confirmed"].as_bool(), kept["deleted_secret_id"].clone()), (Some(true), Value::Null));
    for _ in 0..3 {
        env.ok("create-service-principal-secret", json!({"service_principal_id": sp})).await;
    }
    env.clear();
    let (case, payload) = env.err("rotate-service-principal-secret", json!({"delete_old": true})).await;
    assert_eq!(case, "conflict");
    assert_eq!(payload["error_code"], "QUOTA_EXCEEDED");
    let message = payload["message"].as_str().unwrap();
    assert!(message.contains("5 OAuth secrets") && message.contains(env.fake.connection_secret_id()), "{message}");
    assert!(env.api_requests().iter().all(|r| r.method == "GET"), "nothing was created or deleted");

    for (input, field) in [
        (json!({"lifetime_days": 731}), "lifetime-days"),
        (json!({"lifetime_days": 0}), "lifetime-days"),
        (json!({"service_principal_id": "x/../1"}), "service-principal-id"),
        (json!({"service_principal_id": "4211000000063352", "delete_old": true}), "old-secret-id"),
    ] {
        let (case, payload) = env.err("rotate-service-principal-secret", input.clone()).await;
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some(field)), "{input}");
    }
}
