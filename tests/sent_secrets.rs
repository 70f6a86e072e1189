//! Schemes that send a secret instead of signing the body: a shared-secret header (App
//! Distribution, API Testing) and HTTP Basic credentials (Error Reporting), with the same
//! verifier, body cap and typestate as the signing schemes.

use sauce_webhooks::Event;
use sauce_webhooks::signature::{HttpBasic, Secret, SharedSecret, SignatureError, Verifier};

const BODY: &[u8] = br#"{"eventId":"e1","failuresCount":1,"testName":"GET /orders","projectId":"p-7"}"#;

fn basic(credentials: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials))
}

#[test]
fn a_shared_secret_is_checked_whole_with_rotation() {
    let verifier = Verifier::new(Secret::new("old-token").unwrap())
        .with_secret(Secret::new("new-token").unwrap())
        .with_scheme(SharedSecret::header("x-webhook-token"));
    assert!(verifier.verify(BODY, Some("old-token")).is_ok());
    assert!(verifier.verify(BODY, Some(" new-token ")).is_ok(), "surrounding spaces are not part of it");
    for wrong in ["old-toke", "old-tokenX", "OLD-TOKEN", "new-token\0", "x"] {
        assert!(verifier.verify(BODY, Some(wrong)).is_err(), "{wrong:?}");
    }
    assert_eq!(verifier.verify(BODY, None).unwrap_err(), SignatureError::Missing);
    assert_eq!(verifier.verify(BODY, Some("")).unwrap_err(), SignatureError::Missing);
    assert!(matches!(verifier.verify(BODY, Some(&"a".repeat(2000))), Err(SignatureError::Malformed { .. })));
    assert_eq!(verifier.header_name(), "x-webhook-token");
}

#[test]
fn what_a_sent_secret_lets_through_parses_as_an_event() {
    let verifier = Verifier::new(Secret::new("t0ken").unwrap()).with_scheme(SharedSecret::header("x-webhook-token"));
    let verified = verifier.verify(BODY, Some("t0ken")).unwrap();
    assert!(matches!(verified.event().unwrap(), Event::ApiTest(result) if result.is_failure()));
}

#[test]
fn http_basic_credentials_are_checked_whole() {
    let verifier = Verifier::new(Secret::basic("backtrace", "s3cret").unwrap()).with_scheme(HttpBasic);
    assert!(verifier.verify(BODY, Some(&basic("backtrace:s3cret"))).is_ok());
    assert!(verifier.verify(BODY, Some(&basic("backtrace:s3cret").replace("Basic", "basic"))).is_ok());
    for wrong in ["backtrace:s3cre", "backtrace:s3cretX", "Backtrace:s3cret", ":s3cret", "backtrace:"] {
        assert!(verifier.verify(BODY, Some(&basic(wrong))).is_err(), "{wrong:?}");
    }
    for malformed in ["Bearer YmFja3RyYWNlOnMzY3JldA==", "Basic !!!", "YmFja3RyYWNlOnMzY3JldA=="] {
        assert!(matches!(verifier.verify(BODY, Some(malformed)), Err(SignatureError::Malformed { .. })), "{malformed}");
    }
    assert_eq!(Secret::basic("user", "").unwrap_err(), sauce_webhooks::signature::SecretError::EmptyPassword);
}

#[test]
fn the_hash_of_long_credentials_is_not_the_credentials() {
    use base64::Engine as _;
    use sha2::Digest as _;
    // HMAC keys a key over 64 bytes by its SHA-256: the hash must not pass for the secret.
    let password = "correct horse battery staple, and then some more words to pass 64 bytes";
    let verifier = Verifier::new(Secret::basic("backtrace", password).unwrap()).with_scheme(HttpBasic);
    assert!(verifier.verify(BODY, Some(&basic(&format!("backtrace:{password}")))).is_ok());
    let hash = sha2::Sha256::digest(format!("backtrace:{password}"));
    let passed_hash = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(hash));
    assert!(matches!(verifier.verify(BODY, Some(&passed_hash)), Err(SignatureError::Malformed { .. })));
    // Nor does a short secret with NULs after it, nor control characters anywhere.
    let short = Verifier::new(Secret::basic("u", "p").unwrap()).with_scheme(HttpBasic);
    for padded in ["u:p\0", "u:p\0\0", "u:\tp"] {
        assert!(short.verify(BODY, Some(&basic(padded))).is_err(), "{padded:?}");
    }
}

#[test]
fn the_body_cap_holds_for_sent_secrets_too() {
    let verifier = Verifier::new(Secret::new("t0ken").unwrap())
        .with_scheme(SharedSecret::header("x-webhook-token"))
        .with_max_body(16);
    assert!(matches!(verifier.verify(BODY, Some("t0ken")), Err(SignatureError::TooLarge { .. })));
}

#[test]
fn the_header_is_found_in_any_case() {
    let verifier = Verifier::new(Secret::new("t0ken").unwrap()).with_scheme(SharedSecret::header("X-Webhook-Token"));
    let mut headers = http::HeaderMap::new();
    headers.insert("x-webhook-token", "t0ken".parse().unwrap());
    assert!(verifier.verify_headers(BODY, &headers).is_ok());
    let basic_verifier = Verifier::new(Secret::basic("u", "p").unwrap()).with_scheme(HttpBasic);
    let mut headers = http::HeaderMap::new();
    headers.insert("Authorization", basic("u:p").parse().unwrap());
    assert!(basic_verifier.verify_headers(BODY, &headers).is_ok());
}

#[test]
fn a_configured_secret_with_nul_bytes_is_refused_where_they_are() {
    use sauce_webhooks::signature::{SecretError, SecretPart};
    let nul = |part, at| SecretError::Control { part, at, character: '\0' };
    // HMAC pads a short key with NULs: configured as "t0ken\0\0", it would take "t0ken".
    assert_eq!(Secret::new("t0ken\0\0").unwrap_err(), nul(SecretPart::Secret, 5));
    assert_eq!(Secret::new(b"\0t0ken").unwrap_err(), nul(SecretPart::Secret, 0));
    assert_eq!(Secret::new(b"\xff\xfe\0").unwrap_err(), nul(SecretPart::Secret, 2), "bytes that are not text too");
    assert_eq!(Secret::basic("u", "p\0").unwrap_err(), nul(SecretPart::Password, 1));
    assert_eq!(Secret::new("t0ken\0").unwrap_err().to_string(), "the secret holds a control character '\\0' at byte 5");
    // A Standard Webhooks key is random bytes, NULs included, and is never sent.
    assert!(Secret::from_standard_webhooks("whsec_AAAA").is_ok(), "three NUL bytes");
}

#[test]
fn a_secret_no_sender_could_send_is_refused_when_configured() {
    use sauce_webhooks::signature::{SecretError, SecretPart};
    // Accepted, each of these made every request fail later, with a 401 that blamed the
    // sender: a sent secret is at most 1 KiB of text without control characters.
    let control = |part, at, character| SecretError::Control { part, at, character };
    assert_eq!(Secret::new("tok\ten").unwrap_err(), control(SecretPart::Secret, 3, '\t'));
    assert_eq!(Secret::new("3c1a7e0e-token\n").unwrap_err(), control(SecretPart::Secret, 14, '\n'), "read from a file");
    assert_eq!(Secret::new("caf\u{e9}\u{85}").unwrap_err(), control(SecretPart::Secret, 5, '\u{85}'));
    assert_eq!(Secret::basic("user", "pa\tss").unwrap_err(), control(SecretPart::Password, 2, '\t'));
    assert_eq!(Secret::basic("us\u{7f}er", "s3cret").unwrap_err(), control(SecretPart::User, 2, '\u{7f}'));
    assert_eq!(
        Secret::basic("user", "pa\tss").unwrap_err().to_string(),
        "the Basic password holds a control character '\\t' at byte 2"
    );
    assert_eq!(Secret::basic("user", "").unwrap_err(), SecretError::EmptyPassword);
    assert_eq!(Secret::basic("user", "").unwrap_err().to_string(), "the Basic password is empty");
    assert_eq!(Secret::basic("", "s3cret").map(drop), Ok(()), "RFC 7617 allows an empty user name");

    let long = "a".repeat(2000);
    assert_eq!(
        Secret::new(&long).unwrap_err(),
        SecretError::TooLong { part: SecretPart::Secret, len: 2000, max: 1024 }
    );
    assert_eq!(
        Secret::new(&long).unwrap_err().to_string(),
        "the secret has 2000 bytes, over the 1024 a secret may have"
    );
    let half = "b".repeat(600);
    assert_eq!(
        Secret::basic(&half, &half).unwrap_err(),
        SecretError::TooLong { part: SecretPart::Credentials, len: 1201, max: 1024 }
    );

    // At the limit, a secret is taken, and a sender can send it.
    let longest = "c".repeat(1024);
    let verifier = Verifier::new(Secret::new(&longest).unwrap()).with_scheme(SharedSecret::header("x-webhook-token"));
    assert!(verifier.verify(BODY, Some(&longest)).is_ok());
    let (user, password) = ("u".repeat(511), "p".repeat(512));
    let verifier = Verifier::new(Secret::basic(&user, &password).unwrap()).with_scheme(HttpBasic);
    assert!(verifier.verify(BODY, Some(&basic(&format!("{user}:{password}")))).is_ok());
}

#[test]
fn a_basic_user_name_with_a_colon_is_refused() {
    use sauce_webhooks::signature::SecretError;
    // "a:b" + "c" and "a" + "b:c" are both "a:b:c" on the wire: one credential, two meanings.
    assert_eq!(Secret::basic("a:b", "c").unwrap_err(), SecretError::ColonInUserName { at: 1 });
    assert_eq!(
        Secret::basic("a:b", "c").unwrap_err().to_string(),
        "the Basic user name holds a `:` at byte 1, which RFC 7617 does not allow"
    );
    let verifier = Verifier::new(Secret::basic("a", "b:c").unwrap()).with_scheme(HttpBasic);
    assert!(verifier.verify(BODY, Some(&basic("a:b:c"))).is_ok(), "a colon in the password is allowed");
}
