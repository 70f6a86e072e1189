//! Events with realistic defaults, changed by what a test says.

use time::OffsetDateTime;
use time::macros::datetime;

use super::{API_TESTING_PROJECT_ID, ORG_ID, TEAM_ID, USER_ID};
use crate::event::{
    ApiTestResult, AppDistributionEvent, BuildStatus, Concurrency, ConcurrencyUsage, DataCenter, DataType, ErrorGroup,
    Event, Job, JobStatus, RunTotals, Slots, Visibility, VisualBuild, VisualRun,
};
use crate::values::id::{OrgId, TeamId, UserId};
use crate::values::text::Text;

/// When built events happen unless told otherwise (no clock is read).
const CREATED: OffsetDateTime = datetime!(2024-05-01 10:15:30 UTC);

/// Builds a [`Job`]: by default a passed VDC job of [`USER_ID`] in [`TEAM_ID`] and [`ORG_ID`],
/// on Chrome 124 on Windows 11, that ran for 92 seconds.
#[derive(Debug, Clone)]
pub struct JobBuilder(Job<'static>);

impl Default for JobBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl JobBuilder {
    /// A passed VDC job with realistic fields.
    pub fn new() -> Self {
        let mut job = Job::new("4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b", JobStatus::Passed, CREATED);
        job.passed = Some(true);
        job.modification_time = CREATED + time::Duration::seconds(92);
        job.owner = Some("jane.doe".into());
        job.owner_id = Some(UserId::from(USER_ID));
        job.org_id = Some(OrgId::from(ORG_ID));
        job.team_id = Some(TeamId::from(TEAM_ID));
        job.team_name = Some("Checkout".into());
        job.name = Some("checkout applies a discount code".into());
        job.browser_name = Some("chrome".into());
        job.browser_version = Some("124".into());
        job.os_name = Some("Windows".into());
        job.os_version = Some("11".into());
        job.duration_sec = Some(92);
        job.visibility = Some(Visibility::Team);
        job.build = Some("web-shop #1482".into());
        job.automation_backend = Some("webdriver".into());
        Self(job)
    }

    /// A real-device job on an iPhone (no browser), run with Appium.
    #[must_use]
    pub fn real_device(mut self) -> Self {
        let job = &mut self.0;
        job.data_type = DataType::Rdc;
        job.browser_name = None;
        job.browser_version = None;
        job.device = Some("iPhone_15_Pro_real".into());
        job.os_name = Some("iOS".into());
        job.os_version = Some("17.4".into());
        job.automation_backend = Some("appium".into());
        self
    }

    /// Failed, with an assertion error.
    #[must_use]
    pub fn failed(self) -> Self {
        self.with_status(JobStatus::Failed)
            .with_passed(Some(false))
            .with_error("AssertionError: expected 2 items in the cart, found 3")
    }

    /// Still running.
    #[must_use]
    pub fn running(self) -> Self {
        self.with_status(JobStatus::InProgress).with_passed(None)
    }

    /// Sets the id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.0.id = Text::from(id.into());
        self
    }

    /// Sets the test name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.0.name = Some(Text::from(name.into()));
        self
    }

    /// Sets the status.
    #[must_use]
    pub fn with_status(mut self, status: JobStatus) -> Self {
        self.0.status = status;
        self
    }

    /// Sets `passed`.
    #[must_use]
    pub fn with_passed(mut self, passed: Option<bool>) -> Self {
        self.0.passed = passed;
        self
    }

    /// Sets the error.
    #[must_use]
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.0.error = Some(Text::from(error.into()));
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn with_tag(mut self, tag: impl Into<String>) -> Self {
        self.0.tags.push(Text::from(tag.into()));
        self
    }

    /// Sets the owner.
    #[must_use]
    pub fn with_owner(mut self, user: impl Into<UserId>) -> Self {
        self.0.owner_id = Some(user.into());
        self
    }

    /// Sets the team (`None`: no team).
    #[must_use]
    pub fn with_team(mut self, team: Option<&str>) -> Self {
        self.0.team_id = team.map(TeamId::from);
        self
    }

    /// Sets the organization.
    #[must_use]
    pub fn with_org(mut self, org: impl Into<OrgId>) -> Self {
        self.0.org_id = Some(org.into());
        self
    }

    /// Sets when it started; it ends `duration_sec` later.
    #[must_use]
    pub fn with_creation_time(mut self, at: OffsetDateTime) -> Self {
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
    pub fn build(self) -> Job<'static> {
        self.0
    }

    /// The job as an [`Event`].
    pub fn event(self) -> Event<'static> {
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
        let mut build = VisualBuild::new(
            ORG_ID,
            USER_ID,
            "5b6a7c8d9e0f1a2b3c4d5e6f",
            "storybook nightly",
            "https://app.saucelabs.com/visual/builds/5b6a7c8d9e0f1a2b3c4d5e6f",
            BuildStatus::Equal,
            DataCenter::UsWest1,
        );
        build.team_ids = vec![TeamId::from(TEAM_ID)];
        build.creator_id = Some(USER_ID.to_owned());
        build.branch = Some("main".to_owned());
        build.project = Some("design-system".to_owned());
        build.summary.equal = 40;
        Self(build)
    }

    /// Sets the status; `Unapproved`, `Rejected` and `Errored` are failures.
    #[must_use]
    pub fn with_status(mut self, status: BuildStatus) -> Self {
        self.0.status = status;
        self
    }

    /// Unapproved, with 3 snapshots awaiting review.
    #[must_use]
    pub fn unapproved(mut self) -> Self {
        self.0.summary.unapproved = 3;
        self.with_status(BuildStatus::Unapproved)
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
    pub fn event(self) -> Event<'static> {
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
        let usage =
            |id: &str, allowed_vms| ConcurrencyUsage::new(id, Slots::new(allowed_vms, 10, 5), Slots::new(10, 0, 0));
        let mut concurrency = Concurrency::new(usage(ORG_ID, 100), CREATED);
        concurrency.team = Some(usage(TEAM_ID, 20));
        Self(concurrency)
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
    pub fn event(self) -> Event<'static> {
        Event::Concurrency(self.0)
    }
}

/// Builds an [`ApiTestResult`]: by default a passing run of the test "GET /orders returns the
/// customer's orders" in the project "Shop API" ([`API_TESTING_PROJECT_ID`]), as the API
/// Testing webhook connector's default template sends it, with a date.
#[derive(Debug, Clone)]
pub struct ApiTestBuilder(ApiTestResult);

impl Default for ApiTestBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ApiTestBuilder {
    /// A passing run with realistic fields.
    pub fn new() -> Self {
        let mut result = ApiTestResult::new("6634d3b2a1f5c40012e8a9f1");
        result.failures_count = Some(0);
        result.test_name = Some("GET /orders returns the customer's orders".to_owned());
        result.test_id = Some("65a7c1e2b3d4f50011aa22bb".to_owned());
        result.project_name = Some("Shop API".to_owned());
        result.project_id = Some(API_TESTING_PROJECT_ID.to_owned());
        result.tags = vec!["smoke".to_owned()];
        result.date = Some(CREATED);
        Self(result)
    }

    /// Failed, with two failures.
    #[must_use]
    pub fn failed(mut self) -> Self {
        self.0.failures_count = Some(2);
        self
    }

    /// Another run (its id), at `at`.
    #[must_use]
    pub fn run(mut self, event_id: impl Into<String>, at: OffsetDateTime) -> Self {
        (self.0.event_id, self.0.date) = (event_id.into(), Some(at));
        self
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut ApiTestResult)) -> Self {
        change(&mut self.0);
        self
    }

    /// The event's value.
    pub fn build(self) -> ApiTestResult {
        self.0
    }

    /// As an [`Event`].
    pub fn event(self) -> Event<'static> {
        Event::ApiTest(self.0)
    }
}

/// Builds an [`ErrorGroup`]: by default a new group of a `NullPointerException` in the
/// project "checkout-service" of the universe "acme", 12 occurrences over the last hour of
/// the builders' day.
#[derive(Debug, Clone)]
pub struct ErrorGroupBuilder(ErrorGroup);

impl Default for ErrorGroupBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrorGroupBuilder {
    /// A new group with realistic fields.
    pub fn new() -> Self {
        let mut group = ErrorGroup::new("8a3c9e1f2b7d4c6a9e0f1a2b3c4d5e6f");
        group.universe = Some("acme".to_owned());
        group.project = Some("checkout-service".to_owned());
        group.callstack = vec!["NullPointerException at CartService.total".to_owned()];
        group.occurrences = Some(12);
        (group.first_seen, group.last_seen) = (Some(CREATED - time::Duration::HOUR), Some(CREATED));
        Self(group)
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut ErrorGroup)) -> Self {
        change(&mut self.0);
        self
    }

    /// As an [`Event`].
    pub fn event(self) -> Event<'static> {
        Event::ErrorGroup(self.0)
    }
}

/// Builds a [`VisualRun`]: by default a clean run of the group "Checkout" in the project
/// "Shop" (`sp-5b7c2e1f`), 1280x1024 on staging, 44 screenshots all accepted.
#[derive(Debug, Clone)]
pub struct VisualRunBuilder(VisualRun);

impl Default for VisualRunBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl VisualRunBuilder {
    /// A clean run with realistic fields.
    pub fn new() -> Self {
        let mut totals = RunTotals::default();
        (totals.accepted, totals.all) = (44, 44);
        let mut run = VisualRun::new(totals);
        (run.project, run.project_id) = (Some("Shop".to_owned()), Some("sp-5b7c2e1f".to_owned()));
        run.group = Some("Checkout".to_owned());
        (run.resolution, run.environment) = (Some("1280x1024".to_owned()), Some("staging".to_owned()));
        (run.start, run.end) = (Some(CREATED - time::Duration::minutes(4)), Some(CREATED));
        run.status = Some("complete".to_owned());
        Self(run)
    }

    /// Two screenshots rejected.
    #[must_use]
    pub fn failed(mut self) -> Self {
        (self.0.totals.rejected, self.0.totals.accepted) = (2, 42);
        self
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut VisualRun)) -> Self {
        change(&mut self.0);
        self
    }

    /// As an [`Event`].
    pub fn event(self) -> Event<'static> {
        Event::VisualRun(self.0)
    }
}

/// Builds an [`AppDistributionEvent`]: by default the upload of build 57 of the app "Shop"
/// 1.4.2 for iOS.
#[derive(Debug, Clone)]
pub struct AppDistributionBuilder(AppDistributionEvent);

impl Default for AppDistributionBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl AppDistributionBuilder {
    /// An upload with realistic fields.
    pub fn new() -> Self {
        let mut app = AppDistributionEvent::new("upload");
        app.app_name = Some("Shop".to_owned());
        (app.version, app.build) = (Some("1.4.2".to_owned()), Some("57".to_owned()));
        (app.platform, app.timestamp) = (Some("ios".to_owned()), Some(CREATED));
        Self(app)
    }

    /// A crash of the app instead, with a message.
    #[must_use]
    pub fn crash(mut self) -> Self {
        "crash".clone_into(&mut self.0.event);
        self.0.crash_message = Some("EXC_BAD_ACCESS in CartViewController".to_owned());
        self
    }

    /// Changes anything else.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut AppDistributionEvent)) -> Self {
        change(&mut self.0);
        self
    }

    /// As an [`Event`].
    pub fn event(self) -> Event<'static> {
        Event::AppDistribution(self.0)
    }
}
