//! What a run without a warm instance pays before the card's code starts: a new store and an
//! instance from the harness's `InstancePre`.

use host_harness::Harness;
use serde_json::{Value, json};

use super::BenchArgs;
use super::timing::Stats;

/// `--instantiations` timed instantiations (after as many warm-up ones as `--warmup`, at most)
/// on each of these harnesses, by label.
pub async fn instantiation(harnesses: [(&str, &Harness); 2], args: &BenchArgs) -> anyhow::Result<Value> {
    let mut instantiation = serde_json::Map::new();
    for (label, harness) in harnesses {
        let mut times = Vec::with_capacity(args.instantiations);
        for _ in 0..args.warmup.min(args.instantiations) {
            harness.time_instantiation().await?;
        }
        for _ in 0..args.instantiations.max(1) {
            times.push(harness.time_instantiation().await?);
        }
        let stats = Stats::of(times);
        instantiation.insert(label.into(), json!({"p50_us": stats.p50_us(), "p99_us": stats.p99_us()}));
    }
    Ok(Value::Object(instantiation))
}
