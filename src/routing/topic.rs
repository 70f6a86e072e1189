//! What a subscription receives: the event types of Sauce Labs' webhook settings.

use serde::{Deserialize, Serialize};

use crate::event::{DataType, Event};

/// Which results of a job topic to deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcomes {
    /// Only failures ([`Job::is_failure`](crate::Job::is_failure)).
    FailedOnly,
    /// Every result.
    All,
}

/// What a subscription receives: the event types of the Sauce Labs webhook settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Topic {
    /// Jobs on desktop browsers, emulators and simulators (`data_type: vdc`).
    VirtualDeviceJobs(Outcomes),
    /// Jobs on real devices (`data_type: rdc`).
    RealDeviceJobs(Outcomes),
    /// A visual-testing build completed (any status but queued or running).
    VisualBuildCompleted,
    /// Concurrency usage of an organization or team changed.
    ConcurrencyUsage,
}

/// A set of topics in one byte: each job topic has a bit for "failed only" and one for "all",
/// so a million subscriptions hold a million bytes of topics, not a million vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Topics(u8);

impl Topics {
    const VDC_FAILED: u8 = 1;
    const VDC_ALL: u8 = 1 << 1;
    const RDC_FAILED: u8 = 1 << 2;
    const RDC_ALL: u8 = 1 << 3;
    const VISUAL: u8 = 1 << 4;
    const CONCURRENCY: u8 = 1 << 5;

    fn bit(topic: Topic) -> u8 {
        match topic {
            Topic::VirtualDeviceJobs(Outcomes::FailedOnly) => Self::VDC_FAILED,
            Topic::VirtualDeviceJobs(Outcomes::All) => Self::VDC_ALL,
            Topic::RealDeviceJobs(Outcomes::FailedOnly) => Self::RDC_FAILED,
            Topic::RealDeviceJobs(Outcomes::All) => Self::RDC_ALL,
            Topic::VisualBuildCompleted => Self::VISUAL,
            Topic::ConcurrencyUsage => Self::CONCURRENCY,
        }
    }

    /// The topics, in declaration order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Topic> {
        [
            Topic::VirtualDeviceJobs(Outcomes::FailedOnly),
            Topic::VirtualDeviceJobs(Outcomes::All),
            Topic::RealDeviceJobs(Outcomes::FailedOnly),
            Topic::RealDeviceJobs(Outcomes::All),
            Topic::VisualBuildCompleted,
            Topic::ConcurrencyUsage,
        ]
        .into_iter()
        .filter(move |topic| self.0 & Self::bit(*topic) != 0)
    }

    /// Whether any of these topics takes `event`, whoever it belongs to.
    pub(crate) fn matches(self, event: &Event) -> bool {
        let wanted = match event {
            Event::Job(job) => {
                let (failed, all) = match job.data_type {
                    DataType::Vdc => (Self::VDC_FAILED, Self::VDC_ALL),
                    DataType::Rdc => (Self::RDC_FAILED, Self::RDC_ALL),
                    _ => return false,
                };
                if job.is_failure() { failed | all } else { all }
            }
            Event::VisualBuild(build) if build.is_finished() => Self::VISUAL,
            Event::Concurrency(_) => Self::CONCURRENCY,
            _ => return false,
        };
        self.0 & wanted != 0
    }
}

impl FromIterator<Topic> for Topics {
    /// "All" takes in "failed only": a set holding both keeps just "all", so that two
    /// subscriptions receiving the same events are equal.
    fn from_iter<I: IntoIterator<Item = Topic>>(topics: I) -> Self {
        let mut bits = topics.into_iter().fold(0, |bits, topic| bits | Self::bit(topic));
        if bits & Self::VDC_ALL != 0 {
            bits &= !Self::VDC_FAILED;
        }
        if bits & Self::RDC_ALL != 0 {
            bits &= !Self::RDC_FAILED;
        }
        Self(bits)
    }
}
