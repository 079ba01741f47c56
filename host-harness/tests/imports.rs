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
        assert!(
            exports.iter().any(|n| n.starts_with(&format!("databricks:account/{interface}@"))),
            "{interface} is exported: {exports:?}"
        );
    }
}
