//! The incident ledger over random streams of results: failures and successes of a few tests,
//! delivered again, out of order, and by two receivers at once sharing one store.

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{
    Action, CheckRun, Decision, IncidentLedger, IncidentRules, IncidentState, IncidentStore, LedgerError,
    MemoryIncidentStore, MemoryStoreError, RoutingKey, Skip, StoredState,
};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{
    ApiTestResult, BuildStatus, Concurrency, ConcurrencyUsage, DataCenter, DataType, Event, Job, JobStatus, OrgId,
    Slots, VisualBuild,
};

/// What a run says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    Failed,
    Passed,
    Running,
}

/// One run of one of a few tests, at a time of its own.
#[derive(Debug, Clone)]
struct Run {
    test: u8,
    says: Says,
    at: OffsetDateTime,
    id: String,
}

impl Run {
    fn event(&self) -> Event<'static> {
        let status = match self.says {
            Says::Failed => JobStatus::Failed,
            Says::Passed => JobStatus::Passed,
            Says::Running => JobStatus::InProgress,
        };
        let mut job = Job::new(self.id.clone(), status, self.at - Duration::minutes(1));
        job.modification_time = self.at;
        job.name = Some(format!("test {}", self.test).into());
        job.org_id = Some("acme".into());
        Event::Job(job)
    }
}

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

/// When the host receives the runs: after all of them happened.
fn arrival() -> OffsetDateTime {
    start() + Duration::days(1)
}

/// Runs of 1 to 3 tests, each test's runs one to three minutes apart, in time order, now and
/// then two at the same moment (parallel runs of one test).
fn runs() -> impl Strategy<Value = Vec<Run>> {
    let says = prop_oneof![4 => Just(Says::Failed), 5 => Just(Says::Passed), 1 => Just(Says::Running)];
    let gap = prop_oneof![1 => Just(0i64), 9 => 1i64..4];
    prop::collection::vec((0u8..3, says, gap), 0..60).prop_map(|steps| {
        let mut clock: HashMap<u8, OffsetDateTime> = HashMap::new();
        steps
            .into_iter()
            .enumerate()
            .map(|(n, (test, says, gap))| {
                let at = clock.entry(test).or_insert_with(start);
                *at += Duration::minutes(gap);
                Run { test, says, at: *at, id: format!("run-{n}") }
            })
            .collect()
    })
}

/// A store with only the two primitives a database offers, so that the ledger takes the
/// read-then-compare-and-swap path, retrying when another writer came in between.
struct CompareAndSwapOnly(Arc<MemoryIncidentStore>);

impl IncidentStore for CompareAndSwapOnly {
    type Error = MemoryStoreError;

    fn load(&self, key: &str) -> Result<Option<StoredState>, Self::Error> {
        self.0.load(key)
    }

    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> Result<bool, Self::Error> {
        // Give the other thread a chance to come in between the read and the write.
        std::thread::yield_now();
        self.0.replace(key, expected, state)
    }
}

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

/// What the ledger sends for `runs`, in order, as (dedup key, action).
fn sent<S: IncidentStore>(ledger: &IncidentLedger<S>, runs: &[Run]) -> Vec<(String, Action)> {
    runs.iter()
        .filter_map(|run| match ledger.apply(&run.event(), arrival()).unwrap() {
            Decision::Send(alert) => Some((alert.dedup_key().unwrap().to_owned(), alert.action())),
            _ => None,
        })
        .collect()
}

/// What should be sent for runs in time order, each once, computed plainly: a test's failures in
/// a row page once they reach `failures`, its successes in a row resolve an open incident once
/// they reach `successes`.
fn expected(runs: &[Run], failures: u32, successes: u32) -> Vec<(u8, Action)> {
    let mut open: HashMap<u8, bool> = HashMap::new();
    let mut streak: HashMap<u8, (u32, u32)> = HashMap::new();
    let mut out = Vec::new();
    for run in runs {
        let (failed, passed) = streak.entry(run.test).or_default();
        let open = open.entry(run.test).or_default();
        match run.says {
            Says::Running => {}
            Says::Failed => {
                (*failed, *passed) = (*failed + 1, 0);
                if !*open && *failed >= failures {
                    *open = true;
                    out.push((run.test, Action::Trigger));
                }
            }
            Says::Passed => {
                (*failed, *passed) = (0, *passed + 1);
                if *open && *passed >= successes {
                    *open = false;
                    out.push((run.test, Action::Resolve));
                }
            }
        }
    }
    out
}

/// `items` in order, each `(which, later)` of `replays` delivering item `which` again after
/// `later` more items (or at the end); each with whether it is a replay.
fn with_replays<T: Clone>(items: &[T], replays: &[(usize, usize)]) -> Vec<(T, bool)> {
    let mut again: Vec<Vec<&T>> = vec![Vec::new(); items.len()];
    for &(which, later) in replays {
        if which < items.len() {
            again[(which + later).min(items.len() - 1)].push(&items[which]);
        }
    }
    let delivered = items.iter().zip(&again).flat_map(|(item, copies)| {
        std::iter::once((item.clone(), false)).chain(copies.iter().map(|copy| ((*copy).clone(), true)))
    });
    delivered.collect()
}

/// The test a dedup key names.
fn test_of(key: &str) -> u8 {
    let parts: Vec<String> = serde_json::from_str(key).unwrap();
    parts[3].trim_start_matches("test ").parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn in_order_each_streak_pages_once_and_each_recovery_resolves_once(runs in runs(), failures in 1u32..4, successes in 1u32..4) {
        let ledger = IncidentLedger::new(rules()).with_failures_to_page(failures).with_successes_to_resolve(successes);
        let got: Vec<(u8, Action)> = sent(&ledger, &runs).into_iter().map(|(key, action)| (test_of(&key), action)).collect();
        prop_assert_eq!(got, expected(&runs, failures, successes));
    }

    #[test]
    fn repeated_deliveries_change_nothing(
        runs in runs(),
        repeats in prop::collection::vec((0usize..60, 0usize..60), 0..40),
        failures in 1u32..4,
        successes in 1u32..4,
    ) {
        // Runs delivered again (as relays retry): right after themselves, or after any number
        // of other results within the window (a key's latest 64), whatever the thresholds.
        let repeated: Vec<Run> = with_replays(&runs, &repeats).into_iter().map(|(run, _)| run).collect();
        let ledger = || IncidentLedger::new(rules()).with_failures_to_page(failures).with_successes_to_resolve(successes);
        prop_assert_eq!(sent(&ledger(), &repeated), sent(&ledger(), &runs));
    }

    #[test]
    fn out_of_order_never_resolves_without_a_trigger_and_never_repeats_an_action(
        runs in runs(),
        swaps in prop::collection::vec((0usize..60, 0usize..5), 0..30),
        copies in prop::collection::vec(0usize..60, 0..10),
    ) {
        let mut shuffled = runs.clone();
        for at in copies {
            if let Some(run) = runs.get(at) {
                shuffled.push(run.clone());
            }
        }
        for (at, distance) in swaps {
            if at + distance < shuffled.len() {
                shuffled.swap(at, at + distance);
            }
        }
        let ledger = IncidentLedger::new(rules());
        let mut last: HashMap<String, Action> = HashMap::new();
        for (key, action) in sent(&ledger, &shuffled) {
            let before = last.insert(key.clone(), action);
            if action == Action::Resolve {
                prop_assert_eq!(before, Some(Action::Trigger), "a resolve of {} with no open trigger", key);
            } else {
                prop_assert_ne!(before, Some(Action::Trigger), "two triggers of {} in a row", key);
            }
        }
    }

    #[test]
    fn a_stale_result_changes_no_state(runs in runs(), late in 0usize..60) {
        let store = Arc::new(MemoryIncidentStore::new());
        let ledger = IncidentLedger::new(rules()).with_store(Arc::clone(&store));
        sent(&ledger, &runs);
        let Some(run) = runs.get(late).filter(|run| run.says != Says::Running) else { return Ok(()) };
        let mut older = run.clone();
        older.at -= Duration::days(1);
        older.says = if run.says == Says::Failed { Says::Passed } else { Says::Failed };
        older.id = "late".to_owned();
        let key = ledger.key_of(&run.event()).unwrap();
        let before = store.load(&key).unwrap();
        prop_assert_eq!(ledger.apply(&older.event(), arrival()).unwrap(), Decision::Skip(Skip::Stale));
        prop_assert_eq!(store.load(&key).unwrap(), before);
    }

    #[test]
    fn two_receivers_sharing_a_store_send_what_one_would(runs in runs()) {
        let order = |(key, action): &(String, Action)| (key.clone(), *action == Action::Trigger);
        let mut alone = sent(&IncidentLedger::new(rules()), &runs);
        alone.sort_by_key(order);
        // Sharing the in-memory store, which locks a key while it changes, and sharing a store
        // that only reads and compares-and-swaps, as a database does.
        let memory = Arc::new(MemoryIncidentStore::new());
        let in_memory = [0, 1].map(|_| IncidentLedger::new(rules()).with_store(Arc::clone(&memory)));
        let database = Arc::new(MemoryIncidentStore::new());
        let over_database =
            [0, 1].map(|_| IncidentLedger::new(rules()).with_store(CompareAndSwapOnly(Arc::clone(&database))));
        let mut both = [concurrent_sends(&in_memory, &runs), concurrent_sends(&over_database, &runs)];
        for sends in &mut both {
            sends.sort_by_key(order);
            prop_assert_eq!(&*sends, &alone, "exactly what one ledger sends, neither twice nor lost");
        }
    }
}

/// A result without a time of its own: a visual build of one of a few projects, or an API
/// Testing run of one of a few tests (the default template sends no date), by its id.
#[derive(Debug, Clone)]
struct Untimed {
    build: bool,
    test: u8,
    failed: bool,
    id: String,
}

impl Untimed {
    fn event(&self) -> Event<'static> {
        if self.build {
            let status = if self.failed { BuildStatus::Rejected } else { BuildStatus::Approved };
            let name = format!("project {}", self.test);
            Event::VisualBuild(VisualBuild::new(
                "acme",
                "u1",
                &self.id,
                name,
                "https://x/b",
                status,
                DataCenter::UsWest1,
            ))
        } else {
            let mut result = ApiTestResult::new(&self.id);
            (result.project_id, result.test_name) = (Some("p-7".into()), Some(format!("GET /orders {}", self.test)));
            result.failures_count = Some(u64::from(self.failed));
            Event::ApiTest(result)
        }
    }
}

/// Up to 60 results without a time of their own, of up to 2 tests of each kind, each with an
/// id of its own.
fn untimed() -> impl Strategy<Value = Vec<Untimed>> {
    prop::collection::vec((any::<bool>(), 0u8..2, any::<bool>()), 0..60).prop_map(|steps| {
        let results = steps.into_iter().enumerate();
        results.map(|(n, (build, test, failed))| Untimed { build, test, failed, id: format!("result-{n}") }).collect()
    })
}

/// What the ledger sends for results received for acme, in order, as (dedup key, action),
/// and whether each replay it was given (`replays[i]`) was told apart as one.
fn sent_untimed(ledger: &IncidentLedger, results: &[(Untimed, bool)]) -> (Vec<(String, Action)>, Vec<Decision>) {
    let (mut sent, mut replays) = (Vec::new(), Vec::new());
    for (result, is_replay) in results {
        let decision = ledger.apply_for(&OrgId::from("acme"), &result.event(), arrival()).unwrap();
        if let Decision::Send(alert) = &decision {
            sent.push((alert.dedup_key().unwrap().to_owned(), alert.action()));
        }
        if *is_replay {
            replays.push(decision);
        }
    }
    (sent, replays)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_replay_of_a_result_without_a_time_never_pages_again_nor_resolves(
        results in untimed(),
        replays in prop::collection::vec((0usize..60, 0usize..60), 1..30),
        failures in 1u32..3,
        successes in 1u32..3,
    ) {
        // A visual build or an API Testing result delivered again late, after up to 59 newer
        // results (a relay retrying for hours): with no time to tell it is old, only the ids
        // remembered for each key tell it was applied. It must change nothing: not page again,
        // not resolve what a newer failure opened.
        let stream = with_replays(&results, &replays);
        let once: Vec<(Untimed, bool)> = results.iter().map(|result| (result.clone(), false)).collect();
        let ledger = || IncidentLedger::new(rules()).with_failures_to_page(failures).with_successes_to_resolve(successes);
        let (with_replays, decisions) = sent_untimed(&ledger(), &stream);
        prop_assert_eq!(with_replays, sent_untimed(&ledger(), &once).0);
        for decision in decisions {
            prop_assert_eq!(decision, Decision::Skip(Skip::Duplicate));
        }
    }
}

#[test]
fn the_replay_window_is_a_keys_latest_64_results() {
    // The issue's case: a rejected visual build replayed after 8 newer builds paged again.
    let ledger = IncidentLedger::new(rules());
    let build = |n: usize, status| {
        Event::VisualBuild(VisualBuild::new(
            "acme",
            "u1",
            format!("b{n}"),
            "nightly",
            "https://x",
            status,
            DataCenter::UsWest1,
        ))
    };
    assert_eq!(action(&ledger.apply(&build(0, BuildStatus::Rejected), arrival()).unwrap()), Some(Action::Trigger));
    assert_eq!(action(&ledger.apply(&build(1, BuildStatus::Approved), arrival()).unwrap()), Some(Action::Resolve));
    for n in 2..64 {
        ledger.apply(&build(n, BuildStatus::Approved), arrival()).unwrap();
    }
    let replayed = ledger.apply(&build(0, BuildStatus::Rejected), arrival()).unwrap();
    assert_eq!(replayed, Decision::Skip(Skip::Duplicate), "63 newer builds later, still told apart");
    // Past the window the oldest is forgotten: the bound that keeps a key's state small.
    ledger.apply(&build(64, BuildStatus::Approved), arrival()).unwrap();
    assert_eq!(action(&ledger.apply(&build(0, BuildStatus::Rejected), arrival()).unwrap()), Some(Action::Trigger));
}

#[test]
fn a_keys_state_is_as_small_as_documented() {
    // The store's documentation: at most about 1.7 KiB a key in memory, a key of at most 17
    // and 255 characters, and a state of at most about 1.5 KB of JSON.
    let store = Arc::new(MemoryIncidentStore::new());
    let ledger = IncidentLedger::new(rules()).with_store(Arc::clone(&store));
    let build = |n: u32| {
        let status = if n.is_multiple_of(2) { BuildStatus::Rejected } else { BuildStatus::Approved };
        Event::VisualBuild(VisualBuild::new(
            "acme",
            "u1",
            format!("b{n}"),
            "nightly",
            "https://x",
            status,
            DataCenter::UsWest1,
        ))
    };
    for n in 0..100 {
        ledger.apply(&build(n), arrival()).unwrap();
    }
    let state = store.load(&ledger.key_of(&build(0)).unwrap()).unwrap().unwrap().state;
    let json = serde_json::to_vec(&state).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["recent"].as_array().map(Vec::len), Some(64));
    assert!(json.len() <= 1500, "{} bytes", json.len());
    let in_memory = std::mem::size_of::<(String, StoredState)>() + 17 + 4 * 255;
    assert!(in_memory <= 1740, "{in_memory} bytes");
}

#[test]
fn states_written_before_the_window_grew_still_load() {
    // A state as the previous version stored it: its 8 latest fingerprints.
    let row = format!(
        r#"{{"open":true,"failures":1,"successes":0,"last_result_at":null,"recent":[{}],"paged_at":"2024-01-01T00:00:00Z","changed_at":"2024-01-01T00:00:00Z"}}"#,
        (1..=8).map(|n| format!(r#""{n:016x}""#)).collect::<Vec<_>>().join(",")
    );
    let state: IncidentState = serde_json::from_str(&row).unwrap();
    assert!(state.is_open());
    let written = serde_json::to_value(&state).unwrap();
    assert_eq!(written["recent"].as_array().map(Vec::len), Some(8));
    assert_eq!(serde_json::from_value::<IncidentState>(written).unwrap(), state);
}

/// What two ledgers send, each fed every run in order, both at the same time.
fn concurrent_sends<S: IncidentStore + Sync>(replicas: &[IncidentLedger<S>; 2], runs: &[Run]) -> Vec<(String, Action)> {
    std::thread::scope(|scope| {
        let handles = replicas.each_ref().map(|ledger| scope.spawn(|| sent(ledger, runs)));
        handles.map(|handle| handle.join().unwrap()).concat()
    })
}

#[test]
fn repaging_and_quiet_closing() {
    let failed = |minute: i64, id: &str| Run {
        test: 0,
        says: Says::Failed,
        at: start() + Duration::minutes(minute),
        id: id.into(),
    };
    let passed = |minute: i64, id: &str| Run {
        test: 0,
        says: Says::Passed,
        at: start() + Duration::minutes(minute),
        id: id.into(),
    };

    // Paged again only once the interval has passed on the host's clock.
    let ledger = IncidentLedger::new(rules()).with_repage_after(Duration::hours(4));
    let at = |hours: i64| start() + Duration::hours(hours);
    assert!(matches!(ledger.apply(&failed(1, "a").event(), at(0)).unwrap(), Decision::Send(_)));
    assert_eq!(ledger.apply(&failed(2, "b").event(), at(3)).unwrap(), Decision::Skip(Skip::AlreadyOpen));
    let Decision::Send(again) = ledger.apply(&failed(3, "c").event(), at(4)).unwrap() else { panic!("repaged") };
    assert_eq!(again.action(), Action::Trigger);

    // Without auto-resolve, a recovery closes quietly and the next failure pages again.
    let ledger = IncidentLedger::new(rules()).with_auto_resolve(false);
    assert!(matches!(ledger.apply(&failed(1, "a").event(), arrival()).unwrap(), Decision::Send(_)));
    assert_eq!(ledger.apply(&passed(2, "b").event(), arrival()).unwrap(), Decision::Skip(Skip::ClosedQuietly));
    assert!(matches!(ledger.apply(&failed(3, "c").event(), arrival()).unwrap(), Decision::Send(_)));

    // Below the thresholds, it says how far along the streak is.
    let ledger = IncidentLedger::new(rules()).with_failures_to_page(3);
    assert_eq!(
        ledger.apply(&failed(1, "a").event(), arrival()).unwrap(),
        Decision::Skip(Skip::FailuresBelowThreshold { seen: 1, needed: 3 })
    );
}

#[test]
fn results_that_cannot_be_followed_page_as_the_rules_would() {
    // A job without a name has no key: each failure pages, no success resolves.
    let ledger = IncidentLedger::new(rules());
    let mut job = Job::new("j", JobStatus::Failed, start());
    job.org_id = Some("acme".into());
    let Decision::Send(alert) = ledger.apply(&Event::Job(job.clone()), arrival()).unwrap() else { panic!() };
    assert_eq!((alert.action(), alert.dedup_key()), (Action::Trigger, None));
    assert!(matches!(ledger.apply(&Event::Job(job.clone()), arrival()).unwrap(), Decision::Send(_)));
    job.status = JobStatus::Passed;
    assert_eq!(ledger.apply(&Event::Job(job), arrival()).unwrap(), Decision::Skip(Skip::NoKey));
    assert!(ledger.store().is_empty());
}

#[test]
fn what_the_ledger_says_to_send_can_always_be_sent() {
    // A hand-built result whose time JSON cannot write (the year -1): `alert_for(..).body()`
    // refuses it, and a ledger that counted it sent would hold the incident open with no page
    // out. It sends the trigger without the details and time it cannot write, saying so.
    let year_minus_one = sauce_webhooks::time::macros::datetime!(-0001-12-31 23:00 UTC);
    let mut job = Job::new("j1", JobStatus::Failed, year_minus_one);
    job.name = Some("checkout works".into());
    job.org_id = Some("acme".into());
    let event = Event::Job(job);
    assert!(rules().alert_for(&event).unwrap().body().is_err(), "the stateless rules cannot write it");
    let mut check = CheckRun::new("GET /health", true);
    check.time = Some(year_minus_one);
    let ledger = IncidentLedger::new(rules());
    for decision in [ledger.apply(&event, arrival()).unwrap(), ledger.apply_check(&check, arrival()).unwrap()] {
        let Decision::Send(trigger) = decision else { panic!("a page: {decision:?}") };
        let body: serde_json::Value = serde_json::from_slice(&trigger.body().expect("a body")).unwrap();
        assert_eq!(body["event_action"], "trigger");
        let left_out = body["payload"]["custom_details"]["left_out"].as_str().unwrap();
        assert!(left_out.contains("cannot be written"), "{left_out}");
        assert!(body["payload"]["summary"].as_str().unwrap().contains("failed"));
    }
}

/// A failure or success of test 0 at `minute`, with its own id.
fn run(says: Says, minute: i64, id: &str) -> Event<'static> {
    Run { test: 0, says, at: start() + Duration::minutes(minute), id: id.into() }.event()
}

fn action(decision: &Decision) -> Option<Action> {
    match decision {
        Decision::Send(alert) => Some(alert.action()),
        _ => None,
    }
}

#[test]
fn a_result_dated_far_ahead_is_skipped_and_cannot_silence_the_key() {
    let ledger = IncidentLedger::new(rules());
    let now = start() + Duration::hours(1);
    // A success dated 50 years ahead (a broken clock, or a sender's mischief).
    let future = run(Says::Passed, 50 * 525_960, "from-the-future");
    assert_eq!(ledger.apply(&future, now).unwrap(), Decision::Skip(Skip::FromTheFuture));
    // Real failures still page; a little ahead of the host's clock is within the skew.
    assert_eq!(action(&ledger.apply(&run(Says::Failed, 63, "a"), now).unwrap()), Some(Action::Trigger));
    let strict = IncidentLedger::new(rules()).with_clock_skew(Duration::ZERO);
    assert_eq!(strict.apply(&run(Says::Failed, 61, "b"), now).unwrap(), Decision::Skip(Skip::FromTheFuture));
}

#[test]
fn a_stored_time_from_the_future_orders_nothing() {
    // A row written by an older version, or tampered with: its latest result in year 9999.
    let store = Arc::new(MemoryIncidentStore::new());
    let ledger = IncidentLedger::new(rules()).with_store(Arc::clone(&store));
    let key = ledger.key_of(&run(Says::Failed, 0, "x")).unwrap();
    let row = r#"{"open":true,"failures":1,"successes":0,"last_result_at":"9999-12-31T23:59:59Z",
        "recent":[],"paged_at":"9999-12-31T23:59:59Z","changed_at":"2024-01-01T00:00:00Z"}"#;
    assert!(store.replace(&key, None, &serde_json::from_str::<IncidentState>(row).unwrap()).unwrap());
    // The next real success resolves the open incident instead of being "stale" forever.
    assert_eq!(action(&ledger.apply(&run(Says::Passed, 5, "p"), arrival()).unwrap()), Some(Action::Resolve));
}

#[test]
fn results_at_the_same_moment_delivered_again_do_not_flap() {
    // Two parallel runs of one test finish in the same second, and a relay retries both.
    let ledger = IncidentLedger::new(rules());
    let (failed, passed) = (run(Says::Failed, 1, "a"), run(Says::Passed, 1, "b"));
    let sent: Vec<Option<Action>> = [&failed, &passed, &failed, &passed, &failed, &passed]
        .map(|e| action(&ledger.apply(e, arrival()).unwrap()))
        .into();
    assert_eq!(sent, [Some(Action::Trigger), Some(Action::Resolve), None, None, None, None]);
}

#[test]
fn results_without_a_time_of_their_own_are_told_apart_by_their_ids() {
    let build = |id: &str, status| -> Event<'static> {
        Event::VisualBuild(VisualBuild::new("acme", "u1", id, "nightly", "https://x", status, DataCenter::UsWest1))
    };
    let ledger = IncidentLedger::new(rules()).with_failures_to_page(2);
    // The same rejected build delivered again later counts once; another one counts.
    let first = build("b1", BuildStatus::Rejected);
    assert!(matches!(ledger.apply(&first, start()).unwrap(), Decision::Skip(Skip::FailuresBelowThreshold { .. })));
    assert_eq!(ledger.apply(&first, start() + Duration::seconds(30)).unwrap(), Decision::Skip(Skip::Duplicate));
    let second = build("b2", BuildStatus::Rejected);
    assert_eq!(action(&ledger.apply(&second, start() + Duration::minutes(1)).unwrap()), Some(Action::Trigger));
    // A receiver whose clock is behind does not find a new build stale.
    let behind = start() - Duration::minutes(2);
    assert_eq!(action(&ledger.apply(&build("b3", BuildStatus::Approved), behind).unwrap()), Some(Action::Resolve));

    // Checks: an id (or a time) tells a run from itself delivered again; without either,
    // each delivery counts, as nothing tells them apart.
    let ledger = IncidentLedger::new(rules()).with_failures_to_page(2);
    let mut check = CheckRun::new("GET /health", true);
    check.id = Some("run-1".into());
    assert!(matches!(
        ledger.apply_check(&check, start()).unwrap(),
        Decision::Skip(Skip::FailuresBelowThreshold { .. })
    ));
    assert_eq!(ledger.apply_check(&check, start()).unwrap(), Decision::Skip(Skip::Duplicate));
    check.id = None;
    assert_eq!(action(&ledger.apply_check(&check, start()).unwrap()), Some(Action::Trigger));
}

#[test]
fn keys_of_one_kind_never_reach_another_kind_or_another_service() {
    let ledger = IncidentLedger::new(rules());
    let mut usage = Concurrency::new(
        ConcurrencyUsage::new("acme", Slots::new(10, 0, 0), Slots::new(10, 0, 0)),
        start() + Duration::minutes(1),
    );
    usage.team = Some(ConcurrencyUsage::new("team-1", Slots::new(5, 0, 0), Slots::new(5, 0, 0)));
    assert_eq!(action(&ledger.apply(&Event::Concurrency(usage), arrival()).unwrap()), Some(Action::Trigger));
    // A job whose data type is the word "concurrency", named as the team: its own key.
    let mut job = Job::new("j", JobStatus::Passed, start());
    (job.data_type, job.name, job.org_id) =
        (DataType::Other("concurrency".into()), Some("team-1".into()), Some("acme".into()));
    job.modification_time = start() + Duration::minutes(2);
    assert_eq!(ledger.apply(&Event::Job(job), arrival()).unwrap(), Decision::Skip(Skip::NothingOpen));

    // Two services, one store (one table): each pages its own.
    let store = Arc::new(MemoryIncidentStore::new());
    let other_service = IncidentRules::new(RoutingKey::new("0THERSERVICEKEY0123456789ABCDEFG").unwrap());
    let ledgers = [rules(), other_service].map(|rules| IncidentLedger::new(rules).with_store(Arc::clone(&store)));
    for ledger in &ledgers {
        assert_eq!(action(&ledger.apply(&run(Says::Failed, 1, "a"), arrival()).unwrap()), Some(Action::Trigger));
    }
}

#[test]
fn the_memory_store_holds_a_bounded_number_of_short_keys() {
    let ledger = IncidentLedger::new(rules()).with_store(MemoryIncidentStore::new().with_max_keys(3));
    let failed = |name: String| {
        let mut job = Job::new(format!("id {name}"), JobStatus::Failed, start());
        (job.name, job.org_id) = (Some(name.into()), Some("acme".into()));
        Event::Job(job)
    };
    let long = "x".repeat(100_000);
    assert!(matches!(ledger.apply(&failed(long.clone()), arrival()).unwrap(), Decision::Send(_)));
    let key = ledger.key_of(&failed(long)).unwrap();
    assert!(key.chars().count() <= 17 + 255, "a long test name makes a bounded key: {} chars", key.len());
    for n in 0..2 {
        assert!(matches!(ledger.apply(&failed(format!("t{n}")), arrival()).unwrap(), Decision::Send(_)));
    }
    let full = ledger.apply(&failed("one too many".into()), arrival()).unwrap_err();
    assert!(matches!(full, LedgerError::Store(MemoryStoreError::Full { max_keys: 3 })), "{full}");
    assert_eq!(ledger.store().len(), 3);
    // Open incidents are kept by pruning; closed ones go.
    let passed = |name: &'static str| {
        let mut job = Job::new("p", JobStatus::Passed, start());
        (job.name, job.org_id, job.modification_time) =
            (Some(name.into()), Some("acme".into()), start() + Duration::hours(1));
        Event::Job(job)
    };
    assert!(matches!(ledger.apply(&passed("t0"), arrival()).unwrap(), Decision::Send(_)));
    assert_eq!(ledger.store().prune(arrival() + Duration::days(1)), 1);
    assert_eq!(ledger.store().len(), 2);
    assert!(matches!(ledger.apply(&failed("one too many".into()), arrival()).unwrap(), Decision::Send(_)));
}

#[test]
fn stored_states_are_plain_json_numbers_and_strings() {
    let store = Arc::new(MemoryIncidentStore::new());
    let ledger = IncidentLedger::new(rules()).with_store(Arc::clone(&store));
    ledger.apply(&run(Says::Failed, 1, "a"), arrival()).unwrap();
    let key = ledger.key_of(&run(Says::Failed, 1, "a")).unwrap();
    let state = store.load(&key).unwrap().unwrap().state;
    let json = serde_json::to_value(&state).unwrap();
    // Fingerprints are hex strings: JSON numbers past 2^53 do not survive every database.
    assert!(json["recent"][0].as_str().is_some_and(|hex| hex.len() == 16), "{json}");
    assert_eq!(serde_json::from_value::<IncidentState>(json).unwrap(), state);
}

#[test]
fn no_setting_nor_clock_makes_the_ledger_panic() {
    // `now + clock skew` overflowed the time crate's range and panicked at every apply.
    let far = [Duration::days(4_000_000), Duration::MAX];
    let late = sauce_webhooks::time::macros::datetime!(9999-12-31 23:58 UTC);
    for (skew, now) in [(far[0], arrival()), (far[1], arrival()), (Duration::minutes(5), late)] {
        let ledger = IncidentLedger::new(rules())
            .with_clock_skew(skew)
            .with_repage_after(Duration::MAX)
            .with_unresolved_repage_after(Duration::MAX);
        let decision = ledger.apply(&run(Says::Failed, 1, "r1"), now).unwrap();
        assert!(matches!(decision, Decision::Send(_)), "{skew} {now}: {decision:?}");
        assert_eq!(ledger.apply(&run(Says::Failed, 2, "r2"), now).unwrap(), Decision::Skip(Skip::AlreadyOpen));
    }
}
