//! The outbox: one row per message, the first of each ordering key marked as its head, so that
//! what is due is one indexed query. Also the two sweeps a relay makes as it starts: attempts
//! its crashed process left under way, and messages no configured secret can sign.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use sauce_webhooks::delivery::{
    DeadLetter, EndpointHealth, EndpointKind, Kept, OutboxStore, QueuedMessage, StoredMessage, Undeliverable,
};
use sauce_webhooks::time::OffsetDateTime;

use super::{Giving, Store, atomically, from_json, integer, millis, to_json};

/// What is due: the heads ready at `?1` (of one target, with `target_only`), of no disabled
/// endpoint nor one with `?3` attempts under way (those endpoints found once, not per row: a
/// backlog of one busy endpoint's heads costs a scan, not a count per head); `?2` at most.
macro_rules! due_sql {
    ($target_only:literal) => {
        concat!(
            "SELECT sequence, version, message FROM outbox o WHERE head = 1 AND ready_at <= ?1 ",
            $target_only,
            " AND NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.endpoint = o.endpoint AND e.disabled = 1)
              AND o.endpoint NOT IN (SELECT f.endpoint FROM outbox f WHERE f.leased_until > ?1
                                     GROUP BY f.endpoint HAVING COUNT(*) >= ?3)
             ORDER BY ready_at, sequence LIMIT ?2"
        )
    };
}

impl OutboxStore for Store {
    type Error = rusqlite::Error;

    fn push(&self, message: &QueuedMessage) -> rusqlite::Result<u64> {
        let json = to_json(message)?;
        let (key, endpoint, target) = (message.ordering_key(), message.endpoint(), target_name(message.target()));
        self.with_connection(|db| {
            db.prepare_cached(
                "INSERT INTO outbox (ordering_key, endpoint, target, head, ready_at, version, message)
                 VALUES (?1, ?2, ?3, NOT EXISTS (SELECT 1 FROM outbox WHERE ordering_key = ?1), ?4, 1, ?5)",
            )?
            .execute(params![key, endpoint, target, millis(message.ready_at()), json])?;
            Ok(db.last_insert_rowid().unsigned_abs())
        })
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> rusqlite::Result<Vec<StoredMessage>> {
        let Giving { target, in_flight_per_endpoint } = self.giving;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let cap = in_flight_per_endpoint.map_or(i64::MAX, |cap| i64::try_from(cap).unwrap_or(i64::MAX));
        self.with_connection(|db| {
            let read = |row: &rusqlite::Row<'_>| Ok((row.get(0)?, row.get(1)?, row.get(2)?));
            let rows: Vec<(u64, u64, String)> = match target {
                Some(target) => db
                    .prepare_cached(due_sql!("AND target = ?4"))?
                    .query_map(params![millis(now), limit, cap, target_name(target)], read)?
                    .collect::<rusqlite::Result<_>>()?,
                None => db
                    .prepare_cached(due_sql!(""))?
                    .query_map(params![millis(now), limit, cap], read)?
                    .collect::<rusqlite::Result<_>>()?,
            };
            let mut due = Vec::with_capacity(rows.len());
            for (sequence, version, json) in rows {
                match serde_json::from_str(&json) {
                    Ok(message) => due.push(StoredMessage { sequence, version, message }),
                    // One row nobody can read must not stop every delivery: it goes aside, kept.
                    Err(err) => set_aside(db, sequence, version, &json, &err.to_string(), now)?,
                }
            }
            Ok(due)
        })
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> rusqlite::Result<bool> {
        let json = to_json(message)?;
        let written = self.with_connection(|db| {
            db.prepare_cached(
                "UPDATE outbox SET message = ?3, ready_at = ?4, leased_until = ?5, version = version + 1
                 WHERE sequence = ?1 AND version = ?2",
            )?
            .execute(params![
                integer(sequence),
                integer(expected),
                json,
                millis(message.ready_at()),
                message.leased_until().map(millis)
            ])
        })?;
        Ok(written == 1)
    }

    fn remove(&self, sequence: u64, expected: u64) -> rusqlite::Result<bool> {
        self.with_connection(|db| remove(db, sequence, expected))
    }

    /// Removes it and keeps it as a dead letter, together, under the subscription it names.
    fn give_up(
        &self,
        sequence: u64,
        expected: u64,
        message: &QueuedMessage,
        reason: Undeliverable,
    ) -> rusqlite::Result<bool> {
        let json = to_json(message)?;
        let subscription = message.subscription().unwrap_or_default();
        let now = message.ready_at();
        self.with_connection(|db| {
            atomically(db, |db| {
                let removed = remove(db, sequence, expected)?;
                if removed {
                    super::dead_letters::insert(db, subscription, &reason.to_string(), Some(&json), None, now)?;
                }
                Ok(removed)
            })
        })
    }

    fn endpoint(&self, endpoint: &str) -> rusqlite::Result<EndpointHealth> {
        let json: Option<String> = self.with_connection(|db| {
            db.prepare_cached("SELECT health FROM endpoints WHERE endpoint = ?1")?
                .query_row([endpoint], |row| row.get(0))
                .optional()
        })?;
        json.map_or(Ok(EndpointHealth::Healthy), |json| from_json(0, &json))
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> rusqlite::Result<()> {
        let json = to_json(&health)?;
        let disabled = matches!(health, EndpointHealth::Disabled { .. });
        self.with_connection(|db| {
            if health == EndpointHealth::Healthy {
                // Healthy is what an endpoint without a row is.
                db.prepare_cached("DELETE FROM endpoints WHERE endpoint = ?1")?.execute([endpoint])?;
            } else {
                db.prepare_cached(
                    "INSERT INTO endpoints (endpoint, health, disabled) VALUES (?1, ?2, ?3)
                     ON CONFLICT (endpoint) DO UPDATE SET health = ?2, disabled = ?3",
                )?
                .execute(params![endpoint, json, disabled])?;
            }
            Ok(())
        })
    }

    fn count(&self) -> rusqlite::Result<usize> {
        let count: i64 =
            self.with_connection(|db| db.query_row("SELECT COUNT(*) FROM outbox", [], |row| row.get(0)))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }
}

impl Store {
    /// Gives out again at once every attempt that is under way at `now`: called as a relay
    /// starts, when any such attempt is its crashed process's, so that a crash costs seconds,
    /// not a lease. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn release_leases(&self, now: OffsetDateTime) -> rusqlite::Result<usize> {
        self.with_connection(|db| {
            db.execute(
                "UPDATE outbox SET message = json_set(message, '$.leased_until', NULL), ready_at = ?1,
                     leased_until = NULL, version = version + 1
                 WHERE leased_until > ?1",
                [millis(now)],
            )
        })
    }

    /// Moves every message signed by a secret not in `signers` to the dead letters: no one can
    /// sign it (its subscription was renamed or removed), and left in the queue it would hold
    /// up every later message of its key. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn set_aside_unsigned(&self, signers: &HashSet<&str>, now: OffsetDateTime) -> rusqlite::Result<usize> {
        let orphans: Vec<(u64, u64, String)> =
            self.signed()?.into_iter().filter(|(_, _, signer)| !signers.contains(signer.as_str())).collect();
        for (sequence, version, signer) in &orphans {
            self.transaction(|| {
                // One message read at a time: they may be many, and large.
                let json: Option<String> = self.with_connection(|db| {
                    db.query_row("SELECT message FROM outbox WHERE sequence = ?1", [integer(*sequence)], |row| {
                        row.get(0)
                    })
                    .optional()
                })?;
                let Some(json) = json else { return Ok(()) };
                let kept = from_json(0, &json).map_or_else(|_| Kept::Unreadable(json), |m| Kept::Message(Box::new(m)));
                let reason = format!("no subscription signs as {signer:?} any more (renamed or removed)");
                let letter = DeadLetter::new(signer.clone(), reason, kept);
                if self.remove(*sequence, *version)? {
                    self.add_dead_letter(&letter, now)?;
                }
                Ok::<_, rusqlite::Error>(())
            })?;
        }
        Ok(orphans.len())
    }

    /// The waiting messages that name a signer: their sequence, version and signer, not their
    /// requests.
    fn signed(&self) -> rusqlite::Result<Vec<(u64, u64, String)>> {
        self.with_connection(|db| {
            db.prepare(
                "SELECT sequence, version, json_extract(message, '$.request.signer') AS signer FROM outbox
                 WHERE signer IS NOT NULL ORDER BY sequence",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect()
        })
    }

    /// How many waiting messages name each signer not in `signers`.
    ///
    /// # Errors
    /// The database's.
    pub fn unsigned(&self, signers: &HashSet<&str>) -> rusqlite::Result<BTreeMap<String, usize>> {
        let mut counts = BTreeMap::new();
        for (_, _, signer) in self.signed()? {
            if !signers.contains(signer.as_str()) {
                *counts.entry(signer).or_default() += 1;
            }
        }
        Ok(counts)
    }

    /// Messages waiting, by the subscription their ordering key names (`id` before its first
    /// line break; the empty name for a key that names none).
    ///
    /// # Errors
    /// The database's.
    pub fn queue_depths(&self) -> rusqlite::Result<Vec<(String, u64)>> {
        self.with_connection(|db| {
            db.prepare_cached(
                "SELECT CASE instr(ordering_key, char(10)) WHEN 0 THEN ''
                            ELSE substr(ordering_key, 1, instr(ordering_key, char(10)) - 1) END AS subscription,
                        COUNT(*)
                 FROM outbox GROUP BY subscription",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect()
        })
    }
}

/// Removes message `sequence` at `expected` and promotes its key's next message, together.
fn remove(db: &Connection, sequence: u64, expected: u64) -> rusqlite::Result<bool> {
    atomically(db, |db| {
        let key: Option<String> = db
            .prepare_cached("DELETE FROM outbox WHERE sequence = ?1 AND version = ?2 RETURNING ordering_key")?
            .query_row(params![integer(sequence), integer(expected)], |row| row.get(0))
            .optional()?;
        let Some(key) = key else { return Ok(false) };
        db.prepare_cached(
            "UPDATE outbox SET head = 1
             WHERE sequence = (SELECT MIN(sequence) FROM outbox WHERE ordering_key = ?1)",
        )?
        .execute([&key])?;
        Ok(true)
    })
}

/// Moves an unreadable message to the dead letters, with why, out of its key's way.
fn set_aside(
    db: &Connection,
    sequence: u64,
    version: u64,
    json: &str,
    error: &str,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    atomically(db, |db| {
        if remove(db, sequence, version)? {
            super::dead_letters::insert(db, "", &format!("unreadable: {error}"), Some(json), None, now)?;
        }
        Ok(())
    })
}

/// A target kind as the `target` column holds it: as the message's JSON names it.
fn target_name(target: EndpointKind) -> &'static str {
    match target {
        EndpointKind::PagerDuty => "pager_duty",
        _ => "webhook",
    }
}
