//! Schemes that send a secret instead of signing the body: what Sauce Labs' App Distribution
//! and API Testing webhooks can be set up to send (any header the user configures), and what
//! Error Reporting requires (HTTP Basic credentials).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::error::SignatureError;
use super::scheme::sealed::{Sealed, Signatures};
use super::scheme::{OneHeader, Scheme};
use super::secret::Secret;

/// The header HTTP Basic credentials come in.
pub const AUTHORIZATION_HEADER: &str = "authorization";

/// What a sent secret and the verifier's secrets are each the MAC of, under themselves as the
/// key: equal MACs mean equal secrets, compared in constant time like signatures, without the
/// verifier keeping any secret's text.
const TOKEN_CHECK: &[u8] = b"sauce-webhooks token check";

/// Longest secret a header may carry, decoded: the longest a verifier takes.
const MAX_TOKEN: usize = super::secret::MAX_SECRET_BYTES;

/// A secret sent as it is in a header the sender lets you configure (App Distribution's and
/// API Testing's webhooks send whatever headers you set): the header's whole value must be
/// one of the verifier's secrets. It proves who sent the request, not that the body is
/// unchanged: use it over TLS only. HTTP drops the spaces around a header's value, so a secret
/// that starts or ends with one never matches; a sent secret is text without control
/// characters.
///
/// ```
/// use sauce_webhooks::signature::{Secret, SharedSecret, Verifier};
///
/// let verifier = Verifier::new(Secret::new("9f8e7d6c-token")?).with_scheme(SharedSecret::header("x-webhook-token"));
/// let body = br#"{"eventId":"e1","failuresCount":1,"projectId":"p-7"}"#;
/// assert!(verifier.verify(body, Some("9f8e7d6c-token")).is_ok());
/// assert!(verifier.verify(body, Some("guess")).is_err());
/// assert!(verifier.verify(body, None).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedSecret {
    header: &'static str,
}

impl SharedSecret {
    /// The secret comes in the header `name` (any case).
    pub fn header(name: &'static str) -> Self {
        Self { header: name }
    }
}

impl Scheme for SharedSecret {
    fn header_name(&self) -> &'static str {
        self.header
    }
}

impl OneHeader for SharedSecret {}

impl Sealed for SharedSecret {
    fn signatures(&self, header: &str) -> Result<Signatures, SignatureError> {
        token_check(header.trim_ascii().as_bytes())
    }

    fn signed<'b>(&self, _: &'b [u8]) -> &'b [u8] {
        TOKEN_CHECK
    }
}

/// HTTP Basic credentials (`Authorization: Basic <base64 of user:password>`), as Error
/// Reporting's webhooks require: the verifier's secrets are `user:password`
/// ([`Secret::basic`]). Like [`SharedSecret`], it proves the sender, not the body: TLS only.
///
/// ```
/// use sauce_webhooks::signature::{HttpBasic, Secret, Verifier};
///
/// let verifier = Verifier::new(Secret::basic("backtrace", "s3cret")?).with_scheme(HttpBasic);
/// let body = br#"{"fingerprint":"a1b2"}"#;
/// assert!(verifier.verify(body, Some("Basic YmFja3RyYWNlOnMzY3JldA==")).is_ok());
/// assert!(verifier.verify(body, Some("Basic YmFja3RyYWNlOndyb25n")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HttpBasic;

impl Scheme for HttpBasic {
    fn header_name(&self) -> &'static str {
        AUTHORIZATION_HEADER
    }
}

impl OneHeader for HttpBasic {}

impl Sealed for HttpBasic {
    fn signatures(&self, header: &str) -> Result<Signatures, SignatureError> {
        let header = header.trim_ascii();
        let encoded = match header.split_once(' ') {
            Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => encoded.trim_ascii(),
            _ => return Err(SignatureError::Malformed { reason: "expected Basic credentials" }),
        };
        if encoded.len() > MAX_TOKEN * 4 / 3 + 4 {
            return Err(SignatureError::Malformed { reason: "credentials longer than 1 KiB" });
        }
        let decoded = Zeroizing::new(
            STANDARD.decode(encoded).map_err(|_| SignatureError::Malformed { reason: "credentials are not base64" })?,
        );
        // `user:password`, as RFC 7617 has it: without the colon, it is not credentials.
        if !decoded.contains(&b':') {
            return Err(SignatureError::Malformed { reason: "credentials are not user:password" });
        }
        token_check(&decoded)
    }

    fn signed<'b>(&self, _: &'b [u8]) -> &'b [u8] {
        TOKEN_CHECK
    }
}

/// The one candidate a sent secret gives: its MAC of [`TOKEN_CHECK`], keyed by itself.
///
/// HMAC keys two kinds of byte strings alike: one and the same with NULs after it (short keys
/// are padded with NULs), and a key over 64 bytes and its SHA-256 (long keys are hashed). So
/// a sent secret must be text without control characters, NUL included: it can then be
/// neither a padded form nor, but with odds below one in 10^13, a raw 32-byte SHA-256, and a
/// client that knows the hash of a long secret cannot send the hash in its place.
fn token_check(token: &[u8]) -> Result<Signatures, SignatureError> {
    if token.is_empty() {
        return Err(SignatureError::Missing);
    }
    let text = std::str::from_utf8(token).ok().filter(|text| !text.chars().any(char::is_control));
    if token.len() > MAX_TOKEN || text.is_none() {
        return Err(SignatureError::Malformed {
            reason: "a secret of at most 1 KiB of text, without control characters",
        });
    }
    let sent = Secret::new(token).map_err(|_| SignatureError::Missing)?;
    let mut signatures = Signatures::default();
    signatures.push(sent.mac(TOKEN_CHECK));
    Ok(signatures)
}
