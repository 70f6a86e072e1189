//! A simulated day of one organization through the incident ledger: 1,000,000 job events over
//! 10,000 tests, failures in streaks (about 2% of runs), 1% delivered twice, 5% delivered late
//! (out of order). It reports the PagerDuty calls the stateless rules make and those the ledger
//! makes, the busiest minute's calls for the organization's routing key, and the ledger's
//! throughput with the in-memory store. Run: `cargo bench --bench ledger`.

#[path = "support/rng.rs"]
mod rng;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use criterion::Criterion;
use sauce_webhooks::pagerduty::{Action, Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus};

use rng::Rng;

const EVENTS: usize = 1_000_000;
const TESTS: usize = 10_000;
/// The chance that a passing test starts failing, and that a failing one keeps failing: streaks
/// of three runs on average, 2% of runs failed.
const START_FAILING: f64 = 0.0068;
const KEEP_FAILING: f64 = 2.0 / 3.0;

/// One delivery: the event, and when it arrives (the host's `now`).
struct Delivery {
    event: Event<'static>,
    at: OffsetDateTime,
}

/// The day's deliveries, in arrival order, and its number of failure streaks.
fn day() -> (Vec<Delivery>, usize) {
    let mut rng = Rng(2026);
    let midnight = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    let mut failing = vec![false; TESTS];
    let mut streaks = 0;
    let runs_per_test = EVENTS / TESTS;
    let mut deliveries: Vec<Delivery> = Vec::with_capacity(EVENTS + EVENTS / 50);
    for n in 0..EVENTS {
        // Each test runs every 14.4 minutes (a day over its runs), the tests spread evenly
        // over that interval.
        let (test, round) = (n % TESTS, n / TESTS);
        let every = 86_400_000 / runs_per_test;
        let offset = Duration::milliseconds(i64::try_from(round * every + test * every / TESTS).unwrap());
        let chance = if failing[test] { KEEP_FAILING } else { START_FAILING };
        let failed = rng.unit() < chance;
        streaks += usize::from(failed && !failing[test]);
        failing[test] = failed;
        let mut job = Job::new(
            format!("{n:032x}"),
            if failed { JobStatus::Failed } else { JobStatus::Passed },
            midnight + offset,
        );
        job.name = Some(format!("test {test}").into());
        job.org_id = Some("7fb25570b4064716b9b6daae1a846790".into());
        let event = Event::Job(job);
        let at = midnight + offset + Duration::seconds(5);
        if rng.below(100) == 0 {
            deliveries.push(Delivery { event: event.clone(), at: at + Duration::seconds(30) });
        }
        deliveries.push(Delivery { event, at });
    }
    // 5% arrive late, after up to ten minutes' worth of later deliveries.
    let len = deliveries.len();
    for i in 0..len {
        if rng.below(20) == 0 {
            let later = (i + 1 + rng.below(700)).min(len - 1);
            deliveries.swap(i, later);
        }
    }
    for i in 1..len {
        deliveries[i].at = deliveries[i].at.max(deliveries[i - 1].at);
    }
    (deliveries, streaks)
}

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

/// Calls made, resolves of keys never triggered, and the busiest minute's calls.
#[derive(Debug, Default)]
struct Calls {
    total: usize,
    triggers: usize,
    resolves: usize,
    resolves_never_triggered: usize,
    busiest_minute: usize,
}

fn count(deliveries: &[Delivery], mut send: impl FnMut(&Delivery) -> Option<(String, Action)>) -> Calls {
    let mut calls = Calls::default();
    let mut triggered: HashMap<String, bool> = HashMap::new();
    let mut per_minute: HashMap<i64, usize> = HashMap::new();
    for delivery in deliveries {
        let Some((key, action)) = send(delivery) else { continue };
        calls.total += 1;
        *per_minute.entry(delivery.at.unix_timestamp() / 60).or_default() += 1;
        if action == Action::Trigger {
            calls.triggers += 1;
            triggered.insert(key, true);
        } else {
            calls.resolves += 1;
            calls.resolves_never_triggered += usize::from(!triggered.contains_key(&key));
        }
    }
    calls.busiest_minute = per_minute.values().copied().max().unwrap_or(0);
    calls
}

/// The whole day through a fresh ledger; how many alerts it sends.
fn replay(deliveries: &[Delivery]) -> usize {
    let ledger = IncidentLedger::new(rules());
    deliveries.iter().filter(|d| matches!(ledger.apply(&d.event, d.at), Ok(Decision::Send(_)))).count()
}

fn main() {
    let (deliveries, streaks) = day();
    let rules = rules();
    let stateless = count(&deliveries, |d| {
        rules.alert_for(&d.event).map(|alert| (alert.dedup_key().unwrap_or_default().to_owned(), alert.action()))
    });
    let ledger = IncidentLedger::new(self::rules());
    let stateful = count(&deliveries, |d| match ledger.apply(&d.event, d.at).unwrap() {
        Decision::Send(alert) => Some((alert.dedup_key().unwrap_or_default().to_owned(), alert.action())),
        _ => None,
    });

    let mut c = Criterion::default().configure_from_args().sample_size(10).measurement_time(StdDuration::from_secs(20));
    c.bench_function("ledger_day_1m_events", |b| b.iter(|| replay(black_box(&deliveries))));
    c.final_summary();

    // The fastest of a few whole days, as the other benches keep the fastest round.
    let fastest = (0..3)
        .map(|_| {
            let start = Instant::now();
            black_box(replay(&deliveries));
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    println!(
        "\nA simulated day: {} deliveries ({EVENTS} job events, 1% twice, 5% late), {TESTS} tests, {streaks} failure streaks",
        deliveries.len()
    );
    println!(
        "  {:<34} {:>10} {:>10} {:>10} {:>22} {:>16}",
        "", "calls", "triggers", "resolves", "resolves never opened", "busiest minute"
    );
    for (name, calls) in [("stateless IncidentRules::alert_for", &stateless), ("IncidentLedger", &stateful)] {
        println!(
            "  {name:<34} {:>10} {:>10} {:>10} {:>22} {:>16}",
            calls.total, calls.triggers, calls.resolves, calls.resolves_never_triggered, calls.busiest_minute
        );
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let (per_second, calls_per_streak) =
        (deliveries.len() as f64 / fastest.as_secs_f64(), stateful.total as f64 / streaks as f64);
    println!(
        "  ledger calls / failure streaks: {calls_per_streak:.2} (target at most 2); throughput: {per_second:.0} events/s on one core (target at least 1,000,000)"
    );
}
