//! Three `sauce-relay run` processes over one PostgreSQL, as behind a load balancer: webhooks
//! posted to each in turn (to the next when one is down), the same result posted to two at
//! once, and replicas killed with SIGKILL and started again while they deliver. Every page
//! arrives once per ledger decision and in order per incident, every chat message once per
//! event (by its `webhook-id`) and in order per test, and the result posted twice pages once.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::relay::{Dir, ORG, ROUTING_KEY, Relay, pagerduty, wait_for, webhook, write_config};
use common::stand_in::{Received, stand_in};
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, Job, JobStatus};
use serde_json::{Value, json};

type Log = Arc<Mutex<Vec<Received>>>;

/// Six tests, failing and passing over eight rounds.
fn events() -> Vec<Event<'static>> {
    let start = OffsetDateTime::now_utc() - sauce_webhooks::time::Duration::hours(1);
    let mut events = Vec::new();
    for round in 0..8_i64 {
        for test in 0..6_i64 {
            // Test t fails in the rounds where (round + t) % 3 == 0.
            let status = if (round + test) % 3 == 0 { JobStatus::Failed } else { JobStatus::Passed };
            let mut job = Job::new(format!("t{test}-r{round}"), status, start);
            job.modification_time = start + sauce_webhooks::time::Duration::minutes(round);
            (job.name, job.org_id) = (Some(format!("test {test}").into()), Some(ORG.into()));
            events.push(Event::Job(job));
        }
    }
    events
}

/// What PagerDuty should get per dedup key: what one ledger decides over the same stream.
fn expected_pages(events: &[Event]) -> HashMap<String, Vec<String>> {
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new(ROUTING_KEY).unwrap()));
    let mut pages: HashMap<String, Vec<String>> = HashMap::new();
    for event in events {
        if let Decision::Send(alert) = ledger.apply(event, OffsetDateTime::now_utc()).unwrap() {
            pages.entry(alert.dedup_key().unwrap().to_owned()).or_default().push(format!("{:?}", alert.action()));
        }
    }
    pages
}

/// What PagerDuty got per dedup key, in order, a body sent again right after itself (the
/// attempt under way at a kill) counted once.
fn pages_received(log: &Log) -> HashMap<String, Vec<String>> {
    let mut last: HashMap<String, Vec<u8>> = HashMap::new();
    let mut pages: HashMap<String, Vec<String>> = HashMap::new();
    for request in log.lock().unwrap().iter() {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let key = body["dedup_key"].as_str().unwrap().to_owned();
        if last.insert(key.clone(), request.body.clone()).as_ref() != Some(&request.body) {
            let action = body["event_action"].as_str().unwrap();
            pages.entry(key).or_default().push(if action == "trigger" { "Trigger" } else { "Resolve" }.to_owned());
        }
    }
    pages
}

/// The chat's runs per test, each message once by its `webhook-id`, in the order first seen.
fn chat_runs(log: &Log) -> HashMap<String, Vec<String>> {
    let mut seen = HashSet::new();
    let mut runs: HashMap<String, Vec<String>> = HashMap::new();
    for request in log.lock().unwrap().iter() {
        if seen.insert(request.headers["webhook-id"].clone()) {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            runs.entry(body["test"].as_str().unwrap().to_owned())
                .or_default()
                .push(body["run"].as_str().unwrap().to_owned());
        }
    }
    runs
}

/// Posts `body` to the replicas from `first` on, skipping those down, until one answers 204.
fn post(replicas: &[Option<Relay>], first: usize, body: &[u8], deadline: Instant) {
    while Instant::now() < deadline {
        for n in 0..replicas.len() {
            let Some(relay) = &replicas[(first + n) % replicas.len()] else { continue };
            if let Ok((204, _)) = std::panic::catch_unwind(|| relay.post(body)) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no replica took a body in time");
}

#[test]
fn replicas_killed_and_started_again_lose_nothing_double_nothing_reorder_nothing() {
    let deadline = Instant::now() + Duration::from_secs(120);
    let (pagerduty_url, pages): (String, Log) = stand_in(|_, n| {
        // Slow enough that kills land while attempts are under way.
        std::thread::sleep(Duration::from_millis(if n % 5 == 0 { 300 } else { 15 }));
        (202, vec![])
    });
    let (chat, posts): (String, Log) = stand_in(|_, _| {
        std::thread::sleep(Duration::from_millis(10));
        (204, vec![])
    });
    let database = common::databases::postgres_url("replicas_kill");
    let dir = Dir::new("replicas");
    let chat_subscription =
        webhook("chat", &format!("{chat}/hooks/qa"), r#"{"test": "{{job.name}}", "run": "{{job.id}}"}"#);
    let configs: Vec<(std::path::PathBuf, String)> = (0..3)
        .map(|n| {
            let folder = dir.0.join(format!("r{n}"));
            std::fs::create_dir_all(&folder).unwrap();
            write_config(
                &folder,
                json!({
                    "database": database,
                    "instance": format!("r{n}"),
                    "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
                    "allow_private_targets": true,
                    "pagerduty_events_per_minute": 1000,
                    "lease_seconds": 6,
                    "retry": {"schedule_seconds": [1, 1, 1, 1, 1, 1, 1, 1], "throttled_wait_seconds": 1},
                    "subscriptions": [pagerduty("oncall"), chat_subscription.clone()]
                }),
            )
        })
        .collect();
    let mut replicas: Vec<Option<Relay>> =
        configs.iter().map(|(config, address)| Some(Relay::start(config, address))).collect();

    let events = events();
    let bodies: Vec<Vec<u8>> = events.iter().map(|event| serde_json::to_vec(event).unwrap()).collect();
    let mut kills = 0;
    for (n, body) in bodies.iter().enumerate() {
        if n % 6 == 5 {
            // The same result to two replicas at once: it pages once.
            std::thread::scope(|scope| {
                let replicas = &replicas;
                scope.spawn(move || post(replicas, n, body, deadline));
                scope.spawn(move || post(replicas, n + 1, body, deadline));
            });
        } else {
            post(&replicas, n, body, deadline);
        }
        // Now and then a replica is killed while it delivers, and started again a little later.
        if n % 9 == 4 {
            let victim = (n / 9) % 3;
            if let Some(relay) = replicas[victim].take() {
                relay.kill();
                kills += 1;
            }
        }
        if n % 9 == 7 {
            for (slot, (config, address)) in replicas.iter_mut().zip(&configs) {
                if slot.is_none() {
                    *slot = Some(Relay::start(config, address));
                }
            }
        }
    }
    for (slot, (config, address)) in replicas.iter_mut().zip(&configs) {
        if slot.is_none() {
            *slot = Some(Relay::start(config, address));
        }
    }
    let expected = expected_pages(&events);
    let expected_total: usize = expected.values().map(Vec::len).sum();
    wait_for("every page and every chat message", Duration::from_secs(60), || {
        pages_received(&pages).values().map(Vec::len).sum::<usize>() >= expected_total
            && chat_runs(&posts).values().map(Vec::len).sum::<usize>() >= events.len()
    });
    std::thread::sleep(Duration::from_secs(1));
    drop(replicas);

    assert_eq!(pages_received(&pages), expected, "each page once, in order per incident");
    let mut runs: HashMap<String, Vec<String>> = HashMap::new();
    for event in &events {
        let Event::Job(job) = event else { unreachable!() };
        runs.entry(job.name.clone().unwrap().into()).or_default().push(job.id.clone().into());
    }
    assert_eq!(chat_runs(&posts), runs, "each event once, in order per test");
    let sent = posts.lock().unwrap().len();
    println!(
        "replicas: 3 over one PostgreSQL, {kills} killed and started again; {expected_total} pages and {} chat \
         messages delivered once each, in order ({} PagerDuty requests, {sent} chat requests)",
        events.len(),
        pages.lock().unwrap().len()
    );
}
