//! The outbox: one row per message, the first of each ordering key marked as its head. Replicas
//! add and remove a key's messages under a lock of that key (so that exactly one is its head,
//! whoever adds or delivers), and take what is due with `FOR UPDATE SKIP LOCKED` in the
//! transaction that claims it (so that they take different messages). Leases carry the name of
//! the replica that took them.

use std::collections::{BTreeMap, HashSet};

use sauce_webhooks::delivery::{
    DeadLetter, EndpointHealth, EndpointKind, Kept, OutboxStore, QueuedMessage, StoredMessage, Undeliverable,
};
use sauce_webhooks::time::OffsetDateTime;

use super::dead_letters;

/// What is due: the heads ready at `$1` (of one target, with `target_only`), of no disabled
/// endpoint nor one with `$3` attempts under way (those endpoints found once, not per row: a
/// backlog of one busy endpoint's heads costs a scan, not a count per head), locked for the
/// claim, others' locked rows skipped; `$2` at most.
macro_rules! due_sql {
    ($target_only:literal) => {
        concat!(
            "SELECT sequence, version, message FROM outbox o WHERE head AND ready_at <= $1 ",
            $target_only,
            " AND NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.endpoint = o.endpoint AND e.disabled)
              AND o.endpoint <> ALL (ARRAY(SELECT f.endpoint FROM outbox f WHERE f.leased_until > $1
                                           GROUP BY f.endpoint HAVING COUNT(*) >= $3))
             ORDER BY ready_at, sequence LIMIT $2
             FOR UPDATE SKIP LOCKED"
        )
    };
}
use super::{Connection, Error, Giving, Store, count, integer, millis};

impl OutboxStore for Store {
    type Error = Error;

    fn push(&self, message: &QueuedMessage) -> Result<u64, Error> {
        let json = serde_json::to_string(message)?;
        let (key, endpoint, target) = (message.ordering_key(), message.endpoint(), target_name(message.target()));
        self.with_connection(|db| {
            db.atomically(|db| {
                lock_key(db, key)?;
                let row = db.query_one(
                    "push",
                    "INSERT INTO outbox (ordering_key, endpoint, target, head, ready_at, version, message)
                     VALUES ($1, $2, $3, NOT EXISTS (SELECT 1 FROM outbox WHERE ordering_key = $1), $4, 1, $5)
                     RETURNING sequence",
                    &[&key, &endpoint, &target, &millis(message.ready_at()), &json],
                )?;
                Ok(row.get::<_, i64>(0).unsigned_abs())
            })
        })
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<StoredMessage>, Error> {
        let Giving { target, in_flight_per_endpoint } = self.giving;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let cap = in_flight_per_endpoint.map_or(i64::MAX, |cap| i64::try_from(cap).unwrap_or(i64::MAX));
        let rows = self.with_connection(|db| match target {
            Some(target) => {
                db.query("due for", due_sql!("AND target = $4"), &[&millis(now), &limit, &cap, &target_name(target)])
            }
            None => db.query("due", due_sql!(""), &[&millis(now), &limit, &cap]),
        })?;
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            let (sequence, version) = (row.get::<_, i64>(0).unsigned_abs(), row.get::<_, i64>(1).unsigned_abs());
            let json: String = row.get(2);
            match serde_json::from_str(&json) {
                Ok(message) => due.push(StoredMessage { sequence, version, message }),
                // One row nobody can read must not stop every delivery: it goes aside, kept.
                Err(err) => self.with_connection(|db| {
                    let letter = DeadLetter::new("", format!("unreadable: {err}"), Kept::Unreadable(json));
                    settle(db, sequence, version, Some(&letter), now).map(drop)
                })?,
            }
        }
        Ok(due)
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> Result<bool, Error> {
        let json = serde_json::to_string(message)?;
        let leased_until = message.leased_until().map(millis);
        let instance = self.shared.instance.as_str();
        let written = self.with_connection(|db| {
            db.execute(
                "replace",
                "UPDATE outbox SET message = $3, ready_at = $4, leased_until = $5,
                     leased_by = CASE WHEN $5::bigint IS NULL THEN NULL ELSE $6 END, version = version + 1
                 WHERE sequence = $1 AND version = $2",
                &[&integer(sequence), &integer(expected), &json, &millis(message.ready_at()), &leased_until, &instance],
            )
        })?;
        Ok(written == 1)
    }

    fn remove(&self, sequence: u64, expected: u64) -> Result<bool, Error> {
        let now = OffsetDateTime::UNIX_EPOCH; // no dead letter, no time
        self.with_connection(|db| settle(db, sequence, expected, None, now))
    }

    /// Removes it and keeps it as a dead letter, together, under the subscription it names.
    fn give_up(
        &self,
        sequence: u64,
        expected: u64,
        message: &QueuedMessage,
        reason: Undeliverable,
    ) -> Result<bool, Error> {
        let subscription = message.subscription().unwrap_or_default();
        let letter = DeadLetter::new(subscription, reason.to_string(), Kept::Message(Box::new(message.clone())));
        self.with_connection(|db| settle(db, sequence, expected, Some(&letter), message.ready_at()))
    }

    fn endpoint(&self, endpoint: &str) -> Result<EndpointHealth, Error> {
        let row = self.with_connection(|db| {
            db.query_opt("endpoint", "SELECT health FROM endpoints WHERE endpoint = $1", &[&endpoint])
        })?;
        row.map_or(Ok(EndpointHealth::Healthy), |row| Ok(serde_json::from_str(row.get::<_, &str>(0))?))
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> Result<(), Error> {
        let json = serde_json::to_string(&health)?;
        let disabled = matches!(health, EndpointHealth::Disabled { .. });
        self.with_connection(|db| {
            if health == EndpointHealth::Healthy {
                // Healthy is what an endpoint without a row is.
                db.execute("endpoint healthy", "DELETE FROM endpoints WHERE endpoint = $1", &[&endpoint])?;
            } else {
                db.execute(
                    "set endpoint",
                    "INSERT INTO endpoints (endpoint, health, disabled) VALUES ($1, $2, $3)
                     ON CONFLICT (endpoint) DO UPDATE SET health = $2, disabled = $3",
                    &[&endpoint, &json, &disabled],
                )?;
            }
            Ok(())
        })
    }

    fn count(&self) -> Result<usize, Error> {
        let waiting =
            self.with_connection(|db| Ok(count(db.query_one("count", "SELECT COUNT(*) FROM outbox", &[])?.get(0))))?;
        Ok(usize::try_from(waiting).unwrap_or(usize::MAX))
    }

    /// What is due is taken and claimed in one transaction: the rows `due` locked stay locked
    /// until the claims are written, and other replicas skip them.
    fn claiming<T>(&self, claiming: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        self.transaction(claiming)
    }
}

impl Store {
    /// Gives out again at once every attempt this replica (its `instance`) has under way at
    /// `now`: called as it starts, when any such attempt is its crashed process's, so that a
    /// crash costs seconds, not a lease. Other replicas' leases are left alone. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn release_leases(&self, now: OffsetDateTime) -> Result<usize, Error> {
        let instance = self.shared.instance.as_str();
        self.with_connection(|db| {
            let released = db.execute(
                "release leases",
                "UPDATE outbox SET message = jsonb_set(message::jsonb, '{leased_until}', 'null')::text,
                     ready_at = $1, leased_until = NULL, leased_by = NULL, version = version + 1
                 WHERE leased_by = $2 AND leased_until > $1",
                &[&millis(now), &instance],
            )?;
            Ok(usize::try_from(released).unwrap_or(usize::MAX))
        })
    }

    /// Moves every message signed by a secret not in `signers` to the dead letters: no one can
    /// sign it (its subscription was renamed or removed), and left in the queue it would hold
    /// up every later message of its key. How many.
    ///
    /// # Errors
    /// The database's.
    pub fn set_aside_unsigned(&self, signers: &HashSet<&str>, now: OffsetDateTime) -> Result<usize, Error> {
        let orphans: Vec<(u64, u64, String)> =
            self.signed()?.into_iter().filter(|(_, _, signer)| !signers.contains(signer.as_str())).collect();
        for (sequence, version, signer) in &orphans {
            self.with_connection(|db| {
                // One message read at a time: they may be many, and large.
                let Some(row) =
                    db.query_opt("message", "SELECT message FROM outbox WHERE sequence = $1", &[&integer(*sequence)])?
                else {
                    return Ok(());
                };
                let json: String = row.get(0);
                let kept =
                    serde_json::from_str(&json).map_or_else(|_| Kept::Unreadable(json), |m| Kept::Message(Box::new(m)));
                let reason = format!("no subscription signs as {signer:?} any more (renamed or removed)");
                settle(db, *sequence, *version, Some(&DeadLetter::new(signer.clone(), reason, kept)), now).map(drop)
            })?;
        }
        Ok(orphans.len())
    }

    /// The waiting messages that name a signer: their sequence, version and signer.
    fn signed(&self) -> Result<Vec<(u64, u64, String)>, Error> {
        let rows = self.with_connection(|db| {
            db.query(
                "signed",
                "SELECT sequence, version, signer FROM
                     (SELECT sequence, version, message::jsonb #>> '{request,signer}' AS signer FROM outbox) m
                 WHERE signer IS NOT NULL ORDER BY sequence",
                &[],
            )
        })?;
        Ok(rows
            .iter()
            .map(|row| (row.get::<_, i64>(0).unsigned_abs(), row.get::<_, i64>(1).unsigned_abs(), row.get(2)))
            .collect())
    }

    /// How many waiting messages name each signer not in `signers`.
    ///
    /// # Errors
    /// The database's.
    pub fn unsigned(&self, signers: &HashSet<&str>) -> Result<BTreeMap<String, usize>, Error> {
        let mut counts = BTreeMap::new();
        for (_, _, signer) in self.signed()? {
            if !signers.contains(signer.as_str()) {
                *counts.entry(signer).or_default() += 1;
            }
        }
        Ok(counts)
    }

    /// Messages waiting, by the subscription they name (the empty name for none).
    ///
    /// # Errors
    /// The database's.
    pub fn queue_depths(&self) -> Result<Vec<(String, u64)>, Error> {
        let rows = self.with_connection(|db| {
            db.query(
                "queue depths",
                "SELECT CASE WHEN strpos(ordering_key, E'\\n') = 0 THEN ''
                             ELSE split_part(ordering_key, E'\\n', 1) END AS subscription,
                        COUNT(*)
                 FROM outbox GROUP BY subscription ORDER BY subscription",
                &[],
            )
        })?;
        Ok(rows.iter().map(|row| (row.get(0), count(row.get(1)))).collect())
    }
}

/// Takes every other replica's hand off `key`'s messages until this transaction ends: adding
/// one and removing one (and promoting the next) never interleave.
fn lock_key(db: &mut Connection, key: &str) -> Result<(), Error> {
    db.execute("lock key", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&key])?;
    Ok(())
}

/// Removes message `sequence` at `expected`, promotes its key's next message, and keeps
/// `letter` as a dead letter, all together; whether it was removed.
fn settle(
    db: &mut Connection,
    sequence: u64,
    expected: u64,
    letter: Option<&DeadLetter>,
    now: OffsetDateTime,
) -> Result<bool, Error> {
    db.atomically(|db| {
        let Some(row) =
            db.query_opt("key of", "SELECT ordering_key FROM outbox WHERE sequence = $1", &[&integer(sequence)])?
        else {
            return Ok(false);
        };
        let key: String = row.get(0);
        lock_key(db, &key)?;
        let removed = db.execute(
            "remove",
            "DELETE FROM outbox WHERE sequence = $1 AND version = $2",
            &[&integer(sequence), &integer(expected)],
        )?;
        if removed == 0 {
            return Ok(false);
        }
        db.execute(
            "promote",
            "UPDATE outbox SET head = true
             WHERE sequence = (SELECT MIN(sequence) FROM outbox WHERE ordering_key = $1) AND NOT head",
            &[&key],
        )?;
        if let Some(letter) = letter {
            dead_letters::insert(db, letter, now)?;
        }
        Ok(true)
    })
}

/// A target kind as the `target` column holds it: as the message's JSON names it.
fn target_name(target: EndpointKind) -> &'static str {
    match target {
        EndpointKind::PagerDuty => "pager_duty",
        _ => "webhook",
    }
}
