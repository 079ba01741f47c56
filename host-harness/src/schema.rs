//! JSON Schema (draft 2020-12) of the JSON a WIT type maps to (see [`crate::values`]).
//!
//! The schema describes exactly what [`crate::values::json_to_val`] accepts: records are closed
//! objects whose `required` lists only the non-`option` fields, integers carry their exact range
//! (u64 and s64 included: JSON Schema integers are not limited to 2^53), enums are string enums
//! and variants are a `oneOf` of bare case names and one-key objects. Doc comments are not in
//! the component binary, so the schemas carry no descriptions yet.

use serde_json::{Value, json};
use wasmtime::component::types::Type;

use crate::values::{json_name, kind_of};

/// The `$schema` dialect of every schema this module produces.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of `ty`, without a `$schema` key (see [`document`] for a top-level one).
pub fn schema_of(ty: &Type) -> Value {
    match ty {
        Type::Bool => json!({"type": "boolean"}),
        Type::S8 => integer(i8::MIN as i128, i8::MAX as i128),
        Type::U8 => integer(0, u8::MAX as i128),
        Type::S16 => integer(i16::MIN as i128, i16::MAX as i128),
        Type::U16 => integer(0, u16::MAX as i128),
        Type::S32 => integer(i32::MIN as i128, i32::MAX as i128),
        Type::U32 => integer(0, u32::MAX as i128),
        Type::S64 => integer(i64::MIN as i128, i64::MAX as i128),
        Type::U64 => integer(0, u64::MAX as i128),
        Type::Float32 | Type::Float64 => json!({
            "anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}]
        }),
        Type::Char => json!({"type": "string", "minLength": 1, "maxLength": 1}),
        Type::String => json!({"type": "string"}),
        Type::List(list) => json!({"type": "array", "items": schema_of(&list.ty())}),
        Type::FixedLengthList(list) => json!({
            "type": "array",
            "items": schema_of(&list.ty()),
            "minItems": list.len(),
            "maxItems": list.len(),
        }),
        Type::Map(map) => {
            if map.key() == Type::String {
                json!({"type": "object", "additionalProperties": schema_of(&map.value())})
            } else {
                json!({
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [schema_of(&map.key()), schema_of(&map.value())],
                        "items": false,
                        "minItems": 2,
                    }
                })
            }
        }
        Type::Record(record) => {
            let mut properties = serde_json::Map::new();
            let mut required = Vec::new();
            for field in record.fields() {
                let key = json_name(field.name);
                if !matches!(field.ty, Type::Option(_)) {
                    required.push(Value::String(key.clone()));
                }
                properties.insert(key, schema_of(&field.ty));
            }
            json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        }
        Type::Tuple(tuple) => {
            let items: Vec<Value> = tuple.types().map(|ty| schema_of(&ty)).collect();
            let n = items.len();
            json!({"type": "array", "prefixItems": items, "items": false, "minItems": n, "maxItems": n})
        }
        Type::Variant(variant) => {
            let cases: Vec<Value> = variant
                .cases()
                .map(|case| {
                    let key = json_name(case.name);
                    match &case.ty {
                        None => json!({"const": key}),
                        Some(ty) => one_key(&key, schema_of(ty)),
                    }
                })
                .collect();
            json!({"oneOf": cases})
        }
        Type::Enum(en) => {
            let names: Vec<String> = en.names().map(json_name).collect();
            json!({"type": "string", "enum": names})
        }
        Type::Option(option) => {
            let inner = option.ty();
            let some = if matches!(inner, Type::Option(_)) {
                one_key("some", schema_of(&inner))
            } else {
                schema_of(&inner)
            };
            json!({"anyOf": [some, {"type": "null"}]})
        }
        Type::Result(result) => {
            let payload = |ty: Option<Type>| ty.map_or_else(|| json!({"type": "null"}), |ty| schema_of(&ty));
            json!({"oneOf": [one_key("ok", payload(result.ok())), one_key("err", payload(result.err()))]})
        }
        Type::Flags(flags) => {
            let names: Vec<String> = flags.names().map(json_name).collect();
            json!({"type": "array", "items": {"enum": names}, "uniqueItems": true})
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            json!({"not": {}, "description": format!("{} values cannot be written as JSON", kind_of(ty))})
        }
    }
}

/// A top-level schema document for `ty`: [`schema_of`] plus `$schema`.
pub fn document(ty: &Type) -> Value {
    let mut schema = schema_of(ty);
    if let Value::Object(object) = &mut schema {
        object.insert("$schema".into(), Value::String(DIALECT.into()));
    }
    schema
}

/// A short WIT-like rendering of a type, e.g. `record { id: string, active: option<bool> }`.
/// Records deeper than `depth` are abbreviated to `record { … }`.
pub fn describe_type(ty: &Type, depth: usize) -> String {
    match ty {
        Type::List(list) => format!("list<{}>", describe_type(&list.ty(), depth)),
        Type::FixedLengthList(list) => format!("list<{}, {}>", describe_type(&list.ty(), depth), list.len()),
        Type::Map(map) => format!("map<{}, {}>", describe_type(&map.key(), depth), describe_type(&map.value(), depth)),
        Type::Option(option) => format!("option<{}>", describe_type(&option.ty(), depth)),
        Type::Result(result) => {
            let part = |ty: Option<Type>| ty.map_or_else(|| "_".to_string(), |ty| describe_type(&ty, depth));
            format!("result<{}, {}>", part(result.ok()), part(result.err()))
        }
        Type::Tuple(tuple) => {
            let items: Vec<String> = tuple.types().map(|ty| describe_type(&ty, depth)).collect();
            format!("tuple<{}>", items.join(", "))
        }
        Type::Record(_) | Type::Variant(_) if depth == 0 => format!("{} {{ … }}", kind_of(ty)),
        Type::Record(record) => {
            let fields: Vec<String> = record
                .fields()
                .map(|field| format!("{}: {}", field.name, describe_type(&field.ty, depth - 1)))
                .collect();
            format!("record {{ {} }}", fields.join(", "))
        }
        Type::Variant(variant) => {
            let cases: Vec<String> = variant
                .cases()
                .map(|case| match &case.ty {
                    None => case.name.to_string(),
                    Some(ty) => format!("{}({})", case.name, describe_type(ty, depth - 1)),
                })
                .collect();
            format!("variant {{ {} }}", cases.join(", "))
        }
        Type::Enum(en) => format!("enum {{ {} }}", en.names().collect::<Vec<_>>().join(", ")),
        Type::Flags(flags) => format!("flags {{ {} }}", flags.names().collect::<Vec<_>>().join(", ")),
        other => kind_of(other).to_string(),
    }
}

fn integer(minimum: i128, maximum: i128) -> Value {
    // serde_json keeps u64/i64 exact, so the bounds of 64-bit integers survive.
    let bound = |n: i128| -> Value {
        if n < 0 {
            Value::from(n as i64)
        } else {
            Value::from(n as u64)
        }
    };
    json!({"type": "integer", "minimum": bound(minimum), "maximum": bound(maximum)})
}

fn one_key(key: &str, schema: Value) -> Value {
    json!({
        "type": "object",
        "properties": {key: schema},
        "required": [key],
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_types::ty;

    #[test]
    fn records_require_only_non_option_fields_and_are_closed() {
        let schema = schema_of(&ty("input"));
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false);
        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(required.contains(&"user_name"));
        assert!(!required.contains(&"display_name"));
        assert!(!required.contains(&"pages"));
        assert_eq!(schema["properties"]["display_name"], json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
    }

    #[test]
    fn integers_keep_their_exact_range() {
        assert_eq!(schema_of(&ty("u64")), json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}));
        assert_eq!(schema_of(&ty("s64")), json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}));
        assert_eq!(schema_of(&ty("u32")), json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}));
        assert_eq!(schema_of(&ty("u64"))["maximum"].to_string(), "18446744073709551615");
    }

    #[test]
    fn enums_variants_flags_and_results() {
        assert_eq!(schema_of(&ty("cloud")), json!({"type": "string", "enum": ["aws", "aws_gov"]}));
        let sel = schema_of(&ty("sel"));
        let cases = sel["oneOf"].as_array().unwrap();
        assert_eq!(cases[0]["required"], json!(["page"]));
        assert_eq!(cases[0]["properties"]["page"]["properties"]["start_index"]["anyOf"][0]["type"], "integer");
        assert_eq!(cases[1], json!({"const": "all"}));
        let input = schema_of(&ty("input"));
        assert_eq!(input["properties"]["perms"]["items"]["enum"], json!(["read", "write_all"]));
        assert_eq!(input["properties"]["outcome"]["oneOf"][0]["required"], json!(["ok"]));
        assert_eq!(input["properties"]["unit"]["oneOf"][0]["properties"]["ok"], json!({"type": "null"}));
        assert_eq!(input["properties"]["pair"]["prefixItems"][1], json!({"type": "string", "minLength": 1, "maxLength": 1}));
        assert_eq!(input["properties"]["nested"]["anyOf"][0]["required"], json!(["some"]));
    }

    #[test]
    fn documents_name_their_dialect() {
        assert_eq!(document(&ty("page"))["$schema"], DIALECT);
    }

    #[test]
    fn types_render_like_wit() {
        assert_eq!(describe_type(&ty("page"), 1), "record { start-index: option<u32>, count: option<u32> }");
        assert_eq!(describe_type(&ty("sel"), 0), "variant { … }");
        assert_eq!(describe_type(&ty("cloud"), 0), "enum { aws, aws-gov }");
    }
}
