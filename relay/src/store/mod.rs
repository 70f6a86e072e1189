//! The relay's SQLite database: incident states, the outbox, endpoint health, dead letters and
//! the events taken in, with the crate's store traits over them.
//!
//! Each thread works on a connection of its own, so that a transaction one thread opens holds
//! only that thread's writes; SQLite serializes the writers (WAL, a 10 s busy wait). The schema
//! is versioned (`PRAGMA user_version`) and brought up to date when the database is opened.

mod dead_letters;
mod endpoints;
mod incidents;
mod outbox;
mod schema;
mod taken;

use std::collections::HashMap;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{Connection, OpenFlags};
use sauce_webhooks::delivery::Target;
use sauce_webhooks::time::OffsetDateTime;

pub use dead_letters::{DeadLetter, Kept, StoredLetter, Summary, What};

/// SQLite's page size, which the size limit counts in.
const PAGE_BYTES: u64 = 4096;

/// The database, shared by the relay's threads: cloning it is cheap, and each thread that uses
/// it opens its own connection the first time.
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
    target: Option<Target>,
    /// No message to an endpoint that has this many attempts under way already.
    in_flight_per_endpoint: Option<usize>,
}

struct Shared {
    path: PathBuf,
    read_only: bool,
    /// The most pages of 4 KiB the database may hold, past which writes fail ("database or
    /// disk is full") and webhooks are answered 503.
    max_pages: Option<u64>,
    connections: Mutex<HashMap<ThreadId, Arc<Mutex<Connection>>>>,
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
    /// The database cannot be opened, or was written by a newer relay.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        Self::open_with_limit(path, None)
    }

    /// As [`open`](Self::open), holding at most `max_bytes` (rounded down to pages of 4 KiB):
    /// past it, writes fail and the relay answers webhooks 503, rather than fill the disk.
    ///
    /// The database and its folder, when it makes them, are readable by their owner only: the
    /// queued messages hold routing keys and header values.
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
    /// endpoint with `in_flight_per_endpoint` attempts under way: so that PagerDuty has workers
    /// of its own, and one slow endpoint holds at most that many workers.
    #[must_use]
    pub fn giving(mut self, target: Target, in_flight_per_endpoint: usize) -> Self {
        self.giving = Giving { target: Some(target), in_flight_per_endpoint: Some(in_flight_per_endpoint) };
        self
    }

    /// Opens an existing database to read, without changing it; `None` when there is none.
    ///
    /// # Errors
    /// The database cannot be read, or its schema is not this relay's.
    pub fn open_to_read(path: &Path) -> rusqlite::Result<Option<Self>> {
        if !path.exists() {
            return Ok(None);
        }
        let store = Self::with(path, true, None);
        store.with_connection(|db| schema::check_version(db))?;
        Ok(Some(store))
    }

    fn with(path: &Path, read_only: bool, max_pages: Option<u64>) -> Self {
        let shared = Shared { path: path.to_owned(), read_only, max_pages, connections: Mutex::default() };
        Self { shared: Arc::new(shared), giving: Giving::default() }
    }

    /// The path it was opened at.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Runs `work` on this thread's connection.
    fn with_connection<T>(&self, work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let connection = self.connection()?;
        let mut db = connection.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut db)
    }

    fn connection(&self) -> rusqlite::Result<Arc<Mutex<Connection>>> {
        let mut connections = lock(&self.shared.connections);
        let thread = std::thread::current().id();
        if let Some(connection) = connections.get(&thread) {
            return Ok(Arc::clone(connection));
        }
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
        let connection = Arc::new(Mutex::new(db));
        connections.insert(thread, Arc::clone(&connection));
        Ok(connection)
    }

    /// Runs `work` in one transaction on this thread's connection, committed only if it
    /// succeeds and `keep` still says so after it: everything it writes, or nothing, also when
    /// it panics or the commit fails.
    ///
    /// # Errors
    /// `work`'s, or the database's.
    pub fn transaction<T, E: From<rusqlite::Error>>(
        &self,
        work: impl FnOnce() -> Result<T, E>,
        keep: impl FnOnce() -> bool,
    ) -> Result<Option<T>, E> {
        self.with_connection(|db| db.execute_batch("BEGIN IMMEDIATE"))?;
        let open = Open(self);
        let value = work()?;
        if !keep() {
            return Ok(None); // rolled back by `open`
        }
        self.with_connection(|db| db.execute_batch("COMMIT"))?;
        std::mem::forget(open);
        Ok(Some(value))
    }

    /// Whether the database answers.
    ///
    /// # Errors
    /// The database's.
    pub fn ping(&self) -> rusqlite::Result<()> {
        self.with_connection(|db| db.query_row("SELECT 1", [], |_| Ok(())))
    }
}

/// Why work in a transaction failed, as text: the database's error, or the work's own.
#[derive(Debug)]
pub struct Failed(pub String);

impl From<rusqlite::Error> for Failed {
    fn from(err: rusqlite::Error) -> Self {
        Self(err.to_string())
    }
}

impl From<String> for Failed {
    fn from(reason: String) -> Self {
        Self(reason)
    }
}

impl From<&str> for Failed {
    fn from(reason: &str) -> Self {
        Self(reason.to_owned())
    }
}

/// A transaction under way: rolled back when dropped (an error, a panic, a failed commit)
/// unless committed first, so that the connection never stays inside a transaction.
struct Open<'a>(&'a Store);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        let _ = self.0.with_connection(|db| {
            if !db.is_autocommit() {
                db.execute_batch("ROLLBACK")?;
            }
            Ok(())
        });
    }
}

/// Runs `work` inside a savepoint of its own: all of it or nothing, within a transaction or
/// outside one.
fn atomically<T>(db: &Connection, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    db.execute_batch("SAVEPOINT atomically")?;
    match work(db) {
        Ok(value) => {
            db.execute_batch("RELEASE atomically")?;
            Ok(value)
        }
        Err(err) => {
            let _ = db.execute_batch("ROLLBACK TO atomically; RELEASE atomically");
            Err(err)
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
