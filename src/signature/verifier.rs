//! Checking a request against one or more secrets, and the verified body it gives.

use std::marker::PhantomData;

use subtle::Choice;

use super::error::{SecretError, SignatureError};
use super::mac::equal_in_constant_time;
use super::scheme::{SauceLabs, Scheme};
use super::secret::Secret;
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
    pub fn verify<'a>(&self, body: &'a [u8], header: Option<&str>) -> Result<Verified<'a, S>, SignatureError> {
        if body.len() > self.max_body {
            return Err(SignatureError::TooLarge { size: body.len(), limit: self.max_body });
        }
        let Some(header) = header else {
            return if self.accept_unsigned { Ok(Verified::new(body, false)) } else { Err(SignatureError::Missing) };
        };
        if header.len() > MAX_HEADER {
            return Err(SignatureError::Malformed { reason: "header longer than 4 KiB" });
        }
        let signatures = self.scheme.signatures(header)?;
        if self.any_matches(body, signatures.as_slice()) {
            Ok(Verified::new(body, true))
        } else {
            Err(SignatureError::Mismatch)
        }
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
    ) -> Result<Verified<'a, S>, SignatureError> {
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
    fn new(body: &'a [u8], signed: bool) -> Self {
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

impl<'a> Verified<'a, SauceLabs> {
    /// Parses the body as one event ([`Event::from_slice`]).
    ///
    /// # Errors
    /// [`ParseError`] when the body is not a webhook event.
    pub fn event(&self) -> Result<Event, ParseError> {
        Event::from_slice(self.body)
    }

    /// Reads the body as one event or an array of them, one at a time
    /// ([`Event::from_slice_batch`]).
    pub fn events(&self) -> Batch<'a> {
        Event::from_slice_batch(self.body)
    }
}
