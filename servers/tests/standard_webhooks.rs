//! Standard Webhooks signatures, cross-checked both ways against the spec's own Rust library
//! (`standardwebhooks`): what it signs we verify, what we sign it verifies, and a tampered id,
//! timestamp or body fails in both.

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use sauce_webhooks::signature::{
    Secret, SignatureError, StandardHeaders, StandardWebhooks, Verifier, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER, standard_webhooks_headers,
};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use standardwebhooks::Webhook;

/// A secret as Standard Webhooks issues them: `whsec_` and the base64 of 24 random bytes.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn ours() -> Verifier<StandardWebhooks> {
    Verifier::new(Secret::from_standard_webhooks(SECRET).unwrap()).with_scheme(StandardWebhooks::default())
}

fn theirs() -> Webhook {
    Webhook::new(SECRET).unwrap()
}

/// The three headers as the reference library reads them.
fn header_map(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(WEBHOOK_ID_HEADER, HeaderValue::from_str(id).unwrap());
    headers.insert(WEBHOOK_TIMESTAMP_HEADER, HeaderValue::from_str(timestamp).unwrap());
    headers.insert(WEBHOOK_SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    headers
}

/// Ids as senders make them (`msg_` and letters, digits, `_` or `-`), and JSON-ish bodies.
fn message() -> impl Strategy<Value = (String, String)> {
    ("msg_[A-Za-z0-9_-]{1,40}", r#"\{"[a-z]{1,8}":"[ -~]{0,200}"\}"#)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn what_the_reference_signs_we_verify((id, body) in message(), skew in -290i64..290) {
        let now = OffsetDateTime::now_utc();
        let timestamp = now.unix_timestamp() + skew;
        let signature = theirs().sign(&id, timestamp, body.as_bytes()).unwrap();
        let timestamp = timestamp.to_string();
        let headers = StandardHeaders { id: Some(&id), timestamp: Some(&timestamp), signature: Some(&signature) };
        let verified = ours().verify_standard(body.as_bytes(), &headers, now);
        prop_assert!(verified.is_ok());

        // Tampered: the body, the id or the timestamp.
        let verify = |body: &str, id: &str, timestamp: &str| {
            ours().verify_standard(body.as_bytes(), &StandardHeaders { id: Some(id), timestamp: Some(timestamp), signature: Some(&signature) }, now).map(|_| ())
        };
        let (tampered_body, tampered_id) = (format!("{body} "), format!("{id}x"));
        let other_time = (now.unix_timestamp() + skew + 1).to_string();
        prop_assert_eq!(verify(&tampered_body, &id, &timestamp), Err(SignatureError::Mismatch));
        prop_assert_eq!(verify(&body, &tampered_id, &timestamp), Err(SignatureError::Mismatch));
        prop_assert_eq!(verify(&body, &id, &other_time), Err(SignatureError::Mismatch));
    }

    #[test]
    fn what_we_sign_the_reference_verifies((id, body) in message()) {
        let secret = Secret::from_standard_webhooks(SECRET).unwrap();
        let now = OffsetDateTime::now_utc();
        let [(_, id_value), (_, timestamp), (_, signature)] = standard_webhooks_headers(&secret, &id, now, body.as_bytes());
        prop_assert_eq!(&id_value, &id);
        prop_assert!(theirs().verify(body.as_bytes(), &header_map(&id, &timestamp, &signature)).is_ok());

        let (tampered_body, tampered_id) = (format!("{body} "), format!("{id}x"));
        prop_assert!(theirs().verify(tampered_body.as_bytes(), &header_map(&id, &timestamp, &signature)).is_err());
        prop_assert!(theirs().verify(body.as_bytes(), &header_map(&tampered_id, &timestamp, &signature)).is_err());
        let other_time = (now.unix_timestamp() - 1).to_string();
        prop_assert!(theirs().verify(body.as_bytes(), &header_map(&id, &other_time, &signature)).is_err());
    }
}

#[test]
fn rotation_other_versions_and_the_tolerance() {
    let now = OffsetDateTime::now_utc();
    let body = br#"{"event":"job.failed"}"#;
    let old = Secret::from_standard_webhooks("whsec_b2xkLXNlY3JldC1ieXRlcy0wMTIzNDU2Nzg5").unwrap();
    let new = Secret::from_standard_webhooks(SECRET).unwrap();
    let [_, (_, timestamp), (_, with_old)] = standard_webhooks_headers(&old, "msg_1", now, body);
    let [_, _, (_, with_new)] = standard_webhooks_headers(&new, "msg_1", now, body);

    // During a rotation the sender sends both, space-separated; an ed25519 `v1a` entry is
    // not ours to read.
    let both = format!("v1a,AAAA {with_old} {with_new}");
    let verify = |signature: &str, at: OffsetDateTime| {
        ours()
            .verify_standard(
                body,
                &StandardHeaders { id: Some("msg_1"), timestamp: Some(&timestamp), signature: Some(signature) },
                at,
            )
            .map(|_| ())
    };
    assert!(verify(&both, now).is_ok());
    assert_eq!(verify(&with_old, now), Err(SignatureError::Mismatch));
    assert!(matches!(verify("v1a,AAAA", now), Err(SignatureError::Malformed { .. })));

    // Five minutes either way by default, as the spec's libraries; configurable.
    assert!(verify(&with_new, now + Duration::minutes(5)).is_ok());
    assert_eq!(
        verify(&with_new, now + Duration::seconds(301)).unwrap_err(),
        SignatureError::OutsideTolerance { seconds: 301 }
    );
    assert!(matches!(verify(&with_new, now - Duration::minutes(6)), Err(SignatureError::OutsideTolerance { .. })));
    let strict = Verifier::new(Secret::from_standard_webhooks(SECRET).unwrap())
        .with_scheme(StandardWebhooks::default().with_tolerance(Duration::seconds(10)));
    let at = now + Duration::seconds(11);
    assert!(
        strict
            .verify_standard(
                body,
                &StandardHeaders { id: Some("msg_1"), timestamp: Some(&timestamp), signature: Some(&with_new) },
                at
            )
            .is_err()
    );

    // Missing and malformed headers.
    let missing = ours().verify_standard(
        body,
        &StandardHeaders { id: None, timestamp: Some(&timestamp), signature: Some(&with_new) },
        now,
    );
    assert_eq!(missing.unwrap_err(), SignatureError::Missing);
    for timestamp in ["", "-1", "1.5", "soon", "99999999999999999999"] {
        let verified = ours().verify_standard(
            body,
            &StandardHeaders { id: Some("msg_1"), timestamp: Some(timestamp), signature: Some(&with_new) },
            now,
        );
        assert!(matches!(verified, Err(SignatureError::Malformed { .. })), "{timestamp:?}");
    }
    assert!(matches!(
        ours().verify_standard(
            body,
            &StandardHeaders { id: Some("msg_1"), timestamp: Some(&timestamp), signature: Some("v1,not-base64") },
            now
        ),
        Err(SignatureError::Malformed { .. })
    ));
    assert!(Secret::from_standard_webhooks("whsec_%%%").is_err());
    assert!(Secret::from_standard_webhooks("whsec_").is_err());
}
