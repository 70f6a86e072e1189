//! The schema, as a list of migrations: the table `sauce_webhooks_schema` says how many the
//! database has had, and connecting applies the rest, under a lock, so that replicas starting
//! together migrate once.

use super::{Connection, Error};

/// Each version's changes, in order: version `n` is the first `n` applied. Never edit one that
/// shipped; add the next.
const MIGRATIONS: [&str; 1] = [
    // 1: incidents, the outbox (its heads and its leases indexed), endpoint health, dead
    // letters and the events taken in. Messages are kept as the text the library writes, so
    // that a body is sent byte for byte as it was signed.
    "CREATE TABLE incidents (
         key TEXT PRIMARY KEY, state TEXT NOT NULL, version BIGINT NOT NULL,
         open BOOLEAN NOT NULL, changed_at BIGINT NOT NULL
     );
     CREATE INDEX incidents_open ON incidents (open) WHERE open;
     CREATE INDEX incidents_closed_by_time ON incidents (changed_at) WHERE NOT open;
     CREATE TABLE outbox (
         sequence BIGSERIAL PRIMARY KEY,
         ordering_key TEXT NOT NULL,
         endpoint TEXT NOT NULL,
         target TEXT NOT NULL,
         head BOOLEAN NOT NULL,
         ready_at BIGINT NOT NULL,
         version BIGINT NOT NULL,
         leased_until BIGINT,
         leased_by TEXT,
         message TEXT NOT NULL
     );
     CREATE INDEX outbox_by_key ON outbox (ordering_key, sequence);
     CREATE INDEX outbox_heads ON outbox (ready_at, sequence) WHERE head;
     CREATE INDEX outbox_heads_by_target ON outbox (target, ready_at, sequence) WHERE head;
     CREATE INDEX outbox_in_flight ON outbox (endpoint, leased_until) WHERE leased_until IS NOT NULL;
     CREATE INDEX outbox_leases ON outbox (leased_by) WHERE leased_until IS NOT NULL;
     CREATE TABLE endpoints (endpoint TEXT PRIMARY KEY, health TEXT NOT NULL, disabled BOOLEAN NOT NULL);
     CREATE TABLE dead_letters (
         id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, subscription TEXT NOT NULL, reason TEXT NOT NULL,
         message TEXT, event TEXT,
         kind TEXT NOT NULL, action TEXT, dedup_key TEXT, endpoint TEXT, ordering_key TEXT
     );
     CREATE TABLE taken (digest BYTEA PRIMARY KEY, at BIGINT NOT NULL);
     CREATE INDEX taken_by_time ON taken (at);",
];

/// The version the migrations bring a database to.
pub(super) const LATEST: usize = MIGRATIONS.len();

/// Whether a database of schema version `found` is up to date.
pub(super) fn is_current(found: i32) -> bool {
    usize::try_from(found).is_ok_and(|found| found == LATEST)
}

/// A number of this schema's own, for the lock replicas migrate under.
const MIGRATION_LOCK: i64 = 0x5a11_ce5c_4e3a;

/// The database's schema version, `None` before this crate's first migration; refused if newer.
pub(super) fn version(db: &mut Connection) -> Result<Option<i32>, Error> {
    let exists: bool = db.client.query_one("SELECT to_regclass('sauce_webhooks_schema') IS NOT NULL", &[])?.get(0);
    if !exists {
        return Ok(None);
    }
    let found: i32 = db.client.query_opt("SELECT version FROM sauce_webhooks_schema", &[])?.map_or(0, |row| row.get(0));
    if usize::try_from(found).unwrap_or(usize::MAX) > MIGRATIONS.len() {
        return Err(Error::NewerSchema { found, known: MIGRATIONS.len() });
    }
    Ok(Some(found))
}

/// Applies the migrations the database has not had, in one transaction.
pub(super) fn migrate(db: &mut Connection) -> Result<(), Error> {
    db.atomically(|db| {
        db.client.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        db.client.batch_execute("CREATE TABLE IF NOT EXISTS sauce_webhooks_schema (version INTEGER NOT NULL)")?;
        let found: Option<i32> =
            db.client.query_opt("SELECT version FROM sauce_webhooks_schema", &[])?.map(|row| row.get(0));
        let found = found.unwrap_or(0);
        let done = usize::try_from(found).unwrap_or(usize::MAX);
        if done > MIGRATIONS.len() {
            return Err(Error::NewerSchema { found, known: MIGRATIONS.len() });
        }
        for changes in &MIGRATIONS[done..] {
            db.client.batch_execute(changes)?;
        }
        let latest = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        db.client.execute("DELETE FROM sauce_webhooks_schema", &[])?;
        db.client.execute("INSERT INTO sauce_webhooks_schema (version) VALUES ($1)", &[&latest])?;
        Ok(())
    })
}
