//! A request for the host to send. Both PagerDuty alerts and webhook connectors make them; the
//! crate sends nothing itself.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use crate::support::redact::redacted;

/// A request for the host to send: always a `POST` with a JSON body.
///
/// It is `#[non_exhaustive]`: read its fields; the crate builds it. `Debug` shows the URL's
/// scheme, domain and port (its host's first labels hidden, as the
/// [`Endpoint`](crate::endpoint::Endpoint)'s), the header names and the body's size, never a
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
    /// with the secret it knows by this name; sending it yourself, add
    /// [`standard_webhooks_headers`](crate::signature::standard_webhooks_headers) at each
    /// attempt.
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
