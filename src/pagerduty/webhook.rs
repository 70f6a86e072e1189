//! PagerDuty v3 webhooks, for services that ingest incidents (as a catalog does).
//!
//! ```
//! use sauce_webhooks::pagerduty::webhook::{Envelope, EventType, WebhookData};
//!
//! let body = br#"{"event":{"id":"01DEN2HWCHD7LXVMB8DRS5SD2C","event_type":"incident.triggered",
//!   "resource_type":"incident","occurred_at":"2024-05-01T10:17:05.123Z","agent":null,"client":null,
//!   "data":{"id":"Q1FQ6NM1QHTDRZ","type":"incident","title":"checkout works failed","status":"triggered",
//!     "urgency":"high","html_url":"https://acme.pagerduty.com/incidents/Q1FQ6NM1QHTDRZ","number":42,
//!     "incident_key":null,"priority":{"id":"P53ZZH5","type":"priority_reference","summary":"P1"}}}}"#;
//! let event = Envelope::from_slice(body)?.event;
//! assert_eq!(event.event_type, EventType::IncidentTriggered);
//! assert_eq!(event.incident_id(), Some("Q1FQ6NM1QHTDRZ"));
//! let WebhookData::Incident(incident) = &event.data else { unreachable!() };
//! assert_eq!(incident.priority.as_ref().and_then(|p| p.summary.as_deref()), Some("P1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::signature::{PagerDutyV3, Verified};
use crate::support::open_enum::open_enum;
use crate::support::read::{optional_u64, text};
use crate::support::time::{serialize_optional_time, serialize_time, time};
use crate::wire::error::ParseError;

/// A delivery: one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Envelope {
    /// The event.
    pub event: WebhookEvent,
}

impl Envelope {
    /// Parses a delivery body.
    ///
    /// # Errors
    /// [`ParseError`] naming the JSON path and position of what was wrong.
    pub fn from_slice(body: &[u8]) -> Result<Self, ParseError> {
        serde_json::from_slice(body).map_err(|err| ParseError::locate::<Self>(body, &err))
    }
}

impl Verified<'_, PagerDutyV3> {
    /// Parses the verified body as a PagerDuty delivery ([`Envelope::from_slice`]).
    ///
    /// # Errors
    /// [`ParseError`] naming the JSON path and position of what was wrong.
    pub fn envelope(&self) -> Result<Envelope, ParseError> {
        Envelope::from_slice(self.body())
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event's id (repeats on retries with `X-Webhook-Id`).
    pub id: String,
    /// What kind of event.
    pub event_type: EventType,
    /// `incident`, `service`, or `pagey` for the ping.
    pub resource_type: String,
    /// When it happened.
    #[serde(serialize_with = "serialize_time")]
    pub occurred_at: OffsetDateTime,
    /// Who did it (a user or a service), when known.
    pub agent: Option<Reference>,
    /// The client that caused it, when known.
    pub client: Option<Value>,
    /// The resource, typed by event type.
    pub data: WebhookData,
}

impl WebhookEvent {
    /// The incident this event is about: `data.id` for incident events, `data.incident.id`
    /// for notes, responders, status updates, workflows and anything else attached to an
    /// incident, `None` for services and pings.
    pub fn incident_id(&self) -> Option<&str> {
        match &self.data {
            WebhookData::Incident(incident) => Some(&incident.id),
            WebhookData::IncidentRelated(related) => Some(&related.incident.id),
            // An incident event whose data did not fit the typed form.
            WebhookData::Other(data) if self.event_type.as_str().starts_with("incident.") => {
                data.get("incident").unwrap_or(data).get("id").and_then(Value::as_str)
            }
            _ => None,
        }
    }
}

/// The `data` of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum WebhookData {
    /// The incident itself (`incident.triggered`, `.acknowledged`, `.resolved`, ...).
    Incident(Box<Incident>),
    /// Something attached to an incident, which sits at `data.incident` (`incident.annotated`,
    /// `.responder.added`, `.responder.replied`, `.status_update_published`, workflows, ...).
    IncidentRelated(Box<IncidentRelated>),
    /// A service (`service.created`, `.updated`, `.deleted`).
    Service(Box<Reference>),
    /// The test ping (`pagey.ping`).
    Ping {
        /// Its message.
        message: Option<String>,
    },
    /// Anything else, kept whole.
    Other(Value),
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
    #[serde(default)]
    pub service: Option<Reference>,
    /// Its escalation policy.
    #[serde(default)]
    pub escalation_policy: Option<Reference>,
    /// Its priority (`summary` such as `P1`), when set.
    #[serde(default)]
    pub priority: Option<Reference>,
    /// Who it is assigned to.
    #[serde(default, deserialize_with = "references")]
    pub assignees: Vec<Reference>,
    /// Its teams.
    #[serde(default, deserialize_with = "references")]
    pub teams: Vec<Reference>,
    /// Its conference bridge, when set.
    #[serde(default)]
    pub conference_bridge: Option<Value>,
    /// Why it was resolved, when it was.
    #[serde(default)]
    pub resolve_reason: Option<Value>,
    /// Its incident type (newer payloads only).
    #[serde(default)]
    pub incident_type: Option<Value>,
}

/// Data that belongs to an incident: a note, a responder request, a status update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncidentRelated {
    /// The incident.
    pub incident: Reference,
    /// The rest of `data`, as sent.
    #[serde(flatten)]
    pub details: serde_json::Map<String, Value>,
}

fn references<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Reference>, D::Error> {
    Option::<Vec<Reference>>::deserialize(d).map(Option::unwrap_or_default)
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

open_enum! {
    /// The kind of a v3 webhook event. New kinds keep their name in `Other`.
    pub enum EventType {
        /// `incident.triggered`
        IncidentTriggered = "incident.triggered",
        /// `incident.acknowledged`
        IncidentAcknowledged = "incident.acknowledged",
        /// `incident.unacknowledged`
        IncidentUnacknowledged = "incident.unacknowledged",
        /// `incident.resolved`
        IncidentResolved = "incident.resolved",
        /// `incident.reopened`
        IncidentReopened = "incident.reopened",
        /// `incident.escalated`
        IncidentEscalated = "incident.escalated",
        /// `incident.reassigned`
        IncidentReassigned = "incident.reassigned",
        /// `incident.delegated`
        IncidentDelegated = "incident.delegated",
        /// `incident.priority_updated`
        IncidentPriorityUpdated = "incident.priority_updated",
        /// `incident.annotated` (a note; `data` is the note)
        IncidentAnnotated = "incident.annotated",
        /// `incident.responder.added`
        IncidentResponderAdded = "incident.responder.added",
        /// `incident.responder.replied`
        IncidentResponderReplied = "incident.responder.replied",
        /// `incident.status_update_published`
        IncidentStatusUpdatePublished = "incident.status_update_published",
        /// `incident.service_updated`
        IncidentServiceUpdated = "incident.service_updated",
        /// `incident.incident_type.changed`
        IncidentTypeChanged = "incident.incident_type.changed",
        /// `incident.custom_field_values.updated`
        IncidentCustomFieldValuesUpdated = "incident.custom_field_values.updated",
        /// `incident.conference_bridge.updated`
        IncidentConferenceBridgeUpdated = "incident.conference_bridge.updated",
        /// `incident.workflow.started`
        IncidentWorkflowStarted = "incident.workflow.started",
        /// `incident.workflow.completed`
        IncidentWorkflowCompleted = "incident.workflow.completed",
        /// `service.created`
        ServiceCreated = "service.created",
        /// `service.updated`
        ServiceUpdated = "service.updated",
        /// `service.deleted`
        ServiceDeleted = "service.deleted",
        /// `pagey.ping`, sent when a subscription is tested
        PageyPing = "pagey.ping",
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            id: String,
            event_type: EventType,
            #[serde(default, deserialize_with = "text")]
            resource_type: Option<String>,
            #[serde(deserialize_with = "time")]
            occurred_at: Option<OffsetDateTime>,
            #[serde(default)]
            agent: Value,
            #[serde(default)]
            client: Option<Value>,
            #[serde(default)]
            data: Value,
        }
        let wire = Wire::deserialize(d)?;
        let occurred_at = wire.occurred_at.ok_or_else(|| serde::de::Error::missing_field("occurred_at"))?;
        let data = WebhookData::read(&wire.event_type, wire.data);
        Ok(Self {
            id: wire.id,
            event_type: wire.event_type,
            resource_type: wire.resource_type.unwrap_or_default(),
            occurred_at,
            // Who did it is a detail: an agent of another form does not cost the event.
            agent: Reference::deserialize(&wire.agent).ok(),
            client: wire.client,
            data,
        })
    }
}

impl WebhookData {
    /// Types `data` by the event's type. Data that does not fit its type (PagerDuty adds kinds
    /// and fields over time), and data of unknown types, is kept whole as `Other`.
    fn read(event_type: &EventType, data: Value) -> Self {
        let typed = match event_type {
            EventType::PageyPing => {
                return Self::Ping { message: data.get("message").and_then(Value::as_str).map(str::to_owned) };
            }
            EventType::ServiceCreated | EventType::ServiceUpdated | EventType::ServiceDeleted => {
                Reference::deserialize(&data).map(|service| Self::Service(Box::new(service)))
            }
            EventType::Other(_) => return Self::Other(data),
            // Notes, responders, status updates, workflows, conference bridges and custom
            // fields carry their incident at `data.incident`.
            _ if data.get("incident").is_some_and(Value::is_object) => {
                IncidentRelated::deserialize(&data).map(|related| Self::IncidentRelated(Box::new(related)))
            }
            _ => Incident::deserialize(&data).map(|incident| Self::Incident(Box::new(incident))),
        };
        typed.unwrap_or(Self::Other(data))
    }
}
