//! The state of one incident key, and how one result moves it: a pure function, so that every
//! rule of the ledger can be checked on its own.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time};

use super::super::alert::AlertEvent;
use super::super::change::ChangeEvent;
use super::fingerprint::{Fingerprint, Recent};
use super::flakiness::{Flakiness, Health, Rule};
use super::history::History;
use super::notice::FlakyNotice;
use crate::event::verdict::Verdict;
use crate::support::time::{serialize_optional_time, serialize_time, time};

/// What the ledger knows of one incident key, as the host's store keeps it (it serializes, so
/// a database can hold it as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentState {
    open: bool,
    /// Failures in a row, up to the latest result.
    failures: u32,
    /// Successes in a row, up to the latest result.
    successes: u32,
    /// When the latest result applied happened, by the result's own time.
    #[serde(default, deserialize_with = "time", serialize_with = "serialize_optional_time")]
    last_result_at: Option<OffsetDateTime>,
    /// Which results were applied last, to tell them when they are delivered again.
    #[serde(default)]
    recent: Recent,
    /// When the open incident was last paged (the host's clock).
    #[serde(default, deserialize_with = "time", serialize_with = "serialize_optional_time")]
    paged_at: Option<OffsetDateTime>,
    /// When the state last changed (the host's clock), to prune by.
    #[serde(serialize_with = "serialize_time", deserialize_with = "required_time")]
    changed_at: OffsetDateTime,
    /// Whether the latest result was of a kind that no result resolves (an error group, an
    /// app's crash). Written only when set, so that states of other keys read as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    never_resolves: bool,
    /// The test's latest results by their own times, kept when the ledger tells flaky tests
    /// from broken ones. Written only then, so that states of ledgers without it, and states
    /// written before it, read as before.
    #[serde(default, skip_serializing_if = "History::is_empty")]
    history: History,
    /// When a flaky test was last announced (the host's clock).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time",
        serialize_with = "serialize_optional_time"
    )]
    announced_at: Option<OffsetDateTime>,
}

fn required_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    time(d)?.ok_or_else(|| serde::de::Error::custom("expected a time, found null"))
}

impl IncidentState {
    fn new(now: OffsetDateTime) -> Self {
        Self {
            open: false,
            failures: 0,
            successes: 0,
            last_result_at: None,
            recent: Recent::default(),
            paged_at: None,
            changed_at: now,
            never_resolves: false,
            history: History::default(),
            announced_at: None,
        }
    }

    /// Whether an incident is open: paged and not resolved since.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Failures in a row, up to the latest result.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Successes in a row, up to the latest result.
    pub fn successes(&self) -> u32 {
        self.successes
    }

    /// What the test's latest results say of it under `flakiness`: stable, flaky or broken
    /// (stable when the ledger keeps no results, as without
    /// [`with_flakiness`](super::IncidentLedger::with_flakiness)).
    pub fn health(&self, flakiness: &Flakiness) -> Health {
        flakiness.classify(&self.history).0
    }

    /// The test's latest results, oldest first, as `P` (passed) and `F` (failed): at most 32,
    /// kept with [`with_flakiness`](super::IncidentLedger::with_flakiness).
    pub fn verdicts(&self) -> String {
        self.history.verdicts()
    }

    /// When the state last changed, by the host's clock.
    pub fn changed_at(&self) -> OffsetDateTime {
        self.changed_at
    }

    /// Whether it holds nothing a later result needs but the order and ids of results: no
    /// incident, no failure in a row. A store may forget such a state when it runs short of
    /// room, at the cost of telling a late result stale or a replay a duplicate.
    pub(crate) fn holds_nothing(&self) -> bool {
        !self.open && self.failures == 0
    }

    /// Whether a result will resolve it: an open incident of a kind that successes follow
    /// (a job, a build, a visual run, ...). An error group or an app's crash is a failure no
    /// success follows, so its open incident waits for no result (it is resolved by hand,
    /// [`IncidentLedger::resolve`](super::IncidentLedger::resolve), or paged again a day
    /// later). A store that forgets old states may forget every state for which this is false:
    /// only forgetting one that awaits a resolve would leave its incident open in PagerDuty.
    pub fn awaits_resolve(&self) -> bool {
        self.open && !self.never_resolves
    }
}

/// What the ledger answers for one result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Decision {
    /// Send this alert (a trigger or a resolve). The ledger counts it as sent: deliver it at
    /// least once. Its body can always be written: a trigger whose details would pass
    /// PagerDuty's limit, or whose time JSON cannot write (a hand-built one), comes without
    /// them, its `custom_details` saying why in `left_out`.
    Send(AlertEvent),
    /// Send this change event: a flaky test announced, by flakiness rules that announce as
    /// change events ([`Announcement::ChangeEvent`](super::Announcement::ChangeEvent)).
    Change(ChangeEvent),
    /// Post this notice where your host posts them: a flaky test announced, by flakiness rules
    /// that announce as notices ([`Announcement::Notice`](super::Announcement::Notice)).
    Notice(FlakyNotice),
    /// Send nothing, for this reason.
    Skip(Skip),
}

/// Why nothing is sent for a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Skip {
    /// The result says neither failure nor success: a job still running or queued or of a
    /// status this crate does not know, a build in progress, an unknown event.
    NoVerdict,
    /// The result's own time is further ahead of `now` than the clock skew allowed
    /// ([`IncidentLedger::with_clock_skew`](super::IncidentLedger::with_clock_skew)): taken
    /// as it is, it would make every real result after it look stale.
    FromTheFuture,
    /// A success of a result that cannot be followed across runs (no key: a job without a name,
    /// say), so nothing was opened for it to resolve.
    NoKey,
    /// An event that names no organization (API Testing, Error Reporting, a visual run, App
    /// Distribution: a project's), applied without the organization it was received for:
    /// nothing would tell two organizations' incidents apart. Apply it with
    /// [`IncidentLedger::apply_for`](super::IncidentLedger::apply_for).
    NoOrganization,
    /// An event that names an organization other than the one it was received for
    /// ([`IncidentLedger::apply_for`](super::IncidentLedger::apply_for)): whoever holds one
    /// organization's secret must not close another's incident.
    OtherOrganization,
    /// Older than the latest result applied to its key: out of order, and overtaken.
    Stale,
    /// One of the latest results applied to its key (the last 64, by their ids and
    /// verdicts), delivered again, however late.
    ///
    /// Past those 64, a result is known again only by its time: a late result with a time
    /// of its own is [`Stale`](Self::Stale), but one without (a visual build, an API Testing
    /// run the default template sends without a date) is taken as new, and may page again or
    /// resolve what is open. A body signed with HMAC alone (Sauce Labs' scheme, a sent
    /// secret) carries no time, so whoever captured one can send it again, forever; the
    /// window bounds what that does only while the key stays busy. Take webhooks over TLS
    /// only; have relays sign the Standard Webhooks way, whose signed timestamp
    /// [`Verifier::verify_standard`](crate::signature::Verifier::verify_standard) checks
    /// against a tolerance; and where bodies carry no time, drop a body seen before on the
    /// host (a digest of each body, kept as long as replays matter: the relay's
    /// `replay_window_seconds` does this).
    Duplicate,
    /// A failure of a key whose incident is open (and not due to be paged again).
    AlreadyOpen,
    /// A failure in a row that has not reached the failures a page needs.
    FailuresBelowThreshold {
        /// Failures in a row so far.
        seen: u32,
        /// Failures in a row a page needs.
        needed: u32,
    },
    /// A success of a key with no open incident: there is nothing to resolve.
    NothingOpen,
    /// A success in a row that has not reached the successes a resolve needs.
    SuccessesBelowThreshold {
        /// Successes in a row so far.
        seen: u32,
        /// Successes in a row a resolve needs.
        needed: u32,
    },
    /// The incident is closed, without a resolve: auto-resolve is off.
    ClosedQuietly,
    /// A failure of a flaky test that is not broken, announced already within its window
    /// ([`Flakiness`]).
    Flaky,
    /// A result of a quarantined test ([`Flakiness::quarantine`]): recorded and classified,
    /// never paged nor announced.
    Quarantined,
}

/// How the ledger pages: after how many failures, resolving after how many successes, and
/// whether and when it pages again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Policy {
    pub failures_to_page: u32,
    pub successes_to_resolve: u32,
    pub auto_resolve: bool,
    pub repage_after: Option<Duration>,
    /// When an open incident that no result resolves (an error group, an app's crash) is
    /// paged again on its next failure.
    pub unresolved_repage_after: Duration,
    /// How far ahead of the host's clock a result's own time may be.
    pub clock_skew: Duration,
    /// Tells flaky tests from broken ones, when set.
    pub flakiness: Option<Flakiness>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            failures_to_page: 1,
            successes_to_resolve: 1,
            auto_resolve: true,
            repage_after: None,
            unresolved_repage_after: Duration::DAY,
            clock_skew: Duration::minutes(5),
            flakiness: None,
        }
    }
}

/// One result, as the ledger reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Observation {
    pub verdict: Verdict,
    /// When it happened, by its own clock (a job's `modification_time`); `None` for results
    /// without a time of their own (visual builds), which are taken in the order they come.
    pub at: Option<OffsetDateTime>,
    /// Which result it is, to tell a repeated delivery; `None` when nothing tells it.
    pub fingerprint: Option<Fingerprint>,
    /// Whether its kind is ever followed by a success that resolves it: not an error group's
    /// nor an app's crash, which are paged again `Policy::unresolved_repage_after` later.
    pub resolves: bool,
    /// Whether its test is quarantined ([`Flakiness::quarantine`]).
    pub quarantined: bool,
}

/// What the ledger does with a result: the key's next state, and what to send (a trigger,
/// a resolve) or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Page; with the classification that did it, when the ledger classifies.
    Trigger(Option<Classified>),
    Resolve,
    /// Announce a flaky test.
    Announce(Classified),
    Skip(Skip),
}

/// A test's health, the rule that found it, and its results: what an alert says of why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Classified {
    pub health: Health,
    pub rule: Rule,
    pub failed: u32,
    pub flips: u32,
    pub results: u32,
    pub verdicts: [u8; 32],
}

impl Classified {
    fn of(history: &History, flakiness: &Flakiness, known_flaky: bool) -> Self {
        let (health, rule) = flakiness.classify_known(history, known_flaky);
        let mut verdicts = [b' '; 32];
        for (slot, verdict) in verdicts.iter_mut().zip(history.verdicts().bytes()) {
            *slot = verdict;
        }
        Self {
            health,
            rule,
            failed: history.failures(),
            flips: history.flips(),
            results: u32::try_from(history.len()).unwrap_or(32),
            verdicts,
        }
    }

    /// The `flakiness` object of an alert's custom details.
    pub(crate) fn details(&self) -> String {
        let verdicts = std::str::from_utf8(&self.verdicts).unwrap_or_default().trim_end();
        let pairs = self.results.saturating_sub(1).max(1);
        serde_json::json!({
            "health": self.health.as_str(),
            "rule": self.rule.to_string(),
            "verdicts": verdicts,
            "failures": self.failed,
            "flips": self.flips,
            "flip_rate": f64::from(self.flips) / f64::from(pairs),
        })
        .to_string()
    }
}

/// Applies `result` to the key's `state` (none yet: a key never seen) at the host's `now`.
/// Returns the next state, `None` when nothing changes, and the step to take.
pub(crate) fn advance(
    state: Option<&IncidentState>,
    result: &Observation,
    now: OffsetDateTime,
    policy: &Policy,
) -> (Option<IncidentState>, Step) {
    if result.verdict == Verdict::Neither {
        return (None, Step::Skip(Skip::NoVerdict));
    }
    // Past what a time can hold (a skew of millennia, a clock at the year 9999), nothing is
    // from the future: `+` would panic there.
    let horizon = now.checked_add(policy.clock_skew).unwrap_or(OffsetDateTime::new_utc(Date::MAX, Time::MAX));
    if result.at.is_some_and(|at| at > horizon) {
        return (None, Step::Skip(Skip::FromTheFuture));
    }
    if let (Some(state), Some(fingerprint)) = (state, result.fingerprint)
        && state.recent.contains(fingerprint)
    {
        return (None, Step::Skip(Skip::Duplicate));
    }
    // A stored time from the future (a tampered row, a host clock set back) orders nothing.
    let last = state.and_then(|state| state.last_result_at).filter(|last| *last <= horizon);
    // Only what passes and fails is a test to classify: an error group or an app's crash
    // (which nothing resolves) pages at once, as without flakiness rules.
    if let Some(flakiness) = policy.flakiness.as_ref().filter(|_| result.resolves) {
        return advance_classified(state, result, now, policy, flakiness, last);
    }
    if let (Some(at), Some(last)) = (result.at, last)
        && at < last
    {
        return (None, Step::Skip(Skip::Stale));
    }
    let mut next = state.cloned().unwrap_or_else(|| IncidentState::new(now));
    next.last_result_at = result.at.or(last);
    if let Some(fingerprint) = result.fingerprint {
        next.recent.push(fingerprint);
    }
    next.changed_at = now;
    next.never_resolves = !result.resolves;
    let step = if result.verdict == Verdict::Failure {
        next.failures = next.failures.saturating_add(1);
        next.successes = 0;
        let due = |every: Duration| next.paged_at.is_none_or(|at| now - at >= every);
        // No success will close an incident that no result resolves: it is paged again a
        // while after its page, so that one resolved in PagerDuty (and not in the ledger, by
        // hand) is not silenced for good.
        let repage_due =
            policy.repage_after.is_some_and(due) || (!result.resolves && due(policy.unresolved_repage_after));
        if next.open && !repage_due {
            Step::Skip(Skip::AlreadyOpen)
        } else if next.open || next.failures >= policy.failures_to_page {
            next.open = true;
            next.paged_at = Some(now);
            Step::Trigger(None)
        } else {
            Step::Skip(Skip::FailuresBelowThreshold { seen: next.failures, needed: policy.failures_to_page })
        }
    } else {
        next.successes = next.successes.saturating_add(1);
        next.failures = 0;
        if !next.open {
            Step::Skip(Skip::NothingOpen)
        } else if next.successes < policy.successes_to_resolve {
            Step::Skip(Skip::SuccessesBelowThreshold { seen: next.successes, needed: policy.successes_to_resolve })
        } else {
            next.open = false;
            next.paged_at = None;
            if policy.auto_resolve { Step::Resolve } else { Step::Skip(Skip::ClosedQuietly) }
        }
    };
    (Some(next), step)
}

/// [`advance`] for a ledger that tells flaky tests from broken ones: the result joins the
/// test's history (a late one too, in its place by time), and what is sent follows from what
/// the history says of the test. Only a broken test pages; a flaky one is announced once per
/// window; a quarantined one is only recorded. An open incident resolves at the next pass, as
/// it does without.
fn advance_classified(
    state: Option<&IncidentState>,
    result: &Observation,
    now: OffsetDateTime,
    policy: &Policy,
    flakiness: &Flakiness,
    last: Option<OffsetDateTime>,
) -> (Option<IncidentState>, Step) {
    let failed = result.verdict == Verdict::Failure;
    let mut next = state.cloned().unwrap_or_else(|| IncidentState::new(now));
    if let Some(fingerprint) = result.fingerprint {
        next.recent.push(fingerprint);
    }
    next.changed_at = now;
    let at = result.at.unwrap_or(now);
    let millis = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    next.history.record(millis, failed);
    if let (Some(at), Some(last)) = (result.at, last)
        && at < last
    {
        // Kept for the classification, which reads results in the order they happened; too
        // late to page or resolve for.
        return (Some(next), Step::Skip(Skip::Stale));
    }
    next.last_result_at = result.at.or(last);
    next.never_resolves = !result.resolves;
    if failed {
        next.failures = next.failures.saturating_add(1);
        next.successes = 0;
    } else {
        next.successes = next.successes.saturating_add(1);
        next.failures = 0;
    }
    let known_flaky = next.announced_at.is_some_and(|at| now - at < flakiness.announce_every());
    let classified = Classified::of(&next.history, flakiness, known_flaky);
    let announce = classified.health == Health::Flaky
        && !result.quarantined
        && next.announced_at.is_none_or(|at| now - at >= flakiness.announce_every());
    let step = if next.open && !failed {
        if next.successes < policy.successes_to_resolve {
            Step::Skip(Skip::SuccessesBelowThreshold { seen: next.successes, needed: policy.successes_to_resolve })
        } else {
            next.open = false;
            next.paged_at = None;
            if policy.auto_resolve { Step::Resolve } else { Step::Skip(Skip::ClosedQuietly) }
        }
    } else if result.quarantined {
        Step::Skip(Skip::Quarantined)
    } else if next.open {
        // Paged again as without flakiness, after the repage interval.
        let due = |every: Duration| next.paged_at.is_none_or(|at| now - at >= every);
        if policy.repage_after.is_some_and(due) {
            next.paged_at = Some(now);
            Step::Trigger(Some(classified))
        } else {
            Step::Skip(Skip::AlreadyOpen)
        }
    } else if failed && classified.health == Health::Broken {
        next.open = true;
        next.paged_at = Some(now);
        Step::Trigger(Some(classified))
    } else if announce {
        next.announced_at = Some(now);
        Step::Announce(classified)
    } else if !failed {
        Step::Skip(Skip::NothingOpen)
    } else {
        match classified.rule {
            Rule::Stable { failures_in_a_row, needed } => {
                Step::Skip(Skip::FailuresBelowThreshold { seen: failures_in_a_row, needed })
            }
            Rule::Flips { .. } | Rule::FailedInARow { .. } => Step::Skip(Skip::Flaky),
        }
    };
    (Some(next), step)
}

/// Closes the key's incident by hand (`state`: none for a key never written) at the host's
/// `now`: the next state and [`Step::Resolve`] when it was open, `None` and
/// [`Skip::NothingOpen`] when not. The results remembered stay, so that a replay of the
/// failure that opened it does not open it again; the next failure counts from one.
pub(crate) fn close(state: Option<&IncidentState>, now: OffsetDateTime) -> (Option<IncidentState>, Step) {
    let Some(state) = state.filter(|state| state.open) else { return (None, Step::Skip(Skip::NothingOpen)) };
    let mut next = state.clone();
    (next.open, next.paged_at, next.failures, next.successes, next.changed_at) = (false, None, 0, 0, now);
    (Some(next), Step::Resolve)
}

impl Step {
    /// The decision this step makes, building the alert only when one is sent: one whose body
    /// can be written (see [`AlertEvent::sendable`]), since the state already counts it sent.
    /// `trigger` and `announce` are given the classification that fired, if any.
    pub(crate) fn decide(
        self,
        trigger: impl FnOnce(Option<&Classified>) -> Option<AlertEvent>,
        announce: impl FnOnce(&Classified) -> Option<Decision>,
        resolve: impl FnOnce() -> AlertEvent,
    ) -> Decision {
        let sendable = |alert: Option<AlertEvent>| {
            alert.map_or(Decision::Skip(Skip::NoVerdict), |alert| Decision::Send(alert.sendable()))
        };
        match self {
            Self::Trigger(classified) => sendable(trigger(classified.as_ref())),
            Self::Announce(classified) => match announce(&classified) {
                Some(Decision::Send(alert)) => Decision::Send(alert.sendable()),
                Some(decision) => decision,
                None => Decision::Skip(Skip::NoVerdict),
            },
            Self::Resolve => Decision::Send(resolve()),
            Self::Skip(skip) => Decision::Skip(skip),
        }
    }
}
