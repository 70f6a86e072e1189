//! The receiver's routes, shared by `main.rs` and `tests/receiver.rs`: verify the raw body,
//! parse it, log one line per event, and answer 204, 401, 400 or 413.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sauce_webhooks::Event;
use sauce_webhooks::signature::{DEFAULT_MAX_BODY, PagerDutyV3, SignatureError, Verifier};

/// The verifiers for each sender.
pub struct Receiver {
    /// For `POST /webhooks/sauce` (`saucelabs-sign`).
    pub sauce: Verifier,
    /// For `POST /webhooks/pagerduty` (`X-PagerDuty-Signature`).
    pub pagerduty: Verifier<PagerDutyV3>,
}

/// The routes. The body limit is enforced while the body is read (413 before reading it all).
pub fn router(receiver: Receiver) -> Router {
    Router::new()
        .route("/webhooks/sauce", post(sauce))
        .route("/webhooks/pagerduty", post(pagerduty))
        .layer(DefaultBodyLimit::max(DEFAULT_MAX_BODY))
        .with_state(Arc::new(receiver))
}

async fn sauce(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let verified = match receiver.sauce.verify_headers(&body, &headers) {
        Ok(verified) => verified,
        Err(err) => return refused("sauce", &err),
    };
    match verified.events() {
        Ok(events) => {
            for event in &events {
                println!("sauce: {}", describe(event));
            }
            StatusCode::NO_CONTENT
        }
        Err(err) => {
            println!("sauce: 400 {err}");
            StatusCode::BAD_REQUEST
        }
    }
}

async fn pagerduty(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let verified = match receiver.pagerduty.verify_headers(&body, &headers) {
        Ok(verified) => verified,
        Err(err) => return refused("pagerduty", &err),
    };
    match verified.envelope() {
        Ok(envelope) => {
            let event = envelope.event;
            println!("pagerduty: {} incident={}", event.event_type, event.incident_id().unwrap_or("-"));
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

fn describe(event: &Event) -> String {
    match event {
        Event::Job(job) => format!(
            "{} job {} {:?} {}{}",
            job.data_type,
            job.id,
            job.name.as_deref().unwrap_or("(unnamed)"),
            job.status,
            if job.is_failure() { " (failure)" } else { "" }
        ),
        Event::VisualBuild(build) => format!("visual build {} {}", build.build_id, build.status),
        Event::Concurrency(usage) => {
            format!(
                "concurrency {} {}/{} VMs",
                usage.organization.id, usage.organization.current.vms, usage.organization.allowed.vms
            )
        }
        _ => "an event of a kind this version does not know".to_owned(),
    }
}
