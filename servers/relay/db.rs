//! The relay's SQLite database: subscriptions, incident states and the outbox, with the
//! crate's store traits over them. Each thread opens its own connection; SQLite serializes the
//! writers, and every write that must be atomic is one statement or one savepoint.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, params};
use sauce_webhooks::delivery::{EndpointHealth, OutboxStore, QueuedMessage, StoredMessage};
use sauce_webhooks::pagerduty::{IncidentState, IncidentStore, Versioned};
use sauce_webhooks::time::OffsetDateTime;

const SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, config TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS incidents (key TEXT PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS outbox (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        ordering_key TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        head INTEGER NOT NULL,
        ready_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS outbox_by_key ON outbox (ordering_key, sequence);
    CREATE INDEX IF NOT EXISTS outbox_heads ON outbox (head, ready_at);
    CREATE TABLE IF NOT EXISTS endpoints (endpoint TEXT PRIMARY KEY, health TEXT NOT NULL, disabled INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS dead_letters (sequence INTEGER PRIMARY KEY, message TEXT NOT NULL, error TEXT NOT NULL);
";

/// One connection to the database, shared by the stores of one thread.
#[derive(Clone)]
pub struct Sqlite(Arc<Mutex<Connection>>);

impl Sqlite {
    /// Opens (and creates) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let db = Connection::open(path)?;
        db.busy_timeout(Duration::from_secs(10))?;
        db.execute_batch(SCHEMA)?;
        Ok(Self(Arc::new(Mutex::new(db))))
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` in one transaction, committed only if it succeeds and `keep` still says so
    /// after it: everything it writes, or nothing, also when it panics or the commit fails.
    pub fn transaction<T, E: From<rusqlite::Error>>(
        &self,
        work: impl FnOnce() -> Result<T, E>,
        keep: impl FnOnce() -> bool,
    ) -> Result<Option<T>, E> {
        self.db().execute_batch("BEGIN IMMEDIATE")?;
        let open = Open(self);
        let value = work()?;
        if !keep() {
            return Ok(None); // rolled back by `open`
        }
        self.db().execute_batch("COMMIT")?;
        std::mem::forget(open);
        Ok(Some(value))
    }

    /// Replaces the stored subscriptions with `subscriptions` (id and JSON).
    pub fn replace_subscriptions(&self, subscriptions: &[(String, String)]) -> rusqlite::Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute("DELETE FROM subscriptions", [])?;
        for (id, config) in subscriptions {
            tx.execute("INSERT INTO subscriptions (id, config) VALUES (?1, ?2)", params![id, config])?;
        }
        tx.commit()
    }

    /// The stored subscriptions (id and JSON), by id.
    pub fn subscriptions(&self) -> rusqlite::Result<Vec<(String, String)>> {
        let db = self.db();
        let mut query = db.prepare("SELECT id, config FROM subscriptions ORDER BY id")?;
        query.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect()
    }
}

/// A transaction under way: rolled back when dropped (an error, a panic, a failed commit)
/// unless committed first, so that the connection never stays inside a transaction.
struct Open<'a>(&'a Sqlite);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        let db = self.0.db();
        if !db.is_autocommit() {
            let _ = db.execute_batch("ROLLBACK");
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}

fn from_json<T: serde::de::DeserializeOwned>(column: usize, json: &str) -> rusqlite::Result<T> {
    serde_json::from_str(json).map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, e.into()))
}

/// Times as milliseconds since 1970, for the index.
fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn version(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl IncidentStore for Sqlite {
    type Error = rusqlite::Error;

    fn load(&self, key: &str) -> rusqlite::Result<Option<Versioned>> {
        let db = self.db();
        let row: Option<(String, u64)> = db
            .query_row("SELECT state, version FROM incidents WHERE key = ?1", [key], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        row.map(|(json, version)| Ok(Versioned { state: from_json(0, &json)?, version })).transpose()
    }

    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> rusqlite::Result<bool> {
        let json = to_json(state)?;
        let db = self.db();
        let written = match expected {
            None => db.execute(
                "INSERT OR IGNORE INTO incidents (key, state, version) VALUES (?1, ?2, 1)",
                params![key, json],
            )?,
            Some(expected) => db.execute(
                "UPDATE incidents SET state = ?2, version = version + 1 WHERE key = ?1 AND version = ?3",
                params![key, json, version(expected)],
            )?,
        };
        Ok(written == 1)
    }
}

impl OutboxStore for Sqlite {
    type Error = rusqlite::Error;

    fn push(&self, message: &QueuedMessage) -> rusqlite::Result<u64> {
        let json = to_json(message)?;
        let db = self.db();
        db.execute(
            "INSERT INTO outbox (ordering_key, endpoint, head, ready_at, version, message)
             VALUES (?1, ?2, NOT EXISTS (SELECT 1 FROM outbox WHERE ordering_key = ?1), ?3, 1, ?4)",
            params![message.ordering_key(), message.endpoint(), millis(message.ready_at()), json],
        )?;
        u64::try_from(db.last_insert_rowid())
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Integer, e.into()))
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> rusqlite::Result<Vec<StoredMessage>> {
        let mut db = self.db();
        let mut query = db.prepare_cached(
            "SELECT sequence, version, message FROM outbox o
             WHERE head = 1 AND ready_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.endpoint = o.endpoint AND e.disabled = 1)
             ORDER BY ready_at, sequence LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(u64, u64, String)> = query
            .query_map(params![millis(now), limit], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(query);
        let mut due = Vec::with_capacity(rows.len());
        for (sequence, version, json) in rows {
            match serde_json::from_str(&json) {
                Ok(message) => due.push(StoredMessage { sequence, version, message }),
                // One row nobody can read must not stop every delivery: it goes aside, kept.
                Err(err) => set_aside(&mut db, sequence, &json, &err.to_string())?,
            }
        }
        Ok(due)
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> rusqlite::Result<bool> {
        let json = to_json(message)?;
        let written = self.db().execute(
            "UPDATE outbox SET message = ?3, ready_at = ?4, version = version + 1 WHERE sequence = ?1 AND version = ?2",
            params![version(sequence), version(expected), json, millis(message.ready_at())],
        )?;
        Ok(written == 1)
    }

    fn remove(&self, sequence: u64, expected: u64) -> rusqlite::Result<bool> {
        let mut db = self.db();
        remove(&mut db, sequence, expected)
    }

    fn endpoint(&self, endpoint: &str) -> rusqlite::Result<EndpointHealth> {
        let json: Option<String> = self
            .db()
            .query_row("SELECT health FROM endpoints WHERE endpoint = ?1", [endpoint], |row| row.get(0))
            .optional()?;
        json.map_or(Ok(EndpointHealth::Healthy), |json| from_json(0, &json))
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> rusqlite::Result<()> {
        let disabled = matches!(health, EndpointHealth::Disabled { .. });
        self.db().execute(
            "INSERT INTO endpoints (endpoint, health, disabled) VALUES (?1, ?2, ?3)
             ON CONFLICT (endpoint) DO UPDATE SET health = ?2, disabled = ?3",
            params![endpoint, to_json(&health)?, disabled],
        )?;
        Ok(())
    }

    fn count(&self) -> rusqlite::Result<usize> {
        let count: i64 = self.db().query_row("SELECT COUNT(*) FROM outbox", [], |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }
}

/// Removes message `sequence` at `expected` and promotes its key's next message, together.
fn remove(db: &mut Connection, sequence: u64, expected: u64) -> rusqlite::Result<bool> {
    let savepoint = db.savepoint()?;
    let key: Option<String> = savepoint
        .query_row(
            "DELETE FROM outbox WHERE sequence = ?1 AND version = ?2 RETURNING ordering_key",
            params![version(sequence), version(expected)],
            |row| row.get(0),
        )
        .optional()?;
    let Some(key) = key else { return Ok(false) };
    savepoint.execute(
        "UPDATE outbox SET head = 1 WHERE sequence = (SELECT MIN(sequence) FROM outbox WHERE ordering_key = ?1)",
        [&key],
    )?;
    savepoint.commit()?;
    Ok(true)
}

/// Moves an unreadable message to `dead_letters`, with why, out of its key's way.
fn set_aside(db: &mut Connection, sequence: u64, json: &str, error: &str) -> rusqlite::Result<()> {
    super::log::log("error", "unreadable message set aside", serde_json::json!({"sequence": sequence, "error": error}));
    db.execute(
        "INSERT OR REPLACE INTO dead_letters (sequence, message, error) VALUES (?1, ?2, ?3)",
        params![version(sequence), json, error],
    )?;
    let current: u64 =
        db.query_row("SELECT version FROM outbox WHERE sequence = ?1", [version(sequence)], |row| row.get(0))?;
    remove(db, sequence, current).map(drop)
}
