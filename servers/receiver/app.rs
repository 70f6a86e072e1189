//! The receiver's routes and server, shared by `main.rs` and `tests/receiver.rs`: verify the
//! raw body, parse it, log one line per event, and answer 204, 401, 400 or 413, within limits
//! that keep a slow or hostile client from holding connections or memory.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sauce_webhooks::Event;
use sauce_webhooks::signature::{DEFAULT_MAX_BODY, PagerDutyV3, Secret, SignatureError, Verifier};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

#[path = "../common/server.rs"]
mod server;
pub use server::{Limits, serve};

/// The verifiers for each sender.
pub struct Receiver {
    /// For `POST /webhooks/sauce` (`saucelabs-sign`).
    pub sauce: Verifier,
    /// For `POST /webhooks/pagerduty` (`X-PagerDuty-Signature`).
    pub pagerduty: Verifier<PagerDutyV3>,
}

/// The secret in the variable `var`, read through `env`; without one, a development secret
/// only when `RECEIVER_DEV_SECRETS=1` asks for it, so that a forgotten variable stops the
/// receiver instead of opening it to anyone who knows the development secret.
pub fn secret(var: &str, env: impl Fn(&str) -> Option<String>) -> Result<Secret, String> {
    let token = match env(var) {
        Some(token) => token,
        None if env("RECEIVER_DEV_SECRETS").as_deref() == Some("1") => {
            eprintln!("warning: {var} is not set; using the development secret \"dev-secret\"");
            "dev-secret".to_owned()
        }
        None => return Err(format!("{var} is not set (RECEIVER_DEV_SECRETS=1 uses a development secret)")),
    };
    Secret::new(token).map_err(|err| format!("{var}: {err}"))
}

/// The routes. A `Content-Length` over the body limit is answered 413 before the body is
/// read, and a body that grows past it while streaming is cut off with 413 too.
pub fn router(receiver: Receiver, limits: &Limits) -> Router {
    Router::new()
        .route("/webhooks/sauce", post(sauce))
        .route("/webhooks/pagerduty", post(pagerduty))
        .layer(RequestBodyLimitLayer::new(DEFAULT_MAX_BODY))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request))
        .with_state(Arc::new(receiver))
}

/// Refused elements of a batch reported before the rest are skipped: each costs a parse and a
/// log line, and a signed batch may hold 700,000 of them.
const MAX_REFUSED_ELEMENTS: usize = 10;

async fn sauce(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    // Hashing and parsing up to 2 MiB is CPU work: off the threads that serve connections.
    let handled = tokio::task::spawn_blocking(move || handle_sauce(&receiver, &headers, &body)).await;
    handled.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn handle_sauce(receiver: &Receiver, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    let verified = match receiver.sauce.verify_headers(body, headers) {
        Ok(verified) => verified,
        Err(err) => return refused("sauce", &err),
    };
    let mut refused_elements = 0;
    for event in verified.events() {
        match event {
            Ok(event) => println!("sauce: {}", describe(&event)),
            Err(err) if refused_elements < MAX_REFUSED_ELEMENTS => {
                println!("sauce: 400 {err}");
                refused_elements += 1;
            }
            Err(_) => {
                println!("sauce: 400 and more refused elements, not read");
                break;
            }
        }
    }
    if refused_elements == 0 { StatusCode::NO_CONTENT } else { StatusCode::BAD_REQUEST }
}

async fn pagerduty(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let handled = tokio::task::spawn_blocking(move || handle_pagerduty(&receiver, &headers, &body)).await;
    handled.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn handle_pagerduty(receiver: &Receiver, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    let verified = match receiver.pagerduty.verify_headers(body, headers) {
        Ok(verified) => verified,
        Err(err) => return refused("pagerduty", &err),
    };
    match verified.envelope() {
        Ok(envelope) => {
            let event = envelope.event;
            println!(
                "pagerduty: {} incident {}",
                quoted(&event.event_type),
                quoted(event.incident_id().unwrap_or("-"))
            );
            StatusCode::NO_CONTENT
        }
        Err(err) => {
            println!("pagerduty: 400 {err}");
            StatusCode::BAD_REQUEST
        }
    }
}

fn refused(sender: &str, err: &SignatureError) -> StatusCode {
    let status = match err {
        SignatureError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        // Missing, malformed, mismatched, and any reason to refuse a later version adds.
        _ => StatusCode::UNAUTHORIZED,
    };
    println!("{sender}: {} {err}", status.as_u16());
    status
}

/// Text from the body, quoted with its control and invisible characters escaped (`"j\n"`), so
/// that no body can forge a log line.
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
