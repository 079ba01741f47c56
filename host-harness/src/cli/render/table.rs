//! Tables, drawn by comfy-table (it fits them to the terminal's width).

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde_json::Value;

use super::cell;
use super::columns::Layout;

/// One row per record of the list field, the layout's columns, and what else the output says
/// (a next-page token, a total) below it.
pub fn records(output: &Value, layout: &Layout) -> String {
    let mut table = new_table();
    table.set_header(layout.columns.iter().map(|c| c.to_uppercase()));
    let records = output.get(&layout.list_field).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    for record in records {
        table.add_row(layout.columns.iter().map(|column| cell(field(record, column))));
    }
    let mut text = format!("{table}\n");
    let noun = if records.len() == 1 { "record" } else { "records" };
    text.push_str(&format!("{} {noun}", records.len()));
    if let Value::Object(object) = output {
        for (key, value) in object.iter().filter(|(k, v)| **k != layout.list_field && !v.is_null()) {
            text.push_str(&format!("; {key}: {}", cell(value)));
        }
    }
    text.push('\n');
    text
}

/// A column's value in a record: `principal.user_name` reads one level down.
pub fn field<'a>(record: &'a Value, column: &str) -> &'a Value {
    column.split('.').fold(record, |value, key| value.get(key).unwrap_or(&Value::Null))
}

/// A field / value table of a single record (or of any other output).
pub fn fields(output: &Value) -> String {
    let mut table = new_table();
    table.set_header(["FIELD", "VALUE"]);
    match output {
        Value::Object(object) => {
            for (key, value) in object {
                table.add_row([key.clone(), cell(value)]);
            }
        }
        other => {
            table.add_row(["value".to_string(), cell(other)]);
        }
    }
    format!("{table}\n")
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_renders_its_columns_and_what_follows_it() {
        let layout = Layout { list_field: "resources".into(), columns: vec!["id".into(), "user_name".into(), "active".into()] };
        let output = json!({"resources": [{"id": "7", "user_name": "ada@example.com", "active": true}], "total_results": 1, "next_start_index": null});
        let text = records(&output, &layout);
        for part in ["ID", "USER_NAME", "ACTIVE", "ada@example.com", "true", "1 record; total_results: 1"] {
            assert!(text.contains(part), "{part} in\n{text}");
        }
        assert!(!text.contains("next_start_index"), "{text}");
        assert!(records(&json!({}), &layout).contains("0 records"));
    }
}
