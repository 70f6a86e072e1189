//! A simulated day of test results, to choose the flakiness rules' defaults and show what
//! they change. 1,000 tests in 3 organizations run every hour: 90% stable (failing 1 run in
//! 50), 8% flaky (failing 1 run in 3), 2% broken for a stretch of 15 runs on the second day
//! (stable otherwise). Results arrive a minute after they happen, 10% of them up to two hours
//! late, and 15% are delivered twice. The first day warms the ledgers up; the second day is
//! counted, through today's default ledger and through one with `Flakiness::default()`.
//! Not a timing: a count. Run: `cargo bench -p sauce-webhooks-benches --bench flakiness`.

#[path = "support/rng.rs"]
mod rng;

use std::collections::HashMap;

use sauce_webhooks::pagerduty::{Action, Decision, Flakiness, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus};

use rng::Rng;

const TESTS: usize = 1_000;
const RUNS_PER_DAY: u32 = 24;
const BROKEN_STRETCH: u32 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Stable,
    Flaky,
    Broken,
}

/// One result, and when it arrives.
struct Delivery {
    test: usize,
    run: u32,
    failed: bool,
    at: OffsetDateTime,
    arrives: OffsetDateTime,
}

struct Day {
    kinds: Vec<Kind>,
    /// A broken test's stretch: its first and last run.
    stretches: HashMap<usize, (u32, u32)>,
    deliveries: Vec<Delivery>,
}

fn days() -> Day {
    let mut rng = Rng(29);
    let kinds: Vec<Kind> = (0..TESTS)
        .map(|test| match test % 50 {
            0 => Kind::Broken,
            1..=4 => Kind::Flaky,
            _ => Kind::Stable,
        })
        .collect();
    let mut stretches = HashMap::new();
    let mut deliveries = Vec::new();
    let start = start();
    for (test, kind) in kinds.iter().enumerate() {
        if *kind == Kind::Broken {
            // On the second day, early enough for the stretch to end within it.
            let first = RUNS_PER_DAY + u32::try_from(rng.below((RUNS_PER_DAY - BROKEN_STRETCH) as usize)).unwrap();
            stretches.insert(test, (first, first + BROKEN_STRETCH - 1));
        }
        let offset = Duration::seconds(i64::try_from(rng.below(3_600)).unwrap());
        for run in 0..2 * RUNS_PER_DAY {
            let broken = stretches.get(&test).is_some_and(|(first, last)| (*first..=*last).contains(&run));
            let failed = broken || rng.unit() < if *kind == Kind::Flaky { 1.0 / 3.0 } else { 1.0 / 50.0 };
            let at = start + offset + Duration::hours(i64::from(run));
            let late = if rng.unit() < 0.10 {
                Duration::seconds(i64::try_from(rng.below(7_200)).unwrap())
            } else {
                Duration::ZERO
            };
            deliveries.push(Delivery { test, run, failed, at, arrives: at + Duration::MINUTE + late });
            if rng.unit() < 0.15 {
                let again = Duration::seconds(i64::try_from(rng.below(7_200)).unwrap());
                deliveries.push(Delivery { test, run, failed, at, arrives: at + Duration::MINUTE + again });
            }
        }
    }
    deliveries.sort_by_key(|delivery| delivery.arrives);
    Day { kinds, stretches, deliveries }
}

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

fn event(delivery: &Delivery) -> Event<'static> {
    let status = if delivery.failed { JobStatus::Failed } else { JobStatus::Passed };
    let mut job = Job::new(format!("t{}-r{}", delivery.test, delivery.run), status, delivery.at);
    job.name = Some(format!("test {}", delivery.test).into());
    job.org_id = Some(["acme", "globex", "initech"][delivery.test % 3].into());
    Event::Job(job)
}

/// What one ledger sent on the second day.
#[derive(Default, Debug)]
struct Counts {
    calls: usize,
    flaky_pages: usize,
    flaky_announcements: usize,
    flaky_tests_announced: usize,
    stable_pages: usize,
    broken_paged: usize,
    broken_stretches: usize,
    /// Results of the stretch up to its page, each paged stretch.
    results_to_page: Vec<u32>,
}

fn count(day: &Day, ledger: &IncidentLedger) -> Counts {
    let mut counts = Counts { broken_stretches: day.stretches.len(), ..Counts::default() };
    let mut announced: HashMap<usize, usize> = HashMap::new();
    let mut paged_stretch: HashMap<usize, u32> = HashMap::new();
    for delivery in &day.deliveries {
        let Decision::Send(alert) = ledger.apply(&event(delivery), delivery.arrives).unwrap() else { continue };
        if delivery.arrives < start() + Duration::days(1) {
            continue; // the first day warms up
        }
        counts.calls += 1;
        let announcement = alert.dedup_key().is_some_and(|key| key.ends_with("#flaky"));
        let trigger = alert.action() == Action::Trigger && !announcement;
        match day.kinds[delivery.test] {
            Kind::Flaky if announcement => *announced.entry(delivery.test).or_default() += 1,
            Kind::Flaky if trigger => counts.flaky_pages += 1,
            Kind::Broken if trigger => {
                let (first, last) = day.stretches[&delivery.test];
                if (first..=last).contains(&delivery.run) {
                    paged_stretch.entry(delivery.test).or_insert(delivery.run - first + 1);
                } else {
                    counts.stable_pages += 1;
                }
            }
            Kind::Stable if trigger => counts.stable_pages += 1,
            _ => {}
        }
    }
    counts.flaky_announcements = announced.values().sum();
    counts.flaky_tests_announced = announced.len();
    counts.broken_paged = paged_stretch.len();
    counts.results_to_page = paged_stretch.into_values().collect();
    counts.results_to_page.sort_unstable();
    counts
}

fn main() {
    let day = days();
    let flaky_tests = day.kinds.iter().filter(|kind| **kind == Kind::Flaky).count();
    let rules = || IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let today = count(&day, &IncidentLedger::new(rules()));
    let classified = count(&day, &IncidentLedger::new(rules()).with_flakiness(Flakiness::default()));
    println!(
        "\nA simulated day: {TESTS} tests in 3 organizations, hourly runs ({} deliveries over two days, the first a warm-up), \
         {flaky_tests} flaky, {} broken for {BROKEN_STRETCH} runs",
        day.deliveries.len(),
        day.stretches.len()
    );
    println!("{:<58} {:>14} {:>14}", "", "today's ledger", "with Flakiness");
    let row = |what: &str, a: String, b: String| println!("{what:<58} {a:>14} {b:>14}");
    row("PagerDuty calls in all", today.calls.to_string(), classified.calls.to_string());
    row("pages of flaky tests", today.flaky_pages.to_string(), classified.flaky_pages.to_string());
    row(
        "announcements of flaky tests (tests announced)",
        format!("{} ({})", today.flaky_announcements, today.flaky_tests_announced),
        format!("{} ({})", classified.flaky_announcements, classified.flaky_tests_announced),
    );
    row(
        "broken stretches paged (of all)",
        format!("{}/{}", today.broken_paged, today.broken_stretches),
        format!("{}/{}", classified.broken_paged, classified.broken_stretches),
    );
    let worst = |counts: &Counts| counts.results_to_page.last().copied().unwrap_or_default();
    row("results of a stretch until its page, at most", worst(&today).to_string(), worst(&classified).to_string());
    row("pages of stable tests (single failures)", today.stable_pages.to_string(), classified.stable_pages.to_string());
}
