//! Every key a Sauce Labs webhook body may carry, read in one pass, and the shape they reveal.
//!
//! Parsing into one flat set of keys first lets [`Event::from_slice`](super::Event::from_slice)
//! read the bytes once whatever the event kind, instead of trying each kind in turn or going
//! through `serde_json::Value`.

use serde::Deserialize;
use serde::de::IgnoredAny;
use time::OffsetDateTime;

use super::concurrency::ConcurrencyBody;
use super::job::{DataType, Visibility};
use super::lenient;
use super::rdc::{RdcOwnership, RdcPayload};
use super::visual::{BuildSummary, DataCenter};

/// The keys of all shapes: job (webhook and REST-API names), visual build, concurrency and
/// seed 001's raw RDC event. Absent keys are `None`; unknown keys are skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fields {
    #[serde(deserialize_with = "lenient::text")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::word")]
    pub data_type: Option<DataType>,
    /// Job or build status; which one depends on the shape.
    #[serde(deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub consolidated_status: Option<String>,
    #[serde(deserialize_with = "lenient::passed")]
    pub passed: Option<bool>,
    #[serde(deserialize_with = "lenient::time")]
    pub creation_time: Option<OffsetDateTime>,
    #[serde(deserialize_with = "lenient::time")]
    pub modification_time: Option<OffsetDateTime>,
    #[serde(deserialize_with = "lenient::text")]
    pub owner: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub owner_sauce: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub owner_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub org_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub team_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub team_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub group_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub browser_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub browser: Option<String>,
    #[serde(deserialize_with = "lenient::version")]
    pub browser_version: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub os_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub os: Option<String>,
    #[serde(deserialize_with = "lenient::version")]
    pub os_version: Option<String>,
    #[serde(deserialize_with = "lenient::optional_u64")]
    pub duration_sec: Option<u64>,
    #[serde(deserialize_with = "lenient::word")]
    pub visibility: Option<Visibility>,
    #[serde(deserialize_with = "super::job::public")]
    pub public: Option<Visibility>,
    #[serde(deserialize_with = "lenient::strings")]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub device: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub device_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub device_type: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub app: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub error: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub exception: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub commit_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub branch_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub build: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub automation_backend: Option<String>,

    #[serde(deserialize_with = "lenient::text")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "lenient::strings")]
    pub team_ids: Vec<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub creator_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub build_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub build_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub build_url: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub branch: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    pub project: Option<String>,
    pub summary: Option<BuildSummary>,
    #[serde(deserialize_with = "lenient::word")]
    pub data_center: Option<DataCenter>,

    pub concurrency: Option<ConcurrencyBody>,
    #[serde(deserialize_with = "lenient::time")]
    pub timestamp: Option<OffsetDateTime>,

    #[serde(rename = "eventPayload")]
    pub event_payload: Option<RdcPayload>,
    pub ownership: Option<RdcOwnership>,
}

/// Which kind of event a body is, told by the keys it has, in this order of precedence:
/// `concurrency`; `eventPayload`; `build_id`, `build_url` or `data_center` (a visual build);
/// `data_type`, `creation_time`, `modification_time` or `consolidated_status` (a job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Concurrency,
    RawRdc,
    VisualBuild,
    Job,
    Unknown,
}

/// The presence of each key that tells a shape, whatever its value.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ShapeKeys {
    concurrency: Option<IgnoredAny>,
    #[serde(rename = "eventPayload")]
    event_payload: Option<IgnoredAny>,
    build_id: Option<IgnoredAny>,
    build_url: Option<IgnoredAny>,
    data_center: Option<IgnoredAny>,
    data_type: Option<IgnoredAny>,
    creation_time: Option<IgnoredAny>,
    modification_time: Option<IgnoredAny>,
    consolidated_status: Option<IgnoredAny>,
}

impl ShapeKeys {
    pub(crate) fn shape(&self) -> Shape {
        if self.concurrency.is_some() {
            Shape::Concurrency
        } else if self.event_payload.is_some() {
            Shape::RawRdc
        } else if self.build_id.is_some() || self.build_url.is_some() || self.data_center.is_some() {
            Shape::VisualBuild
        } else if self.data_type.is_some()
            || self.creation_time.is_some()
            || self.modification_time.is_some()
            || self.consolidated_status.is_some()
        {
            Shape::Job
        } else {
            Shape::Unknown
        }
    }
}

impl Fields {
    /// The shape these keys reveal (see [`Shape`]). A key whose value was `null` or `""` counts
    /// as absent here, which only matters for bodies that are nothing but empty values.
    pub(crate) fn shape(&self) -> Shape {
        let present = |b: bool| b.then_some(IgnoredAny);
        ShapeKeys {
            concurrency: present(self.concurrency.is_some()),
            event_payload: present(self.event_payload.is_some()),
            build_id: present(self.build_id.is_some()),
            build_url: present(self.build_url.is_some()),
            data_center: present(self.data_center.is_some()),
            data_type: present(self.data_type.is_some()),
            creation_time: present(self.creation_time.is_some()),
            modification_time: present(self.modification_time.is_some()),
            consolidated_status: present(self.consolidated_status.is_some()),
        }
        .shape()
    }
}
