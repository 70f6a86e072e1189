//! A result from any tool, to page on like a job.

use time::OffsetDateTime;

use crate::values::id::OrgId;

/// A result from any tool (an API test, an uptime monitor), to page on like a job with
/// [`IncidentRules::alert_for_check`](super::IncidentRules::alert_for_check).
///
/// ```
/// use sauce_webhooks::pagerduty::CheckRun;
///
/// let mut check = CheckRun::new("GET /health", true);
/// check.summary = Some("503 Service Unavailable".into());
/// assert!(check.failed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CheckRun {
    /// The check's name: its identity across runs, within its organization.
    pub name: String,
    /// The organization the check is of, if the host follows several in one ledger: its
    /// incident key names it (`["check","acme","GET /health"]`), so that two organizations'
    /// checks of one name are two incidents. `None` keys it under no organization
    /// (`["check","","GET /health"]`).
    pub organization: Option<OrgId>,
    /// This run's own id, if the tool gives one: with the time, what tells a run delivered
    /// again from the next run.
    pub id: Option<String>,
    /// Whether this run failed.
    pub failed: bool,
    /// What went wrong (or right), for the alert's summary.
    pub summary: Option<String>,
    /// A link to the run's report.
    pub link: Option<String>,
    /// Tags, read for a severity as a job's are.
    pub tags: Vec<String>,
    /// When it ran.
    pub time: Option<OffsetDateTime>,
}

impl CheckRun {
    /// A run of the check `name` that failed or passed; set the other fields on the result.
    pub fn new(name: impl Into<String>, failed: bool) -> Self {
        Self { name: name.into(), failed, ..Self::default() }
    }
}
