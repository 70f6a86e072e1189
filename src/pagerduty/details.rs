//! An alert's custom details: the event's documented JSON, nulls dropped and long texts, lists
//! and objects shortened, so that however large an event, the alert fits PagerDuty's 512 KB and
//! building it holds no more than the event's JSON. Written again from that JSON for any event,
//! or straight into a body for a job, byte for byte the same.

use std::borrow::Cow;

use time::OffsetDateTime;

use super::bounded_json::{Bounds, rewrite_object};
use crate::event::Job;
use crate::support::clip::clip_json;
use crate::support::json_out::{Object, itoa, plain_string, string, time};
use crate::values::text::Text;

/// Longest text kept in custom details, in characters: 2048 and an ellipsis (at most 8 KB of
/// UTF-8 each).
const DETAIL_CHARS: usize = 2049;
/// Longest text kept in custom details once JSON-escaped, in bytes: with at most 32 items a
/// list and the thirty-odd fields of a job, the details stay under 300 KB.
const DETAIL_JSON_BYTES: usize = 4096;
/// Most items kept of a list in custom details.
const DETAIL_ITEMS: usize = 32;

/// The bounds of custom details: each text as [`bounded`] cuts it, lists of at most 32 items,
/// objects of at most 64 entries (an event's documented JSON has about 30 keys at most), 32
/// levels of lists and objects (an event's documented JSON has 4; an alert body around them
/// has 3 more, far within what any JSON reader takes), and nothing more kept past 320 KiB, so
/// that with the rest of the alert the body stays under PagerDuty's 512 KB: what PagerDuty
/// would refuse is cut here instead. A job's details never reach the last three (at most about
/// 230 KB: 23 texts and 32 tags of at most 4 KB each).
const DETAILS: Bounds = Bounds {
    text_chars: DETAIL_CHARS,
    text_json_bytes: DETAIL_JSON_BYTES,
    items: DETAIL_ITEMS,
    entries: 64,
    total_bytes: 320 * 1024,
    depth: 32,
};

/// A value's documented JSON, as the alert's custom details: nulls dropped, long texts, lists
/// and objects shortened, keys sorted. Written again from the value's JSON text, never read
/// into a tree of values (sixteen to thirty times an event's kept JSON, such as an error
/// group's `attributes`), so that building an alert holds at most about twice the event's
/// JSON. Keys are sorted whether or not another crate turns on serde_json's `preserve_order`,
/// so the details read the same, and a job's match what [`write_job_details`] writes.
/// The text is a JSON object, written by this crate: sent as it is, never read again.
pub(super) fn details(value: &impl serde::Serialize) -> String {
    let written = serde_json::to_vec(value).ok().and_then(|json| rewrite_object(&json, &DETAILS));
    let text = written.and_then(|written| String::from_utf8(written).ok());
    // Checked once here, where it is cheap beside the rewrite (a job's details, on the hot
    // path, come from their own writer instead): what is sent is never read again, and a body
    // PagerDuty cannot read would lose its page.
    text.filter(|text| serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()).unwrap_or_else(|| "{}".to_owned())
}

/// A job's details, as [`details`] makes them, written straight from the job
/// ([`write_job_details`]): `{}` for a job whose time cannot be written, as serializing it fails.
pub(super) fn job_details(job: &Job<'_>) -> String {
    let mut out = Vec::with_capacity(1024);
    if write_job_details(&mut out, job).is_err() {
        return "{}".to_owned();
    }
    String::from_utf8(out).unwrap_or_else(|_| "{}".to_owned())
}

/// `text` as custom details keep it.
fn bounded(text: &str) -> Cow<'_, str> {
    clip_json(text, DETAIL_CHARS, DETAIL_JSON_BYTES)
}

/// One value of a job's details, as its documented JSON has it.
enum Detail<'j> {
    Text(&'j str),
    /// One of the job's texts, which may need no escape scan.
    JobText(&'j Text<'j>),
    Flag(bool),
    Count(u64),
    Time(OffsetDateTime),
    Texts(&'j [Text<'j>]),
}

/// A job's detail values by key, sorted as a `serde_json::Map` keeps its keys.
fn job_fields<'j>(job: &'j Job<'j>) -> [(&'static str, Option<Detail<'j>>); 28] {
    use Detail::{Count, Flag, Text, Texts, Time};
    fn text<'t>(value: Option<&'t crate::values::text::Text<'t>>) -> Option<Detail<'t>> {
        value.map(Detail::JobText)
    }
    fn id(value: Option<&impl AsRef<str>>) -> Option<Detail<'_>> {
        value.map(|id| Detail::Text(id.as_ref()))
    }
    [
        ("app", text(job.app.as_ref())),
        ("automation_backend", text(job.automation_backend.as_ref())),
        ("branch_name", text(job.branch_name.as_ref())),
        ("browser_name", text(job.browser_name.as_ref())),
        ("browser_version", text(job.browser_version.as_ref())),
        ("build", text(job.build.as_ref())),
        ("commit_id", text(job.commit_id.as_ref())),
        ("creation_time", Some(Time(job.creation_time))),
        ("data_type", Some(Text(job.data_type.as_str()))),
        ("device", text(job.device.as_ref())),
        ("duration_sec", job.duration_sec.map(Count)),
        ("error", text(job.error.as_ref())),
        ("exception", text(job.exception.as_ref())),
        ("group_id", text(job.group_id.as_ref())),
        ("id", Some(Detail::JobText(&job.id))),
        ("modification_time", Some(Time(job.modification_time))),
        ("name", text(job.name.as_ref())),
        ("org_id", id(job.org_id.as_ref())),
        ("os_name", text(job.os_name.as_ref())),
        ("os_version", text(job.os_version.as_ref())),
        ("owner", text(job.owner.as_ref())),
        ("owner_id", id(job.owner_id.as_ref())),
        ("passed", job.passed.map(Flag)),
        ("status", Some(Text(job.status.as_str()))),
        ("tags", Some(Texts(&job.tags))),
        ("team_id", id(job.team_id.as_ref())),
        ("team_name", text(job.team_name.as_ref())),
        ("visibility", job.visibility.as_ref().map(|v| Text(v.as_str()))),
    ]
}

/// Writes `job`'s details, byte for byte what [`details`] makes of it once serialized: its
/// keys in the order a `serde_json::Map` keeps (sorted), `None`s left out, the same bounds.
///
/// # Errors
/// A time UTC cannot hold or that RFC 3339 cannot write, as serializing would refuse it.
pub(super) fn write_job_details(out: &mut Vec<u8>, job: &Job<'_>) -> Result<(), time::error::Format> {
    use Detail::{Count, Flag, JobText, Text, Texts, Time};
    let mut object = Object::open(out);
    for (key, value) in job_fields(job) {
        let Some(value) = value else { continue };
        let out = object.key(key);
        match value {
            Text(value) => string(out, &bounded(value)),
            JobText(value) => job_text(out, value),
            Flag(value) => out.extend_from_slice(if value { b"true" } else { b"false" }),
            Count(value) => out.extend_from_slice(itoa(value, &mut [0; 20])),
            Time(value) => time(out, value)?,
            Texts(values) => {
                out.push(b'[');
                for (i, value) in values.iter().take(DETAIL_ITEMS).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    job_text(out, value);
                }
                out.push(b']');
            }
        }
    }
    object.close();
    Ok(())
}

/// Writes one of a job's texts as details keep it; one the parser lent from the body holds
/// nothing to escape, and is not scanned for it.
fn job_text(out: &mut Vec<u8>, text: &Text<'_>) {
    let kept = bounded(text);
    if text.is_lent() { plain_string(out, &kept) } else { string(out, &kept) }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::job_fields;
    use crate::event::{Job, JobStatus};

    #[test]
    fn job_detail_keys_are_sorted_as_a_map_keeps_them() {
        let job = Job::new("j1", JobStatus::Failed, OffsetDateTime::UNIX_EPOCH);
        let keys = job_fields(&job).map(|(key, _)| key);
        assert!(keys.is_sorted(), "{keys:?}");
    }
}
