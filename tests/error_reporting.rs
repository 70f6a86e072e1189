//! Error Reporting group notifications: parsed with their `[first, last]` timestamp, written
//! back and read equal, detected as themselves only, paged once per group, and delivered to no
//! subscription (nothing in them proves whose they are).

mod common;

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::testing::fixtures;
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{ErrorGroup, Event, OrgId};

fn group(body: &[u8]) -> ErrorGroup {
    match Event::from_slice(body).unwrap() {
        Event::ErrorGroup(group) => group,
        other => panic!("not an error group: {other:?}"),
    }
}

#[test]
fn a_notification_parses_with_its_span_and_attributes() {
    let group = group(fixtures::ERROR_GROUP);
    assert!(group.is_failure());
    assert_eq!(group.universe.as_deref(), Some("acme"));
    assert_eq!(group.project.as_deref(), Some("checkout-service"));
    assert_eq!(group.occurrences, Some(12));
    assert_eq!(group.first_seen.map(OffsetDateTime::unix_timestamp), Some(1_714_557_600));
    assert_eq!(group.last_seen.map(OffsetDateTime::unix_timestamp), Some(1_714_561_200));
    assert_eq!(group.hosts, ["checkout-7d9f"]);
    let attributes = group.attributes.unwrap().to_value().unwrap();
    assert_eq!(attributes["version"][0], serde_json::json!(["1.42.0", 10]));
}

#[test]
fn the_documented_notification_parses_with_its_frames_and_counts() {
    // Sauce Labs' Error Reporting webhook page, made JSON: its sample has comments, a comma
    // after the last frame and none after `"guids": 0`.
    let group = group(&common::read("error_group_documented.json"));
    assert_eq!(group.callstack, ["printf", "my_fn", "main"]);
    assert_eq!((group.host_count, group.guid_count), (Some(4), Some(0)));
    assert!(group.hosts.is_empty() && group.guids.is_empty());
    assert_eq!((group.universe.as_deref(), group.project.as_deref()), (Some("my_universe"), Some("my_project")));
    assert_eq!(group.first_seen.map(OffsetDateTime::unix_timestamp), Some(1_502_953_926));
    let written = serde_json::to_vec(&Event::ErrorGroup(group.clone())).unwrap();
    assert_eq!(Event::from_slice(&written).unwrap(), Event::ErrorGroup(group));
}

#[test]
fn a_callstack_as_text_is_read_a_frame_a_line() {
    let text =
        group(br#"{"fingerprint":"f","callstack":"NullPointerException at Cart.total\n\tat Checkout.submit\n"}"#);
    assert_eq!(text.callstack, ["NullPointerException at Cart.total", "\tat Checkout.submit"]);
    let deep = format!(r#"{{"fingerprint":"f","callstack":[{}]}}"#, vec![r#""recurse""#; 5000].join(","));
    assert_eq!(group(deep.as_bytes()).callstack.len(), 1000, "the innermost frames, the rest skipped");
    assert_eq!(Event::from_slice(br#"{"fingerprint":"f","callstack":7}"#).unwrap_err().path(), "$.callstack");
}

#[test]
fn a_timestamp_of_three_times_is_refused_where_it_is() {
    let err = Event::from_slice(br#"{"fingerprint":"f","timestamp":[1,2,3]}"#).unwrap_err();
    assert_eq!(err.path(), "$.timestamp");
}

#[test]
fn a_concurrency_event_still_wants_one_time() {
    let body = br#"{"concurrency":{"organization":{"id":"o","allowed":{"vms":1,"mac_vms":0,"rds":0},"current":{"vms":0,"mac_vms":0,"rds":0}}},"timestamp":[1,2]}"#;
    let err = Event::from_slice(body).unwrap_err();
    assert!(err.to_string().contains("timestamp"), "{err}");
}

#[test]
fn it_is_detected_as_itself_and_the_others_as_themselves() {
    assert!(matches!(Event::from_slice(fixtures::ERROR_GROUP).unwrap(), Event::ErrorGroup(_)));
    for body in [fixtures::VDC_JOB_FAILED, fixtures::CONCURRENCY, fixtures::VISUAL_BUILD, fixtures::API_TEST_FAILED] {
        assert!(!matches!(Event::from_slice(body).unwrap(), Event::ErrorGroup(_) | Event::Unknown(_)));
    }
}

proptest! {
    #[test]
    fn notifications_written_back_read_equal(
        fingerprint in "[a-f0-9]{1,64}",
        project in proptest::option::of("[a-z-]{1,20}"),
        occurrences in proptest::option::of(0u64..1_000_000),
        first in proptest::option::of(0i64..4_000_000_000),
        last in proptest::option::of(0i64..4_000_000_000),
        callstack in proptest::collection::vec("[a-zA-Z_.:]{0,12}", 0..6),
        host_count in proptest::option::of(0u64..1000),
        guids in proptest::collection::vec("[a-f0-9-]{0,8}", 0..3),
    ) {
        let mut group = ErrorGroup::new(fingerprint);
        group.project = project;
        group.occurrences = occurrences;
        group.first_seen = first.map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap());
        group.last_seen = last.map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap());
        (group.callstack, group.host_count, group.guids) = (callstack, host_count, guids);
        let event = Event::ErrorGroup(group);
        let written = serde_json::to_vec(&event).unwrap();
        prop_assert_eq!(Event::from_slice(&written).unwrap(), event);
    }
}

#[test]
fn a_group_pages_once_however_often_it_is_notified() {
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let acme = OrgId::from("acme");
    let alert = rules.alert_received_for(&acme, &Event::from_slice(fixtures::ERROR_GROUP).unwrap()).unwrap();
    let body = serde_json::to_value(&alert).unwrap();
    assert_eq!(
        body["payload"]["summary"],
        "New error in checkout-service: NullPointerException at CartService.total (12 occurrences)"
    );
    let documented = Event::from_slice(&common::read("error_group_documented.json")).unwrap();
    let documented = rules.alert_received_for(&acme, &documented);
    let summary = serde_json::to_value(documented.unwrap()).unwrap()["payload"]["summary"].clone();
    assert_eq!(summary, "New error in my_project: printf (35 occurrences)", "the innermost frame");
    assert_eq!(body["payload"]["severity"], "error");
    let key = body["dedup_key"].as_str().unwrap();
    assert!(key.contains("error_group") && key.contains("checkout-service"), "{key}");

    let ledger = IncidentLedger::new(rules);
    let now = OffsetDateTime::now_utc();
    let notified = |last: i64| -> Event<'static> {
        let mut group = group(fixtures::ERROR_GROUP);
        group.last_seen = Some(now - sauce_webhooks::time::Duration::minutes(last));
        Event::ErrorGroup(group)
    };
    let pages = [notified(30), notified(30), notified(10)]
        .iter()
        .filter(|event| matches!(ledger.apply_for(&acme, event, now).unwrap(), Decision::Send(_)))
        .count();
    assert_eq!(pages, 1, "one page for the group, whatever repeats or follows");
}

#[test]
fn first_and_last_times_read_back_as_they_were_read() {
    // (timestamp as sent, first and last occurrence in nanoseconds since the epoch)
    let s = 1_000_000_000_i128;
    let cases = [
        ("[1502953926,1502953926926]", 1_502_953_926 * s, 1_502_953_926_926_000_000),
        (r#""2017-08-17T07:12:06.5Z""#, 1_502_953_926_500_000_000, 1_502_953_926_500_000_000),
        ("[1714557600.25,1714561200]", 1_714_557_600_250_000_000, 1_714_561_200 * s),
        (r#"["2024-05-01T10:00:00.123456789Z",null]"#, 1_714_557_600_123_456_789, 0),
        (r#""6000-01-01T00:00:00Z""#, 127_174_492_800 * s, 127_174_492_800 * s),
        // One time is both the first and the last; a pair the wrong way round is kept as sent
        // (the ledger orders by the later).
        ("[1714557600]", 1_714_557_600 * s, 1_714_557_600 * s),
        ("[1714561200,1714557600]", 1_714_561_200 * s, 1_714_557_600 * s),
    ];
    for (timestamp, first, last) in cases {
        let body = format!(r#"{{"project":"checkout-service","fingerprint":"8a3c9e1f","timestamp":{timestamp}}}"#);
        let read = group(body.as_bytes());
        let nanos = |at: Option<OffsetDateTime>| at.map_or(0, OffsetDateTime::unix_timestamp_nanos);
        assert_eq!((nanos(read.first_seen), nanos(read.last_seen)), (first, last), "{timestamp}");
        let written = serde_json::to_vec(&Event::ErrorGroup(read.clone())).unwrap();
        assert_eq!(group(&written), read, "{timestamp} written as {}", String::from_utf8_lossy(&written));
    }
}

#[test]
fn attributes_json_cannot_read_back_refuses_the_group_where_it_is() {
    // Kept as sent, `attributes` must be JSON that reads back: a lone surrogate or a number
    // past `f64` refuses the notification (as documented), saying where.
    for attributes in [r#"{"a":"\ud800"}"#, r#"{"a":1e400}"#] {
        let body = format!(r#"{{"fingerprint":"f","attributes":{attributes}}}"#);
        let err = Event::from_slice(body.as_bytes()).unwrap_err();
        assert!(err.path().starts_with("$.attributes") && err.line() == 1, "{attributes}: {err}");
    }
}
