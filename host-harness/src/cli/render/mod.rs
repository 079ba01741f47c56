//! `run --output json|table|yaml|text`: a card's output for a script (JSON, exactly as before)
//! or for a person (a table of a list's records, YAML, or `field: value` lines), with the `raw`
//! copies of records left out of the latter unless `--raw` asks for them.

mod columns;
mod table;
mod text;

use serde_json::Value;
use wasmtime::component::types::Type;

pub use columns::layout;

/// How `run` prints a card's output.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Indented JSON, the output as the card returned it (the default when stdout is not a
    /// terminal).
    Json,
    /// A table of a list card's records (ID, name, status, … from the output type); a field /
    /// value table for other cards.
    Table,
    /// YAML.
    Yaml,
    /// `field: value` lines, nested fields indented.
    Text,
}

impl OutputFormat {
    /// What a person at a terminal gets unless they ask: a table for a list, text for the rest.
    /// A script (stdout not a terminal) gets JSON.
    pub fn default_for(stdout_is_terminal: bool, output: Option<&Type>) -> OutputFormat {
        match (stdout_is_terminal, output.and_then(layout)) {
            (false, _) => OutputFormat::Json,
            (true, Some(_)) => OutputFormat::Table,
            (true, None) => OutputFormat::Text,
        }
    }
}

/// `output` in `format` (`output_type`: the card's output type, for the table's columns).
pub fn render(format: OutputFormat, output: &Value, output_type: Option<&Type>, keep_raw: bool) -> String {
    if format == OutputFormat::Json {
        return crate::output::pretty(output);
    }
    let shown = if keep_raw { output.clone() } else { without_raw(output) };
    match format {
        OutputFormat::Table => match output_type.and_then(layout) {
            Some(layout) => table::records(&shown, &layout),
            None => table::fields(&shown),
        },
        OutputFormat::Yaml => serde_norway::to_string(&shown).unwrap_or_else(|_| crate::output::pretty(&shown)),
        OutputFormat::Text | OutputFormat::Json => text::lines(&shown),
    }
}

/// `value` with every `raw` field (anywhere) removed.
fn without_raw(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            Value::Object(object.iter().filter(|(k, _)| *k != "raw").map(|(k, v)| (k.clone(), without_raw(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(without_raw).collect()),
        other => other.clone(),
    }
}

/// A value in one short line: strings as they are, an open enum's `{"other": "X"}` as `X`, a
/// case with a payload as `case: payload`, empty for null; lists and records as compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Object(object) if object.len() == 1 => {
            let (case, payload) = object.iter().next().expect("one entry");
            match payload {
                Value::String(s) if case == "other" => s.clone(),
                _ => format!("{case}: {}", cell(payload)),
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(|item| !item.is_array() && !item.is_object() || is_case(item)) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// An open enum's or a variant's case (`{"other": "X"}`, `{"seconds": 5}`): one key, a plain
/// payload; one cell, not a record.
fn is_case(value: &Value) -> bool {
    value.as_object().is_some_and(|o| o.len() == 1 && o.values().all(|v| !v.is_object() && !v.is_array()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_unchanged_and_raw_is_hidden_elsewhere() {
        let output = json!({"id": "1", "raw": "{\"id\":\"1\"}", "nested": [{"raw": "x", "a": 1}]});
        assert_eq!(render(OutputFormat::Json, &output, None, false), crate::output::pretty(&output));
        let yaml = render(OutputFormat::Yaml, &output, None, false);
        assert!(!yaml.contains("raw") && yaml.contains("id: '1'") && yaml.contains("a: 1"), "{yaml}");
        assert!(render(OutputFormat::Yaml, &output, None, true).contains("raw"));
    }

    #[test]
    fn cells_read_open_enums_and_cases() {
        assert_eq!(cell(&json!({"other": "NEW_STATE"})), "NEW_STATE");
        assert_eq!(cell(&json!("RUNNING")), "RUNNING");
        assert_eq!(cell(&json!({"seconds": 5})), "seconds: 5");
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(["USER", {"other": "NEW"}])), "USER, NEW");
        assert_eq!(cell(&json!([])), "[]");
        assert_eq!(cell(&json!([{"a": 1, "b": 2}])), r#"[{"a":1,"b":2}]"#);
    }
}
