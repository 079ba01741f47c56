//! Service principals: list, get, create, update, delete.

use e2e::{Env, scenario};
use serde_json::json;

const SP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal";

#[scenario]
async fn create_get_update_delete_a_service_principal() {
    let env = Env::empty().await;
    env.clear();
    let sp = env.ok("create-service-principal", json!({"display_name": "etl-bot"})).await;
    let request = env.single_api_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", env.api("scim/v2/ServicePrincipals").as_str()));
    assert_eq!(request.body.unwrap(), json!({"schemas": [SP_SCHEMA], "displayName": "etl-bot", "active": true}));
    let id = sp["id"].as_str().unwrap();
    assert_eq!(sp["display_name"], "etl-bot");
    assert!(sp["application_id"].as_str().is_some_and(|a| a.len() == 36), "Databricks generates the application ID: {sp}");

    env.clear();
    let got = env.ok("get-service-principal", json!({"id": id})).await;
    assert_eq!(env.single_api_request().path, env.api(&format!("scim/v2/ServicePrincipals/{id}")));
    assert_eq!(got, sp);

    env.clear();
    let updated = env.ok("update-service-principal", json!({"id": id, "display_name": "etl-bot-2", "active": false})).await;
    let requests = env.api_requests();
    assert_eq!(
        requests[0].body.clone().unwrap()["Operations"],
        json!([
            {"op": "replace", "path": "displayName", "value": "etl-bot-2"},
            {"op": "replace", "path": "active", "value": [{"value": "false"}]}
        ])
    );
    assert_eq!((updated["display_name"].as_str(), updated["active"].as_bool()), (Some("etl-bot-2"), Some(false)));

    env.clear();
    assert_eq!(env.ok("delete-service-principal", json!({"id": id})).await, json!({"id": id}));
    assert_eq!(env.single_api_request().method, "DELETE");
    assert_eq!(env.err("get-service-principal", json!({"id": id})).await.0, "not_found");
}

#[scenario]
async fn list_service_principals_finds_the_connection_itself() {
    let env = Env::empty().await;
    let client_id = env.fake.config().client_id.clone();
    env.clear();
    let list = env.ok("list-service-principals", json!({"filter": format!("applicationId eq \"{client_id}\"")})).await;
    let request = env.single_api_request();
    assert_eq!(request.path, env.api("scim/v2/ServicePrincipals"));
    assert_eq!(list["total_results"], 1);
    assert_eq!(list["resources"][0]["id"], env.fake.service_principal_id());
    assert_eq!(list["resources"][0]["application_id"], client_id);
    assert_eq!(list["resources"][0]["roles"], json!([{"value": "account_admin"}]));
}

#[scenario]
async fn application_id_is_azure_only() {
    let env = Env::empty().await;
    env.clear();
    let (case, error) =
        env.err("create-service-principal", json!({"display_name": "x", "application_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"})).await;
    assert_eq!((case.as_str(), error["field"].as_str()), ("invalid_input", Some("application-id")));
    assert!(env.fake.requests().is_empty());

    let mut azure = env.connection.clone();
    azure["cloud"] = json!("azure");
    let sp = env
        .run_with(
            "create-service-principal",
            &azure,
            json!({"display_name": "entra-app", "application_id": "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d"}),
        )
        .await
        .unwrap();
    assert_eq!(sp["application_id"], "0b8e5c1a-2f4c-4d8b-9c39-0f5e7a1b2c3d");
}

#[scenario]
async fn update_service_principal_strict_puts_it_whole_and_can_drop_its_roles() {
    let env = Env::empty().await;
    let sp = env.ok("create-service-principal", json!({"display_name": "deploy-bot", "external_id": "gh-42"})).await;
    let id = sp["id"].as_str().unwrap().to_string();
    let path = env.api(&format!("scim/v2/ServicePrincipals/{id}"));
    env.ok("update-service-principal", json!({"id": id, "account_admin": true})).await;
    env.clear();
    let updated = env.ok("update-service-principal", json!({"id": id, "display_name": "deploy-bot-2", "update_type": "strict"})).await;
    let requests = env.api_requests();
    assert_eq!(e2e::summary(&requests)[..2], [format!("GET {path}"), format!("PUT {path}")]);
    let put = requests[1].body.clone().unwrap();
    assert_eq!(put["schemas"], json!([SP_SCHEMA]));
    assert_eq!((put["displayName"].as_str(), put["externalId"].as_str()), (Some("deploy-bot-2"), Some("gh-42")));
    assert_eq!(put["applicationId"], sp["application_id"], "the application ID goes back unchanged");
    assert_eq!(put["roles"], json!([{"value": "account_admin"}]));
    assert_eq!(updated["display_name"], "deploy-bot-2");

    env.clear();
    let dropped = env.ok("update-service-principal", json!({"id": id, "update_type": "strict", "pass_empty_values": true})).await;
    let put = env.api_requests()[1].body.clone().unwrap();
    assert_eq!((put.get("externalId"), put["roles"].clone()), (None, json!([])), "what the input leaves out is cleared");
    assert_eq!(dropped["roles"], json!([]));
    assert_eq!(dropped["display_name"], "deploy-bot-2", "the display name is kept unless an empty one is given");
}
