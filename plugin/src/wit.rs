//! Short names for the generated WIT types the rest of the crate uses.

pub use crate::bindings::exports::databricks::account::types::{
    AllPages, ApiError, Auth, CardError, Cloud, Connection, Deleted, FieldError, PageRequest, PageSelection, RateLimit, RequestPolicy,
    ScimListInput, SortOrder, TokenPaging,
};
pub use crate::bindings::exports::databricks::account::{
    access, billing, cards, catalog, identity, login, networking, oauth, provisioning, settings, triggers, unified, utility,
};

/// Databricks' spelling of an enum value (`RUNNING` for `workspace-status::running`), for
/// messages; the text an `other` case holds as it is.
pub fn spelling<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::from("?"),
    }
}

/// The serde of a `@json-map` field: a list of key/value records that Databricks writes as one
/// JSON object (`custom_tags: {"team": "data"}`), in the list's order.
pub mod json_map {
    use serde::Deserialize;
    use serde::de::Deserializer;
    use serde::ser::{SerializeMap, Serializer};
    use std::collections::BTreeMap;

    /// A record of a `@json-map` list: a key and its value.
    pub trait Entry {
        fn new(key: String, value: String) -> Self;
        fn pair(&self) -> (&str, &str);
    }

    impl Entry for super::provisioning::CustomTag {
        fn new(key: String, value: String) -> Self {
            Self { key, value }
        }
        fn pair(&self) -> (&str, &str) {
            (&self.key, &self.value)
        }
    }

    /// A `@json-map` field: a list, or an optional list (absent is `null`).
    pub trait Field: Sized {
        fn entries(&self) -> Option<Vec<(&str, &str)>>;
        fn from_map(map: Option<BTreeMap<String, String>>) -> Self;
    }

    impl<E: Entry> Field for Vec<E> {
        fn entries(&self) -> Option<Vec<(&str, &str)>> {
            Some(self.iter().map(Entry::pair).collect())
        }
        fn from_map(map: Option<BTreeMap<String, String>>) -> Self {
            map.unwrap_or_default().into_iter().map(|(k, v)| E::new(k, v)).collect()
        }
    }

    impl<E: Entry> Field for Option<Vec<E>> {
        fn entries(&self) -> Option<Vec<(&str, &str)>> {
            self.as_ref().and_then(Field::entries)
        }
        fn from_map(map: Option<BTreeMap<String, String>>) -> Self {
            map.map(|map| Vec::from_map(Some(map)))
        }
    }

    pub fn serialize<F: Field, S: Serializer>(field: &F, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(entries) = field.entries() else { return serializer.serialize_none() };
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, F: Field, D: Deserializer<'de>>(deserializer: D) -> Result<F, D::Error> {
        Option::<BTreeMap<String, String>>::deserialize(deserializer).map(F::from_map)
    }
}
