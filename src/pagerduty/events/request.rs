//! Where Events API v2 requests go, and the body limit they share.

use std::sync::LazyLock;

use serde::Serialize;
use url::Url;

use super::error::AlertError;
use super::limits::MAX_BODY_BYTES;
use crate::outgoing::OutgoingRequest;

/// Where alerts go, by default.
pub const ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Where change events go, by default.
pub const CHANGE_ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/change/enqueue";
/// Where alerts go for an account in PagerDuty's EU service region.
pub const ENQUEUE_URL_EU: &str = "https://events.eu.pagerduty.com/v2/enqueue";
/// Where change events go for an account in PagerDuty's EU service region.
pub const CHANGE_ENQUEUE_URL_EU: &str = "https://events.eu.pagerduty.com/v2/change/enqueue";

// Parsed once: every request clones these rather than parsing a constant again.
static ENQUEUE: LazyLock<Url> = LazyLock::new(|| Url::parse(ENQUEUE_URL).expect("a valid constant"));
static CHANGE_ENQUEUE: LazyLock<Url> = LazyLock::new(|| Url::parse(CHANGE_ENQUEUE_URL).expect("a valid constant"));

/// Which Events API v2 endpoint a body goes to.
#[derive(Clone, Copy)]
pub(crate) enum Endpoint {
    Alerts,
    Changes,
}

/// `value` serialized and posted to `url`, or to `endpoint`'s default URL.
pub(crate) fn request(
    endpoint: Endpoint,
    url: Option<&Url>,
    value: &impl Serialize,
) -> Result<OutgoingRequest, AlertError> {
    Ok(request_of(endpoint, url, body(value)?))
}

/// `body`, written already, posted to `url`, or to `endpoint`'s default URL.
pub(crate) fn request_of(endpoint: Endpoint, url: Option<&Url>, body: Vec<u8>) -> OutgoingRequest {
    let url = url.unwrap_or(match endpoint {
        Endpoint::Alerts => &ENQUEUE,
        Endpoint::Changes => &CHANGE_ENQUEUE,
    });
    OutgoingRequest::json(url.clone(), body)
}

/// `url` as an Events API URL: the routing key travels in the body, so `https`, or `http` to a
/// loopback address only (a stand-in in tests), and no credentials or fragment.
pub(crate) fn events_url(url: &str) -> Result<Url, AlertError> {
    let refused = |reason: &str| AlertError::EventsUrl { reason: reason.to_owned() };
    let parsed = Url::parse(url).map_err(|err| AlertError::EventsUrl { reason: err.to_string() })?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => {}
        "http" if loopback => {}
        "http" => return Err(refused("http only to a loopback address (127.0.0.1, [::1]): use https")),
        _ => return Err(refused("not an https URL with a host")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused("credentials in the URL would be sent with every event"));
    }
    if parsed.fragment().is_some() {
        return Err(refused("a fragment is never sent"));
    }
    Ok(parsed)
}

/// `value` serialized, within PagerDuty's limit.
pub(crate) fn body(value: &impl Serialize) -> Result<Vec<u8>, AlertError> {
    // Parsed times are always writable, but a hand-built one (a change event's) may lie
    // outside the years 0 to 9999.
    let body = serde_json::to_vec(value).map_err(|err| AlertError::Unwritable { reason: err.to_string() })?;
    check_size(&body)?;
    Ok(body)
}

/// Whether `body` is within PagerDuty's limit.
pub(crate) fn check_size(body: &[u8]) -> Result<(), AlertError> {
    if body.len() > MAX_BODY_BYTES { Err(AlertError::TooLarge { size: body.len() }) } else { Ok(()) }
}
