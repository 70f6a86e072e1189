//! The paging stream, the path the guides recommend: verify, parse (borrowed), route among
//! 100,000 subscriptions, the incident ledger, and the PagerDuty message's body for the outbox,
//! over a stream of 1,000 distinct tests that fail and then pass, so that every result sends
//! (a trigger, then its resolve). Side by side in one run with SHA-256 of the same bodies (the
//! floor) and with the write-only pipeline (`IncidentRules::write_alert`, no ledger).
//! Run: `cargo bench -p sauce-webhooks-benches --bench paging`.

#[path = "support/subscriptions.rs"]
#[allow(dead_code)] // its `router` is the other benches', whose own subscriptions see failures only
mod subscriptions;
mod support;
#[path = "support/write_only.rs"]
mod write_only;

use std::hint::black_box;
use std::time::Duration as StdDuration;

use criterion::{Criterion, Throughput};
use sauce_webhooks::delivery::Message;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Outcomes, Subscription, Topic};
use sauce_webhooks::signature::{Secret, Verifier, sign};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, JobStatus, Router};
use sha2::{Digest, Sha256};
use write_only::write_only;

const TOKEN: &str = "3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d";
const ROUTING_KEY: &str = "R0UT1NGKEY0123456789ABCDEFGHIJKL";
const SUBSCRIPTIONS: u64 = 100_000;
const TESTS: usize = 1_000;

/// Signed bodies: every test's failure, then every test's pass, each a realistic failed job
/// (the testing kit's 1.5 KB fixture, its error text with newlines and quotes) renamed.
struct Stream {
    bodies: Vec<(Vec<u8>, String)>,
    now: OffsetDateTime,
}

fn stream() -> Stream {
    let secret = Secret::new(TOKEN).unwrap();
    let Ok(Event::Job(fixture)) = Event::from_slice(sauce_webhooks::testing::fixtures::VDC_JOB_FAILED) else {
        panic!("the fixture is a job")
    };
    let start = fixture.modification_time;
    let mut bodies = Vec::with_capacity(2 * TESTS);
    for (round, status) in [(0, JobStatus::Failed), (1, JobStatus::Passed)] {
        for test in 0..TESTS {
            let mut job = fixture.clone();
            job.id = format!("{}{round}{test:04}", &fixture.id[..fixture.id.len() - 5]).into();
            job.name = Some(format!("checkout applies discount {test}").into());
            job.status = status.clone();
            job.passed = Some(round == 1);
            if round == 1 {
                job.error = None;
            }
            let offset = i64::try_from(round * TESTS + test).unwrap();
            job.modification_time = start + Duration::seconds(offset);
            let body = serde_json::to_vec(&Event::Job(job)).unwrap();
            let header = sign(&secret, &body).to_string();
            bodies.push((body, header));
        }
    }
    Stream { bodies, now: start + Duration::days(1) }
}

/// One result of the stream through the whole path; returns the subscriptions it reached.
fn page(
    verifier: &Verifier,
    router: &Router<u64>,
    ledger: &IncidentLedger,
    body: &[u8],
    header: &str,
    now: OffsetDateTime,
) -> usize {
    let event = verifier.verify(body, Some(header)).unwrap().event_ref().unwrap();
    let reached = router.route(&event).count();
    match ledger.apply(&event, now).unwrap() {
        Decision::Send(alert) => drop(black_box(Message::pagerduty(&alert).unwrap())),
        skip => panic!("every result of the stream sends: {skip:?}"),
    }
    reached
}

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new(ROUTING_KEY).unwrap())
}

/// Walks the stream round and round; a new ledger at every turn, so that every result sends.
struct Walker<'s> {
    stream: &'s Stream,
    next: usize,
    ledger: IncidentLedger,
}

impl<'s> Walker<'s> {
    fn new(stream: &'s Stream) -> Self {
        Self { stream, next: 0, ledger: IncidentLedger::new(rules()) }
    }

    fn step(&mut self, verifier: &Verifier, router: &Router<u64>) -> usize {
        if self.next == self.stream.bodies.len() {
            self.next = 0;
            self.ledger = IncidentLedger::new(rules());
        }
        let (body, header) = &self.stream.bodies[self.next];
        self.next += 1;
        page(verifier, router, &self.ledger, black_box(body), header, self.stream.now)
    }
}

fn main() {
    let stream = stream();
    let verifier = Verifier::new(Secret::new(TOKEN).unwrap());
    let Ok(Event::Job(job)) = Event::from_slice(&stream.bodies[0].0) else { panic!("a job") };
    let id = |id: Option<&str>| id.expect("the fixture names its owner").to_owned();
    let (user, team, org) = (
        id(job.owner_id.as_ref().map(AsRef::as_ref)),
        id(job.team_id.as_ref().map(AsRef::as_ref)),
        id(job.org_id.as_ref().map(AsRef::as_ref)),
    );
    // The benches' mix of 100,000, where the job's user, team and organization each subscribe
    // to every result, as a paging subscription does (passes resolve).
    let mut router = Router::new();
    for (key, subscription) in subscriptions::mix(SUBSCRIPTIONS, &user, &team, &org) {
        let subscription = if key >= u64::MAX - 2 {
            Subscription::new(subscription.scope().clone(), [Topic::VirtualDeviceJobs(Outcomes::All)])
        } else {
            subscription
        };
        router.insert(key, subscription);
    }
    let rules = rules();
    let mut walker = Walker::new(&stream);
    for _ in 0..2 * stream.bodies.len() {
        assert_eq!(walker.step(&verifier, &router), 3);
    }
    let size = stream.bodies.iter().map(|(body, _)| body.len()).sum::<usize>() / stream.bodies.len();

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group(format!("paging_stream_{size}b_jobs_100k_subscriptions"));
    group.throughput(Throughput::Elements(1));
    let mut floor = 0;
    group.bench_function("sha256_floor", |b| {
        b.iter(|| {
            floor = (floor + 1) % stream.bodies.len();
            Sha256::digest(black_box(&stream.bodies[floor].0))
        });
    });
    group.bench_function("paging_stream", |b| b.iter(|| walker.step(&verifier, &router)));
    group.finish();
    c.final_summary();

    // `cargo test --benches` runs this binary too; the ratio table is for `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        let mut floor = 0;
        let mut written = 0;
        let mut alert = Vec::new();
        let fastest = support::interleaved(
            "the paging stream: verify + parse + route among 100,000 + ledger + the message's body, every result sending",
            &mut [
                ("SHA-256 of the body (floor)", &mut || {
                    floor = (floor + 1) % stream.bodies.len();
                    black_box(Sha256::digest(black_box(&stream.bodies[floor].0)));
                }),
                ("paging stream", &mut || {
                    black_box(walker.step(&verifier, &router));
                }),
                ("write-only pipeline", &mut || {
                    written = (written + 1) % stream.bodies.len();
                    let (body, header) = &stream.bodies[written];
                    black_box(write_only(&verifier, &router, &rules, black_box(body), header, &mut alert));
                }),
            ],
            100,
            StdDuration::from_millis(5),
        );
        println!(
            "\npaging stream: {:.2} x the SHA-256 floor, {:.0} results/s on one core; write-only pipeline {:.2} x",
            fastest[1] / fastest[0],
            1e9 / fastest[1],
            fastest[2] / fastest[0]
        );
    }
}
