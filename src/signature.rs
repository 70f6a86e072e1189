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

use std::fmt;
use std::str::FromStr;

use hmac::digest::zeroize::ZeroizeOnDrop;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

use crate::{Event, ParseError};

/// The header Sauce Labs puts the signature in.
pub const SIGNATURE_HEADER: &str = "saucelabs-sign";

/// The header PagerDuty's v3 webhooks put their signatures in (lowercase, as HTTP/2 sends it;
/// header names are case-insensitive).
pub const PAGERDUTY_SIGNATURE_HEADER: &str = "x-pagerduty-signature";

/// The default largest body [`Verifier::verify`] accepts: 2 MiB.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// Most secrets a [`Verifier`] holds.
pub const MAX_SECRETS: usize = 8;

/// Most entries of a PagerDuty header that are looked at (empty pieces between commas do not
/// count).
const MAX_PAGERDUTY_ENTRIES: usize = 16;

/// Longest signature header accepted, in bytes, for either scheme.
const MAX_HEADER: usize = 4096;

type HmacSha256 = Hmac<Sha256>;

// `Secret` keeps only a keyed `Hmac<Sha256>`, whose key-derived part is two SHA-256 states
// (inner and outer pad). Those wipe themselves on drop when sha2's `zeroize` feature is on;
// this fails to compile if it ever were off. (`Hmac` itself does not carry the marker trait.)
const _: () = {
    const fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<sha2::block_api::Sha256VarCore>();
};

/// What went wrong checking a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The request has no signature header.
    #[error("the request has no signature header")]
    Missing,
    /// The signature header is not in the scheme's form.
    #[error("malformed signature header: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No signature in the header matches the body under any accepted secret.
    #[error("the signature does not match the body")]
    Mismatch,
    /// The body is larger than the verifier accepts; nothing was hashed.
    #[error("the body has {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The verifier's limit.
        limit: usize,
    },
    /// A secret must not be empty.
    #[error("the secret is empty")]
    EmptySecret,
    /// A verifier holds at most [`MAX_SECRETS`] secrets.
    #[error("a verifier holds at most {MAX_SECRETS} secrets")]
    TooManySecrets,
}

/// A webhook's security token, ready to sign and verify with.
///
/// It keeps only the keyed HMAC state derived from the token (so each signature skips keying),
/// on the heap, so that moving a `Secret` or growing a list of them copies a pointer and not
/// the state; the state is wiped on drop. `Debug` shows nothing of it, and it has no `Display`
/// or `Serialize`. The bytes you pass in stay yours to wipe, and so does what the `hmac` crate
/// leaves on the stack while keying, which no safe code can reach.
///
/// ```
/// use sauce_webhooks::signature::{Secret, SignatureError};
///
/// let secret = Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?;
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
/// assert_eq!(Secret::new("").unwrap_err(), SignatureError::EmptySecret);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    keyed: Box<HmacSha256>,
}

impl Secret {
    /// Takes a security token as bytes (a `&str`, `String`, `&[u8]`, ...).
    ///
    /// # Errors
    /// [`SignatureError::EmptySecret`] for an empty token.
    pub fn new(token: impl AsRef<[u8]>) -> Result<Self, SignatureError> {
        let token = token.as_ref();
        if token.is_empty() {
            return Err(SignatureError::EmptySecret);
        }
        // HMAC takes a key of any length, so this only fails on the empty key refused above.
        let keyed = HmacSha256::new_from_slice(token).map_err(|_| SignatureError::EmptySecret)?;
        Ok(Self { keyed: Box::new(keyed) })
    }

    fn mac(&self, body: &[u8]) -> [u8; 32] {
        // A copy on the stack, wiped when `finalize` drops it.
        let mut mac = HmacSha256::clone(&self.keyed);
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An HMAC-SHA256 signature. `Display` gives the lowercase hex that Sauce Labs sends (and
/// Python's `hmac.new(token, body, hashlib.sha256).hexdigest()` gives); `FromStr` reads 64 hex
/// digits in either case. Equality is checked in constant time.
///
/// ```
/// use sauce_webhooks::signature::{sign, Secret, Signature};
///
/// let signature = sign(&Secret::new("key")?, b"The quick brown fox jumps over the lazy dog");
/// let hex = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
/// assert_eq!(signature.to_string(), hex);
/// assert_eq!(hex.to_uppercase().parse::<Signature>()?, signature);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Signature([u8; 32]);

impl Signature {
    /// The 32 raw bytes. Compare signatures with `==` on `Signature` (or `ct_eq`), which is
    /// constant-time, never on these bytes or on strings.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        equal_in_constant_time(&self.0, &other.0).into()
    }
}

/// Compares two MACs with `subtle`, a 64-bit word at a time: the same guarantee as its
/// byte-wise slice comparison in an eighth of the operations (60 ns down to under 10 on a
/// 32-byte MAC, a sixth of a whole 256-byte verification).
fn equal_in_constant_time(a: &[u8; 32], b: &[u8; 32]) -> Choice {
    let (a_words, _) = a.as_chunks::<8>();
    let (b_words, _) = b.as_chunks::<8>();
    a_words
        .iter()
        .zip(b_words)
        .fold(Choice::from(1), |equal, (x, y)| equal & u64::from_ne_bytes(*x).ct_eq(&u64::from_ne_bytes(*y)))
}

impl Eq for Signature {}

impl ConstantTimeEq for Signature {
    fn ct_eq(&self, other: &Self) -> Choice {
        equal_in_constant_time(&self.0, &other.0)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 64];
        // Both cannot fail: 64 is exactly twice 32, and hex digits are ASCII.
        hex::encode_to_slice(self.0, &mut hex).map_err(|_| fmt::Error)?;
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl FromStr for Signature {
    type Err = SignatureError;

    /// Reads exactly 64 hex digits, in either case.
    fn from_str(hex: &str) -> Result<Self, SignatureError> {
        let digits: &[u8; 64] = hex.as_bytes().try_into().map_err(|_| MALFORMED_HEX)?;
        decode_hex(digits).map(Self).ok_or(MALFORMED_HEX)
    }
}

const MALFORMED_HEX: SignatureError = SignatureError::Malformed { reason: "expected 64 hex digits" };

/// The value of each hex digit, in either case; 0xFF for any other byte.
const HEX_VALUES: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut value: u8 = 0;
    while value < 16 {
        let digit = b"0123456789abcdef"[value as usize];
        table[digit as usize] = value;
        table[digit.to_ascii_uppercase() as usize] = value;
        value += 1;
    }
    table
};

/// Decodes 64 hex digits. A table lookup per digit with one check at the end: about a
/// quarter of the time the `hex` crate's checked decoder takes, which matters when a whole
/// 256-byte verification costs under half a microsecond.
fn decode_hex(digits: &[u8; 64]) -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    let mut invalid = 0u8;
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = (HEX_VALUES[usize::from(pair[0])], HEX_VALUES[usize::from(pair[1])]);
        invalid |= high | low;
        *byte = (high << 4) | (low & 0x0F);
    }
    (invalid & 0xF0 == 0).then_some(bytes)
}

/// Signs `body` as Sauce Labs does: HMAC-SHA256 keyed with the secret.
///
/// Use it to relay webhooks, to sign outgoing requests, or to test a receiver.
pub fn sign(secret: &Secret, body: &[u8]) -> Signature {
    Signature(secret.mac(body))
}

/// Which sender's header format to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scheme {
    /// `saucelabs-sign: <64 hex digits>` in either case; surrounding ASCII whitespace and a
    /// `sha256=` prefix are tolerated, as some relays add them.
    #[default]
    SauceLabs,
    /// `X-PagerDuty-Signature: v1=<hex>[, v1=<hex>…]`: any `v1` entry may match (PagerDuty
    /// sends several while it rotates secrets); entries of other versions are ignored; the
    /// first 16 non-empty entries are looked at.
    PagerDutyV3,
}

impl Scheme {
    /// The header this scheme's signature travels in, in lowercase.
    pub fn header_name(self) -> &'static str {
        match self {
            Self::SauceLabs => SIGNATURE_HEADER,
            Self::PagerDutyV3 => PAGERDUTY_SIGNATURE_HEADER,
        }
    }

    /// The signatures a PagerDuty header carries: the valid `v1=` entries among its first 16
    /// non-empty entries.
    fn pagerduty_candidates(header: &str) -> Result<Candidates, SignatureError> {
        let mut candidates = Candidates::default();
        let entries = header.split(',').map(str::trim_ascii).filter(|entry| !entry.is_empty());
        for entry in entries.take(MAX_PAGERDUTY_ENTRIES) {
            if let Some(Ok(signature)) = entry.strip_prefix("v1=").map(str::parse::<Signature>) {
                candidates.signatures[candidates.len] = signature.0;
                candidates.len += 1;
            }
        }
        if candidates.len == 0 {
            return Err(SignatureError::Malformed { reason: "no v1=<64 hex digits> entry among the first 16" });
        }
        Ok(candidates)
    }

    /// The one signature a Sauce Labs header carries, past whitespace and a `sha256=` prefix.
    fn sauce_signature(header: &str) -> Result<Signature, SignatureError> {
        let hex = header.trim_ascii();
        let hex = match hex.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("sha256=") => &hex[7..],
            _ => hex,
        };
        hex.parse()
    }
}

/// The signatures read from a PagerDuty header, on the stack.
#[derive(Default)]
struct Candidates {
    signatures: [[u8; 32]; MAX_PAGERDUTY_ENTRIES],
    len: usize,
}

/// Checks signatures against one or more secrets.
///
/// ```
/// use sauce_webhooks::signature::{sign, Scheme, Secret, SignatureError, Verifier};
///
/// // During a rotation, accept both the old and the new token.
/// let verifier = Verifier::new(Secret::new("old-token")?).with_secret(Secret::new("new-token")?);
/// let body = b"{}";
/// let signed_with_new = sign(&Secret::new("new-token")?, body).to_string();
/// assert!(verifier.verify(body, Some(&signed_with_new)).is_ok());
/// assert_eq!(verifier.verify(body, None).unwrap_err(), SignatureError::Missing);
///
/// // PagerDuty v3 webhooks carry one or more `v1=` entries.
/// let pagerduty = Verifier::new(Secret::new("pd-secret")?).scheme(Scheme::PagerDutyV3);
/// let header = format!("v1=00, v1={}", sign(&Secret::new("pd-secret")?, body));
/// assert!(pagerduty.verify(body, Some(&header)).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<Secret>,
    scheme: Scheme,
    max_body: usize,
    accept_unsigned: bool,
}

impl Verifier {
    /// A verifier for the Sauce Labs scheme with one secret and a 2 MiB body limit.
    pub fn new(secret: Secret) -> Self {
        Self { secrets: vec![secret], scheme: Scheme::SauceLabs, max_body: DEFAULT_MAX_BODY, accept_unsigned: false }
    }

    /// Also accepts signatures made with `secret`, for rotation. Every secret is tried on
    /// every request, so the time taken does not tell which one matched.
    ///
    /// # Panics
    /// When the verifier already holds [`MAX_SECRETS`] secrets: a configuration mistake, caught
    /// at start-up. Use [`Verifier::try_with_secret`] when the count comes from configuration.
    #[must_use]
    pub fn with_secret(self, secret: Secret) -> Self {
        self.try_with_secret(secret).unwrap_or_else(|too_many| panic!("{too_many}"))
    }

    /// Also accepts signatures made with `secret`, for rotation.
    ///
    /// # Errors
    /// [`SignatureError::TooManySecrets`] when the verifier already holds [`MAX_SECRETS`].
    pub fn try_with_secret(mut self, secret: Secret) -> Result<Self, SignatureError> {
        if self.secrets.len() == MAX_SECRETS {
            return Err(SignatureError::TooManySecrets);
        }
        self.secrets.push(secret);
        Ok(self)
    }

    /// Reads headers in `scheme`'s format (the default is [`Scheme::SauceLabs`]).
    #[must_use]
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Refuses bodies over `max_body` bytes with [`SignatureError::TooLarge`], before hashing.
    #[must_use]
    pub fn with_max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }

    /// **Insecure:** accepts requests that carry no signature header at all, as some Sauce
    /// Labs accounts deliver without one. Anyone who can reach your endpoint can then post
    /// events; use it only behind another check (a secret URL, an allow-list), and watch
    /// [`Verified::is_signed`]. A present but wrong or malformed signature is still refused.
    #[must_use]
    pub fn insecure_accept_unsigned(mut self) -> Self {
        self.accept_unsigned = true;
        self
    }

    /// The header name this verifier reads.
    pub fn header_name(&self) -> &'static str {
        self.scheme.header_name()
    }

    /// Checks `header` (the signature header's value, `None` when absent) against the raw
    /// `body` bytes, exactly as received: never re-serialized JSON. Allocates nothing.
    ///
    /// # Errors
    /// [`SignatureError::TooLarge`] for a body over the limit, `Missing` without a header
    /// (unless unsigned requests are accepted), `Malformed` for a header not in the scheme's
    /// form, `Mismatch` when no signature matches under any secret.
    pub fn verify<'a>(&self, body: &'a [u8], header: Option<&str>) -> Result<Verified<'a>, SignatureError> {
        if body.len() > self.max_body {
            return Err(SignatureError::TooLarge { size: body.len(), limit: self.max_body });
        }
        let Some(header) = header else {
            return if self.accept_unsigned {
                Ok(Verified { body, signed: false })
            } else {
                Err(SignatureError::Missing)
            };
        };
        if header.len() > MAX_HEADER {
            return Err(SignatureError::Malformed { reason: "header longer than 4 KiB" });
        }
        let matched = match self.scheme {
            Scheme::SauceLabs => self.any_matches(body, &[Scheme::sauce_signature(header)?.0]),
            Scheme::PagerDutyV3 => {
                let candidates = Scheme::pagerduty_candidates(header)?;
                self.any_matches(body, &candidates.signatures[..candidates.len])
            }
        };
        if matched { Ok(Verified { body, signed: true }) } else { Err(SignatureError::Mismatch) }
    }

    /// Whether any candidate is the body's MAC under any secret. Every pair is compared, in
    /// constant time, so the time taken tells neither which secret nor which candidate matched.
    fn any_matches(&self, body: &[u8], candidates: &[[u8; 32]]) -> bool {
        let found = self.secrets.iter().fold(Choice::from(0), |found, secret| {
            let mac = secret.mac(body);
            candidates.iter().fold(found, |found, candidate| found | equal_in_constant_time(candidate, &mac))
        });
        found.into()
    }

    /// Finds this scheme's header in `headers` (names are case-insensitive) and verifies.
    ///
    /// # Errors
    /// As [`Verifier::verify`]; also `Malformed` when the header appears more than once or
    /// its value is not visible ASCII.
    #[cfg(feature = "http")]
    pub fn verify_headers<'a>(
        &self,
        body: &'a [u8],
        headers: &http::HeaderMap,
    ) -> Result<Verified<'a>, SignatureError> {
        let mut values = headers.get_all(self.header_name()).iter();
        let header = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(value), None) => {
                Some(value.to_str().map_err(|_| SignatureError::Malformed { reason: "header is not visible ASCII" })?)
            }
            (Some(_), Some(_)) => return Err(SignatureError::Malformed { reason: "more than one signature header" }),
        };
        self.verify(body, header)
    }
}

/// A body whose signature checked out. Only [`Verifier::verify`] makes one, so code that takes
/// a `Verified` cannot be handed an unverified body by accident, with one exception you opt
/// into: a verifier built with [`Verifier::insecure_accept_unsigned`] makes one for a request
/// without a signature, and [`Verified::is_signed`] is then `false`.
#[derive(Debug, Clone, Copy)]
pub struct Verified<'a> {
    body: &'a [u8],
    signed: bool,
}

impl<'a> Verified<'a> {
    /// The raw body.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Whether a signature was checked: `false` only for a request without one that a verifier
    /// built with [`Verifier::insecure_accept_unsigned`] let through.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// Parses the body as one event ([`Event::from_slice`]).
    ///
    /// # Errors
    /// [`ParseError`] when the body is not a webhook event.
    pub fn event(&self) -> Result<Event, ParseError> {
        Event::from_slice(self.body)
    }

    /// Parses the body as one event or an array of them ([`Event::from_slice_batch`]).
    ///
    /// # Errors
    /// [`ParseError`] when the body is not a webhook event or an array of them.
    pub fn events(&self) -> Result<Vec<Event>, ParseError> {
        Event::from_slice_batch(self.body)
    }
}
