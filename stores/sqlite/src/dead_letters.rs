//! Dead letters: what could not be delivered, kept with why, to be listed and sent again.

use rusqlite::{Connection, OptionalExtension, params};
use sauce_webhooks::delivery::{DeadLetter, DeadLetterKind, DeadLetterSummary, Kept, StoredDeadLetter};
use sauce_webhooks::time::OffsetDateTime;

use super::{Store, from_json, from_millis, integer, millis, to_json};

impl Store {
    /// Keeps `letter`, at `now`.
    ///
    /// # Errors
    /// The database's.
    pub fn add_dead_letter(&self, letter: &DeadLetter, now: OffsetDateTime) -> rusqlite::Result<()> {
        let (message, event) = match &letter.kept {
            Kept::Message(message) => (Some(to_json(message)?), None),
            Kept::Event(event) => (None, Some(event.clone())),
            Kept::Unreadable(raw) => (Some(raw.clone()), None),
        };
        self.with_connection(|db| {
            insert(db, &letter.subscription, &letter.reason, message.as_deref(), event.as_deref(), now)
        })
    }

    /// Up to `limit` dead letters, oldest first, described without reading what they keep
    /// (which may be large).
    ///
    /// # Errors
    /// The database's.
    pub fn dead_letter_summaries(&self, limit: usize) -> rusqlite::Result<Vec<DeadLetterSummary>> {
        self.with_connection(|db| {
            db.prepare(
                "SELECT id, at, subscription, reason, event IS NOT NULL, message IS NOT NULL AND json_valid(message),
                        json_extract(message, '$.target'), json_extract(message, '$.endpoint'),
                        json_extract(message, '$.ordering_key'),
                        CASE WHEN json_valid(json_extract(message, '$.request.body'))
                             THEN json_extract(json_extract(message, '$.request.body'), '$.event_action') END,
                        CASE WHEN json_valid(json_extract(message, '$.request.body'))
                             THEN json_extract(json_extract(message, '$.request.body'), '$.dedup_key') END
                 FROM dead_letters ORDER BY id LIMIT ?1",
            )?
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                let (event, message): (bool, bool) = (row.get(4)?, row.get(5)?);
                let kind = match (event, message) {
                    (true, _) => DeadLetterKind::Event,
                    (false, true) if row.get::<_, Option<String>>(6)?.as_deref() == Some("pager_duty") => {
                        DeadLetterKind::Alert { action: row.get(9)?, dedup_key: row.get(10)? }
                    }
                    (false, true) => DeadLetterKind::Webhook {
                        endpoint: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
                        ordering_key: row.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    },
                    (false, false) => DeadLetterKind::Unreadable,
                };
                Ok(DeadLetterSummary::new(
                    row.get(0)?,
                    from_millis(row.get(1)?),
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    kind,
                ))
            })?
            .collect()
        })
    }

    /// The ids of every dead letter, oldest first.
    ///
    /// # Errors
    /// The database's.
    pub fn dead_letter_ids(&self) -> rusqlite::Result<Vec<i64>> {
        self.with_connection(|db| {
            db.prepare("SELECT id FROM dead_letters ORDER BY id")?.query_map([], |row| row.get(0))?.collect()
        })
    }

    /// Forgets the oldest dead letters past the newest `max`. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn keep_newest_dead_letters(&self, max: u64) -> rusqlite::Result<usize> {
        self.with_connection(|db| {
            db.prepare_cached("DELETE FROM dead_letters WHERE id <= (SELECT MAX(id) FROM dead_letters) - ?1")?
                .execute([integer(max)])
        })
    }

    /// Takes dead letter `id` out, if there is one.
    ///
    /// # Errors
    /// The database's.
    pub fn take_dead_letter(&self, id: i64) -> rusqlite::Result<Option<StoredDeadLetter>> {
        self.with_connection(|db| {
            db.prepare("DELETE FROM dead_letters WHERE id = ?1 RETURNING id, at, subscription, reason, message, event")?
                .query_row([id], read)
                .optional()
        })
    }

    /// How many dead letters are kept.
    ///
    /// # Errors
    /// The database's.
    pub fn count_dead_letters(&self) -> rusqlite::Result<u64> {
        self.with_connection(|db| db.query_row("SELECT COUNT(*) FROM dead_letters", [], |row| row.get(0)))
    }
}

pub(super) fn insert(
    db: &Connection,
    subscription: &str,
    reason: &str,
    message: Option<&str>,
    event: Option<&str>,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    db.prepare_cached(
        "INSERT INTO dead_letters (at, subscription, reason, message, event) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![millis(now), subscription, reason, message, event])?;
    Ok(())
}

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDeadLetter> {
    let (message, event): (Option<String>, Option<String>) = (row.get(4)?, row.get(5)?);
    let kept = match (message, event) {
        (_, Some(event)) => Kept::Event(event),
        (Some(message), None) => match from_json(4, &message) {
            Ok(queued) => Kept::Message(Box::new(queued)),
            Err(_) => Kept::Unreadable(message),
        },
        (None, None) => Kept::Unreadable(String::new()),
    };
    let letter = DeadLetter::new(row.get::<_, String>(2)?, row.get::<_, String>(3)?, kept);
    Ok(StoredDeadLetter::new(row.get(0)?, from_millis(row.get(1)?), letter))
}
