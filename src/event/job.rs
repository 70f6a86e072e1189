//! A finished (or changing) test job on virtual or real devices.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use super::lenient::{self, Word, open_enum};
use super::shape::{Fields, Shape};
use crate::id::{OrgId, TeamId, UserId};

/// A test job, as the VDC and RDC webhook events describe it.
///
/// Fields are named as in the Sauce Labs webhook table. Parsing is lenient (REST-API names,
/// epoch times, `passed` as `1`/`0`, the raw real-device shape); serializing always writes the
/// documented webhook shape.
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
pub struct Job {
    /// Sauce Labs' unique identifier of the test.
    pub id: String,
    /// Virtual (`vdc`) or real (`rdc`) devices.
    pub data_type: DataType,
    /// Status when the event was sent.
    pub status: JobStatus,
    /// Whether the test's assertions passed, when it has any.
    pub passed: Option<bool>,
    /// When the test launched, in UTC.
    #[serde(serialize_with = "lenient::serialize_time")]
    pub creation_time: OffsetDateTime,
    /// When the test last changed, in UTC (the creation time when the sender omits it).
    #[serde(serialize_with = "lenient::serialize_time")]
    pub modification_time: OffsetDateTime,
    /// User name of the test's owner.
    pub owner: Option<String>,
    /// Id of the test's owner.
    pub owner_id: Option<UserId>,
    /// Organization of the owner.
    pub org_id: Option<OrgId>,
    /// Team of the owner.
    pub team_id: Option<TeamId>,
    /// Name of the owner's team.
    pub team_name: Option<String>,
    /// Group of the owner.
    pub group_id: Option<String>,
    /// Name of the test.
    pub name: Option<String>,
    /// Browser the test ran in.
    pub browser_name: Option<String>,
    /// Browser version, verbatim (`"124"`, `"89.0.4389.72"`, even `"74.0."`).
    pub browser_version: Option<String>,
    /// Operating system the test ran on.
    pub os_name: Option<String>,
    /// Operating system version, verbatim.
    pub os_version: Option<String>,
    /// How long the test took, in seconds; set in the last event of a test.
    pub duration_sec: Option<u64>,
    /// Who may see the test.
    pub visibility: Option<Visibility>,
    /// Custom labels.
    pub tags: Vec<String>,
    /// Device the test ran on (mobile tests).
    pub device: Option<String>,
    /// App Storage identifier of the app under test.
    pub app: Option<String>,
    /// An error that occurred during the test.
    pub error: Option<String>,
    /// An exception thrown during the test.
    pub exception: Option<String>,
    /// Commit under test, as the webhook's `commit_id` gives it (set by the test's
    /// `custom-data.commit` capability; the REST API's `custom-data` object is not read).
    pub commit_id: Option<String>,
    /// Branch of that commit, as the webhook's `branch_name` gives it.
    pub branch_name: Option<String>,
    /// Custom value grouping related tests.
    pub build: Option<String>,
    /// Framework the test ran on (`appium`, `webdriver`, ...).
    pub automation_backend: Option<String>,
}

impl Job {
    /// Whether this job counts as a failure: status `Failed` or `Errored`, or `passed == false`.
    ///
    /// ```
    /// use sauce_webhooks::{Event, JobStatus};
    /// let body = br#"{"id":"1","status":"COMPLETE","passed":"false","creation_time":0}"#;
    /// let Event::Job(job) = Event::from_slice(body)? else { unreachable!() };
    /// assert_eq!(job.status, JobStatus::Complete);
    /// assert!(job.is_failure());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_failure(&self) -> bool {
        matches!(self.status, JobStatus::Failed | JobStatus::Errored) || self.passed == Some(false)
    }

    /// Builds a job from the webhook or REST-API keys; the error names a missing required key.
    pub(crate) fn from_fields(f: Fields) -> Result<Self, &'static str> {
        let status = f.consolidated_status.or(f.status).ok_or("status")?;
        let creation_time = f.creation_time.ok_or("creation_time")?;
        let real_device = f.device_type.as_deref().is_some_and(|t| lenient::same_word(t, "real device"));
        Ok(Self {
            id: f.id.ok_or("id")?,
            data_type: f.data_type.unwrap_or(if real_device { DataType::Rdc } else { DataType::Vdc }),
            status: JobStatus::from_wire(&status),
            passed: f.passed,
            creation_time,
            modification_time: f.modification_time.unwrap_or(creation_time),
            owner: f.owner.or(f.owner_sauce),
            owner_id: f.owner_id.map(UserId::from),
            org_id: f.org_id.map(OrgId::from),
            team_id: f.team_id.map(TeamId::from),
            team_name: f.team_name,
            group_id: f.group_id,
            name: f.name,
            browser_name: f.browser_name.or(f.browser),
            browser_version: f.browser_version,
            os_name: f.os_name.or(f.os),
            os_version: f.os_version,
            duration_sec: f.duration_sec,
            visibility: f.visibility.or(f.public),
            tags: f.tags,
            device: f.device.or(f.device_name),
            app: f.app,
            error: f.error,
            exception: f.exception,
            commit_id: f.commit_id,
            branch_name: f.branch_name,
            build: f.build,
            automation_backend: f.automation_backend,
        })
    }
}

impl<'de> Deserialize<'de> for Job {
    /// Reads a job in any accepted shape: the webhook's, the REST API's or the raw real-device one.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::read_object(d, |fields| {
            if fields.event_payload.is_some() {
                super::rdc::job_from_raw(fields).map_err(|field| Shape::RawRdc.missing(field))
            } else {
                Self::from_fields(fields).map_err(|field| Shape::Job.missing(field))
            }
        })
    }
}

/// The REST API's `public` key: a visibility word, or a boolean (`true` public, `false` private).
pub(crate) fn public<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Visibility>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Public {
        Flag(bool),
        #[serde(deserialize_with = "lenient::word")]
        Word(Option<Visibility>),
    }
    Ok(match Option::<Public>::deserialize(d)? {
        Some(Public::Flag(true)) => Some(Visibility::Public),
        Some(Public::Flag(false)) => Some(Visibility::Private),
        Some(Public::Word(word)) => word,
        None => None,
    })
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
