//! Budget policies (API 2.1), usage dashboards and Unity Catalog storage credentials.

use super::{Caller, error};
use fake_account::Seed;
use fake_account::example_ids::*;
use serde_json::{Value, json};

#[tokio::test]
async fn budget_policies_are_idempotent_filtered_and_sorted() {
    let c = &Caller::new(Seed::Examples).await;
    let policies = format!("/api/2.1/accounts/{}/budget-policies", c.account_id());
    let create = |body: Value| c.at("POST", &policies, Some(body));
    let body = json!({"policy": {"policy_name": "ml-training", "binding_workspace_ids": [ANALYTICS_PROD]}, "request_id": "r-1"});
    let first = create(body.clone()).await.json();
    let id = first["policy_id"].as_str().unwrap().to_string();
    assert_eq!(first, json!({"policy_id": id, "policy_name": "ml-training", "binding_workspace_ids": [ANALYTICS_PROD]}));
    assert_eq!(create(body).await.json(), first, "the same request_id answers the same policy");
    assert_eq!(
        create(json!({"policy": {"policy_name": "ml-training"}, "request_id": "r-2"})).await.answer(),
        error(409, "RESOURCE_ALREADY_EXISTS", "A budget policy named ml-training exists already.")
    );
    assert_eq!(
        create(json!({"policy": {"policy_name": "x", "binding_workspace_ids": [42]}})).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Workspace 42 does not exist.")
    );
    let reserved = json!({"policy": {"policy_name": "y", "custom_tags": [{"key": "budget-policy-id", "value": "1"}]}});
    assert_eq!(create(reserved).await.status, 400);
    assert_eq!(create(json!({"policy": {"policy_name": "databricks:default-policy-2"}})).await.status, 400);
    create(json!({"policy": {"policy_name": "analytics"}})).await;

    // Filters: part of the name, the creator; sort by name; pages of page_size.
    let names = |reply: Value| reply["policies"].as_array().unwrap().iter().map(|p| p["policy_name"].clone()).collect::<Vec<_>>();
    let list = |query: &str| {
        let target = format!("{policies}?{query}");
        async move { c.at("GET", &target, None).await }
    };
    assert_eq!(names(list("filter_by.policy_name=TRAIN").await.json()), [json!("ml-training")]);
    assert_eq!(names(list(&format!("filter_by.creator_user_id={ADA}")).await.json()), [json!("data-science")]);
    let client = c.fake.config().client_id.clone();
    assert_eq!(
        names(list(&format!("filter_by.creator_user_name={client}&sort_spec.field=POLICY_NAME")).await.json()),
        [json!("analytics"), json!("ml-training")]
    );
    let sorted = list("sort_spec.field=POLICY_NAME&sort_spec.descending=True&page_size=2").await.json();
    assert_eq!(
        (names(sorted.clone()), sorted["next_page_token"].as_str()),
        (vec![json!("ml-training"), json!("data-science")], Some("offset-2"))
    );
    assert_eq!(list("sort_spec.field=CREATED").await.status, 400);

    // PATCH takes the whole policy and changes what it sets; DELETE answers {}.
    let path = format!("{policies}/{id}");
    let updated = c
        .at("PATCH", &path, Some(json!({"policy_id": id, "policy_name": "ml", "custom_tags": [{"key": "team", "value": "ml"}]})))
        .await
        .json();
    assert_eq!(
        updated,
        json!({"policy_id": id, "policy_name": "ml", "binding_workspace_ids": [ANALYTICS_PROD], "custom_tags": [{"key": "team", "value": "ml"}]})
    );
    assert_eq!(c.at("GET", &path, None).await.json(), updated);
    assert_eq!(c.at("DELETE", &path, None).await.answer(), (200, json!({})));
    assert_eq!(
        c.at("GET", &path, None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &format!("Budget policy {id} does not exist."))
    );
}

#[tokio::test]
async fn usage_dashboards_one_of_each_type_per_workspace() {
    let c = Caller::new(Seed::Examples).await;
    let seeded =
        c.call("GET", &format!("dashboard?dashboard_type=USAGE_DASHBOARD_TYPE_WORKSPACE&workspace_id={ANALYTICS_PROD}"), None).await;
    assert_eq!(seeded.json()["dashboard_id"], USAGE_DASHBOARD);
    let body = json!({"dashboard_type": "USAGE_DASHBOARD_TYPE_GLOBAL", "workspace_id": ANALYTICS_PROD});
    let created = c.call("POST", "dashboard", Some(body.clone())).await.json();
    let id = created["dashboard_id"].as_str().unwrap().to_string();
    assert_eq!(created, json!({"dashboard_id": id}));
    let got = c.call("GET", &format!("dashboard?dashboard_type=USAGE_DASHBOARD_TYPE_GLOBAL&workspace_id={ANALYTICS_PROD}"), None).await;
    let url = format!("https://dbc-{ANALYTICS_PROD:x}.cloud.databricks.com/dashboardsv3/{id}/published");
    assert_eq!(got.answer(), (200, json!({"dashboard_id": id, "dashboard_url": url})));
    let message = format!("Workspace {ANALYTICS_PROD} has a USAGE_DASHBOARD_TYPE_GLOBAL dashboard already.");
    assert_eq!(c.call("POST", "dashboard", Some(body)).await.answer(), error(409, "RESOURCE_ALREADY_EXISTS", &message));
    let message = format!("Workspace {SANDBOX} has no USAGE_DASHBOARD_TYPE_GLOBAL dashboard.");
    let missing = c.call("GET", &format!("dashboard?dashboard_type=USAGE_DASHBOARD_TYPE_GLOBAL&workspace_id={SANDBOX}"), None).await;
    assert_eq!(missing.answer(), error(404, "RESOURCE_DOES_NOT_EXIST", &message));
    assert_eq!(
        c.call("POST", "dashboard", Some(json!({"dashboard_type": "USAGE_DASHBOARD_TYPE_GLOBAL", "workspace_id": 42}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "Workspace 42 does not exist.")
    );
    assert_eq!(c.call("POST", "dashboard", Some(json!({"dashboard_type": "PIE_CHART", "workspace_id": SANDBOX}))).await.status, 400);
}

#[tokio::test]
async fn storage_credentials_of_a_metastore() {
    let c = Caller::new(Seed::Examples).await;
    let credentials = format!("metastores/{METASTORE}/storage-credentials");
    let listed = c.call("GET", &credentials, None).await.json();
    assert_eq!(listed["storage_credentials"][0]["name"], STORAGE_CREDENTIAL);

    let role = json!({"credential_info": {"name": "landing", "aws_iam_role": {"role_arn": "arn:aws:iam::123456789012:role/landing"}, "comment": "raw"}, "skip_validation": true});
    let created = c.call("POST", &credentials, Some(role.clone())).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let info = created.json()["credential_info"].clone();
    assert_eq!(
        info["aws_iam_role"],
        json!({"role_arn": "arn:aws:iam::123456789012:role/landing", "external_id": c.account_id(),
            "unity_catalog_iam_arn": "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"})
    );
    assert_eq!(
        (info["metastore_id"].as_str(), info["full_name"].as_str(), info["read_only"].as_bool()),
        (Some(METASTORE), Some("landing"), Some(false))
    );
    assert_eq!(
        c.call("POST", &credentials, Some(role)).await.answer(),
        error(409, "RESOURCE_ALREADY_EXISTS", "Storage Credential 'landing' already exists.")
    );
    let two = json!({"credential_info": {"name": "two", "aws_iam_role": {"role_arn": "arn:aws:iam::1:role/a"}, "azure_managed_identity": {"access_connector_id": "c"}}});
    assert_eq!(
        c.call("POST", &credentials, Some(two)).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "give one cloud credential, not several")
    );
    let secret = json!({"credential_info": {"name": "azure", "azure_service_principal": {"directory_id": "d", "application_id": "a", "client_secret": "s3cr3t"}}});
    let azure = c.call("POST", &credentials, Some(secret)).await.json();
    assert_eq!(
        azure["credential_info"]["azure_service_principal"],
        json!({"directory_id": "d", "application_id": "a"}),
        "secrets are not shown"
    );

    // PUT changes what it sets; the name stays.
    let path = format!("{credentials}/landing");
    let change = json!({"credential_info": {"comment": "landing zone", "read_only": true, "owner": "Platform Admins"}});
    let updated = c.call("PUT", &path, Some(change)).await.json()["credential_info"].clone();
    assert_eq!(
        (updated["comment"].as_str(), updated["read_only"].as_bool(), updated["owner"].as_str(), updated["name"].as_str()),
        (Some("landing zone"), Some(true), Some("Platform Admins"), Some("landing"))
    );
    assert_eq!(c.call("GET", &path, None).await.json(), json!({"credential_info": updated}));
    assert_eq!(c.call("PUT", &path, Some(json!({"credential_info": {"isolation_mode": "SOMETIMES"}}))).await.status, 400);
    assert_eq!(c.call("DELETE", &path, None).await.answer(), (200, json!({})));
    assert_eq!(
        c.call("GET", &path, None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", "Storage Credential 'landing' does not exist.")
    );

    // The credential of the metastore's storage root goes only with force.
    let root_id = listed["storage_credentials"][0]["id"].clone();
    c.call("PUT", &format!("metastores/{METASTORE}"), Some(json!({"metastore_info": {"storage_root_credential_id": root_id}}))).await;
    let root = format!("{credentials}/{STORAGE_CREDENTIAL}");
    let message =
        format!("Storage credential {STORAGE_CREDENTIAL} is used by metastore {METASTORE} for its storage root; delete with force.");
    assert_eq!(c.call("DELETE", &root, None).await.answer(), error(400, "INVALID_STATE", &message));
    assert_eq!(c.call("DELETE", &format!("{root}?force=true"), None).await.answer(), (200, json!({})));
    let nope = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        c.call("GET", &format!("metastores/{nope}/storage-credentials"), None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &format!("Metastore '{nope}' does not exist."))
    );
}
