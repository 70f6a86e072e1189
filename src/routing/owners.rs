//! Who an event belongs to: the one answer that both matching and the router's index use.

use super::project::Project;
use super::scope::Scope;
use crate::event::Event;
use crate::values::id::{OrgId, TeamId, UserId};

/// The user, teams and organization an event belongs to, as ids. A user has no concurrency
/// usage of their own, so a concurrency event has no user. An event without an organization
/// belongs to no scope: nothing proves whose user or team it is.
#[derive(Debug, Default)]
pub(crate) struct Owners<'e> {
    pub user: Option<&'e str>,
    /// A job's or a concurrency event's one team.
    team: Option<&'e str>,
    /// A visual build's teams, as the body lists them (repeats included).
    listed_teams: &'e [TeamId],
    pub organization: Option<&'e str>,
    /// The event, whose project (if it names no organization) is found only when a project's
    /// scope asks: routing a job never builds one.
    event: Option<&'e Event<'e>>,
}

impl<'e> Owners<'e> {
    pub(crate) fn of(event: &'e Event<'e>) -> Self {
        match event {
            Event::Job(job) => Self {
                user: job.owner_id.as_ref().map(UserId::as_str),
                team: job.team_id.as_ref().map(TeamId::as_str),
                organization: job.org_id.as_ref().map(OrgId::as_str),
                ..Self::default()
            },
            Event::VisualBuild(build) => Self {
                user: Some(build.user_id.as_str()),
                listed_teams: &build.team_ids,
                organization: Some(build.org_id.as_str()),
                ..Self::default()
            },
            Event::Concurrency(usage) => Self {
                team: usage.team.as_ref().map(|team| team.id.as_str()),
                organization: Some(usage.organization.id.as_str()),
                ..Self::default()
            },
            Event::ApiTest(_) | Event::ErrorGroup(_) | Event::VisualRun(_) | Event::AppDistribution(_) => {
                Self { event: Some(event), ..Self::default() }
            }
            Event::Unknown(_) => Self::default(),
        }
    }

    /// Whether the event is a project's (API Testing, Error Reporting, a visual run, App
    /// Distribution): of a kind that names no user, team or organization.
    #[cfg(feature = "pagerduty")]
    pub(crate) fn is_a_projects(&self) -> bool {
        self.event.is_some()
    }

    /// The project of an event that names no organization.
    pub(crate) fn project(&self) -> Option<Project> {
        self.event.and_then(Project::of)
    }

    /// Every team the event belongs to, possibly with repeats.
    pub(crate) fn teams(&self) -> impl Iterator<Item = &'e str> + use<'e> {
        self.team.into_iter().chain(self.listed_teams.iter().map(TeamId::as_str))
    }

    /// Whether the event lies within `scope`: in its organization, and its user's or team's;
    /// or, for a project's scope, in that project. `received_for` is the organization whose
    /// endpoint or secret the event came through, when the host knows it: then only scopes
    /// of that organization take the event, and only then can a project's scope, since
    /// nothing in a project's event proves whose it is.
    pub(crate) fn within(&self, scope: &Scope, received_for: Option<&OrgId>) -> bool {
        if received_for.is_some_and(|org| org != scope.org()) {
            return false;
        }
        if let Scope::Project { project, .. } = scope {
            return received_for.is_some() && self.project().as_ref() == Some(project);
        }
        self.organization == Some(scope.org().as_str())
            && match scope {
                Scope::User { user, .. } => self.user == Some(user.as_str()),
                Scope::Team { team, .. } => self.teams().any(|owner| owner == team.as_str()),
                Scope::Organization(_) => true,
                Scope::Project { .. } => false,
            }
    }
}
