//! The schema, as a list of migrations: the database's `user_version` says how many it has
//! had, and opening it applies the rest, each in a transaction of its own.

use rusqlite::Connection;

/// Each version's changes, in order: version `n` is the first `n` applied. Never edit one that
/// shipped; add the next.
const MIGRATIONS: [&str; 3] = [
    // 1: the first relay's tables (an example then). `IF NOT EXISTS`: its databases, at version
    // 0, already hold them.
    "CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, config TEXT NOT NULL);
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
     CREATE TABLE IF NOT EXISTS dead_letters (sequence INTEGER PRIMARY KEY, message TEXT NOT NULL, error TEXT NOT NULL);",
    // 2: leases in a column (a restart gives its dead process's attempts out again at once),
    // open incidents countable, dead letters of messages and of events, the events taken in
    // (the same event twice is taken once). Subscriptions live in the configuration only.
    "ALTER TABLE outbox ADD COLUMN leased_until INTEGER;
     CREATE INDEX outbox_leases ON outbox (leased_until) WHERE leased_until IS NOT NULL;
     ALTER TABLE incidents ADD COLUMN open INTEGER NOT NULL DEFAULT 0;
     UPDATE incidents SET open = coalesce(json_extract(state, '$.open'), 0);
     ALTER TABLE dead_letters RENAME TO dead_letters_v1;
     CREATE TABLE dead_letters (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         at INTEGER NOT NULL,
         subscription TEXT NOT NULL,
         reason TEXT NOT NULL,
         message TEXT,
         event TEXT
     );
     INSERT INTO dead_letters (at, subscription, reason, message)
         SELECT 0, '', error, message FROM dead_letters_v1 ORDER BY sequence;
     DROP TABLE dead_letters_v1;
     CREATE TABLE taken (digest BLOB PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
     CREATE INDEX taken_by_time ON taken (at);
     DROP TABLE subscriptions;",
    // 3: the outbox's target kind in a column (PagerDuty has workers of its own, so that a slow
    // webhook endpoint never holds up a page), attempts in flight per endpoint countable, and
    // when each incident last changed, so that closed ones can be pruned.
    "ALTER TABLE outbox ADD COLUMN target TEXT NOT NULL DEFAULT '';
     UPDATE outbox SET target = coalesce(json_extract(message, '$.target'), '');
     CREATE INDEX outbox_heads_by_target ON outbox (target, head, ready_at);
     CREATE INDEX outbox_in_flight ON outbox (endpoint, leased_until) WHERE leased_until IS NOT NULL;
     ALTER TABLE incidents ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
     UPDATE incidents SET changed_at = coalesce(unixepoch(json_extract(state, '$.changed_at'), 'subsec') * 1000, 0);
     CREATE INDEX incidents_open ON incidents (open) WHERE open = 1;
     CREATE INDEX incidents_closed_by_time ON incidents (changed_at) WHERE open = 0;",
];

/// Applies the migrations `db` has not had.
pub(super) fn migrate(db: &mut Connection) -> rusqlite::Result<()> {
    let mut version = check_version(db)?;
    while let Some(changes) = MIGRATIONS.get(version) {
        let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another relay may have migrated meanwhile: read the version again under the lock.
        let now: usize = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if now == version {
            tx.execute_batch(changes)?;
            tx.pragma_update(None, "user_version", version + 1)?;
        }
        tx.commit()?;
        version = check_version(db)?;
    }
    Ok(())
}

/// The version of `db`'s schema, if this relay knows it.
pub(super) fn check_version(db: &Connection) -> rusqlite::Result<usize> {
    let version: usize = db.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "the database has schema version {version}, written by a newer sauce-relay (this one knows {})",
            MIGRATIONS.len()
        )));
    }
    Ok(version)
}
