//! Unity Catalog: metastores (create, list, get, update, delete) and workspace assignments.

use e2e::{Env, scenario};
use serde_json::json;

const WORKSPACE: i64 = fake_account::example_ids::ANALYTICS_PROD;

#[scenario]
async fn a_metastore_from_creation_to_deletion() {
    let env = Env::demo().await;
    assert_eq!(env.ok("list-metastores", json!({})).await, json!({"metastores": []}));

    env.clear();
    let created = env.ok("create-metastore", json!({"name": "primary", "region": "us-west-2", "storage_root": "s3://lake/uc"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("metastores").as_str()));
    assert_eq!(
        request.body.unwrap(),
        json!({"metastore_info": {"name": "primary", "region": "us-west-2", "storage_root": "s3://lake/uc"}})
    );
    let id = created["metastore_id"].as_str().unwrap().to_string();
    assert_eq!((created["name"].as_str(), created["delta_sharing_scope"].as_str()), (Some("primary"), Some("internal")));

    assert_eq!(env.ok("list-metastores", json!({"region": "US-WEST-2"})).await["metastores"][0]["metastore_id"], id.as_str());
    assert_eq!(env.ok("list-metastores", json!({"region": "eu-west-1"})).await, json!({"metastores": []}));
    assert_eq!(env.ok("get-metastore", json!({"metastore_id": id})).await, created);

    env.clear();
    let updated = env
        .ok("update-metastore", json!({"metastore_id": id, "owner": "data-platform", "delta_sharing_scope": "internal_and_external"}))
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PUT", env.api(&format!("metastores/{id}"))));
    assert_eq!(
        request.body.unwrap(),
        json!({"metastore_info": {"owner": "data-platform", "delta_sharing_scope": "INTERNAL_AND_EXTERNAL"}}),
        "only the given fields"
    );
    assert_eq!(
        (updated["owner"].as_str(), updated["delta_sharing_scope"].as_str()),
        (Some("data-platform"), Some("internal_and_external"))
    );
    assert_eq!(updated["storage_root"], "s3://lake/uc", "untouched fields stay");

    env.clear();
    assert_eq!(env.ok("delete-metastore", json!({"metastore_id": id, "force": true})).await, json!({"id": id}));
    let request = env.single_api_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str(), request.query_value("force")),
        ("DELETE", env.api(&format!("metastores/{id}")).as_str(), Some("true"))
    );
    assert_eq!(env.err("get-metastore", json!({"metastore_id": id})).await.0, "not_found");
}

#[scenario]
async fn assign_a_metastore_to_a_workspace_and_take_it_back() {
    let env = Env::demo().await;
    let metastore = env.ok("create-metastore", json!({"name": "primary"})).await;
    let id = metastore["metastore_id"].as_str().unwrap().to_string();
    let (case, _) = env.err("get-workspace-metastore", json!({"workspace_id": WORKSPACE})).await;
    assert_eq!(case, "not_found", "no metastore yet");

    env.clear();
    let assigned = env
        .ok("assign-metastore-to-workspace", json!({"workspace_id": WORKSPACE, "metastore_id": id, "default_catalog_name": "main"}))
        .await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("POST", env.api(&format!("workspaces/{WORKSPACE}/metastores/{id}"))));
    assert_eq!(
        request.body.unwrap(),
        json!({"metastore_assignment": {"workspace_id": WORKSPACE, "metastore_id": id, "default_catalog_name": "main"}})
    );
    assert_eq!(assigned, json!({"workspace_id": WORKSPACE, "metastore_id": id, "default_catalog_name": "main"}));

    let got = env.ok("get-workspace-metastore", json!({"workspace_id": WORKSPACE})).await;
    assert_eq!(got, assigned);
    env.clear();
    let ids = env.ok("list-metastore-workspace-assignments", json!({"metastore_id": id})).await;
    assert_eq!(env.single_api_request().path, env.api(&format!("metastores/{id}/workspaces")));
    assert_eq!(ids, json!({"workspace_ids": [WORKSPACE]}));
    let (case, _) = env.err("assign-metastore-to-workspace", json!({"workspace_id": WORKSPACE, "metastore_id": id})).await;
    assert_eq!(case, "conflict", "one metastore per workspace");
    let (case, error) = env.err("delete-metastore", json!({"metastore_id": id})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("upstream", Some("INVALID_STATE")), "assigned: needs force");

    env.clear();
    env.ok("delete-metastore-from-workspace", json!({"workspace_id": WORKSPACE, "metastore_id": id})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("DELETE", env.api(&format!("workspaces/{WORKSPACE}/metastores/{id}"))));
    let (case, error) = env.err("delete-metastore-from-workspace", json!({"workspace_id": WORKSPACE, "metastore_id": id})).await;
    assert_eq!(
        (case.as_str(), error["error_code"].as_str()),
        ("not_found", Some("RESOURCE_DOES_NOT_EXIST")),
        "an assignment that does not exist"
    );
}

#[scenario]
async fn a_workspace_gets_another_default_catalog() {
    let env = Env::demo().await;
    let id = env.ok("create-metastore", json!({"name": "primary"})).await["metastore_id"].as_str().unwrap().to_string();
    env.ok("assign-metastore-to-workspace", json!({"workspace_id": WORKSPACE, "metastore_id": id})).await;

    env.clear();
    let input = json!({"workspace_id": WORKSPACE, "metastore_id": id, "default_catalog_name": "analytics"});
    let updated = env.ok("update-metastore-assignment", input.clone()).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path), ("PUT", env.api(&format!("workspaces/{WORKSPACE}/metastores/{id}"))));
    assert_eq!(
        request.body.unwrap(),
        json!({"metastore_assignment": {"workspace_id": WORKSPACE, "metastore_id": id, "default_catalog_name": "analytics"}}),
        "the SDK's UpdateMetastoreAssignment requires the workspace ID in the body as well as the path"
    );
    assert_eq!(updated, input, "Databricks answers with nothing: the card returns the assignment it made");
    assert_eq!(env.ok("get-workspace-metastore", json!({"workspace_id": WORKSPACE})).await["default_catalog_name"], "analytics");

    env.clear();
    let (case, error) = env.err("update-metastore-assignment", json!({"workspace_id": WORKSPACE, "metastore_id": id})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("workspace-id")), "nothing to change: {error}");
    assert!(error["reason"].as_str().unwrap().contains("besides workspace-id and metastore-id"), "{error}");
    assert!(env.fake.requests().is_empty());
    let sandbox = fake_account::example_ids::SANDBOX;
    let (case, error) =
        env.err("update-metastore-assignment", json!({"workspace_id": sandbox, "metastore_id": id, "default_catalog_name": "x"})).await;
    assert_eq!((case.as_str(), error["error_code"].as_str()), ("not_found", Some("RESOURCE_DOES_NOT_EXIST")), "sandbox has no assignment");
}

#[scenario]
async fn bad_catalog_inputs_are_refused_before_any_request() {
    let env = Env::demo().await;
    env.clear();
    for (card, input, field) in [
        ("get-metastore", json!({"metastore_id": "primary"}), "metastore-id"),
        ("create-metastore", json!({"name": " "}), "name"),
        ("update-metastore", json!({"metastore_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"}), "metastore-id"),
        (
            "update-metastore",
            json!({"metastore_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d", "delta_sharing_recipient_token_lifetime_in_seconds": -5}),
            "delta-sharing-recipient-token-lifetime-in-seconds",
        ),
        ("get-workspace-metastore", json!({"workspace_id": 0}), "workspace-id"),
        ("assign-metastore-to-workspace", json!({"workspace_id": WORKSPACE, "metastore_id": "../x"}), "metastore-id"),
    ] {
        let (case, error) = env.err(card, input).await;
        assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some(field)), "{card}");
    }
    assert!(env.fake.requests().is_empty());
}
