//! What loading the component costs a process: compiling it on a cache miss, and loading the
//! compiled artifact from the cache; and its size per card.

use host_harness::{Harness, HarnessConfig};
use serde_json::{Value, json};

use super::timing::round2;

pub fn compile_and_load(wasm: &[u8]) -> anyhow::Result<Value> {
    let dir = std::env::temp_dir().join(format!("databricks-account-bench-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = HarnessConfig { cache_dir: Some(dir.clone()), pacing: None, ..HarnessConfig::default() };
    let compiled = Harness::with_config(wasm, &config)?;
    let cached = Harness::with_config(wasm, &config)?;
    let _ = std::fs::remove_dir_all(&dir);
    let cards = compiled.cards().len().max(1);
    let ms = |d: std::time::Duration| round2(d.as_secs_f64() * 1e3);
    Ok(json!({
        "compile_ms": ms(compiled.load_report().load_time),
        "cache_load_ms": ms(cached.load_report().load_time),
        "cards": cards,
        "bytes_per_card": wasm.len() / cards,
    }))
}
