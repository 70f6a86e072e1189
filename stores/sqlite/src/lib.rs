//! The [`sauce-webhooks`](sauce_webhooks) incident ledger's and outbox's stores in one SQLite
//! database, so that a receiver that restarts forgets no open incident and loses no queued
//! page: incident states, the outbox, endpoint health, dead letters and the events taken in.
//!
//! One transaction per webhook taken in: the ledger's new states and the messages they call
//! for commit together, or not at all.
//!
//! ```
//! use sauce_webhooks::delivery::{Dispatcher, Message, Outbox, Outcome};
//! use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
//! use sauce_webhooks::time::OffsetDateTime;
//! use sauce_webhooks::Event;
//! use sauce_webhooks_sqlite::Store;
//!
//! # let folder = std::env::temp_dir().join(format!("sqlite-doc-{}", std::process::id()));
//! let store = Store::open(&folder.join("relay.db"))?;
//! let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
//! let ledger = IncidentLedger::new(rules).with_store(store.clone());
//! let outbox = Outbox::new().with_store(store.clone());
//!
//! // A webhook taken in: what it changes and what it asks to send, in one transaction.
//! let body = br#"{"id":"r1","status":"FAILED","creation_time":0,"name":"checkout","org_id":"acme"}"#;
//! let now = OffsetDateTime::now_utc();
//! store.transaction(|| {
//!     if let Decision::Send(alert) = ledger.apply(&Event::from_slice(body)?, now)? {
//!         outbox.enqueue(Message::pagerduty(&alert)?, now)?;
//!     }
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//!
//! // A sender, now or after a restart: the page is still there.
//! let sent = Dispatcher::new(7).deliver_due(&outbox, || now, 16, |_attempt| Outcome::status(202))?;
//! assert_eq!(sent.len(), 1);
//! # std::fs::remove_dir_all(folder)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each thread works on a connection of its own, so that a transaction one thread opens holds
//! only that thread's writes; SQLite serializes the writers (WAL, a 10 s busy wait). The schema
//! is versioned (`PRAGMA user_version`) and brought up to date when the database is opened,
//! idempotently. A message names its subscription by
//! [`Message::for_subscription`](sauce_webhooks::delivery::Message::for_subscription): queues
//! and dead letters are counted under it.

mod dead_letters;
mod endpoints;
mod incidents;
mod outbox;
mod per_thread;
mod schema;
mod taken;

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use per_thread::{PerThread, lock};
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use sauce_webhooks::delivery::EndpointKind;
use sauce_webhooks::time::OffsetDateTime;

pub use rusqlite::Error;

/// SQLite's page size, which the size limit counts in.
const PAGE_BYTES: u64 = 4096;

/// The database, shared by threads: cloning it is cheap, and each thread that uses it opens a
/// connection of its own the first time.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
    /// What this handle's [`due`](sauce_webhooks::delivery::OutboxStore::due) gives out.
    giving: Giving,
}

/// Which messages a handle gives out, so that each pool of workers takes its own.
#[derive(Debug, Clone, Copy, Default)]
struct Giving {
    /// Only messages to this kind of target, or every kind.
    target: Option<EndpointKind>,
    /// No message to an endpoint that has this many attempts under way already.
    in_flight_per_endpoint: Option<usize>,
}

struct Shared {
    path: PathBuf,
    read_only: bool,
    /// The most pages of 4 KiB the database may hold, past which writes fail ("database or
    /// disk is full").
    max_pages: Option<u64>,
    connections: PerThread<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.shared.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database at `path`, creating it (and its folder) if need be, and brings its
    /// schema up to date.
    ///
    /// # Errors
    /// The database cannot be opened, or was written by a newer version of this crate.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        Self::open_with_limit(path, None)
    }

    /// As [`open`](Self::open), its file growing to at most `max_bytes` (rounded down to pages
    /// of 4 KiB): past it, writes fail ("database or disk is full"), rather than fill the disk.
    ///
    /// Delivering and forgetting write too (a claim, a report, a deletion): a host that keeps
    /// taking in until the limit leaves no room to drain what waits. Refuse new work well
    /// before it instead, by [`size_bytes`](Self::size_bytes), which counts the pages in use
    /// (the relay refuses webhooks at 80% of its limit).
    ///
    /// The database and its folder, when it makes them, are readable by their owner only: the
    /// queued messages hold routing keys and header values. The file is made so before SQLite
    /// first writes to it.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with_limit(path: &Path, max_bytes: Option<u64>) -> rusqlite::Result<Self> {
        let failed = |why: String| rusqlite::Error::ToSqlConversionFailure(why.into());
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty() && !folder.exists()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(folder)
                .map_err(|e| failed(format!("cannot make its folder {}: {e}", folder.display())))?;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| failed(format!("{}: {e}", path.display())))?;
        let store = Self::with(path, false, max_bytes.map(|bytes| bytes / PAGE_BYTES));
        store.with_connection(schema::migrate)?;
        for file in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(file);
            if Path::new(&name).exists() {
                std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| failed(format!("{}: {e}", Path::new(&name).display())))?;
            }
        }
        Ok(store)
    }

    /// This store, giving out only messages to `target` when asked what is due, and none to an
    /// endpoint with `in_flight_per_endpoint` attempts under way: so that PagerDuty can have
    /// workers of its own, and one slow endpoint holds at most that many workers.
    #[must_use]
    pub fn giving(mut self, target: EndpointKind, in_flight_per_endpoint: usize) -> Self {
        self.giving = Giving { target: Some(target), in_flight_per_endpoint: Some(in_flight_per_endpoint) };
        self
    }

    /// Opens an existing database to read, without changing it; `None` when there is none.
    ///
    /// # Errors
    /// The database cannot be read, or its schema is newer than this crate's.
    pub fn open_to_read(path: &Path) -> rusqlite::Result<Option<Self>> {
        if !path.exists() {
            return Ok(None);
        }
        let store = Self::with(path, true, None);
        store.with_connection(|db| schema::check_version(db))?;
        Ok(Some(store))
    }

    fn with(path: &Path, read_only: bool, max_pages: Option<u64>) -> Self {
        let shared = Shared { path: path.to_owned(), read_only, max_pages, connections: PerThread::default() };
        Self { shared: Arc::new(shared), giving: Giving::default() }
    }

    /// The path it was opened at.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Runs `work` on this thread's connection.
    fn with_connection<T>(&self, work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let connection = self.connection()?;
        let mut db = lock(&connection);
        work(&mut db)
    }

    fn connection(&self) -> rusqlite::Result<Arc<Mutex<Connection>>> {
        self.shared.connections.get_or_open(|| {
            let flags = if self.shared.read_only {
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
            } else {
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
            };
            let db = Connection::open_with_flags(&self.shared.path, flags)?;
            db.busy_timeout(Duration::from_secs(10))?;
            if !self.shared.read_only {
                db.pragma_update(None, "journal_mode", "WAL")?;
                db.pragma_update(None, "page_size", PAGE_BYTES)?;
            }
            if let Some(pages) = self.shared.max_pages {
                db.pragma_update(None, "max_page_count", pages)?;
            }
            Ok(db)
        })
    }

    /// Runs `work` in one transaction on this thread's connection: everything it writes
    /// through this store (the ledger's states, the outbox's messages) commits together if it
    /// returns `Ok`, and nothing does if it returns an error, panics, or the commit fails.
    /// Within another transaction, it is a savepoint of it.
    ///
    /// # Errors
    /// `work`'s, or the database's.
    pub fn transaction<T, E: From<Error>>(&self, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let nested = self.with_connection(|db| {
            let nested = !db.is_autocommit();
            db.execute_batch(if nested { "SAVEPOINT nested" } else { "BEGIN IMMEDIATE" })?;
            Ok(nested)
        })?;
        let open = Open { store: self, nested };
        let value = work()?;
        self.with_connection(|db| db.execute_batch(if nested { "RELEASE nested" } else { "COMMIT" }))?;
        std::mem::forget(open);
        Ok(value)
    }

    /// What the database holds, in bytes: its pages in use, not those freed by what was
    /// delivered or forgotten (the file keeps them, for what comes next).
    ///
    /// # Errors
    /// The database's.
    pub fn size_bytes(&self) -> rusqlite::Result<u64> {
        self.with_connection(|db| {
            db.query_row(
                "SELECT (page_count - freelist_count) * page_size
                 FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()",
                [],
                |row| row.get(0),
            )
        })
    }

    /// Whether the database answers, with a schema this crate knows (another process of a
    /// newer version may have brought it up to date since it was opened).
    ///
    /// # Errors
    /// The database's, or its schema is newer.
    pub fn ping(&self) -> rusqlite::Result<()> {
        self.with_connection(|db| schema::check_version(db).map(drop))
    }
}

/// A transaction (or a savepoint of one, when `nested`) under way: rolled back when dropped
/// (an error, a panic, a failed commit) unless committed first, so that the connection never
/// stays inside it.
struct Open<'a> {
    store: &'a Store,
    nested: bool,
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        let nested = self.nested;
        let _ = self.store.with_connection(|db| {
            if nested {
                db.execute_batch("ROLLBACK TO nested; RELEASE nested")?;
            } else if !db.is_autocommit() {
                db.execute_batch("ROLLBACK")?;
            }
            Ok(())
        });
    }
}

/// Runs `work` inside a savepoint of its own: all of it or nothing, within a transaction or
/// outside one, whether `work` returns an error or panics.
fn atomically<T>(db: &Connection, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    db.execute_batch("SAVEPOINT atomically")?;
    let savepoint = Savepoint(db);
    let value = work(db)?;
    db.execute_batch("RELEASE atomically")?;
    std::mem::forget(savepoint);
    Ok(value)
}

/// A savepoint under way: rolled back when dropped (an error, a panic) unless released first,
/// so that a connection never stays inside it.
struct Savepoint<'a>(&'a Connection);

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK TO atomically; RELEASE atomically");
    }
}

/// Whether `error` may pass if the same work is tried again: the database was busy or locked
/// by another connection for longer than the wait.
pub fn is_transient(error: &Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

fn to_json<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}

fn from_json<T: serde::de::DeserializeOwned>(column: usize, json: &str) -> rusqlite::Result<T> {
    serde_json::from_str(json).map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, e.into()))
}

/// Times as milliseconds since 1970, for the indexes.
fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A time stored as milliseconds since 1970.
fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn integer(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
