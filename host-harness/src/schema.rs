//! JSON Schema (draft 2020-12) of the JSON a WIT type maps to (see [`crate::values`]).
//!
//! The schema describes exactly what [`crate::values::json_to_val`] accepts: records are closed
//! objects whose `required` lists only the non-`option` fields, integers carry their exact range
//! (u64 and s64 included: JSON Schema integers are not limited to 2^53), enums are string enums
//! and variants are a `oneOf` of bare case names and one-key objects. Doc comments are not in
//! the component binary, so [`schema_of`] carries no descriptions; [`schema_with_docs`] adds them
//! from the component's own `databricks:account/cards#type-docs` (generated from the WIT doc
//! comments at compile time), following type names through fields, options and lists.

use std::collections::HashMap;

use serde_json::{Value, json};
use wasmtime::component::types::Type;

use crate::values::{json_name, kind_of};

/// The `$schema` dialect of every schema this module produces.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The documentation of a named WIT type (`interface/name`), as `type-docs` reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeDoc {
    /// The type's doc comment.
    pub description: String,
    /// Fields or cases, in declaration order.
    pub members: Vec<MemberDoc>,
    /// For an alias: the named type it stands for.
    pub type_ref: Option<String>,
}

/// A field or case of a named WIT type, as `type-docs` reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberDoc {
    /// Its WIT name (`user-name`).
    pub name: String,
    /// Its doc comment.
    pub description: String,
    /// The named type it holds (`identity/email`).
    pub type_ref: Option<String>,
    /// The values it accepts (the component refuses others before any request).
    pub checks: Option<ValueChecks>,
    /// Where a flow builder gets its choices, when it names an object a card lists.
    pub options: Option<OptionSource>,
}

/// A picker: the card that lists a field's choices, and which fields of each listed object are
/// the value and the label (WIT names, as `type-docs` reports them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptionSource {
    /// The card that lists the objects (`list-workspaces`); it runs with an empty input.
    pub card: String,
    /// The field of its output holding the objects (`workspaces`; empty: the output is the list).
    pub items: String,
    /// The field of each object that is the value (`workspace-id`).
    pub value: String,
    /// The field of each object a person recognises it by (`workspace-name`).
    pub label: String,
}

impl OptionSource {
    /// The JSON Schema annotation `x-options` (JSON spellings: `{"card": "list-workspaces",
    /// "items": "workspaces", "value": "workspace_id", "label": "workspace_name"}`).
    pub fn to_json(&self) -> Value {
        json!({"card": self.card, "items": json_name(&self.items), "value": json_name(&self.value), "label": json_name(&self.label)})
    }
}

/// What a member accepts, from its doc tags: a format, and bounds on a text's length, an
/// integer's value or a list's length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueChecks {
    /// The value's format (`uuid`, `scim-id`, `email`, ...), for each item of a list.
    pub format: Option<String>,
    /// The least characters of a text, or the least value of an integer.
    pub min: Option<i64>,
    /// The most characters of a text, or the most value of an integer.
    pub max: Option<i64>,
    /// The fewest items of a list.
    pub min_items: Option<i64>,
    /// The most items of a list.
    pub max_items: Option<i64>,
}

/// The docs of every named type, by `interface/name`.
#[derive(Clone, Debug, Default)]
pub struct TypeDocs {
    types: HashMap<String, TypeDoc>,
}

impl TypeDocs {
    /// Reads the JSON form of `type-docs`' result: `[{"name", "description", "members", "type_ref"}]`.
    pub fn from_json(json: &Value) -> TypeDocs {
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        let opt = |v: &Value, key: &str| v[key].as_str().map(str::to_string);
        let mut types = HashMap::new();
        for entry in json.as_array().into_iter().flatten() {
            let members = entry["members"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| MemberDoc {
                    name: text(m, "name"),
                    description: text(m, "description"),
                    type_ref: opt(m, "type_ref"),
                    checks: m["checks"].as_object().map(|c| ValueChecks {
                        format: c.get("format").and_then(Value::as_str).map(str::to_string),
                        min: c.get("min").and_then(Value::as_i64),
                        max: c.get("max").and_then(Value::as_i64),
                        min_items: c.get("min_items").and_then(Value::as_i64),
                        max_items: c.get("max_items").and_then(Value::as_i64),
                    }),
                    options: m["options"].as_object().map(|o| {
                        let field = |key: &str| o.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
                        OptionSource { card: field("card"), items: field("items"), value: field("value"), label: field("label") }
                    }),
                })
                .collect();
            let doc = TypeDoc { description: text(entry, "description"), members, type_ref: opt(entry, "type_ref") };
            types.insert(text(entry, "name"), doc);
        }
        TypeDocs { types }
    }

    /// The docs of `name` with aliases followed: the first non-empty description along the
    /// alias chain, and the members of the type at its end.
    pub fn resolve(&self, name: &str) -> Option<TypeDoc> {
        let mut doc = self.types.get(name)?.clone();
        let mut next = doc.type_ref.clone();
        let mut hops = 0;
        while doc.members.is_empty() && hops < 16 {
            let Some(target) = next.as_deref().and_then(|n| self.types.get(n)) else { break };
            if doc.description.is_empty() {
                doc.description = target.description.clone();
            }
            doc.members = target.members.clone();
            next = target.type_ref.clone();
            hops += 1;
        }
        Some(doc)
    }

    /// How many named types are documented.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether no type is documented.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

/// The schema of `ty` (whose WIT name is `name`, `interface/type`) with `description`s from `docs`
/// on the type and on every record field and variant case whose doc comment is known.
pub fn schema_with_docs(ty: &Type, name: Option<&str>, docs: &TypeDocs) -> Value {
    walk(ty, Some((docs, name.and_then(|n| docs.resolve(n)))))
}

/// [`schema_with_docs`] plus `$schema`.
pub fn document_with_docs(ty: &Type, name: Option<&str>, docs: &TypeDocs) -> Value {
    with_dialect(schema_with_docs(ty, name, docs))
}

/// The schema of `ty`, without a `$schema` key (see [`document`] for a top-level one).
pub fn schema_of(ty: &Type) -> Value {
    walk(ty, None)
}

/// The docs context of a walk: all docs, and the docs of the named type at this point.
type Ctx<'a> = Option<(&'a TypeDocs, Option<TypeDoc>)>;

fn walk(ty: &Type, ctx: Ctx<'_>) -> Value {
    let docs = ctx.as_ref().map(|(docs, _)| *docs);
    let here = ctx.as_ref().and_then(|(_, doc)| doc.as_ref());
    // The docs of the current named type's member called `name`.
    let member_doc = |name: &str| here.and_then(|doc| doc.members.iter().find(|m| m.name == name));
    // Its description, its checks and its own context.
    let member = |name: &str| -> (Option<String>, Option<ValueChecks>, Ctx<'_>) {
        let found = member_doc(name);
        let description = found.map(|m| m.description.clone()).filter(|d| !d.is_empty());
        let inner = docs.map(|docs| (docs, found.and_then(|m| m.type_ref.as_deref()).and_then(|r| docs.resolve(r))));
        (description, found.and_then(|m| m.checks.clone()), inner)
    };
    let picker = |name: &str| member_doc(name).and_then(|m| m.options.as_ref());
    let mut schema = match ty {
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
        Type::List(list) => json!({"type": "array", "items": walk(&list.ty(), ctx.clone())}),
        Type::FixedLengthList(list) => json!({
            "type": "array",
            "items": walk(&list.ty(), ctx.clone()),
            "minItems": list.len(),
            "maxItems": list.len(),
        }),
        Type::Map(map) => {
            if map.key() == Type::String {
                json!({"type": "object", "additionalProperties": walk(&map.value(), docs.map(|d| (d, None)))})
            } else {
                json!({
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [schema_of(&map.key()), walk(&map.value(), docs.map(|d| (d, None)))],
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
                let (description, checks, inner) = member(field.name);
                let mut schema = described(checked(walk(&field.ty, inner), &field.ty, checks.as_ref()), description);
                // A field that names an object a card lists says which (an annotation: validators ignore it).
                if let (Some(options), Value::Object(object)) = (picker(field.name), &mut schema) {
                    object.insert("x-options".into(), options.to_json());
                }
                properties.insert(key, schema);
            }
            json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        }
        Type::Tuple(tuple) => {
            let items: Vec<Value> = tuple.types().map(|ty| walk(&ty, docs.map(|d| (d, None)))).collect();
            let n = items.len();
            json!({"type": "array", "prefixItems": items, "items": false, "minItems": n, "maxItems": n})
        }
        Type::Variant(variant) => {
            let cases: Vec<Value> = variant
                .cases()
                .map(|case| {
                    let key = json_name(case.name);
                    let (description, checks, inner) = member(case.name);
                    let case = match &case.ty {
                        None => json!({"const": key}),
                        Some(ty) => one_key(&key, checked(walk(ty, inner), ty, checks.as_ref())),
                    };
                    described(case, description)
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
            let some =
                if matches!(inner, Type::Option(_)) { one_key("some", walk(&inner, ctx.clone())) } else { walk(&inner, ctx.clone()) };
            json!({"anyOf": [some, {"type": "null"}]})
        }
        Type::Result(result) => {
            let payload = |ty: Option<Type>| ty.map_or_else(|| json!({"type": "null"}), |ty| walk(&ty, docs.map(|d| (d, None))));
            json!({"oneOf": [one_key("ok", payload(result.ok())), one_key("err", payload(result.err()))]})
        }
        Type::Flags(flags) => {
            let names: Vec<String> = flags.names().map(json_name).collect();
            json!({"type": "array", "items": {"enum": names}, "uniqueItems": true})
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            json!({"not": {}, "description": format!("{} values cannot be written as JSON", kind_of(ty))})
        }
    };
    // A named record, variant, enum or flags type carries its own doc comment; an enum's or
    // flags' cases, which JSON Schema cannot describe one by one, are listed in it.
    if matches!(ty, Type::Record(_) | Type::Variant(_) | Type::Enum(_) | Type::Flags(_))
        && let Some(doc) = here
    {
        let mut text = doc.description.clone();
        if matches!(ty, Type::Enum(_) | Type::Flags(_)) {
            for member in doc.members.iter().filter(|m| !m.description.is_empty()) {
                text.push_str(&format!("\n- `{}`: {}", json_name(&member.name), member.description));
            }
        }
        if let (false, Value::Object(object)) = (text.trim().is_empty(), &mut schema) {
            object.entry("description").or_insert_with(|| Value::String(text.trim().to_string()));
        }
    }
    schema
}

/// A member's schema with its value checks: a format and length bounds on a text, value bounds
/// on an integer (within its type's range), item bounds on a list, through `option`.
fn checked(mut schema: Value, ty: &Type, checks: Option<&ValueChecks>) -> Value {
    let Some(checks) = checks else { return schema };
    match ty {
        Type::Option(option) => {
            if let Some(some) = schema.pointer_mut("/anyOf/0") {
                *some = checked(some.take(), &option.ty(), Some(checks));
            }
        }
        Type::List(list) => {
            let object = schema.as_object_mut().expect("a list's schema is an object");
            checks.min_items.map(|n| object.insert("minItems".into(), n.into()));
            checks.max_items.map(|n| object.insert("maxItems".into(), n.into()));
            if let Some(items) = object.get_mut("items") {
                let item = ValueChecks { min_items: None, max_items: None, ..checks.clone() };
                *items = checked(items.take(), &list.ty(), Some(&item));
            }
        }
        Type::String => {
            let object = schema.as_object_mut().expect("a string's schema is an object");
            checks.format.as_ref().map(|f| object.insert("format".into(), f.as_str().into()));
            checks.min.map(|n| object.insert("minLength".into(), n.into()));
            checks.max.map(|n| object.insert("maxLength".into(), n.into()));
        }
        _ if schema["type"] == "integer" => {
            let object = schema.as_object_mut().expect("an integer's schema is an object");
            let narrower = |bound: Option<&Value>, tag: Option<i64>, keep_higher: bool| match (bound.and_then(Value::as_i64), tag) {
                (Some(own), Some(tag)) => Some(if keep_higher { own.max(tag) } else { own.min(tag) }),
                (None, Some(tag)) => Some(tag),
                _ => None,
            };
            if let Some(min) = narrower(object.get("minimum"), checks.min, true) {
                object.insert("minimum".into(), min.into());
            }
            if let Some(max) = narrower(object.get("maximum"), checks.max, false) {
                object.insert("maximum".into(), max.into());
            }
        }
        _ => {}
    }
    schema
}

/// A member's checks in words, for the card reference (`format uuid; 1 to 255 characters`).
pub fn checks_text(ty: &Type, checks: &ValueChecks) -> String {
    let inner = match ty {
        Type::Option(option) => option.ty(),
        other => other.clone(),
    };
    let (scalar, list) = match &inner {
        Type::List(list) => (list.ty(), true),
        other => (other.clone(), false),
    };
    let unit = if matches!(scalar, Type::String) { " characters" } else { "" };
    let range = |min: Option<i64>, max: Option<i64>, unit: &str| match (min, max) {
        (Some(min), Some(max)) => Some(format!("{min} to {max}{unit}")),
        (Some(min), None) => Some(format!("at least {min}{unit}")),
        (None, Some(max)) => Some(format!("at most {max}{unit}")),
        (None, None) => None,
    };
    let mut parts = Vec::new();
    parts.extend(checks.format.as_ref().map(|f| format!("format `{f}`")));
    parts.extend(range(checks.min, checks.max, unit));
    if list {
        parts.extend(range(checks.min_items, checks.max_items, " items"));
    }
    parts.join("; ")
}

/// Sets `description` on a schema (a field's doc is more specific than its type's).
fn described(mut schema: Value, description: Option<String>) -> Value {
    if let (Some(description), Value::Object(object)) = (description, &mut schema) {
        object.insert("description".into(), Value::String(description));
    }
    schema
}

/// A top-level schema document for `ty`: [`schema_of`] plus `$schema`.
pub fn document(ty: &Type) -> Value {
    with_dialect(schema_of(ty))
}

fn with_dialect(mut schema: Value) -> Value {
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
            let fields: Vec<String> =
                record.fields().map(|field| format!("{}: {}", field.name, describe_type(&field.ty, depth - 1))).collect();
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
    let bound = |n: i128| -> Value { if n < 0 { Value::from(n as i64) } else { Value::from(n as u64) } };
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
    fn docs_become_descriptions_through_fields_options_variants_and_aliases() {
        let docs = TypeDocs::from_json(&json!([
            {"name": "t/input", "description": "", "members": [], "type_ref": "u/input"},
            {"name": "u/input", "description": "The input.", "members": [
                {"name": "user-name", "description": "Who.", "type_ref": null},
                {"name": "cloud", "description": "Where.", "type_ref": "u/cloud"},
                {"name": "pages", "description": "How many.", "type_ref": "u/sel"},
            ], "type_ref": null},
            {"name": "u/cloud", "description": "A cloud.", "members": [
                {"name": "aws-gov", "description": "GovCloud.", "type_ref": null},
            ], "type_ref": null},
            {"name": "u/sel", "description": "A selection.", "members": [
                {"name": "page", "description": "One page.", "type_ref": "u/page"},
            ], "type_ref": null},
            {"name": "u/page", "description": "A page.", "members": [
                {"name": "count", "description": "Its size.", "type_ref": null},
            ], "type_ref": null},
        ]));
        let schema = schema_with_docs(&ty("input"), Some("t/input"), &docs);
        assert_eq!(schema["description"], "The input.", "an alias takes its target's docs");
        assert_eq!(schema["properties"]["user_name"]["description"], "Who.");
        assert_eq!(schema["properties"]["cloud"]["description"], "Where.");
        assert!(schema["properties"]["display_name"].get("description").is_none());
        let pages = &schema["properties"]["pages"];
        assert_eq!(pages["description"], "How many.");
        let selection = &pages["anyOf"][0];
        assert_eq!(selection["description"], "A selection.");
        assert_eq!(selection["oneOf"][0]["description"], "One page.");
        assert_eq!(selection["oneOf"][0]["properties"]["page"]["properties"]["count"]["description"], "Its size.");
        let cloud = schema_with_docs(&ty("cloud"), Some("u/cloud"), &docs);
        assert_eq!(cloud["description"], "A cloud.\n- `aws_gov`: GovCloud.");
        // Without docs, the schema is exactly `schema_of`'s.
        assert_eq!(schema_with_docs(&ty("input"), None, &TypeDocs::default()), schema_of(&ty("input")));
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
