//! An event parsed borrowed (`Event::from_slice_borrowed`) is the owned event once made owned,
//! and routing, the incident ledger and the alert rules treat the two alike.

mod common;
#[allow(dead_code)]
mod fuzz_checks;

use sauce_webhooks::pagerduty::{Granularity, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Scope, Subscription, Topic};
use sauce_webhooks::testing::{ORG_ID, fixtures};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, OrgId, Router};

fn bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        fixtures::VDC_JOB_FAILED,
        fixtures::RDC_JOB_PASSED,
        fixtures::REST_API_JOB,
        fixtures::RAW_RDC_EVENT,
        fixtures::CONCURRENCY,
        fixtures::VISUAL_BUILD,
        fixtures::API_TEST_FAILED,
        fixtures::ERROR_GROUP,
        fixtures::VISUAL_RUN,
        fixtures::APP_DISTRIBUTION_UPLOAD,
    ]
    .map(<[u8]>::to_vec)
    .to_vec();
    for name in ["unknown_fields_job.json", "unknown_values_job.json", "unknown_event.json", "passed_forms.json"] {
        bodies.push(common::read(name));
    }
    bodies
}

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

#[test]
fn every_fixture_parses_borrowed_to_the_owned_event() {
    for body in bodies() {
        let owned = Event::from_slice(&body);
        let borrowed = Event::from_slice_borrowed(&body).map(Event::into_owned);
        assert_eq!(borrowed, owned, "{}", String::from_utf8_lossy(&body));
    }
    let Event::Job(job) = Event::from_slice_borrowed(fixtures::VDC_JOB_FAILED).unwrap() else { panic!("a job") };
    assert!(job.id.is_lent() && job.name.as_ref().is_some_and(sauce_webhooks::Text::is_lent));
    // The error holds `\n` and `\"`: unescaped into a copy, which is not taken for lent.
    let error = job.error.as_ref().unwrap();
    assert!(!error.is_lent() && error.contains('\n'));
}

#[test]
fn a_bad_body_gives_the_same_error_borrowed() {
    for body in [&br#"{"id":"a1","status":"FAILED","creation_time":"yesterday"}"#[..], b"[1,", b"{\"id\":\"a\\q\"}"] {
        let owned = Event::from_slice(body).unwrap_err();
        let borrowed = Event::from_slice_borrowed(body).unwrap_err();
        assert_eq!(borrowed.to_string(), owned.to_string());
        assert_eq!(borrowed.path(), owned.path());
    }
}

#[test]
fn routing_the_ledger_and_the_rules_treat_both_alike() {
    let mut router = Router::new();
    router.insert("org", Subscription::new(Scope::organization(ORG_ID), Topic::ALL));
    router.insert("other", Subscription::new(Scope::organization("globex"), Topic::ALL));
    let ledgers = [
        IncidentLedger::new(rules()),
        IncidentLedger::new(rules()).with_granularity(Granularity::Build),
        IncidentLedger::new(rules())
            .with_granularity(Granularity::custom(|event: &Event| Some(format!("custom {}", event.is_failure())))),
    ];
    let received_for = OrgId::from(ORG_ID);
    let now = OffsetDateTime::now_utc();
    for body in bodies() {
        let (Ok(owned), Ok(borrowed)) = (Event::from_slice(&body), Event::from_slice_borrowed(&body)) else {
            continue;
        };
        let keys = |event: &Event| router.route_for(&received_for, event).copied().collect::<Vec<_>>();
        assert_eq!(router.route_for(&received_for, &borrowed).copied().collect::<Vec<_>>(), keys(&owned));
        assert_eq!(router.route(&borrowed).count(), router.route(&owned).count());
        assert_eq!(borrowed.is_failure(), owned.is_failure());
        for ledger in &ledgers {
            assert_eq!(ledger.key_of(&borrowed), ledger.key_of(&owned));
        }
        let (mine, theirs) = (IncidentLedger::new(rules()), IncidentLedger::new(rules()));
        assert_eq!(format!("{:?}", mine.apply(&borrowed, now)), format!("{:?}", theirs.apply(&owned, now)));
        assert_eq!(rules().alert_for(&borrowed), rules().alert_for(&owned));
    }
}

/// The trust in a lent text rests on serde_json refusing a raw control character inside a
/// string, as JSON demands: pinned here, so that a serde_json that stopped doing so fails.
#[test]
fn a_raw_control_character_in_a_string_is_refused_not_lent() {
    for control in (0u8..0x20).chain([b'"']) {
        let body = [&br#"{"id":"a1","status":"FAILED","creation_time":0,"name":"x"#[..], &[control], b"y\"}"].concat();
        assert!(Event::from_slice_borrowed(&body).is_err(), "byte {control:#04x} in a string");
        assert!(Event::from_slice(&body).is_err());
    }
}

/// Fixtures with bytes JSON cares about dropped in anywhere (quotes, backslashes, escapes,
/// control and non-ASCII bytes): parsed borrowed and owned, they agree, errors included, and
/// their alerts are byte for byte the same (the check the fuzzer runs).
#[test]
fn mutated_fixtures_parse_and_alert_alike_borrowed_and_owned() {
    const INSERTS: [&[u8]; 10] =
        [b"\"", b"\\", b"\\\"", b"\\u0000", b"\\ud800", b"\x01", b"\x7f", "\u{2028}".as_bytes(), b"\xff", b"\":\""];
    let mut seed = 2026u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap() % n
    };
    let mut parsed = 0;
    for body in bodies() {
        for _ in 0..300 {
            let mut mutated = body.clone();
            for _ in 0..=next(3) {
                let at = next(mutated.len() + 1);
                let insert = INSERTS[next(INSERTS.len())];
                mutated.splice(at..at, insert.iter().copied());
            }
            parsed += usize::from(Event::from_slice(&mutated).is_ok());
            fuzz_checks::event_from_slice(&mutated);
        }
    }
    assert!(parsed > 300, "enough mutants still parse to compare their alerts: {parsed}");
}

/// A `Text` stands in for a `str` where users reach for one: compared either way round, looked
/// up by `&str` in a map, sorted, defaulted, made a `String`.
#[test]
fn texts_compare_hash_and_sort_as_their_str() {
    use std::collections::{BTreeSet, HashMap};

    let body = br#"{"id":"a1","status":"FAILED","creation_time":0,"name":"checkout","tags":["smoke","cart","a\"b"]}"#;
    let Event::Job(job) = Event::from_slice_borrowed(body).unwrap() else { panic!("a job") };
    let name = job.name.clone().unwrap();
    let (same, other) = (String::from("checkout"), String::from("checkout works"));
    assert_eq!(name, "checkout");
    assert_eq!("checkout", name);
    assert_eq!(*"checkout", name);
    assert_eq!(same, name);
    assert_eq!(name, same);
    assert_ne!(name, other);
    assert_ne!(other, name);
    let runs: HashMap<_, u32> = job.tags.iter().cloned().zip(1..).collect();
    assert_eq!((runs.get("cart"), runs.get("a\"b"), runs.get("smok")), (Some(&2), Some(&3), None));
    let sorted: Vec<String> = job.tags.iter().cloned().collect::<BTreeSet<_>>().into_iter().map(String::from).collect();
    assert_eq!(sorted, ["a\"b", "cart", "smoke"]);
    assert_eq!(job.team_name.clone().unwrap_or_default(), "");
    let name: String = name.into();
    assert_eq!(name, "checkout");
}
