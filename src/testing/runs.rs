//! Streams of one test's runs, passing, failing, flaky or broken: what a ledger with
//! flakiness rules is tested on.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::ORG_ID;
use crate::event::{Event, Job, JobStatus};

/// The runs of one test, one after the other as Sauce Labs would post them (an hour apart by
/// default, each with an id of its own), built in stretches: for testing what a receiver, or an
/// [`IncidentLedger`](crate::pagerduty::IncidentLedger) with flakiness rules, does with a
/// flaky or a broken test.
///
/// ```
/// use sauce_webhooks::testing::TestRuns;
///
/// // Passing, then flaky (one run in three fails) for 12 runs, then broken for 5.
/// let runs = TestRuns::new("checkout works").passes(3).flaky(12, 3).fails(5).events();
/// assert_eq!(runs.len(), 20);
/// assert_eq!(runs.iter().filter(|event| event.is_failure()).count(), 4 + 5);
/// ```
#[derive(Debug, Clone)]
pub struct TestRuns {
    name: String,
    org: String,
    at: OffsetDateTime,
    every: Duration,
    events: Vec<Event<'static>>,
}

impl TestRuns {
    /// No runs yet of the test `name`, in the kit's organization, the first run at
    /// 2024-05-01 10:00 UTC.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            org: ORG_ID.to_owned(),
            at: datetime!(2024-05-01 10:00 UTC),
            every: Duration::HOUR,
            events: Vec::new(),
        }
    }

    /// Runs in the organization `org`.
    #[must_use]
    pub fn with_org(mut self, org: impl Into<String>) -> Self {
        self.org = org.into();
        self
    }

    /// Runs `every` apart (an hour by default).
    #[must_use]
    pub fn every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }

    /// `n` passing runs.
    #[must_use]
    pub fn passes(self, n: u32) -> Self {
        self.runs(n, |_| false)
    }

    /// `n` failing runs: a broken stretch.
    #[must_use]
    pub fn fails(self, n: u32) -> Self {
        self.runs(n, |_| true)
    }

    /// `n` runs of which every `fails_every`-th fails (1 in 3, say): a flaky stretch.
    #[must_use]
    pub fn flaky(self, n: u32, fails_every: u32) -> Self {
        let every = fails_every.max(1);
        self.runs(n, |run| run % every == every - 1)
    }

    /// `n` runs, run `i` failing when `failed(i)` says so.
    #[must_use]
    pub fn runs(mut self, n: u32, failed: impl Fn(u32) -> bool) -> Self {
        for run in 0..n {
            let failed = failed(run);
            let status = if failed { JobStatus::Failed } else { JobStatus::Passed };
            let id = format!("{}-run-{}", self.name.replace(' ', "-"), self.events.len() + 1);
            let mut job = Job::new(id, status, self.at - Duration::MINUTE);
            job.modification_time = self.at;
            job.name = Some(self.name.clone().into());
            job.org_id = Some(self.org.as_str().into());
            job.passed = Some(!failed);
            self.events.push(Event::Job(job));
            self.at += self.every;
        }
        self
    }

    /// The runs, in the order they happened.
    pub fn events(self) -> Vec<Event<'static>> {
        self.events
    }
}
