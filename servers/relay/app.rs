//! The relay, wired: configuration read and checked, the database opened, the HTTP server,
//! the intake thread and the delivery workers started. Shared by `main.rs` and
//! `tests/relay.rs`.

#[path = "config.rs"]
pub mod config;
#[path = "db.rs"]
pub mod db;
#[path = "deliver.rs"]
mod deliver;
#[path = "intake.rs"]
mod intake;
#[path = "log.rs"]
pub mod log;
#[path = "../common/server.rs"]
mod server;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use sauce_webhooks::Router;
use sauce_webhooks::delivery::{Outbox, RetryPolicy};
use sauce_webhooks::endpoint::EndpointPolicy;
use sauce_webhooks::signature::{DEFAULT_MAX_BODY, Secret, Verifier};
use sauce_webhooks::time::Duration;
use serde_json::json;
use tokio::sync::oneshot;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use config::{Config, SubscriptionConfig, secret_var};
use db::Sqlite;
use log::log;
pub use server::Limits;

/// A request handed to the intake thread, and where its status goes.
type Job = (HeaderMap, Bytes, oneshot::Sender<u16>);

/// Everything the relay needs before it starts; building it checks the whole configuration,
/// so that a mistake stops the relay at start-up, not at the first webhook.
pub struct Relay {
    config: Config,
    intake: intake::Intake,
    workers: Vec<deliver::Worker>,
}

/// Reads the configuration at `path`.
pub fn read_config(path: &std::path::Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

impl Relay {
    /// Checks `config`, reads its secrets through `env`, opens the database and writes the
    /// subscriptions to it.
    pub fn new(config: Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let sauce = Secret::new(secret_var(env, &config.sauce_secret_env)?).map_err(|e| e.to_string())?;
        let open = || Sqlite::open(&config.database).map_err(|e| format!("{}: {e}", config.database.display()));
        let db = open()?;
        let stored: Vec<(String, String)> = config
            .subscriptions
            .iter()
            .map(|sub| Ok((sub.id.clone(), serde_json::to_string(sub).map_err(|e| e.to_string())?)))
            .collect::<Result<_, String>>()?;
        db.replace_subscriptions(&stored).map_err(|e| e.to_string())?;

        // The subscriptions as stored: what the database holds is what runs.
        let mut router = Router::new();
        let mut subscriptions = Vec::new();
        let mut signers = Vec::new();
        for (index, (_, json)) in db.subscriptions().map_err(|e| e.to_string())?.into_iter().enumerate() {
            let sub: SubscriptionConfig = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            let (action, signer) = sub.action(&config, env, db.clone())?;
            router.insert(index, sub.filter.clone());
            subscriptions.push((sub.id, action));
            signers.extend(signer);
        }
        let with_settings = |mut outbox: Outbox<Sqlite>| {
            for (name, secret) in &signers {
                outbox = outbox.with_signer(name.clone(), secret.clone());
            }
            if let Some(retry) = &config.retry {
                let schedule: Vec<Duration> =
                    retry.schedule_seconds.iter().map(|&s| Duration::seconds(s.into())).collect();
                let wait = Duration::seconds(retry.throttled_wait_seconds.into());
                for policy in [RetryPolicy::pagerduty(), RetryPolicy::webhook()] {
                    outbox = outbox.with_policy(policy.with_schedule(schedule.clone()).with_throttled_wait(wait));
                }
            }
            if let Some(lease) = config.lease_seconds {
                outbox = outbox.with_lease(Duration::seconds(lease.into()));
            }
            outbox
        };
        // Requests may take half the lease: under 2 s, that rounds to nothing.
        if config.lease_seconds.is_some_and(|lease| lease < 2) {
            return Err("lease_seconds must be 2 or more".to_owned());
        }
        if let Some(url) = &config.pagerduty_events_url {
            // Routing keys travel in the body: https, unless this is a test on loopback.
            let parsed = url::Url::parse(url).map_err(|e| format!("pagerduty_events_url: {e}"))?;
            if parsed.scheme() != "https" && !config.allow_private_targets {
                return Err("pagerduty_events_url must be https".to_owned());
            }
        }
        // One outbox for all workers, on its own connection: one rate limit, one pause per
        // routing key.
        let delivery = Arc::new(with_settings(Outbox::new().with_store(open()?)));
        let policy = EndpointPolicy::default()
            .with_http(config.allow_private_targets)
            .with_private_targets(config.allow_private_targets);
        let timeout = deliver::request_timeout(delivery.lease().try_into().map_err(|_| "lease_seconds: negative")?);
        let workers = (0..config.delivery_workers.max(1))
            .map(|n| deliver::Worker {
                outbox: Arc::clone(&delivery),
                agent: deliver::agent(policy, timeout),
                pagerduty_url: config.pagerduty_events_url.clone(),
                timeout,
                seed: 0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1) ^ now_nanos(),
            })
            .collect();
        let intake = intake::Intake {
            verifier: Verifier::new(sauce),
            router,
            subscriptions,
            outbox: with_settings(Outbox::new().with_store(db.clone())),
            db,
        };
        Ok(Self { config, intake, workers })
    }

    /// Serves until the process ends: delivery workers and the intake thread in the
    /// background, the HTTP server on the calling thread.
    pub fn run(self, limits: Limits) -> Result<(), String> {
        let Self { config, intake, workers } = self;
        let stop = Arc::new(AtomicBool::new(false));
        for worker in workers {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || worker.run(&stop));
        }
        // One thread takes requests in, in order, on its own connection: each request is one
        // transaction.
        let (jobs, inbox) = mpsc::sync_channel::<Job>(64);
        std::thread::spawn(move || {
            for (headers, body, reply) in inbox {
                let status = intake.handle(&headers, &body, || !reply.is_closed());
                let _ = reply.send(status);
            }
        });
        let routes = axum::Router::new()
            .route("/webhooks/sauce", post(sauce))
            .route("/health", get(|| async { "ok" }))
            .layer(RequestBodyLimitLayer::new(DEFAULT_MAX_BODY))
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request))
            .with_state(jobs);
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let listener =
                tokio::net::TcpListener::bind(&config.listen).await.map_err(|e| format!("{}: {e}", config.listen))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            log("info", "listening", json!({"address": address.to_string()}));
            server::serve(listener, routes, limits, server::shutdown_signal()).await.map_err(|e| e.to_string())
        })
    }
}

async fn sauce(State(jobs): State<mpsc::SyncSender<Job>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let (reply, status) = oneshot::channel();
    // The intake thread may be busy: wait for room off the async threads.
    let sent = tokio::task::spawn_blocking(move || jobs.send((headers, body, reply)).is_ok()).await;
    let status = if sent.unwrap_or(false) { status.await.unwrap_or(503) } else { 503 };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos().into())
}
