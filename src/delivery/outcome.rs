//! What happened when the host sent a request: the one fact the retry policy decides on.

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// How one attempt to send a request ended, as the host's HTTP client saw it.
///
/// ```
/// use sauce_webhooks::delivery::Outcome;
/// use sauce_webhooks::time::{Duration, OffsetDateTime};
///
/// let now = OffsetDateTime::now_utc();
/// assert_eq!(Outcome::status(202), Outcome::Status { code: 202, retry_after: None });
/// // `Retry-After` in seconds or as an HTTP date, read against the host's clock.
/// let throttled = Outcome::status_with_retry_after(429, Some("120"), now);
/// assert_eq!(throttled, Outcome::Status { code: 429, retry_after: Some(Duration::minutes(2)) });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The target answered with this status (redirects not followed: a 3xx is an answer).
    Status {
        /// The HTTP status.
        code: u16,
        /// How long the target asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// No answer in time (15 s is usual for webhooks, PagerDuty's own senders wait 5 s).
    Timeout,
    /// The connection could not be made, or broke before an answer (refused, reset, TLS).
    ConnectionFailed,
    /// The target's name did not resolve.
    DnsFailed,
}

impl Outcome {
    /// An answer with `code` and no `Retry-After`.
    pub fn status(code: u16) -> Self {
        Self::Status { code, retry_after: None }
    }

    /// An answer with `code` and the `Retry-After` header's value, if any: seconds (`120`) or
    /// an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`), read against `now`. A value that is
    /// neither, or a date in the past, counts as no wait.
    pub fn status_with_retry_after(code: u16, retry_after: Option<&str>, now: OffsetDateTime) -> Self {
        Self::Status { code, retry_after: retry_after.and_then(|value| wait(value.trim(), now)) }
    }
}

/// The wait a `Retry-After` value asks for.
fn wait(value: &str, now: OffsetDateTime) -> Option<Duration> {
    if !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<i64>().ok().map(Duration::seconds);
    }
    // IMF-fixdate, the only form RFC 9110 asks senders to use.
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    Some(at - now).filter(|wait| wait.is_positive())
}

#[cfg(test)]
mod tests {
    use super::{Duration, OffsetDateTime, Outcome};

    fn retry_after(value: &str) -> Option<Duration> {
        let now = OffsetDateTime::from_unix_timestamp(1_445_412_000).unwrap(); // 2015-10-21 07:20:00
        match Outcome::status_with_retry_after(503, Some(value), now) {
            Outcome::Status { retry_after, .. } => retry_after,
            _ => unreachable!(),
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after("120"), Some(Duration::seconds(120)));
        assert_eq!(retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::minutes(8)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:00:00 GMT"), None, "a date in the past");
        for junk in ["", "-5", "1.5", "soon", "99999999999", "Wed, 21 Oct 2015 07:28:00 +0000"] {
            assert_eq!(retry_after(junk), None, "{junk:?}");
        }
    }
}
