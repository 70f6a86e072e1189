//! The crate's axum extractors, driven through a router as a user's tests would drive theirs:
//! requests from the testing kit, answers read back.

use std::sync::Arc;
use std::task::Poll;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use sauce_webhooks::axum::{PagerDutyWebhook, SauceEvents, Signed};
use sauce_webhooks::signature::{PagerDutyV3, Secret, StandardWebhooks, Verifier, standard_webhooks_headers};
use sauce_webhooks::testing::{JobBuilder, fixtures, signed, signed_bytes, signed_pagerduty};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, JobStatus};
use tower::ServiceExt as _;

const SECRET: &str = "3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d";

/// A handler as the axum guide writes it: the ids and statuses it took, as its answer's body.
async fn sauce(events: SauceEvents) -> String {
    let taken: Vec<String> = events
        .iter()
        .map(|event| match event {
            Event::Job(job) => format!("{} {}", job.id, job.status),
            other => format!("{other:?}"),
        })
        .collect();
    taken.join("\n")
}

fn sauce_app() -> Router {
    let verifier = Arc::new(Verifier::new(Secret::new(SECRET).unwrap()).with_max_body(256 * 1024));
    Router::new().route("/webhooks/sauce", post(sauce)).with_state(verifier)
}

/// The status and body of `app`'s answer to `request`.
async fn answer(app: Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn secret() -> Secret {
    Secret::new(SECRET).unwrap()
}

#[tokio::test]
async fn a_signed_job_reaches_the_handler_parsed() {
    let job = JobBuilder::new().failed().with_id("run-1").event();
    let request = signed(&secret(), &job).http_request("/webhooks/sauce").unwrap().map(Body::from);
    assert_eq!(answer(sauce_app(), request).await, (StatusCode::OK, "run-1 FAILED".to_owned()));
}

#[tokio::test]
async fn an_array_of_jobs_gives_every_event() {
    let batch = signed_bytes(&secret(), fixtures::BATCH_OF_TWO_JOBS);
    let (status, body) = answer(sauce_app(), batch.http_request("/webhooks/sauce").unwrap().map(Body::from)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.lines().count(), 2, "{body}");
}

#[tokio::test]
async fn refusals_answer_with_their_status_and_a_plain_reason() {
    let good = signed(&secret(), &JobBuilder::new().event());
    let mut tampered = good.clone();
    tampered.body[10] ^= 1;
    let (status, reason) = answer(sauce_app(), tampered.http_request("/webhooks/sauce").unwrap().map(Body::from)).await;
    assert_eq!(
        (status, reason.as_str()),
        (StatusCode::UNAUTHORIZED, "signature refused: the signature does not match the body")
    );

    let unsigned = Request::post("/webhooks/sauce").body(Body::from(good.body.clone())).unwrap();
    assert_eq!(answer(sauce_app(), unsigned).await.0, StatusCode::UNAUTHORIZED);
    let unsigned_text = Request::post("/webhooks/sauce")
        .header("content-type", "text/plain")
        .body(Body::from(good.body.clone()))
        .unwrap();
    assert_eq!(
        answer(sauce_app(), unsigned_text).await.0,
        StatusCode::UNAUTHORIZED,
        "the signature is looked at first"
    );

    let mut form = good.http_request("/webhooks/sauce").unwrap().map(Body::from);
    form.headers_mut().insert("content-type", "application/x-www-form-urlencoded".parse().unwrap());
    assert_eq!(answer(sauce_app(), form).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not JSON");
    let mut vendor = good.http_request("/webhooks/sauce").unwrap().map(Body::from);
    vendor.headers_mut().insert("content-type", "application/vnd.sauce+json; charset=utf-8".parse().unwrap());
    assert_eq!(answer(sauce_app(), vendor).await.0, StatusCode::OK, "+json is JSON");

    // One element of a batch that does not parse refuses the request, saying which.
    let half_bad = signed_bytes(&secret(), &br#"[{"id":"a","status":"PASSED","creation_time":1714557600}, {"id":"b","status":"FAILED","creation_time":"never"}]"#[..]);
    let (status, reason) = answer(sauce_app(), half_bad.http_request("/webhooks/sauce").unwrap().map(Body::from)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(reason.starts_with("the body does not parse: ") && reason.contains("creation_time"), "{reason}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_declared_or_streamed() {
    let big = signed_bytes(&secret(), vec![b' '; 300 * 1024]);
    let declared = big.http_request("/webhooks/sauce").unwrap().map(Body::from);
    let (status, reason) = answer(sauce_app(), declared).await;
    assert_eq!(
        (status, reason.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "the body is over the limit of 262144 bytes")
    );
    // Without a length: read up to the limit, then refused.
    let streamed =
        big.http_request("/webhooks/sauce").unwrap().map(|_| Body::new(chunks(300, || vec![b' '; 1024].into())));
    assert!(!streamed.headers().contains_key("content-length"));
    assert_eq!(answer(sauce_app(), streamed).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A streamed body, with no length declared: each poll gives what `next` gives, a chunk, the
/// end (`Ready(None)`), or nothing yet (`Pending`).
struct Frames<F>(F);

impl<F: FnMut() -> Poll<Option<Bytes>> + Unpin> axum::body::HttpBody for Frames<F> {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        (self.0)().map(|chunk| chunk.map(|bytes| Ok(http_body::Frame::data(bytes))))
    }
}

/// A body of `count` chunks, each made by `chunk`.
fn chunks(mut count: usize, chunk: impl Fn() -> Bytes + Unpin) -> Frames<impl FnMut() -> Poll<Option<Bytes>> + Unpin> {
    Frames(move || {
        Poll::Ready((count > 0).then(|| {
            count -= 1;
            chunk()
        }))
    })
}

#[tokio::test]
async fn a_large_body_is_verified_off_the_serving_threads_with_the_same_result() {
    // 100 jobs, about 90 KiB: past the size verified inline.
    let jobs: Vec<Event<'static>> = (0..100)
        .map(|n| JobBuilder::new().with_id(format!("run-{n}")).with_status(JobStatus::Passed).event())
        .collect();
    let body = serde_json::to_vec(&jobs).unwrap();
    assert!(body.len() > 64 * 1024, "{} bytes", body.len());
    let request = signed_bytes(&secret(), body).http_request("/webhooks/sauce").unwrap().map(Body::from);
    let (status, taken) = answer(sauce_app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(taken.lines().count(), 100);
    assert!(taken.starts_with("run-0 PASSED\nrun-1 PASSED"), "in order");
}

#[tokio::test]
async fn pagerduty_webhooks_parse_as_envelopes() {
    async fn pagerduty(PagerDutyWebhook(envelope): PagerDutyWebhook) -> String {
        envelope.event.incident_id().unwrap_or("-").to_owned()
    }
    let pd_secret = Secret::new("pd-secret").unwrap();
    let verifier = Arc::new(Verifier::new(pd_secret.clone()).with_scheme(PagerDutyV3));
    let app = Router::new().route("/pd", post(pagerduty)).with_state(verifier);
    let request = signed_pagerduty(&[&pd_secret], fixtures::PAGERDUTY_INCIDENT_TRIGGERED).http_request("/pd").unwrap();
    let (status, incident) = answer(app.clone(), request.map(Body::from)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(incident, "Q1FQ6NM1QHTDRZ", "the incident of the fixture");
    // A Sauce Labs signature is not a PagerDuty one.
    let sauce_signed = signed_bytes(&pd_secret, fixtures::PAGERDUTY_PING).http_request("/pd").unwrap();
    assert_eq!(answer(app, sauce_signed.map(Body::from)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn standard_webhooks_are_checked_against_the_clock() {
    async fn relayed(signed: Signed<StandardWebhooks>) -> String {
        signed.verified().events().filter_map(Result::ok).count().to_string()
    }
    let whsec = || Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let verifier = Arc::new(Verifier::new(whsec()).with_scheme(StandardWebhooks::default()));
    let app = Router::new().route("/relayed", post(relayed)).with_state(verifier);
    let request_at = |at: OffsetDateTime| {
        let body = fixtures::BATCH_OF_TWO_JOBS;
        let mut request = Request::post("/relayed");
        for (name, value) in standard_webhooks_headers(&whsec(), "msg_1", at, body) {
            request = request.header(name, value);
        }
        request.body(Body::from(body)).unwrap()
    };
    let now = OffsetDateTime::now_utc();
    assert_eq!(answer(app.clone(), request_at(now)).await, (StatusCode::OK, "2".to_owned()));
    let replayed = request_at(now - sauce_webhooks::time::Duration::HOUR);
    let (status, reason) = answer(app, replayed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(reason.contains("outside the tolerance"), "{reason}");
}

/// The axum guide's example and its test, as written there.
mod readme {
    use std::sync::Arc;

    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::post;
    use sauce_webhooks::Event;
    use sauce_webhooks::axum::SauceEvents;
    use sauce_webhooks::signature::{Secret, Verifier};

    async fn sauce(events: SauceEvents) -> StatusCode {
        for event in events {
            if let Event::Job(job) = event {
                println!("{} {}", job.id, job.status); // page, store, forward: yours
            }
        }
        StatusCode::NO_CONTENT
    }

    fn app(token: &str) -> Result<Router, Box<dyn std::error::Error>> {
        let verifier = Arc::new(Verifier::new(Secret::new(token)?));
        Ok(Router::new().route("/webhooks/sauce", post(sauce)).with_state(verifier))
    }

    mod tests {
        use axum::body::Body;
        use sauce_webhooks::signature::Secret;
        use sauce_webhooks::testing::{JobBuilder, signed};
        use tower::ServiceExt as _;

        #[tokio::test]
        async fn a_signed_failure_is_taken() -> Result<(), Box<dyn std::error::Error>> {
            let failed = JobBuilder::new().failed().event();
            let request = signed(&Secret::new("s3cret")?, &failed).http_request("/webhooks/sauce")?;
            let response = super::app("s3cret")?.oneshot(request.map(Body::from)).await?;
            assert_eq!(response.status(), 204);
            Ok(())
        }
    }
}

#[tokio::test]
async fn unsigned_requests_reach_only_signed_which_says_so() {
    async fn lenient(signed: Signed) -> String {
        format!("signed: {}", signed.verified().is_signed())
    }
    let verifier = Arc::new(Verifier::new(secret()).with_insecure_accept_unsigned());
    let app = Router::new().route("/strict", post(sauce)).route("/lenient", post(lenient)).with_state(verifier);
    let body = || Body::from(fixtures::VDC_JOB_FAILED);
    let strict = Request::post("/strict").body(body()).unwrap();
    assert_eq!(answer(app.clone(), strict).await.0, StatusCode::UNAUTHORIZED, "SauceEvents wants a signature");
    let lenient = Request::post("/lenient").body(body()).unwrap();
    assert_eq!(answer(app, lenient).await, (StatusCode::OK, "signed: false".to_owned()));
}

#[tokio::test]
async fn a_request_without_a_signature_is_refused_before_its_body_is_read() {
    // A body that never ends: were it read, the answer would never come.
    let endless = || Body::new(Frames(|| Poll::Pending));
    for (header, reason) in [
        (None, "signature refused: the request has no signature header"),
        (Some("not-hex"), "signature refused: malformed signature header"),
    ] {
        let mut request = Request::post("/webhooks/sauce");
        if let Some(value) = header {
            request = request.header("saucelabs-sign", value);
        }
        let answered = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            answer(sauce_app(), request.body(endless()).unwrap()),
        )
        .await
        .expect("answered without reading the body");
        assert_eq!(answered.0, StatusCode::UNAUTHORIZED);
        assert!(answered.1.starts_with(reason), "{}", answered.1);
    }
}

#[test]
fn a_body_trickled_a_byte_at_a_time_holds_its_bytes_not_its_frames() {
    // As hyper hands over a body sent in 1-byte segments: each frame a byte cut from a read
    // buffer of its own, which a kept frame would keep alive.
    let trickle = || chunks(30_000, || Bytes::from(vec![b' '; 8 * 1024]).slice(..1));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let request = || {
        Request::post("/webhooks/sauce").header("saucelabs-sign", "0".repeat(64)).body(Body::new(trickle())).unwrap()
    };
    let app = sauce_app();
    let mut status = None;
    let peak = allocation_counter::measure(|| {
        status = Some(runtime.block_on(answer(app.clone(), request())).0);
    })
    .bytes_max;
    // Refused as unsigned once read; held 240 MB while reading when frames were kept.
    assert_eq!(status, Some(StatusCode::UNAUTHORIZED));
    assert!(peak < 1024 * 1024, "peak {peak} bytes for a 30,000-byte body");
}

#[test]
fn a_signed_array_of_tiny_events_is_handed_over_one_at_a_time_within_the_bound() {
    // The largest body taken on the task's own thread (64 KiB), where a counting allocator sees
    // all the extractor holds: held whole, 21,845 `{}` took about 30 MB.
    async fn count(events: SauceEvents) -> String {
        let len = events.len();
        format!("{len} {}", events.into_iter().count())
    }
    let app = Router::new().route("/webhooks/sauce", post(count)).with_state(Arc::new(Verifier::new(secret())));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for item in ["{}", r#"{"fingerprint":"f"}"#] {
        let count = (64 * 1024 - 2) / (item.len() + 1);
        let body = format!("[{}]", vec![item; count].join(","));
        let request = signed_bytes(&secret(), body.as_bytes()).http_request("/webhooks/sauce").unwrap().map(Body::from);
        let mut answered = None;
        let peak =
            allocation_counter::measure(|| answered = Some(runtime.block_on(answer(app.clone(), request)))).bytes_max;
        assert_eq!(answered, Some((StatusCode::OK, format!("{count} {count}"))));
        let bound = 8 * body.len() as u64 + 64 * 1024;
        assert!(peak <= bound, "{item}: peak {peak} bytes for a body of {} (bound {bound})", body.len());
        eprintln!("{count} x {item}: {} bytes in, peak {peak} bytes, bound {bound}", body.len());
    }
}

#[tokio::test]
async fn a_body_after_a_byte_order_mark_gives_every_event() {
    let body = [&b"\xEF\xBB\xBF"[..], fixtures::BATCH_OF_TWO_JOBS].concat();
    let request = signed_bytes(&secret(), body).http_request("/webhooks/sauce").unwrap().map(Body::from);
    let (status, taken) = answer(sauce_app(), request).await;
    assert_eq!((status, taken.lines().count()), (StatusCode::OK, 2), "{taken}");
}

#[tokio::test]
async fn a_sent_secret_is_checked_from_its_configured_header() {
    use sauce_webhooks::signature::SharedSecret;
    async fn api_test(signed: Signed<SharedSecret>) -> String {
        signed.verified().event().map_or_else(|err| err.to_string(), |event| event.is_failure().to_string())
    }
    let scheme = SharedSecret::header("x-webhook-token");
    let verifier = Arc::new(Verifier::new(Secret::new("9f8e7d6c-token").unwrap()).with_scheme(scheme));
    let app = Router::new().route("/api-testing", post(api_test)).with_state(verifier);
    let request = |token: &str| {
        Request::post("/api-testing")
            .header("X-Webhook-Token", token)
            .body(Body::from(fixtures::API_TEST_FAILED))
            .unwrap()
    };
    assert_eq!(answer(app.clone(), request("9f8e7d6c-token")).await, (StatusCode::OK, "true".to_owned()));
    assert_eq!(answer(app, request("guess")).await.0, StatusCode::UNAUTHORIZED);
}

/// A handler written as one on `Vec<Event<'static>>` was: by reference, and its first event.
async fn by_reference(events: SauceEvents) -> String {
    let first = events.first().map(|event| matches!(event, Event::Job(_)));
    let mut ids = Vec::new();
    for event in &events {
        if let Event::Job(job) = event {
            ids.push(job.id);
        }
    }
    format!("{first:?} {}", ids.join(" "))
}

#[tokio::test]
async fn a_handler_reads_the_first_event_and_each_by_reference() {
    // `events.first()` and `for event in &events` stopped compiling when `SauceEvents` stopped
    // being a vector; both work again, the first without parsing it twice.
    let verifier = Arc::new(Verifier::new(secret()).with_max_body(256 * 1024));
    let app = Router::new().route("/webhooks/sauce", post(by_reference)).with_state(verifier);
    let batch = signed_bytes(&secret(), fixtures::BATCH_OF_TWO_JOBS);
    let (status, body) = answer(app, batch.http_request("/webhooks/sauce").unwrap().map(Body::from)).await;
    let ids: Vec<String> = Event::from_slice_batch(fixtures::BATCH_OF_TWO_JOBS)
        .map(|event| match event.unwrap() {
            Event::Job(job) => job.id.into(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!((status, body), (StatusCode::OK, format!("Some(true) {}", ids.join(" "))));
}
