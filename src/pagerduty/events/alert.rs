//! Events API v2 alert events (trigger, acknowledge, resolve), serialized exactly as PagerDuty
//! wants them.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::Serializer;

use super::action::Action;
use super::dedup_key;
use super::error::AlertError;
use super::limits::MAX_FIELD_CHARS;
use super::payload::{Image, Link, Payload, bounded};
use super::request::{self, Endpoint};
use super::routing_key::RoutingKey;
use super::web_url::WebUrl;
use super::writer::{self, AlertBody, DetailsBody, Links, TriggerBody};
use crate::outgoing::OutgoingRequest;
use url::Url;

/// One Events API v2 alert event. Acknowledge and resolve carry only the routing key, the
/// dedup key and the action, as PagerDuty wants.
///
/// ```
/// use sauce_webhooks::pagerduty::{AlertEvent, Payload, RoutingKey, Severity};
///
/// let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?;
/// let trigger = AlertEvent::trigger(key.clone(), Payload::new("checkout failed on chrome", "saucelabs.com", Severity::Error))
///     .with_dedup_key("acme/vdc/checkout")
///     .with_link("https://app.saucelabs.com/tests/4b0c9d3e", Some("Test results"));
/// let body: serde_json::Value = serde_json::from_slice(&trigger.body()?)?;
/// assert_eq!(body["event_action"], "trigger");
/// assert_eq!(body["payload"]["severity"], "error");
///
/// let resolve = AlertEvent::resolve(key, "acme/vdc/checkout");
/// assert_eq!(
///     String::from_utf8(resolve.body()?)?,
///     r#"{"routing_key":"R0UT1NGKEY0123456789ABCDEFGHIJKL","dedup_key":"acme/vdc/checkout","event_action":"resolve"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    routing_key: RoutingKey,
    action: Action,
    dedup_key: Option<String>,
    trigger: Option<Box<TriggerDetails>>,
    /// Its body, once written to check it can be sent (the ledger's alerts): sending it then
    /// writes nothing again.
    written: Written,
    /// Where it goes, when not to [`ENQUEUE_URL`](crate::pagerduty::ENQUEUE_URL): shared, as the rules
    /// set it on every alert they make.
    events_url: Option<Arc<Url>>,
}

/// A body written already, or none. It holds the routing key, so `Debug` shows nothing of
/// it; and it is what the rest says, so it plays no part in equality.
#[derive(Clone, Default)]
struct Written(Option<Vec<u8>>);

impl PartialEq for Written {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "<written>" } else { "<not yet>" })
    }
}

/// What only a trigger carries.
#[derive(Debug, Clone, PartialEq)]
struct TriggerDetails {
    payload: Payload,
    links: Vec<Link>,
    images: Vec<Image>,
    client: Option<String>,
    client_url: Option<String>,
}

impl AlertEvent {
    /// A trigger. Without a dedup key PagerDuty opens a new alert each time.
    pub fn trigger(routing_key: RoutingKey, payload: Payload) -> Self {
        let details = TriggerDetails { payload, links: Vec::new(), images: Vec::new(), client: None, client_url: None };
        Self {
            routing_key,
            action: Action::Trigger,
            dedup_key: None,
            trigger: Some(Box::new(details)),
            written: Written::default(),
            events_url: None,
        }
    }

    /// Acknowledges the alert with `dedup_key`.
    pub fn acknowledge(routing_key: RoutingKey, dedup_key: impl Into<String>) -> Self {
        let dedup_key = Some(bounded_key(dedup_key.into()));
        Self {
            routing_key,
            action: Action::Acknowledge,
            dedup_key,
            trigger: None,
            written: Written::default(),
            events_url: None,
        }
    }

    /// Resolves the alert with `dedup_key`.
    pub fn resolve(routing_key: RoutingKey, dedup_key: impl Into<String>) -> Self {
        let dedup_key = Some(bounded_key(dedup_key.into()));
        Self {
            routing_key,
            action: Action::Resolve,
            dedup_key,
            trigger: None,
            written: Written::default(),
            events_url: None,
        }
    }

    /// Sends it to `url` instead of [`ENQUEUE_URL`](crate::pagerduty::ENQUEUE_URL): PagerDuty's EU service
    /// region ([`ENQUEUE_URL_EU`](crate::pagerduty::ENQUEUE_URL_EU)), a proxy, or a stand-in in tests.
    ///
    /// ```
    /// use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey, ENQUEUE_URL_EU};
    ///
    /// let resolve = AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?, "checkout")
    ///     .with_events_url(ENQUEUE_URL_EU)?;
    /// assert_eq!(resolve.request()?.url.as_str(), ENQUEUE_URL_EU);
    /// assert!(AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?, "checkout")
    ///     .with_events_url("http://events.example.com/v2/enqueue").is_err(), "the routing key would travel in clear");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`AlertError::EventsUrl`] for a URL that is not `https` (`http` is taken only to a
    /// loopback address), or that carries credentials or a fragment.
    pub fn with_events_url(mut self, url: &str) -> Result<Self, AlertError> {
        self.events_url = Some(Arc::new(request::events_url(url)?));
        Ok(self)
    }

    pub(crate) fn with_shared_events_url(mut self, url: Option<&Arc<Url>>) -> Self {
        self.events_url = url.cloned();
        self
    }

    /// Sets the dedup key. One over 255 characters is replaced by a stable form: its first
    /// 190 characters, `#`, and the SHA-256 of the whole key in hex.
    #[must_use]
    pub fn with_dedup_key(mut self, key: impl Into<String>) -> Self {
        self.written = Written::default();
        self.dedup_key = Some(bounded_key(key.into()));
        self
    }

    /// Adds a link (triggers only). A `href` that is not an `http(s)` URL of at most 2048 bytes
    /// is left out, as PagerDuty would refuse the event; the text is cut to 1024 characters.
    #[must_use]
    pub fn with_link(self, href: &str, text: Option<&str>) -> Self {
        match WebUrl::parse(href) {
            Some(href) => self.with_web_link(href, text),
            None => self,
        }
    }

    pub(crate) fn with_web_link(mut self, href: WebUrl, text: Option<&str>) -> Self {
        self.written = Written::default();
        if let Some(details) = &mut self.trigger {
            let text = text.map(|text| bounded(text.to_owned(), MAX_FIELD_CHARS));
            details.links.push(Link { href: href.into_string(), text });
        }
        self
    }

    /// Adds an image (triggers only; ignored otherwise).
    #[must_use]
    pub fn with_image(mut self, image: Image) -> Self {
        self.written = Written::default();
        if let Some(details) = &mut self.trigger {
            details.images.push(image);
        }
        self
    }

    /// Names the monitoring client and links to it (triggers only; a `url` that is not an
    /// `http(s)` URL is left out).
    #[must_use]
    pub fn with_client(self, name: impl Into<String>, url: Option<&str>) -> Self {
        self.with_web_client(name, url.and_then(WebUrl::parse))
    }

    pub(crate) fn with_web_client(mut self, name: impl Into<String>, url: Option<WebUrl>) -> Self {
        self.written = Written::default();
        if let Some(details) = &mut self.trigger {
            details.client = Some(bounded(name.into(), MAX_FIELD_CHARS));
            details.client_url = url.map(WebUrl::into_string);
        }
        self
    }

    /// This alert if its body can be written, else (a trigger whose details are too large or
    /// whose time JSON cannot write) the same trigger without its details and time, saying
    /// why: what the ledger counts as sent must be sendable, or the incident would stay open
    /// with no page out. Only triggers carry what can fail.
    pub(crate) fn sendable(mut self) -> Self {
        let err = match self.body() {
            Ok(body) => {
                self.written = Written(Some(body));
                return self;
            }
            Err(err) => err,
        };
        if let Some(details) = &mut self.trigger {
            let payload = details.payload.clone().without_details(&format!("the details were left out: {err}"));
            details.payload = payload;
        }
        self
    }

    /// The trigger with `key` and the JSON value `json` (written by this crate) added to its
    /// custom details; anything else as it is.
    pub(crate) fn with_detail(mut self, key: &str, json: &str) -> Self {
        if let Some(details) = &mut self.trigger {
            details.payload = details.payload.clone().with_detail(key, json);
            self.written = Written::default();
        }
        self
    }

    /// Trigger, acknowledge or resolve.
    pub fn action(&self) -> Action {
        self.action
    }

    #[cfg(feature = "delivery")]
    pub(crate) fn routing_key(&self) -> &RoutingKey {
        &self.routing_key
    }

    /// The dedup key, as it will be sent.
    pub fn dedup_key(&self) -> Option<&str> {
        self.dedup_key.as_deref()
    }

    /// A trigger's payload.
    pub fn payload(&self) -> Option<&Payload> {
        self.trigger.as_ref().map(|details| &details.payload)
    }

    /// A trigger's links.
    pub fn links(&self) -> &[Link] {
        self.trigger.as_ref().map_or(&[], |details| &details.links)
    }

    /// The JSON body.
    ///
    /// # Errors
    /// [`AlertError::TooLarge`] over 512 KB, [`AlertError::Unwritable`] for a time outside
    /// the years 0 to 9999.
    pub fn body(&self) -> Result<Vec<u8>, AlertError> {
        if let Some(body) = &self.written.0 {
            return Ok(body.clone());
        }
        let mut body = Vec::new();
        self.write_body(&mut body)?;
        request::check_size(&body)?;
        Ok(body)
    }

    /// Appends its body to `out`, through the one writer of alert bodies.
    pub(crate) fn write_body(&self, out: &mut Vec<u8>) -> Result<(), AlertError> {
        let trigger = self.trigger.as_deref().map(|details| {
            let payload = &details.payload;
            TriggerBody {
                summary: &payload.summary,
                source: &payload.source,
                severity: payload.severity,
                timestamp: payload.timestamp,
                component: payload.component.as_deref(),
                group: payload.group.as_deref(),
                class: payload.class.as_deref().map(|class| [class, ""]),
                details: payload
                    .custom_details
                    .as_ref()
                    .map_or(DetailsBody::None, |json| DetailsBody::Json(json.as_str())),
                links: Links::List(&details.links),
                images: &details.images,
                client: details.client.as_deref(),
                client_url: details.client_url.as_deref(),
            }
        });
        let body = AlertBody {
            routing_key: &self.routing_key,
            dedup_key: self.dedup_key.as_deref(),
            action: self.action,
            trigger,
        };
        writer::write(out, &body)
    }

    /// The request to send: a POST of [`AlertEvent::body`] to
    /// [`ENQUEUE_URL`](crate::pagerduty::ENQUEUE_URL), or to the URL set by
    /// [`with_events_url`](Self::with_events_url).
    ///
    /// # Errors
    /// As [`AlertEvent::body`].
    pub fn request(&self) -> Result<OutgoingRequest, AlertError> {
        Ok(request::request_of(Endpoint::Alerts, self.events_url.as_deref(), self.body()?))
    }
}

impl Serialize for AlertEvent {
    /// The body the one writer writes ([`body`](Self::body)), as JSON.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut body = Vec::new();
        self.write_body(&mut body).map_err(serde::ser::Error::custom)?;
        let text = String::from_utf8(body).map_err(serde::ser::Error::custom)?;
        serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

/// `key`, bounded as PagerDuty wants it, without a copy when it already is.
fn bounded_key(key: String) -> String {
    match dedup_key::bounded(&key) {
        Cow::Borrowed(_) => key,
        Cow::Owned(shorter) => shorter,
    }
}
