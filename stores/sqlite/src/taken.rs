//! The events taken in, by the digest of their canonical form, for a while: the same event
//! delivered again within the window (in the same body or another, however it was spaced or
//! batched) is taken once.

use rusqlite::params;
use sauce_webhooks::time::{Duration, OffsetDateTime};

use super::{Store, millis};

impl Store {
    /// Records that the event of SHA-256 `digest` is taken in at `now`; `false` when it already
    /// was, less than `window` ago. Within the transaction that takes its body in, so that an
    /// event whose transaction rolls back is not remembered.
    ///
    /// # Errors
    /// The database's.
    pub fn remember_event(&self, digest: &[u8], now: OffsetDateTime, window: Duration) -> rusqlite::Result<bool> {
        let changed = self.with_connection(|db| {
            // A row past the window is as good as none: it is taken over (pruning may lag).
            db.prepare_cached(
                "INSERT INTO taken (digest, at) VALUES (?1, ?2)
                 ON CONFLICT (digest) DO UPDATE SET at = excluded.at WHERE taken.at <= ?3",
            )?
            .execute(params![digest, millis(now), millis(now - window)])
        })?;
        Ok(changed == 1)
    }

    /// Forgets the events taken in before `before`. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn forget_events(&self, before: OffsetDateTime) -> rusqlite::Result<usize> {
        self.with_connection(|db| db.prepare_cached("DELETE FROM taken WHERE at <= ?1")?.execute([millis(before)]))
    }
}
