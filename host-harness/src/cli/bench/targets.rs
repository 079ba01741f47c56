//! The performance targets (docs/performance.md), read from one report: each with its figure and
//! whether this run met it. A report is evidence, never a test: the machine is noisy.

use serde_json::{Value, json};

/// Each target that this report has the figures for.
pub fn targets(report: &Value) -> Value {
    let mut targets = Vec::new();
    let mut target = |what: String, value: Option<f64>, goal: &str, met: fn(f64) -> bool| {
        if let Some(value) = value {
            targets.push(json!({"target": what, "value": value, "goal": goal, "met": met(value)}));
        }
    };
    let latency = report["latency_ms"].as_u64().unwrap_or(0);
    if latency >= 20 {
        for card in report["cards"].as_array().into_iter().flatten() {
            for setup in ["cold", "all"] {
                let what = format!("{} at {latency} ms, set-up {setup}: harness / native p50", card["card"].as_str().unwrap_or("?"));
                target(what, card["harness"][setup]["ratio"].as_f64(), "≤ 1.03", |v| v <= 1.03);
            }
        }
    }
    let flight = &report["in_flight"];
    if flight.is_object() {
        let n = flight["in_flight"].as_u64().unwrap_or(0);
        let at = format!("{n} in flight at {} ms", flight["latency_ms"]);
        target(format!("{at}: throughput, harness / native"), flight["throughput_ratio"].as_f64(), "≥ 0.95", |v| v >= 0.95);
        target(format!("{at}: p99, harness / native"), flight["p99_ratio"].as_f64(), "≤ 1.25", |v| v <= 1.25);
        // PSS, not RSS: RSS counts the component's copy-on-write memory image once per instance
        // although its pages are shared until written (docs/performance.md).
        target(format!("{at}: MiB per run in flight (PSS)"), flight["harness"]["pss_mib_per_run"].as_f64(), "≤ 0.1", |v| v <= 0.1);
        target(format!("{at}: tokens minted for one connection"), flight["harness"]["tokens_minted"].as_f64(), "= 1", |v| v == 1.0);
    }
    target("CPU per warm GET, harness / native".into(), report["cpu_per_run"]["ratio"].as_f64(), "≤ 2", |v| v <= 2.0);
    target("compile on a cache miss, ms".into(), report["component_load"]["compile_ms"].as_f64(), "≤ 2000", |v| v <= 2000.0);
    target("load from the cache, ms".into(), report["component_load"]["cache_load_ms"].as_f64(), "≤ 5", |v| v <= 5.0);
    Value::Array(targets)
}
