//! Telling a flaky test from a broken one: the rule, its settings and what it says of a test.

use std::fmt;

use time::Duration;

use super::history::{HISTORY_LEN, History};

/// What a test's recent results say of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Health {
    /// It passes, with at most rare failures.
    Stable,
    /// It flips between passing and failing: at least
    /// [`flaky_flips`](Flakiness::with_flaky_flips) changes among its last 32 results.
    Flaky,
    /// It fails again and again: its latest results are failures in a row, as many as
    /// [`broken_after`](Flakiness::with_broken_after) asks (more for a flaky test).
    Broken,
}

impl Health {
    /// `stable`, `flaky` or `broken`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::Flaky => "flaky",
            Self::Broken => "broken",
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a flaky test is announced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Announcement {
    /// A PagerDuty alert of severity `info` under a dedup key of its own (`<key>#flaky`), which
    /// a service routes as low urgency where it says so: [`Decision::Send`](super::Decision::Send).
    #[default]
    Alert,
    /// A PagerDuty change event, on the service's timeline, paging nobody:
    /// [`Decision::Change`](super::Decision::Change).
    ChangeEvent,
    /// A notice for the host to post where it likes (a chat channel, a webhook):
    /// [`Decision::Notice`](super::Decision::Notice).
    Notice,
}

/// How the incident ledger tells flaky tests from broken ones, and what it sends for each
/// ([`IncidentLedger::with_flakiness`](super::IncidentLedger::with_flakiness)).
///
/// The ledger keeps each test's last 32 results, by their own times, and reads them so:
///
/// - **broken**: the latest results are failures in a row, at least
///   [`broken_after`](Self::with_broken_after) of them (3 by default), or, for a test that is
///   flaky, at least [`flaky_broken_after`](Self::with_flaky_broken_after) (8 by default).
///   A broken test pages, with the rules' severity, and resolves at its next pass.
/// - **flaky**: not broken, and at least [`flaky_flips`](Self::with_flaky_flips) changes
///   between pass and fail among its last 32 results (8 by default: a flip in four), with at
///   least 12 results known. A flaky test is announced once per
///   [`announce_every`](Self::with_announce_every) (a day by default), and stays flaky for as
///   long (a dip in its flips does not bring the bar back to 3): by default a trigger of
///   severity `info` under a dedup key of its own, which PagerDuty routes as low urgency where
///   the service says so; or a change event, or a notice of your own
///   ([`announce_as`](Self::announce_as)). It never pages for a flip.
/// - **stable**: the rest. A single failure of a stable test pages nothing.
///
/// Why these defaults (the simulation of `benches/flakiness.rs`, in `benches/README.md`): a
/// stable test failing 1 run in 50 fails 3 in a row once in 125,000 runs, and shows 8 flips
/// in 32 runs (four separate failures) about once in 300 windows; a flaky test failing 1 run
/// in 3 shows about 14 flips in 32 runs, and fails 8 in a row once in 6,500 runs. What the
/// default trades: a real breakage pages on its third failure, not its first.
///
/// Only results that pass and fail are classified: an error group or an app's crash pages at
/// once, as without these rules.
///
/// Every alert says why in its custom details, under `flakiness`: the test's verdicts,
/// oldest first (`P` and `F`), its flips, its health and the rule that fired.
///
/// ```
/// use sauce_webhooks::pagerduty::{Flakiness, IncidentLedger, IncidentRules, RoutingKey};
///
/// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
/// let ledger = IncidentLedger::new(rules)
///     .with_flakiness(Flakiness::default().with_broken_after(2).quarantine("checkout*"));
/// # let _ = ledger;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flakiness {
    broken_after: u32,
    flaky_broken_after: u32,
    flaky_flips: u32,
    min_results: u32,
    announce_every: Duration,
    announce_as: Announcement,
    quarantined: Vec<String>,
}

impl Default for Flakiness {
    fn default() -> Self {
        Self {
            broken_after: 3,
            flaky_broken_after: 8,
            flaky_flips: 8,
            min_results: 12,
            announce_every: Duration::DAY,
            announce_as: Announcement::Alert,
            quarantined: Vec::new(),
        }
    }
}

impl Flakiness {
    /// Failures in a row that make a test broken (3 by default; 1 at least, 32 at most).
    #[must_use]
    pub fn with_broken_after(mut self, failures: u32) -> Self {
        self.broken_after = bounded(failures);
        self
    }

    /// Failures in a row that make a flaky test broken (8 by default; never fewer than
    /// [`broken_after`](Self::with_broken_after), 32 at most).
    #[must_use]
    pub fn with_flaky_broken_after(mut self, failures: u32) -> Self {
        self.flaky_broken_after = bounded(failures);
        self
    }

    /// Flips among the last 32 results that make a test flaky (8 by default; 1 at least, 31
    /// at most).
    #[must_use]
    pub fn with_flaky_flips(mut self, flips: u32) -> Self {
        self.flaky_flips = flips.clamp(1, 31);
        self
    }

    /// How often a flaky test is announced again while it stays flaky (a day by default, an
    /// hour at least).
    #[must_use]
    pub fn with_announce_every(mut self, every: Duration) -> Self {
        self.announce_every = every.max(Duration::HOUR);
        self
    }

    /// How a flaky test is announced (an `info` alert by default).
    #[must_use]
    pub fn announce_as(mut self, form: Announcement) -> Self {
        self.announce_as = form;
        self
    }

    pub(crate) fn announcement(&self) -> Announcement {
        self.announce_as
    }

    /// Quarantines the tests whose name matches `pattern`: their results are recorded and
    /// classified, and they are never paged nor announced. A pattern is a test's name, or a
    /// prefix of names ending in `*` (`checkout*`); names compare as they are written.
    #[must_use]
    pub fn quarantine(mut self, pattern: impl Into<String>) -> Self {
        self.quarantined.push(pattern.into());
        self
    }

    /// The quarantine's patterns, as given.
    pub fn quarantined(&self) -> &[String] {
        &self.quarantined
    }

    /// Whether the test `name` is quarantined.
    pub fn is_quarantined(&self, name: &str) -> bool {
        self.quarantined.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == pattern,
        })
    }

    pub(crate) fn announce_every(&self) -> Duration {
        self.announce_every
    }

    /// What `history` says of its test, and the rule that says it.
    pub(crate) fn classify(&self, history: &History) -> (Health, Rule) {
        self.classify_known(history, false)
    }

    /// As [`classify`](Self::classify), for a test `known_flaky` (announced within its
    /// window): it stays flaky for the window, so that a dip in its flips does not make three
    /// failures in a row of a flaky test a page.
    pub(crate) fn classify_known(&self, history: &History, known_flaky: bool) -> (Health, Rule) {
        let in_a_row = history.failures_in_a_row();
        let flips = history.flips();
        let flaky = known_flaky || (history.len() >= self.min_results as usize && flips >= self.flaky_flips);
        let needed = if flaky { self.flaky_broken_after.max(self.broken_after) } else { self.broken_after };
        if in_a_row >= needed {
            (Health::Broken, Rule::FailedInARow { failures: in_a_row, needed, flaky })
        } else if flaky {
            (Health::Flaky, Rule::Flips { flips, needed: self.flaky_flips })
        } else {
            (Health::Stable, Rule::Stable { failures_in_a_row: in_a_row, needed })
        }
    }
}

fn bounded(failures: u32) -> u32 {
    failures.clamp(1, u32::try_from(HISTORY_LEN).unwrap_or(32))
}

/// The rule that classified a test: what an alert says of why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    FailedInARow { failures: u32, needed: u32, flaky: bool },
    Flips { flips: u32, needed: u32 },
    Stable { failures_in_a_row: u32, needed: u32 },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::FailedInARow { failures, needed, flaky: false } => {
                write!(f, "failed {failures} times in a row (broken at {needed})")
            }
            Self::FailedInARow { failures, needed, flaky: true } => {
                write!(f, "failed {failures} times in a row (broken at {needed}, as it is flaky)")
            }
            Self::Flips { flips, needed } => write!(f, "{flips} flips between pass and fail (flaky at {needed})"),
            Self::Stable { failures_in_a_row, needed } => {
                write!(f, "{failures_in_a_row} failures in a row (broken at {needed})")
            }
        }
    }
}
