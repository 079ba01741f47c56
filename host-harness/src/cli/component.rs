//! Which component the CLI runs: the one built into the binary, or the file `--component`
//! names; and `write-component`, which hands it to other hosts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use host_harness::{Harness, HarnessConfig};

/// The harness of `--component`, else of the built-in component.
pub fn harness(component: Option<&PathBuf>) -> anyhow::Result<Harness> {
    with_config(component, &HarnessConfig::default())
}

/// [`harness`] with another configuration (`run` shares tokens through a directory).
pub fn with_config(component: Option<&PathBuf>, config: &HarnessConfig) -> anyhow::Result<Harness> {
    let harness = match component {
        Some(path) => {
            let wasm = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Harness::with_config(&wasm, config)?
        }
        None if config.token_cache_dir.is_none() => Harness::embedded()?,
        None => Harness::with_config(host_harness::EMBEDDED_COMPONENT, config)?,
    };
    let load = harness.load_report();
    tracing::info!(source = ?load.source, time = ?load.load_time, "component ready");
    Ok(harness)
}

/// `write-component PATH`: the `.wasm` bytes as they are, without compiling them.
pub fn write(component: Option<&PathBuf>, path: &Path) -> anyhow::Result<ExitCode> {
    let bytes = match component {
        Some(source) => std::fs::read(source).with_context(|| format!("cannot read {}", source.display()))?,
        None => host_harness::EMBEDDED_COMPONENT.to_vec(),
    };
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
