//! A result of Sauce Labs API Testing, as its webhook connector sends it.

use serde::Serialize;
use time::OffsetDateTime;

use crate::support::time::serialize_optional_time;

/// One run of an API test, as the API Testing webhook connector posts it (Sauce API Testing >
/// project > Settings > Connector > Webhook). Its default template sends `eventId`,
/// `failuresCount`, `testName`, `testId`, `projectName`, `projectId` and `tags`; a user may
/// edit the template, so any of them but `eventId` may be missing, and the run's other
/// documented keys (`date`, `criticalFailures`, `httpFailures`, `warningsCount`,
/// `executionTimeSeconds`, `buildId`, `exception`) may be there too.
///
/// It carries no user, team or organization: only a subscription that names its project
/// receives it.
///
/// ```
/// use sauce_webhooks::Event;
///
/// let body = br#"{"eventId":"6634d3b2a1","failuresCount":2,"testName":"GET /orders",
///     "testId":"t-42","projectName":"Shop API","projectId":"p-7","tags":["smoke"]}"#;
/// let Event::ApiTest(result) = Event::from_slice(body)? else { unreachable!() };
/// assert!(result.is_failure());
/// assert_eq!(result.project_id.as_deref(), Some("p-7"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiTestResult {
    /// The run's id: what tells a delivery repeated from the next run.
    pub event_id: String,
    /// How many checks failed; a run with any is a failure. `None` when the template leaves
    /// it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures_count: Option<u64>,
    /// The test's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_name: Option<String>,
    /// The test's id: its identity across runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_id: Option<String>,
    /// The project's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    /// The project's id: who may receive the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The test's tags.
    pub tags: Vec<String>,
    /// When it ran (`date`, sent as epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_optional_time")]
    pub date: Option<OffsetDateTime>,
    /// Failures marked critical.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_failures: Option<u64>,
    /// Failures of HTTP calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_failures: Option<u64>,
    /// Warnings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings_count: Option<u64>,
    /// How long it ran, in seconds, as the sender wrote the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time_seconds: Option<String>,
    /// The build it ran in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    /// What went wrong, when the run stopped on an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
}

impl ApiTestResult {
    /// A run with the id `event_id` and nothing else; set the other fields on the result.
    pub fn new(event_id: impl Into<String>) -> Self {
        Self {
            event_id: event_id.into(),
            failures_count: None,
            test_name: None,
            test_id: None,
            project_name: None,
            project_id: None,
            tags: Vec::new(),
            date: None,
            critical_failures: None,
            http_failures: None,
            warnings_count: None,
            execution_time_seconds: None,
            build_id: None,
            exception: None,
        }
    }

    /// Whether the run failed: `failuresCount` above zero, or any critical or HTTP failure.
    /// A run whose template sends no count is not a failure: nothing says it is.
    pub fn is_failure(&self) -> bool {
        [self.failures_count, self.critical_failures, self.http_failures].into_iter().flatten().any(|count| count > 0)
    }

    /// The test's identity across runs: its id, or else its name.
    pub fn test(&self) -> Option<&str> {
        self.test_id.as_deref().or(self.test_name.as_deref())
    }
}
