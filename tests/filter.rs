//! The failure rule and the scope rule, on the bundled payloads.

use sauce_webhooks::Event;
use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};

mod common;

fn fixture(name: &str) -> Event<'static> {
    Event::from_slice(&common::read(name)).unwrap()
}

const ORG: &str = "7fb25570b4064716b9b6daae1a846790";
const TEAM: &str = "98b9f34e596047d99abba56f517846a9";

fn org() -> Scope {
    Scope::organization(ORG)
}

fn team() -> Scope {
    Scope::team(ORG, TEAM)
}

#[test]
fn job_topics_follow_data_type_and_the_failure_rule() {
    let failed_vdc = fixture("vdc_job_failed.json");
    let passed_rdc = fixture("rdc_job_passed.json");
    let failed_rdc = fixture("raw_rdc_event.json");
    let cases = [
        (Topic::VirtualDeviceJobs(Outcomes::FailedOnly), [true, false, false]),
        (Topic::VirtualDeviceJobs(Outcomes::All), [true, false, false]),
        (Topic::RealDeviceJobs(Outcomes::FailedOnly), [false, false, true]),
        (Topic::RealDeviceJobs(Outcomes::All), [false, true, true]),
        (Topic::VisualBuildCompleted, [false, false, false]),
        (Topic::ConcurrencyUsage, [false, false, false]),
    ];
    for (topic, expected) in cases {
        let subscription = Subscription::new(org(), [topic]);
        let got = [&failed_vdc, &passed_rdc, &failed_rdc].map(|event| subscription.matches(event));
        assert_eq!(got, expected, "{topic:?}");
    }
}

#[test]
fn a_passed_status_with_passed_false_is_a_failure() {
    let body = format!(
        r#"{{"id":"j","data_type":"vdc","status":"COMPLETE","passed":false,"creation_time":0,"org_id":"{ORG}"}}"#
    );
    let event = Event::from_slice(body.as_bytes()).unwrap();
    assert!(Subscription::new(org(), [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)]).matches(&event));
    let running = body.replace(r#""status":"COMPLETE","passed":false"#, r#""status":"IN PROGRESS""#);
    let event = Event::from_slice(running.as_bytes()).unwrap();
    assert!(!Subscription::new(org(), [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)]).matches(&event));
    assert!(Subscription::new(org(), [Topic::VirtualDeviceJobs(Outcomes::All)]).matches(&event));
}

#[test]
fn scopes_of_a_job() {
    let job = fixture("vdc_job_failed.json");
    let all = [Topic::VirtualDeviceJobs(Outcomes::All)];
    assert!(Subscription::new(Scope::user(ORG, "a1b2c3d4e5f60718293a4b5c6d7e8f90"), all).matches(&job));
    assert!(Subscription::new(team(), all).matches(&job));
    assert!(Subscription::new(org(), all).matches(&job));
    assert!(!Subscription::new(Scope::user(ORG, "someone-else"), all).matches(&job));
    assert!(!Subscription::new(Scope::team(ORG, "other-team"), all).matches(&job));
    assert!(!Subscription::new(Scope::organization("other-org"), all).matches(&job));
}

#[test]
fn scopes_of_a_visual_build() {
    let build = fixture("visual_build.json");
    let visual = [Topic::VisualBuildCompleted];
    assert!(Subscription::new(Scope::user(ORG, "a1b2c3d4e5f60718293a4b5c6d7e8f90"), visual).matches(&build));
    assert!(Subscription::new(team(), visual).matches(&build), "the first of its teams");
    assert!(Subscription::new(Scope::team(ORG, "5c4b3a29181706f5e4d3c2b1a0f9e8d7"), visual).matches(&build));
    assert!(Subscription::new(org(), visual).matches(&build));
    assert!(!Subscription::new(Scope::team(ORG, "other-team"), visual).matches(&build));
    assert!(!Subscription::new(org(), [Topic::VirtualDeviceJobs(Outcomes::All)]).matches(&build));
}

#[test]
fn scopes_of_concurrency() {
    let usage = fixture("concurrency.json");
    let topic = [Topic::ConcurrencyUsage];
    assert!(Subscription::new(org(), topic).matches(&usage));
    assert!(Subscription::new(team(), topic).matches(&usage));
    assert!(!Subscription::new(Scope::team(ORG, "other-team"), topic).matches(&usage));
    assert!(!Subscription::new(Scope::user(ORG, TEAM), topic).matches(&usage), "users have no usage");
}

#[test]
fn unknown_events_and_unknown_data_types_match_nothing() {
    let everything = [
        Topic::VirtualDeviceJobs(Outcomes::All),
        Topic::RealDeviceJobs(Outcomes::All),
        Topic::VisualBuildCompleted,
        Topic::ConcurrencyUsage,
    ];
    let unknown = fixture("unknown_event.json");
    assert!(!Subscription::new(org(), everything).matches(&unknown));
    let api_job = format!(r#"{{"id":"j","data_type":"api","status":"FAILED","creation_time":0,"org_id":"{ORG}"}}"#);
    assert!(!Subscription::new(org(), everything).matches(&Event::from_slice(api_job.as_bytes()).unwrap()));
}

#[test]
fn topics_read_back_and_serialize() {
    let subscription = Subscription::new(
        team(),
        [Topic::ConcurrencyUsage, Topic::VirtualDeviceJobs(Outcomes::FailedOnly), Topic::ConcurrencyUsage],
    );
    assert_eq!(subscription.scope(), &team());
    let topics: Vec<_> = subscription.topics().collect();
    assert_eq!(topics, [Topic::VirtualDeviceJobs(Outcomes::FailedOnly), Topic::ConcurrencyUsage]);
    let json = serde_json::to_value(&subscription).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"scope": {"team": {"org": ORG, "team": TEAM}}, "topics": [{"virtual_device_jobs": "failed_only"}, "concurrency_usage"]})
    );
    assert_eq!(serde_json::from_value::<Subscription>(json).unwrap(), subscription);
}

#[test]
fn only_finished_builds_reach_build_completed() {
    let mut build: serde_json::Value = serde_json::from_slice(&common::read("visual_build.json")).unwrap();
    let subscription = Subscription::new(org(), [Topic::VisualBuildCompleted]);
    for (status, finished) in
        [("RUNNING", false), ("QUEUED", false), ("EQUAL", true), ("ERRORED", true), ("archived", true)]
    {
        build["status"] = status.into();
        let event = Event::from_slice(&serde_json::to_vec(&build).unwrap()).unwrap();
        assert_eq!(subscription.matches(&event), finished, "{status}");
    }
}

#[test]
fn all_takes_in_failed_only() {
    let both = Subscription::new(
        org(),
        [
            Topic::VirtualDeviceJobs(Outcomes::FailedOnly),
            Topic::VirtualDeviceJobs(Outcomes::All),
            Topic::RealDeviceJobs(Outcomes::FailedOnly),
        ],
    );
    let all = Subscription::new(
        org(),
        [Topic::VirtualDeviceJobs(Outcomes::All), Topic::RealDeviceJobs(Outcomes::FailedOnly)],
    );
    assert_eq!(both, all);
    assert_eq!(
        both.topics().collect::<Vec<_>>(),
        [Topic::VirtualDeviceJobs(Outcomes::All), Topic::RealDeviceJobs(Outcomes::FailedOnly)]
    );
    assert!(!Subscription::new(org(), []).matches(&fixture("vdc_job_failed.json")), "no topics, no events");
}
