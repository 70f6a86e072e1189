//! PagerDuty, both ways: Events API v2 alerts to send (trigger on a failure, resolve on the
//! next success), and v3 webhooks to receive (incidents, for services that ingest them).
//!
//! Sending: [`IncidentRules::alert_for`] turns an event into an [`AlertEvent`], whose
//! [`request`](AlertEvent::request) your HTTP client sends; [`classify`] then says what to do
//! with PagerDuty's answer. Receiving: verify with
//! [`Scheme::PagerDutyV3`](crate::signature::Scheme::PagerDutyV3), then parse with
//! [`webhook::Envelope::from_slice`].

mod alert;
mod rules;
pub mod webhook;

pub use alert::{
    Action, AlertError, AlertEvent, CHANGE_ENQUEUE_URL, ChangeEvent, ENQUEUE_URL, Image, Link, MAX_BODY_BYTES,
    MAX_DEDUP_KEY_CHARS, MAX_SUMMARY_CHARS, Payload, RoutingKey, Severity,
};
pub use rules::{CheckRun, IncidentRules};

/// What to do after PagerDuty answered a request with an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// 2xx: PagerDuty has it.
    Accepted,
    /// 429 (rate limited, about 120 events a minute per key) or 5xx: send it again later,
    /// with backoff.
    Retry,
    /// Any other status: the request itself is wrong; sending it again will not help.
    Drop,
}

/// Classifies PagerDuty's answer.
///
/// ```
/// use sauce_webhooks::pagerduty::{classify, Delivery};
/// assert_eq!(classify(202), Delivery::Accepted);
/// assert_eq!(classify(429), Delivery::Retry);
/// assert_eq!(classify(503), Delivery::Retry);
/// assert_eq!(classify(400), Delivery::Drop);
/// ```
pub fn classify(status: u16) -> Delivery {
    match status {
        200..=299 => Delivery::Accepted,
        429 | 500..=599 => Delivery::Retry,
        _ => Delivery::Drop,
    }
}
