//! API Testing results from their keys.

use super::fields::{Fields, owned, owned_all};
use crate::event::ApiTestResult;

/// Builds an API Testing result from the body's keys; the error names a missing required key.
/// A `project` or `test` object a template forwards fills the name and id the default keys
/// leave out.
pub(crate) fn from_fields(f: Fields) -> Result<ApiTestResult, &'static str> {
    let (project, test) = (f.project.unwrap_or_default(), f.test.unwrap_or_default());
    let mut result = ApiTestResult::new(f.event_id.ok_or("eventId")?);
    result.failures_count = f.failures_count;
    result.test_name = f.test_name.or(test.name);
    result.test_id = f.test_id.or(test.id);
    result.project_name = f.project_name.or(project.name);
    result.project_id = f.project_id.or(project.id);
    result.tags = owned_all(f.tags);
    result.date = f.date;
    result.critical_failures = f.critical_failures;
    result.http_failures = f.http_failures;
    result.warnings_count = f.warnings_count;
    result.execution_time_seconds = f.execution_time_seconds;
    result.build_id = f.api_build_id;
    result.exception = owned(f.exception);
    Ok(result)
}
