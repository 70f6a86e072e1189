//! When a test result pages someone: trigger on failure, resolve on the next success.

use std::sync::Arc;

use url::Url;

use super::action::Action;
use super::alert::AlertEvent;
use super::change::ChangeEvent;
use super::check_run::CheckRun;
use super::dedup;
use super::details::{details, job_details};
use super::error::AlertError;
use super::job_body::{self, JOB_CLASS_TAIL, JOB_LINK_TEXT, JobTrigger};
use super::ledger::{Announcement, Classified, Decision, FlakyNotice};
use super::payload::Payload;
use super::request;
use super::routing_key::RoutingKey;
use super::severity::Severity;
use super::web_url::WebUrl;
use crate::event::verdict::Verdict;
use crate::event::{ApiTestResult, AppDistributionEvent, Concurrency, ErrorGroup, Event, Job, VisualBuild, VisualRun};
use crate::values::id::OrgId;

/// Turns Sauce Labs events into PagerDuty alerts, as Sauce Labs' own PagerDuty connector does:
/// a failure triggers an alert, and the next success of the same test resolves it.
///
/// The dedup key names the test, never the run: organization, data type and test name for a
/// job (so a run of the same test next hour resolves what this one opened), organization,
/// project and branch for a visual build, organization and team for concurrency. An event
/// that names no organization (API Testing, Error Reporting, a visual run, App Distribution:
/// a project's) is keyed under the organization it was received for, so that acme's and
/// globex's apps called "Shop" are two incidents: alert on it with
/// [`alert_received_for`](Self::alert_received_for), as you route it with
/// [`Router::route_for`](crate::Router::route_for).
///
/// ```
/// use sauce_webhooks::Event;
/// use sauce_webhooks::pagerduty::{Action, IncidentRules, RoutingKey, Severity};
///
/// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
/// let failed = Event::from_slice(br#"{"id":"run-1","data_type":"vdc","status":"FAILED","creation_time":0,
///     "name":"checkout works","org_id":"acme","browser_name":"chrome","os_name":"Windows",
///     "error":"AssertionError: total\n  at spec.js:88","tags":["severity:critical"]}"#)?;
/// let passed = Event::from_slice(br#"{"id":"run-2","data_type":"vdc","status":"PASSED","creation_time":60,
///     "name":"checkout works","org_id":"acme"}"#)?;
///
/// let trigger = rules.alert_for(&failed).unwrap();
/// assert_eq!(trigger.action(), Action::Trigger);
/// assert_eq!(trigger.payload().unwrap().severity(), Severity::Critical);
/// assert_eq!(trigger.payload().unwrap().summary(), "checkout works failed on chrome, Windows: AssertionError: total");
///
/// let resolve = rules.alert_for(&passed).unwrap();
/// assert_eq!(resolve.action(), Action::Resolve);
/// assert_eq!(resolve.dedup_key(), trigger.dedup_key());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRules {
    routing_key: RoutingKey,
    severity_tag_prefix: String,
    default_severity: Severity,
    /// `None` when the base set is not a web URL: jobs then page without a link.
    job_link_base: Option<WebUrl>,
    source: String,
    client: String,
    events_url: Option<Arc<Url>>,
}

impl IncidentRules {
    /// Rules with the defaults: severity tags `severity:<level>`, severity `error` otherwise,
    /// job links under `https://app.saucelabs.com/tests/`, source and client `Sauce Labs`.
    pub fn new(routing_key: RoutingKey) -> Self {
        Self {
            routing_key,
            severity_tag_prefix: "severity:".to_owned(),
            default_severity: Severity::Error,
            job_link_base: WebUrl::parse("https://app.saucelabs.com/tests/"),
            source: "Sauce Labs".to_owned(),
            client: "Sauce Labs".to_owned(),
            events_url: None,
        }
    }

    /// The tag prefix that sets a severity: with the default, a job tagged `severity:critical`
    /// (in any case) pages as critical.
    #[must_use]
    pub fn with_severity_tag_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.severity_tag_prefix = prefix.into();
        self
    }

    /// The severity when no tag sets one.
    #[must_use]
    pub fn with_default_severity(mut self, severity: Severity) -> Self {
        self.default_severity = severity;
        self
    }

    /// Where job pages live; the job id is appended. Set it for your region, for example
    /// `https://app.eu-central-1.saucelabs.com/tests/`. A base that is not an `http(s)` URL
    /// leaves job alerts without links.
    #[must_use]
    pub fn with_job_link_base(mut self, base: &str) -> Self {
        self.job_link_base = WebUrl::parse(base);
        self
    }

    /// The alert's source (what is affected).
    #[must_use]
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// The monitoring client's name shown on the alert.
    #[must_use]
    pub fn with_client(mut self, client: impl Into<String>) -> Self {
        self.client = client.into();
        self
    }

    /// Sends the alerts to `url` instead of [`ENQUEUE_URL`](super::ENQUEUE_URL): PagerDuty's EU
    /// service region ([`ENQUEUE_URL_EU`](super::ENQUEUE_URL_EU)), a proxy, or a stand-in in
    /// tests. Alerts you write with [`write_alert`](Self::write_alert) go to
    /// [`events_url`](Self::events_url).
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey, ENQUEUE_URL_EU};
    /// use sauce_webhooks::Event;
    ///
    /// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?).with_events_url(ENQUEUE_URL_EU)?;
    /// let failed = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0,"name":"checkout"}"#)?;
    /// assert_eq!(rules.alert_for(&failed).unwrap().request()?.url.as_str(), ENQUEUE_URL_EU);
    /// assert_eq!(rules.events_url(), ENQUEUE_URL_EU);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`AlertEvent::with_events_url`].
    pub fn with_events_url(mut self, url: &str) -> Result<Self, AlertError> {
        self.events_url = Some(Arc::new(request::events_url(url)?));
        Ok(self)
    }

    /// Where the alerts go.
    pub fn events_url(&self) -> &str {
        self.events_url.as_deref().map_or(super::ENQUEUE_URL, Url::as_str)
    }

    /// The alert an event calls for, if any: a trigger for a failed job or visual build, for
    /// concurrency at or over its allowed slots (a warning); a resolve for a passed or
    /// completed job, an approved or equal build, concurrency below its limits; `None` for
    /// jobs still running or queued, builds still in progress, other statuses, and unknown
    /// events. An event that names no organization (a project's) calls for none here: nothing
    /// would tell two organizations' incidents apart; see
    /// [`alert_received_for`](Self::alert_received_for).
    pub fn alert_for(&self, event: &Event<'_>) -> Option<AlertEvent> {
        self.alert_within(event, None)
    }

    /// The alert `event`, received on an endpoint or with a secret of the organization
    /// `received_for`, calls for: as [`alert_for`](Self::alert_for), and also a trigger for an
    /// API Testing run with failures, a new Error Reporting group, a visual run with rejected
    /// or changed screenshots, an app's crash, and a resolve for a passing API Testing run or
    /// a clean visual run; keyed under `received_for` when the event names no organization.
    /// `None` for an event that names another organization (which `Router::route_for` takes
    /// to no one) and for App Distribution events other than crashes.
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
    /// use sauce_webhooks::{Event, OrgId};
    ///
    /// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
    /// let crash = Event::from_slice(br#"{"event":"crash","appName":"Shop","version":"1.4.2","platform":"ios"}"#)?;
    /// let acme = rules.alert_received_for(&OrgId::from("acme"), &crash).unwrap();
    /// let globex = rules.alert_received_for(&OrgId::from("globex"), &crash).unwrap();
    /// assert_ne!(acme.dedup_key(), globex.dedup_key());
    /// assert!(rules.alert_for(&crash).is_none(), "whose Shop?");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alert_received_for(&self, received_for: &OrgId, event: &Event<'_>) -> Option<AlertEvent> {
        self.alert_within(event, Some(received_for))
    }

    fn alert_within(&self, event: &Event<'_>, received_for: Option<&OrgId>) -> Option<AlertEvent> {
        let verdict = Verdict::of(event);
        if verdict == Verdict::Neither {
            return None;
        }
        let key = dedup::of_test(event, dedup::organization(event, received_for).ok()?);
        match verdict {
            Verdict::Failure => self.trigger_for(event, key.as_deref()),
            // A job without a name has no key to resolve by.
            _ => key.map(|key| self.resolve(key)),
        }
    }

    /// The trigger for a failed event, with the dedup key `key` (without one, PagerDuty opens
    /// a new alert each time).
    pub(crate) fn trigger_for(&self, event: &Event<'_>, key: Option<&str>) -> Option<AlertEvent> {
        let alert = match event {
            Event::Job(job) => self.job_trigger(job, key),
            Event::VisualBuild(build) => self.build_trigger(build, key),
            Event::Concurrency(usage) => self.concurrency_trigger(usage, key)?,
            Event::ApiTest(result) => self.api_test_trigger(result, key),
            Event::ErrorGroup(group) => self.error_group_trigger(group, key),
            Event::VisualRun(run) => self.visual_run_trigger(run, key),
            Event::AppDistribution(app) if app.is_failure() => self.app_crash_trigger(app, key),
            Event::AppDistribution(_) | Event::Unknown(_) => return None,
        };
        Some(alert)
    }

    pub(crate) fn routing_key(&self) -> &RoutingKey {
        &self.routing_key
    }

    /// The resolve of the alert with `key`.
    pub(crate) fn resolve(&self, key: impl Into<String>) -> AlertEvent {
        AlertEvent::resolve(self.routing_key.clone(), key).with_shared_events_url(self.events_url.as_ref())
    }

    /// The same rules for a check from another tool: a failed run triggers, a passing one
    /// resolves, keyed by the check's name.
    pub fn alert_for_check(&self, check: &CheckRun) -> AlertEvent {
        let key = dedup::of_check(check);
        if !check.failed {
            return self.resolve(key);
        }
        let summary = match check.summary.as_deref().and_then(first_line) {
            Some(what) => format!("{} failed: {what}", check.name),
            None => format!("{} failed", check.name),
        };
        let payload = Payload::new(summary, &self.source, self.severity(&check.tags))
            .with_class("check")
            .with_known_timestamp(check.time);
        let link = check.link.as_deref().and_then(WebUrl::parse);
        self.trigger(payload, Some(&key), link.map(|link| (link, "Report")))
    }

    fn job_trigger(&self, job: &Job<'_>, key: Option<&str>) -> AlertEvent {
        let JobTrigger { summary, severity, link, component, group, class, .. } = self.job_trigger_parts(job, key);
        let mut payload = Payload::new(summary, &self.source, severity)
            .with_timestamp(job.modification_time)
            .with_class(format!("{class}{JOB_CLASS_TAIL}"))
            .with_written_details(job_details(job));
        if let Some(component) = component {
            payload = payload.with_component(component);
        }
        if let Some(group) = group {
            payload = payload.with_group(group);
        }
        self.trigger(payload, key, link.map(|link| (link, JOB_LINK_TEXT)))
    }

    /// What a failed job's trigger says, found once for both [`AlertEvent`] and the body
    /// written straight from the job.
    fn job_trigger_parts<'j>(&'j self, job: &'j Job<'j>, key: Option<&'j str>) -> JobTrigger<'j> {
        let name = job.name.as_deref().unwrap_or("an unnamed test");
        let component = job.browser_name.as_deref().or(job.device.as_deref());
        let platform = match (component, job.os_name.as_deref()) {
            (Some(component), Some(os)) => [" on ", component, ", ", os],
            (Some(platform), None) | (None, Some(platform)) => [" on ", platform, "", ""],
            (None, None) => [""; 4],
        };
        let error = job.error.as_deref().or(job.exception.as_deref()).and_then(first_line);
        let (colon, error) = error.map_or(("", ""), |error| (": ", error));
        // Joined in one allocation of the exact size: the summary is built for every failure.
        let [on, first, comma, second] = platform;
        let summary = [name, " failed", on, first, comma, second, colon, error].concat();
        JobTrigger {
            routing_key: &self.routing_key,
            source: &self.source,
            client: &self.client,
            key,
            summary,
            severity: self.severity(&job.tags),
            link: self.job_link_base.as_ref().and_then(|base| base.join(&job.id)),
            component,
            group: job.build.as_deref().map(str::trim_end),
            class: job.data_type.as_str(),
            job,
        }
    }

    /// Writes into `body` (emptied first) the JSON body of the alert `event` calls for, byte
    /// for byte what [`alert_for`](Self::alert_for) and [`AlertEvent::body`] give, and says
    /// which action it is; `None` (and `body` left empty) when the event calls for none. A job's
    /// alert is written straight from its fields, without building an `AlertEvent` or a map of
    /// its details: reuse one buffer across events and a job costs no allocation beyond its
    /// summary and dedup key.
    ///
    /// ```
    /// use sauce_webhooks::Event;
    /// use sauce_webhooks::pagerduty::{Action, IncidentRules, RoutingKey};
    ///
    /// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
    /// let failed = Event::from_slice(br#"{"id":"run-1","data_type":"vdc","status":"FAILED","creation_time":0,
    ///     "name":"checkout works","org_id":"acme"}"#)?;
    /// let mut body = Vec::new();
    /// assert_eq!(rules.write_alert(&failed, &mut body)?, Some(Action::Trigger));
    /// assert_eq!(body, rules.alert_for(&failed).unwrap().body()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`AlertEvent::body`], the same error: a body over 512 KB, or a time outside the years
    /// 0 to 9999. `body` is left empty.
    pub fn write_alert(&self, event: &Event<'_>, body: &mut Vec<u8>) -> Result<Option<Action>, AlertError> {
        self.write_alert_within(event, None, body)
    }

    /// Writes into `body` the JSON body of the alert `event`, received for the organization
    /// `received_for`, calls for: byte for byte what
    /// [`alert_received_for`](Self::alert_received_for) gives, as
    /// [`write_alert`](Self::write_alert) is what [`alert_for`](Self::alert_for) gives.
    ///
    /// # Errors
    /// As [`write_alert`](Self::write_alert).
    pub fn write_alert_received_for(
        &self,
        received_for: &OrgId,
        event: &Event<'_>,
        body: &mut Vec<u8>,
    ) -> Result<Option<Action>, AlertError> {
        self.write_alert_within(event, Some(received_for), body)
    }

    fn write_alert_within(
        &self,
        event: &Event<'_>,
        received_for: Option<&OrgId>,
        body: &mut Vec<u8>,
    ) -> Result<Option<Action>, AlertError> {
        body.clear();
        let written = if let Some(Ok(action)) = self.write_job_alert(event, received_for, body) {
            Ok(action)
        } else {
            // Not a job, or a job the direct writer refuses (a time it cannot write): the
            // general path gives the same bytes, and the very error `alert_for(..).body()` gives.
            body.clear();
            self.write_alert_event(event, received_for, body)
        };
        let checked = written.and_then(|action| request::check_size(body).map(|()| action));
        if checked.is_err() {
            // Nothing half-written is left for a caller who ignores the error.
            body.clear();
        }
        checked
    }

    /// A job's alert written straight from its fields; `None` for any other event, and for a
    /// job of another organization than the one it was received for.
    fn write_job_alert(
        &self,
        event: &Event<'_>,
        received_for: Option<&OrgId>,
        body: &mut Vec<u8>,
    ) -> Option<Result<Option<Action>, AlertError>> {
        let Event::Job(job) = event else { return None };
        let verdict = Verdict::of(event);
        if verdict == Verdict::Neither {
            return Some(Ok(None));
        }
        let key = dedup::of_test(event, dedup::organization(event, received_for).ok()?);
        Some(match verdict {
            Verdict::Failure => job_body::write_trigger(body, &self.job_trigger_parts(job, key.as_deref()))
                .map(|()| Some(Action::Trigger)),
            _ => Ok(key.map(|key| {
                job_body::write_resolve(body, &self.routing_key, &key);
                Action::Resolve
            })),
        })
    }

    /// The alert `event` calls for, built as an [`AlertEvent`] and serialized.
    fn write_alert_event(
        &self,
        event: &Event<'_>,
        received_for: Option<&OrgId>,
        body: &mut Vec<u8>,
    ) -> Result<Option<Action>, AlertError> {
        let Some(alert) = self.alert_within(event, received_for) else { return Ok(None) };
        alert.write_body(body)?;
        Ok(Some(alert.action()))
    }

    fn build_trigger(&self, build: &VisualBuild, key: Option<&str>) -> AlertEvent {
        let summary = format!(
            "Visual build {} is {}: {} unapproved, {} rejected, {} errored snapshots",
            build.build_name, build.status, build.summary.unapproved, build.summary.rejected, build.summary.errored
        );
        let payload = Payload::new(summary, &self.source, self.default_severity)
            .with_class("visual build")
            .with_written_details(details(build));
        let link = WebUrl::parse(&build.build_url);
        self.trigger(payload, key, link.map(|link| (link, "Visual build")))
    }

    /// The trigger for concurrency at its limit, `None` below.
    fn concurrency_trigger(&self, usage: &Concurrency, key: Option<&str>) -> Option<AlertEvent> {
        let full = [Some(&usage.organization), usage.team.as_ref()]
            .into_iter()
            .flatten()
            .find(|usage| usage.is_saturated())?;
        let summary = format!(
            "Sauce Labs concurrency at its limit for {}: {}/{} VMs, {}/{} Mac VMs, {}/{} real devices",
            full.id,
            full.current.vms,
            full.allowed.vms,
            full.current.mac_vms,
            full.allowed.mac_vms,
            full.current.rds,
            full.allowed.rds
        );
        let payload = Payload::new(summary, &self.source, Severity::Warning)
            .with_timestamp(usage.timestamp)
            .with_class("concurrency")
            .with_written_details(details(usage));
        Some(self.trigger(payload, key, None))
    }

    /// A failed API test run: "<test> failed: <n> failures in <project>", keyed by its project
    /// and test; without a test to tell it by, an alert of its own.
    fn api_test_trigger(&self, result: &ApiTestResult, key: Option<&str>) -> AlertEvent {
        let test = result.test_name.as_deref().or(result.test()).unwrap_or("an unnamed API test");
        let failures = result.failures_count.map(|n| format!(": {n} failures")).unwrap_or_default();
        let project = result.project_name.as_deref().map(|p| format!(" in {p}")).unwrap_or_default();
        let mut summary = format!("{test} failed{failures}{project}");
        if let Some(error) = result.exception.as_deref().and_then(first_line) {
            summary = format!("{summary}: {error}");
        }
        let payload = Payload::new(summary, &self.source, self.severity(&result.tags))
            .with_class("api test")
            .with_written_details(details(result))
            .with_known_timestamp(result.date);
        self.trigger(payload, key, None)
    }

    /// A new group of errors: "New error in <project>: <innermost frame> (<n>
    /// occurrences)", keyed by its universe, project and fingerprint, linked to the group.
    fn error_group_trigger(&self, group: &ErrorGroup, key: Option<&str>) -> AlertEvent {
        let place = group.project.as_deref().or(group.application.as_deref()).unwrap_or("an application");
        let mut summary = format!("New error in {place}");
        if let Some(first) = group.callstack.iter().find_map(|frame| first_line(frame)) {
            summary = format!("{summary}: {first}");
        }
        if let Some(n) = group.occurrences {
            summary = format!("{summary} ({n} occurrences)");
        }
        let payload = Payload::new(summary, &self.source, Severity::Error)
            .with_class("error group")
            .with_written_details(details(group))
            .with_known_timestamp(group.last_seen);
        let link = group.group_url.as_deref().and_then(WebUrl::parse);
        self.trigger(payload, key, link.map(|link| (link, "Error group")))
    }

    /// A visual run with rejected or changed screenshots: "<group> in <project>: <n>
    /// rejected, <m> changed screenshots", keyed by project, group, resolution and
    /// environment, linked to the run.
    fn visual_run_trigger(&self, run: &VisualRun, key: Option<&str>) -> AlertEvent {
        let group = run.group.as_deref().or(run.name.as_deref()).unwrap_or("A visual run");
        let project = run.project.as_deref().map(|p| format!(" in {p}")).unwrap_or_default();
        let (rejected, changed) = (run.totals.rejected, run.totals.changed);
        let summary = format!("{group}{project}: {rejected} rejected, {changed} changed screenshots");
        let payload = Payload::new(summary, &self.source, Severity::Warning)
            .with_class("visual run")
            .with_written_details(details(run))
            .with_known_timestamp(run.end);
        let link = run.url.as_deref().and_then(WebUrl::parse);
        self.trigger(payload, key, link.map(|link| (link, "Visual run")))
    }

    /// An app's crash: "<app> <version> crashed on <platform>: <message>", keyed by app,
    /// platform and version, linked to the build.
    fn app_crash_trigger(&self, app: &AppDistributionEvent, key: Option<&str>) -> AlertEvent {
        let version = app.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let platform = app.platform.as_deref().map(|p| format!(" on {p}")).unwrap_or_default();
        let name = app.app_name.as_deref().unwrap_or("An app");
        let mut summary = format!("{name}{version} crashed{platform}");
        if let Some(message) = app.crash_message.as_deref().and_then(first_line) {
            summary = format!("{summary}: {message}");
        }
        let payload = Payload::new(summary, &self.source, Severity::Error)
            .with_class("app crash")
            .with_written_details(details(app))
            .with_known_timestamp(app.timestamp);
        let link = app.links.build_url.as_deref().and_then(WebUrl::parse);
        self.trigger(payload, key, link.map(|link| (link, "Build")))
    }

    /// A trigger, with a link (its URL also the client's) when there is one. Without a key to
    /// tell the test by, PagerDuty opens a new alert each time.
    fn trigger(&self, payload: Payload, key: Option<&str>, link: Option<(WebUrl, &str)>) -> AlertEvent {
        let client_url = link.as_ref().map(|(url, _)| url.clone());
        let alert = AlertEvent::trigger(self.routing_key.clone(), payload)
            .with_web_client(&self.client, client_url)
            .with_shared_events_url(self.events_url.as_ref());
        let alert = match key {
            Some(key) => alert.with_dedup_key(key),
            None => alert,
        };
        match link {
            Some((url, text)) => alert.with_web_link(url, Some(text)),
            None => alert,
        }
    }

    /// The announcement of a flaky test (`key` its incident's dedup key), in the form
    /// `form`: an `info` alert under a dedup key of its own, a change event, or a notice; its
    /// classification in its details.
    pub(crate) fn flaky_announcement(
        &self,
        event: &Event<'_>,
        key: &str,
        classified: &Classified,
        form: Announcement,
    ) -> Decision {
        let (name, link) = match event {
            Event::Job(job) => (job.name.as_deref(), self.job_link_base.as_ref().and_then(|base| base.join(&job.id))),
            _ => (None, None),
        };
        self.announce(name.unwrap_or(key), key, classified, link, form)
    }

    /// The announcement of a flaky check.
    pub(crate) fn flaky_check_announcement(
        &self,
        check: &CheckRun,
        key: &str,
        classified: &Classified,
        form: Announcement,
    ) -> Decision {
        self.announce(&check.name, key, classified, check.link.as_deref().and_then(WebUrl::parse), form)
    }

    fn announce(
        &self,
        name: &str,
        key: &str,
        classified: &Classified,
        link: Option<WebUrl>,
        form: Announcement,
    ) -> Decision {
        let summary = format!(
            "{name} is flaky: {} flips between pass and fail in its last {} results",
            classified.flips, classified.results
        );
        let key = format!("{key}#flaky");
        match form {
            Announcement::ChangeEvent => {
                let details = serde_json::from_str(&classified.details()).ok().map(|flakiness| {
                    let mut details = serde_json::Map::new();
                    details.insert("flakiness".to_owned(), flakiness);
                    details
                });
                let mut change = ChangeEvent::new(self.routing_key.clone(), summary, &self.source)
                    .with_custom_details(details.unwrap_or_default());
                if let Some(link) = &link {
                    change = change.with_link(link.as_str(), Some(JOB_LINK_TEXT));
                }
                // Beside an alerts URL of their own (a region's, a proxy's, a stand-in), change
                // events go to the change endpoint beside it.
                // (The alerts URL was checked; the change URL beside it passes the same checks.)
                if let Some(Ok(moved)) = self
                    .events_url
                    .as_deref()
                    .and_then(change_url_beside)
                    .map(|url| change.clone().with_events_url(&url))
                {
                    change = moved;
                }
                Decision::Change(change)
            }
            Announcement::Notice => Decision::Notice(FlakyNotice {
                dedup_key: key,
                test: name.to_owned(),
                summary,
                flakiness: classified.details(),
            }),
            _ => {
                let payload = Payload::new(summary, &self.source, Severity::Info)
                    .with_class("flaky test")
                    .with_written_details(format!("{{\"flakiness\":{}}}", classified.details()));
                Decision::Send(self.trigger(payload, Some(&key), link.map(|link| (link, JOB_LINK_TEXT))))
            }
        }
    }

    /// The severity a tag sets (the last one wins), else the default.
    fn severity(&self, tags: &[impl AsRef<str>]) -> Severity {
        let prefix = &self.severity_tag_prefix;
        tags.iter()
            .rev()
            .find_map(|tag| {
                let tag = tag.as_ref();
                let head = tag.get(..prefix.len())?;
                head.eq_ignore_ascii_case(prefix).then(|| tag[prefix.len()..].parse().ok())?
            })
            .unwrap_or(self.default_severity)
    }
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|line| !line.is_empty())
}

/// The change events' URL beside an alerts URL that ends in `/v2/enqueue`.
fn change_url_beside(alerts: &Url) -> Option<String> {
    let url = alerts.as_str();
    url.strip_suffix("/v2/enqueue").map(|base| format!("{base}/v2/change/enqueue"))
}
