//! Unity Catalog storage credentials of a metastore: list, create with the cloud identity of the
//! connection's cloud, get, update (PUT under `credential_info`, `skip_validation` beside it),
//! delete with `force`; and the identity checks made before any request.

use e2e::{Env, Login, scenario};
use fake_account::Seed;
use fake_account::example_ids::{METASTORE, STORAGE_CREDENTIAL};
use serde_json::json;

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/uc-landing";

#[scenario]
async fn a_storage_credential_from_creation_to_deletion() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let credentials = env.api(&format!("metastores/{METASTORE}/storage-credentials"));
    env.clear();
    let listed = env.ok("list-storage-credentials", json!({"metastore_id": METASTORE})).await;
    assert_eq!(e2e::summary(&env.api_requests()), [format!("GET {credentials}")]);
    assert_eq!(listed["storage_credentials"][0]["name"], STORAGE_CREDENTIAL);
    assert_eq!(listed["storage_credentials"][0]["isolation_mode"], "open");

    env.clear();
    let created = env
        .ok(
            "create-storage-credential",
            json!({"metastore_id": METASTORE, "name": "landing-zone", "comment": "raw landing bucket", "aws_iam_role": {"role_arn": ROLE_ARN}, "skip_validation": true}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", credentials.as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"credential_info": {"name": "landing-zone", "comment": "raw landing bucket", "aws_iam_role": {"role_arn": ROLE_ARN}}, "skip_validation": true})
    );
    assert_eq!((created["name"].as_str(), created["metastore_id"].as_str()), (Some("landing-zone"), Some(METASTORE)));
    assert_eq!(created["aws_iam_role"]["role_arn"], ROLE_ARN);
    assert!(created["aws_iam_role"]["unity_catalog_iam_arn"].is_string(), "Databricks' own role to trust: {created}");

    env.clear();
    let got = env.ok("get-storage-credential", json!({"metastore_id": METASTORE, "name": "landing-zone"})).await;
    assert_eq!(env.single_api_request().path, format!("{credentials}/landing-zone"));
    assert_eq!(got, created);

    env.clear();
    let updated = env
        .ok(
            "update-storage-credential",
            json!({"metastore_id": METASTORE, "name": "landing-zone", "read_only": true, "isolation_mode": "isolated", "skip_validation": true}),
        )
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("PUT", format!("{credentials}/landing-zone").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"credential_info": {"read_only": true, "isolation_mode": "ISOLATION_MODE_ISOLATED"}, "skip_validation": true}),
        "the changes under credential_info, skip_validation beside them"
    );
    assert_eq!((updated["read_only"].as_bool(), updated["isolation_mode"].as_str()), (Some(true), Some("isolated")));
    assert_eq!(updated["comment"], "raw landing bucket", "what the update left out stays");

    env.clear();
    env.ok("delete-storage-credential", json!({"metastore_id": METASTORE, "name": "landing-zone", "force": true})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("DELETE", format!("{credentials}/landing-zone").as_str()));
    assert_eq!(request.query, [("force".to_string(), "true".to_string())]);
    assert_eq!(env.err("get-storage-credential", json!({"metastore_id": METASTORE, "name": "landing-zone"})).await.0, "not_found");
}

#[scenario]
async fn each_cloud_gives_its_own_identity() {
    let env = Env::start(Seed::Examples, Login::OAuthM2m).await;
    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    let identity = json!({"access_connector_id": "/subscriptions/0a1b/resourceGroups/uc/providers/Microsoft.Databricks/accessConnectors/uc"});
    env.clear();
    let made = env
        .run_with("create-storage-credential", &azure, json!({"metastore_id": METASTORE, "name": "adls", "azure_managed_identity": identity}))
        .await;
    let body = env.api_requests()[0].body.clone().unwrap();
    assert_eq!(body, json!({"credential_info": {"name": "adls", "azure_managed_identity": identity}}), "{made:?}");

    let mut gcp = env.connection.clone();
    gcp["cloud"] = json!("gcp");
    env.clear();
    let made = env.run_with("create-storage-credential", &gcp, json!({"metastore_id": METASTORE, "name": "gcs", "gcp_service_account": true})).await;
    let body = env.api_requests()[0].body.clone().unwrap();
    assert_eq!(body, json!({"credential_info": {"name": "gcs", "databricks_gcp_service_account": {}}}), "Databricks makes the account: {made:?}");

    env.clear();
    let role = json!({"role_arn": ROLE_ARN});
    for (input, field) in [
        (json!({"metastore_id": METASTORE, "name": "x"}), "aws-iam-role"),
        (json!({"metastore_id": METASTORE, "name": "x", "azure_managed_identity": identity}), "azure-managed-identity"),
        (json!({"metastore_id": METASTORE, "name": "x", "aws_iam_role": role, "gcp_service_account": true}), "gcp-service-account"),
        (json!({"metastore_id": METASTORE, "name": "x", "aws_iam_role": {"role_arn": "arn:aws:s3:::bucket"}}), "aws-iam-role.role-arn"),
        (json!({"metastore_id": "primary", "name": "x", "aws_iam_role": role}), "metastore-id"),
    ] {
        let (case, payload) = env.err("create-storage-credential", input.clone()).await;
        assert_eq!((case.as_str(), payload["field"].as_str()), ("invalid_input", Some(field)), "{input}: {payload}");
    }
    for (input, field) in [
        (json!({"metastore_id": METASTORE, "name": STORAGE_CREDENTIAL}), "name"),
        (json!({"metastore_id": METASTORE, "name": STORAGE_CREDENTIAL, "azure_managed_identity": identity}), "azure-managed-identity"),
    ] {
        let (case, payload) = env.err("update-storage-credential", input.clone()).await;
        assert_eq!(case, "invalid_input", "{input}: {payload}");
        assert!(payload["field"].is_string() && (field == "name" || payload["field"] == field), "{input}: {payload}");
    }
    assert!(env.api_requests().is_empty(), "nothing reached Databricks");
}
