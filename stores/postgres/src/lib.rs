//! The [`sauce-webhooks`](sauce_webhooks) incident ledger's and outbox's stores in PostgreSQL,
//! for a team that runs several receivers (or relays) behind a load balancer over one
//! database: incident states, the outbox, endpoint health, dead letters and the events taken
//! in, shared by every replica.
//!
//! What holds across processes:
//! - one transaction per webhook taken in ([`Store::transaction`]): the ledger's new states and
//!   the messages they call for commit together, or not at all;
//! - the ledger's compare-and-swap on each incident's version: two replicas that take the same
//!   result in page once;
//! - the outbox's claims: what is due is read with `FOR UPDATE SKIP LOCKED` and claimed in the
//!   same transaction ([`OutboxStore::claiming`](sauce_webhooks::delivery::OutboxStore::claiming)),
//!   so that replicas take different messages, and each ordering key's messages are added
//!   and promoted under a lock of their key, so that its order holds whoever adds or delivers;
//! - leases named after the replica that took them: a replica that starts again gives out at
//!   once what its crashed process left under way ([`Store::release_leases`]).
//!
//! ```no_run
//! use sauce_webhooks::delivery::{Message, Outbox};
//! use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
//! use sauce_webhooks::time::OffsetDateTime;
//! use sauce_webhooks::Event;
//! use sauce_webhooks_postgres::Store;
//!
//! let store = Store::connect("postgres://relay@10.0.0.5/relay", "replica-1")?;
//! let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
//! let ledger = IncidentLedger::new(rules).with_store(store.clone());
//! let outbox = Outbox::new().with_store(store.clone());
//! let (body, now) = (br#"{"id":"r1","status":"FAILED","creation_time":0,"name":"checkout"}"#, OffsetDateTime::now_utc());
//! store.transaction(|| {
//!     if let Decision::Send(alert) = ledger.apply(&Event::from_slice(body)?, now)? {
//!         outbox.enqueue(Message::pagerduty(&alert)?, now)?;
//!     }
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The client is the synchronous `postgres` crate: the library's store traits are
//! synchronous, so a thread per worker with a connection of its own is the simplest fit, and an
//! async host calls the store from its blocking threads (`spawn_blocking`), `connect` included:
//! the client runs a small runtime of its own, which tokio will not start on an async worker
//! thread (it panics there: "Cannot start a runtime from within a runtime"). Dropping the last
//! handle is safe anywhere: on an async thread its connections are closed on a thread of their
//! own. Each thread works on a connection of its own (opened the first time, opened again
//! if it broke, closed once its thread has ended), so that a transaction one thread opens holds
//! only that thread's writes. The schema is versioned (a table of its own) and
//! brought up to date when the first replica connects, under a lock, idempotently. A message
//! names its subscription by
//! [`Message::for_subscription`](sauce_webhooks::delivery::Message::for_subscription): queues
//! and dead letters are counted under it. Connections are made without TLS: reach the database
//! over a private network or a local socket.

mod dead_letters;
mod endpoints;
mod incidents;
mod outbox;
mod per_thread;
mod schema;
mod taken;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use per_thread::{PerThread, lock};
pub use postgres;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};
use sauce_webhooks::delivery::EndpointKind;
use sauce_webhooks::time::OffsetDateTime;

/// What the store can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database or the connection to it: what the server said (its message, detail and
    /// SQLSTATE code) when it said something.
    #[error("postgres: {}", described(.0))]
    Postgres(#[from] postgres::Error),
    /// A value that could not be written or read as JSON.
    #[error("a stored value: {0}")]
    Json(#[from] serde_json::Error),
    /// The database's schema is newer than this crate's.
    #[error("the database has schema version {found}, written by a newer version (this one knows {known})")]
    NewerSchema {
        /// The database's version.
        found: i32,
        /// The latest this crate knows.
        known: usize,
    },
    /// The database's schema is older than this crate's: a replica of this version brings it
    /// up to date as it connects.
    #[error(
        "the database has schema version {found}, older than this version's {known}: start a replica of this version first"
    )]
    OlderSchema {
        /// The database's version.
        found: i32,
        /// The latest this crate knows.
        known: usize,
    },
    /// The database URL cannot be read.
    #[error("the database URL: {0}")]
    Url(String),
    /// Another process connected as the same replica: each would give out the other's
    /// attempts under way as its own.
    #[error("another process is connected to this database as replica {0:?}: give each replica a name of its own")]
    InstanceInUse(String),
    /// A statement of the transaction failed, and the error was not passed on: PostgreSQL
    /// would roll the whole transaction back while saying it committed.
    #[error("a statement of this transaction failed earlier ({0}): nothing of it was committed")]
    Aborted(String),
}

impl Error {
    /// Whether the same work may pass if tried again: a deadlock or a serialization failure
    /// between replicas, a lock not had within the lock timeout, or a connection that broke
    /// (the next use opens another).
    pub fn is_transient(&self) -> bool {
        let Self::Postgres(err) = self else { return false };
        if err.is_closed() || err.as_db_error().is_none() && std::error::Error::source(err).is_some() {
            return true;
        }
        err.code().is_some_and(|code| {
            [&SqlState::T_R_DEADLOCK_DETECTED, &SqlState::T_R_SERIALIZATION_FAILURE, &SqlState::LOCK_NOT_AVAILABLE]
                .contains(&code)
        })
    }
}

/// A PostgreSQL error with all it knows on one line: `postgres::Error` shows "db error" alone.
fn described(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => {
            let detail = db.detail().map(|detail| format!("; {detail}")).unwrap_or_default();
            let said = format!("{}: {} (SQLSTATE {}){detail}", db.severity(), db.message(), db.code().code());
            said.replace(['\n', '\r'], " ")
        }
        None => match std::error::Error::source(err) {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        },
    }
}

/// The database, shared by threads and by replicas: cloning it is cheap, and each thread that
/// uses it opens a connection of its own the first time.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
    /// What this handle's [`due`](sauce_webhooks::delivery::OutboxStore::due) gives out.
    giving: Giving,
}

/// Which messages a handle gives out, so that each pool of workers takes its own.
#[derive(Debug, Clone, Copy, Default)]
struct Giving {
    /// Only messages to this kind of target, or every kind.
    target: Option<EndpointKind>,
    /// No message to an endpoint that has this many attempts under way already.
    in_flight_per_endpoint: Option<usize>,
}

struct Shared {
    config: postgres::Config,
    /// The URL without its password, for logs.
    shown: String,
    /// The replica's name, on every lease it takes.
    instance: String,
    connections: PerThread<Connection>,
    /// The connection holding the replica's name (a session lock) while the store lives.
    named: Mutex<Option<Client>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Closing a connection blocks on the client's own runtime, which tokio refuses within
        // another: dropped on an async thread, they are closed on a thread of their own.
        if tokio::runtime::Handle::try_current().is_ok() {
            let (connections, named) = (std::mem::take(&mut self.connections), lock(&self.named).take());
            std::thread::spawn(move || drop((connections, named)));
        }
    }
}

/// One thread's connection, its prepared statements, and how deep in transactions it is.
struct Connection {
    client: Client,
    statements: HashMap<&'static str, Statement>,
    depth: usize,
    /// The depth at which a statement failed, if one did inside the transaction open: its
    /// commit must fail too.
    failed: Option<(usize, String)>,
}

/// How long a statement waits for a lock, runs, or a transaction stays idle before the server
/// gives up: a replica stopped mid-transaction (a frozen process, a network that went quiet)
/// holds its locks until then, not forever.
const SERVER_TIMEOUTS: &str =
    "-c lock_timeout=5000 -c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000";

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("database", &self.shared.shown)
            .field("instance", &self.shared.instance)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) as
    /// the replica `instance` (a name of its own, the same after a restart: its leases are
    /// given out again when a replica of that name starts), and brings its schema up to date.
    ///
    /// # Errors
    /// The URL cannot be read, the database cannot be reached, or its schema is newer.
    pub fn connect(url: &str, instance: &str) -> Result<Self, Error> {
        Self::connect_with(&parse(url)?, instance)
    }

    /// As [`connect`](Self::connect), with the connection's settings made by you (a password
    /// from elsewhere than the URL, say).
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    ///
    /// The store holds the replica's name while it lives (a session lock on a connection of its
    /// own): a second process connecting under the same name is refused
    /// ([`Error::InstanceInUse`]).
    pub fn connect_with(config: &postgres::Config, instance: &str) -> Result<Self, Error> {
        let store = Self::with(config, instance);
        store.with_connection(schema::migrate)?;
        let mut named = Connection::open(&store.shared.config)?;
        let name = "SELECT pg_try_advisory_lock(hashtextextended('sauce-webhooks replica ' || $1, 0))";
        // A process of this name that just ended may still be ending on the server's side.
        let mut tries = 0;
        while !named.client.query_one(name, &[&instance])?.get::<_, bool>(0) {
            tries += 1;
            if tries == 20 {
                return Err(Error::InstanceInUse(instance.to_owned()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        *lock(&store.shared.named) = Some(named.client);
        Ok(store)
    }

    /// Connects to a database a replica of this version brought up to date, without changing
    /// its schema or holding a replica's name: for tools that work beside running replicas
    /// (listing what waits, queueing dead letters again). `None` when this crate's schema is
    /// not there yet.
    ///
    /// # Errors
    /// The database cannot be reached, or its schema is another version's.
    pub fn connect_existing(config: &postgres::Config) -> Result<Option<Self>, Error> {
        let store = Self::with(config, "tool");
        match store.with_connection(schema::version)? {
            None => Ok(None),
            Some(found) if schema::is_current(found) => Ok(Some(store)),
            Some(found) => Err(Error::OlderSchema { found, known: schema::LATEST }),
        }
    }

    fn with(config: &postgres::Config, instance: &str) -> Self {
        let mut config = config.clone();
        // The host's own options last, so that theirs win.
        let options = format!("{SERVER_TIMEOUTS} {}", config.get_options().unwrap_or_default());
        config
            .options(options.trim_end())
            .connect_timeout(Duration::from_secs(10))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .keepalives_interval(Duration::from_secs(10))
            .keepalives_retries(3)
            .tcp_user_timeout(Duration::from_secs(60))
            .application_name("sauce-webhooks");
        let shared = Shared {
            shown: shown(&config),
            config,
            instance: instance.to_owned(),
            connections: PerThread::default(),
            named: Mutex::default(),
        };
        Self { shared: Arc::new(shared), giving: Giving::default() }
    }

    /// This store, giving out only messages to `target` when asked what is due, and none to an
    /// endpoint with `in_flight_per_endpoint` attempts under way: so that PagerDuty can have
    /// workers of its own, and one slow endpoint holds at most that many workers.
    #[must_use]
    pub fn giving(mut self, target: EndpointKind, in_flight_per_endpoint: usize) -> Self {
        self.giving = Giving { target: Some(target), in_flight_per_endpoint: Some(in_flight_per_endpoint) };
        self
    }

    /// The database, as logs may show it: its URL without the password.
    pub fn name(&self) -> &str {
        &self.shared.shown
    }

    /// The replica's name.
    pub fn instance(&self) -> &str {
        &self.shared.instance
    }

    /// Runs `work` on this thread's connection, opened (again) if need be.
    fn with_connection<T>(&self, work: impl FnOnce(&mut Connection) -> Result<T, Error>) -> Result<T, Error> {
        let connection = self.connection()?;
        let mut connection = lock(&connection);
        if connection.client.is_closed() && connection.depth == 0 {
            *connection = Connection::open(&self.shared.config)?;
        }
        work(&mut connection)
    }

    fn connection(&self) -> Result<Arc<Mutex<Connection>>, Error> {
        self.shared.connections.get_or_open(|| Connection::open(&self.shared.config))
    }

    /// Runs `work` in one transaction on this thread's connection: everything it writes
    /// through this store (the ledger's states, the outbox's messages) commits together if it
    /// returns `Ok`, and nothing does if it returns an error, panics, or the commit fails.
    /// Within another transaction, it is a savepoint of it.
    ///
    /// # Errors
    /// `work`'s, or the database's.
    pub fn transaction<T, E: From<Error>>(&self, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        self.with_connection(Connection::begin)?;
        let open = Open(self);
        let value = work()?;
        self.with_connection(Connection::commit)?;
        std::mem::forget(open);
        Ok(value)
    }

    /// Whether the database answers, with a schema this crate knows (a replica of a newer
    /// version may have brought it up to date since).
    ///
    /// # Errors
    /// The database's, or its schema is newer.
    pub fn ping(&self) -> Result<(), Error> {
        self.with_connection(|db| schema::version(db).map(drop))
    }

    /// How far the database's clock is ahead of this machine's: leases and retries are times
    /// each replica writes from its own clock, so replicas whose clocks disagree by more than
    /// a few seconds give out each other's attempts early (keep them on NTP).
    ///
    /// # Errors
    /// The database's.
    pub fn clock_skew(&self) -> Result<sauce_webhooks::time::Duration, Error> {
        let before = OffsetDateTime::now_utc();
        let theirs = self.with_connection(|db| {
            let row = db.query_one("clock", "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint", &[])?;
            Ok(from_millis(row.get(0)))
        })?;
        let after = OffsetDateTime::now_utc();
        Ok(theirs - (before + (after - before) / 2))
    }

    /// What the store's tables hold, in bytes.
    ///
    /// # Errors
    /// The database's.
    pub fn size_bytes(&self) -> Result<u64, Error> {
        self.with_connection(|db| {
            let row = db.query_one(
                "size",
                "SELECT (pg_total_relation_size('outbox') + pg_total_relation_size('incidents')
                       + pg_total_relation_size('dead_letters') + pg_total_relation_size('taken')
                       + pg_total_relation_size('endpoints'))::bigint",
                &[],
            )?;
            Ok(row.get::<_, i64>(0).unsigned_abs())
        })
    }
}

impl Connection {
    fn open(config: &postgres::Config) -> Result<Self, Error> {
        Ok(Self { client: config.connect(NoTls)?, statements: HashMap::new(), depth: 0, failed: None })
    }

    /// `done`, its failure noted if inside a transaction.
    fn noted<T>(&mut self, done: Result<T, postgres::Error>) -> Result<T, Error> {
        done.map_err(|err| {
            let err = Error::from(err);
            if self.depth > 0 && self.failed.is_none() {
                self.failed = Some((self.depth, err.to_string()));
            }
            err
        })
    }

    /// The statement named `name`, prepared the first time.
    fn statement(&mut self, name: &'static str, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.statements.get(name) {
            return Ok(statement.clone());
        }
        let prepared = self.client.prepare(sql);
        let statement = self.noted(prepared)?;
        self.statements.insert(name, statement.clone());
        Ok(statement)
    }

    fn execute(&mut self, name: &'static str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, Error> {
        let statement = self.statement(name, sql)?;
        let done = self.client.execute(&statement, params);
        self.noted(done)
    }

    fn query(&mut self, name: &'static str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, Error> {
        let statement = self.statement(name, sql)?;
        let done = self.client.query(&statement, params);
        self.noted(done)
    }

    fn query_one(&mut self, name: &'static str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, Error> {
        let statement = self.statement(name, sql)?;
        let done = self.client.query_one(&statement, params);
        self.noted(done)
    }

    fn query_opt(
        &mut self,
        name: &'static str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error> {
        let statement = self.statement(name, sql)?;
        let done = self.client.query_opt(&statement, params);
        self.noted(done)
    }

    /// Opens a transaction, or a savepoint within the one open.
    fn begin(&mut self) -> Result<(), Error> {
        let sql = if self.depth == 0 { "BEGIN".to_owned() } else { format!("SAVEPOINT s{}", self.depth) };
        self.client.batch_execute(&sql)?;
        self.depth += 1;
        Ok(())
    }

    /// Commits what [`begin`](Self::begin) opened; on an error, it is still open, for
    /// [`rollback`](Self::rollback).
    fn commit(&mut self) -> Result<(), Error> {
        if let Some((_, why)) = &self.failed {
            return Err(Error::Aborted(why.clone()));
        }
        let sql = if self.depth <= 1 { "COMMIT".to_owned() } else { format!("RELEASE SAVEPOINT s{}", self.depth - 1) };
        self.client.batch_execute(&sql)?;
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    /// Rolls back what [`begin`](Self::begin) opened, if anything is open.
    fn rollback(&mut self) {
        if self.depth == 0 {
            return;
        }
        // A failure within what is rolled back is undone with it.
        if self.failed.as_ref().is_some_and(|(depth, _)| *depth >= self.depth) {
            self.failed = None;
        }
        self.depth -= 1;
        let sql = if self.depth == 0 {
            "ROLLBACK".to_owned()
        } else {
            format!("ROLLBACK TO SAVEPOINT s{0}; RELEASE SAVEPOINT s{0}", self.depth)
        };
        let _ = self.client.batch_execute(&sql);
    }

    /// Runs `work` as a whole: in a transaction of its own, or a savepoint of the one open.
    fn atomically<T>(&mut self, work: impl FnOnce(&mut Self) -> Result<T, Error>) -> Result<T, Error> {
        self.begin()?;
        let done = work(self).and_then(|value| self.commit().map(|()| value));
        if done.is_err() {
            self.rollback();
        }
        done
    }
}

/// A transaction under way: rolled back when dropped (an error, a panic, a failed commit)
/// unless committed first.
struct Open<'a>(&'a Store);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        let _ = self.0.with_connection(|db| {
            db.rollback();
            Ok(())
        });
    }
}

/// The settings a URL (`postgres://user:password@host:port/database`) gives.
///
/// # Errors
/// [`Error::Url`] for one that cannot be read.
pub fn parse(url: &str) -> Result<postgres::Config, Error> {
    // A scheme is read in any case (RFC 3986); the client reads only the lower.
    let url = match url.split_once("://") {
        Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
        None => url.to_owned(),
    };
    url.parse().map_err(|e: postgres::Error| Error::Url(e.to_string()))
}

/// A URL as logs may show it: without its password.
fn shown(config: &postgres::Config) -> String {
    let user = config.get_user().unwrap_or_default();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config.get_ports().first().map(|port| format!(":{port}")).unwrap_or_default();
    format!("postgres://{user}@{}{port}/{}", hosts.join(","), config.get_dbname().unwrap_or_default())
}

/// Times as milliseconds since 1970, for the indexes.
fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A time stored as milliseconds since 1970.
fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn integer(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A count read back.
fn count(value: i64) -> u64 {
    value.unsigned_abs()
}
