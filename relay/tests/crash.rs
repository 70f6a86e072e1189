//! `sauce-relay run` for real on 127.0.0.1: a stand-in PagerDuty that checks each body against
//! PagerDuty's own schema and answers 202, 429 with `Retry-After`, 500 or 400 as scripted, and
//! a stand-in webhook endpoint that checks each Standard Webhooks signature with the spec's own
//! library. The relay is killed with SIGKILL while it delivers, and started again.
//!
//! Proves: every message is delivered at least once and in order per key, a 400 is never
//! retried, the kill loses nothing and reorders nothing, and the restart gives the attempt
//! under way at the kill out again at once, not after its lease.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::relay::{Dir, ORG, ROUTING_KEY, Relay, WEBHOOK_SECRET, pagerduty, wait_for, webhook};
use common::stand_in::{Received, stand_in};
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, Job, JobStatus};
use serde_json::{Value, json};

type Log = std::sync::Arc<std::sync::Mutex<Vec<Received>>>;

/// The webhook bodies the test sends: runs of a few tests, failing and passing, and one test
/// whose page PagerDuty refuses with a 400.
fn events() -> Vec<Event<'static>> {
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
            (job.name, job.org_id) = (Some((*test).to_owned().into()), Some(ORG.into()));
            job.browser_name = Some("chrome".into());
            events.push(Event::Job(job));
        }
    }
    events
}

/// Posts one signed body until the relay answers 204 (it may be down, being restarted).
fn post_until_taken(relay: &Relay, body: &[u8], deadline: Instant) {
    while Instant::now() < deadline {
        match std::panic::catch_unwind(|| relay.post(body)) {
            Ok((204, _)) => return,
            Ok((status, _)) => panic!("the relay answered {status}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    panic!("the relay did not take a body in time");
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

/// The runs the chat got per test, in the order first received, each signed message once by
/// its id.
fn chat_runs(log: &Log) -> HashMap<String, Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let mut runs: HashMap<String, Vec<String>> = HashMap::new();
    for request in log.lock().unwrap().iter() {
        if request.headers.contains_key("webhook-signature") && seen.insert(request.headers["webhook-id"].clone()) {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let test = body["test"].as_str().unwrap().to_owned();
            runs.entry(test).or_default().push(body["run"].as_str().unwrap().to_owned());
        }
    }
    runs
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

#[test]
fn a_killed_relay_on_sqlite_loses_nothing_and_reorders_nothing() {
    a_killed_relay_loses_nothing_and_reorders_nothing("sqlite", None);
}

#[test]
fn a_killed_relay_on_postgres_loses_nothing_and_reorders_nothing() {
    a_killed_relay_loses_nothing_and_reorders_nothing("postgres", Some(common::databases::postgres_url("crash")));
}

fn a_killed_relay_loses_nothing_and_reorders_nothing(kind: &str, database: Option<String>) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let (pagerduty_url, pd_received) = pagerduty_stand_in();
    let (chat, chat_received) = chat_stand_in();
    let dir = Dir::new(&format!("crash-{kind}"));
    let mut chat_subscription = webhook(
        "chat",
        &format!("{chat}/hooks/qa"),
        r#"{"test": "{{job.name}}", "run": "{{job.id}}", "status": "{{job.status}}"}"#,
    );
    chat_subscription["target"]["webhook"]["standard_webhooks_secret_env"] = json!("CHAT_WEBHOOK_SECRET");
    // A lease of a minute: the restart must not wait it out.
    let (config, address) = dir.config(json!({
        "database": database.unwrap_or_else(|| dir.0.join("relay.db").display().to_string()),
        "delivery_workers": 2,
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "allow_private_targets": true,
        "retry": {"schedule_seconds": [1, 1, 1, 1, 1, 1, 1, 1], "throttled_wait_seconds": 1},
        "lease_seconds": 60,
        "subscriptions": [pagerduty("oncall"), chat_subscription]
    }));

    let events = events();
    let bodies: Vec<Vec<u8>> = events.iter().map(|event| serde_json::to_vec(event).unwrap()).collect();
    let (first, rest) = bodies.split_at(bodies.len() / 2);
    let relay = Relay::start(&config, &address);
    for body in first {
        post_until_taken(&relay, body, deadline);
    }
    // Killed while a PagerDuty delivery is under way, then started again.
    wait_for("deliveries under way", Duration::from_secs(30), || pd_received.lock().unwrap().len() >= 4);
    relay.kill();
    let killed_at = Instant::now();
    let delivered_before_kill = pd_received.lock().unwrap().len();
    let in_flight = pd_received.lock().unwrap()[3].body.clone();
    let copies = || pd_received.lock().unwrap().iter().filter(|request| request.body == in_flight).count();
    let copies_at_kill = copies();
    let relay = Relay::start(&config, &address);
    wait_for("the attempt under way at the kill, sent again", Duration::from_secs(30), || copies() > copies_at_kill);
    let resent_after = killed_at.elapsed();
    for body in rest {
        post_until_taken(&relay, body, deadline);
    }

    let expected = expected_pages(&events);
    let expected_total: usize = expected.values().map(Vec::len).sum();
    wait_for("every page and every chat message", Duration::from_secs(60), || {
        pages_received(&pd_received).values().map(Vec::len).sum::<usize>() >= expected_total
            && chat_runs(&chat_received).values().map(Vec::len).sum::<usize>() >= events.len()
    });
    relay.kill();

    // In order per key, nothing lost.
    assert_eq!(pages_received(&pd_received), expected, "PagerDuty got each page once, in order per key");
    let mut runs: HashMap<String, Vec<String>> = HashMap::new();
    for event in &events {
        let Event::Job(job) = event else { unreachable!() };
        runs.entry(job.name.clone().unwrap().into()).or_default().push(job.id.clone().into());
    }
    assert_eq!(chat_runs(&chat_received), runs, "the chat got every event, in order per test");
    // The 400 was not retried; the 429 and the 500 were; what was under way at the kill was
    // sent again at once.
    assert_eq!(refused_triggers(&pd_received), 1, "a 400 is never retried");
    let received = pd_received.lock().unwrap();
    assert!(received.len() > expected_total, "the 429 and the 500 were retried ({} requests)", received.len());
    assert!(resent_after < Duration::from_secs(20), "sent again {resent_after:?} after the kill, not a lease later");
    assert!(chat_received.lock().unwrap().iter().all(|r| r.headers.contains_key("webhook-signature")));
    println!(
        "crash ({kind}): {expected_total} pages and {} chat messages delivered in order; {delivered_before_kill} PagerDuty \
         requests before the kill, {} in all; the attempt under way at the kill sent again {:.0} ms after it",
        events.len(),
        received.len(),
        resent_after.as_secs_f64() * 1e3
    );
}
