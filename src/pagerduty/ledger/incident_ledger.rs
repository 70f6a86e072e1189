//! The ledger: incident rules with a memory, so that a stream of results pages once and
//! resolves once per incident.

use std::borrow::Cow;
use std::fmt;

use time::{Duration, OffsetDateTime};

use super::super::check_run::CheckRun;
use super::super::dedup::{self, Unowned};
use super::super::dedup_key;
use super::super::rules::IncidentRules;
use super::error::LedgerError;
use super::fingerprint::{Fingerprint, FingerprintHasher};
use super::flakiness::{Announcement, Flakiness};
use super::granularity::Granularity;
use super::state::{Decision, IncidentState, Observation, Policy, Skip, Step, advance, close};
use super::store::{IncidentStore, MemoryIncidentStore};
use crate::event::Event;
use crate::event::verdict::Verdict;
use crate::values::id::OrgId;

/// [`IncidentRules`] with a memory: over a stream of results, it pages once and resolves once
/// per incident, whatever repeats or arrives out of order.
///
/// - A failure of a key with no open incident triggers (after `N` failures in a row, 1 by
///   default); while the incident is open, further failures send nothing (unless a repage
///   interval is set and has passed).
/// - A success resolves only an open incident (after `M` successes in a row, 1 by default);
///   the success of a key never opened sends nothing. Auto-resolve can be turned off: the
///   incident then closes quietly.
/// - A result older than the latest one applied to its key (by the event's own time: a job's
///   `modification_time`, a check's time) changes nothing, and neither does a repeated delivery
///   of one of the key's latest 64 results (by its id: a job's, a build's, an API Testing
///   run's). A result dated further ahead of `now` than the clock skew allows (5 minutes by
///   default) changes nothing either: taken as it is, it would make every real result after it
///   look stale. Results without a time of their own (visual builds, API Testing runs without a
///   date, checks without one) are taken in the order they arrive: only their ids, remembered
///   for the key's latest 64 results, tell a replay from a new result, so a replay within that
///   window never pages again nor resolves what a newer failure opened. A result with neither
///   an id nor a time (a visual run without `start` and `end`, an app's crash or an error
///   group without a time) counts anew at every delivery: a replay of it may page again,
///   where anything else it could be told by (its group's dashboard link, its totals) would
///   make the next real failure look like a replay and lose its page.
/// - An error group or an app's crash is a failure that no success follows: someone resolves
///   its incident in PagerDuty. Tell the ledger with [`resolve`](Self::resolve) (a PagerDuty
///   v3 webhook says when); failing that, a failure of its key a day after its page pages
///   again ([`with_unresolved_repage_after`](Self::with_unresolved_repage_after)), and
///   [`MemoryIncidentStore::prune`] forgets it like a closed one. Any incident can be
///   resolved by hand so.
/// - What counts as one incident is yours to choose ([`Granularity`]). Every key names an
///   organization: an event that names none (API Testing, Error Reporting, a visual run, App
///   Distribution: a project's) is followed under the organization it was received for,
///   with [`apply_for`](Self::apply_for), as it is routed with
///   [`Router::route_for`](crate::Router::route_for); [`apply`](Self::apply) leaves it
///   unfollowed ([`Skip::NoOrganization`]), since nothing in it tells acme's app "Shop" from
///   globex's.
///
/// **Which call**: [`apply_for`](Self::apply_for), with the Sauce Labs organization whose
/// webhook endpoint (and secret) took the request: its id, as jobs carry it in `org_id` (32
/// hex digits, `7fb25570b4064716b9b6daae1a846790`; the examples here write `acme`). A receiver
/// of one organization passes a constant of its configuration; one of several, the
/// organization each endpoint or secret belongs to. [`apply`](Self::apply) suits a receiver of
/// jobs, visual builds and concurrency only, which name their organization: it pages no
/// project's event. Switching jobs without an `org_id` from `apply` to `apply_for` moves them
/// from `["job","",…]` keys to `["job","<org>",…]` ones: resolve what stays open under the old
/// keys with [`resolve`](Self::resolve).
///
/// The ids of a key's latest 64 results tell a replay from a new result; past them, a result
/// without a time of its own is taken as new: see [`Skip::Duplicate`] for what that allows,
/// and what to do.
///
/// It reads no clock and does no I/O: `now` is an argument, and the states live in an
/// [`IncidentStore`] (in memory by default; over your database to share them between
/// receivers, which then never both trigger or both resolve). **The state changes when the
/// ledger answers**: deliver every [`Decision::Send`] at least once (an outbox does that), or
/// the ledger will believe PagerDuty knows what it does not.
///
/// ```
/// use sauce_webhooks::pagerduty::{Action, Decision, IncidentLedger, IncidentRules, RoutingKey, Skip};
/// use sauce_webhooks::time::OffsetDateTime;
/// use sauce_webhooks::Event;
///
/// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
/// let ledger = IncidentLedger::new(rules);
/// // A run of the test "checkout works", ending at `minute` past 10:00.
/// let run = |id: &str, status: &str, minute: u8| {
///     let body = format!(r#"{{"id":"{id}","status":"{status}","name":"checkout works","org_id":"acme",
///         "creation_time":"2024-05-01T10:00:00Z","modification_time":"2024-05-01T10:{minute:02}:00Z"}}"#);
///     Event::from_slice(body.as_bytes())
/// };
/// let now = OffsetDateTime::now_utc(); // the host's clock, for repaging, pruning and clock skew
///
/// let Decision::Send(trigger) = ledger.apply(&run("r1", "FAILED", 1)?, now)? else { panic!() };
/// assert_eq!(trigger.action(), Action::Trigger);
/// // The same failure delivered again, and the next failure while it is open: nothing.
/// assert_eq!(ledger.apply(&run("r1", "FAILED", 1)?, now)?, Decision::Skip(Skip::Duplicate));
/// assert_eq!(ledger.apply(&run("r2", "FAILED", 5)?, now)?, Decision::Skip(Skip::AlreadyOpen));
/// // The next success resolves it, once; an older success arriving late changes nothing.
/// let Decision::Send(resolve) = ledger.apply(&run("r3", "PASSED", 10)?, now)? else { panic!() };
/// assert_eq!((resolve.action(), resolve.dedup_key()), (Action::Resolve, trigger.dedup_key()));
/// assert_eq!(ledger.apply(&run("r0", "PASSED", 0)?, now)?, Decision::Skip(Skip::Stale));
/// assert_eq!(ledger.apply(&run("r4", "PASSED", 11)?, now)?, Decision::Skip(Skip::NothingOpen));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct IncidentLedger<S = MemoryIncidentStore> {
    rules: IncidentRules,
    /// What starts every store key: the routing key's short hash, so that ledgers paging
    /// several PagerDuty services can share one store.
    namespace: String,
    store: S,
    policy: Policy,
    granularity: Granularity,
}

impl<S> fmt::Debug for IncidentLedger<S> {
    /// The rules and policy; not the store's states.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncidentLedger")
            .field("rules", &self.rules)
            .field("policy", &self.policy)
            .field("granularity", &self.granularity)
            .finish_non_exhaustive()
    }
}

impl IncidentLedger {
    /// A ledger over `rules`, keeping its states in memory: page after one failure, resolve
    /// after one success, per test.
    pub fn new(rules: IncidentRules) -> Self {
        Self {
            namespace: format!("{}:", rules.routing_key().short_hash()),
            rules,
            store: MemoryIncidentStore::new(),
            policy: Policy::default(),
            granularity: Granularity::default(),
        }
    }
}

impl<S: IncidentStore> IncidentLedger<S> {
    /// Keeps the states in `store` instead.
    #[must_use]
    pub fn with_store<T: IncidentStore>(self, store: T) -> IncidentLedger<T> {
        let Self { rules, namespace, policy, granularity, .. } = self;
        IncidentLedger { rules, namespace, store, policy, granularity }
    }

    /// Pages only after `failures` failures in a row (1 at least, and by default).
    #[must_use]
    pub fn with_failures_to_page(mut self, failures: u32) -> Self {
        self.policy.failures_to_page = failures.max(1);
        self
    }

    /// Resolves only after `successes` successes in a row (1 at least, and by default).
    #[must_use]
    pub fn with_successes_to_resolve(mut self, successes: u32) -> Self {
        self.policy.successes_to_resolve = successes.max(1);
        self
    }

    /// Whether successes send a resolve (on by default). Off, an incident closes quietly, to
    /// be resolved by hand in PagerDuty, and the next failure pages again.
    #[must_use]
    pub fn with_auto_resolve(mut self, on: bool) -> Self {
        self.policy.auto_resolve = on;
        self
    }

    /// Pages an open incident again on a failure that arrives `interval` or more after it was
    /// last paged, by the host's clock (never, by default). PagerDuty adds the trigger to the
    /// open alert. An interval under a minute counts as a minute: shorter, repeated failures
    /// would spend PagerDuty's 120 events a minute.
    #[must_use]
    pub fn with_repage_after(mut self, interval: Duration) -> Self {
        self.policy.repage_after = Some(interval.max(Duration::MINUTE));
        self
    }

    /// Pages an open incident that no result resolves (an error group, an app's crash: no
    /// success follows them) again on a failure that arrives `interval` or more after it was
    /// last paged, by the host's clock (a day by default, a minute at least). Someone resolves
    /// those in PagerDuty, which the ledger does not see unless you tell it
    /// ([`resolve`](Self::resolve)); without this, further crashes of a version, or the
    /// group notified again, would be skipped as already open for good.
    #[must_use]
    pub fn with_unresolved_repage_after(mut self, interval: Duration) -> Self {
        self.policy.unresolved_repage_after = interval.max(Duration::MINUTE);
        self
    }

    /// How far ahead of `now` a result's own time may be (5 minutes by default, and never
    /// less than zero): the sender's clock and the host's differ a little. A result dated
    /// further ahead is skipped ([`Skip::FromTheFuture`]).
    #[must_use]
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.policy.clock_skew = skew.max(Duration::ZERO);
        self
    }

    /// Tells flaky tests from broken ones ([`Flakiness`]): the ledger keeps each key's last 32
    /// results, pages only a broken test (and resolves it at its next pass), announces a flaky
    /// one once per window, never a flip, and records a quarantined one without paging it.
    /// Off by default: every failure of a key with no open incident pages (after
    /// [`with_failures_to_page`](Self::with_failures_to_page), which this replaces).
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{Decision, Flakiness, IncidentLedger, IncidentRules, RoutingKey, Skip};
    /// use sauce_webhooks::time::OffsetDateTime;
    /// use sauce_webhooks::Event;
    ///
    /// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
    /// let ledger = IncidentLedger::new(rules).with_flakiness(Flakiness::default());
    /// let run = |n: u32, status: &str| Event::from_slice(format!(r#"{{"id":"r{n}","status":"{status}",
    ///     "name":"checkout works","org_id":"acme","creation_time":0,"modification_time":{n}}}"#).as_bytes());
    /// let now = OffsetDateTime::now_utc();
    /// // One failure of a test that passes pages nobody; the third in a row does.
    /// assert!(matches!(ledger.apply(&run(1, "PASSED")?, now)?, Decision::Skip(Skip::NothingOpen)));
    /// assert!(matches!(ledger.apply(&run(2, "FAILED")?, now)?, Decision::Skip(Skip::FailuresBelowThreshold { .. })));
    /// assert!(matches!(ledger.apply(&run(3, "FAILED")?, now)?, Decision::Skip(_)));
    /// let Decision::Send(page) = ledger.apply(&run(4, "FAILED")?, now)? else { panic!("broken") };
    /// assert!(String::from_utf8(page.body()?)?.contains(r#""verdicts":"PFFF""#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_flakiness(mut self, flakiness: Flakiness) -> Self {
        self.policy.flakiness = Some(flakiness);
        self
    }

    fn announcement(&self) -> Announcement {
        self.policy.flakiness.as_ref().map_or(Announcement::Alert, Flakiness::announcement)
    }

    /// The flakiness rules, when set ([`with_flakiness`](Self::with_flakiness)).
    pub fn flakiness(&self) -> Option<&Flakiness> {
        self.policy.flakiness.as_ref()
    }

    /// What counts as one incident ([`Granularity::Test`] by default).
    #[must_use]
    pub fn with_granularity(mut self, granularity: Granularity) -> Self {
        self.granularity = granularity;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The key under which the store keeps `event`'s incident, if it is followed: the routing
    /// key's short hash, `:`, and the alert's dedup key (`3f2a…:["job","acme","vdc","checkout"]`).
    /// `None` for an event that names no organization: see [`key_for`](Self::key_for).
    pub fn key_of(&self, event: &Event<'_>) -> Option<String> {
        self.stored_key(event, dedup::organization(event, None).ok()?)
    }

    /// What the ledger knows of the incident an alert with `dedup_key` is about: whether it is
    /// open, its failures and successes in a row; `None` for one it never followed (or pruned).
    /// For a host deciding whether an alert it could not deliver then still says what is
    /// true: a trigger of an incident closed since, or a resolve of one open again since, is
    /// stale.
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
    /// use sauce_webhooks::time::OffsetDateTime;
    /// use sauce_webhooks::Event;
    ///
    /// let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?));
    /// let failed = Event::from_slice(br#"{"id":"r1","status":"FAILED","creation_time":0,"name":"checkout"}"#)?;
    /// let Decision::Send(trigger) = ledger.apply(&failed, OffsetDateTime::now_utc())? else { panic!() };
    /// assert!(ledger.incident(trigger.dedup_key().unwrap())?.unwrap().is_open());
    /// assert_eq!(ledger.incident("no such key")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`LedgerError::Store`] when the store fails.
    pub fn incident(&self, dedup_key: &str) -> Result<Option<IncidentState>, LedgerError<S::Error>> {
        let stored = self.store.load(&self.stored(dedup_key)).map_err(LedgerError::Store)?;
        Ok(stored.map(|stored| stored.state))
    }

    /// Closes the incident with `dedup_key` by hand, and gives the resolve to send:
    /// [`Decision::Send`] of a resolve when it was open, [`Skip::NothingOpen`] when not (or
    /// never followed). For what no result closes: an error group or an app's crash, whose
    /// incidents someone resolves in PagerDuty. When PagerDuty tells you (a v3 webhook
    /// `incident.resolved`, whose incident's
    /// [`incident_key`](super::super::webhook::Incident::incident_key) is the dedup key), call
    /// this; the resolve it gives may then be dropped, or sent all the same (PagerDuty ignores
    /// a resolve of a resolved alert). The next failure of the key pages again; a replay of
    /// the failure that opened it does not. Any incident can be closed so, an old key's too
    /// (after keys changed, say).
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{Action, Decision, IncidentLedger, IncidentRules, RoutingKey, Skip};
    /// use sauce_webhooks::time::OffsetDateTime;
    /// use sauce_webhooks::{Event, OrgId};
    ///
    /// let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?));
    /// let (acme, now) = (OrgId::from("acme"), OffsetDateTime::now_utc());
    /// let group = |last: i64| Event::from_slice(format!(r#"{{"universe":"acme","project":"checkout-service",
    ///     "fingerprint":"8a3c9e1f","timestamp":[1714557600,{last}]}}"#).as_bytes());
    /// let Decision::Send(page) = ledger.apply_for(&acme, &group(1714561200)?, now)? else { panic!() };
    /// assert_eq!(ledger.apply_for(&acme, &group(1714561300)?, now)?, Decision::Skip(Skip::AlreadyOpen));
    ///
    /// // Someone resolved it in PagerDuty; the webhook says so.
    /// let Decision::Send(resolve) = ledger.resolve(page.dedup_key().unwrap(), now)? else { panic!() };
    /// assert_eq!(resolve.action(), Action::Resolve);
    /// assert!(matches!(ledger.apply_for(&acme, &group(1714561400)?, now)?, Decision::Send(_)), "pages again");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn resolve(&self, dedup_key: &str, now: OffsetDateTime) -> Result<Decision, LedgerError<S::Error>> {
        let mut step = Step::Skip(Skip::NothingOpen);
        self.store.update(&self.stored(dedup_key), &mut |state| {
            let next;
            (next, step) = close(state, now);
            next
        })?;
        Ok(step.decide(|_| None, |_| None, || self.rules.resolve(dedup_key::bounded(dedup_key))))
    }

    /// The key under which the store keeps the incident of `event`, received for the
    /// organization `received_for`, if it is followed: as [`key_of`](Self::key_of), with
    /// `received_for` in the key of an event that names no organization; `None` for an event
    /// that names another organization.
    pub fn key_for(&self, received_for: &OrgId, event: &Event<'_>) -> Option<String> {
        self.stored_key(event, dedup::organization(event, Some(received_for)).ok()?)
    }

    /// The store key of `event` in the organization `org`, written in one allocation; the
    /// dedup key is what follows the namespace.
    fn stored_key(&self, event: &Event<'_>, org: Option<&str>) -> Option<String> {
        let mut key = String::with_capacity(self.namespace.len() + 64);
        key.push_str(&self.namespace);
        if !self.granularity.write_key(&mut key, event, org) {
            return None;
        }
        // Bounded as PagerDuty bounds it, so that a long test name cannot make a long key.
        if let Cow::Owned(shorter) = dedup_key::bounded(&key[self.namespace.len()..]) {
            key.truncate(self.namespace.len());
            key.push_str(&shorter);
        }
        Some(key)
    }

    /// The namespace and `dedup_key`, bounded.
    fn stored(&self, dedup_key: &str) -> String {
        [self.namespace.as_str(), &dedup_key::bounded(dedup_key)].concat()
    }

    /// Applies `event`, received at `now`, and says what to send.
    ///
    /// Every kind of event goes through the same rules as [`IncidentRules::alert_for`]: a
    /// `COMPLETE` job without a verdict counts as a success. An event that names no
    /// organization (a project's) is not followed here ([`Skip::NoOrganization`]): apply it
    /// with [`apply_for`](Self::apply_for).
    ///
    /// # Errors
    /// [`LedgerError::Store`] when the store fails, [`LedgerError::Contention`] when other
    /// writers kept changing the key. Nothing is to be sent then; the result can be applied
    /// again. If the store failed after its write took (a database answering a timeout for a
    /// write it made), the next delivery of the result is a [`Skip::Duplicate`] and what it
    /// called for is lost: keep the state and the message to send in one transaction (an
    /// outbox in the same database) where that matters.
    pub fn apply(&self, event: &Event<'_>, now: OffsetDateTime) -> Result<Decision, LedgerError<S::Error>> {
        self.apply_within(event, None, now)
    }

    /// Applies `event`, received at `now` on an endpoint or with a secret of the organization
    /// `received_for`, and says what to send: as [`apply`](Self::apply), with an event that
    /// names no organization (a project's, or a job without an `org_id`) followed under
    /// `received_for`, so that two organizations' apps or projects of one name are two
    /// incidents. An event that names another organization than `received_for` changes
    /// nothing ([`Skip::OtherOrganization`]), as [`Router::route_for`](crate::Router::route_for)
    /// takes it to no one.
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey, Skip};
    /// use sauce_webhooks::time::OffsetDateTime;
    /// use sauce_webhooks::{Event, OrgId};
    ///
    /// let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?));
    /// let crash = Event::from_slice(br#"{"event":"crash","appName":"Shop","version":"1.4.2","platform":"ios"}"#)?;
    /// let now = OffsetDateTime::now_utc();
    /// // acme's app "Shop" and globex's are two incidents, each paged once.
    /// assert!(matches!(ledger.apply_for(&OrgId::from("acme"), &crash, now)?, Decision::Send(_)));
    /// assert!(matches!(ledger.apply_for(&OrgId::from("globex"), &crash, now)?, Decision::Send(_)));
    /// assert_eq!(ledger.apply(&crash, now)?, Decision::Skip(Skip::NoOrganization));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`IncidentLedger::apply`].
    pub fn apply_for(
        &self,
        received_for: &OrgId,
        event: &Event<'_>,
        now: OffsetDateTime,
    ) -> Result<Decision, LedgerError<S::Error>> {
        self.apply_within(event, Some(received_for), now)
    }

    fn apply_within(
        &self,
        event: &Event<'_>,
        received_for: Option<&OrgId>,
        now: OffsetDateTime,
    ) -> Result<Decision, LedgerError<S::Error>> {
        let verdict = Verdict::of(event);
        if verdict == Verdict::Neither {
            return Ok(Decision::Skip(Skip::NoVerdict));
        }
        let org = match dedup::organization(event, received_for) {
            Ok(org) => org,
            Err(Unowned::NoOrganization) => return Ok(Decision::Skip(Skip::NoOrganization)),
            Err(Unowned::OtherOrganization) => return Ok(Decision::Skip(Skip::OtherOrganization)),
        };
        let Some(key) = self.stored_key(event, org) else {
            // Not followed across runs: a failure pages as the stateless rules would.
            let trigger = self.rules.trigger_for(event, dedup::of_test(event, org).as_deref());
            return Ok(match (verdict, trigger) {
                (Verdict::Failure, Some(trigger)) => Decision::Send(trigger.sendable()),
                _ => Decision::Skip(Skip::NoKey),
            });
        };
        let dedup_key = &key[self.namespace.len()..];
        let quarantined = self.policy.flakiness.as_ref().is_some_and(|flakiness| {
            let name = match event {
                Event::Job(job) => job.name.as_deref(),
                _ => None,
            };
            flakiness.is_quarantined(name.unwrap_or(dedup_key))
        });
        let observation = Observation {
            verdict,
            at: event.occurred_at(),
            fingerprint: fingerprint_of(event, verdict),
            resolves: Verdict::can_resolve(event),
            quarantined,
        };
        let step = self.record(&key, &observation, now)?;
        Ok(step.decide(
            |classified| {
                let trigger = self.rules.trigger_for(event, Some(dedup_key))?;
                Some(match classified {
                    Some(classified) => trigger.with_detail("flakiness", &classified.details()),
                    None => trigger,
                })
            },
            |classified| Some(self.rules.flaky_announcement(event, dedup_key, classified, self.announcement())),
            || self.rules.resolve(dedup_key),
        ))
    }

    /// Applies a check's run, received at `now`, keyed by the check's name and ordered by its
    /// time (in the order of arrival without one). A run with neither an id nor a time cannot
    /// be told from itself delivered again: each delivery counts.
    ///
    /// # Errors
    /// As [`IncidentLedger::apply`].
    pub fn apply_check(&self, check: &CheckRun, now: OffsetDateTime) -> Result<Decision, LedgerError<S::Error>> {
        let dedup_key = dedup::of_check(check);
        let verdict = Verdict::of_check(check.failed);
        // Without an id or a time, a run cannot be told from the same run delivered again.
        let fingerprint = (check.id.is_some() || check.time.is_some()).then(|| {
            let mut hash = FingerprintHasher::new();
            hash.write(check.id.as_deref().unwrap_or_default().as_bytes());
            hash.write(&[0]);
            hash.write(&check.time.map_or(0, OffsetDateTime::unix_timestamp_nanos).to_le_bytes());
            hash.finish(verdict)
        });
        let quarantined = self.policy.flakiness.as_ref().is_some_and(|flakiness| flakiness.is_quarantined(&check.name));
        let observation = Observation { verdict, at: check.time, fingerprint, resolves: true, quarantined };
        let step = self.record(&self.stored(&dedup_key), &observation, now)?;
        Ok(step.decide(
            |classified| {
                let trigger = self.rules.alert_for_check(check);
                Some(match classified {
                    Some(classified) => trigger.with_detail("flakiness", &classified.details()),
                    None => trigger,
                })
            },
            |classified| Some(self.rules.flaky_check_announcement(check, &dedup_key, classified, self.announcement())),
            || self.rules.resolve(dedup_key.as_str()),
        ))
    }

    /// Moves the key's state by one result, atomically with respect to other writers.
    fn record(&self, key: &str, observation: &Observation, now: OffsetDateTime) -> Result<Step, LedgerError<S::Error>> {
        let mut step = Step::Skip(Skip::NoVerdict);
        self.store.update(key, &mut |state| {
            let next;
            (next, step) = advance(state, observation, now, &self.policy);
            next
        })?;
        Ok(step)
    }
}

/// Which result an event is: its identity ([`Event::identity`]) and its verdict, so that the
/// same result delivered twice is told from another result. `None` for a result with no
/// identity of its own: each delivery of it counts as a new result.
fn fingerprint_of(event: &Event<'_>, verdict: Verdict) -> Option<Fingerprint> {
    let mut hash = FingerprintHasher::new();
    let known = event.identity(&mut |bytes| hash.write(bytes));
    known.then(|| hash.finish(verdict))
}
