//! Seed 001's raw real-device event: `eventPayload` in camelCase plus `ownership`.
//!
//! ```json
//! {"eventPayload": {"id": "…", "creationTime": …, "status": "passed", "deviceName": "iPhone 15", …},
//!  "ownership": {"userId": "…", "orgId": "…", "teamId": "…", "groupIdd": "…"}}
//! ```
//! The group id comes under the misspelt key `groupIdd`; `groupId` is accepted too.

use serde::Deserialize;
use time::OffsetDateTime;

use super::job::{DataType, Job, JobStatus};
use super::lenient::{self, Word};
use super::shape::Fields;
use crate::id::{OrgId, TeamId, UserId};

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RdcPayload {
    #[serde(deserialize_with = "lenient::text")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient::time")]
    creation_time: Option<OffsetDateTime>,
    #[serde(deserialize_with = "lenient::time")]
    modification_time: Option<OffsetDateTime>,
    #[serde(deserialize_with = "lenient::text")]
    status: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    os_name: Option<String>,
    #[serde(deserialize_with = "lenient::version")]
    os_version: Option<String>,
    #[serde(deserialize_with = "lenient::optional_u64")]
    duration_sec: Option<u64>,
    #[serde(deserialize_with = "lenient::text")]
    device_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    build: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    automation_backend: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RdcOwnership {
    #[serde(deserialize_with = "lenient::text")]
    user_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    org_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    team_id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    group_idd: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    group_id: Option<String>,
}

/// Builds a real-device [`Job`] from the raw shape, mapping fields as seed 001's `as_job_data`
/// does; `team_name` comes from the top level when a relay adds it. The error names a missing
/// required key by its path below the body.
pub(crate) fn job_from_raw(fields: Fields) -> Result<Job, &'static str> {
    let payload = *fields.event_payload.unwrap_or_default();
    let ownership = *fields.ownership.unwrap_or_default();
    let creation_time = payload.creation_time.ok_or("eventPayload.creationTime")?;
    Ok(Job {
        id: payload.id.ok_or("eventPayload.id")?,
        data_type: DataType::Rdc,
        status: JobStatus::from_wire(&payload.status.ok_or("eventPayload.status")?),
        passed: None,
        creation_time,
        modification_time: payload.modification_time.unwrap_or(creation_time),
        owner: None,
        owner_id: ownership.user_id.map(UserId::from),
        org_id: ownership.org_id.map(OrgId::from),
        team_id: ownership.team_id.map(TeamId::from),
        team_name: fields.team_name,
        group_id: ownership.group_idd.or(ownership.group_id),
        name: payload.name,
        browser_name: None,
        browser_version: None,
        os_name: payload.os_name,
        os_version: payload.os_version,
        duration_sec: payload.duration_sec,
        visibility: None,
        tags: Vec::new(),
        device: payload.device_name,
        app: None,
        error: None,
        exception: None,
        commit_id: None,
        branch_name: None,
        build: payload.build,
        automation_backend: payload.automation_backend,
    })
}
