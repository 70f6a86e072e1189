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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// A secret must not be empty.
    #[error("the secret is empty")]
    Empty,
    /// A secret holds a NUL byte, at byte `at` (of `user:password`, for Basic credentials):
    /// HMAC pads short keys with NULs, so the secret without its trailing NULs would pass too.
    #[error("the secret holds a NUL byte at byte {at}")]
    Nul {
        /// Where the first NUL byte is.
        at: usize,
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
