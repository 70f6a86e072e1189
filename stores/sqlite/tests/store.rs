//! The SQLite store: its schema brought up from the first relay's, events remembered for their
//! window, what is past its time forgotten, a size limit, and the outbox over it driven by
//! random streams of outcomes, crashes and restarts.

use std::collections::HashMap;
use std::path::PathBuf;

use proptest::prelude::*;
use rusqlite::Connection;
use sauce_webhooks::connector::WebhookConnector;
use sauce_webhooks::delivery::{DeadLetter, Kept, Message, Outbox, OutboxStore, Outcome, Reported, RetryPolicy};
use sauce_webhooks::endpoint::Endpoint;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus};
use sauce_webhooks_sqlite::Store;

fn database(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sauce-relay-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("relay.db")
}

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

/// A webhook message about test `test`, its body naming `n`.
fn message(test: u8, n: usize) -> Message {
    let connector =
        WebhookConnector::new(Endpoint::parse("https://hooks.example.com/in").unwrap()).with_on_success(true);
    let mut job = Job::new(format!("run-{n}"), JobStatus::Failed, start());
    job.name = Some(format!("test {test}"));
    let event = Event::Job(job);
    Message::webhook(connector.request(&event).unwrap().unwrap()).ordered_per_test(&event)
}

#[test]
fn the_first_relays_database_is_brought_up_to_date_and_kept() {
    let path = database("migrate");
    // The first relay's schema, with a message, an incident and a dead letter in it.
    let old = Connection::open(&path).unwrap();
    old.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE subscriptions (id TEXT PRIMARY KEY, config TEXT NOT NULL);
         CREATE TABLE incidents (key TEXT PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL);
         CREATE TABLE outbox (sequence INTEGER PRIMARY KEY AUTOINCREMENT, ordering_key TEXT NOT NULL,
             endpoint TEXT NOT NULL, head INTEGER NOT NULL, ready_at INTEGER NOT NULL, version INTEGER NOT NULL,
             message TEXT NOT NULL);
         CREATE INDEX outbox_by_key ON outbox (ordering_key, sequence);
         CREATE INDEX outbox_heads ON outbox (head, ready_at);
         CREATE TABLE endpoints (endpoint TEXT PRIMARY KEY, health TEXT NOT NULL, disabled INTEGER NOT NULL);
         CREATE TABLE dead_letters (sequence INTEGER PRIMARY KEY, message TEXT NOT NULL, error TEXT NOT NULL);
         INSERT INTO dead_letters VALUES (7, '{}', 'unreadable');",
    )
    .unwrap();
    drop(old);
    {
        // Written through the stores as the first relay wrote them (its columns only).
        let store = Store::open(&path).unwrap();
        let outbox = Outbox::new().with_store(store.clone());
        outbox.enqueue(message(1, 1), start()).unwrap();
        let ledger =
            IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()))
                .with_store(store.clone());
        let mut job = Job::new("j", JobStatus::Failed, start());
        job.name = Some("checkout".into());
        assert!(matches!(ledger.apply(&Event::Job(job), start()).unwrap(), Decision::Send(_)));
        assert_eq!(store.open_incidents().unwrap(), 1);
        let letters = store.dead_letter_summaries(10).unwrap();
        assert_eq!(letters.len(), 1, "the old dead letter is kept");
        assert_eq!(letters[0].reason, "unreadable");
    }
    // Opened again: nothing to do, nothing lost.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.count().unwrap(), 1);
    assert_eq!(store.open_incidents().unwrap(), 1);
    let version: usize = Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 3);
    // A database from a newer relay is refused rather than misread.
    Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let refused = Store::open(&path).map(drop).expect_err("refused").to_string();
    assert!(refused.contains("written by a newer sauce-relay"), "{refused}");
}

#[test]
fn an_event_is_remembered_for_its_window_and_no_longer() {
    let store = Store::open(&database("taken")).unwrap();
    let window = Duration::minutes(10);
    assert!(store.remember_event(b"digest-1", start(), window).unwrap());
    assert!(!store.remember_event(b"digest-1", start() + Duration::minutes(9), window).unwrap(), "within the window");
    assert!(store.remember_event(b"digest-2", start(), window).unwrap(), "another event");
    assert!(store.remember_event(b"digest-1", start() + Duration::minutes(11), window).unwrap(), "past it");
    assert_eq!(store.forget_events(start() + Duration::minutes(1)).unwrap(), 1, "digest-2 only: digest-1 is newer");
}

#[test]
fn closed_incidents_and_old_dead_letters_are_forgotten_open_ones_kept() {
    let store = Store::open(&database("forget")).unwrap();
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()))
        .with_store(store.clone());
    let run = |id: &str, name: &str, status: JobStatus, at: OffsetDateTime| {
        let mut job = Job::new(id, status, at);
        (job.name, job.modification_time) = (Some(name.to_owned()), at);
        Event::Job(job)
    };
    // "open" fails and stays open; "closed" fails and passes; both long ago.
    ledger.apply(&run("o1", "open", JobStatus::Failed, start()), start()).unwrap();
    ledger.apply(&run("c1", "closed", JobStatus::Failed, start()), start()).unwrap();
    ledger.apply(&run("c2", "closed", JobStatus::Passed, start() + Duration::SECOND), start()).unwrap();
    assert_eq!(store.forget_closed_incidents(start() - Duration::days(1)).unwrap(), 0, "nothing that old");
    assert_eq!(store.forget_closed_incidents(start() + Duration::days(31)).unwrap(), 1, "the closed one");
    assert_eq!(store.open_incidents().unwrap(), 1, "the open one stays, however old");

    for n in 0..5 {
        let letter = DeadLetter::new("chat", format!("letter {n}"), Kept::Event("{}".into()));
        store.add_dead_letter(&letter, start()).unwrap();
    }
    assert_eq!(store.keep_newest_dead_letters(3).unwrap(), 2);
    let reasons: Vec<String> =
        store.dead_letter_summaries(10).unwrap().into_iter().map(|letter| letter.reason).collect();
    assert_eq!(reasons, ["letter 2", "letter 3", "letter 4"]);
}

#[test]
fn a_database_at_its_limit_refuses_writes_rather_than_fill_the_disk() {
    let path = database("limit");
    let store = Store::open_with_limit(&path, Some(16 * 1024 * 1024)).unwrap();
    let big = "x".repeat(1024 * 1024);
    let written = (0..64)
        .take_while(|n| {
            let letter = DeadLetter::new("chat", format!("{n}"), Kept::Event(big.clone()));
            store.add_dead_letter(&letter, start()).is_ok()
        })
        .count();
    assert!((10..16).contains(&written), "{written} MB taken");
    let error = store.add_dead_letter(&DeadLetter::new(String::new(), String::new(), Kept::Event(big)), start());
    assert!(error.unwrap_err().to_string().contains("full"), "a clear error");
    assert!(std::fs::metadata(&path).unwrap().len() <= 16 * 1024 * 1024);
    // What is full can still be read and emptied.
    assert_eq!(store.keep_newest_dead_letters(1).unwrap(), written - 1);
}

/// What happens to an attempt a worker took.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Delivered,
    Failed,
    /// The relay is killed while it is under way, and started again.
    Crash,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![5 => Just(Fate::Delivered), 3 => Just(Fate::Failed), 2 => Just(Fate::Crash)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Over SQLite, with crashes: every message is delivered, in order per test, and a crash
    /// costs no lease: the attempt it left is given out again as the relay starts.
    #[test]
    fn over_sqlite_each_test_is_delivered_in_order_whatever_crashes(
        tests in prop::collection::vec(0u8..3, 1..16),
        fates in prop::collection::vec(fate(), 1..60),
    ) {
        static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let path = database(&format!("prop-{}", CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
        let lease = Duration::minutes(1);
        let patient = RetryPolicy::webhook().with_schedule(vec![Duration::minutes(1); 100]);
        let open = || Outbox::new().with_store(Store::open(&path).unwrap()).with_lease(lease).with_policy(patient.clone());
        let mut outbox = open();
        let mut order: HashMap<String, Vec<String>> = HashMap::new();
        for (n, test) in tests.iter().enumerate() {
            let message = message(*test, n);
            order.entry(message.ordering_key().to_owned()).or_default().push(String::from_utf8(message.request().body.clone()).unwrap());
            outbox.enqueue(message, start()).unwrap();
        }
        let mut delivered: HashMap<String, Vec<String>> = HashMap::new();
        let mut now = start();
        let mut fates = fates.into_iter().chain(std::iter::repeat(Fate::Delivered));
        let mut given_out_again = None;
        for _round in 0..400 {
            if outbox.is_empty().unwrap() {
                break;
            }
            let attempts = match given_out_again.take() {
                Some(attempts) => attempts,
                None => outbox.due(now, 4).unwrap(),
            };
            for attempt in attempts {
                let key = attempt.message().ordering_key().to_owned();
                let body = String::from_utf8(attempt.request().body.clone()).unwrap();
                let settled = delivered.get(&key).map_or(0, Vec::len);
                prop_assert_eq!(&order[&key][settled], &body, "out of order");
                match fates.next().unwrap() {
                    Fate::Delivered => {
                        prop_assert_eq!(outbox.report(&attempt, &Outcome::status(204), now, 7).unwrap(), Reported::Delivered);
                        delivered.entry(key).or_default().push(body);
                    }
                    Fate::Failed => {
                        prop_assert!(matches!(outbox.report(&attempt, &Outcome::status(503), now, 7).unwrap(), Reported::RetryAt(_)));
                    }
                    Fate::Crash => {
                        // A new process, a second later: what was under way (this attempt and
                        // the rest of its batch) is given out again at once, not a lease later.
                        now += Duration::SECOND;
                        outbox = open();
                        prop_assert!(outbox.store().release_leases(now).unwrap() >= 1);
                        let again = outbox.due(now, 64).unwrap();
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
        prop_assert!(outbox.is_empty().unwrap(), "everything delivered: {} left", outbox.len().unwrap());
        prop_assert_eq!(delivered, order);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}

#[test]
fn a_webhook_taken_in_commits_its_incident_and_its_page_together_or_neither() {
    let store = Store::open(&database("unit")).unwrap();
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()))
        .with_store(store.clone());
    let outbox = Outbox::new().with_store(store.clone());
    let mut job = Job::new("r1", JobStatus::Failed, start());
    job.name = Some("checkout".into());
    let failed = Event::Job(job);
    let take = |fail_after: bool| {
        store.transaction(|| {
            if let Decision::Send(alert) = ledger.apply(&failed, start())? {
                outbox.enqueue(Message::pagerduty(&alert)?.for_subscription("oncall"), start())?;
            }
            if fail_after {
                Err("the host failed after")?
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

#[test]
fn a_message_given_up_becomes_a_dead_letter_of_its_subscription_in_the_same_step() {
    let store = Store::open(&database("give-up")).unwrap();
    let outbox = Outbox::new().with_store(store.clone());
    outbox.enqueue(message(1, 1).for_subscription("chat"), start()).unwrap();
    let mut dispatcher = sauce_webhooks::delivery::Dispatcher::new(9);
    let mut now = start();
    // Refused until the short schedule for refusals is spent.
    while !outbox.is_empty().unwrap() {
        dispatcher.deliver_due(&outbox, now, 4, |_| Outcome::status(422)).unwrap();
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
