//! The report as a person reads it (without `--json`).

use serde_json::Value;

use super::SETUPS;

/// The table printed without `--json`.
pub fn table(report: &Value) -> String {
    let mut out = String::new();
    let f = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.1}"));
    out.push_str(&format!(
        "component: {} bytes; {} CPUs; {} runtime; {} timed runs per figure, in {} alternating rounds\n\n",
        report["component_bytes"],
        report["cpus"],
        report["runtime"].as_str().unwrap_or("?"),
        report["runs"],
        report["rounds"]
    ));
    out.push_str("card latency, µs (p50 / p99); ratio = harness p50 / native p50\n");
    out.push_str(&format!(
        "{:<12} {:>17} {:>24} {:>24} {:>24} {:>24}\n",
        "card", "native keep-alive", "cold", "pooled-conn", "warm", "all"
    ));
    for card in report["cards"].as_array().into_iter().flatten() {
        let mut line = format!(
            "{:<12} {:>17}",
            card["card"].as_str().unwrap_or("?"),
            format!("{} / {}", f(&card["native"]["p50_us"]), f(&card["native"]["p99_us"]))
        );
        for (name, ..) in SETUPS {
            let s = &card["harness"][*name];
            line.push_str(&format!(" {:>24}", format!("{} / {} ({}×)", f(&s["p50_us"]), f(&s["p99_us"]), s["ratio"])));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(
        "\nwhere a warm run's time goes (set-up `all`), µs (medians): the harness before and after the \
         call; the call without its waits (guest code, wasi:http calls, the wasm boundary); its waits \
         for response heads (sender, loopback, fake account). Last column: the native requests timed \
         right after each card run, p50\n",
    );
    out.push_str(&format!(
        "{:<12} {:>10} {:>20} {:>19} {:>11} {:>24}\n",
        "card", "harness in", "call without waits", "awaiting responses", "harness out", "native after a card run"
    ));
    for card in report["cards"].as_array().into_iter().flatten() {
        let phases = &card["harness"]["all"]["phases_p50_us"];
        out.push_str(&format!(
            "{:<12} {:>10} {:>20} {:>19} {:>11} {:>24}\n",
            card["card"].as_str().unwrap_or("?"),
            f(&phases["harness_in"]),
            f(&phases["call_without_waits"]),
            f(&phases["awaiting_responses"]),
            f(&phases["harness_out"]),
            f(&card["native_after_card"]["p50_us"]),
        ));
    }
    let quiet = &report["card_without_requests"];
    out.push_str(&format!(
        "a warm run of a card that sends no request ({}), µs (p50 / p99): {} / {}\n",
        quiet["card"].as_str().unwrap_or("?"),
        f(&quiet["p50_us"]),
        f(&quiet["p99_us"])
    ));
    let calls = &report["host_call_ns"];
    out.push_str(&format!(
        "one call from the guest into the host, ns (runs of {} calls minus runs of none, medians): \
         wasi:clocks now {}; wasi:http fields constructor or drop {}\n",
        calls["calls_per_loop_run"],
        f(&calls["clock_now"]),
        f(&calls["fields_new_and_drop"])
    ));
    let inst = &report["instantiation"];
    out.push_str(&format!(
        "\ninstantiation, µs (p50 / p99): on demand {} / {}; pooling allocator {} / {}\n",
        f(&inst["on_demand"]["p50_us"]),
        f(&inst["on_demand"]["p99_us"]),
        f(&inst["pooling"]["p50_us"]),
        f(&inst["pooling"]["p99_us"])
    ));
    let t = &report["throughput"];
    out.push_str(&format!(
        "throughput: {:.0} runs/s ({} runs of {}, {} concurrent)\n",
        t["runs_per_s"].as_f64().unwrap_or(0.0),
        t["runs"],
        t["card"].as_str().unwrap_or("?"),
        t["concurrency"]
    ));
    if !report["cli"].is_null() {
        out.push_str(&format!("whole `run get-user` process, ms (p50 / p99): {} / {}\n", report["cli"]["p50_ms"], report["cli"]["p99_ms"]));
    }
    out.push_str("\nlisting every page (page size 100)\n");
    out.push_str(&format!(
        "{:>7} {:>6} {:>10} {:>10} {:>12} {:>12} {:>14} {:>14}\n",
        "users", "pages", "ms", "users/s", "native ms", "native u/s", "output bytes", "peak RSS MiB"
    ));
    for row in report["listing"].as_array().into_iter().flatten() {
        let n = |key: &str| row[key].as_f64().map_or("-".to_string(), |x| format!("{x}"));
        out.push_str(&format!(
            "{:>7} {:>6} {:>10} {:>10} {:>12} {:>12} {:>14} {:>14.1}\n",
            n("users"),
            n("pages"),
            n("ms"),
            n("users_per_s"),
            n("native_ms"),
            n("native_users_per_s"),
            n("output_bytes"),
            row["peak_rss_bytes"].as_f64().unwrap_or(0.0) / (1024.0 * 1024.0)
        ));
    }
    out.push_str(&format!(
        "\npeak RSS of the whole benchmark: {:.1} MiB\n",
        report["peak_rss_bytes"].as_f64().unwrap_or(0.0) / (1024.0 * 1024.0)
    ));
    let r = &report["reuse"];
    out.push_str(&format!(
        "reuse (set-up `all`): {} connections opened, {} reused; {} warm-instance reuses, {} discarded\n",
        r["connections_opened"], r["connections_reused"], r["warm_instances_reused"], r["warm_instances_discarded"]
    ));
    platform(report, &mut out);
    out
}

/// A list of per-round figures, `1134, 1297, 1201`.
fn rounds(figures: &Value) -> String {
    figures.as_array().map(|all| all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

/// The platform-scale figures: runs in flight, CPU per run, the Python SDK, loading, targets.
fn platform(report: &Value, out: &mut String) {
    let flight = &report["in_flight"];
    if flight.is_object() {
        let (h, n) = (&flight["harness"], &flight["native"]);
        out.push_str(&format!(
            "
{} get-user runs in flight, fake account {} ms away
  harness: {} runs/s (median of rounds {}), p50 / p99 {} / {} ms, PSS {} MiB ({} MiB per run; RSS {} MiB, {} per run), {} token(s) minted, {} connections opened
  native:  {} runs/s (median of rounds {}), p50 / p99 {} / {} ms, PSS {} MiB (RSS {} MiB)
  throughput harness / native {}, p99 harness / native {}
",
            flight["in_flight"],
            flight["latency_ms"],
            h["runs_per_s"],
            rounds(&h["rounds_runs_per_s"]),
            h["p50_ms"],
            h["p99_ms"],
            h["pss_mib"],
            h["pss_mib_per_run"],
            h["memory_mib"],
            h["memory_mib_per_run"],
            h["tokens_minted"],
            h["connections_opened"],
            n["runs_per_s"],
            rounds(&n["rounds_runs_per_s"]),
            n["p50_ms"],
            n["p99_ms"],
            n["pss_mib"],
            n["memory_mib"],
            flight["throughput_ratio"],
            flight["p99_ratio"],
        ));
    }
    let cpu = &report["cpu_per_run"];
    out.push_str(&format!(
        "CPU per warm get-user (client side, the fake in another process), µs, median of rounds: harness {} ({}), native {} ({}) ({}×)
",
        cpu["harness_us"],
        rounds(&cpu["harness_rounds_us"]),
        cpu["native_us"],
        rounds(&cpu["native_rounds_us"]),
        cpu["ratio"]
    ));
    let py = &report["python_sdk"];
    match py["skipped"].as_str() {
        Some(why) => out.push_str(&format!(
            "Python SDK: not measured ({why})
"
        )),
        None => out.push_str(&format!(
            "Python SDK a.users.get, µs (p50 / p99): {} / {}; SDK / warm card {}×
",
            py["p50_us"], py["p99_us"], py["sdk_over_card"]
        )),
    }
    let load = &report["component_load"];
    out.push_str(&format!(
        "component: compile on a cache miss {} ms, load from the cache {} ms; {} cards, {} bytes per card
",
        load["compile_ms"], load["cache_load_ms"], load["cards"], load["bytes_per_card"]
    ));
    out.push_str(
        "
targets
",
    );
    for t in report["targets"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {:<4} {:<62} {:>10} (goal {})\n",
            if t["met"].as_bool() == Some(true) { "met" } else { "MISS" },
            t["target"].as_str().unwrap_or("?"),
            t["value"],
            t["goal"].as_str().unwrap_or("?")
        ));
    }
}
