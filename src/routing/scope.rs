//! Whose events a subscription receives, within the organization it was authorised in.

use serde::{Deserialize, Serialize};

use super::project::Project;
use crate::values::id::{OrgId, TeamId, UserId};

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
    /// One project of a product whose webhooks carry no user, team or organization (API
    /// Testing, Error Reporting, visual end-to-end runs, App Distribution): its events. Nothing
    /// in them can prove whose they are, so authorise such a subscription only for an
    /// organization you know owns the project ([`Directory::owns_project`]).
    ///
    /// [`Directory::owns_project`]: crate::routing::access::Directory::owns_project
    Project {
        /// The organization the subscription was authorised in.
        org: OrgId,
        /// The project.
        project: Project,
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

    /// The project `project` of the organization `org`.
    ///
    /// ```
    /// use sauce_webhooks::routing::{Project, Scope};
    ///
    /// let scope = Scope::project("7fb25570b4064716b9b6daae1a846790", Project::api_testing("5f8d1c2e"));
    /// ```
    pub fn project(org: impl Into<OrgId>, project: Project) -> Self {
        Self::Project { org: org.into(), project }
    }

    /// The organization the scope lies in.
    pub fn org(&self) -> &OrgId {
        match self {
            Self::User { org, .. } | Self::Team { org, .. } | Self::Organization(org) | Self::Project { org, .. } => {
                org
            }
        }
    }
}
