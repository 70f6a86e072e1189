//! Events API v2 change events: a deploy, a config change, shown on a service's timeline.

use serde::Serialize;
use time::OffsetDateTime;
use url::Url;

use super::error::AlertError;
use super::limits::{MAX_FIELD_CHARS, MAX_SUMMARY_CHARS};
use super::payload::{Link, bounded};
use super::request::{self, Endpoint};
use super::routing_key::RoutingKey;
use super::web_url::WebUrl;
use crate::outgoing::OutgoingRequest;
use crate::support::time::serialize_optional_time;

/// A change event (a deploy, a config change), shown on the service's timeline.
///
/// ```
/// use sauce_webhooks::pagerduty::{ChangeEvent, RoutingKey};
/// let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?;
/// let change = ChangeEvent::new(key, "web-shop #1482 passed its smoke tests", "saucelabs.com");
/// assert_eq!(change.request()?.url.as_str(), "https://events.pagerduty.com/v2/change/enqueue");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEvent {
    routing_key: RoutingKey,
    payload: ChangePayload,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    /// Where it goes, when not to the default.
    #[serde(skip)]
    events_url: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ChangePayload {
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_optional_time")]
    timestamp: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ChangeEvent {
    /// A change event with a summary (cut to 1024 characters) and a source.
    pub fn new(routing_key: RoutingKey, summary: impl Into<String>, source: impl Into<String>) -> Self {
        let payload = ChangePayload {
            summary: bounded(summary.into(), MAX_SUMMARY_CHARS),
            source: Some(bounded(source.into(), MAX_FIELD_CHARS)),
            timestamp: None,
            custom_details: None,
        };
        Self { routing_key, payload, links: Vec::new(), events_url: None }
    }

    /// When the change happened.
    #[must_use]
    pub fn with_timestamp(mut self, at: OffsetDateTime) -> Self {
        self.payload.timestamp = Some(at);
        self
    }

    /// Sends it to `url` instead of [`CHANGE_ENQUEUE_URL`](crate::pagerduty::CHANGE_ENQUEUE_URL): PagerDuty's
    /// EU service region ([`CHANGE_ENQUEUE_URL_EU`](crate::pagerduty::CHANGE_ENQUEUE_URL_EU)), a proxy, or
    /// a stand-in in tests.
    ///
    /// # Errors
    /// As [`AlertEvent::with_events_url`](crate::pagerduty::AlertEvent::with_events_url).
    pub fn with_events_url(mut self, url: &str) -> Result<Self, AlertError> {
        self.events_url = Some(request::events_url(url)?);
        Ok(self)
    }

    /// Free-form details.
    #[must_use]
    pub fn with_custom_details(mut self, details: serde_json::Map<String, serde_json::Value>) -> Self {
        self.payload.custom_details = Some(details);
        self
    }

    /// Adds a link; a `href` that is not an `http(s)` URL is left out.
    #[must_use]
    pub fn with_link(mut self, href: &str, text: Option<&str>) -> Self {
        if let Some(href) = WebUrl::parse(href) {
            let text = text.map(|text| bounded(text.to_owned(), MAX_FIELD_CHARS));
            self.links.push(Link { href: href.into_string(), text });
        }
        self
    }

    /// The JSON body.
    ///
    /// # Errors
    /// [`AlertError::TooLarge`] over 512 KB.
    pub fn body(&self) -> Result<Vec<u8>, AlertError> {
        request::body(self)
    }

    #[cfg(feature = "delivery")]
    pub(crate) fn routing_key(&self) -> &RoutingKey {
        &self.routing_key
    }

    /// The request to send: a POST of the body to
    /// [`CHANGE_ENQUEUE_URL`](crate::pagerduty::CHANGE_ENQUEUE_URL), or to the URL set by
    /// [`with_events_url`](Self::with_events_url).
    ///
    /// # Errors
    /// As [`ChangeEvent::body`].
    pub fn request(&self) -> Result<OutgoingRequest, AlertError> {
        request::request(Endpoint::Changes, self.events_url.as_ref(), self)
    }
}
