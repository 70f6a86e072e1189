//! The one writer of Events API v2 alert bodies. An [`AlertEvent`](super::alert::AlertEvent)
//! and a job's alert written straight from the job both lend it what they hold, and it writes
//! the body in one pass, byte for byte as serde_json would write the documented shape.

use time::OffsetDateTime;

use super::action::Action;
use super::error::AlertError;
use super::payload::{Image, Link};
use super::routing_key::RoutingKey;
use super::severity::Severity;
use crate::support::json_out::{Object, strings, time};

/// What an alert's body says, lent by whoever holds it. Texts are bounded already.
pub(crate) struct AlertBody<'a> {
    pub(crate) routing_key: &'a RoutingKey,
    pub(crate) dedup_key: Option<&'a str>,
    pub(crate) action: Action,
    pub(crate) trigger: Option<TriggerBody<'a>>,
}

/// What only a trigger's body says.
pub(crate) struct TriggerBody<'a> {
    pub(crate) summary: &'a str,
    pub(crate) source: &'a str,
    pub(crate) severity: Severity,
    pub(crate) timestamp: Option<OffsetDateTime>,
    pub(crate) component: Option<&'a str>,
    pub(crate) group: Option<&'a str>,
    /// Written one after the other, as one string (a job's data type and ` job`).
    pub(crate) class: Option<[&'a str; 2]>,
    pub(crate) details: DetailsBody<'a>,
    pub(crate) links: Links<'a>,
    pub(crate) images: &'a [Image],
    pub(crate) client: Option<&'a str>,
    pub(crate) client_url: Option<&'a str>,
}

/// An alert's custom details: none, a JSON object's text, or what writes one.
pub(crate) enum DetailsBody<'a> {
    None,
    Json(&'a str),
    Writer(&'a dyn Fn(&mut Vec<u8>) -> Result<(), AlertError>),
}

/// An alert's links: an `AlertEvent`'s list, or the one link of a job's alert.
pub(crate) enum Links<'a> {
    List(&'a [Link]),
    One { href: &'a str, text: &'a str },
}

/// Appends the body `alert` says to `out`.
///
/// # Errors
/// [`AlertError::Unwritable`] for a time outside the years 0 to 9999; what the details' writer
/// says.
pub(crate) fn write(out: &mut Vec<u8>, alert: &AlertBody<'_>) -> Result<(), AlertError> {
    let mut body = Object::open(out);
    body.text("routing_key", alert.routing_key.expose());
    if let Some(key) = alert.dedup_key {
        body.text("dedup_key", key);
    }
    body.text("event_action", action(alert.action));
    if let Some(trigger) = &alert.trigger {
        write_payload(body.key("payload"), trigger)?;
        match trigger.links {
            Links::List([]) => {}
            Links::List(links) => {
                let out = body.key("links");
                out.push(b'[');
                for (n, link) in links.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    write_link(out, &link.href, link.text.as_deref());
                }
                out.push(b']');
            }
            Links::One { href, text } => {
                let out = body.key("links");
                out.push(b'[');
                write_link(out, href, Some(text));
                out.push(b']');
            }
        }
        if !trigger.images.is_empty() {
            let out = body.key("images");
            out.push(b'[');
            for (n, image) in trigger.images.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                let (src, href, alt) = image.parts();
                let mut written = Object::open(out);
                written.text("src", src);
                if let Some(href) = href {
                    written.text("href", href);
                }
                if let Some(alt) = alt {
                    written.text("alt", alt);
                }
                written.close();
            }
            out.push(b']');
        }
        if let Some(client) = trigger.client {
            body.text("client", client);
        }
        if let Some(url) = trigger.client_url {
            body.text("client_url", url);
        }
    }
    body.close();
    Ok(())
}

fn write_payload(out: &mut Vec<u8>, trigger: &TriggerBody<'_>) -> Result<(), AlertError> {
    let unwritable = |err: time::error::Format| AlertError::Unwritable { reason: err.to_string() };
    let mut payload = Object::open(out);
    payload.text("summary", trigger.summary);
    payload.text("source", trigger.source);
    payload.text("severity", trigger.severity.as_str());
    if let Some(at) = trigger.timestamp {
        time(payload.key("timestamp"), at).map_err(unwritable)?;
    }
    if let Some(component) = trigger.component {
        payload.text("component", component);
    }
    if let Some(group) = trigger.group {
        payload.text("group", group);
    }
    if let Some(class) = &trigger.class {
        strings(payload.key("class"), class);
    }
    match trigger.details {
        DetailsBody::None => {}
        DetailsBody::Json(json) => payload.key("custom_details").extend_from_slice(json.as_bytes()),
        DetailsBody::Writer(write) => write(payload.key("custom_details"))?,
    }
    payload.close();
    Ok(())
}

fn write_link(out: &mut Vec<u8>, href: &str, text: Option<&str>) {
    let mut link = Object::open(out);
    link.text("href", href);
    if let Some(text) = text {
        link.text("text", text);
    }
    link.close();
}

fn action(action: Action) -> &'static str {
    match action {
        Action::Trigger => "trigger",
        Action::Acknowledge => "acknowledge",
        Action::Resolve => "resolve",
    }
}
