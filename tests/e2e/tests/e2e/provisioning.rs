//! Provisioning: workspaces (bare JSON arrays on the wire) and credential configurations,
//! which Databricks offers on AWS only.

use e2e::{Env, scenario};
use fake_account::{Fault, FaultAction};
use serde_json::json;

#[scenario]
async fn list_and_get_workspaces() {
    let env = Env::demo().await;
    env.clear();
    let all = env.ok("list-workspaces", json!({})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("workspaces").as_str()));
    let names: Vec<&str> = all["workspaces"].as_array().unwrap().iter().map(|w| w["workspace_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["analytics-prod", "sandbox"]);
    let running = env.ok("list-workspaces", json!({"workspace_status": "running"})).await;
    assert_eq!(running["workspaces"].as_array().unwrap().len(), 1);

    let id = all["workspaces"][0]["workspace_id"].as_i64().unwrap();
    assert_eq!(id, 1_234_567_890_123_456, "an int64 ID survives exactly (beyond 2^53 would too: s64, not f64)");
    env.clear();
    let workspace = env.ok("get-workspace", json!({"workspace_id": id})).await;
    assert_eq!(env.single_api_request().path, env.api(&format!("workspaces/{id}")));
    assert_eq!(workspace, all["workspaces"][0]);
    assert_eq!(workspace["aws_region"], "us-west-2");
    assert_eq!(env.err("get-workspace", json!({"workspace_id": 42})).await.0, "not_found");
    assert_eq!(env.err("get-workspace", json!({"workspace_id": -1})).await.0, "invalid_input");
}

#[scenario]
async fn a_wrapped_list_decodes_like_a_bare_one() {
    let env = Env::demo().await;
    let wrapped = json!({"workspaces": [{"workspace_id": 7, "workspace_name": "wrapped"}]});
    env.fake.push_fault(Fault::new("/workspaces", FaultAction::json(200, wrapped, &[])));
    let list = env.ok("list-workspaces", json!({})).await;
    assert_eq!(list["workspaces"][0]["workspace_name"], "wrapped");
    env.fake.push_fault(Fault::new("/workspaces", FaultAction::json(200, json!({}), &[])));
    assert_eq!(env.ok("list-workspaces", json!({})).await, json!({"workspaces": []}));
}

#[scenario]
async fn credential_configurations_round_trip_on_aws() {
    let env = Env::demo().await;
    env.clear();
    let created =
        env.ok("create-credential", json!({"credentials_name": "etl-role", "role_arn": "arn:aws:iam::123456789012:role/etl"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("credentials").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"credentials_name": "etl-role", "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/etl"}}})
    );
    let id = created["credentials_id"].as_str().unwrap().to_string();
    assert_eq!(created["aws_credentials"]["sts_role"]["role_arn"], "arn:aws:iam::123456789012:role/etl");

    let listed = env.ok("list-credentials", json!({"name_contains": "ETL"})).await;
    assert_eq!(listed["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(env.ok("get-credential", json!({"credentials_id": id})).await, created);
    env.clear();
    assert_eq!(env.ok("delete-credential", json!({"credentials_id": id})).await, json!({"id": id}));
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("credentials/{id}"))));
    assert_eq!(env.err("get-credential", json!({"credentials_id": id})).await.0, "not_found");

    let in_use = env.ok("list-credentials", json!({})).await["credentials"][0]["credentials_id"].clone();
    let (case, error) = env.err("delete-credential", json!({"credentials_id": in_use})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("INVALID_STATE")), "used by a workspace");
}

#[scenario]
async fn credential_cards_are_aws_only_and_validate_first() {
    let env = Env::demo().await;
    env.clear();
    for cloud in ["azure", "gcp"] {
        let mut connection = env.connection.clone();
        connection["cloud"] = json!(cloud);
        for (card, input) in [
            ("list-credentials", json!({})),
            ("create-credential", json!({"credentials_name": "etl-role", "role_arn": "arn:aws:iam::123456789012:role/etl"})),
            ("get-credential", json!({"credentials_id": fake_account::example_ids::CREDENTIAL})),
            ("delete-credential", json!({"credentials_id": fake_account::example_ids::CREDENTIAL})),
        ] {
            let (case, message) = e2e::error_case(&env.run_with(card, &connection, input).await.unwrap_err());
            assert_eq!(case, "unsupported", "{card} on {cloud}");
            assert!(message.as_str().unwrap().starts_with("unsupported on this cloud"), "{message}");
            assert!(message.as_str().unwrap().contains(&format!("this connection's cloud is {cloud}")), "{message}");
        }
    }
    for (input, field) in [
        (json!({"credentials_name": "abc", "role_arn": "arn:aws:iam::123456789012:role/etl"}), "credentials-name"),
        (json!({"credentials_name": "etl-role", "role_arn": "arn:aws:iam::1234:role/etl"}), "role-arn"),
        (json!({"credentials_name": "etl-role", "role_arn": "arn:aws:s3:::bucket"}), "role-arn"),
    ] {
        let (case, error) = env.err("create-credential", input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)));
    }
    assert!(env.fake.requests().is_empty(), "nothing was sent");
    let mut gov = env.connection.clone();
    gov["cloud"] = json!("aws_gov");
    env.run_with("list-credentials", &gov, json!({})).await.expect("GovCloud is AWS");
}

#[scenario]
async fn storage_configurations_on_aws() {
    let env = Env::demo().await;
    env.clear();
    let listed = env.ok("list-storage-configurations", json!({})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", env.api("storage-configurations").as_str()));
    let first = &listed["storage_configurations"][0];
    assert_eq!(first["root_bucket_info"]["bucket_name"], "demo-databricks-root");
    let id = first["storage_configuration_id"].as_str().unwrap();
    assert_eq!(&env.ok("get-storage-configuration", json!({"storage_configuration_id": id})).await, first);
    assert_eq!(env.ok("list-storage-configurations", json!({"name_contains": "nothing"})).await, json!({"storage_configurations": []}));
    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    let (case, _) = e2e::error_case(&env.run_with("list-storage-configurations", &azure, json!({})).await.unwrap_err());
    assert_eq!(case, "unsupported");
}

#[scenario]
async fn networks_on_aws_and_gcp_but_not_azure() {
    let env = Env::demo().await;
    env.clear();
    let aws = json!({"network_name": "prod-vpc", "aws": {"vpc_id": "vpc-0a1b2c3d", "subnet_ids": ["subnet-01", "subnet-02"], "security_group_ids": ["sg-0f"]}});
    let created = env.ok("create-network", aws).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("networks").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"network_name": "prod-vpc", "vpc_id": "vpc-0a1b2c3d", "subnet_ids": ["subnet-01", "subnet-02"], "security_group_ids": ["sg-0f"]})
    );
    let id = created["network_id"].as_str().unwrap().to_string();
    assert_eq!(created["vpc_status"], "UNATTACHED");
    assert_eq!(env.ok("list-networks", json!({"vpc_status": "unattached"})).await["networks"][0], created);
    assert_eq!(env.ok("get-network", json!({"network_id": id})).await, created);
    env.clear();
    assert_eq!(env.ok("delete-network", json!({"network_id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().path, env.api(&format!("networks/{id}")));
    assert_eq!(env.err("get-network", json!({"network_id": id})).await.0, "not_found");

    let mut gcp = env.connection.clone();
    gcp["cloud"] = json!("gcp");
    let gcp_network = json!({"network_name": "gcp-vpc", "gcp": {"network_project_id": "proj", "vpc_id": "vpc", "subnet_id": "sub", "subnet_region": "us-central1"}});
    let made = env.run_with("create-network", &gcp, gcp_network).await.unwrap();
    assert_eq!(made["gcp_network_info"]["subnet_region"], "us-central1");
    let wrong_part = env
        .run_with(
            "create-network",
            &gcp,
            json!({"network_name": "gcp-vpc", "aws": {"vpc_id": "vpc-01", "subnet_ids": [], "security_group_ids": []}}),
        )
        .await;
    assert_eq!(e2e::error_case(&wrong_part.unwrap_err()).0, "invalid_input");

    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    let (case, message) = e2e::error_case(&env.run_with("list-networks", &azure, json!({})).await.unwrap_err());
    assert_eq!(case, "unsupported");
    assert!(message.as_str().unwrap().contains("on aws, aws-gov, aws-gov-dod, gcp only"), "{message}");
}

#[scenario]
async fn bad_network_inputs_are_refused_before_any_request() {
    let env = Env::demo().await;
    env.clear();
    let aws = |vpc: &str, subnets: serde_json::Value, groups: serde_json::Value| json!({"network_name": "prod-vpc", "aws": {"vpc_id": vpc, "subnet_ids": subnets, "security_group_ids": groups}});
    for (input, field) in [
        (aws("vpc-0a1b", json!(["subnet-01"]), json!(["sg-01"])), "aws.subnet-ids"),
        (aws("vpc-0a1b", json!(["subnet-01", "subnet-02"]), json!([])), "aws.security-group-ids"),
        (
            aws("vpc-0a1b", json!(["subnet-01", "subnet-02"]), json!(["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"])),
            "aws.security-group-ids",
        ),
        (aws("my-vpc", json!(["subnet-01", "subnet-02"]), json!(["sg-01"])), "aws.vpc-id"),
        (json!({"network_name": "prod-vpc"}), "aws"),
        (json!({"network_name": "abc", "aws": null}), "network-name"),
    ] {
        let (case, error) = env.err("create-network", input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)));
    }
    assert!(env.fake.requests().is_empty());
}
