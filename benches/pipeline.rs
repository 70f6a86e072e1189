//! The whole path from bytes to action on a realistic 1.5 KB signed failed job: verify, parse,
//! route among 100,000 subscriptions and build the PagerDuty alert. Side by side in one run:
//! SHA-256 of the same bytes (the floor), each step alone, and a receiver written by hand
//! (hex-encode the MAC and compare strings, parse into `serde_json::Value`, look up the
//! subscriptions of the job's user, team and organization in a `HashMap`, build the alert with
//! `json!`). Run: `cargo bench --bench pipeline`.

#[path = "support/subscriptions.rs"]
mod subscriptions;
mod support;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
use sauce_webhooks::signature::{Secret, Verifier, sign};
use sauce_webhooks::{Event, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TOKEN: &str = "3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d";
const ROUTING_KEY: &str = "R0UT1NGKEY0123456789ABCDEFGHIJKL";
const SUBSCRIPTIONS: u64 = 100_000;

/// What the crate does with one request: the keys of the subscriptions to notify, and the alert.
fn pipeline(verifier: &Verifier, router: &Router<u64>, rules: &IncidentRules, body: &[u8], header: &str) -> usize {
    let event = verifier.verify(body, Some(header)).unwrap().event().unwrap();
    let keys: Vec<u64> = router.route(&event).copied().collect();
    let alert = rules.alert_for(&event);
    black_box(alert);
    keys.len()
}

/// A subscription as a receiver written by hand keeps it.
struct HandSubscription {
    key: u64,
    /// `owner_id`, `team_id` or `org_id`: the job key that must equal `id`.
    scope_key: &'static str,
    id: String,
    /// The organization the job must be of, as every scope names one.
    org: String,
    /// (`data_type`, failed only) pairs.
    topics: Vec<(&'static str, bool)>,
}

impl HandSubscription {
    fn new(key: u64, subscription: &Subscription) -> Self {
        let (scope_key, id) = match subscription.scope() {
            Scope::User { user, .. } => ("owner_id", user.as_str()),
            Scope::Team { team, .. } => ("team_id", team.as_str()),
            Scope::Organization(org) => ("org_id", org.as_str()),
            _ => unreachable!("the mix has no other scopes"),
        };
        let org = subscription.scope().org().to_string();
        let topics = subscription
            .topics()
            .filter_map(|topic| match topic {
                Topic::VirtualDeviceJobs(outcomes) => Some(("vdc", outcomes == Outcomes::FailedOnly)),
                Topic::RealDeviceJobs(outcomes) => Some(("rdc", outcomes == Outcomes::FailedOnly)),
                _ => None,
            })
            .collect();
        Self { key, scope_key, id: id.to_owned(), org, topics }
    }

    fn matches(&self, job: &Value, failed: bool) -> bool {
        job[self.scope_key].as_str() == Some(&self.id)
            && job["org_id"].as_str() == Some(&self.org)
            && self
                .topics
                .iter()
                .any(|&(data_type, failed_only)| job["data_type"] == data_type && (failed || !failed_only))
    }
}

/// Subscriptions indexed as a careful hand-written receiver would: by the id they watch.
type HandIndex = HashMap<(&'static str, String), Vec<HandSubscription>>;

/// Routing as the simplest hand-written receiver does it: check every subscription.
fn scan(subscriptions: &[HandSubscription], job: &Value, failed: bool) -> Vec<u64> {
    subscriptions.iter().filter(|s| s.matches(job, failed)).map(|s| s.key).collect()
}

/// Routing with an index: the subscriptions of the job's user, team and organization.
fn look_up(subscriptions: &HandIndex, job: &Value, failed: bool) -> Vec<u64> {
    ["owner_id", "team_id", "org_id"]
        .into_iter()
        .filter_map(|scope_key| subscriptions.get(&(scope_key, job[scope_key].as_str()?.to_owned())))
        .flatten()
        .filter(|s| s.matches(job, failed))
        .map(|s| s.key)
        .collect()
}

/// The same work as [`pipeline`], as it is often written by hand, with `route` for routing.
fn by_hand(route: impl Fn(&Value, bool) -> Vec<u64>, body: &[u8], header: &str) -> usize {
    let mut mac = Hmac::<Sha256>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(body);
    assert!(hex::encode(mac.finalize().into_bytes()) == header);
    let job: Value = serde_json::from_slice(body).unwrap();
    let failed =
        job["status"] == "FAILED" || job["status"] == "ERRORED" || job["passed"] == 0 || job["passed"] == false;
    let keys = route(&job, failed);
    let text = |key: &str| job[key].as_str().unwrap_or_default().to_owned();
    let severity = job["tags"]
        .as_array()
        .and_then(|tags| tags.iter().filter_map(Value::as_str).find_map(|tag| tag.strip_prefix("severity:")))
        .unwrap_or("error")
        .to_owned();
    let error = text("error").lines().next().unwrap_or_default().to_owned();
    let link = format!("https://app.saucelabs.com/tests/{}", text("id"));
    let alert = json!({
        "routing_key": ROUTING_KEY,
        "event_action": if failed { "trigger" } else { "resolve" },
        "dedup_key": format!("{}/{}/{}", text("org_id"), text("data_type"), text("name")),
        "payload": {
            "summary": format!("{} failed on {}, {}: {error}", text("name"), text("browser_name"), text("os_name")),
            "source": "Sauce Labs",
            "severity": severity,
            "timestamp": job["modification_time"],
            "component": job["browser_name"],
            "group": job["build"],
            "class": format!("{} job", text("data_type")),
            "custom_details": job.clone(),
        },
        "links": [{ "href": link, "text": "Test results" }],
        "client": "Sauce Labs",
        "client_url": link,
    });
    black_box(alert);
    keys.len()
}

fn main() {
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/payloads/vdc_job_failed.json")).unwrap();
    let secret = Secret::new(TOKEN).unwrap();
    let header = sign(&secret, &body).to_string();
    let verifier = Verifier::new(secret);
    let Ok(Event::Job(job)) = Event::from_slice(&body) else { panic!("the fixture is a job") };
    let id = |id: Option<&str>| id.expect("the fixture names its owner").to_owned();
    let (user, team, org) = (
        id(job.owner_id.as_ref().map(AsRef::as_ref)),
        id(job.team_id.as_ref().map(AsRef::as_ref)),
        id(job.org_id.as_ref().map(AsRef::as_ref)),
    );
    let mix = subscriptions::mix(SUBSCRIPTIONS, &user, &team, &org);
    let hand_list: Vec<HandSubscription> = mix.iter().map(|(key, s)| HandSubscription::new(*key, s)).collect();
    let mut hand_index = HandIndex::new();
    for (key, subscription) in &mix {
        let subscription = HandSubscription::new(*key, subscription);
        hand_index.entry((subscription.scope_key, subscription.id.clone())).or_default().push(subscription);
    }
    let scanning = |job: &Value, failed| scan(&hand_list, job, failed);
    let looking_up = |job: &Value, failed| look_up(&hand_index, job, failed);
    let router = subscriptions::router(SUBSCRIPTIONS, &user, &team, &org);
    let rules = IncidentRules::new(RoutingKey::new(ROUTING_KEY).unwrap());
    assert_eq!(pipeline(&verifier, &router, &rules, &body, &header), 3);
    assert_eq!(by_hand(scanning, &body, &header), 3);
    assert_eq!(by_hand(looking_up, &body, &header), 3);

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("pipeline_1.5kb_job_100k_subscriptions");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sha256_floor", |b| b.iter(|| Sha256::digest(black_box(&body))));
    group.bench_function("sauce_webhooks", |b| {
        b.iter(|| pipeline(&verifier, &router, &rules, black_box(&body), &header));
    });
    group.bench_function("by_hand_indexed", |b| b.iter(|| by_hand(looking_up, black_box(&body), &header)));
    group.bench_function("by_hand_scanning", |b| b.iter(|| by_hand(scanning, black_box(&body), &header)));
    group.finish();
    c.final_summary();

    // `cargo test --benches` runs this binary too; the ratio table is for `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        let event = Event::from_slice(&body).unwrap();
        let fastest = support::interleaved(
            "verify + parse + route among 100,000 + alert_for, a 1.5 KB failed job",
            &mut [
                ("SHA-256 of the body (floor)", &mut || {
                    black_box(Sha256::digest(black_box(&body)));
                }),
                ("sauce-webhooks pipeline", &mut || {
                    black_box(pipeline(&verifier, &router, &rules, black_box(&body), &header));
                }),
                ("  of which verify", &mut || drop(black_box(verifier.verify(black_box(&body), Some(&header))))),
                ("  of which parse", &mut || drop(black_box(Event::from_slice(black_box(&body))))),
                ("  of which route", &mut || {
                    drop(black_box(router.route(black_box(&event)).copied().collect::<Vec<u64>>()));
                }),
                ("  of which alert_for", &mut || drop(black_box(rules.alert_for(black_box(&event))))),
                ("by hand, indexed (HashMap)", &mut || {
                    black_box(by_hand(looking_up, black_box(&body), &header));
                }),
                ("by hand, scanning all", &mut || {
                    black_box(by_hand(scanning, black_box(&body), &header));
                }),
            ],
            100,
            Duration::from_millis(5),
        );
        let (floor, ours, indexed, scanning) = (fastest[0], fastest[1], fastest[6], fastest[7]);
        println!(
            "\npipeline: {:.2} x the SHA-256 floor, {:.0} events/s on one core; {:.2} x faster than by hand with an index, {:.0} x faster than by hand scanning",
            ours / floor,
            1e9 / ours,
            indexed / ours,
            scanning / ours
        );
    }
}
