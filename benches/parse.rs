//! `Event::from_slice` on a realistic 1.5 KB failed VDC job, side by side with the floor
//! (serde_json into `IgnoredAny`), a plain derived struct as users write by hand, and
//! `serde_json::Value`. Run: `cargo bench --bench parse`.

mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use sauce_webhooks::Event;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// What a receiver written by hand typically deserializes into: strict, no leniency.
#[derive(Deserialize)]
#[allow(dead_code)]
struct HandWrittenJob {
    id: String,
    creation_time: String,
    modification_time: String,
    owner: Option<String>,
    owner_id: Option<String>,
    org_id: Option<String>,
    team_id: Option<String>,
    team_name: Option<String>,
    group_id: Option<String>,
    status: String,
    passed: Option<u8>,
    name: Option<String>,
    browser_name: Option<String>,
    browser_version: Option<u32>,
    os_name: Option<String>,
    os_version: Option<String>,
    duration_sec: Option<u64>,
    visibility: Option<String>,
    tags: Option<Vec<String>>,
    device: Option<String>,
    app: Option<String>,
    error: Option<String>,
    exception: Option<String>,
    commit_id: Option<String>,
    branch_name: Option<String>,
    build: Option<String>,
    automation_backend: Option<String>,
    data_type: String,
}

fn main() {
    let body = sauce_webhooks::testing::fixtures::VDC_JOB_FAILED.to_vec();
    assert!(matches!(Event::from_slice(&body), Ok(Event::Job(_))));

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("parse_vdc_job");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("ignored_any", |b| b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&body))));
    group.bench_function("event_from_slice", |b| b.iter(|| Event::from_slice(black_box(&body))));
    group.bench_function("event_from_slice_borrowed", |b| b.iter(|| Event::from_slice_borrowed(black_box(&body))));
    group.bench_function("hand_written_struct", |b| {
        b.iter(|| serde_json::from_slice::<HandWrittenJob>(black_box(&body)));
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)));
    });
    group.finish();
    c.final_summary();

    // `cargo test --benches` runs this binary too; the ratio table is for `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        support::interleaved(
            "parse a 1.5 KB failed VDC job",
            &mut [
                ("serde_json -> IgnoredAny", &mut || {
                    drop(black_box(serde_json::from_slice::<IgnoredAny>(black_box(&body))));
                }),
                ("Event::from_slice", &mut || drop(black_box(Event::from_slice(black_box(&body))))),
                ("Event::from_slice_borrowed", &mut || drop(black_box(Event::from_slice_borrowed(black_box(&body))))),
                ("hand-written derive struct", &mut || {
                    drop(black_box(serde_json::from_slice::<HandWrittenJob>(black_box(&body))));
                }),
                ("serde_json -> Value", &mut || {
                    drop(black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body))));
                }),
            ],
            200,
            std::time::Duration::from_millis(2),
        );
    }
}
