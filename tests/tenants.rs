//! Incident keys never span organizations: an event that names none (API Testing, Error
//! Reporting, a visual run, App Distribution) is keyed under the organization it was received
//! for, whatever the granularity, and an event naming another organization than that one
//! changes nothing.

mod common;

use sauce_webhooks::pagerduty::{Action, Decision, Granularity, IncidentLedger, IncidentRules, RoutingKey, Skip};
use sauce_webhooks::testing::{
    ApiTestBuilder, AppDistributionBuilder, ErrorGroupBuilder, JobBuilder, VisualRunBuilder,
};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, OrgId};

fn rules() -> IncidentRules {
    IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap())
}

fn acme() -> OrgId {
    OrgId::from("acme")
}

fn globex() -> OrgId {
    OrgId::from("globex")
}

/// A failure of each product whose webhooks name no organization.
fn project_failures() -> Vec<Event<'static>> {
    vec![
        ApiTestBuilder::new().failed().event(),
        ErrorGroupBuilder::new().event(),
        VisualRunBuilder::new().failed().event(),
        AppDistributionBuilder::new().crash().event(),
        Event::from_slice(&common::read("app_distribution_crash_legacy.json")).unwrap(),
        Event::from_slice(&common::read("error_group_documented.json")).unwrap(),
    ]
}

fn granularities() -> [Granularity; 5] {
    [
        Granularity::Test,
        Granularity::Build,
        Granularity::Team,
        Granularity::Organization,
        Granularity::custom(|event| Some(format!("mine: {}", event.is_failure()))),
    ]
}

#[test]
fn two_organizations_apps_called_shop_are_two_incidents() {
    // acme's and globex's apps are both called "Shop": globex's crash was skipped as already
    // open when the key was ["app", name, platform, version].
    let crash = Event::from_slice(&common::read("app_distribution_crash_legacy.json")).unwrap();
    let ledger = IncidentLedger::new(rules());
    let now = OffsetDateTime::now_utc();
    let Decision::Send(acme_page) = ledger.apply_for(&acme(), &crash, now).unwrap() else { panic!("acme pages") };
    let Decision::Send(globex_page) = ledger.apply_for(&globex(), &crash, now).unwrap() else {
        panic!("globex's crash is an incident of its own")
    };
    assert_eq!((acme_page.action(), globex_page.action()), (Action::Trigger, Action::Trigger));
    assert_ne!(acme_page.dedup_key(), globex_page.dedup_key(), "PagerDuty would merge them");
    assert!(acme_page.dedup_key().is_some_and(|key| key.starts_with(r#"["app","acme","Shop""#)));
    assert_eq!(ledger.apply_for(&globex(), &crash, now).unwrap(), Decision::Skip(Skip::Duplicate));
}

#[test]
fn without_where_it_was_received_a_projects_event_is_followed_by_no_one() {
    let ledger = IncidentLedger::new(rules());
    let now = OffsetDateTime::now_utc();
    for event in project_failures() {
        assert_eq!(ledger.apply(&event, now).unwrap(), Decision::Skip(Skip::NoOrganization), "{event:?}");
        assert_eq!(ledger.key_of(&event), None);
        assert!(rules().alert_for(&event).is_none(), "{event:?}");
        let mut body = b"stale".to_vec();
        assert_eq!(rules().write_alert(&event, &mut body), Ok(None));
        assert!(body.is_empty());
    }
}

#[test]
fn every_key_of_a_projects_event_names_the_organization_it_was_received_for() {
    for granularity in granularities() {
        let ledger = IncidentLedger::new(rules()).with_granularity(granularity.clone());
        for event in project_failures() {
            let (for_acme, for_globex) = (ledger.key_for(&acme(), &event), ledger.key_for(&globex(), &event));
            assert!(for_acme.is_some() && for_globex.is_some(), "{granularity:?} {event:?}");
            assert_ne!(for_acme, for_globex, "{granularity:?} {event:?}");
            assert!(for_acme.unwrap().contains(r#""acme""#), "{granularity:?}");
        }
    }
    for event in project_failures() {
        let keys = [acme(), globex()].map(|org| rules().alert_received_for(&org, &event).unwrap());
        let [acme_key, globex_key] = keys.each_ref().map(|alert| alert.dedup_key().unwrap());
        assert_ne!(acme_key, globex_key, "{event:?}");
        assert!(acme_key.contains(r#","acme","#), "{acme_key}");
    }
}

#[test]
fn an_event_naming_another_organization_changes_nothing() {
    // A body naming acme, sent with globex's secret: it must not open, nor close, acme's incident.
    let ledger = IncidentLedger::new(rules());
    let now = OffsetDateTime::now_utc();
    let failed = JobBuilder::new().with_org("acme").with_id("r1").failed().event();
    let passed = JobBuilder::new().with_org("acme").with_id("r2").event();
    assert_eq!(ledger.apply_for(&globex(), &failed, now).unwrap(), Decision::Skip(Skip::OtherOrganization));
    assert!(matches!(ledger.apply_for(&acme(), &failed, now).unwrap(), Decision::Send(_)));
    assert_eq!(ledger.apply_for(&globex(), &passed, now).unwrap(), Decision::Skip(Skip::OtherOrganization));
    assert!(rules().alert_received_for(&globex(), &passed).is_none());
    let Decision::Send(resolve) = ledger.apply_for(&acme(), &passed, now).unwrap() else { panic!("acme's own") };
    assert_eq!(resolve.action(), Action::Resolve);
    // Received for its own organization, a job is keyed as it always was.
    assert_eq!(ledger.key_for(&acme(), &failed), ledger.key_of(&failed));
}

#[test]
fn a_job_without_an_organization_is_keyed_under_the_one_it_was_received_for() {
    let ledger = IncidentLedger::new(rules());
    let orphan = JobBuilder::new().with(|job| job.org_id = None).failed().event();
    assert_ne!(ledger.key_for(&acme(), &orphan), ledger.key_for(&globex(), &orphan));
    assert!(ledger.key_of(&orphan).is_some_and(|key| key.contains(r#"["job","","#)), "as it always was");
}

#[test]
fn a_custom_key_names_the_organization_whatever_the_kind() {
    // A host that keys jobs by name and apps by app name, in one ledger for every organization.
    let by_name = Granularity::custom(|event| match event {
        Event::Job(job) => job.name.clone().map(String::from),
        Event::AppDistribution(app) => app.app_name.clone(),
        _ => None,
    });
    let ledger = IncidentLedger::new(rules()).with_granularity(by_name);
    let now = OffsetDateTime::now_utc();
    let crash = Event::from_slice(&common::read("app_distribution_crash_legacy.json")).unwrap();
    let Decision::Send(acme_page) = ledger.apply_for(&acme(), &crash, now).unwrap() else { panic!("acme pages") };
    let acme_key = acme_page.dedup_key().unwrap().to_owned();
    // globex, with its own secret, sends a passing job named as acme's key: it closed acme's
    // incident when a job's custom key was the host's text alone.
    let spoof = JobBuilder::new().with_org("globex").with_id("g1").with_name(&acme_key).event();
    let decision = ledger.apply_for(&globex(), &spoof, now).unwrap();
    assert_eq!(decision, Decision::Skip(Skip::NothingOpen), "globex's own key, nothing open there");
    assert!(ledger.incident(&acme_key).unwrap().unwrap().is_open(), "acme's incident stays open");
    assert_eq!(acme_key, r#"["custom","acme","Shop"]"#);

    // Jobs without an `org_id` received for acme and for globex are two incidents too.
    let orphan = |id: &str, failed: bool| {
        let job = JobBuilder::new().with(|job| job.org_id = None).with_id(id).with_name("checkout");
        if failed { job.failed().event() } else { job.event() }
    };
    assert!(matches!(ledger.apply_for(&acme(), &orphan("a1", true), now).unwrap(), Decision::Send(_)));
    assert_eq!(ledger.apply_for(&globex(), &orphan("g2", false), now).unwrap(), Decision::Skip(Skip::NothingOpen));
    assert_ne!(ledger.key_for(&acme(), &orphan("a1", true)), ledger.key_for(&globex(), &orphan("a1", true)));

    // The docs' example keyed by branch: acme's main and globex's main are two incidents.
    let by_branch = IncidentLedger::new(rules()).with_granularity(Granularity::custom(|event| match event {
        Event::Job(job) => job.branch_name.clone().map(String::from),
        _ => None,
    }));
    let on_main = |org: &str| JobBuilder::new().with_org(org).with(|job| job.branch_name = Some("main".into())).event();
    assert_ne!(by_branch.key_of(&on_main("acme")), by_branch.key_of(&on_main("globex")));
}

#[test]
fn a_checks_key_names_its_organization_when_the_host_gives_one() {
    use sauce_webhooks::pagerduty::CheckRun;
    let ledger = IncidentLedger::new(rules());
    let now = OffsetDateTime::now_utc();
    let check = |org: &str, failed: bool| {
        let mut run = CheckRun::new("GET /health", failed);
        run.organization = Some(OrgId::from(org));
        run
    };
    let Decision::Send(acme_page) = ledger.apply_check(&check("acme", true), now).unwrap() else { panic!() };
    assert_eq!(acme_page.dedup_key(), Some(r#"["check","acme","GET /health"]"#));
    assert_eq!(ledger.apply_check(&check("globex", false), now).unwrap(), Decision::Skip(Skip::NothingOpen));
    assert_eq!(
        rules().alert_for_check(&check("globex", false)).dedup_key(),
        Some(r#"["check","globex","GET /health"]"#)
    );
    let Decision::Send(resolve) = ledger.apply_check(&check("acme", false), now).unwrap() else { panic!() };
    assert_eq!(resolve.dedup_key(), acme_page.dedup_key());
}

#[test]
fn a_projects_event_naming_nothing_to_tell_it_by_pages_on_its_own() {
    // A crash of no named app, and a visual run of neither project nor group: they shared one
    // incident per organization (["app","acme","","ios","1.4.2"]), so the second nameless
    // app's crash was "already open". Like a job without a name, each pages on its own now,
    // with no dedup key; routing takes them to no one, so only a host that pages on
    // everything it receives sees them.
    let ledger = IncidentLedger::new(rules());
    let now = OffsetDateTime::now_utc();
    let nameless = [
        AppDistributionBuilder::new().crash().with(|app| app.app_name = None).event(),
        VisualRunBuilder::new()
            .failed()
            .with(|run| (run.project, run.project_id, run.group, run.group_id) = (None, None, None, None))
            .event(),
    ];
    for event in nameless {
        assert_eq!(ledger.key_for(&acme(), &event), None, "{event:?}");
        for _ in 0..2 {
            let Decision::Send(page) = ledger.apply_for(&acme(), &event, now).unwrap() else { panic!("{event:?}") };
            assert_eq!((page.action(), page.dedup_key()), (Action::Trigger, None));
        }
        assert_eq!(rules().alert_received_for(&acme(), &event).unwrap().dedup_key(), None);
    }
    // An error group is told by its fingerprint, named project or not.
    let group = ErrorGroupBuilder::new().with(|group| (group.universe, group.project) = (None, None)).event();
    assert!(ledger.key_for(&acme(), &group).is_some_and(|key| key.contains("error_group")));
}
