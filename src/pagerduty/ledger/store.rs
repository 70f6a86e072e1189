//! Where the ledger keeps its states: a trait over the host's database, and a thread-safe
//! in-memory store as the embedded default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use time::OffsetDateTime;

use super::error::LedgerError;
use super::fingerprint::FingerprintHasher;
use super::state::IncidentState;

/// How often [`IncidentStore::update`] reads and writes again when another writer changed the
/// key in between, before it gives up: each retry means another writer made progress.
const MAX_ATTEMPTS: usize = 64;

/// A state as stored, with the version that changes at every write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredState {
    /// The state.
    pub state: IncidentState,
    /// Its version: 1 for the first write of a key, one more at every write after.
    pub version: u64,
}

/// The host's storage of incident states, one per key.
///
/// Several receivers may share one store: the ledger reads a key's state with
/// [`load`](IncidentStore::load), then writes the next one with
/// [`replace`](IncidentStore::replace) only if nobody wrote in between (a compare-and-swap on
/// the version), and reads again when somebody did. So two replicas that apply the same result
/// never both trigger or both resolve. Every database offers the primitive: in SQL,
/// `UPDATE incidents SET state = ?, version = version + 1 WHERE key = ? AND version = ?` (and an
/// `INSERT` that fails on a duplicate key for the first write); in Redis, `WATCH`/`MULTI` or a
/// Lua script. The store crates `sauce-webhooks-sqlite` and `sauce-webhooks-postgres` implement it.
///
/// A store may forget a state that has not changed for a while and does not
/// [`await a resolve`](IncidentState::awaits_resolve) (to bound its size, as
/// [`MemoryIncidentStore::prune`] does): the key then starts afresh. Forgetting one that
/// awaits a resolve would leave its incident open in PagerDuty for good.
///
/// Implement [`load`](IncidentStore::load) and [`replace`](IncidentStore::replace); leave
/// [`update`](IncidentStore::update) as it is unless your store can hold a key locked while the
/// state changes (as the in-memory store does), which saves a read. Keys are at most about
/// 1 KiB (`<16 hex digits>:<dedup key of at most 255 characters>`); states serialize to JSON of
/// at most about 1.5 KB (most of it the ids of the key's latest 64 results).
pub trait IncidentStore {
    /// What the database can fail with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The state of `key`, `None` for a key never written (or pruned).
    ///
    /// # Errors
    /// The database's.
    fn load(&self, key: &str) -> Result<Option<StoredState>, Self::Error>;

    /// Writes `state` for `key` if the key's version is still `expected` (`None`: the key
    /// must not exist), as version `expected + 1` (or 1); `Ok(false)` when it was not, and
    /// nothing was written.
    ///
    /// # Errors
    /// The database's.
    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> Result<bool, Self::Error>;

    /// Replaces the state of `key` (`None`: never written) with what `change` makes of it
    /// (`None`: leave it as it is), atomically with respect to other writers: `change` sees the
    /// state the write replaces. This default reads with [`load`](IncidentStore::load) and
    /// writes with [`replace`](IncidentStore::replace), calling `change` again when another
    /// writer came in between; a store that can hold a key while it changes (the in-memory one)
    /// does it in one step.
    ///
    /// # Errors
    /// [`LedgerError::Store`] when the store fails, [`LedgerError::Contention`] when other
    /// writers changed the key at every one of 64 attempts.
    fn update(
        &self,
        key: &str,
        change: &mut dyn FnMut(Option<&IncidentState>) -> Option<IncidentState>,
    ) -> Result<(), LedgerError<Self::Error>> {
        for _ in 0..MAX_ATTEMPTS {
            let current = self.load(key).map_err(LedgerError::Store)?;
            let Some(next) = change(current.as_ref().map(|stored| &stored.state)) else { return Ok(()) };
            if self.replace(key, current.map(|stored| stored.version), &next).map_err(LedgerError::Store)? {
                return Ok(());
            }
        }
        Err(LedgerError::Contention)
    }
}

/// Shards of the in-memory store: a lock each, so that threads working on different keys
/// seldom wait for each other.
const SHARDS: usize = 16;

/// Keys the in-memory store holds at most by default.
pub const DEFAULT_MAX_INCIDENT_KEYS: usize = 100_000;

/// Why the in-memory store refused a write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryStoreError {
    /// A new key would pass the store's limit: prune it, or raise the limit.
    #[error("the incident store holds its limit of {max_keys} keys")]
    Full {
        /// The limit ([`MemoryIncidentStore::with_max_keys`]).
        max_keys: usize,
    },
}

/// The embedded store: states in memory, safe to share between threads (ledgers share one
/// through an `Arc`), lost when the process ends.
///
/// Its memory is bounded: it holds at most 100,000 keys by default
/// ([`with_max_keys`](MemoryIncidentStore::with_max_keys)), each at most about 1.7 KiB (a key
/// is the routing key's hash and a dedup key of at most 255 characters; a state, the ids of
/// the key's latest 64 results and a few counts and times), and refuses a new key
/// past that with [`MemoryStoreError::Full`]. [`prune`](MemoryIncidentStore::prune) drops the
/// keys that have not changed for a while, except an open incident that a result will
/// resolve, which stays until it is resolved, since forgetting it would leave it open in
/// PagerDuty for good.
///
/// One store shared by several organizations (ledgers of one service, or of several) lets
/// one affect the others: each key counts towards the limit for all. Successes of tests that
/// hold no state yet, which anyone with an organization's secret can send by the hundred
/// thousand, take at most half the limit (past it they are answered, and not kept); failures
/// take the rest (each one a page of that organization's). Where organizations do not trust
/// each other, give each its own store (and limit), and prune often.
///
/// ```
/// use sauce_webhooks::pagerduty::MemoryIncidentStore;
/// use sauce_webhooks::time::{Duration, OffsetDateTime};
///
/// let store = MemoryIncidentStore::new().with_max_keys(1_000_000);
/// // Now and then: forget closed incidents untouched for a week.
/// let pruned = store.prune(OffsetDateTime::now_utc() - Duration::days(7));
/// assert_eq!((pruned, store.len()), (0, 0));
/// ```
#[derive(Debug)]
pub struct MemoryIncidentStore {
    shards: Box<[Mutex<HashMap<String, StoredState>>]>,
    keys: AtomicUsize,
    max_keys: usize,
}

impl Default for MemoryIncidentStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryIncidentStore {
    /// An empty store, holding at most [`DEFAULT_MAX_INCIDENT_KEYS`].
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            keys: AtomicUsize::new(0),
            max_keys: DEFAULT_MAX_INCIDENT_KEYS,
        }
    }

    /// Holds at most `max_keys` keys.
    #[must_use]
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys;
        self
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, HashMap<String, StoredState>> {
        // Only the shard is chosen here, from the key's last 16 bytes (which differ from key to
        // key, past the shared namespace and kind): a key crafted to land in one shard costs
        // only parallelism, as each shard's map hashes with its own random keys.
        let bytes = key.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(16)..];
        let mut hash = FingerprintHasher::new();
        hash.write(tail);
        let index = usize::try_from(hash.value() % SHARDS as u64).unwrap_or(0);
        // A panic while holding the lock cannot leave a state half-written (each write is one
        // insert), so a poisoned shard is still sound to use.
        self.shards[index].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a new key with `state` in, if the limit allows: `Ok(false)` when the state is
    /// not worth a key of its own, and is not kept.
    ///
    /// A state that holds nothing (a success of a test with no state: most results, and all
    /// that one organization needs to send to fill a store it shares with others) is kept
    /// only while the store holds fewer than half its limit of keys, so that successes alone
    /// never leave other keys without room. Its answer was the same either way (nothing to
    /// resolve); not kept, its key forgets the order and ids of its results, as a pruned key
    /// does: a failure older than the success, arriving after it, then pages (and the next
    /// success resolves it), and a replay of the success after a failure of the same second
    /// resolves it.
    fn admit(&self, state: &IncidentState) -> Result<bool, MemoryStoreError> {
        let limit = if state.holds_nothing() { self.max_keys / 2 } else { self.max_keys };
        match self.keys.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |keys| (keys < limit).then_some(keys + 1)) {
            Ok(_) => Ok(true),
            Err(_) if state.holds_nothing() => Ok(false),
            Err(_) => Err(MemoryStoreError::Full { max_keys: self.max_keys }),
        }
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.keys.load(Ordering::Relaxed)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the keys whose state has not changed since `before` and awaits no resolve
    /// ([`IncidentState::awaits_resolve`]): closed incidents, and the open incidents that no
    /// result resolves (an error group's, an app's crashes'), which would otherwise fill the
    /// store for good; says how many. A pruned key starts afresh: choose a horizon longer than
    /// results take to arrive, or an old one arriving late is no longer known to be stale, and
    /// the next failure of a forgotten crash or group pages again (PagerDuty adds it to the
    /// open alert, if there is one).
    pub fn prune(&self, before: OffsetDateTime) -> usize {
        let pruned = self
            .shards
            .iter()
            .map(|shard| {
                let mut shard = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let held = shard.len();
                shard.retain(|_, stored| stored.state.awaits_resolve() || stored.state.changed_at() >= before);
                held - shard.len()
            })
            .sum();
        self.keys.fetch_sub(pruned, Ordering::Relaxed);
        pruned
    }
}

impl IncidentStore for MemoryIncidentStore {
    type Error = MemoryStoreError;

    fn load(&self, key: &str) -> Result<Option<StoredState>, MemoryStoreError> {
        Ok(self.shard(key).get(key).cloned())
    }

    fn update(
        &self,
        key: &str,
        change: &mut dyn FnMut(Option<&IncidentState>) -> Option<IncidentState>,
    ) -> Result<(), LedgerError<MemoryStoreError>> {
        // One lock, one lookup: the shard is held while the state changes.
        let mut shard = self.shard(key);
        match shard.get_mut(key) {
            Some(stored) => {
                if let Some(next) = change(Some(&stored.state)) {
                    *stored = StoredState { state: next, version: stored.version + 1 };
                }
            }
            None => {
                if let Some(next) = change(None)
                    && self.admit(&next).map_err(LedgerError::Store)?
                {
                    shard.insert(key.to_owned(), StoredState { state: next, version: 1 });
                }
            }
        }
        Ok(())
    }

    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> Result<bool, MemoryStoreError> {
        let mut shard = self.shard(key);
        let current = shard.get(key).map(|stored| stored.version);
        if current != expected {
            return Ok(false);
        }
        if let Some(stored) = shard.get_mut(key) {
            // In place: no new copy of the key for every write.
            *stored = StoredState { state: state.clone(), version: stored.version + 1 };
        } else if self.admit(state)? {
            shard.insert(key.to_owned(), StoredState { state: state.clone(), version: 1 });
        }
        Ok(true)
    }
}

/// Ledgers on several threads (or receivers in one process) share one store through an `Arc`.
impl<S: IncidentStore> IncidentStore for std::sync::Arc<S> {
    type Error = S::Error;

    fn load(&self, key: &str) -> Result<Option<StoredState>, S::Error> {
        (**self).load(key)
    }

    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> Result<bool, S::Error> {
        (**self).replace(key, expected, state)
    }

    fn update(
        &self,
        key: &str,
        change: &mut dyn FnMut(Option<&IncidentState>) -> Option<IncidentState>,
    ) -> Result<(), LedgerError<S::Error>> {
        (**self).update(key, change)
    }
}
