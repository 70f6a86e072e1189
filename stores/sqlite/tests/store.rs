//! What is SQLite's own: its schema brought up from the first relay's, and a size limit. What
//! both store crates do alike is checked on both in `relay/tests/stores.rs`.

use std::path::PathBuf;

use rusqlite::Connection;
use sauce_webhooks::connector::WebhookConnector;
use sauce_webhooks::delivery::{DeadLetter, Kept, Message, Outbox, OutboxStore};
use sauce_webhooks::outgoing::endpoint::Endpoint;
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
    job.name = Some(format!("test {test}").into());
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
