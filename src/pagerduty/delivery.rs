//! What PagerDuty's answer to a request means for it.

/// What to do after PagerDuty answered a request with an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// 2xx: PagerDuty has it.
    Accepted,
    /// 429 (rate limited, about 120 events a minute per key) or 5xx: send it again later,
    /// with backoff.
    Retry,
    /// Any other status: the request itself is wrong; sending it again will not help.
    Discard,
}

/// Classifies PagerDuty's answer.
///
/// ```
/// use sauce_webhooks::pagerduty::{classify, Delivery};
/// assert_eq!(classify(202), Delivery::Accepted);
/// assert_eq!(classify(429), Delivery::Retry);
/// assert_eq!(classify(503), Delivery::Retry);
/// assert_eq!(classify(400), Delivery::Discard);
/// ```
pub fn classify(status: u16) -> Delivery {
    match status {
        200..=299 => Delivery::Accepted,
        429 | 500..=599 => Delivery::Retry,
        _ => Delivery::Discard,
    }
}
