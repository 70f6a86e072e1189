//! The example receiver, started on an ephemeral loopback port, answering real HTTP requests
//! from a real HTTP client, and cutting off clients that stall.

#[path = "../receiver/app.rs"]
mod app;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier};
use sauce_webhooks::testing::{JobBuilder, fixtures, signed, signed_bytes, signed_pagerduty};

/// Short limits, so that the tests of stalled clients take a second or two.
const LIMITS: app::Limits = app::Limits {
    headers: Duration::from_millis(500),
    request: Duration::from_millis(800),
    connection: Duration::from_secs(10),
    connections: 8,
    connections_per_client: 4,
    drain: Duration::from_millis(800),
};

/// Starts the receiver in the background; its base URL.
fn start() -> String {
    start_until(std::future::pending()).0
}

/// Starts the receiver in the background until `shutdown` completes; its base URL, and the
/// thread that returns when the server has stopped.
fn start_until(shutdown: impl Future<Output = ()> + Send + 'static) -> (String, std::thread::JoinHandle<()>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    let receiver = app::Receiver {
        sauce: Arc::new(Verifier::new(Secret::new("sauce-secret").unwrap())),
        pagerduty: Arc::new(
            Verifier::new(Secret::new("new-pd").unwrap())
                .with_secret(Secret::new("old-pd").unwrap())
                .with_scheme(PagerDutyV3),
        ),
    };
    let router = app::router(receiver, &LIMITS);
    let server = std::thread::spawn(move || runtime.block_on(app::serve(listener, router, LIMITS, shutdown)).unwrap());
    (format!("http://{address}"), server)
}

/// POSTs `body` with `headers` and returns the status.
fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send(body).map_or_else(|e| panic!("{url}: {e}"), |response| response.status().as_u16())
}

#[test]
fn the_receiver_answers_each_case_with_its_status() {
    let base = start();
    let sauce = format!("{base}/webhooks/sauce");
    let secret = Secret::new("sauce-secret").unwrap();
    let good = signed(&secret, &JobBuilder::new().failed().event());
    let header = good.header_value.as_str();

    assert_eq!(post(&sauce, &[("saucelabs-sign", header)], &good.body), 204, "valid");
    assert_eq!(post(&sauce, &[("SAUCELABS-SIGN", header)], &good.body), 204, "header name in capitals");
    let batch = signed_bytes(&secret, fixtures::BATCH_OF_TWO_JOBS);
    assert_eq!(post(&sauce, &[("saucelabs-sign", &batch.header_value)], &batch.body), 204, "a batch");

    let mut tampered = good.body.clone();
    tampered[10] ^= 1;
    assert_eq!(post(&sauce, &[("saucelabs-sign", header)], &tampered), 401, "tampered");
    assert_eq!(post(&sauce, &[], &good.body), 401, "unsigned");
    let wrong = signed(&Secret::new("not-the-secret").unwrap(), &JobBuilder::new().event());
    assert_eq!(post(&sauce, &[("saucelabs-sign", &wrong.header_value)], &wrong.body), 401, "wrong secret");
    assert_eq!(post(&sauce, &[("saucelabs-sign", header), ("saucelabs-sign", header)], &good.body), 401, "twice");

    let malformed =
        signed_bytes(&secret, &b"{\"id\": \"x\", \"status\": \"FAILED\", \"creation_time\": \"never\"}"[..]);
    assert_eq!(post(&sauce, &[("saucelabs-sign", &malformed.header_value)], &malformed.body), 400, "malformed");
}

#[test]
fn pagerduty_with_two_signatures_during_a_rotation() {
    let base = start();
    let url = format!("{base}/webhooks/pagerduty");
    let (old, new, other) = (Secret::new("old-pd").unwrap(), Secret::new("new-pd").unwrap(), Secret::new("x").unwrap());
    let rotating = signed_pagerduty(&[&other, &new], fixtures::PAGERDUTY_INCIDENT_TRIGGERED);
    assert_eq!(post(&url, &[("X-PagerDuty-Signature", &rotating.header_value)], &rotating.body), 204);
    let old_only = signed_pagerduty(&[&old], fixtures::PAGERDUTY_PING);
    assert_eq!(post(&url, &[("x-pagerduty-signature", &old_only.header_value)], &old_only.body), 204);
    let neither = signed_pagerduty(&[&other], fixtures::PAGERDUTY_PING);
    assert_eq!(post(&url, &[("x-pagerduty-signature", &neither.header_value)], &neither.body), 401);
    let broken = signed_pagerduty(&[&new], &b"{\"event\": 1}"[..]);
    assert_eq!(post(&url, &[("x-pagerduty-signature", &broken.header_value)], &broken.body), 400);
}

/// A raw TCP connection to the receiver behind `base`, with a deadline on every read.
fn connect(base: &str) -> TcpStream {
    let stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
}

/// Reads until the server closes the connection (or the read deadline passes); what it sent.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let base = start();
    let started = Instant::now();
    let mut idle = connect(&base);
    let answer = read_to_close(&mut idle);
    let waited = started.elapsed();
    assert!(waited >= LIMITS.headers && waited < Duration::from_secs(4), "closed after {waited:?}: {answer:?}");
}

#[test]
fn headers_sent_too_slowly_are_cut_off() {
    let base = start();
    let mut slow = connect(&base);
    slow.write_all(b"POST /webhooks/sauce HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut slow);
    assert!(started.elapsed() < Duration::from_secs(4), "cut off: {answer:?}");
    assert!(!answer.contains("204"), "{answer}");
}

#[test]
fn a_body_that_never_arrives_is_answered_408() {
    let base = start();
    let mut stalled = connect(&base);
    stalled
        .write_all(format!("POST /webhooks/sauce HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nsaucelabs-sign: {}\r\nContent-Length: 100\r\n\r\n{{", "0".repeat(64)).as_bytes())
        .unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stalled);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn an_oversize_content_length_is_refused_before_the_body_is_sent() {
    let base = start();
    let mut big = connect(&base);
    let head = format!(
        "POST /webhooks/sauce HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nsaucelabs-sign: {}\r\n\r\n",
        3 * 1024 * 1024,
        "0".repeat(64)
    );
    big.write_all(head.as_bytes()).unwrap();
    let mut first = [0u8; 12];
    big.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 413", "answered without reading the body");
}

#[test]
fn it_refuses_to_start_without_its_secrets() {
    let nothing = |_: &str| None;
    let err = app::secret("SAUCE_WEBHOOK_SECRET", nothing).unwrap_err();
    assert!(err.contains("SAUCE_WEBHOOK_SECRET is not set"), "{err}");
    let dev = |var: &str| (var == "RECEIVER_DEV_SECRETS").then(|| "1".to_owned());
    assert!(app::secret("SAUCE_WEBHOOK_SECRET", dev).is_ok(), "only when asked for");
    let empty = |var: &str| (var == "SAUCE_WEBHOOK_SECRET").then(String::new);
    assert!(app::secret("SAUCE_WEBHOOK_SECRET", empty).is_err(), "an empty secret is refused too");
}

#[test]
fn a_body_that_grows_past_the_limit_while_streaming_is_refused() {
    let base = start();
    let mut stream = connect(&base);
    // A signature of the right form, so that the body is read.
    let head = format!(
        "POST /webhooks/sauce HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nsaucelabs-sign: {}\r\n\r\n",
        "0".repeat(64)
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
    // 33 chunks of 64 KiB is past 2 MiB; the server may answer and close before all are sent.
    for _ in 0..33 {
        if stream.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    let answer = read_to_close(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
}

#[test]
fn one_client_cannot_hold_every_connection() {
    let base = start();
    let held: Vec<TcpStream> = (0..LIMITS.connections_per_client).map(|_| connect(&base)).collect();
    // One more from the same address is closed unanswered, however good its request.
    let secret = Secret::new("sauce-secret").unwrap();
    let good = signed(&secret, &JobBuilder::new().failed().event());
    let request = format!(
        "POST /webhooks/sauce HTTP/1.1\r\nHost: x\r\nsaucelabs-sign: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        good.header_value,
        good.body.len()
    );
    let mut extra = connect(&base);
    let _ = extra.write_all(request.as_bytes()).and_then(|()| extra.write_all(&good.body));
    assert_eq!(read_to_close(&mut extra), "", "the client's extra connection is closed");
    // Once its connections close, the client is served again.
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(post(&format!("{base}/webhooks/sauce"), &[("saucelabs-sign", &good.header_value)], &good.body), 204);
}

#[test]
fn a_batch_of_refused_elements_is_cut_short() {
    let base = start();
    let secret = Secret::new("sauce-secret").unwrap();
    let body = format!("[{}]", vec!["1"; 100_000].join(","));
    let batch = signed_bytes(&secret, body.as_bytes());
    assert_eq!(post(&format!("{base}/webhooks/sauce"), &[("saucelabs-sign", &batch.header_value)], &batch.body), 400);
}

/// Log output written into a buffer the test reads.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_batch_is_logged_in_one_line_however_many_events_it_holds() {
    // A line per element let 20 signed requests write 1.6 million lines.
    use tower::ServiceExt as _;
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let receiver = app::Receiver {
        sauce: Arc::new(Verifier::new(Secret::new("sauce-secret").unwrap())),
        pagerduty: Arc::new(Verifier::new(Secret::new("pd").unwrap()).with_scheme(PagerDutyV3)),
    };
    let router = app::router(receiver, &LIMITS);
    let jobs: Vec<String> = (0..1000)
        .map(|n| format!(r#"{{"id":"j{n}","status":"{}","creation_time":0}}"#, ["FAILED", "PASSED"][n % 2]))
        .collect();
    let batch = signed_bytes(&Secret::new("sauce-secret").unwrap(), format!("[{}]", jobs.join(",")));
    let request = batch.http_request("/webhooks/sauce").unwrap().map(axum::body::Body::from);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let response = tracing::subscriber::with_default(subscriber, || runtime.block_on(router.oneshot(request))).unwrap();
    assert_eq!(response.status(), 204);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|line| line.contains("sauce event")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains("events=1000 failures=500"), "{}", lines[0]);
    assert!(lines[0].contains(r#"first="vdc" job "j0""#), "{}", lines[0]);
}

#[test]
fn log_lines_cannot_be_forged_by_the_body() {
    let job = JobBuilder::new().with_id("j\n[INFO] forged \u{1b}[2J\u{202e}").with_name("checkout\r\nok").event();
    let line = app::describe(&job);
    assert!(!line.chars().any(|c| c.is_control() || c == '\u{202e}'), "{line:?}");
    assert!(line.contains(r#""j\n[INFO] forged \u{1b}[2J\u{202e}""#), "{line}");
}

#[test]
fn on_shutdown_it_finishes_what_it_serves_and_closes_idle_connections() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (base, server) = start_until(async {
        let _ = stopped.await;
    });
    let secret = Secret::new("sauce-secret").unwrap();
    let good = signed(&secret, &JobBuilder::new().failed().event());
    // A request half sent when the shutdown comes is still answered.
    let mut under_way = connect(&base);
    let head = format!(
        "POST /webhooks/sauce HTTP/1.1\r\nHost: x\r\nsaucelabs-sign: {}\r\nContent-Length: {}\r\n\r\n",
        good.header_value,
        good.body.len()
    );
    under_way.write_all(head.as_bytes()).unwrap();
    let mut idle = connect(&base);
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    stop.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    under_way.write_all(&good.body).unwrap();
    assert!(read_to_close(&mut under_way).starts_with("HTTP/1.1 204"), "the request under way is answered");
    assert_eq!(read_to_close(&mut idle), "", "an idle connection is closed");
    server.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "stopped after {:?}", started.elapsed());
    assert!(TcpStream::connect(base.trim_start_matches("http://")).is_err(), "no longer listening");
}

#[test]
fn every_refusal_has_a_plain_reason() {
    let base = start();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let secret = Secret::new("sauce-secret").unwrap();
    let good = signed(&secret, &JobBuilder::new().event());
    let mut answer = agent
        .post(&format!("{base}/webhooks/sauce"))
        .header("content-type", "text/plain")
        .header("saucelabs-sign", &good.header_value)
        .send(&good.body[..])
        .unwrap();
    assert_eq!(answer.status().as_u16(), 415);
    assert_eq!(answer.body_mut().read_to_string().unwrap(), "the body must be JSON (Content-Type: application/json)");
    let mut answer = agent.post(&format!("{base}/webhooks/sauce")).send(&good.body[..]).unwrap();
    assert_eq!(answer.status().as_u16(), 401);
    assert_eq!(answer.body_mut().read_to_string().unwrap(), "signature refused: the request has no signature header");
    let health = agent.get(&format!("{base}/health")).call().unwrap();
    assert_eq!(health.status().as_u16(), 200);
}
