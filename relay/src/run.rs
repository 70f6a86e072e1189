//! `sauce-relay run`: the configuration checked, the database locked to this process and
//! opened, what a crash left behind put right, then the HTTP server, the intake thread, the
//! delivery workers (PagerDuty's apart from the webhooks') and the housekeeping thread
//! started; on SIGTERM, intake stops, and requests and attempts under way get `drain_seconds`
//! to finish.

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration as StdDuration, Instant};

use sauce_webhooks::OrgId;
use sauce_webhooks::delivery::{Dispatcher, EndpointKind, Outbox};
use sauce_webhooks::pagerduty::IncidentLedger;
use sauce_webhooks::signature::Verifier;
use sauce_webhooks::time::{Duration, OffsetDateTime};
use serde_json::json;

use crate::config::{Config, Location};
use crate::database::{self, Database};
use crate::deliver::{self, Worker};
use crate::heartbeat::Heartbeat;
use crate::housekeeping::Housekeeping;
use crate::http::{self, Shared};
use crate::intake::{Action, Intake};
use crate::log::log;
use crate::metrics::Metrics;
use crate::server::{self, Limits};
use crate::setup::{self, Setup, Target};

/// Runs the relay until `shutdown` completes, then drains.
///
/// # Errors
/// What stopped it from starting, or the listener failing.
pub fn run(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let setup = setup::build(config, env).map_err(|problems| format!("the configuration has problems:\n{problems}"))?;
    match config.location(env)? {
        Location::File(path) => {
            // Locked before anything reads or migrates it: one relay per SQLite file.
            let _lock = lock(&path)?;
            let max_bytes = config.max_database_megabytes.saturating_mul(1024 * 1024);
            // The file's hard limit; webhooks are refused at four fifths of it (housekeeping),
            // so that delivering and forgetting, which write too, always have room.
            let store = sauce_webhooks_sqlite::Store::open_with_limit(&path, Some(max_bytes))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            run_on(&store, &path.display().to_string(), config, setup, shutdown)
        }
        Location::Postgres(url) => {
            let settings = database::postgres_settings(&url, config, env)?;
            let store = sauce_webhooks_postgres::Store::connect_with(&settings, &config.instance(env))
                .map_err(|e| format!("database: {e}"))?;
            let skew = store.clock_skew().map_err(|e| format!("database: {e}"))?;
            if skew.abs() > Duration::seconds(2) {
                log(
                    "warn",
                    "this machine's clock and the database's disagree: replicas' leases and retries are \
                     written by their own clocks (keep every replica on NTP)",
                    json!({"database_ahead_by_seconds": skew.as_seconds_f64()}),
                );
            }
            run_on(&store, store.name(), config, setup, shutdown)
        }
    }
}

/// Runs the relay on `store` (named `name` in its logs).
fn run_on<D: Database>(
    store: &D,
    name: &str,
    config: &Config,
    setup: Setup,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    recover(store, &setup).map_err(|e| format!("{name}: {e}"))?;
    let parts = Parts::assemble(config, store, setup);
    // The first count before the first webhook, so that a full outbox is known at once.
    parts.housekeeping.tick(OffsetDateTime::now_utc(), true).map_err(|e| e.to_string())?;
    let limits = Limits {
        connections: config.max_connections,
        connections_per_client: config.max_connections_per_client,
        drain: parts.drain,
        ..Limits::default()
    };
    parts.serve(config, name, limits, shutdown)
}

/// Puts right what a stopped relay left: its attempts under way are given out again at once,
/// and messages no configured secret can sign become dead letters rather than hold up their
/// keys; in a database replicas share, they are left to the replicas that can (a rolling
/// change of configuration: the newer replicas know the new signer), and counted.
fn recover<D: Database>(store: &D, setup: &Setup) -> Result<(), D::Failure> {
    let now = OffsetDateTime::now_utc();
    let released = store.release_leases(now)?;
    if released > 0 {
        log("warn", "attempts a stopped relay left under way, given out again", json!({"messages": released}));
    }
    let signers: HashSet<&str> = setup.signers.iter().map(|(name, _)| name.as_str()).collect();
    if D::SHARED {
        let unsigned = store.unsigned(&signers)?;
        if !unsigned.is_empty() {
            log(
                "warn",
                "messages this relay cannot sign, left to the replicas that can (`sauce-relay check` lists them)",
                json!({"signers": unsigned}),
            );
        }
        return Ok(());
    }
    let orphans = store.set_aside_unsigned(&signers, now)?;
    if orphans > 0 {
        log(
            "error",
            "messages no configured secret can sign, set aside as dead letters (`sauce-relay dead-letters list`)",
            json!({"messages": orphans}),
        );
    }
    Ok(())
}

/// The relay's parts, before they start.
struct Parts<D> {
    intake: Intake<D>,
    workers: Vec<Worker<D>>,
    housekeeping: Housekeeping<D>,
    verifier: Arc<Verifier>,
    metrics: Arc<Metrics>,
    heartbeat: Arc<Heartbeat>,
    drain: StdDuration,
}

impl<D: Database> Parts<D> {
    fn assemble(config: &Config, store: &D, setup: Setup) -> Self {
        let Setup { sauce, router, subscribers, signers, policies, lease, endpoint_policy } = setup;
        let metrics = Arc::new(Metrics::new());
        let patterns = config.flakiness.as_ref().map_or(0, |flakiness| flakiness.quarantine.len());
        metrics.quarantined_tests.set(i64::try_from(patterns).unwrap_or(i64::MAX));
        let outbox = |store: D| {
            let mut outbox = Outbox::new()
                .with_store(store)
                .with_lease(lease)
                .with_pagerduty_rate_limit(config.pagerduty_events_per_minute);
            for policy in policies.clone() {
                outbox = outbox.with_policy(policy);
            }
            for (name, secret) in &signers {
                outbox = outbox.with_signer(name.clone(), secret.clone());
            }
            outbox
        };
        // A pool of workers per kind of target, each sharing one outbox (one rate limit, one
        // pause per routing key): no webhook endpoint, however slow, holds up a page, and one
        // endpoint holds at most `max_attempts_per_endpoint` webhook workers.
        let pools = [
            (EndpointKind::PagerDuty, config.pagerduty_workers, config.pagerduty_workers),
            (EndpointKind::Webhook, config.delivery_workers, config.max_attempts_per_endpoint),
        ];
        let timeout = deliver::request_timeout(lease.try_into().unwrap_or_default());
        let request_timeout = Duration::try_from(timeout).unwrap_or(Duration::seconds(15));
        let seed = now_nanos();
        let mut workers = Vec::new();
        for (target, count, in_flight) in pools {
            let shared = Arc::new(outbox(store.clone().giving(target, in_flight)));
            for _ in 0..count {
                let seed = 0x9E37_79B9_7F4A_7C15 ^ (workers.len() as u64 + 1) ^ seed;
                workers.push(Worker {
                    outbox: Arc::clone(&shared),
                    dispatcher: Dispatcher::new(seed).with_request_timeout(request_timeout),
                    agent: deliver::agent(endpoint_policy, timeout),
                    metrics: Arc::clone(&metrics),
                });
            }
        }
        let depth = Arc::new(AtomicU64::new(0));
        let full = Arc::new(AtomicBool::new(false));
        let heartbeat = Arc::new(Heartbeat::default());
        let replay_window = Duration::seconds(config.replay_window_seconds.into());
        let ids = subscribers.iter().map(|sub| sub.id.clone()).collect();
        let actions = subscribers.into_iter().map(|sub| {
            let action = match sub.target {
                Target::Page { rules, failures_to_page, flakiness } => {
                    let ledger = IncidentLedger::new(*rules).with_failures_to_page(failures_to_page);
                    let ledger = match flakiness {
                        Some(flakiness) => ledger.with_flakiness(flakiness),
                        None => ledger,
                    };
                    Action::Page(Box::new(ledger.with_store(store.clone())))
                }
                Target::Send(connector) => Action::Send(connector),
            };
            (sub.id, action)
        });
        let intake = Intake {
            store: store.clone(),
            router,
            organization: config.organization.as_deref().map(OrgId::from),
            subscribers: actions.collect(),
            outbox: outbox(store.clone()),
            replay_window,
            max_events: config.max_events_per_body,
            max_queued: config.max_queued_messages,
            depth: Arc::clone(&depth),
            full: Arc::clone(&full),
            metrics: Arc::clone(&metrics),
        };
        let housekeeping = Housekeeping {
            store: store.clone(),
            outbox: Arc::new(outbox(store.clone())),
            metrics: Arc::clone(&metrics),
            depth,
            full,
            max_bytes: config.max_database_megabytes.saturating_mul(1024 * 1024),
            heartbeat: Arc::clone(&heartbeat),
            replay_window,
            incident_retention: Duration::days(config.incident_retention_days.into()),
            max_dead_letters: config.max_dead_letters,
            reenable_after: config.reenable_endpoints_after_seconds.map(|s| Duration::seconds(s.into())),
            subscriptions: ids,
        };
        let verifier = Arc::new(Verifier::new(sauce));
        let drain = StdDuration::from_secs(config.drain_seconds.into());
        Self { intake, workers, housekeeping, verifier, metrics, heartbeat, drain }
    }

    /// Starts every thread and serves until `shutdown`; then intake stops, and the requests and
    /// attempts under way finish within the drain time.
    fn serve(
        self,
        config: &Config,
        name: &str,
        limits: Limits,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), String> {
        let Self { intake, workers, housekeeping, verifier, metrics, heartbeat, drain } = self;
        let stop = Arc::new(AtomicBool::new(false));
        let deaths = Arc::new(AtomicUsize::new(0));
        let spawn = |work: Box<dyn FnOnce(&AtomicBool) + Send>| {
            let (stop, deaths) = (Arc::clone(&stop), Arc::clone(&deaths));
            std::thread::spawn(move || {
                let _watch = crate::heartbeat::Watch(deaths);
                work(&stop);
            })
        };
        let workers: Vec<_> = workers.into_iter().map(|worker| spawn(Box::new(move |stop| worker.run(stop)))).collect();
        let housekeeper = spawn(Box::new(move |stop| housekeeping.run(stop)));
        let (jobs, intake_thread) = http::intake_thread(intake, Arc::clone(&heartbeat), Arc::clone(&deaths));
        let shared = Shared { verifier, jobs, metrics, heartbeat, deaths };
        // At the signal the workers begin no new attempt, while the server finishes its requests.
        let stopping = Arc::clone(&stop);
        let shutdown = async move {
            shutdown.await;
            stopping.store(true, Ordering::Relaxed);
        };
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let served = runtime.block_on(async {
            let listener =
                tokio::net::TcpListener::bind(&config.listen).await.map_err(|e| format!("{}: {e}", config.listen))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            log("info", "listening", json!({"address": address.to_string(), "database": name}));
            server::serve(listener, http::routes(shared, &limits), limits, shutdown).await.map_err(|e| e.to_string())
        });
        // No request is served any more: the intake thread ends with its channel.
        runtime.shutdown_timeout(StdDuration::ZERO);
        let _ = intake_thread.join();
        stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + drain;
        wait_for(&workers, deadline);
        let _ = housekeeper.join();
        let left = workers.iter().filter(|worker| !worker.is_finished()).count();
        log("info", "stopped", json!({"attempts_left_under_way": left}));
        crate::log::flush();
        served
    }
}

/// Waits for `threads` to end, until `deadline`.
fn wait_for(threads: &[JoinHandle<()>], deadline: Instant) {
    while threads.iter().any(|thread| !thread.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(StdDuration::from_millis(20));
    }
}

/// Locks the database to this process, so that two relays never share one SQLite database
/// (each would give out the other's attempts again as it starts): the database file itself,
/// whatever path or link reaches it, created empty if need be; released when dropped.
fn lock(database: &Path) -> Result<File, String> {
    let failed = |e: std::io::Error| format!("{}: {e}", database.display());
    if let Some(folder) = database.parent().filter(|folder| !folder.as_os_str().is_empty() && !folder.exists()) {
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(folder)
            .map_err(|e| format!("cannot make the database's folder {}: {e}", folder.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(database)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(format!("{}: another sauce-relay runs on this database", database.display()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(failed(e)),
    }
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos().into())
}
