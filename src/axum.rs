//! Extractors for axum handlers: the request verified, and parsed, before your code runs.
//!
//! Put the verifier in your state as an `Arc<Verifier<S>>` (or anything it can be taken from
//! with [`FromRef`]), and take one of these in the handler:
//!
//! | extractor | gives | for |
//! |---|---|---|
//! | [`SauceEvents`] | every event of a Sauce Labs webhook (one, or an array of jobs), one at a time | `saucelabs-sign` |
//! | [`PagerDutyWebhook`] | a PagerDuty v3 webhook's [`Envelope`](crate::pagerduty::webhook::Envelope) | `X-PagerDuty-Signature` (feature `pagerduty-webhooks`) |
//! | [`Signed`] | the verified raw body, for any scheme: read it your way | any [`Scheme`] |
//!
//! A request that does not pass never reaches the handler: it is answered with a
//! [`WebhookRejection`]'s status and a short plain-text reason (401 for a signature, 413 for a
//! body over the verifier's [`max_body`](Verifier::max_body), 415 for a body declared as
//! something other than JSON, 400 for one that does not parse).
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::routing::post;
//! use axum::Router;
//! use sauce_webhooks::axum::SauceEvents;
//! use sauce_webhooks::signature::{Secret, Verifier};
//! use sauce_webhooks::Event;
//!
//! async fn sauce(events: SauceEvents) {
//!     for event in events {
//!         if let Event::Job(job) = event {
//!             println!("{} {}", job.id, job.status);
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Arc::new(Verifier::new(Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?));
//! let app: Router = Router::new().route("/webhooks/sauce", post(sauce)).with_state(verifier);
//! # let _ = app; Ok(()) }
//! ```
//!
//! Why extractors and not a tower layer: a layer would have to hand the parsed events to the
//! handler through request extensions, typed only at run time, and would verify routes it was
//! not meant for; an extractor is checked by the compiler, per handler, and is what axum users
//! reach for (`Json`, `State`).
//!
//! Verifying and parsing are CPU work: a body over 64 KiB is verified and parsed on tokio's
//! blocking threads, so that a 2 MiB body does not hold a thread that serves connections.

mod events;

use std::marker::PhantomData;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use time::OffsetDateTime;

use self::events::Checked;
pub use self::events::{Events, SauceEvents};
use crate::signature::{OneHeader, SauceLabs, Scheme, SignatureError, StandardWebhooks, Verified, Verifier};
use crate::wire::error::ParseError;

/// Bodies up to this size are verified and parsed on the task itself: it takes microseconds.
const INLINE_BODY: usize = 64 * 1024;

/// The most allocated for a body before its bytes arrive, whatever length it declares.
const FIRST_BUFFER: usize = 64 * 1024;

/// The verified raw body of a request signed under the scheme `S` ([`SauceLabs`] unless said
/// otherwise): for a body you read your own way, or a scheme without its own extractor. A
/// Standard Webhooks request is checked against the system clock.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::routing::post;
/// use axum::Router;
/// use sauce_webhooks::axum::Signed;
/// use sauce_webhooks::signature::{Secret, StandardWebhooks, Verifier};
///
/// // A relay's webhooks, signed the Standard Webhooks way, read leniently: the events that
/// // parse are taken, the others logged.
/// async fn relayed(signed: Signed<StandardWebhooks>) {
///     for event in signed.verified().events() {
///         match event {
///             Ok(event) => println!("{event:?}"),
///             Err(err) => eprintln!("skipped: {err}"),
///         }
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let secret = Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let verifier = Arc::new(Verifier::new(secret).with_scheme(StandardWebhooks::default()));
/// let app: Router = Router::new().route("/relayed", post(relayed)).with_state(verifier);
/// # let _ = app; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Signed<S = SauceLabs> {
    body: Bytes,
    has_signature: bool,
    scheme: PhantomData<S>,
}

impl<S> Signed<S> {
    /// The raw body, as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as [`Verified`], to parse it as the scheme permits.
    pub fn verified(&self) -> Verified<'_, S> {
        Verified::new(&self.body, self.has_signature)
    }
}

/// A verified PagerDuty v3 webhook, parsed. Always signed, as [`SauceEvents`] is.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::routing::post;
/// use axum::Router;
/// use sauce_webhooks::axum::PagerDutyWebhook;
/// use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier};
///
/// async fn pagerduty(PagerDutyWebhook(envelope): PagerDutyWebhook) {
///     println!("{:?} on {:?}", envelope.event.event_type, envelope.event.incident_id());
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Arc::new(Verifier::new(Secret::new("pd-webhook-secret")?).with_scheme(PagerDutyV3));
/// let app: Router = Router::new().route("/webhooks/pagerduty", post(pagerduty)).with_state(verifier);
/// # let _ = app; Ok(()) }
/// ```
#[cfg(feature = "pagerduty-webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty-webhooks")))]
#[derive(Debug, Clone)]
pub struct PagerDutyWebhook(pub crate::pagerduty::webhook::Envelope);

/// Why a request did not reach the handler. As a response: its status, and its reason as
/// plain text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The signature did not verify: 401 (413 for a body over the limit).
    #[error("signature refused: {0}")]
    Signature(SignatureError),
    /// The body is longer than the verifier's limit: 413. Nothing was hashed.
    #[error("the body is over the limit of {limit} bytes")]
    TooLarge {
        /// The verifier's limit.
        limit: usize,
    },
    /// The body could not be read (the client went away, or sent a broken stream): 400.
    #[error("the body could not be read")]
    Unreadable,
    /// `Content-Type` declares something other than JSON: 415.
    #[error("the body must be JSON (Content-Type: application/json)")]
    NotJson,
    /// The body is not what the extractor parses: 400, with where and what.
    #[error("the body does not parse: {0}")]
    Parse(ParseError),
}

impl WebhookRejection {
    /// The status this rejection answers with.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use sauce_webhooks::axum::WebhookRejection;
    /// use sauce_webhooks::signature::SignatureError;
    ///
    /// assert_eq!(WebhookRejection::Signature(SignatureError::Mismatch).status(), StatusCode::UNAUTHORIZED);
    /// assert_eq!(WebhookRejection::NotJson.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(SignatureError::TooLarge { .. }) | Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unreadable | Self::Parse(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let headers =
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")];
        (self.status(), headers, self.to_string()).into_response()
    }
}

/// Schemes a request can be verified under from its headers alone. Plumbing of the extractors
/// (`Scheme` seals it), hidden from the documentation.
#[doc(hidden)]
pub trait FromHeaders: Scheme + Send + Sync + 'static {
    /// Verifies `body` against `headers` (at the system's clock where the scheme signs a
    /// timestamp).
    ///
    /// # Errors
    /// As the verifier's.
    fn verify_request<'a>(
        verifier: &Verifier<Self>,
        body: &'a [u8],
        headers: &HeaderMap,
    ) -> Result<Verified<'a, Self>, SignatureError>;
}

/// The schemes that sign the body alone: the signature header is all there is to read.
impl<S: Scheme + OneHeader + Send + Sync + 'static> FromHeaders for S {
    fn verify_request<'a>(
        verifier: &Verifier<Self>,
        body: &'a [u8],
        headers: &HeaderMap,
    ) -> Result<Verified<'a, Self>, SignatureError> {
        verifier.verify_headers(body, headers)
    }
}

impl FromHeaders for StandardWebhooks {
    fn verify_request<'a>(
        verifier: &Verifier<Self>,
        body: &'a [u8],
        headers: &HeaderMap,
    ) -> Result<Verified<'a, Self>, SignatureError> {
        verifier.verify_standard_headers(body, headers, OffsetDateTime::now_utc())
    }
}

impl<S, St> FromRequest<St> for Signed<S>
where
    S: FromHeaders,
    Arc<Verifier<S>>: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &St) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier<S>>::from_ref(state);
        read_then(request, verifier, Declared::Anything, |_| Ok(())).await.map(|(signed, ())| signed)
    }
}

impl<St> FromRequest<St> for SauceEvents
where
    Arc<Verifier>: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &St) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let (signed, checked) = read_then(request, verifier, Declared::Json, Checked::of).await?;
        require_signature(&signed)?;
        Ok(checked.of_body(signed.body))
    }
}

#[cfg(feature = "pagerduty-webhooks")]
impl<St> FromRequest<St> for PagerDutyWebhook
where
    Arc<Verifier<crate::signature::PagerDutyV3>>: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &St) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier<crate::signature::PagerDutyV3>>::from_ref(state);
        let (signed, envelope) = read_then(request, verifier, Declared::Json, |verified| verified.envelope()).await?;
        require_signature(&signed)?;
        Ok(Self(envelope))
    }
}

/// What a body's `Content-Type` must declare.
#[derive(PartialEq, Eq)]
enum Declared {
    /// JSON, or nothing: for the extractors that parse it.
    Json,
    /// Anything: the body is handed over as bytes.
    Anything,
}

/// Refuses a request that a verifier accepting unsigned ones let through.
fn require_signature<S>(signed: &Signed<S>) -> Result<(), WebhookRejection> {
    if signed.has_signature { Ok(()) } else { Err(WebhookRejection::Signature(SignatureError::Missing)) }
}

/// Refuses a `Content-Type` that is not JSON; a request without one is read as JSON.
fn require_json(headers: &HeaderMap) -> Result<(), WebhookRejection> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return Ok(()) };
    let essence = value.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim();
    let json = essence.eq_ignore_ascii_case("application/json")
        || essence.get(essence.len().saturating_sub(5)..).is_some_and(|end| end.eq_ignore_ascii_case("+json"));
    if json { Ok(()) } else { Err(WebhookRejection::NotJson) }
}

/// Reads the body up to the verifier's limit, verifies it, and parses it with `parse`: on
/// tokio's blocking threads for a large body.
async fn read_then<S, T>(
    request: Request,
    verifier: Arc<Verifier<S>>,
    declared_as: Declared,
    parse: impl FnOnce(Verified<'_, S>) -> Result<T, ParseError> + Send + 'static,
) -> Result<(Signed<S>, T), WebhookRejection>
where
    S: FromHeaders,
    T: Send + 'static,
{
    let limit = verifier.max_body();
    let (parts, body) = request.into_parts();
    // What can be refused without the body is: a missing or malformed signature, a body
    // that is not JSON where JSON is parsed, a declared length over the limit.
    verifier.check_headers(&parts.headers).map_err(WebhookRejection::Signature)?;
    if declared_as == Declared::Json {
        require_json(&parts.headers)?;
    }
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(WebhookRejection::TooLarge { limit });
    }
    let body = read_body(body, limit, declared).await?;
    let inline = body.len() <= INLINE_BODY;
    let check = move || {
        let verified = S::verify_request(&verifier, &body, &parts.headers).map_err(WebhookRejection::Signature)?;
        let has_signature = verified.is_signed();
        let parsed = parse(verified).map_err(WebhookRejection::Parse)?;
        Ok((Signed { body, has_signature, scheme: PhantomData }, parsed))
    };
    if inline {
        return check();
    }
    match tokio::task::spawn_blocking(check).await {
        Ok(checked) => checked,
        // A panic goes on as it would have on this task.
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        // Cancelled: the runtime is shutting down under it.
        Err(_) => Err(WebhookRejection::Unreadable),
    }
}

/// The body's bytes, copied out of each frame as it arrives: a frame kept as it is would keep
/// alive the whole read buffer it was cut from, so a body sent a byte at a time would hold
/// kilobytes per byte.
async fn read_body(mut body: Body, limit: usize, declared: Option<u64>) -> Result<Bytes, WebhookRejection> {
    let first = declared.and_then(|length| usize::try_from(length).ok()).unwrap_or(0).min(FIRST_BUFFER);
    let mut bytes = Vec::with_capacity(first);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| WebhookRejection::Unreadable)?;
        if let Some(data) = frame.data_ref() {
            if bytes.len() + data.len() > limit {
                return Err(WebhookRejection::TooLarge { limit });
            }
            bytes.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(bytes))
}

#[cfg(test)]
mod tests {
    //! The extractor's peak memory on the largest bodies a verifier takes. A counting allocator
    //! counts per thread, and the extractor reads a body on its task but checks one over 64 KiB
    //! on tokio's blocking threads: here its steps run one after the other on one thread, as
    //! the extractor runs them, followed by a handler taking every event.

    use axum::body::Body;
    use axum::http::HeaderMap;

    use super::{Checked, FromHeaders, read_body};
    use crate::signature::{SIGNATURE_HEADER, SauceLabs, Secret, Verifier, sign};

    /// `item` repeated in an array of the verifier's 2 MiB limit.
    fn array_of(item: &str) -> Vec<u8> {
        let count = (2 * 1024 * 1024 - 2) / (item.len() + 1);
        format!("[{}]", vec![item; count].join(",")).into_bytes()
    }

    /// The peak of extracting `body` and taking each of its events, and how many there were.
    fn extracted(body: Vec<u8>) -> (u64, usize) {
        let secret = Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, sign(&secret, &body).to_string().parse().unwrap());
        let verifier = Verifier::new(secret);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let declared = Some(body.len() as u64);
        let request = Body::from(body);
        let mut taken = 0;
        let peak = allocation_counter::measure(|| {
            let body = runtime.block_on(read_body(request, verifier.max_body(), declared)).unwrap();
            let verified = SauceLabs::verify_request(&verifier, &body, &headers).unwrap();
            let checked = Checked::of(verified).unwrap();
            taken = checked.of_body(body).into_iter().count();
        })
        .bytes_max;
        (peak, taken)
    }

    #[test]
    fn a_signed_batch_of_2_mib_is_taken_within_the_parsers_bound() {
        // Held whole, 699,050 `{}` grew the receiver by 461 MB, and 104,854 error groups by
        // 61 times their body.
        for (what, item) in [("{}", "{}"), ("error groups", r#"{"fingerprint":"f"}"#)] {
            let body = array_of(item);
            let (size, elements) = (body.len() as u64, (body.len() - 1) / (item.len() + 1));
            let (peak, taken) = extracted(body);
            assert_eq!(taken, elements, "{what}: every event taken");
            let bound = 8 * size + 64 * 1024;
            assert!(peak <= bound, "{what}: peak {peak} bytes for {size} bytes of body (bound {bound})");
            eprintln!("SauceEvents of {taken} {what}: {size} bytes in, peak {peak} bytes, bound {bound}");
        }
    }
}
