//! WIT types for unit tests, taken from a small type-only component written in WAT
//! (wasmtime's `Type` values can only come from a compiled component).

use std::collections::HashMap;
use std::sync::OnceLock;

use wasmtime::component::Component;
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::{Config, Engine};

const TYPES_WAT: &str = r#"
(component
  (type $cloud (enum "aws" "aws-gov"))
  (import "cloud" (type $cloud-i (eq $cloud)))
  (type $perms (flags "read" "write-all"))
  (import "perms" (type $perms-i (eq $perms)))
  (type $page (record (field "start-index" (option u32)) (field "count" (option u32))))
  (import "page" (type $page-i (eq $page)))
  (type $sel (variant (case "page" $page-i) (case "all")))
  (import "sel" (type $sel-i (eq $sel)))
  (type $input (record
    (field "user-name" string)
    (field "cloud" $cloud-i)
    (field "display-name" (option string))
    (field "pages" (option $sel-i))
    (field "ids" (list s64))
    (field "big" u64)
    (field "pair" (tuple u16 char))
    (field "ratio" f64)
    (field "small" f32)
    (field "flag" bool)
    (field "perms" $perms-i)
    (field "outcome" (result u32 (error string)))
    (field "unit" (result))
    (field "nested" (option (option u8)))
    (field "tiny" s8)
  ))
  (import "input" (type $input-i (eq $input)))
  (import "probe" (func
    (param "input" $input-i)
    (param "sel" $sel-i)
    (param "cloud" $cloud-i)
    (param "page" $page-i)
    (param "u32" u32)
    (param "s64" s64)
    (param "u64" u64)
    (param "f32" f32)
    (param "map" (list (tuple string u8)))
  ))
)
"#;

struct Types(HashMap<String, Type>);

/// The type of the `probe` parameter called `name` (`input`, `sel`, `cloud`, `page`, `u32`, ...).
pub(crate) fn ty(name: &str) -> Type {
    static TYPES: OnceLock<Types> = OnceLock::new();
    let types = TYPES.get_or_init(|| {
        let engine = Engine::new(&Config::new()).expect("engine");
        let wasm = wat::parse_str(TYPES_WAT).expect("the test WAT parses");
        let component = Component::from_binary(&engine, &wasm).expect("the test component compiles");
        let ComponentItem::ComponentFunc(func) = component.component_type().get_import(&engine, "probe").expect("probe import").ty else {
            panic!("probe is not a function");
        };
        Types(func.params().map(|(name, ty)| (name.to_string(), ty)).collect())
    });
    types.0.get(name).unwrap_or_else(|| panic!("no test type {name}")).clone()
}
