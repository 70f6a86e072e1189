//! Events that name no user, team or organization (API Testing, Error Reporting, visual
//! end-to-end runs, App Distribution) reach only the subscriptions that name their project,
//! and only an organization the directory says owns the project may take them.

use sauce_webhooks::routing::access::{AccessDenied, Actor, Directory, Role, authorize};
use sauce_webhooks::routing::{Outcomes, Project, Scope, Subscription, Topic};
use sauce_webhooks::testing::{
    API_TESTING_PROJECT_ID, ApiTestBuilder, AppDistributionBuilder, ErrorGroupBuilder, JobBuilder, ORG_ID,
    VisualRunBuilder, fixtures,
};
use sauce_webhooks::{Event, OrgId, Router, TeamId, UserId};

/// The projects of the testing kit's builders and fixtures.
fn our_projects() -> [Project; 4] {
    [
        Project::api_testing(API_TESTING_PROJECT_ID),
        Project::error_reporting("acme", "checkout-service"),
        Project::visual_runs("sp-5b7c2e1f"),
        Project::app("Shop"),
    ]
}

/// The keys `event` goes to, received on an endpoint of `ORG_ID`.
fn routed(router: &Router<String>, event: &Event) -> Vec<String> {
    let mut keys: Vec<String> = router.route_for(&OrgId::from(ORG_ID), event).cloned().collect();
    keys.sort_unstable();
    keys
}

/// Every project of every product, with a subscription to each topic, plus an organization
/// subscribed to everything and projects of another product that share the ids.
fn router() -> Router<String> {
    let mut router = Router::new();
    router.insert("org".to_owned(), Subscription::new(Scope::organization(ORG_ID), Topic::ALL));
    for project in our_projects() {
        for topic in Topic::ALL {
            let key = format!("{project} {topic:?}");
            router.insert(key, Subscription::new(Scope::project(ORG_ID, project.clone()), [topic]));
        }
    }
    // The same names under another product, or another universe, take nothing of ours.
    for project in [
        Project::app(API_TESTING_PROJECT_ID),
        Project::visual_runs("Shop"),
        Project::error_reporting("other-universe", "checkout-service"),
        Project::api_testing("sp-5b7c2e1f"),
    ] {
        router.insert(format!("decoy {project}"), Subscription::new(Scope::project(ORG_ID, project), Topic::ALL));
    }
    router
}

#[test]
fn each_family_reaches_its_own_project_by_outcome_and_no_organization_subscription() {
    let router = router();
    let cases: [(Event, &str, &[&str]); 8] = [
        (
            ApiTestBuilder::new().failed().event(),
            "API Testing project",
            &["ApiTestResults(All)", "ApiTestResults(FailedOnly)"],
        ),
        (ApiTestBuilder::new().event(), "API Testing project", &["ApiTestResults(All)"]),
        (ErrorGroupBuilder::new().event(), "Error Reporting project", &["ErrorGroups"]),
        (
            VisualRunBuilder::new().failed().event(),
            "visual end-to-end project",
            &["VisualRuns(All)", "VisualRuns(FailedOnly)"],
        ),
        (VisualRunBuilder::new().event(), "visual end-to-end project", &["VisualRuns(All)"]),
        (
            AppDistributionBuilder::new().crash().event(),
            "App Distribution app",
            &["AppDistribution(All)", "AppDistribution(FailedOnly)"],
        ),
        (AppDistributionBuilder::new().event(), "App Distribution app", &["AppDistribution(All)"]),
        (Event::from_slice(fixtures::ERROR_GROUP).unwrap(), "Error Reporting project", &["ErrorGroups"]),
    ];
    for (event, product, topics) in cases {
        let keys = routed(&router, &event);
        assert_eq!(keys.len(), topics.len(), "{event:?} went to {keys:?}");
        for (key, topic) in keys.iter().zip(topics) {
            assert!(key.starts_with(product) && key.ends_with(&format!(" {topic}")), "{key} for {event:?}");
        }
    }
}

#[test]
fn an_event_naming_no_project_reaches_no_one() {
    let router = router();
    let nameless = [
        ApiTestBuilder::new().failed().with(|result| result.project_id = None).event(),
        ErrorGroupBuilder::new().with(|group| group.universe = None).event(),
        ErrorGroupBuilder::new().with(|group| group.project = None).event(),
        VisualRunBuilder::new().failed().with(|run| run.project_id = None).event(),
    ];
    for event in nameless {
        assert_eq!(routed(&router, &event), Vec::<String>::new(), "{event:?}");
    }
}

#[test]
fn a_project_event_reaches_only_the_organization_it_was_received_for() {
    let mut router = router();
    // Another organization has an app of the same name.
    router.insert(
        "globex Shop".to_owned(),
        Subscription::new(Scope::project("globex", Project::app("Shop")), Topic::ALL),
    );
    let crash = AppDistributionBuilder::new().crash().event();
    let globex: Vec<&String> = router.route_for(&OrgId::from("globex"), &crash).collect();
    assert_eq!(globex, ["globex Shop"]);
    assert!(routed(&router, &crash).iter().all(|key| key != "globex Shop"));
    // Without the organization it came to, nothing proves whose a project's event is.
    assert_eq!(router.route(&crash).count(), 0);
    for project in our_projects() {
        let subscription = Subscription::new(Scope::project(ORG_ID, project), Topic::ALL);
        assert!(!subscription.matches(&crash));
    }
}

#[test]
fn a_body_naming_another_organization_reaches_no_one_through_ours() {
    let router = router();
    // Whoever holds our endpoint's secret writes the victim's organization in a job.
    let forged = JobBuilder::new().failed().with_org("victim-org").event();
    let mut victims = Router::new();
    victims.insert("victim", Subscription::new(Scope::organization("victim-org"), Topic::ALL));
    assert_eq!(victims.route_for(&OrgId::from(ORG_ID), &forged).count(), 0);
    assert_eq!(victims.route(&forged).count(), 1, "route takes the body's word for it");
    assert_eq!(routed(&router, &forged), Vec::<String>::new());
}

#[test]
fn a_project_scope_takes_no_job_of_its_organization() {
    let router = router();
    assert_eq!(routed(&router, &JobBuilder::new().failed().event()), ["org"]);
}

#[test]
fn removing_a_project_subscription_stops_its_events() {
    let mut router = router();
    let crash = AppDistributionBuilder::new().crash().event();
    let before = routed(&router, &crash).len();
    let removed = router.remove(&"App Distribution app Shop AppDistribution(All)".to_owned()).unwrap();
    assert_eq!(removed.scope(), &Scope::project(ORG_ID, Project::app("Shop")));
    assert_eq!(routed(&router, &crash), ["App Distribution app Shop AppDistribution(FailedOnly)"]);
    assert_eq!(before, 2);
}

#[test]
fn a_project_scope_round_trips_through_json() {
    for project in our_projects() {
        let subscription = Subscription::new(
            Scope::project(ORG_ID, project),
            [Topic::ErrorGroups, Topic::AppDistribution(Outcomes::FailedOnly)],
        );
        let json = serde_json::to_string(&subscription).unwrap();
        assert_eq!(serde_json::from_str::<Subscription>(&json).unwrap(), subscription, "{json}");
    }
    let json =
        serde_json::to_string(&Scope::project(ORG_ID, Project::error_reporting("acme", "checkout-service"))).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"project":{{"org":"{ORG_ID}","project":{{"error_reporting":{{"universe":"acme","project":"checkout-service"}}}}}}}}"#
        )
    );
}

/// Gives the testing kit's projects to `ORG_ID`, and a project of each product to another
/// organization, which also has an app of the same name as ours.
struct Projects;

impl Directory for Projects {
    fn team_of(&self, _: &UserId) -> Option<TeamId> {
        None
    }
    fn org_of_user(&self, user: &UserId) -> Option<OrgId> {
        Some(OrgId::from(if user.as_str().starts_with("globex-") { "globex" } else { ORG_ID }))
    }
    fn org_of_team(&self, _: &TeamId) -> Option<OrgId> {
        None
    }
    fn owns_project(&self, org: &OrgId, project: &Project) -> bool {
        match org.as_str() {
            ORG_ID => our_projects().contains(project),
            "globex" => theirs().contains(project) || *project == Project::app("Shop"),
            _ => false,
        }
    }
}

fn theirs() -> [Project; 4] {
    [
        Project::api_testing("theirs"),
        Project::error_reporting("globex", "billing"),
        Project::visual_runs("theirs"),
        Project::app("Their App"),
    ]
}

#[test]
fn two_organizations_may_each_own_a_project_of_the_same_name() {
    let shop = Project::app("Shop");
    let ours = Actor::new("admin", ORG_ID, None, Role::OrgAdmin);
    let globex = Actor::new("globex-admin", "globex", None, Role::OrgAdmin);
    assert_eq!(authorize(&ours, &Scope::project(ORG_ID, shop.clone()), &Projects), Ok(()));
    assert_eq!(authorize(&globex, &Scope::project("globex", shop.clone()), &Projects), Ok(()));
    // Each admin, only in their own organization.
    assert_eq!(
        authorize(&globex, &Scope::project(ORG_ID, shop.clone()), &Projects),
        Err(AccessDenied::OutsideOrganization)
    );
    let their_app = Project::app("Their App");
    assert_eq!(
        authorize(&ours, &Scope::project(ORG_ID, their_app.clone()), &Projects),
        Err(AccessDenied::UnknownProject(their_app))
    );
}

#[test]
fn only_admins_of_the_organization_owning_a_project_may_subscribe_to_it() {
    let admin = Actor::new("admin", ORG_ID, None, Role::OrgAdmin);
    let team_admin = Actor::new("lead", ORG_ID, None, Role::TeamAdmin);
    let member = Actor::new("member", ORG_ID, None, Role::Member);
    for project in our_projects() {
        let scope = Scope::project(ORG_ID, project.clone());
        assert_eq!(authorize(&admin, &scope, &Projects), Ok(()), "{project}");
        assert_eq!(authorize(&team_admin, &scope, &Projects), Err(AccessDenied::OrganizationAdminsOnly));
        assert_eq!(authorize(&member, &scope, &Projects), Err(AccessDenied::OrganizationAdminsOnly));
        // Claiming another organization in the scope does not help.
        let elsewhere = Scope::project("another-org", project);
        assert_eq!(authorize(&admin, &elsewhere, &Projects), Err(AccessDenied::OutsideOrganization));
    }
    // Another organization's project is refused as an unknown one is: a refusal tells
    // nothing of which projects exist elsewhere, and a member learns only their role's limit.
    for project in theirs() {
        let scope = Scope::project(ORG_ID, project.clone());
        assert_eq!(authorize(&admin, &scope, &Projects), Err(AccessDenied::UnknownProject(project.clone())));
        assert_eq!(authorize(&member, &scope, &Projects), Err(AccessDenied::OrganizationAdminsOnly));
    }
    let unknown = Project::error_reporting("acme", "nobody-knows");
    assert_eq!(
        authorize(&admin, &Scope::project(ORG_ID, unknown.clone()), &Projects),
        Err(AccessDenied::UnknownProject(unknown))
    );
}

#[test]
fn a_directory_that_knows_no_project_refuses_every_project_scope() {
    struct NoProjects;
    impl Directory for NoProjects {
        fn team_of(&self, _: &UserId) -> Option<TeamId> {
            None
        }
        fn org_of_user(&self, _: &UserId) -> Option<OrgId> {
            Some(OrgId::from(ORG_ID))
        }
        fn org_of_team(&self, _: &TeamId) -> Option<OrgId> {
            None
        }
    }
    let admin = Actor::new("admin", ORG_ID, None, Role::OrgAdmin);
    for project in our_projects() {
        let refused = authorize(&admin, &Scope::project(ORG_ID, project.clone()), &NoProjects);
        assert_eq!(refused, Err(AccessDenied::UnknownProject(project)));
    }
}

#[test]
fn a_denial_names_the_project_without_control_characters() {
    let forged = Project::app("Shop\n2026-12-01 INFO access granted");
    let message = AccessDenied::UnknownProject(forged).to_string();
    assert!(!message.contains('\n'), "{message}");
    assert!(message.starts_with("App Distribution app Shop"), "{message}");
}
