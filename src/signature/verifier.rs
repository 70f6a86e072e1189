//! Checking a request against one or more secrets, and the verified body it gives.

use std::marker::PhantomData;

use subtle::Choice;
use time::OffsetDateTime;

use super::error::{SecretError, SignatureError};
use super::mac::equal_in_constant_time;
use super::scheme::sealed::Sealed as _;
use super::scheme::{OneHeader, SauceLabs, Scheme};
use super::secret::Secret;
use super::standard::{StandardHeaders, StandardWebhooks};
use super::token::{HttpBasic, SharedSecret};
use crate::event::Event;
use crate::wire::batch::Batch;
use crate::wire::error::ParseError;

/// The default largest body [`Verifier::verify`] accepts: 2 MiB.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// Most secrets a [`Verifier`] holds.
pub const MAX_SECRETS: usize = 8;

/// Longest signature header accepted, in bytes, for either scheme.
const MAX_HEADER: usize = 4096;

/// Checks signatures against one or more secrets, in the header format of the scheme `S`
/// ([`SauceLabs`] unless [`with_scheme`](Verifier::with_scheme) says otherwise).
///
/// ```
/// use sauce_webhooks::signature::{sign, PagerDutyV3, Secret, SignatureError, Verifier};
///
/// // During a rotation, accept both the old and the new token.
/// let verifier = Verifier::new(Secret::new("old-token")?).with_secret(Secret::new("new-token")?);
/// let body = b"{}";
/// let signed_with_new = sign(&Secret::new("new-token")?, body).to_string();
/// assert!(verifier.verify(body, Some(&signed_with_new)).is_ok());
/// assert_eq!(verifier.verify(body, None).unwrap_err(), SignatureError::Missing);
///
/// // PagerDuty v3 webhooks carry one or more `v1=` entries.
/// let pagerduty = Verifier::new(Secret::new("pd-secret")?).with_scheme(PagerDutyV3);
/// let header = format!("v1=00, v1={}", sign(&Secret::new("pd-secret")?, body));
/// assert!(pagerduty.verify(body, Some(&header)).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier<S = SauceLabs> {
    secrets: Vec<Secret>,
    scheme: S,
    max_body: usize,
    accept_unsigned: bool,
}

impl Verifier {
    /// A verifier for the Sauce Labs scheme with one secret and a 2 MiB body limit.
    pub fn new(secret: Secret) -> Self {
        Self { secrets: vec![secret], scheme: SauceLabs, max_body: DEFAULT_MAX_BODY, accept_unsigned: false }
    }
}

impl<S: Scheme> Verifier<S> {
    /// Reads headers in `scheme`'s format instead, keeping the secrets and limits.
    #[must_use]
    pub fn with_scheme<T: Scheme>(self, scheme: T) -> Verifier<T> {
        let Self { secrets, max_body, accept_unsigned, .. } = self;
        Verifier { secrets, scheme, max_body, accept_unsigned }
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
    /// [`SecretError::TooMany`] when the verifier already holds [`MAX_SECRETS`].
    pub fn try_with_secret(mut self, secret: Secret) -> Result<Self, SecretError> {
        if self.secrets.len() == MAX_SECRETS {
            return Err(SecretError::TooMany { max: MAX_SECRETS });
        }
        self.secrets.push(secret);
        Ok(self)
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
    pub fn with_insecure_accept_unsigned(mut self) -> Self {
        self.accept_unsigned = true;
        self
    }

    /// The largest body it accepts.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// The header name this verifier reads.
    pub fn header_name(&self) -> &'static str {
        self.scheme.header_name()
    }

    /// Whether `headers` hold a signature in this scheme's form (or none, where unsigned
    /// requests are accepted): what a server can refuse before it reads a body, so that a
    /// client without a signature cannot make it read (and hold) one. [`verify_headers`]
    /// checks the signature itself once the body is read.
    ///
    /// ```
    /// use sauce_webhooks::signature::{Secret, SignatureError, Verifier};
    ///
    /// let verifier = Verifier::new(Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?);
    /// let mut headers = http::HeaderMap::new();
    /// assert_eq!(verifier.check_headers(&headers), Err(SignatureError::Missing));
    /// headers.insert("saucelabs-sign", "not hex".parse()?);
    /// assert!(matches!(verifier.check_headers(&headers), Err(SignatureError::Malformed { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Missing` without the header (unless unsigned requests are accepted), `Malformed` for
    /// a header not in the scheme's form, repeated, or over 4 KiB.
    ///
    /// [`verify_headers`]: Self::verify_headers
    #[cfg(feature = "http")]
    pub fn check_headers(&self, headers: &http::HeaderMap) -> Result<(), SignatureError> {
        match only_header(headers, self.header_name())? {
            None if self.accept_unsigned => Ok(()),
            None => Err(SignatureError::Missing),
            Some(header) if header.len() > MAX_HEADER => {
                Err(SignatureError::Malformed { reason: "header longer than 4 KiB" })
            }
            Some(header) => self.scheme.signatures(header).map(drop),
        }
    }

    /// Whether any candidate is the MAC of `signed` (its parts one after the other) under any
    /// secret. Every pair is compared, in constant time, so the time taken tells neither which
    /// secret nor which candidate matched.
    fn any_matches(&self, signed: &[&[u8]], candidates: &[[u8; 32]]) -> bool {
        let found = self.secrets.iter().fold(Choice::from(0), |found, secret| {
            let mac = secret.mac_of(signed);
            candidates.iter().fold(found, |found, candidate| found | equal_in_constant_time(candidate, &mac))
        });
        found.into()
    }

    fn check_size(&self, body: &[u8]) -> Result<(), SignatureError> {
        if body.len() > self.max_body {
            return Err(SignatureError::TooLarge { size: body.len(), limit: self.max_body });
        }
        Ok(())
    }
}

/// Schemes whose request carries all in one header: [`SauceLabs`] and
/// [`PagerDutyV3`](super::PagerDutyV3), which sign the body, [`SharedSecret`] and
/// [`HttpBasic`], which send a secret.
impl<S: Scheme + OneHeader> Verifier<S> {
    /// Checks `header` (the signature header's value, `None` when absent) against the raw
    /// `body` bytes, exactly as received: never re-serialized JSON. Allocates nothing for the
    /// schemes that sign the body (a sent secret is keyed once, in a box that wipes itself).
    ///
    /// # Errors
    /// [`SignatureError::TooLarge`] for a body over the limit, `Missing` without a header
    /// (unless unsigned requests are accepted), `Malformed` for a header not in the scheme's
    /// form, `Mismatch` when no signature matches under any secret.
    pub fn verify<'a>(&self, body: &'a [u8], header: Option<&str>) -> Result<Verified<'a, S>, SignatureError> {
        self.check_size(body)?;
        let Some(header) = header else {
            return if self.accept_unsigned { Ok(Verified::new(body, false)) } else { Err(SignatureError::Missing) };
        };
        if header.len() > MAX_HEADER {
            return Err(SignatureError::Malformed { reason: "header longer than 4 KiB" });
        }
        let signatures = self.scheme.signatures(header)?;
        if self.any_matches(&[self.scheme.signed(body)], signatures.as_slice()) {
            Ok(Verified::new(body, true))
        } else {
            Err(SignatureError::Mismatch)
        }
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
    ) -> Result<Verified<'a, S>, SignatureError> {
        self.verify(body, only_header(headers, self.header_name())?)
    }
}

/// The Standard Webhooks scheme, which signs the message's id and timestamp with the body.
impl Verifier<StandardWebhooks> {
    /// Checks a Standard Webhooks request: the `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature` headers' values (each `None` when absent) against the raw `body`, at
    /// the host's `now`. Allocates nothing. Deduplicate what it lets through on the id: a sender
    /// retries with the same one.
    ///
    /// ```
    /// use sauce_webhooks::signature::{standard_webhooks_headers, Secret, StandardHeaders, StandardWebhooks, Verifier};
    /// use sauce_webhooks::time::{Duration, OffsetDateTime};
    ///
    /// let secret = || Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    /// let verifier = Verifier::new(secret()?).with_scheme(StandardWebhooks::default());
    /// let (body, now) = (br#"{"a":1}"#, OffsetDateTime::now_utc());
    /// let [id, timestamp, signature] = standard_webhooks_headers(&secret()?, "msg_1", now, body).map(|(_, value)| value);
    /// assert!(verifier.verify_standard(body, &StandardHeaders { id: Some(&id), timestamp: Some(&timestamp), signature: Some(&signature) }, now).is_ok());
    /// // The same request an hour later is a replay.
    /// let later = now + Duration::HOUR;
    /// assert!(verifier.verify_standard(body, &StandardHeaders { id: Some(&id), timestamp: Some(&timestamp), signature: Some(&signature) }, later).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SignatureError::TooLarge`] for a body over the limit, `Missing` when a header is
    /// absent (unless unsigned requests are accepted and all three are), `Malformed` for a
    /// header not in the scheme's form, `OutsideTolerance` for a timestamp too far from `now`,
    /// `Mismatch` when no signature matches under any secret.
    pub fn verify_standard<'a>(
        &self,
        body: &'a [u8],
        headers: &StandardHeaders<'_>,
        now: OffsetDateTime,
    ) -> Result<Verified<'a, StandardWebhooks>, SignatureError> {
        self.check_size(body)?;
        let (id, timestamp, header) = match (headers.id, headers.timestamp, headers.signature) {
            (Some(id), Some(timestamp), Some(header)) => (id, timestamp, header),
            (None, None, None) if self.accept_unsigned => return Ok(Verified::new(body, false)),
            _ => return Err(SignatureError::Missing),
        };
        if id.len() + timestamp.len() + header.len() > MAX_HEADER {
            return Err(SignatureError::Malformed { reason: "headers longer than 4 KiB" });
        }
        self.scheme.check_timestamp(timestamp, now)?;
        let signatures = self.scheme.signatures(header)?;
        let signed = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body];
        if self.any_matches(&signed, signatures.as_slice()) {
            Ok(Verified::new(body, true))
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// Finds the three Standard Webhooks headers in `headers` and verifies at `now`.
    ///
    /// # Errors
    /// As [`Verifier::verify_standard`]; also `Malformed` when a header appears more than once
    /// or its value is not visible ASCII.
    #[cfg(feature = "http")]
    pub fn verify_standard_headers<'a>(
        &self,
        body: &'a [u8],
        headers: &http::HeaderMap,
        now: OffsetDateTime,
    ) -> Result<Verified<'a, StandardWebhooks>, SignatureError> {
        use super::standard::{WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER};
        let id = only_header(headers, WEBHOOK_ID_HEADER)?;
        let timestamp = only_header(headers, WEBHOOK_TIMESTAMP_HEADER)?;
        let signature = only_header(headers, WEBHOOK_SIGNATURE_HEADER)?;
        self.verify_standard(body, &StandardHeaders { id, timestamp, signature }, now)
    }
}

/// The one value of header `name`, `None` when absent.
#[cfg(feature = "http")]
fn only_header<'h>(headers: &'h http::HeaderMap, name: &str) -> Result<Option<&'h str>, SignatureError> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => {
            value.to_str().map(Some).map_err(|_| SignatureError::Malformed { reason: "header is not visible ASCII" })
        }
        (Some(_), Some(_)) => Err(SignatureError::Malformed { reason: "a signature header appears more than once" }),
    }
}

/// A body whose signature checked out, under the scheme `S`. Only [`Verifier::verify`] makes
/// one, so code that takes a `Verified` cannot be handed an unverified body by accident, with
/// one exception you opt into: a verifier built with
/// [`Verifier::with_insecure_accept_unsigned`] makes one for a request without a signature,
/// and [`Verified::is_signed`] is then `false`.
///
/// What the body may be parsed as follows from the scheme: a Sauce Labs body gives
/// [`event`](Verified::event), a PagerDuty one
/// [`envelope`](Verified::envelope); asking a PagerDuty body for an event does not compile.
#[derive(Debug, Clone, Copy)]
pub struct Verified<'a, S = SauceLabs> {
    body: &'a [u8],
    signed: bool,
    scheme: PhantomData<S>,
}

impl<'a, S> Verified<'a, S> {
    pub(crate) fn new(body: &'a [u8], signed: bool) -> Self {
        Self { body, signed, scheme: PhantomData }
    }

    /// The raw body.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Whether a signature was checked: `false` only for a request without one that a verifier
    /// built with [`Verifier::with_insecure_accept_unsigned`] let through.
    pub fn is_signed(&self) -> bool {
        self.signed
    }
}

/// Sauce Labs bodies, and bodies relayed under Standard Webhooks signatures (a relay's
/// default body is the event's webhook JSON), parse as events.
impl<'a, S: ParsesAsEvents> Verified<'a, S> {
    /// Parses the body as one event ([`Event::from_slice`]).
    ///
    /// # Errors
    /// [`ParseError`] when the body is not a webhook event.
    pub fn event(&self) -> Result<Event<'static>, ParseError> {
        Event::from_slice(self.body)
    }

    /// Parses the body as one event whose job's texts are lent from the body
    /// ([`Event::from_slice_borrowed`]): the fast path, for a host that routes and alerts on
    /// the event before the body goes.
    ///
    /// # Errors
    /// [`ParseError`] when the body is not a webhook event.
    pub fn event_ref(&self) -> Result<Event<'a>, ParseError> {
        Event::from_slice_borrowed(self.body)
    }

    /// Reads the body as one event or an array of them, one at a time
    /// ([`Event::from_slice_batch`]).
    pub fn events(&self) -> Batch<'a> {
        Event::from_slice_batch(self.body)
    }
}

/// Schemes whose verified bodies are Sauce Labs events. Plumbing: it only says which
/// [`Verified`] has [`event`](Verified::event), and `Scheme` seals it.
#[doc(hidden)]
pub trait ParsesAsEvents: Scheme {}
impl ParsesAsEvents for SauceLabs {}
impl ParsesAsEvents for StandardWebhooks {}
impl ParsesAsEvents for SharedSecret {}
impl ParsesAsEvents for HttpBasic {}
