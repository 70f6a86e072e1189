//! Signatures: agreement with Python's hmac, bit flips, header forms, rotation, limits.

use proptest::prelude::*;
use sauce_webhooks::signature::{
    DEFAULT_MAX_BODY, MAX_SECRETS, PAGERDUTY_SIGNATURE_HEADER, PagerDutyV3, SIGNATURE_HEADER, Secret, SecretError,
    Signature, SignatureError, Verifier, sign,
};

struct Vector {
    name: String,
    secret: Vec<u8>,
    body: Vec<u8>,
    signature: String,
}

fn vectors() -> Vec<Vector> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/signatures.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let body = if let Some(hex) = v.get("body_hex") {
                hex::decode(hex.as_str().unwrap()).unwrap()
            } else {
                {
                    let recipe = &v["body_recipe"];
                    let (len, mul, add) = (
                        recipe["len"].as_u64().unwrap(),
                        recipe["mul"].as_u64().unwrap(),
                        recipe["add"].as_u64().unwrap(),
                    );
                    (0..len).map(|i| u8::try_from((i * mul + add) % 256).unwrap()).collect()
                }
            };
            Vector {
                name: v["name"].as_str().unwrap().to_owned(),
                secret: hex::decode(v["secret_hex"].as_str().unwrap()).unwrap(),
                body,
                signature: v["signature"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

fn secret(token: &str) -> Secret {
    Secret::new(token).unwrap()
}

fn malformed<T>(result: &Result<T, SignatureError>) -> bool {
    matches!(result, Err(SignatureError::Malformed { .. }))
}

#[test]
fn agrees_with_python_hmac() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 7);
    for v in &vectors {
        let key = Secret::new(&v.secret).unwrap();
        assert_eq!(sign(&key, &v.body).to_string(), v.signature, "{}", v.name);
        let verifier = Verifier::new(key);
        let checked = verifier.verify(&v.body, Some(&v.signature)).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(checked.body(), v.body.as_slice());
        assert!(checked.is_signed());
        assert_eq!(
            verifier.verify(&v.body, Some(&v.signature.to_uppercase())).map(|v| v.body().len()),
            Ok(v.body.len())
        );
    }
}

#[test]
fn every_single_bit_flip_in_the_body_is_refused() {
    let v = vectors().into_iter().find(|v| v.name.starts_with("1.5 KB")).unwrap();
    let verifier = Verifier::new(Secret::new(&v.secret).unwrap());
    let mut body = v.body.clone();
    for bit in 0..body.len() * 8 {
        body[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(verifier.verify(&body, Some(&v.signature)).unwrap_err(), SignatureError::Mismatch, "bit {bit}");
        body[bit / 8] ^= 1 << (bit % 8);
    }
    assert!(verifier.verify(&body, Some(&v.signature)).is_ok(), "the unflipped body still verifies");
}

#[test]
fn every_single_bit_flip_in_the_signature_is_refused() {
    let v = &vectors()[0];
    let verifier = Verifier::new(Secret::new(&v.secret).unwrap());
    let good: Signature = v.signature.parse().unwrap();
    for bit in 0..256 {
        let mut bytes = *good.as_bytes();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let flipped = hex::encode(bytes);
        assert_eq!(verifier.verify(&v.body, Some(&flipped)).unwrap_err(), SignatureError::Mismatch, "bit {bit}");
    }
}

#[test]
fn sauce_header_forms() {
    let body = br#"{"id":"a1"}"#;
    let verifier = Verifier::new(secret("token"));
    let hex = sign(&secret("token"), body).to_string();

    for accepted in
        [hex.clone(), hex.to_uppercase(), format!("  {hex}\t"), format!("sha256={hex}"), format!("SHA256={hex} ")]
    {
        assert!(verifier.verify(body, Some(&accepted)).is_ok(), "{accepted:?}");
    }
    let refused = [
        String::new(),
        "   ".into(),
        "sha256=".into(),
        hex[..63].into(),
        format!("{hex}0"),
        format!("{}g", &hex[..63]),
        format!("{}é", &hex[..62]),
        format!("v1={hex}"),
        format!("{hex},{hex}"),
        "z".repeat(64),
        " ".repeat(1 << 20),
        "a".repeat(1 << 20),
        format!("{}{hex}", " ".repeat(5000)),
        format!("\u{a0}{hex}"),
        format!("{hex}\u{2028}"),
        format!("\u{3000}{hex}"),
        format!("sha256= {hex}"),
    ];
    for header in &refused {
        assert!(malformed(&verifier.verify(body, Some(header))), "{:?}", &header[..header.len().min(70)]);
    }
    assert_eq!(verifier.verify(body, None).unwrap_err(), SignatureError::Missing);
    assert_eq!(verifier.header_name(), SIGNATURE_HEADER);
}

#[test]
fn pagerduty_headers_with_one_two_and_three_entries() {
    let body = br#"{"event":{"id":"01DEN2MHL9GVQB7YPHTA4JEFBN","event_type":"pagey.ping"}}"#;
    let verifier = Verifier::new(secret("pd-secret")).with_scheme(PagerDutyV3);
    assert_eq!(verifier.header_name(), PAGERDUTY_SIGNATURE_HEADER);
    let good = format!("v1={}", sign(&secret("pd-secret"), body));
    let other = format!("v1={}", sign(&secret("another-secret"), body));
    let headers = [
        good.clone(),
        format!("{good},{other}"),
        format!("{other}, {good}"),
        format!("{other},{good},{other}"),
        format!("{other} , {other},  {good} "),
        format!("v0=abc,{good}"),
        format!("v2={},{good}", "0".repeat(64)),
        format!("{good},v1=not-hex"),
    ];
    for header in &headers {
        assert!(verifier.verify(body, Some(header)).is_ok(), "{header}");
    }
    assert_eq!(verifier.verify(body, Some(&other)).unwrap_err(), SignatureError::Mismatch);
    assert_eq!(verifier.verify(body, Some(&format!("{other},{other},{other}"))).unwrap_err(), SignatureError::Mismatch);
    for header in ["", "v1=", "v2=abc", "sha256=abc", "v1=xyz,v0=abc", ","] {
        assert!(malformed(&verifier.verify(body, Some(header))), "{header:?}");
    }
    // Empty pieces between commas are not entries.
    assert!(verifier.verify(body, Some(&format!("{}{good}", ",".repeat(16)))).is_ok());
    assert!(verifier.verify(body, Some(&format!(" , ,{good},, "))).is_ok());
    // The seventeenth entry is not looked at; a header over 4 KiB is malformed.
    let sixteen_others = vec![other.as_str(); 16].join(",");
    assert_eq!(verifier.verify(body, Some(&format!("{sixteen_others},{good}"))).unwrap_err(), SignatureError::Mismatch);
    let padded = format!("{good},{}", "v0=x,".repeat(1000));
    assert!(malformed(&verifier.verify(body, Some(&padded))));
    assert!(malformed(&verifier.verify(body, Some(&"v1=".repeat(1 << 18)))));
}

#[test]
fn rotation_accepts_old_and_new_secrets() {
    let body = b"{}";
    let old = sign(&secret("old"), body).to_string();
    let new = sign(&secret("new"), body).to_string();
    let during = Verifier::new(secret("old")).with_secret(secret("new"));
    assert!(during.verify(body, Some(&old)).is_ok());
    assert!(during.verify(body, Some(&new)).is_ok());
    let after = Verifier::new(secret("new"));
    assert_eq!(after.verify(body, Some(&old)).unwrap_err(), SignatureError::Mismatch);

    // Up to MAX_SECRETS, every one is accepted; one more is refused, never silently dropped.
    let mut verifier = Verifier::new(secret("s0"));
    for i in 1..MAX_SECRETS {
        verifier = verifier.try_with_secret(secret(&format!("s{i}"))).unwrap();
    }
    for i in 0..MAX_SECRETS {
        assert!(verifier.verify(body, Some(&sign(&secret(&format!("s{i}")), body).to_string())).is_ok(), "s{i}");
    }
    assert_eq!(
        verifier.try_with_secret(secret("one-too-many")).unwrap_err(),
        SecretError::TooMany { max: MAX_SECRETS }
    );
}

#[test]
#[should_panic(expected = "at most 8 secrets")]
fn with_secret_past_the_limit_is_a_startup_panic() {
    let mut verifier = Verifier::new(secret("s0"));
    for i in 1..=MAX_SECRETS {
        verifier = verifier.with_secret(secret(&format!("s{i}")));
    }
}

#[test]
fn the_body_limit_is_checked_before_hashing() {
    let verifier = Verifier::new(secret("token")).with_max_body(16);
    let body = [b'x'; 17];
    let header = sign(&secret("token"), &body).to_string();
    assert_eq!(verifier.verify(&body, Some(&header)).unwrap_err(), SignatureError::TooLarge { size: 17, limit: 16 });
    assert_eq!(verifier.verify(&body, None).unwrap_err(), SignatureError::TooLarge { size: 17, limit: 16 });
    assert!(verifier.verify(&body[..16], Some(&sign(&secret("token"), &body[..16]).to_string())).is_ok());

    let default = Verifier::new(secret("token"));
    let big = vec![0u8; DEFAULT_MAX_BODY + 1];
    assert!(matches!(default.verify(&big, Some("00")), Err(SignatureError::TooLarge { .. })));
    assert_eq!(default.verify(&big[..DEFAULT_MAX_BODY], Some(&"0".repeat(64))).unwrap_err(), SignatureError::Mismatch);
}

#[test]
fn unsigned_requests_only_with_the_loud_opt_in() {
    let body = br#"{"id":"a1","status":"PASSED","creation_time":0}"#;
    assert_eq!(Verifier::new(secret("token")).verify(body, None).unwrap_err(), SignatureError::Missing);

    let lenient = Verifier::new(secret("token")).with_insecure_accept_unsigned();
    let verified = lenient.verify(body, None).unwrap();
    assert!(!verified.is_signed());
    assert!(verified.event().is_ok());
    assert_eq!(lenient.verify(body, Some(&"0".repeat(64))).unwrap_err(), SignatureError::Mismatch);
    assert!(malformed(&lenient.verify(body, Some("garbage"))));
    assert!(malformed(&lenient.verify(body, Some(""))));
}

#[test]
fn secrets_are_never_shown() {
    assert_eq!(Secret::new("").unwrap_err(), SecretError::Empty);
    assert_eq!(Secret::new(Vec::<u8>::new()).unwrap_err(), SecretError::Empty);
    let verifier = Verifier::new(secret("hunter2-hunter2")).with_secret(secret("correct horse"));
    let debug = format!("{verifier:?}");
    assert!(!debug.contains("hunter2") && !debug.contains("horse"), "{debug}");
    assert_eq!(debug.matches("Secret(<redacted>)").count(), 2, "{debug}");
}

#[test]
fn signature_parsing_and_display() {
    let hex = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
    let signature: Signature = hex.parse().unwrap();
    assert_eq!(signature.to_string(), hex);
    assert_eq!(format!("{signature:?}"), "Signature(…)", "a signature lets anyone replay its body");
    assert_eq!(hex.to_uppercase().parse::<Signature>().unwrap(), signature);
    assert_ne!("0".repeat(64).parse::<Signature>().unwrap(), signature);
    {
        use subtle::ConstantTimeEq;
        assert!(bool::from(signature.ct_eq(&hex.parse().unwrap())));
        assert!(!bool::from(signature.ct_eq(&"0".repeat(64).parse().unwrap())));
    }
    for bad in ["", &hex[..63], "sha256=00", &format!("{hex}00"), &format!(" {}", &hex[1..])] {
        assert!(malformed(&bad.parse::<Signature>()), "{bad:?}");
    }
}

#[test]
fn verified_parses_the_body() {
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/payloads/batch_two_jobs.json")).unwrap();
    let verifier = Verifier::new(secret("token"));
    let checked = verifier.verify(&body, Some(&sign(&secret("token"), &body).to_string())).unwrap();
    assert_eq!(checked.events().collect::<Result<Vec<_>, _>>().unwrap().len(), 2);
    assert!(checked.event().is_err(), "an array is not one event");
}

#[cfg(feature = "http")]
#[test]
fn verify_headers_finds_the_header_in_any_case() {
    use http::{HeaderMap, HeaderName, HeaderValue};
    let body = b"{}";
    let hex = sign(&secret("token"), body).to_string();
    let verifier = Verifier::new(secret("token"));

    let mut headers = HeaderMap::new();
    assert_eq!(verifier.verify_headers(body, &headers).unwrap_err(), SignatureError::Missing);
    headers.insert(HeaderName::from_bytes(b"SauceLabs-Sign").unwrap(), HeaderValue::from_str(&hex).unwrap());
    assert!(verifier.verify_headers(body, &headers).is_ok());
    headers.append(SIGNATURE_HEADER, HeaderValue::from_str(&hex).unwrap());
    assert!(malformed(&verifier.verify_headers(body, &headers)), "two values are refused");

    let mut headers = HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    assert!(malformed(&verifier.verify_headers(body, &headers)));

    let pagerduty = Verifier::new(secret("pd")).with_scheme(PagerDutyV3);
    let mut headers = HeaderMap::new();
    let value = format!("v1={}", sign(&secret("pd"), body));
    headers.insert(HeaderName::from_static("x-pagerduty-signature"), HeaderValue::from_str(&value).unwrap());
    assert!(pagerduty.verify_headers(body, &headers).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_always_passes(token in proptest::collection::vec(1u8.., 1..100), body in proptest::collection::vec(any::<u8>(), 0..2000)) {
        // Any key taken: text without control characters, or bytes that are not text.
        let text = std::str::from_utf8(&token).ok();
        let Ok(key) = Secret::new(&token) else {
            prop_assert!(text.is_some_and(|text| text.chars().any(char::is_control)), "{token:?} refused");
            return Ok(());
        };
        let header = sign(&key, &body).to_string();
        let verifier = Verifier::new(key.clone());
        prop_assert!(verifier.verify(&body, Some(&header)).is_ok());
        let pagerduty = Verifier::new(key).with_scheme(PagerDutyV3);
        let pagerduty_header = format!("v1={header}");
        prop_assert!(pagerduty.verify(&body, Some(&pagerduty_header)).is_ok());
    }

    #[test]
    fn signature_parsing_agrees_with_the_hex_crate(text in prop_oneof!["[0-9a-fA-F]{64}", "[0-9a-fA-Fg-z ]{64}", ".{60,66}"]) {
        let mut expected = [0u8; 32];
        let reference = hex::decode_to_slice(&text, &mut expected).map(|()| expected);
        let ours = text.parse::<Signature>().map(|signature| *signature.as_bytes());
        prop_assert_eq!(ours.ok(), reference.ok());
    }

    #[test]
    fn arbitrary_headers_never_panic_and_never_pass(header in ".{0,300}") {
        let sauce = Verifier::new(secret("token"));
        let result = sauce.verify(b"{}", Some(&header)).map(|_| ());
        prop_assert!(matches!(result, Err(SignatureError::Malformed { .. } | SignatureError::Mismatch)), "{:?}", result);
        let pagerduty = sauce.with_scheme(PagerDutyV3);
        let result = pagerduty.verify(b"{}", Some(&header)).map(|_| ());
        prop_assert!(matches!(result, Err(SignatureError::Malformed { .. } | SignatureError::Mismatch)), "{:?}", result);
    }
}
