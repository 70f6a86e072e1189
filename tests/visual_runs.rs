//! Visual end-to-end runs (the Screener form): parsed, written back and read equal, detected
//! as themselves only, paged on rejected or changed screenshots and resolved by a clean run.

use proptest::prelude::*;
use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::testing::fixtures;
use sauce_webhooks::time::{Duration, OffsetDateTime};
use sauce_webhooks::{Event, OrgId, RunTotals, VisualRun};

fn run(body: &[u8]) -> VisualRun {
    match Event::from_slice(body).unwrap() {
        Event::VisualRun(run) => run,
        other => panic!("not a visual run: {other:?}"),
    }
}

#[test]
fn a_run_parses_with_its_totals() {
    let run = run(fixtures::VISUAL_RUN);
    assert_eq!((run.totals.rejected, run.totals.changed, run.totals.all), (1, 2, 44));
    assert_eq!(run.group.as_deref(), Some("Checkout"));
    assert_eq!(run.group_id.as_deref(), Some("g-0a9d"));
    assert_eq!(run.end.map(OffsetDateTime::unix_timestamp), Some(1_714_557_852));
    assert!(run.is_failure());
}

#[test]
fn changed_screenshots_fail_a_run_as_rejected_ones_do() {
    let clean = br#"{"totals":{"new":2,"changed":0,"accepted":5,"rejected":0,"all":7}}"#;
    assert!(!run(clean).is_failure(), "new and accepted screenshots are fine");
    assert!(run(br#"{"totals":{"changed":1}}"#).is_failure(), "changed: an unreviewed difference");
    assert!(run(br#"{"totals":{"rejected":1}}"#).is_failure());
}

#[test]
fn every_kind_is_detected_as_itself() {
    for body in [
        fixtures::VDC_JOB_FAILED,
        fixtures::CONCURRENCY,
        fixtures::VISUAL_BUILD,
        fixtures::API_TEST_FAILED,
        fixtures::ERROR_GROUP,
    ] {
        assert!(!matches!(Event::from_slice(body).unwrap(), Event::VisualRun(_) | Event::Unknown(_)));
    }
    let err = Event::from_slice(br#"{"totals":{"rejected":"some"}}"#).unwrap_err();
    assert_eq!(err.path(), "$.totals.rejected");
}

proptest! {
    #[test]
    fn runs_written_back_read_equal(
        rejected in 0u32..100, changed in 0u32..100,
        group in proptest::option::of("[A-Za-z ]{1,20}"),
        end in proptest::option::of(0i64..4_000_000_000),
    ) {
        let mut totals = RunTotals::default();
        (totals.rejected, totals.changed) = (rejected, changed);
        let mut run = VisualRun::new(totals);
        run.group = group;
        run.end = end.map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap());
        let event = Event::VisualRun(run);
        prop_assert_eq!(Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap(), event);
    }
}

#[test]
fn a_failed_run_pages_and_the_next_clean_run_resolves() {
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let alert = serde_json::to_value(
        rules.alert_received_for(&OrgId::from("acme"), &Event::from_slice(fixtures::VISUAL_RUN).unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(alert["payload"]["summary"], "Checkout in Shop: 1 rejected, 2 changed screenshots");
    let ledger = IncidentLedger::new(rules);
    let now = OffsetDateTime::now_utc();
    let at = |minutes: i64, rejected: u32| {
        let mut run = run(fixtures::VISUAL_RUN);
        (run.totals.rejected, run.totals.changed) = (rejected, 0);
        run.end = Some(now - Duration::minutes(minutes));
        run.url = Some(format!("https://screener.io/v2/dashboard/sp-5b7c2e1f/Checkout/{minutes}"));
        Event::VisualRun(run)
    };
    let answers: Vec<String> = [at(30, 1), at(30, 1), at(20, 0), at(10, 0)]
        .iter()
        .filter_map(|event| match ledger.apply_for(&OrgId::from("acme"), event, now).unwrap() {
            Decision::Send(alert) => Some(format!("{:?}", alert.action())),
            _ => None,
        })
        .collect();
    assert_eq!(answers, ["Trigger", "Resolve"]);
}

#[test]
fn a_run_without_times_pages_again_after_a_clean_run() {
    // The Screener form may leave out `start` and `end`, and its `url` is the group's
    // dashboard, the same for every run: nothing tells one such run from the next, so each
    // delivery counts as a new run. Told apart by `url` and `end`, a new failing run after a
    // clean one was skipped as a duplicate of the first failure, and never paged.
    let failing =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/visual_run_without_times.json")).unwrap();
    let failing = Event::from_slice(&failing).unwrap();
    let Event::VisualRun(mut clean) = failing.clone() else { panic!("a visual run") };
    assert!(clean.start.is_none() && clean.end.is_none());
    (clean.totals.rejected, clean.totals.accepted) = (0, 44);
    let clean = Event::VisualRun(clean);
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()));
    let now = OffsetDateTime::now_utc();
    let answers: Vec<String> = [&failing, &clean, &failing, &failing]
        .into_iter()
        .map(|event| match ledger.apply_for(&OrgId::from("acme"), event, now).unwrap() {
            Decision::Send(alert) => format!("{:?}", alert.action()),
            Decision::Skip(skip) => format!("{skip:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(answers, ["Trigger", "Resolve", "Trigger", "AlreadyOpen"]);
}
