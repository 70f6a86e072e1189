//! The relay's routes: `POST /webhooks/sauce`, `GET /health` (the process answers), `GET
//! /ready` (and its database does), `GET /metrics` (Prometheus' text format).
//!
//! A webhook's body is read by the crate's [`Signed`] extractor: its signature header is
//! checked before a byte of the body is read (a request without one is refused at once), the
//! body is copied out of each frame as it arrives and never past 2 MiB, so a client that sends
//! a byte at a time holds at most its body. It is then taken in on the intake thread, one body
//! at a time, each in its own transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use axum::extract::{FromRef, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sauce_webhooks::axum::{Signed, WebhookRejection};
use sauce_webhooks::signature::Verifier;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tower_http::timeout::TimeoutLayer;

use crate::database::Database;
use crate::heartbeat::Heartbeat;
use crate::intake::{Answer, FULL_RETRY_AFTER_SECONDS, Intake};
use crate::log::Sampled;
use crate::metrics::{self, Metrics};
use crate::server::Limits;

/// A verified body handed to the intake thread, and where its answer goes.
type Job = (Signed, oneshot::Sender<Answer>);

/// Refusals written to the log each second, at most: the metrics count them all.
static REFUSED: Sampled = Sampled::new(10);

/// Bodies waiting for the intake thread; more wait in their handlers.
const WAITING_BODIES: usize = 64;

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct Shared {
    /// Checks Sauce Labs' signature.
    pub verifier: Arc<Verifier>,
    /// To the intake thread.
    pub jobs: mpsc::Sender<Job>,
    /// Where counts go.
    pub metrics: Arc<Metrics>,
    /// Whether the database answers and intake is not stuck.
    pub heartbeat: Arc<Heartbeat>,
    /// The relay's threads that died of a panic: one is enough for it to be broken.
    pub deaths: Arc<AtomicUsize>,
}

impl FromRef<Shared> for Arc<Verifier> {
    fn from_ref(shared: &Shared) -> Self {
        Arc::clone(&shared.verifier)
    }
}

/// Starts the intake thread: it takes bodies in one at a time until every sender is gone.
pub fn intake_thread<D: Database>(
    intake: Intake<D>,
    heartbeat: Arc<Heartbeat>,
    deaths: Arc<AtomicUsize>,
) -> (mpsc::Sender<Job>, JoinHandle<()>) {
    let (jobs, mut inbox) = mpsc::channel::<Job>(WAITING_BODIES);
    let thread = std::thread::spawn(move || {
        let _watch = crate::heartbeat::Watch(deaths);
        while let Some((signed, reply)) = inbox.blocking_recv() {
            heartbeat.working();
            let answer = intake.handle(&signed.verified(), || !reply.is_closed());
            heartbeat.done();
            let _ = reply.send(answer);
        }
    });
    (jobs, thread)
}

/// The routes. A request that takes longer than `limits.request` is answered 408, and
/// whatever its body was becoming is rolled back.
pub fn routes(shared: Shared, limits: &Limits) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/sauce", post(sauce))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request))
        .with_state(shared)
}

async fn sauce(State(shared): State<Shared>, signed: Result<Signed, WebhookRejection>) -> Response {
    let response = match signed {
        Err(rejection) => {
            // Anyone can cause these: a few a second are written, the rest counted.
            let fields = json!({"status": rejection.status().as_u16(), "reason": rejection.to_string()});
            REFUSED.log("warn", "refused", fields);
            rejection.into_response()
        }
        Ok(signed) => {
            let (reply, answer) = oneshot::channel();
            let answer = match shared.jobs.send((signed, reply)).await {
                Ok(()) => answer.await.unwrap_or(Answer::Unavailable),
                Err(_) => Answer::Unavailable,
            };
            respond(&answer)
        }
    };
    let status = response.status().as_u16();
    shared.metrics.intake.get_or_create(&metrics::Status { status }).inc();
    response
}

fn respond(answer: &Answer) -> Response {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match answer {
        Answer::Full => (status, [(header::RETRY_AFTER, FULL_RETRY_AFTER_SECONDS.to_string())]).into_response(),
        Answer::TooMany(max) => {
            let headers =
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")];
            (status, headers, format!("more than {max} events in one body")).into_response()
        }
        Answer::Refused(reason) => {
            let headers =
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")];
            (status, headers, reason.clone()).into_response()
        }
        _ => status.into_response(),
    }
}

/// Ready when the database answered lately, intake is not stuck on a body, and no thread of
/// the relay has died.
async fn ready(State(shared): State<Shared>) -> StatusCode {
    let alive = shared.deaths.load(Ordering::Relaxed) == 0;
    if alive && shared.heartbeat.is_lively() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
}

async fn metrics(State(shared): State<Shared>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], shared.metrics.encode()).into_response()
}
