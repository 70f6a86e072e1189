//! The incident ledger over random streams of results: failures and successes of a few tests,
//! delivered again, out of order, and by two receivers at once sharing one store.

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{
    Action, Decision, IncidentLedger, IncidentRules, IncidentState, IncidentStore, MemoryIncidentStore, RoutingKey,
    Skip, Versioned,
};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus};

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
    fn event(&self) -> Event {
        let status = match self.says {
            Says::Failed => JobStatus::Failed,
            Says::Passed => JobStatus::Passed,
            Says::Running => JobStatus::InProgress,
        };
        let mut job = Job::new(self.id.clone(), status, self.at - Duration::minutes(1));
        job.modification_time = self.at;
        job.name = Some(format!("test {}", self.test));
        job.org_id = Some("acme".into());
        Event::Job(job)
    }
}

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

/// Runs of 1 to 3 tests, each test's runs one to three minutes apart, in time order.
fn runs() -> impl Strategy<Value = Vec<Run>> {
    let says = prop_oneof![4 => Just(Says::Failed), 5 => Just(Says::Passed), 1 => Just(Says::Running)];
    prop::collection::vec((0u8..3, says, 1i64..4), 0..60).prop_map(|steps| {
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
    type Error = std::convert::Infallible;

    fn load(&self, key: &str) -> Result<Option<Versioned>, Self::Error> {
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
        .filter_map(|run| match ledger.apply(&run.event(), start()).unwrap() {
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

/// The test a dedup key names.
fn test_of(key: &str) -> u8 {
    let parts: Vec<String> = serde_json::from_str(key).unwrap();
    parts[2].trim_start_matches("test ").parse().unwrap()
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
    fn repeated_deliveries_change_nothing(runs in runs(), repeats in prop::collection::vec(0usize..4, 60)) {
        // Each run delivered one to four times in a row (as relays retry).
        let repeated: Vec<Run> = runs.iter().zip(repeats.iter().cycle()).flat_map(|(run, times)| vec![run.clone(); times + 1]).collect();
        let once = sent(&IncidentLedger::new(rules()), &runs);
        prop_assert_eq!(sent(&IncidentLedger::new(rules()), &repeated), once);
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
        let key = format!(r#"["acme","vdc","test {}"]"#, run.test);
        let before = store.load(&key).unwrap();
        prop_assert_eq!(ledger.apply(&older.event(), start()).unwrap(), Decision::Skip(Skip::Stale));
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
    assert!(matches!(ledger.apply(&failed(1, "a").event(), start()).unwrap(), Decision::Send(_)));
    assert_eq!(ledger.apply(&passed(2, "b").event(), start()).unwrap(), Decision::Skip(Skip::ClosedQuietly));
    assert!(matches!(ledger.apply(&failed(3, "c").event(), start()).unwrap(), Decision::Send(_)));

    // Below the thresholds, it says how far along the streak is.
    let ledger = IncidentLedger::new(rules()).with_failures_to_page(3);
    assert_eq!(
        ledger.apply(&failed(1, "a").event(), start()).unwrap(),
        Decision::Skip(Skip::FailuresBelowThreshold { seen: 1, needed: 3 })
    );
}

#[test]
fn results_that_cannot_be_followed_page_as_the_rules_would() {
    // A job without a name has no key: each failure pages, no success resolves.
    let ledger = IncidentLedger::new(rules());
    let mut job = Job::new("j", JobStatus::Failed, start());
    job.org_id = Some("acme".into());
    let Decision::Send(alert) = ledger.apply(&Event::Job(job.clone()), start()).unwrap() else { panic!() };
    assert_eq!((alert.action(), alert.dedup_key()), (Action::Trigger, None));
    assert!(matches!(ledger.apply(&Event::Job(job.clone()), start()).unwrap(), Decision::Send(_)));
    job.status = JobStatus::Passed;
    assert_eq!(ledger.apply(&Event::Job(job), start()).unwrap(), Decision::Skip(Skip::NoKey));
    assert!(ledger.store().is_empty());
}
