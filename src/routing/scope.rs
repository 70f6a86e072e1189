//! Whose events a subscription receives.

use serde::{Deserialize, Serialize};

use crate::id::{OrgId, TeamId, UserId};

/// Whose events a subscription receives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scope {
    /// One user (or service account): their jobs and visual builds.
    User(UserId),
    /// One team: its members' jobs, visual builds of its members, its concurrency.
    Team(TeamId),
    /// A whole organization: everything in it.
    Organization(OrgId),
}
