//! The senders' header formats. Each scheme is a type, so that a verifier's scheme, and what its
//! verified bodies may be parsed as, are known at compile time.

use std::fmt;

use super::error::SignatureError;
use super::mac::Signature;

/// The header Sauce Labs puts the signature in.
pub const SIGNATURE_HEADER: &str = "saucelabs-sign";

/// The header PagerDuty's v3 webhooks put their signatures in (lowercase, as HTTP/2 sends it;
/// header names are case-insensitive).
pub const PAGERDUTY_SIGNATURE_HEADER: &str = "x-pagerduty-signature";

/// Most entries of a PagerDuty header that are looked at (empty pieces between commas do not
/// count).
const MAX_PAGERDUTY_ENTRIES: usize = 16;

/// A sender's signature header format: [`SauceLabs`], [`PagerDutyV3`] or
/// [`StandardWebhooks`](super::StandardWebhooks).
///
/// Sealed: the crate defines every scheme, so that each is checked the same careful way.
pub trait Scheme: sealed::Sealed + Copy + fmt::Debug {
    /// The header this scheme's signature travels in, in lowercase.
    fn header_name(&self) -> &'static str;
}

/// A scheme whose request carries all it needs in one header, so that
/// [`Verifier::verify`](super::Verifier::verify) needs only the body and that header's value:
/// [`SauceLabs`] and [`PagerDutyV3`], which sign the body, and [`SharedSecret`](super::SharedSecret)
/// and [`HttpBasic`](super::HttpBasic), which send a secret. Sealed, and plumbing: hidden from
/// the documentation.
#[doc(hidden)]
pub trait OneHeader: sealed::Sealed {}

impl OneHeader for SauceLabs {}
impl OneHeader for PagerDutyV3 {}

pub(crate) mod sealed {
    use super::super::error::SignatureError;

    /// What a scheme reads from its header, hidden from users.
    pub trait Sealed {
        /// The signatures the header carries, any of which may match the MAC of
        /// [`signed`](Sealed::signed).
        fn signatures(&self, header: &str) -> Result<Signatures, SignatureError>;

        /// What the signatures are MACs of: the body, for the schemes that sign it.
        fn signed<'b>(&self, body: &'b [u8]) -> &'b [u8] {
            body
        }
    }

    /// Up to 16 signatures read from one header, on the stack. `Debug` shows only how many:
    /// they are what a sender claims, not secrets, but there is nothing to learn from them.
    #[derive(Default)]
    pub struct Signatures {
        pub(crate) list: [[u8; 32]; super::MAX_PAGERDUTY_ENTRIES],
        pub(crate) len: usize,
    }

    impl std::fmt::Debug for Signatures {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Signatures").field("len", &self.len).finish_non_exhaustive()
        }
    }

    impl Signatures {
        pub(crate) fn as_slice(&self) -> &[[u8; 32]] {
            &self.list[..self.len]
        }

        pub(crate) fn push(&mut self, signature: [u8; 32]) {
            self.list[self.len] = signature;
            self.len += 1;
        }
    }
}

use sealed::Signatures;

/// `saucelabs-sign: <64 hex digits>` in either case; surrounding ASCII whitespace and a
/// `sha256=` prefix are tolerated, as some relays add them. The default scheme; its verified
/// bodies parse as [`Event`](crate::Event)s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SauceLabs;

impl Scheme for SauceLabs {
    fn header_name(&self) -> &'static str {
        SIGNATURE_HEADER
    }
}

impl sealed::Sealed for SauceLabs {
    fn signatures(&self, header: &str) -> Result<Signatures, SignatureError> {
        let hex = header.trim_ascii();
        let hex = match hex.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("sha256=") => &hex[7..],
            _ => hex,
        };
        let mut signatures = Signatures::default();
        signatures.push(hex.parse::<Signature>()?.0);
        Ok(signatures)
    }
}

/// `X-PagerDuty-Signature: v1=<hex>[, v1=<hex>…]`: any `v1` entry may match (PagerDuty sends
/// several while it rotates secrets); entries of other versions are ignored; the first 16
/// non-empty entries are looked at. Its verified bodies parse as PagerDuty
/// [`Envelope`](crate::pagerduty::webhook::Envelope)s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PagerDutyV3;

impl Scheme for PagerDutyV3 {
    fn header_name(&self) -> &'static str {
        PAGERDUTY_SIGNATURE_HEADER
    }
}

impl sealed::Sealed for PagerDutyV3 {
    fn signatures(&self, header: &str) -> Result<Signatures, SignatureError> {
        let mut signatures = Signatures::default();
        let entries = header.split(',').map(str::trim_ascii).filter(|entry| !entry.is_empty());
        for entry in entries.take(MAX_PAGERDUTY_ENTRIES) {
            if let Some(Ok(signature)) = entry.strip_prefix("v1=").map(str::parse::<Signature>) {
                signatures.push(signature.0);
            }
        }
        if signatures.len == 0 {
            return Err(SignatureError::Malformed { reason: "no v1=<64 hex digits> entry among the first 16" });
        }
        Ok(signatures)
    }
}
