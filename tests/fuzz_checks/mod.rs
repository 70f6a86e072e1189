//! What each fuzz target checks, shared by `fuzz/` and by `tests/fuzz_regressions.rs`, which
//! replays every input the fuzzers once failed on (kept in `tests/data/fuzz/<target>/`).

use sauce_webhooks::connector::{RenderError, Template, WebhookConnector};
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::pagerduty::webhook::Envelope;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, MAX_BODY_BYTES, RoutingKey};
use sauce_webhooks::routing::{Scope, Subscription, Topic};
use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier, sign};
use sauce_webhooks::time::{self, OffsetDateTime};
use sauce_webhooks::{Event, OrgId, Router};

const JOB: &[u8] = include_bytes!("../../src/testing/payloads/vdc_job_failed.json");

/// One target's check of one input: it panics when the library misbehaves.
pub type Check = fn(&[u8]);

/// The checks, by fuzz target name.
pub const TARGETS: [(&str, Check); 5] = [
    ("event_from_slice", event_from_slice),
    ("envelope_from_slice", envelope_from_slice),
    ("verify_header", verify_header),
    ("template", template),
    ("endpoint_parse", endpoint_parse),
];

/// Any bytes as a Sauce Labs body (one event or a batch): parsing never panics, and every
/// event it accepts writes out as JSON that parses back to the same event, routes, makes an
/// alert whose body fits PagerDuty's limit (received for no organization and for one, written
/// either way; what the ledger says to send included), and renders through a connector or
/// says why not.
pub fn event_from_slice(body: &[u8]) {
    for event in Event::from_slice_batch(body).flatten() {
        check_event(&event);
    }
    let owned = Event::from_slice(body);
    if let Ok(event) = &owned {
        check_event(event);
    }
    check_borrowed(body, &owned);
}

/// The borrowed parse agrees with the owned one, errors included, and its alert body is the
/// owned event's byte for byte: a lent text holding anything JSON escapes would show here.
fn check_borrowed(body: &[u8], owned: &Result<Event<'static>, sauce_webhooks::ParseError>) {
    let borrowed = Event::from_slice_borrowed(body);
    match (borrowed, owned) {
        (Ok(borrowed), Ok(owned)) => {
            let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
            let (mut written, mut expected) = (Vec::new(), Vec::new());
            let written_action = rules.write_alert(&borrowed, &mut written);
            let expected_action = rules.write_alert(owned, &mut expected);
            assert_eq!(written_action.is_ok(), expected_action.is_ok());
            assert_eq!(written, expected, "the borrowed event's alert is the owned one's");
            let acme = OrgId::from("acme");
            let written_action = rules.write_alert_received_for(&acme, &borrowed, &mut written);
            let expected_action = rules.write_alert_received_for(&acme, owned, &mut expected);
            assert_eq!(written_action.is_ok(), expected_action.is_ok());
            assert_eq!(written, expected, "received for an organization too");
            assert_eq!(&borrowed.into_owned(), owned);
        }
        (Err(borrowed), Err(owned)) => assert_eq!(borrowed.to_string(), owned.to_string()),
        (borrowed, owned) => panic!("borrowed {borrowed:?} but owned {owned:?}"),
    }
}

fn check_event(event: &Event) {
    let written = serde_json::to_vec(event).expect("a parsed event writes out");
    assert_eq!(&Event::from_slice(&written).expect("a written event parses"), event);

    let mut router = Router::new();
    router.insert(1, Subscription::new(Scope::organization("acme"), Topic::ALL));
    let _ = router.route(event).count();
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    if let Some(alert) = rules.alert_for(event) {
        let body = alert.body().expect("a parsed event's alert fits PagerDuty's limit");
        assert!(body.len() <= MAX_BODY_BYTES);
    }
    // Received for an organization, as a project's events (which name none) are alerted on;
    // and through the ledger, whose trigger must have a body if it says to send one.
    let acme = OrgId::from("acme");
    let expected = match rules.alert_received_for(&acme, event) {
        Some(alert) => {
            let body = alert.body().expect("a parsed event's alert fits PagerDuty's limit");
            assert!(body.len() <= MAX_BODY_BYTES);
            serde_json::from_slice::<serde::de::IgnoredAny>(&body).expect("an alert body is JSON");
            body
        }
        None => Vec::new(),
    };
    let mut written = Vec::new();
    rules.write_alert_received_for(&acme, event, &mut written).expect("written as alert_received_for gives it");
    assert_eq!(written, expected, "write_alert_received_for writes what alert_received_for gives");
    // Late enough that no parsed time is from the future (times are within the years 0 to 9999).
    let now = OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT);
    let ledger = IncidentLedger::new(rules);
    if let Ok(Decision::Send(alert)) = ledger.apply_for(&acme, event, now) {
        alert.body().expect("what the ledger says to send has a body");
    }
    let connector =
        WebhookConnector::new(Endpoint::parse("https://hooks.example.com/x").unwrap()).with_on_success(true);
    match connector.request(event) {
        Ok(request) => assert!(request.is_some(), "every event is sent with successes on"),
        Err(err) => assert!(matches!(err, RenderError::TooLarge { .. }), "a parsed event always writes out: {err}"),
    }
}

/// Any bytes as a PagerDuty v3 webhook body: parsing never panics, and an accepted envelope
/// writes out as JSON.
pub fn envelope_from_slice(body: &[u8]) {
    if let Ok(envelope) = Envelope::from_slice(body) {
        if let Some(id) = envelope.event.incident_id() {
            assert!(envelope.event.event_type.is_incident(), "only incident events name an incident: {id}");
        }
        serde_json::to_vec(&envelope).expect("a parsed envelope writes out");
    }
}

/// Any text as a signature header, with each `@` replaced by the body's real signature, under
/// both schemes: checking never panics, and a header is accepted exactly when it has the
/// documented form and holds the real signature.
pub fn verify_header(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let secret = Secret::new("fuzz-token").unwrap();
    let real = sign(&secret, JOB).to_string();
    let header = text.replace('@', &real);
    let fits = header.len() <= 4096;

    // `saucelabs-sign`: the hex (either case), maybe after `sha256=` (either case), maybe
    // with ASCII whitespace around.
    let bare = header.trim_matches(|c: char| c.is_ascii_whitespace());
    let sauce_form = bare.eq_ignore_ascii_case(&real) || bare.eq_ignore_ascii_case(&format!("sha256={real}"));
    let sauce = Verifier::new(secret.clone());
    assert_eq!(sauce.verify(JOB, Some(&header)).is_ok(), fits && sauce_form, "{header:?}");

    // PagerDuty: `v1=<hex>` (hex in either case) as one of the first 16 non-empty
    // comma-separated entries, each maybe with ASCII whitespace around.
    let is_real = |entry: &str| entry.len() == 67 && entry.starts_with("v1=") && entry[3..].eq_ignore_ascii_case(&real);
    let holds_real = header
        .split(',')
        .map(|entry| entry.trim_matches(|c: char| c.is_ascii_whitespace()))
        .filter(|entry| !entry.is_empty())
        .take(16)
        .any(is_real);
    let pagerduty = Verifier::new(secret).with_scheme(PagerDutyV3);
    assert_eq!(pagerduty.verify(JOB, Some(&header)).is_ok(), fits && holds_real, "{header:?}");
}

/// Any text as a connector template, then (after the first NUL, if any) any event body:
/// parsing never panics, and every body a template renders is JSON that serde_json reads,
/// unless it nests deeper than serde_json's 128 levels (an unknown event may be nearly that
/// deep itself, and a template adds its own levels): that body must still be valid JSON.
pub fn template(data: &[u8]) {
    let (template, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, JOB),
    };
    let Ok(template) = std::str::from_utf8(template) else { return };
    let Ok(template) = Template::parse(template) else { return };
    let event = Event::from_slice(body).unwrap_or_else(|_| Event::from_slice(JOB).unwrap());
    let rendered = match template.render(&event) {
        Ok(rendered) => rendered,
        Err(RenderError::TooLarge { .. }) => return,
        Err(err) => panic!("a parsed event always renders: {err}"),
    };
    let Err(err) = serde_json::from_slice::<serde_json::Value>(&rendered) else { return };
    // Only an unknown event, of any depth, may make a body deeper than serde_json reads; serde_json
    // skips values without a depth limit, checking their syntax all the same.
    let too_deep = err.to_string().starts_with("recursion limit exceeded") && matches!(event, Event::Unknown(_));
    assert!(
        too_deep && serde_json::from_slice::<serde::de::IgnoredAny>(&rendered).is_ok(),
        "rendered invalid JSON ({err}): {}",
        String::from_utf8_lossy(&rendered)
    );
}

/// Any text as a webhook URL: checking never panics, and an accepted URL is accepted again in
/// its normalized form.
pub fn endpoint_parse(data: &[u8]) {
    let Ok(url) = std::str::from_utf8(data) else { return };
    if let Ok(endpoint) = Endpoint::parse(url) {
        let again = Endpoint::parse(endpoint.as_str()).expect("a normalized endpoint stays valid");
        assert_eq!(again, endpoint);
    }
}
