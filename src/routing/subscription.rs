//! One webhook configuration's filter: a scope and the topics it receives.

use serde::{Deserialize, Serialize};

use super::scope::Scope;
use super::topic::{Topic, Topics};
use super::within::within;
use crate::event::Event;
use crate::event::owners::Owners;
use crate::values::id::OrgId;

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
    /// scope. Unknown events, and jobs of a data type other than `vdc` and `rdc`, match nothing;
    /// nor does an event of a project ([`Scope::Project`]): nothing in it proves whose it is,
    /// so only [`matches_for`](Self::matches_for) can take one.
    pub fn matches(&self, event: &Event<'_>) -> bool {
        self.topics.matches(event) && within(&Owners::of(event), &self.scope, None)
    }

    /// Whether `event`, received on an endpoint or with a secret of the organization
    /// `received_for`, goes to this subscription: as [`matches`](Self::matches), and only if
    /// the subscription is of that organization, whose project scopes then take their
    /// projects' events.
    ///
    /// ```
    /// use sauce_webhooks::routing::{Outcomes, Project, Scope, Subscription, Topic};
    /// use sauce_webhooks::{Event, OrgId};
    ///
    /// let crashes = Subscription::new(Scope::project("acme", Project::app("Shop")), [Topic::AppDistribution(Outcomes::FailedOnly)]);
    /// let crash = Event::from_slice(br#"{"event":"crash","appName":"Shop","version":"1.4.2"}"#)?;
    /// assert!(crashes.matches_for(&OrgId::from("acme"), &crash));
    /// assert!(!crashes.matches_for(&OrgId::from("globex"), &crash), "another organization's app of the same name");
    /// assert!(!crashes.matches(&crash), "whose it is, nothing says");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches_for(&self, received_for: &OrgId, event: &Event<'_>) -> bool {
        self.topics.matches(event) && within(&Owners::of(event), &self.scope, Some(received_for))
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
