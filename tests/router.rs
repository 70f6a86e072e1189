//! The router returns exactly the keys whose subscription matches, through inserts, replacements
//! and removes.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use sauce_webhooks::routing::{Outcomes, Project, Scope, Subscription, Topic};
use sauce_webhooks::{Event, OrgId, Router};

// Small pools, so that events and subscriptions meet often.
const USERS: [&str; 3] = ["u1", "u2", "u3"];
const TEAMS: [&str; 3] = ["t1", "t2", "t3"];
const ORGS: [&str; 2] = ["o1", "o2"];
// Projects of every product share names, so that a project of one product named as another's
// is tried.
const PROJECTS: [&str; 2] = ["p1", "p2"];

fn scope() -> impl Strategy<Value = Scope> {
    let org = || prop::sample::select(&ORGS[..]);
    prop_oneof![
        (org(), prop::sample::select(&USERS[..])).prop_map(|(o, u)| Scope::user(o, u)),
        (org(), prop::sample::select(&TEAMS[..])).prop_map(|(o, t)| Scope::team(o, t)),
        org().prop_map(Scope::organization),
        (org(), project()).prop_map(|(o, p)| Scope::project(o, p)),
    ]
}

fn project() -> impl Strategy<Value = Project> {
    let name = || prop::sample::select(&PROJECTS[..]);
    prop_oneof![
        name().prop_map(Project::api_testing),
        name().prop_map(|p| Project::error_reporting("u", p)),
        name().prop_map(Project::visual_runs),
        name().prop_map(Project::app),
    ]
}

fn topic() -> impl Strategy<Value = Topic> {
    prop::sample::select(&Topic::ALL[..])
}

fn subscription() -> impl Strategy<Value = Subscription> {
    (scope(), prop::collection::vec(topic(), 0..3)).prop_map(|(scope, topics)| Subscription::new(scope, topics))
}

fn maybe(pool: &'static [&'static str]) -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(pool))
}

fn quoted(id: Option<&str>) -> String {
    id.map_or_else(|| "null".to_owned(), |id| format!("\"{id}\""))
}

fn event() -> impl Strategy<Value = Event<'static>> {
    let job = (maybe(&USERS), maybe(&TEAMS), maybe(&ORGS), prop::sample::select(&["vdc", "rdc", "api"][..]), any::<bool>())
        .prop_map(|(user, team, org, data_type, failed)| {
            format!(
                r#"{{"id":"j","data_type":"{data_type}","status":"{}","creation_time":0,"owner_id":{},"team_id":{},"org_id":{}}}"#,
                if failed { "FAILED" } else { "PASSED" },
                quoted(user),
                quoted(team),
                quoted(org)
            )
        });
    let build = (prop::sample::select(&USERS[..]), prop::collection::vec(prop::sample::select(&TEAMS[..]), 0..4), prop::sample::select(&ORGS[..]))
        .prop_map(|(user, teams, org)| {
            format!(
                r#"{{"org_id":"{org}","user_id":"{user}","team_ids":{},"build_id":"b","build_name":"n","build_url":"u","status":"EQUAL","data_center":"us-west-1"}}"#,
                serde_json::to_string(&teams).unwrap()
            )
        });
    let usage = (maybe(&TEAMS), prop::sample::select(&ORGS[..])).prop_map(|(team, org)| {
        let slots = r#"{"vms":1,"mac_vms":1,"rds":1}"#;
        let team = team.map_or(String::new(), |t| format!(r#","team":{{"id":"{t}","allowed":{slots},"current":{slots}}}"#));
        format!(r#"{{"concurrency":{{"organization":{{"id":"{org}","allowed":{slots},"current":{slots}}}{team}}},"timestamp":1}}"#)
    });
    let project = (prop::sample::select(&PROJECTS[..]), 0..4, any::<bool>()).prop_map(|(p, kind, failed)| {
        let count = u8::from(failed);
        match kind {
            0 => format!(r#"{{"eventId":"e","failuresCount":{count},"projectId":"{p}","testId":"t"}}"#),
            1 => format!(r#"{{"fingerprint":"f","universe":"u","project":"{p}"}}"#),
            2 => format!(r#"{{"projectId":"{p}","totals":{{"rejected":{count},"all":3}}}}"#),
            _ => format!(r#"{{"event":"{}","appName":"{p}"}}"#, if failed { "crash" } else { "upload" }),
        }
    });
    prop_oneof![job, build, usage, project, Just(r#"{"kind":"other"}"#.to_owned())]
        .prop_map(|body| Event::from_slice(body.as_bytes()).unwrap())
}

#[derive(Debug, Clone)]
enum Change {
    Insert(u8, Subscription),
    Remove(u8),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (0u8..24, subscription()).prop_map(|(key, s)| Change::Insert(key, s)),
        1 => (0u8..24).prop_map(Change::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn route_returns_exactly_the_matching_keys(changes in prop::collection::vec(change(), 0..60), events in prop::collection::vec(event(), 1..8)) {
        let mut router = Router::new();
        let mut model: HashMap<u8, Subscription> = HashMap::new();
        for change in changes {
            match change {
                Change::Insert(key, subscription) => {
                    prop_assert_eq!(router.insert(key, subscription.clone()), model.insert(key, subscription));
                }
                Change::Remove(key) => prop_assert_eq!(router.remove(&key), model.remove(&key)),
            }
            prop_assert_eq!(router.len(), model.len());
        }
        for event in &events {
            let routed: Vec<u8> = router.route(event).copied().collect();
            let unique: BTreeSet<u8> = routed.iter().copied().collect();
            prop_assert_eq!(unique.len(), routed.len(), "each key once: {:?}", routed);
            let expected: BTreeSet<u8> = model.iter().filter(|(_, s)| s.matches(event)).map(|(k, _)| *k).collect();
            prop_assert_eq!(unique, expected, "{:?}", event);
            for org in ORGS {
                let received_for = OrgId::from(org);
                let routed: Vec<u8> = router.route_for(&received_for, event).copied().collect();
                let unique: BTreeSet<u8> = routed.iter().copied().collect();
                prop_assert_eq!(unique.len(), routed.len(), "each key once: {:?}", routed);
                let expected: BTreeSet<u8> =
                    model.iter().filter(|(_, s)| s.matches_for(&received_for, event)).map(|(k, _)| *k).collect();
                prop_assert_eq!(unique, expected, "{:?} received for {}", event, org);
            }
        }
    }
}

#[test]
fn a_build_listing_many_teams_many_times_routes_each_once() {
    let mut router = Router::new();
    router.insert("t7", Subscription::new(Scope::team("o", "t7"), [Topic::VisualBuildCompleted]));
    router.insert("t9", Subscription::new(Scope::team("o", "t9"), [Topic::VisualBuildCompleted]));
    // 1,000 team ids (the most a body may list), most repeated: each team's bucket is visited once.
    let teams: Vec<String> = (0..1000).map(|i| format!("t{}", i % 10)).collect();
    let body = serde_json::json!({"org_id": "o", "user_id": "u", "team_ids": teams, "build_id": "b", "build_name": "n",
        "build_url": "u", "status": "EQUAL", "data_center": "x"});
    let event = Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
    let mut routed: Vec<_> = router.route(&event).copied().collect();
    routed.sort_unstable();
    assert_eq!(routed, ["t7", "t9"]);

    let mut one_too_many = body;
    one_too_many["team_ids"].as_array_mut().unwrap().push("t0".into());
    let err = Event::from_slice(&serde_json::to_vec(&one_too_many).unwrap()).unwrap_err();
    assert_eq!((err.path(), err.message()), ("$.team_ids", "expected at most 1000 strings, found more"));
}

#[test]
fn a_build_listing_a_team_twice_routes_once() {
    let mut router = Router::new();
    router.insert("team", Subscription::new(Scope::team("o", "t1"), [Topic::VisualBuildCompleted]));
    let event = Event::from_slice(
        br#"{"org_id":"o","user_id":"u","team_ids":["t1","t1"],"build_id":"b","build_name":"n","build_url":"u","status":"EQUAL","data_center":"x"}"#,
    )
    .unwrap();
    assert_eq!(router.route(&event).collect::<Vec<_>>(), [&"team"]);
}

#[test]
fn replacing_moves_a_key_to_its_new_scope() {
    let mut router = Router::new();
    let job = Event::from_slice(
        br#"{"id":"j","data_type":"vdc","status":"FAILED","creation_time":0,"owner_id":"u1","org_id":"o1"}"#,
    )
    .unwrap();
    router.insert(7, Subscription::new(Scope::user("o1", "u1"), [Topic::VirtualDeviceJobs(Outcomes::All)]));
    assert_eq!(router.route(&job).count(), 1);
    let old = router.insert(7, Subscription::new(Scope::user("o1", "u2"), [Topic::VirtualDeviceJobs(Outcomes::All)]));
    assert_eq!(old.unwrap().scope(), &Scope::user("o1", "u1"));
    assert_eq!(router.route(&job).count(), 0);
    assert_eq!(router.len(), 1);
    assert!(router.remove(&7).is_some());
    assert!(router.is_empty());
    assert!(router.remove(&7).is_none());
}

#[test]
fn subscriptions_never_take_an_event_of_another_organization() {
    let mut router = Router::new();
    let all = [Topic::VirtualDeviceJobs(Outcomes::All)];
    router.insert("acme checkout team", Subscription::new(Scope::team("acme", "t1"), all));
    router.insert("jane, authorised in acme", Subscription::new(Scope::user("acme", "u1"), all));
    router.insert("acme", Subscription::new(Scope::organization("acme"), all));
    let job = |org: Option<&str>| {
        let org = org.map_or(String::new(), |org| format!(r#","org_id":"{org}""#));
        let body = format!(
            r#"{{"id":"j","data_type":"vdc","status":"FAILED","creation_time":0,"owner_id":"u1","team_id":"t1"{org}}}"#
        );
        Event::from_slice(body.as_bytes()).unwrap()
    };
    let routed = |event: &Event| {
        let mut keys: Vec<&str> = router.route(event).copied().collect();
        keys.sort_unstable();
        keys
    };
    assert_eq!(routed(&job(Some("acme"))), ["acme", "acme checkout team", "jane, authorised in acme"]);
    // globex's team "t1" is another team; jane, moved to globex, no longer reaches acme's subscription.
    assert!(routed(&job(Some("globex"))).is_empty());
    // Without an organization, nothing proves whose user or team it is.
    assert!(routed(&job(None)).is_empty());
    for (key, subscription) in [("team", Scope::team("acme", "t1")), ("user", Scope::user("acme", "u1"))] {
        let subscription = Subscription::new(subscription, all);
        assert!(!subscription.matches(&job(Some("globex"))) && !subscription.matches(&job(None)), "{key}");
    }
}
