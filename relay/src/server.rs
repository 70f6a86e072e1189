//! The HTTP server the relay runs: HTTP/1.1 with limits that keep a slow or hostile client
//! from holding connections or memory. The example receiver (`servers/receiver`) runs it too,
//! through `#[path]`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt as _;

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
    /// Connections one client (an IPv4 address, an IPv6 /64) may hold at once; more are
    /// closed as soon as accepted, so that one client cannot take every slot.
    pub connections_per_client: usize,
    /// After shutdown, how long the requests under way may take to finish.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            headers: Duration::from_secs(10),
            request: Duration::from_secs(30),
            connection: Duration::from_secs(120),
            connections: 64,
            connections_per_client: 8,
            drain: Duration::from_secs(30),
        }
    }
}

/// Serves `router` on `listener`, HTTP/1.1 only, within `limits`, until `shutdown` completes
/// (or the listener fails). Then it accepts no more connections, lets each one finish the
/// request it is serving (idle ones close at once), and returns once all are closed or
/// `limits.drain` has passed. Each request carries the client's address as a
/// [`ConnectInfo`] extension.
///
/// # Errors
/// The listener's, when it fails for good.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.connections));
    let clients = Clients::default();
    let (stopping, stop) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Waiting for a free slot before accepting leaves extra clients in the kernel's backlog.
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &permits) => accepted?,
        };
        let Some((stream, peer, permit)) = accepted else { continue };
        // Dropping the stream closes it: this client holds all the connections it may.
        let Some(client) = clients.admit(client_of(peer.ip()), limits.connections_per_client) else { continue };
        let service = TowerToHyperService::new(router.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        }));
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(limits.headers);
            let mut connection = std::pin::pin!(http.serve_connection(TokioIo::new(stream), service));
            let served = async {
                tokio::select! {
                    _ = connection.as_mut() => {}
                    () = async { let _ = stop.wait_for(|stopping| *stopping).await; } => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.as_mut().await;
                    }
                }
            };
            // A connection past its lifetime is dropped, whatever it is doing.
            let _ = tokio::time::timeout(limits.connection, served).await;
            drop((client, permit));
        });
    }
    let _ = stopping.send(true);
    let all = u32::try_from(limits.connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.drain, permits.acquire_many(all)).await;
    Ok(())
}

/// The next connection, once a slot is free; `None` for one that failed in a way worth
/// trying again after (out of descriptors, reset before it was accepted).
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> std::io::Result<Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)>> {
    let permit = Arc::clone(permits).acquire_owned().await.expect("the semaphore is never closed");
    match listener.accept().await {
        Ok((stream, peer)) => Ok(Some((stream, peer, permit))),
        Err(err) if is_out_of_descriptors(&err) => {
            // Trying again at once would spin until a connection closes.
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(None)
        }
        Err(err) if is_transient(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Completes on SIGTERM (what an orchestrator sends before it kills) or Ctrl-C.
#[cfg_attr(test, allow(dead_code))] // tests stop their servers through a channel
pub async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = async {
            match terminate.as_mut() {
                Some(terminate) => { terminate.recv().await; }
                None => std::future::pending().await,
            }
        } => {}
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
}

fn is_out_of_descriptors(err: &std::io::Error) -> bool {
    err.raw_os_error().is_some_and(|code| code == 24 || code == 23) // EMFILE, ENFILE
}

/// Who a client is, for the per-client limit: its IPv4 address, or its IPv6 /64 (one host
/// is commonly given a whole /64, and could otherwise take every slot from it).
fn client_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
        v4 @ IpAddr::V4(_) => v4,
    }
}
