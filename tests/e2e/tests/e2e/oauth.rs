//! Service principal secrets: create (returned once, and it signs in), list with
//! `page_token` paging, the 5-secret limit, delete. Published OAuth apps and the account's
//! integrations of them.

use e2e::{Env, Login, scenario};
use fake_account::Seed;
use serde_json::json;

#[scenario]
async fn create_a_secret_that_signs_in_then_list_and_delete_it() {
    let env = Env::empty().await;
    let sp = env.fake.service_principal_id();
    let secrets_path = env.api(&format!("servicePrincipals/{sp}/credentials/secrets"));

    env.clear();
    let listed = env.ok("list-service-principal-secrets", json!({"service_principal_id": sp})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", secrets_path.as_str()));
    assert_eq!((request.query_value("page_size"), request.query_value("page_token")), (Some("100"), None));
    // The connection's own secret is there from the start; its value is never listed.
    assert_eq!(listed["secrets"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["secrets"][0]["id"], env.fake.connection_secret_id());
    assert_eq!(listed["secrets"][0]["secret"], serde_json::Value::Null);
    assert_eq!(listed["next_page_token"], serde_json::Value::Null);

    env.clear();
    let created = env.ok("create-service-principal-secret", json!({"service_principal_id": sp, "lifetime_days": 30})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", secrets_path.as_str()));
    assert_eq!(request.body.unwrap(), json!({"lifetime": "2592000s"}), "30 days as a protobuf duration");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.len() > 20, "{created}");
    assert_eq!(created["status"], "ACTIVE");
    assert!(created["expire_time"].as_str().is_some_and(|t| t.ends_with('Z')), "{created}");

    // The new secret is a working credential for the same client.
    let mut rotated = env.connection.clone();
    rotated["auth"]["oauth_m2m"]["client_secret"] = json!(secret);
    env.run_with("list-users", &rotated, json!({})).await.expect("the new secret signs in");

    let listed = env.ok("list-service-principal-secrets", json!({"service_principal_id": sp})).await;
    assert_eq!(listed["secrets"][1]["id"], created["id"]);
    assert_eq!(listed["secrets"][1]["expire_time"], created["expire_time"]);

    env.clear();
    let id = created["id"].as_str().unwrap();
    assert_eq!(env.ok("delete-service-principal-secret", json!({"service_principal_id": sp, "secret_id": id})).await, json!({"id": id}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", format!("{secrets_path}/{id}")));
    let health = env.run_with("check-connection", &rotated, json!({})).await.unwrap();
    assert_eq!(health["token"]["status"], "failed", "a deleted secret no longer signs in: {health}");
    let (case, _) = env.err("delete-service-principal-secret", json!({"service_principal_id": sp, "secret_id": id})).await;
    assert_eq!(case, "not_found");
}

#[scenario]
async fn secrets_page_by_token_and_stop_at_five() {
    let env = Env::empty().await;
    let sp = env.fake.service_principal_id();
    // Four more beside the connection's own make five.
    for _ in 0..4 {
        env.ok("create-service-principal-secret", json!({"service_principal_id": sp})).await;
    }
    let (case, error) = env.err("create-service-principal-secret", json!({"service_principal_id": sp})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("QUOTA_EXCEEDED")));

    env.clear();
    let first = env.ok("list-service-principal-secrets", json!({"service_principal_id": sp, "paging": {"page_size": 2}})).await;
    assert_eq!(first["secrets"].as_array().unwrap().len(), 2);
    let token = first["next_page_token"].as_str().unwrap().to_string();

    env.clear();
    let rest = env
        .ok(
            "list-service-principal-secrets",
            json!({"service_principal_id": sp, "paging": {"page_token": token, "page_size": 2, "all_pages": true}}),
        )
        .await;
    let tokens: Vec<Option<String>> = env.api_requests().iter().map(|r| r.query_value("page_token").map(str::to_string)).collect();
    assert_eq!(tokens.len(), 2, "pages 2 and 3: {tokens:?}");
    assert_eq!(tokens[0].as_deref(), Some(token.as_str()), "resumes from the caller's token");
    assert_eq!(rest["secrets"].as_array().unwrap().len(), 3);
    assert_eq!(rest["next_page_token"], serde_json::Value::Null);
}

#[scenario]
async fn bad_secret_inputs_are_refused_before_any_request() {
    let env = Env::empty().await;
    let sp = env.fake.service_principal_id();
    env.clear();
    for (card, input, field) in [
        ("create-service-principal-secret", json!({"service_principal_id": sp, "lifetime_days": 731}), "lifetime-days"),
        ("create-service-principal-secret", json!({"service_principal_id": sp, "lifetime_days": 0}), "lifetime-days"),
        ("list-service-principal-secrets", json!({"service_principal_id": "app-id-not-scim-id"}), "service-principal-id"),
        ("list-service-principal-secrets", json!({"service_principal_id": sp, "paging": {"page_size": 500}}), "paging.page-size"),
        ("delete-service-principal-secret", json!({"service_principal_id": sp, "secret_id": "../../x"}), "secret-id"),
    ] {
        let (case, error) = env.err(card, input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{card}");
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn a_custom_app_from_creation_to_deletion() {
    let env = Env::empty().await;
    let apps_path = env.api("oauth2/custom-app-integrations");
    env.clear();
    let created = env
        .ok(
            "create-custom-app-integration",
            json!({"name": "okta-sync", "redirect_urls": ["https://example.com/callback"], "confidential": true, "token_access_policy": {"refresh_token_ttl_in_minutes": 129600}}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", apps_path.as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"name": "okta-sync", "redirect_urls": ["https://example.com/callback"], "confidential": true, "scopes": ["all-apis"], "token_access_policy": {"refresh_token_ttl_in_minutes": 129600}}),
        "unset policy fields are left out, not sent as null"
    );
    assert!(created["client_secret"].as_str().is_some_and(|s| s.len() > 20), "a confidential app's secret, once: {created}");
    let id = created["integration_id"].as_str().unwrap().to_string();

    let public = env
        .ok("create-custom-app-integration", json!({"name": "cli", "redirect_urls": ["http://localhost:8020"], "confidential": false}))
        .await;
    assert_eq!(public["client_secret"], serde_json::Value::Null, "a public app has no secret");

    env.clear();
    let updated = env
        .ok("update-custom-app-integration", json!({"integration_id": id, "scopes": ["all-apis", "offline_access"], "token_access_policy": {"enable_single_use_refresh_tokens": true}}))
        .await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests), [format!("PATCH {apps_path}/{id}"), format!("GET {apps_path}/{id}")]);
    assert_eq!(
        requests[0].body.clone().unwrap(),
        json!({"scopes": ["all-apis", "offline_access"], "token_access_policy": {"enable_single_use_refresh_tokens": true}})
    );
    assert_eq!(updated["scopes"], json!(["all-apis", "offline_access"]));
    assert_eq!(updated["token_access_policy"]["refresh_token_ttl_in_minutes"], 129600, "untouched fields stay");
    assert_eq!(updated["token_access_policy"]["enable_single_use_refresh_tokens"], true);
    assert_eq!(updated["name"], "okta-sync");

    let page = env.ok("list-custom-app-integrations", json!({"paging": {"page_size": 1}})).await;
    assert_eq!(page["apps"].as_array().unwrap().len(), 1);
    let all = env.ok("list-custom-app-integrations", json!({"paging": {"page_size": 1, "all_pages": true}})).await;
    assert_eq!(all["apps"].as_array().unwrap().len(), 2);
    assert_eq!(env.ok("get-custom-app-integration", json!({"integration_id": id})).await, updated);

    env.clear();
    assert_eq!(env.ok("delete-custom-app-integration", json!({"integration_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().method, "DELETE");
    assert_eq!(env.err("get-custom-app-integration", json!({"integration_id": id})).await.0, "not_found");
}

#[scenario]
async fn bad_app_inputs_are_refused_before_any_request() {
    let env = Env::empty().await;
    env.clear();
    let app = |extra: serde_json::Value| {
        let mut input = json!({"name": "x", "redirect_urls": ["https://example.com/cb"], "confidential": true});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        input
    };
    for (card, input, field) in [
        ("create-custom-app-integration", app(json!({"redirect_urls": []})), "redirect-urls"),
        ("create-custom-app-integration", app(json!({"redirect_urls": ["ftp://example.com"]})), "redirect-urls"),
        ("create-custom-app-integration", app(json!({"scopes": ["admin"]})), "scopes"),
        (
            "create-custom-app-integration",
            app(json!({"token_access_policy": {"access_token_ttl_in_minutes": 2}})),
            "token-access-policy.access-token-ttl-in-minutes",
        ),
        (
            "create-custom-app-integration",
            app(json!({"token_access_policy": {"refresh_token_ttl_in_minutes": 200000}})),
            "token-access-policy.refresh-token-ttl-in-minutes",
        ),
        ("update-custom-app-integration", json!({"integration_id": "abc"}), "integration-id"),
        ("get-custom-app-integration", json!({"integration_id": "../x"}), "integration-id"),
    ] {
        let (case, error) = env.err(card, input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{card}");
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn enable_a_published_app_and_change_its_token_lifetimes() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let apps = env.api("oauth2/published-apps");
    let integrations = env.api("oauth2/published-app-integrations");
    env.clear();
    let first = env.ok("list-published-apps", json!({"paging": {"page_size": 2}})).await;
    let request = env.single_api_request();
    assert_eq!((request.path.as_str(), request.query_value("page_size"), request.query_value("page_token")), (apps.as_str(), Some("2"), None));
    assert_eq!(first["apps"].as_array().unwrap().len(), 2);
    assert!(first["next_page_token"].is_string(), "more remain: {first}");
    let all = env.ok("list-published-apps", json!({"paging": {"all_pages": true}})).await;
    let tableau = all["apps"].as_array().unwrap().iter().find(|a| a["app_id"] == "tableau-desktop").expect("Tableau Desktop is published");
    assert_eq!(
        tableau,
        &json!({"app_id": "tableau-desktop", "client_id": "tableau-desktop", "name": "Tableau Desktop", "description": "Tableau Desktop",
                "is_confidential_client": false, "redirect_urls": ["http://localhost:55555/Callback"], "scopes": ["all-apis", "offline_access"]})
    );

    env.clear();
    let created = env.ok("create-published-app-integration", json!({"app_id": "tableau-desktop", "token_access_policy": {"access_token_ttl_in_minutes": 30}})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", integrations.as_str()));
    assert_eq!(request.body.unwrap(), json!({"app_id": "tableau-desktop", "token_access_policy": {"access_token_ttl_in_minutes": 30}}));
    let id = created["integration_id"].as_str().unwrap().to_string();
    assert_eq!(created, json!({"integration_id": id}));

    env.clear();
    let listed = env.ok("list-published-app-integrations", json!({})).await;
    assert_eq!((env.single_api_request().query_value("page_size"), listed["next_page_token"].clone()), (Some("100"), json!(null)));
    let app_ids: Vec<&str> = listed["integrations"].as_array().unwrap().iter().map(|i| i["app_id"].as_str().unwrap()).collect();
    assert_eq!(app_ids, ["power-bi", "tableau-desktop"]);
    let got = env.ok("get-published-app-integration", json!({"integration_id": id})).await;
    assert_eq!((got["integration_id"].as_str(), got["app_id"].as_str(), got["name"].as_str()), (Some(id.as_str()), Some("tableau-desktop"), Some("Tableau Desktop")));
    assert_eq!(got["token_access_policy"]["access_token_ttl_in_minutes"], 30);
    assert!(got["created_by"].is_i64() && got["create_time"].is_string(), "{got}");

    env.clear();
    let item = format!("{integrations}/{id}");
    let updated = env.ok("update-published-app-integration", json!({"integration_id": id, "token_access_policy": {"refresh_token_ttl_in_minutes": 600}})).await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests), [format!("PATCH {item}"), format!("GET {item}")], "Databricks answers {{}}: read back");
    assert_eq!(requests[0].body.clone().unwrap(), json!({"token_access_policy": {"refresh_token_ttl_in_minutes": 600}}));
    let policy = &updated["token_access_policy"];
    assert_eq!((policy["access_token_ttl_in_minutes"].clone(), policy["refresh_token_ttl_in_minutes"].clone()), (json!(30), json!(600)));

    env.clear();
    let (case, error) = env.err("update-published-app-integration", json!({"integration_id": id, "token_access_policy": {}})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("token-access-policy")));
    let (case, error) = env.err("create-published-app-integration", json!({"app_id": "power-bi", "token_access_policy": {"access_token_ttl_in_minutes": 2}})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("token-access-policy.access-token-ttl-in-minutes")));
    assert!(env.fake.requests().is_empty(), "refused before any request");
    assert_eq!(env.err("create-published-app-integration", json!({"app_id": "power-bi"})).await.0, "conflict", "power-bi is enabled already");

    env.clear();
    assert_eq!(env.ok("delete-published-app-integration", json!({"integration_id": id})).await, json!({"id": id}));
    assert_eq!(e2e::summary(&env.api_requests()), [format!("DELETE {item}")]);
    assert_eq!(env.err("get-published-app-integration", json!({"integration_id": id})).await.0, "not_found");

    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    env.clear();
    let (case, _) = e2e::error_case(&env.run_with("list-published-apps", &azure, json!({})).await.unwrap_err());
    assert_eq!(case, "unsupported", "Azure signs partner tools in through Entra ID");
    assert!(env.fake.requests().is_empty());
}
