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
//!
//! What is not typed is kept as [`RawJson`](crate::RawJson), the sender's text, so that a
//! delivery costs at most eight times its size and 64 KiB to hold, whatever its shape.

mod data;
mod envelope;
mod essentials;
mod event_type;

pub use data::{Incident, IncidentRelated, IncidentStatus, MAX_REFERENCES, Reference, Urgency, WebhookData};
pub use envelope::{Envelope, WebhookEvent};
pub use event_type::EventType;
