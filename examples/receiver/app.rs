//! The receiver's routes and server, shared by `main.rs` and `tests/receiver.rs`: verify the
//! raw body, parse it, log one line per event, and answer 204, 401, 400 or 413, within limits
//! that keep a slow or hostile client from holding connections or memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use sauce_webhooks::Event;
use sauce_webhooks::signature::{DEFAULT_MAX_BODY, PagerDutyV3, Secret, SignatureError, Verifier};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

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

/// How long and how many: what a client gets before it is cut off.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From a connection's start (or its previous response) to the end of a request's headers.
    pub headers: Duration,
    /// From a request's headers to the end of its response, body read included (408 after).
    pub request: Duration,
    /// A connection's whole life, however busy.
    pub connection: Duration,
    /// Connections served at once; more wait to be accepted. Each may hold up to one body
    /// (2 MiB) in memory.
    pub connections: usize,
    /// Connections one client address may hold at once; more are closed as soon as accepted,
    /// so that one client cannot take every slot.
    pub connections_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            headers: Duration::from_secs(10),
            request: Duration::from_secs(30),
            connection: Duration::from_secs(120),
            connections: 64,
            connections_per_client: 8,
        }
    }
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

/// Serves `router` on `listener`, HTTP/1.1 only, within `limits`, until the listener fails.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.connections));
    let clients = Clients::default();
    loop {
        // Waiting for a free slot before accepting leaves extra clients in the kernel's backlog.
        let permit = Arc::clone(&permits).acquire_owned().await.expect("the semaphore is never closed");
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of descriptors, or a connection reset before it was accepted: try again.
            Err(err) if is_transient(&err) => continue,
            Err(err) => return Err(err),
        };
        // Dropping the stream closes it: this client holds all the connections it may.
        let Some(client) = clients.admit(peer.ip(), limits.connections_per_client) else { continue };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(limits.headers);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            // A connection past its lifetime is dropped, whatever it is doing.
            let _ = tokio::time::timeout(limits.connection, connection).await;
            drop((client, permit));
        });
    }
}

/// Open connections per client address.
#[derive(Default, Clone)]
struct Clients(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One connection of a client, given back when dropped.
struct ClientSlot {
    clients: Clients,
    address: IpAddr,
}

impl Clients {
    fn admit(&self, address: IpAddr, limit: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(address).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(ClientSlot { clients: self.clone(), address })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.clients.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                // Addresses leave the map with their last connection: it holds at most one
                // entry per open connection.
                open.remove(&self.address);
            }
        }
    }
}

fn is_transient(err: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(err.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted)
        || err.raw_os_error().is_some_and(|code| code == 24 || code == 23) // EMFILE, ENFILE
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
