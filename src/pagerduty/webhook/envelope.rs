//! A v3 delivery: one event, with its `data` typed by its shape.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::data::{Reference, WebhookData, optional_object};
use super::essentials::Probe;
use super::event_type::EventType;
use crate::signature::{PagerDutyV3, Verified};
use crate::support::lenient::text;
use crate::support::time::{serialize_time, time};
use crate::values::raw_json::RawJson;
use crate::wire::error::ParseError;

/// A delivery: one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Envelope {
    /// The event.
    pub event: WebhookEvent,
}

impl Envelope {
    /// Parses a delivery body. What it holds at its peak is at most eight times the body and
    /// 64 KiB: the parts it does not type are kept as their text.
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
    /// The client that caused it, when known, as sent.
    pub client: Option<RawJson>,
    /// The resource, typed by event type.
    pub data: WebhookData,
    /// The incident `data` is about, found when it was read.
    #[serde(skip)]
    incident_id: Option<String>,
}

impl WebhookEvent {
    /// The incident this event is about, for `incident.*` events: `data.id` when the data is
    /// the incident, `data.incident.id` for notes, responders, status updates, tasks,
    /// workflows and anything else attached to an incident, the first
    /// `data.incident_role_assignments[].incident.id` for role assignments; `None` for
    /// services and pings. Found whether or not the data fits its typed form.
    pub fn incident_id(&self) -> Option<&str> {
        self.incident_id.as_deref()
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    /// Reads an event with serde_json (from bytes, text or a `serde_json::Value`), keeping the
    /// parts it does not type as their text.
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
            agent: Option<Box<RawValue>>,
            #[serde(default, deserialize_with = "optional_object")]
            client: Option<RawJson>,
            #[serde(default)]
            data: Option<RawJson>,
        }
        let wire = Wire::deserialize(d)?;
        let occurred_at = wire.occurred_at.ok_or_else(|| serde::de::Error::missing_field("occurred_at"))?;
        let data = wire.data.unwrap_or_else(|| RawJson::from_value(&serde_json::Value::Null));
        let probe = Probe::of(data.as_str());
        let incident_id = wire.event_type.is_incident().then(|| probe.incident_id().map(str::to_owned)).flatten();
        let data = WebhookData::read(&wire.event_type, data, &probe);
        Ok(Self {
            id: wire.id,
            event_type: wire.event_type,
            resource_type: wire.resource_type.unwrap_or_default(),
            occurred_at,
            // Who did it is a detail: an agent of another form does not cost the event.
            agent: wire.agent.and_then(|agent| serde_json::from_str(agent.get()).ok()),
            client: wire.client,
            data,
            incident_id,
        })
    }
}
