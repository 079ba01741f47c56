//! Card runs per second with several runs in flight on one harness.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use host_harness::{Harness, RunOptions};
use serde_json::{Value, json};

use super::timing::round2;
use super::{BenchArgs, run_ok};

/// Card runs per second with `concurrency` runs in flight (get-user, everything on).
pub async fn throughput(harness: &Harness, connection: &Value, user_id: &str, args: &BenchArgs) -> anyhow::Result<Value> {
    let total = args.throughput_runs.max(1);
    let next = Arc::new(AtomicUsize::new(0));
    let input = json!({"id": user_id});
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (harness, connection, input, next) = (harness.clone(), connection.clone(), input.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let options = RunOptions::default();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                run_ok(&harness, "get-user", &connection, &input, &options).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    Ok(json!({
        "card": "get-user",
        "concurrency": args.concurrency.max(1),
        "runs": total,
        "seconds": round2(elapsed.as_secs_f64() * 100.0) / 100.0,
        "runs_per_s": (total as f64 / elapsed.as_secs_f64()).round(),
    }))
}
