//! `run CARD --help`: what the card does and each of its inputs with its description, read from
//! the component (its card list and the JSON Schema of its input type), followed by `run`'s own
//! options.

use host_harness::{CardCatalog, Harness, HarnessError};
use serde_json::Value;

/// The help text of `card`.
pub async fn help(harness: &Harness, card: &str, run_usage: &str) -> anyhow::Result<String> {
    let signature = harness.card(card).ok_or_else(|| HarnessError::UnknownCard(card.to_string()))?;
    let catalog = CardCatalog::load(harness).await?;
    let described = catalog.describe(signature);
    let text = |key: &str| described[key].as_str().unwrap_or_default().to_string();
    let mut help = format!("{card}: {}\n", text("label"));
    if !text("description").is_empty() {
        help.push_str(&format!("\n{}\n", text("description")));
    }
    help.push_str(&format!("\nInputs (--input JSON, e.g. --input '{}'):\n", described["example_input"]));
    let inputs = inputs(&described["input"]);
    if inputs.is_empty() {
        help.push_str("  (none)\n");
    }
    let width = inputs.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
    for (name, kind, description) in inputs {
        help.push_str(&format!("  {name:width$}  {kind}\n  {:width$}  {description}\n", ""));
    }
    help.push('\n');
    help.push_str(run_usage);
    Ok(help)
}

/// Each top-level input: its name, its kind (`string, required`) and its description.
fn inputs(schema: &Value) -> Vec<(String, String, String)> {
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let Some(properties) = schema["properties"].as_object() else { return Vec::new() };
    properties
        .iter()
        .map(|(name, property)| {
            let need = if required.contains(&name.as_str()) { "required" } else { "optional" };
            let description = property["description"].as_str().unwrap_or_default().to_string();
            (name.clone(), format!("{}, {need}", kind(property)), description)
        })
        .collect()
}

/// A schema's kind in a word or two: `string`, `integer`, `list of string`, `one of: page | all`.
fn kind(schema: &Value) -> String {
    if let Some(options) = schema["anyOf"].as_array() {
        // `option<T>`: T or null.
        let kinds: Vec<String> = options.iter().filter(|o| o["type"] != "null").map(kind).collect();
        return kinds.join(" or ");
    }
    if let Some(cases) = schema["oneOf"].as_array() {
        let names: Vec<String> = cases
            .iter()
            .map(|case| match (&case["const"], case["required"].as_array().and_then(|r| r.first())) {
                (Value::String(name), _) => name.clone(),
                (_, Some(Value::String(name))) => name.clone(),
                _ => kind(case),
            })
            .collect();
        return format!("one of: {}", names.join(" | "));
    }
    if let Some(values) = schema["enum"].as_array() {
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        return format!("one of: {}", names.join(" | "));
    }
    match schema["type"].as_str() {
        Some("array") => format!("list of {}", kind(&schema["items"])),
        Some(other) => schema["format"].as_str().map_or_else(|| other.to_string(), |format| format!("{other} ({format})")),
        None => "value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_read_options_lists_and_cases() {
        assert_eq!(kind(&json!({"anyOf": [{"type": "string"}, {"type": "null"}]})), "string");
        assert_eq!(
            kind(&json!({"type": "array", "items": {"type": "string", "format": "scim-attribute"}})),
            "list of string (scim-attribute)"
        );
        assert_eq!(kind(&json!({"oneOf": [{"required": ["page"]}, {"required": ["all"]}]})), "one of: page | all");
        assert_eq!(kind(&json!({"enum": ["asc", "desc"]})), "one of: asc | desc");
    }
}
