//! The outbox with its in-memory store: messages per second through the whole cycle (enqueue,
//! take what is due, report the outcome), side by side with what a host would write by hand
//! (a `VecDeque` of requests, popped and dropped: no order per key, no retry, no lease), and
//! how long a message waits as the backlog grows. Run: `cargo bench --bench delivery`.

// Figures for people to read: counts far below 2^52, fractions of them.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use criterion::Criterion;
use sauce_webhooks::connector::WebhookConnector;
use sauce_webhooks::delivery::{Message, Outbox, Outcome};
use sauce_webhooks::outgoing::OutgoingRequest;
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, Job, JobStatus};

/// Requests to `endpoints` endpoints, a failed job each, `count` in all.
fn requests(count: usize, endpoints: usize) -> Vec<OutgoingRequest> {
    let connectors: Vec<WebhookConnector> = (0..endpoints)
        .map(|n| WebhookConnector::new(Endpoint::parse(&format!("https://hooks.example.com/in/{n}")).unwrap()))
        .collect();
    (0..count)
        .map(|n| {
            let mut job = Job::new(format!("{n:032x}"), JobStatus::Failed, OffsetDateTime::UNIX_EPOCH);
            job.name = Some(format!("test {n}").into());
            connectors[n % endpoints].request(&Event::Job(job)).unwrap().unwrap()
        })
        .collect()
}

/// Every request through the outbox, all delivered at the first attempt; how many.
fn through_outbox(requests: &[OutgoingRequest]) -> usize {
    let outbox = Outbox::new();
    let now = OffsetDateTime::UNIX_EPOCH;
    for request in requests {
        outbox.enqueue(Message::webhook(request.clone()), now).unwrap();
    }
    let mut delivered = 0;
    while delivered < requests.len() {
        for attempt in outbox.due(now, 256).unwrap() {
            black_box(attempt.request());
            outbox.report(&attempt, &Outcome::status(204), now, 0).unwrap();
            delivered += 1;
        }
    }
    delivered
}

/// The same by hand: a queue, popped.
fn through_queue(requests: &[OutgoingRequest]) -> usize {
    let mut queue: VecDeque<OutgoingRequest> = requests.iter().cloned().collect();
    let mut delivered = 0;
    while let Some(request) = queue.pop_front() {
        black_box(&request);
        delivered += 1;
    }
    delivered
}

/// The fastest of three runs of `work`.
fn fastest(work: impl Fn() -> usize) -> StdDuration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn per_second(count: usize, took: StdDuration) -> f64 {
    count as f64 / took.as_secs_f64()
}

/// With `backlog` messages already waiting for one endpoint, how long the last one added waits
/// for its turn, delivering as fast as the outbox gives them out.
fn wait_behind(backlog: usize) -> StdDuration {
    let outbox = Outbox::new();
    let now = OffsetDateTime::UNIX_EPOCH;
    for request in requests(backlog + 1, 1) {
        outbox.enqueue(Message::webhook(request), now).unwrap();
    }
    let start = Instant::now();
    while !outbox.is_empty().unwrap() {
        for attempt in outbox.due(now, 256).unwrap() {
            outbox.report(&attempt, &Outcome::status(204), now, 0).unwrap();
        }
    }
    start.elapsed()
}

fn main() {
    const COUNT: usize = 100_000;
    let spread = requests(COUNT, 1_000);
    let mut c = Criterion::default().configure_from_args().sample_size(10).measurement_time(StdDuration::from_secs(10));
    c.bench_function("outbox: 100,000 messages to 1,000 endpoints, enqueue + due + report", |b| {
        b.iter(|| through_outbox(&spread));
    });
    c.bench_function("by hand: 100,000 requests through a VecDeque", |b| b.iter(|| through_queue(&spread)));

    let outbox = fastest(|| through_outbox(&spread));
    let queue = fastest(|| through_queue(&spread));
    println!("\nThe outbox, in memory, {COUNT} messages to 1,000 endpoints, each delivered at once:");
    println!("  outbox (enqueue, due, report): {:>12.0} messages/s", per_second(COUNT, outbox));
    println!(
        "  a VecDeque by hand (no order per key, no retry, no lease): {:>12.0} messages/s",
        per_second(COUNT, queue)
    );
    println!("  ratio: {:.1} x the hand-written queue's time", outbox.as_secs_f64() / queue.as_secs_f64());
    println!("\nOne endpoint (one ordering key), a backlog before the newest message:");
    for backlog in [100, 1_000, 10_000, 99_999] {
        let took = wait_behind(backlog);
        println!(
            "  backlog {backlog:>7}: the newest is out after {:>9.3} ms ({:.2} µs a message ahead of it)",
            took.as_secs_f64() * 1e3,
            took.as_secs_f64() * 1e6 / backlog as f64
        );
    }
}
