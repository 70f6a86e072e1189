//! The service everyone wants, durable: Sauce Labs webhooks in, PagerDuty pages out, nothing
//! forgotten or lost when it restarts. The ledger and the outbox live in SQLite; each webhook
//! is one transaction; a sender thread delivers with `ureq` (`servers/senders/ureq_sender.rs`).
//!
//! `cargo run -p sauce-webhooks-servers --example durable`, with `SAUCE_WEBHOOK_SECRET` and
//! `PAGERDUTY_ROUTING_KEY` (and `LISTEN_ADDR`, `DATABASE`, `PAGERDUTY_EVENTS_URL` if not the
//! defaults) in the environment.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use sauce_webhooks::axum::SauceEvents;
use sauce_webhooks::delivery::{Dispatcher, Message, Outbox};
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::signature::{Secret, Verifier};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks_sqlite::Store;

#[path = "../senders/ureq_sender.rs"]
mod ureq_sender;

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
struct App {
    verifier: Arc<Verifier>,
    store: Store,
    ledger: Arc<IncidentLedger<Store>>,
    outbox: Arc<Outbox<Store>>,
}

impl FromRef<App> for Arc<Verifier> {
    fn from_ref(app: &App) -> Self {
        Arc::clone(&app.verifier)
    }
}

/// One webhook, one transaction: the incidents it changes and the pages it calls for are kept
/// together before the 204, or not at all (a 503, and Sauce Labs sends it again).
async fn sauce(State(app): State<App>, events: SauceEvents) -> StatusCode {
    let now = OffsetDateTime::now_utc();
    let taken = tokio::task::spawn_blocking(move || {
        app.store.transaction(|| {
            for event in events {
                if let Decision::Send(alert) = app.ledger.apply(&event, now)? {
                    app.outbox.enqueue(Message::pagerduty(&alert)?, now)?;
                }
            }
            Ok::<_, Failure>(())
        })
    });
    if matches!(taken.await, Ok(Ok(()))) { StatusCode::NO_CONTENT } else { StatusCode::SERVICE_UNAVAILABLE }
}

/// Opens the database, gives out again what a crash left under way, starts the sender, and
/// serves `POST /webhooks/sauce`.
#[tokio::main]
pub async fn main() -> Result<(), Failure> {
    let env = |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| default.to_owned());
    let needed = |var: &str| std::env::var(var).map_err(|_| format!("set {var} in the environment"));
    let (routing_key, sauce_secret) = (needed("PAGERDUTY_ROUTING_KEY")?, needed("SAUCE_WEBHOOK_SECRET")?);
    let store = Store::open(env("DATABASE", "durable.db").as_ref())?;
    store.release_leases(OffsetDateTime::now_utc())?; // what a crash left under way goes again now
    let rules = IncidentRules::new(RoutingKey::new(routing_key)?)
        .with_events_url(&env("PAGERDUTY_EVENTS_URL", sauce_webhooks::pagerduty::ENQUEUE_URL))?;
    let outbox = Arc::new(Outbox::new().with_store(store.clone()));
    let sender = Arc::clone(&outbox);
    std::thread::spawn(move || {
        let agent = ureq_sender::agent(Duration::from_secs(15));
        let mut dispatcher = Dispatcher::new(std::process::id().into());
        loop {
            let sent = dispatcher
                .deliver_due(&sender, OffsetDateTime::now_utc, 16, |attempt| ureq_sender::send(&agent, attempt));
            if !matches!(sent, Ok(sent) if !sent.is_empty()) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    let app = App {
        verifier: Arc::new(Verifier::new(Secret::new(sauce_secret)?)),
        ledger: Arc::new(IncidentLedger::new(rules).with_store(store.clone())),
        store,
        outbox,
    };
    let routes = axum::Router::new().route("/webhooks/sauce", axum::routing::post(sauce)).with_state(app);
    let listener = tokio::net::TcpListener::bind(env("LISTEN_ADDR", "127.0.0.1:3000")).await?;
    axum::serve(listener, routes).await?;
    Ok(())
}
