//! The relay's configuration: a JSON file without secrets, and the secrets from the
//! environment, named in the file. Every key added since the first relay is optional, with a
//! safe default, so that a file that worked then works now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sauce_webhooks::routing::Subscription;
use serde::{Deserialize, Serialize};

/// The configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen (`127.0.0.1:3000` by default).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Where incident states, the outbox and the dead letters are kept: a SQLite file
    /// ([`default_database`] when absent; a relative path is taken from the working folder, as
    /// it always was), or a PostgreSQL database (`postgres://user@host:port/database`) that
    /// several relays may share.
    #[serde(default)]
    pub database: Option<DatabaseSetting>,
    /// The environment variable holding the PostgreSQL user's password, if the URL has none.
    #[serde(default)]
    pub database_password_env: Option<String>,
    /// This relay's name among the replicas sharing a PostgreSQL database, the same after a
    /// restart (the host's name by default): its leases are given out again when it starts.
    #[serde(default)]
    pub instance: Option<String>,
    /// The Sauce Labs organization (its `org_id`) whose webhooks this relay takes in, when it
    /// takes one organization's: events are then routed and paged as received for it, so that
    /// project events (API Testing, Error Reporting, visual runs, App Distribution), which name
    /// no organization, reach its project subscriptions, and a body naming another
    /// organization reaches no one. Without it, project events reach no one.
    #[serde(default)]
    pub organization: Option<String>,
    /// PagerDuty events sent a minute per routing key, at most (120 by default, PagerDuty's
    /// limit): with several replicas, give each its share.
    #[serde(default = "default_pagerduty_rate")]
    pub pagerduty_events_per_minute: u32,
    /// The environment variable holding Sauce Labs' webhook token.
    #[serde(default = "default_sauce_secret_env")]
    pub sauce_secret_env: String,
    /// Threads delivering to webhook endpoints (4 by default).
    #[serde(default = "default_workers")]
    pub delivery_workers: usize,
    /// Where PagerDuty events go instead of `events.pagerduty.com`: PagerDuty's EU region
    /// (`https://events.eu.pagerduty.com/v2/enqueue`), a proxy, or a stand-in in tests.
    #[serde(default)]
    pub pagerduty_events_url: Option<String>,
    /// Whether webhook URLs may point at private or loopback addresses, and use `http`
    /// (tests only).
    #[serde(default)]
    pub allow_private_targets: bool,
    /// Retry delays, instead of the policies' own (tests, mostly).
    #[serde(default)]
    pub retry: Option<RetryConfig>,
    /// How long an attempt may take before its message is given out again (60 s by default).
    #[serde(default)]
    pub lease_seconds: Option<u32>,
    /// The most messages waiting in the outbox; past it, webhooks are answered 503 with
    /// `Retry-After`, so that Sauce Labs sends them again later instead of the disk filling.
    #[serde(default = "default_max_queued")]
    pub max_queued_messages: u64,
    /// How long a body taken in is remembered, so that the same body delivered again is taken
    /// once (one hour by default).
    #[serde(default = "default_replay_window")]
    pub replay_window_seconds: u32,
    /// The most the database may hold, in megabytes (1024 by default): from four fifths of it,
    /// webhooks are answered 503 rather than the disk filled, while what waits is delivered
    /// (which writes too) and room made. A SQLite file never grows past it; PostgreSQL's size
    /// is its tables' and indexes' as the server counts them, which lags what was deleted
    /// until it is vacuumed (automatically, by default).
    #[serde(default = "default_database_megabytes")]
    pub max_database_megabytes: u64,
    /// The most elements one body may carry (1000 by default): one body cannot queue more
    /// than this many messages per subscription. A body with more is answered 413.
    #[serde(default = "default_events_per_body")]
    pub max_events_per_body: usize,
    /// The most dead letters kept (10000 by default); the oldest past it are forgotten.
    #[serde(default = "default_dead_letters")]
    pub max_dead_letters: u64,
    /// Telling flaky tests from broken ones, for every PagerDuty subscription (off without):
    /// only a broken test pages, a flaky one is announced once a day, a quarantined one never
    /// pages.
    #[serde(default)]
    pub flakiness: Option<FlakinessConfig>,
    /// How long a closed incident nothing happened to is remembered (30 days by default).
    #[serde(default = "default_retention")]
    pub incident_retention_days: u32,
    /// PagerDuty's delivery workers (2 by default), apart from the webhooks' ones, so that no
    /// webhook endpoint holds up a page.
    #[serde(default = "default_pagerduty_workers")]
    pub pagerduty_workers: usize,
    /// Attempts under way at once to one webhook endpoint (2 by default): a slow endpoint
    /// holds at most this many workers.
    #[serde(default = "default_attempts_per_endpoint")]
    pub max_attempts_per_endpoint: usize,
    /// Sends to a disabled endpoint again after this long (never by default: an operator
    /// enables it with `sauce-relay endpoints enable`).
    #[serde(default)]
    pub reenable_endpoints_after_seconds: Option<u32>,
    /// Connections served at once (64 by default); more wait to be accepted.
    #[serde(default = "default_connections")]
    pub max_connections: usize,
    /// Connections one client address may hold at once (8 by default); more are closed at
    /// once. Behind a proxy every request comes from the proxy's address: raise it to
    /// `max_connections` there.
    #[serde(default = "default_connections_per_client")]
    pub max_connections_per_client: usize,
    /// How long a stopping relay (SIGTERM) waits for the attempts under way (10 s by default).
    #[serde(default = "default_drain")]
    pub drain_seconds: u32,
    /// The subscriptions, written to the database at start-up.
    pub subscriptions: Vec<SubscriptionConfig>,
}

/// Retry delays for both kinds of target; each absent one is the policies' own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// The delays before each retry, in seconds.
    #[serde(default)]
    pub schedule_seconds: Option<Vec<u32>>,
    /// The least wait after a 408, a 429 or a timeout, in seconds.
    #[serde(default)]
    pub throttled_wait_seconds: Option<u32>,
    /// The delays before each retry of a webhook request the endpoint refused (a 4xx other
    /// than 408, 410 and 429): 5 s, 60 s and 300 s by default, then it is a dead letter.
    #[serde(default)]
    pub refused_schedule_seconds: Option<Vec<u32>>,
}

fn default_listen() -> String {
    "127.0.0.1:3000".to_owned()
}

fn default_sauce_secret_env() -> String {
    "SAUCE_WEBHOOK_SECRET".to_owned()
}

fn default_workers() -> usize {
    4
}

fn default_max_queued() -> u64 {
    100_000
}

fn default_replay_window() -> u32 {
    3600
}

fn default_drain() -> u32 {
    10
}

fn default_pagerduty_rate() -> u32 {
    120
}

fn default_database_megabytes() -> u64 {
    1024
}

fn default_events_per_body() -> usize {
    1000
}

fn default_dead_letters() -> u64 {
    10_000
}

fn default_retention() -> u32 {
    30
}

fn default_pagerduty_workers() -> usize {
    2
}

fn default_attempts_per_endpoint() -> usize {
    2
}

fn default_connections() -> usize {
    64
}

fn default_connections_per_client() -> usize {
    8
}

/// One subscription: who it listens to, and where its events go.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionConfig {
    /// Its name, unique: printable, at most 128 bytes (it names the subscription in logs and
    /// metrics, and its Standard Webhooks secret in the outbox).
    pub id: String,
    /// Its scope and topics, as `Subscription` serializes.
    pub filter: Subscription,
    /// Where its events go.
    pub target: TargetConfig,
}

/// The flakiness rules (see the library's `Flakiness`); each setting left out keeps its default.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlakinessConfig {
    /// Failures in a row that make a test broken (3 by default).
    #[serde(default)]
    pub broken_after: Option<u32>,
    /// Failures in a row that make a flaky test broken (8 by default).
    #[serde(default)]
    pub flaky_broken_after: Option<u32>,
    /// Flips between pass and fail among the last 32 results that make a test flaky (8 by default).
    #[serde(default)]
    pub flaky_flips: Option<u32>,
    /// How often a flaky test is announced again (24 hours by default).
    #[serde(default)]
    pub announce_every_hours: Option<u32>,
    /// How a flaky test is announced: `alert` (an `info` alert, by default) or `change_event`.
    #[serde(default)]
    pub announce_as: Option<AnnounceAs>,
    /// Tests never paged: a name, or a prefix ending in `*`.
    #[serde(default)]
    pub quarantine: Vec<String>,
}

impl FlakinessConfig {
    /// The library's rules.
    pub fn rules(&self) -> sauce_webhooks::pagerduty::Flakiness {
        let mut rules = sauce_webhooks::pagerduty::Flakiness::default();
        if let Some(n) = self.broken_after {
            rules = rules.with_broken_after(n);
        }
        if let Some(n) = self.flaky_broken_after {
            rules = rules.with_flaky_broken_after(n);
        }
        if let Some(n) = self.flaky_flips {
            rules = rules.with_flaky_flips(n);
        }
        if let Some(hours) = self.announce_every_hours {
            rules = rules.with_announce_every(sauce_webhooks::time::Duration::hours(hours.into()));
        }
        if let Some(AnnounceAs::ChangeEvent) = self.announce_as {
            rules = rules.announce_as(sauce_webhooks::pagerduty::Announcement::ChangeEvent);
        }
        for pattern in &self.quarantine {
            rules = rules.quarantine(pattern.clone());
        }
        rules
    }
}

/// How the relay announces a flaky test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnounceAs {
    /// An `info` alert under a dedup key of its own.
    Alert,
    /// A change event on the service's timeline.
    ChangeEvent,
}

/// Where a subscription's events go.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetConfig {
    /// PagerDuty, through the incident ledger.
    Pagerduty {
        /// The environment variable holding the integration's routing key.
        routing_key_env: String,
        /// Failures in a row before a page (1 by default).
        #[serde(default)]
        failures_to_page: Option<u32>,
    },
    /// A webhook endpoint, through a connector.
    Webhook {
        /// The endpoint.
        url: String,
        /// Headers to add (names and values are checked).
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// The body's template (`{{event}}` by default).
        #[serde(default)]
        template: Option<String>,
        /// Whether successes are sent too.
        #[serde(default)]
        on_success: bool,
        /// The environment variable holding the Standard Webhooks secret (`whsec_…`) that signs
        /// each attempt, if any.
        #[serde(default)]
        standard_webhooks_secret_env: Option<String>,
    },
}

/// Reads the configuration at `path`.
///
/// # Errors
/// The file cannot be read, or is not a configuration: the message names the file, and the
/// line and column of what is wrong.
pub fn read(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Where the database is kept when the configuration names none: under
/// `$XDG_STATE_HOME/sauce-relay/` (`~/.local/state/sauce-relay/` without it), outside any
/// source tree.
pub fn default_database(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let state = env("XDG_STATE_HOME")
        .filter(|dir| Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| env("HOME").filter(|home| !home.is_empty()).map(|home| Path::new(&home).join(".local/state")))?;
    Some(state.join("sauce-relay").join("relay.db"))
}

/// Whether `database` is a PostgreSQL URL: its scheme, in any case, is `postgres` or
/// `postgresql`.
fn is_postgres_url(database: &str) -> bool {
    database
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql"))
}

/// A database setting as logs and `Debug` may show it: a URL's password replaced by `***`.
pub fn shown_database(database: &str) -> String {
    let Some((scheme, rest)) = database.split_once("://") else { return database.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***{}", &rest[at..])
        }
        None => database.to_owned(),
    }
}

/// The `database` setting: a SQLite file's path or a PostgreSQL URL, which `Debug` shows
/// without its password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseSetting(pub String);

impl std::fmt::Debug for DatabaseSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseSetting").field(&shown_database(&self.0)).finish()
    }
}

/// Where the relay keeps its state.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file: one relay.
    File(PathBuf),
    /// A PostgreSQL database: replicas may share it. The URL as configured.
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&shown_database(url)).finish(),
        }
    }
}

impl Config {
    /// Where the state is kept: the configured database, or [`default_database`].
    ///
    /// # Errors
    /// When neither names one (no `HOME`).
    pub fn location(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Location, String> {
        let location = match self.database.as_ref().map(|setting| &setting.0) {
            Some(url) if is_postgres_url(url) => Location::Postgres(url.clone()),
            Some(other) if other.contains("://") => {
                let scheme = other.split("://").next().unwrap_or_default();
                return Err(format!(
                    "database: a SQLite file's path, or a postgres:// URL; {:?} is neither",
                    format!("{scheme}://…")
                ));
            }
            Some(other) if other.contains('=') && other.contains(' ') => {
                return Err("database: PostgreSQL's key=value settings are not read here; write a URL, \
                            postgres://user@host:port/database"
                    .to_owned());
            }
            Some(path) => Location::File(PathBuf::from(path)),
            None => default_database(env)
                .map(Location::File)
                .ok_or_else(|| "database: not set, and no HOME or XDG_STATE_HOME to keep it under".to_owned())?,
        };
        if let Location::File(path) = &location {
            for (key, set) in
                [("instance", self.instance.is_some()), ("database_password_env", self.database_password_env.is_some())]
            {
                if set {
                    return Err(format!(
                        "{key}: names a PostgreSQL replica's setting, but database is the SQLite file {}",
                        path.display()
                    ));
                }
            }
        }
        Ok(location)
    }

    /// This relay's name among replicas: the configured one, else the host's.
    pub fn instance(&self, env: &dyn Fn(&str) -> Option<String>) -> String {
        self.instance
            .clone()
            .or_else(|| env("HOSTNAME"))
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|name| name.trim().to_owned()))
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "sauce-relay".to_owned())
    }
}
