//! Proving that a request came from Sauce Labs (or PagerDuty): HMAC-SHA256 signatures.
//!
//! Sauce Labs signs each webhook body with the webhook's security token and sends the
//! lowercase hex HMAC-SHA256 in the `saucelabs-sign` header. PagerDuty's v3 webhooks send
//! `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`. A [`Verifier`] checks either, against one or
//! several secrets (during rotation), in constant time and without allocating; only then does
//! it hand out the body, as [`Verified`].
//!
//! ```
//! use sauce_webhooks::signature::{sign, Secret, Verifier};
//!
//! let body = br#"{"id":"a1","status":"FAILED","creation_time":0}"#;
//! let header = sign(&Secret::new("webhook-token")?, body).to_string(); // what Sauce Labs sends
//!
//! let verifier = Verifier::new(Secret::new("webhook-token")?);
//! let verified = verifier.verify(body, Some(&header))?;
//! let event = verified.event()?;
//! # let _ = event;
//! assert!(verifier.verify(b"tampered", Some(&header)).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod mac;
mod scheme;
mod secret;
mod standard;
mod token;
mod verifier;

pub use error::{SecretError, SecretPart, SignatureError};
pub use mac::{Signature, sign};
pub use scheme::{OneHeader, PAGERDUTY_SIGNATURE_HEADER, PagerDutyV3, SIGNATURE_HEADER, SauceLabs, Scheme};
pub use secret::{MAX_SECRET_BYTES, Secret};
pub use standard::{
    StandardHeaders, StandardWebhooks, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
    standard_webhooks_headers,
};
pub use token::{AUTHORIZATION_HEADER, HttpBasic, SharedSecret};
pub use verifier::{DEFAULT_MAX_BODY, MAX_SECRETS, ParsesAsEvents, Verified, Verifier};
