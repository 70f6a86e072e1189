//! The Visual Testing "build completed" event.

use serde::{Deserialize, Deserializer, Serialize};

use super::lenient::{self, Word, open_enum};
use super::shape::{Fields, Shape};
use crate::id::{OrgId, TeamId, UserId};

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
    /// Whether this build counts as a failure: `Errored`, `Rejected` or `Unapproved`.
    pub fn is_failure(&self) -> bool {
        matches!(self.status, BuildStatus::Errored | BuildStatus::Rejected | BuildStatus::Unapproved)
    }

    /// Whether the build has finished: any status but `Queued` or `Running` (unknown ones
    /// included, since the sender calls the event "build completed").
    pub fn is_finished(&self) -> bool {
        !matches!(self.status, BuildStatus::Queued | BuildStatus::Running)
    }

    /// Builds the event from the body's keys; the error names a missing required key.
    pub(crate) fn from_fields(f: Fields) -> Result<Self, &'static str> {
        Ok(Self {
            org_id: f.org_id.ok_or("org_id")?.into(),
            user_id: f.user_id.ok_or("user_id")?.into(),
            team_ids: f.team_ids.into_iter().map(TeamId::from).collect(),
            creator_id: f.creator_id,
            build_id: f.build_id.ok_or("build_id")?,
            build_name: f.build_name.ok_or("build_name")?,
            build_url: f.build_url.ok_or("build_url")?,
            status: BuildStatus::from_wire(&f.status.ok_or("status")?),
            branch: f.branch,
            project: f.project,
            summary: f.summary.unwrap_or_default(),
            data_center: f.data_center.ok_or("data_center")?,
        })
    }
}

impl<'de> Deserialize<'de> for VisualBuild {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::read_object(d, |fields| Self::from_fields(fields).map_err(|field| Shape::VisualBuild.missing(field)))
    }
}

/// Number of snapshots in each state; a missing count is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildSummary {
    /// Snapshots that could not be compared.
    #[serde(deserialize_with = "lenient::u32_count")]
    pub errored: u32,
    /// Snapshots with changes a reviewer approved.
    #[serde(deserialize_with = "lenient::u32_count")]
    pub approved: u32,
    /// Snapshots equal to their baseline.
    #[serde(deserialize_with = "lenient::u32_count")]
    pub equal: u32,
    /// Snapshots with changes a reviewer rejected.
    #[serde(deserialize_with = "lenient::u32_count")]
    pub rejected: u32,
    /// Snapshots with changes awaiting review.
    #[serde(deserialize_with = "lenient::u32_count")]
    pub unapproved: u32,
    /// Snapshots still being compared.
    #[serde(deserialize_with = "lenient::u32_count")]
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
