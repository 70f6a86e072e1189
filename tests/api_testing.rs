//! API Testing results, from the API Testing webhook connector: parsed from its default
//! template and from a template that forwards the whole run, written back and read equal,
//! detected as themselves only, paged and resolved once per incident (`tests/projects.rs` has
//! who receives them).

mod common;

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::testing::{API_TESTING_PROJECT_ID, ApiTestBuilder, fixtures};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{ApiTestResult, Event, OrgId};

fn api_test(body: &[u8]) -> ApiTestResult {
    match Event::from_slice(body).unwrap() {
        Event::ApiTest(result) => result,
        other => panic!("not an API Testing result: {other:?}"),
    }
}

#[test]
fn the_default_template_parses_as_a_failed_result() {
    let result = api_test(fixtures::API_TEST_FAILED);
    assert_eq!(result.event_id, "6634d3b2a1f5c40012e8a9f1");
    assert_eq!(result.failures_count, Some(2));
    assert_eq!(result.test_name.as_deref(), Some("GET /orders returns the customer's orders"));
    assert_eq!(result.project_id.as_deref(), Some(API_TESTING_PROJECT_ID));
    assert_eq!(result.tags, ["smoke", "severity:critical"]);
    assert!(result.is_failure());
}

#[test]
fn a_template_forwarding_the_whole_run_fills_in_what_the_default_keys_leave_out() {
    let result = api_test(&common::read("api_test_run_forwarded.json"));
    assert!(!result.is_failure(), "no failures of any kind");
    assert_eq!(result.date.map(OffsetDateTime::unix_timestamp), Some(1_714_557_600), "epoch milliseconds");
    assert_eq!(result.project_name.as_deref(), Some("Shop API"), "from `project`");
    assert_eq!(result.test_id.as_deref(), Some("65a7c1e2b3d4f50011aa22bb"), "from `test`");
    assert_eq!(result.execution_time_seconds.as_deref(), Some("3.42"));
    assert_eq!(result.build_id.as_deref(), Some("nightly-1482"));
    assert_eq!(result.warnings_count, Some(1));
}

#[test]
fn a_result_with_only_an_event_id_is_a_result_that_is_not_a_failure() {
    let result = api_test(br#"{"eventId": "e1"}"#);
    assert_eq!((result.failures_count, result.is_failure()), (None, false));
    let critical = api_test(br#"{"eventId": "e2", "failuresCount": 0, "criticalFailures": 1}"#);
    assert!(critical.is_failure(), "a critical failure is a failure whatever the count says");
}

#[test]
fn a_bad_value_is_refused_where_it_is() {
    let err = Event::from_slice(br#"{"eventId": "e1", "failuresCount": "many"}"#).unwrap_err();
    assert_eq!(err.path(), "$.failuresCount");
}

#[test]
fn numeric_ids_are_kept_as_their_digits_and_ids_past_64_bits_refused() {
    let result = api_test(br#"{"eventId": 7, "projectId": 18446744073709551615, "testId": -3}"#);
    assert_eq!(
        (result.event_id.as_str(), result.project_id.as_deref(), result.test_id.as_deref()),
        ("7", Some("18446744073709551615"), Some("-3"))
    );
    // Read as a float, two such ids would read alike.
    for body in
        [&br#"{"eventId": "e1", "projectId": 10000000000000000000001}"#[..], br#"{"eventId": "e1", "projectId": 1.5}"#]
    {
        assert_eq!(Event::from_slice(body).unwrap_err().path(), "$.projectId");
    }
}

#[test]
fn every_fixture_is_detected_as_its_own_kind() {
    let kinds = [
        (fixtures::VDC_JOB_FAILED, "job"),
        (fixtures::RDC_JOB_PASSED, "job"),
        (fixtures::REST_API_JOB, "job"),
        (fixtures::RAW_RDC_EVENT, "job"),
        (fixtures::CONCURRENCY, "concurrency"),
        (fixtures::VISUAL_BUILD, "visual build"),
        (fixtures::API_TEST_FAILED, "API test"),
    ];
    for (body, kind) in kinds {
        let found = match Event::from_slice(body).unwrap() {
            Event::Job(_) => "job",
            Event::Concurrency(_) => "concurrency",
            Event::VisualBuild(_) => "visual build",
            Event::ApiTest(_) => "API test",
            _ => "unknown",
        };
        assert_eq!(found, kind, "{}", String::from_utf8_lossy(body));
    }
    assert!(matches!(Event::from_slice(br#"{"testName": "x", "failuresCount": 1}"#).unwrap(), Event::Unknown(_)));
}

proptest! {
    #[test]
    fn results_written_back_read_equal(
        event_id in "[a-f0-9]{1,24}",
        failures in proptest::option::of(0u64..1_000),
        test in proptest::option::of("[ -~]{1,40}"),
        project in proptest::option::of("[a-z0-9-]{1,24}"),
        millis in proptest::option::of(0i64..4_000_000_000_000),
    ) {
        let result = ApiTestBuilder::new().with(|r| {
            r.event_id = event_id;
            r.failures_count = failures;
            r.test_name = test;
            r.project_id = project;
            r.date = millis.map(|ms| OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(ms));
        }).event();
        let written = serde_json::to_vec(&result).unwrap();
        prop_assert_eq!(Event::from_slice(&written).unwrap(), result);
    }
}

#[test]
fn a_failure_pages_once_and_the_next_success_resolves_once() {
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()));
    let start = OffsetDateTime::now_utc() - Duration::hours(1);
    let run = |id: &str, minute: i64, failed: bool| {
        let builder = ApiTestBuilder::new().run(id, start + Duration::minutes(minute));
        if failed { builder.failed().event() } else { builder.event() }
    };
    // A failure, delivered twice; another failure; a success, delivered twice; another success.
    let stream = [run("r1", 0, true), run("r1", 0, true), run("r2", 1, true), run("r3", 2, false), run("r3", 2, false)];
    let mut sent = Vec::new();
    for event in &stream {
        if let Decision::Send(alert) = ledger.apply_for(&OrgId::from("acme"), event, OffsetDateTime::now_utc()).unwrap()
        {
            sent.push((format!("{:?}", alert.action()), alert.dedup_key().unwrap().to_owned()));
        }
    }
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].0, "Trigger");
    assert_eq!(sent[1].0, "Resolve");
    assert_eq!(sent[0].1, sent[1].1, "one incident");
    assert!(sent[0].1.contains("api_test") && sent[0].1.contains(API_TESTING_PROJECT_ID), "{}", sent[0].1);
}

#[test]
fn the_alert_says_which_test_failed_in_which_project() {
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let alert =
        rules.alert_received_for(&OrgId::from("acme"), &Event::from_slice(fixtures::API_TEST_FAILED).unwrap()).unwrap();
    let body: serde_json::Value = serde_json::to_value(&alert).unwrap();
    assert_eq!(body["payload"]["summary"], "GET /orders returns the customer's orders failed: 2 failures in Shop API");
    assert_eq!(body["payload"]["severity"], "critical", "from the tag severity:critical");
    assert_eq!(body["payload"]["class"], "api test");
}
