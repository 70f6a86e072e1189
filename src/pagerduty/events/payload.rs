//! What a triggered alert says, and the links and images it shows.

use serde::Serialize;
use time::OffsetDateTime;

use super::error::AlertError;
use super::limits::{MAX_FIELD_CHARS, MAX_SUMMARY_CHARS};
use super::severity::Severity;
use super::web_url::WebUrl;
use crate::support::clip::clip;
use crate::support::time::serialize_optional_time;
use crate::values::raw_json::RawJson;

/// What a triggered alert says. `summary`, `source` and `severity` are required; the summary is
/// cut to 1024 characters (on a character boundary, ending in `…`) as PagerDuty would, and
/// every other text to [`MAX_FIELD_CHARS`](crate::pagerduty::MAX_FIELD_CHARS).
///
/// ```
/// use sauce_webhooks::pagerduty::{Payload, Severity};
///
/// let payload = Payload::new("checkout failed on chrome", "saucelabs.com", Severity::Error)
///     .with_component("chrome")
///     .with_group("web-shop #1482");
/// assert_eq!(payload.summary(), "checkout failed on chrome");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    pub(super) summary: String,
    pub(super) source: String,
    pub(super) severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_optional_time")]
    pub(super) timestamp: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) class: Option<String>,
    /// Kept as the JSON text it is sent as: an event's details are written within bounds
    /// straight from its JSON, never held as a tree of values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) custom_details: Option<Details>,
}

/// Custom details as they are sent.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Details {
    /// Given as a value, and checked as JSON then.
    Json(RawJson),
    /// A JSON object this crate wrote itself, sent as it is, without reading it again.
    Written(String),
}

impl Details {
    pub(super) fn as_str(&self) -> &str {
        match self {
            Self::Json(json) => json.as_str(),
            Self::Written(text) => text,
        }
    }
}

impl Serialize for Details {
    /// As the JSON it is; only a payload serialized through serde (not an alert's body, which
    /// the crate writes itself) reads written details again.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Json(json) => json.serialize(s),
            Self::Written(text) => {
                serde_json::value::RawValue::from_string(text.clone()).map_err(serde::ser::Error::custom)?.serialize(s)
            }
        }
    }
}

impl Payload {
    /// A payload with the three required fields.
    pub fn new(summary: impl Into<String>, source: impl Into<String>, severity: Severity) -> Self {
        Self {
            summary: bounded(summary.into(), MAX_SUMMARY_CHARS),
            source: bounded(source.into(), MAX_FIELD_CHARS),
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
    pub fn with_timestamp(mut self, at: OffsetDateTime) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// The time it happened, when the event tells one.
    pub(crate) fn with_known_timestamp(mut self, at: Option<OffsetDateTime>) -> Self {
        self.timestamp = at.or(self.timestamp);
        self
    }

    /// The part of the source responsible (a browser, a device).
    #[must_use]
    pub fn with_component(mut self, component: impl Into<String>) -> Self {
        self.component = Some(bounded(component.into(), MAX_FIELD_CHARS));
        self
    }

    /// A logical grouping (a build, a project).
    #[must_use]
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(bounded(group.into(), MAX_FIELD_CHARS));
        self
    }

    /// The kind of event.
    #[must_use]
    pub fn with_class(mut self, class: impl Into<String>) -> Self {
        self.class = Some(bounded(class.into(), MAX_FIELD_CHARS));
        self
    }

    /// Free-form details shown on the alert. They are sent as given: the body they make must
    /// fit PagerDuty's 512 KB ([`AlertEvent::body`](crate::pagerduty::AlertEvent::body) says when not).
    #[must_use]
    pub fn with_custom_details(mut self, details: serde_json::Map<String, serde_json::Value>) -> Self {
        self.custom_details = Some(Details::Json(RawJson::from_value(&serde_json::Value::Object(details))));
        self
    }

    /// Adds `key` with the JSON value `json` (written by this crate) to the custom details.
    pub(crate) fn with_detail(mut self, key: &str, json: &str) -> Self {
        let mut object = self.custom_details.as_ref().map_or("{}", Details::as_str).trim_end().to_owned();
        object.pop(); // its closing brace
        if !object.trim_end().ends_with('{') {
            object.push(',');
        }
        object.push('"');
        object.push_str(key);
        object.push_str("\":");
        object.push_str(json);
        object.push('}');
        self.custom_details = Some(Details::Written(object));
        self
    }

    /// Details this crate wrote as a JSON object (an event's), trusted to be one.
    pub(crate) fn with_written_details(mut self, details: String) -> Self {
        self.custom_details = Some(Details::Written(details));
        self
    }

    /// The payload without its custom details and time, which are what may be too large or
    /// unwritable (every other field is bounded text), and with `left_out` saying why in
    /// their place.
    pub(crate) fn without_details(mut self, left_out: &str) -> Self {
        let note = serde_json::json!({ "left_out": clip(left_out, MAX_FIELD_CHARS) });
        self.custom_details = Some(Details::Json(RawJson::from_value(&note)));
        self.timestamp = None;
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

/// `text` cut to `max` characters, ending in `…` when cut.
pub(crate) fn bounded(text: String, max: usize) -> String {
    match clip(&text, max) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

/// A link shown on the alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Link {
    /// Where it goes.
    pub href: String,
    /// What it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// An image shown on the alert; its source is always an `https` URL of at most
/// [`MAX_URL_BYTES`](crate::pagerduty::MAX_URL_BYTES).
///
/// ```
/// use sauce_webhooks::pagerduty::Image;
///
/// let image = Image::new("https://assets.saucelabs.com/jobs/j1/0001screenshot.png")?.with_alt("screenshot");
/// assert!(Image::new("http://example.com/a.png").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    src: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alt: Option<String>,
}

impl Image {
    /// Its source, link and alternative text, for the writer.
    pub(crate) fn parts(&self) -> (&str, Option<&str>, Option<&str>) {
        (&self.src, self.href.as_deref(), self.alt.as_deref())
    }

    /// An image served from `src`, which must be an `https` URL.
    ///
    /// # Errors
    /// [`AlertError::InsecureImage`] for any other source, or one over 2048 bytes.
    pub fn new(src: &str) -> Result<Self, AlertError> {
        match WebUrl::parse(src) {
            Some(url) if url.as_str().starts_with("https:") => {
                Ok(Self { src: url.into_string(), href: None, alt: None })
            }
            _ => Err(AlertError::InsecureImage { src: clip(src, 101).into_owned() }),
        }
    }

    /// Where clicking the image goes; a `href` that is not an `http(s)` URL is left out.
    #[must_use]
    pub fn with_href(mut self, href: &str) -> Self {
        self.href = WebUrl::parse(href).map(WebUrl::into_string);
        self
    }

    /// The image's alternative text.
    #[must_use]
    pub fn with_alt(mut self, alt: impl Into<String>) -> Self {
        self.alt = Some(bounded(alt.into(), MAX_FIELD_CHARS));
        self
    }
}
