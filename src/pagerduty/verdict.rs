//! What a result says for paging: something is wrong, it is fine again, or neither yet.

use crate::event::{BuildStatus, EventOf, EventText, JobStatus};

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
    pub(crate) fn of<T: EventText>(event: &EventOf<T>) -> Self {
        match event {
            EventOf::Job(job) if job.is_failure() => Self::Failure,
            EventOf::Job(job) if matches!(job.status, JobStatus::Passed | JobStatus::Complete) => Self::Success,
            EventOf::VisualBuild(build) if build.is_failure() => Self::Failure,
            EventOf::VisualBuild(build) if matches!(build.status, BuildStatus::Approved | BuildStatus::Equal) => {
                Self::Success
            }
            EventOf::Concurrency(usage) if usage.is_saturated() => Self::Failure,
            EventOf::Concurrency(_) => Self::Success,
            EventOf::ApiTest(result) => Self::of_check(result.is_failure()),
            EventOf::ErrorGroup(_) => Self::Failure,
            EventOf::VisualRun(run) => Self::of_check(run.is_failure()),
            // A crash pages; nothing an app sends says it is fixed.
            EventOf::AppDistribution(app) if app.is_failure() => Self::Failure,
            EventOf::Job(_) | EventOf::VisualBuild(_) | EventOf::AppDistribution(_) | EventOf::Unknown(_) => {
                Self::Neither
            }
        }
    }

    pub(crate) fn of_check(failed: bool) -> Self {
        if failed { Self::Failure } else { Self::Success }
    }

    /// Whether a success can follow a failure of `event`'s kind and resolve it: not for an
    /// error group (each notification is a new group's) nor an app's crash (nothing an app
    /// sends says it is fixed).
    pub(crate) fn can_resolve<T: EventText>(event: &EventOf<T>) -> bool {
        !matches!(event, EventOf::ErrorGroup(_) | EventOf::AppDistribution(_))
    }
}
