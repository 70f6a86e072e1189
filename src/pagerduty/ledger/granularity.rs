//! What counts as one incident: a test, a build, a team, an organization, or a key of yours.

use std::fmt;
use std::sync::Arc;

use super::super::dedup;
use crate::event::Event;
use crate::event::incident_key::trimmed;
use crate::event::owners::Owners;

/// What one incident covers: every run of the same test (the default), of the same build, of the
/// same team, of the same organization, or whatever a function of yours says.
///
/// The key it gives is also the alert's dedup key, so the resolve closes what the trigger
/// opened. A job without a build tag is followed per test under [`Granularity::Build`]. An
/// event with no key at all (a job without a name, per test or build; an app's crash naming no
/// app; a visual run naming neither project nor group; an API Testing run naming no test)
/// cannot be followed across runs: its failures page as the stateless rules do (a new alert
/// each time, rather than every nameless app's crashes in one incident) and its successes
/// resolve nothing. Routing takes a project's event that names no project to no one. Checks ([`CheckRun`](super::super::CheckRun)) are always followed by their
/// organization and name.
///
/// Under a key that spans several tests (a build, a team, an organization), results are
/// ordered across them by their own times: a failure of one test arriving after a later result
/// of another test of the key is stale, and does not count towards the failures a page needs.
///
/// Every key names an organization: the event's own, or, for an event that names none, the
/// one it was received for ([`IncidentLedger::apply_for`](super::IncidentLedger::apply_for)).
/// A project's event (API Testing, Error Reporting, a visual run, App Distribution) applied
/// without it is not followed ([`Skip::NoOrganization`](super::Skip::NoOrganization)); a job
/// without an `org_id` applied without it shares its keys with every organization's jobs
/// without one. A custom key is kept apart per organization too, whatever the event: the
/// ledger writes your text after `"custom"` and the organization
/// (`["custom","acme","main"]`), so that no text of yours, nor of a sender's, can spell
/// another organization's key.
///
/// ```
/// use sauce_webhooks::pagerduty::{Granularity, IncidentLedger, IncidentRules, RoutingKey};
/// use sauce_webhooks::Event;
///
/// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
/// let per_build = IncidentLedger::new(rules.clone()).with_granularity(Granularity::Build);
/// let by_branch = IncidentLedger::new(rules).with_granularity(Granularity::custom(|event| match event {
///     Event::Job(job) => job.branch_name.as_deref().map(str::to_owned),
///     _ => None,
/// }));
/// let on_main = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0,"org_id":"acme","branch_name":"main"}"#)?;
/// assert!(by_branch.key_of(&on_main).unwrap().ends_with(r#":["custom","acme","main"]"#));
/// # let _ = per_build;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Granularity {
    /// Every run of one test: a job's organization, data type and name; a visual build's
    /// project and branch; concurrency's organization and team. What [`IncidentRules`]
    /// keys its alerts by.
    ///
    /// [`IncidentRules`]: super::super::IncidentRules
    #[default]
    Test,
    /// Every job of one build tag (`job.build`) in an organization (a job without one, per
    /// test); visual builds and concurrency as per test.
    Build,
    /// Every job of one team (or, without a team, of the organization); visual builds and
    /// concurrency as per test.
    Team,
    /// Everything of one organization; an event that names none (API Testing, Error
    /// Reporting, a visual run, App Distribution: a project's), per test.
    Organization,
    /// A key of your own; `None` leaves the event unfollowed. Written after `"custom"` and
    /// the organization: `["custom","acme","<your key>"]`.
    Custom(KeyFn),
}

/// A function giving an event's incident key, for [`Granularity::Custom`]: made by
/// [`Granularity::custom`], which is what to call.
#[doc(hidden)]
pub type KeyFn = Arc<dyn Fn(&Event<'_>) -> Option<String> + Send + Sync>;

impl Granularity {
    /// A key of your own, from a function of the event (borrowed or owned, as it was applied).
    pub fn custom(key: impl Fn(&Event<'_>) -> Option<String> + Send + Sync + 'static) -> Self {
        Self::Custom(Arc::new(key))
    }

    /// Appends the incident key of `event`, in the organization `org` (as
    /// `dedup::organization` finds it), to `key`; whether it has one.
    pub(crate) fn write_key(&self, key: &mut String, event: &Event<'_>, org: Option<&str>) -> bool {
        match (self, event) {
            // Marked as a custom key and written after the organization, whatever the kind:
            // the host's text alone could spell another organization's key.
            (Self::Custom(of), _) => {
                let Some(custom) = of(event) else { return false };
                dedup::write_parts(key, &["custom", org.unwrap_or_default(), &custom]);
                true
            }
            // A project's event is followed per test, within its organization.
            (Self::Organization, _) => match org.filter(|_| !Owners::of(event).is_a_projects()) {
                Some(org) => {
                    dedup::write_parts(key, &["organization", org]);
                    true
                }
                None => dedup::write_test(key, event, org),
            },
            (Self::Build, Event::Job(job)) => match job.build.as_deref() {
                Some(build) => {
                    dedup::write_parts(key, &["build", org.unwrap_or_default(), trimmed(build)]);
                    true
                }
                None => dedup::write_job(key, job, org.unwrap_or_default()),
            },
            (Self::Team, Event::Job(job)) => {
                let team = job.team_id.as_ref().map_or("", |team| team.as_str());
                dedup::write_parts(key, &["team", org.unwrap_or_default(), team]);
                true
            }
            _ => dedup::write_test(key, event, org),
        }
    }
}

impl fmt::Debug for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Test => "Test",
            Self::Build => "Build",
            Self::Team => "Team",
            Self::Organization => "Organization",
            Self::Custom(_) => "Custom(..)",
        })
    }
}
