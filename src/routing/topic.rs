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
    /// Results of Sauce API Testing runs, from its webhook connector.
    ApiTestResults(Outcomes),
    /// New groups of errors, from Error Reporting (each is a failure).
    ErrorGroups,
    /// Visual end-to-end test runs completed (failures: a screenshot rejected or changed).
    VisualRuns(Outcomes),
    /// App Distribution events (failures: crashes).
    AppDistribution(Outcomes),
}

impl Topic {
    /// Every topic, in declaration order: the choices of Sauce Labs' webhook settings.
    pub const ALL: [Self; 13] = [
        Self::VirtualDeviceJobs(Outcomes::FailedOnly),
        Self::VirtualDeviceJobs(Outcomes::All),
        Self::RealDeviceJobs(Outcomes::FailedOnly),
        Self::RealDeviceJobs(Outcomes::All),
        Self::VisualBuildCompleted,
        Self::ConcurrencyUsage,
        Self::ApiTestResults(Outcomes::FailedOnly),
        Self::ApiTestResults(Outcomes::All),
        Self::ErrorGroups,
        Self::VisualRuns(Outcomes::FailedOnly),
        Self::VisualRuns(Outcomes::All),
        Self::AppDistribution(Outcomes::FailedOnly),
        Self::AppDistribution(Outcomes::All),
    ];

    /// The topic that takes every result where this one takes failures only.
    fn all_outcomes(self) -> Self {
        match self {
            Self::VirtualDeviceJobs(_) => Self::VirtualDeviceJobs(Outcomes::All),
            Self::RealDeviceJobs(_) => Self::RealDeviceJobs(Outcomes::All),
            Self::ApiTestResults(_) => Self::ApiTestResults(Outcomes::All),
            Self::VisualRuns(_) => Self::VisualRuns(Outcomes::All),
            Self::AppDistribution(_) => Self::AppDistribution(Outcomes::All),
            other => other,
        }
    }
}

/// A set of topics in two bytes: each topic with outcomes has a bit for "failed only" and one
/// for "all", so a million subscriptions hold two million bytes of topics, not a million
/// vectors (three bits are left: the fourth topic after these makes it a `u32`). A new
/// topic needs its entry in [`Topic::ALL`], its bit here, and the events it takes in
/// [`Topics::matches`]; the unit test below fails until all three agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Topics(u16);

impl Topics {
    const VDC_FAILED: u16 = 1;
    const VDC_ALL: u16 = 1 << 1;
    const RDC_FAILED: u16 = 1 << 2;
    const RDC_ALL: u16 = 1 << 3;
    const VISUAL: u16 = 1 << 4;
    const CONCURRENCY: u16 = 1 << 5;
    const API_FAILED: u16 = 1 << 6;
    const API_ALL: u16 = 1 << 7;
    const ERROR_GROUPS: u16 = 1 << 8;
    const VISUAL_RUNS_FAILED: u16 = 1 << 9;
    const VISUAL_RUNS_ALL: u16 = 1 << 10;
    const APPS_FAILED: u16 = 1 << 11;
    const APPS_ALL: u16 = 1 << 12;

    fn bit(topic: Topic) -> u16 {
        match topic {
            Topic::VirtualDeviceJobs(Outcomes::FailedOnly) => Self::VDC_FAILED,
            Topic::VirtualDeviceJobs(Outcomes::All) => Self::VDC_ALL,
            Topic::RealDeviceJobs(Outcomes::FailedOnly) => Self::RDC_FAILED,
            Topic::RealDeviceJobs(Outcomes::All) => Self::RDC_ALL,
            Topic::VisualBuildCompleted => Self::VISUAL,
            Topic::ConcurrencyUsage => Self::CONCURRENCY,
            Topic::ApiTestResults(Outcomes::FailedOnly) => Self::API_FAILED,
            Topic::ApiTestResults(Outcomes::All) => Self::API_ALL,
            Topic::ErrorGroups => Self::ERROR_GROUPS,
            Topic::VisualRuns(Outcomes::FailedOnly) => Self::VISUAL_RUNS_FAILED,
            Topic::VisualRuns(Outcomes::All) => Self::VISUAL_RUNS_ALL,
            Topic::AppDistribution(Outcomes::FailedOnly) => Self::APPS_FAILED,
            Topic::AppDistribution(Outcomes::All) => Self::APPS_ALL,
        }
    }

    /// The topics, in declaration order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Topic> {
        Topic::ALL.into_iter().filter(move |topic| self.0 & Self::bit(*topic) != 0)
    }

    /// Whether any of these topics takes `event`, whoever it belongs to.
    pub(crate) fn matches(self, event: &Event<'_>) -> bool {
        let outcomes = |(failed, all): (u16, u16), failure: bool| if failure { failed | all } else { all };
        let wanted = match event {
            Event::Job(job) => {
                let bits = match job.data_type {
                    DataType::Vdc => (Self::VDC_FAILED, Self::VDC_ALL),
                    DataType::Rdc => (Self::RDC_FAILED, Self::RDC_ALL),
                    _ => return false,
                };
                outcomes(bits, job.is_failure())
            }
            Event::VisualBuild(build) if build.is_finished() => Self::VISUAL,
            Event::VisualBuild(_) | Event::Unknown(_) => return false,
            Event::Concurrency(_) => Self::CONCURRENCY,
            Event::ApiTest(result) => outcomes((Self::API_FAILED, Self::API_ALL), result.is_failure()),
            Event::ErrorGroup(_) => Self::ERROR_GROUPS,
            Event::VisualRun(run) => outcomes((Self::VISUAL_RUNS_FAILED, Self::VISUAL_RUNS_ALL), run.is_failure()),
            Event::AppDistribution(app) => outcomes((Self::APPS_FAILED, Self::APPS_ALL), app.is_failure()),
        };
        self.0 & wanted != 0
    }
}

impl FromIterator<Topic> for Topics {
    /// "All" takes in "failed only": a set holding both keeps just "all", so that two
    /// subscriptions receiving the same events are equal.
    fn from_iter<I: IntoIterator<Item = Topic>>(topics: I) -> Self {
        let bits = topics.into_iter().fold(0, |bits, topic| bits | Self::bit(topic));
        let covered = |topic: Topic| {
            let all = topic.all_outcomes();
            all != topic && bits & Self::bit(all) != 0
        };
        Self(
            Topic::ALL
                .into_iter()
                .filter(|topic| bits & Self::bit(*topic) != 0 && !covered(*topic))
                .fold(0, |set, topic| set | Self::bit(topic)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Outcomes, Topic, Topics};

    #[test]
    fn every_topic_is_listed_with_a_bit_of_its_own() {
        // Naming every variant here makes adding one a compile error until it is listed.
        let listed = |topic: Topic| match topic {
            Topic::VirtualDeviceJobs(_)
            | Topic::RealDeviceJobs(_)
            | Topic::VisualBuildCompleted
            | Topic::ConcurrencyUsage
            | Topic::ApiTestResults(_)
            | Topic::ErrorGroups
            | Topic::VisualRuns(_)
            | Topic::AppDistribution(_) => Topic::ALL.contains(&topic),
        };
        for outcomes in [Outcomes::FailedOnly, Outcomes::All] {
            assert!(listed(Topic::VirtualDeviceJobs(outcomes)) && listed(Topic::RealDeviceJobs(outcomes)));
            assert!(listed(Topic::ApiTestResults(outcomes)) && listed(Topic::VisualRuns(outcomes)));
            assert!(listed(Topic::AppDistribution(outcomes)));
        }
        assert!(listed(Topic::VisualBuildCompleted) && listed(Topic::ConcurrencyUsage) && listed(Topic::ErrorGroups));
        let bits: Vec<u16> = Topic::ALL.iter().map(|topic| Topics::bit(*topic)).collect();
        for (i, bit) in bits.iter().enumerate() {
            assert_eq!(bit.count_ones(), 1);
            assert!(!bits[..i].contains(bit), "{:?} shares a bit", Topic::ALL[i]);
            assert_eq!(Topics::from_iter([Topic::ALL[i]]).iter().collect::<Vec<_>>(), [Topic::ALL[i]]);
        }
    }
}
