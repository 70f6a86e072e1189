//! Bodies with the signature header a sender would add.

use crate::event::Event;
use crate::signature::{PAGERDUTY_SIGNATURE_HEADER, SIGNATURE_HEADER, Secret, sign};

/// A body and the signature header to send with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedRequest {
    /// The body bytes.
    pub body: Vec<u8>,
    /// The header's name (lowercase).
    pub header_name: &'static str,
    /// The header's value.
    pub header_value: String,
}

/// `event` serialized as Sauce Labs sends it, with its `saucelabs-sign` header (an event
/// whose time cannot be written, outside the years 0 to 9999, gives an empty body).
pub fn signed(secret: &Secret, event: &Event) -> SignedRequest {
    signed_bytes(secret, serde_json::to_vec(event).unwrap_or_default())
}

/// `body` as it is, with its `saucelabs-sign` header: for fixtures and hand-written bodies.
pub fn signed_bytes(secret: &Secret, body: impl Into<Vec<u8>>) -> SignedRequest {
    let body = body.into();
    let header_value = sign(secret, &body).to_string();
    SignedRequest { body, header_name: SIGNATURE_HEADER, header_value }
}

/// A PagerDuty v3 delivery, with an `x-pagerduty-signature` header holding one `v1=` entry
/// for each secret (as PagerDuty sends during a rotation).
pub fn signed_pagerduty(secrets: &[&Secret], body: impl Into<Vec<u8>>) -> SignedRequest {
    let body = body.into();
    let header_value = secrets.iter().map(|secret| format!("v1={}", sign(secret, &body))).collect::<Vec<_>>().join(",");
    SignedRequest { body, header_name: PAGERDUTY_SIGNATURE_HEADER, header_value }
}

impl SignedRequest {
    /// As the `POST` a sender would make to `uri`: the body, `content-type: application/json`
    /// and the signature header. For axum, `.map(axum::body::Body::from)` it and hand it to
    /// your router with `tower::ServiceExt::oneshot`.
    ///
    /// ```
    /// use sauce_webhooks::signature::Secret;
    /// use sauce_webhooks::testing::{signed, JobBuilder};
    ///
    /// let secret = Secret::new("test-secret")?;
    /// let request = signed(&secret, &JobBuilder::new().failed().event()).http_request("/webhooks/sauce")?;
    /// assert_eq!(request.method(), "POST");
    /// assert!(request.headers().contains_key("saucelabs-sign"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// When `uri` is not a URI.
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn http_request(&self, uri: &str) -> Result<http::Request<Vec<u8>>, http::Error> {
        http::Request::post(uri)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(self.header_name, &self.header_value)
            .body(self.body.clone())
    }
}
