//! Strict updates (`update-type` strict) of users, groups and service principals: a SCIM PUT
//! replaces the whole record, so the card reads the record as it is, applies the input, and
//! writes it back. What the input leaves out is kept, unless it passes empty values, which
//! clears it — roles included, so a strict update can drop the account admin role.

use super::{TextChange, TextField, with_account_admin};
use crate::client::Session;
use crate::client::scim::{self, Resource, ScimRecord};
use crate::validate::invalid;
use crate::wit::CardError;
use serde_json::{Map, Value, json};

/// The input of a strict update, as the record's SCIM fields.
pub struct StrictUpdate<'a> {
    /// The text fields (display name, names, external ID) with their SCIM paths.
    pub texts: &'a [TextField<'a>],
    /// SCIM paths of text fields never cleared, not even by passing empty values (a group's name).
    pub kept: &'a [&'a str],
    pub active: Option<bool>,
    pub account_admin: Option<bool>,
    /// Only for groups: `Some(None)` when the input leaves the members out, `Some(Some(list))`
    /// for the members from now on.
    pub members: Option<Option<Value>>,
    pub pass_empty: bool,
}

impl StrictUpdate<'_> {
    /// Reads the record, applies the input and writes it back (PUT), then returns it.
    pub fn run<T: ScimRecord>(&self, s: &Session, resource: Resource, id: &str) -> Result<T, CardError> {
        let nothing_given = self.texts.iter().all(|t| t.value.is_none())
            && self.active.is_none()
            && self.account_admin.is_none()
            && !matches!(self.members, Some(Some(_)));
        if nothing_given && !self.pass_empty {
            return Err(invalid("id", "give at least one field to change besides id"));
        }
        // Every text is checked before anything is read.
        let changes = self.texts.iter().map(|t| t.change(self.pass_empty)).collect::<Result<Vec<_>, _>>()?;
        let mut body = match scim::get::<Value>(s, resource, id)? {
            Value::Object(record) => record,
            _ => Map::new(),
        };
        body.remove("meta");
        for (field, change) in self.texts.iter().zip(changes) {
            match change {
                TextChange::Set(value) => set(&mut body, field.path, json!(value)),
                TextChange::Clear => remove(&mut body, field.path),
                TextChange::Keep if field.value.is_none() && self.pass_empty && !self.kept.contains(&field.path) => {
                    remove(&mut body, field.path)
                }
                TextChange::Keep => {}
            }
        }
        if let Some(active) = self.active {
            body.insert("active".into(), json!(active));
        }
        match &self.members {
            Some(Some(members)) => drop(body.insert("members".into(), members.clone())),
            Some(None) if self.pass_empty => drop(body.insert("members".into(), json!([]))),
            _ => {}
        }
        let roles = body.get("roles").cloned().unwrap_or(json!([]));
        let roles = match self.account_admin {
            Some(grant) => with_account_admin(roles, grant),
            None if self.pass_empty => json!([]),
            None => roles,
        };
        body.insert("roles".into(), roles);
        scim::replace(s, resource, id, Value::Object(body))
    }
}

/// Sets a SCIM path (`displayName`, `name.givenName`), making the parent object when needed.
fn set(record: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        Some((parent, child)) => {
            let parent = record.entry(parent).or_insert_with(|| json!({}));
            if !parent.is_object() {
                *parent = json!({});
            }
            if let Value::Object(parent) = parent {
                parent.insert(child.into(), value);
            }
        }
        None => drop(record.insert(path.into(), value)),
    }
}

/// Removes a SCIM path, and a parent object it leaves empty.
fn remove(record: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        Some((parent, child)) => {
            let emptied = match record.get_mut(parent) {
                Some(Value::Object(inner)) => {
                    inner.remove(child);
                    inner.is_empty()
                }
                _ => false,
            };
            if emptied {
                record.remove(parent);
            }
        }
        None => drop(record.remove(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_are_set_and_removed_with_their_parent() {
        let mut record = json!({"name": {"givenName": "Ada"}, "displayName": "Ada"}).as_object().cloned().unwrap();
        set(&mut record, "name.familyName", json!("Lovelace"));
        set(&mut record, "displayName", json!("Ada Lovelace"));
        assert_eq!(
            Value::Object(record.clone()),
            json!({"name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada Lovelace"})
        );
        remove(&mut record, "name.givenName");
        remove(&mut record, "name.familyName");
        remove(&mut record, "externalId");
        assert_eq!(Value::Object(record), json!({"displayName": "Ada Lovelace"}));
    }
}
