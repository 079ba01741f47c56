//! `field: value` lines for a person: nested records indented, lists as `-` items.

use serde_json::Value;

use super::{cell, is_case};

/// The output as lines; empty fields (null) left out.
pub fn lines(output: &Value) -> String {
    let mut text = String::new();
    write(output, 0, &mut text);
    if text.is_empty() {
        text.push_str(&cell(output));
        text.push('\n');
    }
    text
}

fn write(value: &Value, depth: usize, text: &mut String) {
    let indent = "  ".repeat(depth);
    match value {
        Value::Object(object) if !is_case(value) => {
            for (key, value) in object.iter().filter(|(_, v)| !v.is_null()) {
                if is_nested(value) {
                    text.push_str(&format!("{indent}{key}:\n"));
                    write(value, depth + 1, text);
                } else {
                    text.push_str(&format!("{indent}{key}: {}\n", cell(value)));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if is_nested(item) {
                    text.push_str(&format!("{indent}-\n"));
                    write(item, depth + 1, text);
                } else {
                    text.push_str(&format!("{indent}- {}\n", cell(item)));
                }
            }
        }
        other => text.push_str(&format!("{indent}{}\n", cell(other))),
    }
}

fn is_nested(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(_) => !is_case(value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_nest_and_nulls_are_left_out() {
        let output =
            json!({"id": "1", "status": {"other": "NEW"}, "emails": [{"value": "a@x", "primary": true}], "groups": [], "note": null});
        // serde_json's maps are sorted by key.
        assert_eq!(lines(&output), "emails:\n  -\n    primary: true\n    value: a@x\ngroups: []\nid: 1\nstatus: NEW\n");
        assert_eq!(lines(&json!("done")), "done\n");
    }
}
