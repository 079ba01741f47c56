//! The last steps of the component build: drop what only a debugger reads, and shrink the core
//! module with Binaryen's `wasm-opt` when it is installed.
//!
//! A component is a header and a list of sections (id, size, contents). Only two of them change
//! here: custom sections named in [`DEBUG_SECTIONS`] are left out, and the one core module the
//! guest compiled to (the largest module section; the others are wit-component's small shims)
//! is replaced by its optimised form. Every other section is copied byte for byte, and the result
//! is validated before it is embedded.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasm_encoder::Encode as _;

/// Custom sections of the component itself that only a debugger reads. `component-name` names
/// the component's own items (~23 KB for 85 cards); the core module's names are already stripped
/// by the guest profile, and nothing in wasmtime, jco or wit-parser needs them.
const DEBUG_SECTIONS: &[&str] = &["component-name"];

/// The wasm features the Rust compiler uses for `wasm32-wasip2` (wasm-opt does not detect them
/// from the module); all are on by default in wasmtime.
const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// Binaryen's recipe for the smallest code (its docs: flatten and re-loop, then -Oz twice;
/// 1.6% smaller than -Oz alone here, ~6 s), told that the first 1 KiB of memory is unused, as
/// it is in a Rust module (data starts at 1 MiB), so that address arithmetic folds into loads.
const WASM_OPT_PASSES: &[&str] = &["--low-memory-unused", "--flatten", "--rereloop", "-Oz", "-Oz"];

const COMPONENT_HEADER: usize = 8; // magic and version
const CUSTOM_SECTION: u8 = 0;
const CORE_MODULE_SECTION: u8 = 1;

/// What [`finish`] did, for the build's warnings.
pub struct Finished {
    pub wasm: Vec<u8>,
    /// Why the core module was not optimised, if it was not.
    pub not_optimised: Option<String>,
}

/// The component ready to embed: without its debug sections, its core module optimised when
/// `wasm-opt` is found (`WASM_OPT`, else `PATH`). `scratch` holds wasm-opt's input and output.
pub fn finish(wasm: &[u8], scratch: &Path) -> Result<Finished, String> {
    let sections = sections(wasm)?;
    let core = sections.iter().filter(|s| s.id == CORE_MODULE_SECTION).max_by_key(|s| s.contents.len()).map(|s| s.contents.clone());
    let (optimised, not_optimised) = match &core {
        None => (None, Some("the component holds no core module".to_string())),
        Some(range) => match optimise(&wasm[range.clone()], scratch) {
            Ok(module) => (Some(module), None),
            Err(why) => (None, Some(why)),
        },
    };

    let mut out = wasm[..COMPONENT_HEADER].to_vec();
    for section in &sections {
        if section.id == CUSTOM_SECTION && section.custom_name(wasm).is_some_and(|n| DEBUG_SECTIONS.contains(&n)) {
            continue;
        }
        match &optimised {
            Some(module) if core.as_ref() == Some(&section.contents) => {
                out.push(CORE_MODULE_SECTION);
                module.as_slice().encode(&mut out); // its size (LEB128), then its bytes
            }
            _ => out.extend_from_slice(&wasm[section.whole.clone()]),
        }
    }
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .map_err(|err| format!("the finished component does not validate: {err}"))?;
    Ok(Finished { wasm: out, not_optimised })
}

struct Section {
    id: u8,
    /// The section with its id and size.
    whole: std::ops::Range<usize>,
    contents: std::ops::Range<usize>,
}

impl Section {
    /// A custom section's name.
    fn custom_name<'a>(&self, wasm: &'a [u8]) -> Option<&'a str> {
        wasmparser::BinaryReader::new(&wasm[self.contents.clone()], self.contents.start as u64).read_string().ok()
    }
}

/// The component's top-level sections, in order.
fn sections(wasm: &[u8]) -> Result<Vec<Section>, String> {
    let malformed = |err: wasmparser::BinaryReaderError| format!("the built component does not parse: {err}");
    if wasm.len() < COMPONENT_HEADER {
        return Err("the built component is truncated".into());
    }
    let mut sections = Vec::new();
    let mut reader = wasmparser::BinaryReader::new(&wasm[COMPONENT_HEADER..], COMPONENT_HEADER as u64);
    while !reader.eof() {
        let start = reader.original_position() as usize;
        let id = reader.read_u8().map_err(malformed)?;
        let size = reader.read_var_u32().map_err(malformed)? as usize;
        let contents = reader.original_position() as usize;
        reader.read_bytes(size).map_err(malformed)?;
        sections.push(Section { id, whole: start..contents + size, contents: contents..contents + size });
    }
    Ok(sections)
}

/// The core module after `wasm-opt` ([`WASM_OPT_PASSES`]), or why it could not be optimised.
fn optimise(module: &[u8], scratch: &Path) -> Result<Vec<u8>, String> {
    let wasm_opt = std::env::var_os("WASM_OPT").map(PathBuf::from).unwrap_or_else(|| "wasm-opt".into());
    let input = scratch.join("core.wasm");
    let output = scratch.join("core.opt.wasm");
    std::fs::write(&input, module).map_err(|err| format!("cannot write {}: {err}", input.display()))?;
    let ran = Command::new(&wasm_opt).args(WASM_OPT_PASSES).args(WASM_OPT_FEATURES).arg(&input).arg("-o").arg(&output).output();
    match ran {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "{} is not installed (Binaryen; `apt-get install binaryen`), so the component is ~220 KB larger",
            wasm_opt.display()
        )),
        Err(err) => Err(format!("cannot run {}: {err}", wasm_opt.display())),
        Ok(out) if !out.status.success() => Err(format!(
            "{} failed ({}): {}",
            wasm_opt.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().take(5).collect::<Vec<_>>().join(" / ")
        )),
        Ok(_) => {
            let optimised = std::fs::read(&output).map_err(|err| format!("cannot read {}: {err}", output.display()))?;
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&optimised)
                .map_err(|err| format!("wasm-opt's output does not validate: {err}"))?;
            Ok(optimised)
        }
    }
}
