//! Delivery over random streams: retry decisions for every outcome, the outbox's order per key
//! under failures, crashes (attempts never reported) and two workers at once, endpoint health,
//! and PagerDuty's rate limit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use proptest::prelude::*;
use sauce_webhooks::connector::WebhookConnector;
use sauce_webhooks::delivery::{
    Dispatcher, EndpointHealth, EndpointKind, MAX_ORDERING_KEY_BYTES, MemoryOutboxStore, Message, Next, Outbox,
    OutboxStore, Outcome, QueuedMessage, Reported, RetryPolicy, StoredMessage, Undeliverable,
};
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
use sauce_webhooks::signature::WEBHOOK_ID_HEADER;
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, Job, JobStatus};

fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        (100u16..600, prop::option::of(0i64..100_000))
            .prop_map(|(code, wait)| Outcome::Status { code, retry_after: wait.map(Duration::seconds) }),
        Just(Outcome::Timeout),
        Just(Outcome::ConnectionFailed),
        Just(Outcome::DnsFailed),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_outcome_gets_the_decision_of_the_table(
        outcome in outcome(),
        attempts in 0u32..20,
        random in any::<u64>(),
        pagerduty in any::<bool>(),
    ) {
        let policy = if pagerduty { RetryPolicy::pagerduty() } else { RetryPolicy::webhook() };
        let now = start();
        let next = policy.decide(attempts, &outcome, now, random);
        let (code, retry_after) = match outcome {
            Outcome::Status { code, retry_after } => (Some(code), retry_after),
            _ => (None, None),
        };
        let throttled = matches!(code, Some(408 | 429)) || outcome == Outcome::Timeout;
        let refused = matches!(code, Some(400..=499)) && !throttled && code != Some(410);
        // A refusal follows the short schedule (none for PagerDuty), everything else the long one.
        let schedule = if refused { policy.refused_schedule() } else { policy.schedule() };
        let spent = usize::try_from(attempts.max(1)).unwrap() > schedule.len();
        match (code, pagerduty) {
            (Some(200..=299), _) => prop_assert_eq!(next, Next::Done),
            (Some(410), false) => prop_assert_eq!(next, Next::DisableEndpoint),
            (Some(code @ 400..=499), true) if !throttled => prop_assert_eq!(next, Next::GiveUp(Undeliverable::Refused { status: code })),
            (Some(code), false) if refused && spent => prop_assert_eq!(next, Next::GiveUp(Undeliverable::Refused { status: code })),
            _ if spent => prop_assert_eq!(next, Next::GiveUp(Undeliverable::Exhausted { attempts })),
            _ => {
                let Next::RetryAt(at) = next else { return Err(TestCaseError::fail(format!("{next:?}"))) };
                let delay: Duration = schedule[usize::try_from(attempts.max(1) - 1).unwrap()];
                let wait = at - now;
                let mut least: Duration = delay * 0.8_f64 - Duration::MILLISECOND;
                if let Some(asked) = retry_after {
                    least = least.max(asked.min(Duration::HOUR));
                }
                if throttled {
                    least = least.max(Duration::MINUTE);
                }
                prop_assert!(wait >= least, "waits {wait} for {outcome:?} after {attempts}, at least {least}");
                let most = (delay * 1.2_f64 + Duration::MILLISECOND).max(Duration::MINUTE).max(retry_after.unwrap_or_default().min(Duration::HOUR));
                prop_assert!(wait <= most, "waits {wait} for {outcome:?} after {attempts}, at most {most}");
            }
        }
    }

    #[test]
    fn no_policy_panics_on_extreme_settings(outcome in outcome(), attempts in any::<u32>(), random in any::<u64>(), jitter in any::<f64>()) {
        let policy = RetryPolicy::webhook().with_schedule([Duration::MAX, Duration::MIN, Duration::ZERO]).with_jitter(jitter);
        let _ = policy.decide(attempts, &outcome, OffsetDateTime::UNIX_EPOCH, random);
        let _ = policy.decide(attempts, &outcome, sauce_webhooks::time::PrimitiveDateTime::MAX.assume_utc(), random);
    }
}

/// A webhook message to one of a few endpoints, its body naming its key and number.
fn webhook_message(endpoint: u8, n: usize) -> Message {
    let url = format!("https://hooks{endpoint}.example.com/in");
    let connector = WebhookConnector::new(Endpoint::parse(&url).unwrap()).with_on_success(true);
    let mut job = Job::new(format!("{endpoint}-{n}"), JobStatus::Failed, start());
    job.name = Some(format!("message {n}").into());
    Message::webhook(connector.request(&Event::Job(job)).unwrap().unwrap())
}

/// What a worker does with an attempt it took.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Delivered,
    Failed,
    Refused,
    Gone,
    /// The worker dies: the outcome is never reported.
    Crash,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![5 => Just(Fate::Delivered), 3 => Just(Fate::Failed), 1 => Just(Fate::Refused), 1 => Just(Fate::Crash), 1 => Just(Fate::Gone)]
}

fn outcome_of(fate: Fate) -> Option<Outcome> {
    match fate {
        Fate::Delivered => Some(Outcome::status(204)),
        Fate::Failed => Some(Outcome::status(503)),
        Fate::Refused => Some(Outcome::status(400)),
        Fate::Gone => Some(Outcome::status(410)),
        Fate::Crash => None,
    }
}

/// The endpoint (ordering key) and body of an attempt.
fn key_and_body(attempt: &sauce_webhooks::delivery::Attempt) -> (String, String) {
    (attempt.message().ordering_key().to_owned(), String::from_utf8(attempt.request().body.clone()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn each_key_is_delivered_in_order_at_least_once_whatever_fails(
        messages in prop::collection::vec(0u8..3, 1..30),
        fates in prop::collection::vec(fate(), 1..200),
    ) {
        let outbox = Outbox::new();
        let mut order: HashMap<String, Vec<String>> = HashMap::new();
        for (n, endpoint) in messages.iter().enumerate() {
            let message = webhook_message(*endpoint, n);
            let (key, body) = (message.ordering_key().to_owned(), String::from_utf8(message.request().body.clone()).unwrap());
            order.entry(key).or_default().push(body);
            outbox.enqueue(message, start()).unwrap();
        }
        // Per key: bodies first delivered (by a 2xx), and what is settled (delivered or given up).
        let mut delivered: HashMap<String, Vec<String>> = HashMap::new();
        let mut settled: HashMap<String, usize> = HashMap::new();
        let mut now = start();
        let mut fates = fates.into_iter().chain(std::iter::repeat(Fate::Delivered));
        for _round in 0..2_000 {
            if outbox.is_empty().unwrap() {
                break;
            }
            for attempt in outbox.due(now, 8).unwrap() {
                let (key, body) = key_and_body(&attempt);
                let expected = &order[&key];
                let position = expected.iter().position(|b| *b == body).unwrap();
                // Never a message before every earlier one of its key is settled.
                prop_assert_eq!(position, settled.get(&key).copied().unwrap_or(0), "{} out of order", body);
                prop_assert!(attempt.request().headers.iter().any(|(name, value)| name == WEBHOOK_ID_HEADER && *value == attempt.id().as_str()));
                let Some(outcome) = outcome_of(fates.next().unwrap()) else { continue };
                match outbox.report(&attempt, &outcome, now, 42).unwrap() {
                    Reported::Delivered => {
                        delivered.entry(key.clone()).or_default().push(body);
                        *settled.entry(key).or_default() += 1;
                    }
                    Reported::GaveUp { reason, .. } => {
                        // Eight attempts (one more for each the lease gave out again), or a
                        // refusal once the short schedule for refusals is spent.
                        let exhausted = matches!(reason, Undeliverable::Exhausted { attempts } if attempts >= 8);
                        let refused = reason == Undeliverable::Refused { status: 400 } && attempt.number() > 3;
                        prop_assert!(exhausted || refused, "{reason:?} after {} attempts", attempt.number());
                        *settled.entry(key).or_default() += 1;
                    }
                    Reported::EndpointDisabled => {
                        // The host looks into it and enables it again.
                        outbox.enable_endpoint(attempt.message().endpoint()).unwrap();
                    }
                    Reported::RetryAt(at) => prop_assert!(at > now),
                    other => return Err(TestCaseError::fail(format!("{other:?}"))),
                }
            }
            now += Duration::minutes(30);
        }
        prop_assert!(outbox.is_empty().unwrap(), "everything settles: {} left", outbox.len().unwrap());
        // Delivered in order: each key's deliveries are a subsequence of its messages, in order.
        for (key, bodies) in &delivered {
            let mut expected = order[key].iter();
            for body in bodies {
                prop_assert!(expected.any(|b| b == body), "{} delivered out of order", body);
            }
        }
    }

    #[test]
    fn two_workers_sharing_a_store_never_overtake_each_other(messages in prop::collection::vec(0u8..2, 1..40)) {
        let store = Arc::new(MemoryOutboxStore::new());
        let workers = [0, 1].map(|_| Outbox::new().with_store(Arc::clone(&store)));
        let mut order: HashMap<String, Vec<String>> = HashMap::new();
        for (n, endpoint) in messages.iter().enumerate() {
            let message = webhook_message(*endpoint, n);
            order.entry(message.ordering_key().to_owned()).or_default().push(String::from_utf8(message.request().body.clone()).unwrap());
            workers[0].enqueue(message, start()).unwrap();
        }
        // Both take and deliver at once; each delivery is logged with the time it was reported.
        let log = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for worker in &workers {
                let log = &log;
                scope.spawn(move || {
                    for _ in 0..10_000 {
                        if worker.is_empty().unwrap() {
                            break;
                        }
                        for attempt in worker.due(start(), 4).unwrap() {
                            let (key, body) = key_and_body(&attempt);
                            let mut log = log.lock().unwrap();
                            assert_eq!(worker.report(&attempt, &Outcome::status(200), start(), 1).unwrap(), Reported::Delivered);
                            log.push((key, body));
                        }
                    }
                });
            }
        });
        let mut delivered: HashMap<String, Vec<String>> = HashMap::new();
        for (key, body) in log.into_inner().unwrap() {
            delivered.entry(key).or_default().push(body);
        }
        prop_assert_eq!(delivered, order, "each message once, in order per key");
    }
}

#[test]
fn an_endpoint_failing_for_days_is_disabled_and_waits_to_be_enabled() {
    let outbox = Outbox::new().with_disable_after(Duration::days(5));
    let message = webhook_message(0, 1);
    let endpoint = "https://hooks0.example.com/in";
    outbox.enqueue(message, start()).unwrap();
    let mut now = start();
    // Retries every 10 h at the end of the schedule; five days of failures disable it.
    let mut reported = Reported::Delivered;
    for _ in 0..7 {
        let attempt = outbox.due(now, 1).unwrap().pop().expect("due");
        reported = outbox.report(&attempt, &Outcome::Timeout, now, 0).unwrap();
        match reported {
            Reported::RetryAt(at) => now = at,
            _ => break,
        }
        now += Duration::days(1);
    }
    assert_eq!(reported, Reported::EndpointDisabled);
    assert!(matches!(outbox.endpoint_health(endpoint).unwrap(), EndpointHealth::Disabled { gone: false, .. }));
    assert!(outbox.due(now + Duration::days(30), 8).unwrap().is_empty(), "nothing goes to a disabled endpoint");
    assert_eq!(outbox.len().unwrap(), 1, "its message waits");
    outbox.enable_endpoint(endpoint).unwrap();
    let attempt = outbox.due(now, 1).unwrap().pop().expect("due again once enabled");
    assert_eq!(outbox.report(&attempt, &Outcome::status(200), now, 0).unwrap(), Reported::Delivered);
    assert_eq!(outbox.endpoint_health(endpoint).unwrap(), EndpointHealth::Healthy);

    // A success between failures starts the count again; a 410 disables at once.
    let outbox = Outbox::new();
    outbox.enqueue(webhook_message(0, 2), start()).unwrap();
    let attempt = outbox.due(start(), 1).unwrap().pop().unwrap();
    assert_eq!(outbox.report(&attempt, &Outcome::status(410), start(), 0).unwrap(), Reported::EndpointDisabled);
    assert!(matches!(outbox.endpoint_health(endpoint).unwrap(), EndpointHealth::Disabled { gone: true, .. }));
}

#[test]
fn pagerduty_gets_no_more_than_its_rate_limit() {
    let outbox = Outbox::new();
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
    // A resolve storm: 1,000 keys at once.
    for n in 0..1_000 {
        outbox
            .enqueue(Message::pagerduty(&AlertEvent::resolve(key.clone(), format!("test {n}"))).unwrap(), start())
            .unwrap();
    }
    let mut per_minute: BTreeMap<i64, usize> = BTreeMap::new();
    let mut now = start();
    while !outbox.is_empty().unwrap() {
        for attempt in outbox.due(now, 1_000).unwrap() {
            *per_minute.entry((now - start()).whole_minutes()).or_default() += 1;
            assert_eq!(outbox.report(&attempt, &Outcome::status(202), now, 0).unwrap(), Reported::Delivered);
        }
        now += Duration::seconds(5);
    }
    assert!(per_minute.values().all(|&sent| sent <= 120), "{per_minute:?}");
    assert_eq!(per_minute.values().sum::<usize>(), 1_000);
    assert!(per_minute.len() <= 10, "and no slower than the limit: {} minutes", per_minute.len());

    // A 429 holds back every message of its routing key until the wait it asked for.
    let outbox = Outbox::new();
    for n in 0..3 {
        outbox
            .enqueue(Message::pagerduty(&AlertEvent::resolve(key.clone(), format!("t{n}"))).unwrap(), start())
            .unwrap();
    }
    let attempts = outbox.due(start(), 1).unwrap();
    let throttled = Outcome::Status { code: 429, retry_after: Some(Duration::minutes(3)) };
    let Reported::RetryAt(at) = outbox.report(&attempts[0], &throttled, start(), 0).unwrap() else { panic!() };
    assert!(at >= start() + Duration::minutes(3));
    assert!(outbox.due(start() + Duration::minutes(1), 8).unwrap().is_empty(), "the whole key waits");
    assert_eq!(outbox.due(at, 8).unwrap().len(), 3);
    let _ = EndpointKind::PagerDuty;
    let _ = outbox.store().count();
}

#[test]
fn a_message_nobody_can_sign_does_not_hold_up_the_others() {
    // A relay restarted without a subscription's secret: its messages wait, the rest go.
    let store = Arc::new(MemoryOutboxStore::new());
    let secret =
        sauce_webhooks::signature::Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let with_signer = Outbox::new().with_store(Arc::clone(&store)).with_signer("old", secret);
    let without = Outbox::new().with_store(Arc::clone(&store));
    let signed = WebhookConnector::new(Endpoint::parse("https://a.example.com/in").unwrap())
        .with_on_success(true)
        .with_standard_webhooks_signer("old");
    let event = Event::Job(Job::new("j", JobStatus::Passed, start()));
    with_signer.enqueue(Message::webhook(signed.request(&event).unwrap().unwrap()), start()).unwrap();
    without.enqueue(webhook_message(1, 1), start() + Duration::SECOND).unwrap();
    let attempts = without.due(start() + Duration::minutes(1), 1).unwrap();
    let attempts = if attempts.is_empty() { without.due(start() + Duration::minutes(1), 1).unwrap() } else { attempts };
    assert_eq!(attempts.len(), 1, "the other endpoint's message goes");
    assert_eq!(attempts[0].message().endpoint(), "https://hooks1.example.com/in");
    assert_eq!(store.count().unwrap(), 2, "the unsigned one waits");
    // The outbox that knows the signer sends it once its wait is over.
    let later = start() + Duration::minutes(3);
    let signed_attempt = with_signer.due(later, 8).unwrap().into_iter().find(|a| a.message().signer() == Some("old"));
    assert!(signed_attempt.is_some());
}

#[test]
fn a_stored_request_is_sent_byte_for_byte_as_signed() {
    // A template read from a file ends in a newline; the signature covers it.
    let template = sauce_webhooks::connector::Template::parse("{\"run\": \"{{job.id}}\"}\n").unwrap();
    let connector = WebhookConnector::new(Endpoint::parse("https://hooks.example.com/in").unwrap())
        .with_on_success(true)
        .with_template(template)
        .with_signing_secret(sauce_webhooks::signature::Secret::new("token").unwrap());
    let request = connector.request(&Event::Job(Job::new("j", JobStatus::Passed, start()))).unwrap().unwrap();
    assert!(request.body.ends_with(b"\n"));
    let stored = serde_json::to_string(&request).unwrap();
    let back: sauce_webhooks::outgoing::OutgoingRequest = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, request, "the same bytes, so the same signature");
}

#[test]
fn a_report_after_the_lease_changes_nothing_not_even_health() {
    let outbox = Outbox::new().with_lease(Duration::minutes(1));
    outbox.enqueue(webhook_message(0, 1), start()).unwrap();
    let stale = outbox.due(start(), 1).unwrap().pop().unwrap();
    assert_eq!(stale.lease_ends_at(), start() + Duration::minutes(1));
    // The lease ends; another worker takes the message and delivers it.
    let fresh = outbox.due(start() + Duration::minutes(2), 1).unwrap().pop().expect("given out again");
    assert_eq!(outbox.report(&fresh, &Outcome::status(204), start(), 0).unwrap(), Reported::Delivered);
    // The first worker's late 410 neither disables the endpoint nor brings anything back.
    assert_eq!(outbox.report(&stale, &Outcome::status(410), start(), 0).unwrap(), Reported::LeaseLost);
    assert_eq!(outbox.endpoint_health("https://hooks0.example.com/in").unwrap(), EndpointHealth::Healthy);
}

#[test]
fn a_429_that_ends_the_schedule_still_pauses_its_routing_key() {
    let outbox = Outbox::new().with_policy(RetryPolicy::pagerduty().with_schedule([]));
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
    for n in 0..2 {
        outbox
            .enqueue(Message::pagerduty(&AlertEvent::resolve(key.clone(), format!("t{n}"))).unwrap(), start())
            .unwrap();
    }
    let attempt = outbox.due(start(), 1).unwrap().pop().unwrap();
    let reported = outbox.report(&attempt, &Outcome::status(429), start(), 0).unwrap();
    assert!(matches!(reported, Reported::GaveUp { reason: Undeliverable::Exhausted { attempts: 1 }, .. }));
    assert!(outbox.due(start() + Duration::seconds(30), 8).unwrap().is_empty(), "the key waits a minute");
    assert_eq!(outbox.due(start() + Duration::minutes(1), 8).unwrap().len(), 1);
}

#[test]
fn extreme_leases_and_clocks_do_not_panic() {
    let end_of_time = sauce_webhooks::time::PrimitiveDateTime::MAX.assume_utc();
    let outbox = Outbox::new().with_lease(Duration::MAX);
    outbox.enqueue(webhook_message(0, 1), start()).unwrap();
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
    outbox.enqueue(Message::pagerduty(&AlertEvent::resolve(key, "t")).unwrap(), start()).unwrap();
    for attempt in outbox.due(end_of_time, 8).unwrap() {
        let _ = outbox.report(&attempt, &Outcome::status(429), end_of_time, u64::MAX);
    }
}

/// A store shared with workers that win every claim this one tries, `lost` times.
struct LosesClaims {
    inner: MemoryOutboxStore,
    lost: std::sync::atomic::AtomicUsize,
}

impl OutboxStore for LosesClaims {
    type Error = <MemoryOutboxStore as OutboxStore>::Error;

    fn push(&self, message: &QueuedMessage) -> Result<u64, Self::Error> {
        self.inner.push(message)
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<StoredMessage>, Self::Error> {
        self.inner.due(now, limit)
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> Result<bool, Self::Error> {
        let claim = message.leased_until().is_some();
        let lose = |left: usize| left.checked_sub(1);
        if claim && self.lost.fetch_update(SeqCst, SeqCst, lose).is_ok() {
            return Ok(false); // another worker's claim came first
        }
        self.inner.replace(sequence, expected, message)
    }

    fn remove(&self, sequence: u64, expected: u64) -> Result<bool, Self::Error> {
        self.inner.remove(sequence, expected)
    }

    fn endpoint(&self, endpoint: &str) -> Result<EndpointHealth, Self::Error> {
        self.inner.endpoint(endpoint)
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> Result<(), Self::Error> {
        self.inner.set_endpoint(endpoint, health)
    }

    fn count(&self) -> Result<usize, Self::Error> {
        self.inner.count()
    }
}

#[test]
fn a_claim_lost_to_another_worker_spends_none_of_the_rate_limit() {
    // Four workers racing for the same heads: three of every four claims are lost. Before the
    // fix, each lost claim had already spent a send, and PagerDuty got a quarter of its rate.
    let store = LosesClaims { inner: MemoryOutboxStore::new(), lost: 30.into() };
    let outbox = Outbox::new().with_store(store).with_pagerduty_rate_limit(10);
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
    for n in 0..30 {
        outbox
            .enqueue(Message::pagerduty(&AlertEvent::resolve(key.clone(), format!("t{n}"))).unwrap(), start())
            .unwrap();
    }
    assert!(outbox.due(start(), 30).unwrap().is_empty(), "every claim lost");
    let given = outbox.due(start() + Duration::SECOND, 30).unwrap();
    assert_eq!(given.len(), 10, "the whole minute's rate is still there");
    assert_eq!(outbox.due(start() + Duration::seconds(2), 30).unwrap().len(), 0, "and no more than it");
}

#[test]
fn a_claim_given_back_for_want_of_rate_keeps_its_attempt_count() {
    let outbox = Outbox::new().with_pagerduty_rate_limit(1);
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
    for n in 0..2 {
        outbox
            .enqueue(Message::pagerduty(&AlertEvent::resolve(key.clone(), format!("t{n}"))).unwrap(), start())
            .unwrap();
    }
    let first = outbox.due(start(), 8).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(outbox.report(&first[0], &Outcome::status(202), start(), 0).unwrap(), Reported::Delivered);
    let later = outbox.due(start() + Duration::minutes(1), 8).unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].number(), 1, "held back for the rate limit is not an attempt");
}

#[test]
fn a_refused_webhook_gives_up_within_minutes_not_a_day() {
    // One message the endpoint refuses with a 400: before, it went through the whole schedule
    // (about 28 h), and everything behind it waited.
    let policy = RetryPolicy::webhook();
    let mut now = start();
    let mut attempts = 1;
    let gave_up = loop {
        match policy.decide(attempts, &Outcome::status(400), now, 0) {
            Next::RetryAt(at) => (now, attempts) = (at, attempts + 1),
            next => break next,
        }
    };
    assert_eq!(gave_up, Next::GiveUp(Undeliverable::Refused { status: 400 }));
    assert_eq!(attempts, 4, "the first attempt and three retries");
    assert!(now - start() < Duration::minutes(10), "given up after {}", now - start());
    // Configurable, and a 5xx still gets the full schedule.
    let patient = policy.clone().with_refused_schedule([Duration::hours(1)]);
    assert!(
        matches!(patient.decide(1, &Outcome::status(422), start(), 0), Next::RetryAt(at) if at - start() >= Duration::minutes(47))
    );
    assert!(matches!(policy.decide(7, &Outcome::status(503), start(), 0), Next::RetryAt(_)));
}

#[test]
fn four_workers_racing_for_the_same_heads_give_pagerduty_its_whole_rate() {
    // Four threads share one outbox and take from the same heads at once: many claims are lost
    // to another thread. The minute's 120 sends are all given out, and no more.
    for round in 0..5 {
        let outbox = Arc::new(Outbox::new());
        let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
        for n in 0..600 {
            let alert = AlertEvent::resolve(key.clone(), format!("test {n}"));
            outbox.enqueue(Message::pagerduty(&alert).unwrap(), start()).unwrap();
        }
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let outbox = Arc::clone(&outbox);
                std::thread::spawn(move || {
                    let mut given = 0;
                    for _ in 0..400 {
                        given += outbox.due(start(), 4).unwrap().len();
                    }
                    given
                })
            })
            .collect();
        let given: usize = workers.into_iter().map(|worker| worker.join().unwrap()).sum();
        assert_eq!(given, 120, "round {round}: the minute's whole rate, and no more");
    }
}

#[test]
fn a_dispatcher_sends_reports_and_draws_its_jitter_from_its_seed() {
    let run = |seed: u64| {
        let outbox = Outbox::new();
        for n in 0..3 {
            outbox.enqueue(webhook_message(n, usize::from(n)), start()).unwrap();
        }
        let mut dispatcher = Dispatcher::new(seed);
        let dispatched = dispatcher.deliver_due(&outbox, start, 8, |_| Outcome::status(503)).unwrap();
        dispatched
            .iter()
            .map(|sent| match sent.reported {
                Reported::RetryAt(at) => at,
                ref other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7), "the same seed, the same retries");
    assert_ne!(run(7), run(8), "another seed, other retries");
    assert_eq!(run(0).len(), 3, "a seed of zero still draws");
}

#[test]
fn a_dispatcher_sends_nothing_its_lease_would_not_cover() {
    let outbox = Outbox::new().with_lease(Duration::seconds(20));
    outbox.enqueue(webhook_message(0, 1), start()).unwrap();
    let mut sent = 0;
    let mut slow = Dispatcher::new(1).with_request_timeout(Duration::seconds(30));
    assert!(
        slow.deliver_due(&outbox, start, 8, |_| {
            sent += 1;
            Outcome::status(204)
        })
        .unwrap()
        .is_empty()
    );
    assert_eq!(sent, 0, "a 30 s request under a 20 s lease is not begun");
    let mut quick = Dispatcher::new(1).with_request_timeout(Duration::seconds(5));
    let later = start() + Duration::seconds(21);
    let dispatched = quick.deliver_due(&outbox, || later, 8, |_| Outcome::status(204)).unwrap();
    assert_eq!(dispatched.len(), 1, "given out again once the lease ended");
    assert_eq!(dispatched[0].reported, Reported::Delivered);
}

#[test]
fn a_dispatcher_checks_each_lease_when_its_turn_comes_not_when_the_batch_was_taken() {
    let outbox = Outbox::new().with_lease(Duration::seconds(30));
    for n in 0..3 {
        outbox.enqueue(webhook_message(n, usize::from(n)), start()).unwrap();
    }
    // Each request takes 10 s of the clock: the third would begin 20 s into a 30 s lease, with
    // less than its 15 s left.
    let clock = std::cell::Cell::new(start());
    let mut sent = Vec::new();
    let dispatched = Dispatcher::new(1)
        .deliver_due(
            &outbox,
            || clock.get(),
            8,
            |attempt| {
                sent.push(attempt.message().ordering_key().to_owned());
                clock.set(clock.get() + Duration::seconds(10));
                Outcome::status(503)
            },
        )
        .unwrap();
    assert_eq!(sent.len(), 2, "the third is not begun: its lease would end mid-request");
    let retries: Vec<_> = dispatched.iter().map(|d| d.reported.clone()).collect();
    assert_eq!(
        retries
            .iter()
            .map(|r| matches!(r, Reported::RetryAt(at) if *at > start() + Duration::seconds(10)))
            .collect::<Vec<_>>(),
        [true, true],
        "retries are scheduled from when the answer came: {retries:?}"
    );
    let again = outbox.due(start() + Duration::seconds(31), 8).unwrap();
    let unsent: Vec<_> =
        again.iter().filter(|attempt| !sent.iter().any(|key| key == attempt.message().ordering_key())).collect();
    assert_eq!(unsent.len(), 1, "the one left unsent is given out again once its lease ends: {again:?}");
}

/// A store that keeps what is given up, as a database with dead letters does.
#[derive(Default)]
struct KeepsDeadLetters {
    inner: MemoryOutboxStore,
    dead: std::sync::Mutex<Vec<(Undeliverable, String)>>,
}

impl OutboxStore for KeepsDeadLetters {
    type Error = <MemoryOutboxStore as OutboxStore>::Error;

    fn push(&self, message: &QueuedMessage) -> Result<u64, Self::Error> {
        self.inner.push(message)
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<StoredMessage>, Self::Error> {
        self.inner.due(now, limit)
    }

    fn replace(&self, sequence: u64, expected: u64, message: &QueuedMessage) -> Result<bool, Self::Error> {
        self.inner.replace(sequence, expected, message)
    }

    fn remove(&self, sequence: u64, expected: u64) -> Result<bool, Self::Error> {
        self.inner.remove(sequence, expected)
    }

    fn give_up(
        &self,
        sequence: u64,
        expected: u64,
        message: &QueuedMessage,
        reason: Undeliverable,
    ) -> Result<bool, Self::Error> {
        let removed = self.inner.remove(sequence, expected)?;
        if removed {
            self.dead.lock().unwrap().push((reason, message.ordering_key().to_owned()));
        }
        Ok(removed)
    }

    fn endpoint(&self, endpoint: &str) -> Result<EndpointHealth, Self::Error> {
        self.inner.endpoint(endpoint)
    }

    fn set_endpoint(&self, endpoint: &str, health: EndpointHealth) -> Result<(), Self::Error> {
        self.inner.set_endpoint(endpoint, health)
    }

    fn count(&self) -> Result<usize, Self::Error> {
        self.inner.count()
    }
}

#[test]
fn a_message_given_up_goes_to_the_stores_dead_letters_and_nothing_else_does() {
    let outbox = Outbox::new().with_store(KeepsDeadLetters::default());
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap();
    outbox.enqueue(Message::pagerduty(&AlertEvent::resolve(key.clone(), "refused")).unwrap(), start()).unwrap();
    outbox.enqueue(Message::pagerduty(&AlertEvent::resolve(key, "fine")).unwrap(), start()).unwrap();
    let mut dispatcher = Dispatcher::new(3);
    let dispatched = dispatcher
        .deliver_due(&outbox, start, 8, |attempt| {
            let refused = attempt.message().ordering_key().ends_with("refused");
            Outcome::status(if refused { 400 } else { 202 })
        })
        .unwrap();
    assert_eq!(dispatched.len(), 2);
    assert_eq!(
        outbox.store().dead.lock().unwrap().as_slice(),
        [(Undeliverable::Refused { status: 400 }, "pagerduty:refused".to_owned())]
    );
    assert!(outbox.is_empty().unwrap());
}

#[test]
fn a_long_ordering_key_is_queued_bounded_apart_from_its_neighbours_and_under_its_subscription() {
    let outbox = Outbox::new();
    let long = |last: char| format!("oncall\n{}{last}", "é".repeat(3_000));
    for last in ['a', 'b'] {
        outbox.enqueue(webhook_message(0, 1).with_ordering_key(long(last)), start()).unwrap();
    }
    let attempts = outbox.due(start(), 8).unwrap();
    assert_eq!(attempts.len(), 2, "two keys, not one: {attempts:?}");
    for attempt in &attempts {
        let key = attempt.message().ordering_key();
        assert!(key.len() <= MAX_ORDERING_KEY_BYTES, "{} bytes", key.len());
        assert_eq!(attempt.message().subscription(), Some("oncall"));
    }
    let short = webhook_message(0, 2).with_ordering_key("oncall\nshort");
    outbox.enqueue(short, start()).unwrap();
    assert!(
        outbox.due(start(), 8).unwrap().iter().any(|a| a.message().ordering_key() == "oncall\nshort"),
        "kept as given"
    );
}
