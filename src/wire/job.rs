//! Jobs from their keys: the webhook's, the REST API's, and the raw real-device event's.

use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use super::family::Shape;
use super::fields::{Fields, read_object};
use crate::event::{DataType, Job, JobStatus};
use crate::support::open_enum::{Word, same_word};
use crate::values::id::{OrgId, TeamId, UserId};
use crate::values::text::Text;

impl<'a> Job<'a> {
    /// A VDC job with the fields every job has; the modification time is the creation time,
    /// and every optional field is empty. Set the others on the result.
    ///
    /// ```
    /// use sauce_webhooks::{Job, JobStatus, time::OffsetDateTime};
    ///
    /// let mut job = Job::new("4b0c9d3e", JobStatus::Failed, OffsetDateTime::UNIX_EPOCH);
    /// job.name = Some("checkout works".into());
    /// assert!(job.is_failure());
    /// ```
    pub fn new(id: impl Into<Text<'a>>, status: JobStatus, creation_time: OffsetDateTime) -> Self {
        assemble(id.into(), status, creation_time, &mut Fields::default())
    }
}

/// Builds a job from the webhook or REST-API keys; the error names a missing required key.
pub(crate) fn from_fields<'de>(f: &mut Fields<'de>) -> Result<Job<'de>, &'static str> {
    let status = f.consolidated_status.take().or_else(|| f.status.take()).ok_or("status")?;
    let creation_time = f.creation_time.ok_or("creation_time")?;
    let id = f.id.take().ok_or("id")?;
    Ok(assemble(id, JobStatus::from_wire(&status), creation_time, f))
}

/// Builds a real-device job from the raw shape of Sauce Labs' earlier webhooks page, by moving
/// its keys to where the webhook puts them; `team_name` comes from the top level when a relay
/// adds it. The error names a missing required key by its path below the body.
pub(crate) fn from_raw_rdc<'de>(f: &mut Fields<'de>) -> Result<Job<'de>, &'static str> {
    let payload = *f.event_payload.take().unwrap_or_default();
    let ownership = *f.ownership.take().unwrap_or_default();
    let creation_time = payload.creation_time.ok_or("eventPayload.creationTime")?;
    let id = payload.id.ok_or("eventPayload.id")?.into();
    let status = payload.status.ok_or("eventPayload.status")?;
    let mut keys = Fields {
        data_type: Some(DataType::Rdc),
        modification_time: payload.modification_time,
        name: payload.name.map(Text::from),
        os_name: payload.os_name.map(Text::from),
        os_version: payload.os_version.map(Text::from),
        duration_sec: payload.duration_sec,
        device: payload.device_name.map(Text::from),
        build: payload.build.map(Text::from),
        automation_backend: payload.automation_backend.map(Text::from),
        owner_id: ownership.user_id,
        org_id: ownership.org_id,
        team_id: ownership.team_id,
        group_id: ownership.group_idd.or(ownership.group_id).map(Text::from),
        team_name: f.team_name.take(),
        ..Fields::default()
    };
    Ok(assemble(id, JobStatus::from_wire(&status), creation_time, &mut keys))
}

/// The job with these required fields and every optional one read from `f`, REST-API names
/// standing in for absent webhook ones. Adding a field to [`Job`] means one line here.
fn assemble<'de>(id: Text<'de>, status: JobStatus, creation_time: OffsetDateTime, f: &mut Fields<'de>) -> Job<'de> {
    let real_device = f.device_type.as_deref().is_some_and(|t| same_word(t, "real device"));
    Job {
        id,
        data_type: f.data_type.take().unwrap_or(if real_device { DataType::Rdc } else { DataType::Vdc }),
        status,
        passed: f.passed,
        creation_time,
        modification_time: f.modification_time.unwrap_or(creation_time),
        owner: f.owner.take().or(f.owner_sauce.take()),
        owner_id: f.owner_id.take().map(UserId::from),
        org_id: f.org_id.take().map(OrgId::from),
        team_id: f.team_id.take().map(TeamId::from),
        team_name: f.team_name.take(),
        group_id: f.group_id.take(),
        name: f.name.take(),
        browser_name: f.browser_name.take().or(f.browser.take()),
        browser_version: f.browser_version.take(),
        os_name: f.os_name.take().or(f.os.take()),
        os_version: f.os_version.take(),
        duration_sec: f.duration_sec,
        visibility: f.visibility.take().or(f.public.take()),
        tags: std::mem::take(&mut f.tags),
        device: f.device.take().or(f.device_name.take()),
        app: f.app.take(),
        error: f.error.take(),
        exception: f.exception.take(),
        commit_id: f.commit_id.take(),
        branch_name: f.branch_name.take(),
        build: f.build.take(),
        automation_backend: f.automation_backend.take(),
    }
}

impl<'de> Deserialize<'de> for Job<'static> {
    /// Reads a job in any accepted shape: the webhook's, the REST API's or the raw real-device one.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_object(d, |fields: &mut Fields| {
            // Owned at once: a deserializer other than serde_json's over bytes may lend text
            // that needs escaping (see `Text::lent`).
            if fields.event_payload.is_some() {
                from_raw_rdc(fields).map(Job::into_owned).map_err(|field| Shape::RawRdc.missing(field))
            } else {
                from_fields(fields).map(Job::into_owned).map_err(|field| Shape::Job.missing(field))
            }
        })
    }
}
