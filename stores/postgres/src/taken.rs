//! The events taken in, by the digest of their canonical form, for a while: the same event
//! delivered again within the window, to this replica or another, is taken once.

use sauce_webhooks::time::{Duration, OffsetDateTime};

use super::{Error, Store, millis};

impl Store {
    /// Records that the event of SHA-256 `digest` is taken in at `now`; `false` when it already
    /// was, less than `window` ago. Within the transaction that takes its body in: a replica
    /// taking the same event at the same moment waits for this one's commit, then finds it.
    ///
    /// # Errors
    /// The database's.
    pub fn remember_event(&self, digest: &[u8], now: OffsetDateTime, window: Duration) -> Result<bool, Error> {
        let changed = self.with_connection(|db| {
            db.execute(
                "remember event",
                "INSERT INTO taken (digest, at) VALUES ($1, $2)
                 ON CONFLICT (digest) DO UPDATE SET at = excluded.at WHERE taken.at <= $3",
                &[&digest, &millis(now), &millis(now - window)],
            )
        })?;
        Ok(changed == 1)
    }

    /// Forgets the events taken in before `before`. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn forget_events(&self, before: OffsetDateTime) -> Result<usize, Error> {
        self.with_connection(|db| {
            let forgotten = db.execute("forget events", "DELETE FROM taken WHERE at <= $1", &[&millis(before)])?;
            Ok(usize::try_from(forgotten).unwrap_or(usize::MAX))
        })
    }
}
