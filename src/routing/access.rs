//! Who may create a subscription for what, as the Sauce Labs webhook settings allow:
//!
//! - every user may subscribe for themselves;
//! - a team admin, for each account within their team, and for their team;
//! - an organization admin, for each account and team within their organization, and for the
//!   organization; only organization admins may use the organization scope.
//!
//! The host knows who belongs where; it answers through [`Directory`]. Whatever the directory
//! does not know is denied.
//!
//! ```
//! use std::collections::HashMap;
//! use sauce_webhooks::routing::access::{authorize, AccessDenied, Actor, Directory, Role};
//! use sauce_webhooks::routing::Scope;
//! use sauce_webhooks::{OrgId, TeamId, UserId};
//!
//! struct Accounts(HashMap<&'static str, (&'static str, &'static str)>); // user -> (team, org)
//!
//! impl Directory for Accounts {
//!     fn team_of(&self, user: &UserId) -> Option<TeamId> {
//!         self.0.get(user.as_str()).map(|(team, _)| TeamId::from(*team))
//!     }
//!     fn org_of_user(&self, user: &UserId) -> Option<OrgId> {
//!         self.0.get(user.as_str()).map(|(_, org)| OrgId::from(*org))
//!     }
//!     fn org_of_team(&self, team: &TeamId) -> Option<OrgId> {
//!         self.0.values().find(|(t, _)| team == t).map(|(_, org)| OrgId::from(*org))
//!     }
//! }
//!
//! let accounts = Accounts(HashMap::from([("ann", ("checkout", "acme")), ("bob", ("checkout", "acme"))]));
//! let ann = Actor::new("ann", "acme", Some("checkout".into()), Role::TeamAdmin);
//! assert!(authorize(&ann, &Scope::user("acme", "bob"), &accounts).is_ok());
//! assert!(authorize(&ann, &Scope::team("acme", "checkout"), &accounts).is_ok());
//! assert_eq!(
//!     authorize(&ann, &Scope::organization("acme"), &accounts),
//!     Err(AccessDenied::OrganizationAdminsOnly)
//! );
//! ```

use crate::routing::{Project, Scope};
use crate::support::printable::printable;
use crate::values::id::{OrgId, TeamId, UserId};

/// What a user may administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// A plain member: subscribes for themselves only.
    Member,
    /// Administers their team.
    TeamAdmin,
    /// Administers their whole organization.
    OrgAdmin,
}

/// The user asking to create a subscription, as the host authenticated them. Their
/// organization and team are checked against the [`Directory`]; their role cannot be, so it
/// must come from your own authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Actor {
    /// Who they are.
    pub user: UserId,
    /// Their organization.
    pub org: OrgId,
    /// Their team, if any.
    pub team: Option<TeamId>,
    /// What they administer.
    pub role: Role,
}

impl Actor {
    /// The user `user` of organization `org`, in `team` if any, with `role`.
    pub fn new(user: impl Into<UserId>, org: impl Into<OrgId>, team: Option<TeamId>, role: Role) -> Self {
        Self { user: user.into(), org: org.into(), team, role }
    }
}

/// The host's view of which team and organization users and teams belong to. Answer `None`
/// for anything you do not know: it is denied.
pub trait Directory {
    /// The team `user` belongs to.
    fn team_of(&self, user: &UserId) -> Option<TeamId>;
    /// The organization `user` belongs to.
    fn org_of_user(&self, user: &UserId) -> Option<OrgId>;
    /// The organization `team` belongs to.
    fn org_of_team(&self, team: &TeamId) -> Option<OrgId>;
    /// Whether organization `org` owns `project` (an API Testing or visual end-to-end project,
    /// an Error Reporting project, an App Distribution app). Asked of one organization at a
    /// time, because names need not be unique across organizations: two customers may each
    /// have an app called "Shop". By default no organization owns any project, and no one may
    /// subscribe to one.
    fn owns_project(&self, org: &OrgId, project: &Project) -> bool {
        let _ = (org, project);
        false
    }
}

/// Why a subscription was refused: the rule that refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessDenied {
    /// The directory does not know this user (the actor or the account subscribed for).
    #[error("user {} is not in the directory", printable(.0.as_str()))]
    UnknownUser(UserId),
    /// The directory does not know this team.
    #[error("team {} is not in the directory", printable(.0.as_str()))]
    UnknownTeam(TeamId),
    /// The directory places the actor in another organization than the one they claim.
    #[error("the actor is not a member of organization {}", printable(.0.as_str()))]
    NotInOrganization(OrgId),
    /// The directory places the actor in another team than the one they claim.
    #[error("the actor is not a member of team {}", printable(.0.as_str()))]
    NotInTeam(TeamId),
    /// A member may subscribe for themselves only.
    #[error("members may subscribe for themselves only")]
    OwnAccountOnly,
    /// A team admin may subscribe for accounts of their own team only.
    #[error("team admins may subscribe for accounts in their own team only")]
    AccountOutsideTeam,
    /// Only admins may use a team scope, and team admins for their own team only.
    #[error("only the team's admins and its organization's admins may subscribe for a team")]
    NotTeamAdmin,
    /// The scope, or the account or team it names, lies in another organization than the
    /// actor's.
    #[error("the scope lies in another organization")]
    OutsideOrganization,
    /// Only organization admins may use the organization scope, or a project's.
    #[error("only organization admins may subscribe for an organization or a project")]
    OrganizationAdminsOnly,
    /// The directory does not place this project in the actor's organization (it knows it
    /// not at all, or in another organization: the two are not told apart).
    #[error("{0} is not a project of the actor's organization")]
    UnknownProject(Project),
}

/// Whether `actor` may create a subscription with `scope`.
///
/// # Errors
/// [`AccessDenied`] naming the rule that refused, or what the directory did not know.
pub fn authorize(actor: &Actor, scope: &Scope, directory: &impl Directory) -> Result<(), AccessDenied> {
    // The actor must be who and where they say: a stale session for a user since removed, or
    // moved to another organization or team, is refused.
    match directory.org_of_user(&actor.user) {
        None => return Err(AccessDenied::UnknownUser(actor.user.clone())),
        Some(org) if org != actor.org => return Err(AccessDenied::NotInOrganization(actor.org.clone())),
        Some(_) => {}
    }
    if let Some(team) = &actor.team
        && directory.team_of(&actor.user).as_ref() != Some(team)
    {
        return Err(AccessDenied::NotInTeam(team.clone()));
    }
    match scope {
        // A scope names the organization it is authorised in: only the actor's own.
        Scope::User { org, .. } | Scope::Team { org, .. } if *org != actor.org => {
            Err(AccessDenied::OutsideOrganization)
        }
        Scope::User { user, .. } => authorize_account(actor, user, directory),
        Scope::Team { team, .. } => authorize_team(actor, team, directory),
        Scope::Organization(org) => match actor.role {
            Role::OrgAdmin if *org == actor.org => Ok(()),
            Role::OrgAdmin => Err(AccessDenied::OutsideOrganization),
            _ => Err(AccessDenied::OrganizationAdminsOnly),
        },
        // Its events name no organization: only the organization's admins may take them, and
        // only for a project the directory places in their organization. A project unknown
        // and one of another organization are refused alike, after the role, so that a
        // refusal tells no one which projects exist elsewhere.
        Scope::Project { org, project } => match actor.role {
            Role::OrgAdmin if *org != actor.org => Err(AccessDenied::OutsideOrganization),
            Role::OrgAdmin if directory.owns_project(org, project) => Ok(()),
            Role::OrgAdmin => Err(AccessDenied::UnknownProject(project.clone())),
            _ => Err(AccessDenied::OrganizationAdminsOnly),
        },
    }
}

fn authorize_account(actor: &Actor, user: &UserId, directory: &impl Directory) -> Result<(), AccessDenied> {
    if *user == actor.user {
        return Ok(());
    }
    let org = directory.org_of_user(user).ok_or_else(|| AccessDenied::UnknownUser(user.clone()))?;
    match actor.role {
        Role::Member => Err(AccessDenied::OwnAccountOnly),
        _ if org != actor.org => Err(AccessDenied::OutsideOrganization),
        Role::OrgAdmin => Ok(()),
        Role::TeamAdmin => match (directory.team_of(user), &actor.team) {
            (Some(team), Some(own)) if team == *own => Ok(()),
            _ => Err(AccessDenied::AccountOutsideTeam),
        },
    }
}

fn authorize_team(actor: &Actor, team: &TeamId, directory: &impl Directory) -> Result<(), AccessDenied> {
    let org = directory.org_of_team(team).ok_or_else(|| AccessDenied::UnknownTeam(team.clone()))?;
    match actor.role {
        Role::Member => Err(AccessDenied::NotTeamAdmin),
        _ if org != actor.org => Err(AccessDenied::OutsideOrganization),
        Role::OrgAdmin => Ok(()),
        Role::TeamAdmin if actor.team.as_ref() == Some(team) => Ok(()),
        Role::TeamAdmin => Err(AccessDenied::NotTeamAdmin),
    }
}
