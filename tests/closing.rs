//! Incidents that no result closes: an error group and an app's crash are failures that no
//! success follows. Resolved by hand (`IncidentLedger::resolve`, when PagerDuty says so), paged
//! again a day after their page, and forgotten by `prune` like closed ones; and a shared store
//! that one organization's passes cannot fill.

mod common;

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{
    Action, Decision, IncidentLedger, IncidentRules, IncidentStore, LedgerError, MemoryIncidentStore, MemoryStoreError,
    RoutingKey, Skip,
};
use sauce_webhooks::testing::{AppDistributionBuilder, ErrorGroupBuilder, JobBuilder};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, OrgId};

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

fn acme() -> OrgId {
    OrgId::from("acme")
}

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

/// A notification of the error group `fingerprint`, last seen `minutes` before `now()`.
fn group(fingerprint: &str, minutes: i64) -> Event<'static> {
    ErrorGroupBuilder::new()
        .with(|group| {
            fingerprint.clone_into(&mut group.fingerprint);
            group.last_seen = Some(now() - Duration::minutes(minutes));
        })
        .event()
}

/// What the ledger answers, as a word: the action sent, or the skip.
fn answer(decision: &Decision) -> String {
    match decision {
        Decision::Send(alert) => format!("{:?}", alert.action()),
        Decision::Skip(skip) => format!("{skip:?}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn an_error_group_resolved_by_hand_pages_again() {
    let ledger = IncidentLedger::new(rules());
    let Decision::Send(page) = ledger.apply_for(&acme(), &group("8a3c9e1f", 60), now()).unwrap() else { panic!() };
    let key = page.dedup_key().unwrap().to_owned();
    // Notified again while the incident is open: nothing.
    assert_eq!(answer(&ledger.apply_for(&acme(), &group("8a3c9e1f", 30), now()).unwrap()), "AlreadyOpen");
    // Someone resolves it in PagerDuty, and PagerDuty tells the host (a v3 webhook's
    // `incident_key`): the ledger closes it, and gives the resolve to send (harmless when
    // PagerDuty already resolved it).
    let Decision::Send(resolve) = ledger.resolve(&key, now()).unwrap() else { panic!("it was open") };
    assert_eq!((resolve.action(), resolve.dedup_key()), (Action::Resolve, Some(key.as_str())));
    assert!(!ledger.incident(&key).unwrap().unwrap().is_open());
    assert_eq!(answer(&ledger.resolve(&key, now()).unwrap()), "NothingOpen", "once");
    assert_eq!(answer(&ledger.resolve("[\"no\",\"such\",\"key\"]", now()).unwrap()), "NothingOpen");
    // A replay of what opened it changes nothing; the group notified anew pages again.
    assert_eq!(answer(&ledger.apply_for(&acme(), &group("8a3c9e1f", 30), now()).unwrap()), "Duplicate");
    assert_eq!(answer(&ledger.apply_for(&acme(), &group("8a3c9e1f", 5), now()).unwrap()), "Trigger");
}

#[test]
fn a_crash_pages_again_a_day_after_its_page() {
    // Crashes of one app, platform and version share an incident that nothing resolves: a
    // crash with another message used to be "already open" for good.
    let ledger = IncidentLedger::new(rules());
    let at = |hours: i64| now() + Duration::hours(hours);
    let crash = |message: &str, hours: i64| {
        let app = AppDistributionBuilder::new().crash();
        app.with(|app| (app.crash_message, app.timestamp) = (Some(message.to_owned()), Some(at(hours)))).event()
    };
    let answers: Vec<String> = [
        (crash("EXC_BAD_ACCESS in CartViewController", 0), at(0)),
        (crash("SIGABRT in PaymentSheet", 1), at(1)),
        (crash("SIGABRT in PaymentSheet", 23), at(23)),
        (crash("SIGABRT in PaymentSheet", 24), at(24)),
        (crash("SIGABRT in PaymentSheet", 25), at(25)),
    ]
    .iter()
    .map(|(event, at)| answer(&ledger.apply_for(&acme(), event, *at).unwrap()))
    .collect();
    assert_eq!(answers, ["Trigger", "AlreadyOpen", "AlreadyOpen", "Trigger", "AlreadyOpen"]);
    // Jobs are resolved by their next success, and are not paged again by the day.
    let failed = JobBuilder::new().with_org("acme").with_id("r1").failed().event();
    let failed_again = JobBuilder::new().with_org("acme").with_id("r2").failed().event();
    assert_eq!(answer(&ledger.apply_for(&acme(), &failed, at(0)).unwrap()), "Trigger");
    assert_eq!(answer(&ledger.apply_for(&acme(), &failed_again, at(48)).unwrap()), "AlreadyOpen");
    // The day is settable.
    let hourly = IncidentLedger::new(rules()).with_unresolved_repage_after(Duration::HOUR);
    let first = hourly.apply_for(&acme(), &crash("SIGABRT", 0), at(0)).unwrap();
    let later = hourly.apply_for(&acme(), &crash("SIGABRT in PaymentSheet", 1), at(1)).unwrap();
    assert_eq!((answer(&first), answer(&later)), ("Trigger".into(), "Trigger".into()));
}

#[test]
fn a_crash_without_a_time_resolved_by_hand_pages_again() {
    // Without a time, the same crash is told by nothing: resolved, it pages again (it was a
    // duplicate of the first when told by its message).
    let ledger = IncidentLedger::new(rules());
    let crash = AppDistributionBuilder::new().crash().with(|app| app.timestamp = None).event();
    let Decision::Send(page) = ledger.apply_for(&acme(), &crash, now()).unwrap() else { panic!() };
    assert!(matches!(ledger.resolve(page.dedup_key().unwrap(), now()).unwrap(), Decision::Send(_)));
    assert_eq!(answer(&ledger.apply_for(&acme(), &crash, now()).unwrap()), "Trigger");
}

#[test]
fn prune_forgets_incidents_that_nothing_resolves() {
    // Every new error group opens an incident that no success closes: with three keys at most,
    // the fourth group was refused for good (prune dropped closed keys only).
    let store = MemoryIncidentStore::new().with_max_keys(3);
    let ledger = IncidentLedger::new(rules()).with_store(store);
    for fingerprint in ["a1", "b2", "c3"] {
        assert_eq!(answer(&ledger.apply_for(&acme(), &group(fingerprint, 10), now()).unwrap()), "Trigger");
    }
    let full = ledger.apply_for(&acme(), &group("d4", 10), now());
    assert!(matches!(full, Err(LedgerError::Store(MemoryStoreError::Full { max_keys: 3 }))), "{full:?}");
    // An open job incident stays: forgetting it would leave it open in PagerDuty for good.
    let pruned = ledger.store().prune(now() + Duration::seconds(1));
    assert_eq!((pruned, ledger.store().len()), (3, 0));
    assert_eq!(answer(&ledger.apply_for(&acme(), &group("d4", 10), now()).unwrap()), "Trigger");
    let job = JobBuilder::new().with_org("acme").failed().event();
    let store = MemoryIncidentStore::new();
    let jobs = IncidentLedger::new(rules()).with_store(store);
    assert_eq!(answer(&jobs.apply(&job, now()).unwrap()), "Trigger");
    assert_eq!(jobs.store().prune(now() + Duration::days(365)), 0, "an open job incident is kept");
}

#[test]
fn one_organizations_passes_cannot_fill_a_shared_store() {
    // globex sends passes of 5,000 tests it never failed (the attack sent 100,000 in four
    // signed 2 MiB bodies, in 0.22 s): kept, they filled the store, and every other
    // organization's first failure was refused. Such states take at most half the store now.
    let store = MemoryIncidentStore::new().with_max_keys(1_000);
    let ledger = IncidentLedger::new(rules()).with_store(store);
    let globex = OrgId::from("globex");
    for test in 0..5_000 {
        let pass = JobBuilder::new().with_org("globex").with_id(format!("g{test}")).with_name(format!("t{test}"));
        assert_eq!(ledger.apply_for(&globex, &pass.event(), now()).unwrap(), Decision::Skip(Skip::NothingOpen));
    }
    assert_eq!(ledger.store().len(), 500);
    for test in 0..500 {
        let failure = JobBuilder::new().with_org("acme").with_id(format!("a{test}")).with_name(format!("t{test}"));
        assert!(matches!(ledger.apply_for(&acme(), &failure.failed().event(), now()).unwrap(), Decision::Send(_)));
    }
    // A test with a state keeps it: its passes and failures are followed as ever.
    let kept = JobBuilder::new().with_org("globex").with_id("g0").with_name("t0").event();
    assert_eq!(ledger.apply_for(&globex, &kept, now()).unwrap(), Decision::Skip(Skip::Duplicate));
}

/// A step of a stream over a few jobs' keys: a failure or a pass of test `test` (in order of
/// their own times), or a resolve by hand of its key.
#[derive(Debug, Clone, Copy)]
enum Step {
    Failed(u8),
    Passed(u8),
    ResolvedByHand(u8),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        4 => (0u8..3).prop_map(Step::Failed),
        4 => (0u8..3).prop_map(Step::Passed),
        2 => (0u8..3).prop_map(Step::ResolvedByHand),
    ];
    prop::collection::vec(step, 0..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resolving_by_hand_keeps_pages_and_resolves_alternating(steps in steps()) {
        // Whatever mix of results and resolves by hand: a key's sends alternate trigger,
        // resolve, trigger...; a resolve by hand sends only for an open incident; and after
        // any resolve, the next failure pages.
        let ledger = IncidentLedger::new(rules());
        let mut open = [false; 3];
        for (n, step) in steps.iter().enumerate() {
            let at = now() + Duration::minutes(i64::try_from(n).unwrap());
            let job = |test: u8, failed: bool| {
                let job = JobBuilder::new().with_org("acme").with_id(format!("r{n}")).with_name(format!("test {test}"));
                let job = job.with(|job| job.modification_time = at);
                if failed { job.failed().event() } else { job.event() }
            };
            let (test, decision) = match *step {
                Step::Failed(test) => (test, ledger.apply(&job(test, true), at).unwrap()),
                Step::Passed(test) => (test, ledger.apply(&job(test, false), at).unwrap()),
                Step::ResolvedByHand(test) => {
                    let key = rules().alert_for(&job(test, true)).unwrap().dedup_key().unwrap().to_owned();
                    (test, ledger.resolve(&key, at).unwrap())
                }
            };
            let was_open = open[usize::from(test)];
            match (&decision, step) {
                (Decision::Send(alert), Step::Failed(_)) => {
                    prop_assert!(!was_open, "a second trigger of an open incident");
                    prop_assert_eq!(alert.action(), Action::Trigger);
                    open[usize::from(test)] = true;
                }
                (Decision::Send(alert), _) => {
                    prop_assert!(was_open, "a resolve of a closed incident");
                    prop_assert_eq!(alert.action(), Action::Resolve);
                    open[usize::from(test)] = false;
                }
                (Decision::Skip(_), Step::Failed(_)) => prop_assert!(was_open, "a failure of a closed key paged nothing"),
                (Decision::Skip(_), _) => prop_assert!(!was_open, "an open incident stayed open"),
                (other, _) => prop_assert!(false, "{other:?}"),
            }
        }
    }
}

#[test]
fn stores_see_what_nothing_resolves() {
    let ledger = IncidentLedger::new(rules());
    ledger.apply_for(&acme(), &group("8a3c9e1f", 10), now()).unwrap();
    let key = ledger.key_for(&acme(), &group("8a3c9e1f", 10)).unwrap();
    let state = ledger.store().load(&key).unwrap().unwrap().state;
    assert!(state.is_open() && !state.awaits_resolve(), "open, but no result will resolve it");
    let job = JobBuilder::new().with_org("acme").failed().event();
    ledger.apply(&job, now()).unwrap();
    let state = ledger.store().load(&ledger.key_of(&job).unwrap()).unwrap().unwrap().state;
    assert!(state.is_open() && state.awaits_resolve());
}
