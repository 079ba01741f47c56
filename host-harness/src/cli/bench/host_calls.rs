//! What one call from the guest into the host costs, through the same harness, linker and
//! store set-up as a card run: a component of a few lines of WAT calls an import in a loop, and
//! the per-call cost is the difference between a run with `LOOPS` calls and a run with none.
//!
//! Two imports: `wasi:clocks/monotonic-clock.now` (a call that only returns a number), and the
//! `wasi:http/types` `fields` constructor and its drop (a resource into the run's table and out
//! again, as most of a request's calls are). A warm GET makes about 30 such calls.

use std::time::{Duration, Instant};

use anyhow::Context;
use host_harness::{CardOutcome, Harness, HarnessConfig, RunOptions};
use serde_json::{Value, json};

use super::BenchArgs;
use super::timing::{Stats, timings};

/// Calls per timed run of a loop.
const LOOPS: u32 = 10_000;

/// Two exported "cards" (`clock-now`, `fields-new-drop`), each taking its loop count as input.
const LOOPS_WAT: &str = r#"
(component
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "now" (func (result u64)))))
  (import "wasi:http/types@0.2.0" (instance $http
    (export "fields" (type (sub resource)))
    (export "[constructor]fields" (func (result (own 0))))))
  (alias export $http "fields" (type $fields))
  (core func $now (canon lower (func $clock "now")))
  (core func $fields_new (canon lower (func $http "[constructor]fields")))
  (core func $fields_drop (canon resource.drop $fields))
  (core module $loops
    (import "host" "now" (func $now (result i64)))
    (import "host" "fields-new" (func $fields_new (result i32)))
    (import "host" "fields-drop" (func $fields_drop (param i32)))
    (func (export "clock-now") (param $n i32) (result i64)
      (local $sum i64)
      (block $done (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i64.add (local.get $sum) (call $now)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
      (local.get $sum))
    (func (export "fields-new-drop") (param $n i32) (result i64)
      (block $done (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (call $fields_drop (call $fields_new))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
      (i64.const 0)))
  (core instance $instance (instantiate $loops (with "host" (instance
    (export "now" (func $now))
    (export "fields-new" (func $fields_new))
    (export "fields-drop" (func $fields_drop))))))
  (func $clock_now (param "input" u32) (result u64) (canon lift (core func $instance "clock-now")))
  (func $fields_new_drop (param "input" u32) (result u64) (canon lift (core func $instance "fields-new-drop")))
  (instance $loops_interface
    (export "clock-now" (func $clock_now))
    (export "fields-new-drop" (func $fields_new_drop)))
  (export "databricks:account/bench-loops@0.1.0" (instance $loops_interface)))
"#;

/// Nanoseconds per host call of each import, warm instance, on the current runtime.
pub async fn host_calls(args: &BenchArgs) -> anyhow::Result<Value> {
    let wasm = wat::parse_str(LOOPS_WAT).context("the loop component's WAT")?;
    let config = HarnessConfig { use_cache: false, pooling: true, warm_instances: 4, pacing: None, ..HarnessConfig::default() };
    let harness = Harness::with_config(&wasm, &config)?;
    // (report key, loop, host calls per iteration)
    let loops = [("clock_now", "clock-now", 1), ("fields_new_and_drop", "fields-new-drop", 2)];
    let mut report = serde_json::Map::new();
    for (key, card, calls_per_iteration) in loops {
        let empty = Stats::of(time_runs(&harness, card, 0, args).await?);
        let full = Stats::of(time_runs(&harness, card, LOOPS, args).await?);
        let per_call = full.quantile(0.5).saturating_sub(empty.quantile(0.5)).as_secs_f64() * 1e9 / f64::from(LOOPS * calls_per_iteration);
        report.insert(key.into(), json!((per_call * 10.0).round() / 10.0));
    }
    report.insert("calls_per_loop_run".into(), json!(LOOPS));
    Ok(Value::Object(report))
}

async fn time_runs(harness: &Harness, card: &str, loops: u32, args: &BenchArgs) -> anyhow::Result<Vec<Duration>> {
    let (options, input) = (RunOptions::default(), json!(loops));
    timings(args, || async {
        let started = Instant::now();
        let outcome = harness.run(card, &Value::Null, &input, &options).await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(matches!(outcome, CardOutcome::Ok(_)), "the {card} loop failed: {outcome:?}");
        Ok(elapsed)
    })
    .await
}
