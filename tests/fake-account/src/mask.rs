//! Field masks (`update_mask`, `field_mask`) as the account APIs read them: "a single string,
//! with multiple fields separated by commas (no spaces)", each path relative to the resource
//! with `.` into sub-fields; "elements in sequence or map fields" cannot be named, and `*` is a
//! full replacement (the SDKs' docstrings, AIP-161). A masked path that the body leaves out is
//! cleared, as a full replacement of that field.

use crate::common::invalid;
use axum::response::Response;
use serde_json::{Map, Value};

/// The paths of the mask sent as `name`; 400 when it is missing or has an empty path.
pub fn parse(name: &str, mask: Option<&str>) -> Result<Vec<String>, Response> {
    let mask = mask.map(str::trim).filter(|m| !m.is_empty()).ok_or_else(|| invalid(format!("{name} is required")))?;
    mask.split(',')
        .map(|path| match path.trim() {
            "" => Err(invalid(format!("{name} has an empty field path: {mask:?}"))),
            path => Ok(path.to_string()),
        })
        .collect()
}

/// Whether `allowed` admits `path`: an entry names a path exactly, and `x.*` also admits every
/// path below `x`.
fn admits(allowed: &[&str], path: &str) -> bool {
    allowed.iter().any(|entry| match entry.strip_suffix(".*") {
        Some(parent) => path == parent || path.strip_prefix(parent).is_some_and(|rest| rest.starts_with('.')),
        None => path == *entry,
    })
}

/// Copies the masked `paths` of `source` onto `target`. `*` stands for every field `allowed`
/// names (`x.*` standing for `x`); a path `allowed` does not admit is a 400 that names it.
pub fn apply(target: &mut Value, source: &Value, paths: &[String], allowed: &[&str]) -> Result<(), Response> {
    let paths: Vec<String> = if paths.iter().any(|p| p == "*") {
        let mut fields: Vec<String> = allowed.iter().map(|entry| entry.trim_end_matches(".*").to_string()).collect();
        fields.dedup();
        fields
    } else {
        paths.to_vec()
    };
    if let Some(path) = paths.iter().find(|path| !admits(allowed, path)) {
        return Err(invalid(format!("The field mask names {path}, which cannot be updated")));
    }
    for path in &paths {
        let value = path.split('.').try_fold(source, |node, key| node.get(key)).filter(|v| !v.is_null()).cloned();
        set(target, path, value);
    }
    Ok(())
}

/// Sets (or with `None` removes) the value at a dotted path, making the objects on the way.
fn set(target: &mut Value, path: &str, value: Option<Value>) {
    let mut keys: Vec<&str> = path.split('.').collect();
    let Some(last) = keys.pop() else { return };
    let mut node = target;
    for key in keys {
        let map = object(node);
        if !map.get(key).is_some_and(Value::is_object) {
            if value.is_none() {
                return;
            }
            map.insert(key.to_string(), Value::Object(Map::new()));
        }
        node = map.get_mut(key).expect("inserted above");
    }
    let map = object(node);
    match value {
        Some(value) => map.insert(last.to_string(), value),
        None => map.remove(last),
    };
}

/// The node as an object, replacing anything else with an empty one.
fn object(node: &mut Value) -> &mut Map<String, Value> {
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    node.as_object_mut().expect("an object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(mask: &str) -> Vec<String> {
        parse("update_mask", Some(mask)).unwrap()
    }

    #[test]
    fn masks_parse_and_refuse_empty_paths() {
        assert_eq!(paths("a,b.c"), ["a", "b.c"]);
        assert!(parse("update_mask", None).is_err());
        assert!(parse("update_mask", Some(" ")).is_err());
        assert!(parse("update_mask", Some("a,,b")).is_err());
    }

    #[test]
    fn only_masked_paths_change_and_left_out_ones_clear() {
        let allowed = ["description", "oidc_policy.*"];
        let mut policy = json!({"description": "old", "oidc_policy": {"issuer": "i", "audiences": ["a"]}, "uid": "u"});
        let body = json!({"description": "new", "oidc_policy": {"issuer": "changed", "subject": "s"}});
        apply(&mut policy, &body, &paths("oidc_policy.audiences,oidc_policy.subject"), &allowed).unwrap();
        assert_eq!(policy, json!({"description": "old", "oidc_policy": {"issuer": "i", "subject": "s"}, "uid": "u"}));
        apply(&mut policy, &body, &paths("*"), &allowed).unwrap();
        assert_eq!(
            policy,
            json!({"description": "new", "oidc_policy": body["oidc_policy"], "uid": "u"}),
            "`*` replaces every allowed field"
        );
        assert!(apply(&mut policy, &body, &paths("uid"), &allowed).is_err());
        assert!(apply(&mut policy, &body, &paths("oidc_policyx"), &allowed).is_err());
    }

    #[test]
    fn paths_through_non_objects_are_made_objects() {
        let mut item = json!({"a": 5});
        apply(&mut item, &json!({"a": {"b": 1}}), &paths("a.b"), &["a.*"]).unwrap();
        assert_eq!(item, json!({"a": {"b": 1}}));
        let mut item = json!({"x": 1});
        apply(&mut item, &json!({}), &paths("a.b"), &["a.*"]).unwrap();
        assert_eq!(item, json!({"x": 1}), "clearing below a missing object adds nothing");
    }
}
