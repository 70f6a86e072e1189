//! The `data` of a v3 webhook event: an incident, something attached to one, a service, the
//! ping, or JSON kept as sent.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use super::essentials::Probe;
use super::event_type::EventType;
use crate::support::lenient::{optional_u64, text};
use crate::support::open_enum::open_enum;
use crate::support::time::{serialize_optional_time, time};
use crate::values::raw_json::RawJson;

/// Most references an incident's `assignees` or `teams` may list: more make the incident
/// untyped (kept as [`WebhookData::Other`]), so that a list of tiny references cannot make a
/// delivery cost more than its memory bound.
pub const MAX_REFERENCES: usize = 100;

/// The `data` of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum WebhookData {
    /// The incident itself (`incident.triggered`, `.acknowledged`, `.resolved`, ...).
    Incident(Box<Incident>),
    /// Something attached to an incident, which sits at `data.incident` (`incident.annotated`,
    /// `.responder.added`, `.responder.replied`, `.status_update_published`, tasks, workflows,
    /// ...).
    IncidentRelated(Box<IncidentRelated>),
    /// A service (`service.created`, `.updated`, `.deleted`).
    Service(Box<Reference>),
    /// The test ping (`pagey.ping`).
    Ping {
        /// Its message.
        message: Option<String>,
    },
    /// Anything else, kept as sent.
    Other(RawJson),
}

impl WebhookData {
    /// Types `data` by the event's type and the shape it has. Data that does not fit its type
    /// (PagerDuty adds kinds and fields over time), and data of unknown types, is kept as sent.
    pub(crate) fn read(event_type: &EventType, data: RawJson, probe: &Probe) -> Self {
        let text = data.as_str();
        let typed = match event_type {
            EventType::PageyPing => return Self::Ping { message: probe.message.clone() },
            EventType::ServiceCreated | EventType::ServiceUpdated | EventType::ServiceDeleted => {
                serde_json::from_str(text).map(|service| Self::Service(Box::new(service)))
            }
            EventType::Other(_) => return Self::Other(data),
            // Notes, responders, status updates, tasks, workflows, conference bridges and custom
            // fields carry their incident at `data.incident`.
            _ if probe.has_incident => serde_json::from_str::<IncidentOf>(text).map(|holder| {
                Self::IncidentRelated(Box::new(IncidentRelated { incident: holder.incident, data: data.clone() }))
            }),
            _ => serde_json::from_str(text).map(|incident| Self::Incident(Box::new(incident))),
        };
        typed.unwrap_or(Self::Other(data))
    }
}

/// A reference to a PagerDuty object: an id and, usually, a summary and links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reference {
    /// Its id.
    pub id: String,
    /// Its kind (`service_reference`, `user_reference`, ...).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// A human-readable name.
    #[serde(default, deserialize_with = "text")]
    pub summary: Option<String>,
    /// Its API URL.
    #[serde(rename = "self", default, deserialize_with = "text")]
    pub self_url: Option<String>,
    /// Its web page.
    #[serde(default, deserialize_with = "text")]
    pub html_url: Option<String>,
}

/// An incident, with the fields a catalog reads typed and nullable ones optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Incident {
    /// Its id (not always 7 characters).
    pub id: String,
    /// Its number in the account.
    #[serde(default, deserialize_with = "optional_u64")]
    pub number: Option<u64>,
    /// Its title.
    #[serde(default, deserialize_with = "text")]
    pub title: Option<String>,
    /// Triggered, acknowledged or resolved.
    #[serde(default)]
    pub status: Option<IncidentStatus>,
    /// High or low.
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// Its web page.
    #[serde(default, deserialize_with = "text")]
    pub html_url: Option<String>,
    /// Its API URL.
    #[serde(rename = "self", default, deserialize_with = "text")]
    pub self_url: Option<String>,
    /// The dedup key it was opened with (null or missing for incidents opened by hand).
    #[serde(default, deserialize_with = "text")]
    pub incident_key: Option<String>,
    /// When it was opened (missing in some payloads).
    #[serde(default, deserialize_with = "time", serialize_with = "serialize_optional_time")]
    pub created_at: Option<OffsetDateTime>,
    /// The service it belongs to.
    #[serde(default, deserialize_with = "optional_reference")]
    pub service: Option<Reference>,
    /// Its escalation policy.
    #[serde(default, deserialize_with = "optional_reference")]
    pub escalation_policy: Option<Reference>,
    /// Its priority (`summary` such as `P1`), when set.
    #[serde(default, deserialize_with = "optional_reference")]
    pub priority: Option<Reference>,
    /// Who it is assigned to (at most [`MAX_REFERENCES`]).
    #[serde(default, deserialize_with = "references")]
    pub assignees: Vec<Reference>,
    /// Its teams (at most [`MAX_REFERENCES`]).
    #[serde(default, deserialize_with = "references")]
    pub teams: Vec<Reference>,
    /// Its conference bridge, when set.
    #[serde(default, deserialize_with = "optional_object")]
    pub conference_bridge: Option<RawJson>,
    /// Why it was resolved, when it was.
    #[serde(default, deserialize_with = "optional_object")]
    pub resolve_reason: Option<RawJson>,
    /// Its incident type (newer payloads only).
    #[serde(default, deserialize_with = "optional_object")]
    pub incident_type: Option<RawJson>,
}

/// Data that belongs to an incident: a note, a responder request, a status update, a task.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IncidentRelated {
    /// The incident, from `data.incident`.
    pub incident: Reference,
    /// The whole `data`, as sent.
    pub data: RawJson,
}

impl Serialize for IncidentRelated {
    /// Writes `data` as it was sent.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(s)
    }
}

/// The one key of related data that is typed.
#[derive(Deserialize)]
struct IncidentOf {
    incident: Reference,
}

/// An optional reference, where `null` and `{}` both mean absent.
fn optional_reference<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Reference>, D::Error> {
    #[derive(Deserialize)]
    struct Parts {
        id: Option<String>,
        #[serde(rename = "type", default)]
        kind: Option<String>,
        #[serde(default, deserialize_with = "text")]
        summary: Option<String>,
        #[serde(rename = "self", default, deserialize_with = "text")]
        self_url: Option<String>,
        #[serde(default, deserialize_with = "text")]
        html_url: Option<String>,
    }
    match Option::<Parts>::deserialize(d)? {
        None | Some(Parts { id: None, kind: None, summary: None, self_url: None, html_url: None }) => Ok(None),
        Some(Parts { id, kind, summary, self_url, html_url }) => Ok(Some(Reference {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            kind,
            summary,
            self_url,
            html_url,
        })),
    }
}

/// An optional object kept as sent, where `null` and `{}` both mean absent.
pub(crate) fn optional_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawJson>, D::Error> {
    let raw = Option::<RawJson>::deserialize(d)?;
    Ok(raw.filter(|raw| !is_empty_object(raw.as_str())))
}

fn is_empty_object(text: &str) -> bool {
    text.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')).is_some_and(|inner| inner.trim().is_empty())
}

/// A list of at most [`MAX_REFERENCES`] references; `null` means empty.
fn references<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Reference>, D::Error> {
    struct ReferencesVisitor;
    impl<'de> Visitor<'de> for ReferencesVisitor {
        type Value = Vec<Reference>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a list of at most {MAX_REFERENCES} references, or null")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut list = Vec::new();
            while let Some(reference) = seq.next_element()? {
                if list.len() == MAX_REFERENCES {
                    return Err(de::Error::custom(format_args!("expected at most {MAX_REFERENCES} references")));
                }
                list.push(reference);
            }
            Ok(list)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(ReferencesVisitor)
}

open_enum! {
    /// An incident's status.
    pub enum IncidentStatus {
        /// Open, not acknowledged.
        Triggered = "triggered",
        /// Someone is on it.
        Acknowledged = "acknowledged",
        /// Closed.
        Resolved = "resolved",
    }
}

open_enum! {
    /// An incident's urgency.
    pub enum Urgency {
        /// Pages.
        High = "high",
        /// Does not page at night.
        Low = "low",
    }
}
