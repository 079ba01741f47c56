//! Account settings (`settings/types/{type}/names/default`): every setting has the same shape,
//! so a setting's cards are declarations of one [`Setting`]. A setting's record holds its value
//! under one member (`{"personal_compute": {"value": "ON"}, "etag": "…", "setting_name": "default"}`);
//! a card's output is that value with the record's etag beside it. Writes need the current etag:
//! the card reads it and writes, and on a `409` (another writer came in between) reads and
//! writes once more, so a flow never handles etags.

use super::{ApiVersion, Method, Request, Response, Session, errors, once_more_on_conflict};
use crate::cards::Card;
use crate::validate::invalid;
use crate::wit::CardError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// One account setting: its type in the path and the member of its record that holds its value.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    kind: &'static str,
    field: &'static str,
}

/// What a setting's card does.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// Reads the setting (`GET`, at least as new as the input's `etag`).
    Get,
    /// Changes the input's fields of the value (`PATCH` with a field mask of them).
    Update,
    /// Reverts the setting to Databricks' default (`DELETE`), then reads it back.
    Delete,
}

/// A setting's card, as declared: `PERSONAL_COMPUTE.get()`.
#[derive(Clone, Copy, Debug)]
pub struct SettingCall {
    setting: Setting,
    op: Op,
}

impl Setting {
    /// The setting of type `kind` (the path's), whose value is its record's member `field`.
    pub const fn new(kind: &'static str, field: &'static str) -> Setting {
        Setting { kind, field }
    }

    pub const fn get(self) -> SettingCall {
        SettingCall { setting: self, op: Op::Get }
    }

    pub const fn update(self) -> SettingCall {
        SettingCall { setting: self, op: Op::Update }
    }

    pub const fn delete(self) -> SettingCall {
        SettingCall { setting: self, op: Op::Delete }
    }

    fn path(self, s: &Session) -> String {
        s.account_path(ApiVersion::V2_0, &format!("settings/types/{}/names/default", self.kind))
    }

    /// Reads the setting's record, at least as new as `etag` when one is given.
    fn read(self, s: &Session, etag: Option<&str>) -> Result<Response, CardError> {
        s.send(Request::new(Method::Get, self.path(s)).query("etag", etag))
    }

    /// The setting's current etag, read from Databricks.
    fn current_etag(self, s: &Session) -> Result<String, CardError> {
        self.read(s, None)?.json_in("etag")
    }

    /// The card's output: the record's value, with the record's etag beside it. A value
    /// Databricks leaves out is empty (its fields are all at their defaults), so only a field the
    /// output requires makes a missing value an error.
    fn output<O: DeserializeOwned>(self, response: &Response) -> Result<O, CardError> {
        let mut members = response.members()?;
        let mut value: Map<String, Value> = match members.remove(self.field) {
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| errors::unreadable(response, &e))?,
            None => Map::new(),
        };
        if let Some(etag) = members.remove("etag") {
            value.insert("etag".into(), serde_json::from_str(etag.get()).map_err(|e| errors::unreadable(response, &e))?);
        }
        serde_json::from_str(&Value::Object(value).to_string()).map_err(|e| errors::unreadable(response, &e))
    }

    /// Changes the fields of the value that `changes` holds: one `PATCH` whose field mask names
    /// exactly them, with the etag just read (read again and retried once on a conflict).
    pub fn write<O: DeserializeOwned>(self, s: &Session, changes: Map<String, Value>) -> Result<O, CardError> {
        let mask: Vec<String> = changes.keys().map(|key| format!("{}.{key}", self.field)).collect();
        let changes = Value::Object(changes);
        let response = once_more_on_conflict(|| {
            let etag = self.current_etag(s)?;
            let body = json!({"allow_missing": true, "field_mask": mask.join(","), "setting": {self.field: changes, "etag": etag}});
            s.send(Request::new(Method::Patch, self.path(s)).json(body))
        })?;
        self.output(&response)
    }

    /// Reverts the setting to Databricks' default, then reads it back (at least as new as the
    /// revert). With `etag` only that version is reverted: the caller chose it, so a conflict is
    /// theirs to see; without, the card reads the etag and retries once on a conflict.
    pub fn revert<O: DeserializeOwned>(self, s: &Session, etag: Option<&str>) -> Result<O, CardError> {
        let delete = |etag: &str| s.send(Request::new(Method::Delete, self.path(s)).query("etag", Some(etag)));
        let reverted = match etag {
            Some(etag) => delete(etag)?,
            None => once_more_on_conflict(|| delete(&self.current_etag(s)?))?,
        };
        let new_etag: Option<String> = reverted.members()?.remove("etag").and_then(|raw| serde_json::from_str(raw.get()).ok());
        self.output(&self.read(s, new_etag.as_deref())?)
    }
}

impl<I: Serialize, O: DeserializeOwned> Card<I, O> for SettingCall {
    fn call(&self, s: &Session, input: I) -> Result<O, CardError> {
        let Ok(Value::Object(mut fields)) = serde_json::to_value(&input) else {
            return Err(CardError::Unsupported("this card's input is not a record".into()));
        };
        let etag = fields.remove("etag").and_then(|etag| etag.as_str().map(str::to_string));
        match self.op {
            Op::Get => self.setting.output(&self.setting.read(s, etag.as_deref())?),
            Op::Delete => self.setting.revert(s, etag.as_deref()),
            Op::Update => {
                fields.retain(|_, value| !value.is_null());
                if fields.is_empty() {
                    return Err(invalid("input", "give at least one field of the setting to change"));
                }
                self.setting.write(s, fields)
            }
        }
    }

    #[cfg(test)]
    fn endpoint(&self) -> Option<String> {
        let method = match self.op {
            Op::Get => "GET",
            Op::Update => "PATCH",
            Op::Delete => "DELETE",
        };
        Some(format!("{method} /accounts/{{account_id}}/settings/types/{}/names/default", self.setting.kind))
    }
}
