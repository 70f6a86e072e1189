//! Dead letters: what could not be delivered, kept with why, for the host to list and send
//! again. The outbox hands a message it gives up to its store
//! ([`OutboxStore::give_up`](super::OutboxStore::give_up)); a store with dead letters (the
//! SQLite and PostgreSQL store crates) keeps it as one of these.

use time::OffsetDateTime;

use super::message::QueuedMessage;
use super::policy::EndpointKind;

/// What is kept of something that could not be delivered. Not `#[non_exhaustive]`: a store
/// keeps every kind, and must learn of a new one when it comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// A message given up (refused, out of retries, no secret to sign it): it can be queued
    /// again as it is ([`QueuedMessage::into_message`]).
    Message(Box<QueuedMessage>),
    /// An event, as JSON, that its subscription could not make a message of (a body past the
    /// template's limit, an alert past PagerDuty's): it can be made one again later.
    Event(String),
    /// What a store could not read back, as it was.
    Unreadable(String),
}

impl Kept {
    /// What a listing says of it: a PagerDuty alert's action and dedup key (read from its
    /// body), a webhook message's endpoint and ordering key, or what else it is.
    pub fn kind(&self) -> DeadLetterKind {
        match self {
            Self::Message(message) if message.target() == EndpointKind::PagerDuty => {
                let body: serde_json::Value = serde_json::from_slice(&message.request().body).unwrap_or_default();
                let text = |key: &str| body.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
                DeadLetterKind::Alert { action: text("event_action"), dedup_key: text("dedup_key") }
            }
            Self::Message(message) => DeadLetterKind::Webhook {
                endpoint: message.endpoint().to_owned(),
                ordering_key: message.ordering_key().to_owned(),
            },
            Self::Event(_) => DeadLetterKind::Event,
            Self::Unreadable(_) => DeadLetterKind::Unreadable,
        }
    }
}

/// Something that could not be delivered, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The subscription it was for ([`QueuedMessage::subscription`]; empty when none).
    pub subscription: String,
    /// Why it was not delivered.
    pub reason: String,
    /// What is kept.
    pub kept: Kept,
}

impl DeadLetter {
    /// A dead letter of `kept`, for `subscription`, because of `reason`.
    pub fn new(subscription: impl Into<String>, reason: impl Into<String>, kept: Kept) -> Self {
        Self { subscription: subscription.into(), reason: reason.into(), kept }
    }
}

/// A dead letter as a store keeps it: its id, and when it became one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredDeadLetter {
    /// Its id, to send it again by.
    pub id: i64,
    /// When it became one.
    pub at: OffsetDateTime,
    /// The letter.
    pub letter: DeadLetter,
}

impl StoredDeadLetter {
    /// `letter`, kept as `id` since `at`: for stores.
    pub fn new(id: i64, at: OffsetDateTime, letter: DeadLetter) -> Self {
        Self { id, at, letter }
    }
}

/// A dead letter as a listing shows it, read without what it keeps (which may be large).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetterSummary {
    /// Its id, to send it again by.
    pub id: i64,
    /// When it became one.
    pub at: OffsetDateTime,
    /// The subscription it was for (empty when none).
    pub subscription: String,
    /// Why it was not delivered.
    pub reason: String,
    /// What it keeps.
    pub kind: DeadLetterKind,
}

impl DeadLetterSummary {
    /// Dead letter `id`, kept since `at`, for `subscription`, because of `reason`: for stores.
    pub fn new(
        id: i64,
        at: OffsetDateTime,
        subscription: impl Into<String>,
        reason: impl Into<String>,
        kind: DeadLetterKind,
    ) -> Self {
        Self { id, at, subscription: subscription.into(), reason: reason.into(), kind }
    }
}

/// What a dead letter keeps, as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeadLetterKind {
    /// A PagerDuty alert: its action and dedup key.
    Alert {
        /// `trigger`, `resolve` or `acknowledge`.
        action: Option<String>,
        /// Its dedup key.
        dedup_key: Option<String>,
    },
    /// A webhook message: its endpoint and ordering key.
    Webhook {
        /// The endpoint (a URL whose path may be a token: show it with care).
        endpoint: String,
        /// The ordering key (its last line names the test, for a message ordered per test).
        ordering_key: String,
    },
    /// An event no message could be made of.
    Event,
    /// Something that cannot be read back.
    Unreadable,
}
