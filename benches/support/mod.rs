//! Prints each benchmark's median as a ratio to a baseline, from the estimates criterion wrote
//! in this same run, so that a table of ratios never mixes runs.

use std::path::PathBuf;

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from);
    target.join("criterion")
}

/// The median, in nanoseconds, of `group/bench` from this run, if it ran.
pub fn median_ns(group: &str, bench: &str) -> Option<f64> {
    let path = criterion_dir().join(group).join(bench).join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Prints `bench: median, ratio to baseline` for each bench of `group`.
pub fn print_ratios(group: &str, baseline: &str, benches: &[&str]) {
    let Some(base) = median_ns(group, baseline) else { return };
    println!("\n{group}: medians and ratios to {baseline}");
    for bench in benches {
        if let Some(ns) = median_ns(group, bench) {
            println!("  {bench:<28} {:>12.1} ns  {:>6.2} x", ns, ns / base);
        }
    }
}
