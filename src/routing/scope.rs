//! Whose events a subscription receives, within the organization it was authorised in.

use serde::{Deserialize, Serialize};

use crate::id::{OrgId, TeamId, UserId};

/// Whose events a subscription receives. Every scope names the organization it was authorised
/// in, and takes only events that carry that organization's id: a team or user id that happens
/// to be the same text in another organization, or a user who has moved, never reaches it.
///
/// ```
/// use sauce_webhooks::routing::Scope;
///
/// let team = Scope::team("7fb25570b4064716b9b6daae1a846790", "98b9f34e596047d99abba56f517846a9");
/// assert_eq!(team.org().as_str(), "7fb25570b4064716b9b6daae1a846790");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scope {
    /// One user (or service account) of an organization: their jobs and visual builds.
    User {
        /// The organization the subscription was authorised in.
        org: OrgId,
        /// The user.
        user: UserId,
    },
    /// One team of an organization: its members' jobs, visual builds of its members, its
    /// concurrency.
    Team {
        /// The organization the subscription was authorised in.
        org: OrgId,
        /// The team.
        team: TeamId,
    },
    /// A whole organization: everything in it.
    Organization(OrgId),
    /// One Sauce API Testing project, by its id: its test results. They carry no user, team
    /// or organization, so nothing in them can prove whose they are: authorise such a
    /// subscription only for an organization you know owns the project.
    ApiTestingProject {
        /// The organization the subscription was authorised in.
        org: OrgId,
        /// The project's id (`projectId`).
        project: String,
    },
}

impl Scope {
    /// The user `user` of the organization `org`.
    pub fn user(org: impl Into<OrgId>, user: impl Into<UserId>) -> Self {
        Self::User { org: org.into(), user: user.into() }
    }

    /// The team `team` of the organization `org`.
    pub fn team(org: impl Into<OrgId>, team: impl Into<TeamId>) -> Self {
        Self::Team { org: org.into(), team: team.into() }
    }

    /// The whole organization `org`.
    pub fn organization(org: impl Into<OrgId>) -> Self {
        Self::Organization(org.into())
    }

    /// The API Testing project `project` of the organization `org`.
    pub fn api_testing_project(org: impl Into<OrgId>, project: impl Into<String>) -> Self {
        Self::ApiTestingProject { org: org.into(), project: project.into() }
    }

    /// The organization the scope lies in.
    pub fn org(&self) -> &OrgId {
        match self {
            Self::User { org, .. }
            | Self::Team { org, .. }
            | Self::Organization(org)
            | Self::ApiTestingProject { org, .. } => org,
        }
    }
}
