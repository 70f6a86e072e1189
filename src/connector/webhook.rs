//! One URL that receives events, with its headers, template, success toggle and signing secret.

use std::fmt;

use super::template::{RenderError, Template};
use crate::event::Event;
use crate::outgoing::OutgoingRequest;
use crate::outgoing::endpoint::Endpoint;
use crate::signature::{SIGNATURE_HEADER, Secret, sign};

/// Longest header name accepted, in bytes (the `http` crate refuses names over 65,535).
pub const MAX_HEADER_NAME_BYTES: usize = 256;
/// Longest header value accepted, in bytes: 8 KiB, what common servers take for a header.
pub const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;

/// What is wrong with a connector's configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// A header name must be an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``) of at
    /// most [`MAX_HEADER_NAME_BYTES`]. Only the name's valid start shows, so that a value
    /// passed as a name by mistake (`"Authorization: Bearer …"`) stays out of messages.
    #[error("invalid header name {valid_start:?}{}: a name is an HTTP token of at most {MAX_HEADER_NAME_BYTES} bytes",
        if *.length > valid_start.len() { format!(" and {} bytes more", length - valid_start.len()) } else { String::new() })]
    HeaderName {
        /// The name up to its first byte that is not allowed, at most 32 bytes.
        valid_start: String,
        /// The name's length in bytes.
        length: usize,
    },
    /// A header value must be visible ASCII, spaces and tabs (none at either end), at most
    /// [`MAX_HEADER_VALUE_BYTES`]: no CR, LF or other controls.
    #[error("the value of header {0:?} is too long or has a character headers cannot carry")]
    HeaderValue(String),
    /// The connector sets this header itself.
    #[error("header {0:?} is set by the connector")]
    ReservedHeader(String),
}

/// Sends events to one URL. By default only failures ([`Event::is_failure`]) are sent;
/// [`with_on_success(true)`](WebhookConnector::with_on_success) sends every event.
#[derive(Clone)]
pub struct WebhookConnector {
    endpoint: Endpoint,
    headers: Vec<(String, String)>,
    template: Template,
    on_success: bool,
    secret: Option<Secret>,
    signer: Option<String>,
}

impl fmt::Debug for WebhookConnector {
    /// Header values and the endpoint's path and query are not shown: they often carry tokens
    /// (a Slack-style hook's URL is its secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("WebhookConnector")
            .field("endpoint", &self.endpoint)
            .field("headers", &names)
            .field("template", &self.template)
            .field("on_success", &self.on_success)
            .field("standard_webhooks_signer", &self.signer)
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
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

impl WebhookConnector {
    /// A connector posting the default template (`{{event}}`) to `endpoint`, failures only.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            headers: Vec::new(),
            template: Template::default(),
            on_success: false,
            secret: None,
            signer: None,
        }
    }

    /// Adds a header.
    ///
    /// # Errors
    /// [`ConnectorError`] for a name that is not an HTTP token, a value with CR, LF or other
    /// control characters, or a header the connector sets itself (`Content-Type`,
    /// `saucelabs-sign`, ...).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Result<Self, ConnectorError> {
        let (name, value) = (name.into(), value.into());
        let is_token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || name.len() > MAX_HEADER_NAME_BYTES || !name.bytes().all(is_token_char) {
            let valid = name.bytes().take(32).take_while(|&b| is_token_char(b)).count();
            return Err(ConnectorError::HeaderName { valid_start: name[..valid].to_owned(), length: name.len() });
        }
        if RESERVED_HEADERS.iter().any(|reserved| name.eq_ignore_ascii_case(reserved)) {
            return Err(ConnectorError::ReservedHeader(name));
        }
        let visible = value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
        if !visible || value.len() > MAX_HEADER_VALUE_BYTES || value.trim_ascii() != value {
            return Err(ConnectorError::HeaderValue(name));
        }
        self.headers.push((name, value));
        Ok(self)
    }

    /// Uses `template` for the body.
    #[must_use]
    pub fn with_template(mut self, template: Template) -> Self {
        self.template = template;
        self
    }

    /// Whether to send events that are not failures too (off by default).
    #[must_use]
    pub fn with_on_success(mut self, on: bool) -> Self {
        self.on_success = on;
        self
    }

    /// Signs each body with `secret`, in a `saucelabs-sign` header, as Sauce Labs does.
    #[must_use]
    pub fn with_signing_secret(mut self, secret: Secret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Signs each attempt the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`) with the secret named `signer`: the requests carry the name
    /// ([`OutgoingRequest::signer`]), and the [`Outbox`](crate::delivery::Outbox) that knows
    /// the secret by that name signs each attempt at its own time, as receivers refuse old
    /// timestamps.
    #[must_use]
    pub fn with_standard_webhooks_signer(mut self, signer: impl Into<String>) -> Self {
        self.signer = Some(signer.into());
        self
    }

    /// The request for `event`, or `None` when the event is not to be sent (a success, with
    /// successes off).
    ///
    /// # Errors
    /// [`RenderError`] when the template cannot be rendered for the event: never `None`, so
    /// that an event that should have been sent is never mistaken for one that should not.
    pub fn request(&self, event: &Event) -> Result<Option<OutgoingRequest>, RenderError> {
        if !self.on_success && !event.is_failure() {
            return Ok(None);
        }
        let body = self.template.render(event)?;
        let mut request = OutgoingRequest::json(self.endpoint.as_url().clone(), body);
        request.headers.extend(self.headers.iter().cloned());
        if let Some(secret) = &self.secret {
            request.headers.push((SIGNATURE_HEADER.to_owned(), sign(secret, &request.body).to_string()));
        }
        request.signer.clone_from(&self.signer);
        Ok(Some(request))
    }
}
