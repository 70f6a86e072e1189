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
