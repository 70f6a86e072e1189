//! Fan-out: from one event to the keys of the subscriptions it matches, among millions.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use super::project::Project;
use super::scope::Scope;
use super::subscription::Subscription;
use super::topic::Topics;
use crate::event::Event;
use crate::event::owners::Owners;
use crate::values::id::{OrgId, TeamId, UserId};

/// Subscriptions indexed by organization, then by user or team, so that routing an event costs
/// what the subscriptions of its own organization's user, teams and whole organization cost,
/// not what all of them do, and never looks outside its organization.
///
/// `K` is whatever names a subscription in your storage: a database id, a URL, a `String`.
/// An event looks up only its organization's index, then its user's and teams' buckets there,
/// and keeps the entries whose topics take it. Ids are hashed with the standard library's
/// DoS-resistant hasher, as they come from the senders. Removing a subscription scans its
/// bucket, so it costs what the subscriptions of the same user, team or organization number.
/// Each key is stored twice (in its bucket and in the key index): prefer small keys, such as
/// database ids, to URLs.
///
/// ```
/// use sauce_webhooks::routing::{Outcomes, Router, Scope, Subscription, Topic};
/// use sauce_webhooks::Event;
///
/// let mut router = Router::new();
/// router.insert("jane-failures", Subscription::new(
///     Scope::user("7fb2", "a1b2c3"), [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)]));
/// router.insert("org-everything", Subscription::new(
///     Scope::organization("7fb2"), [Topic::VirtualDeviceJobs(Outcomes::All)]));
/// router.insert("jane-elsewhere", Subscription::new(
///     Scope::user("0000", "a1b2c3"), [Topic::VirtualDeviceJobs(Outcomes::All)]));
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
    scopes: HashMap<K, KeptScope>,
    organizations: HashMap<OrgId, Organization<K>>,
    /// Subscriptions to projects, by the organization they were authorised in and the
    /// project: a project's events carry no organization, so they are routed only with the
    /// organization they were received for, and only to its subscriptions.
    projects: HashMap<(OrgId, Project), Vec<(K, Topics)>>,
}

/// A key's scope as the router keeps it: a project's boxed, so that the million keys of
/// users, teams and organizations do not each take the room of the largest scope (72 bytes
/// against 48, twice over in the map's spare slots).
#[derive(Clone)]
enum KeptScope {
    User(OrgId, UserId),
    Team(OrgId, TeamId),
    Organization(OrgId),
    Project(Box<(OrgId, Project)>),
}

impl From<Scope> for KeptScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::User { org, user } => Self::User(org, user),
            Scope::Team { org, team } => Self::Team(org, team),
            Scope::Organization(org) => Self::Organization(org),
            Scope::Project { org, project } => Self::Project(Box::new((org, project))),
        }
    }
}

impl From<KeptScope> for Scope {
    fn from(kept: KeptScope) -> Self {
        match kept {
            KeptScope::User(org, user) => Self::User { org, user },
            KeptScope::Team(org, team) => Self::Team { org, team },
            KeptScope::Organization(org) => Self::Organization(org),
            KeptScope::Project(project) => {
                let (org, project) = *project;
                Self::Project { org, project }
            }
        }
    }
}

/// The subscriptions of one organization.
#[derive(Clone)]
struct Organization<K> {
    whole: Vec<(K, Topics)>,
    users: HashMap<UserId, Vec<(K, Topics)>>,
    teams: HashMap<TeamId, Vec<(K, Topics)>>,
}

impl<K> Default for Organization<K> {
    fn default() -> Self {
        Self { whole: Vec::new(), users: HashMap::new(), teams: HashMap::new() }
    }
}

impl<K> Organization<K> {
    fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.users.is_empty() && self.teams.is_empty()
    }
}

impl<K> Default for Router<K> {
    fn default() -> Self {
        Self { scopes: HashMap::new(), organizations: HashMap::new(), projects: HashMap::new() }
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
        if let Scope::Project { org, project } = &scope {
            self.projects.entry((org.clone(), project.clone())).or_default().push(entry);
            self.scopes.insert(key, KeptScope::from(scope));
            return replaced;
        }
        let organization = self.organizations.entry(scope.org().clone()).or_default();
        match &scope {
            Scope::User { user, .. } => organization.users.entry(user.clone()).or_default().push(entry),
            Scope::Team { team, .. } => organization.teams.entry(team.clone()).or_default().push(entry),
            Scope::Organization(_) => organization.whole.push(entry),
            Scope::Project { .. } => unreachable!("indexed by project above"),
        }
        self.scopes.insert(key, KeptScope::from(scope));
        replaced
    }

    /// Removes the subscription under `key` and returns it.
    pub fn remove(&mut self, key: &K) -> Option<Subscription> {
        let scope = Scope::from(self.scopes.remove(key)?);
        if let Scope::Project { org, project } = &scope {
            let topics = take_from(&mut self.projects, &(org.clone(), project.clone()), key)?;
            return Some(Subscription::from_parts(scope, topics));
        }
        let organization = self.organizations.get_mut(scope.org())?;
        let topics = match &scope {
            Scope::User { user, .. } => take_from(&mut organization.users, user, key),
            Scope::Team { team, .. } => take_from(&mut organization.teams, team, key),
            Scope::Organization(_) => take(&mut organization.whole, key),
            Scope::Project { .. } => unreachable!("indexed by project above"),
        }?;
        if organization.is_empty() {
            self.organizations.remove(scope.org());
        }
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
    /// [`Subscription::matches`] is true), each once, in no particular order. A project's
    /// event (API Testing, Error Reporting, a visual run, App Distribution) goes to no one
    /// here: route it with [`route_for`](Self::route_for).
    pub fn route<'a>(&'a self, event: &'a Event<'a>) -> impl Iterator<Item = &'a K> + use<'a, K> {
        self.route_within(event, None)
    }

    /// The keys of the subscriptions that `event`, received on an endpoint or with a secret
    /// of the organization `received_for`, matches (exactly those whose
    /// [`Subscription::matches_for`] is true): only that organization's subscriptions, its
    /// project scopes included. Use it whenever you know whose endpoint or secret took the
    /// request: a body that names another organization then reaches no one, whoever wrote it.
    ///
    /// ```
    /// use sauce_webhooks::routing::{Outcomes, Project, Router, Scope, Subscription, Topic};
    /// use sauce_webhooks::{Event, OrgId};
    ///
    /// let mut router = Router::new();
    /// router.insert("acme-api-failures", Subscription::new(
    ///     Scope::project("acme", Project::api_testing("65a7c0ff")), [Topic::ApiTestResults(Outcomes::FailedOnly)]));
    /// let failed = Event::from_slice(br#"{"eventId":"e1","failuresCount":2,"projectId":"65a7c0ff","testName":"GET /orders"}"#)?;
    /// assert_eq!(router.route_for(&OrgId::from("acme"), &failed).collect::<Vec<_>>(), [&"acme-api-failures"]);
    /// assert_eq!(router.route_for(&OrgId::from("globex"), &failed).count(), 0);
    /// assert_eq!(router.route(&failed).count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn route_for<'a>(
        &'a self,
        received_for: &OrgId,
        event: &'a Event<'a>,
    ) -> impl Iterator<Item = &'a K> + use<'a, K> {
        self.route_within(event, Some(received_for))
    }

    fn route_within<'a>(
        &'a self,
        event: &'a Event<'a>,
        received_for: Option<&OrgId>,
    ) -> impl Iterator<Item = &'a K> + use<'a, K> {
        let owners = Owners::of(event);
        let organization = owners
            .organization
            .filter(|org| received_for.is_none_or(|received| received.as_str() == *org))
            .and_then(|org| self.organizations.get(org));
        let project = match (received_for, owners.event.and_then(Project::of)) {
            (Some(org), Some(project)) => self.projects.get(&(org.clone(), project)),
            _ => None,
        };
        organization
            .into_iter()
            .flat_map(move |organization| {
                let user = owners.user.and_then(|user| organization.users.get(user));
                let teams = distinct(owners.teams()).filter_map(|team| organization.teams.get(team));
                user.into_iter().chain(teams).chain([&organization.whole])
            })
            .chain(project)
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
fn take_from<I, K>(buckets: &mut HashMap<I, Vec<(K, Topics)>>, id: &I, key: &K) -> Option<Topics>
where
    I: Eq + Hash,
    K: Eq,
{
    let bucket = buckets.get_mut(id)?;
    let topics = take(bucket, key)?;
    if bucket.is_empty() {
        buckets.remove(id);
    }
    Some(topics)
}

/// Removes `key`'s entry from `bucket` and returns its topics.
fn take<K: Eq>(bucket: &mut Vec<(K, Topics)>, key: &K) -> Option<Topics> {
    let index = bucket.iter().position(|(k, _)| k == key)?;
    Some(bucket.swap_remove(index).1)
}
