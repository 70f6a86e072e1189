//! The events Sauce Labs sends, as data with behaviour (which is a failure, which is finished).
//! How a body becomes one is the wire layer's business (`crate::wire`).

mod api_test;
mod app_distribution;
mod component_status;
mod concurrency;
mod error_group;
#[cfg(feature = "pagerduty")]
mod identity;
#[cfg(feature = "pagerduty")]
pub(crate) mod incident_key;
mod job;
#[cfg(any(feature = "routing", feature = "pagerduty"))]
pub(crate) mod owners;
#[cfg(feature = "pagerduty")]
pub(crate) mod verdict;
mod visual;
mod visual_run;

use serde::Serialize;
use time::OffsetDateTime;

use crate::values::raw_json::RawJson;

pub use api_test::ApiTestResult;
pub use app_distribution::{AppDistributionEvent, AppLinks};
pub use component_status::ComponentBuildStatus;
pub use concurrency::{Concurrency, ConcurrencyUsage, Slots};
pub use error_group::ErrorGroup;
pub use job::{DataType, Job, JobStatus, Visibility};
pub use visual::{BuildStatus, BuildSummary, DataCenter, VisualBuild};
pub use visual_run::{RunTotals, VisualRun};

/// One webhook event. Its job's texts are [`Text`](crate::Text)s: lent from the body it was parsed from
/// (`Event<'a>`, what [`Event::from_slice_borrowed`] gives) or owned (`Event<'static>`, what
/// [`Event::from_slice`] and [`into_owned`](Event::into_owned) give). Every API takes an
/// `&Event<'_>`, either. The other kinds are owned in both.
///
/// Read one with [`Event::from_slice`] (or [`Event::from_slice_batch`] when the sender may post
/// an array). The kind is told by the keys present (see the parsing rules,
/// [`guide::parsing`](crate::guide::parsing)); a body of no known kind is kept whole, as its
/// text, in [`Event::Unknown`]. Serializing writes the documented webhook shape, and parsing
/// that gives back an equal event.
///
/// ```
/// use sauce_webhooks::Event;
///
/// let event = Event::from_slice(br#"{"kind":"something-new","id":42}"#)?;
/// let Event::Unknown(json) = &event else { unreachable!() };
/// assert_eq!(json.to_value()?["kind"], "something-new");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
// A boxed `Job` would make every match on `Event::Job(job)` read worse to save a copy of a few
// hundred bytes, once per event.
#[allow(clippy::large_enum_variant)]
pub enum Event<'a> {
    /// A virtual- or real-device test job.
    Job(Job<'a>),
    /// Concurrency usage of an organization and team.
    Concurrency(Concurrency),
    /// A visual-testing build completed.
    VisualBuild(VisualBuild),
    /// A result of Sauce Labs API Testing, from its webhook connector.
    ApiTest(ApiTestResult),
    /// A new group of errors, from Sauce Labs Error Reporting.
    ErrorGroup(ErrorGroup),
    /// A visual end-to-end test run completed (the Screener form of Visual Testing).
    VisualRun(VisualRun),
    /// An App Distribution event: an upload, a download, a new device, a crash, feedback.
    AppDistribution(AppDistributionEvent),
    /// A JSON object of no kind this crate knows, kept whole as the sender wrote it.
    Unknown(RawJson),
}

impl Event<'_> {
    /// The event with owned texts, copying those it borrows: one to keep.
    pub fn into_owned(self) -> Event<'static> {
        match self {
            Self::Job(job) => Event::Job(job.into_owned()),
            Self::Concurrency(usage) => Event::Concurrency(usage),
            Self::VisualBuild(build) => Event::VisualBuild(build),
            Self::ApiTest(result) => Event::ApiTest(result),
            Self::ErrorGroup(group) => Event::ErrorGroup(group),
            Self::VisualRun(run) => Event::VisualRun(run),
            Self::AppDistribution(app) => Event::AppDistribution(app),
            Self::Unknown(json) => Event::Unknown(json),
        }
    }

    /// When what it reports happened, by the sender's clock, where the event says so in a way
    /// that orders it: a job's last change, a concurrency measure, an API Testing run's date,
    /// an error group's last error (the later of its pair, should a sender have it the wrong
    /// way round), a visual run's end. `None` for a visual build, which carries no time, and
    /// for an App Distribution event, whose time names no zone: read as UTC, a sender's local
    /// time east of UTC would lie in the future. The incident ledger orders results by it.
    ///
    /// ```
    /// use sauce_webhooks::Event;
    ///
    /// let job = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0,"modification_time":60}"#)?;
    /// assert_eq!(job.occurred_at().map(|at| at.unix_timestamp()), Some(60));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn occurred_at(&self) -> Option<OffsetDateTime> {
        match self {
            Self::Job(job) => Some(job.modification_time),
            Self::Concurrency(usage) => Some(usage.timestamp),
            Self::ApiTest(result) => result.date,
            Self::ErrorGroup(group) => group.last_seen.max(group.first_seen),
            Self::VisualRun(run) => run.end,
            Self::VisualBuild(_) | Self::AppDistribution(_) | Self::Unknown(_) => None,
        }
    }

    /// Whether the event reports something wrong: a failed job ([`Job::is_failure`]), a failed
    /// visual build ([`VisualBuild::is_failure`]), or concurrency at or over its allowed slots
    /// for the organization or the team ([`Concurrency::is_saturated`]), an API test run with
    /// failures ([`ApiTestResult::is_failure`]), a new group of errors (always), a visual run
    /// with rejected or changed screenshots ([`VisualRun::is_failure`]), an app's crash
    /// ([`AppDistributionEvent::is_failure`]). Unknown
    /// events are not failures.
    pub fn is_failure(&self) -> bool {
        match self {
            Self::Job(job) => job.is_failure(),
            Self::VisualBuild(build) => build.is_failure(),
            Self::Concurrency(usage) => usage.is_saturated(),
            Self::ApiTest(result) => result.is_failure(),
            Self::ErrorGroup(group) => group.is_failure(),
            Self::VisualRun(run) => run.is_failure(),
            Self::AppDistribution(app) => app.is_failure(),
            Self::Unknown(_) => false,
        }
    }

    /// The Visual Testing component build status an unknown event names
    /// ([`ComponentBuildStatus`]): Sauce Labs documents the names `build.status.error`,
    /// `build.status.failure` and `build.status.success` but no body, so the name is looked
    /// for in every string value of the body, at any depth. `None` for an event of a known
    /// kind, for a body that names none, and for one that names two different ones.
    ///
    /// ```
    /// use sauce_webhooks::{ComponentBuildStatus, Event};
    ///
    /// let event = Event::from_slice(br#"{"data":{"event":"build.status.success","storybook":"shop-ui"}}"#)?;
    /// assert_eq!(event.component_build_status(), Some(ComponentBuildStatus::Success));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn component_build_status(&self) -> Option<ComponentBuildStatus> {
        match self {
            Self::Unknown(json) => ComponentBuildStatus::named_in(json),
            _ => None,
        }
    }
}
