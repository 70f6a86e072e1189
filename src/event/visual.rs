//! The Visual Testing "build completed" event.

use serde::{Deserialize, Serialize};

use crate::support::lenient::u32_count;
use crate::support::open_enum::open_enum;
use crate::values::id::{OrgId, TeamId, UserId};

/// A finished visual-testing build.
///
/// ```
/// use sauce_webhooks::{BuildStatus, DataCenter, Event};
///
/// let body = br#"{"org_id":"o1","user_id":"u1","team_ids":["t1"],"creator_id":"u1",
///     "build_id":"b1","build_name":"nightly","build_url":"https://app.saucelabs.com/visual/builds/b1",
///     "status":"UNAPPROVED","summary":{"unapproved":3,"equal":40},"data_center":"eu-central-1"}"#;
/// let Event::VisualBuild(build) = Event::from_slice(body)? else { unreachable!() };
/// assert_eq!(build.status, BuildStatus::Unapproved);
/// assert_eq!(build.data_center, DataCenter::EuCentral1);
/// assert_eq!(build.summary.unapproved, 3);
/// assert!(build.is_failure());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VisualBuild {
    /// The build owner's organization.
    pub org_id: OrgId,
    /// The build owner.
    pub user_id: UserId,
    /// The teams the build owner belongs to.
    pub team_ids: Vec<TeamId>,
    /// The id the sender puts in `creator_id` (documented as the owner's organization).
    pub creator_id: Option<String>,
    /// Sauce Labs' unique identifier of the build.
    pub build_id: String,
    /// The build's name.
    pub build_name: String,
    /// Link to the build in the Sauce Labs dashboard.
    pub build_url: String,
    /// The build's status.
    pub status: BuildStatus,
    /// Branch name, if given.
    pub branch: Option<String>,
    /// Project name, if given.
    pub project: Option<String>,
    /// Snapshot counts by status.
    pub summary: BuildSummary,
    /// Where the build ran.
    pub data_center: DataCenter,
}

impl VisualBuild {
    /// A build of the user `user_id` in the organization `org_id`, with no teams, branch or
    /// project, and an empty summary. Set the others on the result.
    ///
    /// ```
    /// use sauce_webhooks::{BuildStatus, DataCenter, VisualBuild};
    ///
    /// let build = VisualBuild::new(
    ///     "7fb25570b4064716b9b6daae1a846790",
    ///     "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    ///     "5b6a7c8d9e0f1a2b3c4d5e6f",
    ///     "nightly",
    ///     "https://app.saucelabs.com/visual/builds/b1",
    ///     BuildStatus::Rejected,
    ///     DataCenter::UsWest1,
    /// );
    /// assert!(build.is_failure());
    /// ```
    pub fn new(
        org_id: impl Into<OrgId>,
        user_id: impl Into<UserId>,
        build_id: impl Into<String>,
        build_name: impl Into<String>,
        build_url: impl Into<String>,
        status: BuildStatus,
        data_center: DataCenter,
    ) -> Self {
        Self {
            org_id: org_id.into(),
            user_id: user_id.into(),
            team_ids: Vec::new(),
            creator_id: None,
            build_id: build_id.into(),
            build_name: build_name.into(),
            build_url: build_url.into(),
            status,
            branch: None,
            project: None,
            summary: BuildSummary::default(),
            data_center,
        }
    }

    /// Whether this build counts as a failure: `Errored`, `Rejected` or `Unapproved`.
    pub fn is_failure(&self) -> bool {
        matches!(self.status, BuildStatus::Errored | BuildStatus::Rejected | BuildStatus::Unapproved)
    }

    /// Whether the build has finished: any status but `Queued` or `Running` (unknown ones
    /// included, since the sender calls the event "build completed").
    pub fn is_finished(&self) -> bool {
        !matches!(self.status, BuildStatus::Queued | BuildStatus::Running)
    }
}

/// Number of snapshots in each state; a missing count is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BuildSummary {
    /// Snapshots that could not be compared.
    #[serde(deserialize_with = "u32_count")]
    pub errored: u32,
    /// Snapshots with changes a reviewer approved.
    #[serde(deserialize_with = "u32_count")]
    pub approved: u32,
    /// Snapshots equal to their baseline.
    #[serde(deserialize_with = "u32_count")]
    pub equal: u32,
    /// Snapshots with changes a reviewer rejected.
    #[serde(deserialize_with = "u32_count")]
    pub rejected: u32,
    /// Snapshots with changes awaiting review.
    #[serde(deserialize_with = "u32_count")]
    pub unapproved: u32,
    /// Snapshots still being compared.
    #[serde(deserialize_with = "u32_count")]
    pub queued: u32,
}

open_enum! {
    /// Status of a visual build.
    pub enum BuildStatus {
        /// All changes approved.
        Approved = "APPROVED",
        /// No snapshots.
        Empty = "EMPTY",
        /// No changes against the baseline.
        Equal = "EQUAL",
        /// Comparison failed.
        Errored = "ERRORED" | "error",
        /// Waiting to run.
        Queued = "QUEUED",
        /// A reviewer rejected changes.
        Rejected = "REJECTED",
        /// Still comparing.
        Running = "RUNNING",
        /// Changes await review.
        Unapproved = "UNAPPROVED",
    }
}

open_enum! {
    /// The Sauce Labs data center (region) a build ran in.
    pub enum DataCenter {
        /// US West.
        UsWest1 = "us-west-1",
        /// US East (legacy).
        UsEast1 = "us-east-1",
        /// US East.
        UsEast4 = "us-east-4",
        /// Europe.
        EuCentral1 = "eu-central-1",
    }
}
