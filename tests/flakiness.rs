//! Flaky or broken: the ledger with `Flakiness` over random streams of results of a few tests,
//! repeated and out of order. It never pages twice for one broken stretch, never resolves what
//! it did not page, never pages a quarantined test, and classifies the same whatever order the
//! results come in.

use std::collections::HashMap;

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{
    Action, Decision, Flakiness, Health, IncidentLedger, IncidentRules, IncidentState, RoutingKey, Skip,
};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus};

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

/// After every run happened.
fn arrival() -> OffsetDateTime {
    start() + Duration::days(2)
}

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

fn ledger() -> IncidentLedger {
    IncidentLedger::new(rules()).with_flakiness(Flakiness::default())
}

/// Run `n` of test `test`, `n` minutes after the start.
fn run(test: u8, n: u32, failed: bool) -> Event<'static> {
    let status = if failed { JobStatus::Failed } else { JobStatus::Passed };
    let mut job = Job::new(format!("t{test}-r{n}"), status, start());
    job.modification_time = start() + Duration::minutes(i64::from(n));
    job.name = Some(format!("test {test}").into());
    job.org_id = Some("acme".into());
    Event::Job(job)
}

/// What a test's runs are like: how often each fails, and where a broken stretch lies.
fn verdicts() -> impl Strategy<Value = Vec<bool>> {
    (0u32..4, 10usize..60, 0usize..40, 0usize..20).prop_flat_map(|(kind, len, broken_at, broken_len)| {
        proptest::collection::vec(
            proptest::bool::weighted(match kind {
                0 => 0.02,
                1 => 0.33,
                2 => 0.5,
                _ => 0.1,
            }),
            len,
        )
        .prop_map(move |mut failed| {
            let end = (broken_at + broken_len).min(failed.len());
            for verdict in failed.iter_mut().take(end).skip(broken_at.min(end)) {
                *verdict = true;
            }
            failed
        })
    })
}

/// Every test's runs, then the order they are delivered in: shuffled by a delay each (within
/// `spread` runs), with some delivered again.
fn deliveries() -> impl Strategy<Value = (Vec<(u8, u32, bool)>, Vec<usize>)> {
    proptest::collection::vec(verdicts(), 1..4).prop_flat_map(|tests| {
        let runs: Vec<(u8, u32, bool)> = tests
            .iter()
            .enumerate()
            .flat_map(|(test, verdicts)| {
                let test = u8::try_from(test).unwrap();
                verdicts.iter().enumerate().map(move |(n, failed)| (test, u32::try_from(n).unwrap() + 1, *failed))
            })
            .collect();
        let count = runs.len();
        (Just(runs), proptest::collection::vec((0u32..6, proptest::bool::weighted(0.15)), count)).prop_map(
            |(runs, picks)| {
                // Delivered in the order of their time plus a delay, some twice.
                let mut order: Vec<(u32, usize)> = Vec::new();
                for (i, &(_, n, _)) in runs.iter().enumerate() {
                    let (delay, again) = picks[i];
                    order.push((n + delay, i));
                    if again {
                        order.push((n + delay + 3, i));
                    }
                }
                order.sort_unstable();
                (runs, order.into_iter().map(|(_, i)| i).collect())
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn pages_once_per_broken_stretch_and_resolves_only_what_it_paged((runs, order) in deliveries()) {
        let ledger = ledger();
        // Per incident key: whether PagerDuty has it open, by what was sent.
        let mut open: HashMap<String, bool> = HashMap::new();
        for &i in &order {
            let (test, n, failed) = runs[i];
            let Decision::Send(alert) = ledger.apply(&run(test, n, failed), arrival()).unwrap() else { continue };
            let key = alert.dedup_key().unwrap().to_owned();
            if key.ends_with("#flaky") {
                prop_assert_eq!(alert.action(), Action::Trigger);
                continue;
            }
            let was_open = open.insert(key.clone(), alert.action() == Action::Trigger).unwrap_or(false);
            match alert.action() {
                Action::Trigger => prop_assert!(!was_open, "paged twice for {key} without a resolve"),
                Action::Resolve => prop_assert!(was_open, "resolved {key}, which it did not page"),
                other => prop_assert!(false, "{other:?}"),
            }
            prop_assert!(alert.action() != Action::Trigger || failed, "a pass paged");
        }
    }

    #[test]
    fn classifies_the_same_whatever_the_order((runs, order) in deliveries()) {
        let in_time = ledger();
        let delivered = ledger();
        for (test, n, failed) in &runs {
            in_time.apply(&run(*test, *n, *failed), arrival()).unwrap();
        }
        for &i in &order {
            let (test, n, failed) = runs[i];
            delivered.apply(&run(test, n, failed), arrival()).unwrap();
        }
        let flakiness = Flakiness::default();
        for test in 0..=runs.iter().map(|run| run.0).max().unwrap() {
            let key = in_time.key_of(&run(test, 1, false)).unwrap();
            let dedup_key = &key[key.find(':').unwrap() + 1..];
            let (a, b) = (in_time.incident(dedup_key).unwrap(), delivered.incident(dedup_key).unwrap());
            let (a, b) = (a.unwrap(), b.unwrap());
            prop_assert_eq!(a.verdicts(), b.verdicts());
            prop_assert_eq!(a.health(&flakiness), b.health(&flakiness));
        }
    }

    #[test]
    fn a_quarantined_test_is_never_paged_nor_announced((runs, order) in deliveries()) {
        let ledger = IncidentLedger::new(rules()).with_flakiness(Flakiness::default().quarantine("test *"));
        for &i in &order {
            let (test, n, failed) = runs[i];
            let decision = ledger.apply(&run(test, n, failed), arrival()).unwrap();
            prop_assert!(!matches!(decision, Decision::Send(_)), "{decision:?}");
        }
    }
}

/// A test failing one run in three is announced once a day, and pages nobody; the same test
/// broken pages once, on its eighth failure in a row, and resolves on its next pass.
#[test]
fn a_flaky_test_is_announced_once_and_pages_only_when_it_breaks() {
    let ledger = ledger();
    let mut announced = 0;
    let mut n = 0;
    for round in 0..20 {
        for failed in [false, true, false] {
            n += 1;
            match ledger.apply(&run(1, n, failed), arrival()).unwrap() {
                Decision::Send(alert) => {
                    assert!(alert.dedup_key().unwrap().ends_with("#flaky"), "round {round}: {alert:?}");
                    let body = String::from_utf8(alert.body().unwrap()).unwrap();
                    assert!(body.contains(r#""severity":"info""#) && body.contains(r#""health":"flaky""#), "{body}");
                    announced += 1;
                }
                Decision::Skip(_) => {}
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(announced, 1, "once within the day");
    let mut pages = Vec::new();
    for _ in 0..10 {
        n += 1;
        if let Decision::Send(alert) = ledger.apply(&run(1, n, true), arrival()).unwrap() {
            pages.push((n, alert));
        }
    }
    assert_eq!(pages.len(), 1, "one page for the stretch");
    let (at, page) = &pages[0];
    assert_eq!(*at, 60 + 8, "on the eighth failure in a row");
    let body = String::from_utf8(page.body().unwrap()).unwrap();
    assert!(body.contains(r#""health":"broken""#) && body.contains("as it is flaky"), "{body}");
    n += 1;
    let Decision::Send(resolve) = ledger.apply(&run(1, n, false), arrival()).unwrap() else { panic!("resolves") };
    assert_eq!((resolve.action(), resolve.dedup_key()), (Action::Resolve, page.dedup_key()));
}

/// A stable test's single failure pages nobody; its third in a row does.
#[test]
fn a_stable_tests_single_failure_pages_nobody() {
    let ledger = ledger();
    let verdicts = [false, false, true, false, false, true, true, true];
    let decisions: Vec<Decision> =
        (1..).zip(verdicts).map(|(n, failed)| ledger.apply(&run(2, n, failed), arrival()).unwrap()).collect();
    assert!(matches!(decisions[2], Decision::Skip(Skip::FailuresBelowThreshold { seen: 1, needed: 3 })));
    assert!(decisions[..7].iter().all(|decision| matches!(decision, Decision::Skip(_))), "{decisions:?}");
    let Decision::Send(page) = &decisions[7] else { panic!("{:?}", decisions[7]) };
    assert_eq!(page.action(), Action::Trigger);
}

/// A state written by a ledger without flakiness (or before it existed) still loads, and
/// the ledger with it picks up from it.
#[test]
fn states_written_before_load() {
    let old = r#"{"open":true,"failures":1,"successes":0,"last_result_at":"2024-05-01T10:00:00Z","recent":[],"paged_at":"2024-05-01T10:00:05Z","changed_at":"2024-05-01T10:00:05Z"}"#;
    let state: IncidentState = serde_json::from_str(old).unwrap();
    assert!(state.is_open());
    assert_eq!(state.verdicts(), "");
    assert_eq!(state.health(&Flakiness::default()), Health::Stable);
    let written = serde_json::to_string(&state).unwrap();
    assert!(!written.contains("history"), "nothing new written for a ledger without it: {written}");
}

/// The testing kit's streams: a test that passes, turns flaky, then breaks is announced once
/// and paged once, on its eighth failure in a row (it is flaky by then).
#[test]
fn the_kits_stream_of_a_test_turning_flaky_then_broken() {
    use sauce_webhooks::testing::TestRuns;
    let ledger = ledger();
    let runs = TestRuns::new("checkout works").with_org("acme").passes(10).flaky(30, 3).fails(10).events();
    let sent: Vec<(usize, String)> = runs
        .iter()
        .enumerate()
        .filter_map(|(n, event)| match ledger.apply(event, arrival()).unwrap() {
            Decision::Send(alert) => Some((n, alert.dedup_key().unwrap().to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].1.ends_with("#flaky") && sent[0].0 < 40, "{sent:?}");
    // The flaky stretch ends with a failure (its 30th run), so the eighth failure in a row is
    // the broken stretch's seventh.
    assert_eq!(sent[1].0, 40 + 6, "the eighth failure in a row: {sent:?}");
}

/// Announced as a change event, a flaky test goes on the service's timeline, paging nobody,
/// to the change endpoint beside the alerts URL the rules were given.
#[test]
fn a_flaky_test_can_be_announced_as_a_change_event() {
    use sauce_webhooks::pagerduty::Announcement;
    use sauce_webhooks::testing::TestRuns;
    let rules = rules().with_events_url("http://127.0.0.1:9/v2/enqueue").unwrap();
    let ledger = IncidentLedger::new(rules).with_flakiness(Flakiness::default().announce_as(Announcement::ChangeEvent));
    let decisions: Vec<Decision> = TestRuns::new("checkout works")
        .with_org("acme")
        .flaky(30, 3)
        .events()
        .iter()
        .map(|event| ledger.apply(event, arrival()).unwrap())
        .filter(|decision| !matches!(decision, Decision::Skip(_)))
        .collect();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    let Decision::Change(change) = &decisions[0] else { panic!("{decisions:?}") };
    let request = change.request().unwrap();
    assert_eq!(request.url.as_str(), "http://127.0.0.1:9/v2/change/enqueue");
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body["payload"]["summary"].as_str().unwrap().starts_with("checkout works is flaky"), "{body}");
    assert_eq!(body["payload"]["custom_details"]["flakiness"]["health"], "flaky");
}

/// An error group is no test to classify: nothing passes after it. With flakiness rules it
/// pages at its first notification, as without.
#[test]
fn an_error_group_pages_at_once_with_flakiness_rules() {
    use sauce_webhooks::OrgId;
    let ledger = ledger();
    let group = Event::from_slice(sauce_webhooks::testing::fixtures::ERROR_GROUP).unwrap();
    let decision = ledger.apply_for(&OrgId::from("acme"), &group, arrival()).unwrap();
    assert!(matches!(&decision, Decision::Send(alert) if alert.action() == Action::Trigger), "{decision:?}");
}
