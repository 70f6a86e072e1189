//! Incident states, one row per key, changed by compare-and-swap on their version: of two
//! replicas that take the same result in, one writes and the other reads again.

use sauce_webhooks::pagerduty::{IncidentState, IncidentStore, StoredState};
use sauce_webhooks::time::OffsetDateTime;

use super::{Error, Store, count, integer, millis};

impl IncidentStore for Store {
    type Error = Error;

    fn load(&self, key: &str) -> Result<Option<StoredState>, Error> {
        self.with_connection(|db| {
            let row = db.query_opt("load", "SELECT state, version FROM incidents WHERE key = $1", &[&key])?;
            row.map(|row| {
                let state = serde_json::from_str(row.get::<_, &str>(0))?;
                Ok(StoredState { state, version: row.get::<_, i64>(1).unsigned_abs() })
            })
            .transpose()
        })
    }

    fn replace(&self, key: &str, expected: Option<u64>, state: &IncidentState) -> Result<bool, Error> {
        let json = serde_json::to_string(state)?;
        // `open` is whether a result will resolve it: what may not be forgotten.
        let (open, changed_at) = (state.awaits_resolve(), millis(state.changed_at()));
        let written = self.with_connection(|db| match expected {
            None => db.execute(
                "insert incident",
                "INSERT INTO incidents (key, state, version, open, changed_at) VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT (key) DO NOTHING",
                &[&key, &json, &open, &changed_at],
            ),
            Some(expected) => db.execute(
                "replace incident",
                "UPDATE incidents SET state = $2, open = $3, changed_at = $4, version = version + 1
                 WHERE key = $1 AND version = $5",
                &[&key, &json, &open, &changed_at, &integer(expected)],
            ),
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
    pub fn open_incidents(&self) -> Result<u64, Error> {
        self.with_connection(|db| {
            Ok(count(db.query_one("open incidents", "SELECT COUNT(*) FROM incidents WHERE open", &[])?.get(0)))
        })
    }

    /// Forgets the incidents no resolve waits for (closed, or of a kind no result resolves)
    /// unchanged since before `before`: a test not seen since then starts afresh. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn forget_settled_incidents(&self, before: OffsetDateTime) -> Result<usize, Error> {
        self.with_connection(|db| {
            let forgotten = db.execute(
                "forget incidents",
                "DELETE FROM incidents WHERE NOT open AND changed_at < $1",
                &[&millis(before)],
            )?;
            Ok(usize::try_from(forgotten).unwrap_or(usize::MAX))
        })
    }
}
