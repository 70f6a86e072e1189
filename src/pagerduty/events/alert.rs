//! Events API v2 alert events (trigger, acknowledge, resolve), serialized exactly as PagerDuty
//! wants them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::dedup_key;
use super::error::AlertError;
use super::limits::MAX_FIELD_CHARS;
use super::payload::{Image, Link, Payload, bounded};
use super::request::{self, Endpoint};
use super::routing_key::RoutingKey;
use super::web_url::WebUrl;
use crate::outgoing::OutgoingRequest;
use url::Url;

/// The action of an alert event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// Open (or add to) an alert.
    Trigger,
    /// Acknowledge the alert with this dedup key.
    Acknowledge,
    /// Resolve the alert with this dedup key.
    Resolve,
}

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
    /// Where it goes, when not to [`ENQUEUE_URL`](crate::pagerduty::ENQUEUE_URL): shared, as the rules
    /// set it on every alert they make.
    events_url: Option<Arc<Url>>,
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
            events_url: None,
        }
    }

    /// Acknowledges the alert with `dedup_key`.
    pub fn acknowledge(routing_key: RoutingKey, dedup_key: impl Into<String>) -> Self {
        let dedup_key = Some(bounded_key(dedup_key.into()));
        Self { routing_key, action: Action::Acknowledge, dedup_key, trigger: None, events_url: None }
    }

    /// Resolves the alert with `dedup_key`.
    pub fn resolve(routing_key: RoutingKey, dedup_key: impl Into<String>) -> Self {
        let dedup_key = Some(bounded_key(dedup_key.into()));
        Self { routing_key, action: Action::Resolve, dedup_key, trigger: None, events_url: None }
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
        if let Some(details) = &mut self.trigger {
            let text = text.map(|text| bounded(text.to_owned(), MAX_FIELD_CHARS));
            details.links.push(Link { href: href.into_string(), text });
        }
        self
    }

    /// Adds an image (triggers only; ignored otherwise).
    #[must_use]
    pub fn with_image(mut self, image: Image) -> Self {
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
        let Err(err) = request::check_writable(&self) else { return self };
        if let Some(details) = &mut self.trigger {
            let payload = details.payload.clone().without_details(&format!("the details were left out: {err}"));
            details.payload = payload;
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
        request::body(self)
    }

    /// The request to send: a POST of [`AlertEvent::body`] to
    /// [`ENQUEUE_URL`](crate::pagerduty::ENQUEUE_URL), or to the URL set by
    /// [`with_events_url`](Self::with_events_url).
    ///
    /// # Errors
    /// As [`AlertEvent::body`].
    pub fn request(&self) -> Result<OutgoingRequest, AlertError> {
        request::request(Endpoint::Alerts, self.events_url.as_deref(), self)
    }
}

impl Serialize for AlertEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut body = s.serialize_struct("AlertEvent", 8)?;
        body.serialize_field("routing_key", &self.routing_key)?;
        if let Some(key) = &self.dedup_key {
            body.serialize_field("dedup_key", key)?;
        }
        body.serialize_field("event_action", &self.action)?;
        if let Some(details) = &self.trigger {
            body.serialize_field("payload", &details.payload)?;
            if !details.links.is_empty() {
                body.serialize_field("links", &details.links)?;
            }
            if !details.images.is_empty() {
                body.serialize_field("images", &details.images)?;
            }
            if let Some(client) = &details.client {
                body.serialize_field("client", client)?;
            }
            if let Some(url) = &details.client_url {
                body.serialize_field("client_url", url)?;
            }
        }
        body.end()
    }
}

/// `key`, bounded as PagerDuty wants it, without a copy when it already is.
fn bounded_key(key: String) -> String {
    match dedup_key::bounded(&key) {
        Cow::Borrowed(_) => key,
        Cow::Owned(shorter) => shorter,
    }
}
