//! Taking a Sauce Labs webhook in: parse, route, ask each subscription's ledger or connector
//! what to send, and put it in the outbox, all in one database transaction, before answering.
//! A crash before the commit loses nothing: Sauce Labs got no 2xx and sends again.
//!
//! The rules, for a body whose signature checked:
//! - an event taken in less than `replay_window_seconds` ago, in this body or another, is
//!   taken once (told by the digest of the event as the crate writes it, so spacing, key order
//!   and batching do not make it another); a body of nothing new is answered 204;
//! - a body of more than `max_events_per_body` elements is refused (413), nothing kept;
//! - a batch takes the elements that parse and counts the others: answered 204 if any element
//!   was taken, 400 only when none was (nothing is kept then);
//! - what one subscription cannot make a message of (a body past its template's limit, an
//!   alert past PagerDuty's) becomes a dead letter with why; the others' messages are queued;
//! - a full outbox answers 503 with `Retry-After`, so that Sauce Labs sends again later;
//! - a database failure answers 503 and keeps nothing; one that may pass if tried again (a
//!   deadlock between replicas, a lock not had in time, a connection that broke) is tried
//!   again twice first;
//! - with the relay's `organization` set, events are routed and paged as received for it:
//!   project events (API Testing, Error Reporting, visual runs, App Distribution) reach its
//!   project subscriptions, and an event naming another organization reaches no one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use sauce_webhooks::Router;
use sauce_webhooks::connector::WebhookConnector;
use sauce_webhooks::delivery::{DeadLetter, Kept, Message, Outbox, OutboxError};
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, Skip};
use sauce_webhooks::signature::Verified;
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, OrgId};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::database::Database;
use crate::log::log;
use crate::metrics::Metrics;

/// How many times a body is tried in all when the database fails in a way that may pass.
const TRIES: u32 = 3;

/// How long a sender told the outbox is full should wait before it sends again.
pub const FULL_RETRY_AFTER_SECONDS: u32 = 60;

/// What a subscription does with an event, over the relay's database.
#[derive(Debug)]
pub enum Action<D> {
    /// Pages through this ledger.
    Page(Box<IncidentLedger<D>>),
    /// Sends through this connector.
    Send(Box<WebhookConnector>),
}

/// What intake needs: the subscriptions, the outbox, and the bounds.
#[derive(Debug)]
pub struct Intake<D> {
    /// The database, on the intake thread's connection.
    pub store: D,
    /// The subscriptions' filters, keyed by their place in `subscribers`.
    pub router: Router<usize>,
    /// The organization whose webhooks the relay takes in, when configured.
    pub organization: Option<OrgId>,
    /// Each subscription's id and action.
    pub subscribers: Vec<(String, Action<D>)>,
    /// The outbox the messages go to.
    pub outbox: Outbox<D>,
    /// How long an event taken in is remembered.
    pub replay_window: Duration,
    /// The most events one body may carry.
    pub max_events: usize,
    /// The most messages the outbox may hold.
    pub max_queued: u64,
    /// Messages in the outbox, as last counted (and counted up by intake since).
    pub depth: Arc<AtomicU64>,
    /// Whether the database holds its most, as last measured.
    pub full: Arc<AtomicBool>,
    /// Where counts go.
    pub metrics: Arc<Metrics>,
}

/// How a request was taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Taken in (204).
    Taken,
    /// Every event of it taken in before, within the replay window (204).
    AlreadyTaken,
    /// No element of the body could be read (400).
    Refused(String),
    /// The body carries more events than this (413).
    TooMany(usize),
    /// The outbox is full (503, with `Retry-After`).
    Full,
    /// The database failed; nothing was kept (503).
    Unavailable,
    /// The client gave up waiting; nothing was kept (503).
    Abandoned,
}

impl Answer {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Taken | Self::AlreadyTaken => 204,
            Self::Refused(_) => 400,
            Self::TooMany(_) => 413,
            Self::Full | Self::Unavailable | Self::Abandoned => 503,
        }
    }
}

/// Why a body could not be taken in: nothing of it is kept.
#[derive(Debug)]
enum Failure {
    Database(Box<dyn std::error::Error + Send + Sync>),
    NothingReadable(String),
    TooMany,
    Abandoned,
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Failure {
    fn from(err: E) -> Self {
        Self::Database(Box::new(err))
    }
}

/// What one body came to.
#[derive(Debug, Default)]
struct Tally {
    events: usize,
    /// Events taken in before, within the replay window.
    repeated: usize,
    refused: usize,
    queued: u64,
    /// The subscriptions of the dead letters kept, counted once the body commits.
    dead_letters: Vec<String>,
    /// Flaky tests announced, and results of quarantined tests, counted once the body commits.
    flaky_announced: u64,
    quarantined: u64,
    /// The first few reasons elements were refused for.
    reasons: Vec<String>,
}

/// Reasons kept per body for the log: a body of 700,000 bad elements logs one line, not 700,000.
const REASONS_LOGGED: usize = 3;

impl<D: Database> Intake<D> {
    /// Takes in the verified body; `waited_for` says whether the client still waits: if it
    /// gave up (a request timeout), nothing is kept, as it will send again.
    pub fn handle(&self, verified: &Verified<'_>, waited_for: impl Fn() -> bool) -> Answer {
        if self.depth.load(Ordering::Relaxed) >= self.max_queued || self.full.load(Ordering::Relaxed) {
            log("warn", "outbox or database full, refused for now", json!({"max_queued_messages": self.max_queued}));
            return Answer::Full;
        }
        let mut tries = 0;
        let (taken, tally) = loop {
            tries += 1;
            let now = OffsetDateTime::now_utc();
            let mut tally = Tally::default();
            // A client that gave up waiting will send again: what was taken in is rolled back.
            let taken = self.store.transaction(|| {
                self.take_all(verified, now, &mut tally)?;
                if waited_for() { Ok(()) } else { Err(Failure::Abandoned) }
            });
            match &taken {
                Err(Failure::Database(err)) if tries < TRIES && D::is_transient(err.as_ref()) => {
                    log("warn", "database busy, tried again", json!({"error": err.to_string(), "try": tries}));
                    std::thread::sleep(StdDuration::from_millis(50 * u64::from(tries)));
                }
                _ => break (taken, tally),
            }
        };
        self.metrics.events_refused.inc_by(tally.refused as u64);
        self.metrics.events_repeated.inc_by(tally.repeated as u64);
        let Tally { events, repeated, refused, queued, dead_letters, flaky_announced, quarantined, reasons } = tally;
        match taken {
            Ok(()) if events > 0 && repeated == events => {
                log("info", "taken in before, not again", json!({"events": events}));
                Answer::AlreadyTaken
            }
            Ok(()) => {
                self.depth.fetch_add(queued, Ordering::Relaxed);
                for id in &dead_letters {
                    self.metrics.dead_lettered(id);
                }
                self.metrics.flaky_announcements.inc_by(flaky_announced);
                self.metrics.quarantined_results.inc_by(quarantined);
                let fields = json!({"events": events, "repeated": repeated, "queued": queued, "refused": refused,
                                    "dead_letters": dead_letters.len(), "reasons": reasons});
                log(if refused + dead_letters.len() > 0 { "warn" } else { "info" }, "taken in", fields);
                Answer::Taken
            }
            Err(Failure::Abandoned) => {
                log("warn", "abandoned by the client, nothing kept", json!({}));
                Answer::Abandoned
            }
            Err(Failure::NothingReadable(reason)) => {
                log("warn", "refused: no element could be read", json!({"refused": refused, "reason": reason}));
                Answer::Refused(reason)
            }
            Err(Failure::TooMany) => {
                log("warn", "refused: too many events in one body", json!({"max_events_per_body": self.max_events}));
                Answer::TooMany(self.max_events)
            }
            Err(Failure::Database(err)) => {
                // Nothing was kept: Sauce Labs retries on a 5xx.
                log("error", "not taken in", json!({"error": err.to_string(), "tries": tries}));
                Answer::Unavailable
            }
        }
    }

    /// Takes in every event of the body that parses and was not taken in before.
    fn take_all(&self, verified: &Verified<'_>, now: OffsetDateTime, tally: &mut Tally) -> Result<(), Failure> {
        for event in verified.events() {
            let event = match event {
                Ok(event) => event,
                Err(err) => {
                    tally.refused += 1;
                    if tally.reasons.len() < REASONS_LOGGED {
                        tally.reasons.push(err.to_string());
                    }
                    continue;
                }
            };
            tally.events += 1;
            if tally.events > self.max_events {
                return Err(Failure::TooMany);
            }
            // The event as the crate writes it: the same result however its body spaced,
            // ordered or batched it.
            let canonical = serde_json::to_vec(&event)?;
            if !self.store.remember_event(&Sha256::digest(&canonical), now, self.replay_window)? {
                tally.repeated += 1;
                continue;
            }
            self.take(&event, now, tally)?;
        }
        if tally.events == 0 && tally.refused > 0 {
            return Err(Failure::NothingReadable(tally.reasons.first().cloned().unwrap_or_default()));
        }
        Ok(())
    }

    /// Queues what each subscription that gets `event` asks to send, or keeps it as a dead
    /// letter when it cannot be made a message of.
    fn take(&self, event: &Event, now: OffsetDateTime, tally: &mut Tally) -> Result<(), Failure> {
        let routed: Vec<usize> = match &self.organization {
            Some(org) => self.router.route_for(org, event).copied().collect(),
            None => self.router.route(event).copied().collect(),
        };
        for index in routed {
            let (id, action) = &self.subscribers[index];
            let made = match action {
                Action::Page(ledger) => match self.apply(ledger, event, now)? {
                    Decision::Send(alert) => {
                        if alert.dedup_key().is_some_and(|key| key.ends_with("#flaky")) {
                            tally.flaky_announced += 1;
                        }
                        Message::pagerduty(&alert).map(Some).map_err(|e| e.to_string())
                    }
                    Decision::Change(change) => {
                        tally.flaky_announced += 1;
                        Message::pagerduty_change(&change).map(Some).map_err(|e| e.to_string())
                    }
                    Decision::Skip(Skip::Quarantined) => {
                        tally.quarantined += 1;
                        Ok(None)
                    }
                    _ => Ok(None),
                },
                Action::Send(connector) => webhook_message(connector, event),
            };
            let failed = match made {
                Ok(None) => continue,
                Ok(Some(message)) => match self.outbox.enqueue(message.for_subscription(id), now) {
                    Ok(_) => {
                        tally.queued += 1;
                        continue;
                    }
                    Err(OutboxError::Store(err)) => return Err(err.into()),
                    Err(err) => err.to_string(),
                },
                Err(reason) => reason,
            };
            let event_json = serde_json::to_string(event).unwrap_or_default();
            let letter = DeadLetter::new(id.clone(), failed.clone(), Kept::Event(event_json));
            self.store.add_dead_letter(&letter, now)?;
            log("warn", "dead letter", json!({"subscription": id, "reason": failed}));
            tally.dead_letters.push(id.clone());
        }
        Ok(())
    }

    /// What `ledger` decides for `event`: received for the relay's organization, if it has one.
    fn apply(
        &self,
        ledger: &IncidentLedger<D>,
        event: &Event,
        now: OffsetDateTime,
    ) -> Result<Decision, sauce_webhooks::pagerduty::LedgerError<D::Failure>> {
        match &self.organization {
            Some(org) => ledger.apply_for(org, event, now),
            None => ledger.apply(event, now),
        }
    }
}

/// The message `connector` makes of `event`, if any, ordered per test: one message the
/// endpoint refuses holds up its own test's later messages only.
///
/// # Errors
/// Why it cannot be made (a body past the template's limit).
pub fn webhook_message(connector: &WebhookConnector, event: &Event) -> Result<Option<Message>, String> {
    let request = connector.request(event).map_err(|e| e.to_string())?;
    Ok(request.map(|request| Message::webhook(request).ordered_per_test(event)))
}
