//! The relay example, run for real on 127.0.0.1: a stand-in PagerDuty that checks each body
//! against PagerDuty's own schema and answers 202, 429 with `Retry-After`, 500 or 400 as
//! scripted, and a stand-in webhook endpoint that checks each Standard Webhooks signature with
//! the spec's own library. The relay runs in a child process (this test binary, started again),
//! is killed with SIGKILL while it delivers, and started again.
//!
//! Proves: every message is delivered at least once and in order per key, a 400 is never
//! retried, and the kill loses nothing and reorders nothing.

#[path = "../relay/app.rs"]
mod relay;

mod common;

use common::stand_in::{Received, stand_in};

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::signature::{SIGNATURE_HEADER, Secret, sign};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, Job, JobStatus};
use serde_json::{Value, json};

const SAUCE_SECRET: &str = "sauce-webhook-token";
const ROUTING_KEY: &str = "R0UT1NGKEY0123456789ABCDEFGHIJKL";
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ORG: &str = "7fb25570b4064716b9b6daae1a846790";
/// How long the whole run may take before the test gives up.
const DEADLINE: Duration = Duration::from_secs(90);

fn main() {
    // Started again as the relay itself.
    if let Ok(config) = std::env::var("RELAY_TEST_CONFIG") {
        let env = |var: &str| std::env::var(var).ok();
        let config = relay::read_config(config.as_ref()).unwrap();
        let limits = relay::Limits::default();
        if let Err(err) = relay::Relay::new(config, &env).and_then(|relay| relay.run(limits)) {
            eprintln!("relay: {err}");
            std::process::exit(1);
        }
        return;
    }
    let started = Instant::now();
    a_killed_relay_loses_nothing_and_reorders_nothing();
    println!("relay: passed in {:.1} s", started.elapsed().as_secs_f64());
}

/// The webhook bodies the test sends: runs of a few tests, failing and passing, and one test
/// whose page PagerDuty refuses with a 400.
fn events() -> Vec<Event> {
    let plan: &[(&str, &[&str])] = &[
        ("checkout", &["FAILED", "FAILED", "PASSED", "FAILED", "PASSED"]),
        ("login", &["PASSED", "FAILED", "PASSED", "FAILED", "FAILED", "PASSED"]),
        ("search", &["FAILED", "PASSED", "FAILED", "PASSED", "FAILED", "PASSED"]),
        // Its page comes after the restart, so that no kill stands between the 400 and its report.
        ("refused", &["PASSED", "PASSED", "PASSED", "PASSED", "FAILED", "PASSED"]),
    ];
    let start = OffsetDateTime::now_utc() - sauce_webhooks::time::Duration::hours(1);
    let mut events = Vec::new();
    for round in 0..6 {
        for (test, statuses) in plan {
            let Some(status) = statuses.get(round) else { continue };
            let status = if *status == "FAILED" { JobStatus::Failed } else { JobStatus::Passed };
            let mut job = Job::new(format!("{test}-{round}"), status, start);
            job.modification_time = start + sauce_webhooks::time::Duration::minutes(i64::try_from(round).unwrap());
            (job.name, job.org_id) = (Some((*test).to_owned()), Some(ORG.into()));
            job.browser_name = Some("chrome".into());
            events.push(Event::Job(job));
        }
    }
    events
}

/// Posts one signed body to the relay until it answers 204 (it may be down, being restarted).
fn post_until_taken(relay: &str, body: &[u8], deadline: Instant) {
    let signature = sign(&Secret::new(SAUCE_SECRET).unwrap(), body).to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    while Instant::now() < deadline {
        let sent = agent.post(&format!("{relay}/webhooks/sauce")).header(SIGNATURE_HEADER, &signature).send(body);
        match sent.map(|response| response.status().as_u16()) {
            Ok(204) => return,
            Ok(status) => panic!("the relay answered {status}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    panic!("the relay did not take a body in time");
}

/// A relay child process, killed when dropped so that a failing test leaves nothing running;
/// its log lines go to `relay.log` next to its configuration and are shown if the test fails.
struct RunningRelay {
    child: Child,
    log: PathBuf,
}

impl RunningRelay {
    fn start(config: &Path) -> Self {
        let log = config.with_file_name("relay.log");
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let child = Command::new(std::env::current_exe().unwrap())
            .env("RELAY_TEST_CONFIG", config)
            .env("SAUCE_WEBHOOK_SECRET", SAUCE_SECRET)
            .env("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
            .env("CHAT_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .stdout(file)
            .spawn()
            .unwrap();
        RunningRelay { child, log }
    }

    /// SIGKILL, as a crash would.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("the relay's log:\n{log}");
        }
    }
}

fn wait_for(what: &str, deadline: Instant, done: impl Fn() -> bool) {
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The stand-in PagerDuty: every body checked against the schema; the 3rd request throttled,
/// the 5th failing, the page of "refused" refused, and the 4th answered only after a second,
/// so that the relay is killed while it waits.
fn pagerduty_stand_in() -> (String, Log) {
    stand_in(|request, n| {
        std::thread::sleep(Duration::from_millis(if n == 4 { 1000 } else { 20 }));
        if let Err(problem) = common::pagerduty_schema::validate(&request.body, "/enqueue") {
            panic!("a body PagerDuty would refuse: {problem}");
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let refused =
            body["dedup_key"].as_str().is_some_and(|key| key.contains("refused")) && body["event_action"] == "trigger";
        match n {
            _ if refused => (400, vec![]),
            3 => (429, vec![("Retry-After".to_owned(), "1".to_owned())]),
            5 => (500, vec![]),
            _ => (202, vec![]),
        }
    })
}

/// The stand-in chat endpoint: every signature checked by the Standard Webhooks library, the
/// 2nd request failing.
fn chat_stand_in() -> (String, Log) {
    stand_in(|request, n| {
        let mut headers = http::HeaderMap::new();
        for (name, value) in &request.headers {
            if let (Ok(name), Ok(value)) =
                (http::HeaderName::from_bytes(name.as_bytes()), http::HeaderValue::from_str(value))
            {
                headers.insert(name, value);
            }
        }
        let webhook = standardwebhooks::Webhook::new(WEBHOOK_SECRET).unwrap();
        if webhook.verify(&request.body, &headers).is_err() {
            return (401, vec![]);
        }
        if n == 2 { (503, vec![]) } else { (204, vec![]) }
    })
}

type Log = Arc<Mutex<Vec<Received>>>;

/// Writes the relay's configuration in `dir`: one PagerDuty and one chat subscription, quick
/// retries and leases. Its path, and the relay's address.
fn write_config(dir: &Path, pagerduty: &str, chat: &str) -> (PathBuf, String) {
    let listen = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let config = json!({
        "listen": listen,
        "database": dir.join("relay.db"),
        "delivery_workers": 2,
        "pagerduty_events_url": format!("{pagerduty}/v2/enqueue"),
        "allow_private_targets": true,
        "retry": {"schedule_seconds": [1, 1, 1, 1, 1, 1, 1, 1], "throttled_wait_seconds": 1},
        "lease_seconds": 4,
        "subscriptions": [
            {"id": "oncall", "filter": {"scope": {"organization": ORG}, "topics": [{"virtual_device_jobs": "all"}]},
             "target": {"pagerduty": {"routing_key_env": "PAGERDUTY_ROUTING_KEY"}}},
            {"id": "chat", "filter": {"scope": {"organization": ORG}, "topics": [{"virtual_device_jobs": "all"}]},
             "target": {"webhook": {"url": format!("{chat}/hooks/qa"), "on_success": true,
                        "template": "{\"test\": \"{{job.name}}\", \"run\": \"{{job.id}}\", \"status\": \"{{job.status}}\"}",
                        "standard_webhooks_secret_env": "CHAT_WEBHOOK_SECRET"}}}
        ]
    });
    let path = dir.join("relay.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    (path, format!("http://{listen}"))
}

/// What PagerDuty should get per dedup key: what one ledger decides over the same stream.
fn expected_pages(events: &[Event]) -> HashMap<String, Vec<String>> {
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new(ROUTING_KEY).unwrap()));
    let mut pages: HashMap<String, Vec<String>> = HashMap::new();
    for event in events {
        if let Decision::Send(alert) = ledger.apply(event, OffsetDateTime::now_utc()).unwrap() {
            let key = alert.dedup_key().unwrap().to_owned();
            pages.entry(key).or_default().push(format!("{:?}", alert.action()).to_lowercase());
        }
    }
    pages
}

/// What PagerDuty got per dedup key, in the order received. A key's next message goes only
/// once this one is settled, so a retry comes right after its earlier attempt: a body equal to
/// the key's previous one is a retry.
fn pages_received(log: &Log) -> HashMap<String, Vec<String>> {
    let mut last: HashMap<String, Vec<u8>> = HashMap::new();
    let mut pages: HashMap<String, Vec<String>> = HashMap::new();
    for request in log.lock().unwrap().iter() {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let key = body["dedup_key"].as_str().unwrap().to_owned();
        if last.insert(key.clone(), request.body.clone()).as_ref() != Some(&request.body) {
            pages.entry(key).or_default().push(body["event_action"].as_str().unwrap().to_owned());
        }
    }
    pages
}

/// The runs the chat got, in the order first received, each signed message once by its id.
fn chat_runs(log: &Log) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    log.lock()
        .unwrap()
        .iter()
        .filter(|request| request.headers.contains_key("webhook-signature"))
        .filter(|request| seen.insert(request.headers["webhook-id"].clone()))
        .map(|request| serde_json::from_slice::<Value>(&request.body).unwrap()["run"].as_str().unwrap().to_owned())
        .collect()
}

/// Requests to PagerDuty that trigger the page of "refused".
fn refused_triggers(log: &Log) -> usize {
    let bodies =
        log.lock().unwrap().iter().map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()).collect::<Vec<_>>();
    bodies
        .iter()
        .filter(|body| body["dedup_key"].as_str().unwrap().contains("refused") && body["event_action"] == "trigger")
        .count()
}

fn a_killed_relay_loses_nothing_and_reorders_nothing() {
    let deadline = Instant::now() + DEADLINE;
    let (pagerduty, pd_received) = pagerduty_stand_in();
    let (chat, chat_received) = chat_stand_in();
    let dir = std::env::temp_dir().join(format!("relay-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (config_path, relay) = write_config(&dir, &pagerduty, &chat);

    let events = events();
    let bodies: Vec<Vec<u8>> = events.iter().map(|event| serde_json::to_vec(event).unwrap()).collect();
    let (first, rest) = bodies.split_at(bodies.len() / 2);
    let child = RunningRelay::start(&config_path);
    for body in first {
        post_until_taken(&relay, body, deadline);
    }
    // Killed while a PagerDuty delivery is under way, then started again.
    wait_for("deliveries under way", deadline, || pd_received.lock().unwrap().len() >= 4);
    child.kill();
    let delivered_before_kill = pd_received.lock().unwrap().len();
    let in_flight = pd_received.lock().unwrap()[3].body.clone();
    let child = RunningRelay::start(&config_path);
    for body in rest {
        post_until_taken(&relay, body, deadline);
    }

    let expected = expected_pages(&events);
    let expected_total: usize = expected.values().map(Vec::len).sum();
    wait_for("every page and every chat message", deadline, || {
        pages_received(&pd_received).values().map(Vec::len).sum::<usize>() >= expected_total
            && chat_runs(&chat_received).len() >= events.len()
    });
    child.kill();

    // In order per key, nothing lost.
    assert_eq!(pages_received(&pd_received), expected, "PagerDuty got each page once, in order per key");
    let runs: Vec<String> = events
        .iter()
        .map(|event| match event {
            Event::Job(job) => job.id.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(chat_runs(&chat_received), runs, "the chat got every event, in order");
    // The 400 was not retried; the 429 and the 500 were; what was under way at the kill was
    // sent again.
    assert_eq!(refused_triggers(&pd_received), 1, "a 400 is never retried");
    let received = pd_received.lock().unwrap();
    assert!(received.len() > expected_total, "the 429 and the 500 were retried ({} requests)", received.len());
    let sent_again = received.iter().filter(|request| request.body == in_flight).count();
    assert!(sent_again >= 2, "the request under way at the kill was sent again after the restart");
    assert!(chat_received.lock().unwrap().iter().all(|r| r.headers.contains_key("webhook-signature")));
    println!(
        "relay: {expected_total} pages and {} chat messages delivered in order; {delivered_before_kill} PagerDuty requests before the kill, {} in all",
        runs.len(),
        received.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
