//! Where the outbox keeps its messages and its endpoints' health: a trait over the host's
//! database, and a thread-safe in-memory store as the embedded default.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::message::{MessageId, QueuedMessage};
use super::policy::Undeliverable;
use crate::support::time::{serialize_time, time};

/// A message as a store holds it: the sequence number the store gave it, and its version,
/// which changes at every write, for compare-and-swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its place in the order of everything added: higher than every message added before.
    pub sequence: u64,
    /// 1 when added, one more at every write after.
    pub version: u64,
    /// The message.
    pub message: QueuedMessage,
}

impl StoredMessage {
    /// Its id, sent as `webhook-id`: the same on every attempt.
    pub fn id(&self) -> MessageId {
        self.message.id(self.sequence)
    }
}

/// Whether an endpoint is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndpointHealth {
    /// Its latest attempt succeeded, or none was made.
    #[default]
    Healthy,
    /// Every attempt since `since` has failed.
    Failing {
        /// The first failure of the run.
        #[serde(serialize_with = "serialize_time", deserialize_with = "required_time")]
        since: OffsetDateTime,
    },
    /// Nothing is sent to it until the host enables it again: it answered `410 Gone`, or
    /// failed for longer than the outbox allows. Its messages wait.
    Disabled {
        /// When it was disabled.
        #[serde(serialize_with = "serialize_time", deserialize_with = "required_time")]
        at: OffsetDateTime,
        /// Whether it said it was gone (`410`), rather than failing for too long.
        gone: bool,
    },
}

fn required_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    time(d)?.ok_or_else(|| serde::de::Error::custom("expected a time, found null"))
}

/// The host's storage of outgoing messages and endpoint health.
///
/// The outbox gives out only the first message of each ordering key (the lowest sequence
/// still held), and claims it with a compare-and-swap on its version before an attempt, so
/// that receivers sharing one store never send a key's messages out of order or two at once.
/// In SQL: a table with the message as JSON and `sequence` (an autoincrement key),
/// `ordering_key`, `endpoint`, `ready_at` and `version` columns, and
///
/// ```sql
/// SELECT … FROM outbox o WHERE ready_at <= ?now
///   AND sequence = (SELECT MIN(sequence) FROM outbox WHERE ordering_key = o.ordering_key)
///   AND endpoint NOT IN (SELECT endpoint FROM endpoints WHERE state = 'disabled')
///   ORDER BY ready_at LIMIT ?limit;
/// UPDATE outbox SET message = ?, ready_at = ?, version = version + 1 WHERE sequence = ? AND version = ?;
/// DELETE FROM outbox WHERE sequence = ? AND version = ?;
/// ```
///
/// The relay's (`relay/src/store/`) is one over SQLite, tested by its crash test. Workers on
/// several threads share a store through an `Arc` (implemented for any `Arc<S>`), so a store
/// they share must be `Send + Sync`.
pub trait OutboxStore {
    /// What the database can fail with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Adds `message` (version 1) with a sequence number higher than any given before, and
    /// returns it.
    ///
    /// # Errors
    /// The database's, or a full store's.
    fn push(&self, message: &QueuedMessage) -> Result<u64, Self::Error>;

    /// Up to `limit` messages that are each the first (lowest sequence) of their ordering key,
    /// ready at `now` ([`QueuedMessage::ready_at`] not after it), for an endpoint that is not
    /// disabled, earliest ready first (then lowest sequence). A key whose first message is not
    /// ready gives nothing: never a later message of it instead.
    ///
    /// # Errors
    /// The database's.
    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<StoredMessage>, Self::Error>;

    /// Writes `message` for `sequence` if its version is still `expected`, as `expected + 1`;
    /// `Ok(false)` when it was not (or the message is gone), and nothing was written.
    ///
    /// # Errors
    /// The database's.
    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> Result<bool, Self::Error>;

    /// Removes the message `sequence` if its version is still `expected`; `Ok(false)` when it
    /// was not (or the message is gone).
    ///
    /// # Errors
    /// The database's.
    fn remove(&self, sequence: u64, expected: u64) -> Result<bool, Self::Error>;

    /// Removes the message `sequence`, given up for `reason`, if its version is still
    /// `expected`; `Ok(false)` when it was not. A store that keeps dead letters keeps
    /// `message` as one, in the same step, so that no crash can lose it between the two; this
    /// default only removes it (the outbox hands it back in
    /// [`Reported::GaveUp`](super::Reported::GaveUp)).
    ///
    /// # Errors
    /// The database's.
    fn give_up(
        &self,
        sequence: u64,
        expected: u64,
        message: &QueuedMessage,
        reason: Undeliverable,
    ) -> Result<bool, Self::Error> {
        let _ = (message, reason);
        self.remove(sequence, expected)
    }

    /// The health of `endpoint` ([`EndpointHealth::Healthy`] for one never written).
    ///
    /// # Errors
    /// The database's.
    fn endpoint(&self, endpoint: &str) -> Result<EndpointHealth, Self::Error>;

    /// Records the health of `endpoint`.
    ///
    /// # Errors
    /// The database's.
    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> Result<(), Self::Error>;

    /// How many messages it holds.
    ///
    /// # Errors
    /// The database's.
    fn count(&self) -> Result<usize, Self::Error>;

    /// Runs `claiming` (the outbox asking what is [`due`](OutboxStore::due) and claiming it) as
    /// one unit, if the store can: a database that locks the rows `due` gives out
    /// (`FOR UPDATE SKIP LOCKED`) until the claims are written lets other workers skip them
    /// instead of racing for them. This default runs it as it is: the claims' compare-and-swap
    /// keeps the order anyway.
    ///
    /// # Errors
    /// `claiming`'s, or the database's.
    fn claiming<T>(&self, claiming: impl FnOnce() -> Result<T, Self::Error>) -> Result<T, Self::Error> {
        claiming()
    }
}

/// Messages the in-memory store holds at most by default.
pub const DEFAULT_MAX_MESSAGES: usize = 100_000;

/// Bytes of requests (URL, headers and body) the in-memory store holds at most by default.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Why the in-memory store refused a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryOutboxError {
    /// Adding it would pass the store's limits.
    #[error("the outbox holds its limit ({max_messages} messages, {max_bytes} bytes)")]
    Full {
        /// The most messages it holds.
        max_messages: usize,
        /// The most bytes of requests it holds.
        max_bytes: usize,
    },
}

/// The embedded store: messages in memory, safe to share between threads (outboxes share one
/// through an `Arc`), lost when the process ends. Bounded: at most 100,000 messages and
/// 256 MiB of requests by default ([`with_limits`](MemoryOutboxStore::with_limits)); past
/// that, [`Outbox::enqueue`](super::Outbox::enqueue) fails with [`MemoryOutboxError::Full`].
#[derive(Debug)]
pub struct MemoryOutboxStore {
    inner: Mutex<Inner>,
    max_messages: usize,
    max_bytes: usize,
}

#[derive(Debug, Default)]
struct Inner {
    messages: HashMap<u64, StoredMessage>,
    /// Each ordering key's messages, in order.
    queues: HashMap<String, VecDeque<u64>>,
    /// The first message of each key, by when it is ready.
    heads: BTreeSet<(OffsetDateTime, u64)>,
    endpoints: HashMap<String, EndpointHealth>,
    bytes: usize,
    next_sequence: u64,
}

impl Default for MemoryOutboxStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryOutboxStore {
    /// An empty store with the default limits.
    pub fn new() -> Self {
        Self { inner: Mutex::default(), max_messages: DEFAULT_MAX_MESSAGES, max_bytes: DEFAULT_MAX_MESSAGE_BYTES }
    }

    /// Holds at most `max_messages` messages and `max_bytes` bytes of requests.
    #[must_use]
    pub fn with_limits(mut self, max_messages: usize, max_bytes: usize) -> Self {
        (self.max_messages, self.max_bytes) = (max_messages, max_bytes);
        self
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every change below keeps the indexes consistent before it can panic, if it can at all.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a request costs the store.
fn size_of(message: &QueuedMessage) -> usize {
    let request = message.request();
    let headers: usize = request.headers.iter().map(|(name, value)| name.len() + value.len()).sum();
    request.url.as_str().len() + headers + request.body.len() + message.ordering_key().len() + message.endpoint().len()
}

impl Inner {
    fn is_head(&self, stored: &StoredMessage) -> bool {
        self.queues.get(stored.message.ordering_key()).and_then(VecDeque::front) == Some(&stored.sequence)
    }
}

impl OutboxStore for MemoryOutboxStore {
    type Error = MemoryOutboxError;

    fn push(&self, message: &QueuedMessage) -> Result<u64, MemoryOutboxError> {
        let mut inner = self.inner();
        let size = size_of(message);
        if inner.messages.len() >= self.max_messages || inner.bytes + size > self.max_bytes {
            return Err(MemoryOutboxError::Full { max_messages: self.max_messages, max_bytes: self.max_bytes });
        }
        inner.next_sequence += 1;
        let sequence = inner.next_sequence;
        inner.bytes += size;
        let queue = inner.queues.entry(message.ordering_key().to_owned()).or_default();
        queue.push_back(sequence);
        if queue.len() == 1 {
            inner.heads.insert((message.ready_at(), sequence));
        }
        inner.messages.insert(sequence, StoredMessage { sequence, version: 1, message: message.clone() });
        Ok(sequence)
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<StoredMessage>, MemoryOutboxError> {
        let inner = self.inner();
        let disabled = |endpoint: &str| matches!(inner.endpoints.get(endpoint), Some(EndpointHealth::Disabled { .. }));
        Ok(inner
            .heads
            .iter()
            .take_while(|(ready_at, _)| *ready_at <= now)
            .filter_map(|(_, sequence)| inner.messages.get(sequence))
            .filter(|stored| !disabled(stored.message.endpoint()))
            .take(limit)
            .cloned()
            .collect())
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> Result<bool, MemoryOutboxError> {
        let mut inner = self.inner();
        let Some(stored) = inner.messages.get(&sequence) else { return Ok(false) };
        if stored.version != expected || stored.message.ordering_key() != message.ordering_key() {
            return Ok(false);
        }
        let (old_ready, is_head) = (stored.message.ready_at(), inner.is_head(stored));
        let size_change = size_of(message).wrapping_sub(size_of(&stored.message));
        if is_head {
            inner.heads.remove(&(old_ready, sequence));
            inner.heads.insert((message.ready_at(), sequence));
        }
        inner.bytes = inner.bytes.wrapping_add(size_change);
        inner.messages.insert(sequence, StoredMessage { sequence, version: expected + 1, message: message.clone() });
        Ok(true)
    }

    fn remove(&self, sequence: u64, expected: u64) -> Result<bool, MemoryOutboxError> {
        let mut inner = self.inner();
        match inner.messages.get(&sequence) {
            Some(stored) if stored.version == expected => {}
            _ => return Ok(false),
        }
        let Some(stored) = inner.messages.remove(&sequence) else { return Ok(false) };
        inner.bytes -= size_of(&stored.message);
        let key = stored.message.ordering_key();
        inner.heads.remove(&(stored.message.ready_at(), sequence));
        let next_head = {
            let Some(queue) = inner.queues.get_mut(key) else { return Ok(true) };
            // The outbox removes a key's first message; anything else costs a scan.
            if queue.front() == Some(&sequence) {
                queue.pop_front();
            } else {
                queue.retain(|&held| held != sequence);
            }
            queue.front().copied()
        };
        match next_head {
            Some(next) => {
                if let Some(ready_at) = inner.messages.get(&next).map(|next| next.message.ready_at()) {
                    inner.heads.insert((ready_at, next));
                }
            }
            None => drop(inner.queues.remove(key)),
        }
        Ok(true)
    }

    fn endpoint(&self, endpoint: &str) -> Result<EndpointHealth, MemoryOutboxError> {
        Ok(self.inner().endpoints.get(endpoint).copied().unwrap_or_default())
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> Result<(), MemoryOutboxError> {
        let mut inner = self.inner();
        if health == EndpointHealth::Healthy {
            // Healthy is the default: keeping it would grow the map with every endpoint seen.
            inner.endpoints.remove(endpoint);
        } else {
            inner.endpoints.insert(endpoint.to_owned(), health);
        }
        Ok(())
    }

    fn count(&self) -> Result<usize, MemoryOutboxError> {
        Ok(self.inner().messages.len())
    }
}

/// Outboxes on several threads share one store through an `Arc`.
impl<S: OutboxStore> OutboxStore for std::sync::Arc<S> {
    type Error = S::Error;

    fn push(&self, message: &QueuedMessage) -> Result<u64, S::Error> {
        (**self).push(message)
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<StoredMessage>, S::Error> {
        (**self).due(now, limit)
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> Result<bool, S::Error> {
        (**self).replace(sequence, expected, message)
    }

    fn remove(&self, sequence: u64, expected: u64) -> Result<bool, S::Error> {
        (**self).remove(sequence, expected)
    }

    fn give_up(
        &self,
        sequence: u64,
        expected: u64,
        message: &QueuedMessage,
        reason: Undeliverable,
    ) -> Result<bool, S::Error> {
        (**self).give_up(sequence, expected, message, reason)
    }

    fn endpoint(&self, endpoint: &str) -> Result<EndpointHealth, S::Error> {
        (**self).endpoint(endpoint)
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> Result<(), S::Error> {
        (**self).set_endpoint(endpoint, health)
    }

    fn count(&self) -> Result<usize, S::Error> {
        (**self).count()
    }

    fn claiming<T>(&self, claiming: impl FnOnce() -> Result<T, S::Error>) -> Result<T, S::Error> {
        (**self).claiming(claiming)
    }
}
