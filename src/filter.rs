//! Who gets an event: subscriptions by topic ("failed tests only" or "all tests") and scope
//! (a user, a team or a whole organization), as the Sauce Labs webhook settings offer them.
//!
//! ```
//! use sauce_webhooks::filter::{Outcomes, Scope, Subscription, Topic};
//! use sauce_webhooks::{Event, TeamId};
//!
//! let checkout_failures = Subscription::new(
//!     Scope::Team(TeamId::from("98b9f34e596047d99abba56f517846a9")),
//!     [Topic::VirtualDeviceJobs(Outcomes::FailedOnly), Topic::VisualBuildCompleted],
//! );
//! let event = Event::from_slice(br#"{"id":"j1","data_type":"vdc","status":"FAILED","creation_time":0,
//!     "team_id":"98b9f34e596047d99abba56f517846a9"}"#)?;
//! assert!(checkout_failures.matches(&event));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::id::{OrgId, TeamId, UserId};
use crate::{DataType, Event};

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

/// Whose events a subscription receives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scope {
    /// One user (or service account): their jobs and visual builds.
    User(UserId),
    /// One team: its members' jobs, visual builds of its members, its concurrency.
    Team(TeamId),
    /// A whole organization: everything in it.
    Organization(OrgId),
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
    fn iter(self) -> impl Iterator<Item = Topic> {
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
    pub(crate) fn accept(self, event: &Event) -> bool {
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

impl Scope {
    /// Whether `event` belongs to this scope, whatever its topic. A user has no concurrency
    /// usage of their own, so a user scope never takes a concurrency event.
    pub fn contains(&self, event: &Event) -> bool {
        match (self, event) {
            (Self::User(user), Event::Job(job)) => job.owner_id.as_ref() == Some(user),
            (Self::User(user), Event::VisualBuild(build)) => &build.user_id == user,
            (Self::Team(team), Event::Job(job)) => job.team_id.as_ref() == Some(team),
            (Self::Team(team), Event::VisualBuild(build)) => build.team_ids.contains(team),
            (Self::Team(team), Event::Concurrency(usage)) => {
                usage.team.as_ref().is_some_and(|usage| usage.id == team.as_str())
            }
            (Self::Organization(org), Event::Job(job)) => job.org_id.as_ref() == Some(org),
            (Self::Organization(org), Event::VisualBuild(build)) => &build.org_id == org,
            (Self::Organization(org), Event::Concurrency(usage)) => usage.organization.id == org.as_str(),
            _ => false,
        }
    }
}

/// One webhook configuration's filter: a scope and the topics it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    scope: Scope,
    topics: Topics,
}

impl Subscription {
    /// A subscription to `topics` within `scope`. Subscribing to both outcomes of a job topic
    /// is subscribing to `All` (and [`Subscription::topics`] then lists only `All`); with no
    /// topics it matches nothing.
    pub fn new(scope: Scope, topics: impl IntoIterator<Item = Topic>) -> Self {
        Self { scope, topics: topics.into_iter().collect() }
    }

    /// Whether `event` goes to this subscription: one of its topics takes it (job topics by
    /// data type, and "failed only" just the jobs that are failures; the visual-build topic
    /// takes every finished build, that is, not queued or running), and it lies within the
    /// scope. Unknown events, and jobs of a data type other than `vdc` and `rdc`, match nothing.
    pub fn matches(&self, event: &Event) -> bool {
        self.topics.accept(event) && self.scope.contains(event)
    }

    /// Whose events it receives.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The topics it receives.
    pub fn topics(&self) -> impl Iterator<Item = Topic> + '_ {
        self.topics.iter()
    }

    pub(crate) fn into_parts(self) -> (Scope, Topics) {
        (self.scope, self.topics)
    }

    pub(crate) fn from_parts(scope: Scope, topics: Topics) -> Self {
        Self { scope, topics }
    }
}

/// The serialized form: `{"scope": {"team": "…"}, "topics": [{"virtual_device_jobs": "failed_only"}, …]}`.
#[derive(Deserialize)]
struct SubscriptionWire {
    scope: Scope,
    topics: Vec<Topic>,
}

impl Serialize for Subscription {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            scope: &'a Scope,
            topics: Vec<Topic>,
        }
        Wire { scope: &self.scope, topics: self.topics().collect() }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Subscription {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = SubscriptionWire::deserialize(d)?;
        Ok(Self::new(wire.scope, wire.topics))
    }
}
