//! Where Events API v2 requests go, and the body limit they share.

use std::sync::LazyLock;

use serde::Serialize;
use url::Url;

use super::error::AlertError;
use super::limits::MAX_BODY_BYTES;
use crate::outgoing::OutgoingRequest;

/// Where alerts go.
pub const ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Where change events go.
pub const CHANGE_ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/change/enqueue";

// Parsed once: every request clones these rather than parsing a constant again.
static ENQUEUE: LazyLock<Url> = LazyLock::new(|| Url::parse(ENQUEUE_URL).expect("a valid constant"));
static CHANGE_ENQUEUE: LazyLock<Url> = LazyLock::new(|| Url::parse(CHANGE_ENQUEUE_URL).expect("a valid constant"));

/// Which Events API v2 endpoint a body goes to.
#[derive(Clone, Copy)]
pub(crate) enum Endpoint {
    Alerts,
    Changes,
}

/// `value` serialized and posted to `endpoint`, or why it cannot be.
pub(crate) fn request(endpoint: Endpoint, value: &impl Serialize) -> Result<OutgoingRequest, AlertError> {
    let url = match endpoint {
        Endpoint::Alerts => &*ENQUEUE,
        Endpoint::Changes => &*CHANGE_ENQUEUE,
    };
    Ok(OutgoingRequest::json(url.clone(), body(value)?))
}

/// `value` serialized, within PagerDuty's limit.
pub(crate) fn body(value: &impl Serialize) -> Result<Vec<u8>, AlertError> {
    let mut body = Vec::new();
    write_body(value, &mut body)?;
    check_size(&body)?;
    Ok(body)
}

/// Appends `value` serialized to `out`.
pub(crate) fn write_body(value: &impl Serialize, out: &mut Vec<u8>) -> Result<(), AlertError> {
    // Parsed times are always writable, but a hand-built one (a `CheckRun`'s, a payload's)
    // may lie outside the years 0 to 9999.
    serde_json::to_writer(out, value).map_err(|err| AlertError::Unwritable { reason: err.to_string() })
}

/// Whether `body` is within PagerDuty's limit.
pub(crate) fn check_size(body: &[u8]) -> Result<(), AlertError> {
    if body.len() > MAX_BODY_BYTES { Err(AlertError::TooLarge { size: body.len() }) } else { Ok(()) }
}
