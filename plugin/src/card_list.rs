//! The `cards` export: the card list and type docs that `build.rs` generated from `../wit`.

use crate::bindings::exports::databricks::account::cards as wit;
use crate::bindings::exports::databricks::account::types::Cloud;

/// One card, as generated.
pub(crate) struct Card {
    pub id: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub endpoints: &'static [&'static str],
    pub scopes: &'static [&'static str],
    pub clouds: &'static [&'static str],
    pub changes_state: bool,
    pub example_input: &'static str,
    pub auth: &'static [&'static str],
    pub input_type: Option<&'static str>,
    pub output_type: Option<&'static str>,
}

/// A member of a named type, as generated.
pub(crate) struct Member {
    pub name: &'static str,
    pub description: &'static str,
    pub type_ref: Option<&'static str>,
}

/// A named type's docs, as generated.
pub(crate) struct TypeDoc {
    pub name: &'static str,
    pub description: &'static str,
    pub members: &'static [Member],
    pub type_ref: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/card_list.rs"));

// The parser build.rs uses; compiled here for its unit tests.
#[cfg(test)]
#[path = "card_docs.rs"]
mod card_docs;

fn cloud(name: &str) -> Option<Cloud> {
    Some(match name {
        "aws" => Cloud::Aws,
        "azure" => Cloud::Azure,
        "gcp" => Cloud::Gcp,
        "aws-gov" => Cloud::AwsGov,
        "aws-gov-dod" => Cloud::AwsGovDod,
        _ => return None,
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The card list in WIT form.
pub(crate) fn list_cards() -> Vec<wit::CardInfo> {
    CARDS
        .iter()
        .map(|c| wit::CardInfo {
            id: c.id.into(),
            label: c.label.into(),
            description: c.description.into(),
            category: c.category.into(),
            endpoints: strings(c.endpoints),
            scopes: strings(c.scopes),
            // build.rs accepts only the case names of `cloud`.
            clouds: c.clouds.iter().filter_map(|name| cloud(name)).collect(),
            changes_state: c.changes_state,
            example_input: c.example_input.into(),
            auth: strings(c.auth),
            input_type: c.input_type.map(Into::into),
            output_type: c.output_type.map(Into::into),
        })
        .collect()
}

/// The type docs in WIT form.
pub(crate) fn type_docs() -> Vec<wit::TypeDoc> {
    TYPE_DOCS
        .iter()
        .map(|t| wit::TypeDoc {
            name: t.name.into(),
            description: t.description.into(),
            members: t
                .members
                .iter()
                .map(|m| wit::MemberDoc {
                    name: m.name.into(),
                    description: m.description.into(),
                    type_ref: m.type_ref.map(Into::into),
                })
                .collect(),
            type_ref: t.type_ref.map(Into::into),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_has_metadata_and_a_json_object_example() {
        assert!(CARDS.len() >= 63, "{} cards", CARDS.len());
        for card in CARDS {
            assert!(!card.scopes.is_empty(), "{}", card.id);
            assert!(!card.clouds.is_empty(), "{}", card.id);
            assert!(card.clouds.iter().all(|c| cloud(c).is_some()), "{}", card.id);
            let example: serde_json::Value = serde_json::from_str(card.example_input).unwrap();
            assert!(example.is_object(), "{}", card.id);
            assert!(card.input_type.is_some() && card.output_type.is_some(), "{}", card.id);
        }
        let list = CARDS.iter().find(|c| c.id == "list-users").unwrap();
        assert_eq!(list.label, "List users");
        assert_eq!(list.category, "identity");
        assert_eq!(list.scopes, ["scim"]);
        assert_eq!(list.endpoints, ["GET /accounts/{account_id}/scim/v2/Users"]);
        assert!(!list.changes_state);
        assert!(!list.description.contains("@scope"));
        assert_eq!(list.output_type, Some("identity/user-list"));
        assert!(CARDS.iter().find(|c| c.id == "delete-user").unwrap().changes_state);
    }

    #[test]
    fn type_docs_carry_field_docs_and_type_refs() {
        let user = TYPE_DOCS.iter().find(|t| t.name == "identity/user").unwrap();
        assert!(user.description.contains("SCIM"));
        let emails = user.members.iter().find(|m| m.name == "emails").unwrap();
        assert_eq!(emails.type_ref, Some("identity/email"));
        assert!(!emails.description.is_empty());
    }
}
