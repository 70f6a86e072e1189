//! A visual end-to-end test run completed (the Screener form of Sauce Labs Visual Testing).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::support::lenient::u32_count;
use crate::support::time::serialize_optional_time;

/// A visual end-to-end test run completed, as Sauce Labs Visual Testing's Screener form
/// sends it: a project and group, a resolution and environment, start and end, a link, and
/// the count of states of its screenshots.
///
/// A failure when any screenshot is rejected, or changed: a changed screenshot is an
/// unreviewed difference, as a visual build's unapproved snapshot is, which pages too.
///
/// It carries no user, team or organization: it reaches the subscriptions that name its
/// project (`routing::Project::VisualRuns`).
///
/// ```
/// use sauce_webhooks::Event;
///
/// let body = br#"{"project":"Shop","projectId":"sp-1","group":"Checkout","groupId":"g-9","name":"Checkout flow",
///     "resolution":"1280x1024","environment":"staging","start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:04:00Z",
///     "status":"complete","url":"https://screener.io/v2/dashboard/sp-1/Checkout",
///     "totals":{"new":0,"changed":0,"accepted":3,"rejected":1,"all":4}}"#;
/// let Event::VisualRun(run) = Event::from_slice(body)? else { unreachable!() };
/// assert!(run.is_failure());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VisualRun {
    /// The project's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The project's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The group's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The group's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The run's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The screen resolution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_optional_time")]
    pub start: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_optional_time")]
    pub end: Option<OffsetDateTime>,
    /// Its status (`complete`), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A link to the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its screenshots, by state.
    pub totals: RunTotals,
}

/// A visual run's screenshots by state; a missing count is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RunTotals {
    /// New screenshots, with no baseline.
    #[serde(deserialize_with = "u32_count")]
    pub new: u32,
    /// Screenshots that differ from their baseline, not reviewed.
    #[serde(deserialize_with = "u32_count")]
    pub changed: u32,
    /// Screenshots accepted.
    #[serde(deserialize_with = "u32_count")]
    pub accepted: u32,
    /// Screenshots rejected.
    #[serde(deserialize_with = "u32_count")]
    pub rejected: u32,
    /// Every screenshot.
    #[serde(deserialize_with = "u32_count")]
    pub all: u32,
}

impl VisualRun {
    /// A run with `totals` and nothing else; set the other fields on the result.
    pub fn new(totals: RunTotals) -> Self {
        Self {
            project: None,
            project_id: None,
            group: None,
            group_id: None,
            name: None,
            resolution: None,
            environment: None,
            start: None,
            end: None,
            status: None,
            url: None,
            totals,
        }
    }

    /// Whether any screenshot is rejected or changed (see the type's docs for why changed).
    pub fn is_failure(&self) -> bool {
        self.totals.rejected > 0 || self.totals.changed > 0
    }
}
