//! The testing kit, used as a user would: build events, sign them, and check what a receiver
//! and the rest of the crate make of them.

use sauce_webhooks::pagerduty::webhook::Envelope;
use sauce_webhooks::pagerduty::{Action, IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier};
use sauce_webhooks::testing::{
    ConcurrencyBuilder, JobBuilder, ORG_ID, TEAM_ID, USER_ID, VisualBuildBuilder, fixtures, signed, signed_bytes,
    signed_pagerduty,
};
use sauce_webhooks::{DataType, Event, JobStatus, Router};

#[test]
fn built_events_survive_the_round_trip_a_receiver_does() {
    let secret = Secret::new("test-token").unwrap();
    let verifier = Verifier::new(secret.clone());
    for event in [
        JobBuilder::new().event(),
        JobBuilder::new().failed().with_tag("severity:critical").event(),
        JobBuilder::new().real_device().running().event(),
        VisualBuildBuilder::new().unapproved().event(),
        ConcurrencyBuilder::new().team_saturated().event(),
    ] {
        let request = signed(&secret, &event);
        assert_eq!(request.header_name, "saucelabs-sign");
        let verified = verifier.verify(&request.body, Some(&request.header_value)).unwrap();
        assert_eq!(verified.event().unwrap(), event);
    }
}

#[test]
fn builders_give_what_their_names_say() {
    let job = JobBuilder::new().failed().build();
    assert!(job.is_failure());
    assert_eq!((job.status, job.passed), (JobStatus::Failed, Some(false)));
    let device = JobBuilder::new().real_device().build();
    assert_eq!((device.data_type, device.browser_name), (DataType::Rdc, None));
    assert!(!JobBuilder::new().running().event().is_failure());
    assert!(VisualBuildBuilder::new().unapproved().event().is_failure());
    assert!(!VisualBuildBuilder::new().event().is_failure());
    assert!(ConcurrencyBuilder::new().team_saturated().event().is_failure());
    assert!(!ConcurrencyBuilder::new().event().is_failure());
    let moved =
        JobBuilder::new().with_owner("u2").with_team(None).with_org("o2").with_id("run-7").with_name("t").build();
    assert_eq!((moved.owner_id.unwrap().as_str(), moved.team_id, moved.org_id.unwrap().as_str()), ("u2", None, "o2"));
}

#[test]
fn built_events_reach_the_default_scopes() {
    let mut router = Router::new();
    router.insert(
        "user",
        Subscription::new(Scope::user(ORG_ID, USER_ID), [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)]),
    );
    router.insert(
        "team",
        Subscription::new(Scope::team(ORG_ID, TEAM_ID), [Topic::VisualBuildCompleted, Topic::ConcurrencyUsage]),
    );
    router.insert("org", Subscription::new(Scope::organization(ORG_ID), [Topic::RealDeviceJobs(Outcomes::All)]));
    let route = |event: Event| {
        let mut keys: Vec<&str> = router.route(&event).copied().collect();
        keys.sort_unstable();
        keys.join(",")
    };
    assert_eq!(route(JobBuilder::new().failed().event()), "user");
    assert_eq!(route(JobBuilder::new().event()), "");
    assert_eq!(route(JobBuilder::new().real_device().event()), "org");
    assert_eq!(route(VisualBuildBuilder::new().event()), "team");
    assert_eq!(route(ConcurrencyBuilder::new().event()), "team");
}

#[test]
fn a_failure_then_a_success_trigger_and_resolve() {
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let trigger = rules.alert_for(&JobBuilder::new().with_id("run-1").failed().event()).unwrap();
    let resolve = rules.alert_for(&JobBuilder::new().with_id("run-2").event()).unwrap();
    assert_eq!((trigger.action(), resolve.action()), (Action::Trigger, Action::Resolve));
    assert_eq!(trigger.dedup_key(), resolve.dedup_key());
}

#[test]
fn fixtures_and_signed_bytes() {
    let secret = Secret::new("test-token").unwrap();
    for body in [
        fixtures::VDC_JOB_FAILED,
        fixtures::RDC_JOB_PASSED,
        fixtures::REST_API_JOB,
        fixtures::RAW_RDC_EVENT,
        fixtures::CONCURRENCY,
        fixtures::VISUAL_BUILD,
    ] {
        let request = signed_bytes(&secret, body);
        assert_eq!(request.body, body, "signed as it is, not re-serialized");
        let verified = Verifier::new(secret.clone()).verify(&request.body, Some(&request.header_value)).unwrap();
        assert!(!matches!(verified.event().unwrap(), Event::Unknown(_)));
    }
    assert_eq!(Event::from_slice_batch(fixtures::BATCH_OF_TWO_JOBS).collect::<Result<Vec<_>, _>>().unwrap().len(), 2);

    let (old, new) = (Secret::new("old").unwrap(), Secret::new("new").unwrap());
    let request = signed_pagerduty(&[&old, &new], fixtures::PAGERDUTY_INCIDENT_TRIGGERED);
    assert_eq!(request.header_name, "x-pagerduty-signature");
    assert_eq!(request.header_value.matches("v1=").count(), 2);
    let verified =
        Verifier::new(new).with_scheme(PagerDutyV3).verify(&request.body, Some(&request.header_value)).unwrap();
    assert!(Envelope::from_slice(verified.body()).unwrap().event.incident_id().is_some());
    assert!(Envelope::from_slice(fixtures::PAGERDUTY_PING).is_ok());
}

#[test]
fn the_kit_ships_the_documented_bodies_of_every_family() {
    // The documented Error Reporting notification and App Distribution's registered device
    // lived only in tests/data/, outside the package: a user testing a receiver had neither.
    let Event::ErrorGroup(group) = Event::from_slice(fixtures::ERROR_GROUP_DOCUMENTED).unwrap() else { panic!() };
    assert_eq!(group.callstack, ["printf", "my_fn", "main"], "frames, as documented");
    assert_eq!((group.host_count, group.guid_count), (Some(4), Some(0)), "counts, as documented");
    let Event::ErrorGroup(listed) = Event::from_slice(fixtures::ERROR_GROUP).unwrap() else { panic!() };
    assert_eq!((listed.hosts.len(), listed.host_count), (1, None), "the list form, as some senders write it");
    let Event::AppDistribution(device) = Event::from_slice(fixtures::APP_DISTRIBUTION_NEW_UDID).unwrap() else {
        panic!()
    };
    assert_eq!((device.event.as_str(), device.app_name.as_deref()), ("new-udid", None));
}
