//! Federation policies, published OAuth apps and their integrations, a service principal's
//! SCIM PUT, and the updates of IP access lists.

use super::{Caller, error, scim};
use fake_account::Seed;
use fake_account::example_ids::*;
use serde_json::json;

#[tokio::test]
async fn federation_policies_of_the_account_and_of_a_service_principal() {
    let c = Caller::new(Seed::Examples).await;
    let a = c.account_id();
    let oidc = json!({"issuer": "https://idp.example.com", "audiences": ["databricks"]});
    let with_subject = json!({"oidc_policy": {"issuer": "https://idp.example.com", "subject": "ci"}});
    assert_eq!(
        c.call("POST", "federationPolicies", Some(with_subject.clone())).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "oidc_policy.subject must not be set on an account federation policy")
    );
    assert_eq!(
        c.call("POST", "federationPolicies?policy_id=Bad_Id", Some(json!({"oidc_policy": oidc}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "policy_id Bad_Id may hold only lower-case letters, digits and hyphens")
    );
    let created =
        c.call("POST", "federationPolicies?policy_id=okta", Some(json!({"description": "Okta", "oidc_policy": oidc}))).await.json();
    assert_eq!(
        created,
        json!({"policy_id": "okta", "name": format!("accounts/{a}/federationPolicies/okta"), "uid": created["uid"], "description": "Okta",
            "oidc_policy": oidc, "create_time": created["create_time"], "update_time": created["create_time"]})
    );
    assert!(created["create_time"].as_str().is_some_and(|t| t.ends_with('Z')), "RFC 3339: {created}");
    assert_eq!(
        c.call("POST", "federationPolicies?policy_id=okta", Some(json!({"oidc_policy": oidc}))).await.answer(),
        error(409, "RESOURCE_ALREADY_EXISTS", "Federation policy okta already exists.")
    );
    let generated = c.call("POST", "federationPolicies", Some(json!({"oidc_policy": oidc}))).await.json();
    assert_eq!(generated["policy_id"].as_str().map(str::len), Some(36), "Databricks assigns an ID when none is asked for");

    // The list pages by token; the seed's policy comes first.
    let page = c.call("GET", "federationPolicies?page_size=2", None).await.json();
    assert_eq!((page["policies"][0]["policy_id"].as_str(), page["next_page_token"].as_str()), (Some(FEDERATION_POLICY), Some("offset-2")));
    let rest = c.call("GET", "federationPolicies?page_size=2&page_token=offset-2", None).await.json();
    assert_eq!(rest, json!({"policies": [generated]}));

    // PATCH with a mask changes what it names; without one, what the body sets.
    let change = json!({"description": "ignored", "oidc_policy": {"issuer": "https://idp.example.com", "audiences": ["a", "b"]}});
    let masked = c.call("PATCH", "federationPolicies/okta?update_mask=oidc_policy.audiences", Some(change)).await.json();
    assert_eq!((masked["description"].as_str(), masked["oidc_policy"]["audiences"].clone()), (Some("Okta"), json!(["a", "b"])));
    let unmasked = c.call("PATCH", "federationPolicies/okta", Some(json!({"description": "Okta workforce"}))).await.json();
    assert_eq!(
        (unmasked["description"].as_str(), unmasked["oidc_policy"]["audiences"].clone()),
        (Some("Okta workforce"), json!(["a", "b"]))
    );
    assert_eq!(c.call("PATCH", "federationPolicies/okta?update_mask=uid", Some(json!({}))).await.status, 400);
    assert_eq!(c.call("DELETE", "federationPolicies/okta", None).await.answer(), (200, json!({})));
    assert_eq!(
        c.call("GET", "federationPolicies/okta", None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", "Federation policy okta does not exist.")
    );

    // A service principal's policies need a subject; an unknown principal has none.
    let sp = format!("servicePrincipals/{NIGHTLY_ETL}/federationPolicies");
    assert_eq!(
        c.call("POST", &sp, Some(json!({"oidc_policy": oidc}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "oidc_policy.subject is required on a service principal federation policy")
    );
    let made = c.call("POST", &format!("{sp}?policy_id=ci"), Some(with_subject)).await.json();
    assert_eq!(
        (made["service_principal_id"].as_i64(), made["name"].as_str()),
        (NIGHTLY_ETL.parse().ok(), Some(format!("accounts/{a}/servicePrincipals/{NIGHTLY_ETL}/federationPolicies/ci").as_str()))
    );
    let listed = c.call("GET", &sp, None).await.json();
    assert_eq!(listed["policies"].as_array().map(Vec::len), Some(2));
    assert_eq!(c.call("GET", &format!("{sp}/{SERVICE_PRINCIPAL_FEDERATION_POLICY}"), None).await.status, 200);
    let no_subject = json!({"oidc_policy": {"issuer": "https://idp.example.com"}});
    assert_eq!(c.call("PATCH", &format!("{sp}/ci?update_mask=oidc_policy"), Some(no_subject)).await.status, 400);
    assert_eq!(c.call("DELETE", &format!("{sp}/ci"), None).await.answer(), (200, json!({})));
    assert_eq!(
        c.call("GET", "servicePrincipals/42/federationPolicies", None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", "Service principal 42 does not exist.")
    );
}

#[tokio::test]
async fn published_apps_and_their_integrations() {
    let c = Caller::new(Seed::Examples).await;
    let apps = c.call("GET", "oauth2/published-apps?page_size=2", None).await.json();
    assert_eq!(apps["apps"][0]["app_id"], "databricks-cli");
    assert_eq!(apps["apps"][0]["is_confidential_client"], false);
    assert_eq!(apps["next_page_token"], "offset-2");
    let integrations = "oauth2/published-app-integrations";
    let seeded = c.call("GET", &format!("{integrations}/{PUBLISHED_APP_INTEGRATION}"), None).await.json();
    assert_eq!((seeded["app_id"].as_str(), seeded["name"].as_str()), (Some("power-bi"), Some("Power BI")));

    let body =
        json!({"app_id": PUBLISHED_APP, "token_access_policy": {"access_token_ttl_in_minutes": 30, "refresh_token_ttl_in_minutes": 600}});
    let created = c.call("POST", integrations, Some(body.clone())).await.json();
    let id = created["integration_id"].as_str().unwrap().to_string();
    assert_eq!(created, json!({"integration_id": id}));
    assert_eq!(
        c.call("POST", integrations, Some(body)).await.answer(),
        error(409, "RESOURCE_ALREADY_EXISTS", "The published app tableau-desktop is integrated already.")
    );
    assert_eq!(
        c.call("POST", integrations, Some(json!({"app_id": "made-up"}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Published app made-up does not exist.")
    );
    assert_eq!(c.call("POST", integrations, Some(json!({"app_id": "databricks-cli", "token_access_policy": "long"}))).await.status, 400);
    let path = format!("{integrations}/{id}");
    let patch = json!({"token_access_policy": {"access_token_ttl_in_minutes": 45}});
    assert_eq!(c.call("PATCH", &path, Some(patch)).await.answer(), (200, json!({})));
    let got = c.call("GET", &path, None).await.json();
    assert_eq!(got["token_access_policy"], json!({"access_token_ttl_in_minutes": 45, "refresh_token_ttl_in_minutes": 600}));
    assert_eq!(c.call("GET", integrations, None).await.json()["apps"].as_array().map(Vec::len), Some(2));
    assert_eq!(c.call("DELETE", &path, None).await.answer(), (200, json!({})));
    assert_eq!(
        c.call("GET", &path, None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &format!("Published app integration {id} does not exist."))
    );
}

#[tokio::test]
async fn a_service_principal_put_replaces_it_whole() {
    let c = Caller::new(Seed::Demo).await;
    let path = scim(&c.fake, "2.0", &format!("ServicePrincipals/{NIGHTLY_ETL}"));
    let before = c.at("GET", &path, None).await.json();
    let replaced = c
        .at(
            "PUT",
            &path,
            Some(json!({"displayName": "nightly-etl-v2", "applicationId": "changed", "entitlements": [{"value": "allow-cluster-create"}]})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let after = c.at("GET", &path, None).await.json();
    assert_eq!(after["applicationId"], before["applicationId"], "applicationId cannot change");
    assert_eq!(
        (after["displayName"].as_str(), after["active"].as_bool()),
        (Some("nightly-etl-v2"), Some(true)),
        "active goes back to its default"
    );
    assert_eq!(after["entitlements"], json!([{"value": "allow-cluster-create"}]));
    let wiped = c.at("PUT", &path, Some(json!({"displayName": "bare"}))).await.json();
    assert!(wiped.get("entitlements").is_none(), "what PUT leaves out is wiped: {wiped}");
}

#[tokio::test]
async fn ip_access_lists_are_updated_and_replaced() {
    let c = Caller::new(Seed::Examples).await;
    let path = format!("ip-access-lists/{IP_ACCESS_LIST}");
    assert_eq!(c.call("PATCH", &path, Some(json!({"enabled": false, "label": "vpn"}))).await.answer(), (200, json!({})));
    let patched = c.call("GET", &path, None).await.json()["ip_access_list"].clone();
    assert_eq!(
        (patched["enabled"].as_bool(), patched["label"].as_str(), patched["ip_addresses"].clone()),
        (Some(false), Some("vpn"), json!(["198.51.100.0/24"]))
    );
    assert!(patched["updated_at"].as_i64() > patched["created_at"].as_i64(), "{patched}");
    assert_eq!(
        c.call("PATCH", &path, Some(json!({"ip_addresses": ["10.0.0.0/33"]}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Invalid IP address or CIDR block: 10.0.0.0/33")
    );
    assert_eq!(
        c.call("PUT", &path, Some(json!({"label": "office", "list_type": "BLOCK"}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "enabled is required")
    );
    let replacement = json!({"label": "office", "list_type": "BLOCK", "enabled": true, "ip_addresses": ["192.0.2.1", "192.0.2.0/28"]});
    assert_eq!(c.call("PUT", &path, Some(replacement)).await.answer(), (200, json!({})));
    let replaced = c.call("GET", &path, None).await.json()["ip_access_list"].clone();
    assert_eq!((replaced["list_type"].as_str(), replaced["address_count"].as_u64()), (Some("BLOCK"), Some(2)));
    c.call("PUT", &path, Some(json!({"label": "office", "list_type": "BLOCK", "enabled": true}))).await;
    assert_eq!(
        c.call("GET", &path, None).await.json()["ip_access_list"]["ip_addresses"],
        json!([]),
        "PUT without addresses empties the list"
    );
    let nope = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        c.call("PATCH", &format!("ip-access-lists/{nope}"), Some(json!({"enabled": true}))).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &format!("IP access list {nope} does not exist."))
    );
}
