//! A request for the host to send. Both PagerDuty alerts and webhook connectors make them; the
//! crate sends nothing itself.

use std::fmt;

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
}

impl fmt::Debug for OutgoingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("OutgoingRequest")
            .field("method", &Self::METHOD)
            .field("url", &redacted(&self.url))
            .field("headers", &names)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl OutgoingRequest {
    /// The method: always `POST`.
    pub const METHOD: &'static str = "POST";

    /// A POST of the JSON `body` to `url`, with its content type and no other header.
    pub(crate) fn json(url: Url, body: Vec<u8>) -> Self {
        Self { url, headers: vec![("content-type".to_owned(), "application/json".to_owned())], body }
    }
}
