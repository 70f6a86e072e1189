//! Dead letters: what could not be delivered, kept with why, to be listed and sent again.

use postgres::Row;
use sauce_webhooks::delivery::{DeadLetter, DeadLetterKind, DeadLetterSummary, Kept, StoredDeadLetter};
use sauce_webhooks::time::OffsetDateTime;

use super::{Connection, Error, Store, count, from_millis, integer, millis};

impl Store {
    /// Keeps `letter`, at `now`.
    ///
    /// # Errors
    /// The database's.
    pub fn add_dead_letter(&self, letter: &DeadLetter, now: OffsetDateTime) -> Result<(), Error> {
        self.with_connection(|db| insert(db, letter, now))
    }

    /// Up to `limit` dead letters, oldest first, described without reading what they keep
    /// (which may be large).
    ///
    /// # Errors
    /// The database's.
    pub fn dead_letter_summaries(&self, limit: usize) -> Result<Vec<DeadLetterSummary>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.with_connection(|db| {
            db.query(
                "dead letter summaries",
                "SELECT id, at, subscription, reason, kind, action, dedup_key, endpoint, ordering_key
                 FROM dead_letters ORDER BY id LIMIT $1",
                &[&limit],
            )
        })?;
        Ok(rows.iter().map(summary).collect())
    }

    /// The ids of every dead letter, oldest first.
    ///
    /// # Errors
    /// The database's.
    pub fn dead_letter_ids(&self) -> Result<Vec<i64>, Error> {
        let rows =
            self.with_connection(|db| db.query("dead letter ids", "SELECT id FROM dead_letters ORDER BY id", &[]))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Takes dead letter `id` out, if there is one.
    ///
    /// # Errors
    /// The database's.
    pub fn take_dead_letter(&self, id: i64) -> Result<Option<StoredDeadLetter>, Error> {
        let row = self.with_connection(|db| {
            db.query_opt(
                "take dead letter",
                "DELETE FROM dead_letters WHERE id = $1 RETURNING id, at, subscription, reason, message, event",
                &[&id],
            )
        })?;
        Ok(row.map(|row| {
            let (message, event): (Option<String>, Option<String>) = (row.get(4), row.get(5));
            let kept = match (message, event) {
                (_, Some(event)) => Kept::Event(event),
                (Some(message), None) => match serde_json::from_str(&message) {
                    Ok(queued) => Kept::Message(Box::new(queued)),
                    Err(_) => Kept::Unreadable(message),
                },
                (None, None) => Kept::Unreadable(String::new()),
            };
            let letter = DeadLetter::new(row.get::<_, String>(2), row.get::<_, String>(3), kept);
            StoredDeadLetter::new(row.get(0), from_millis(row.get(1)), letter)
        }))
    }

    /// How many dead letters are kept.
    ///
    /// # Errors
    /// The database's.
    pub fn count_dead_letters(&self) -> Result<u64, Error> {
        self.with_connection(|db| {
            Ok(count(db.query_one("count dead letters", "SELECT COUNT(*) FROM dead_letters", &[])?.get(0)))
        })
    }

    /// Forgets the oldest dead letters past the newest `max`. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn keep_newest_dead_letters(&self, max: u64) -> Result<usize, Error> {
        self.with_connection(|db| {
            let forgotten = db.execute(
                "keep newest dead letters",
                "DELETE FROM dead_letters WHERE id <= (SELECT MAX(id) FROM dead_letters) - $1",
                &[&integer(max)],
            )?;
            Ok(usize::try_from(forgotten).unwrap_or(usize::MAX))
        })
    }
}

/// A listing's line of a dead letter, from the columns written with it.
fn summary(row: &Row) -> DeadLetterSummary {
    let kind = match row.get::<_, &str>(4) {
        "alert" => DeadLetterKind::Alert { action: row.get(5), dedup_key: row.get(6) },
        "webhook" => DeadLetterKind::Webhook {
            endpoint: row.get::<_, Option<String>>(7).unwrap_or_default(),
            ordering_key: row.get::<_, Option<String>>(8).unwrap_or_default(),
        },
        "event" => DeadLetterKind::Event,
        _ => DeadLetterKind::Unreadable,
    };
    DeadLetterSummary::new(row.get(0), from_millis(row.get(1)), row.get::<_, String>(2), row.get::<_, String>(3), kind)
}

/// Keeps `letter`, with what a listing shows of it in columns of their own.
pub(super) fn insert(db: &mut Connection, letter: &DeadLetter, now: OffsetDateTime) -> Result<(), Error> {
    let (message, event) = match &letter.kept {
        Kept::Message(message) => (Some(serde_json::to_string(message)?), None),
        Kept::Event(event) => (None, Some(event.as_str())),
        Kept::Unreadable(raw) => (Some(raw.clone()), None),
    };
    let (kind, action, dedup_key, endpoint, ordering_key) = match letter.kept.kind() {
        DeadLetterKind::Alert { action, dedup_key } => ("alert", action, dedup_key, None, None),
        DeadLetterKind::Webhook { endpoint, ordering_key } => {
            ("webhook", None, None, Some(endpoint), Some(ordering_key))
        }
        DeadLetterKind::Event => ("event", None, None, None, None),
        _ => ("unreadable", None, None, None, None),
    };
    db.execute(
        "insert dead letter",
        "INSERT INTO dead_letters (at, subscription, reason, message, event, kind, action, dedup_key, endpoint, ordering_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[&millis(now), &letter.subscription, &letter.reason, &message, &event, &kind, &action, &dedup_key, &endpoint, &ordering_key],
    )?;
    Ok(())
}
