//! The Standard Webhooks scheme: `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! headers, signing `id.timestamp.body`, with a tolerance on the timestamp against replays.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::{Duration, OffsetDateTime};

use super::error::{SecretError, SignatureError};
use super::scheme::{Scheme, sealed};
use super::secret::Secret;

/// The header carrying the message's id.
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// The header carrying when the attempt was signed, in seconds since 1970.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header carrying the signatures.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";

/// The three Standard Webhooks headers' values, as received: each `None` when absent. Named,
/// so that the id and the timestamp cannot be swapped by accident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StandardHeaders<'h> {
    /// `webhook-id`.
    pub id: Option<&'h str>,
    /// `webhook-timestamp`.
    pub timestamp: Option<&'h str>,
    /// `webhook-signature`.
    pub signature: Option<&'h str>,
}

/// Most `v1,` entries of a `webhook-signature` header that are looked at.
const MAX_ENTRIES: usize = 16;

/// The [Standard Webhooks](https://www.standardwebhooks.com) scheme: `webhook-signature:
/// v1,<base64> [v1,<base64> …]`, each an HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`
/// (entries of other versions, as `v1a`, are ignored), and a timestamp within a tolerance of
/// the host's clock (5 minutes either way by default), so that a captured request cannot be
/// replayed later. Verify with [`Verifier::verify_standard`](super::Verifier::verify_standard);
/// sign with [`standard_webhooks_headers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardWebhooks {
    tolerance: Duration,
}

impl Default for StandardWebhooks {
    fn default() -> Self {
        Self { tolerance: Duration::minutes(5) }
    }
}

impl StandardWebhooks {
    /// How far from `now` a timestamp may be, either way (never less than zero).
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance.max(Duration::ZERO);
        self
    }

    /// The tolerance.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// The signed timestamp, if it is a number of seconds within the tolerance of `now`.
    pub(crate) fn check_timestamp(&self, timestamp: &str, now: OffsetDateTime) -> Result<(), SignatureError> {
        let seconds = (!timestamp.is_empty() && timestamp.len() <= 12 && timestamp.bytes().all(|b| b.is_ascii_digit()))
            .then(|| timestamp.parse::<i64>().ok())
            .flatten()
            .ok_or(SignatureError::Malformed { reason: "webhook-timestamp is not a number of seconds" })?;
        let skew = (now.unix_timestamp() - seconds).abs();
        if skew > self.tolerance.whole_seconds() {
            return Err(SignatureError::OutsideTolerance { seconds: skew });
        }
        Ok(())
    }
}

impl Scheme for StandardWebhooks {
    fn header_name(&self) -> &'static str {
        WEBHOOK_SIGNATURE_HEADER
    }
}

impl sealed::Sealed for StandardWebhooks {
    fn signatures(&self, header: &str) -> Result<sealed::Signatures, SignatureError> {
        let mut signatures = sealed::Signatures::default();
        let entries = header.split_ascii_whitespace();
        for entry in entries.take(MAX_ENTRIES) {
            let Some(encoded) = entry.strip_prefix("v1,") else { continue };
            // 44 characters of base64 hold 32 bytes; the decoder wants room for 33.
            let mut decoded = [0u8; 33];
            if encoded.len() == 44 && BASE64.decode_slice(encoded, &mut decoded) == Ok(32) {
                let mut signature = [0u8; 32];
                signature.copy_from_slice(&decoded[..32]);
                signatures.push(signature);
            }
        }
        if signatures.len == 0 {
            return Err(SignatureError::Malformed { reason: "no v1,<base64 of 32 bytes> entry among the first 16" });
        }
        Ok(signatures)
    }
}

impl Secret {
    /// Takes a Standard Webhooks secret: `whsec_` and the base64 of the key's bytes (the
    /// prefix may be left out). The decoded key is wiped once keyed.
    ///
    /// ```
    /// use sauce_webhooks::signature::Secret;
    ///
    /// let secret = Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// assert!(Secret::from_standard_webhooks("whsec_not base64!").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SecretError::NotBase64`] when the rest is not standard base64, and
    /// [`SecretError::Empty`] when it decodes to nothing.
    pub fn from_standard_webhooks(secret: &str) -> Result<Self, SecretError> {
        let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
        let key = zeroize::Zeroizing::new(BASE64.decode(encoded).map_err(|_| SecretError::NotBase64)?);
        Self::from_key(&key)
    }
}

/// The three Standard Webhooks headers for `body`, sent as message `id` at `at`: what a
/// receiver verifies with [`Verifier::verify_standard`](super::Verifier::verify_standard) (or
/// any Standard Webhooks library). Sign each attempt anew, with its own time: receivers refuse
/// old timestamps.
///
/// ```
/// use sauce_webhooks::signature::{standard_webhooks_headers, Secret};
/// use sauce_webhooks::time::OffsetDateTime;
///
/// let secret = Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let at = OffsetDateTime::from_unix_timestamp(1_714_558_530)?;
/// let headers = standard_webhooks_headers(&secret, "msg_1", at, br#"{"a":1}"#);
/// assert_eq!(headers[0], ("webhook-id", "msg_1".to_owned()));
/// assert_eq!(headers[1], ("webhook-timestamp", "1714558530".to_owned()));
/// assert!(headers[2].1.starts_with("v1,"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn standard_webhooks_headers(
    secret: &Secret,
    id: &str,
    at: OffsetDateTime,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let timestamp = at.unix_timestamp().to_string();
    let mac = secret.mac_of(&[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
    [
        (WEBHOOK_ID_HEADER, id.to_owned()),
        (WEBHOOK_TIMESTAMP_HEADER, timestamp),
        (WEBHOOK_SIGNATURE_HEADER, format!("v1,{}", BASE64.encode(mac))),
    ]
}
