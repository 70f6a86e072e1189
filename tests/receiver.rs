//! The example receiver, started on an ephemeral loopback port, answering real HTTP requests
//! from a real HTTP client.

#[path = "../examples/receiver/app.rs"]
mod app;

use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier};
use sauce_webhooks::testing::{JobBuilder, fixtures, signed, signed_bytes, signed_pagerduty};

/// Starts the receiver in the background; its base URL.
fn start() -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    let receiver = app::Receiver {
        sauce: Verifier::new(Secret::new("sauce-secret").unwrap()),
        pagerduty: Verifier::new(Secret::new("new-pd").unwrap())
            .with_secret(Secret::new("old-pd").unwrap())
            .with_scheme(PagerDutyV3),
    };
    std::thread::spawn(move || runtime.block_on(async move { axum::serve(listener, app::router(receiver)).await }));
    format!("http://{address}")
}

/// POSTs `body` with `headers` and returns the status.
fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send(body).map_or_else(|e| panic!("{url}: {e}"), |response| response.status().as_u16())
}

#[test]
fn the_receiver_answers_each_case_with_its_status() {
    let base = start();
    let sauce = format!("{base}/webhooks/sauce");
    let secret = Secret::new("sauce-secret").unwrap();
    let good = signed(&secret, &JobBuilder::new().failed().event());
    let header = good.header_value.as_str();

    assert_eq!(post(&sauce, &[("saucelabs-sign", header)], &good.body), 204, "valid");
    assert_eq!(post(&sauce, &[("SAUCELABS-SIGN", header)], &good.body), 204, "header name in capitals");
    let batch = signed_bytes(&secret, fixtures::BATCH_OF_TWO_JOBS);
    assert_eq!(post(&sauce, &[("saucelabs-sign", &batch.header_value)], &batch.body), 204, "a batch");

    let mut tampered = good.body.clone();
    tampered[10] ^= 1;
    assert_eq!(post(&sauce, &[("saucelabs-sign", header)], &tampered), 401, "tampered");
    assert_eq!(post(&sauce, &[], &good.body), 401, "unsigned");
    let wrong = signed(&Secret::new("not-the-secret").unwrap(), &JobBuilder::new().event());
    assert_eq!(post(&sauce, &[("saucelabs-sign", &wrong.header_value)], &wrong.body), 401, "wrong secret");
    assert_eq!(post(&sauce, &[("saucelabs-sign", header), ("saucelabs-sign", header)], &good.body), 401, "twice");

    let malformed =
        signed_bytes(&secret, &b"{\"id\": \"x\", \"status\": \"FAILED\", \"creation_time\": \"never\"}"[..]);
    assert_eq!(post(&sauce, &[("saucelabs-sign", &malformed.header_value)], &malformed.body), 400, "malformed");

    let oversize = signed_bytes(&secret, vec![b' '; 2 * 1024 * 1024 + 1]);
    assert_eq!(post(&sauce, &[("saucelabs-sign", &oversize.header_value)], &oversize.body), 413, "oversize");
}

#[test]
fn pagerduty_with_two_signatures_during_a_rotation() {
    let base = start();
    let url = format!("{base}/webhooks/pagerduty");
    let (old, new, other) = (Secret::new("old-pd").unwrap(), Secret::new("new-pd").unwrap(), Secret::new("x").unwrap());
    let rotating = signed_pagerduty(&[&other, &new], fixtures::PAGERDUTY_INCIDENT_TRIGGERED);
    assert_eq!(post(&url, &[("X-PagerDuty-Signature", &rotating.header_value)], &rotating.body), 204);
    let old_only = signed_pagerduty(&[&old], fixtures::PAGERDUTY_PING);
    assert_eq!(post(&url, &[("x-pagerduty-signature", &old_only.header_value)], &old_only.body), 204);
    let neither = signed_pagerduty(&[&other], fixtures::PAGERDUTY_PING);
    assert_eq!(post(&url, &[("x-pagerduty-signature", &neither.header_value)], &neither.body), 401);
    let broken = signed_pagerduty(&[&new], &b"{\"event\": 1}"[..]);
    assert_eq!(post(&url, &[("x-pagerduty-signature", &broken.header_value)], &broken.body), 400);
}
