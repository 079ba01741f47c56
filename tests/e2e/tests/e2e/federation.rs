//! Federation policies (workload identity federation): the account's and a service principal's,
//! from creation to deletion, with the update mask made from what the input gives and the OIDC
//! settings checked before any request.

use e2e::{Env, Login, scenario};
use fake_account::Seed;
use serde_json::json;

const GITLAB: &str = "https://gitlab.example.com";

#[scenario]
async fn an_account_federation_policy_from_creation_to_deletion() {
    let env = Env::empty().await;
    let policies = env.api("federationPolicies");
    env.clear();
    let created = env
        .ok(
            "create-account-federation-policy",
            json!({"policy_id": "gitlab-ci", "description": "GitLab CI", "oidc_policy": {"issuer": GITLAB, "audiences": [GITLAB]}}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", policies.as_str()));
    assert_eq!(request.query, [("policy_id".to_string(), "gitlab-ci".to_string())], "a chosen ID goes in the query");
    assert_eq!(request.body.unwrap(), json!({"description": "GitLab CI", "oidc_policy": {"issuer": GITLAB, "audiences": [GITLAB]}}));
    assert_eq!(created["policy_id"], "gitlab-ci");
    assert_eq!(created["name"], format!("accounts/{}/federationPolicies/gitlab-ci", env.account_id()));
    assert_eq!((created["oidc_policy"]["issuer"].as_str(), created["oidc_policy"]["audiences"].clone()), (Some(GITLAB), json!([GITLAB])));
    assert!(created["create_time"].as_str().is_some_and(|t| t.ends_with('Z')), "{created}");

    env.clear();
    let listed = env.ok("list-account-federation-policies", json!({})).await;
    let request = env.single_api_request();
    assert_eq!((request.path.as_str(), request.query_value("page_size")), (policies.as_str(), Some("100")));
    assert_eq!(listed["policies"], json!([created]));
    env.clear();
    assert_eq!(env.ok("get-account-federation-policy", json!({"policy_id": "gitlab-ci"})).await, created);
    assert_eq!(env.single_api_request().path, format!("{policies}/gitlab-ci"));

    env.clear();
    let described = env.ok("update-account-federation-policy", json!({"policy_id": "gitlab-ci", "description": "GitLab CI (prod)"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.clone()), ("PATCH", format!("{policies}/gitlab-ci")));
    assert_eq!(request.query, [("update_mask".to_string(), "description".to_string())], "the mask names what is given");
    assert_eq!(request.body.unwrap(), json!({"description": "GitLab CI (prod)"}));
    assert_eq!((described["description"].as_str(), described["oidc_policy"].clone()), (Some("GitLab CI (prod)"), created["oidc_policy"].clone()));
    env.clear();
    let reissued = env
        .ok("update-account-federation-policy", json!({"policy_id": "gitlab-ci", "oidc_policy": {"issuer": "https://gitlab.com", "subject_claim": "user_login"}}))
        .await;
    assert_eq!(env.single_api_request().query_value("update_mask"), Some("oidc_policy"));
    assert_eq!(
        reissued["oidc_policy"],
        json!({"issuer": "https://gitlab.com", "audiences": [], "subject": null, "subject_claim": "user_login", "jwks_uri": null, "jwks_json": null}),
        "replaced whole: the audiences are gone"
    );

    env.clear();
    assert_eq!(env.ok("delete-account-federation-policy", json!({"policy_id": "gitlab-ci"})).await, json!({"id": "gitlab-ci"}));
    assert_eq!(e2e::summary(&env.api_requests()), [format!("DELETE {policies}/gitlab-ci")]);
    assert_eq!(env.err("get-account-federation-policy", json!({"policy_id": "gitlab-ci"})).await.0, "not_found");
}

#[scenario]
async fn a_service_principal_policy_lets_one_workload_act_as_it() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let sp = fake_account::example_ids::NIGHTLY_ETL;
    let policies = env.api(&format!("servicePrincipals/{sp}/federationPolicies"));
    let oidc = json!({"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:example-org/etl:ref:refs/heads/main"});
    env.clear();
    let created = env.ok("create-service-principal-federation-policy", json!({"service_principal_id": sp, "oidc_policy": oidc})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str(), request.query.len()), ("POST", policies.as_str(), 0), "no ID chosen");
    assert_eq!(request.body.unwrap(), json!({"oidc_policy": oidc}));
    let id = created["policy_id"].as_str().unwrap().to_string();
    assert_eq!(created["service_principal_id"], json!(sp.parse::<i64>().unwrap()), "the principal's SCIM ID, a number");
    assert_eq!(created["oidc_policy"]["subject"], oidc["subject"]);

    let listed = env.ok("list-service-principal-federation-policies", json!({"service_principal_id": sp})).await;
    let ids: Vec<&str> = listed["policies"].as_array().unwrap().iter().map(|p| p["policy_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [fake_account::example_ids::SERVICE_PRINCIPAL_FEDERATION_POLICY, id.as_str()]);
    env.clear();
    let got = env.ok("get-service-principal-federation-policy", json!({"service_principal_id": sp, "policy_id": id})).await;
    assert_eq!((env.single_api_request().path, got), (format!("{policies}/{id}"), created.clone()));

    env.clear();
    let moved = json!({"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:example-org/etl:environment:prod"});
    let updated = env.ok("update-service-principal-federation-policy", json!({"service_principal_id": sp, "policy_id": id, "oidc_policy": moved})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.query_value("update_mask")), ("PATCH", Some("oidc_policy")));
    assert_eq!(request.body.unwrap(), json!({"oidc_policy": moved}));
    assert_eq!(updated["oidc_policy"]["subject"], moved["subject"]);

    env.clear();
    assert_eq!(env.ok("delete-service-principal-federation-policy", json!({"service_principal_id": sp, "policy_id": id})).await, json!({"id": id}));
    assert_eq!(e2e::summary(&env.api_requests()), [format!("DELETE {policies}/{id}")]);
    let (case, _) = env.err("list-service-principal-federation-policies", json!({"service_principal_id": "4211000000000000"})).await;
    assert_eq!(case, "not_found", "a service principal the account does not have");
}

#[scenario]
async fn oidc_settings_are_checked_before_any_request() {
    let env = Env::empty().await;
    let sp = env.fake.service_principal_id();
    let jwks = r#"{"keys": [{"kty": "RSA", "kid": "1", "n": "xyz", "e": "AQAB"}]}"#;
    let cases = [
        ("create-account-federation-policy", json!({"oidc_policy": {"issuer": "http://gitlab.example.com"}}), "oidc-policy.issuer"),
        ("create-account-federation-policy", json!({"oidc_policy": {"issuer": "gitlab"}}), "oidc-policy.issuer"),
        ("create-account-federation-policy", json!({"oidc_policy": {"issuer": GITLAB, "audiences": [" "]}}), "oidc-policy.audiences"),
        (
            "create-account-federation-policy",
            json!({"oidc_policy": {"issuer": GITLAB, "jwks_uri": "https://gitlab.example.com/keys", "jwks_json": jwks}}),
            "oidc-policy.jwks-json",
        ),
        ("create-account-federation-policy", json!({"oidc_policy": {"issuer": GITLAB, "jwks_json": "[1, 2]"}}), "oidc-policy.jwks-json"),
        ("create-account-federation-policy", json!({"policy_id": "../x", "oidc_policy": {"issuer": GITLAB}}), "policy-id"),
        ("update-account-federation-policy", json!({"policy_id": "gitlab-ci"}), "policy-id"),
        (
            "create-service-principal-federation-policy",
            json!({"service_principal_id": sp, "oidc_policy": {"issuer": GITLAB, "subject": ""}}),
            "oidc-policy.subject",
        ),
        ("get-service-principal-federation-policy", json!({"service_principal_id": "nightly", "policy_id": "x"}), "service-principal-id"),
    ];
    env.clear();
    for (card, input, field) in cases {
        let (case, error) = env.err(card, input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{card}: {error}");
    }
    assert!(env.fake.requests().is_empty(), "nothing was sent");
    let inline = env.ok("create-account-federation-policy", json!({"oidc_policy": {"issuer": GITLAB, "jwks_json": jwks}})).await;
    assert_eq!(inline["oidc_policy"]["jwks_json"], jwks, "a JWKS document is taken as it is");
}
