//! The HTTP server both server examples run: HTTP/1.1 with limits that keep a slow or hostile
//! client from holding connections or memory. Shared by `examples/receiver` and
//! `examples/relay` (and their tests) through `#[path]`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

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
