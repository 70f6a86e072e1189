//! PagerDuty Events API v2 request bodies: alerts (trigger, acknowledge, resolve) and change
//! events, serialized exactly as PagerDuty wants them.

use std::fmt;
use std::str::FromStr;

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use url::Url;

use crate::connector::OutgoingRequest;
use crate::event::lenient;

/// Where alerts go.
pub const ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Where change events go.
pub const CHANGE_ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/change/enqueue";

/// Longest summary PagerDuty keeps, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// Longest dedup key PagerDuty accepts, in characters.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;
/// Largest body PagerDuty accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// What went wrong building a PagerDuty request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// A routing (integration) key is 32 letters and digits.
    #[error("a routing key is 32 ASCII letters and digits, got {len} characters")]
    RoutingKey {
        /// How many characters were given.
        len: usize,
    },
    /// An image must be served over HTTPS.
    #[error("image source {src:?} is not an https URL")]
    InsecureImage {
        /// The refused source.
        src: String,
    },
    /// The serialized body is over PagerDuty's 512 KB.
    #[error("the body has {size} bytes, over PagerDuty's limit of {MAX_BODY_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// A value that cannot be written as JSON, such as a time outside the years 0 to 9999.
    #[error("the body cannot be written: {reason}")]
    Unwritable {
        /// What serde_json said.
        reason: String,
    },
    /// A severity other than critical, error, warning or info.
    #[error("unknown severity {0:?}; expected critical, error, warning or info")]
    Severity(String),
}

/// An Events API v2 integration key. `Debug` shows no part of it.
///
/// ```
/// use sauce_webhooks::pagerduty::RoutingKey;
/// let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?;
/// assert_eq!(format!("{key:?}"), "RoutingKey(<redacted>)");
/// assert!(RoutingKey::new("too-short").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RoutingKey(String);

impl RoutingKey {
    /// Checks a routing key: exactly 32 ASCII letters and digits.
    ///
    /// # Errors
    /// [`AlertError::RoutingKey`] otherwise.
    pub fn new(key: &str) -> Result<Self, AlertError> {
        if key.len() == 32 && key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(key.to_owned()))
        } else {
            Err(AlertError::RoutingKey { len: key.chars().count() })
        }
    }

    /// The key itself, to store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RoutingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoutingKey(<redacted>)")
    }
}

/// How bad an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Informational.
    Info,
    /// Something to look at.
    Warning,
    /// Something is broken.
    Error,
    /// Wake someone up.
    Critical,
}

impl Severity {
    /// The wire word: `critical`, `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = AlertError;

    /// Reads a severity in any case, with surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, AlertError> {
        [Self::Critical, Self::Error, Self::Warning, Self::Info]
            .into_iter()
            .find(|severity| s.trim().eq_ignore_ascii_case(severity.as_str()))
            .ok_or_else(|| AlertError::Severity(lenient::clip(s, 32).into_owned()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link shown on the alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Where it goes.
    pub href: String,
    /// What it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// An image shown on the alert; its source is always `https`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    src: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alt: Option<String>,
}

impl Image {
    /// An image served from `src`, which must be an `https` URL.
    ///
    /// # Errors
    /// [`AlertError::InsecureImage`] for any other source.
    pub fn new(src: &str, href: Option<&str>, alt: Option<&str>) -> Result<Self, AlertError> {
        match Url::parse(src) {
            Ok(url) if url.scheme() == "https" && url.host().is_some() => {
                Ok(Self { src: url.into(), href: href.map(str::to_owned), alt: alt.map(str::to_owned) })
            }
            _ => Err(AlertError::InsecureImage { src: lenient::clip(src, 100).into_owned() }),
        }
    }
}

/// What a triggered alert says. `summary`, `source` and `severity` are required; the summary is
/// cut to 1024 characters (on a character boundary, ending in `…`) as PagerDuty would.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    summary: String,
    source: String,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lenient::serialize_optional_time")]
    timestamp: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Payload {
    /// A payload with the three required fields.
    pub fn new(summary: &str, source: &str, severity: Severity) -> Self {
        Self {
            summary: cut(summary, MAX_SUMMARY_CHARS),
            source: source.to_owned(),
            severity,
            timestamp: None,
            component: None,
            group: None,
            class: None,
            custom_details: None,
        }
    }

    /// When the event happened; sent in RFC 3339 with `Z`.
    #[must_use]
    pub fn timestamp(mut self, at: OffsetDateTime) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// The part of the source responsible (a browser, a device).
    #[must_use]
    pub fn component(mut self, component: impl Into<String>) -> Self {
        self.component = Some(component.into());
        self
    }

    /// A logical grouping (a build, a project).
    #[must_use]
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// The kind of event.
    #[must_use]
    pub fn class(mut self, class: impl Into<String>) -> Self {
        self.class = Some(class.into());
        self
    }

    /// Free-form details shown on the alert.
    #[must_use]
    pub fn custom_details(mut self, details: serde_json::Map<String, serde_json::Value>) -> Self {
        self.custom_details = Some(details);
        self
    }

    /// The summary, as it will be sent.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }
}

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
///     .dedup_key("acme/vdc/checkout")
///     .link("https://app.saucelabs.com/tests/4b0c9d3e", Some("Test results"));
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
        Self { routing_key, action: Action::Trigger, dedup_key: None, trigger: Some(Box::new(details)) }
    }

    /// Acknowledges the alert with `dedup_key`.
    pub fn acknowledge(routing_key: RoutingKey, dedup_key: &str) -> Self {
        Self { routing_key, action: Action::Acknowledge, dedup_key: Some(dedup(dedup_key)), trigger: None }
    }

    /// Resolves the alert with `dedup_key`.
    pub fn resolve(routing_key: RoutingKey, dedup_key: &str) -> Self {
        Self { routing_key, action: Action::Resolve, dedup_key: Some(dedup(dedup_key)), trigger: None }
    }

    /// Sets the dedup key. One over 255 characters is replaced by a stable form: its first
    /// 190 characters, `#`, and the SHA-256 of the whole key in hex.
    #[must_use]
    pub fn dedup_key(mut self, key: &str) -> Self {
        self.dedup_key = Some(dedup(key));
        self
    }

    /// Adds a link (triggers only). A `href` that is not an `http(s)` URL is left out, as
    /// PagerDuty would refuse the event.
    #[must_use]
    pub fn link(self, href: &str, text: Option<&str>) -> Self {
        match WebUrl::parse(href) {
            Some(href) => self.web_link(href, text),
            None => self,
        }
    }

    pub(crate) fn web_link(mut self, href: WebUrl, text: Option<&str>) -> Self {
        if let Some(details) = &mut self.trigger {
            details.links.push(Link { href: href.0, text: text.map(str::to_owned) });
        }
        self
    }

    /// Adds an image (triggers only; ignored otherwise).
    #[must_use]
    pub fn image(mut self, image: Image) -> Self {
        if let Some(details) = &mut self.trigger {
            details.images.push(image);
        }
        self
    }

    /// Names the monitoring client and links to it (triggers only; a `url` that is not an
    /// `http(s)` URL is left out).
    #[must_use]
    pub fn client(self, name: &str, url: Option<&str>) -> Self {
        self.web_client(name, url.and_then(WebUrl::parse))
    }

    pub(crate) fn web_client(mut self, name: &str, url: Option<WebUrl>) -> Self {
        if let Some(details) = &mut self.trigger {
            details.client = Some(name.to_owned());
            details.client_url = url.map(|url| url.0);
        }
        self
    }

    /// Trigger, acknowledge or resolve.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The dedup key, as it will be sent.
    pub fn dedup_key_str(&self) -> Option<&str> {
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
        checked_body(self)
    }

    /// The request to send: a POST of [`AlertEvent::body`] to [`ENQUEUE_URL`].
    ///
    /// # Errors
    /// As [`AlertEvent::body`].
    pub fn request(&self) -> Result<OutgoingRequest, AlertError> {
        Ok(OutgoingRequest::json(enqueue_url(ENQUEUE_URL), self.body()?))
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ChangePayload {
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lenient::serialize_optional_time")]
    timestamp: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ChangeEvent {
    /// A change event with a summary (cut to 1024 characters) and a source.
    pub fn new(routing_key: RoutingKey, summary: &str, source: &str) -> Self {
        let payload = ChangePayload {
            summary: cut(summary, MAX_SUMMARY_CHARS),
            source: Some(source.to_owned()),
            timestamp: None,
            custom_details: None,
        };
        Self { routing_key, payload, links: Vec::new() }
    }

    /// When the change happened.
    #[must_use]
    pub fn timestamp(mut self, at: OffsetDateTime) -> Self {
        self.payload.timestamp = Some(at);
        self
    }

    /// Free-form details.
    #[must_use]
    pub fn custom_details(mut self, details: serde_json::Map<String, serde_json::Value>) -> Self {
        self.payload.custom_details = Some(details);
        self
    }

    /// Adds a link; a `href` that is not an `http(s)` URL is left out.
    #[must_use]
    pub fn link(mut self, href: &str, text: Option<&str>) -> Self {
        if let Some(href) = WebUrl::parse(href) {
            self.links.push(Link { href: href.0, text: text.map(str::to_owned) });
        }
        self
    }

    /// The JSON body.
    ///
    /// # Errors
    /// [`AlertError::TooLarge`] over 512 KB.
    pub fn body(&self) -> Result<Vec<u8>, AlertError> {
        checked_body(self)
    }

    /// The request to send: a POST of the body to [`CHANGE_ENQUEUE_URL`].
    ///
    /// # Errors
    /// As [`ChangeEvent::body`].
    pub fn request(&self) -> Result<OutgoingRequest, AlertError> {
        Ok(OutgoingRequest::json(enqueue_url(CHANGE_ENQUEUE_URL), self.body()?))
    }
}

fn checked_body(value: &impl Serialize) -> Result<Vec<u8>, AlertError> {
    // Parsed times are always writable, but a hand-built one (a `CheckRun`'s, a payload's)
    // may lie outside the years 0 to 9999.
    let body = serde_json::to_vec(value).map_err(|err| AlertError::Unwritable { reason: err.to_string() })?;
    if body.len() > MAX_BODY_BYTES { Err(AlertError::TooLarge { size: body.len() }) } else { Ok(body) }
}

fn enqueue_url(url: &'static str) -> Url {
    Url::parse(url).expect("the enqueue URLs are valid constants")
}

/// `text` cut to `max` characters, ending in `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max { text.to_owned() } else { lenient::clip(text, max - 1).into_owned() }
}

/// An `http` or `https` URL with a host, in normalized form: all PagerDuty shows as a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebUrl(String);

impl WebUrl {
    pub(crate) fn parse(href: &str) -> Option<Self> {
        Url::parse(href)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .map(|url| Self(url.into()))
    }

    /// This URL with `tail` appended, checked again unless the URL ends in `/` and `tail` is
    /// letters, digits, `-` and `_` only (as job ids are): `tail` is then a whole new path
    /// segment that no normalization changes (it cannot be a dot segment, nor complete a
    /// percent-encoded one, and a web URL's host is always followed by a `/`).
    pub(crate) fn join(&self, tail: &str) -> Option<Self> {
        let joined = format!("{}{tail}", self.0);
        let plain = self.0.ends_with('/') && tail.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if plain { Some(Self(joined)) } else { Self::parse(&joined) }
    }
}

/// A dedup key PagerDuty accepts: as given up to 255 characters, else a stable shorter form.
fn dedup(key: &str) -> String {
    if key.chars().count() <= MAX_DEDUP_KEY_CHARS {
        return key.to_owned();
    }
    let prefix: String = key.chars().take(190).collect();
    format!("{prefix}#{}", hex::encode(Sha256::digest(key.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::WebUrl;

    #[test]
    fn joining_a_plain_tail_gives_what_parsing_the_whole_would() {
        let bases = [
            "https://app.saucelabs.com/tests/",
            "https://app.saucelabs.com",
            "HTTP://Example.COM:80/a/../tests",
            "https://example.com/t?job=",
            "https://example.com/#/tests/",
            "http://[2001:db8::1]:8080/jobs/",
            "https://example.com/a/%2",
            "https://example.com/a/b/%",
            "https://example.com/a/b/%2e%2",
            "https://example.com/a/b.",
        ];
        for base in bases {
            let base = WebUrl::parse(base).unwrap();
            for tail in [
                "4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b",
                "a-b_C",
                "",
                "e",
                "2e",
                "E",
                ".",
                "..",
                "x y",
                "%2e%2e",
                "@evil.com",
            ] {
                let whole = format!("{}{tail}", base.0);
                assert_eq!(base.join(tail), WebUrl::parse(&whole), "{whole}");
            }
        }
    }
}
