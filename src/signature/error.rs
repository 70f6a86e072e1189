//! What can go wrong: a request that does not verify, or a verifier set up wrongly.

/// Why a request did not verify: everything [`Verifier::verify`](super::Verifier::verify) can
/// return, and nothing else, so that a handler maps each variant to a status.
///
/// ```
/// use sauce_webhooks::signature::SignatureError;
///
/// fn status(err: &SignatureError) -> u16 {
///     match err {
///         SignatureError::Missing | SignatureError::Malformed { .. } | SignatureError::Mismatch => 401,
///         SignatureError::TooLarge { .. } => 413,
///         _ => 401, // `#[non_exhaustive]`: a future reason to refuse is still a refusal
///     }
/// }
/// assert_eq!(status(&SignatureError::Mismatch), 401);
/// ```
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
    /// A Standard Webhooks timestamp further from the host's clock than the tolerance: a
    /// replay, or a clock far off.
    #[error("the signed timestamp is {seconds} s from now, outside the tolerance")]
    OutsideTolerance {
        /// How far it is from now, in seconds.
        seconds: i64,
    },
    /// The body is larger than the verifier accepts; nothing was hashed.
    #[error("the body has {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The verifier's limit.
        limit: usize,
    },
}

/// A mistake in a verifier's configuration, caught when it is built: never the sender's doing.
///
/// ```
/// use sauce_webhooks::signature::{Secret, SecretError, SecretPart};
///
/// let err = Secret::basic("backtrace", "s3cret\n").unwrap_err(); // read from a file
/// assert_eq!(err, SecretError::Control { part: SecretPart::Password, at: 6, character: '\n' });
/// assert_eq!(err.to_string(), "the Basic password holds a control character '\\n' at byte 6");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// A secret must not be empty.
    #[error("the secret is empty")]
    Empty,
    /// HTTP Basic credentials need a password.
    #[error("the Basic password is empty")]
    EmptyPassword,
    /// A secret holds a control character (a tab, a line break, NUL, ...) at byte `at` of
    /// `part`. No sender sends one in a header, so every request would fail; and HMAC pads a
    /// short key with NULs, so a secret ending in NULs would take the secret without them. A
    /// secret of bytes that are not text is refused a NUL only.
    #[error("the {part} holds a control character {character:?} at byte {at}")]
    Control {
        /// Which part of the secret.
        part: SecretPart,
        /// Where the first one is, in bytes from the part's start.
        at: usize,
        /// Which character it is.
        character: char,
    },
    /// A secret longer than [`MAX_SECRET_BYTES`](super::MAX_SECRET_BYTES): a sender may send
    /// no longer one in a header, and HMAC keys a key over 64 bytes by its hash.
    #[error("the {part} has {len} bytes, over the {max} a secret may have")]
    TooLong {
        /// Which part of the secret (for Basic credentials, `user:password` whole).
        part: SecretPart,
        /// How long it is, in bytes.
        len: usize,
        /// How long it may be.
        max: usize,
    },
    /// An HTTP Basic user name holds a `:`, at byte `at`: the credentials `user:password`
    /// could then be split another way, `("a:b", "c")` being `("a", "b:c")` on the wire.
    #[error("the Basic user name holds a `:` at byte {at}, which RFC 7617 does not allow")]
    ColonInUserName {
        /// Where the first `:` is.
        at: usize,
    },
    /// A Standard Webhooks secret is `whsec_` and standard base64.
    #[error("the secret is not whsec_ and base64")]
    NotBase64,
    /// A verifier holds at most [`MAX_SECRETS`](super::MAX_SECRETS) secrets.
    #[error("a verifier holds at most {max} secrets")]
    TooMany {
        /// How many it holds at most.
        max: usize,
    },
}

/// Which part of a configured secret a [`SecretError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretPart {
    /// A token ([`Secret::new`](super::Secret::new)).
    Secret,
    /// A Basic user name ([`Secret::basic`](super::Secret::basic)).
    User,
    /// A Basic password.
    Password,
    /// Basic credentials whole, `user:password`.
    Credentials,
}

impl std::fmt::Display for SecretPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Secret => "secret",
            Self::User => "Basic user name",
            Self::Password => "Basic password",
            Self::Credentials => "Basic credentials (user:password)",
        })
    }
}
