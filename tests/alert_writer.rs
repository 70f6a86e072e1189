//! `IncidentRules::write_alert` writes byte for byte the body `alert_for` and
//! `AlertEvent::body` give: on every fixture of every family, and on generated jobs whose texts
//! hold quotes, controls, non-ASCII and more than the alert's bounds.

mod common;

use common::strategies::job;
use proptest::prelude::*;
use sauce_webhooks::pagerduty::{AlertError, AlertEvent, IncidentRules, RoutingKey, Severity};
use sauce_webhooks::testing::{JobBuilder, fixtures};
use sauce_webhooks::{DataType, Event, OrgId};

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

/// Rules with every setting changed, texts that need escaping and cutting included.
fn odd_rules() -> IncidentRules {
    rules()
        .with_source(format!("source \"quoted\"\n{}", "é".repeat(1100)))
        .with_client("client\t\u{1}")
        .with_severity_tag_prefix("SEV=")
        .with_default_severity(Severity::Warning)
        .with_job_link_base("https://app.eu-central-1.saucelabs.com/tests/")
}

/// What `alert_for` gives, or `alert_received_for` for an event received for an organization.
fn alert(rules: &IncidentRules, event: &Event, received_for: Option<&OrgId>) -> Option<AlertEvent> {
    match received_for {
        Some(org) => rules.alert_received_for(org, event),
        None => rules.alert_for(event),
    }
}

/// [`alert`]'s, as a body.
fn expected(rules: &IncidentRules, event: &Event, received_for: Option<&OrgId>) -> Result<Option<Vec<u8>>, AlertError> {
    alert(rules, event, received_for).map(|alert| alert.body()).transpose()
}

/// What `write_alert` (or `write_alert_received_for`) writes, into a buffer that held
/// something before.
fn written(rules: &IncidentRules, event: &Event, received_for: Option<&OrgId>) -> Result<Option<Vec<u8>>, AlertError> {
    let mut body = b"left over from the last event".to_vec();
    let action = match received_for {
        Some(org) => rules.write_alert_received_for(org, event, &mut body)?,
        None => rules.write_alert(event, &mut body)?,
    };
    assert_eq!(action, alert(rules, event, received_for).map(|alert| alert.action()));
    Ok(action.map(|_| body))
}

fn text(body: Result<Option<Vec<u8>>, AlertError>) -> Result<Option<String>, AlertError> {
    body.map(|body| body.map(|body| String::from_utf8(body).unwrap()))
}

/// `write_alert` and `alert_for` agree, and so do their twins for an event received for an
/// organization (jobs of another organization included).
fn assert_same(rules: &IncidentRules, event: &Event) {
    for received_for in [None, Some(&OrgId::from("acme")), Some(&OrgId::from("globex"))] {
        assert_eq!(
            text(written(rules, event, received_for)),
            text(expected(rules, event, received_for)),
            "{event:?} for {received_for:?}"
        );
    }
}

/// A body parsed borrowed, its texts lent where they have no escapes, writes the same alert
/// as parsed owned.
fn assert_borrowed_same(rules: &IncidentRules, body: &[u8]) {
    let owned = Event::from_slice(body).unwrap();
    let borrowed = Event::from_slice_borrowed(body).unwrap();
    let mut from_borrowed = Vec::new();
    let action = rules.write_alert(&borrowed, &mut from_borrowed).unwrap();
    assert_eq!(text(Ok(action.map(|_| from_borrowed))), text(expected(rules, &owned, None)));
}

#[test]
fn every_fixture_is_written_as_its_alert_serializes() {
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
    for name in [
        "unknown_fields_job.json",
        "unknown_values_job.json",
        "app_distribution_crash_legacy.json",
        "unknown_event.json",
    ] {
        bodies.push(common::read(name));
    }
    let mut triggers = 0;
    for body in &bodies {
        for event in Event::from_slice_batch(body) {
            let event = event.unwrap();
            let project_alert = || rules().alert_received_for(&OrgId::from("acme"), &event);
            triggers += usize::from(rules().alert_for(&event).or_else(project_alert).is_some());
            assert_same(&rules(), &event);
            assert_same(&odd_rules(), &event);
        }
        if !body.starts_with(b"[") {
            assert_borrowed_same(&rules(), body);
            assert_borrowed_same(&odd_rules(), body);
        }
    }
    assert!(triggers >= 8, "the fixtures call for alerts: {triggers}");
}

#[test]
fn a_job_that_calls_for_no_alert_writes_nothing() {
    let mut body = b"stale".to_vec();
    assert_eq!(rules().write_alert(&JobBuilder::new().running().event(), &mut body), Ok(None));
    assert!(body.is_empty());
    // A passed job without a name has no key to resolve by.
    let nameless = JobBuilder::new().with(|job| job.name = None).event();
    assert_eq!(rules().write_alert(&nameless, &mut body), Ok(None));
}

#[test]
fn a_job_at_every_bound_is_written_as_it_serializes() {
    let long = format!("{}\u{1}\"\\", "ü".repeat(3000));
    let job = JobBuilder::new()
        .failed()
        .with_name(long.clone())
        .with_error(format!("{long}\nsecond line"))
        .with(|job| {
            job.tags = (0..40).map(|i| format!("tag {i} {long}").into()).collect();
            job.build = Some(format!("{long}   ").into());
            job.browser_name = Some(long.clone().into());
            job.data_type = DataType::Other("x".repeat(2000));
        })
        .event();
    assert_same(&rules(), &job);
    assert_same(&odd_rules(), &job);
}

#[test]
fn a_time_no_body_can_hold_gives_the_alert_events_error_and_an_empty_buffer() {
    let before_year_zero = sauce_webhooks::time::Date::from_calendar_date(-12, sauce_webhooks::time::Month::March, 1)
        .unwrap()
        .midnight()
        .assume_utc();
    let job = JobBuilder::new().failed().with(|job| job.modification_time = before_year_zero).event();
    let refused = expected(&rules(), &job, None);
    assert!(matches!(refused, Err(AlertError::Unwritable { .. })), "{refused:?}");
    let mut body = b"left over from the last event".to_vec();
    assert_eq!(rules().write_alert(&job, &mut body).map(|_| ()), refused.map(|_| ()));
    assert!(body.is_empty(), "nothing half-written is left: {}", String::from_utf8_lossy(&body));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_jobs_are_written_as_they_serialize(
        mut job in job(),
        long in prop::option::of(("[\\x00-\\x7f]{1,3}", 300usize..1200).prop_map(|(piece, n)| piece.repeat(n))),
        extra_tags in 0usize..40,
        failed in any::<bool>(),
        odd in any::<bool>(),
    ) {
        if let Some(long) = long {
            job.error = Some(long.clone().into());
            job.name = Some(long.into());
        }
        job.tags.extend((0..extra_tags).map(|i| format!("severity:{}", ["critical", "info", "bogus"][i % 3]).into()));
        if failed {
            job.status = sauce_webhooks::JobStatus::Failed;
        }
        let rules = if odd { odd_rules() } else { rules() };
        let event = Event::Job(job);
        let body = written(&rules, &event, None);
        prop_assert_eq!(&body, &expected(&rules, &event, None));
        // Whatever the texts hold, the body is JSON, and says what the job says.
        if let Ok(Some(body)) = &body {
            let value: serde_json::Value = serde_json::from_slice(body).unwrap();
            let Event::Job(job) = &event else { unreachable!() };
            if value["event_action"] == "trigger" {
                let details = &value["payload"]["custom_details"];
                prop_assert_eq!(details["id"].as_str(), Some(&*job.id).filter(|id| id.chars().count() <= 1024));
            }
        }
        // Parsed back borrowed, the texts without escapes lent and not scanned again.
        let body = serde_json::to_vec(&event).unwrap();
        let borrowed = Event::from_slice_borrowed(&body).unwrap();
        let mut from_borrowed = Vec::new();
        let action = rules.write_alert(&borrowed, &mut from_borrowed).unwrap();
        let reparsed = Event::from_slice(&body).unwrap();
        prop_assert_eq!(text(Ok(action.map(|_| from_borrowed))), text(expected(&rules, &reparsed, None)));
    }
}

/// The ledger's alerts are the same bodies: the path through the ledger writes with the one
/// writer too, and a trigger it wrote to check is sent as written (its `Debug` shows none of
/// it, the routing key included).
#[test]
fn the_ledgers_alerts_are_the_bodies_write_alert_writes() {
    use sauce_webhooks::pagerduty::{Decision, IncidentLedger};
    use sauce_webhooks::time::OffsetDateTime;

    let rules = odd_rules();
    let ledger = IncidentLedger::new(odd_rules());
    let now = OffsetDateTime::now_utc();
    for body in [fixtures::VDC_JOB_FAILED, fixtures::REST_API_JOB] {
        let failed = Event::from_slice(body).unwrap();
        let Decision::Send(trigger) = ledger.apply(&failed, now).unwrap() else { panic!("a first failure pages") };
        assert_eq!(text(Ok(Some(trigger.body().unwrap()))), text(written(&rules, &failed, None)));
        assert_eq!(trigger.request().unwrap().body, trigger.body().unwrap());
        assert!(!format!("{trigger:?}").contains("R0UT1NGKEY"), "{trigger:?}");
        let Event::Job(mut job) = failed else { unreachable!() };
        job.status = sauce_webhooks::JobStatus::Passed;
        job.passed = Some(true);
        job.id = format!("{}-next", job.id).into();
        job.modification_time += sauce_webhooks::time::Duration::minutes(5);
        let passed = Event::Job(job);
        let Decision::Send(resolve) = ledger.apply(&passed, now).unwrap() else { panic!("the pass resolves") };
        assert_eq!(text(Ok(Some(resolve.body().unwrap()))), text(written(&rules, &passed, None)));
    }
}
