//! Who an event belongs to: the one answer that matching, the router's index and the
//! incident keys all use.

use super::Event;
use crate::values::id::{OrgId, TeamId, UserId};

/// The user, teams and organization an event belongs to, as ids. A user has no concurrency
/// usage of their own, so a concurrency event has no user. An event without an organization
/// belongs to no scope: nothing proves whose user or team it is.
// Routing reads every owner; paging, only the organization and whether it is a project's.
#[cfg_attr(not(feature = "routing"), allow(dead_code))]
#[derive(Debug, Default)]
pub(crate) struct Owners<'e> {
    pub user: Option<&'e str>,
    /// A job's or a concurrency event's one team.
    team: Option<&'e str>,
    /// A visual build's teams, as the body lists them (repeats included).
    listed_teams: &'e [TeamId],
    pub organization: Option<&'e str>,
    /// The event, when it names no organization (a project's): its project is found only
    /// when a project's scope asks, so routing a job never builds one.
    pub event: Option<&'e Event<'e>>,
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
    #[cfg_attr(not(feature = "pagerduty"), allow(dead_code))]
    pub(crate) fn is_a_projects(&self) -> bool {
        self.event.is_some()
    }

    /// Every team the event belongs to, possibly with repeats.
    #[cfg_attr(not(feature = "routing"), allow(dead_code))]
    pub(crate) fn teams(&self) -> impl Iterator<Item = &'e str> + use<'e> {
        self.team.into_iter().chain(self.listed_teams.iter().map(TeamId::as_str))
    }
}
