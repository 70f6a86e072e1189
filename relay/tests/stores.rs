//! What the relay needs of a database, checked on both store crates alike: SQLite and a real
//! PostgreSQL (`tools/with-postgres` starts one; without `SAUCE_TEST_POSTGRES` these tests
//! fail, they never skip). One transaction per webhook, the events taken in, what is past its
//! time forgotten, dead letters, and the outbox over random streams of outcomes and crashes;
//! on PostgreSQL, replicas too: several stores over one database, taking from the same queue
//! at once.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::databases::{postgres, sqlite};
use proptest::prelude::*;
use sauce_relay::database::Database;
use sauce_webhooks::connector::WebhookConnector;
use sauce_webhooks::delivery::{
    DeadLetter, Dispatcher, EndpointKind, Kept, Message, Outbox, Outcome, Reported, RetryPolicy,
};
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus, OrgId};

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

/// A webhook message about test `test`, its body naming `n`, for subscription "chat".
fn message(test: u8, n: usize) -> Message {
    let connector =
        WebhookConnector::new(Endpoint::parse("https://hooks.example.com/in").unwrap()).with_on_success(true);
    let mut job = Job::new(format!("run-{n}"), JobStatus::Failed, start());
    job.name = Some(format!("test {test}").into());
    let event = Event::Job(job);
    Message::webhook(connector.request(&event).unwrap().unwrap()).ordered_per_test(&event).for_subscription("chat")
}

fn ledger<D: Database>(store: &D) -> IncidentLedger<D> {
    IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()))
        .with_store(store.clone())
}

fn failed(name: &str, id: &str, at: OffsetDateTime, status: JobStatus) -> Event<'static> {
    let mut job = Job::new(id.to_owned(), status, at);
    (job.name, job.modification_time) = (Some(name.to_owned().into()), at);
    Event::Job(job)
}

fn a_webhook_commits_its_incident_and_its_page_together_or_neither<D: Database>(store: &D) {
    let (ledger, outbox) = (ledger(store), Outbox::new().with_store(store.clone()));
    let event = failed("checkout", "r1", start(), JobStatus::Failed);
    let take = |fail_after: bool| {
        store.transaction(|| {
            if let Decision::Send(alert) = ledger.apply(&event, start())? {
                outbox.enqueue(Message::pagerduty(&alert)?.for_subscription("oncall"), start())?;
            }
            if fail_after {
                Err("the host failed after")?;
            }
            Ok::<_, Box<dyn std::error::Error>>(())
        })
    };
    assert!(take(true).is_err());
    assert_eq!((store.open_incidents().unwrap(), outbox.len().unwrap()), (0, 0), "neither");
    take(false).unwrap();
    assert_eq!((store.open_incidents().unwrap(), outbox.len().unwrap()), (1, 1), "both");
    assert_eq!(store.queue_depths().unwrap(), [("oncall".to_owned(), 1)]);
}

fn an_event_is_remembered_for_its_window_and_no_longer<D: Database>(store: &D) {
    let window = Duration::minutes(10);
    assert!(store.remember_event(b"digest-1", start(), window).unwrap());
    assert!(!store.remember_event(b"digest-1", start() + Duration::minutes(9), window).unwrap(), "within the window");
    assert!(store.remember_event(b"digest-2", start(), window).unwrap(), "another event");
    assert!(store.remember_event(b"digest-1", start() + Duration::minutes(11), window).unwrap(), "past it");
    assert_eq!(store.forget_events(start() + Duration::minutes(1)).unwrap(), 1, "digest-2 only: digest-1 is newer");
}

fn closed_incidents_and_old_dead_letters_are_forgotten_open_ones_kept<D: Database>(store: &D) {
    let ledger = ledger(store);
    // "open" fails and stays open; "closed" fails and passes; both long ago.
    ledger.apply(&failed("open", "o1", start(), JobStatus::Failed), start()).unwrap();
    ledger.apply(&failed("closed", "c1", start(), JobStatus::Failed), start()).unwrap();
    ledger.apply(&failed("closed", "c2", start() + Duration::SECOND, JobStatus::Passed), start()).unwrap();
    // An app's crash: paged, and no result will resolve it.
    let crash = Event::from_slice(br#"{"event":"crash","appName":"Shop","version":"1.4.2","platform":"ios"}"#).unwrap();
    assert!(matches!(ledger.apply_for(&OrgId::from("acme"), &crash, start()).unwrap(), Decision::Send(_)));
    assert_eq!(store.open_incidents().unwrap(), 1, "the crash waits for no resolve");
    assert_eq!(store.forget_settled_incidents(start() - Duration::days(1)).unwrap(), 0, "nothing that old");
    assert_eq!(store.forget_settled_incidents(start() + Duration::days(31)).unwrap(), 2, "the closed one, the crash");
    assert_eq!(store.open_incidents().unwrap(), 1, "the open one stays, however old");
    for n in 0..5 {
        store
            .add_dead_letter(&DeadLetter::new("chat", format!("letter {n}"), Kept::Event("{}".into())), start())
            .unwrap();
    }
    assert_eq!(store.keep_newest_dead_letters(3).unwrap(), 2);
    let reasons: Vec<String> =
        store.dead_letter_summaries(10).unwrap().into_iter().map(|letter| letter.reason).collect();
    assert_eq!(reasons, ["letter 2", "letter 3", "letter 4"]);
}

fn a_message_given_up_becomes_a_dead_letter_of_its_subscription<D: Database>(store: &D) {
    let outbox = Outbox::new().with_store(store.clone());
    outbox.enqueue(message(1, 1), start()).unwrap();
    let mut dispatcher = Dispatcher::new(9);
    let mut now = start();
    // Refused until the short schedule for refusals is spent.
    while !outbox.is_empty().unwrap() {
        dispatcher.deliver_due(&outbox, || now, 4, |_| Outcome::status(422)).unwrap();
        now += Duration::minutes(10);
    }
    let letters = store.dead_letter_summaries(10).unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        (letters[0].subscription.as_str(), letters[0].reason.as_str()),
        ("chat", "the target refused the request with 422")
    );
    let kept = store.take_dead_letter(letters[0].id).unwrap().unwrap();
    let Kept::Message(message) = kept.letter.kept else { panic!("{:?}", kept.letter.kept) };
    assert_eq!(message.subscription(), Some("chat"));
    assert_eq!(store.count_dead_letters().unwrap(), 0);
}

fn messages_of_ordering_keys_past_an_index_entry_are_queued_apart_and_delivered<D: Database>(store: &D) {
    let outbox = Outbox::new().with_store(store.clone());
    // Two keys of 3,000 bytes that differ only at their end: past what PostgreSQL indexes.
    let long = |last: char| format!("{}{last}", "k".repeat(2_999));
    for last in ['a', 'b'] {
        outbox.enqueue(message(1, 1).with_ordering_key(format!("chat\n{}", long(last))), start()).unwrap();
    }
    let attempts = outbox.due(start(), 8).unwrap();
    assert_eq!(attempts.len(), 2, "two keys, each given out");
    let keys: HashSet<&str> = attempts.iter().map(|attempt| attempt.message().ordering_key()).collect();
    assert_eq!(keys.len(), 2, "still apart: {keys:?}");
    for attempt in &attempts {
        assert!(attempt.message().ordering_key().len() <= sauce_webhooks::delivery::MAX_ORDERING_KEY_BYTES);
        assert_eq!(attempt.message().subscription(), Some("chat"));
        assert_eq!(outbox.report(attempt, &Outcome::status(204), start(), 1).unwrap(), Reported::Delivered);
    }
    assert!(outbox.is_empty().unwrap());
}

fn a_transaction_within_another_is_a_savepoint_of_it<D: Database>(store: &D) {
    let outbox = Outbox::new().with_store(store.clone());
    store
        .transaction(|| {
            outbox.enqueue(message(1, 1), start())?;
            let inner = store.transaction(|| {
                outbox.enqueue(message(2, 2), start())?;
                Err::<(), Box<dyn std::error::Error>>("the inner work failed".into())
            });
            assert!(inner.is_err());
            store.transaction(|| {
                outbox.enqueue(message(3, 3), start())?;
                Ok::<_, Box<dyn std::error::Error>>(())
            })?;
            Ok::<_, Box<dyn std::error::Error>>(())
        })
        .unwrap();
    let tests: HashSet<String> = outbox
        .due(start(), 8)
        .unwrap()
        .iter()
        .map(|attempt| String::from_utf8(attempt.request().body.clone()).unwrap())
        .collect();
    assert_eq!(tests.len(), 2, "the outer and the second inner, not the failed one: {tests:?}");
}

#[test]
fn on_sqlite_a_transaction_within_another_is_a_savepoint_of_it() {
    a_transaction_within_another_is_a_savepoint_of_it(&sqlite("nested"));
}

#[test]
fn on_postgres_a_transaction_within_another_is_a_savepoint_of_it() {
    a_transaction_within_another_is_a_savepoint_of_it(&postgres("nested", "a"));
}

#[test]
fn on_sqlite_messages_of_ordering_keys_past_an_index_entry_are_queued_apart_and_delivered() {
    messages_of_ordering_keys_past_an_index_entry_are_queued_apart_and_delivered(&sqlite("long-keys"));
}

#[test]
fn on_postgres_messages_of_ordering_keys_past_an_index_entry_are_queued_apart_and_delivered() {
    messages_of_ordering_keys_past_an_index_entry_are_queued_apart_and_delivered(&postgres("long-keys", "a"));
}

#[test]
fn on_sqlite_a_webhook_commits_its_incident_and_its_page_together_or_neither() {
    a_webhook_commits_its_incident_and_its_page_together_or_neither(&sqlite("unit"));
}

#[test]
fn on_postgres_a_webhook_commits_its_incident_and_its_page_together_or_neither() {
    a_webhook_commits_its_incident_and_its_page_together_or_neither(&postgres("unit", "a"));
}

#[test]
fn on_sqlite_an_event_is_remembered_for_its_window_and_no_longer() {
    an_event_is_remembered_for_its_window_and_no_longer(&sqlite("taken"));
}

#[test]
fn on_postgres_an_event_is_remembered_for_its_window_and_no_longer() {
    an_event_is_remembered_for_its_window_and_no_longer(&postgres("taken", "a"));
}

#[test]
fn on_sqlite_closed_incidents_and_old_dead_letters_are_forgotten_open_ones_kept() {
    closed_incidents_and_old_dead_letters_are_forgotten_open_ones_kept(&sqlite("forget"));
}

#[test]
fn on_postgres_closed_incidents_and_old_dead_letters_are_forgotten_open_ones_kept() {
    closed_incidents_and_old_dead_letters_are_forgotten_open_ones_kept(&postgres("forget", "a"));
}

#[test]
fn on_sqlite_a_message_given_up_becomes_a_dead_letter_of_its_subscription() {
    a_message_given_up_becomes_a_dead_letter_of_its_subscription(&sqlite("give-up"));
}

#[test]
fn on_postgres_a_message_given_up_becomes_a_dead_letter_of_its_subscription() {
    a_message_given_up_becomes_a_dead_letter_of_its_subscription(&postgres("give-up", "a"));
}

/// What happens to an attempt a worker took.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Delivered,
    Failed,
    /// The process is killed while it is under way, and started again.
    Crash,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![5 => Just(Fate::Delivered), 3 => Just(Fate::Failed), 2 => Just(Fate::Crash)]
}

/// Every message is delivered, in order per test, and a crash costs no lease: the attempt it
/// left is given out again as the process starts (`open` opens the store afresh).
fn each_test_is_delivered_in_order_whatever_crashes<D: Database>(
    open: &dyn Fn() -> D,
    tests: &[u8],
    fates: Vec<Fate>,
) -> Result<(), TestCaseError> {
    let patient = RetryPolicy::webhook().with_schedule(vec![Duration::minutes(1); 100]);
    let outbox =
        |store: D| Outbox::new().with_store(store).with_lease(Duration::minutes(1)).with_policy(patient.clone());
    let mut current = outbox(open());
    let mut order: HashMap<String, Vec<String>> = HashMap::new();
    for (n, test) in tests.iter().enumerate() {
        let message = message(*test, n);
        let body = String::from_utf8(message.request().body.clone()).unwrap();
        order.entry(message.ordering_key().to_owned()).or_default().push(body);
        current.enqueue(message, start()).unwrap();
    }
    let mut delivered: HashMap<String, Vec<String>> = HashMap::new();
    let mut now = start();
    let mut fates = fates.into_iter().chain(std::iter::repeat(Fate::Delivered));
    let mut given_out_again = None;
    for _round in 0..400 {
        if current.is_empty().unwrap() {
            break;
        }
        let attempts = match given_out_again.take() {
            Some(attempts) => attempts,
            None => current.due(now, 4).unwrap(),
        };
        for attempt in attempts {
            let key = attempt.message().ordering_key().to_owned();
            let body = String::from_utf8(attempt.request().body.clone()).unwrap();
            let settled = delivered.get(&key).map_or(0, Vec::len);
            prop_assert_eq!(&order[&key][settled], &body, "out of order");
            match fates.next().unwrap() {
                Fate::Delivered => {
                    let reported = current.report(&attempt, &Outcome::status(204), now, 7).unwrap();
                    prop_assert_eq!(reported, Reported::Delivered);
                    delivered.entry(key).or_default().push(body);
                }
                Fate::Failed => {
                    let reported = current.report(&attempt, &Outcome::status(503), now, 7).unwrap();
                    prop_assert!(matches!(reported, Reported::RetryAt(_)));
                }
                Fate::Crash => {
                    // A new process, a second later: what was under way is given out again
                    // at once, not a lease later.
                    now += Duration::SECOND;
                    // The process that crashed is gone, and its connections with it.
                    drop(current);
                    current = outbox(open());
                    prop_assert!(current.store().release_leases(now).unwrap() >= 1);
                    let again = current.due(now, 64).unwrap();
                    prop_assert!(again.iter().any(|a| a.message().ordering_key() == key), "given out again at once");
                    given_out_again = Some(again);
                    break;
                }
            }
        }
        if given_out_again.is_none() {
            now += Duration::minutes(10);
        }
    }
    prop_assert!(current.is_empty().unwrap(), "everything delivered: {} left", current.len().unwrap());
    prop_assert_eq!(delivered, order);
    Ok(())
}

static CASE: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn on_sqlite_each_test_is_delivered_in_order_whatever_crashes(
        tests in prop::collection::vec(0u8..3, 1..16),
        fates in prop::collection::vec(fate(), 1..60),
    ) {
        let path = common::databases::sqlite_path(&format!("prop-{}", CASE.fetch_add(1, Ordering::Relaxed)));
        each_test_is_delivered_in_order_whatever_crashes(&|| sauce_webhooks_sqlite::Store::open(&path).unwrap(), &tests, fates)?;
    }

    #[test]
    fn on_postgres_each_test_is_delivered_in_order_whatever_crashes(
        tests in prop::collection::vec(0u8..3, 1..16),
        fates in prop::collection::vec(fate(), 1..60),
    ) {
        let url = common::databases::postgres_url(&format!("prop_{}", CASE.fetch_add(1, Ordering::Relaxed)));
        each_test_is_delivered_in_order_whatever_crashes(&|| sauce_webhooks_postgres::Store::connect(&url, "a").unwrap(), &tests, fates)?;
    }
}

#[test]
fn replicas_taking_from_one_queue_at_once_deliver_each_message_once_in_order() {
    // Three replicas of four workers each, over one PostgreSQL, all taking at once: each
    // message is claimed by one worker at a time, each test's in order, none twice.
    let url = common::databases::postgres_url("replicas");
    let first = sauce_webhooks_postgres::Store::connect(&url, "seed").unwrap();
    let outbox = Outbox::new().with_store(first.clone());
    let mut order: HashMap<String, Vec<String>> = HashMap::new();
    for n in 0..300 {
        let message = message(u8::try_from(n % 12).unwrap(), n);
        let body = String::from_utf8(message.request().body.clone()).unwrap();
        order.entry(message.ordering_key().to_owned()).or_default().push(body);
        outbox.enqueue(message, start()).unwrap();
    }
    let received = std::sync::Mutex::new(Vec::<(String, String)>::new());
    std::thread::scope(|scope| {
        for replica in 0..3 {
            let store = sauce_webhooks_postgres::Store::connect(&url, &format!("r{replica}")).unwrap();
            let outbox = std::sync::Arc::new(Outbox::new().with_store(store.giving(EndpointKind::Webhook, 64)));
            for worker in 0..4 {
                let (outbox, received) = (std::sync::Arc::clone(&outbox), &received);
                scope.spawn(move || {
                    let mut dispatcher = Dispatcher::new(replica * 4 + worker + 1);
                    let mut idle = 0;
                    while idle < 20 {
                        let sent = dispatcher
                            .deliver_due(&outbox, start, 2, |attempt| {
                                let key = attempt.message().ordering_key().to_owned();
                                let body = String::from_utf8(attempt.request().body.clone()).unwrap();
                                received.lock().unwrap().push((key, body));
                                Outcome::status(204)
                            })
                            .unwrap();
                        idle = if sent.is_empty() { idle + 1 } else { 0 };
                        if sent.is_empty() {
                            std::thread::sleep(std::time::Duration::from_millis(10));
                        }
                    }
                });
            }
        }
    });
    let received = received.into_inner().unwrap();
    assert_eq!(received.len(), 300, "each message once");
    let mut per_key: HashMap<String, Vec<String>> = HashMap::new();
    for (key, body) in received {
        per_key.entry(key).or_default().push(body);
    }
    assert_eq!(per_key, order, "in order per test");
    assert_eq!(outbox.len().unwrap(), 0);
}

#[test]
fn a_replica_that_starts_again_releases_its_own_leases_only() {
    let url = common::databases::postgres_url("leases");
    let (a, b) = (
        sauce_webhooks_postgres::Store::connect(&url, "a").unwrap(),
        sauce_webhooks_postgres::Store::connect(&url, "b").unwrap(),
    );
    let (on_a, on_b) = (Outbox::new().with_store(a.clone()), Outbox::new().with_store(b.clone()));
    for n in 0..2 {
        on_a.enqueue(message(u8::try_from(n).unwrap(), n), start()).unwrap();
    }
    assert_eq!(on_a.due(start(), 1).unwrap().len(), 1, "a takes one");
    assert_eq!(on_b.due(start(), 1).unwrap().len(), 1, "b the other");
    // a crashes and starts again a second later: its attempt is given out again, b's is not.
    let later = start() + Duration::SECOND;
    assert_eq!(a.release_leases(later).unwrap(), 1);
    assert_eq!(on_a.due(later, 8).unwrap().len(), 1, "a's own, at once");
    assert_eq!(a.release_leases(later).unwrap(), 1);
    assert_eq!(b.release_leases(later).unwrap(), 1, "b's own is still b's");
    let signers: HashSet<&str> = HashSet::new();
    assert_eq!(b.set_aside_unsigned(&signers, later).unwrap(), 0);
}

#[test]
fn one_result_taken_in_by_two_replicas_at_once_pages_once() {
    let url = common::databases::postgres_url("twice");
    let replicas: Vec<_> =
        (0..2).map(|n| sauce_webhooks_postgres::Store::connect(&url, &format!("r{n}")).unwrap()).collect();
    let event = failed("checkout", "r1", start(), JobStatus::Failed);
    let barrier = std::sync::Barrier::new(2);
    let pages: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = replicas
            .iter()
            .map(|store| {
                let (event, barrier) = (&event, &barrier);
                scope.spawn(move || {
                    let (ledger, outbox) = (ledger(store), Outbox::new().with_store(store.clone()));
                    barrier.wait();
                    store
                        .transaction(|| {
                            let digest = b"the same body";
                            if !store.remember_event(digest, start(), Duration::HOUR)? {
                                return Ok(0);
                            }
                            let Decision::Send(alert) = ledger.apply(event, start())? else { return Ok(0) };
                            outbox.enqueue(Message::pagerduty(&alert)?, start())?;
                            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(1)
                        })
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).sum()
    });
    assert_eq!(pages, 1);
    assert_eq!(Outbox::new().with_store(replicas[0].clone()).len().unwrap(), 1);
}

/// A raw connection to the database at `url`, as another process (a stalled replica) would
/// hold one.
fn other_process(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

#[test]
fn a_lock_held_by_a_stalled_process_fails_a_webhooks_transaction_in_seconds_as_worth_trying_again() {
    let url = common::databases::postgres_url("stalled");
    let store = sauce_webhooks_postgres::Store::connect(&url, "a").unwrap();
    let outbox = Outbox::new().with_store(store.clone());
    let mut stalled = other_process(&url);
    let mut transaction = stalled.transaction().unwrap();
    transaction.batch_execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE").unwrap();
    let began = std::time::Instant::now();
    let failed = store
        .transaction(|| {
            outbox.enqueue(message(1, 1), start()).map_err(|e| match e {
                sauce_webhooks::delivery::OutboxError::Store(err) => err,
                other => panic!("{other}"),
            })
        })
        .unwrap_err();
    let waited = began.elapsed();
    assert!(waited < std::time::Duration::from_secs(15), "not waiting forever: {waited:?}");
    assert!(failed.is_transient(), "{failed}");
    let said = failed.to_string();
    assert!(said.contains("lock timeout") && said.contains("55P03"), "what the server said: {said}");
    transaction.rollback().unwrap();
    store
        .transaction(|| {
            outbox.enqueue(message(1, 1), start())?;
            Ok::<_, Box<dyn std::error::Error>>(())
        })
        .unwrap();
    assert_eq!(outbox.len().unwrap(), 1, "taken once the lock is gone");
}

#[test]
fn a_transaction_whose_statement_failed_unnoticed_does_not_say_it_committed() {
    let url = common::databases::postgres_url("swallowed");
    let store = sauce_webhooks_postgres::Store::connect(&url, "a").unwrap();
    let outbox = Outbox::new().with_store(store.clone());
    let mut other = other_process(&url);
    let mut held = other.transaction().unwrap();
    held.batch_execute("LOCK TABLE dead_letters IN ACCESS EXCLUSIVE MODE").unwrap();
    let committed = store.transaction(|| {
        outbox.enqueue(message(1, 1), start())?;
        // The host ignores a failure (a lock not had in time), and goes on to commit.
        let ignored = store.add_dead_letter(&DeadLetter::new("chat", "x", Kept::Event("{}".into())), start());
        assert!(ignored.is_err());
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    held.rollback().unwrap();
    let failed = committed.unwrap_err().to_string();
    assert!(failed.contains("nothing of it was committed"), "{failed}");
    assert_eq!(outbox.len().unwrap(), 0, "and indeed nothing was");
}

#[test]
fn one_replica_name_is_one_process_at_a_time() {
    let url = common::databases::postgres_url("names");
    let first = sauce_webhooks_postgres::Store::connect(&url, "r1").unwrap();
    let again = sauce_webhooks_postgres::Store::connect(&url, "r1").unwrap_err();
    assert!(matches!(again, sauce_webhooks_postgres::Error::InstanceInUse(ref name) if name == "r1"), "{again}");
    let other = sauce_webhooks_postgres::Store::connect(&url, "r2");
    assert!(other.is_ok(), "another name is another replica");
    drop(first);
    assert!(sauce_webhooks_postgres::Store::connect(&url, "r1").is_ok(), "free once its process is gone");
}

#[test]
fn the_connections_of_threads_that_ended_are_closed() {
    let url = common::databases::postgres_url("threads");
    let store = sauce_webhooks_postgres::Store::connect(&url, "a").unwrap();
    // As an async runtime's blocking pool does: a thread per call, each gone after.
    for _ in 0..30 {
        let store = store.clone();
        std::thread::spawn(move || store.ping().unwrap()).join().unwrap();
    }
    store.ping().unwrap();
    let database = url.rsplit('/').next().unwrap().to_owned();
    let mut admin = other_process(&url);
    let open: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sauce-webhooks'",
            &[&database],
        )
        .unwrap()
        .get(0);
    // This thread's, the last thread's (closed when the next is opened), the replica's name,
    // and the one that migrated the schema (the connecting thread's: this one).
    assert!(open <= 3, "{open} connections open after 30 threads came and went");
}

#[test]
fn a_sqlite_database_refused_at_four_fifths_of_its_limit_still_drains() {
    let path = common::databases::sqlite_path("drain");
    let limit = 1024 * 1024;
    let store = sauce_webhooks_sqlite::Store::open_with_limit(&path, Some(limit)).unwrap();
    let outbox = Outbox::new().with_store(store.clone());
    // Taken in as the relay takes it: until four fifths of the limit.
    let mut n = 0;
    while store.size_bytes().unwrap() < limit / 5 * 4 {
        store
            .transaction(|| {
                outbox.enqueue(message(u8::try_from(n % 200).unwrap(), n), start())?;
                Ok::<_, Box<dyn std::error::Error>>(())
            })
            .unwrap();
        n += 1;
    }
    let full = store.size_bytes().unwrap();
    let mut now = start();
    while !outbox.is_empty().unwrap() {
        let sent = Dispatcher::new(1).deliver_due(&outbox, || now, 64, |_| Outcome::status(204)).unwrap();
        assert!(!sent.is_empty(), "every claim and report has room");
        now += Duration::SECOND;
    }
    assert!(store.size_bytes().unwrap() < full / 4, "{n} messages delivered, the room counted free again");
}

#[test]
fn an_async_host_uses_the_postgres_store_from_blocking_threads_and_drops_it_anywhere() {
    let url = common::databases::postgres_url("async");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let theirs = url.clone();
        let store = tokio::task::spawn_blocking(move || sauce_webhooks_postgres::Store::connect(&theirs, "a"))
            .await
            .unwrap()
            .unwrap();
        let clone = store.clone();
        tokio::task::spawn_blocking(move || clone.ping()).await.unwrap().unwrap();
        // The last handle dropped here, on an async thread: no runtime started within this one.
        drop(store);
    });
    // Its name is free again once its connections closed, elsewhere.
    let mut again = sauce_webhooks_postgres::Store::connect(&url, "a");
    for _ in 0..20 {
        if again.is_ok() {
            break;
        }
        again = sauce_webhooks_postgres::Store::connect(&url, "a");
    }
    assert!(again.is_ok(), "{again:?}");
}
