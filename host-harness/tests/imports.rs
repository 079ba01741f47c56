//! What a platform must provide to run the component, read from the component itself:
//! only standard WASI 0.2 interfaces come in, only `databricks:account` interfaces go out.
//! (If the world stopped exporting `types`, it would become a custom import that hosts
//! other than wasmtime, such as jco, refuse.)

use host_harness::Harness;

#[test]
fn the_component_imports_only_standard_wasi_and_exports_only_its_cards() {
    let harness = Harness::embedded().expect("the embedded component loads");
    let ty = harness.component().component_type();
    let imports: Vec<String> = ty.imports(harness.engine()).map(|(name, _)| name.to_string()).collect();
    assert!(!imports.is_empty());
    for name in &imports {
        let standard = name.starts_with("wasi:") && name.contains("@0.2.");
        assert!(standard, "non-standard import {name}; all imports: {imports:?}");
    }
    assert!(imports.iter().any(|n| n.starts_with("wasi:http/outgoing-handler@0.2.")), "{imports:?}");

    let exports: Vec<String> = ty.exports(harness.engine()).map(|(name, _)| name.to_string()).collect();
    for name in &exports {
        assert!(name.starts_with("databricks:account/"), "unexpected export {name}");
    }
    for interface in ["types", "identity"] {
        assert!(exports.iter().any(|n| n.starts_with(&format!("databricks:account/{interface}@"))), "{interface} is exported: {exports:?}");
    }
}

/// The same, read with the wasm-tools crates (`wit-parser`'s component decoder) rather than
/// wasmtime: the component's world imports only `wasi:*@0.2.*` interfaces, and exports exactly
/// the interfaces `wit/world.wit` declares, each from the `databricks:account` package.
#[test]
fn the_decoded_world_matches_wit_world_wit() {
    use std::collections::BTreeSet;
    use wit_parser::decoding::{DecodedWasm, decode};
    use wit_parser::{Resolve, WorldItem, WorldKey};

    let DecodedWasm::Component(resolve, world) = decode(host_harness::EMBEDDED_COMPONENT).expect("the component decodes") else {
        panic!("the embedded artifact is not a component");
    };
    let names = |resolve: &Resolve, items: &mut dyn Iterator<Item = (&WorldKey, &WorldItem)>| -> BTreeSet<String> {
        items
            .map(|(key, item)| {
                assert!(matches!(item, WorldItem::Interface { .. }), "{} is not an interface", resolve.name_world_key(key));
                resolve.name_world_key(key)
            })
            .collect()
    };
    let world = &resolve.worlds[world];
    let imports = names(&resolve, &mut world.imports.iter());
    for name in &imports {
        let standard = name.starts_with("wasi:") && name.contains("@0.2.");
        assert!(standard, "non-standard import {name}; all imports: {imports:?}");
    }
    let exports = names(&resolve, &mut world.exports.iter());
    for name in &exports {
        assert!(name.starts_with("databricks:account/"), "unexpected export {name}");
    }

    // What wit/world.wit says the component exports.
    let mut declared = Resolve::new();
    let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let (package, _) = declared.push_path(&wit).expect("wit/ parses");
    let connector = declared.select_world(&[package], Some("connector")).expect("world connector");
    let expected = names(&declared, &mut declared.worlds[connector].exports.iter());
    assert_eq!(exports, expected, "the component's exports differ from wit/world.wit");
    assert!(exports.iter().any(|n| n.starts_with("databricks:account/cards@")), "{exports:?}");
}
