//! What the relay needs of its database, so that it runs on either store crate: SQLite
//! (`sauce-webhooks-sqlite`, one process) or PostgreSQL (`sauce-webhooks-postgres`, replicas
//! sharing it). Both crates offer the same methods; this trait names them once.

use std::collections::{BTreeMap, HashSet};

use sauce_webhooks::delivery::{
    DeadLetter, DeadLetterSummary, EndpointHealth, EndpointKind, OutboxStore, StoredDeadLetter,
};
use sauce_webhooks::pagerduty::IncidentStore;
use sauce_webhooks::time::{Duration, OffsetDateTime};

use crate::config::{Config, Location};

/// A database the relay runs on: the ledger's and the outbox's store, with transactions, dead
/// letters, the events taken in, and what operations and metrics read.
pub trait Database:
    IncidentStore<Error = Self::Failure> + OutboxStore<Error = Self::Failure> + Clone + Send + Sync + 'static
{
    /// What it can fail with.
    type Failure: std::error::Error + Send + Sync + 'static;

    /// Whether other relays may share it: then what one relay's configuration does not know
    /// (a signer, say) may be another's, newer one, and is left alone.
    const SHARED: bool;

    /// Whether `error`, or an error it was caused by, is this database's failure that may pass
    /// if the same work is tried again (a deadlock, a lock not had in time, a busy file).
    fn is_transient(error: &(dyn std::error::Error + 'static)) -> bool {
        let mut cause = Some(error);
        while let Some(err) = cause {
            if err.downcast_ref::<Self::Failure>().is_some_and(Self::failure_is_transient) {
                return true;
            }
            cause = err.source();
        }
        false
    }

    /// Whether this failure may pass if the same work is tried again.
    fn failure_is_transient(failure: &Self::Failure) -> bool;

    /// Runs `work` in one transaction on this thread's connection: all it writes, or nothing.
    ///
    /// # Errors
    /// `work`'s, or the database's.
    fn transaction<T, E: From<Self::Failure>>(&self, work: impl FnOnce() -> Result<T, E>) -> Result<T, E>;
    /// Whether it answers.
    ///
    /// # Errors
    /// The database's.
    fn ping(&self) -> Result<(), Self::Failure>;
    /// What it holds, in bytes.
    ///
    /// # Errors
    /// The database's.
    fn size_bytes(&self) -> Result<u64, Self::Failure>;
    /// This database, giving out only messages to `target`, and none to an endpoint with
    /// `in_flight` attempts under way.
    #[must_use]
    fn giving(self, target: EndpointKind, in_flight: usize) -> Self;
    /// Gives out again at once what this relay's stopped process left under way.
    ///
    /// # Errors
    /// The database's.
    fn release_leases(&self, now: OffsetDateTime) -> Result<usize, Self::Failure>;
    /// Moves the messages signed by a secret not in `signers` to the dead letters.
    ///
    /// # Errors
    /// The database's.
    fn set_aside_unsigned(&self, signers: &HashSet<&str>, now: OffsetDateTime) -> Result<usize, Self::Failure>;
    /// How many waiting messages name each signer not in `signers`.
    ///
    /// # Errors
    /// The database's.
    fn unsigned(&self, signers: &HashSet<&str>) -> Result<BTreeMap<String, usize>, Self::Failure>;
    /// Messages waiting, per subscription.
    ///
    /// # Errors
    /// The database's.
    fn queue_depths(&self) -> Result<Vec<(String, u64)>, Self::Failure>;
    /// Records an event taken in; `false` when it was, less than `window` ago.
    ///
    /// # Errors
    /// The database's.
    fn remember_event(&self, digest: &[u8], now: OffsetDateTime, window: Duration) -> Result<bool, Self::Failure>;
    /// Forgets the events taken in before `before`.
    ///
    /// # Errors
    /// The database's.
    fn forget_events(&self, before: OffsetDateTime) -> Result<usize, Self::Failure>;
    /// Keeps `letter`.
    ///
    /// # Errors
    /// The database's.
    fn add_dead_letter(&self, letter: &DeadLetter, now: OffsetDateTime) -> Result<(), Self::Failure>;
    /// Up to `limit` dead letters, oldest first, without what they keep.
    ///
    /// # Errors
    /// The database's.
    fn dead_letter_summaries(&self, limit: usize) -> Result<Vec<DeadLetterSummary>, Self::Failure>;
    /// Every dead letter's id.
    ///
    /// # Errors
    /// The database's.
    fn dead_letter_ids(&self) -> Result<Vec<i64>, Self::Failure>;
    /// Takes dead letter `id` out.
    ///
    /// # Errors
    /// The database's.
    fn take_dead_letter(&self, id: i64) -> Result<Option<StoredDeadLetter>, Self::Failure>;
    /// How many dead letters are kept.
    ///
    /// # Errors
    /// The database's.
    fn count_dead_letters(&self) -> Result<u64, Self::Failure>;
    /// Forgets the oldest dead letters past the newest `max`.
    ///
    /// # Errors
    /// The database's.
    fn keep_newest_dead_letters(&self, max: u64) -> Result<usize, Self::Failure>;
    /// The endpoints failing or disabled.
    ///
    /// # Errors
    /// The database's.
    fn unhealthy_endpoints(&self) -> Result<Vec<(String, EndpointHealth)>, Self::Failure>;
    /// How many endpoints are disabled.
    ///
    /// # Errors
    /// The database's.
    fn count_disabled_endpoints(&self) -> Result<u64, Self::Failure>;
    /// How many incidents are open.
    ///
    /// # Errors
    /// The database's.
    fn open_incidents(&self) -> Result<u64, Self::Failure>;
    /// Forgets the incidents closed and unchanged since before `before`.
    ///
    /// # Errors
    /// The database's.
    fn forget_settled_incidents(&self, before: OffsetDateTime) -> Result<usize, Self::Failure>;
}

/// Implements [`Database`] for a store crate's `Store`, whose methods have these names.
macro_rules! database {
    ($store:ty, $failure:ty, shared: $shared:expr, transient: $transient:expr) => {
        impl Database for $store {
            type Failure = $failure;

            const SHARED: bool = $shared;

            fn failure_is_transient(failure: &$failure) -> bool {
                $transient(failure)
            }

            fn transaction<T, E: From<$failure>>(&self, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
                <$store>::transaction(self, work)
            }
            fn ping(&self) -> Result<(), $failure> {
                <$store>::ping(self)
            }
            fn size_bytes(&self) -> Result<u64, $failure> {
                <$store>::size_bytes(self)
            }
            fn giving(self, target: EndpointKind, in_flight: usize) -> Self {
                <$store>::giving(self, target, in_flight)
            }
            fn release_leases(&self, now: OffsetDateTime) -> Result<usize, $failure> {
                <$store>::release_leases(self, now)
            }
            fn set_aside_unsigned(&self, signers: &HashSet<&str>, now: OffsetDateTime) -> Result<usize, $failure> {
                <$store>::set_aside_unsigned(self, signers, now)
            }
            fn unsigned(&self, signers: &HashSet<&str>) -> Result<BTreeMap<String, usize>, $failure> {
                <$store>::unsigned(self, signers)
            }
            fn queue_depths(&self) -> Result<Vec<(String, u64)>, $failure> {
                <$store>::queue_depths(self)
            }
            fn remember_event(&self, digest: &[u8], now: OffsetDateTime, window: Duration) -> Result<bool, $failure> {
                <$store>::remember_event(self, digest, now, window)
            }
            fn forget_events(&self, before: OffsetDateTime) -> Result<usize, $failure> {
                <$store>::forget_events(self, before)
            }
            fn add_dead_letter(&self, letter: &DeadLetter, now: OffsetDateTime) -> Result<(), $failure> {
                <$store>::add_dead_letter(self, letter, now)
            }
            fn dead_letter_summaries(&self, limit: usize) -> Result<Vec<DeadLetterSummary>, $failure> {
                <$store>::dead_letter_summaries(self, limit)
            }
            fn dead_letter_ids(&self) -> Result<Vec<i64>, $failure> {
                <$store>::dead_letter_ids(self)
            }
            fn take_dead_letter(&self, id: i64) -> Result<Option<StoredDeadLetter>, $failure> {
                <$store>::take_dead_letter(self, id)
            }
            fn count_dead_letters(&self) -> Result<u64, $failure> {
                <$store>::count_dead_letters(self)
            }
            fn keep_newest_dead_letters(&self, max: u64) -> Result<usize, $failure> {
                <$store>::keep_newest_dead_letters(self, max)
            }
            fn unhealthy_endpoints(&self) -> Result<Vec<(String, EndpointHealth)>, $failure> {
                <$store>::unhealthy_endpoints(self)
            }
            fn count_disabled_endpoints(&self) -> Result<u64, $failure> {
                <$store>::count_disabled_endpoints(self)
            }
            fn open_incidents(&self) -> Result<u64, $failure> {
                <$store>::open_incidents(self)
            }
            fn forget_settled_incidents(&self, before: OffsetDateTime) -> Result<usize, $failure> {
                <$store>::forget_settled_incidents(self, before)
            }
        }
    };
}

database!(sauce_webhooks_sqlite::Store, sauce_webhooks_sqlite::Error, shared: false,
          transient: sauce_webhooks_sqlite::is_transient);
database!(sauce_webhooks_postgres::Store, sauce_webhooks_postgres::Error, shared: true,
          transient: sauce_webhooks_postgres::Error::is_transient);

/// Why work in a transaction failed, as text: the database's error, or the work's own.
#[derive(Debug)]
pub struct Failed(pub String);

impl<E: std::error::Error> From<E> for Failed {
    fn from(err: E) -> Self {
        Self(err.to_string())
    }
}

/// A database opened for a command, of either kind.
#[derive(Debug)]
pub enum Opened {
    /// A SQLite file.
    Sqlite(sauce_webhooks_sqlite::Store),
    /// A PostgreSQL database.
    Postgres(sauce_webhooks_postgres::Store),
}

/// Runs `$work` with `$store` bound to whichever store `$opened` is.
#[macro_export]
macro_rules! on_database {
    ($opened:expr, $store:ident => $work:expr) => {
        match $opened {
            $crate::database::Opened::Sqlite($store) => $work,
            $crate::database::Opened::Postgres($store) => $work,
        }
    };
}

/// The settings for the PostgreSQL database at `url`, its password from the configured
/// variable if the URL has none.
///
/// # Errors
/// The URL cannot be read, or the password's variable is not set.
pub fn postgres_settings(
    url: &str,
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<sauce_webhooks_postgres::postgres::Config, String> {
    let mut settings = sauce_webhooks_postgres::parse(url).map_err(|e| format!("database: {e}"))?;
    if let Some(var) = &config.database_password_env {
        let password = env(var).filter(|password| !password.is_empty());
        let password =
            password.ok_or_else(|| format!("database_password_env: the environment variable {var} is not set"))?;
        settings.password(password);
    }
    Ok(settings)
}

/// Opens the configured database for a command: `None` when it holds nothing yet (no SQLite
/// file, no schema in PostgreSQL). A SQLite file is opened to read only when `to_read`, and
/// brought up to date otherwise; a PostgreSQL database must be up to date already (a replica
/// of this version has run on it), as the command works beside the running replicas.
///
/// # Errors
/// It cannot be opened, with where and why.
pub fn open(config: &Config, env: &dyn Fn(&str) -> Option<String>, to_read: bool) -> Result<Option<Opened>, String> {
    match config.location(env)? {
        Location::File(path) => {
            let failed = |e: sauce_webhooks_sqlite::Error| format!("{}: {e}", path.display());
            if to_read {
                return sauce_webhooks_sqlite::Store::open_to_read(&path)
                    .map(|store| store.map(Opened::Sqlite))
                    .map_err(failed);
            }
            if !path.exists() {
                return Ok(None);
            }
            sauce_webhooks_sqlite::Store::open(&path).map(|store| Some(Opened::Sqlite(store))).map_err(failed)
        }
        Location::Postgres(url) => {
            let settings = postgres_settings(&url, config, env)?;
            // A command works beside the running replicas: it neither migrates the schema nor
            // holds a replica's name, and PostgreSQL's commands only read or change rows.
            let failed = |e: sauce_webhooks_postgres::Error| format!("database: {e}");
            let store = sauce_webhooks_postgres::Store::connect_existing(&settings).map_err(failed)?;
            Ok(store.map(Opened::Postgres))
        }
    }
}

impl Opened {
    /// The database, as logs and messages may show it (a URL without its password).
    pub fn name(&self) -> String {
        match self {
            Self::Sqlite(store) => store.path().display().to_string(),
            Self::Postgres(store) => store.name().to_owned(),
        }
    }
}
