//! SCIM PATCH (RFC 7644 §3.5.2) as the account SCIM API applies it: `add`, `remove`
//! and `replace`, on simple attributes, sub-attributes (`name.givenName`) and
//! multi-valued attributes with a value filter (`members[value eq "123"]`).

use serde_json::{Map, Value};

/// What went wrong, as a SCIM `scimType` and detail.
#[derive(Debug, PartialEq)]
pub struct PatchError {
    pub scim_type: &'static str,
    pub detail: String,
}

fn invalid(scim_type: &'static str, detail: impl Into<String>) -> PatchError {
    PatchError { scim_type, detail: detail.into() }
}

/// Attributes a PATCH may not change. Databricks ignores changes to `userName` and
/// `emails` ("any supplied change is ignored"); `id` and `meta` belong to the server.
const IGNORED: &[&str] = &["id", "meta", "schemas", "username", "emails", "applicationid", "groups"];

/// The multi-valued attributes whose entries are identified by `value`.
const MULTI_VALUED: &[&str] = &["members", "roles", "entitlements"];

/// Applies a PatchOp body to `resource`. Returns the `value`s of members that were added,
/// so the caller can check they exist.
pub fn apply(resource: &mut Value, body: &Value) -> Result<Vec<String>, PatchError> {
    let schemas_ok = body["schemas"].as_array().is_some_and(|s| s.iter().any(|v| v == "urn:ietf:params:scim:api:messages:2.0:PatchOp"));
    if !schemas_ok {
        return Err(invalid("invalidSyntax", "Request must declare the PatchOp schema."));
    }
    let operations = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("invalidSyntax", "Operations are required."))?;
    let object = resource.as_object_mut().ok_or_else(|| invalid("invalidSyntax", "Not an object."))?;
    let mut added_members = Vec::new();
    for operation in operations {
        let op = operation["op"].as_str().unwrap_or("").to_ascii_lowercase();
        let path = operation["path"].as_str();
        let value = operation.get("value");
        match (op.as_str(), path) {
            ("add" | "replace", None) => {
                let Some(Value::Object(fields)) = value else {
                    return Err(invalid("invalidValue", "An operation without a path needs an object value."));
                };
                for (name, value) in fields {
                    added_members.extend(set(object, name, value.clone(), op == "add")?);
                }
            }
            ("add" | "replace", Some(path)) => {
                let value = value.cloned().ok_or_else(|| invalid("invalidValue", format!("No value for {path}.")))?;
                added_members.extend(set(object, path, value, op == "add")?);
            }
            ("remove", Some(path)) => remove(object, path)?,
            ("remove", None) => return Err(invalid("noTarget", "A remove operation needs a path.")),
            (other, _) => return Err(invalid("invalidSyntax", format!("Unknown operation '{other}'."))),
        }
    }
    Ok(added_members)
}

fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_string())
}

/// `active` arrives as `false`, `"false"` or (as the Terraform provider sends it) `[{"value": "false"}]`.
fn normalize_active(value: Value) -> Result<Value, PatchError> {
    let inner = match &value {
        Value::Array(items) if items.len() == 1 => items[0].get("value").cloned().unwrap_or(Value::Null),
        _ => value.clone(),
    };
    match inner {
        Value::Bool(b) => Ok(Value::Bool(b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        _ => Err(invalid("invalidValue", "active must be true or false.")),
    }
}

fn set(object: &mut Map<String, Value>, path: &str, value: Value, add: bool) -> Result<Vec<String>, PatchError> {
    let lower = path.to_ascii_lowercase();
    if IGNORED.contains(&lower.as_str()) {
        return Ok(Vec::new());
    }
    if lower == "active" {
        object.insert("active".into(), normalize_active(value)?);
        return Ok(Vec::new());
    }
    if MULTI_VALUED.contains(&lower.as_str()) {
        let entries = match value {
            Value::Array(items) => items,
            single @ Value::Object(_) => vec![single],
            _ => return Err(invalid("invalidValue", format!("{path} takes a list of {{\"value\": …}}."))),
        };
        let mut incoming = Vec::new();
        for entry in entries {
            let id = entry.get("value").and_then(Value::as_str).map(str::to_string);
            let Some(id) = id else {
                return Err(invalid("invalidValue", format!("Each {path} entry needs a value.")));
            };
            incoming.push(id);
        }
        let key = key_of(object, &lower);
        let current = object.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        let list = current.as_array_mut().ok_or_else(|| invalid("invalidValue", format!("{path} is not a list.")))?;
        if !add {
            list.clear();
        }
        for id in &incoming {
            if !list.iter().any(|e| e["value"] == id.as_str()) {
                list.push(serde_json::json!({"value": id}));
            }
        }
        return Ok(if lower == "members" { incoming } else { Vec::new() });
    }
    if let Some((parent, child)) = path.split_once('.') {
        let key = key_of(object, parent);
        let entry = object.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let inner = entry.as_object_mut().expect("made an object above");
        let child_key = key_of(inner, child);
        inner.insert(child_key, value);
        return Ok(Vec::new());
    }
    if path.contains('[') {
        return Err(invalid("invalidPath", format!("Cannot set {path}.")));
    }
    let key = key_of(object, path);
    object.insert(key, value);
    Ok(Vec::new())
}

/// `members[value eq "123"]` → ("members", "123").
fn value_filter(path: &str) -> Result<Option<(String, String)>, PatchError> {
    let Some((attribute, rest)) = path.split_once('[') else { return Ok(None) };
    let inner = rest.strip_suffix(']').ok_or_else(|| invalid("invalidPath", format!("Bad path {path}.")))?;
    let filter = crate::filter::parse(inner).map_err(|e| invalid("invalidFilter", e))?;
    match filter {
        crate::filter::Filter::Compare { path: sub, op: crate::filter::Op::Eq, value: Value::String(v) }
            if sub.eq_ignore_ascii_case("value") =>
        {
            Ok(Some((attribute.to_ascii_lowercase(), v)))
        }
        _ => Err(invalid("invalidFilter", format!("Only [value eq \"…\"] is supported in {path}."))),
    }
}

fn remove(object: &mut Map<String, Value>, path: &str) -> Result<(), PatchError> {
    if let Some((attribute, id)) = value_filter(path)? {
        let key = key_of(object, &attribute);
        if let Some(Value::Array(list)) = object.get_mut(&key) {
            list.retain(|e| e["value"] != id.as_str());
        }
        return Ok(());
    }
    let lower = path.to_ascii_lowercase();
    if IGNORED.contains(&lower.as_str()) {
        return Ok(());
    }
    if let Some((parent, child)) = path.split_once('.') {
        let key = key_of(object, parent);
        if let Some(Value::Object(inner)) = object.get_mut(&key) {
            let child_key = key_of(inner, child);
            inner.remove(&child_key);
        }
        return Ok(());
    }
    let key = key_of(object, path);
    object.remove(&key);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: &mut Value, ops: Value) -> Result<Vec<String>, PatchError> {
        apply(resource, &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
    }

    #[test]
    fn members_add_and_remove_by_filter() {
        let mut group = json!({"id": "1", "displayName": "g", "members": [{"value": "10"}]});
        let added = patch(&mut group, json!([{"op": "add", "path": "members", "value": [{"value": "11"}, {"value": "10"}]}])).unwrap();
        assert_eq!(added, ["11", "10"]);
        assert_eq!(group["members"], json!([{"value": "10"}, {"value": "11"}]), "no duplicates");
        patch(&mut group, json!([{"op": "Remove", "path": "members[value eq \"10\"]"}])).unwrap();
        assert_eq!(group["members"], json!([{"value": "11"}]));
        patch(&mut group, json!([{"op": "replace", "path": "members", "value": [{"value": "12"}]}])).unwrap();
        assert_eq!(group["members"], json!([{"value": "12"}]));
        patch(&mut group, json!([{"op": "remove", "path": "members"}])).unwrap();
        assert!(group.get("members").is_none());
    }

    #[test]
    fn simple_and_sub_attributes() {
        let mut user = json!({"id": "1", "userName": "a@b.c", "name": {"givenName": "A"}, "active": true});
        patch(
            &mut user,
            json!([
                {"op": "replace", "path": "name.familyName", "value": "B"},
                {"op": "replace", "path": "active", "value": [{"value": "false"}]},
                {"op": "add", "path": "roles", "value": [{"value": "account_admin"}]},
                {"op": "replace", "path": "userName", "value": "ignored@b.c"},
                {"op": "replace", "value": {"displayName": "A B"}}
            ]),
        )
        .unwrap();
        assert_eq!(user["name"], json!({"givenName": "A", "familyName": "B"}));
        assert_eq!(user["active"], false);
        assert_eq!(user["roles"], json!([{"value": "account_admin"}]));
        assert_eq!(user["userName"], "a@b.c", "userName cannot change");
        assert_eq!(user["displayName"], "A B");
        patch(
            &mut user,
            json!([{"op": "remove", "path": "roles[value eq \"account_admin\"]"}, {"op": "replace", "path": "active", "value": true}]),
        )
        .unwrap();
        assert_eq!(user["roles"], json!([]));
        assert_eq!(user["active"], true);
    }

    #[test]
    fn bad_bodies_are_refused() {
        let mut user = json!({"id": "1"});
        assert!(apply(&mut user, &json!({"Operations": []})).is_err(), "schema required");
        assert_eq!(patch(&mut user, json!([{"op": "move", "path": "x"}])).unwrap_err().scim_type, "invalidSyntax");
        assert_eq!(patch(&mut user, json!([{"op": "remove"}])).unwrap_err().scim_type, "noTarget");
        assert_eq!(patch(&mut user, json!([{"op": "replace", "path": "active", "value": "maybe"}])).unwrap_err().scim_type, "invalidValue");
        assert_eq!(
            patch(&mut user, json!([{"op": "remove", "path": "members[display eq \"x\"]"}])).unwrap_err().scim_type,
            "invalidFilter"
        );
    }
}
