//! Workspaces and the configurations they are made of: create, the provisioning that follows,
//! masked updates, references to what the account does not hold, and deletes of what is in use.

use super::{Caller, error};
use fake_account::example_ids::*;
use fake_account::{FakeConfig, Seed};
use serde_json::{Value, json};

/// A new credential and storage configuration, so that deleting them is not blocked by the seeds.
async fn own_configurations(c: &Caller) -> (String, String) {
    let role =
        json!({"credentials_name": "lifecycle-role", "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/l"}}});
    let credential = c.call("POST", "credentials", Some(role)).await.json()["credentials_id"].as_str().unwrap().to_string();
    let bucket = json!({"storage_configuration_name": "lifecycle-bucket", "root_bucket_info": {"bucket_name": "lifecycle-root"}});
    let storage = c.call("POST", "storage-configurations", Some(bucket)).await;
    assert_eq!(storage.status, 200, "{}", storage.body);
    (credential, storage.json()["storage_configuration_id"].as_str().unwrap().to_string())
}

fn workspace_body(name: &str, credential: &str, storage: &str) -> Value {
    json!({"workspace_name": name, "aws_region": "us-west-2", "credentials_id": credential, "storage_configuration_id": storage})
}

#[tokio::test]
async fn a_workspace_is_provisioned_updated_and_deleted() {
    let c = Caller::new(Seed::Examples).await;
    let (credential, storage) = own_configurations(&c).await;
    let mut body = workspace_body("lifecycle", &credential, &storage);
    body["managed_services_customer_managed_key_id"] = json!(CUSTOMER_MANAGED_KEY);
    body["network_connectivity_config_id"] = json!(NETWORK_CONNECTIVITY_CONFIG);
    body["custom_tags"] = json!({"team": "data"});
    let created = c.call("POST", "workspaces", Some(body)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let workspace = created.json();
    let id = workspace["workspace_id"].as_i64().unwrap();
    assert!((1_000_000_000_000_000..10_000_000_000_000_000).contains(&id), "16 digits: {id}");
    let expected_start = json!({
        "workspace_id": id, "workspace_name": "lifecycle", "deployment_name": format!("dbc-{id:x}"),
        "workspace_status": "PROVISIONING", "workspace_status_message": "Workspace resources are being set up.",
        "cloud": "aws", "aws_region": "us-west-2", "pricing_tier": "PREMIUM", "compute_mode": "HYBRID", "storage_mode": "CUSTOMER_HOSTED",
        "account_id": c.account_id(), "creation_time": workspace["creation_time"], "credentials_id": credential,
        "storage_configuration_id": storage, "managed_services_customer_managed_key_id": CUSTOMER_MANAGED_KEY,
        "network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG, "custom_tags": {"team": "data"},
    });
    assert_eq!(workspace, expected_start);

    // The first GET still shows it provisioning; the second shows it running.
    let path = format!("workspaces/{id}");
    assert_eq!(c.call("GET", &path, None).await.json()["workspace_status"], "PROVISIONING");
    let running = c.call("GET", &path, None).await.json();
    assert_eq!(
        (running["workspace_status"].as_str(), running["workspace_status_message"].as_str()),
        (Some("RUNNING"), Some("Workspace is running."))
    );
    assert_eq!(c.call("GET", &path, None).await.json()["workspace_status"], "RUNNING", "it stays running");
    let listed = c.call("GET", "workspaces", None).await.json();
    assert!(listed.as_array().unwrap().iter().any(|w| w["workspace_id"] == id), "{listed}");

    // An update names what changes in the query; only that changes, and it provisions again.
    let change = json!({"workspace_name": "renamed", "aws_region": "eu-west-1", "custom_tags": {"x": "y"}});
    assert_eq!(
        c.call("PATCH", &path, Some(change.clone())).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "update_mask is required")
    );
    assert_eq!(
        c.call("PATCH", &format!("{path}?update_mask="), Some(change.clone())).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "update_mask is required")
    );
    assert_eq!(
        c.call("PATCH", &format!("{path}?update_mask=aws_region"), Some(change.clone())).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "The field mask names aws_region, which cannot be updated")
    );
    let updated = c.call("PATCH", &format!("{path}?update_mask=workspace_name"), Some(change.clone())).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let mut expected = running.clone();
    expected["workspace_name"] = json!("renamed");
    expected["workspace_status"] = json!("PROVISIONING");
    expected["workspace_status_message"] = json!("Workspace resources are being set up.");
    assert_eq!(updated.json(), expected, "only the masked field changes");
    let busy = c.call("PATCH", &format!("{path}?update_mask=custom_tags"), Some(change)).await;
    let message = format!("Workspace {id} is PROVISIONING: only a RUNNING or FAILED workspace can be updated.");
    assert_eq!(busy.answer(), error(400, "INVALID_STATE", &message));
    c.call("GET", &path, None).await;
    assert_eq!(c.call("GET", &path, None).await.json()["workspace_status"], "RUNNING");
    let other_storage = json!({"storage_configuration_id": UNUSED_STORAGE_CONFIGURATION});
    assert_eq!(
        c.call("PATCH", &format!("{path}?update_mask=storage_configuration_id"), Some(other_storage)).await.answer(),
        error(
            400,
            "INVALID_PARAMETER_VALUE",
            "The storage configuration of a running workspace cannot change; only a failed workspace's can."
        )
    );

    // What a workspace uses cannot be deleted.
    let in_use = |what: &str, config: &str| error(400, "INVALID_STATE", &format!("{what} {config} is used by workspace {id}."));
    assert_eq!(
        c.call("DELETE", &format!("credentials/{credential}"), None).await.answer(),
        in_use("Credential configuration", &credential)
    );
    assert_eq!(
        c.call("DELETE", &format!("storage-configurations/{storage}"), None).await.answer(),
        in_use("Storage configuration", &storage)
    );
    assert_eq!(
        c.call("DELETE", &format!("customer-managed-keys/{CUSTOMER_MANAGED_KEY}"), None).await.answer(),
        in_use("Customer-managed key configuration", CUSTOMER_MANAGED_KEY)
    );
    assert_eq!(
        c.call("DELETE", &format!("network-connectivity-configs/{NETWORK_CONNECTIVITY_CONFIG}"), None).await.answer(),
        in_use("Network connectivity configuration", NETWORK_CONNECTIVITY_CONFIG)
    );

    // DELETE answers the workspace; then it and its bindings are gone, and its configurations free.
    let deleted = c.call("DELETE", &path, None).await;
    assert_eq!((deleted.status, deleted.json()["workspace_name"].as_str()), (200, Some("renamed")));
    assert_eq!(
        c.call("GET", &path, None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &format!("Workspace {id} does not exist."))
    );
    assert_eq!(c.call("DELETE", &path, None).await.status, 404);
    let freed = c.call("DELETE", &format!("storage-configurations/{storage}"), None).await;
    assert_eq!((freed.status, freed.json()["storage_configuration_name"].as_str()), (200, Some("lifecycle-bucket")), "DELETE answers it");
    assert_eq!(c.call("DELETE", &format!("credentials/{credential}"), None).await.status, 200);
    assert_eq!(
        c.call("GET", "workspaces/lifecycle", None).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "workspace_id must be a number")
    );
}

#[tokio::test]
async fn a_workspace_names_only_configurations_the_account_holds() {
    let c = &Caller::new(Seed::Examples).await;
    let create = |changes: Value| {
        let mut body = workspace_body("refs", CREDENTIAL, STORAGE_CONFIGURATION);
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        async move { c.call("POST", "workspaces", Some(body)).await.answer() }
    };
    let nope = "00000000-0000-4000-8000-000000000000";
    for (field, word) in [
        ("credentials_id", "CredentialsId"),
        ("storage_configuration_id", "StorageConfigurationId"),
        ("network_id", "NetworkId"),
        ("private_access_settings_id", "PrivateAccessSettingsId"),
        ("storage_customer_managed_key_id", "StorageCustomerManagedKeyId"),
        ("network_connectivity_config_id", "NetworkConnectivityConfigId"),
    ] {
        let message = format!("Invalid {word}: {nope}");
        assert_eq!(create(json!({field: nope})).await, error(400, "INVALID_PARAMETER_VALUE", &message), "{field}");
    }
    assert_eq!(
        create(json!({"credentials_id": null})).await,
        error(400, "INVALID_PARAMETER_VALUE", "credentials_id is required for a workspace with compute_mode HYBRID (the default)")
    );
    assert_eq!(create(json!({"workspace_name": ""})).await, error(400, "INVALID_PARAMETER_VALUE", "workspace_name is required"));
    assert_eq!(create(json!({"pricing_tier": "GOLD"})).await.0, 400);

    // A key needs the use it is given for.
    let storage_only = json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:123456789012:key/k"}});
    let key = c.call("POST", "customer-managed-keys", Some(storage_only)).await.json();
    assert_eq!(
        key["aws_key_info"],
        json!({"key_arn": "arn:aws:kms:us-west-2:123456789012:key/k", "key_region": "us-west-2", "reuse_key_for_cluster_volumes": true}),
        "the region comes from the ARN"
    );
    let key_id = key["customer_managed_key_id"].as_str().unwrap();
    let message = format!("Customer-managed key configuration {key_id} is not for MANAGED_SERVICES.");
    assert_eq!(create(json!({"managed_services_customer_managed_key_id": key_id})).await, error(400, "INVALID_PARAMETER_VALUE", &message));

    // A connectivity configuration serves its region; a network one workspace.
    let message = format!("Network connectivity configuration {NETWORK_CONNECTIVITY_CONFIG} is in region us-west-2, not the workspace's.");
    let elsewhere = json!({"aws_region": "eu-west-1", "network_connectivity_config_id": NETWORK_CONNECTIVITY_CONFIG});
    assert_eq!(create(elsewhere).await, error(400, "INVALID_PARAMETER_VALUE", &message));
    let (status, first) = create(json!({"network_id": NETWORK, "private_access_settings_id": PRIVATE_ACCESS_SETTINGS})).await;
    assert_eq!(status, 200, "{first}");
    let message = format!("Network configuration {NETWORK} is used by workspace {}.", first["workspace_id"]);
    assert_eq!(create(json!({"network_id": NETWORK, "deployment_name": "second"})).await, error(400, "INVALID_PARAMETER_VALUE", &message));
    let message = format!("Deployment name {} is taken.", first["deployment_name"].as_str().unwrap());
    assert_eq!(create(json!({"deployment_name": first["deployment_name"]})).await, error(400, "INVALID_PARAMETER_VALUE", &message));
    let used = format!("workspace {}", first["workspace_id"]);
    assert_eq!(
        c.call("DELETE", &format!("networks/{NETWORK}"), None).await.answer(),
        error(400, "INVALID_STATE", &format!("Network configuration {NETWORK} is used by {used}."))
    );
    assert_eq!(
        c.call("DELETE", &format!("private-access-settings/{PRIVATE_ACCESS_SETTINGS}"), None).await.answer(),
        error(400, "INVALID_STATE", &format!("Private access settings {PRIVATE_ACCESS_SETTINGS} is used by {used}."))
    );
    // A serverless workspace needs no credential or storage of its own.
    let serverless = json!({"workspace_name": "serverless", "aws_region": "us-west-2", "compute_mode": "SERVERLESS"});
    let serverless = c.call("POST", "workspaces", Some(serverless)).await.json();
    assert_eq!((serverless["compute_mode"].as_str(), serverless["storage_mode"].as_str()), (Some("SERVERLESS"), Some("DEFAULT_STORAGE")));
}

#[tokio::test]
async fn a_test_can_make_provisioning_fail_or_stall() {
    let c = Caller::new(Seed::Demo).await;
    let body = workspace_body("doomed", CREDENTIAL, STORAGE_CONFIGURATION);
    c.fake.fail_next_workspace("The cross-account role cannot be assumed.");
    let id = c.call("POST", "workspaces", Some(body.clone())).await.json()["workspace_id"].as_i64().unwrap();
    let path = format!("workspaces/{id}");
    assert_eq!(c.call("GET", &path, None).await.json()["workspace_status"], "PROVISIONING");
    let failed = c.call("GET", &path, None).await.json();
    assert_eq!(
        (failed["workspace_status"].as_str(), failed["workspace_status_message"].as_str()),
        (Some("FAILED"), Some("The cross-account role cannot be assumed."))
    );
    // A failed workspace can be updated, its storage configuration too; then it provisions anew.
    let fixed = c.call("PATCH", &format!("{path}?update_mask=credentials_id,storage_configuration_id"), Some(body.clone())).await;
    assert_eq!(fixed.json()["workspace_status"], "PROVISIONING");
    c.call("GET", &path, None).await;
    assert_eq!(c.call("GET", &path, None).await.json()["workspace_status"], "RUNNING", "the knob held for one workspace only");

    c.fake.stall_next_workspace();
    let mut stalled = body.clone();
    stalled["workspace_name"] = json!("stalled");
    let id = c.call("POST", "workspaces", Some(stalled)).await.json()["workspace_id"].as_i64().unwrap();
    for _ in 0..5 {
        assert_eq!(c.call("GET", &format!("workspaces/{id}"), None).await.json()["workspace_status"], "PROVISIONING");
    }

    let quick = Caller::with(FakeConfig { seed: Seed::Demo, workspace_provisioning_reads: 1, ..FakeConfig::default() }).await;
    let id = quick.call("POST", "workspaces", Some(body)).await.json()["workspace_id"].as_i64().unwrap();
    assert_eq!(quick.call("GET", &format!("workspaces/{id}"), None).await.json()["workspace_status"], "RUNNING", "one read is enough");
}

#[tokio::test]
async fn configurations_are_created_replaced_and_deleted() {
    let c = Caller::new(Seed::Examples).await;
    let a = c.account_id();
    assert_eq!(
        c.call("POST", "storage-configurations", Some(json!({"storage_configuration_name": "x", "root_bucket_info": {}}))).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "root_bucket_info.bucket_name is required")
    );
    let with_role =
        json!({"storage_configuration_name": "uc", "root_bucket_info": {"bucket_name": "b"}, "role_arn": "arn:aws:iam::1:role/uc"});
    let storage = c.call("POST", "storage-configurations", Some(with_role)).await.json();
    assert_eq!(storage["role_arn"], "arn:aws:iam::1:role/uc");
    let listed = c.call("GET", "storage-configurations", None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 3, "a bare array of the seeds' two and the new one: {listed}");

    // VPC endpoints: AWS ones need their region; what AWS reports is filled in.
    let bad = c.call("POST", "vpc-endpoints", Some(json!({"vpc_endpoint_name": "e", "aws_vpc_endpoint_id": "vpce-1"}))).await;
    assert_eq!(bad.answer(), error(400, "INVALID_PARAMETER_VALUE", "region is required"));
    let endpoint = json!({"vpc_endpoint_name": "relay", "aws_vpc_endpoint_id": "vpce-0123456789abcdef0", "region": "us-west-2"});
    let endpoint = c.call("POST", "vpc-endpoints", Some(endpoint)).await.json();
    let endpoint_id = endpoint["vpc_endpoint_id"].as_str().unwrap().to_string();
    assert_eq!((endpoint["state"].as_str(), endpoint["use_case"].as_str()), (Some("available"), Some("GENERAL_ACCESS")));
    assert_eq!(endpoint["account_id"], a.as_str());

    // Private access settings: endpoints they allow must exist; PUT replaces them whole.
    let nope = "00000000-0000-4000-8000-000000000000";
    let unknown = json!({"private_access_settings_name": "p", "region": "us-west-2", "allowed_vpc_endpoint_ids": [nope]});
    assert_eq!(
        c.call("POST", "private-access-settings", Some(unknown)).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", &format!("VPC endpoint configuration {nope} does not exist."))
    );
    let pas = json!({"private_access_settings_name": "p", "region": "us-west-2", "private_access_level": "ENDPOINT", "allowed_vpc_endpoint_ids": [endpoint_id]});
    let pas = c.call("POST", "private-access-settings", Some(pas)).await.json();
    let pas_id = pas["private_access_settings_id"].as_str().unwrap().to_string();
    assert_eq!(
        pas,
        json!({"private_access_settings_id": pas_id, "account_id": a, "private_access_settings_name": "p", "region": "us-west-2",
            "private_access_level": "ENDPOINT", "public_access_enabled": false, "allowed_vpc_endpoint_ids": [endpoint_id]})
    );
    let replacement = json!({"private_access_settings_name": "p2", "region": "us-west-2", "public_access_enabled": true, "private_access_settings_id": "other"});
    let replaced = c.call("PUT", &format!("private-access-settings/{pas_id}"), Some(replacement)).await.json();
    assert_eq!(
        replaced,
        json!({"private_access_settings_id": pas_id, "account_id": a, "private_access_settings_name": "p2", "region": "us-west-2",
            "private_access_level": "ACCOUNT", "public_access_enabled": true}),
        "what PUT leaves out goes back to its default; the ID stays"
    );
    assert_eq!(c.call("GET", &format!("private-access-settings/{pas_id}"), None).await.json(), replaced);
    let missing =
        c.call("PUT", &format!("private-access-settings/{nope}"), Some(json!({"private_access_settings_name": "p", "region": "r"}))).await;
    assert_eq!(missing.answer(), error(404, "RESOURCE_DOES_NOT_EXIST", &format!("Private access settings {nope} does not exist.")));

    // A VPC endpoint a workspace's network uses cannot be deleted; an unused one can.
    let network = json!({"network_name": "with-endpoints", "vpc_id": "vpc-1", "subnet_ids": ["s-1", "s-2"], "security_group_ids": ["sg-1"],
        "vpc_endpoints": {"rest_api": [endpoint_id], "dataplane_relay": []}});
    let network = c.call("POST", "networks", Some(network)).await.json();
    let mut workspace = workspace_body("private", CREDENTIAL, STORAGE_CONFIGURATION);
    workspace["network_id"] = network["network_id"].clone();
    let workspace = c.call("POST", "workspaces", Some(workspace)).await.json();
    let message = format!("VPC endpoint configuration {endpoint_id} is used by workspace {}.", workspace["workspace_id"]);
    assert_eq!(c.call("DELETE", &format!("vpc-endpoints/{endpoint_id}"), None).await.answer(), error(400, "INVALID_STATE", &message));
    let gone = c.call("DELETE", &format!("vpc-endpoints/{VPC_ENDPOINT}"), None).await;
    assert_eq!((gone.status, gone.json()["vpc_endpoint_name"].as_str()), (200, Some("analytics-rest-api")));
    assert_eq!(
        c.call("GET", &format!("vpc-endpoints/{VPC_ENDPOINT}"), None).await.answer(),
        error(404, "RESOURCE_DOES_NOT_EXIST", &format!("VPC endpoint configuration {VPC_ENDPOINT} does not exist."))
    );

    // Keys: one key of one cloud, and known use cases.
    let two = json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:1:key/k"}, "gcp_key_info": {"kms_key_id": "k"}});
    assert_eq!(
        c.call("POST", "customer-managed-keys", Some(two)).await.answer(),
        error(400, "INVALID_PARAMETER_VALUE", "give exactly one of aws_key_info, gcp_key_info and azure_key_info")
    );
    let odd = json!({"use_cases": ["EVERYTHING"], "gcp_key_info": {"kms_key_id": "k"}});
    assert_eq!(c.call("POST", "customer-managed-keys", Some(odd)).await.status, 400);
    let keys = c.call("GET", "customer-managed-keys", None).await.json();
    assert_eq!(keys.as_array().map(Vec::len), Some(1));
    let deleted = c.call("DELETE", &format!("customer-managed-keys/{CUSTOMER_MANAGED_KEY}"), None).await;
    assert_eq!((deleted.status, deleted.json()["use_cases"].clone()), (200, json!(["MANAGED_SERVICES", "STORAGE"])));
}
