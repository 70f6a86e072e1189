//! Incident states, one row per key, changed by compare-and-swap on their version.

use rusqlite::{OptionalExtension, params};
use sauce_webhooks::pagerduty::{IncidentState, IncidentStore, StoredState};

use sauce_webhooks::time::OffsetDateTime;

use super::{Store, from_json, integer, millis, to_json};

impl IncidentStore for Store {
    type Error = rusqlite::Error;

    fn load(&self, key: &str) -> rusqlite::Result<Option<StoredState>> {
        let row: Option<(String, u64)> = self.with_connection(|db| {
            db.prepare_cached("SELECT state, version FROM incidents WHERE key = ?1")?
                .query_row([key], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })?;
        row.map(|(json, version)| Ok(StoredState { state: from_json(0, &json)?, version })).transpose()
    }

    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> rusqlite::Result<bool> {
        let json = to_json(state)?;
        // `open` is whether a result will resolve it: what may not be forgotten.
        let (open, changed_at) = (state.awaits_resolve(), millis(state.changed_at()));
        let written = self.with_connection(|db| match expected {
            None => db
                .prepare_cached(
                    "INSERT OR IGNORE INTO incidents (key, state, version, open, changed_at) VALUES (?1, ?2, 1, ?3, ?4)",
                )?
                .execute(params![key, json, open, changed_at]),
            Some(expected) => db
                .prepare_cached(
                    "UPDATE incidents SET state = ?2, open = ?3, changed_at = ?4, version = version + 1
                     WHERE key = ?1 AND version = ?5",
                )?
                .execute(params![key, json, open, changed_at, integer(expected)]),
        })?;
        Ok(written == 1)
    }
}

impl Store {
    /// How many incidents wait for a resolve: paged, not resolved since, of a kind a result
    /// resolves (an open error group's or app crash's incident is resolved by hand, and not
    /// counted).
    ///
    /// # Errors
    /// The database's.
    pub fn open_incidents(&self) -> rusqlite::Result<u64> {
        self.with_connection(|db| db.query_row("SELECT COUNT(*) FROM incidents WHERE open = 1", [], |row| row.get(0)))
    }

    /// Forgets the incidents no resolve waits for (closed, or of a kind no result resolves)
    /// unchanged since before `before`: a test not seen since then starts afresh. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn forget_settled_incidents(&self, before: OffsetDateTime) -> rusqlite::Result<usize> {
        self.with_connection(|db| {
            db.prepare_cached("DELETE FROM incidents WHERE open = 0 AND changed_at < ?1")?.execute([millis(before)])
        })
    }
}
