//! The `cards` export: the card list and type docs that `build.rs` generated from `../wit`.

use crate::bindings::exports::databricks::account::cards as wit;
use crate::bindings::exports::databricks::account::types::Cloud;

/// One card, as generated.
pub(crate) struct Card {
    pub id: &'static str,
    pub label: &'static str,
    pub description: Prose,
    pub category: &'static str,
    pub endpoints: &'static [&'static str],
    pub scopes: &'static [&'static str],
    pub clouds: &'static [&'static str],
    pub changes_state: bool,
    pub example_input: Prose,
    pub auth: &'static [&'static str],
    pub input_type: Option<&'static str>,
    pub output_type: Option<&'static str>,
}

/// A member of a named type, as generated.
pub(crate) struct Member {
    pub name: &'static str,
    pub description: Prose,
    pub type_ref: Option<&'static str>,
}

/// A named type's docs, as generated.
pub(crate) struct TypeDoc {
    pub name: &'static str,
    pub description: Prose,
    pub members: &'static [Member],
    pub type_ref: Option<&'static str>,
}

/// A piece of the list's prose: its byte range in the inflated prose text.
#[derive(Clone, Copy)]
pub(crate) struct Prose(u32, u32);

impl Prose {
    /// This piece of `text` (the inflated prose); empty if `text` is not the prose it indexes.
    pub fn of(self, text: &str) -> &str {
        text.get(self.0 as usize..(self.0 + self.1) as usize).unwrap_or_default()
    }
}

include!(concat!(env!("OUT_DIR"), "/card_list.rs"));

/// Every description and example of the list, deflated by build.rs.
static PROSE_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/card_prose.deflate"));

/// The list's prose, inflated (build.rs deflated valid UTF-8, so neither step can fail on a
/// build that compiled; an empty text would only blank the descriptions, never trap).
fn prose() -> String {
    miniz_oxide::inflate::decompress_to_vec(PROSE_DEFLATED).ok().and_then(|bytes| String::from_utf8(bytes).ok()).unwrap_or_default()
}

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
    let prose = prose();
    CARDS
        .iter()
        .map(|c| wit::CardInfo {
            id: c.id.into(),
            label: c.label.into(),
            description: c.description.of(&prose).into(),
            category: c.category.into(),
            endpoints: strings(c.endpoints),
            scopes: strings(c.scopes),
            // build.rs accepts only the case names of `cloud`.
            clouds: c.clouds.iter().filter_map(|name| cloud(name)).collect(),
            changes_state: c.changes_state,
            example_input: c.example_input.of(&prose).into(),
            auth: strings(c.auth),
            input_type: c.input_type.map(Into::into),
            output_type: c.output_type.map(Into::into),
        })
        .collect()
}

/// The type docs in WIT form.
pub(crate) fn type_docs() -> Vec<wit::TypeDoc> {
    let prose = prose();
    TYPE_DOCS
        .iter()
        .map(|t| wit::TypeDoc {
            name: t.name.into(),
            description: t.description.of(&prose).into(),
            members: t
                .members
                .iter()
                .map(|m| wit::MemberDoc {
                    name: m.name.into(),
                    description: m.description.of(&prose).into(),
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
        let prose = prose();
        assert!(CARDS.len() >= 63, "{} cards", CARDS.len());
        for card in CARDS {
            assert!(!card.scopes.is_empty(), "{}", card.id);
            assert!(!card.clouds.is_empty(), "{}", card.id);
            assert!(card.clouds.iter().all(|c| cloud(c).is_some()), "{}", card.id);
            let example: serde_json::Value = serde_json::from_str(card.example_input.of(&prose)).unwrap();
            assert!(example.is_object(), "{}", card.id);
            assert!(card.input_type.is_some() && card.output_type.is_some(), "{}", card.id);
        }
        let list = CARDS.iter().find(|c| c.id == "list-users").unwrap();
        assert_eq!(list.label, "List users");
        assert_eq!(list.category, "identity");
        assert_eq!(list.scopes, ["scim"]);
        assert_eq!(list.endpoints, ["GET /accounts/{account_id}/scim/v2/Users"]);
        assert!(!list.changes_state);
        assert_eq!(
            list.description.of(&prose),
            "List users, filtered and sorted, one page or every page. `GET /accounts/{account_id}/scim/v2/Users`."
        );
        assert_eq!(list.output_type, Some("identity/user-list"));
        assert!(CARDS.iter().find(|c| c.id == "delete-user").unwrap().changes_state);
    }

    #[test]
    fn type_docs_carry_field_docs_and_type_refs() {
        let prose = prose();
        let user = TYPE_DOCS.iter().find(|t| t.name == "identity/user").unwrap();
        assert!(user.description.of(&prose).contains("SCIM"));
        let emails = user.members.iter().find(|m| m.name == "emails").unwrap();
        assert_eq!(emails.type_ref, Some("identity/email"));
        assert!(!emails.description.of(&prose).is_empty());
    }
}
