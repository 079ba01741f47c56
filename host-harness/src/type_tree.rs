//! The component's types as plain JSON, for hosts that lower and lift values themselves (the npm
//! package's codec, `js/src/codec.js`, which turns the CLI's JSON into jco's values and back).
//!
//! A type is a string for a primitive (`"string"`, `"u64"`, …) or an object with one key:
//! `{"list": T}`, `{"option": T}`, `{"tuple": [T, …]}`, `{"result": [T or null, E or null]}`,
//! `{"map": [K, V]}`, `{"fixed": [T, n]}`, or `{"ref": i}` for a record, variant, enum or flags
//! type, which lives once in the `types` table: `{"record": [[name, T], …]}`,
//! `{"variant": [[name, T or null], …]}`, `{"enum": [name, …]}`, `{"flags": [name, …]}`. Names are
//! the WIT names (`account-id`); each host spells them its own way. Identical named types share
//! one entry, so the connection record is written once for all cards.

use std::collections::HashMap;

use serde_json::{Value, json};
use wasmtime::component::types::Type;

/// Builds type trees that share one table of named types.
#[derive(Default)]
pub struct TypeTable {
    types: Vec<Value>,
    index: HashMap<String, usize>,
}

impl TypeTable {
    /// The tree of `ty`, adding its named types to the table.
    pub fn tree(&mut self, ty: &Type) -> Value {
        match ty {
            Type::Bool => json!("bool"),
            Type::S8 => json!("s8"),
            Type::U8 => json!("u8"),
            Type::S16 => json!("s16"),
            Type::U16 => json!("u16"),
            Type::S32 => json!("s32"),
            Type::U32 => json!("u32"),
            Type::S64 => json!("s64"),
            Type::U64 => json!("u64"),
            Type::Float32 => json!("f32"),
            Type::Float64 => json!("f64"),
            Type::Char => json!("char"),
            Type::String => json!("string"),
            Type::List(list) => json!({"list": self.tree(&list.ty())}),
            Type::FixedLengthList(list) => json!({"fixed": [self.tree(&list.ty()), list.len()]}),
            Type::Map(map) => json!({"map": [self.tree(&map.key()), self.tree(&map.value())]}),
            Type::Option(option) => json!({"option": self.tree(&option.ty())}),
            Type::Result(result) => {
                let ok = result.ok().map_or(Value::Null, |ty| self.tree(&ty));
                let err = result.err().map_or(Value::Null, |ty| self.tree(&ty));
                json!({"result": [ok, err]})
            }
            Type::Tuple(tuple) => json!({"tuple": tuple.types().map(|ty| self.tree(&ty)).collect::<Vec<_>>()}),
            Type::Record(record) => {
                let fields: Vec<Value> = record.fields().map(|field| json!([field.name, self.tree(&field.ty)])).collect();
                self.named(json!({"record": fields}))
            }
            Type::Variant(variant) => {
                let cases: Vec<Value> =
                    variant.cases().map(|case| json!([case.name, case.ty.as_ref().map_or(Value::Null, |ty| self.tree(ty))])).collect();
                self.named(json!({"variant": cases}))
            }
            Type::Enum(en) => self.named(json!({"enum": en.names().collect::<Vec<_>>()})),
            Type::Flags(flags) => self.named(json!({"flags": flags.names().collect::<Vec<_>>()})),
            // No card passes these; a host that meets one refuses the value.
            Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
                json!({"unsupported": crate::values::kind_of(ty)})
            }
        }
    }

    /// Every named type, in the order first met: `{"ref": i}` is `types()[i]`.
    pub fn into_types(self) -> Vec<Value> {
        self.types
    }

    fn named(&mut self, definition: Value) -> Value {
        let key = definition.to_string();
        let next = self.types.len();
        let index = *self.index.entry(key).or_insert(next);
        if index == next {
            self.types.push(definition);
        }
        json!({"ref": index})
    }
}

/// A card's signature for a codec: its export (interface and function), each parameter's name,
/// role (`connection` or `input`) and type, and its result type.
pub fn card_signature(card: &crate::CardSignature, table: &mut TypeTable) -> Value {
    let params: Vec<Value> = card
        .params
        .iter()
        .map(|(name, ty, role)| {
            let role = match role {
                crate::cards::ParamRole::Connection => "connection",
                crate::cards::ParamRole::Input => "input",
            };
            json!([name, role, table.tree(ty)])
        })
        .collect();
    let result = card.result.as_ref().map_or(Value::Null, |ty| table.tree(ty));
    json!({"interface": card.interface, "function": card.id, "params": params, "result": result})
}
