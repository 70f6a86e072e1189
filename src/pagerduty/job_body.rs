//! A job's Events v2 alert body written straight from its fields into a buffer, byte for byte
//! what its [`AlertEvent`](super::AlertEvent) serializes to, without the event, the payload or
//! the map of details in between.

use super::dedup_key;
use super::details::{time, write_job_details};
use super::error::AlertError;
use super::limits::{MAX_FIELD_CHARS, MAX_SUMMARY_CHARS};
use super::routing_key::RoutingKey;
use super::severity::Severity;
use super::web_url::WebUrl;
use crate::event::{EventText, Job};
use crate::support::clip::clip;
use crate::support::json_out::{Object, strings};

/// The text of the link on a job's alert.
pub(super) const JOB_LINK_TEXT: &str = "Test results";
/// What follows the data type in a job alert's class (`vdc job`).
pub(super) const JOB_CLASS_TAIL: &str = " job";

/// What a failed job's alert says, once its texts are chosen (and before they are bounded).
pub(super) struct JobTrigger<'j, T> {
    pub(super) job: &'j Job<T>,
    pub(super) routing_key: &'j RoutingKey,
    pub(super) source: &'j str,
    pub(super) client: &'j str,
    pub(super) key: Option<&'j str>,
    pub(super) summary: String,
    pub(super) severity: Severity,
    pub(super) link: Option<WebUrl>,
    pub(super) component: Option<&'j str>,
    pub(super) group: Option<&'j str>,
    /// The data type; the class is it and ` job`.
    pub(super) class: &'j str,
}

/// Writes the trigger `parts` describes, in the order and with the bounds of `AlertEvent`'s
/// and `Payload`'s serializers.
pub(super) fn write_trigger<T: EventText>(out: &mut Vec<u8>, parts: &JobTrigger<'_, T>) -> Result<(), AlertError> {
    let mut body = Object::open(out);
    body.text("routing_key", parts.routing_key.expose());
    if let Some(key) = parts.key {
        body.text("dedup_key", &dedup_key::bounded(key));
    }
    body.key("event_action").extend_from_slice(b"\"trigger\"");
    write_payload(body.key("payload"), parts)?;
    if let Some(link) = &parts.link {
        let links = body.key("links");
        links.push(b'[');
        let mut only = Object::open(links);
        only.text("href", link.as_str());
        only.text("text", JOB_LINK_TEXT);
        only.close();
        links.push(b']');
    }
    body.text("client", &clip(parts.client, MAX_FIELD_CHARS));
    if let Some(link) = &parts.link {
        body.text("client_url", link.as_str());
    }
    body.close();
    Ok(())
}

fn write_payload<T: EventText>(out: &mut Vec<u8>, parts: &JobTrigger<'_, T>) -> Result<(), AlertError> {
    let unwritable = |err: time::error::Format| AlertError::Unwritable { reason: err.to_string() };
    let mut payload = Object::open(out);
    payload.text("summary", &clip(&parts.summary, MAX_SUMMARY_CHARS));
    payload.text("source", &clip(parts.source, MAX_FIELD_CHARS));
    payload.text("severity", parts.severity.as_str());
    time(payload.key("timestamp"), parts.job.modification_time).map_err(unwritable)?;
    if let Some(component) = parts.component {
        payload.text("component", &clip(component, MAX_FIELD_CHARS));
    }
    if let Some(group) = parts.group {
        payload.text("group", &clip(group, MAX_FIELD_CHARS));
    }
    // The class is short unless the data type is a long unknown word: then it is cut.
    if parts.class.len() + JOB_CLASS_TAIL.len() <= MAX_FIELD_CHARS {
        strings(payload.key("class"), &[parts.class, JOB_CLASS_TAIL]);
    } else {
        payload.text("class", &clip(&format!("{}{JOB_CLASS_TAIL}", parts.class), MAX_FIELD_CHARS));
    }
    write_job_details(payload.key("custom_details"), parts.job).map_err(unwritable)?;
    payload.close();
    Ok(())
}

/// Writes the resolve of the alert with `key`.
pub(super) fn write_resolve(out: &mut Vec<u8>, routing_key: &RoutingKey, key: &str) {
    let mut body = Object::open(out);
    body.text("routing_key", routing_key.expose());
    body.text("dedup_key", &dedup_key::bounded(key));
    body.key("event_action").extend_from_slice(b"\"resolve\"");
    body.close();
}
