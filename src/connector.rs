//! The generic webhook connector: an event becomes a POST to a URL of the user's, with their
//! headers and a JSON body from their template, signed if they ask.
//!
//! ```
//! use sauce_webhooks::connector::{Template, WebhookConnector};
//! use sauce_webhooks::endpoint::Endpoint;
//! use sauce_webhooks::Event;
//!
//! let connector = WebhookConnector::new(Endpoint::parse("https://chat.example.com/hooks/T123")?)
//!     .header("Authorization", "Bearer 7e1c9a")?
//!     .template(Template::parse(r#"{"text": "{{job.name}} failed on {{job.browser_name}}", "job": {{job.id}}}"#)?);
//!
//! let failed = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0,
//!     "name":"checkout \"happy path\"","browser_name":"chrome"}"#)?;
//! let request = connector.request(&failed).expect("failures are sent");
//! assert_eq!(request.url.as_str(), "https://chat.example.com/hooks/T123");
//! assert_eq!(
//!     String::from_utf8(request.body)?,
//!     r#"{"text": "checkout \"happy path\" failed on chrome", "job": "j1"}"#
//! );
//!
//! let passed = Event::from_slice(br#"{"id":"j2","status":"PASSED","creation_time":0}"#)?;
//! assert!(connector.request(&passed).is_none(), "successes only with on_success(true)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::{self, Write};

use serde_json::Value;
use url::Url;

use crate::Event;
use crate::endpoint::Endpoint;
use crate::pagerduty::IncidentRules;
use crate::signature::{SIGNATURE_HEADER, Secret, sign};

/// A request for the host to send: always a `POST` with a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// Where to send it.
    pub url: Url,
    /// Headers, in order; `content-type: application/json` first.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl OutgoingRequest {
    /// The method: always `POST`.
    pub const METHOD: &'static str = "POST";

    pub(crate) fn json(url: Url, body: Vec<u8>) -> Self {
        Self { url, headers: vec![("content-type".to_owned(), "application/json".to_owned())], body }
    }
}

/// What is wrong with a connector's configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// A header name must be an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``).
    #[error("invalid header name {0:?}")]
    HeaderName(String),
    /// A header value must be visible ASCII, spaces and tabs (none at either end): no CR, LF or
    /// other controls.
    #[error("the value of header {0:?} has a character headers cannot carry")]
    HeaderValue(String),
    /// The connector sets this header itself.
    #[error("header {0:?} is set by the connector")]
    ReservedHeader(String),
}

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A placeholder this crate cannot fill.
    #[error("unknown placeholder {{{{{name}}}}}; valid ones: {}", PLACEHOLDERS.join(", "))]
    UnknownPlaceholder {
        /// The name inside the braces.
        name: String,
    },
    /// `{{` without a closing `}}`.
    #[error("placeholder at byte {at} is not closed with }}}}")]
    Unclosed {
        /// Byte offset of its `{{`.
        at: usize,
    },
    /// The template is not JSON once its placeholders are filled.
    #[error("the template is not valid JSON: {reason}")]
    InvalidJson {
        /// serde_json's message, with the position.
        reason: String,
    },
}

/// Every placeholder a template may use. `{{event}}` is the whole event in its documented
/// webhook shape; `event.kind` is `job`, `visual_build`, `concurrency` or `unknown`;
/// `event.failed` is [`Event::is_failure`]; the others are fields of a job, a visual build or
/// a concurrency event, `null` when the event is of another kind or lacks the field.
pub const PLACEHOLDERS: &[&str] = &[
    "event",
    "event.kind",
    "event.failed",
    "job.id",
    "job.data_type",
    "job.status",
    "job.passed",
    "job.creation_time",
    "job.modification_time",
    "job.owner",
    "job.owner_id",
    "job.org_id",
    "job.team_id",
    "job.team_name",
    "job.group_id",
    "job.name",
    "job.browser_name",
    "job.browser_version",
    "job.os_name",
    "job.os_version",
    "job.duration_sec",
    "job.visibility",
    "job.tags",
    "job.device",
    "job.app",
    "job.error",
    "job.exception",
    "job.commit_id",
    "job.branch_name",
    "job.build",
    "job.automation_backend",
    "build.org_id",
    "build.user_id",
    "build.team_ids",
    "build.creator_id",
    "build.build_id",
    "build.build_name",
    "build.build_url",
    "build.status",
    "build.branch",
    "build.project",
    "build.summary",
    "build.data_center",
    "concurrency.organization",
    "concurrency.team",
    "concurrency.timestamp",
];

/// A JSON body with `{{placeholders}}`.
///
/// A placeholder inside a JSON string (`"{{job.name}} failed"`) is filled with the value's text,
/// JSON-escaped; one standing as a value (`"tags": {{job.tags}}`) is filled with the value as JSON.
/// So no field content can change the body's structure, and since the template is checked to
/// be JSON when parsed, every rendered body is valid JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Body);

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Json(Vec<Part>),
    PagerDuty(Box<IncidentRules>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field { name: &'static str, in_string: bool },
}

impl Default for Template {
    /// `{{event}}`: the event in its documented webhook shape.
    fn default() -> Self {
        Self(Body::Json(vec![Part::Field { name: "event", in_string: false }]))
    }
}

impl Template {
    /// Parses a template.
    ///
    /// # Errors
    /// [`TemplateError`] for an unknown or unclosed placeholder, or a template that is not
    /// JSON with its placeholders filled.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let (mut in_string, mut escaped) = (false, false);
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") {
                let at = text.len() - rest.len();
                if escaped {
                    // `"\{{x}}"` would make the filled value's first character an escape.
                    return Err(TemplateError::InvalidJson {
                        reason: format!("a placeholder follows a backslash at byte {at}"),
                    });
                }
                let end = rest.find("}}").ok_or(TemplateError::Unclosed { at })?;
                let name = rest[2..end].trim();
                let name = PLACEHOLDERS
                    .iter()
                    .find(|known| **known == name)
                    .ok_or_else(|| TemplateError::UnknownPlaceholder { name: name.to_owned() })?;
                parts.push(Part::Text(std::mem::take(&mut literal)));
                parts.push(Part::Field { name, in_string });
                rest = &rest[end + 2..];
                continue;
            }
            match (c, in_string, escaped) {
                (_, true, true) => escaped = false,
                ('\\', true, false) => escaped = true,
                ('"', _, false) => in_string = !in_string,
                _ => {}
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        parts.push(Part::Text(literal));
        parts.retain(|part| !matches!(part, Part::Text(text) if text.is_empty()));
        let template = Self(Body::Json(parts));
        template.check()?;
        Ok(template)
    }

    /// The same body [`IncidentRules::alert_for`] makes: a PagerDuty Events v2 alert, for a
    /// connector pointed at PagerDuty's enqueue URL.
    pub fn pagerduty(rules: IncidentRules) -> Self {
        Self(Body::PagerDuty(Box::new(rules)))
    }

    /// Renders the body for `event`; `None` when a PagerDuty template calls for no alert, or
    /// when the event cannot be written (a hand-built time outside the years 0 to 9999).
    pub fn render(&self, event: &Event) -> Option<Vec<u8>> {
        match &self.0 {
            Body::Json(parts) => {
                // Built only when a field is asked for: `{{event}}` alone serializes directly,
                // keeping the documented field order.
                let json = std::cell::OnceCell::new();
                let json = || json.get_or_init(|| serde_json::to_value(event).unwrap_or(Value::Null));
                // An event built by hand with a time no JSON can hold renders nothing.
                let whole = || serde_json::to_string(event).ok();
                let mut out = String::new();
                for part in parts {
                    match part {
                        Part::Text(text) => out.push_str(text),
                        Part::Field { name: "event", in_string: false } => out.push_str(&whole()?),
                        Part::Field { name, in_string } => fill(&mut out, &lookup(name, event, json), *in_string),
                    }
                }
                Some(out.into_bytes())
            }
            Body::PagerDuty(rules) => rules.alert_for(event)?.body().ok(),
        }
    }

    /// A template is valid when filling every placeholder gives JSON; the kind of value does
    /// not matter, as each fills as a whole JSON value or as escaped text in a string. It is
    /// filled twice: with nothing (`null`, or no text), and with a list as deep as the deepest
    /// value a placeholder of a known event gives (a concurrency event: 4 levels), or that as
    /// text. So a placeholder which would split an escape (`"\u00{{x}}41"`), part a surrogate
    /// pair or push the nesting past what serde_json reads is caught here, not in a body.
    fn check(&self) -> Result<(), TemplateError> {
        let Body::Json(parts) = &self.0 else { return Ok(()) };
        for filler in [Value::Null, serde_json::json!([[[["x"]]]])] {
            let mut sample = String::new();
            for part in parts {
                match part {
                    Part::Text(text) => sample.push_str(text),
                    Part::Field { in_string, .. } => fill(&mut sample, &filler, *in_string),
                }
            }
            // Read into a `Value` rather than skipped: that also refuses what most JSON readers
            // cannot take, such as numbers beyond `f64`, lone surrogates and nesting past 128.
            serde_json::from_str::<Value>(&sample)
                .map_err(|err| TemplateError::InvalidJson { reason: err.to_string() })?;
        }
        Ok(())
    }
}

/// The value of placeholder `name` for `event`, whose documented JSON `json` gives.
fn lookup<'a>(name: &str, event: &Event, json: impl FnOnce() -> &'a Value) -> Value {
    let kind = match event {
        Event::Job(_) => "job",
        Event::VisualBuild(_) => "build",
        Event::Concurrency(_) => "concurrency",
        _ => "unknown",
    };
    match name {
        "event" => json().clone(),
        "event.kind" => Value::from(if kind == "build" { "visual_build" } else { kind }),
        "event.failed" => Value::from(event.is_failure()),
        "concurrency.timestamp" if kind == "concurrency" => json()["timestamp"].clone(),
        _ => match name.split_once('.') {
            Some(("concurrency", field)) if kind == "concurrency" => json()["concurrency"][field].clone(),
            Some((prefix, field)) if prefix == kind => json()[field].clone(),
            _ => Value::Null,
        },
    }
}

/// Writes `value` as a JSON value, or, inside a string, as its escaped text (`null` as nothing).
fn fill(out: &mut String, value: &Value, in_string: bool) {
    if !in_string {
        let _ = write!(out, "{value}");
        return;
    }
    let text = match value {
        Value::Null => return,
        Value::String(text) => serde_json::to_string(text),
        other => serde_json::to_string(&other.to_string()),
    };
    // `to_string` of a string is its quoted, escaped JSON form; keep what is inside the quotes.
    if let Ok(quoted) = text {
        out.push_str(&quoted[1..quoted.len() - 1]);
    }
}

/// Sends events to one URL. By default only failures ([`Event::is_failure`]) are sent;
/// [`on_success(true)`](WebhookConnector::on_success) sends every event.
#[derive(Clone)]
pub struct WebhookConnector {
    endpoint: Endpoint,
    headers: Vec<(String, String)>,
    template: Template,
    on_success: bool,
    secret: Option<Secret>,
}

impl fmt::Debug for WebhookConnector {
    /// Header values are not shown: they often carry tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("WebhookConnector")
            .field("endpoint", &self.endpoint.as_str())
            .field("headers", &names)
            .field("template", &self.template)
            .field("on_success", &self.on_success)
            .field("signed", &self.secret.is_some())
            .finish()
    }
}

/// Headers the connector sets itself, or that only the HTTP client may set.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "content-encoding",
    "host",
    "transfer-encoding",
    "te",
    "trailer",
    "connection",
    "keep-alive",
    "upgrade",
    "expect",
    "proxy-authorization",
    "proxy-connection",
    SIGNATURE_HEADER,
];

impl WebhookConnector {
    /// A connector posting the default template (`{{event}}`) to `endpoint`, failures only.
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint, headers: Vec::new(), template: Template::default(), on_success: false, secret: None }
    }

    /// Adds a header.
    ///
    /// # Errors
    /// [`ConnectorError`] for a name that is not an HTTP token, a value with CR, LF or other
    /// control characters, or a header the connector sets itself (`Content-Type`,
    /// `saucelabs-sign`, ...).
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, ConnectorError> {
        let is_token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(ConnectorError::HeaderName(crate::event::lenient::clip(name, 64).into_owned()));
        }
        if RESERVED_HEADERS.iter().any(|reserved| name.eq_ignore_ascii_case(reserved)) {
            return Err(ConnectorError::ReservedHeader(name.to_owned()));
        }
        let visible = value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
        if !visible || value.trim_ascii() != value {
            return Err(ConnectorError::HeaderValue(name.to_owned()));
        }
        self.headers.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// Uses `template` for the body.
    #[must_use]
    pub fn template(mut self, template: Template) -> Self {
        self.template = template;
        self
    }

    /// Whether to send events that are not failures too (off by default). A PagerDuty
    /// template needs it on, or the successes that resolve alerts are never sent.
    #[must_use]
    pub fn on_success(mut self, on: bool) -> Self {
        self.on_success = on;
        self
    }

    /// Signs each body with `secret`, in a `saucelabs-sign` header, as Sauce Labs does.
    #[must_use]
    pub fn sign_with(mut self, secret: Secret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// The request for `event`, or `None` when the event is not to be sent.
    pub fn request(&self, event: &Event) -> Option<OutgoingRequest> {
        if !self.on_success && !event.is_failure() {
            return None;
        }
        let body = self.template.render(event)?;
        let mut request = OutgoingRequest::json(self.endpoint.as_url().clone(), body);
        request.headers.extend(self.headers.iter().cloned());
        if let Some(secret) = &self.secret {
            request.headers.push((SIGNATURE_HEADER.to_owned(), sign(secret, &request.body).to_string()));
        }
        Some(request)
    }
}
