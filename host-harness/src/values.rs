//! JSON ⇄ component values, driven by the component's own types.
//!
//! The mapping (the same in both directions):
//!
//! | WIT | JSON |
//! |---|---|
//! | `record` | object; keys are the field names with `-` → `_`; `option` fields may be absent or `null`; unknown keys are refused |
//! | `enum`, `flags` | a case name (`"aws_gov"`); a list of flag names |
//! | `variant` | `"case"` without payload, `{"case": payload}` with one |
//! | `option<T>` | `null` or the value; `option<option<T>>` writes the inner `some` as `{"some": value}` |
//! | `result<T, E>` | `{"ok": value}` / `{"err": value}` (`null` without payload) |
//! | `list`, `tuple` | arrays |
//! | `map<string, V>` | object; other key types: an array of `[key, value]` pairs |
//! | integers | JSON integers, exact (never through `f64`); out of range or fractional is refused |
//! | floats | numbers; `"NaN"`, `"Infinity"`, `"-Infinity"` for the values JSON lacks |
//! | `char`, `string`, `bool` | string of one character, string, boolean |
//!
//! Errors name the JSON path (`input.pages.page.count: expected integer, got string`) and never
//! echo a value: the connection holds secrets.

use serde_json::{Map, Number, Value};
use wasmtime::component::Val;
use wasmtime::component::types::Type;

/// A JSON value that does not fit its WIT type, at a JSON path such as `input.member_ids[2]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ValueError {
    /// Where: the root (`input`, `connection`) then `.field`, `[index]` or `.case`.
    pub path: String,
    /// What is wrong, without the offending value.
    pub message: String,
}

impl ValueError {
    fn new(path: impl std::fmt::Display, message: impl Into<String>) -> Self {
        ValueError { path: path.to_string(), message: message.into() }
    }
}

/// The JSON spelling of a WIT name: kebab-case becomes snake_case (`aws-gov` → `aws_gov`).
pub fn json_name(wit_name: &str) -> String {
    into_json_name(wit_name.to_string())
}

/// [`json_name`] of a name the caller owns, converted in place (`-` and `_` are one byte each).
fn into_json_name(name: String) -> String {
    if !name.contains('-') {
        return name;
    }
    let mut bytes = name.into_bytes();
    bytes.iter_mut().filter(|b| **b == b'-').for_each(|b| *b = b'_');
    // Replacing one ASCII byte with another keeps the text UTF-8; the fallback is never taken.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Converts `json` to a value of type `ty`. `path` names the root in error messages.
pub fn json_to_val(json: &Value, ty: &Type, path: &str) -> Result<Val, ValueError> {
    to_val(json, ty, At::Root(path))
}

fn to_val(json: &Value, ty: &Type, at: At<'_>) -> Result<Val, ValueError> {
    Ok(match ty {
        Type::Bool => match json {
            Value::Bool(b) => Val::Bool(*b),
            other => return Err(expected(at, "boolean", other)),
        },
        Type::S8 => Val::S8(integer(json, at, "s8")?),
        Type::U8 => Val::U8(integer(json, at, "u8")?),
        Type::S16 => Val::S16(integer(json, at, "s16")?),
        Type::U16 => Val::U16(integer(json, at, "u16")?),
        Type::S32 => Val::S32(integer(json, at, "s32")?),
        Type::U32 => Val::U32(integer(json, at, "u32")?),
        Type::S64 => Val::S64(integer(json, at, "s64")?),
        Type::U64 => Val::U64(integer(json, at, "u64")?),
        Type::Float32 => {
            let f = float(json, at)?;
            if f.is_finite() && (f as f32).is_infinite() {
                return Err(ValueError::new(at, "number out of range for f32"));
            }
            Val::Float32(f as f32)
        }
        Type::Float64 => Val::Float64(float(json, at)?),
        Type::Char => match json {
            Value::String(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Val::Char(c),
                    _ => return Err(ValueError::new(at, "expected a string of exactly one character")),
                }
            }
            other => return Err(expected(at, "a one-character string", other)),
        },
        Type::String => match json {
            Value::String(s) => Val::String(s.clone()),
            other => return Err(expected(at, "string", other)),
        },
        Type::List(list) => {
            let items = array(json, at)?;
            let ty = list.ty();
            Val::List(elements(items, &ty, at)?)
        }
        Type::FixedLengthList(list) => {
            let items = array(json, at)?;
            if items.len() != list.len() as usize {
                return Err(ValueError::new(at, format!("expected an array of {} items, got {}", list.len(), items.len())));
            }
            Val::FixedLengthList(elements(items, &list.ty(), at)?)
        }
        Type::Map(map) => {
            let (key_ty, value_ty) = (map.key(), map.value());
            if key_ty == Type::String {
                let Value::Object(object) = json else {
                    return Err(expected(at, "object", json));
                };
                let mut pairs = Vec::with_capacity(object.len());
                for (key, value) in object {
                    let value = to_val(value, &value_ty, At::Field(&at, key))?;
                    pairs.push((Val::String(key.clone()), value));
                }
                Val::Map(pairs)
            } else {
                let items = array(json, at)?;
                let mut pairs = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let item_path = At::Index(&at, i);
                    match item {
                        Value::Array(pair) if pair.len() == 2 => pairs.push((
                            to_val(&pair[0], &key_ty, At::Index(&item_path, 0))?,
                            to_val(&pair[1], &value_ty, At::Index(&item_path, 1))?,
                        )),
                        _ => return Err(ValueError::new(item_path, "expected a [key, value] pair")),
                    }
                }
                Val::Map(pairs)
            }
        }
        Type::Record(record) => {
            let Value::Object(object) = json else {
                return Err(expected(at, "object", json));
            };
            let mut fields = Vec::new();
            let mut known = Vec::new();
            for field in record.fields() {
                let key = json_name(field.name);
                let field_path = At::Field(&at, &key);
                let value = match object.get(&key) {
                    None | Some(Value::Null) if matches!(field.ty, Type::Option(_)) => Val::Option(None),
                    None => return Err(ValueError::new(field_path, "missing required field")),
                    Some(value) => to_val(value, &field.ty, field_path)?,
                };
                fields.push((field.name.to_string(), value));
                known.push(key);
            }
            if let Some(unknown) = object.keys().find(|key| !known.contains(key)) {
                return Err(ValueError::new(At::Field(&at, unknown), format!("unknown field (expected one of: {})", known.join(", "))));
            }
            Val::Record(fields)
        }
        Type::Tuple(tuple) => {
            let items = array(json, at)?;
            let types: Vec<Type> = tuple.types().collect();
            if items.len() != types.len() {
                return Err(ValueError::new(at, format!("expected an array of {} items, got {}", types.len(), items.len())));
            }
            let mut values = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.iter().zip(&types).enumerate() {
                values.push(to_val(item, ty, At::Index(&at, i))?);
            }
            Val::Tuple(values)
        }
        Type::Variant(variant) => {
            let (key, payload) = tagged(json, at, "a case name or {\"case\": payload}")?;
            let case = variant.cases().find(|case| json_name(case.name) == key).ok_or_else(|| {
                let names: Vec<String> = variant.cases().map(|c| json_name(c.name)).collect();
                ValueError::new(at, format!("unknown case (expected one of: {})", names.join(", ")))
            })?;
            let case_path = At::Field(&at, &key);
            let payload = match (&case.ty, payload) {
                (Some(ty), Some(payload)) => Some(Box::new(to_val(payload, ty, case_path)?)),
                (Some(_), None) => {
                    return Err(ValueError::new(at, format!("case `{key}` needs a payload: {{\"{key}\": …}}")));
                }
                (None, None | Some(Value::Null)) => None,
                (None, Some(_)) => {
                    return Err(ValueError::new(case_path, "this case takes no payload (use the bare string or null)"));
                }
            };
            Val::Variant(case.name.to_string(), payload)
        }
        Type::Enum(en) => {
            let Value::String(s) = json else {
                return Err(expected(at, "string", json));
            };
            let name = en.names().find(|name| json_name(name) == *s).ok_or_else(|| {
                let names: Vec<String> = en.names().map(json_name).collect();
                ValueError::new(at, format!("unknown case (expected one of: {})", names.join(", ")))
            })?;
            Val::Enum(name.to_string())
        }
        Type::Option(option) => {
            let inner = option.ty();
            match json {
                Value::Null => Val::Option(None),
                // `null` is the outer `none`, so the inner option's `some` needs a wrapper.
                _ if matches!(inner, Type::Option(_)) => match json {
                    Value::Object(object) if object.len() == 1 && object.contains_key("some") => {
                        Val::Option(Some(Box::new(to_val(&object["some"], &inner, At::Field(&at, "some"))?)))
                    }
                    other => return Err(expected(at, "null or {\"some\": value}", other)),
                },
                _ => Val::Option(Some(Box::new(to_val(json, &inner, at)?))),
            }
        }
        Type::Result(result) => {
            let (key, payload) = tagged(json, at, "{\"ok\": value} or {\"err\": value}")?;
            let case_path = At::Field(&at, &key);
            let (ty, is_ok) = match key.as_str() {
                "ok" => (result.ok(), true),
                "err" => (result.err(), false),
                _ => return Err(ValueError::new(at, "expected {\"ok\": value} or {\"err\": value}")),
            };
            let payload = match (ty, payload) {
                (Some(ty), Some(payload)) => Some(Box::new(to_val(payload, &ty, case_path)?)),
                (Some(_), None) => return Err(ValueError::new(case_path, "missing payload")),
                (None, None | Some(Value::Null)) => None,
                (None, Some(_)) => return Err(ValueError::new(case_path, "expected null (no payload)")),
            };
            Val::Result(if is_ok { Ok(payload) } else { Err(payload) })
        }
        Type::Flags(flags) => {
            let items = array(json, at)?;
            let mut set: Vec<String> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item_path = At::Index(&at, i);
                let Value::String(s) = item else {
                    return Err(expected(item_path, "string", item));
                };
                let name = flags.names().find(|name| json_name(name) == *s).ok_or_else(|| {
                    let names: Vec<String> = flags.names().map(json_name).collect();
                    ValueError::new(item_path, format!("unknown flag (expected some of: {})", names.join(", ")))
                })?;
                if set.iter().any(|seen| seen == name) {
                    return Err(ValueError::new(item_path, "flag listed twice"));
                }
                set.push(name.to_string());
            }
            Val::Flags(set)
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return Err(ValueError::new(at, format!("{} values cannot be written as JSON", kind_of(ty))));
        }
    })
}

/// Converts a value of type `ty`, as a card returned it, to JSON. `path` names the root in errors.
pub fn val_to_json(val: &Val, ty: &Type, path: &str) -> Result<Value, ValueError> {
    to_json(val.clone(), ty, At::Root(path))
}

/// [`val_to_json`] of a value the caller is done with: its strings move into the JSON.
pub fn val_into_json(val: Val, ty: &Type, path: &str) -> Result<Value, ValueError> {
    to_json(val, ty, At::Root(path))
}

/// Where a value sits (`input.member_ids[2]`, `output.resources[3].emails`), spelled out only
/// for an error: every run maps its input and output, a listing thousands of values, and
/// building each one's path up front cost more than the mapping itself.
#[derive(Clone, Copy)]
enum At<'a> {
    Root(&'a str),
    Field(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Root(root) => f.write_str(root),
            At::Field(parent, name) => write!(f, "{parent}.{name}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn to_json(val: Val, ty: &Type, at: At<'_>) -> Result<Value, ValueError> {
    let mismatch = || ValueError::new(at, format!("internal: the value does not match its type {}", kind_of(ty)));
    Ok(match (ty, val) {
        (Type::Bool, Val::Bool(b)) => Value::Bool(b),
        (Type::S8, Val::S8(n)) => Value::from(n),
        (Type::U8, Val::U8(n)) => Value::from(n),
        (Type::S16, Val::S16(n)) => Value::from(n),
        (Type::U16, Val::U16(n)) => Value::from(n),
        (Type::S32, Val::S32(n)) => Value::from(n),
        (Type::U32, Val::U32(n)) => Value::from(n),
        (Type::S64, Val::S64(n)) => Value::from(n),
        (Type::U64, Val::U64(n)) => Value::from(n),
        (Type::Float32, Val::Float32(f)) => float_to_json(f64::from(f)),
        (Type::Float64, Val::Float64(f)) => float_to_json(f),
        (Type::Char, Val::Char(c)) => Value::String(c.to_string()),
        // Strings move into the JSON: an output's text is never copied twice.
        (Type::String, Val::String(s)) => Value::String(s),
        (Type::List(list), Val::List(items)) => Value::Array(items_to_json(items, &list.ty(), at)?),
        (Type::FixedLengthList(list), Val::FixedLengthList(items)) => Value::Array(items_to_json(items, &list.ty(), at)?),
        (Type::Map(map), Val::Map(pairs)) => {
            let (key_ty, value_ty) = (map.key(), map.value());
            if key_ty == Type::String {
                let mut object = Map::new();
                for (key, value) in pairs {
                    let Val::String(key) = key else { return Err(mismatch()) };
                    let value = to_json(value, &value_ty, At::Field(&at, &key))?;
                    object.insert(key, value);
                }
                Value::Object(object)
            } else {
                let mut out = Vec::with_capacity(pairs.len());
                for (i, (key, value)) in pairs.into_iter().enumerate() {
                    let item = At::Index(&at, i);
                    out.push(Value::Array(vec![
                        to_json(key, &key_ty, At::Index(&item, 0))?,
                        to_json(value, &value_ty, At::Index(&item, 1))?,
                    ]));
                }
                Value::Array(out)
            }
        }
        (Type::Record(record), Val::Record(mut fields)) => {
            let mut object = Vec::with_capacity(fields.len());
            for (i, field) in record.fields().enumerate() {
                // wasmtime lifts a record's fields in declaration order; look further only if not.
                let index = match fields.get(i) {
                    Some((name, _)) if name == field.name => i,
                    _ => fields.iter().position(|(name, _)| name == field.name).ok_or_else(mismatch)?,
                };
                let value = std::mem::replace(&mut fields[index].1, Val::Bool(false));
                // The lifted name becomes the key, converted in place: no allocation per field.
                let key = into_json_name(std::mem::take(&mut fields[index].0));
                let value = to_json(value, &field.ty, At::Field(&at, &key))?;
                object.push((key, value));
            }
            Value::Object(object.into_iter().collect())
        }
        (Type::Tuple(tuple), Val::Tuple(items)) => {
            let types: Vec<Type> = tuple.types().collect();
            if types.len() != items.len() {
                return Err(mismatch());
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.into_iter().zip(&types).enumerate() {
                out.push(to_json(item, ty, At::Index(&at, i))?);
            }
            Value::Array(out)
        }
        (Type::Variant(variant), Val::Variant(name, payload)) => {
            let case = variant.cases().find(|case| case.name == name).ok_or_else(mismatch)?;
            let key = into_json_name(name);
            match (&case.ty, payload) {
                (None, None) => Value::String(key),
                (Some(ty), Some(payload)) => {
                    let payload = to_json(*payload, ty, At::Field(&at, &key))?;
                    single(key, payload)
                }
                _ => return Err(mismatch()),
            }
        }
        (Type::Enum(_), Val::Enum(name)) => Value::String(into_json_name(name)),
        (Type::Option(option), Val::Option(value)) => match value {
            None => Value::Null,
            Some(value) => {
                let inner = option.ty();
                let json = to_json(*value, &inner, at)?;
                if matches!(inner, Type::Option(_)) { single("some".to_string(), json) } else { json }
            }
        },
        (Type::Result(result), Val::Result(value)) => {
            let (key, ty, payload) = match value {
                Ok(payload) => ("ok", result.ok(), payload),
                Err(payload) => ("err", result.err(), payload),
            };
            let payload = match (ty, payload) {
                (Some(ty), Some(payload)) => to_json(*payload, &ty, At::Field(&at, key))?,
                (None, None) => Value::Null,
                _ => return Err(mismatch()),
            };
            single(key.to_string(), payload)
        }
        (Type::Flags(_), Val::Flags(names)) => Value::Array(names.into_iter().map(|name| Value::String(into_json_name(name))).collect()),
        _ => return Err(mismatch()),
    })
}

/// A one-line name of a type's kind, for messages (`record`, `list`, `u32`, ...).
pub fn kind_of(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::S8 => "s8",
        Type::U8 => "u8",
        Type::S16 => "s16",
        Type::U16 => "u16",
        Type::S32 => "s32",
        Type::U32 => "u32",
        Type::S64 => "s64",
        Type::U64 => "u64",
        Type::Float32 => "f32",
        Type::Float64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::List(_) => "list",
        Type::FixedLengthList(_) => "fixed-length list",
        Type::Map(_) => "map",
        Type::Record(_) => "record",
        Type::Tuple(_) => "tuple",
        Type::Variant(_) => "variant",
        Type::Enum(_) => "enum",
        Type::Option(_) => "option",
        Type::Result(_) => "result",
        Type::Flags(_) => "flags",
        Type::Own(_) => "resource",
        Type::Borrow(_) => "borrowed resource",
        Type::Future(_) => "future",
        Type::Stream(_) => "stream",
        Type::ErrorContext => "error-context",
    }
}

fn elements(items: &[Value], ty: &Type, at: At<'_>) -> Result<Vec<Val>, ValueError> {
    items.iter().enumerate().map(|(i, item)| to_val(item, ty, At::Index(&at, i))).collect()
}

fn items_to_json(items: Vec<Val>, ty: &Type, at: At<'_>) -> Result<Vec<Value>, ValueError> {
    items.into_iter().enumerate().map(|(i, item)| to_json(item, ty, At::Index(&at, i))).collect()
}

fn single(key: String, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key, value);
    Value::Object(object)
}

/// A case name (`"all"`) or a one-key object (`{"page": {...}}`).
fn tagged<'a>(json: &'a Value, at: At<'_>, what: &str) -> Result<(String, Option<&'a Value>), ValueError> {
    match json {
        Value::String(s) => Ok((s.clone(), None)),
        Value::Object(object) if object.len() == 1 => {
            let (key, value) = object.iter().next().expect("one entry");
            Ok((key.clone(), Some(value)))
        }
        Value::Object(object) => {
            Err(ValueError::new(at, format!("expected {what}: an object with exactly one key, got {} keys", object.len())))
        }
        other => Err(expected(at, what, other)),
    }
}

fn array<'a>(json: &'a Value, at: At<'_>) -> Result<&'a [Value], ValueError> {
    match json {
        Value::Array(items) => Ok(items),
        other => Err(expected(at, "array", other)),
    }
}

fn integer<T>(json: &Value, at: At<'_>, wit: &str) -> Result<T, ValueError>
where
    T: TryFrom<u64> + TryFrom<i64>,
{
    let Value::Number(n) = json else {
        return Err(expected(at, "integer", json));
    };
    let converted = if let Some(u) = n.as_u64() {
        T::try_from(u).ok()
    } else if let Some(i) = n.as_i64() {
        T::try_from(i).ok()
    } else {
        return Err(ValueError::new(at, "expected integer, got a fractional or too large number"));
    };
    converted.ok_or_else(|| ValueError::new(at, format!("integer out of range for {wit}")))
}

fn float(json: &Value, at: At<'_>) -> Result<f64, ValueError> {
    match json {
        Value::Number(n) => n.as_f64().ok_or_else(|| expected(at, "number", json)),
        Value::String(s) if s == "NaN" => Ok(f64::NAN),
        Value::String(s) if s == "Infinity" => Ok(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
        other => Err(expected(at, "number", other)),
    }
}

fn float_to_json(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String("NaN".into()),
        None if f > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// `expected X, got <kind>`: the kind of the JSON value, never the value itself.
fn expected(at: At<'_>, what: &str, got: &Value) -> ValueError {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    ValueError::new(at, format!("expected {what}, got {got}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_types::ty;
    use serde_json::json;

    fn full_input() -> Value {
        json!({
            "user_name": "ada@example.com",
            "cloud": "aws_gov",
            "display_name": null,
            "pages": {"page": {"start_index": 1, "count": 100}},
            "ids": [i64::MIN, -1, 0, i64::MAX],
            "big": u64::MAX,
            "pair": [65535, "λ"],
            "ratio": 0.25,
            "small": 1.5,
            "flag": true,
            "perms": ["read", "write_all"],
            "outcome": {"err": "nope"},
            "unit": {"ok": null},
            "nested": {"some": null},
            "tiny": -128,
        })
    }

    fn to_val(json: Value, name: &str) -> Result<Val, ValueError> {
        json_to_val(&json, &ty(name), name)
    }

    fn err(json: Value, name: &str) -> String {
        to_val(json, name).unwrap_err().to_string()
    }

    #[test]
    fn a_full_record_round_trips() {
        let input = full_input();
        let val = to_val(input.clone(), "input").unwrap();
        assert_eq!(val_to_json(&val, &ty("input"), "input").unwrap(), input);
    }

    #[test]
    fn json_maps_to_the_wit_values() {
        let Val::Record(fields) = to_val(full_input(), "input").unwrap() else { panic!("not a record") };
        let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(field("user-name"), Val::String("ada@example.com".into()));
        assert_eq!(field("cloud"), Val::Enum("aws-gov".into()));
        assert_eq!(field("display-name"), Val::Option(None));
        assert_eq!(field("big"), Val::U64(u64::MAX));
        assert_eq!(field("ids"), Val::List(vec![Val::S64(i64::MIN), Val::S64(-1), Val::S64(0), Val::S64(i64::MAX)]));
        assert_eq!(field("pair"), Val::Tuple(vec![Val::U16(65535), Val::Char('λ')]));
        assert_eq!(field("perms"), Val::Flags(vec!["read".into(), "write-all".into()]));
        assert_eq!(field("outcome"), Val::Result(Err(Some(Box::new(Val::String("nope".into()))))));
        assert_eq!(field("unit"), Val::Result(Ok(None)));
        assert_eq!(field("nested"), Val::Option(Some(Box::new(Val::Option(None)))));
        assert_eq!(field("tiny"), Val::S8(-128));
        let Val::Option(Some(pages)) = field("pages") else { panic!("pages") };
        assert_eq!(
            *pages,
            Val::Variant(
                "page".into(),
                Some(Box::new(Val::Record(vec![
                    ("start-index".into(), Val::Option(Some(Box::new(Val::U32(1))))),
                    ("count".into(), Val::Option(Some(Box::new(Val::U32(100))))),
                ])))
            )
        );
    }

    #[test]
    fn absent_option_fields_are_none_and_written_back_as_null() {
        let mut input = full_input();
        let object = input.as_object_mut().unwrap();
        object.remove("display_name");
        object.remove("pages");
        object.remove("nested");
        let val = to_val(input, "input").unwrap();
        let back = val_to_json(&val, &ty("input"), "input").unwrap();
        assert_eq!(back["display_name"], Value::Null);
        assert_eq!(back["pages"], Value::Null);
        assert_eq!(back["nested"], Value::Null);
        assert!(back.as_object().unwrap().contains_key("pages"));
    }

    #[test]
    fn errors_name_the_json_path() {
        let mut input = full_input();
        input["pages"]["page"]["count"] = json!("10");
        assert_eq!(err(input, "input"), "input.pages.page.count: expected integer, got string");

        let mut input = full_input();
        input["ids"][2] = json!(1.5);
        assert_eq!(err(input, "input"), "input.ids[2]: expected integer, got a fractional or too large number");

        let mut input = full_input();
        input["pair"][1] = json!("ab");
        assert_eq!(err(input, "input"), "input.pair[1]: expected a string of exactly one character");
    }

    #[test]
    fn integers_are_exact_and_range_checked() {
        assert_eq!(to_val(json!(4294967295u64), "u32").unwrap(), Val::U32(u32::MAX));
        assert_eq!(err(json!(4294967296u64), "u32"), "u32: integer out of range for u32");
        assert_eq!(err(json!(-1), "u32"), "u32: integer out of range for u32");
        assert_eq!(err(json!(1.0), "u32"), "u32: expected integer, got a fractional or too large number");
        assert_eq!(err(json!(1e30), "u64"), "u64: expected integer, got a fractional or too large number");
        assert_eq!(to_val(json!(u64::MAX), "u64").unwrap(), Val::U64(u64::MAX));
        assert_eq!(to_val(json!(i64::MIN), "s64").unwrap(), Val::S64(i64::MIN));
        assert_eq!(err(json!(u64::MAX), "s64"), "s64: integer out of range for s64");
        // 2^53 + 1 is not representable as f64: it must survive untouched.
        let val = to_val(json!(9007199254740993u64), "u64").unwrap();
        assert_eq!(val_to_json(&val, &ty("u64"), "u64").unwrap().to_string(), "9007199254740993");
    }

    #[test]
    fn records_refuse_unknown_and_missing_fields() {
        let mut input = full_input();
        input["surname"] = json!("x");
        let message = err(input, "input");
        assert!(message.starts_with("input.surname: unknown field (expected one of: user_name, cloud,"), "{message}");

        let mut input = full_input();
        input.as_object_mut().unwrap().remove("user_name");
        assert_eq!(err(input, "input"), "input.user_name: missing required field");

        let mut input = full_input();
        input["user_name"] = Value::Null;
        assert_eq!(err(input, "input"), "input.user_name: expected string, got null");

        // Kebab-case keys are not the JSON spelling.
        assert_eq!(err(json!({"start-index": 1}), "page"), "page.start-index: unknown field (expected one of: start_index, count)");
        assert_eq!(err(json!([]), "page"), "page: expected object, got array");
    }

    #[test]
    fn enums_use_snake_case_names() {
        assert_eq!(to_val(json!("aws_gov"), "cloud").unwrap(), Val::Enum("aws-gov".into()));
        assert_eq!(err(json!("aws-gov"), "cloud"), "cloud: unknown case (expected one of: aws, aws_gov)");
        assert_eq!(err(json!(1), "cloud"), "cloud: expected string, got integer");
        assert_eq!(val_to_json(&Val::Enum("aws-gov".into()), &ty("cloud"), "cloud").unwrap(), json!("aws_gov"));
    }

    #[test]
    fn variants_are_a_case_name_or_a_one_key_object() {
        assert_eq!(to_val(json!("all"), "sel").unwrap(), Val::Variant("all".into(), None));
        assert_eq!(to_val(json!({"all": null}), "sel").unwrap(), Val::Variant("all".into(), None));
        assert_eq!(
            to_val(json!({"page": {}}), "sel").unwrap(),
            Val::Variant(
                "page".into(),
                Some(Box::new(Val::Record(vec![("start-index".into(), Val::Option(None)), ("count".into(), Val::Option(None)),])))
            )
        );
        assert_eq!(err(json!("page"), "sel"), "sel: case `page` needs a payload: {\"page\": …}");
        assert_eq!(err(json!({"all": 1}), "sel"), "sel.all: this case takes no payload (use the bare string or null)");
        assert_eq!(
            err(json!({"page": {}, "all": null}), "sel"),
            "sel: expected a case name or {\"case\": payload}: an object with exactly one key, got 2 keys"
        );
        assert_eq!(err(json!("every"), "sel"), "sel: unknown case (expected one of: page, all)");
        let all = Val::Variant("all".into(), None);
        assert_eq!(val_to_json(&all, &ty("sel"), "sel").unwrap(), json!("all"));
    }

    #[test]
    fn flags_floats_and_lists_of_pairs() {
        let mut input = full_input();
        input["perms"] = json!(["read", "read"]);
        assert_eq!(err(input, "input"), "input.perms[1]: flag listed twice");

        assert!(matches!(to_val(json!("NaN"), "f32").unwrap(), Val::Float32(f) if f.is_nan()));
        let nan = Val::Float32(f32::NAN);
        assert_eq!(val_to_json(&nan, &ty("f32"), "f32").unwrap(), json!("NaN"));
        let inf = Val::Float32(f32::NEG_INFINITY);
        assert_eq!(val_to_json(&inf, &ty("f32"), "f32").unwrap(), json!("-Infinity"));
        assert_eq!(err(json!(1e300), "f32"), "f32: number out of range for f32");

        let map = to_val(json!([["a", 1], ["b", 2]]), "map").unwrap();
        assert_eq!(val_to_json(&map, &ty("map"), "map").unwrap(), json!([["a", 1], ["b", 2]]));
        assert_eq!(err(json!([["a"]]), "map"), "map[0]: expected an array of 2 items, got 1");
    }

    #[test]
    fn results_are_ok_or_err_objects() {
        let mut input = full_input();
        input["outcome"] = json!({"ok": 7});
        let val = to_val(input.clone(), "input").unwrap();
        assert_eq!(val_to_json(&val, &ty("input"), "input").unwrap()["outcome"], json!({"ok": 7}));
        input["outcome"] = json!({"maybe": 7});
        assert_eq!(err(input, "input"), "input.outcome: expected {\"ok\": value} or {\"err\": value}");
    }

    #[test]
    fn values_never_appear_in_errors() {
        let mut input = full_input();
        input["user_name"] = json!(["s3cr3t-value"]);
        input["cloud"] = json!("s3cr3t-cloud");
        let message = err(input.clone(), "input");
        assert!(!message.contains("s3cr3t"), "{message}");
        input["user_name"] = json!("ok");
        let message = err(input, "input");
        assert!(!message.contains("s3cr3t"), "{message}");
    }

    #[test]
    fn a_record_built_out_of_order_converts_like_a_lifted_one() {
        let Val::Record(mut fields) = to_val(full_input(), "input").unwrap() else { panic!("a record") };
        fields.reverse();
        assert_eq!(val_to_json(&Val::Record(fields.clone()), &ty("input"), "output").unwrap(), full_input());
        fields.retain(|(name, _)| name != "user-name");
        let message = val_to_json(&Val::Record(fields), &ty("input"), "output").unwrap_err().to_string();
        assert_eq!(message, "output: internal: the value does not match its type record");
    }

    #[test]
    fn mismatched_values_are_reported_not_panicked() {
        let message = val_to_json(&Val::String("x".into()), &ty("u32"), "output").unwrap_err().to_string();
        assert_eq!(message, "output: internal: the value does not match its type u32");
        // Deep inside, the message still names where: a list item of a record field.
        let Val::Record(mut fields) = to_val(full_input(), "input").unwrap() else { panic!("a record") };
        let (_, ids) = fields.iter_mut().find(|(name, _)| name == "ids").expect("full_input has ids");
        *ids = Val::List(vec![Val::S64(1), Val::String("2".into())]);
        let message = val_to_json(&Val::Record(fields), &ty("input"), "output").unwrap_err().to_string();
        assert_eq!(message, "output.ids[1]: internal: the value does not match its type s64");
    }
}
