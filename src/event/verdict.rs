//! What a result says for paging: something is wrong, it is fine again, or neither yet.

use crate::event::{BuildStatus, Event, JobStatus};

/// What a result says for paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Verdict {
    /// Page: a failed job or visual build, concurrency at its limit.
    Failure,
    /// What was paged for is fine again: a passed or completed job, an approved or equal
    /// build, concurrency below its limits.
    Success,
    /// Nothing to say yet: a job still running or queued, a build in progress or of another
    /// status, an unknown event.
    Neither,
}

impl Verdict {
    pub(crate) fn of(event: &Event<'_>) -> Self {
        match event {
            Event::Job(job) if job.is_failure() => Self::Failure,
            Event::Job(job) if matches!(job.status, JobStatus::Passed | JobStatus::Complete) => Self::Success,
            Event::VisualBuild(build) if build.is_failure() => Self::Failure,
            Event::VisualBuild(build) if matches!(build.status, BuildStatus::Approved | BuildStatus::Equal) => {
                Self::Success
            }
            Event::Concurrency(usage) if usage.is_saturated() => Self::Failure,
            Event::Concurrency(_) => Self::Success,
            Event::ApiTest(result) => Self::of_check(result.is_failure()),
            Event::ErrorGroup(_) => Self::Failure,
            Event::VisualRun(run) => Self::of_check(run.is_failure()),
            // A crash pages; nothing an app sends says it is fixed.
            Event::AppDistribution(app) if app.is_failure() => Self::Failure,
            Event::Job(_) | Event::VisualBuild(_) | Event::AppDistribution(_) | Event::Unknown(_) => Self::Neither,
        }
    }

    pub(crate) fn of_check(failed: bool) -> Self {
        if failed { Self::Failure } else { Self::Success }
    }

    /// Whether a success can follow a failure of `event`'s kind and resolve it: not for an
    /// error group (each notification is a new group's) nor an app's crash (nothing an app
    /// sends says it is fixed).
    pub(crate) fn can_resolve(event: &Event<'_>) -> bool {
        !matches!(event, Event::ErrorGroup(_) | Event::AppDistribution(_))
    }
}
