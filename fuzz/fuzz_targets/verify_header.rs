//! Any text as a signature header, under both schemes: checking never panics, and only the
//! real signature (in a form the scheme allows) is accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sauce_webhooks::signature::{Scheme, Secret, Verifier, sign};

const BODY: &[u8] = br#"{"id":"4b0c9d3e","data_type":"vdc","status":"FAILED","creation_time":0}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let secret = Secret::new("fuzz-token").unwrap();
    let real = sign(&secret, BODY).to_string();
    for scheme in [Scheme::SauceLabs, Scheme::PagerDutyV3] {
        let verifier = Verifier::new(secret.clone()).scheme(scheme);
        if verifier.verify(BODY, Some(header)).is_ok() {
            assert!(header.to_ascii_lowercase().contains(&real), "accepted {header:?} without the signature");
        }
    }
});
