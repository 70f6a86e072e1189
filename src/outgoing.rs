//! A request for the host to send. Both PagerDuty alerts and webhook connectors make them; the
//! crate sends nothing itself.

use url::Url;

/// A request for the host to send: always a `POST` with a JSON body.
///
/// It is `#[non_exhaustive]`: read its fields; the crate builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

    /// A POST of the JSON `body` to `url`, with its content type and no other header.
    pub(crate) fn json(url: Url, body: Vec<u8>) -> Self {
        Self { url, headers: vec![("content-type".to_owned(), "application/json".to_owned())], body }
    }
}
