//! The `cards` export: the card list and type docs that `build.rs` generated from `../wit`, shipped
//! as deflated JSON and read into the WIT records of `cards.wit` by decoders generated from those
//! records (their one declaration).

use crate::wit::cards::{CardInfo, CloudInfo, TypeDoc};
use serde_json::Value;

/// The card list and type docs as JSON (`{"cards": [...], "types": [...]}`), deflated by build.rs.
static LIST_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/card_list.json.deflate"));

include!(concat!(env!("OUT_DIR"), "/card_list_decoders.rs"));

/// The list, inflated and parsed. build.rs wrote valid JSON of these records, checked against
/// `cards.wit`, so neither step fails on a build that compiled; if one did, the list would be
/// empty rather than the component trapping.
fn list() -> Value {
    miniz_oxide::inflate::decompress_to_vec(LIST_DEFLATED)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Every card, in interface and declaration order.
pub(crate) fn list_cards() -> Vec<CardInfo> {
    read::list(decode_card_info)(&list()["cards"])
}

/// The docs of every named type.
pub(crate) fn type_docs() -> Vec<TypeDoc> {
    read::list(decode_type_doc)(&list()["types"])
}

/// Every cloud with its account host.
pub(crate) fn list_clouds() -> Vec<CloudInfo> {
    crate::clouds::ACCOUNT_HOSTS.iter().map(|(cloud, host)| CloudInfo { cloud: *cloud, account_host: host.to_string() }).collect()
}

/// What the generated decoders read values with.
mod read {
    use serde_json::Value;

    pub fn text(value: &Value) -> String {
        value.as_str().unwrap_or_default().to_string()
    }

    pub fn flag(value: &Value) -> bool {
        value.as_bool().unwrap_or_default()
    }

    pub fn int(value: &Value) -> i64 {
        value.as_i64().unwrap_or_default()
    }

    pub fn option<T>(read: impl Fn(&Value) -> T) -> impl Fn(&Value) -> Option<T> {
        move |value| (!value.is_null()).then(|| read(value))
    }

    pub fn list<T>(read: impl Fn(&Value) -> T) -> impl Fn(&Value) -> Vec<T> {
        move |value| value.as_array().map(|items| items.iter().map(&read).collect()).unwrap_or_default()
    }
}

// The parser build.rs uses; compiled here for its unit tests (its tables are build.rs's).
#[cfg(test)]
#[allow(dead_code)]
#[path = "card_docs.rs"]
mod card_docs;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wit::Cloud;

    #[test]
    fn every_card_has_metadata_and_a_json_object_example() {
        let cards = list_cards();
        assert!(cards.len() >= 63, "{} cards", cards.len());
        for card in &cards {
            assert!(!card.scopes.is_empty(), "{}", card.id);
            assert!(!card.clouds.is_empty(), "{}", card.id);
            let example: serde_json::Value = serde_json::from_str(&card.example_input).unwrap();
            assert!(example.is_object(), "{}", card.id);
            assert!(card.input_type.is_some() && card.output_type.is_some(), "{}", card.id);
        }
        let list = cards.iter().find(|c| c.id == "list-users").unwrap();
        assert_eq!(list.label, "List users");
        assert_eq!(list.category, "identity");
        assert_eq!(list.scopes, ["scim"]);
        assert_eq!(list.endpoints, ["GET /accounts/{account_id}/scim/v2/Users"]);
        assert!(!list.changes_state);
        assert_eq!(
            list.description,
            "List users, filtered and sorted, one page or every page. `GET /accounts/{account_id}/scim/v2/Users`."
        );
        assert_eq!(list.output_type.as_deref(), Some("identity/user-list"));
        assert_eq!(list.clouds.len(), 5);
        assert!(cards.iter().find(|c| c.id == "delete-user").unwrap().changes_state);
        let credentials = cards.iter().find(|c| c.id == "create-credential").unwrap();
        assert_eq!(credentials.clouds, [Cloud::Aws, Cloud::AwsGov, Cloud::AwsGovDod]);
    }

    #[test]
    fn type_docs_carry_field_docs_type_refs_and_checks() {
        let types = type_docs();
        let user = types.iter().find(|t| t.name == "identity/user").unwrap();
        assert!(user.description.contains("SCIM"));
        let emails = user.members.iter().find(|m| m.name == "emails").unwrap();
        assert_eq!(emails.type_ref.as_deref(), Some("identity/email"));
        assert!(!emails.description.is_empty());
        let get = types.iter().find(|t| t.name == "catalog/metastore-id").unwrap();
        let checks = get.members[0].checks.as_ref().expect("the metastore ID has a format");
        assert_eq!(checks.format.as_deref(), Some("uuid"));
        let cloud = types.iter().find(|t| t.name == "types/cloud").unwrap();
        assert_eq!(cloud.members[0].description, "AWS commercial. Account host: `accounts.cloud.databricks.com`.");
    }

    #[test]
    fn every_cloud_has_an_account_host() {
        let clouds = list_clouds();
        assert_eq!(clouds.len(), 5);
        assert!(clouds.iter().all(|c| c.account_host.starts_with("accounts") && c.account_host.contains("databricks")));
    }
}
