//! The configurations workspaces are made of, beyond credentials and networks: storage
//! configurations (AWS), private access settings, VPC endpoints and customer-managed keys (AWS
//! and GCP), each with the exact requests the account receives, their cloud gates and checks.

use e2e::{Env, Login, scenario};
use fake_account::example_ids::{
    CUSTOMER_MANAGED_KEY, PRIVATE_ACCESS_SETTINGS, STORAGE_CONFIGURATION, UNUSED_STORAGE_CONFIGURATION, VPC_ENDPOINT,
};
use fake_account::{FakeConfig, Seed};
use serde_json::{Value, json};

async fn examples() -> Env {
    Env::with_config(FakeConfig { seed: Seed::Examples, ..FakeConfig::default() }, Login::OAuthM2m).await
}

/// The connection on another cloud.
fn on(env: &Env, cloud: &str) -> Value {
    let mut connection = env.connection.clone();
    connection["cloud"] = json!(cloud);
    connection
}

/// Runs `card` on each cloud and checks that it is refused there before any request.
async fn refused_on(env: &Env, clouds: &[&str], card: &str, input: Value) {
    env.clear();
    for cloud in clouds {
        let (case, message) = e2e::error_case(&env.run_with(card, &on(env, cloud), input.clone()).await.unwrap_err());
        assert_eq!(case, "unsupported", "{card} on {cloud}: {message}");
    }
    assert!(env.fake.requests().is_empty(), "{card}");
}

/// The `(case, field)` of a card error, for the checks made before any request.
fn field_of(result: Result<Value, Value>) -> (String, Option<String>) {
    let (case, payload) = e2e::error_case(&result.unwrap_err());
    (case, payload["field"].as_str().map(str::to_string))
}

#[scenario]
async fn storage_configurations_are_created_and_deleted_unless_in_use() {
    let env = examples().await;
    env.clear();
    let input = json!({
        "storage_configuration_name": "marketing-root",
        "root_bucket_info": {"bucket_name": "marketing-databricks-root"},
        "role_arn": "arn:aws:iam::123456789012:role/marketing-catalog",
    });
    let created = env.ok("create-storage-configuration", input.clone()).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("storage-configurations").as_str()));
    assert_eq!(request.body.unwrap(), input);
    assert_eq!(created["root_bucket_info"]["bucket_name"], "marketing-databricks-root");
    assert_eq!(created["role_arn"], "arn:aws:iam::123456789012:role/marketing-catalog");
    let id = created["storage_configuration_id"].as_str().unwrap().to_string();

    env.clear();
    assert_eq!(env.ok("delete-storage-configuration", json!({"storage_configuration_id": id})).await, json!({"id": id}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("storage-configurations/{id}"))));
    assert_eq!(env.err("get-storage-configuration", json!({"storage_configuration_id": id})).await.0, "not_found");
    let (case, error) = env.err("delete-storage-configuration", json!({"storage_configuration_id": STORAGE_CONFIGURATION})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("INVALID_STATE")), "a workspace uses it");
    env.ok("delete-storage-configuration", json!({"storage_configuration_id": UNUSED_STORAGE_CONFIGURATION})).await;

    refused_on(&env, &["azure", "gcp"], "create-storage-configuration", input).await;
    for (bucket, arn, field) in [
        ("Marketing_Root", None, "root-bucket-info.bucket-name"),
        ("marketing-root", Some("arn:aws:s3:::marketing-root"), "role-arn"),
    ] {
        let bad = json!({"storage_configuration_name": "x", "root_bucket_info": {"bucket_name": bucket}, "role_arn": arn});
        assert_eq!(field_of(env.run("create-storage-configuration", bad).await), ("invalid_input".into(), Some(field.into())));
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn private_access_settings_are_listed_created_replaced_whole_and_deleted() {
    let env = examples().await;
    env.clear();
    let listed = env.ok("list-private-access-settings", json!({"region": "US-WEST-2"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str(), request.query.len()), ("GET", env.api("private-access-settings").as_str(), 0));
    assert_eq!(listed["private_access_settings"][0]["private_access_settings_id"], PRIVATE_ACCESS_SETTINGS);
    assert_eq!(listed["private_access_settings"][0]["private_access_level"], "account");
    assert_eq!(env.ok("list-private-access-settings", json!({"region": "eu-west-1"})).await, json!({"private_access_settings": []}));

    env.clear();
    let input = json!({
        "private_access_settings_name": "marketing-privatelink", "region": "us-west-2",
        "private_access_level": "endpoint", "allowed_vpc_endpoint_ids": [VPC_ENDPOINT],
    });
    let created = env.ok("create-private-access-settings", input).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("private-access-settings").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"private_access_settings_name": "marketing-privatelink", "region": "us-west-2", "private_access_level": "ENDPOINT", "allowed_vpc_endpoint_ids": [VPC_ENDPOINT]})
    );
    let id = created["private_access_settings_id"].as_str().unwrap().to_string();
    assert_eq!((created["private_access_level"].as_str(), created["public_access_enabled"].as_bool()), (Some("endpoint"), Some(false)));
    assert_eq!(env.ok("get-private-access-settings", json!({"private_access_settings_id": id})).await, created);

    env.clear();
    let whole = json!({"private_access_settings_id": id, "private_access_settings_name": "marketing-hybrid", "region": "us-west-2", "public_access_enabled": true});
    let replaced = env.ok("replace-private-access-settings", whole).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PUT", env.api(&format!("private-access-settings/{id}"))));
    assert_eq!(request.body.unwrap(), json!({"private_access_settings_name": "marketing-hybrid", "region": "us-west-2", "public_access_enabled": true}));
    assert_eq!(replaced["private_access_level"], "account", "what a replace leaves out takes its default");
    assert_eq!(replaced["allowed_vpc_endpoint_ids"], json!([]));

    env.clear();
    assert_eq!(env.ok("delete-private-access-settings", json!({"private_access_settings_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().path, env.api(&format!("private-access-settings/{id}")));
    assert_eq!(env.err("get-private-access-settings", json!({"private_access_settings_id": id})).await.0, "not_found");

    // GCP has private access settings too (Private Service Connect); Azure does not.
    env.run_with("list-private-access-settings", &on(&env, "gcp"), json!({})).await.unwrap();
    refused_on(&env, &["azure"], "get-private-access-settings", json!({"private_access_settings_id": PRIVATE_ACCESS_SETTINGS})).await;
    for (input, field) in [
        (json!({"private_access_settings_name": "x", "region": "us west"}), "region"),
        (json!({"private_access_settings_name": "x", "region": "us-west-2", "allowed_vpc_endpoint_ids": ["vpce-1"]}), "allowed-vpc-endpoint-ids"),
        (json!({"private_access_settings_name": "", "region": "us-west-2"}), "private-access-settings-name"),
    ] {
        assert_eq!(field_of(env.run("create-private-access-settings", input).await), ("invalid_input".into(), Some(field.into())));
    }
    assert!(env.fake.requests().is_empty());
}

#[scenario]
async fn vpc_endpoints_are_registered_by_cloud() {
    let env = examples().await;
    env.clear();
    let aws = json!({"vpc_endpoint_name": "marketing-relay", "aws_vpc_endpoint_id": "vpce-0123456789abcdef0", "region": "us-west-2"});
    let created = env.ok("create-vpc-endpoint", aws.clone()).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("vpc-endpoints").as_str()));
    assert_eq!(request.body.unwrap(), aws);
    assert_eq!((created["state"].as_str(), created["use_case"].as_str()), (Some("available"), Some("general_access")));
    let id = created["vpc_endpoint_id"].as_str().unwrap().to_string();
    assert_eq!(env.ok("get-vpc-endpoint", json!({"vpc_endpoint_id": id})).await, created);
    let listed = env.ok("list-vpc-endpoints", json!({"region": "us-west-2"})).await;
    assert_eq!(listed["vpc_endpoints"].as_array().unwrap().len(), 2, "the seeded one and the new one");
    env.clear();
    assert_eq!(env.ok("delete-vpc-endpoint", json!({"vpc_endpoint_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().method, "DELETE");
    assert_eq!(env.err("delete-vpc-endpoint", json!({"vpc_endpoint_id": id})).await.0, "not_found");

    let gcp = on(&env, "gcp");
    let psc = json!({"vpc_endpoint_name": "gcp-psc", "gcp_vpc_endpoint_info": {"project_id": "analytics-prod-4711", "psc_endpoint_name": "databricks-psc", "endpoint_region": "us-central1"}});
    env.clear();
    let made = env.run_with("create-vpc-endpoint", &gcp, psc.clone()).await.unwrap();
    assert_eq!(env.single_api_request().body.unwrap(), psc);
    assert_eq!(made["gcp_vpc_endpoint_info"]["endpoint_region"], "us-central1");

    env.clear();
    let wrong = [
        (&gcp, aws.clone(), "aws-vpc-endpoint-id"),
        (&env.connection, psc, "gcp-vpc-endpoint-info"),
        (&env.connection, json!({"vpc_endpoint_name": "x", "aws_vpc_endpoint_id": "vpce-0123456789abcdef0"}), "region"),
        (&env.connection, json!({"vpc_endpoint_name": "x", "aws_vpc_endpoint_id": "vpc-0123", "region": "us-west-2"}), "aws-vpc-endpoint-id"),
    ];
    for (connection, input, field) in wrong {
        assert_eq!(field_of(env.run_with("create-vpc-endpoint", connection, input).await), ("invalid_input".into(), Some(field.into())));
    }
    assert!(env.fake.requests().is_empty());
    refused_on(&env, &["azure"], "list-vpc-endpoints", json!({})).await;
}

#[scenario]
async fn customer_managed_keys_are_made_for_their_uses_and_filtered_by_them() {
    let env = examples().await;
    env.clear();
    let arn = "arn:aws:kms:us-west-2:123456789012:key/5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8a02";
    let input = json!({"use_cases": ["managed_services"], "aws_key_info": {"key_arn": arn, "key_alias": "alias/marketing"}});
    let created = env.ok("create-customer-managed-key", input).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("customer-managed-keys").as_str()));
    assert_eq!(request.body.unwrap(), json!({"use_cases": ["MANAGED_SERVICES"], "aws_key_info": {"key_arn": arn, "key_alias": "alias/marketing"}}));
    assert_eq!((created["use_cases"].clone(), created["aws_key_info"]["key_region"].clone()), (json!(["managed_services"]), json!("us-west-2")));
    let id = created["customer_managed_key_id"].as_str().unwrap().to_string();

    let storage = env.ok("list-customer-managed-keys", json!({"use_case": "storage"})).await;
    let ids: Vec<&str> = storage["customer_managed_keys"].as_array().unwrap().iter().map(|k| k["customer_managed_key_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [CUSTOMER_MANAGED_KEY], "only keys that may encrypt storage");
    assert_eq!(env.ok("list-customer-managed-keys", json!({})).await["customer_managed_keys"].as_array().unwrap().len(), 2);
    assert_eq!(env.ok("get-customer-managed-key", json!({"customer_managed_key_id": id})).await, created);
    env.clear();
    assert_eq!(env.ok("delete-customer-managed-key", json!({"customer_managed_key_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().path, env.api(&format!("customer-managed-keys/{id}")));

    let gcp = on(&env, "gcp");
    let kms = "projects/analytics-prod-4711/locations/us-east4/keyRings/databricks/cryptoKeys/cmk";
    let made = env.run_with("create-customer-managed-key", &gcp, json!({"use_cases": ["storage"], "gcp_key_info": {"kms_key_id": kms}})).await.unwrap();
    assert_eq!(made["gcp_key_info"]["kms_key_id"], kms);

    env.clear();
    for (connection, input, field) in [
        (&gcp, json!({"use_cases": ["storage"], "aws_key_info": {"key_arn": arn}}), "aws-key-info"),
        (&env.connection, json!({"use_cases": ["storage"]}), "aws-key-info"),
        (&env.connection, json!({"use_cases": [], "aws_key_info": {"key_arn": arn}}), "use-cases"),
        (&env.connection, json!({"use_cases": ["storage"], "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:1:key/x"}}), "aws-key-info.key-arn"),
        (&gcp, json!({"use_cases": ["storage"], "gcp_key_info": {"kms_key_id": "cmk"}}), "gcp-key-info.kms-key-id"),
    ] {
        assert_eq!(field_of(env.run_with("create-customer-managed-key", connection, input).await), ("invalid_input".into(), Some(field.into())));
    }
    assert!(env.fake.requests().is_empty());
    refused_on(&env, &["azure"], "get-customer-managed-key", json!({"customer_managed_key_id": CUSTOMER_MANAGED_KEY})).await;
}
