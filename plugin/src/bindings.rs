//! The generated bindings. The SCIM resource records derive serde with Databricks'
//! field names, so the client decodes responses straight into the WIT types
//! (no hand-written mirror structs). Missing lists and options decode as empty.
#![allow(missing_docs, clippy::all)]

wit_bindgen::generate!({
    path: "../wit",
    world: "connector",
    additional_derives: [Clone, PartialEq],
    additional_type_attributes: {
        "databricks:account/identity@0.1.0/email": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default)]],
        "databricks:account/identity@0.1.0/person-name": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default, rename_all = "camelCase")]],
        "databricks:account/identity@0.1.0/role": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default)]],
        "databricks:account/identity@0.1.0/principal-ref": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default)]],
        "databricks:account/identity@0.1.0/user": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default, rename_all = "camelCase")]],
        "databricks:account/identity@0.1.0/group": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default, rename_all = "camelCase")]],
        "databricks:account/identity@0.1.0/service-principal": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default, rename_all = "camelCase")]],
        "databricks:account/access@0.1.0/ip-list-type": [#[derive(serde::Deserialize, serde::Serialize)] #[serde(rename_all = "UPPERCASE")]],
        "databricks:account/access@0.1.0/ip-access-list": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default)]],
        "databricks:account/access@0.1.0/workspace-permission": [#[derive(serde::Deserialize, serde::Serialize)] #[serde(rename_all = "UPPERCASE")]],
        "databricks:account/access@0.1.0/workspace-principal": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/access@0.1.0/permission-assignment": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/oauth@0.1.0/service-principal-secret": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/oauth@0.1.0/created-service-principal-secret": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/oauth@0.1.0/token-access-policy": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default)]],
        "databricks:account/oauth@0.1.0/custom-app-integration": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/oauth@0.1.0/created-custom-app-integration": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/billing@0.1.0/log-type": [#[derive(serde::Deserialize, serde::Serialize)] #[serde(rename_all = "SCREAMING_SNAKE_CASE")]],
        "databricks:account/billing@0.1.0/log-delivery-status": [#[derive(serde::Deserialize, serde::Serialize)] #[serde(rename_all = "UPPERCASE")]],
        "databricks:account/billing@0.1.0/log-delivery-health": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/billing@0.1.0/log-delivery-config": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/catalog@0.1.0/metastore": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/catalog@0.1.0/delta-sharing-scope": [#[derive(serde::Deserialize, serde::Serialize)] #[serde(rename_all = "SCREAMING_SNAKE_CASE")]],
        "databricks:account/catalog@0.1.0/metastore-assignment": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/workspace": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/credential": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/aws-credentials": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/sts-role": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/storage-configuration": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/root-bucket-info": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/network": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/network-problem": [#[derive(serde::Deserialize, Default)] #[serde(default)]],
        "databricks:account/provisioning@0.1.0/gcp-network-info": [#[derive(serde::Deserialize, serde::Serialize, Default)] #[serde(default)]],
    },
    additional_member_attributes: {
        "databricks:account/identity@0.1.0/email.type": [#[serde(rename = "type")]],
        "databricks:account/identity@0.1.0/principal-ref.ref": [#[serde(rename = "$ref")]],
    },
});
