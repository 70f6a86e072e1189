//! An alert's custom details: the event's documented JSON, nulls dropped and long texts and
//! lists shortened, so that however large an event's texts, the alert fits PagerDuty's 512 KB.
//! Built as a map for any event, or written straight into a body for a job, byte for byte the
//! same.

use std::borrow::Cow;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::event::Job;
use crate::support::clip::clip_json;
use crate::support::json_out::{Object, string};

/// Longest text kept in custom details, in characters: 2048 and an ellipsis (at most 8 KB of
/// UTF-8 each).
const DETAIL_CHARS: usize = 2049;
/// Longest text kept in custom details once JSON-escaped, in bytes: with at most 32 items a
/// list and the thirty-odd fields of a job, the details stay under 300 KB.
const DETAIL_JSON_BYTES: usize = 4096;
/// Most items kept of a list in custom details.
const DETAIL_ITEMS: usize = 32;

/// A value's documented JSON, as the alert's custom details: nulls dropped, long texts and
/// lists shortened, so that however large an event's texts, the alert fits PagerDuty's 512 KB.
pub(super) fn details(value: &impl serde::Serialize) -> Map<String, Value> {
    fn bound(value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Cow::Owned(cut) = bounded(text) {
                    *text = cut;
                }
            }
            Value::Array(items) => {
                items.truncate(DETAIL_ITEMS);
                items.iter_mut().for_each(bound);
            }
            Value::Object(map) => map.values_mut().for_each(bound),
            _ => {}
        }
    }
    let Ok(Value::Object(mut map)) = serde_json::to_value(value) else { return Map::new() };
    map.retain(|_, value| !value.is_null());
    map.values_mut().for_each(bound);
    map
}

/// `text` as custom details keep it.
fn bounded(text: &str) -> Cow<'_, str> {
    clip_json(text, DETAIL_CHARS, DETAIL_JSON_BYTES)
}

/// One value of a job's details, as its documented JSON has it.
enum Detail<'j> {
    Text(&'j str),
    Flag(bool),
    Count(u64),
    Time(OffsetDateTime),
    Texts(&'j [String]),
}

/// A job's detail values by key, sorted as a `serde_json::Map` keeps its keys.
fn job_fields(job: &Job) -> [(&'static str, Option<Detail<'_>>); 28] {
    use Detail::{Count, Flag, Text, Texts, Time};
    fn text(value: Option<&str>) -> Option<Detail<'_>> {
        value.map(Detail::Text)
    }
    fn id(value: Option<&impl AsRef<str>>) -> Option<Detail<'_>> {
        value.map(|id| Detail::Text(id.as_ref()))
    }
    [
        ("app", text(job.app.as_deref())),
        ("automation_backend", text(job.automation_backend.as_deref())),
        ("branch_name", text(job.branch_name.as_deref())),
        ("browser_name", text(job.browser_name.as_deref())),
        ("browser_version", text(job.browser_version.as_deref())),
        ("build", text(job.build.as_deref())),
        ("commit_id", text(job.commit_id.as_deref())),
        ("creation_time", Some(Time(job.creation_time))),
        ("data_type", Some(Text(job.data_type.as_str()))),
        ("device", text(job.device.as_deref())),
        ("duration_sec", job.duration_sec.map(Count)),
        ("error", text(job.error.as_deref())),
        ("exception", text(job.exception.as_deref())),
        ("group_id", text(job.group_id.as_deref())),
        ("id", Some(Text(&job.id))),
        ("modification_time", Some(Time(job.modification_time))),
        ("name", text(job.name.as_deref())),
        ("org_id", id(job.org_id.as_ref())),
        ("os_name", text(job.os_name.as_deref())),
        ("os_version", text(job.os_version.as_deref())),
        ("owner", text(job.owner.as_deref())),
        ("owner_id", id(job.owner_id.as_ref())),
        ("passed", job.passed.map(Flag)),
        ("status", Some(Text(job.status.as_str()))),
        ("tags", Some(Texts(&job.tags))),
        ("team_id", id(job.team_id.as_ref())),
        ("team_name", text(job.team_name.as_deref())),
        ("visibility", job.visibility.as_ref().map(|v| Text(v.as_str()))),
    ]
}

/// Writes `job`'s details, byte for byte what [`details`] makes of it once serialized: its
/// keys in the order a `serde_json::Map` keeps (sorted), `None`s left out, the same bounds.
///
/// # Errors
/// A time UTC cannot hold or that RFC 3339 cannot write, as serializing would refuse it.
pub(super) fn write_job_details(out: &mut Vec<u8>, job: &Job) -> Result<(), time::error::Format> {
    use Detail::{Count, Flag, Text, Texts, Time};
    let mut object = Object::open(out);
    for (key, value) in job_fields(job) {
        let Some(value) = value else { continue };
        let out = object.key(key);
        match value {
            Text(value) => string(out, &bounded(value)),
            Flag(value) => out.extend_from_slice(if value { b"true" } else { b"false" }),
            Count(value) => out.extend_from_slice(itoa(value, &mut [0; 20])),
            Time(value) => time(out, value)?,
            Texts(values) => {
                out.push(b'[');
                for (i, value) in values.iter().take(DETAIL_ITEMS).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    string(out, &bounded(value));
                }
                out.push(b']');
            }
        }
    }
    object.close();
    Ok(())
}

/// Writes `at` as the crate serializes a time: RFC 3339 in UTC, quoted.
pub(super) fn time(out: &mut Vec<u8>, at: OffsetDateTime) -> Result<(), time::error::Format> {
    let utc = at.checked_to_offset(UtcOffset::UTC).ok_or(time::error::Format::InvalidComponent("offset"))?;
    out.push(b'"');
    utc.format_into(out, &Rfc3339)?;
    out.push(b'"');
    Ok(())
}

/// `n` in decimal, in the tail of `buffer`.
fn itoa(mut n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buffer[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::{itoa, job_fields};
    use crate::event::{Job, JobStatus};

    #[test]
    fn job_detail_keys_are_sorted_as_a_map_keeps_them() {
        let job = Job::new("j1", JobStatus::Failed, OffsetDateTime::UNIX_EPOCH);
        let keys = job_fields(&job).map(|(key, _)| key);
        assert!(keys.is_sorted(), "{keys:?}");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 4096, u64::MAX] {
            assert_eq!(itoa(n, &mut [0; 20]), n.to_string().as_bytes());
        }
    }
}
