//! A job's Events v2 alert body written straight from its fields, through the one writer of
//! alert bodies, without an [`AlertEvent`](super::AlertEvent) or its payload in between.

use super::action::Action;
use super::dedup_key;
use super::details::write_job_details;
use super::error::AlertError;
use super::limits::{MAX_FIELD_CHARS, MAX_SUMMARY_CHARS};
use super::routing_key::RoutingKey;
use super::severity::Severity;
use super::web_url::WebUrl;
use super::writer::{self, AlertBody, DetailsBody, Links, TriggerBody};
use crate::event::Job;
use crate::support::clip::clip;

/// The text of the link on a job's alert.
pub(super) const JOB_LINK_TEXT: &str = "Test results";
/// What follows the data type in a job alert's class (`vdc job`).
pub(super) const JOB_CLASS_TAIL: &str = " job";

/// What a failed job's alert says, once its texts are chosen (and before they are bounded).
pub(super) struct JobTrigger<'j> {
    pub(super) job: &'j Job<'j>,
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

/// Writes the trigger `parts` describes, through the one writer, with the bounds an
/// [`AlertEvent`](super::AlertEvent) of the job would have.
pub(super) fn write_trigger(out: &mut Vec<u8>, parts: &JobTrigger<'_>) -> Result<(), AlertError> {
    let unwritable = |err: time::error::Format| AlertError::Unwritable { reason: err.to_string() };
    let details = |out: &mut Vec<u8>| write_job_details(out, parts.job).map_err(unwritable);
    let key = parts.key.map(dedup_key::bounded);
    let summary = clip(&parts.summary, MAX_SUMMARY_CHARS);
    let source = clip(parts.source, MAX_FIELD_CHARS);
    let component = parts.component.map(|component| clip(component, MAX_FIELD_CHARS));
    let group = parts.group.map(|group| clip(group, MAX_FIELD_CHARS));
    // The class is short unless the data type is a long unknown word: then it is cut.
    let long_class = (parts.class.len() + JOB_CLASS_TAIL.len() > MAX_FIELD_CHARS)
        .then(|| clip(&format!("{}{JOB_CLASS_TAIL}", parts.class), MAX_FIELD_CHARS).into_owned());
    let class = long_class.as_deref().map_or([parts.class, JOB_CLASS_TAIL], |class| [class, ""]);
    let client = clip(parts.client, MAX_FIELD_CHARS);
    let link = parts.link.as_ref().map(WebUrl::as_str);
    let trigger = TriggerBody {
        summary: &summary,
        source: &source,
        severity: parts.severity,
        timestamp: Some(parts.job.modification_time),
        component: component.as_deref(),
        group: group.as_deref(),
        class: Some(class),
        details: DetailsBody::Writer(&details),
        links: link.map_or(Links::List(&[]), |href| Links::One { href, text: JOB_LINK_TEXT }),
        images: &[],
        client: Some(&client),
        client_url: link,
    };
    let body = AlertBody {
        routing_key: parts.routing_key,
        dedup_key: key.as_deref(),
        action: Action::Trigger,
        trigger: Some(trigger),
    };
    writer::write(out, &body)
}

/// Writes the resolve of the alert with `key`.
pub(super) fn write_resolve(out: &mut Vec<u8>, routing_key: &RoutingKey, key: &str) {
    let key = dedup_key::bounded(key);
    let body = AlertBody { routing_key, dedup_key: Some(&key), action: Action::Resolve, trigger: None };
    // A resolve holds no time or details: nothing in it can fail to be written.
    let _ = writer::write(out, &body);
}
