//! The rules of Sauce Labs' webhook settings for who may subscribe for what, each allowed case and each denial.

use std::collections::HashMap;

use sauce_webhooks::routing::Scope;
use sauce_webhooks::routing::access::{AccessDenied, Actor, Directory, Role, authorize};
use sauce_webhooks::{OrgId, TeamId, UserId};

/// Two organizations: acme (teams checkout and search) and globex (team billing).
struct Accounts {
    users: HashMap<&'static str, (&'static str, &'static str)>,
    teams: HashMap<&'static str, &'static str>,
}

impl Accounts {
    fn new() -> Self {
        Self {
            users: HashMap::from([
                ("ann", ("checkout", "acme")),  // team admin of checkout
                ("bob", ("checkout", "acme")),  // member of checkout
                ("cid", ("search", "acme")),    // member of search
                ("dee", ("search", "acme")),    // org admin of acme
                ("eve", ("billing", "globex")), // org admin of globex
                ("fay", ("billing", "globex")), // member of billing
            ]),
            teams: HashMap::from([("checkout", "acme"), ("search", "acme"), ("billing", "globex")]),
        }
    }
}

impl Directory for Accounts {
    fn team_of(&self, user: &UserId) -> Option<TeamId> {
        self.users.get(user.as_str()).map(|(team, _)| TeamId::from(*team))
    }
    fn org_of_user(&self, user: &UserId) -> Option<OrgId> {
        self.users.get(user.as_str()).map(|(_, org)| OrgId::from(*org))
    }
    fn org_of_team(&self, team: &TeamId) -> Option<OrgId> {
        self.teams.get(team.as_str()).map(|org| OrgId::from(*org))
    }
}

fn actor(user: &str, role: Role) -> Actor {
    let accounts = Accounts::new();
    let (team, org) = accounts.users[user];
    Actor::new(user, org, Some(team.into()), role)
}

/// A user's scope, in the organization the directory places them in (acme when unknown).
fn user(id: &str) -> Scope {
    let org = Accounts::new().users.get(id).map_or("acme", |(_, org)| *org);
    Scope::user(org, id)
}
/// A team's scope, in the organization the directory places it in (acme when unknown).
fn team(id: &str) -> Scope {
    let org = Accounts::new().teams.get(id).copied().unwrap_or("acme");
    Scope::team(org, id)
}
fn org(id: &str) -> Scope {
    Scope::organization(id)
}

#[test]
fn the_rules_table() {
    use AccessDenied::*;
    use Role::*;
    let cases: Vec<(Actor, Scope, Result<(), AccessDenied>)> = vec![
        // Everyone may subscribe for themselves.
        (actor("bob", Member), user("bob"), Ok(())),
        (actor("ann", TeamAdmin), user("ann"), Ok(())),
        (actor("dee", OrgAdmin), user("dee"), Ok(())),
        // Members: nothing else.
        (actor("bob", Member), user("ann"), Err(OwnAccountOnly)),
        (actor("bob", Member), team("checkout"), Err(NotTeamAdmin)),
        (actor("bob", Member), org("acme"), Err(OrganizationAdminsOnly)),
        // Team admins: accounts of their team, and their team.
        (actor("ann", TeamAdmin), user("bob"), Ok(())),
        (actor("ann", TeamAdmin), team("checkout"), Ok(())),
        (actor("ann", TeamAdmin), user("cid"), Err(AccountOutsideTeam)),
        (actor("ann", TeamAdmin), team("search"), Err(NotTeamAdmin)),
        (actor("ann", TeamAdmin), user("fay"), Err(OutsideOrganization)),
        (actor("ann", TeamAdmin), team("billing"), Err(OutsideOrganization)),
        (actor("ann", TeamAdmin), org("acme"), Err(OrganizationAdminsOnly)),
        // Organization admins: every account and team of their organization, and it.
        (actor("dee", OrgAdmin), user("bob"), Ok(())),
        (actor("dee", OrgAdmin), team("checkout"), Ok(())),
        (actor("dee", OrgAdmin), team("search"), Ok(())),
        (actor("dee", OrgAdmin), org("acme"), Ok(())),
        (actor("dee", OrgAdmin), user("fay"), Err(OutsideOrganization)),
        (actor("dee", OrgAdmin), team("billing"), Err(OutsideOrganization)),
        (actor("dee", OrgAdmin), org("globex"), Err(OutsideOrganization)),
        (actor("eve", OrgAdmin), org("acme"), Err(OutsideOrganization)),
        // Whatever the directory does not know is denied.
        (actor("dee", OrgAdmin), user("zed"), Err(UnknownUser("zed".into()))),
        (actor("dee", OrgAdmin), team("ghosts"), Err(UnknownTeam("ghosts".into()))),
        (actor("ann", TeamAdmin), team("ghosts"), Err(UnknownTeam("ghosts".into()))),
        (actor("bob", Member), user("zed"), Err(UnknownUser("zed".into()))),
    ];
    let accounts = Accounts::new();
    for (who, scope, expected) in cases {
        assert_eq!(authorize(&who, &scope, &accounts), expected, "{} as {:?} for {scope:?}", who.user, who.role);
    }
}

#[test]
fn an_actor_the_directory_does_not_place_is_denied_everything() {
    let accounts = Accounts::new();
    let stranger = Actor::new("zed", "acme", None, Role::OrgAdmin);
    assert_eq!(authorize(&stranger, &user("zed"), &accounts), Err(AccessDenied::UnknownUser("zed".into())));
    assert_eq!(authorize(&stranger, &org("acme"), &accounts), Err(AccessDenied::UnknownUser("zed".into())));

    // Claiming another organization than the directory's.
    let impostor = Actor::new("eve", "acme", None, Role::OrgAdmin);
    assert_eq!(authorize(&impostor, &org("acme"), &accounts), Err(AccessDenied::NotInOrganization("acme".into())));

    // Claiming another team than the directory's: a session from before a move.
    let moved = Actor::new("ann", "acme", Some("search".into()), Role::TeamAdmin);
    assert_eq!(authorize(&moved, &team("search"), &accounts), Err(AccessDenied::NotInTeam("search".into())));
    assert_eq!(authorize(&moved, &user("cid"), &accounts), Err(AccessDenied::NotInTeam("search".into())));
    assert_eq!(authorize(&moved, &user("ann"), &accounts), Err(AccessDenied::NotInTeam("search".into())));

    // A team admin without a team administers no team.
    let teamless = Actor::new("ann", "acme", None, Role::TeamAdmin);
    assert_eq!(authorize(&teamless, &user("bob"), &accounts), Err(AccessDenied::AccountOutsideTeam));
    assert_eq!(authorize(&teamless, &team("checkout"), &accounts), Err(AccessDenied::NotTeamAdmin));
}

#[test]
fn a_scope_claiming_another_organization_than_its_user_or_team_is_denied() {
    let accounts = Accounts::new();
    let dee = actor("dee", Role::OrgAdmin); // org admin of acme
    // fay and billing are globex's: a scope placing them in acme is refused, not routed.
    assert_eq!(authorize(&dee, &Scope::user("acme", "fay"), &accounts), Err(AccessDenied::OutsideOrganization));
    assert_eq!(authorize(&dee, &Scope::team("acme", "billing"), &accounts), Err(AccessDenied::OutsideOrganization));
    // And a scope in another organization than the actor's, even for themselves.
    assert_eq!(authorize(&dee, &Scope::user("globex", "dee"), &accounts), Err(AccessDenied::OutsideOrganization));
    let bob = actor("bob", Role::Member);
    assert_eq!(authorize(&bob, &Scope::user("globex", "bob"), &accounts), Err(AccessDenied::OutsideOrganization));
}

#[test]
fn denials_say_which_rule() {
    assert_eq!(AccessDenied::OwnAccountOnly.to_string(), "members may subscribe for themselves only");
    assert_eq!(AccessDenied::UnknownTeam("ghosts".into()).to_string(), "team ghosts is not in the directory");
}
