//! Which result an event is: what tells it from every other result of its test, so that the
//! same result delivered twice is known again.

use time::OffsetDateTime;

use super::Event;

impl Event<'_> {
    /// Hands `write` the bytes that tell this result from another of its test (a job's or a
    /// build's id, a measure's time, a crash's message and time), in an order fixed for good
    /// (stored fingerprints are made of them); false, with `write` perhaps called already, for
    /// a result with neither an id nor a time of its own: a visual run without `start` or
    /// `end` (whose `url` is its group's dashboard, the same for every run), an app's crash or
    /// an error group without a time. Nothing tells such a result from the next one of its
    /// test, and what runs share (`url`, totals, message) would make a new failure look like
    /// a replay.
    pub(crate) fn identity(&self, write: &mut impl FnMut(&[u8])) -> bool {
        let nanos = |at: OffsetDateTime| at.unix_timestamp_nanos().to_le_bytes();
        match self {
            Self::Job(job) => write(job.id.as_bytes()),
            Self::VisualBuild(build) => write(build.build_id.as_bytes()),
            Self::Concurrency(usage) => write(&nanos(usage.timestamp)),
            Self::ApiTest(result) => write(result.event_id.as_bytes()),
            Self::AppDistribution(app) => {
                write(app.event.as_bytes());
                write(app.crash_message.as_deref().unwrap_or_default().as_bytes());
                let Some(at) = app.timestamp else { return false };
                write(&nanos(at));
            }
            Self::VisualRun(run) => {
                if run.start.is_none() && run.end.is_none() {
                    return false;
                }
                write(run.url.as_deref().unwrap_or_default().as_bytes());
                for at in [run.start, run.end] {
                    write(&at.map_or(0, OffsetDateTime::unix_timestamp_nanos).to_le_bytes());
                }
            }
            Self::ErrorGroup(group) => {
                write(group.fingerprint.as_bytes());
                let Some(at) = group.last_seen else { return false };
                write(&nanos(at));
            }
            Self::Unknown(_) => return false,
        }
        true
    }
}
