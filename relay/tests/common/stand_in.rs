//! A stand-in HTTP server for tests and benches: HTTP/1.1 on 127.0.0.1, one request per
//! connection, each recorded with when it arrived and answered as the caller says.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request a stand-in received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request's path (`/v2/enqueue`).
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

/// Every request a stand-in received, in order.
pub type Log = Arc<Mutex<Vec<Received>>>;

/// How a stand-in answers request number `n` (from 1): a status and headers.
pub type Answer = dyn Fn(&Received, usize) -> (u16, Vec<(String, String)>) + Send + Sync;

/// A small HTTP/1.1 server on 127.0.0.1: one request per connection, answered by `answer`
/// (status and headers), every request recorded. At most 10,000 requests.
pub fn stand_in(
    answer: impl Fn(&Received, usize) -> (u16, Vec<(String, String)>) + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10_000).flatten() {
            let (log, answer) = (Arc::clone(&log), Arc::clone(&answer));
            std::thread::spawn(move || serve_one(&stream, &log, &*answer));
        }
    });
    (address, received)
}

fn serve_one(stream: &TcpStream, log: &Mutex<Vec<Received>>, answer: &Answer) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = HashMap::new();
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers.get("content-length").and_then(|n| n.parse().ok()).unwrap_or(0usize).min(1 << 20);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request = Received { path, headers, body, at: Instant::now() };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len()
    };
    let (status, extra) = answer(&request, n);
    let mut response = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n");
    for (name, value) in extra {
        let _ = write!(response, "{name}: {value}\r\n");
    }
    response.push_str("\r\n");
    let _ = std::io::Write::write_all(&mut &*stream, response.as_bytes());
}
