//! A test job on virtual or real devices: the VDC and RDC webhook events.

use serde::Serialize;
use time::OffsetDateTime;

use crate::support::open_enum::open_enum;
use crate::support::time::serialize_time;
use crate::values::id::{OrgId, TeamId, UserId};
use crate::values::text::Text;

/// A test job, as the VDC and RDC webhook events describe it.
///
/// Fields are named as in the Sauce Labs webhook table. Parsing is lenient (REST-API names,
/// epoch times, `passed` as `1`/`0`, the raw real-device shape); serializing always writes the
/// documented webhook shape. The struct is `#[non_exhaustive]`: read its fields, and build one
/// with [`Job::new`] (or the testing kit's `JobBuilder`), so that a field Sauce Labs adds later
/// is not a breaking change.
///
/// Its texts are [`Text`]s: lent from the body in the job of an event parsed with
/// [`Event::from_slice_borrowed`](crate::Event::from_slice_borrowed), owned in a `Job<'static>`
/// (set one with `.into()`: `job.name = Some("checkout works".into())`). Ids and open enums'
/// unknown words are owned in both.
///
/// ```
/// use sauce_webhooks::{Event, JobStatus};
///
/// let body = br#"{"id":"c3f1b9","data_type":"vdc","status":"FAILED","passed":0,
///     "creation_time":"2024-05-01T10:00:00Z","modification_time":1714557660,
///     "name":"checkout works","browser_name":"chrome","browser_version":124,"tags":["smoke"]}"#;
/// let Event::Job(job) = Event::from_slice(body)? else { unreachable!() };
/// assert_eq!(job.status, JobStatus::Failed);
/// assert_eq!(job.passed, Some(false));
/// assert_eq!(job.browser_version.as_deref(), Some("124"));
/// assert!(job.is_failure());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Job<'a> {
    /// Sauce Labs' unique identifier of the test.
    pub id: Text<'a>,
    /// Virtual (`vdc`) or real (`rdc`) devices.
    pub data_type: DataType,
    /// Status when the event was sent.
    pub status: JobStatus,
    /// Whether the test's assertions passed, when it has any.
    pub passed: Option<bool>,
    /// When the test launched, in UTC.
    #[serde(serialize_with = "serialize_time")]
    pub creation_time: OffsetDateTime,
    /// When the test last changed, in UTC (the creation time when the sender omits it).
    #[serde(serialize_with = "serialize_time")]
    pub modification_time: OffsetDateTime,
    /// User name of the test's owner.
    pub owner: Option<Text<'a>>,
    /// Id of the test's owner.
    pub owner_id: Option<UserId>,
    /// Organization of the owner.
    pub org_id: Option<OrgId>,
    /// Team of the owner.
    pub team_id: Option<TeamId>,
    /// Name of the owner's team.
    pub team_name: Option<Text<'a>>,
    /// Group of the owner.
    pub group_id: Option<Text<'a>>,
    /// Name of the test.
    pub name: Option<Text<'a>>,
    /// Browser the test ran in.
    pub browser_name: Option<Text<'a>>,
    /// Browser version, verbatim (`"124"`, `"89.0.4389.72"`, even `"74.0."`).
    pub browser_version: Option<Text<'a>>,
    /// Operating system the test ran on.
    pub os_name: Option<Text<'a>>,
    /// Operating system version, verbatim.
    pub os_version: Option<Text<'a>>,
    /// How long the test took, in seconds; set in the last event of a test.
    pub duration_sec: Option<u64>,
    /// Who may see the test.
    pub visibility: Option<Visibility>,
    /// Custom labels.
    pub tags: Vec<Text<'a>>,
    /// Device the test ran on (mobile tests).
    pub device: Option<Text<'a>>,
    /// App Storage identifier of the app under test.
    pub app: Option<Text<'a>>,
    /// An error that occurred during the test.
    pub error: Option<Text<'a>>,
    /// An exception thrown during the test.
    pub exception: Option<Text<'a>>,
    /// Commit under test, as the webhook's `commit_id` gives it (set by the test's
    /// `custom-data.commit` capability; the REST API's `custom-data` object is not read).
    pub commit_id: Option<Text<'a>>,
    /// Branch of that commit, as the webhook's `branch_name` gives it.
    pub branch_name: Option<Text<'a>>,
    /// Custom value grouping related tests.
    pub build: Option<Text<'a>>,
    /// Framework the test ran on (`appium`, `webdriver`, ...).
    pub automation_backend: Option<Text<'a>>,
}

impl Job<'_> {
    /// The job with owned texts, copying those it borrows: one to keep.
    pub fn into_owned(self) -> Job<'static> {
        let owned = |text: Option<Text<'_>>| text.map(Text::into_static);
        Job {
            id: self.id.into_static(),
            data_type: self.data_type,
            status: self.status,
            passed: self.passed,
            creation_time: self.creation_time,
            modification_time: self.modification_time,
            owner: owned(self.owner),
            owner_id: self.owner_id,
            org_id: self.org_id,
            team_id: self.team_id,
            team_name: owned(self.team_name),
            group_id: owned(self.group_id),
            name: owned(self.name),
            browser_name: owned(self.browser_name),
            browser_version: owned(self.browser_version),
            os_name: owned(self.os_name),
            os_version: owned(self.os_version),
            duration_sec: self.duration_sec,
            visibility: self.visibility,
            tags: self.tags.into_iter().map(Text::into_static).collect(),
            device: owned(self.device),
            app: owned(self.app),
            error: owned(self.error),
            exception: owned(self.exception),
            commit_id: owned(self.commit_id),
            branch_name: owned(self.branch_name),
            build: owned(self.build),
            automation_backend: owned(self.automation_backend),
        }
    }

    /// Whether this job counts as a failure: status `Failed` or `Errored`, or `passed == false`
    /// once it has finished. A job still new, queued or running is never a failure, whatever
    /// `passed` says (REST records carry `passed: false` while a job runs).
    ///
    /// ```
    /// use sauce_webhooks::{Event, JobStatus};
    /// let body = br#"{"id":"1","status":"COMPLETE","passed":"false","creation_time":0}"#;
    /// let Event::Job(job) = Event::from_slice(body)? else { unreachable!() };
    /// assert_eq!(job.status, JobStatus::Complete);
    /// assert!(job.is_failure());
    ///
    /// let running = br#"{"id":"1","status":"in progress","passed":false,"creation_time":0}"#;
    /// assert!(!Event::from_slice(running)?.is_failure());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_failure(&self) -> bool {
        match self.status {
            JobStatus::Failed | JobStatus::Errored => true,
            JobStatus::New | JobStatus::Queued | JobStatus::InProgress => false,
            _ => self.passed == Some(false),
        }
    }

    /// Whether the job has finished: any status but new, queued or running (unknown ones
    /// included).
    pub fn is_finished(&self) -> bool {
        !matches!(self.status, JobStatus::New | JobStatus::Queued | JobStatus::InProgress)
    }
}

open_enum! {
    /// Whether a job ran on virtual devices (desktop browsers, emulators, simulators) or real devices.
    pub enum DataType {
        /// Virtual Device Cloud.
        Vdc = "vdc" | "virtual device",
        /// Real Device Cloud.
        Rdc = "rdc" | "real device",
    }
}

open_enum! {
    /// Status of a job. The webhook sends upper case, the REST API lower case; both are accepted.
    pub enum JobStatus {
        /// Finished without a pass/fail verdict.
        Complete = "COMPLETE",
        /// Finished and passed.
        Passed = "PASSED",
        /// Finished and failed.
        Failed = "FAILED",
        /// Ended with an error in the infrastructure or the test (REST API: `error`).
        Errored = "ERRORED" | "error",
        /// Still running (REST API: `in progress`).
        InProgress = "IN PROGRESS" | "running",
        /// Waiting for a device or VM.
        Queued = "QUEUED",
        /// Just created, not yet queued (REST API: `new`).
        New = "NEW",
    }
}

open_enum! {
    /// Who within the organization may see a test.
    pub enum Visibility {
        /// Anyone with the link.
        Public = "PUBLIC",
        /// Anyone, without logs and video.
        PublicRestricted = "PUBLIC RESTRICTED",
        /// Anyone with a shared link.
        Share = "SHARE",
        /// The owner's team.
        Team = "TEAM",
        /// The owner only.
        Private = "PRIVATE",
    }
}
