//! Fan-out: from one event to the keys of the subscriptions it matches, among millions.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use super::owners::Owners;
use super::scope::Scope;
use super::subscription::Subscription;
use super::topic::Topics;
use crate::event::Event;
use crate::id::{OrgId, TeamId, UserId};

/// Subscriptions indexed by scope, so that routing an event costs what the subscriptions of its
/// own user, teams and organization cost, not what all of them do.
///
/// `K` is whatever names a subscription in your storage: a database id, a URL, a `String`.
/// Subscriptions are bucketed by the user, team or organization they watch; an event looks up
/// only the buckets of its own user, teams and organization, then keeps the entries whose
/// topics take it. Ids are hashed with the standard library's DoS-resistant hasher, as they
/// come from the senders. Removing a subscription scans its bucket, so it costs what the
/// subscriptions of the same user, team or organization number. Each key is stored twice
/// (in its bucket and in the key index): prefer small keys, such as database ids, to URLs.
///
/// ```
/// use sauce_webhooks::routing::{Outcomes, Router, Scope, Subscription, Topic};
/// use sauce_webhooks::{Event, OrgId, UserId};
///
/// let mut router = Router::new();
/// router.insert("jane-failures", Subscription::new(
///     Scope::User(UserId::from("a1b2c3")), [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)]));
/// router.insert("org-everything", Subscription::new(
///     Scope::Organization(OrgId::from("7fb2")), [Topic::VirtualDeviceJobs(Outcomes::All)]));
/// router.insert("someone-else", Subscription::new(
///     Scope::User(UserId::from("ffff")), [Topic::VirtualDeviceJobs(Outcomes::All)]));
///
/// let event = Event::from_slice(br#"{"id":"j1","data_type":"vdc","status":"FAILED","creation_time":0,
///     "owner_id":"a1b2c3","org_id":"7fb2"}"#)?;
/// let mut keys: Vec<_> = router.route(&event).copied().collect();
/// keys.sort();
/// assert_eq!(keys, ["jane-failures", "org-everything"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Router<K> {
    /// Each key's scope, to find its bucket again on removal or replacement.
    scopes: HashMap<K, Scope>,
    users: HashMap<UserId, Vec<(K, Topics)>>,
    teams: HashMap<TeamId, Vec<(K, Topics)>>,
    organizations: HashMap<OrgId, Vec<(K, Topics)>>,
}

impl<K> Default for Router<K> {
    fn default() -> Self {
        Self { scopes: HashMap::new(), users: HashMap::new(), teams: HashMap::new(), organizations: HashMap::new() }
    }
}

impl<K> fmt::Debug for Router<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router").field("len", &self.scopes.len()).finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone> Router<K> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subscription under `key`, replacing (and returning) any it had.
    pub fn insert(&mut self, key: K, subscription: Subscription) -> Option<Subscription> {
        let replaced = self.remove(&key);
        let (scope, topics) = subscription.into_parts();
        let entry = (key.clone(), topics);
        match &scope {
            Scope::User(user) => self.users.entry(user.clone()).or_default().push(entry),
            Scope::Team(team) => self.teams.entry(team.clone()).or_default().push(entry),
            Scope::Organization(org) => self.organizations.entry(org.clone()).or_default().push(entry),
        }
        self.scopes.insert(key, scope);
        replaced
    }

    /// Removes the subscription under `key` and returns it.
    pub fn remove(&mut self, key: &K) -> Option<Subscription> {
        let scope = self.scopes.remove(key)?;
        let topics = match &scope {
            Scope::User(user) => take(&mut self.users, user, key),
            Scope::Team(team) => take(&mut self.teams, team, key),
            Scope::Organization(org) => take(&mut self.organizations, org, key),
        }?;
        Some(Subscription::from_parts(scope, topics))
    }

    /// How many subscriptions it holds.
    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// The keys of the subscriptions `event` matches (exactly those whose
    /// [`Subscription::matches`] is true), each once, in no particular order.
    pub fn route<'a>(&'a self, event: &'a Event) -> impl Iterator<Item = &'a K> + 'a {
        let owners = Owners::of(event);
        let users = owners.user.and_then(|user| self.users.get(user));
        let teams = distinct(owners.teams()).filter_map(|team| self.teams.get(team));
        let organizations = owners.organization.and_then(|org| self.organizations.get(org));
        users
            .into_iter()
            .chain(teams)
            .chain(organizations)
            .flatten()
            .filter(move |(_, topics)| topics.matches(event))
            .map(|(key, _)| key)
    }
}

/// The teams without repeats, so that each bucket is visited once, in O(n log n) however many
/// a body lists; a lone team (a job's) costs no allocation.
fn distinct<'e>(mut teams: impl Iterator<Item = &'e str>) -> impl Iterator<Item = &'e str> {
    let first = teams.next();
    let mut more: Vec<&str> = teams.collect();
    if !more.is_empty() {
        more.extend(first);
        more.sort_unstable();
        more.dedup();
    }
    let lone = if more.is_empty() { first } else { None };
    lone.into_iter().chain(more)
}

/// Removes `key`'s entry from the bucket of `id`, dropping the bucket once empty, and returns
/// the entry's topics.
fn take<I, K>(buckets: &mut HashMap<I, Vec<(K, Topics)>>, id: &I, key: &K) -> Option<Topics>
where
    I: Eq + Hash,
    K: Eq,
{
    let bucket = buckets.get_mut(id)?;
    let index = bucket.iter().position(|(k, _)| k == key)?;
    let (_, topics) = bucket.swap_remove(index);
    if bucket.is_empty() {
        buckets.remove(id);
    }
    Some(topics)
}
