//! A kit for testing your own receiver: builders with realistic defaults for every event kind,
//! signed requests ready to send, and the documented payloads as bytes. Enable the `testing`
//! feature in your dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! sauce-webhooks = { version = "0.1", features = ["testing"] }
//! ```
//!
//! ```
//! use sauce_webhooks::signature::{Secret, Verifier};
//! use sauce_webhooks::testing::{signed, JobBuilder};
//! use sauce_webhooks::{Event, JobStatus};
//!
//! let secret = Secret::new("test-token")?;
//! let event = JobBuilder::new().name("checkout works").failed().tag("severity:critical").event();
//! let request = signed(&secret, &event);
//!
//! // What your handler does with it:
//! let verified = Verifier::new(secret).verify(&request.body, Some(&request.header_value))?;
//! let Event::Job(job) = verified.event()? else { unreachable!() };
//! assert_eq!(job.status, JobStatus::Failed);
//! assert_eq!(request.header_name, "saucelabs-sign");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use time::OffsetDateTime;
use time::macros::datetime;

use crate::signature::{PAGERDUTY_SIGNATURE_HEADER, SIGNATURE_HEADER, Secret, sign};
use crate::{
    BuildStatus, BuildSummary, Concurrency, ConcurrencyUsage, DataCenter, DataType, Event, Job, JobStatus, OrgId,
    Slots, TeamId, UserId, Visibility, VisualBuild,
};

/// The organization the builders use unless told otherwise.
pub const ORG_ID: &str = "7fb25570b4064716b9b6daae1a846790";
/// The team the builders use unless told otherwise.
pub const TEAM_ID: &str = "98b9f34e596047d99abba56f517846a9";
/// The user the builders use unless told otherwise.
pub const USER_ID: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// When built events happen unless told otherwise (no clock is read).
const CREATED: OffsetDateTime = datetime!(2024-05-01 10:15:30 UTC);

/// The documented payloads, as Sauce Labs (and the relays before it) send them.
pub mod fixtures {
    /// A failed VDC job with every field, an error with escapes (the webhook docs' shape).
    pub const VDC_JOB_FAILED: &[u8] = include_bytes!("../tests/data/vdc_job_failed.json");
    /// A passed RDC job (the webhook docs' shape, with its empty commit fields).
    pub const RDC_JOB_PASSED: &[u8] = include_bytes!("../tests/data/rdc_job_passed.json");
    /// A job from the REST API, as some relays forward it (epoch times, `browser`, `os`, ...).
    pub const REST_API_JOB: &[u8] = include_bytes!("../tests/data/rest_api_job.json");
    /// The raw real-device event: `eventPayload` plus `ownership`, with `groupIdd`.
    pub const RAW_RDC_EVENT: &[u8] = include_bytes!("../tests/data/raw_rdc_event.json");
    /// A concurrency usage event, with its float epoch timestamp.
    pub const CONCURRENCY: &[u8] = include_bytes!("../tests/data/concurrency.json");
    /// A visual build completed, unapproved.
    pub const VISUAL_BUILD: &[u8] = include_bytes!("../tests/data/visual_build.json");
    /// An array of two jobs, as some senders batch them.
    pub const BATCH_OF_TWO_JOBS: &[u8] = include_bytes!("../tests/data/batch_two_jobs.json");
    /// A PagerDuty v3 `incident.triggered` delivery.
    pub const PAGERDUTY_INCIDENT_TRIGGERED: &[u8] = include_bytes!("../tests/data/pagerduty/incident_triggered.json");
    /// A PagerDuty v3 `pagey.ping` delivery.
    pub const PAGERDUTY_PING: &[u8] = include_bytes!("../tests/data/pagerduty/pagey_ping.json");
}

/// A body and the signature header to send with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The body bytes.
    pub body: Vec<u8>,
    /// The header's name (lowercase).
    pub header_name: &'static str,
    /// The header's value.
    pub header_value: String,
}

/// `event` serialized as Sauce Labs sends it, with its `saucelabs-sign` header (an event
/// whose time cannot be written, outside the years 0 to 9999, gives an empty body).
pub fn signed(secret: &Secret, event: &Event) -> SignedRequest {
    signed_bytes(secret, serde_json::to_vec(event).unwrap_or_default())
}

/// `body` as it is, with its `saucelabs-sign` header: for fixtures and hand-written bodies.
pub fn signed_bytes(secret: &Secret, body: impl Into<Vec<u8>>) -> SignedRequest {
    let body = body.into();
    let header_value = sign(secret, &body).to_string();
    SignedRequest { body, header_name: SIGNATURE_HEADER, header_value }
}

/// A PagerDuty v3 delivery, with an `x-pagerduty-signature` header holding one `v1=` entry
/// for each secret (as PagerDuty sends during a rotation).
pub fn signed_pagerduty(secrets: &[&Secret], body: impl Into<Vec<u8>>) -> SignedRequest {
    let body = body.into();
    let header_value = secrets.iter().map(|secret| format!("v1={}", sign(secret, &body))).collect::<Vec<_>>().join(",");
    SignedRequest { body, header_name: PAGERDUTY_SIGNATURE_HEADER, header_value }
}

/// Builds a [`Job`]: by default a passed VDC job of [`USER_ID`] in [`TEAM_ID`] and [`ORG_ID`],
/// on Chrome 124 on Windows 11, that ran for 92 seconds.
#[derive(Debug, Clone)]
pub struct JobBuilder(Job);

impl Default for JobBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl JobBuilder {
    /// A passed VDC job with realistic fields.
    pub fn new() -> Self {
        Self(Job {
            id: "4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b".to_owned(),
            data_type: DataType::Vdc,
            status: JobStatus::Passed,
            passed: Some(true),
            creation_time: CREATED,
            modification_time: CREATED + time::Duration::seconds(92),
            owner: Some("jane.doe".to_owned()),
            owner_id: Some(UserId::from(USER_ID)),
            org_id: Some(OrgId::from(ORG_ID)),
            team_id: Some(TeamId::from(TEAM_ID)),
            team_name: Some("Checkout".to_owned()),
            group_id: None,
            name: Some("checkout applies a discount code".to_owned()),
            browser_name: Some("chrome".to_owned()),
            browser_version: Some("124".to_owned()),
            os_name: Some("Windows".to_owned()),
            os_version: Some("11".to_owned()),
            duration_sec: Some(92),
            visibility: Some(Visibility::Team),
            tags: Vec::new(),
            device: None,
            app: None,
            error: None,
            exception: None,
            commit_id: None,
            branch_name: None,
            build: Some("web-shop #1482".to_owned()),
            automation_backend: Some("webdriver".to_owned()),
        })
    }

    /// A real-device job on an iPhone (no browser), run with Appium.
    #[must_use]
    pub fn real_device(mut self) -> Self {
        let job = &mut self.0;
        job.data_type = DataType::Rdc;
        job.browser_name = None;
        job.browser_version = None;
        job.device = Some("iPhone_15_Pro_real".to_owned());
        job.os_name = Some("iOS".to_owned());
        job.os_version = Some("17.4".to_owned());
        job.automation_backend = Some("appium".to_owned());
        self
    }

    /// Failed, with an assertion error.
    #[must_use]
    pub fn failed(self) -> Self {
        self.status(JobStatus::Failed)
            .passed(Some(false))
            .error("AssertionError: expected 2 items in the cart, found 3")
    }

    /// Still running.
    #[must_use]
    pub fn running(self) -> Self {
        self.status(JobStatus::InProgress).passed(None)
    }

    /// Sets the id.
    #[must_use]
    pub fn id(mut self, id: &str) -> Self {
        id.clone_into(&mut self.0.id);
        self
    }

    /// Sets the test name.
    #[must_use]
    pub fn name(mut self, name: &str) -> Self {
        self.0.name = Some(name.to_owned());
        self
    }

    /// Sets the status.
    #[must_use]
    pub fn status(mut self, status: JobStatus) -> Self {
        self.0.status = status;
        self
    }

    /// Sets `passed`.
    #[must_use]
    pub fn passed(mut self, passed: Option<bool>) -> Self {
        self.0.passed = passed;
        self
    }

    /// Sets the error.
    #[must_use]
    pub fn error(mut self, error: &str) -> Self {
        self.0.error = Some(error.to_owned());
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, tag: &str) -> Self {
        self.0.tags.push(tag.to_owned());
        self
    }

    /// Sets the owner.
    #[must_use]
    pub fn owner(mut self, user: &str) -> Self {
        self.0.owner_id = Some(UserId::from(user));
        self
    }

    /// Sets the team (`None`: no team).
    #[must_use]
    pub fn team(mut self, team: Option<&str>) -> Self {
        self.0.team_id = team.map(TeamId::from);
        self
    }

    /// Sets the organization.
    #[must_use]
    pub fn org(mut self, org: &str) -> Self {
        self.0.org_id = Some(OrgId::from(org));
        self
    }

    /// Sets when it started; it ends `duration_sec` later.
    #[must_use]
    pub fn created_at(mut self, at: OffsetDateTime) -> Self {
        self.0.creation_time = at;
        self.0.modification_time = at + time::Duration::seconds(self.0.duration_sec.map_or(0, u64::cast_signed));
        self
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut Job)) -> Self {
        change(&mut self.0);
        self
    }

    /// The job.
    pub fn build(self) -> Job {
        self.0
    }

    /// The job as an [`Event`].
    pub fn event(self) -> Event {
        Event::Job(self.0)
    }
}

/// Builds a [`VisualBuild`]: by default an equal (passing) build of [`USER_ID`] in [`TEAM_ID`]
/// and [`ORG_ID`], on `us-west-1`, with 40 equal snapshots.
#[derive(Debug, Clone)]
pub struct VisualBuildBuilder(VisualBuild);

impl Default for VisualBuildBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl VisualBuildBuilder {
    /// An equal build with realistic fields.
    pub fn new() -> Self {
        Self(VisualBuild {
            org_id: OrgId::from(ORG_ID),
            user_id: UserId::from(USER_ID),
            team_ids: vec![TeamId::from(TEAM_ID)],
            creator_id: Some(USER_ID.to_owned()),
            build_id: "5b6a7c8d9e0f1a2b3c4d5e6f".to_owned(),
            build_name: "storybook nightly".to_owned(),
            build_url: "https://app.saucelabs.com/visual/builds/5b6a7c8d9e0f1a2b3c4d5e6f".to_owned(),
            status: BuildStatus::Equal,
            branch: Some("main".to_owned()),
            project: Some("design-system".to_owned()),
            summary: BuildSummary { equal: 40, ..BuildSummary::default() },
            data_center: DataCenter::UsWest1,
        })
    }

    /// Sets the status; `Unapproved`, `Rejected` and `Errored` are failures.
    #[must_use]
    pub fn status(mut self, status: BuildStatus) -> Self {
        self.0.status = status;
        self
    }

    /// Unapproved, with 3 snapshots awaiting review.
    #[must_use]
    pub fn unapproved(mut self) -> Self {
        self.0.summary.unapproved = 3;
        self.status(BuildStatus::Unapproved)
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut VisualBuild)) -> Self {
        change(&mut self.0);
        self
    }

    /// The build.
    pub fn build(self) -> VisualBuild {
        self.0
    }

    /// The build as an [`Event`].
    pub fn event(self) -> Event {
        Event::VisualBuild(self.0)
    }
}

/// Builds a [`Concurrency`] event: by default [`ORG_ID`] using 10 of 100 VMs, and [`TEAM_ID`]
/// 10 of 20.
#[derive(Debug, Clone)]
pub struct ConcurrencyBuilder(Concurrency);

impl Default for ConcurrencyBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ConcurrencyBuilder {
    /// Usage well under the limits.
    pub fn new() -> Self {
        let usage = |id: &str, allowed_vms| ConcurrencyUsage {
            id: id.to_owned(),
            allowed: Slots { vms: allowed_vms, mac_vms: 10, rds: 5 },
            current: Slots { vms: 10, mac_vms: 0, rds: 0 },
        };
        Self(Concurrency { organization: usage(ORG_ID, 100), team: Some(usage(TEAM_ID, 20)), timestamp: CREATED })
    }

    /// The team uses all its VMs.
    #[must_use]
    pub fn team_saturated(mut self) -> Self {
        if let Some(team) = &mut self.0.team {
            team.current.vms = team.allowed.vms;
        }
        self
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut Concurrency)) -> Self {
        change(&mut self.0);
        self
    }

    /// The event's value.
    pub fn build(self) -> Concurrency {
        self.0
    }

    /// As an [`Event`].
    pub fn event(self) -> Event {
        Event::Concurrency(self.0)
    }
}
