//! Which columns a list card's table shows, read from the card's output type (never chosen per
//! card by hand): the list of records in the output, and of its fields the ones a person scans a
//! list by — identifiers, then names, then statuses, then other plain fields — up to
//! [`MAX_COLUMNS`]. `raw` (the copy of the record as Databricks sent it) is never a column.

use wasmtime::component::types::Type;

/// The most columns a table shows; the rest are one `--output yaml` away.
const MAX_COLUMNS: usize = 6;

/// A table's source: the output field holding the records, and the columns' field names (JSON
/// spelling, `display_name`; a nested record's field as `principal.user_name`).
#[derive(Debug, PartialEq)]
pub struct Layout {
    pub list_field: String,
    pub columns: Vec<String>,
}

/// The layout of a card whose output is a record with a list of records in it; `None` for any
/// other output.
pub fn layout(output: &Type) -> Option<Layout> {
    let Type::Record(record) = output else { return None };
    for field in record.fields() {
        let Some(Type::Record(item)) = list_item(&field.ty) else { continue };
        let mut plain = Vec::new();
        for column in item.fields().filter(|f| f.name != "raw") {
            if is_plain(&column.ty) {
                plain.push(json_name(column.name));
            } else if let Type::Record(nested) = &column.ty {
                // One level down (a permission assignment's `principal`): `principal.user_name`.
                let prefix = json_name(column.name);
                plain.extend(nested.fields().filter(|f| is_plain(&f.ty)).map(|f| format!("{prefix}.{}", json_name(f.name))));
            }
        }
        plain.sort_by_key(|name| rank(name)); // stable: declaration order within a rank
        plain.truncate(MAX_COLUMNS);
        if !plain.is_empty() {
            return Some(Layout { list_field: json_name(field.name), columns: plain });
        }
    }
    None
}

/// The item type of `list<T>` or `option<list<T>>`.
fn list_item(ty: &Type) -> Option<Type> {
    match ty {
        Type::List(list) => Some(list.ty()),
        Type::Option(option) => list_item(&option.ty()),
        _ => None,
    }
}

/// A value that fits in a cell: a scalar, an enum, an open enum (`other(string)`), or an
/// option of one.
fn is_plain(ty: &Type) -> bool {
    match ty {
        Type::Bool
        | Type::S8
        | Type::U8
        | Type::S16
        | Type::U16
        | Type::S32
        | Type::U32
        | Type::S64
        | Type::U64
        | Type::Float32
        | Type::Float64
        | Type::Char
        | Type::String
        | Type::Enum(_) => true,
        Type::Variant(variant) => variant.cases().all(|case| case.ty.as_ref().is_none_or(|ty| matches!(ty, Type::String))),
        Type::Option(option) => is_plain(&option.ty()),
        // A list of plain values fits as `a, b, c` (a principal's permissions).
        Type::List(list) => !matches!(list.ty(), Type::List(_)) && is_plain(&list.ty()),
        _ => false,
    }
}

/// Identifiers first, then names, then statuses, then the rest (a nested field by its own name).
fn rank(column: &str) -> u8 {
    let name = column.rsplit('.').next().unwrap_or(column);
    if name == "id" {
        0
    } else if name.ends_with("_id") || name == "application_id" {
        1
    } else if name == "name" || name.ends_with("name") || name == "label" {
        2
    } else if matches!(name, "status" | "state" | "active" | "enabled") || name.ends_with("_status") || name.ends_with("_state") {
        3
    } else {
        4
    }
}

/// A WIT field name as the JSON output spells it.
fn json_name(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_names_and_statuses_lead() {
        let mut names = vec!["created_time", "status", "display_name", "workspace_id", "id", "pricing_tier"];
        names.sort_by_key(|n| rank(n));
        assert_eq!(names, ["id", "workspace_id", "display_name", "status", "created_time", "pricing_tier"]);
    }
}
