//! The receiver's routes, shared by `main.rs` and `tests/receiver.rs`: the crate's axum
//! extractors verify and parse, the handlers log one line per request (a summary of a batch,
//! however many events it holds), and every request is logged with its id, the client's
//! address, its status and how long it took.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, FromRef, Request};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use sauce_webhooks::Event;
use sauce_webhooks::axum::{PagerDutyWebhook, SauceEvents, WebhookRejection};
use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::{Span, info, info_span, warn};

#[path = "../../relay/src/server.rs"]
mod server;
#[cfg_attr(test, allow(unused_imports))]
pub use server::{Limits, serve, shutdown_signal};

/// The verifiers for each sender: the extractors take theirs from here.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// For `POST /webhooks/sauce` (`saucelabs-sign`).
    pub sauce: Arc<Verifier>,
    /// For `POST /webhooks/pagerduty` (`X-PagerDuty-Signature`).
    pub pagerduty: Arc<Verifier<PagerDutyV3>>,
}

impl FromRef<Receiver> for Arc<Verifier> {
    fn from_ref(receiver: &Receiver) -> Self {
        Arc::clone(&receiver.sauce)
    }
}

impl FromRef<Receiver> for Arc<Verifier<PagerDutyV3>> {
    fn from_ref(receiver: &Receiver) -> Self {
        Arc::clone(&receiver.pagerduty)
    }
}

/// The secret in the variable `var`, read through `env`; without one, a development secret
/// only when `RECEIVER_DEV_SECRETS=1` asks for it, so that a forgotten variable stops the
/// receiver instead of opening it to anyone who knows the development secret.
pub fn secret(var: &str, env: impl Fn(&str) -> Option<String>) -> Result<Secret, String> {
    let token = match env(var) {
        Some(token) => token,
        None if env("RECEIVER_DEV_SECRETS").as_deref() == Some("1") => {
            warn!("{var} is not set; using the development secret \"dev-secret\"");
            "dev-secret".to_owned()
        }
        None => return Err(format!("{var} is not set (RECEIVER_DEV_SECRETS=1 uses a development secret)")),
    };
    Secret::new(token).map_err(|err| format!("{var}: {err}"))
}

/// The routes, each request in a span with its id and the client's address. The extractors
/// answer 413 to a body over the verifiers' limit (2 MiB) without reading past it; a request
/// that takes longer than `limits.request` is answered 408.
pub fn router(receiver: Receiver, limits: &Limits) -> Router {
    Router::new()
        .route("/webhooks/sauce", post(sauce))
        .route("/webhooks/pagerduty", post(pagerduty))
        .route("/health", get(|| async { "ok" }))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_request(()).on_response(answered))
        .with_state(receiver)
}

async fn sauce(events: Result<SauceEvents, WebhookRejection>) -> Result<StatusCode, WebhookRejection> {
    let events = events.inspect_err(refused)?;
    let summary = Summary::of(events);
    info!(
        events = summary.events,
        failures = summary.failures,
        first = %summary.first.as_deref().unwrap_or("-"),
        "sauce events"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// One log line's worth of a request's events: a signed body may pack 700,000 of them, and a
/// line each would let one request write a million lines.
#[derive(Debug, Default)]
struct Summary {
    /// How many events.
    events: usize,
    /// How many of them are failures.
    failures: usize,
    /// The first one, described.
    first: Option<String>,
}

impl Summary {
    /// Takes the events one at a time, keeping counts and the first one's description.
    fn of(events: SauceEvents) -> Self {
        events.into_iter().fold(Self::default(), |mut summary, event| {
            summary.events += 1;
            summary.failures += usize::from(event.is_failure());
            summary.first.get_or_insert_with(|| describe(&event));
            summary
        })
    }
}

async fn pagerduty(webhook: Result<PagerDutyWebhook, WebhookRejection>) -> Result<StatusCode, WebhookRejection> {
    let PagerDutyWebhook(envelope) = webhook.inspect_err(refused)?;
    let event = envelope.event;
    info!(
        event_type = %quoted(&event.event_type),
        incident = %quoted(event.incident_id().unwrap_or("-")),
        "pagerduty event"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Every refusal, with its reason (which never holds a secret, and quotes what it shows of
/// the body).
fn refused(rejection: &WebhookRejection) {
    warn!(status = rejection.status().as_u16(), reason = %quoted(rejection), "refused");
}

/// A span per request: an id of our own (a client's `x-request-id` could be anything), the
/// client's address, the method and the path.
fn request_span(request: &Request) -> Span {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| *address);
    info_span!(
        "request",
        id,
        client = %client.map_or_else(|| "-".to_owned(), |address| address.to_string()),
        method = %request.method(),
        path = %quoted(request.uri().path()),
    )
}

fn answered(response: &Response, latency: Duration, _span: &Span) {
    let (status, latency_ms) = (response.status().as_u16(), latency.as_secs_f64() * 1000.0);
    if response.status().is_success() {
        info!(status, latency_ms, "answered");
    } else {
        warn!(status, latency_ms, "answered");
    }
}

/// Text from the request, quoted with its control and invisible characters escaped
/// (`"j\n"`), so that no request can forge a log line.
fn quoted(text: impl std::fmt::Display) -> String {
    format!("{:?}", text.to_string())
}

/// One log line for an event, every text from the body quoted.
pub fn describe(event: &Event) -> String {
    match event {
        Event::Job(job) => format!(
            "{} job {} {} {}{}",
            quoted(&job.data_type),
            quoted(&job.id),
            quoted(job.name.as_deref().unwrap_or("(unnamed)")),
            quoted(&job.status),
            if job.is_failure() { " (failure)" } else { "" }
        ),
        Event::VisualBuild(build) => format!("visual build {} {}", quoted(&build.build_id), quoted(&build.status)),
        Event::Concurrency(usage) => format!(
            "concurrency {} {}/{} VMs",
            quoted(&usage.organization.id),
            usage.organization.current.vms,
            usage.organization.allowed.vms
        ),
        _ => "an event of a kind this version does not know".to_owned(),
    }
}
