//! What can go wrong building a PagerDuty request.

use super::limits::MAX_BODY_BYTES;

/// What went wrong building a PagerDuty request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// A routing (integration) key is 32 letters and digits.
    #[error("a routing key is 32 ASCII letters and digits, got {len} characters")]
    RoutingKey {
        /// How many characters were given.
        len: usize,
    },
    /// An image must be served over HTTPS.
    #[error("image source {src:?} is not an https URL")]
    InsecureImage {
        /// The refused source.
        src: String,
    },
    /// The serialized body is over PagerDuty's 512 KB.
    #[error("the body has {size} bytes, over PagerDuty's limit of {MAX_BODY_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// A value that cannot be written as JSON, such as a time outside the years 0 to 9999.
    #[error("the body cannot be written: {reason}")]
    Unwritable {
        /// What serde_json said.
        reason: String,
    },
    /// An Events API URL that is not `https` (nor `http` to a loopback address), or that
    /// carries credentials or a fragment.
    #[error("refused events URL: {reason}")]
    EventsUrl {
        /// Why.
        reason: String,
    },
    /// A severity other than critical, error, warning or info.
    #[error("unknown severity {0:?}; expected critical, error, warning or info")]
    Severity(String),
}
