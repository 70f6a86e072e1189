//! The durable example (`servers/durable`) run for real, in a child process (this test binary,
//! started again as the example), against a stand-in PagerDuty: killed with SIGKILL while it
//! takes webhooks in and delivers, and started again. Every page arrives.

#[path = "../durable/main.rs"]
mod durable;
#[allow(dead_code)] // the test uses a part of it
#[path = "../../relay/tests/common/stand_in.rs"]
mod stand_in;

use std::collections::HashSet;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use sauce_webhooks::signature::{SIGNATURE_HEADER, Secret, sign};
use serde_json::{Value, json};

const SECRET: &str = "sauce-webhook-token";

fn main() {
    if std::env::var_os("DURABLE_EXAMPLE").is_some() {
        if let Err(err) = durable::main() {
            eprintln!("durable: {err}");
            std::process::exit(1);
        }
        return;
    }
    let started = Instant::now();
    a_killed_durable_service_delivers_every_page();
    println!("durable: passed in {:.1} s", started.elapsed().as_secs_f64());
}

/// The example in a child process, killed when dropped.
struct Running(Child);

impl Running {
    fn start(database: &std::path::Path, listen: &str, pagerduty: &str) -> Self {
        let child = Command::new(std::env::current_exe().unwrap())
            .env("DURABLE_EXAMPLE", "1")
            .env("DATABASE", database)
            .env("LISTEN_ADDR", listen)
            .env("PAGERDUTY_EVENTS_URL", format!("{pagerduty}/v2/enqueue"))
            .env("SAUCE_WEBHOOK_SECRET", SECRET)
            .env("PAGERDUTY_ROUTING_KEY", "R0UT1NGKEY0123456789ABCDEFGHIJKL")
            .spawn()
            .unwrap();
        Self(child)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Posts one signed body until the service answers 204 (it may be starting again).
fn post(listen: &str, body: &[u8], deadline: Instant) {
    let signature = sign(&Secret::new(SECRET).unwrap(), body).to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    while Instant::now() < deadline {
        let sent =
            agent.post(&format!("http://{listen}/webhooks/sauce")).header(SIGNATURE_HEADER, &signature).send(body);
        if sent.is_ok_and(|answer| answer.status() == 204) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the service did not take a body in time");
}

fn a_killed_durable_service_delivers_every_page() {
    let deadline = Instant::now() + Duration::from_secs(60);
    // PagerDuty answers slowly, so that the kill lands while pages wait and one is under way.
    let (pagerduty, pages) = stand_in::stand_in(|_, _| {
        std::thread::sleep(Duration::from_millis(100));
        (202, vec![])
    });
    let dir = std::env::temp_dir().join(format!("durable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("durable.db");
    let listen = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let bodies: Vec<Vec<u8>> = (0..30)
        .map(|n| {
            let job = json!({"id": format!("run-{n}"), "status": "FAILED", "creation_time": 1_714_557_600,
                             "name": format!("test {n}"), "org_id": "acme"});
            serde_json::to_vec(&job).unwrap()
        })
        .collect();
    let service = Running::start(&database, &listen, &pagerduty);
    for body in &bodies[..15] {
        post(&listen, body, deadline);
    }
    // Killed mid-stream: webhooks taken, a page under way, others waiting.
    while pages.lock().unwrap().len() < 3 {
        assert!(Instant::now() < deadline, "no page went");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(service);
    let before_kill = pages.lock().unwrap().len();
    assert!(before_kill < 15, "killed before every page went ({before_kill} sent)");
    let service = Running::start(&database, &listen, &pagerduty);
    for body in &bodies[15..] {
        post(&listen, body, deadline);
    }
    let paged = || -> HashSet<String> {
        let pages = pages.lock().unwrap();
        pages
            .iter()
            .map(|page| serde_json::from_slice::<Value>(&page.body).unwrap()["dedup_key"].as_str().unwrap().to_owned())
            .collect()
    };
    while paged().len() < bodies.len() {
        assert!(Instant::now() < deadline, "{} of {} pages delivered", paged().len(), bodies.len());
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(service);
    let requests = pages.lock().unwrap().len();
    println!(
        "durable: {} tests failed, {} paged; {before_kill} pages sent before the kill, {requests} requests in all",
        bodies.len(),
        paged().len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
