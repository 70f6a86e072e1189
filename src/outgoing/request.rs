//! A request for the host to send: always a `POST` with a JSON body.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use crate::support::redact::redacted;

/// A request for the host to send: always a `POST` with a JSON body.
///
/// It is `#[non_exhaustive]`: read its fields; the crate builds it. `Debug` shows the URL's
/// scheme, domain and port (its host's first labels hidden, as the
/// [`Endpoint`](crate::outgoing::endpoint::Endpoint)'s), the header names and the body's size, never a
/// header's value, the URL's path or the body, which carry tokens, signatures and PagerDuty
/// routing keys.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutgoingRequest {
    /// Where to send it.
    pub url: Url,
    /// Headers, in order; `content-type: application/json` first.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The name of the Standard Webhooks secret each attempt is to be signed with, as the
    /// signature covers the attempt's time: the [`Outbox`](crate::delivery::Outbox) signs
    /// with the secret it knows by this name (its attempts' requests have none left);
    /// sending it yourself, add
    /// [`standard_webhooks_headers`](crate::signature::standard_webhooks_headers) at each
    /// attempt and set it to `None`.
    pub signer: Option<String>,
}

impl fmt::Debug for OutgoingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("OutgoingRequest")
            .field("method", &Self::METHOD)
            .field("url", &redacted(&self.url))
            .field("headers", &names)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("signer", &self.signer)
            .finish()
    }
}

impl OutgoingRequest {
    /// The method: always `POST`.
    pub const METHOD: &'static str = "POST";

    /// A POST of the JSON `body` to `url`, with its content type and no other header.
    pub(crate) fn json(url: Url, body: Vec<u8>) -> Self {
        Self { url, headers: vec![("content-type".to_owned(), "application/json".to_owned())], body, signer: None }
    }
}

/// As a store keeps it: the URL, the headers as pairs, and the body as a string holding its
/// exact bytes, so that what is sent is byte for byte what was signed (parsed JSON would lose
/// the whitespace around it).
impl Serialize for OutgoingRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Stored<'a> {
            url: &'a str,
            headers: &'a [(String, String)],
            body: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            signer: Option<&'a str>,
        }
        let body = std::str::from_utf8(&self.body).map_err(serde::ser::Error::custom)?;
        Stored { url: self.url.as_str(), headers: &self.headers, body, signer: self.signer.as_deref() }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for OutgoingRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            url: String,
            headers: Vec<(String, String)>,
            body: String,
            #[serde(default)]
            signer: Option<String>,
        }
        let Stored { url, headers, body, signer } = Stored::deserialize(d)?;
        let url = Url::parse(&url).map_err(serde::de::Error::custom)?;
        Ok(Self { url, headers, body: body.into_bytes(), signer })
    }
}

/// Why an [`OutgoingRequest`] did not convert to an `http::Request`.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntoHttpError {
    /// The request still names a signer: sent as it is, it would go unsigned. Send it through
    /// the [`Outbox`](crate::delivery::Outbox), or add the signature headers and clear
    /// [`OutgoingRequest::signer`].
    #[error("the request is to be signed with {0:?} first")]
    Unsigned(String),
    /// `http` refused the URL or a header (the crate builds neither so that it would).
    #[error("http refused the request: {0}")]
    Http(#[from] http::Error),
}

/// A `POST` for any client built on `http` (hyper, reqwest through `TryFrom`, axum's test
/// tools): the URL, every header in order, and the body.
///
/// ```
/// use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
/// use sauce_webhooks::{Event, Job, JobStatus};
/// use sauce_webhooks::time::OffsetDateTime;
///
/// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
/// let job = Event::Job(Job::new("run-1", JobStatus::Failed, OffsetDateTime::UNIX_EPOCH));
/// let alert = rules.alert_for(&job).expect("a failure pages");
/// let request: http::Request<Vec<u8>> = alert.request()?.try_into()?;
/// assert_eq!(request.uri(), "https://events.pagerduty.com/v2/enqueue");
/// assert_eq!(request.headers()["content-type"], "application/json");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl TryFrom<OutgoingRequest> for http::Request<Vec<u8>> {
    type Error = IntoHttpError;

    fn try_from(request: OutgoingRequest) -> Result<Self, Self::Error> {
        if let Some(signer) = request.signer {
            return Err(IntoHttpError::Unsigned(signer));
        }
        let mut builder = http::Request::post(request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        Ok(builder.body(request.body)?)
    }
}

/// Back from `http`, for tests that check what a client was given: a `POST` with a URL
/// `url` accepts, and headers that are text.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl TryFrom<http::Request<Vec<u8>>> for OutgoingRequest {
    type Error = FromHttpError;

    fn try_from(request: http::Request<Vec<u8>>) -> Result<Self, Self::Error> {
        if request.method() != http::Method::POST {
            return Err(FromHttpError::NotPost);
        }
        let url = Url::parse(&request.uri().to_string()).map_err(|_| FromHttpError::Url)?;
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                Ok((name.as_str().to_owned(), value.to_str().map_err(|_| FromHttpError::Header)?.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { url, headers, body: request.into_body(), signer: None })
    }
}

/// Why an `http::Request` is not an [`OutgoingRequest`].
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FromHttpError {
    /// Outgoing requests are `POST`s.
    #[error("not a POST")]
    NotPost,
    /// The URI is not an absolute URL.
    #[error("the URI is not an absolute URL")]
    Url,
    /// A header value is not visible ASCII.
    #[error("a header value is not text")]
    Header,
}
