//! The whole path from bytes to action on a realistic 1.5 KB signed failed job: verify, parse,
//! route among 100,000 subscriptions and write the PagerDuty alert's body. Side by side in one
//! run: SHA-256 of the same bytes (the floor), the crate's path with a borrowed event through
//! `write_alert`, with an owned event, and through `alert_for` + `AlertEvent::body`, each step
//! alone, and receivers written by hand
//! (hex-encode the MAC and compare strings; parse into `serde_json::Value` or a derived struct;
//! look up the subscriptions of the job's user, team and organization in a `HashMap`, or scan
//! them all; build the alert with `json!` and write it). The same again on a body without
//! escaped strings. Run: `cargo bench -p sauce-webhooks-benches --bench pipeline`.

#[path = "support/subscriptions.rs"]
mod subscriptions;
mod support;
#[path = "support/write_only.rs"]
mod write_only;

use std::borrow::Cow;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
use sauce_webhooks::signature::{Secret, Verifier, sign};
use sauce_webhooks::{Event, Router};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use write_only::write_only as pipeline;

const TOKEN: &str = "3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d";
const ROUTING_KEY: &str = "R0UT1NGKEY0123456789ABCDEFGHIJKL";
const SUBSCRIPTIONS: u64 = 100_000;

/// The same with an owned event (`event()`), its texts copied out of the body.
fn pipeline_owned(
    verifier: &Verifier,
    router: &Router<u64>,
    rules: &IncidentRules,
    body: &[u8],
    header: &str,
    alert: &mut Vec<u8>,
) -> usize {
    let event = verifier.verify(body, Some(header)).unwrap().event().unwrap();
    let keys: Vec<u64> = router.route(&event).copied().collect();
    rules.write_alert(&event, alert).unwrap();
    black_box(&alert);
    keys.len()
}

/// The same through the alert as a value: `alert_for`, then its body.
fn pipeline_through_alert_event(
    verifier: &Verifier,
    router: &Router<u64>,
    rules: &IncidentRules,
    body: &[u8],
    header: &str,
) -> usize {
    let event = verifier.verify(body, Some(header)).unwrap().event().unwrap();
    let keys: Vec<u64> = router.route(&event).copied().collect();
    let alert = rules.alert_for(&event).map(|alert| alert.body().unwrap());
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
    black_box(serde_json::to_vec(&alert).unwrap());
    keys.len()
}

/// The job's keys a careful hand-written receiver reads, borrowed from the body where it can.
#[derive(Deserialize)]
struct HandJob<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    data_type: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    passed: Option<Value>,
    #[serde(borrow)]
    owner_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    team_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    org_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    browser_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    os_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow)]
    build: Option<Cow<'a, str>>,
    modification_time: Value,
    #[serde(default)]
    tags: Vec<Cow<'a, str>>,
}

/// The careful hand-written receiver: HMAC compared in constant time, the job read into a
/// derived struct that borrows its texts, subscriptions looked up by id in a `HashMap`, the
/// alert built with `json!` (the body itself as its details) and written.
fn by_hand_derived(subscriptions: &HashMap<String, Vec<HandSubscription>>, body: &[u8], header: &str) -> usize {
    let mut mac = Hmac::<Sha256>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&hex::decode(header).unwrap()).unwrap();
    let job: HandJob<'_> = serde_json::from_slice(body).unwrap();
    let failed = job.status == "FAILED"
        || job.status == "ERRORED"
        || job.passed == Some(Value::from(0))
        || job.passed == Some(Value::from(false));
    let keys: Vec<u64> = [("owner_id", &job.owner_id), ("team_id", &job.team_id), ("org_id", &job.org_id)]
        .into_iter()
        .filter_map(|(scope_key, id)| {
            Some(subscriptions.get(id.as_deref()?)?.iter().filter(move |s| s.scope_key == scope_key))
        })
        .flatten()
        .filter(|s| {
            job.org_id.as_deref() == Some(&s.org)
                && s.topics
                    .iter()
                    .any(|&(data_type, failed_only)| job.data_type == data_type && (failed || !failed_only))
        })
        .map(|s| s.key)
        .collect();
    let severity = job.tags.iter().find_map(|tag| tag.strip_prefix("severity:")).unwrap_or("error");
    let name = job.name.as_deref().unwrap_or_default();
    let error = job.error.as_deref().and_then(|error| error.lines().next()).unwrap_or_default();
    let link = format!("https://app.saucelabs.com/tests/{}", job.id);
    let details: &RawValue = serde_json::from_slice(body).unwrap();
    let alert = json!({
        "routing_key": ROUTING_KEY,
        "event_action": if failed { "trigger" } else { "resolve" },
        "dedup_key": format!("{}/{}/{name}", job.org_id.as_deref().unwrap_or_default(), job.data_type),
        "payload": {
            "summary": format!("{name} failed on {}, {}: {error}", job.browser_name.as_deref().unwrap_or_default(), job.os_name.as_deref().unwrap_or_default()),
            "source": "Sauce Labs",
            "severity": severity,
            "timestamp": job.modification_time,
            "component": job.browser_name,
            "group": job.build,
            "class": format!("{} job", job.data_type),
            "custom_details": details,
        },
        "links": [{ "href": link, "text": "Test results" }],
        "client": "Sauce Labs",
        "client_url": link,
    });
    black_box(serde_json::to_vec(&alert).unwrap());
    keys.len()
}

/// `body` with every string that needs escaping made plain, the same length or near it.
fn plain_body(body: &[u8]) -> Vec<u8> {
    let Value::Object(mut job) = serde_json::from_slice(body).unwrap() else { panic!("the fixture is an object") };
    for value in job.values_mut() {
        if let Value::String(text) = value {
            *text = text.replace(['\n', '\t', '"', '\\'], " ");
        }
    }
    let plain = serde_json::to_vec(&job).unwrap();
    assert!(!plain.contains(&b'\\'), "no escapes left");
    plain
}

/// The requests and every receiver, set up and checked to agree.
struct Bench {
    body: Vec<u8>,
    header: String,
    plain: Vec<u8>,
    plain_header: String,
    verifier: Verifier,
    router: Router<u64>,
    rules: IncidentRules,
    hand_list: Vec<HandSubscription>,
    hand_index: HandIndex,
    hand_by_id: HashMap<String, Vec<HandSubscription>>,
}

fn setup() -> Bench {
    let body = sauce_webhooks::testing::fixtures::VDC_JOB_FAILED.to_vec();
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
    let mut hand_by_id: HashMap<String, Vec<HandSubscription>> = HashMap::new();
    for (key, subscription) in &mix {
        let subscription = HandSubscription::new(*key, subscription);
        hand_by_id.entry(subscription.id.clone()).or_default().push(subscription);
    }
    let router = subscriptions::router(SUBSCRIPTIONS, &user, &team, &org);
    let rules = IncidentRules::new(RoutingKey::new(ROUTING_KEY).unwrap());
    let mut alert = Vec::new();
    assert_eq!(pipeline(&verifier, &router, &rules, &body, &header, &mut alert), 3);
    let borrowed = alert.clone();
    assert_eq!(pipeline_owned(&verifier, &router, &rules, &body, &header, &mut alert), 3);
    assert_eq!(alert, borrowed, "the same body from either event");
    assert_eq!(pipeline_through_alert_event(&verifier, &router, &rules, &body, &header), 3);
    assert_eq!(by_hand(|job, failed| scan(&hand_list, job, failed), &body, &header), 3);
    assert_eq!(by_hand(|job, failed| look_up(&hand_index, job, failed), &body, &header), 3);
    assert_eq!(by_hand_derived(&hand_by_id, &body, &header), 3);
    // The same job with no string that needs escaping: the writer's fast path.
    let plain = plain_body(&body);
    let plain_header = sign(&Secret::new(TOKEN).unwrap(), &plain).to_string();
    assert_eq!(pipeline(&verifier, &router, &rules, &plain, &plain_header, &mut alert), 3);

    Bench { body, header, plain, plain_header, verifier, router, rules, hand_list, hand_index, hand_by_id }
}

fn main() {
    let bench = setup();
    let Bench { body, header, verifier, router, rules, hand_list, hand_index, hand_by_id, .. } = &bench;
    let scanning = |job: &Value, failed| scan(hand_list, job, failed);
    let looking_up = |job: &Value, failed| look_up(hand_index, job, failed);
    let mut alert = Vec::new();
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("pipeline_1.5kb_job_100k_subscriptions");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sha256_floor", |b| b.iter(|| Sha256::digest(black_box(&body))));
    group.bench_function("sauce_webhooks", |b| {
        b.iter(|| pipeline(verifier, router, rules, black_box(body), header, &mut alert));
    });
    group.bench_function("sauce_webhooks_owned_event", |b| {
        b.iter(|| pipeline_owned(verifier, router, rules, black_box(body), header, &mut alert));
    });
    group.bench_function("sauce_webhooks_through_alert_event", |b| {
        b.iter(|| pipeline_through_alert_event(verifier, router, rules, black_box(body), header));
    });
    group.bench_function("by_hand_derived", |b| b.iter(|| by_hand_derived(hand_by_id, black_box(body), header)));
    group.bench_function("by_hand_indexed", |b| b.iter(|| by_hand(looking_up, black_box(body), header)));
    group.bench_function("by_hand_scanning", |b| b.iter(|| by_hand(scanning, black_box(body), header)));
    group.finish();
    c.final_summary();

    // `cargo test --benches` runs this binary too; the ratio table is for `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        ratios(&bench);
    }
}

/// The ratio tables, from interleaved rounds.
fn ratios(bench: &Bench) {
    let Bench { body, header, plain, plain_header, verifier, router, rules, hand_list, hand_index, hand_by_id } = bench;
    let scanning = |job: &Value, failed| scan(hand_list, job, failed);
    let looking_up = |job: &Value, failed| look_up(hand_index, job, failed);
    let mut alert = Vec::new();
    let event = Event::from_slice_borrowed(body).unwrap();
    let mut alert_alone = Vec::new();
    let mut owned_alert = Vec::new();
    let fastest = support::interleaved(
        "verify + parse + route among 100,000 + the alert's body written, a 1.5 KB failed job",
        &mut [
            ("SHA-256 of the body (floor)", &mut || {
                black_box(Sha256::digest(black_box(&body)));
            }),
            ("sauce-webhooks pipeline", &mut || {
                black_box(pipeline(verifier, router, rules, black_box(body), header, &mut alert));
            }),
            ("  of which verify", &mut || drop(black_box(verifier.verify(black_box(body), Some(header))))),
            ("  of which parse (borrowed)", &mut || drop(black_box(Event::from_slice_borrowed(black_box(body))))),
            ("  of which route", &mut || {
                drop(black_box(router.route(black_box(&event)).copied().collect::<Vec<u64>>()));
            }),
            ("  of which write_alert", &mut || {
                black_box(rules.write_alert(black_box(&event), &mut alert_alone).unwrap());
            }),
            ("with an owned event", &mut || {
                black_box(pipeline_owned(verifier, router, rules, black_box(body), header, &mut owned_alert));
            }),
            ("through alert_for + body()", &mut || {
                black_box(pipeline_through_alert_event(verifier, router, rules, black_box(body), header));
            }),
            ("  of which alert_for + body()", &mut || {
                drop(black_box(rules.alert_for(black_box(&event)).map(|alert| alert.body())));
            }),
            ("by hand, derived struct", &mut || {
                black_box(by_hand_derived(hand_by_id, black_box(body), header));
            }),
            ("by hand, Value + index", &mut || {
                black_box(by_hand(looking_up, black_box(body), header));
            }),
            ("by hand, Value + scan", &mut || {
                black_box(by_hand(scanning, black_box(body), header));
            }),
        ],
        100,
        Duration::from_millis(5),
    );
    let (floor, ours, owned, today, derived, indexed, scanning) =
        (fastest[0], fastest[1], fastest[6], fastest[7], fastest[9], fastest[10], fastest[11]);
    println!(
        "\npipeline: {:.2} x the SHA-256 floor ({:.2} x with an owned event, {:.2} x through alert_for), \
         {:.0} events/s on one core; {:.2} x faster than by hand with a derived struct, {:.2} x than with a \
         Value and an index, {:.0} x than scanning",
        ours / floor,
        owned / floor,
        today / floor,
        1e9 / ours,
        derived / ours,
        indexed / ours,
        scanning / ours
    );
    let plain_fastest = support::interleaved(
        "the same job without escaped strings",
        &mut [
            ("SHA-256 of the body (floor)", &mut || {
                black_box(Sha256::digest(black_box(&plain)));
            }),
            ("sauce-webhooks pipeline", &mut || {
                black_box(pipeline(verifier, router, rules, black_box(plain), plain_header, &mut alert));
            }),
            ("with an owned event", &mut || {
                black_box(pipeline_owned(verifier, router, rules, black_box(plain), plain_header, &mut owned_alert));
            }),
        ],
        100,
        Duration::from_millis(5),
    );
    println!(
        "\npipeline without escapes: {:.2} x the SHA-256 floor ({:.2} x with an owned event)",
        plain_fastest[1] / plain_fastest[0],
        plain_fastest[2] / plain_fastest[0]
    );
}
